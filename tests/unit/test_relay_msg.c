/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_relay_msg.c — the peer relay messages (tunnel/nat/relay_msg.h): the
 * doc/PROTOCOL.md vectors (recomputed independently with Python's
 * hashlib.blake2b(digest_size=16, key=...)), round trips, every reject
 * reason, and that a forwarded message verifies unchanged at the far end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"
#include "tests/check.h"

/* key 00..1f; A = 40..5f, B = 80..9f, R = a0..bf; txid c0..cb. */
static const char vec_data[] =
    "f003404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "04000000e0e1e2e3e4e5e6e7e8e9eaeb"
    "06cfd3a3b15f7888aafc38410404c6c2";
static const char vec_query[] =
    "f004404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "01" "c0c1c2c3c4c5c6c7c8c9cacb"
    "3fc55809efd09406aa15803a61773302";
static const char vec_offer[] =
    "f004a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "02" "c0c1c2c3c4c5c6c7c8c9cacb"
    "bbf3169b9660f215a85ef5ce1acf652f";

static uint8_t key[32], A[32], B[32], R[32], txid[12];

static size_t
unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (h[0] != '\0' && h[1] != '\0' && n < max) {
		unsigned v;

		if (sscanf(h, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void
ctl(struct relay_msg *m, const uint8_t *src, const uint8_t *dst, const uint8_t *target, uint8_t op)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->src, src, 32);
	memcpy(m->dst, dst, 32);
	memcpy(m->target, target, 32);
	m->op = op;
	memcpy(m->txid, txid, sizeof(txid));
}

static void
test_vectors(void)
{
	uint8_t want[RELAY_DATA_MAX], got[RELAY_DATA_MAX], payload[16];
	struct relay_msg m, p;
	size_t wn, n;

	memcpy(payload, "\x04\x00\x00\x00", 4);
	for (n = 0; n < 12; n++)
		payload[4 + n] = (uint8_t)(0xe0 + n);
	wn = unhex(vec_data, want, sizeof(want));
	CHECK(wn == 98);
	n = relay_build_data(got, sizeof(got), key, A, B, payload, sizeof(payload));
	CHECK(n == wn && memcmp(got, want, n) == 0);
	/* The relay R parses it (destination B is not R: data is the forwarder's business). */
	CHECK(relay_parse(got, n, key, R, &p) == RELAY_OK);
	CHECK(p.type == RELAY_TYPE_DATA && memcmp(p.src, A, 32) == 0 && memcmp(p.dst, B, 32) == 0);
	CHECK(p.len == sizeof(payload) && memcmp(p.payload, payload, p.len) == 0);
	/* Forwarded verbatim, it verifies at B. */
	CHECK(relay_parse(got, n, key, B, &p) == RELAY_OK);

	ctl(&m, A, R, B, RELAY_OP_QUERY);
	wn = unhex(vec_query, want, sizeof(want));
	n = relay_build_ctl(got, sizeof(got), key, &m);
	CHECK(n == RELAY_CTL_LEN && wn == n && memcmp(got, want, n) == 0);
	CHECK(relay_parse(got, n, key, R, &p) == RELAY_OK);
	CHECK(p.type == RELAY_TYPE_CTL && p.op == RELAY_OP_QUERY && memcmp(p.target, B, 32) == 0 &&
	    memcmp(p.txid, txid, 12) == 0 && memcmp(p.src, A, 32) == 0);

	ctl(&m, R, A, B, RELAY_OP_OFFER);
	wn = unhex(vec_offer, want, sizeof(want));
	n = relay_build_ctl(got, sizeof(got), key, &m);
	CHECK(n == wn && memcmp(got, want, n) == 0);
	CHECK(relay_parse(got, n, key, A, &p) == RELAY_OK && p.op == RELAY_OP_OFFER);
}

static void
test_rejects(void)
{
	uint8_t buf[RELAY_DATA_MAX + 8], big[RELAY_PAYLOAD_MAX + 1], other[32];
	struct relay_msg m, p;
	size_t n;

	memset(buf, 0, sizeof(buf));
	memset(big, 4, sizeof(big));
	memset(other, 0x77, sizeof(other));
	CHECK(relay_parse(buf, 0, key, R, &p) == RELAY_REJECT_SHORT);
	buf[0] = 0xF1;
	buf[1] = 3;
	CHECK(relay_parse(buf, 2, key, R, &p) == RELAY_REJECT_SHORT);
	buf[0] = 0xF0;
	buf[1] = 1;
	CHECK(relay_parse(buf, 2, key, R, &p) == RELAY_REJECT_TYPE);
	buf[1] = 5;
	CHECK(relay_parse(buf, 2, key, R, &p) == RELAY_REJECT_TYPE);

	/* Data: payload sizes. */
	CHECK(relay_build_data(buf, sizeof(buf), key, A, B, big, 0) == 0);
	CHECK(relay_build_data(buf, sizeof(buf), key, A, B, big, sizeof(big)) == 0);
	CHECK(relay_build_data(buf, 10, key, A, B, big, 4) == 0);
	n = relay_build_data(buf, sizeof(buf), key, A, B, big, RELAY_PAYLOAD_MAX);
	CHECK(n == RELAY_DATA_MAX && relay_parse(buf, n, key, R, &p) == RELAY_OK);
	CHECK(relay_parse(buf, RELAY_DATA_OVERHEAD, key, R, &p) == RELAY_REJECT_LENGTH);
	CHECK(relay_parse(buf, RELAY_DATA_MAX + 1, key, R, &p) == RELAY_REJECT_LENGTH);
	/* A flipped bit anywhere, or another room's key: mac. */
	n = relay_build_data(buf, sizeof(buf), key, A, B, big, 100);
	buf[50] ^= 1;
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_MAC);
	buf[50] ^= 1;
	CHECK(relay_parse(buf, n, other, R, &p) == RELAY_REJECT_MAC);
	CHECK(relay_parse(buf, n - 1, key, R, &p) == RELAY_REJECT_MAC);
	/* Source = destination: format. */
	n = relay_build_data(buf, sizeof(buf), key, A, A, big, 100);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);

	/* Control. */
	ctl(&m, A, R, B, RELAY_OP_QUERY);
	n = relay_build_ctl(buf, sizeof(buf), key, &m);
	CHECK(relay_build_ctl(buf + 200, RELAY_CTL_LEN - 1, key, &m) == 0);
	CHECK(relay_parse(buf, n - 1, key, R, &p) == RELAY_REJECT_LENGTH);
	CHECK(relay_parse(buf, n, key, B, &p) == RELAY_REJECT_RECEIVER);
	CHECK(relay_parse(buf, n, other, R, &p) == RELAY_REJECT_MAC);
	ctl(&m, A, R, B, 0);
	n = relay_build_ctl(buf, sizeof(buf), key, &m);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, A, R, B, 4);
	n = relay_build_ctl(buf, sizeof(buf), key, &m);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, A, R, R, RELAY_OP_QUERY);
	n = relay_build_ctl(buf, sizeof(buf), key, &m);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, A, R, A, RELAY_OP_QUERY);
	n = relay_build_ctl(buf, sizeof(buf), key, &m);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, R, R, B, RELAY_OP_QUERY);
	n = relay_build_ctl(buf, sizeof(buf), key, &m);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);

	CHECK(strcmp(relay_reject_name(RELAY_REJECT_MAC), "mac") == 0);
	CHECK(strcmp(relay_reject_name(RELAY_REJECT__COUNT), "unknown") == 0);
}

int
main(void)
{
	unsigned i;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < 32; i++) {
		key[i] = (uint8_t)i;
		A[i] = (uint8_t)(0x40 + i);
		B[i] = (uint8_t)(0x80 + i);
		R[i] = (uint8_t)(0xa0 + i);
	}
	for (i = 0; i < 12; i++)
		txid[i] = (uint8_t)(0xc0 + i);
	test_vectors();
	test_rejects();
	return check_exit("test_relay_msg");
}
