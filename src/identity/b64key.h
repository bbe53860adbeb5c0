/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * b64key.h — 32-byte keys in WireGuard's base64: standard alphabet, with
 * padding, always 44 characters ending in '=' (what `wg genkey` prints).
 */
#ifndef GONET_B64KEY_H
#define GONET_B64KEY_H

#include <stddef.h>
#include <stdint.h>

enum {
	B64KEY_KEY_LEN = 32,
	B64KEY_LEN = 44			/* characters, without the terminator */
};

/* Writes B64KEY_LEN characters and a NUL. */
void b64key_encode(const uint8_t key[B64KEY_KEY_LEN], char out[B64KEY_LEN + 1]);
/*
 * Decodes exactly B64KEY_LEN characters of s (len must be B64KEY_LEN; no
 * whitespace, non-canonical trailing bits refused). 0 on success; on failure
 * -1 and key is zeroed.
 */
int b64key_decode(const char *s, size_t len, uint8_t key[B64KEY_KEY_LEN]);

#endif
