/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * path.c — punching toward one peer (path.h): one timer per peer
 * (p->punch_timer, whose callback is peer.c's) armed at
 * punch_next_deadline(). Pairs toward the peer's TURN relay candidate are
 * pinged only when the fallback policy says so (fallback.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/fallback.h"
#include "src/session/net.h"
#include "src/session/path.h"
#include "src/session/peer.h"
#include "src/session/stun_servers.h"

static void
rearm(struct peer *p)
{
	timer_at(p->punch_timer, punch_next_deadline(&p->punching.punch));
}

/* All pairs answered or failed: stop, and say so if none worked. */
static enum path_outcome
check_done(struct peer *p)
{
	struct punch *pu = &p->punching.punch;

	if (!pu->running || punch_active(pu))
		return PATH_NONE;
	punch_stop(pu);
	return punch_selected(pu) == NULL ? PATH_FAILED : PATH_NONE;
}

enum path_outcome
path_tick(struct peer *p)
{
	struct session *s = p->s;
	struct punch *pu = &p->punching.punch;
	struct punch_ping pings[PUNCH_MAX_PAIRS];
	uint8_t buf[PROBE_PING_LEN];
	uint64_t now = session_now_ms(s);
	enum path_outcome o;
	unsigned i, n;
	size_t len;

	n = punch_on_timer(pu, now, pings, PUNCH_MAX_PAIRS);
	for (i = 0; i < n; i++) {
		const struct cand_pair *pair = &pu->pairs[pings[i].pair].pair;

		if (pair->remote_type == CAND_TYPE_RELAY && !fallback_due(p, LINK_TURN, now))
			continue;
		/* Over budget: not sent, as if lost (budget.h counts why). */
		if (via_find(s, &pair->remote) == NULL &&
		    budget_take(&s->budget, &pair->remote, peer_heard(p), now) != BUDGET_OK)
			continue;
		len = probe_build_ping(buf, sizeof(buf), s->keys.probe, p->pair_key, s->wg_pub, p->rec.wg,
		    session_probe_ts(s), pings[i].txid);
		if (len > 0)
			(void)net_send(s, &pair->remote, buf, len);
	}
	o = check_done(p);
	rearm(p);
	return o;
}

/* The peer's record candidates as pairs; direct_only leaves its relay candidates out. */
static unsigned
build_pairs(struct peer *p, const struct endpoint *extra, int direct_only,
    struct cand_pair *pairs)
{
	struct cand_entry remote[RECORD_MAX_CANDIDATES + 1];
	unsigned i, n = 0;

	/* The address its pings come from is proven to reach us: try it first. */
	if (extra != NULL) {
		remote[n].type = CAND_TYPE_SRFLX;
		remote[n++].ep = *extra;
	}
	for (i = 0; i < p->rec.ncand; i++) {
		if (direct_only && p->rec.cand[i].kind == CAND_RELAY)
			continue;
		remote[n].type = (enum cand_type)p->rec.cand[i].kind;
		cand_to_endpoint(&p->rec.cand[i], &remote[n].ep);
		/* Loopback, link-local, a private network not ours: not from a record. */
		if (!cands_remote_ok(p->s, &remote[n].ep))
			continue;
		n++;
	}
	return cand_pairs_build(remote, n, net_families(p->s), pairs, CAND_PAIRS_MAX);
}

/*
 * The relayed path stays in use; only the peer's direct candidates are
 * pinged. A pong selects the pair and peer.c moves WireGuard onto it
 * ("better"); no answer changes nothing.
 */
void
path_reprobe(struct peer *p)
{
	struct cand_pair pairs[CAND_PAIRS_MAX];
	unsigned npairs;

	if (path_running(p) || (npairs = build_pairs(p, NULL, 1, pairs)) == 0)
		return;
	punch_start(&p->punching.punch, pairs, npairs, session_now_ms(p->s));
	p->punching.select = SELECT_UPGRADE;
	p->punching.nrecord = p->punching.punch.n;
	rearm(p);
}

int
path_add(struct peer *p, const struct endpoint *ep)
{
	struct cand_pair pair;

	memset(&pair, 0, sizeof(pair));
	pair.remote_type = CAND_TYPE_SRFLX;
	pair.remote = *ep;
	if (!path_running(p)) {
		punch_start(&p->punching.punch, &pair, 1, session_now_ms(p->s));
		p->punching.select = p->state == PEER_UP ? SELECT_UPGRADE : SELECT_FIRST;
		p->punching.nrecord = 0;
	} else if (punch_add(&p->punching.punch, &pair, session_now_ms(p->s)) < 0) {
		return -1;
	}
	rearm(p);
	return 0;
}

enum path_outcome
path_start(struct peer *p, const struct endpoint *extra)
{
	struct punch *pu = &p->punching.punch;
	struct cand_pair pairs[CAND_PAIRS_MAX], added[PUNCH_MAX_PAIRS];
	unsigned npairs = build_pairs(p, extra, 0, pairs), nadded = 0, i;

	/* Pairs found another way (port prediction) outlive a restart from a newer record. */
	for (i = p->punching.nrecord; pu->running && i < pu->n; i++)
		if (pu->pairs[i].state != PUNCH_PAIR_FAILED)
			added[nadded++] = pu->pairs[i].pair;
	punch_start(pu, pairs, npairs, session_now_ms(p->s));
	p->punching.nrecord = pu->n;
	for (i = 0; i < nadded; i++)
		(void)punch_add(pu, &added[i], session_now_ms(p->s));
	npairs = pu->n;
	p->punching.select = SELECT_FIRST;
	p->punching.theirs = extra != NULL ? THEIRS_HEARD : THEIRS_UNHEARD;
	if (npairs == 0) {
		punch_stop(&p->punching.punch);
		return PATH_FAILED;
	}
	rearm(p);
	return PATH_NONE;
}

void
path_stop(struct peer *p)
{
	punch_stop(&p->punching.punch);
	timer_stop(p->punch_timer);
}

int
path_running(const struct peer *p)
{
	return punch_active(&p->punching.punch);
}

enum path_outcome
path_on_pong(struct peer *p, const struct probe_msg *m, const struct endpoint *from)
{
	struct session *s = p->s;
	enum path_outcome o = PATH_NONE, done;
	/*
	 * Where the peer saw us is our data socket's mapping, unless the pong
	 * came through a link (a relay, or port prediction's extra socket,
	 * whose mapping is good for this one peer alone): learnt only then.
	 */
	int learn = via_find(s, from) == NULL;

	switch (punch_on_pong(&p->punching.punch, m->txid, from, &m->observed,
	    session_now_ms(s))) {
	case PUNCH_PONG_UNKNOWN:
		s->drops[SDROP_PONG_TXID]++;
		return PATH_NONE;
	case PUNCH_PONG_DUPLICATE:
		return PATH_NONE;
	case PUNCH_PONG_WORKING:
		if (learn)
			cands_observed(s, from, &m->observed);
		break;
	case PUNCH_PONG_SELECTED:
		if (learn)
			cands_observed(s, from, &m->observed);
		o = PATH_SELECTED;
		break;
	}
	done = check_done(p);
	rearm(p);
	return o != PATH_NONE ? o : done;
}

void
path_on_peer_ping(struct peer *p, const struct endpoint *from)
{
	if (punch_on_peer_ping(&p->punching.punch, from, session_now_ms(p->s)))
		rearm(p);
}

/* RFC 1918, RFC 6598 shared space, loopback, IPv6 ULA: not the Internet. */
static int
is_private(const struct endpoint *ep)
{
	const uint8_t *a = ep->addr;

	if (endpoint_is_loopback(ep))
		return 1;
	if (ep->family == ENDPOINT_V4)
		return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64);
	return ep->family == ENDPOINT_V6 && (a[0] & 0xfe) == 0xfc;
}

const char *
path_kind_name(const struct peer *p, const struct endpoint *ep, int ep_type)
{
	const struct via *v = via_find(p->s, ep);

	if (v != NULL)
		return v->link->ops->name;
	/* The peer's relay candidate: a TURN relayed address of its own. */
	if (ep_type == CAND_TYPE_RELAY)
		return LINK_NAME_TURN;
	/*
	 * "lan": the peer is reached at a private or loopback address, so both
	 * are on one network. A host candidate with a public address (a peer
	 * with no NAT) is a direct path like any other.
	 */
	return is_private(ep) ? LINK_NAME_LAN : LINK_NAME_DIRECT;
}

unsigned
path_cost(const struct peer *p, const struct endpoint *ep, int ep_type)
{
	const struct via *v = via_find(p->s, ep);

	if (v != NULL)
		return v->link->ops->cost;
	return ep_type == CAND_TYPE_RELAY ? LINK_COST_TURN : LINK_COST_DIRECT;
}

/* The peer published several mappings of one address: its NAT maps per destination. */
static int
peer_looks_symmetric(const struct peer *p)
{
	unsigned i, j;

	for (i = 0; i < p->rec.ncand; i++) {
		const struct cand *a = &p->rec.cand[i];

		for (j = i + 1; j < p->rec.ncand; j++) {
			const struct cand *b = &p->rec.cand[j];

			if (a->kind == CAND_SRFLX && b->kind == CAND_SRFLX && a->family == b->family &&
			    memcmp(a->addr, b->addr, 16) == 0 && a->port != b->port)
				return 1;
		}
	}
	return 0;
}

const char *
path_failure_hint(const struct peer *p)
{
	int us = stun_servers_symmetric(p->s), them = peer_looks_symmetric(p);

	if (p->rec.ncand == 0)
		return "the peer published no address it can be reached at";
	if (p->punching.punch.n == 0)
		return "no address family in common (one side has only IPv4, the other only IPv6)";
	if (us && them)
		return "both sides appear to be behind symmetric NATs; a relay would help";
	if (us)
		return "this side appears to be behind a symmetric NAT; a relay would help";
	if (them)
		return "the peer appears to be behind a symmetric NAT; a relay would help";
	return "no UDP path: a firewall may block UDP, or the NATs do not allow hole punching; "
	    "a relay would help";
}
