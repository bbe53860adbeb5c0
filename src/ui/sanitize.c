/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sanitize.c — strict UTF-8 decoding and terminal neutralisation of peer text.
 *
 * The decoder follows Unicode 15 table 3-7 ("well-formed UTF-8 byte
 * sequences"): the second byte carries the extra constraints that exclude
 * overlongs (E0, F0), surrogates (ED) and code points past U+10FFFF (F4). On
 * error it skips the maximal subpart, the practice §3.9 recommends (and W3C
 * encoding requires), so one truncated sequence is one U+FFFD, not several.
 *
 * Why each class is neutralised: C0 (ESC starts every ANSI sequence, BEL ends
 * OSC, CR/BS overwrite what was shown), DEL, C1 (U+009B is CSI and U+009D OSC
 * on terminals that take 8-bit controls, and some take them UTF-8 encoded),
 * bidi overrides and isolates (CVE-2021-42574 "Trojan Source": text that
 * reads differently from what it is), and U+2028/2029 (line breaks to some
 * renderers). Raw 8-bit C1 bytes are ill-formed UTF-8 and become U+FFFD.
 */
#include "config.h"

#include <string.h>

#include "src/ui/sanitize.h"
#include "dht/wire/utf8.h"


static int
is_format_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||		/* C1 */
	    (cp >= 0x202a && cp <= 0x202e) ||		/* LRE RLE PDF LRO RLO */
	    (cp >= 0x2066 && cp <= 0x2069) ||		/* LRI RLI FSI PDI */
	    cp == 0x2028 || cp == 0x2029;		/* LS PS */
}

size_t
sanitize_text(char *out, size_t cap, const uint8_t *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, off = 0, start, n;
	char tmp[8];
	uint32_t cp;

	if (cap == 0)
		return 0;
	while (off < len) {
		start = off;
		if (utf8_next(in, len, &off, &cp) != 0) {
			memcpy(tmp, "\xef\xbf\xbd", 3);		/* U+FFFD */
			n = 3;
		} else if (cp == '\t') {
			tmp[0] = ' ';
			n = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			tmp[0] = '^';
			tmp[1] = (char)(cp ^ 0x40);	/* ^@ .. ^_, ^? */
			n = 2;
		} else if (is_format_control(cp)) {
			tmp[0] = '\\';
			tmp[1] = 'u';
			tmp[2] = hex[(cp >> 12) & 0xf];
			tmp[3] = hex[(cp >> 8) & 0xf];
			tmp[4] = hex[(cp >> 4) & 0xf];
			tmp[5] = hex[cp & 0xf];
			n = 6;
		} else {
			/* well-formed and harmless: copy its bytes as they came */
			n = off - start;
			memcpy(tmp, in + start, n);
		}
		if (o + n >= cap)
			break;		/* no partial character or escape */
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}
