/* SPDX-License-Identifier: GPL-3.0-or-later */
/* relay_msg.c — the peer relay messages (relay_msg.h, PROTOCOL.md "Peer relay"). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"

static const char *const reject_names[RELAY_REJECT__COUNT] = {
	[RELAY_OK] = "ok",
	[RELAY_REJECT_SHORT] = "short",
	[RELAY_REJECT_TYPE] = "type",
	[RELAY_REJECT_LENGTH] = "length",
	[RELAY_REJECT_RECEIVER] = "receiver",
	[RELAY_REJECT_MAC] = "mac",
	[RELAY_REJECT_FORMAT] = "format"
};

const char *
relay_reject_name(enum relay_reject r)
{
	return (unsigned)r < RELAY_REJECT__COUNT ? reject_names[r] : "unknown";
}

static void
mac(uint8_t out[RELAY_MAC_LEN], const uint8_t *buf, size_t len, const uint8_t key[RELAY_MAC_KEY_LEN])
{
	crypto_generichash(out, RELAY_MAC_LEN, buf, len, key, RELAY_MAC_KEY_LEN);
}

size_t
relay_build_data(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t src[RELAY_KEY_LEN], const uint8_t dst[RELAY_KEY_LEN], const uint8_t *payload,
    size_t len)
{
	size_t n = RELAY_DATA_OVERHEAD + len;

	if (len == 0 || len > RELAY_PAYLOAD_MAX || outlen < n)
		return 0;
	out[0] = RELAY_MAGIC;
	out[1] = RELAY_TYPE_DATA;
	memcpy(out + 2, src, RELAY_KEY_LEN);
	memcpy(out + 34, dst, RELAY_KEY_LEN);
	memmove(out + RELAY_DATA_HEADER, payload, len);
	mac(out + RELAY_DATA_HEADER + len, out, RELAY_DATA_HEADER + len, key);
	return n;
}

size_t
relay_build_ctl(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const struct relay_msg *m)
{
	if (outlen < RELAY_CTL_LEN)
		return 0;
	out[0] = RELAY_MAGIC;
	out[1] = RELAY_TYPE_CTL;
	memcpy(out + 2, m->src, RELAY_KEY_LEN);
	memcpy(out + 34, m->dst, RELAY_KEY_LEN);
	memcpy(out + 66, m->target, RELAY_KEY_LEN);
	out[98] = m->op;
	memcpy(out + 99, m->txid, RELAY_TXID_LEN);
	mac(out + 111, out, 111, key);
	return RELAY_CTL_LEN;
}

enum relay_reject
relay_parse(const uint8_t *buf, size_t len, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t our_key[RELAY_KEY_LEN], struct relay_msg *m)
{
	uint8_t want[RELAY_MAC_LEN];
	size_t body;

	memset(m, 0, sizeof(*m));
	if (len < 2 || buf[0] != RELAY_MAGIC)
		return RELAY_REJECT_SHORT;
	if (buf[1] != RELAY_TYPE_DATA && buf[1] != RELAY_TYPE_CTL)
		return RELAY_REJECT_TYPE;
	if (buf[1] == RELAY_TYPE_DATA) {
		if (len <= RELAY_DATA_OVERHEAD || len > RELAY_DATA_MAX)
			return RELAY_REJECT_LENGTH;
	} else {
		if (len != RELAY_CTL_LEN)
			return RELAY_REJECT_LENGTH;
		if (sodium_memcmp(buf + 34, our_key, RELAY_KEY_LEN) != 0)
			return RELAY_REJECT_RECEIVER;
	}
	body = len - RELAY_MAC_LEN;
	mac(want, buf, body, key);
	if (sodium_memcmp(want, buf + body, RELAY_MAC_LEN) != 0)
		return RELAY_REJECT_MAC;
	m->type = buf[1];
	memcpy(m->src, buf + 2, RELAY_KEY_LEN);
	memcpy(m->dst, buf + 34, RELAY_KEY_LEN);
	if (memcmp(m->src, m->dst, RELAY_KEY_LEN) == 0)
		return RELAY_REJECT_FORMAT;
	if (m->type == RELAY_TYPE_DATA) {
		m->payload = buf + RELAY_DATA_HEADER;
		m->len = body - RELAY_DATA_HEADER;
		return RELAY_OK;
	}
	memcpy(m->target, buf + 66, RELAY_KEY_LEN);
	m->op = buf[98];
	memcpy(m->txid, buf + 99, RELAY_TXID_LEN);
	if (m->op < RELAY_OP_QUERY || m->op > RELAY_OP_REFUSE ||
	    memcmp(m->target, m->src, RELAY_KEY_LEN) == 0 ||
	    memcmp(m->target, m->dst, RELAY_KEY_LEN) == 0)
		return RELAY_REJECT_FORMAT;
	return RELAY_OK;
}
