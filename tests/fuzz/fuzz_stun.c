/* fuzz-sources: tunnel/nat/stun_msg.c tunnel/nat/stun.c tunnel/net/endpoint.c tunnel/net/demux.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_stun.c — libFuzzer target for the STUN codec (stun_msg.c), the
 * Binding response parser and the client.
 *
 * FINGERPRINT and the transaction id stop most random input early, so the
 * first byte picks a layer:
 *   0  the input is a datagram: stun_parse_response(), demux_classify(),
 *      and the codec's walk checked against its invariants
 *   1  the input is the attribute area: a header with the right length and
 *      our transaction id goes in front and a valid FINGERPRINT after it
 *   2  like 1 without FINGERPRINT, fed to a two-server client as the answer
 *      of server 0, then checked against the client's invariants
 *   3  like 1 with the message type from bytes 1 and 2, walked by the codec
 *      and checked against its invariants, MESSAGE-INTEGRITY tried
 *   4  the input is attributes for the writer (type, length byte, value),
 *      followed by MESSAGE-INTEGRITY and FINGERPRINT: what it builds parses
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/net/demux.h"
#include "tunnel/nat/stun.h"

enum { MAX_ATTRS = 2048 };

static const uint8_t fixed_txid[STUN_TXID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static size_t
wrap(uint8_t *m, const uint8_t *attrs, size_t n, const uint8_t *txid, int fingerprint)
{
	size_t len;

	/* Keep the attribute area a multiple of 4 so the length check passes. */
	n &= ~(size_t)3;
	m[0] = 0x01;
	m[1] = 0x01;
	m[4] = 0x21;
	m[5] = 0x12;
	m[6] = 0xA4;
	m[7] = 0x42;
	memcpy(m + 8, txid, STUN_TXID_LEN);
	memcpy(m + 20, attrs, n);
	len = 20 + n;
	if (fingerprint) {
		uint32_t fp;

		m[2] = (uint8_t)((n + 8) >> 8);
		m[3] = (uint8_t)(n + 8);
		fp = stun_crc32(m, len) ^ STUN_FINGERPRINT_XOR;
		m[len] = 0x80;
		m[len + 1] = 0x28;
		m[len + 2] = 0;
		m[len + 3] = 4;
		m[len + 4] = (uint8_t)(fp >> 24);
		m[len + 5] = (uint8_t)(fp >> 16);
		m[len + 6] = (uint8_t)(fp >> 8);
		m[len + 7] = (uint8_t)fp;
		return len + 8;
	}
	m[2] = (uint8_t)(n >> 8);
	m[3] = (uint8_t)n;
	return len;
}

static void
check_response(enum stun_err e, const struct stun_response *r)
{
	assert((unsigned)e < STUN_ERR__COUNT);
	if (e == STUN_OK) {
		assert(r->have_mapped);
		assert(r->mapped.family == ENDPOINT_V4 || r->mapped.family == ENDPOINT_V6);
		assert(r->type == STUN_BINDING_SUCCESS);
		assert(r->n_unknown == 0);
	}
	if (e == STUN_ERR_ERROR_RESPONSE)
		assert(r->error_code >= 300 && r->error_code <= 699);
	assert(r->n_unknown <= STUN_MAX_UNKNOWN);
}

static const uint8_t key[16] = { 'k', 'e', 'y' };

/* What the walk promises about a message it accepted. */
static void
check_walk(const struct stun_msg *sm, const uint8_t *buf, size_t len)
{
	unsigned i, j;

	assert(sm->n_known <= STUN_MSG_MAX_KNOWN);
	for (i = 0; i < sm->n_known; i++) {
		const struct stun_attr *a = &sm->known[i];

		assert(a->off >= STUN_HEADER_LEN && a->off + STUN_ATTR_HEADER_LEN + a->len <= len);
		assert(a->value == buf + a->off + STUN_ATTR_HEADER_LEN);
		for (j = 0; j < i; j++)
			assert(sm->known[j].type != a->type && sm->known[j].off < a->off);
	}
	if (sm->integrity_off != 0) {
		assert(stun_msg_attr(sm, STUN_ATTR_MESSAGE_INTEGRITY)->off == sm->integrity_off);
		(void)stun_msg_check_integrity(buf, len, sm->integrity_off, key, sizeof(key));
	}
	/* MESSAGE-INTEGRITY-SHA256 may follow MESSAGE-INTEGRITY, never the other way round. */
	if (sm->integrity_off != 0 && sm->integrity_sha256_off != 0)
		assert(sm->integrity_off < sm->integrity_sha256_off);
	if (sm->fingerprint)
		assert(stun_msg_attr(sm, STUN_ATTR_FINGERPRINT)->off == len - 8);
	assert(sm->error_code == 0 || (sm->error_code >= 300 && sm->error_code <= 699));
	if (sm->cls == STUN_CLASS_ERROR)
		assert(sm->error_code != 0);
}

/* Build attributes from the input with the writer, seal it, parse it back. */
static void
writer_round_trip(const uint8_t *data, size_t size)
{
	static uint8_t out[4096];
	struct stun_writer w;
	struct stun_msg sm;
	int special = 0;
	size_t i = 0, vlen, n;
	uint16_t type;

	stun_msg_begin(&w, out, sizeof(out), STUN_BINDING_SUCCESS, fixed_txid);
	while (size - i >= 3) {
		type = (uint16_t)(data[i] << 8 | data[i + 1]);
		vlen = data[i + 2];
		i += 3;
		if (vlen > size - i)
			vlen = size - i;
		special |= type == STUN_ATTR_MESSAGE_INTEGRITY || type == STUN_ATTR_FINGERPRINT ||
		    type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256;
		(void)stun_msg_put(&w, type, data + i, vlen);
		i += vlen;
	}
	stun_msg_put_integrity(&w, key, sizeof(key));
	stun_msg_put_fingerprint(&w);
	if ((n = stun_msg_finish(&w)) == 0)
		return;
	assert(n % 4 == 0 && n <= sizeof(out));
	assert(stun_msg_header(&sm, out, n) == STUN_MSG_OK);
	assert(sm.type == STUN_BINDING_SUCCESS && memcmp(sm.txid, fixed_txid, STUN_TXID_LEN) == 0);
	if (stun_msg_attrs(&sm, NULL, 0) != STUN_MSG_OK)
		return;		/* an attribute the input made is malformed */
	check_walk(&sm, out, n);
	if (!special) {
		assert(sm.integrity_off == n - 32 && sm.fingerprint);
		assert(stun_msg_check_integrity(out, n, sm.integrity_off, key, sizeof(key)) == 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t m[20 + MAX_ATTRS + 8];
	struct stun_response r;
	struct stun_msg sm;
	enum stun_msg_err me;
	struct stun_client c;
	struct stun_rto_config cfg = { 100, 3, 4, 0 };
	struct endpoint s0, s1, mapped;
	uint8_t a0[4] = { 192, 0, 2, 10 }, a1[4] = { 192, 0, 2, 20 };
	enum stun_err e;
	size_t n;

	if (size < 1)
		return 0;
	if (sodium_init() < 0)
		return 0;
	switch (data[0]) {
	case 1:
		if (size - 1 > MAX_ATTRS)
			return 0;
		n = wrap(m, data + 1, size - 1, fixed_txid, 1);
		e = stun_parse_response(m, n, fixed_txid, &r);
		check_response(e, &r);
		assert(e != STUN_ERR_SHORT && e != STUN_ERR_NOT_STUN && e != STUN_ERR_LENGTH &&
		    e != STUN_ERR_TYPE && e != STUN_ERR_TXID);
		assert(demux_classify(m, n) == DEMUX_STUN);
		break;
	case 2:
		if (size - 1 > MAX_ATTRS)
			return 0;
		endpoint_set(&s0, ENDPOINT_V4, a0, 3478);
		endpoint_set(&s1, ENDPOINT_V4, a1, 3478);
		stun_client_init(&c, &cfg);
		assert(stun_client_add_server(&c, &s0) == 0);
		assert(stun_client_add_server(&c, &s1) == 1);
		stun_client_start(&c, 0);
		(void)stun_client_on_timer(&c, 0, NULL);
		n = wrap(m, data + 1, size - 1, c.servers[0].txn.txid, 0);
		e = stun_client_input(&c, &s0, m, n, 5);
		assert((unsigned)e < STUN_ERR__COUNT);
		switch (stun_client_result(&c, &mapped)) {
		case STUN_RESULT_MAPPED:
			assert(e == STUN_OK && c.servers[0].txn.state == STUN_TXN_DONE);
			assert(mapped.family == ENDPOINT_V4 || mapped.family == ENDPOINT_V6);
			break;
		case STUN_RESULT_PENDING:
			assert(e != STUN_OK);
			break;
		default:
			assert(0);
		}
		/* A second copy is never accepted: the transaction is over or still waiting. */
		if (e == STUN_OK)
			assert(stun_client_input(&c, &s0, m, n, 6) == STUN_ERR_TXID);
		break;
	case 3:
		if (size < 3 || size - 3 > MAX_ATTRS)
			return 0;
		n = wrap(m, data + 3, size - 3, fixed_txid, 1);
		m[0] = (uint8_t)(data[1] & 0x3F);	/* any method and class, top bits 00 */
		m[1] = data[2];
		/* The FINGERPRINT covered the old type: redo it. */
		{
			uint32_t fp = stun_crc32(m, n - 8) ^ STUN_FINGERPRINT_XOR;

			m[n - 4] = (uint8_t)(fp >> 24);
			m[n - 3] = (uint8_t)(fp >> 16);
			m[n - 2] = (uint8_t)(fp >> 8);
			m[n - 1] = (uint8_t)fp;
		}
		assert(stun_msg_header(&sm, m, n) == STUN_MSG_OK);
		if ((me = stun_msg_attrs(&sm, NULL, 0)) == STUN_MSG_OK)
			check_walk(&sm, m, n);
		assert((unsigned)me < STUN_MSG__COUNT && strcmp(stun_msg_err_name(me), "?") != 0);
		break;
	case 4:
		writer_round_trip(data + 1, size - 1);
		break;
	default:
		e = stun_parse_response(data, size, NULL, &r);
		check_response(e, &r);
		if (e == STUN_OK)
			assert(demux_classify(data, size) == DEMUX_STUN);
		if (stun_msg_header(&sm, data, size) == STUN_MSG_OK &&
		    stun_msg_attrs(&sm, NULL, 0) == STUN_MSG_OK)
			check_walk(&sm, data, size);
		break;
	}
	return 0;
}
