/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.c — build and verify punch probes; the layout is in probe.h. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/probe.h"

_Static_assert(sizeof(struct probe_header) == PROBE_HEADER_LEN, "probe header layout");
_Static_assert(sizeof(struct probe_ping) == PROBE_PING_LEN, "ping layout");
_Static_assert(sizeof(struct probe_pong4) == PROBE_PONG4_LEN, "pong4 layout");
_Static_assert(sizeof(struct probe_pong6) == PROBE_PONG6_LEN, "pong6 layout");
_Static_assert(PROBE_PONG4_LEN <= PROBE_PING_LEN && PROBE_PONG6_LEN <= PROBE_PING_LEN,
    "a pong must never be larger than its ping");

const char *
probe_reject_name(enum probe_reject r)
{
	static const char *const names[PROBE_REJ__COUNT] = {
		[PROBE_OK] = "ok",
		[PROBE_REJ_SHORT] = "short",
		[PROBE_REJ_TYPE] = "type",
		[PROBE_REJ_LENGTH] = "length",
		[PROBE_REJ_RECEIVER] = "receiver",
		[PROBE_REJ_MAC] = "mac",
		[PROBE_REJ_FORMAT] = "format",
	};

	if ((unsigned)r < PROBE_REJ__COUNT && names[r] != NULL)
		return names[r];
	return "?";
}

/* BLAKE2b-128 keyed with the probe key over buf[0..len). */
static void
probe_mac(uint8_t mac[PROBE_MAC_LEN], const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN])
{
	crypto_generichash(mac, PROBE_MAC_LEN, buf, len, key, PROBE_KEY_LEN);
}

static void
fill_header(struct probe_header *h, enum probe_type type, const uint8_t sender[PROBE_ID_LEN],
    const uint8_t receiver[PROBE_ID_LEN], const uint8_t txid[PROBE_TXID_LEN])
{
	h->magic = PROBE_MAGIC;
	h->type = (uint8_t)type;
	memcpy(h->sender, sender, PROBE_ID_LEN);
	memcpy(h->receiver, receiver, PROBE_ID_LEN);
	memcpy(h->txid, txid, PROBE_TXID_LEN);
}

size_t
probe_build_ping(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t sender[PROBE_ID_LEN], const uint8_t receiver[PROBE_ID_LEN],
    const uint8_t txid[PROBE_TXID_LEN])
{
	struct probe_ping p;

	if (outlen < sizeof(p))
		return 0;
	memset(&p, 0, sizeof(p));
	fill_header(&p.h, PROBE_PING, sender, receiver, txid);
	probe_mac(p.mac, (const uint8_t *)&p, offsetof(struct probe_ping, mac), key);
	memcpy(out, &p, sizeof(p));
	return sizeof(p);
}

size_t
probe_build_pong(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t sender[PROBE_ID_LEN], const uint8_t receiver[PROBE_ID_LEN],
    const uint8_t txid[PROBE_TXID_LEN], const struct endpoint *observed)
{
	if (observed->family == ENDPOINT_V4) {
		struct probe_pong4 p;

		if (outlen < sizeof(p))
			return 0;
		fill_header(&p.h, PROBE_PONG, sender, receiver, txid);
		p.family = ENDPOINT_V4;
		p.port[0] = (uint8_t)(observed->port >> 8);
		p.port[1] = (uint8_t)observed->port;
		memcpy(p.addr, observed->addr, sizeof(p.addr));
		probe_mac(p.mac, (const uint8_t *)&p, offsetof(struct probe_pong4, mac), key);
		memcpy(out, &p, sizeof(p));
		return sizeof(p);
	}
	if (observed->family == ENDPOINT_V6) {
		struct probe_pong6 p;

		if (outlen < sizeof(p))
			return 0;
		fill_header(&p.h, PROBE_PONG, sender, receiver, txid);
		p.family = ENDPOINT_V6;
		p.port[0] = (uint8_t)(observed->port >> 8);
		p.port[1] = (uint8_t)observed->port;
		memcpy(p.addr, observed->addr, sizeof(p.addr));
		probe_mac(p.mac, (const uint8_t *)&p, offsetof(struct probe_pong6, mac), key);
		memcpy(out, &p, sizeof(p));
		return sizeof(p);
	}
	return 0;
}

/* The length a probe of this type must have; pongs depend on their family byte. */
static size_t
expected_len(const uint8_t *buf, size_t len)
{
	if (buf[1] == PROBE_PING)
		return PROBE_PING_LEN;
	/* PROBE_PONG: the family byte decides; an unknown family fits no length. */
	if (len > offsetof(struct probe_pong4, family)) {
		if (buf[offsetof(struct probe_pong4, family)] == ENDPOINT_V4)
			return PROBE_PONG4_LEN;
		if (buf[offsetof(struct probe_pong4, family)] == ENDPOINT_V6)
			return PROBE_PONG6_LEN;
	}
	return 0;
}

enum probe_reject
probe_parse(const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_id[PROBE_ID_LEN], struct probe_msg *msg)
{
	const struct probe_header *h;
	uint8_t mac[PROBE_MAC_LEN];
	struct endpoint ep;
	size_t want;

	if (buf == NULL || len < 2 || buf[0] != PROBE_MAGIC)
		return PROBE_REJ_SHORT;
	if (buf[1] != PROBE_PING && buf[1] != PROBE_PONG)
		return PROBE_REJ_TYPE;
	/* The datagram is shorter or longer than its type (and pong family) says. */
	want = expected_len(buf, len);
	if (want == 0 || len != want)
		return PROBE_REJ_LENGTH;
	h = (const struct probe_header *)buf;
	/* Not for us (stale record, another room member's port): no answer. */
	if (sodium_memcmp(h->receiver, our_id, PROBE_ID_LEN) != 0)
		return PROBE_REJ_RECEIVER;
	probe_mac(mac, buf, len - PROBE_MAC_LEN, key);
	if (crypto_verify_16(mac, buf + len - PROBE_MAC_LEN) != 0)
		return PROBE_REJ_MAC;

	memset(&ep, 0, sizeof(ep));
	if (buf[1] == PROBE_PING) {
		const struct probe_ping *p = (const struct probe_ping *)buf;
		static const uint8_t zero[PROBE_PING_PAD];

		if (memcmp(p->pad, zero, sizeof(zero)) != 0)
			return PROBE_REJ_FORMAT;
	} else if (len == PROBE_PONG4_LEN) {
		const struct probe_pong4 *p = (const struct probe_pong4 *)buf;

		endpoint_set(&ep, ENDPOINT_V4, p->addr, (uint16_t)(p->port[0] << 8 | p->port[1]));
	} else {
		const struct probe_pong6 *p = (const struct probe_pong6 *)buf;

		endpoint_set(&ep, ENDPOINT_V6, p->addr, (uint16_t)(p->port[0] << 8 | p->port[1]));
	}
	/* A pong reports where a ping came from: loopback is fine (tests, same host). */
	if (buf[1] == PROBE_PONG && !endpoint_is_usable(&ep, 1))
		return PROBE_REJ_FORMAT;

	msg->type = (enum probe_type)buf[1];
	memcpy(msg->sender, h->sender, PROBE_ID_LEN);
	memcpy(msg->receiver, h->receiver, PROBE_ID_LEN);
	memcpy(msg->txid, h->txid, PROBE_TXID_LEN);
	msg->observed = ep;
	return PROBE_OK;
}

size_t
probe_answer(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const struct probe_msg *ping, const struct endpoint *from)
{
	size_t n;

	if (ping->type != PROBE_PING || !endpoint_is_usable(from, 1))
		return 0;
	/* We answer as the ping's receiver, to its sender. */
	n = probe_build_pong(out, outlen, key, ping->receiver, ping->sender, ping->txid, from);
	return n <= PROBE_PING_LEN ? n : 0;
}

enum probe_reject
probe_input(struct probe_stats *st, const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_id[PROBE_ID_LEN], struct probe_msg *msg)
{
	enum probe_reject r = probe_parse(buf, len, key, our_id, msg);

	if (r != PROBE_OK)
		st->rejected[r]++;
	else if (msg->type == PROBE_PING)
		st->pings_in++;
	else
		st->pongs_in++;
	return r;
}
