/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kdf.c — HASH, MAC, HMAC and KDF of the WireGuard paper, section 5.4.
 * Every intermediate value is wiped before returning.
 */
#include "config.h"

#include <string.h>

#include <blake2.h>
#include <sodium.h>

#include "tunnel/wg/kdf.h"

void
wg_kdf_hash(uint8_t out[WG_BLAKE2S_HASH_LEN], const void *in, size_t inlen)
{
	wg_kdf_hash2(out, in, inlen, NULL, 0);
}

void
wg_kdf_hash2(uint8_t out[WG_BLAKE2S_HASH_LEN], const void *a, size_t alen,
    const void *b, size_t blen)
{
	blake2s_state	 st;

	blake2s_init(&st, WG_BLAKE2S_HASH_LEN);
	if (alen > 0)
		blake2s_update(&st, a, alen);
	if (blen > 0)
		blake2s_update(&st, b, blen);
	blake2s_final(&st, out, WG_BLAKE2S_HASH_LEN);
	sodium_memzero(&st, sizeof st);
}

void
wg_kdf_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen,
    const void *in, size_t inlen)
{
	blake2s_state	 st;

	blake2s_init_key(&st, WG_MAC_LEN, key, keylen);
	if (inlen > 0)
		blake2s_update(&st, in, inlen);
	blake2s_final(&st, out, WG_MAC_LEN);
	sodium_memzero(&st, sizeof st);
}

void
wg_kdf_hmac(uint8_t out[WG_BLAKE2S_HASH_LEN], const uint8_t *key, size_t keylen,
    const void *in, size_t inlen)
{
	blake2s_state	 st;
	uint8_t		 x_key[WG_BLAKE2S_BLOCK_LEN];
	uint8_t		 i_hash[WG_BLAKE2S_HASH_LEN];
	size_t		 i;

	memset(x_key, 0, sizeof x_key);
	if (keylen > WG_BLAKE2S_BLOCK_LEN)
		wg_kdf_hash(x_key, key, keylen);
	else if (keylen > 0)
		memcpy(x_key, key, keylen);

	for (i = 0; i < sizeof x_key; i++)
		x_key[i] ^= 0x36;
	blake2s_init(&st, WG_BLAKE2S_HASH_LEN);
	blake2s_update(&st, x_key, sizeof x_key);
	if (inlen > 0)
		blake2s_update(&st, in, inlen);
	blake2s_final(&st, i_hash, sizeof i_hash);

	for (i = 0; i < sizeof x_key; i++)
		x_key[i] ^= 0x5c ^ 0x36;
	blake2s_init(&st, WG_BLAKE2S_HASH_LEN);
	blake2s_update(&st, x_key, sizeof x_key);
	blake2s_update(&st, i_hash, sizeof i_hash);
	blake2s_final(&st, i_hash, sizeof i_hash);

	memcpy(out, i_hash, WG_BLAKE2S_HASH_LEN);
	sodium_memzero(x_key, sizeof x_key);
	sodium_memzero(i_hash, sizeof i_hash);
	sodium_memzero(&st, sizeof st);
}

void
wg_kdf(uint8_t t1[WG_BLAKE2S_HASH_LEN], uint8_t t2[WG_BLAKE2S_HASH_LEN],
    uint8_t t3[WG_BLAKE2S_HASH_LEN], const uint8_t key[WG_BLAKE2S_HASH_LEN],
    const void *input, size_t inlen)
{
	uint8_t		 secret[WG_BLAKE2S_HASH_LEN];
	uint8_t		 out[WG_BLAKE2S_HASH_LEN + 1];

	/* Extract entropy from input into secret. */
	wg_kdf_hmac(secret, key, WG_BLAKE2S_HASH_LEN, input, inlen);

	if (t1 == NULL)
		goto out;
	/* Expand first key: key = secret, data = 0x1. */
	out[0] = 1;
	wg_kdf_hmac(out, secret, sizeof secret, out, 1);
	memcpy(t1, out, WG_BLAKE2S_HASH_LEN);

	if (t2 == NULL)
		goto out;
	/* Expand second key: key = secret, data = first key || 0x2. */
	out[WG_BLAKE2S_HASH_LEN] = 2;
	wg_kdf_hmac(out, secret, sizeof secret, out, WG_BLAKE2S_HASH_LEN + 1);
	memcpy(t2, out, WG_BLAKE2S_HASH_LEN);

	if (t3 == NULL)
		goto out;
	/* Expand third key: key = secret, data = second key || 0x3. */
	out[WG_BLAKE2S_HASH_LEN] = 3;
	wg_kdf_hmac(out, secret, sizeof secret, out, WG_BLAKE2S_HASH_LEN + 1);
	memcpy(t3, out, WG_BLAKE2S_HASH_LEN);

out:
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(out, sizeof out);
}
