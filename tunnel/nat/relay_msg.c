/* SPDX-License-Identifier: GPL-3.0-or-later */
/* relay_msg.c — the peer relay messages (relay_msg.h, PROTOCOL.md "Peer relay"). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"
#include "tunnel/net/bytes.h"

static const char *const reject_names[RELAY_REJECT__COUNT] = {
	[RELAY_OK] = "ok",
	[RELAY_REJECT_SHORT] = "short",
	[RELAY_REJECT_TYPE] = "type",
	[RELAY_REJECT_VERSION] = "version",
	[RELAY_REJECT_LENGTH] = "length",
	[RELAY_REJECT_MAC] = "mac",
	[RELAY_REJECT_RECEIVER] = "receiver",
	[RELAY_REJECT_FORMAT] = "format"
};

/* Offsets in the sealed body. */
enum {
	B_SRC = 0,
	B_DST = 32,
	B_TS = 64,
	B_PAYLOAD = 72,			/* data */
	B_TARGET = 72,			/* control */
	B_OP = 104,
	B_TXID = 105
};

_Static_assert((int)B_TXID + (int)RELAY_TXID_LEN == (int)RELAY_CTL_BODY, "control body layout");
_Static_assert((int)B_PAYLOAD == (int)RELAY_DATA_BODY_HEADER, "data body layout");

const char *
relay_reject_name(enum relay_reject r)
{
	return (unsigned)r < RELAY_REJECT__COUNT ? reject_names[r] : "unknown";
}

size_t
relay_build_data(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const uint8_t src[RELAY_KEY_LEN],
    const uint8_t dst[RELAY_KEY_LEN], uint64_t ts,
    const uint8_t *payload, size_t len, const uint8_t *nonce)
{
	uint8_t body[RELAY_DATA_BODY_MAX];
	size_t n;

	if (len == 0 || len > RELAY_PAYLOAD_MAX || outlen < RELAY_DATA_OVERHEAD + len)
		return 0;
	memcpy(body + B_SRC, src, RELAY_KEY_LEN);
	memcpy(body + B_DST, dst, RELAY_KEY_LEN);
	bytes_put64(body + B_TS, ts);
	memcpy(body + B_PAYLOAD, payload, len);
	n = probe_seal(out, outlen, RELAY_TYPE_DATA, key, pair_key, body, B_PAYLOAD + len, nonce);
	sodium_memzero(body, B_PAYLOAD + len);
	return n;
}

size_t
relay_build_ctl(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const struct relay_msg *m, const uint8_t *nonce)
{
	uint8_t body[RELAY_CTL_BODY];
	size_t n;

	memcpy(body + B_SRC, m->src, RELAY_KEY_LEN);
	memcpy(body + B_DST, m->dst, RELAY_KEY_LEN);
	bytes_put64(body + B_TS, m->ts);
	memcpy(body + B_TARGET, m->target, RELAY_KEY_LEN);
	body[B_OP] = m->op;
	memcpy(body + B_TXID, m->txid, RELAY_TXID_LEN);
	n = probe_seal(out, outlen, RELAY_TYPE_CTL, key, pair_key, body, sizeof(body), nonce);
	sodium_memzero(body, sizeof(body));
	return n;
}

enum relay_reject
relay_parse(const uint8_t *buf, size_t len, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t our_key[RELAY_KEY_LEN], struct relay_msg *m)
{
	const uint8_t *b = m->plain;
	size_t blen;

	memset(m, 0, offsetof(struct relay_msg, plain));
	if (len < 2 || buf[0] != RELAY_MAGIC)
		return RELAY_REJECT_SHORT;
	if (buf[1] == RELAY_V1_TYPE_DATA || buf[1] == RELAY_V1_TYPE_CTL ||
	    buf[1] == RELAY_V2_TYPE_DATA || buf[1] == RELAY_V2_TYPE_CTL)
		return RELAY_REJECT_VERSION;
	if (buf[1] != RELAY_TYPE_DATA && buf[1] != RELAY_TYPE_CTL)
		return RELAY_REJECT_TYPE;
	if (buf[1] == RELAY_TYPE_DATA ? len <= RELAY_DATA_OVERHEAD || len > RELAY_DATA_MAX :
	    len != RELAY_CTL_LEN)
		return RELAY_REJECT_LENGTH;
	blen = len - PROBE_OVERHEAD;
	if (probe_open(buf, len, key, m->plain) != 0)
		return RELAY_REJECT_MAC;
	if (buf[1] == RELAY_TYPE_CTL && sodium_memcmp(b + B_DST, our_key, RELAY_KEY_LEN) != 0)
		return RELAY_REJECT_RECEIVER;
	m->type = buf[1];
	memcpy(m->src, b + B_SRC, RELAY_KEY_LEN);
	memcpy(m->dst, b + B_DST, RELAY_KEY_LEN);
	m->ts = bytes_get64(b + B_TS);
	if (memcmp(m->src, m->dst, RELAY_KEY_LEN) == 0)
		return RELAY_REJECT_FORMAT;
	if (m->type == RELAY_TYPE_DATA) {
		m->payload = b + B_PAYLOAD;
		m->len = blen - B_PAYLOAD;
		return RELAY_OK;
	}
	memcpy(m->target, b + B_TARGET, RELAY_KEY_LEN);
	m->op = b[B_OP];
	memcpy(m->txid, b + B_TXID, RELAY_TXID_LEN);
	if (m->op < RELAY_OP_QUERY || m->op > RELAY_OP_REFUSE ||
	    memcmp(m->target, m->src, RELAY_KEY_LEN) == 0 ||
	    memcmp(m->target, m->dst, RELAY_KEY_LEN) == 0)
		return RELAY_REJECT_FORMAT;
	return RELAY_OK;
}
