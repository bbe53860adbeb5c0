/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn.c — the TURN path kind: --turn servers, one allocation each from the
 * data socket (tunnel/turn/turn.h), kept for the whole session.
 *
 *   - the relayed address becomes a relay candidate (kind 4) of our record,
 *     the XOR-MAPPED-ADDRESS one more srflx; a failed allocation withdraws
 *     its relay candidate and is tried again after TURN_RETRY_MS;
 *   - every peer's record addresses (host, srflx, dht, mapped: not relay)
 *     get a permission as soon as punching toward it starts, one per IP
 *     address: permissions are per address, so a peer behind a NAT that
 *     maps per destination reaches our relayed address from any port; a
 *     permission no peer's record names any more goes when a peer goes,
 *     and when the table (TURN_MAX_PEERS) is full;
 *   - datagrams from the server are this link's: relayed data goes back to
 *     the input as if it came from the synthetic endpoint "through TURN
 *     allocation i, from the peer's address" (via.h; target[0] = i), so
 *     WireGuard and pongs answer back through the server.
 *
 * The other side needs nothing: our relay candidate is one more pair for
 * its punching (pinged when the fallback policy says, fallback.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/input.h"
#include "src/session/link.h"
#include "src/session/net.h"
#include "src/session/peer.h"
#include "src/session/resolve.h"
#include "src/session/tell.h"
#include "tunnel/turn/turn.h"
#include "tunnel/turn/turn_uri.h"

enum {
	TURN_RETRY_MS = 30000		/* a failed allocation is tried again */
};

enum {
	TURN_DGRAM_MAX = 65535
};

/* One --turn server and our allocation there. */
struct allocation {
	struct link *l;
	unsigned index;
	struct turn_uri uri;
	struct turn_client client;
	int have_server, reported_fail;
	struct timer *timer;
	uint64_t retry_ms;		/* UINT64_MAX: none */
	uint8_t buf[TURN_DGRAM_MAX];
};

struct turn_link {
	unsigned n;
	struct allocation a[SESSION_MAX_TURN];
};

static int
io_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct allocation *t = arg;

	return net_send_wire(t->l->s, to, buf, len);
}

static void
rearm(struct allocation *t)
{
	uint64_t d = turn_client_next_deadline(&t->client);

	if (t->retry_ms < d)
		d = t->retry_ms;
	timer_at(t->timer, d);
}

static void permit(struct link *l, const struct record *rec);

static void
permit_all(struct link *l)
{
	struct peer *p;

	for (p = l->s->peers; p != NULL; p = p->next)
		permit(l, &p->rec);
}

/* Our relay candidates: every allocation we hold now. */
static void
publish_relayed(struct link *l)
{
	struct turn_link *tl = l->priv;
	struct endpoint relayed[SESSION_MAX_TURN];
	unsigned i, n = 0;

	for (i = 0; i < tl->n; i++)
		if (tl->a[i].have_server && turn_client_relayed(&tl->a[i].client, &relayed[n], NULL) == 0)
			n++;
	cands_set_relayed(l->s, relayed, n);
}

static void
on_event(void *arg, enum turn_event ev, const struct endpoint *peer)
{
	struct allocation *t = arg;
	struct session *s = t->l->s;
	char a[ENDPOINT_STR_MAX], b[ENDPOINT_STR_MAX];
	struct endpoint relayed, mapped;

	(void)peer;
	switch (ev) {
	case TURN_EV_ALLOCATED:
		if (turn_client_relayed(&t->client, &relayed, &mapped) != 0)
			break;
		t->reported_fail = 0;
		session_status(s, "turn", "TURN server %s relays for us at %s (lifetime %u s)",
		    endpoint_format(&t->client.server, a, sizeof(a)),
		    endpoint_format(&relayed, b, sizeof(b)), (unsigned)t->client.lifetime_s);
		cands_learnt(s, CAND_TYPE_SRFLX, &mapped);
		publish_relayed(t->l);
		permit_all(t->l);
		break;
	case TURN_EV_FAILED:
		if (!t->reported_fail)
			session_error(s, "TURN server %s: %s", endpoint_format(&t->client.server, a,
			    sizeof(a)), turn_fail_name(turn_client_failure(&t->client)));
		t->reported_fail = 1;
		/* Withdraw its relay candidate: the others stay. */
		publish_relayed(t->l);
		t->retry_ms = session_now_ms(s) + TURN_RETRY_MS;
		break;
	case TURN_EV_REFRESHED:
		if (s->cfg->verbose >= 1)
			session_info(s, "turn", "TURN allocation at %s refreshed",
			    endpoint_format(&t->client.relayed, a, sizeof(a)));
		break;
	case TURN_EV_CLOSED:
	case TURN_EV_PERMISSION:
	case TURN_EV_CHANNEL:
	case TURN_EV_PEER_FAILED:
		break;
	}
}

static void
on_timer(void *arg)
{
	struct allocation *t = arg;
	uint64_t now = session_now_ms(t->l->s);

	if (now >= t->retry_ms) {
		t->retry_ms = UINT64_MAX;
		turn_client_start(&t->client, now);
	}
	(void)turn_client_on_timer(&t->client, now, &(struct stun_send){ io_send, t });
	rearm(t);
}

static void
begin(struct allocation *t, const struct endpoint *server)
{
	struct session *s = t->l->s;
	struct turn_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	stun_rto_config_default(&cfg.rto);
	cfg.use_channels = 1;
	cfg.on_event = on_event;
	cfg.arg = t;
	if (turn_client_init(&t->client, &cfg, server, t->uri.user, t->uri.password) != 0) {
		session_error(s, "TURN server %s ignored (bad credentials)", t->uri.host);
		return;
	}
	turn_uri_wipe(&t->uri);
	t->have_server = 1;
	turn_client_start(&t->client, session_now_ms(s));
	(void)turn_client_on_timer(&t->client, session_now_ms(s), &(struct stun_send){ io_send, t });
	rearm(t);
}

static void
on_resolved(void *arg, int err, const struct endpoint *eps, size_t n)
{
	struct allocation *t = arg;
	struct session *s;
	size_t i;

	if (err == RESOLVE_CANCELLED)
		return;
	s = t->l->s;
	for (i = 0; i < n; i++) {
		if (net_port(s, eps[i].family) == 0)
			continue;
		begin(t, &eps[i]);
		return;
	}
	session_error(s, "TURN server %s: %s", t->uri.host,
	    err != 0 ? resolve_strerror(err) : "no address of a family we have");
}

static int
start(struct link *l)
{
	struct session *s = l->s;
	struct turn_link *tl;
	unsigned i, n = 0;

	for (i = 0; s->cfg->turn != NULL && s->cfg->turn[i] != NULL; i++)
		n++;
	if (n > SESSION_MAX_TURN)
		n = SESSION_MAX_TURN;
	if ((tl = calloc(1, sizeof(*tl))) == NULL)
		return -1;
	l->priv = tl;
	tl->n = n;
	for (i = 0; i < n; i++) {
		struct allocation *t = &tl->a[i];

		t->l = l;
		t->index = i;
		t->retry_ms = UINT64_MAX;
		if ((t->timer = timer_new(s->timers, on_timer, t)) == NULL)
			return -1;
		/* main.c checked the URI already. */
		if (turn_uri_parse(s->cfg->turn[i], &t->uri) != TURN_URI_OK)
			continue;
		resolve(s->dns, t->uri.host, t->uri.port, on_resolved, t);
	}
	return 0;
}

/* After the resolver is freed (pending lookups point into the allocations). */
static void
stop(struct link *l)
{
	struct turn_link *tl = l->priv;
	unsigned i;

	if (tl == NULL)
		return;
	for (i = 0; i < tl->n; i++) {
		struct allocation *t = &tl->a[i];
		uint64_t now = session_now_ms(l->s);

		/* Deallocate: one Refresh LIFETIME 0, sent once (no loop is left to retry). */
		if (t->have_server && turn_client_state(&t->client) == TURN_ALLOCATED) {
			turn_client_close(&t->client, now);
			(void)turn_client_on_timer(&t->client, now, &(struct stun_send){ io_send, t });
		}
		if (t->have_server)
			turn_client_wipe(&t->client);
		turn_uri_wipe(&t->uri);
		timer_free(t->timer);
	}
	free(tl);
	l->priv = NULL;
}

/* A datagram from one of our servers is ours (control, or data from a peer). */
static int
input(struct link *l, const struct endpoint *from, uint8_t *buf, size_t len)
{
	struct turn_link *tl = l->priv;
	struct session *s = l->s;
	struct turn_datagram d;
	uint8_t target[VIA_TARGET_LEN] = { 0 };
	struct endpoint via;
	unsigned i;

	for (i = 0; i < tl->n; i++) {
		struct allocation *t = &tl->a[i];

		if (!t->have_server || !endpoint_equal(from, &t->client.server))
			continue;
		switch (turn_unwrap(&t->client, from, buf, len, session_now_ms(s), &d)) {
		case TURN_UNWRAP_NOT_OURS:
			return 0;
		case TURN_UNWRAP_DATA:
			target[0] = (uint8_t)i;
			if (d.len > sizeof(t->buf) || via_get(s, l, &d.peer, target, &via) != 0)
				return 1;
			/* Copied: WireGuard decrypts in place, and d.payload points into buf. */
			memcpy(t->buf, d.payload, d.len);
			input_datagram(s, &via, t->buf, d.len);
			return 1;
		case TURN_UNWRAP_CONTROL:
		case TURN_UNWRAP_DROPPED:
			(void)turn_client_on_timer(&t->client, session_now_ms(s),
			    &(struct stun_send){ io_send, t });
			rearm(t);
			return 1;
		}
	}
	return 0;
}

/* A datagram for the peer at v's remote, through allocation target[0]. */
static int
send_via(struct link *l, struct via *v, const uint8_t *buf, size_t len)
{
	struct turn_link *tl = l->priv;
	uint8_t out[TURN_DGRAM_MAX];
	struct allocation *t;
	size_t n;

	if (v->target[0] >= tl->n || !(t = &tl->a[v->target[0]])->have_server)
		return -EINVAL;
	if ((n = turn_wrap(&t->client, &v->remote, buf, len, out, sizeof(out))) == 0)
		return -EAGAIN;
	return io_send(t, &t->client.server, out, n);
}

/* What prune keeps: addresses a peer's record names (but the one going). */
struct keep_ctx {
	struct session *s;
	const struct peer *gone;
};

static int
named(void *arg, const struct endpoint *addr)
{
	const struct keep_ctx *k = arg;
	const struct peer *p;
	struct endpoint ep;
	unsigned j;

	for (p = k->s->peers; p != NULL; p = p->next) {
		if (p == k->gone)
			continue;
		for (j = 0; j < p->rec.ncand; j++) {
			if (p->rec.cand[j].kind == CAND_RELAY)
				continue;
			cand_to_endpoint(&p->rec.cand[j], &ep);
			if (ep.family == addr->family &&
			    memcmp(ep.addr, addr->addr, sizeof(ep.addr)) == 0)
				return 1;
		}
	}
	return 0;
}

static void
permit(struct link *l, const struct record *rec)
{
	struct turn_link *tl = l->priv;
	uint64_t now = session_now_ms(l->s);
	struct endpoint ep, relayed;
	unsigned i, j, k;
	int done;

	for (i = 0; i < tl->n; i++) {
		struct allocation *t = &tl->a[i];

		if (!t->have_server || turn_client_relayed(&t->client, &relayed, NULL) != 0)
			continue;
		for (j = 0; j < rec->ncand; j++) {
			if (rec->cand[j].kind == CAND_RELAY || rec->cand[j].family != relayed.family)
				continue;
			cand_to_endpoint(&rec->cand[j], &ep);
			/* One per IP address: a permission covers every port. */
			for (k = 0, done = 0; k < TURN_MAX_PEERS && !done; k++)
				done = t->client.peers[k].used &&
				    t->client.peers[k].addr.family == ep.family &&
				    memcmp(t->client.peers[k].addr.addr, ep.addr, sizeof(ep.addr)) == 0;
			if (!done && turn_client_add_peer(&t->client, &ep, now) < 0) {
				/* Full: make room from peers gone (their records changed). */
				struct keep_ctx keep = { l->s, NULL };

				if (turn_client_prune(&t->client, named, &keep) > 0)
					(void)turn_client_add_peer(&t->client, &ep, now);
			}
		}
		(void)turn_client_on_timer(&t->client, now, &(struct stun_send){ io_send, t });
		rearm(t);
	}
}

static void
punching(struct link *l, struct peer *p)
{
	permit(l, &p->rec);
}

/* Permissions only the peer gone needed. */
static void
prune(struct link *l, const struct peer *gone)
{
	struct turn_link *tl = l->priv;
	struct keep_ctx k = { l->s, gone };
	unsigned i;

	for (i = 0; tl != NULL && i < tl->n; i++)
		(void)turn_client_prune(&tl->a[i].client, named, &k);
}

/* Only when p is freed (it left our table first): a peer that went down punches again. */
static void
peer_gone(struct link *l, struct peer *p)
{
	if (peer_find_id(l->s, p->rec.id) != p)
		prune(l, p);
}

static void
report(struct link *l)
{
	struct turn_link *tl = l->priv;
	struct session *s = l->s;
	struct tell_line t = { .pos = 0 };
	char a[ENDPOINT_STR_MAX];
	unsigned i;
	int d;

	if (!session_counting(s) || tl->n == 0)
		return;
	for (i = 0; i < tl->n; i++) {
		const struct turn_client *c = &tl->a[i].client;

		tell_add(&t, "%s%s %s refreshes %llu",
		    i ? "; " : "", tl->a[i].have_server ? endpoint_format(&c->server, a, sizeof(a)) :
		    "unresolved", turn_state_name(c->state), (unsigned long long)c->refreshes);
		for (d = 0; d < TURN_DROP__COUNT; d++)
			tell_count(&t, "", turn_drop_name(d), c->dropped[d]);
	}
	session_info(s, "turn", "turn: %s", t.text);
}

const struct link_ops link_turn_ops = {
	.kind = LINK_TURN,
	.name = LINK_NAME_TURN,
	.cost = LINK_COST_TURN,
	.start = start,
	.stop = stop,
	.input = input,
	.send = send_via,
	.punching = punching,
	.peer_gone = peer_gone,
	.report = report
};
