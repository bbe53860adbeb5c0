/* fuzz-sources: tunnel/nat/relay_msg.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_relay.c — libFuzzer target for the peer relay codec.
 *
 * The MAC stops random input, so the first byte picks a layer:
 *   0  the input is a datagram: relay_parse() under the fixed key; whatever
 *      verifies must rebuild to the same bytes
 *   1  the input supplies fields (ids, op, txid, payload): build data and
 *      control messages, parse them back (round trip), then flip one
 *      input-chosen bit and expect a reject
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"

static uint8_t key[RELAY_MAC_KEY_LEN], our_id[RELAY_KEY_LEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
datagram(const uint8_t *data, size_t size)
{
	uint8_t out[RELAY_DATA_MAX];
	struct relay_msg m;
	size_t n;

	if (relay_parse(data, size, key, our_id, &m) != RELAY_OK)
		return;
	if (m.type == RELAY_TYPE_DATA) {
		assert(m.len > 0 && m.len <= RELAY_PAYLOAD_MAX);
		n = relay_build_data(out, sizeof(out), key, m.src, m.dst, m.payload, m.len);
	} else {
		n = relay_build_ctl(out, sizeof(out), key, &m);
	}
	assert(n == size && memcmp(out, data, size) == 0);
}

static void
fields(const uint8_t *data, size_t size)
{
	uint8_t out[RELAY_DATA_MAX];
	struct relay_msg m, p;
	size_t n, plen, bit;

	if (size < 32 + 32 + 32 + 1 + RELAY_TXID_LEN + 2)
		return;
	memset(&m, 0, sizeof(m));
	memcpy(m.src, data, 32);
	memcpy(m.dst, our_id, 32);
	memcpy(m.target, data + 32, 32);
	m.op = data[64];
	memcpy(m.txid, data + 65, RELAY_TXID_LEN);
	bit = (size_t)data[77] << 8 | data[78];
	data += 79;
	size -= 79;
	n = relay_build_ctl(out, sizeof(out), key, &m);
	assert(n == RELAY_CTL_LEN);
	if (relay_parse(out, n, key, our_id, &p) == RELAY_OK)
		assert(p.op == m.op && memcmp(p.target, m.target, 32) == 0 &&
		    memcmp(p.txid, m.txid, RELAY_TXID_LEN) == 0);
	out[(bit / 8) % n] ^= (uint8_t)(1u << (bit % 8));
	assert(relay_parse(out, n, key, our_id, &p) != RELAY_OK);

	plen = size > RELAY_PAYLOAD_MAX ? RELAY_PAYLOAD_MAX : size;
	n = relay_build_data(out, sizeof(out), key, m.src, m.target, data, plen);
	if (plen == 0) {
		assert(n == 0);
		return;
	}
	assert(n == RELAY_DATA_OVERHEAD + plen);
	if (relay_parse(out, n, key, our_id, &p) == RELAY_OK)
		assert(p.len == plen && memcmp(p.payload, data, plen) == 0);
	out[(bit / 8) % n] ^= (uint8_t)(1u << (bit % 8));
	assert(relay_parse(out, n, key, our_id, &p) != RELAY_OK);
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
