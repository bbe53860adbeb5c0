/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stun.c — RFC 8489 Binding requests and responses (built and parsed by the
 * codec in stun_msg.c), the RFC 8489 section 6.2.1 retransmission schedule
 * over an injected clock, and a client that asks several servers at once.
 * See stun.h.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/stun.h"

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

size_t
stun_build_binding_request(uint8_t *out, size_t outlen, const uint8_t txid[STUN_TXID_LEN],
    unsigned change, int fingerprint)
{
	struct stun_writer w;

	stun_msg_begin(&w, out, outlen, STUN_BINDING_REQUEST, txid);
	if (change)
		stun_msg_put_u32(&w, STUN_ATTR_CHANGE_REQUEST, change & (STUN_CHANGE_PORT | STUN_CHANGE_IP));
	if (fingerprint)
		stun_msg_put_fingerprint(&w);
	return stun_msg_finish(&w);
}

/* The codec's reasons as the Binding client names them. */
static enum stun_err
err_of(enum stun_msg_err e)
{
	static const enum stun_err map[STUN_MSG__COUNT] = {
		[STUN_MSG_OK] = STUN_OK,
		[STUN_MSG_SHORT] = STUN_ERR_SHORT,
		[STUN_MSG_NOT_STUN] = STUN_ERR_NOT_STUN,
		[STUN_MSG_LENGTH] = STUN_ERR_LENGTH,
		[STUN_MSG_ATTR] = STUN_ERR_ATTR,
		[STUN_MSG_ADDRESS] = STUN_ERR_ADDRESS,
		[STUN_MSG_FINGERPRINT] = STUN_ERR_FINGERPRINT,
		[STUN_MSG_ERROR_CODE] = STUN_ERR_ATTR,
	};

	return (unsigned)e < STUN_MSG__COUNT ? map[e] : STUN_ERR_ATTR;
}

enum stun_err
stun_parse_response(const uint8_t *buf, size_t len, const uint8_t *txid, struct stun_response *res)
{
	struct stun_msg m;
	enum stun_msg_err e;

	memset(res, 0, sizeof(*res));
	if ((e = stun_msg_header(&m, buf, len)) != STUN_MSG_OK)
		return err_of(e);
	res->type = m.type;
	memcpy(res->txid, m.txid, STUN_TXID_LEN);
	if (res->type != STUN_BINDING_SUCCESS && res->type != STUN_BINDING_ERROR)
		return STUN_ERR_TYPE;
	if (txid != NULL && memcmp(txid, m.txid, STUN_TXID_LEN) != 0)
		return STUN_ERR_TXID;
	if ((e = stun_msg_attrs(&m, NULL, 0)) != STUN_MSG_OK)
		return err_of(e);

	/* XOR-MAPPED-ADDRESS beats MAPPED-ADDRESS (RFC 3489 servers); the first of each counts. */
	if (stun_msg_address(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &res->mapped) == 0)
		res->have_mapped = res->mapped_xor = 1;
	else if (stun_msg_address(&m, STUN_ATTR_MAPPED_ADDRESS, &res->mapped) == 0)
		res->have_mapped = 1;
	res->have_other = stun_msg_address(&m, STUN_ATTR_OTHER_ADDRESS, &res->other) == 0;
	res->have_origin = stun_msg_address(&m, STUN_ATTR_RESPONSE_ORIGIN, &res->origin) == 0;
	res->fingerprint = m.fingerprint;
	res->integrity = m.integrity_off != 0 || m.integrity_sha256_off != 0;
	res->error_code = m.error_code;
	res->n_unknown = m.n_unknown < STUN_MAX_UNKNOWN ? m.n_unknown : STUN_MAX_UNKNOWN;
	memcpy(res->unknown, m.unknown, res->n_unknown * sizeof(res->unknown[0]));

	if (res->type == STUN_BINDING_ERROR)
		return STUN_ERR_ERROR_RESPONSE;
	/* RFC 8489 section 6.3.3: unknown comprehension-required attributes fail the transaction. */
	if (m.n_unknown > 0)
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

void
stun_client_start_server(struct stun_client *c, unsigned i, uint64_t now_ms)
{
	if (i >= c->n)
		return;
	memset(&c->servers[i].res, 0, sizeof(c->servers[i].res));
	c->servers[i].last_err = STUN_OK;
	stun_txn_start(&c->servers[i].txn, &c->cfg, NULL, now_ms);
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
