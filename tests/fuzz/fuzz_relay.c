/* fuzz-sources: tunnel/nat/relay_msg.c tunnel/nat/probe.c tunnel/nat/fresh.c tunnel/net/endpoint.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_relay.c — libFuzzer target for the peer relay codec (version 3,
 * sealed, with the pairwise tag under the vectors' pair key d0..ef).
 *
 * The AEAD stops random input, so the first byte picks a layer:
 *   0  the input is a datagram: relay_parse() under the fixed key (the
 *      vectors' key and R: the doc's data and query open here); whatever
 *      opens must rebuild to the same bytes with its own nonce (the tag
 *      too exactly when it is the pair key's)
 *   1  the input supplies fields (ids, ts, op, txid, payload): build data
 *      and control messages, parse them back (round trip), then flip one
 *      input-chosen bit and expect a reject (of the seal, or of the tag)
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"
#include "tunnel/net/bytes.h"

static uint8_t key[RELAY_MAC_KEY_LEN], our_id[RELAY_KEY_LEN], pk[PROBE_PAIR_KEY_LEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
datagram(const uint8_t *data, size_t size)
{
	uint8_t out[RELAY_DATA_MAX];
	static struct relay_msg m;
	size_t n;

	if (relay_parse(data, size, key, our_id, &m) != RELAY_OK)
		return;
	if (m.type == RELAY_TYPE_DATA) {
		assert(m.len > 0 && m.len <= RELAY_PAYLOAD_MAX);
		n = relay_build_data(out, sizeof(out), key, pk, m.src, m.dst, m.ts, m.payload, m.len,
		    data + PROBE_OUTER_LEN);
	} else {
		n = relay_build_ctl(out, sizeof(out), key, pk, &m, data + PROBE_OUTER_LEN);
	}
	assert(n == size && memcmp(out, data, size - PROBE_PAIR_TAG_LEN) == 0);
	assert((memcmp(out, data, size) == 0) == (probe_pair_check(data, size, pk) == 0));
}

static void
fields(const uint8_t *data, size_t size)
{
	uint8_t out[RELAY_DATA_MAX];
	static struct relay_msg m, p;
	size_t n, plen, bit;

	if (size < 32 + 32 + 8 + 1 + RELAY_TXID_LEN + 2)
		return;
	memset(&m, 0, sizeof(m));
	memcpy(m.src, data, 32);
	memcpy(m.dst, our_id, 32);
	memcpy(m.target, data + 32, 32);
	m.ts = bytes_get64(data + 64);
	m.op = data[72];
	memcpy(m.txid, data + 73, RELAY_TXID_LEN);
	bit = (size_t)data[85] << 8 | data[86];
	data += 87;
	size -= 87;
	n = relay_build_ctl(out, sizeof(out), key, pk, &m, NULL);
	assert(n == RELAY_CTL_LEN && probe_pair_check(out, n, pk) == 0);
	if (relay_parse(out, n, key, our_id, &p) == RELAY_OK)
		assert(p.op == m.op && p.ts == m.ts && memcmp(p.target, m.target, 32) == 0 &&
		    memcmp(p.txid, m.txid, RELAY_TXID_LEN) == 0);
	out[(bit / 8) % n] ^= (uint8_t)(1u << (bit % 8));
	assert(relay_parse(out, n, key, our_id, &p) != RELAY_OK || probe_pair_check(out, n, pk) != 0);

	plen = size > RELAY_PAYLOAD_MAX ? RELAY_PAYLOAD_MAX : size;
	n = relay_build_data(out, sizeof(out), key, pk, m.src, m.target, m.ts, data, plen, NULL);
	if (plen == 0) {
		assert(n == 0);
		return;
	}
	assert(n == RELAY_DATA_OVERHEAD + plen && probe_pair_check(out, n, pk) == 0);
	if (relay_parse(out, n, key, our_id, &p) == RELAY_OK)
		assert(p.len == plen && p.ts == m.ts && memcmp(p.payload, data, plen) == 0);
	out[(bit / 8) % n] ^= (uint8_t)(1u << (bit % 8));
	assert(relay_parse(out, n, key, our_id, &p) != RELAY_OK || probe_pair_check(out, n, pk) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;

	if (!init) {
		if (sodium_init() < 0)
			return 0;
		for (unsigned i = 0; i < 32; i++) {
			key[i] = (uint8_t)i;
			our_id[i] = (uint8_t)(0xa0 + i);
			pk[i] = (uint8_t)(0xd0 + i);
		}
		init = 1;
	}
	if (size == 0)
		return 0;
	if (data[0] == 0)
		datagram(data + 1, size - 1);
	else if (data[0] == 1)
		fields(data + 1, size - 1);
	return 0;
}
