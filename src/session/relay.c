/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * relay.c — peer relay (doc/PROTOCOL.md "Peer relay"): a room member with a
 * direct path to two others forwards their WireGuard messages, which stay
 * end-to-end encrypted between the two.
 *
 * Finding a relay: every RELAY_TICK_MS, for each peer P without a path
 * (FAILED, or PUNCHING for RELAY_SEEK_AFTER_MS with nothing selected), we
 * send a query "can you reach P?" to every peer that is up over a direct
 * path. A peer R that is up with P over a direct path, and relays at all
 * (no --no-relay), answers with an offer. The first offer for P wins: P's
 * WireGuard endpoint becomes the synthetic "via R, to P" endpoint
 * (session_via.c) and we initiate a handshake; P receives it from R, its
 * WireGuard roams our endpoint to "via R, to us", and its answers go back
 * the same way. Punching towards P goes on (restarted by path-down, a new
 * record, P's pings), and a direct pair that works replaces the relay.
 *
 * Forwarding: R forwards a data message only when its source is a peer up
 * over a direct path whose endpoint is the datagram's source, and its
 * destination is a peer up over a direct path; per (source, destination)
 * pair a token bucket limits packets and bytes a second. Everything else is
 * dropped and counted by name (relay_report, at exit with --batch or -v).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "tunnel/nat/relay_msg.h"
#include "src/session/session_impl.h"
#include "tunnel/wg/wg.h"

enum {
	RELAY_TICK_MS = 2000,
	RELAY_SEEK_AFTER_MS = 8000,	/* punching this long without a pair: ask too */
	RELAY_PAIRS_MAX = 64,		/* rate-limited (source, destination) pairs */
	RELAY_RATE_PPS = 200,		/* per pair; GONET_RELAY_RATE overrides (tests) */
	RELAY_RATE_BPS = 256 * 1024,
	RELAY_BURST_S = 2		/* bucket depth: this many seconds of rate */
};

enum relay_drop {
	RDROP_PARSE,			/* relay_parse rejected it (reject[] says why) */
	RDROP_DISABLED,			/* --no-relay: we forward nothing */
	RDROP_SOURCE,			/* source not a peer up over a direct path from this address */
	RDROP_DEST,			/* destination not a peer up over a direct path */
	RDROP_RATE,			/* over the pair's packet or byte rate */
	RDROP_PAYLOAD,			/* to us, but not a WireGuard message */
	RDROP_UNKNOWN,			/* to us, from no peer we know */
	RDROP_SEND,			/* could not send */
	RDROP__COUNT
};

static const char *const drop_names[RDROP__COUNT] = {
	[RDROP_PARSE] = "invalid",
	[RDROP_DISABLED] = "disabled",
	[RDROP_SOURCE] = "source",
	[RDROP_DEST] = "destination",
	[RDROP_RATE] = "rate",
	[RDROP_PAYLOAD] = "payload",
	[RDROP_UNKNOWN] = "unknown",
	[RDROP_SEND] = "send"
};

struct relay_bucket {
	uint8_t src[32], dst[32];
	double pkts, bytes;		/* tokens */
	uint64_t last_ms;
};

struct relay {
	struct session *s;
	struct event *tick;
	double rate_pps, rate_bps;
	struct relay_bucket buckets[RELAY_PAIRS_MAX];
	uint64_t forwarded, forwarded_bytes, delivered, queries, offers;
	uint64_t reject[RELAY_REJECT__COUNT];
	uint64_t drops[RDROP__COUNT];
	uint8_t buf[RELAY_DATA_MAX];
};

/* Up over a path of its own (not through a relay or our TURN). */
static int
direct_up(const struct peer *p)
{
	return p != NULL && p->state == PEER_UP && p->ep.family != ENDPOINT_NONE &&
	    session_via_kind(p->s, &p->ep) == VIA_NONE;
}

static struct relay_bucket *
bucket(struct relay *r, const uint8_t src[32], const uint8_t dst[32], uint64_t now)
{
	struct relay_bucket *b, *old = NULL;
	unsigned i;

	for (i = 0; i < RELAY_PAIRS_MAX; i++) {
		b = &r->buckets[i];
		if (memcmp(b->src, src, 32) == 0 && memcmp(b->dst, dst, 32) == 0)
			return b;
		if (old == NULL || b->last_ms < old->last_ms)
			old = b;
	}
	/* A new pair takes the longest idle slot, with a full bucket. */
	b = old;
	memcpy(b->src, src, 32);
	memcpy(b->dst, dst, 32);
	b->pkts = r->rate_pps * RELAY_BURST_S;
	b->bytes = r->rate_bps * RELAY_BURST_S;
	b->last_ms = now;
	return b;
}

/* 1 when the pair may send len bytes now (tokens taken), 0 when over its rate. */
static int
rate_ok(struct relay *r, const uint8_t src[32], const uint8_t dst[32], size_t len)
{
	uint64_t now = session_mono_ms();
	struct relay_bucket *b = bucket(r, src, dst, now);
	double dt = (double)(now - b->last_ms) / 1000.0;

	b->last_ms = now;
	b->pkts += dt * r->rate_pps;
	b->bytes += dt * r->rate_bps;
	if (b->pkts > r->rate_pps * RELAY_BURST_S)
		b->pkts = r->rate_pps * RELAY_BURST_S;
	if (b->bytes > r->rate_bps * RELAY_BURST_S)
		b->bytes = r->rate_bps * RELAY_BURST_S;
	if (b->pkts < 1.0 || b->bytes < (double)len)
		return 0;
	b->pkts -= 1.0;
	b->bytes -= (double)len;
	return 1;
}

static void
send_ctl(struct session *s, const struct peer *to, const uint8_t target[32], enum relay_op op,
    const uint8_t txid[RELAY_TXID_LEN])
{
	uint8_t out[RELAY_CTL_LEN];
	struct relay_msg m;

	memset(&m, 0, sizeof(m));
	memcpy(m.src, s->wg_pub, 32);
	memcpy(m.dst, to->rec.wg, 32);
	memcpy(m.target, target, 32);
	m.op = (uint8_t)op;
	memcpy(m.txid, txid, RELAY_TXID_LEN);
	if (relay_build_ctl(out, sizeof(out), s->keys.probe, &m) > 0)
		(void)session_send(s, &to->ep, out, RELAY_CTL_LEN);
}

static int
wants_relay(const struct peer *p, uint64_t now)
{
	if (p->state == PEER_FAILED)
		return 1;
	return p->state == PEER_PUNCHING && punch_selected(&p->punch) == NULL &&
	    now >= p->punch.start_ms + RELAY_SEEK_AFTER_MS;
}

void
relay_seek(struct peer *p)
{
	struct session *s = p->s;
	uint8_t txid[RELAY_TXID_LEN];
	struct peer *r;

	randombytes_buf(txid, sizeof(txid));
	for (r = s->peers; r != NULL; r = r->next) {
		if (r == p || !direct_up(r))
			continue;
		send_ctl(s, r, p->rec.wg, RELAY_OP_QUERY, txid);
		s->relay->queries++;
	}
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	uint64_t now = session_mono_ms();
	struct peer *p;

	(void)fd;
	(void)what;
	for (p = r->s->peers; p != NULL; p = p->next)
		if (wants_relay(p, now))
			relay_seek(p);
	session_timer_at(r->tick, now + RELAY_TICK_MS);
}

/* An offer from relay rp for target p: use it unless p has a path already. */
static void
use_relay(struct session *s, struct peer *rp, struct peer *p)
{
	struct sockaddr_storage ss;
	struct endpoint via;
	socklen_t len;

	if (!wants_relay(p, session_mono_ms()) || !direct_up(rp))
		return;
	if (session_via_get(s, VIA_RELAY, 0, &rp->ep, p->rec.wg, &via) != 0 ||
	    (len = endpoint_to_sockaddr(&via, &ss)) == 0)
		return;
	if (s->cfg->verbose >= 1)
		session_info(s, "relay", "%s offers to relay to %s", rp->fp, p->fp);
	/* Punching goes on, if it runs: a direct pair that works replaces the relay. */
	wg_peer_set_endpoint(p->wg, (struct sockaddr *)&ss, len);
	p->ep = via;
	p->ep_type = -1;
	p->rtt_ms = -1;
	p->state = PEER_HANDSHAKE;
	p->selected_ms = session_mono_ms();
	p->fallback_done = 1;
	(void)wg_peer_initiate(p->wg);
	peer_rearm(p);
}

static void
ctl_input(struct session *s, const struct relay_msg *m, const struct endpoint *from)
{
	struct peer *sender = peer_find_wg(s, m->src), *target = peer_find_wg(s, m->target);

	/* Control comes only over a direct path from a peer that is up. */
	if (!direct_up(sender) || !endpoint_equal(&sender->ep, from)) {
		s->relay->drops[RDROP_SOURCE]++;
		return;
	}
	switch ((enum relay_op)m->op) {
	case RELAY_OP_QUERY:
		if (s->cfg->no_relay || !direct_up(target)) {
			send_ctl(s, sender, m->target, RELAY_OP_REFUSE, m->txid);
			return;
		}
		send_ctl(s, sender, m->target, RELAY_OP_OFFER, m->txid);
		s->relay->offers++;
		break;
	case RELAY_OP_OFFER:
		if (target != NULL)
			use_relay(s, sender, target);
		break;
	case RELAY_OP_REFUSE:
		break;
	}
}

static void
data_input(struct session *s, const struct relay_msg *m, const uint8_t *buf, size_t len,
    const struct endpoint *from)
{
	struct relay *r = s->relay;
	struct peer *src, *dst;
	struct endpoint via;

	if (sodium_memcmp(m->dst, s->wg_pub, 32) == 0) {
		/* For us: a WireGuard message that went through the relay at "from". */
		if (m->len < 4 || m->payload[0] < 1 || m->payload[0] > 4) {
			r->drops[RDROP_PAYLOAD]++;
			return;
		}
		if (peer_find_wg(s, m->src) == NULL) {
			r->drops[RDROP_UNKNOWN]++;
			return;
		}
		if (session_via_get(s, VIA_RELAY, 0, from, m->src, &via) != 0)
			return;
		memcpy(r->buf, m->payload, m->len);
		r->delivered++;
		session_net_inner(s, r->buf, m->len, &via);
		return;
	}
	if (s->cfg->no_relay) {
		r->drops[RDROP_DISABLED]++;
		return;
	}
	src = peer_find_wg(s, m->src);
	if (!direct_up(src) || !endpoint_equal(&src->ep, from)) {
		r->drops[RDROP_SOURCE]++;
		return;
	}
	dst = peer_find_wg(s, m->dst);
	if (!direct_up(dst)) {
		r->drops[RDROP_DEST]++;
		return;
	}
	if (!rate_ok(r, m->src, m->dst, len)) {
		r->drops[RDROP_RATE]++;
		return;
	}
	if (session_send(s, &dst->ep, buf, len) != 0) {
		r->drops[RDROP_SEND]++;
		return;
	}
	r->forwarded++;
	r->forwarded_bytes += len;
}

void
relay_input(struct session *s, uint8_t *buf, size_t len, const struct endpoint *from)
{
	struct relay_msg m;
	enum relay_reject rj;

	if (s->relay == NULL)
		return;
	if ((rj = relay_parse(buf, len, s->keys.probe, s->wg_pub, &m)) != RELAY_OK) {
		s->relay->reject[rj]++;
		s->relay->drops[RDROP_PARSE]++;
		return;
	}
	/* Relay messages only travel direct: never through a relay or TURN. */
	if (session_via_kind(s, from) != VIA_NONE) {
		s->relay->drops[RDROP_SOURCE]++;
		return;
	}
	if (m.type == RELAY_TYPE_CTL)
		ctl_input(s, &m, from);
	else
		data_input(s, &m, buf, len, from);
}

int
relay_send(struct session *s, const struct endpoint *r, const uint8_t target[32],
    const uint8_t *buf, size_t len)
{
	uint8_t out[RELAY_DATA_MAX];
	size_t n;

	if ((n = relay_build_data(out, sizeof(out), s->keys.probe, s->wg_pub, target, buf, len)) == 0)
		return -EMSGSIZE;
	return session_send(s, r, out, n);
}

void
relay_peer_gone(struct peer *gone)
{
	struct session *s = gone->s;
	const struct session_via *v;
	struct endpoint rep = gone->ep;
	struct peer *p, *next;

	if (rep.family == ENDPOINT_NONE || session_via_kind(s, &rep) != VIA_NONE)
		return;
	for (p = s->peers; p != NULL; p = next) {
		next = p->next;
		if (p == gone || (v = session_via_find(s, &p->ep)) == NULL || v->kind != VIA_RELAY ||
		    !endpoint_equal(&v->remote, &rep))
			continue;
		peer_path_lost(p, "relay", "the peer relaying for it left");
	}
	session_via_drop_relay(s, &rep);
}

const struct peer *
relay_via_peer(const struct peer *p)
{
	const struct session_via *v = session_via_find(p->s, &p->ep);
	const struct peer *r;

	if (v == NULL || v->kind != VIA_RELAY)
		return NULL;
	for (r = p->s->peers; r != NULL; r = r->next)
		if (r != p && endpoint_equal(&r->ep, &v->remote))
			return r;
	return NULL;
}

int
relay_start(struct session *s)
{
	struct relay *r;
	const char *env;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->s = s;
	r->rate_pps = RELAY_RATE_PPS;
	r->rate_bps = RELAY_RATE_BPS;
	if ((env = getenv("GONET_RELAY_RATE")) != NULL && atoi(env) > 0)
		r->rate_pps = atoi(env);
	if ((r->tick = evtimer_new(s->base, on_tick, r)) == NULL) {
		free(r);
		return -1;
	}
	s->relay = r;
	session_timer_at(r->tick, session_mono_ms() + RELAY_TICK_MS);
	return 0;
}

void
relay_stop(struct session *s)
{
	if (s->relay == NULL)
		return;
	if (s->relay->tick != NULL)
		event_free(s->relay->tick);
	free(s->relay);
	s->relay = NULL;
}

void
relay_report(struct session *s)
{
	struct relay *r = s->relay;
	char text[512];
	size_t pos = 0;
	int i;

	if (r == NULL || (!s->cfg->batch && s->cfg->verbose < 1))
		return;
	pos += (size_t)snprintf(text, sizeof(text),
	    "forwarded %llu (%llu bytes), delivered %llu, queries %llu, offers %llu",
	    (unsigned long long)r->forwarded, (unsigned long long)r->forwarded_bytes,
	    (unsigned long long)r->delivered, (unsigned long long)r->queries,
	    (unsigned long long)r->offers);
	for (i = 0; i < RDROP__COUNT && pos < sizeof(text); i++)
		if (r->drops[i] != 0)
			pos += (size_t)snprintf(text + pos, sizeof(text) - pos, ", %s %llu",
			    drop_names[i], (unsigned long long)r->drops[i]);
	for (i = 1; i < RELAY_REJECT__COUNT && pos < sizeof(text); i++)
		if (r->reject[i] != 0)
			pos += (size_t)snprintf(text + pos, sizeof(text) - pos, ", invalid-%s %llu",
			    relay_reject_name(i), (unsigned long long)r->reject[i]);
	session_info(s, "relay", "relay: %s", text);
}
