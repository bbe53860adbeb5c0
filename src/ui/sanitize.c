/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sanitize.c — which characters are dangerous to show (the one classifier),
 * and their terminal form.
 *
 * The decoder (dht/wire/utf8.c) follows Unicode 15 table 3-7 ("well-formed
 * UTF-8 byte sequences"): the second byte carries the extra constraints that
 * exclude overlongs (E0, F0), surrogates (ED) and code points past U+10FFFF
 * (F4). On error it skips the maximal subpart, the practice §3.9 recommends
 * (and W3C encoding requires), so one truncated sequence is one U+FFFD, not
 * several.
 *
 * Why each class is neutralised: C0 (ESC starts every ANSI sequence, BEL ends
 * OSC, CR/BS overwrite what was shown), DEL, C1 (U+009B is CSI and U+009D OSC
 * on terminals that take 8-bit controls, and some take them UTF-8 encoded),
 * bidi overrides, isolates and marks (CVE-2021-42574 "Trojan Source": text
 * that reads differently from what it is), and U+2028/2029 (line breaks to
 * some renderers). Invisible characters are harmless in text but let one
 * nick pass for another, so nicks drop them (sanitize_nick). Raw 8-bit C1 bytes are ill-formed UTF-8 and become U+FFFD.
 */
#include "config.h"

#include <string.h>

#include "src/ui/sanitize.h"
#include "dht/wire/utf8.h"

enum sanitize_class
sanitize_classify(uint32_t cp)
{
	if (cp == '\t')
		return SANITIZE_TAB;
	if (cp < 0x20 || cp == 0x7f)
		return SANITIZE_C0;
	if ((cp >= 0x80 && cp <= 0x9f) ||		/* C1 */
	    (cp >= 0x202a && cp <= 0x202e) ||		/* LRE RLE PDF LRO RLO */
	    (cp >= 0x2066 && cp <= 0x2069) ||		/* LRI RLI FSI PDI */
	    cp == 0x200e || cp == 0x200f || cp == 0x061c ||	/* LRM RLM ALM */
	    cp == 0x2028 || cp == 0x2029)		/* LS PS */
		return SANITIZE_FORMAT;
	/*
	 * Default-ignorable code points that render as nothing (Unicode
	 * DerivedCoreProperties, Default_Ignorable_Code_Point, less those
	 * above): soft hyphen, CGJ, Hangul fillers, Khmer inherent vowels,
	 * Mongolian selectors, ZWSP ZWNJ ZWJ, WJ and invisible operators,
	 * deprecated format characters, variation selectors, ZWNBSP, shorthand
	 * format controls, musical symbol formats, tags.
	 */
	if (cp == 0x00ad || cp == 0x034f || cp == 0x115f || cp == 0x1160 ||
	    cp == 0x17b4 || cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f) ||
	    (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2065) ||
	    (cp >= 0x206a && cp <= 0x206f) || cp == 0x3164 ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0xffa0 ||
	    (cp >= 0xfff0 && cp <= 0xfff8) || (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0000 && cp <= 0xe0fff))
		return SANITIZE_INVISIBLE;
	return SANITIZE_PLAIN;
}

enum sanitize_class
sanitize_next(const uint8_t *in, size_t len, size_t *off, uint32_t *cp)
{
	if (utf8_next(in, len, off, cp) != 0) {
		*cp = 0xfffd;
		return SANITIZE_INVALID;
	}
	return sanitize_classify(*cp);
}

/*
 * The terminal form of the character at in[*off]: advances *off past it and
 * writes at most 6 bytes to tmp.
 */
static size_t
show_next(char tmp[6], const uint8_t *in, size_t len, size_t *off, int nick, int fold)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = *off;
	uint32_t cp;
	enum sanitize_class c = sanitize_next(in, len, off, &cp);

	if (nick && (c == SANITIZE_FORMAT || c == SANITIZE_INVISIBLE))
		return 0;		/* dropped: a nick shows what it looks like */
	switch (c) {
	case SANITIZE_INVALID:
		memcpy(tmp, "\xef\xbf\xbd", 3);		/* U+FFFD */
		return 3;
	case SANITIZE_TAB:
		tmp[0] = ' ';
		return 1;
	case SANITIZE_C0:
		tmp[0] = '^';
		tmp[1] = (char)(cp ^ 0x40);	/* ^@ .. ^_, ^? */
		return 2;
	case SANITIZE_FORMAT:
		tmp[0] = '\\';
		tmp[1] = 'u';
		tmp[2] = hex[(cp >> 12) & 0xf];
		tmp[3] = hex[(cp >> 8) & 0xf];
		tmp[4] = hex[(cp >> 4) & 0xf];
		tmp[5] = hex[cp & 0xf];
		return 6;
	case SANITIZE_PLAIN:
	case SANITIZE_INVISIBLE:
		break;
	}
	/* well-formed and harmless: its bytes as they came (at most 4) */
	memcpy(tmp, in + start, *off - start);
	if (fold && cp >= 'A' && cp <= 'Z')
		tmp[0] = (char)(cp - 'A' + 'a');
	return *off - start;
}

static size_t
show(char *out, size_t cap, const uint8_t *in, size_t len, int nick, int fold)
{
	size_t o = 0, off = 0, n;
	char tmp[6];

	if (cap == 0)
		return 0;
	while (off < len) {
		n = show_next(tmp, in, len, &off, nick, fold);
		if (o + n >= cap)
			break;		/* no partial character or escape */
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}

size_t
sanitize_text(char *out, size_t cap, const uint8_t *in, size_t len)
{
	return show(out, cap, in, len, 0, 0);
}

size_t
sanitize_nick(char *out, size_t cap, const uint8_t *in, size_t len, int fold)
{
	return show(out, cap, in, len, 1, fold);
}

void
sanitize_fputs(const char *s, FILE *f)
{
	size_t off = 0, len = strlen(s), n;
	char tmp[6];

	while (off < len) {
		n = show_next(tmp, (const uint8_t *)s, len, &off, 0, 0);
		fwrite(tmp, 1, n, f);
	}
}

int
sanitize_is_plain(const uint8_t *s, size_t len)
{
	size_t off = 0;
	uint32_t cp;

	while (off < len)
		if (sanitize_next(s, len, &off, &cp) != SANITIZE_PLAIN)
			return 0;
	return 1;
}
