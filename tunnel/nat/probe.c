/* SPDX-License-Identifier: GPL-3.0-or-later */
/* probe.c — build, seal and open punch probes; the layout is in probe.h. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/fresh.h"
#include "tunnel/nat/probe.h"
#include "tunnel/net/bytes.h"

/* The sealed body, bytes only (no padding anywhere). */
struct probe_body_header {
	uint8_t sender[PROBE_ID_LEN];
	uint8_t receiver[PROBE_ID_LEN];
	uint8_t ts[8];
	uint8_t txid[PROBE_TXID_LEN];
};

struct probe_ping_body {
	struct probe_body_header h;
	uint8_t pad[PROBE_PING_PAD];	/* zero */
};

struct probe_pong_body {
	struct probe_body_header h;
	uint8_t family;			/* 4 or 6 */
	uint8_t port[2];
	uint8_t addr[16];		/* 4 bytes used for family 4 (the body ends there) */
};

_Static_assert(sizeof(struct probe_body_header) == PROBE_BODY_HEADER, "probe body header");
_Static_assert(sizeof(struct probe_ping_body) == PROBE_PING_BODY, "ping body");
_Static_assert(sizeof(struct probe_pong_body) == PROBE_PONG6_BODY, "pong body");
_Static_assert(PROBE_PONG4_BODY == PROBE_PONG6_BODY - 12, "pong4 body");
_Static_assert(PROBE_PONG4_LEN <= PROBE_PING_LEN && PROBE_PONG6_LEN <= PROBE_PING_LEN,
    "a pong must never be larger than its ping");
_Static_assert(PROBE_MAX_LEN == PROBE_PING_LEN, "the largest probe");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == PROBE_NONCE_LEN &&
    crypto_aead_xchacha20poly1305_ietf_ABYTES == PROBE_TAG_LEN, "XChaCha20-Poly1305");

const char *
probe_reject_name(enum probe_reject r)
{
	static const char *const names[PROBE_REJ__COUNT] = {
		[PROBE_OK] = "ok",
		[PROBE_REJ_SHORT] = "short",
		[PROBE_REJ_TYPE] = "type",
		[PROBE_REJ_VERSION] = "version",
		[PROBE_REJ_LENGTH] = "length",
		[PROBE_REJ_MAC] = "mac",
		[PROBE_REJ_RECEIVER] = "receiver",
		[PROBE_REJ_FORMAT] = "format",
		[PROBE_REJ_UNKNOWN] = "unknown",
		[PROBE_REJ_PAIR] = "pair",
		[PROBE_REJ_STALE] = "stale",
		[PROBE_REJ_REPLAY] = "replay",
	};

	if ((unsigned)r < PROBE_REJ__COUNT && names[r] != NULL)
		return names[r];
	return "?";
}

int
probe_pair_key(uint8_t out[PROBE_PAIR_KEY_LEN], const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_priv[32], const uint8_t our_pub[32], const uint8_t their_pub[32])
{
	static const char label[] = "gonet/v3/pair";
	crypto_generichash_state st;
	uint8_t dh[crypto_scalarmult_BYTES];
	int lo = memcmp(our_pub, their_pub, 32) < 0;

	if (crypto_scalarmult(dh, our_priv, their_pub) != 0) {
		sodium_memzero(dh, sizeof(dh));
		return -1;
	}
	crypto_generichash_init(&st, key, PROBE_KEY_LEN, PROBE_PAIR_KEY_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, dh, sizeof(dh));
	crypto_generichash_update(&st, lo ? our_pub : their_pub, 32);
	crypto_generichash_update(&st, lo ? their_pub : our_pub, 32);
	crypto_generichash_final(&st, out, PROBE_PAIR_KEY_LEN);
	sodium_memzero(dh, sizeof(dh));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

size_t
probe_seal(uint8_t *out, size_t outlen, uint8_t type, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const uint8_t *body, size_t blen,
    const uint8_t *nonce)
{
	size_t n = PROBE_OVERHEAD + blen;

	if (outlen < n)
		return 0;
	out[0] = PROBE_MAGIC;
	out[1] = type;
	if (nonce != NULL)
		memcpy(out + PROBE_OUTER_LEN, nonce, PROBE_NONCE_LEN);
	else
		randombytes_buf(out + PROBE_OUTER_LEN, PROBE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + PROBE_OUTER_LEN + PROBE_NONCE_LEN, NULL,
	    body, blen, out, PROBE_OUTER_LEN, NULL, out + PROBE_OUTER_LEN, key);
	crypto_generichash(out + n - PROBE_PAIR_TAG_LEN, PROBE_PAIR_TAG_LEN, out,
	    n - PROBE_PAIR_TAG_LEN, pair_key, PROBE_PAIR_KEY_LEN);
	return n;
}

int
probe_open(const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN], uint8_t *plain)
{
	if (len < PROBE_OVERHEAD)
		return -1;
	len -= PROBE_PAIR_TAG_LEN;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL,
	    buf + PROBE_OUTER_LEN + PROBE_NONCE_LEN, len - PROBE_OUTER_LEN - PROBE_NONCE_LEN,
	    buf, PROBE_OUTER_LEN, buf + PROBE_OUTER_LEN, key) == 0 ? 0 : -1;
}

int
probe_pair_check(const uint8_t *buf, size_t len, const uint8_t pair_key[PROBE_PAIR_KEY_LEN])
{
	uint8_t tag[PROBE_PAIR_TAG_LEN];
	int r;

	if (len < PROBE_OVERHEAD)
		return -1;
	crypto_generichash(tag, sizeof(tag), buf, len - PROBE_PAIR_TAG_LEN, pair_key,
	    PROBE_PAIR_KEY_LEN);
	r = sodium_memcmp(tag, buf + len - PROBE_PAIR_TAG_LEN, PROBE_PAIR_TAG_LEN) == 0 ? 0 : -1;
	sodium_memzero(tag, sizeof(tag));
	return r;
}

static void
fill_header(struct probe_body_header *h, const struct probe_msg *m)
{
	memcpy(h->sender, m->sender, PROBE_ID_LEN);
	memcpy(h->receiver, m->receiver, PROBE_ID_LEN);
	bytes_put64(h->ts, m->ts);
	memcpy(h->txid, m->txid, PROBE_TXID_LEN);
}

size_t
probe_build(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const struct probe_msg *m, const uint8_t *nonce)
{
	size_t n = 0;

	if (m->type == PROBE_PING) {
		struct probe_ping_body b;

		memset(&b, 0, sizeof(b));
		fill_header(&b.h, m);
		n = probe_seal(out, outlen, PROBE_PING, key, pair_key, (const uint8_t *)&b, sizeof(b), nonce);
		sodium_memzero(&b, sizeof(b));
	} else if (m->type == PROBE_PONG &&
	    (m->observed.family == ENDPOINT_V4 || m->observed.family == ENDPOINT_V6)) {
		struct probe_pong_body b;
		size_t blen = m->observed.family == ENDPOINT_V4 ? PROBE_PONG4_BODY : PROBE_PONG6_BODY;

		memset(&b, 0, sizeof(b));
		fill_header(&b.h, m);
		b.family = m->observed.family;
		b.port[0] = (uint8_t)(m->observed.port >> 8);
		b.port[1] = (uint8_t)m->observed.port;
		memcpy(b.addr, m->observed.addr, endpoint_addr_len(m->observed.family));
		n = probe_seal(out, outlen, PROBE_PONG, key, pair_key, (const uint8_t *)&b, blen, nonce);
		sodium_memzero(&b, sizeof(b));
	}
	return n;
}

size_t
probe_build_ping(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const uint8_t sender[PROBE_ID_LEN],
    const uint8_t receiver[PROBE_ID_LEN], uint64_t ts,
    const uint8_t txid[PROBE_TXID_LEN])
{
	struct probe_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROBE_PING;
	memcpy(m.sender, sender, PROBE_ID_LEN);
	memcpy(m.receiver, receiver, PROBE_ID_LEN);
	m.ts = ts;
	memcpy(m.txid, txid, PROBE_TXID_LEN);
	return probe_build(out, outlen, key, pair_key, &m, NULL);
}

enum probe_reject
probe_parse(const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_id[PROBE_ID_LEN], struct probe_msg *msg)
{
	uint8_t plain[PROBE_PING_BODY];
	const struct probe_body_header *h = (const struct probe_body_header *)plain;
	struct endpoint ep;
	size_t blen;
	enum probe_reject r;

	if (buf == NULL || len < 2 || buf[0] != PROBE_MAGIC)
		return PROBE_REJ_SHORT;
	if (buf[1] == PROBE_V1_PING || buf[1] == PROBE_V1_PONG || buf[1] == PROBE_V2_PING ||
	    buf[1] == PROBE_V2_PONG)
		return PROBE_REJ_VERSION;
	if (buf[1] != PROBE_PING && buf[1] != PROBE_PONG)
		return PROBE_REJ_TYPE;
	if (buf[1] == PROBE_PING ? len != PROBE_PING_LEN :
	    len != PROBE_PONG4_LEN && len != PROBE_PONG6_LEN)
		return PROBE_REJ_LENGTH;
	blen = len - PROBE_OVERHEAD;
	if (probe_open(buf, len, key, plain) != 0)
		return PROBE_REJ_MAC;
	/* Not for us (stale record, another room member's port): no answer. */
	r = PROBE_REJ_RECEIVER;
	if (sodium_memcmp(h->receiver, our_id, PROBE_ID_LEN) != 0)
		goto out;
	r = PROBE_REJ_FORMAT;
	memset(&ep, 0, sizeof(ep));
	if (buf[1] == PROBE_PING) {
		static const uint8_t zero[PROBE_PING_PAD];

		if (memcmp(((const struct probe_ping_body *)plain)->pad, zero, sizeof(zero)) != 0)
			goto out;
	} else {
		const struct probe_pong_body *p = (const struct probe_pong_body *)plain;

		/* The family must be the one the length says. */
		if (p->family != (blen == PROBE_PONG4_BODY ? ENDPOINT_V4 : ENDPOINT_V6))
			goto out;
		endpoint_set(&ep, p->family, p->addr, (uint16_t)(p->port[0] << 8 | p->port[1]));
		/* A pong reports where a ping came from: loopback is fine (tests, same host). */
		if (!endpoint_is_usable(&ep, 1))
			goto out;
	}
	msg->type = (enum probe_type)buf[1];
	memcpy(msg->sender, h->sender, PROBE_ID_LEN);
	memcpy(msg->receiver, h->receiver, PROBE_ID_LEN);
	msg->ts = bytes_get64(h->ts);
	memcpy(msg->txid, h->txid, PROBE_TXID_LEN);
	msg->observed = ep;
	r = PROBE_OK;
out:
	sodium_memzero(plain, sizeof(plain));
	return r;
}

size_t
probe_answer(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const struct probe_msg *ping,
    const struct endpoint *from, uint64_t ts)
{
	struct probe_msg pong;
	size_t n;

	if (ping->type != PROBE_PING || !endpoint_is_usable(from, 1))
		return 0;
	/* We answer as the ping's receiver, to its sender. */
	memset(&pong, 0, sizeof(pong));
	pong.type = PROBE_PONG;
	memcpy(pong.sender, ping->receiver, PROBE_ID_LEN);
	memcpy(pong.receiver, ping->sender, PROBE_ID_LEN);
	pong.ts = ts;
	memcpy(pong.txid, ping->txid, PROBE_TXID_LEN);
	pong.observed = *from;
	n = probe_build(out, outlen, key, pair_key, &pong, NULL);
	return n <= PROBE_PING_LEN ? n : 0;
}

enum probe_reject
probe_input(struct probe_stats *st, struct fresh *fr, uint64_t now_unix_ms, const uint8_t *buf,
    size_t len, const uint8_t key[PROBE_KEY_LEN], const uint8_t our_id[PROBE_ID_LEN],
    probe_pair_fn pair, void *arg, struct probe_msg *msg)
{
	enum probe_reject r = probe_parse(buf, len, key, our_id, msg);
	const uint8_t *k;

	/* The sender it names must have made it, before it may touch that sender's window. */
	if (r == PROBE_OK) {
		if ((k = pair(arg, msg->sender)) == NULL)
			r = PROBE_REJ_UNKNOWN;
		else if (probe_pair_check(buf, len, k) != 0)
			r = PROBE_REJ_PAIR;
	}
	if (r == PROBE_OK && fr != NULL) {
		switch (fresh_check(fr, msg->sender, msg->ts, now_unix_ms)) {
		case FRESH_OK:
			break;
		case FRESH_STALE:
			r = PROBE_REJ_STALE;
			break;
		case FRESH_REPLAY:
			r = PROBE_REJ_REPLAY;
			break;
		}
	}
	if (r != PROBE_OK)
		st->rejected[r]++;
	else if (msg->type == PROBE_PING)
		st->pings_in++;
	else
		st->pongs_in++;
	return r;
}
