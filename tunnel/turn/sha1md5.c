/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sha1md5.c — SHA-1 (FIPS 180-4 section 6.1), MD5 (RFC 1321) and HMAC-SHA1
 * (RFC 2104), straightforward and unrolled nowhere: they hash a few hundred
 * bytes per TURN control message. See sha1md5.h for why they exist.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/turn/sha1md5.h"

static uint32_t
rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* SHA-1 */

static void
sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = be32(p + 4 * i);
	for (i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6;
		}
		t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	sodium_memzero(w, sizeof(w));
}

void
sha1md5_sha1_init(struct sha1_ctx *c)
{
	static const uint32_t iv[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };

	memset(c, 0, sizeof(*c));
	memcpy(c->h, iv, sizeof(iv));
}

void
sha1md5_sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	c->bytes += len;
	while (len > 0) {
		n = SHA1_BLOCK - c->fill;
		if (n > len)
			n = len;
		memcpy(c->buf + c->fill, p, n);
		c->fill += n;
		p += n;
		len -= n;
		if (c->fill == SHA1_BLOCK) {
			sha1_block(c->h, c->buf);
			c->fill = 0;
		}
	}
}

/* Both hashes pad the same way: 0x80, zeros, the bit count in 8 bytes. */
static void
pad_block(uint8_t *buf, size_t *fill, uint64_t bytes, int big_endian,
    void (*block)(uint32_t *, const uint8_t *), uint32_t *h)
{
	uint64_t bits = bytes * 8;
	int i;

	buf[(*fill)++] = 0x80;
	if (*fill > 56) {
		memset(buf + *fill, 0, 64 - *fill);
		block(h, buf);
		*fill = 0;
	}
	memset(buf + *fill, 0, 56 - *fill);
	for (i = 0; i < 8; i++)
		buf[big_endian ? 63 - i : 56 + i] = (uint8_t)(bits >> (8 * i));
	block(h, buf);
}

void
sha1md5_sha1_final(struct sha1_ctx *c, uint8_t out[SHA1_LEN])
{
	int i;

	pad_block(c->buf, &c->fill, c->bytes, 1, sha1_block, c->h);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	sodium_memzero(c, sizeof(*c));
}

void
sha1md5_sha1(uint8_t out[SHA1_LEN], const void *data, size_t len)
{
	struct sha1_ctx c;

	sha1md5_sha1_init(&c);
	sha1md5_sha1_update(&c, data, len);
	sha1md5_sha1_final(&c, out);
}

/* MD5 */

static void
md5_block(uint32_t h[4], const uint8_t *p)
{
	/* RFC 1321 section 3.4: per-round shifts and K[i] = floor(2^32 |sin(i + 1)|). */
	static const uint8_t s[64] = {
		7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
		5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
		4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
		6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21
	};
	static const uint32_t k[64] = {
		0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
		0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
		0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
		0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
		0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
		0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
		0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
		0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
	};
	uint32_t m[16], a, b, c, d, f, t;
	unsigned i, g;

	for (i = 0; i < 16; i++)
		m[i] = le32(p + 4 * i);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = c;
		c = b;
		b = b + rol32(a + f + k[i] + m[g], s[i]);
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	sodium_memzero(m, sizeof(m));
}

void
sha1md5_md5_init(struct md5_ctx *c)
{
	static const uint32_t iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };

	memset(c, 0, sizeof(*c));
	memcpy(c->h, iv, sizeof(iv));
}

void
sha1md5_md5_update(struct md5_ctx *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	c->bytes += len;
	while (len > 0) {
		n = MD5_BLOCK - c->fill;
		if (n > len)
			n = len;
		memcpy(c->buf + c->fill, p, n);
		c->fill += n;
		p += n;
		len -= n;
		if (c->fill == MD5_BLOCK) {
			md5_block(c->h, c->buf);
			c->fill = 0;
		}
	}
}

void
sha1md5_md5_final(struct md5_ctx *c, uint8_t out[MD5_LEN])
{
	int i;

	pad_block(c->buf, &c->fill, c->bytes, 0, md5_block, c->h);
	for (i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)c->h[i];
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 3] = (uint8_t)(c->h[i] >> 24);
	}
	sodium_memzero(c, sizeof(*c));
}

void
sha1md5_md5(uint8_t out[MD5_LEN], const void *data, size_t len)
{
	struct md5_ctx c;

	sha1md5_md5_init(&c);
	sha1md5_md5_update(&c, data, len);
	sha1md5_md5_final(&c, out);
}

/* HMAC-SHA1: H((K ^ opad) || H((K ^ ipad) || m)), K padded (or hashed) to one block. */

void
sha1md5_hmac_sha1_init(struct hmac_sha1_ctx *c, const uint8_t *key, size_t keylen)
{
	uint8_t k[SHA1_BLOCK], pad[SHA1_BLOCK];
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > SHA1_BLOCK)
		sha1md5_sha1(k, key, keylen);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	sha1md5_sha1_init(&c->inner);
	sha1md5_sha1_update(&c->inner, pad, SHA1_BLOCK);
	for (i = 0; i < SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	sha1md5_sha1_init(&c->outer);
	sha1md5_sha1_update(&c->outer, pad, SHA1_BLOCK);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
}

void
sha1md5_hmac_sha1_update(struct hmac_sha1_ctx *c, const void *data, size_t len)
{
	sha1md5_sha1_update(&c->inner, data, len);
}

void
sha1md5_hmac_sha1_final(struct hmac_sha1_ctx *c, uint8_t out[SHA1_LEN])
{
	uint8_t ih[SHA1_LEN];

	sha1md5_sha1_final(&c->inner, ih);
	sha1md5_sha1_update(&c->outer, ih, SHA1_LEN);
	sha1md5_sha1_final(&c->outer, out);
	sodium_memzero(ih, sizeof(ih));
}

void
sha1md5_hmac_sha1(uint8_t out[SHA1_LEN], const uint8_t *key, size_t keylen, const void *data,
    size_t len)
{
	struct hmac_sha1_ctx c;

	sha1md5_hmac_sha1_init(&c, key, keylen);
	sha1md5_hmac_sha1_update(&c, data, len);
	sha1md5_hmac_sha1_final(&c, out);
}
