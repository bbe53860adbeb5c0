/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn.c — the TURN client state machine: one allocation, its refreshes,
 * permissions and channels per peer, and the data path. See turn.h; the
 * messages themselves are built and parsed by turn_msg.c, retransmitted on
 * the STUN schedule of stun.c.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/turn/turn.h"

enum op_kind {
	OP_ALLOC,		/* Allocate, Refresh, or the deallocating Refresh, by c->state */
	OP_PERM,
	OP_CHAN
};

const char *
turn_fail_name(enum turn_fail f)
{
	static const char *const names[TURN_FAIL__COUNT] = {
		[TURN_FAIL_NONE] = "none",
		[TURN_FAIL_TIMEOUT] = "timeout",
		[TURN_FAIL_UNAUTHORIZED] = "unauthorized",
		[TURN_FAIL_CHALLENGE] = "bad-challenge",
		[TURN_FAIL_STALE_NONCE] = "stale-nonce",
		[TURN_FAIL_FORBIDDEN] = "forbidden",
		[TURN_FAIL_MISMATCH] = "allocation-mismatch",
		[TURN_FAIL_WRONG_CREDENTIALS] = "wrong-credentials",
		[TURN_FAIL_TRANSPORT] = "unsupported-transport",
		[TURN_FAIL_FAMILY] = "address-family",
		[TURN_FAIL_QUOTA] = "quota-reached",
		[TURN_FAIL_CAPACITY] = "insufficient-capacity",
		[TURN_FAIL_ALTERNATE] = "try-alternate",
		[TURN_FAIL_BAD_REQUEST] = "bad-request",
		[TURN_FAIL_SERVER] = "server-error",
		[TURN_FAIL_RESPONSE] = "bad-response",
		[TURN_FAIL_EXPIRED] = "expired",
	};

	if ((unsigned)f < TURN_FAIL__COUNT && names[f] != NULL)
		return names[f];
	return "?";
}

const char *
turn_drop_name(enum turn_drop d)
{
	static const char *const names[TURN_DROP__COUNT] = {
		[TURN_DROP_MALFORMED] = "malformed",
		[TURN_DROP_TXID] = "txid",
		[TURN_DROP_INTEGRITY] = "integrity",
		[TURN_DROP_UNEXPECTED] = "unexpected",
		[TURN_DROP_CHANNEL] = "channel",
		[TURN_DROP_PEER] = "peer",
		[TURN_DROP_STATE] = "state",
	};

	if ((unsigned)d < TURN_DROP__COUNT && names[d] != NULL)
		return names[d];
	return "?";
}

const char *
turn_state_name(enum turn_state s)
{
	switch (s) {
	case TURN_IDLE:
		return "idle";
	case TURN_ALLOCATING:
		return "allocating";
	case TURN_ALLOCATED:
		return "allocated";
	case TURN_CLOSING:
		return "closing";
	case TURN_CLOSED:
		return "closed";
	case TURN_FAILED:
		return "failed";
	}
	return "?";
}

static enum turn_fail
fail_of_code(uint16_t code)
{
	switch (code) {
	case TURN_CODE_TRY_ALTERNATE:
		return TURN_FAIL_ALTERNATE;
	case TURN_CODE_BAD_REQUEST:
	case TURN_CODE_UNKNOWN_ATTRIBUTE:
		return TURN_FAIL_BAD_REQUEST;
	case TURN_CODE_UNAUTHORIZED:
		return TURN_FAIL_UNAUTHORIZED;
	case TURN_CODE_FORBIDDEN:
		return TURN_FAIL_FORBIDDEN;
	case TURN_CODE_ALLOCATION_MISMATCH:
		return TURN_FAIL_MISMATCH;
	case TURN_CODE_STALE_NONCE:
		return TURN_FAIL_STALE_NONCE;
	case TURN_CODE_ADDRESS_FAMILY:
	case TURN_CODE_PEER_FAMILY_MISMATCH:
		return TURN_FAIL_FAMILY;
	case TURN_CODE_WRONG_CREDENTIALS:
		return TURN_FAIL_WRONG_CREDENTIALS;
	case TURN_CODE_UNSUPPORTED_TRANSPORT:
		return TURN_FAIL_TRANSPORT;
	case TURN_CODE_QUOTA_REACHED:
		return TURN_FAIL_QUOTA;
	case TURN_CODE_INSUFFICIENT_CAPACITY:
		return TURN_FAIL_CAPACITY;
	default:
		return TURN_FAIL_SERVER;
	}
}

/*
 * When to renew something that lives lifetime_ms from now: late enough not
 * to waste requests, early enough that a full retransmission schedule
 * (39.5 s) still fits: lifetime - 60 s, but never before half of it (short
 * lifetimes).
 */
static uint64_t
refresh_delay(uint64_t lifetime_ms)
{
	uint64_t half = lifetime_ms / 2;

	if (lifetime_ms > TURN_REFRESH_MARGIN_MS && lifetime_ms - TURN_REFRESH_MARGIN_MS > half)
		return lifetime_ms - TURN_REFRESH_MARGIN_MS;
	return half;
}

static void
emit(struct turn_client *c, enum turn_event ev, const struct endpoint *peer)
{
	if (c->cfg.on_event != NULL)
		c->cfg.on_event(c->cfg.arg, ev, peer);
}

static void
op_reset(struct turn_op *op)
{
	memset(op, 0, sizeof(*op));
	op->due_ms = UINT64_MAX;
}

static void
op_schedule(struct turn_op *op, uint64_t at_ms)
{
	op->txn.state = STUN_TXN_IDLE;
	op->due_ms = at_ms;
}

/* A new transaction (fresh txid), running until at most deadline_ms (0: no cap). */
static void
op_begin(struct turn_client *c, struct turn_op *op, uint64_t now_ms, uint64_t deadline_ms)
{
	struct stun_rto_config rto = c->cfg.rto;

	if (deadline_ms != 0) {
		uint64_t cap = deadline_ms > now_ms ? deadline_ms - now_ms : 1;

		if (rto.budget_ms == 0 || rto.budget_ms > cap)
			rto.budget_ms = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	}
	stun_txn_start(&op->txn, &rto, NULL, now_ms);
	op->due_ms = UINT64_MAX;
	op->authed = c->have_auth;
}

static uint64_t
op_deadline(const struct turn_op *op)
{
	if (op->txn.state == STUN_TXN_RUNNING)
		return stun_txn_next_deadline(&op->txn);
	return op->due_ms;
}

static int
op_matches(const struct turn_op *op, const uint8_t txid[STUN_TXID_LEN])
{
	return op->txn.state == STUN_TXN_RUNNING &&
	    sodium_memcmp(op->txn.txid, txid, STUN_TXID_LEN) == 0;
}

int
turn_client_init(struct turn_client *c, const struct turn_config *cfg,
    const struct endpoint *server, const char *username, const char *password)
{
	size_t ulen, plen;
	unsigned i;

	memset(c, 0, sizeof(*c));
	if (cfg != NULL)
		c->cfg = *cfg;
	else
		stun_rto_config_default(&c->cfg.rto);
	if (c->cfg.rto.rto_ms == 0 || c->cfg.rto.rc == 0)
		stun_rto_config_default(&c->cfg.rto);
	if (c->cfg.lifetime_s == 0)
		c->cfg.lifetime_s = TURN_DEFAULT_LIFETIME_S;
	if (c->cfg.perm_lifetime_s == 0)
		c->cfg.perm_lifetime_s = TURN_PERMISSION_LIFETIME_S;
	if (c->cfg.chan_lifetime_s == 0)
		c->cfg.chan_lifetime_s = TURN_CHANNEL_LIFETIME_S;
	if (server == NULL || username == NULL || password == NULL || !endpoint_is_usable(server, 1))
		goto fail;
	ulen = strlen(username);
	plen = strlen(password);
	if (ulen == 0 || ulen > TURN_USERNAME_MAX || plen > TURN_PASSWORD_MAX)
		goto fail;
	c->server = *server;
	memcpy(c->username, username, ulen);
	c->username_len = ulen;
	memcpy(c->password, password, plen);
	c->password_len = plen;
	c->next_channel = TURN_CHANNEL_MIN;
	op_reset(&c->alloc_op);
	for (i = 0; i < TURN_MAX_PEERS; i++) {
		op_reset(&c->peers[i].perm_op);
		op_reset(&c->peers[i].chan_op);
	}
	return 0;
fail:
	turn_client_wipe(c);
	return -1;
}

void
turn_client_wipe(struct turn_client *c)
{
	sodium_memzero(c, sizeof(*c));
}

static void
peers_restart(struct turn_client *c, uint64_t now_ms)
{
	unsigned i;

	for (i = 0; i < TURN_MAX_PEERS; i++) {
		struct turn_peer *p = &c->peers[i];

		if (!p->used)
			continue;
		p->perm = TURN_PERM_NONE;
		p->chan = TURN_PERM_NONE;
		op_reset(&p->perm_op);
		op_reset(&p->chan_op);
		if (c->state == TURN_ALLOCATED) {
			op_schedule(&p->perm_op, now_ms);
			if (p->channel != 0)
				op_schedule(&p->chan_op, now_ms);
		}
	}
}

void
turn_client_start(struct turn_client *c, uint64_t now_ms)
{
	if (c->state != TURN_IDLE && c->state != TURN_CLOSED && c->state != TURN_FAILED)
		return;
	c->state = TURN_ALLOCATING;
	c->failure = TURN_FAIL_NONE;
	c->last_error_code = 0;
	memset(&c->relayed, 0, sizeof(c->relayed));
	memset(&c->mapped, 0, sizeof(c->mapped));
	op_reset(&c->alloc_op);
	op_schedule(&c->alloc_op, now_ms);
	peers_restart(c, now_ms);
}

static void
client_fail(struct turn_client *c, enum turn_fail why)
{
	c->state = TURN_FAILED;
	c->failure = why;
	op_reset(&c->alloc_op);
	peers_restart(c, 0);
	emit(c, TURN_EV_FAILED, NULL);
}

static void
client_closed(struct turn_client *c)
{
	c->state = TURN_CLOSED;
	op_reset(&c->alloc_op);
	peers_restart(c, 0);
	emit(c, TURN_EV_CLOSED, NULL);
}

void
turn_client_close(struct turn_client *c, uint64_t now_ms)
{
	struct stun_rto_config rto;

	if (c->state != TURN_ALLOCATED) {
		if (c->state == TURN_ALLOCATING || c->state == TURN_IDLE)
			client_closed(c);
		return;
	}
	c->state = TURN_CLOSING;
	peers_restart(c, 0);
	/* One short transaction: a lost deallocation only costs the server a lifetime. */
	rto = c->cfg.rto;
	if (rto.budget_ms == 0 || rto.budget_ms > TURN_CLOSE_BUDGET_MS)
		rto.budget_ms = TURN_CLOSE_BUDGET_MS;
	stun_txn_start(&c->alloc_op.txn, &rto, NULL, now_ms);
	c->alloc_op.due_ms = UINT64_MAX;
	c->alloc_op.authed = c->have_auth;
	c->alloc_op.stale = 0;
}

uint64_t
turn_client_next_deadline(const struct turn_client *c)
{
	uint64_t d = op_deadline(&c->alloc_op), x;
	unsigned i;

	if (c->state == TURN_ALLOCATED && c->expires_ms < d)
		d = c->expires_ms;
	if (c->state != TURN_ALLOCATED)
		return d;
	for (i = 0; i < TURN_MAX_PEERS; i++) {
		const struct turn_peer *p = &c->peers[i];

		if (!p->used)
			continue;
		if ((x = op_deadline(&p->perm_op)) < d)
			d = x;
		if ((x = op_deadline(&p->chan_op)) < d)
			d = x;
		if (p->perm == TURN_PERM_OK && p->perm_expires_ms < d)
			d = p->perm_expires_ms;
		if (p->chan == TURN_PERM_OK && p->chan_expires_ms < d)
			d = p->chan_expires_ms;
	}
	return d;
}

/* Build the request op of kind stands for, in its current transaction. */
static size_t
build_request(struct turn_client *c, enum op_kind kind, const struct turn_peer *p,
    struct turn_op *op, uint8_t *out, size_t outlen)
{
	struct turn_request r;

	memset(&r, 0, sizeof(r));
	r.cls = TURN_CLASS_REQUEST;
	r.txid = op->txn.txid;
	r.fingerprint = 1;
	switch (kind) {
	case OP_ALLOC:
		if (c->state == TURN_ALLOCATING) {
			r.method = TURN_METHOD_ALLOCATE;
			r.requested_transport = 1;
		} else {
			r.method = TURN_METHOD_REFRESH;
		}
		r.have_lifetime = 1;
		r.lifetime = c->state == TURN_CLOSING ? 0 : c->cfg.lifetime_s;
		break;
	case OP_PERM:
		r.method = TURN_METHOD_CREATE_PERMISSION;
		r.peer = &p->addr;
		break;
	case OP_CHAN:
		r.method = TURN_METHOD_CHANNEL_BIND;
		r.peer = &p->addr;
		r.channel = p->channel;
		break;
	}
	return turn_msg_build(out, outlen, &r, op->authed ? &c->auth : NULL);
}

static void
peer_lost(struct turn_client *c, struct turn_peer *p, enum turn_fail why, uint64_t now_ms)
{
	int was_up = p->perm == TURN_PERM_OK || p->chan == TURN_PERM_OK;

	p->last_fail = why;
	p->perm = TURN_PERM_NONE;
	p->chan = TURN_PERM_NONE;
	op_reset(&p->perm_op);
	op_reset(&p->chan_op);
	/* Try again later: the server may come back, or the refusal may be transient. */
	op_schedule(&p->perm_op, now_ms + TURN_PEER_RETRY_MS);
	if (p->channel != 0)
		op_schedule(&p->chan_op, now_ms + TURN_PEER_RETRY_MS);
	if (was_up || why != TURN_FAIL_NONE)
		emit(c, TURN_EV_PEER_FAILED, &p->addr);
}

/* Run one op's timer: start it when due, (re)transmit, or time it out. Returns 1 if sent. */
static int
op_on_timer(struct turn_client *c, enum op_kind kind, struct turn_peer *p, struct turn_op *op,
    uint64_t now_ms, const struct stun_send *io)
{
	uint8_t msg[TURN_CONTROL_MAX];
	uint64_t cap = 0;
	size_t len;

	if (op->txn.state != STUN_TXN_RUNNING) {
		if (op->due_ms > now_ms)
			return 0;
		/* A refresh must not outlive what it refreshes. */
		if (kind == OP_ALLOC && c->state == TURN_ALLOCATED)
			cap = c->expires_ms;
		else if (kind == OP_PERM && p->perm == TURN_PERM_OK)
			cap = p->perm_expires_ms;
		else if (kind == OP_CHAN && p->chan == TURN_PERM_OK)
			cap = p->chan_expires_ms;
		op_begin(c, op, now_ms, cap);
		if (kind == OP_PERM && p->perm == TURN_PERM_NONE)
			p->perm = TURN_PERM_PENDING;
		if (kind == OP_CHAN && p->chan == TURN_PERM_NONE)
			p->chan = TURN_PERM_PENDING;
	}
	switch (stun_txn_on_timer(&op->txn, now_ms)) {
	case STUN_ACT_SEND:
		len = build_request(c, kind, p, op, msg, sizeof(msg));
		if (len == 0 || io == NULL || io->send == NULL)
			return 0;
		(void)io->send(io->arg, &c->server, msg, len);	/* a failed send is a lost packet */
		return 1;
	case STUN_ACT_TIMEOUT:
		if (kind != OP_ALLOC) {
			peer_lost(c, p, TURN_FAIL_TIMEOUT, now_ms);
		} else if (c->state == TURN_CLOSING) {
			client_closed(c);
		} else {
			c->last_error_code = 0;
			client_fail(c, c->state == TURN_ALLOCATED && now_ms >= c->expires_ms ?
			    TURN_FAIL_EXPIRED : TURN_FAIL_TIMEOUT);
		}
		return 0;
	default:
		return 0;
	}
}

unsigned
turn_client_on_timer(struct turn_client *c, uint64_t now_ms, const struct stun_send *io)
{
	unsigned i, sent = 0;

	if (c->state == TURN_ALLOCATED && now_ms >= c->expires_ms &&
	    c->alloc_op.txn.state != STUN_TXN_RUNNING) {
		client_fail(c, TURN_FAIL_EXPIRED);
		return 0;
	}
	if (c->state == TURN_ALLOCATING || c->state == TURN_ALLOCATED || c->state == TURN_CLOSING)
		sent += (unsigned)op_on_timer(c, OP_ALLOC, NULL, &c->alloc_op, now_ms, io);
	if (c->state != TURN_ALLOCATED)
		return sent;
	for (i = 0; i < TURN_MAX_PEERS; i++) {
		struct turn_peer *p = &c->peers[i];

		if (!p->used)
			continue;
		/* Refreshes that did not come through in time: the server forgot them. */
		if ((p->perm == TURN_PERM_OK && now_ms >= p->perm_expires_ms) ||
		    (p->chan == TURN_PERM_OK && now_ms >= p->chan_expires_ms)) {
			peer_lost(c, p, TURN_FAIL_EXPIRED, now_ms);
			continue;
		}
		sent += (unsigned)op_on_timer(c, OP_PERM, p, &p->perm_op, now_ms, io);
		if (p->used && c->state == TURN_ALLOCATED && p->channel != 0)
			sent += (unsigned)op_on_timer(c, OP_CHAN, p, &p->chan_op, now_ms, io);
		if (c->state != TURN_ALLOCATED)
			break;
	}
	return sent;
}

static struct turn_peer *
find_peer(struct turn_client *c, const struct endpoint *addr)
{
	unsigned i;

	for (i = 0; i < TURN_MAX_PEERS; i++)
		if (c->peers[i].used && endpoint_equal(&c->peers[i].addr, addr))
			return &c->peers[i];
	return NULL;
}

int
turn_client_add_peer(struct turn_client *c, const struct endpoint *peer, uint64_t now_ms)
{
	struct turn_peer *p;
	unsigned i;

	if (peer == NULL || !endpoint_is_usable(peer, 1))
		return -1;
	if (c->state == TURN_ALLOCATED && peer->family != c->relayed.family)
		return -1;		/* RFC 8656 section 9.1: 443 Peer Address Family Mismatch */
	if ((p = find_peer(c, peer)) != NULL)
		return (int)(p - c->peers);
	for (i = 0; i < TURN_MAX_PEERS && c->peers[i].used; i++)
		;
	if (i == TURN_MAX_PEERS)
		return -1;
	p = &c->peers[i];
	memset(p, 0, sizeof(*p));
	p->used = 1;
	p->addr = *peer;
	op_reset(&p->perm_op);
	op_reset(&p->chan_op);
	/*
	 * Channel numbers are never reused within a client: RFC 8656 section
	 * 12 keeps a number tied to its peer until 5 minutes after it expired.
	 */
	if (c->cfg.use_channels && c->next_channel >= TURN_CHANNEL_MIN &&
	    c->next_channel <= TURN_CHANNEL_MAX)
		p->channel = c->next_channel++;
	if (c->state == TURN_ALLOCATED) {
		op_schedule(&p->perm_op, now_ms);
		if (p->channel != 0)
			op_schedule(&p->chan_op, now_ms);
	}
	return (int)i;
}

void
turn_client_remove_peer(struct turn_client *c, const struct endpoint *peer)
{
	struct turn_peer *p = find_peer(c, peer);

	if (p != NULL) {
		memset(p, 0, sizeof(*p));
		op_reset(&p->perm_op);
		op_reset(&p->chan_op);
	}
}

unsigned
turn_client_prune(struct turn_client *c, int (*keep)(void *arg, const struct endpoint *addr),
    void *arg)
{
	unsigned i, n = 0;

	for (i = 0; i < TURN_MAX_PEERS; i++) {
		struct turn_peer *p = &c->peers[i];

		if (!p->used || keep(arg, &p->addr))
			continue;
		memset(p, 0, sizeof(*p));
		op_reset(&p->perm_op);
		op_reset(&p->chan_op);
		n++;
	}
	return n;
}

const struct turn_peer *
turn_client_peer(const struct turn_client *c, const struct endpoint *peer)
{
	return find_peer((struct turn_client *)c, peer);
}

enum turn_state
turn_client_state(const struct turn_client *c)
{
	return c->state;
}

enum turn_fail
turn_client_failure(const struct turn_client *c)
{
	return c->failure;
}

int
turn_client_relayed(const struct turn_client *c, struct endpoint *relayed, struct endpoint *mapped)
{
	if (c->state != TURN_ALLOCATED)
		return -1;
	if (relayed != NULL)
		*relayed = c->relayed;
	if (mapped != NULL)
		*mapped = c->mapped;
	return 0;
}

/* Data path */

/* An installed permission for from's IP address (the port does not matter). */
static int
permitted_ok(const struct turn_client *c, const struct endpoint *from)
{
	unsigned i;

	for (i = 0; i < TURN_MAX_PEERS; i++) {
		const struct turn_peer *p = &c->peers[i];

		if (p->used && p->perm == TURN_PERM_OK && p->addr.family == from->family &&
		    memcmp(p->addr.addr, from->addr, sizeof(from->addr)) == 0)
			return 1;
	}
	return 0;
}

static int
overlaps(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return alen > 0 && blen > 0 && pa < pb + blen && pb < pa + alen;
}

size_t
turn_wrap(struct turn_client *c, const struct endpoint *peer, const uint8_t *payload, size_t len,
    uint8_t *out, size_t outlen)
{
	struct turn_request r;
	struct turn_peer *p;
	uint8_t txid[STUN_TXID_LEN];

	if (c->state != TURN_ALLOCATED || len > TURN_PAYLOAD_MAX ||
	    overlaps(payload, len, out, outlen))
		return 0;
	/*
	 * A peer not added by address and port (a NAT gave it another port
	 * towards the server) is reached by a Send indication when its IP
	 * address has a permission: permissions are per address.
	 */
	if ((p = find_peer(c, peer)) == NULL) {
		if (!permitted_ok(c, peer))
			return 0;
	} else if (p->chan == TURN_PERM_OK && p->channel != 0) {
		return turn_channel_wrap(out, outlen, p->channel, payload, len);
	} else if (p->perm != TURN_PERM_OK) {
		return 0;
	}
	/* Indications are not authenticated and need no transaction; a fresh id anyway. */
	stun_txid_random(txid);
	memset(&r, 0, sizeof(r));
	r.method = TURN_METHOD_SEND;
	r.cls = TURN_CLASS_INDICATION;
	r.txid = txid;
	r.peer = p != NULL ? &p->addr : peer;
	r.data = payload;
	r.data_len = len;
	r.have_data = 1;
	return turn_msg_build(out, outlen, &r, NULL);
}

/* Permissions are per IP address (RFC 8656 section 9): is anything installed for this one? */
static int
permitted(const struct turn_client *c, const struct endpoint *from)
{
	unsigned i;

	for (i = 0; i < TURN_MAX_PEERS; i++) {
		const struct turn_peer *p = &c->peers[i];

		if (p->used && p->perm != TURN_PERM_NONE && p->addr.family == from->family &&
		    memcmp(p->addr.addr, from->addr, sizeof(from->addr)) == 0)
			return 1;
	}
	return 0;
}

static enum turn_unwrap_result
dropped(struct turn_client *c, enum turn_drop why)
{
	c->dropped[why]++;
	return TURN_UNWRAP_DROPPED;
}

/* 401 or 438: take the challenge and go again at once. Returns 0, or -1 with the failure. */
static int
take_challenge(struct turn_client *c, struct turn_op *op, const struct turn_msg *m,
    enum turn_fail *why)
{
	if (m->error_code == TURN_CODE_UNAUTHORIZED && op->authed) {
		*why = TURN_FAIL_UNAUTHORIZED;	/* our credentials were rejected */
		return -1;
	}
	if (m->nonce == NULL) {
		*why = TURN_FAIL_CHALLENGE;
		return -1;
	}
	if (m->error_code == TURN_CODE_STALE_NONCE) {
		if (!c->have_auth || ++op->stale > TURN_AUTH_RETRIES) {
			*why = c->have_auth ? TURN_FAIL_STALE_NONCE : TURN_FAIL_CHALLENGE;
			return -1;
		}
		c->stale_nonces++;
	}
	/* A new realm (or the first one) means a new key; otherwise only the nonce changes. */
	if (m->realm != NULL && (!c->have_auth || m->realm_len != c->auth.realm_len ||
	    memcmp(m->realm, c->auth.realm, m->realm_len) != 0)) {
		c->have_auth = 0;
		if (turn_auth_set(&c->auth, c->username, c->username_len, c->password,
		    c->password_len, m->realm, m->realm_len, m->nonce, m->nonce_len) != 0) {
			*why = TURN_FAIL_CHALLENGE;
			return -1;
		}
		c->have_auth = 1;
	} else if (!c->have_auth || turn_auth_set_nonce(&c->auth, m->nonce, m->nonce_len) != 0) {
		*why = TURN_FAIL_CHALLENGE;	/* 401 without REALM */
		return -1;
	}
	return 0;
}

static void
alloc_response(struct turn_client *c, const struct turn_msg *m, uint64_t now_ms)
{
	struct turn_op *op = &c->alloc_op;
	enum turn_fail why;
	uint64_t life_ms;

	if (m->cls == TURN_CLASS_ERROR) {
		stun_txn_on_response(&op->txn, 0, now_ms);
		c->last_error_code = m->error_code;
		if (c->state == TURN_CLOSING) {
			if (m->error_code == TURN_CODE_STALE_NONCE && take_challenge(c, op, m, &why) == 0) {
				/* Same budget as the first try: counted from when closing began. */
				op_begin(c, op, now_ms, op->txn.start_ms + TURN_CLOSE_BUDGET_MS);
				return;
			}
			client_closed(c);	/* 437: already gone; anything else: nothing more to do */
			return;
		}
		if (m->error_code == TURN_CODE_UNAUTHORIZED || m->error_code == TURN_CODE_STALE_NONCE) {
			if (take_challenge(c, op, m, &why) == 0) {
				op_schedule(op, now_ms);	/* again, now, with a fresh id */
				return;
			}
		} else {
			why = fail_of_code(m->error_code);
		}
		client_fail(c, why);
		return;
	}
	stun_txn_on_response(&op->txn, 1, now_ms);
	op->stale = 0;
	if (c->state == TURN_CLOSING) {
		client_closed(c);
		return;
	}
	if (m->n_unknown > 0 || !m->have_lifetime || m->lifetime == 0 ||
	    (c->state == TURN_ALLOCATING && !m->have_relayed)) {
		client_fail(c, TURN_FAIL_RESPONSE);
		return;
	}
	life_ms = (uint64_t)m->lifetime * 1000;
	c->lifetime_s = m->lifetime;
	c->expires_ms = now_ms + life_ms;
	op_schedule(op, now_ms + refresh_delay(life_ms));
	if (c->state == TURN_ALLOCATING) {
		c->relayed = m->relayed;
		if (m->have_mapped)
			c->mapped = m->mapped;
		c->state = TURN_ALLOCATED;
		peers_restart(c, now_ms);
		emit(c, TURN_EV_ALLOCATED, NULL);
	} else {
		c->refreshes++;
		emit(c, TURN_EV_REFRESHED, NULL);
	}
}

static void
peer_response(struct turn_client *c, struct turn_peer *p, enum op_kind kind,
    const struct turn_msg *m, uint64_t now_ms)
{
	struct turn_op *op = kind == OP_PERM ? &p->perm_op : &p->chan_op;
	enum turn_perm_state *st = kind == OP_PERM ? &p->perm : &p->chan;
	uint64_t life_ms = (uint64_t)(kind == OP_PERM ? c->cfg.perm_lifetime_s :
	    c->cfg.chan_lifetime_s) * 1000;
	enum turn_fail why;
	int first;

	if (m->cls == TURN_CLASS_ERROR) {
		stun_txn_on_response(&op->txn, 0, now_ms);
		c->last_error_code = m->error_code;
		if ((m->error_code == TURN_CODE_UNAUTHORIZED || m->error_code == TURN_CODE_STALE_NONCE) &&
		    take_challenge(c, op, m, &why) == 0) {
			op_schedule(op, now_ms);
			return;
		}
		if (m->error_code != TURN_CODE_UNAUTHORIZED && m->error_code != TURN_CODE_STALE_NONCE)
			why = fail_of_code(m->error_code);
		peer_lost(c, p, why, now_ms);
		return;
	}
	stun_txn_on_response(&op->txn, 1, now_ms);
	op->stale = 0;
	if (m->n_unknown > 0) {
		peer_lost(c, p, TURN_FAIL_RESPONSE, now_ms);
		return;
	}
	first = *st != TURN_PERM_OK;
	*st = TURN_PERM_OK;
	p->last_fail = TURN_FAIL_NONE;
	if (kind == OP_PERM)
		p->perm_expires_ms = now_ms + life_ms;
	else
		p->chan_expires_ms = now_ms + life_ms;
	op_schedule(op, now_ms + refresh_delay(life_ms));
	if (first)
		emit(c, kind == OP_PERM ? TURN_EV_PERMISSION : TURN_EV_CHANNEL, &p->addr);
}

/* Which op, if any, this response answers; NULL when none. */
static struct turn_op *
find_op(struct turn_client *c, const uint8_t txid[STUN_TXID_LEN], enum op_kind *kind,
    struct turn_peer **peer)
{
	unsigned i;

	*peer = NULL;
	if (op_matches(&c->alloc_op, txid)) {
		*kind = OP_ALLOC;
		return &c->alloc_op;
	}
	for (i = 0; i < TURN_MAX_PEERS; i++) {
		struct turn_peer *p = &c->peers[i];

		if (!p->used)
			continue;
		*peer = p;
		if (op_matches(&p->perm_op, txid)) {
			*kind = OP_PERM;
			return &p->perm_op;
		}
		if (op_matches(&p->chan_op, txid)) {
			*kind = OP_CHAN;
			return &p->chan_op;
		}
	}
	*peer = NULL;
	return NULL;
}

static uint16_t
expected_method(const struct turn_client *c, enum op_kind kind)
{
	switch (kind) {
	case OP_ALLOC:
		return c->state == TURN_ALLOCATING ? TURN_METHOD_ALLOCATE : TURN_METHOD_REFRESH;
	case OP_PERM:
		return TURN_METHOD_CREATE_PERMISSION;
	case OP_CHAN:
		return TURN_METHOD_CHANNEL_BIND;
	}
	return 0;
}

enum turn_unwrap_result
turn_unwrap(struct turn_client *c, const struct endpoint *from, const uint8_t *buf, size_t len,
    uint64_t now_ms, struct turn_datagram *out)
{
	struct turn_msg m;
	struct turn_op *op;
	struct turn_peer *p;
	enum op_kind kind;
	uint16_t ch;
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (from == NULL || buf == NULL || len == 0 || !endpoint_equal(from, &c->server))
		return TURN_UNWRAP_NOT_OURS;

	/* ChannelData: first two bits 01 (RFC 8656 section 12.4). */
	if ((buf[0] & 0xC0) == 0x40) {
		if (!turn_channel_parse(buf, len, &ch, &out->payload, &out->len))
			return dropped(c, TURN_DROP_MALFORMED);
		if (c->state != TURN_ALLOCATED)
			return dropped(c, TURN_DROP_STATE);
		for (i = 0; i < TURN_MAX_PEERS; i++) {
			p = &c->peers[i];
			if (p->used && p->channel == ch && p->chan != TURN_PERM_NONE) {
				out->peer = p->addr;
				return TURN_UNWRAP_DATA;
			}
		}
		memset(out, 0, sizeof(*out));
		return dropped(c, TURN_DROP_CHANNEL);
	}

	if (turn_msg_parse(buf, len, &m) != TURN_MSG_OK) {
		/* Not STUN at all is not ours; broken STUN from our server is dropped here. */
		if (!stun_msg_is_stun(buf, len))
			return TURN_UNWRAP_NOT_OURS;
		return dropped(c, TURN_DROP_MALFORMED);
	}
	if (m.method == TURN_METHOD_BINDING)
		return TURN_UNWRAP_NOT_OURS;	/* the STUN client's, if anyone's */

	if (m.cls == TURN_CLASS_INDICATION) {
		if (m.method != TURN_METHOD_DATA || !m.have_peer || !m.have_data)
			return dropped(c, TURN_DROP_UNEXPECTED);
		if (c->state != TURN_ALLOCATED)
			return dropped(c, TURN_DROP_STATE);
		if (!permitted(c, &m.peer))
			return dropped(c, TURN_DROP_PEER);
		out->peer = m.peer;
		out->payload = m.data;
		out->len = m.data_len;
		return TURN_UNWRAP_DATA;
	}
	if (m.cls == TURN_CLASS_REQUEST)
		return dropped(c, TURN_DROP_UNEXPECTED);	/* servers do not ask clients */

	if ((op = find_op(c, m.txid, &kind, &p)) == NULL)
		return dropped(c, TURN_DROP_TXID);		/* late duplicate, stale or forged */
	if (m.method != expected_method(c, kind))
		return dropped(c, TURN_DROP_UNEXPECTED);
	/*
	 * RFC 8489 section 9.2.5: MESSAGE-INTEGRITY, when present, must verify;
	 * a success to an authenticated request must have it. Dropping keeps
	 * the transaction waiting for the genuine answer.
	 */
	if (m.integrity_off != 0 && c->have_auth &&
	    !turn_msg_check_integrity(buf, len, &m, c->auth.key))
		return dropped(c, TURN_DROP_INTEGRITY);
	if (m.cls == TURN_CLASS_SUCCESS && op->authed && m.integrity_off == 0)
		return dropped(c, TURN_DROP_INTEGRITY);

	if (kind == OP_ALLOC)
		alloc_response(c, &m, now_ms);
	else
		peer_response(c, p, kind, &m, now_ms);
	return TURN_UNWRAP_CONTROL;
}
