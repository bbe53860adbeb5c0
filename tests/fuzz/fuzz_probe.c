/* fuzz-sources: tunnel/nat/probe.c tunnel/net/endpoint.c tunnel/net/demux.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_probe.c — libFuzzer target for the punch probe codec.
 *
 * The MAC stops random input, so the first byte picks a layer:
 *   0  the input is a datagram: probe_parse() under the fixed key; whatever
 *      verifies must rebuild to the same bytes and be answered with a pong
 *      no larger than itself
 *   1  the input supplies fields (type, ids, txid, address): build, parse,
 *      compare (round trip), then flip one input-chosen bit and expect a
 *      reject
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/net/demux.h"
#include "tunnel/nat/probe.h"

static uint8_t key[PROBE_KEY_LEN], our_id[PROBE_ID_LEN];

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
	if (size > 0 && data[0] == PROBE_MAGIC)
		assert(demux_classify(data, size) == DEMUX_PROBE);
	if (r != PROBE_OK)
		return;
	/* Verified probes are canonical: rebuilding gives the same bytes. */
	if (m.type == PROBE_PING) {
		n = probe_build_ping(again, sizeof(again), key, m.sender, m.receiver, m.txid);
		assert(n == size && memcmp(again, data, n) == 0);
		endpoint_set(&from, ENDPOINT_V4, a4, 1);
		n = probe_answer(pong, sizeof(pong), key, &m, &from);
		assert(n > 0 && n <= size);
	} else {
		n = probe_build_pong(again, sizeof(again), key, m.sender, m.receiver, m.txid, &m.observed);
		assert(n == size && memcmp(again, data, n) == 0);
	}
}

static void
fields(const uint8_t *data, size_t size)
{
	uint8_t buf[PROBE_MAX_LEN], other[PROBE_ID_LEN];
	struct probe_msg m;
	struct endpoint ep;
	size_t need = 1 + PROBE_ID_LEN + PROBE_TXID_LEN + 1 + 2 + 16 + 2, n, bit;
	const uint8_t *p = data;
	int pong;

	if (size < need)
		return;
	pong = p[0] & 1;
	memcpy(other, p + 1, PROBE_ID_LEN);
	p += 1 + PROBE_ID_LEN;
	if (pong) {
		endpoint_set(&ep, (p[PROBE_TXID_LEN] & 1) ? ENDPOINT_V6 : ENDPOINT_V4, p + PROBE_TXID_LEN + 3,
		    (uint16_t)(p[PROBE_TXID_LEN + 1] << 8 | p[PROBE_TXID_LEN + 2]));
		n = probe_build_pong(buf, sizeof(buf), key, other, our_id, p, &ep);
	} else {
		n = probe_build_ping(buf, sizeof(buf), key, other, our_id, p);
	}
	assert(n > 0);
	if (probe_parse(buf, n, key, our_id, &m) == PROBE_OK) {
		assert(memcmp(m.sender, other, PROBE_ID_LEN) == 0);
		assert(memcmp(m.txid, p, PROBE_TXID_LEN) == 0);
		if (pong)
			assert(endpoint_equal(&m.observed, &ep));
	} else {
		/* Only an unusable reported address may fail an honest probe. */
		assert(pong && !endpoint_is_usable(&ep, 1));
	}
	bit = ((size_t)data[need - 2] << 8 | data[need - 1]) % (n * 8);
	buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	assert(probe_parse(buf, n, key, our_id, &m) != PROBE_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		if (sodium_init() < 0)
			return 0;
		memset(key, 0x5A, sizeof(key));
		memset(our_id, 0xA5, sizeof(our_id));
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
