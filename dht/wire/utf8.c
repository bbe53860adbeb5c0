/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * utf8.c — strict UTF-8 decoder. The ranges are those of Unicode table 3-7;
 * the second byte carries the extra constraints that exclude overlongs
 * (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
 */
#include "config.h"

#include "dht/wire/utf8.h"

int
utf8_next(const uint8_t *s, size_t len, size_t *off, uint32_t *cp)
{
	size_t i = *off, n, k;
	uint8_t b0, lo = 0x80, hi = 0xbf;
	uint32_t c;

	if (i >= len)
		return -1;
	b0 = s[i];
	if (b0 < 0x80) {
		*cp = b0;
		*off = i + 1;
		return 0;
	}
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		n = 1;
		c = b0 & 0x1f;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		n = 2;
		c = b0 & 0x0f;
		if (b0 == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (b0 == 0xed)
			hi = 0x9f;	/* surrogates U+D800..U+DFFF */
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		n = 3;
		c = b0 & 0x07;
		if (b0 == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (b0 == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		/* continuation byte, C0/C1 overlong lead, F5..FF: a subpart of 1 */
		*off = i + 1;
		return -1;
	}
	for (k = 1; k <= n; k++) {
		if (i + k >= len || s[i + k] < lo || s[i + k] > hi) {
			*off = i + k;	/* the valid prefix is the maximal subpart */
			return -1;
		}
		c = (c << 6) | (s[i + k] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	*off = i + n + 1;
	return 0;
}

int
utf8_valid(const uint8_t *s, size_t len)
{
	size_t off = 0;
	uint32_t cp;

	while (off < len)
		if (utf8_next(s, len, &off, &cp) != 0)
			return 0;
	return 1;
}
