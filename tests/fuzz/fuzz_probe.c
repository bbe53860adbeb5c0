/* fuzz-sources: tunnel/nat/probe.c tunnel/nat/fresh.c tunnel/net/endpoint.c tunnel/net/demux.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_probe.c — libFuzzer target for the punch probe codec (version 3,
 * sealed, with the pairwise tag) and the freshness table behind it.
 * Senders whose first byte is even are "peers" with the vectors' pair key
 * (d0..ef); odd ones are unknown.
 *
 * The AEAD stops random input, so the first byte picks a layer:
 *   1  the input supplies fields (type, ids, ts, txid, address, nonce):
 *      build, parse, compare (round trip), feed a copy tagged under another
 *      pair key (`pair`, the window untouched), then it twice to the
 *      freshness table (the second is a replay), then flip one input-chosen
 *      bit and expect a reject
 *   else  the input is a datagram: probe_parse() under the fixed key (the
 *      vectors' key: the doc's ping opens here); whatever opens must
 *      rebuild to the same bytes with its own nonce and be answered with a
 *      pong no larger than itself
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/net/bytes.h"
#include "tunnel/net/demux.h"
#include "tunnel/nat/fresh.h"
#include "tunnel/nat/probe.h"

static uint8_t key[PROBE_KEY_LEN], our_id[PROBE_ID_LEN], pk[PROBE_PAIR_KEY_LEN];
static uint8_t wrong[PROBE_PAIR_KEY_LEN];
static struct fresh *fr;

static const uint8_t *
pair_of(void *arg, const uint8_t sender[PROBE_ID_LEN])
{
	(void)arg;
	return (sender[0] & 1) == 0 ? pk : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
datagram(const uint8_t *data, size_t size)
{
	uint8_t again[PROBE_MAX_LEN], pong[PROBE_MAX_LEN];
	struct probe_msg m;
	struct endpoint from;
	uint8_t a4[4] = { 192, 0, 2, 1 };
	enum probe_reject r;
	size_t n;

	r = probe_parse(data, size, key, our_id, &m);
	assert((unsigned)r < PROBE_REJ__COUNT);
	assert(r != PROBE_REJ_STALE && r != PROBE_REJ_REPLAY);	/* probe_input's */
	if (size > 0 && data[0] == PROBE_MAGIC)
		assert(demux_classify(data, size) == DEMUX_PROBE);
	if (r != PROBE_OK)
		return;
	/* Opened probes are canonical: rebuilding with their nonce gives the same bytes
	 * (the tag too when it is pk's). */
	n = probe_build(again, sizeof(again), key, pk, &m, data + PROBE_OUTER_LEN);
	assert(n == size && memcmp(again, data, n - PROBE_PAIR_TAG_LEN) == 0);
	assert((memcmp(again, data, n) == 0) == (probe_pair_check(data, size, pk) == 0));
	if (m.type == PROBE_PING) {
		endpoint_set(&from, ENDPOINT_V6, data + 2, 1);
		if (endpoint_is_usable(&from, 1)) {
			n = probe_answer(pong, sizeof(pong), key, pk, &m, &from, m.ts + 1);
			assert(n > 0 && n <= size);
		}
		endpoint_set(&from, ENDPOINT_V4, a4, 1);
		n = probe_answer(pong, sizeof(pong), key, pk, &m, &from, m.ts + 1);
		assert(n > 0 && n <= size);
	}
}

static void
fields(const uint8_t *data, size_t size)
{
	uint8_t buf[PROBE_MAX_LEN], forged[PROBE_MAX_LEN], nonce[PROBE_NONCE_LEN];
	struct probe_msg m, got;
	struct probe_stats st;
	size_t need = 1 + PROBE_ID_LEN + 8 + PROBE_TXID_LEN + 1 + 2 + 16 + PROBE_NONCE_LEN + 2;
	size_t n, bit;
	const uint8_t *p = data;
	enum probe_reject r;

	if (size < need)
		return;
	memset(&m, 0, sizeof(m));
	m.type = (p[0] & 1) ? PROBE_PONG : PROBE_PING;
	memcpy(m.sender, p + 1, PROBE_ID_LEN);
	memcpy(m.receiver, our_id, PROBE_ID_LEN);
	p += 1 + PROBE_ID_LEN;
	m.ts = bytes_get64(p);
	memcpy(m.txid, p + 8, PROBE_TXID_LEN);
	p += 8 + PROBE_TXID_LEN;
	endpoint_set(&m.observed, (p[0] & 1) ? ENDPOINT_V6 : ENDPOINT_V4, p + 3,
	    (uint16_t)(p[1] << 8 | p[2]));
	p += 3 + 16;
	memcpy(nonce, p, sizeof(nonce));
	p += sizeof(nonce);
	n = probe_build(buf, sizeof(buf), key, pk, &m, nonce);
	assert(n > 0 && n <= PROBE_MAX_LEN);
	assert(probe_build(forged, sizeof(forged), key, wrong, &m, nonce) == n);
	r = probe_parse(buf, n, key, our_id, &got);
	if (r == PROBE_OK) {
		assert(got.type == m.type && got.ts == m.ts);
		assert(memcmp(got.sender, m.sender, PROBE_ID_LEN) == 0);
		assert(memcmp(got.txid, m.txid, PROBE_TXID_LEN) == 0);
		if (m.type == PROBE_PONG)
			assert(endpoint_equal(&got.observed, &m.observed));
		memset(&st, 0, sizeof(st));
		if (m.sender[0] & 1) {
			/* Unknown: nothing to check the tag with, nothing moves. */
			assert(probe_input(&st, fr, m.ts, buf, n, key, our_id, pair_of, NULL, &got) ==
			    PROBE_REJ_UNKNOWN);
		} else {
			/* Another member's tag in this sender's name: `pair`, before freshness. */
			assert(probe_input(&st, fr, m.ts, forged, n, key, our_id, pair_of, NULL,
			    &got) == PROBE_REJ_PAIR);
			/* Fresh once, then a replay, whatever the clock says in between. */
			r = probe_input(&st, fr, m.ts, buf, n, key, our_id, pair_of, NULL, &got);
			assert(r == PROBE_OK || r == PROBE_REJ_REPLAY);
			assert(probe_input(&st, fr, m.ts, buf, n, key, our_id, pair_of, NULL, &got) ==
			    PROBE_REJ_REPLAY);
		}
	} else {
		/* Only an unusable reported address may fail an honest probe. */
		assert(r == PROBE_REJ_FORMAT && m.type == PROBE_PONG &&
		    !endpoint_is_usable(&m.observed, 1));
	}
	bit = ((size_t)p[0] << 8 | p[1]) % (n * 8);
	buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	memset(&st, 0, sizeof(st));
	assert(probe_input(&st, NULL, 0, buf, n, key, our_id, pair_of, NULL, &got) != PROBE_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		if (sodium_init() < 0 || (fr = fresh_new()) == NULL)
			return 0;
		for (unsigned i = 0; i < 32; i++) {
			key[i] = (uint8_t)i;			/* the vectors' key ... */
			our_id[i] = (uint8_t)(0x80 + i);	/* ... and B, their pinged peer */
			pk[i] = (uint8_t)(0xd0 + i);		/* ... and their pair key */
			wrong[i] = (uint8_t)(0xd0 + i);
		}
		wrong[0] ^= 1;				/* a member's own pair key */
		init = 1;
	}
	if (size < 1)
		return 0;
	if (data[0] == 1)
		fields(data + 1, size - 1);
	else
		datagram(data, size);
	return 0;
}
