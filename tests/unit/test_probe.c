/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_probe.c — punch probes (tunnel/nat/probe.h), version 3: the
 * doc/PROTOCOL.md test vectors (rebuilt by tests/vectors/probe_vector.py),
 * round trips, every reject reason, the size rule, no key in clear, and
 * freshness (tunnel/nat/fresh.h): a replay is refused from any address, a
 * stale ts at any time, reordering inside the window is fine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/fresh.h"
#include "tunnel/nat/probe.h"
#include "tests/check.h"

/*
 * The vectors in doc/PROTOCOL.md: key 00..1f, A = 40..5f, B = 80..9f,
 * txid c0..cb; A's ts 1774800100000, B's 1774800100005; nonces 00..17
 * (ping), 18..2f (pong4), 30..47 (pong6); pair key d0..ef (given).
 */
static const char vec_ping[] =
    "f031" "000102030405060708090a0b0c0d0e0f1011121314151617"
    "de834d3cd497cbe97b0d6c85871fe6a71b167af6a9834bbc274365ed61f0ab06"
    "de873467c5e28fe35d1c24d243acddede12b70cad3e16d8e9f0209a6137ada6b"
    "b220fe2e32cd3e25ec9ee4029fa0cf6591c9d651b3053d9956903d77b111734c"
    "6e04754c1710704341a872a2f0cab34af5f64c02ebe0e5222ddc0ea2d51f12d7"
    "bab85440e5b8a5";
/* B answers A's ping that came from 192.0.2.1:32853. */
static const char vec_pong4[] =
    "f032" "18191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
    "d08bf95fe9fd41c159750e068c29867b566752a4345e92e5b47a2304060e356b"
    "c2f75d7189b584188097e7f4523c29efafdeac83e60505fb63d72397f3f0ada8"
    "0f41aa3a39c76d81544a9f5ace83aa52b8d6207822120daced365682e9fc5d14"
    "d1ca46069c37f7ea426666bd40559aee6161cbd49a606dd858638a";
/* ... and from [2001:db8::1]:51820. */
static const char vec_pong6[] =
    "f032" "303132333435363738393a3b3c3d3e3f4041424344454647"
    "d2d8ad255e5fd3995217ccce46c07dcfd674ccdc178c5afb713ba78ebe84c485"
    "087cc6ed8addaa16e19d2039d94c9a45a71a4e9f7534793e7ddbf72347999a54"
    "e6e5f9032e82838f4f79fb60f4c67fc1a5709e12b0de076efbe461e903ba0480"
    "0cf790f3b07b1d9a47d98ff295a918bb52dfba9d004fa5060ee223239b4c8590"
    "7ba8d57c4b3c41";

static const uint64_t TS_A = 1774800100000ull, TS_B = 1774800100005ull;
static uint8_t key[32], pk[32], id_a[32], id_b[32], txid[12], nonce[3][24];

/* The pair key's vector: X25519 private keys 01..20 (A) and 21..40 (B), probe key 00..1f. */
static const char vec_a_pub[] = "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c";
static const char vec_b_pub[] = "5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b";
static const char vec_pair[] = "b80288b007ee6daeb937f9996586eede018f8f5b0f1414b16527aa226591b991";

/* probe_input's view of the peers: A and B are known, with pair key pk; nobody else. */
static const uint8_t *
pair_of(void *arg, const uint8_t sender[32])
{
	(void)arg;
	return memcmp(sender, id_a, 32) == 0 || memcmp(sender, id_b, 32) == 0 ? pk : NULL;
}

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

static struct probe_msg
msg(enum probe_type type, const uint8_t *sender, const uint8_t *receiver, uint64_t ts,
    const struct endpoint *observed)
{
	struct probe_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	memcpy(m.sender, sender, 32);
	memcpy(m.receiver, receiver, 32);
	m.ts = ts;
	memcpy(m.txid, txid, 12);
	if (observed != NULL)
		m.observed = *observed;
	return m;
}

static size_t
pong(uint8_t *out, size_t outlen, const struct endpoint *from)
{
	struct probe_msg m = msg(PROBE_PONG, id_b, id_a, TS_B, from);

	return probe_build(out, outlen, key, pk, &m, NULL);
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
	m = msg(PROBE_PING, id_a, id_b, TS_A, NULL);
	gn = probe_build(got, sizeof(got), key, pk, &m, nonce[0]);
	CHECK(wn == PROBE_PING_LEN && gn == wn && memcmp(got, want, wn) == 0);

	/* B opens A's ping. */
	CHECK(probe_parse(got, gn, key, id_b, &m) == PROBE_OK);
	CHECK(m.type == PROBE_PING && memcmp(m.sender, id_a, 32) == 0 &&
	    memcmp(m.receiver, id_b, 32) == 0 && memcmp(m.txid, txid, 12) == 0 && m.ts == TS_A);
	endpoint_set(&from4, ENDPOINT_V4, a4, 32853);
	wn = unhex(want, sizeof(want), vec_pong4);
	m = msg(PROBE_PONG, id_b, id_a, TS_B, &from4);
	gn = probe_build(got, sizeof(got), key, pk, &m, nonce[1]);
	CHECK(wn == PROBE_PONG4_LEN && gn == wn && memcmp(got, want, wn) == 0);
	/* A opens B's pong: the address its ping came from. */
	CHECK(probe_parse(got, gn, key, id_a, &m) == PROBE_OK);
	CHECK(m.type == PROBE_PONG && memcmp(m.sender, id_b, 32) == 0 &&
	    endpoint_equal(&m.observed, &from4) && m.ts == TS_B);

	CHECK(inet_pton(AF_INET6, "2001:db8::1", a6) == 1);
	endpoint_set(&from6, ENDPOINT_V6, a6, 51820);
	wn = unhex(want, sizeof(want), vec_pong6);
	m = msg(PROBE_PONG, id_b, id_a, TS_B, &from6);
	gn = probe_build(got, sizeof(got), key, pk, &m, nonce[2]);
	CHECK(wn == PROBE_PONG6_LEN && gn == wn && memcmp(got, want, wn) == 0);
	CHECK(probe_parse(got, gn, key, id_a, &m) == PROBE_OK);
	CHECK(endpoint_equal(&m.observed, &from6));

	/* probe_answer makes the same pong but for its random nonce. */
	m = msg(PROBE_PING, id_a, id_b, TS_A, NULL);
	gn = probe_answer(got, sizeof(got), key, pk, &m, &from6, TS_B);
	CHECK(gn == PROBE_PONG6_LEN && probe_parse(got, gn, key, id_a, &m) == PROBE_OK &&
	    endpoint_equal(&m.observed, &from6) && m.ts == TS_B);
}

/* Finding 6 of issue 12: no long-term key in clear, and no two probes alike. */
static void
test_no_key_in_clear(void)
{
	uint8_t a[PROBE_MAX_LEN], b[PROBE_MAX_LEN];
	size_t an, bn;

	an = probe_build_ping(a, sizeof(a), key, pk, id_a, id_b, TS_A, txid);
	bn = probe_build_ping(b, sizeof(b), key, pk, id_a, id_b, TS_A, txid);
	CHECK(an == PROBE_PING_LEN && bn == an);
	CHECK(memmem(a, an, id_a, 32) == NULL && memmem(a, an, id_b, 32) == NULL);
	CHECK(memmem(a, an, id_a, 8) == NULL && memmem(a, an, id_b, 8) == NULL);
	CHECK(memcmp(a + 2, b + 2, an - 2) != 0);	/* a fresh nonce each */
}

/*
 * The pairwise tag: a message that opens under the room key but whose tag
 * is not K_sr's (another member made it in the sender's name) is `pair`;
 * one from a sender we do not know is `unknown`; neither reaches freshness.
 */
static void
test_pair_rejects(const uint8_t *ping, size_t pn)
{
	uint8_t b[PROBE_MAX_LEN], wrong[32], mk[32];
	struct fresh *fr = fresh_new();
	struct probe_stats st;
	struct probe_msg m;
	size_t i, n;

	CHECK(fr != NULL);
	if (fr == NULL)
		return;
	memset(&st, 0, sizeof(st));
	/* Any bit of the tag flipped: opens under the room key, tag wrong. */
	for (i = pn - PROBE_PAIR_TAG_LEN; i < pn; i++) {
		memcpy(b, ping, pn);
		b[i] ^= 0x80;
		CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_OK);
		CHECK(probe_input(&st, fr, TS_A, b, pn, key, id_b, pair_of, NULL, &m) ==
		    PROBE_REJ_PAIR);
	}
	/* A member with its own pair key (mk) names A, with a ts ahead: `pair`, window untouched. */
	memcpy(mk, pk, 32);
	mk[0] ^= 1;
	n = probe_build_ping(b, sizeof(b), key, mk, id_a, id_b, TS_A + 1000 * 1000, txid);
	CHECK(probe_input(&st, fr, TS_A, b, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_PAIR);
	CHECK(st.rejected[PROBE_REJ_PAIR] == PROBE_PAIR_TAG_LEN + 1);
	/* A's own ping, at its real ts, still goes through: the forgery moved nothing. */
	CHECK(probe_input(&st, fr, TS_A, ping, pn, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	/* A sender that is no peer of ours. */
	memset(wrong, 0x5a, sizeof(wrong));
	n = probe_build_ping(b, sizeof(b), key, pk, wrong, id_b, TS_A + 1, txid);
	CHECK(probe_input(&st, fr, TS_A, b, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_UNKNOWN);
	CHECK(st.rejected[PROBE_REJ_UNKNOWN] == 1 && st.pings_in == 1);
	CHECK(strcmp(probe_reject_name(PROBE_REJ_PAIR), "pair") == 0);
	CHECK(strcmp(probe_reject_name(PROBE_REJ_UNKNOWN), "unknown") == 0);
	fresh_free(fr);
}

/* The pair key: the vector, the same from both sides, and none for a low-order key. */
static void
test_pair_key(void)
{
	uint8_t pa[32], pb[32], a_pub[32], b_pub[32], want_a[32], want_b[32], want[32];
	uint8_t kab[32], kba[32], zero[32];
	unsigned i;

	for (i = 0; i < 32; i++) {
		pa[i] = (uint8_t)(0x01 + i);
		pb[i] = (uint8_t)(0x21 + i);
	}
	CHECK(unhex(want_a, 32, vec_a_pub) == 32 && unhex(want_b, 32, vec_b_pub) == 32 &&
	    unhex(want, 32, vec_pair) == 32);
	CHECK(crypto_scalarmult_base(a_pub, pa) == 0 && crypto_scalarmult_base(b_pub, pb) == 0);
	CHECK(memcmp(a_pub, want_a, 32) == 0 && memcmp(b_pub, want_b, 32) == 0);
	CHECK(probe_pair_key(kab, key, pa, a_pub, b_pub) == 0);
	CHECK(probe_pair_key(kba, key, pb, b_pub, a_pub) == 0);
	CHECK(memcmp(kab, want, 32) == 0 && memcmp(kba, want, 32) == 0);
	/* Another room, another key. */
	key[0] ^= 1;
	CHECK(probe_pair_key(kba, key, pb, b_pub, a_pub) == 0 && memcmp(kba, want, 32) != 0);
	key[0] ^= 1;
	memset(zero, 0, sizeof(zero));
	CHECK(probe_pair_key(kab, key, pa, a_pub, zero) == -1);
}

static void
test_rejects(void)
{
	uint8_t ping[PROBE_MAX_LEN + 1], pg[PROBE_MAX_LEN + 1], b[PROBE_MAX_LEN + 1], other_key[32];
	uint8_t a4[4] = { 198, 51, 100, 9 }, zero4[4] = { 0 };
	struct endpoint from, bad;
	struct probe_msg m;
	struct probe_stats st;
	size_t pn, qn, i;

	endpoint_set(&from, ENDPOINT_V4, a4, 4444);
	pn = probe_build_ping(ping, sizeof(ping), key, pk, id_a, id_b, TS_A, txid);
	qn = pong(pg, sizeof(pg), &from);
	CHECK(pn == PROBE_PING_LEN && qn == PROBE_PONG4_LEN);

	CHECK(probe_parse(ping, 0, key, id_b, &m) == PROBE_REJ_SHORT);
	CHECK(probe_parse(ping, 1, key, id_b, &m) == PROBE_REJ_SHORT);
	memcpy(b, ping, pn);
	b[0] = 0xF1;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_SHORT);
	b[0] = 0xF0;
	b[1] = 0x33;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_TYPE);
	b[1] = 0x00;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_TYPE);
	/* Version 1 (an older gonet): refused by name. */
	b[1] = 0x01;
	CHECK(probe_parse(b, 113, key, id_b, &m) == PROBE_REJ_VERSION);
	b[1] = 0x02;
	CHECK(probe_parse(b, 101, key, id_b, &m) == PROBE_REJ_VERSION);
	/* Version 2 (no pairwise tag): refused by name, at its old lengths and at ours. */
	b[1] = 0x21;
	CHECK(probe_parse(b, 145, key, id_b, &m) == PROBE_REJ_VERSION);
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_VERSION);
	b[1] = 0x22;
	CHECK(probe_parse(b, 133, key, id_b, &m) == PROBE_REJ_VERSION);
	/* Wrong length for the type: every length but the right ones. */
	for (i = 2; i <= PROBE_MAX_LEN + 1; i++) {
		if (i != PROBE_PING_LEN)
			CHECK(probe_parse(ping, i, key, id_b, &m) == PROBE_REJ_LENGTH);
		if (i != PROBE_PONG4_LEN && i != PROBE_PONG6_LEN)
			CHECK(probe_parse(pg, i, key, id_a, &m) == PROBE_REJ_LENGTH);
	}
	/* A ping re-typed as pong is the length of a pong6, but the type is under the tag. */
	memcpy(b, ping, pn);
	b[1] = PROBE_PONG;
	CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_MAC);
	/* Receiver not ours (a ping we sent reflected back, or meant for someone else). */
	CHECK(probe_parse(ping, pn, key, id_a, &m) == PROBE_REJ_RECEIVER);
	CHECK(probe_parse(pg, qn, key, id_b, &m) == PROBE_REJ_RECEIVER);
	/* Wrong key (another room), any bit flipped past the type. */
	memcpy(other_key, key, 32);
	other_key[31] ^= 1;
	CHECK(probe_parse(ping, pn, other_key, id_b, &m) == PROBE_REJ_MAC);
	for (i = 2; i < pn - PROBE_PAIR_TAG_LEN; i++) {
		memcpy(b, ping, pn);
		b[i] ^= 0x01;
		CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_MAC);
	}
	/* Authentic but malformed: nonzero padding, a family that is not the length's,
	 * port 0 or an unspecified address in a pong. */
	{
		uint8_t body[PROBE_PING_BODY];

		memset(body, 0, sizeof(body));
		memcpy(body, id_a, 32);
		memcpy(body + 32, id_b, 32);
		body[90] = 1;
		CHECK(probe_seal(b, sizeof(b), PROBE_PING, key, pk, body, sizeof(body), NULL) == pn);
		CHECK(probe_parse(b, pn, key, id_b, &m) == PROBE_REJ_FORMAT);
		memcpy(body, id_b, 32);
		memcpy(body + 32, id_a, 32);
		body[90] = 0;
		body[84] = 6;				/* family 6 in a pong4's length */
		body[86] = 1;
		body[87] = 1;
		CHECK(probe_seal(b, sizeof(b), PROBE_PONG, key, pk, body, PROBE_PONG4_BODY, NULL) ==
		    PROBE_PONG4_LEN);
		CHECK(probe_parse(b, PROBE_PONG4_LEN, key, id_a, &m) == PROBE_REJ_FORMAT);
		body[84] = 5;
		CHECK(probe_seal(b, sizeof(b), PROBE_PONG, key, pk, body, PROBE_PONG6_BODY, NULL) ==
		    PROBE_PONG6_LEN);
		CHECK(probe_parse(b, PROBE_PONG6_LEN, key, id_a, &m) == PROBE_REJ_FORMAT);
	}
	endpoint_set(&bad, ENDPOINT_V4, a4, 4444);
	bad.port = 0;
	qn = pong(b, sizeof(b), &bad);
	CHECK(qn == PROBE_PONG4_LEN && probe_parse(b, qn, key, id_a, &m) == PROBE_REJ_FORMAT);
	endpoint_set(&bad, ENDPOINT_V4, zero4, 4444);
	qn = pong(b, sizeof(b), &bad);
	CHECK(probe_parse(b, qn, key, id_a, &m) == PROBE_REJ_FORMAT);
	/* We never answer from an unusable source, nor answer a pong. */
	m = msg(PROBE_PING, id_a, id_b, TS_A, NULL);
	CHECK(probe_answer(b, sizeof(b), key, pk, &m, &bad, TS_B) == 0);
	CHECK(probe_parse(pg, PROBE_PONG4_LEN, key, id_a, &m) == PROBE_OK);
	CHECK(probe_answer(b, sizeof(b), key, pk, &m, &from, TS_B) == 0);
	/* Buffers too small. */
	CHECK(probe_build_ping(b, PROBE_PING_LEN - 1, key, pk, id_a, id_b, TS_A, txid) == 0);
	CHECK(pong(b, PROBE_PONG4_LEN - 1, &from) == 0);
	memset(&bad, 0, sizeof(bad));
	CHECK(pong(b, sizeof(b), &bad) == 0);

	/* Counting, without freshness. */
	memset(&st, 0, sizeof(st));
	CHECK(probe_input(&st, NULL, 0, ping, pn, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	CHECK(probe_input(&st, NULL, 0, ping, pn, key, id_a, pair_of, NULL, &m) == PROBE_REJ_RECEIVER);
	CHECK(probe_input(&st, NULL, 0, pg, PROBE_PONG4_LEN, key, id_a, pair_of, NULL, &m) == PROBE_OK);
	CHECK(st.pings_in == 1 && st.pongs_in == 1 && st.rejected[PROBE_REJ_RECEIVER] == 1);
	test_pair_rejects(ping, pn);
	for (i = 0; i < PROBE_REJ__COUNT; i++)
		CHECK(strcmp(probe_reject_name((enum probe_reject)i), "?") != 0);
	CHECK(strcmp(probe_reject_name(PROBE_REJ_MAC), "mac") == 0);
	CHECK(strcmp(probe_reject_name(PROBE_REJ_REPLAY), "replay") == 0);
}

/* Freshness: the same probe twice is a replay; a stale one is dead; reordering is fine. */
static void
test_fresh(void)
{
	struct fresh *fr = fresh_new();
	struct probe_stats st;
	struct probe_msg m;
	uint8_t p[PROBE_MAX_LEN];
	uint64_t now = TS_A, last = 0, t;
	size_t n;
	int i;

	CHECK(fr != NULL);
	if (fr == NULL)
		return;
	memset(&st, 0, sizeof(st));
	n = probe_build_ping(p, sizeof(p), key, pk, id_a, id_b, TS_A, txid);
	CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	/* Replayed 64 times (from 64 source ports: the address plays no part). */
	for (i = 0; i < 64; i++)
		CHECK(probe_input(&st, fr, now + (uint64_t)i, p, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_REPLAY);
	CHECK(st.rejected[PROBE_REJ_REPLAY] == 64 && st.pings_in == 1);
	/* Another sender's ts is its own business. */
	n = probe_build_ping(p, sizeof(p), key, pk, id_b, id_b, TS_A, txid);
	CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	/* Older than the window is a replay; inside it, once each, in any order. */
	for (t = TS_A + 10; t > TS_A; t--) {
		n = probe_build_ping(p, sizeof(p), key, pk, id_a, id_b, t, txid);
		CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_OK);
		CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_REPLAY);
	}
	n = probe_build_ping(p, sizeof(p), key, pk, id_a, id_b, TS_A + 10 + FRESH_WINDOW, txid);
	CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	n = probe_build_ping(p, sizeof(p), key, pk, id_a, id_b, TS_A + 10, txid);
	CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_REPLAY);
	n = probe_build_ping(p, sizeof(p), key, pk, id_a, id_b, TS_A + 11, txid);
	CHECK(probe_input(&st, fr, now, p, n, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	/* Stale: a capture from long ago, even to a receiver that forgot everything. */
	fresh_free(fr);
	fr = fresh_new();
	n = probe_build_ping(p, sizeof(p), key, pk, id_a, id_b, TS_A, txid);
	CHECK(probe_input(&st, fr, TS_A + FRESH_SKEW_MS + 1, p, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_STALE);
	CHECK(probe_input(&st, fr, TS_A - FRESH_SKEW_MS - 1, p, n, key, id_b, pair_of, NULL, &m) == PROBE_REJ_STALE);
	CHECK(probe_input(&st, fr, TS_A + FRESH_SKEW_MS, p, n, key, id_b, pair_of, NULL, &m) == PROBE_OK);
	CHECK(fresh_check(fr, id_a, UINT64_MAX, TS_A) == FRESH_STALE);
	CHECK(fresh_check(fr, id_a, 0, TS_A) == FRESH_STALE);
	/* The top of the range moves the window like any other value (fuzz_probe's find). */
	CHECK(fresh_check(fr, id_b, UINT64_MAX - 5, UINT64_MAX) == FRESH_OK);
	CHECK(fresh_check(fr, id_b, UINT64_MAX, UINT64_MAX) == FRESH_OK);
	CHECK(fresh_check(fr, id_b, UINT64_MAX, UINT64_MAX) == FRESH_REPLAY);
	CHECK(fresh_check(fr, id_b, UINT64_MAX - 5, UINT64_MAX) == FRESH_REPLAY);
	CHECK(fresh_check(fr, id_b, UINT64_MAX - 1, UINT64_MAX) == FRESH_OK);
	/* Our own stamps: strictly increasing whatever the clock does. */
	CHECK(fresh_stamp(&last, 1000) == 1000 && fresh_stamp(&last, 1000) == 1001 &&
	    fresh_stamp(&last, 900) == 1002 && fresh_stamp(&last, 5000) == 5000);
	/* The table is bounded: 2 * FRESH_SENDERS senders, the oldest forgotten. */
	for (i = 0; i < 2 * FRESH_SENDERS; i++) {
		uint8_t k[32];

		memset(k, 0, sizeof(k));
		k[0] = (uint8_t)i;
		k[1] = (uint8_t)(i >> 8);
		CHECK(fresh_check(fr, k, TS_A, TS_A + (uint64_t)i) == FRESH_OK);
		CHECK(fresh_check(fr, k, TS_A, TS_A + (uint64_t)i) == FRESH_REPLAY);
	}
	CHECK(strcmp(fresh_result_name(FRESH_STALE), "stale") == 0);
	fresh_free(fr);
}

/* The size rule: no pong is larger than any ping, whatever the family. */
static void
test_sizes(void)
{
	uint8_t ping[PROBE_MAX_LEN], pg[PROBE_MAX_LEN], a6[16];
	struct endpoint from;
	struct probe_msg m;
	size_t pn, qn;

	memset(a6, 0xff, sizeof(a6));
	a6[0] = 0x20;
	endpoint_set(&from, ENDPOINT_V6, a6, 65535);
	pn = probe_build_ping(ping, sizeof(ping), key, pk, id_a, id_b, TS_A, txid);
	CHECK(probe_parse(ping, pn, key, id_b, &m) == PROBE_OK);
	qn = probe_answer(pg, sizeof(pg), key, pk, &m, &from, TS_B);
	CHECK(qn == PROBE_PONG6_LEN && qn <= pn);
	CHECK(PROBE_PONG4_LEN <= PROBE_PING_LEN && PROBE_PONG6_LEN <= PROBE_PING_LEN);
	CHECK(PROBE_PING_LEN == 161 && PROBE_PONG4_LEN == 149 && PROBE_PONG6_LEN == 161);
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
		pk[i] = (uint8_t)(0xD0 + i);
	}
	for (i = 0; i < 12; i++)
		txid[i] = (uint8_t)(0xC0 + i);
	for (i = 0; i < 24; i++) {
		nonce[0][i] = (uint8_t)i;
		nonce[1][i] = (uint8_t)(0x18 + i);
		nonce[2][i] = (uint8_t)(0x30 + i);
	}
	test_vector();
	test_no_key_in_clear();
	test_rejects();
	test_pair_key();
	test_fresh();
	test_sizes();
	return check_exit("test_probe");
}
