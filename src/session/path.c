/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * path.c — finding a path to one peer: authenticated pings to every pair
 * (our socket of a family, one of the peer's candidates of that family) on
 * the schedule of tunnel/nat/punch.h, one libevent timer per peer armed at
 * punch_next_deadline(). The pong's "observed" field is our address as the
 * peer saw it: a peer-reflexive candidate of ours. The selected pair becomes
 * the WireGuard endpoint (peer.c); a better one found later replaces it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "src/session/session_impl.h"

void
path_cand_endpoint(const struct cand *c, struct endpoint *ep)
{
	if (endpoint_set(ep, c->family, c->addr, c->port) != 0)
		memset(ep, 0, sizeof(*ep));
}

static void
rearm(struct peer *p)
{
	if (p->punch_timer != NULL)
		session_timer_at(p->punch_timer, punch_next_deadline(&p->punch));
}

/* All pairs answered or failed: stop, and say so if none worked. */
static void
check_done(struct peer *p)
{
	if (!p->punch.running || punch_active(&p->punch))
		return;
	punch_stop(&p->punch);
	if (punch_selected(&p->punch) == NULL)
		peer_path_failed(p);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	struct session *s = p->s;
	struct punch_ping pings[PUNCH_MAX_PAIRS];
	uint8_t buf[PROBE_PING_LEN];
	unsigned i, n;
	size_t len;

	(void)fd;
	(void)what;
	n = punch_on_timer(&p->punch, session_mono_ms(), pings, PUNCH_MAX_PAIRS);
	for (i = 0; i < n; i++) {
		/* Relays last: a direct pair that works is found before a relay pair is tried. */
		if (p->punch.pairs[pings[i].pair].pair.remote_type == CAND_TYPE_RELAY &&
		    session_mono_ms() < p->punch.start_ms + PATH_RELAY_DELAY_MS)
			continue;
		len = probe_build_ping(buf, sizeof(buf), s->keys.probe, s->wg_pub, p->rec.wg,
		    pings[i].txid);
		if (len > 0)
			(void)session_send(s, &p->punch.pairs[pings[i].pair].pair.remote, buf, len);
	}
	check_done(p);
	rearm(p);
}

int
path_is_relayed(const struct peer *p)
{
	return p->ep_type == CAND_TYPE_RELAY || session_via_kind(p->s, &p->ep) != VIA_NONE;
}

/*
 * The relayed path stays up (state PEER_UP); only the peer's direct
 * candidates are pinged. A pong selects the pair and peer_path_selected()
 * moves WireGuard onto it ("better"); no answer changes nothing.
 */
void
path_reprobe(struct peer *p)
{
	struct cand_entry remote[RECORD_MAX_CANDIDATES];
	struct cand_pair pairs[CAND_PAIRS_MAX];
	struct session *s = p->s;
	unsigned i, n = 0, npairs, families = 0;

	p->reprobe_ms = session_mono_ms();
	if (path_running(p) ||
	    (p->punch_timer == NULL && (p->punch_timer = evtimer_new(s->base, on_timer, p)) == NULL))
		return;
	for (i = 0; i < p->rec.ncand; i++) {
		if (p->rec.cand[i].kind == CAND_RELAY)
			continue;
		remote[n].type = (enum cand_type)p->rec.cand[i].kind;
		path_cand_endpoint(&p->rec.cand[i], &remote[n].ep);
		n++;
	}
	if (s->sock.fd[SOCK_V4] >= 0)
		families |= CAND_GATHER_V4;
	if (s->sock.fd[SOCK_V6] >= 0)
		families |= CAND_GATHER_V6;
	if ((npairs = cand_pairs_build(remote, n, families, pairs, CAND_PAIRS_MAX)) == 0)
		return;
	punch_start(&p->punch, pairs, npairs, p->reprobe_ms);
	p->punch_had_selection = 1;	/* a selection now is an upgrade, not the first path */
	rearm(p);
}

void
path_start(struct peer *p, const struct endpoint *extra)
{
	struct cand_entry remote[RECORD_MAX_CANDIDATES + 1];
	struct cand_pair pairs[CAND_PAIRS_MAX];
	struct session *s = p->s;
	struct ui_event ev;
	unsigned i, n = 0, npairs, families = 0;

	if (p->punch_timer == NULL &&
	    (p->punch_timer = evtimer_new(s->base, on_timer, p)) == NULL)
		return;
	/* Our TURN allocations let the peer's addresses in (before it pings our relay candidate). */
	session_turn_permit(s, &p->rec);
	/* The address its pings come from is proven to reach us: try it first. */
	if (extra != NULL) {
		remote[n].type = CAND_TYPE_SRFLX;
		remote[n++].ep = *extra;
	}
	for (i = 0; i < p->rec.ncand; i++) {
		remote[n].type = (enum cand_type)p->rec.cand[i].kind;
		path_cand_endpoint(&p->rec.cand[i], &remote[n].ep);
		n++;
	}
	if (s->sock.fd[SOCK_V4] >= 0)
		families |= CAND_GATHER_V4;
	if (s->sock.fd[SOCK_V6] >= 0)
		families |= CAND_GATHER_V6;
	npairs = cand_pairs_build(remote, n, families, pairs, CAND_PAIRS_MAX);
	punch_start(&p->punch, pairs, npairs, session_mono_ms());
	p->punch_had_selection = 0;
	p->peer_pinged = extra != NULL;
	p->state = PEER_PUNCHING;
	/* On the DHT path punching is retried every 30 s: not news each time. */
	if (!p->dht) {
		peer_ui(p, &ev, UI_EV_PEER_PUNCHING);
		ev.count = npairs;
		session_emit(s, &ev);
	}
	if (npairs == 0) {
		punch_stop(&p->punch);
		peer_path_failed(p);
		return;
	}
	rearm(p);
}

void
path_stop(struct peer *p)
{
	punch_stop(&p->punch);
	if (p->punch_timer != NULL)
		event_del(p->punch_timer);
}

int
path_running(const struct peer *p)
{
	return punch_active(&p->punch);
}

void
path_on_pong(struct peer *p, const struct probe_msg *m, const struct endpoint *from)
{
	struct session *s = p->s;

	switch (punch_on_pong(&p->punch, m->txid, from, &m->observed, session_mono_ms())) {
	case PUNCH_PONG_UNKNOWN:
		s->drops[SDROP_PONG_TXID]++;
		return;
	case PUNCH_PONG_DUPLICATE:
		return;
	case PUNCH_PONG_WORKING:
		session_cand_learnt(s, CAND_TYPE_SRFLX, &m->observed);
		break;
	case PUNCH_PONG_SELECTED:
		session_cand_learnt(s, CAND_TYPE_SRFLX, &m->observed);
		peer_path_selected(p);
		break;
	}
	check_done(p);
	rearm(p);
}

void
path_on_peer_ping(struct peer *p, const struct endpoint *from)
{
	if (punch_on_peer_ping(&p->punch, from, session_mono_ms()))
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
path_kind(const struct peer *p)
{
	/* Our TURN allocation or the peer's relay candidate (a TURN relayed address). */
	switch (session_via_kind(p->s, &p->ep)) {
	case VIA_TURN:
		return "turn";
	case VIA_RELAY:
		return "relay";
	case VIA_NONE:
		break;
	}
	if (p->ep_type == CAND_TYPE_RELAY)
		return "turn";
	/*
	 * "lan": the peer is reached at a private or loopback address, so both
	 * are on one network. A host candidate with a public address (a peer
	 * with no NAT) is a direct path like any other.
	 */
	if (is_private(&p->ep))
		return "lan";
	return "direct";
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
	int us = session_stun_symmetric(p->s), them = peer_looks_symmetric(p);

	if (p->rec.ncand == 0)
		return "the peer published no address it can be reached at";
	if (p->punch.n == 0)
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
