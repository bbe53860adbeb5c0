/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_probe.c — punch probes (tunnel/nat/probe.h): the doc/PROTOCOL.md test
 * vector, round trips, every reject reason, and the size rule.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/probe.h"
#include "tests/check.h"

/* The vector in doc/PROTOCOL.md: key 00..1f, A = 40..5f, B = 80..9f, txid c0..cb. */
static const char vec_ping[] =
    "f001404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "c0c1c2c3c4c5c6c7c8c9cacb"
    "00000000000000000000000000000000000000"
    "665f0cfa752f70750ba9f30d5adea607";
/* B answers A's ping that came from 192.0.2.1:32853. */
static const char vec_pong4[] =
    "f002808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "c0c1c2c3c4c5c6c7c8c9cacb"
    "04" "8055" "c0000201"
    "4c6ca02ea76746cf0c2d10f42f5acdde";
/* ... and from [2001:db8::1]:51820. */
static const char vec_pong6[] =
    "f002808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "c0c1c2c3c4c5c6c7c8c9cacb"
    "06" "ca6c" "20010db8000000000000000000000001"
    "4932a210a20a78da8b14ec3f74e9c0bd";

static uint8_t key[32], id_a[32], id_b[32], txid[12];

static size_t
unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t n = 0;
	unsigned v;

	while (*hex != '\0') {
		if (n >= max || sscanf(hex, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static void
test_vector(void)
{
	uint8_t want[PROBE_MAX_LEN], got[PROBE_MAX_LEN + 8], a6[16];
	uint8_t a4[4] = { 192, 0, 2, 1 };
	struct endpoint from4, from6;
	struct probe_msg m;
	size_t wn, gn;

	wn = unhex(want, sizeof(want), vec_ping);
	gn = probe_build_ping(got, sizeof(got), key, id_a, id_b, txid);
	CHECK(wn == PROBE_PING_LEN && gn == wn && memcmp(got, want, wn) == 0);

	/* B parses A's ping and answers. */
	CHECK(probe_parse(got, gn, key, id_b, &m) == PROBE_OK);
	CHECK(m.type == PROBE_PING && memcmp(m.sender, id_a, 32) == 0 &&
	    memcmp(m.receiver, id_b, 32) == 0 && memcmp(m.txid, txid, 12) == 0);
	endpoint_set(&from4, ENDPOINT_V4, a4, 32853);
	wn = unhex(want, sizeof(want), vec_pong4);
	gn = probe_answer(got, sizeof(got), key, &m, &from4);
	CHECK(wn == PROBE_PONG4_LEN && gn == wn && memcmp(got, want, wn) == 0);
	/* A parses B's pong: the address its ping came from. */
	CHECK(probe_parse(got, gn, key, id_a, &m) == PROBE_OK);
	CHECK(m.type == PROBE_PONG && memcmp(m.sender, id_b, 32) == 0 && endpoint_equal(&m.observed, &from4));

	CHECK(inet_pton(AF_INET6, "2001:db8::1", a6) == 1);
	endpoint_set(&from6, ENDPOINT_V6, a6, 51820);
	wn = unhex(want, sizeof(want), vec_pong6);
	gn = probe_build_pong(got, sizeof(got), key, id_b, id_a, txid, &from6);
	CHECK(wn == PROBE_PONG6_LEN && gn == wn && memcmp(got, want, wn) == 0);
	CHECK(probe_parse(got, gn, key, id_a, &m) == PROBE_OK);
	CHECK(endpoint_equal(&m.observed, &from6));
}

static void
test_rejects(void)
{
	uint8_t ping[PROBE_MAX_LEN + 1], pong[PROBE_MAX_LEN + 1], b[PROBE_MAX_LEN + 1], other_key[32];
	uint8_t a4[4] = { 198, 51, 100, 9 }, zero4[4] = { 0 };
	struct endpoint from, bad;
	struct probe_msg m;
	struct probe_stats st;
	size_t pn, qn, i;

	endpoint_set(&from, ENDPOINT_V4, a4, 4444);
	pn = probe_build_ping(ping, sizeof(ping), key, id_a, id_b, txid);
	qn = probe_build_pong(pong, sizeof(pong), key, id_b, id_a, txid, &from);

	CHECK(probe_parse(ping, 0, key, id_b, &m) == PROBE_REJ_SHORT);
	CHECK(probe_parse(ping, 1, key, id_b, &m) == PROBE_REJ_SHORT);
	memcpy(b, ping, pn);
	b[0] = 0xF1;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_SHORT);
	b[0] = 0xF0;
	b[1] = 0x03;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_TYPE);
	b[1] = 0x00;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_TYPE);
	/* Wrong length for the type: every length but the right one. */
	for (i = 2; i <= PROBE_MAX_LEN + 1; i++) {
		if (i != pn)
			CHECK(probe_parse(ping, i, key, id_b, &m) == PROBE_REJ_LENGTH);
		if (i != qn)
			CHECK(probe_parse(pong, i, key, id_a, &m) == PROBE_REJ_LENGTH);
	}
	/* A ping re-typed as pong has the wrong length for a pong. */
	memcpy(b, ping, pn);
	b[1] = PROBE_PONG;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_LENGTH);
	/* A pong whose family byte says 6 at the IPv4 length, or an unknown family. */
	memcpy(b, pong, qn);
	b[78] = 6;
	CHECK(probe_parse(b, qn, key, id_a, &m) == PROBE_REJ_LENGTH);
	b[78] = 5;
	CHECK(probe_parse(b, qn, key, id_a, &m) == PROBE_REJ_LENGTH);
	/* Receiver not ours (a ping we sent reflected back, or meant for someone else). */
	CHECK(probe_parse(ping, pn, key, id_a, &m) == PROBE_REJ_RECEIVER);
	CHECK(probe_parse(pong, qn, key, id_b, &m) == PROBE_REJ_RECEIVER);
	/* Wrong key (another room), any bit flipped. */
	memcpy(other_key, key, 32);
	other_key[31] ^= 1;
	CHECK(probe_parse(ping, pn, other_key, id_b, &m) == PROBE_REJ_MAC);
	for (i = 0; i < pn; i++) {
		enum probe_reject r;

		memcpy(b, ping, pn);
		b[i] ^= 0x01;
		r = probe_parse(b, pn, key, id_b, &m);
		if (i == 0)
			CHECK(r == PROBE_REJ_SHORT);
		else if (i == 1)
			CHECK(r == PROBE_REJ_TYPE || r == PROBE_REJ_LENGTH);
		else if (i >= 34 && i < 66)
			CHECK(r == PROBE_REJ_RECEIVER);
		else
			CHECK(r == PROBE_REJ_MAC);
	}
	/* Authentic but malformed: nonzero padding, port 0 or unspecified address in a pong. */
	memcpy(b, ping, pn);
	b[80] = 1;
	crypto_generichash(b + pn - 16, 16, b, pn - 16, key, 32);
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_FORMAT);
	endpoint_set(&bad, ENDPOINT_V4, a4, 4444);
	bad.port = 0;
	qn = probe_build_pong(b, sizeof(b), key, id_b, id_a, txid, &bad);
	CHECK(qn == PROBE_PONG4_LEN && probe_parse(b, qn, key, id_a, &m) == PROBE_REJ_FORMAT);
	endpoint_set(&bad, ENDPOINT_V4, zero4, 4444);
	qn = probe_build_pong(b, sizeof(b), key, id_b, id_a, txid, &bad);
	CHECK(probe_parse(b, qn, key, id_a, &m) == PROBE_REJ_FORMAT);
	/* We never answer from an unusable source, nor answer a pong. */
	CHECK(probe_answer(b, sizeof(b), key, &m, &bad) == 0);
	CHECK(probe_parse(pong, PROBE_PONG4_LEN, key, id_a, &m) == PROBE_OK);
	CHECK(probe_answer(b, sizeof(b), key, &m, &from) == 0);
	/* Buffers too small. */
	CHECK(probe_build_ping(b, PROBE_PING_LEN - 1, key, id_a, id_b, txid) == 0);
	CHECK(probe_build_pong(b, PROBE_PONG4_LEN - 1, key, id_b, id_a, txid, &from) == 0);
	memset(&bad, 0, sizeof(bad));
	CHECK(probe_build_pong(b, sizeof(b), key, id_b, id_a, txid, &bad) == 0);

	/* Counting. */
	memset(&st, 0, sizeof(st));
	CHECK(probe_input(&st, ping, pn, key, id_b, &m) == PROBE_OK);
	CHECK(probe_input(&st, ping, pn, key, id_a, &m) == PROBE_REJ_RECEIVER);
	CHECK(probe_input(&st, pong, PROBE_PONG4_LEN, key, id_a, &m) == PROBE_OK);
	CHECK(st.pings_in == 1 && st.pongs_in == 1 && st.rejected[PROBE_REJ_RECEIVER] == 1);
	for (i = 0; i < PROBE_REJ__COUNT; i++)
		CHECK(strcmp(probe_reject_name((enum probe_reject)i), "?") != 0);
	CHECK(strcmp(probe_reject_name(PROBE_REJ_MAC), "mac") == 0);
}

/* The size rule: no pong is larger than any ping, whatever the family. */
static void
test_sizes(void)
{
	uint8_t ping[PROBE_MAX_LEN], pong[PROBE_MAX_LEN], a6[16];
	struct endpoint from;
	struct probe_msg m;
	size_t pn, qn;

	memset(a6, 0xff, sizeof(a6));
	a6[0] = 0x20;
	endpoint_set(&from, ENDPOINT_V6, a6, 65535);
	pn = probe_build_ping(ping, sizeof(ping), key, id_a, id_b, txid);
	CHECK(probe_parse(ping, pn, key, id_b, &m) == PROBE_OK);
	qn = probe_answer(pong, sizeof(pong), key, &m, &from);
	CHECK(qn == PROBE_PONG6_LEN && qn <= pn);
	CHECK(PROBE_PONG4_LEN <= PROBE_PING_LEN && PROBE_PONG6_LEN <= PROBE_PING_LEN);
	CHECK(sizeof(struct probe_ping) == 113 && sizeof(struct probe_pong4) == 101 &&
	    sizeof(struct probe_pong6) == 113);
}

int
main(void)
{
	unsigned i;

	if (sodium_init() < 0)
		return 99;
	for (i = 0; i < 32; i++) {
		key[i] = (uint8_t)i;
		id_a[i] = (uint8_t)(0x40 + i);
		id_b[i] = (uint8_t)(0x80 + i);
	}
	for (i = 0; i < 12; i++)
		txid[i] = (uint8_t)(0xC0 + i);
	test_vector();
	test_rejects();
	test_sizes();
	return check_exit("test_probe");
}
