/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fallback.c — the fallback policy (fallback.h). Each peer has one timer:
 * poked when its state changes, armed at the next step's time otherwise;
 * nothing here polls. The kinds are sought through links_seek() only.
 */
#include "config.h"

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/fallback.h"
#include "src/session/peer.h"
#include "src/session/stun_servers.h"
#include "tunnel/nat/natclass.h"

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Punching without a selected pair for this long. */
static int
punching_without_pair(const struct peer *p, uint64_t after_ms, uint64_t now)
{
	return p->state == PEER_PUNCHING && punch_selected(&p->punching.punch) == NULL &&
	    now >= p->punching.punch.start_ms + after_ms;
}

/* A global unicast IPv6 address (2000::/3): no NAT, a stateful firewall at most. */
static int
global_v6(const struct cand *c)
{
	return c->family == 6 && (c->addr[0] & 0xe0) == 0x20;
}

/* One side of the pair, from candidates (ours or the record's) and a class. */
static void
side(struct nat_side *sd, enum nat_class cls, const struct cand *c, unsigned n)
{
	unsigned i;

	sd->cls = cls;
	sd->mapped = sd->v6 = 0;
	for (i = 0; i < n; i++) {
		if (c[i].kind == CAND_MAPPED)
			sd->mapped = 1;
		if (global_v6(&c[i]))
			sd->v6 = 1;
	}
}

int
fallback_strategy(const struct peer *p)
{
	struct cand ours[RECORD_MAX_CANDIDATES];
	struct nat_side us, them;
	unsigned n;

	n = cands_record(p->s, ours);
	side(&us, stun_servers_nat(p->s, ENDPOINT_V4)->cls, ours, n);
	side(&them, nat_class_from_wire(p->rec.nat.cls), p->rec.cand, p->rec.ncand);
	return (int)nat_pair_strategy(&us, &them);
}

/* Punching alone is not expected to work for this pair. */
static int
hard_pair(const struct peer *p)
{
	return fallback_strategy(p) != NAT_STRATEGY_PUNCH;
}

const char *
fallback_peer_nat(const struct peer *p)
{
	return nat_class_name(nat_class_from_wire(p->rec.nat.cls));
}

const char *
fallback_strategy_name(const struct peer *p)
{
	if (p->fb.frames != NULL && p->state != PEER_UP && p->state != PEER_HANDSHAKE)
		return "fallback";
	if (p->state == PEER_UP || p->state == PEER_HANDSHAKE) {
		const char *by = links_strategy(p->s, p);

		if (by != NULL)
			return by;
		if (peer_relayed(p) || p->path.ep_type == CAND_TYPE_RELAY)
			return "fallback";
		if (p->path.ep_type == CAND_TYPE_MAPPED)
			return "portmap";
		if (p->path.ep.family == ENDPOINT_V6)
			return "ipv6";
		return "punch";
	}
	return nat_strategy_name((enum nat_strategy)fallback_strategy(p));
}

int
fallback_due(const struct peer *p, enum link_kind kind, uint64_t now)
{
	switch (kind) {
	case LINK_DIRECT:
		return 1;
	case LINK_RELAY:
		return p->state == PEER_FAILED ||
		    punching_without_pair(p, hard_pair(p) ? 0 : FALLBACK_RELAY_MS, now);
	case LINK_TURN:
		return now >= p->punching.punch.start_ms + (hard_pair(p) ? 0 : FALLBACK_TURN_MS);
	case LINK_DHT:
		return p->state == PEER_FAILED ||
		    (hard_pair(p) && punching_without_pair(p, FALLBACK_HARD_DHT_MS, now));
	case LINK_PREDICT:
		/* Until a path of direct cost is up; the link keeps each pair's back-off. */
		return fallback_strategy(p) == NAT_STRATEGY_PREDICT &&
		    (p->state == PEER_PUNCHING || p->state == PEER_FAILED || peer_relayed(p));
	case LINK__COUNT:
		break;
	}
	return 0;
}

/* base << n, at most max: the back-off for a peer never heard from. */
static uint64_t
backoff(const struct peer *p, uint64_t base, unsigned n, uint64_t max)
{
	if (peer_heard(p))
		return base;
	while (n-- > 0 && base < max)
		base *= 2;
	return base < max ? base : max;
}

/* Ask for a relay now and then while one is wanted; returns when to look again. */
static uint64_t
ask_relay(struct peer *p, uint64_t now)
{
	uint64_t every = backoff(p, FALLBACK_RELAY_REPEAT_MS, p->fb.relay_asks,
	    FALLBACK_RELAY_BACKOFF_MAX_MS);

	if (p->fb.relay_asked_ms == 0 || now >= p->fb.relay_asked_ms + every) {
		p->fb.relay_asked_ms = now;
		p->fb.relay_asks++;
		links_seek(p->s, LINK_RELAY, p);
		every = backoff(p, FALLBACK_RELAY_REPEAT_MS, p->fb.relay_asks,
		    FALLBACK_RELAY_BACKOFF_MAX_MS);
	}
	return p->fb.relay_asked_ms + every;
}

static void
on_timer(void *arg)
{
	struct peer *p = arg;
	struct session *s = p->s;
	uint64_t now = session_now_ms(s), next = UINT64_MAX;

	switch (p->state) {
	case PEER_UP:
		/* Up through a relay or TURN: look for a direct pair now and then. */
		if (!peer_relayed(p))
			break;
		if (now >= p->fb.reprobe_ms + FALLBACK_RETRY_MS) {
			p->fb.reprobe_ms = now;
			links_seek(s, LINK_DIRECT, p);
			if (fallback_due(p, LINK_PREDICT, now))
				links_seek(s, LINK_PREDICT, p);
		}
		next = p->fb.reprobe_ms + FALLBACK_RETRY_MS;
		break;
	case PEER_PUNCHING:
		if (punch_selected(&p->punching.punch) != NULL)
			break;
		if (fallback_due(p, LINK_PREDICT, now))
			links_seek(s, LINK_PREDICT, p);
		if (fallback_due(p, LINK_RELAY, now))
			next = ask_relay(p, now);
		else
			next = p->punching.punch.start_ms + FALLBACK_RELAY_MS;
		if (hard_pair(p) && p->fb.frames == NULL) {
			if (fallback_due(p, LINK_DHT, now)) {
				links_seek(s, LINK_DHT, p);
				if (p->state != PEER_PUNCHING || p->fb.frames != NULL) {
					fallback_update(p);	/* the state moved on */
					return;
				}
			} else {
				next = min_u64(next, p->punching.punch.start_ms + FALLBACK_HARD_DHT_MS);
			}
		}
		/* Our class may still be coming: a pair that turns out hard must not wait. */
		if (stun_servers_pending(s) && now < p->punching.punch.start_ms + FALLBACK_RELAY_MS)
			next = min_u64(next, now + FALLBACK_CLASS_RECHECK_MS);
		break;
	case PEER_FAILED:
		if (fallback_due(p, LINK_PREDICT, now))
			links_seek(s, LINK_PREDICT, p);
		if (p->fb.frames == NULL)
			links_seek(s, LINK_DHT, p);
		next = ask_relay(p, now);
		if (p->fb.frames != NULL) {
			/* On the DHT path: punch again now and then; a path may work again. */
			uint64_t every = backoff(p, FALLBACK_RETRY_MS, p->fb.retries,
			    FALLBACK_RETRY_BACKOFF_MAX_MS);

			if (now >= p->fb.frames_ms + every) {
				p->fb.frames_ms = now;
				p->fb.retries++;
				links_seek(s, LINK_DIRECT, p);
				fallback_update(p);	/* the state moved on */
				return;
			}
			next = min_u64(next, p->fb.frames_ms + every);
		}
		break;
	case PEER_NEW:
	case PEER_HANDSHAKE:
	case PEER_LEFT:
		break;
	}
	timer_at(p->fb.timer, next);
}

int
fallback_new(struct peer *p)
{
	return (p->fb.timer = timer_new(p->s->timers, on_timer, p)) != NULL ? 0 : -1;
}

void
fallback_free(struct peer *p)
{
	timer_free(p->fb.timer);
	p->fb.timer = NULL;
}

void
fallback_update(struct peer *p)
{
	session_poke(p->fb.timer);
}
