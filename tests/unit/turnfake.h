/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turnfake.h — builds what a TURN server would send (responses, Data
 * indications), for tests/unit/test_turn.c and tests/fuzz/fuzz_turn.c.
 * Written independently of the codec under test (MD5 and HMAC-SHA1 straight
 * from nettle), so the tests do not check the codec against itself. Static
 * functions: include it in one file per program.
 */
#ifndef GONET_TURNFAKE_H
#define GONET_TURNFAKE_H

#include <stdint.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>

#include "tunnel/net/endpoint.h"

enum { FAKE_MAX = 4096 };

struct fake_msg {
	uint8_t buf[FAKE_MAX];
	size_t len;
};

static void
fake_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
fake_set_length(struct fake_msg *f, size_t total)
{
	fake_put16(f->buf + 2, (unsigned)(total - 20));
}

/* type is the full 16-bit STUN message type, e.g. 0x0103 (Allocate success). */
static void
fake_begin(struct fake_msg *f, unsigned type, const uint8_t txid[12])
{
	memset(f, 0, sizeof(*f));
	fake_put16(f->buf, type);
	f->buf[4] = 0x21;
	f->buf[5] = 0x12;
	f->buf[6] = 0xA4;
	f->buf[7] = 0x42;
	memcpy(f->buf + 8, txid, 12);
	f->len = 20;
	fake_set_length(f, f->len);
}

static void
fake_attr(struct fake_msg *f, unsigned type, const void *v, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (f->len + 4 + padded > FAKE_MAX)
		return;
	fake_put16(f->buf + f->len, type);
	fake_put16(f->buf + f->len + 2, (unsigned)n);
	if (n > 0)
		memcpy(f->buf + f->len + 4, v, n);
	f->len += 4 + padded;
	fake_set_length(f, f->len);
}

static void
fake_u32(struct fake_msg *f, unsigned type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	fake_attr(f, type, b, 4);
}

static void
fake_xor_addr(struct fake_msg *f, unsigned type, const struct endpoint *ep)
{
	uint8_t v[20];
	size_t n = ep->family == ENDPOINT_V4 ? 4 : 16, i;

	v[0] = 0;
	v[1] = ep->family == ENDPOINT_V4 ? 1 : 2;
	fake_put16(v + 2, ep->port ^ 0x2112u);
	for (i = 0; i < n; i++)
		v[4 + i] = ep->addr[i] ^ f->buf[4 + i];
	fake_attr(f, type, v, 4 + n);
}

static void
fake_error(struct fake_msg *f, unsigned code, const char *reason)
{
	uint8_t v[4 + 64];
	size_t n = strlen(reason) < 64 ? strlen(reason) : 64;

	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, n);
	fake_attr(f, 0x0009, v, 4 + n);
}

/* MESSAGE-INTEGRITY over everything so far, with the length counting it. */
static void
fake_integrity(struct fake_msg *f, const uint8_t key[16])
{
	struct hmac_sha1_ctx h;
	uint8_t mac[SHA1_DIGEST_SIZE];

	fake_set_length(f, f->len + 24);
	hmac_sha1_set_key(&h, 16, key);
	hmac_sha1_update(&h, f->len, f->buf);
	hmac_sha1_digest(&h, sizeof(mac), mac);
	fake_attr(f, 0x0008, mac, sizeof(mac));
}

static uint32_t
fake_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return ~crc;
}

static void
fake_fingerprint(struct fake_msg *f)
{
	fake_set_length(f, f->len + 8);
	fake_u32(f, 0x8028, fake_crc32(f->buf, f->len) ^ 0x5354554Eu);
}

/* Long-term key MD5(user ":" realm ":" pass). */
static void
fake_key(uint8_t key[16], const char *user, const char *realm, const char *pass)
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, strlen(user), (const uint8_t *)user);
	md5_update(&c, 1, (const uint8_t *)":");
	md5_update(&c, strlen(realm), (const uint8_t *)realm);
	md5_update(&c, 1, (const uint8_t *)":");
	md5_update(&c, strlen(pass), (const uint8_t *)pass);
	md5_digest(&c, MD5_DIGEST_SIZE, key);
}

#endif
