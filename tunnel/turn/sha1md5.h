/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sha1md5.h — SHA-1 (FIPS 180-4), MD5 (RFC 1321) and HMAC-SHA1 (RFC 2104),
 * only for the STUN long-term credential mechanism the TURN client needs
 * (RFC 8489 section 9.2: key = MD5(username ":" realm ":" password),
 * MESSAGE-INTEGRITY = HMAC-SHA1(key, message)). libsodium has neither
 * algorithm; both are broken as general-purpose hashes and must not be used
 * for anything else in gonet. Checked against the FIPS/RFC test vectors in
 * tests/test_sha1md5.c.
 */
#ifndef GONET_SHA1MD5_H
#define GONET_SHA1MD5_H

#include <stddef.h>
#include <stdint.h>

enum {
	SHA1_LEN = 20,
	SHA1_BLOCK = 64,
	MD5_LEN = 16,
	MD5_BLOCK = 64
};

struct sha1_ctx {
	uint32_t h[5];
	uint64_t bytes;			/* total input so far */
	uint8_t buf[SHA1_BLOCK];
	size_t fill;			/* bytes waiting in buf */
};

struct md5_ctx {
	uint32_t h[4];
	uint64_t bytes;
	uint8_t buf[MD5_BLOCK];
	size_t fill;
};

struct hmac_sha1_ctx {
	struct sha1_ctx inner;
	struct sha1_ctx outer;
};

void sha1md5_sha1_init(struct sha1_ctx *c);
void sha1md5_sha1_update(struct sha1_ctx *c, const void *data, size_t len);
/* Writes the digest and wipes the context. */
void sha1md5_sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_LEN]);
void sha1md5_sha1(uint8_t out[SHA1_LEN], const void *data, size_t len);

void sha1md5_md5_init(struct md5_ctx *c);
void sha1md5_md5_update(struct md5_ctx *c, const void *data, size_t len);
void sha1md5_md5_final(struct md5_ctx *c, uint8_t out[MD5_LEN]);
void sha1md5_md5(uint8_t out[MD5_LEN], const void *data, size_t len);

/* HMAC-SHA1 with a key of any length; final wipes the context. */
void sha1md5_hmac_sha1_init(struct hmac_sha1_ctx *c, const uint8_t *key, size_t keylen);
void sha1md5_hmac_sha1_update(struct hmac_sha1_ctx *c, const void *data, size_t len);
void sha1md5_hmac_sha1_final(struct hmac_sha1_ctx *c, uint8_t out[SHA1_LEN]);
void sha1md5_hmac_sha1(uint8_t out[SHA1_LEN], const uint8_t *key, size_t keylen,
    const void *data, size_t len);

#endif
