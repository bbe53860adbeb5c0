/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_relay_msg.c — the peer relay messages (tunnel/nat/relay_msg.h),
 * version 3: the doc/PROTOCOL.md vectors (rebuilt independently by
 * tests/vectors/probe_vector.py), round trips, every reject reason, no key
 * in clear, and that a forwarded message opens unchanged at the far end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"
#include "tests/check.h"

/*
 * key 00..1f; A = 40..5f, B = 80..9f, R = a0..bf; txid c0..cb; A's ts
 * 1774800100000, R's 1774800100005; nonces 48..5f (data), 60..77 (query),
 * 78..8f (offer); pair key d0..ef (given; its derivation is test_probe's).
 */
static const char vec_data[] =
    "f033"
    "48494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "e03a3fa4b76d88c596acb5b8608bdebeba7fd95ff6b8a07e9a605658006e1bc0"
    "fdba1bd5a9b3e5908e66636fb44bfe3b6b2b75ce8343706a67f4b03588c5038c"
    "63bae24b3f786ec6e97709197d0ec429075b0573832ad1eb265802a3155fcf50"
    "b95922eef3bfdea2792fc2b0b4cc2774b6025c7645287d14";
static const char vec_query[] =
    "f034"
    "606162636465666768696a6b6c6d6e6f7071727374757677"
    "f598f365124d126f6b5eb7644d3d4df162afc97f5a04a43308447c2dc92c3abe"
    "475675fb5d4cc12dd7920d3f9ad6fa560d8d79312effa4024978156a72154f59"
    "db8ba37597ddea86d1fcf5464f7b164a0d154f367bb3b3fc99e126a5d7d7296a"
    "1b8c4f2af8ff7adb5440dab6bc2ae7d1b048bab261384188fff44ea3e54de969"
    "3e9dd35ce3e45f28d8d0eedc49f0857707c971210e";
static const char vec_offer[] =
    "f034"
    "78797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f"
    "db83685289b88a962a904791136e85aef94afa39593b8c44f4a2c15ca1b64ad8"
    "b386c54b76dc5cd090c5ec27d7409819959b8717549efb9ecfbb682031014d8e"
    "5e3f6d44649357e1467d7e0ac07dd025909e58876b4e5bed78763e5bc505f9d5"
    "e34033d1f2d4944673ff681ae9dc2835bec9136cd05ef371b31d1736e2fb180e"
    "d0b359571a461838046cabeb2f287f1ee7044214c7";

static const uint64_t TS_A = 1774800100000ull, TS_R = 1774800100005ull;
static uint8_t key[32], pk[32], A[32], B[32], R[32], txid[12], nonce[3][24];

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
ctl(struct relay_msg *m, const uint8_t *src, const uint8_t *dst, const uint8_t *target, uint8_t op,
    uint64_t ts)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->src, src, 32);
	memcpy(m->dst, dst, 32);
	memcpy(m->target, target, 32);
	m->op = op;
	m->ts = ts;
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

	/* A -> R, relay data for B. */
	wn = unhex(vec_data, want, sizeof(want));
	n = relay_build_data(got, sizeof(got), key, pk, A, B, TS_A, payload, sizeof(payload), nonce[0]);
	CHECK(n == wn && n == RELAY_DATA_OVERHEAD + 16 && memcmp(got, want, n) == 0);
	/* R opens it (a data message's destination is not checked against R's key) ... */
	CHECK(relay_parse(got, n, key, R, &p) == RELAY_OK);
	CHECK(p.type == RELAY_TYPE_DATA && memcmp(p.src, A, 32) == 0 &&
	    memcmp(p.dst, B, 32) == 0 && p.ts == TS_A && p.len == 16 &&
	    memcmp(p.payload, payload, 16) == 0);
	/* ... and forwards it verbatim: B opens the same bytes, and its tag is K_AB's. */
	CHECK(relay_parse(got, n, key, B, &p) == RELAY_OK && p.len == 16);
	CHECK(probe_pair_check(got, n, pk) == 0);
	/* Made by a member M in A's name (M's own pair key): opens, but the tag is wrong. */
	{
		uint8_t mk[32], forged[RELAY_DATA_MAX];
		size_t fn;

		memcpy(mk, pk, 32);
		mk[31] ^= 0x40;
		fn = relay_build_data(forged, sizeof(forged), key, mk, A, B, TS_A, payload,
		    sizeof(payload), nonce[0]);
		CHECK(fn == n && relay_parse(forged, fn, key, B, &p) == RELAY_OK);
		CHECK(probe_pair_check(forged, fn, pk) == -1);
		CHECK(memcmp(forged, got, n - PROBE_PAIR_TAG_LEN) == 0);	/* only the tag differs */
	}

	/* A -> R query about B; R -> A offer. */
	wn = unhex(vec_query, want, sizeof(want));
	ctl(&m, A, R, B, RELAY_OP_QUERY, TS_A);
	n = relay_build_ctl(got, sizeof(got), key, pk, &m, nonce[1]);
	CHECK(n == wn && n == RELAY_CTL_LEN && memcmp(got, want, n) == 0);
	CHECK(relay_parse(got, n, key, R, &p) == RELAY_OK);
	CHECK(p.type == RELAY_TYPE_CTL && p.op == RELAY_OP_QUERY && memcmp(p.target, B, 32) == 0 &&
	    memcmp(p.txid, txid, 12) == 0 && p.ts == TS_A);
	wn = unhex(vec_offer, want, sizeof(want));
	ctl(&m, R, A, B, RELAY_OP_OFFER, TS_R);
	n = relay_build_ctl(got, sizeof(got), key, pk, &m, nonce[2]);
	CHECK(n == wn && memcmp(got, want, n) == 0);
	CHECK(relay_parse(got, n, key, A, &p) == RELAY_OK && p.op == RELAY_OP_OFFER && p.ts == TS_R);
}

/* Finding 6 of issue 12: no long-term key in clear, and no two messages alike. */
static void
test_no_key_in_clear(void)
{
	uint8_t a[RELAY_DATA_MAX], b[RELAY_DATA_MAX], payload[64];
	struct relay_msg m;
	size_t an, bn;

	memset(payload, 4, sizeof(payload));
	an = relay_build_data(a, sizeof(a), key, pk, A, B, TS_A, payload, sizeof(payload), NULL);
	bn = relay_build_data(b, sizeof(b), key, pk, A, B, TS_A, payload, sizeof(payload), NULL);
	CHECK(an > 0 && an == bn && memcmp(a + 2, b + 2, an - 2) != 0);
	CHECK(memmem(a, an, A, 8) == NULL && memmem(a, an, B, 8) == NULL);
	ctl(&m, A, R, B, RELAY_OP_QUERY, TS_A);
	an = relay_build_ctl(a, sizeof(a), key, pk, &m, NULL);
	CHECK(an == RELAY_CTL_LEN);
	CHECK(memmem(a, an, A, 8) == NULL && memmem(a, an, B, 8) == NULL &&
	    memmem(a, an, R, 8) == NULL);
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
	buf[1] = RELAY_TYPE_DATA;
	CHECK(relay_parse(buf, 2, key, R, &p) == RELAY_REJECT_SHORT);
	buf[0] = 0xF0;
	buf[1] = 1;
	CHECK(relay_parse(buf, 2, key, R, &p) == RELAY_REJECT_TYPE);
	buf[1] = 0x35;
	CHECK(relay_parse(buf, 2, key, R, &p) == RELAY_REJECT_TYPE);
	/* Version 1 (keys in clear, no ts): an older gonet, refused by name. */
	buf[1] = 3;
	CHECK(relay_parse(buf, 98, key, R, &p) == RELAY_REJECT_VERSION);
	buf[1] = 4;
	CHECK(relay_parse(buf, 127, key, R, &p) == RELAY_REJECT_VERSION);
	/* Version 2 (no pairwise tag): refused by name. */
	buf[1] = 0x23;
	CHECK(relay_parse(buf, 130, key, R, &p) == RELAY_REJECT_VERSION);
	buf[1] = 0x24;
	CHECK(relay_parse(buf, 159, key, R, &p) == RELAY_REJECT_VERSION);

	/* Data: payload sizes. */
	CHECK(relay_build_data(buf, sizeof(buf), key, pk, A, B, TS_A, big, 0, NULL) == 0);
	CHECK(relay_build_data(buf, sizeof(buf), key, pk, A, B, TS_A, big, sizeof(big), NULL) == 0);
	CHECK(relay_build_data(buf, 10, key, pk, A, B, TS_A, big, 4, NULL) == 0);
	n = relay_build_data(buf, sizeof(buf), key, pk, A, B, TS_A, big, RELAY_PAYLOAD_MAX, NULL);
	CHECK(n == RELAY_DATA_MAX && relay_parse(buf, n, key, R, &p) == RELAY_OK);
	CHECK(p.len == RELAY_PAYLOAD_MAX);
	CHECK(relay_parse(buf, RELAY_DATA_OVERHEAD, key, R, &p) == RELAY_REJECT_LENGTH);
	CHECK(relay_parse(buf, RELAY_DATA_MAX + 1, key, R, &p) == RELAY_REJECT_LENGTH);
	/* A flipped bit anywhere past the type, or another room's key: mac. */
	n = relay_build_data(buf, sizeof(buf), key, pk, A, B, TS_A, big, 100, NULL);
	buf[50] ^= 1;
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_MAC);
	buf[50] ^= 1;
	buf[5] ^= 1;				/* the nonce */
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_MAC);
	buf[5] ^= 1;
	CHECK(relay_parse(buf, n, other, R, &p) == RELAY_REJECT_MAC);
	CHECK(relay_parse(buf, n - 1, key, R, &p) == RELAY_REJECT_MAC);
	/* Data re-typed as control: length (or mac at the control length). */
	buf[1] = RELAY_TYPE_CTL;
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_LENGTH);
	/* Source = destination: format. */
	n = relay_build_data(buf, sizeof(buf), key, pk, A, A, TS_A, big, 100, NULL);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);

	/* Control. */
	ctl(&m, A, R, B, RELAY_OP_QUERY, TS_A);
	n = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
	CHECK(relay_build_ctl(buf + 200, RELAY_CTL_LEN - 1, key, pk, &m, NULL) == 0);
	CHECK(relay_parse(buf, n - 1, key, R, &p) == RELAY_REJECT_LENGTH);
	CHECK(relay_parse(buf, n, key, B, &p) == RELAY_REJECT_RECEIVER);
	CHECK(relay_parse(buf, n, other, R, &p) == RELAY_REJECT_MAC);
	ctl(&m, A, R, B, 0, TS_A);
	n = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, A, R, B, 4, TS_A);
	n = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, A, R, R, RELAY_OP_QUERY, TS_A);
	n = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, A, R, A, RELAY_OP_QUERY, TS_A);
	n = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);
	ctl(&m, R, R, B, RELAY_OP_QUERY, TS_A);
	n = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
	CHECK(relay_parse(buf, n, key, R, &p) == RELAY_REJECT_FORMAT);

	CHECK(strcmp(relay_reject_name(RELAY_REJECT_MAC), "mac") == 0);
	CHECK(strcmp(relay_reject_name(RELAY_REJECT_VERSION), "version") == 0);
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
		pk[i] = (uint8_t)(0xd0 + i);
	}
	for (i = 0; i < 12; i++)
		txid[i] = (uint8_t)(0xc0 + i);
	for (i = 0; i < 24; i++) {
		nonce[0][i] = (uint8_t)(0x48 + i);
		nonce[1][i] = (uint8_t)(0x60 + i);
		nonce[2][i] = (uint8_t)(0x78 + i);
	}
	test_vectors();
	test_no_key_in_clear();
	test_rejects();
	return check_exit("test_relay_msg");
}
