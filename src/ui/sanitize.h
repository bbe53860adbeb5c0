/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sanitize.h — untrusted text made safe to show (UTF-8 decoding is
 * dht/wire/utf8.h's).
 *
 * sanitize_classify() is the one place that decides which characters are
 * dangerous to show: the terminal form below, --dht-dump's text and the JSON
 * lines (src/ui/json.c, which escapes every class but SANITIZE_PLAIN as
 * \uXXXX) all follow it.
 *
 * Nothing a peer sends may reach the terminal as a control: after
 * sanitize_text() the output is well-formed UTF-8 with no C0 control, no DEL,
 * no C1 control (U+0080..U+009F) and no bidirectional override or isolate.
 * What was neutralised stays visible:
 *
 *	ill-formed UTF-8		U+FFFD per maximal subpart (Unicode 15 §3.9)
 *	TAB				one space
 *	other C0, DEL			caret notation: ^@ ^A .. ^[ .. ^_ ^?
 *	C1, U+202A..U+202E,
 *	U+2066..U+2069, U+2028, U+2029,
 *	bidi marks U+200E, U+200F, U+061C	\uXXXX (six ASCII characters)
 *	invisible (zero-width, other
 *	default-ignorable characters)	shown in text (ZWJ joins emoji, ZWNJ
 *					is spelling in some scripts); dropped
 *					from nicks, with the bidi controls:
 *					sanitize_nick()
 *
 * Worst case each input byte becomes 3 output bytes (a lone bad byte -> EF BF
 * BD); a C1 (2 bytes in) becomes 6 and a bidi control (3 in) 6, both under
 * 3x. So SANITIZE_MAX(n) = 3n + 1 (with the NUL) always suffices.
 */
#ifndef GONET_SANITIZE_H
#define GONET_SANITIZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SANITIZE_EXPANSION 3
#define SANITIZE_MAX(n) ((size_t)(n) * SANITIZE_EXPANSION + 1)

enum sanitize_class {
	SANITIZE_PLAIN,		/* harmless: shown as it is */
	SANITIZE_TAB,		/* U+0009 */
	SANITIZE_C0,		/* U+0000..U+001F but TAB, and U+007F DEL */
	SANITIZE_FORMAT,	/* C1, bidi overrides, isolates and marks, U+2028, U+2029 */
	SANITIZE_INVISIBLE,	/* zero-width and other default-ignorable characters */
	SANITIZE_INVALID	/* ill-formed UTF-8 (never a code point's class) */
};

/* The class of a well-formed code point. */
enum sanitize_class sanitize_classify(uint32_t cp);
/*
 * Decode the character at in[*off] (*off < len), advance *off past it (past
 * the maximal subpart if ill-formed: *cp is then U+FFFD) and classify it.
 */
enum sanitize_class sanitize_next(const uint8_t *in, size_t len, size_t *off, uint32_t *cp);

/* 1 when s[0..len) is well-formed UTF-8 and every character is SANITIZE_PLAIN. */
int sanitize_is_plain(const uint8_t *s, size_t len);

/*
 * Write the terminal-safe form of in[0..len) to out, NUL-terminated, and
 * return its length. out must hold cap >= 1 bytes; cap >= SANITIZE_MAX(len)
 * never truncates. A truncated result ends on a whole character or escape.
 */
size_t sanitize_text(char *out, size_t cap, const uint8_t *in, size_t len);
/*
 * The form of a nick, to show or to compare: as sanitize_text(), but bidi
 * controls (SANITIZE_FORMAT) and invisible characters are dropped, so that
 * nicks that look alike come out alike ("b<U+200B>ob" is "bob"); with fold,
 * ASCII letters are lower-cased too (the key identity pins are kept under).
 * Same contract for out and cap as sanitize_text().
 */
size_t sanitize_nick(char *out, size_t cap, const uint8_t *in, size_t len, int fold);
/* The terminal-safe form of the NUL-terminated s, of any length, written to f. */
void sanitize_fputs(const char *s, FILE *f);

#endif
