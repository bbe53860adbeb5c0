/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sanitize.h — untrusted text made safe for a terminal (UTF-8 decoding is
 * dht/wire/utf8.h's).
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
 *	U+2066..U+2069, U+2028, U+2029	\uXXXX (six ASCII characters)
 *
 * Worst case each input byte becomes 3 output bytes (a lone bad byte -> EF BF
 * BD); a C1 (2 bytes in) becomes 6 and a bidi control (3 in) 6, both under
 * 3x. So SANITIZE_MAX(n) = 3n + 1 (with the NUL) always suffices.
 */
#ifndef GONET_SANITIZE_H
#define GONET_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

#define SANITIZE_EXPANSION 3
#define SANITIZE_MAX(n) ((size_t)(n) * SANITIZE_EXPANSION + 1)

/*
 * Write the terminal-safe form of in[0..len) to out, NUL-terminated, and
 * return its length. out must hold cap >= 1 bytes; cap >= SANITIZE_MAX(len)
 * never truncates. A truncated result ends on a whole character or escape.
 */
size_t sanitize_text(char *out, size_t cap, const uint8_t *in, size_t len);

#endif
