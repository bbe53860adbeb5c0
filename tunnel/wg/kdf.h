/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * kdf.h — the hash functions of the WireGuard paper (section 5.4), over
 * BLAKE2s from libb2: HASH, MAC (keyed BLAKE2s-128), HMAC (HMAC-BLAKE2s)
 * and KDF1/2/3 (HKDF over HMAC-BLAKE2s).
 */
#ifndef GONET_TUNNEL_KDF_H
#define GONET_TUNNEL_KDF_H

#include <stddef.h>
#include <stdint.h>

enum {
	WG_BLAKE2S_HASH_LEN = 32,
	WG_BLAKE2S_BLOCK_LEN = 64,
	WG_MAC_LEN = 16
};

/* HASH(in) = BLAKE2s-256(in). */
void wg_kdf_hash(uint8_t out[WG_BLAKE2S_HASH_LEN], const void *in, size_t inlen);
/* HASH(a || b), the MixHash of Noise: h = HASH(h || data) may alias out and a. */
void wg_kdf_hash2(uint8_t out[WG_BLAKE2S_HASH_LEN], const void *a, size_t alen,
    const void *b, size_t blen);
/* MAC(key, in) = keyed BLAKE2s with a 16-byte output. keylen <= 32. */
void wg_kdf_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen,
    const void *in, size_t inlen);
/* HMAC(key, in) with BLAKE2s-256, block 64 (RFC 2104). */
void wg_kdf_hmac(uint8_t out[WG_BLAKE2S_HASH_LEN], const uint8_t *key, size_t keylen,
    const void *in, size_t inlen);
/*
 * KDFn(key, input): t0 = HMAC(key, input), t1 = HMAC(t0, 0x1),
 * ti = HMAC(t0, t(i-1) || i). Outputs may be NULL from the end (KDF1 passes
 * only t1, KDF2 t1 and t2). Outputs may alias key.
 */
void wg_kdf(uint8_t t1[WG_BLAKE2S_HASH_LEN], uint8_t t2[WG_BLAKE2S_HASH_LEN],
    uint8_t t3[WG_BLAKE2S_HASH_LEN], const uint8_t key[WG_BLAKE2S_HASH_LEN],
    const void *input, size_t inlen);

#endif
