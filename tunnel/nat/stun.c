/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stun.c — RFC 8489 Binding requests and responses, the RFC 8489 section
 * 6.2.1 retransmission schedule over an injected clock, and a client that asks
 * several servers at once. See stun.h.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/net/bytes.h"
#include "tunnel/nat/stun.h"

static const uint8_t magic_cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };

const char *
stun_err_name(enum stun_err e)
{
	static const char *const names[STUN_ERR__COUNT] = {
		[STUN_OK] = "ok",
		[STUN_ERR_SHORT] = "short",
		[STUN_ERR_NOT_STUN] = "not-stun",
		[STUN_ERR_LENGTH] = "length",
		[STUN_ERR_TYPE] = "type",
		[STUN_ERR_TXID] = "txid",
		[STUN_ERR_SOURCE] = "source",
		[STUN_ERR_ATTR] = "attr",
		[STUN_ERR_ADDRESS] = "address",
		[STUN_ERR_FINGERPRINT] = "fingerprint",
		[STUN_ERR_UNKNOWN_ATTR] = "unknown-attr",
		[STUN_ERR_NO_ADDRESS] = "no-address",
		[STUN_ERR_ERROR_RESPONSE] = "error-response",
	};

	if ((unsigned)e < STUN_ERR__COUNT && names[e] != NULL)
		return names[e];
	return "?";
}

void
stun_txid_random(uint8_t txid[STUN_TXID_LEN])
{
	randombytes_buf(txid, STUN_TXID_LEN);
}

/* This is the reflected CRC-32 of ISO-HDLC (polynomial 0xEDB88320), as zlib's crc32. */
uint32_t
stun_crc32(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return crc ^ 0xFFFFFFFFu;
}

static uint32_t
fingerprint_of(const uint8_t *msg, size_t len)
{
	return stun_crc32(msg, len) ^ STUN_FINGERPRINT_XOR;
}

size_t
stun_build_binding_request(uint8_t *out, size_t outlen, const uint8_t txid[STUN_TXID_LEN],
    unsigned change, int fingerprint)
{
	size_t len = STUN_HEADER_LEN;
	size_t need = STUN_HEADER_LEN + (change ? 8 : 0) + (fingerprint ? 8 : 0);

	if (outlen < need)
		return 0;
	bytes_put16(out, STUN_BINDING_REQUEST);
	bytes_put16(out + 2, 0);
	memcpy(out + 4, magic_cookie, 4);
	memcpy(out + 8, txid, STUN_TXID_LEN);
	if (change) {
		bytes_put16(out + len, STUN_ATTR_CHANGE_REQUEST);
		bytes_put16(out + len + 2, 4);
		bytes_put32(out + len + 4, change & (STUN_CHANGE_PORT | STUN_CHANGE_IP));
		len += 8;
	}
	if (fingerprint) {
		/* The length field counts FINGERPRINT before the CRC is taken. */
		bytes_put16(out + 2, (uint16_t)(len + 8 - STUN_HEADER_LEN));
		bytes_put16(out + len, STUN_ATTR_FINGERPRINT);
		bytes_put16(out + len + 2, 4);
		bytes_put32(out + len + 4, fingerprint_of(out, len));
		len += 8;
	}
	bytes_put16(out + 2, (uint16_t)(len - STUN_HEADER_LEN));
	return len;
}

/*
 * (XOR-)MAPPED-ADDRESS, OTHER-ADDRESS, RESPONSE-ORIGIN: reserved byte, family,
 * port, address. For the XOR form, port ^= cookie >> 16 and the address is
 * XORed with the cookie (IPv4) or cookie || txid (IPv6).
 */
int
stun_parse_address(const uint8_t *v, size_t alen, int xor, const uint8_t *hdr, struct endpoint *ep)
{
	uint8_t addr[16];
	uint16_t port;
	unsigned family;
	size_t n, i;

	if (alen < 4)
		return -1;
	switch (v[1]) {
	case STUN_FAMILY_V4:
		family = ENDPOINT_V4;
		n = 4;
		break;
	case STUN_FAMILY_V6:
		family = ENDPOINT_V6;
		n = 16;
		break;
	default:
		return -1;
	}
	if (alen != 4 + n)
		return -1;
	port = bytes_get16(v + 2);
	memcpy(addr, v + 4, n);
	if (xor) {
		/* hdr + 4 is the cookie followed by the transaction id: 16 bytes. */
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
		for (i = 0; i < n; i++)
			addr[i] ^= hdr[4 + i];
	}
	return endpoint_set(ep, family, addr, port);
}

enum stun_err
stun_parse_response(const uint8_t *buf, size_t len, const uint8_t *txid, struct stun_response *res)
{
	const struct stun_header *h;
	size_t off, alen, padded;
	uint16_t atype;
	int after_integrity = 0, have_error = 0;
	unsigned unknown_seen = 0;
	struct endpoint ep;

	memset(res, 0, sizeof(*res));
	if (buf == NULL || len < STUN_HEADER_LEN)
		return STUN_ERR_SHORT;
	h = (const struct stun_header *)buf;
	if ((h->type[0] & 0xC0) != 0 || memcmp(h->cookie, magic_cookie, 4) != 0)
		return STUN_ERR_NOT_STUN;
	/* The length field must account for exactly the rest of the datagram. */
	if (bytes_get16(h->length) % 4 != 0 || (size_t)bytes_get16(h->length) != len - STUN_HEADER_LEN)
		return STUN_ERR_LENGTH;
	res->type = bytes_get16(h->type);
	memcpy(res->txid, h->txid, STUN_TXID_LEN);
	if (res->type != STUN_BINDING_SUCCESS && res->type != STUN_BINDING_ERROR)
		return STUN_ERR_TYPE;
	if (txid != NULL && memcmp(txid, h->txid, STUN_TXID_LEN) != 0)
		return STUN_ERR_TXID;

	for (off = STUN_HEADER_LEN; off < len; off += STUN_ATTR_HEADER_LEN + padded) {
		const uint8_t *v;

		if (len - off < STUN_ATTR_HEADER_LEN)
			return STUN_ERR_ATTR;
		atype = bytes_get16(buf + off);
		alen = bytes_get16(buf + off + 2);
		padded = (alen + 3) & ~(size_t)3;
		if (len - off - STUN_ATTR_HEADER_LEN < padded)
			return STUN_ERR_ATTR;	/* value or its padding runs past the end */
		if (res->fingerprint)
			return STUN_ERR_ATTR;	/* FINGERPRINT must be the last attribute */
		v = buf + off + STUN_ATTR_HEADER_LEN;

		/* After MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count. */
		if (after_integrity && atype != STUN_ATTR_FINGERPRINT &&
		    atype != STUN_ATTR_MESSAGE_INTEGRITY_SHA256)
			continue;

		switch (atype) {
		case STUN_ATTR_XOR_MAPPED_ADDRESS:
			if (stun_parse_address(v, alen, 1, buf, &ep) != 0)
				return STUN_ERR_ADDRESS;
			/* Only the first occurrence counts; XOR beats plain. */
			if (!res->have_mapped || !res->mapped_xor) {
				res->mapped = ep;
				res->have_mapped = 1;
				res->mapped_xor = 1;
			}
			break;
		case STUN_ATTR_MAPPED_ADDRESS:
			if (stun_parse_address(v, alen, 0, buf, &ep) != 0)
				return STUN_ERR_ADDRESS;
			if (!res->have_mapped) {
				res->mapped = ep;
				res->have_mapped = 1;
			}
			break;
		case STUN_ATTR_OTHER_ADDRESS:
			if (stun_parse_address(v, alen, 0, buf, &ep) != 0)
				return STUN_ERR_ADDRESS;
			if (!res->have_other) {
				res->other = ep;
				res->have_other = 1;
			}
			break;
		case STUN_ATTR_RESPONSE_ORIGIN:
			if (stun_parse_address(v, alen, 0, buf, &ep) != 0)
				return STUN_ERR_ADDRESS;
			if (!res->have_origin) {
				res->origin = ep;
				res->have_origin = 1;
			}
			break;
		case STUN_ATTR_ERROR_CODE:
			/* 21 reserved bits, class (3 bits, 3..6), number (0..99), reason. */
			if (alen < 4 || (v[2] & 7) < 3 || (v[2] & 7) > 6 || v[3] > 99)
				return STUN_ERR_ATTR;
			if (!have_error) {
				res->error_code = (uint16_t)((v[2] & 7) * 100 + v[3]);
				have_error = 1;
			}
			break;
		case STUN_ATTR_MESSAGE_INTEGRITY:
			if (alen != 20)
				return STUN_ERR_ATTR;
			res->integrity = 1;
			after_integrity = 1;
			break;
		case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
			if (alen < 16 || alen > 32 || alen % 4 != 0)
				return STUN_ERR_ATTR;
			res->integrity = 1;
			after_integrity = 1;
			break;
		case STUN_ATTR_FINGERPRINT:
			if (alen != 4)
				return STUN_ERR_FINGERPRINT;
			/* The CRC covers everything before this attribute. */
			if (bytes_get32(v) != fingerprint_of(buf, off))
				return STUN_ERR_FINGERPRINT;
			res->fingerprint = 1;
			break;
		case STUN_ATTR_CHANGE_REQUEST:
		case STUN_ATTR_USERNAME:
		case STUN_ATTR_UNKNOWN_ATTRIBUTES:
		case STUN_ATTR_REALM:
		case STUN_ATTR_NONCE:
		case STUN_ATTR_PASSWORD_ALGORITHM:
		case STUN_ATTR_USERHASH:
		case STUN_ATTR_PADDING:
		case STUN_ATTR_RESPONSE_PORT:
			break;			/* known, not needed by a Binding client */
		default:
			if (atype >= STUN_ATTR_COMPREHENSION_OPTIONAL)
				break;		/* comprehension-optional: ignored */
			unknown_seen++;
			if (res->n_unknown < STUN_MAX_UNKNOWN)	/* keep the first few, for logs */
				res->unknown[res->n_unknown++] = atype;
			break;
		}
	}
	if (res->type == STUN_BINDING_ERROR) {
		if (!have_error)
			return STUN_ERR_ATTR;	/* an error response must carry ERROR-CODE */
		return STUN_ERR_ERROR_RESPONSE;
	}
	/* RFC 8489 section 6.3.3: unknown comprehension-required attributes fail the transaction. */
	if (unknown_seen > 0)
		return STUN_ERR_UNKNOWN_ATTR;
	if (!res->have_mapped)
		return STUN_ERR_NO_ADDRESS;
	return STUN_OK;
}

/* Retransmission schedule. */

void
stun_rto_config_default(struct stun_rto_config *cfg)
{
	cfg->rto_ms = STUN_RTO_DEFAULT_MS;
	cfg->rc = STUN_RC_DEFAULT;
	cfg->rm = STUN_RM_DEFAULT;
	cfg->budget_ms = 0;
}

void
stun_txn_start(struct stun_txn *t, const struct stun_rto_config *cfg, const uint8_t *txid,
    uint64_t now_ms)
{
	memset(t, 0, sizeof(*t));
	if (cfg != NULL)
		t->cfg = *cfg;
	else
		stun_rto_config_default(&t->cfg);
	if (t->cfg.rto_ms == 0)
		t->cfg.rto_ms = 1;
	if (txid != NULL)
		memcpy(t->txid, txid, STUN_TXID_LEN);
	else
		stun_txid_random(t->txid);
	t->state = STUN_TXN_RUNNING;
	t->start_ms = now_ms;
	t->deadline_ms = now_ms;
	t->interval_ms = t->cfg.rto_ms;
}

uint64_t
stun_txn_next_deadline(const struct stun_txn *t)
{
	return t->state == STUN_TXN_RUNNING ? t->deadline_ms : UINT64_MAX;
}

enum stun_txn_action
stun_txn_on_timer(struct stun_txn *t, uint64_t now_ms)
{
	uint64_t next, wait, end;

	if (t->state != STUN_TXN_RUNNING || now_ms < t->deadline_ms)
		return STUN_ACT_NONE;
	end = t->cfg.budget_ms ? t->start_ms + t->cfg.budget_ms : UINT64_MAX;
	if (t->sent >= t->cfg.rc || now_ms >= end) {
		t->state = STUN_TXN_TIMEOUT;
		return STUN_ACT_TIMEOUT;
	}
	t->sent++;
	t->last_sent_ms = now_ms;
	if (t->sent < t->cfg.rc) {
		wait = t->interval_ms;
		if (t->interval_ms <= UINT32_MAX / 2)
			t->interval_ms *= 2;
	} else {
		wait = (uint64_t)t->cfg.rm * t->cfg.rto_ms;	/* Rm x RTO after the last one */
	}
	/* Keep to the schedule; if the timer ran late, count from now instead. */
	next = t->deadline_ms + wait;
	if (next <= now_ms)
		next = now_ms + wait;
	t->deadline_ms = next < end ? next : end;
	return STUN_ACT_SEND;
}

void
stun_txn_on_response(struct stun_txn *t, int ok, uint64_t now_ms)
{
	if (t->state != STUN_TXN_RUNNING)
		return;
	t->state = ok ? STUN_TXN_DONE : STUN_TXN_FAILED;
	/* Karn: after a retransmission we cannot tell which request this answers. */
	if (t->sent == 1 && now_ms >= t->last_sent_ms)
		t->rtt_ms = (uint32_t)(now_ms - t->last_sent_ms);
}

/* Client over several servers. */

void
stun_client_init(struct stun_client *c, const struct stun_rto_config *cfg)
{
	memset(c, 0, sizeof(*c));
	if (cfg != NULL)
		c->cfg = *cfg;
	else
		stun_rto_config_default(&c->cfg);
	c->first = -1;
}

int
stun_client_add_server(struct stun_client *c, const struct endpoint *server)
{
	unsigned i;

	if (c->n >= STUN_MAX_SERVERS || !endpoint_is_usable(server, 1))
		return -1;
	for (i = 0; i < c->n; i++)
		if (endpoint_equal(&c->servers[i].addr, server))
			return (int)i;
	memset(&c->servers[c->n], 0, sizeof(c->servers[c->n]));
	c->servers[c->n].addr = *server;
	return (int)c->n++;
}

void
stun_client_start(struct stun_client *c, uint64_t now_ms)
{
	unsigned i;

	c->first = -1;
	for (i = 0; i < c->n; i++) {
		memset(&c->servers[i].res, 0, sizeof(c->servers[i].res));
		c->servers[i].last_err = STUN_OK;
		stun_txn_start(&c->servers[i].txn, &c->cfg, NULL, now_ms);
	}
}

uint64_t
stun_client_next_deadline(const struct stun_client *c)
{
	uint64_t d = UINT64_MAX, x;
	unsigned i;

	for (i = 0; i < c->n; i++)
		if ((x = stun_txn_next_deadline(&c->servers[i].txn)) < d)
			d = x;
	return d;
}

unsigned
stun_client_on_timer(struct stun_client *c, uint64_t now_ms, const struct stun_send *io)
{
	uint8_t req[STUN_REQUEST_MAX];
	unsigned i, sent = 0;
	size_t len;

	for (i = 0; i < c->n; i++) {
		struct stun_server *s = &c->servers[i];

		if (stun_txn_on_timer(&s->txn, now_ms) != STUN_ACT_SEND)
			continue;
		len = stun_build_binding_request(req, sizeof(req), s->txn.txid, 0, 1);
		if (len > 0 && io != NULL && io->send != NULL) {
			(void)io->send(io->arg, &s->addr, req, len);	/* a lost send is a lost packet */
			sent++;
		}
	}
	return sent;
}

enum stun_err
stun_client_input(struct stun_client *c, const struct endpoint *from, const uint8_t *buf,
    size_t len, uint64_t now_ms)
{
	struct stun_response res;
	struct stun_server *s = NULL;
	enum stun_err e;
	unsigned i;

	e = stun_parse_response(buf, len, NULL, &res);
	if (e == STUN_ERR_SHORT || e == STUN_ERR_NOT_STUN || e == STUN_ERR_LENGTH || e == STUN_ERR_TYPE)
		goto drop;
	for (i = 0; i < c->n; i++) {
		if (c->servers[i].txn.state == STUN_TXN_RUNNING &&
		    sodium_memcmp(c->servers[i].txn.txid, res.txid, STUN_TXID_LEN) == 0) {
			s = &c->servers[i];
			break;
		}
	}
	if (s == NULL) {
		e = STUN_ERR_TXID;	/* late duplicate, stale or forged */
		goto drop;
	}
	if (from != NULL && !endpoint_equal(from, &s->addr)) {
		e = STUN_ERR_SOURCE;
		goto drop;
	}
	switch (e) {
	case STUN_OK:
		s->res = res;
		s->done_ms = now_ms;
		stun_txn_on_response(&s->txn, 1, now_ms);
		if (c->first < 0)
			c->first = (int)i;
		return STUN_OK;
	case STUN_ERR_ERROR_RESPONSE:
	case STUN_ERR_UNKNOWN_ATTR:
	case STUN_ERR_NO_ADDRESS:
		/* A well-formed answer that gives us nothing: this server is done. */
		s->res = res;
		stun_txn_on_response(&s->txn, 0, now_ms);
		break;
	default:
		break;			/* malformed: keep waiting for a good copy */
	}
	s->last_err = e;
drop:
	c->dropped[e]++;
	return e;
}

enum stun_result
stun_client_result(const struct stun_client *c, struct endpoint *mapped)
{
	unsigned i, answered = 0, running = 0, differ = 0;
	const struct endpoint *first = NULL;

	if (c->first >= 0)
		first = &c->servers[c->first].res.mapped;
	for (i = 0; i < c->n; i++) {
		const struct stun_server *s = &c->servers[i];

		if (s->txn.state == STUN_TXN_RUNNING)
			running++;
		if (s->txn.state != STUN_TXN_DONE)
			continue;
		answered++;
		if (first != NULL && !endpoint_equal(first, &s->res.mapped))
			differ = 1;
	}
	if (mapped != NULL) {
		if (first != NULL)
			*mapped = *first;
		else
			memset(mapped, 0, sizeof(*mapped));
	}
	if (answered == 0)
		return running ? STUN_RESULT_PENDING : STUN_RESULT_FAILED;
	if (differ)
		return STUN_RESULT_DISAGREE;
	if (answered >= 2)
		return STUN_RESULT_AGREE;
	return running ? STUN_RESULT_MAPPED : STUN_RESULT_SINGLE;
}

unsigned
stun_client_mapped(const struct stun_client *c, struct endpoint *out, unsigned max)
{
	unsigned i, j, n = 0;
	int idx[STUN_MAX_SERVERS];
	unsigned k, nidx = 0;

	/* Order by the time each answer came, the first one first. */
	for (i = 0; i < c->n; i++)
		if (c->servers[i].txn.state == STUN_TXN_DONE)
			idx[nidx++] = (int)i;
	for (i = 1; i < nidx; i++)
		for (j = i; j > 0 && c->servers[idx[j]].done_ms < c->servers[idx[j - 1]].done_ms; j--) {
			int tmp = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = tmp;
		}
	for (k = 0; k < nidx && n < max; k++) {
		const struct endpoint *m = &c->servers[idx[k]].res.mapped;

		for (j = 0; j < n; j++)
			if (endpoint_equal(&out[j], m))
				break;
		if (j == n)
			out[n++] = *m;
	}
	return n;
}
