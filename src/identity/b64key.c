/* SPDX-License-Identifier: GPL-3.0-or-later */
/* b64key.c — WireGuard-style base64 for 32-byte keys, on libsodium's codec. */
#include "config.h"

#include <sodium.h>

#include "src/identity/b64key.h"

void
b64key_encode(const uint8_t key[B64KEY_KEY_LEN], char out[B64KEY_LEN + 1])
{
	sodium_bin2base64(out, B64KEY_LEN + 1, key, B64KEY_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

int
b64key_decode(const char *s, size_t len, uint8_t key[B64KEY_KEY_LEN])
{
	size_t n = 0;
	const char *end = NULL;

	/* 44 characters always hold 32 bytes and one '=' of padding. */
	if (len != B64KEY_LEN || s[B64KEY_LEN - 1] != '=' || s[B64KEY_LEN - 2] == '=')
		goto bad;
	/* libsodium refuses non-zero padding bits and a wrong padding length. */
	if (sodium_base642bin(key, B64KEY_KEY_LEN, s, len, NULL, &n, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n != B64KEY_KEY_LEN || end != s + len)
		goto bad;
	return 0;
bad:
	sodium_memzero(key, B64KEY_KEY_LEN);
	return -1;
}
