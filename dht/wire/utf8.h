/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * utf8.h — strict UTF-8 decoding (Unicode 15, table 3-7 "well-formed byte
 * sequences"): no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF. The one decoder of the project: room strings, record
 * nicks, chat frames, terminal and JSON output.
 */
#ifndef GONET_UTF8_H
#define GONET_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the code point starting at s[*off] (*off < len). On success store it
 * in *cp, advance *off past it and return 0. On an ill-formed or truncated
 * sequence advance *off past its maximal subpart (at least one byte; Unicode
 * 15 section 3.9, so a caller replacing each with U+FFFD follows the standard
 * practice) and return -1.
 */
int utf8_next(const uint8_t *s, size_t len, size_t *off, uint32_t *cp);
/* 1 if s[0..len) is entirely well-formed UTF-8 (NUL included), else 0. */
int utf8_valid(const uint8_t *s, size_t len);

#endif
