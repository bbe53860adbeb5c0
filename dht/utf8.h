/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * utf8.h — strict UTF-8 decoding (Unicode 15, table 3-7 "well-formed byte
 * sequences"): no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF. Used for room strings and record nicks.
 */
#ifndef GONET_UTF8_H
#define GONET_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the code point starting at s[*off] (*off < len). On success store it
 * in *cp, advance *off past it and return 0; on an ill-formed or truncated
 * sequence return -1 and leave *off unchanged.
 */
int utf8_next(const uint8_t *s, size_t len, size_t *off, uint32_t *cp);
/* 1 if s[0..len) is entirely well-formed UTF-8 (NUL included), else 0. */
int utf8_valid(const uint8_t *s, size_t len);

#endif
