/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * relay.c — the peer relay path kind (doc/PROTOCOL.md "Peer relay"): a room
 * member with a direct path to two others forwards their WireGuard
 * messages, which stay end-to-end encrypted between the two.
 *
 * Finding a relay: when the fallback policy seeks it for a peer P (punching
 * without a pair for a while, or failed; fallback.h), we send a query "can
 * you reach P?" to every peer that is up over a direct path. A peer R that
 * is up with P over a direct path, and relays at all (no --no-relay),
 * answers with an offer. The first offer for P wins: P's WireGuard endpoint
 * becomes the synthetic "via R, to P" endpoint (via.h) and we initiate a
 * handshake; P receives it from R, its WireGuard roams our endpoint to "via
 * R, to us", and its answers go back the same way. Punching towards P goes
 * on, and a direct pair that works replaces the relay.
 *
 * Forwarding: R forwards a data message only when its source is a peer up
 * over a direct path whose endpoint is the datagram's source, and its
 * destination is a peer up over a direct path; per (source, destination)
 * pair a token bucket limits packets and bytes a second. Everything else is
 * dropped and counted by name (the report, at exit with --batch or -v).
 *
 * Receiving: every message is fresh once (fresh.h: a replay from any
 * address is dropped before it touches anything), and relayed data for us
 * is taken only from a member we reach directly (relay_at), so no stranger
 * can make us open a relay path (a via slot) or answer through one.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/session/core.h"
#include "src/session/fallback.h"
#include "src/session/input.h"
#include "src/session/link.h"
#include "src/session/net.h"
#include "src/session/peer.h"
#include "src/session/tell.h"
#include "tunnel/nat/relay_msg.h"
#include "tunnel/net/bucket.h"

enum {
	RELAY_PAIRS_MAX = 64,		/* rate-limited (source, destination) pairs */
	RELAY_RATE_PPS = 200,		/* per pair; GONET_RELAY_RATE overrides (tests) */
	RELAY_RATE_BPS = 256 * 1024,
	RELAY_BURST_S = 2		/* bucket depth: this many seconds of rate */
};

/* Every peer keeps its freshness window while it is one (fresh.h). */
_Static_assert((int)PEERS_MAX <= (int)FRESH_SENDERS, "a window per peer");

enum relay_drop {
	RDROP_PARSE,			/* relay_parse rejected it (reject[] says why) */
	RDROP_DISABLED,			/* --no-relay: we forward nothing */
	RDROP_SOURCE,			/* source not a peer up over a direct path from this address */
	RDROP_DEST,			/* destination not a peer up over a direct path */
	RDROP_RATE,			/* over the pair's packet or byte rate */
	RDROP_PAYLOAD,			/* to us, but not a WireGuard message */
	RDROP_UNKNOWN,			/* to us, from no peer we know */
	RDROP_RELAY,			/* to us, but not from a member we reach directly: no relay of ours */
	RDROP_PAIR,			/* to us, but its pairwise tag is wrong: not made by its source */
	RDROP_STALE,			/* ts too far from our clock (fresh.h) */
	RDROP_REPLAY,			/* ts seen before from that sender: a replay */
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
	[RDROP_RELAY] = "not-relay",
	[RDROP_PAIR] = "pair",
	[RDROP_STALE] = "stale",
	[RDROP_REPLAY] = "replay",
	[RDROP_SEND] = "send"
};

struct relay_bucket {
	uint8_t src[32], dst[32];
	struct bucket pkts, bytes;
	uint64_t last_ms;		/* last used */
};

struct relay {
	struct link *l;
	struct bucket_rate pkts, bytes;	/* per pair: RELAY_BURST_S seconds of rate */
	struct relay_bucket buckets[RELAY_PAIRS_MAX];
	uint64_t forwarded, forwarded_bytes, delivered, queries, offers;
	uint64_t reject[RELAY_REJECT__COUNT];
	uint64_t drops[RDROP__COUNT];
	uint8_t buf[RELAY_DATA_MAX];
};

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
	bucket_fill(&b->pkts, now);
	bucket_fill(&b->bytes, now);
	b->last_ms = now;
	return b;
}

/* 1 when the pair may send len bytes now (tokens taken), 0 when over its rate. */
static int
rate_ok(struct relay *r, const uint8_t src[32], const uint8_t dst[32], size_t len)
{
	uint64_t now = session_now_ms(r->l->s);
	struct relay_bucket *b = bucket(r, src, dst, now);

	b->last_ms = now;
	bucket_refill(&b->pkts, &r->pkts, now);
	bucket_refill(&b->bytes, &r->bytes, now);
	if (!bucket_has(&b->pkts, &r->pkts, 1) ||
	    !bucket_has(&b->bytes, &r->bytes, (uint32_t)len))
		return 0;
	bucket_spend(&b->pkts, 1);
	bucket_spend(&b->bytes, (uint32_t)len);
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
	m.ts = session_probe_ts(s);
	if (relay_build_ctl(out, sizeof(out), s->keys.probe, to->pair_key, &m, NULL) > 0)
		(void)net_send_wire(s, &to->path.ep, out, RELAY_CTL_LEN);
}

/* The policy sought a relay for p: ask every member that is up over a path of its own. */
static void
seek(struct link *l, struct peer *p)
{
	struct relay *r = l->priv;
	struct session *s = l->s;
	uint8_t txid[RELAY_TXID_LEN];
	struct peer *q;

	randombytes_buf(txid, sizeof(txid));
	for (q = s->peers; q != NULL; q = q->next) {
		if (q == p || !peer_up_direct(q))
			continue;
		send_ctl(s, q, p->rec.wg, RELAY_OP_QUERY, txid);
		r->queries++;
	}
}

/* An offer from relay rp for target p: use it unless p has a path already. */
static void
use_relay(struct link *l, struct peer *rp, struct peer *p)
{
	struct session *s = l->s;
	struct endpoint via;

	if (!fallback_due(p, LINK_RELAY, session_now_ms(s)) || !peer_up_direct(rp))
		return;
	if (via_get(s, l, &rp->path.ep, p->rec.wg, &via) != 0)
		return;
	if (s->cfg->verbose >= 1)
		session_info(s, "relay", "%s offers to relay to %s", rp->fp, p->fp);
	peer_use_via(p, &via);
}

static void
ctl_input(struct link *l, const struct relay_msg *m, const struct endpoint *from)
{
	struct relay *r = l->priv;
	struct session *s = l->s;
	struct peer *sender = peer_find_wg(s, m->src), *target = peer_find_wg(s, m->target);

	/* Control comes only over a direct path from a peer that is up. */
	if (!peer_up_direct(sender) || !endpoint_equal(&sender->path.ep, from)) {
		r->drops[RDROP_SOURCE]++;
		return;
	}
	switch ((enum relay_op)m->op) {
	case RELAY_OP_QUERY:
		if (s->cfg->no_relay || !peer_up_direct(target)) {
			send_ctl(s, sender, m->target, RELAY_OP_REFUSE, m->txid);
			return;
		}
		send_ctl(s, sender, m->target, RELAY_OP_OFFER, m->txid);
		r->offers++;
		break;
	case RELAY_OP_OFFER:
		if (target != NULL)
			use_relay(l, sender, target);
		break;
	case RELAY_OP_REFUSE:
		break;
	}
}

/*
 * The member relaying from "from": a peer up over a direct path whose
 * endpoint it is, other than the source itself. Only such a peer can be a
 * relay we agreed on (we asked it, or it forwards for a peer that asked
 * it), so relayed data from anywhere else opens no path (via) at all.
 */
static struct peer *
relay_at(struct session *s, const struct endpoint *from, const struct peer *src)
{
	struct peer *q;

	for (q = s->peers; q != NULL; q = q->next)
		if (q != src && peer_up_direct(q) && endpoint_equal(&q->path.ep, from))
			return q;
	return NULL;
}

static void
data_input(struct link *l, const struct relay_msg *m, const uint8_t *buf, size_t len,
    const struct endpoint *from)
{
	struct relay *r = l->priv;
	struct session *s = l->s;
	struct peer *src, *dst;
	struct endpoint via;

	if (sodium_memcmp(m->dst, s->wg_pub, 32) == 0) {
		/* For us: a WireGuard message that went through the relay at "from". */
		if (m->len < 4 || m->payload[0] < 1 || m->payload[0] > 4) {
			r->drops[RDROP_PAYLOAD]++;
			return;
		}
		if ((src = peer_find_wg(s, m->src)) == NULL) {
			r->drops[RDROP_UNKNOWN]++;
			return;
		}
		if (relay_at(s, from, src) == NULL) {
			r->drops[RDROP_RELAY]++;
			return;
		}
		if (via_get(s, l, from, m->src, &via) != 0)
			return;
		memcpy(r->buf, m->payload, m->len);
		r->delivered++;
		input_datagram(s, &via, r->buf, m->len);
		return;
	}
	if (s->cfg->no_relay) {
		r->drops[RDROP_DISABLED]++;
		return;
	}
	src = peer_find_wg(s, m->src);
	if (!peer_up_direct(src) || !endpoint_equal(&src->path.ep, from)) {
		r->drops[RDROP_SOURCE]++;
		return;
	}
	dst = peer_find_wg(s, m->dst);
	if (!peer_up_direct(dst)) {
		r->drops[RDROP_DEST]++;
		return;
	}
	if (!rate_ok(r, m->src, m->dst, len)) {
		r->drops[RDROP_RATE]++;
		return;
	}
	if (net_send_wire(s, &dst->path.ep, buf, len) != 0) {
		r->drops[RDROP_SEND]++;
		return;
	}
	r->forwarded++;
	r->forwarded_bytes += len;
}

/* The relay family of probes, F0 33 and F0 34 (and versions 1 and 2, F0 03, 04, 23, 24): ours. */
static int
input(struct link *l, const struct endpoint *from, uint8_t *buf, size_t len)
{
	struct relay *r = l->priv;
	struct session *s = l->s;
	struct relay_msg m;
	enum relay_reject rj;
	const uint8_t *k;
	uint64_t now = clock_unix_ms(s->clock);

	if (len < 2 || buf[0] != PROBE_MAGIC ||
	    (buf[1] != RELAY_TYPE_DATA && buf[1] != RELAY_TYPE_CTL &&
	    buf[1] != RELAY_V1_TYPE_DATA && buf[1] != RELAY_V1_TYPE_CTL &&
	    buf[1] != RELAY_V2_TYPE_DATA && buf[1] != RELAY_V2_TYPE_CTL))
		return 0;
	if ((rj = relay_parse(buf, len, s->keys.probe, s->wg_pub, &m)) != RELAY_OK) {
		r->reject[rj]++;
		r->drops[RDROP_PARSE]++;
		return 1;
	}
	/* Relay messages only travel direct: never through a relay or TURN. */
	if (via_find(s, from) != NULL) {
		r->drops[RDROP_SOURCE]++;
		return 1;
	}
	if (m.type == RELAY_TYPE_DATA && sodium_memcmp(m.dst, s->wg_pub, 32) != 0) {
		/*
		 * To forward: its tag is for the destination, and so is its
		 * freshness (we could not tell the source's from a forgery, so it
		 * touches no window here). Only a recent one goes on.
		 */
		if (!fresh_skew_ok(m.ts, now)) {
			r->drops[RDROP_STALE]++;
			return 1;
		}
		data_input(l, &m, buf, len, from);
		return 1;
	}
	/* For us: made by the peer it names, or it touches nothing (not even its window). */
	if ((k = peer_pair_key(s, m.src)) == NULL) {
		r->drops[RDROP_UNKNOWN]++;
		return 1;
	}
	if (probe_pair_check(buf, len, k) != 0) {
		r->drops[RDROP_PAIR]++;
		return 1;
	}
	/* Each message once, and only recent ones: a replay from any address does nothing. */
	switch (fresh_check(s->fresh, m.src, m.ts, now)) {
	case FRESH_OK:
		break;
	case FRESH_STALE:
		r->drops[RDROP_STALE]++;
		return 1;
	case FRESH_REPLAY:
		r->drops[RDROP_REPLAY]++;
		return 1;
	}
	if (m.type == RELAY_TYPE_CTL)
		ctl_input(l, &m, from);
	else
		data_input(l, &m, buf, len, from);
	return 1;
}

/* A WireGuard message for v's target, through the relay at v's remote. */
static int
send_via(struct link *l, struct via *v, const uint8_t *buf, size_t len)
{
	struct session *s = l->s;
	uint8_t out[RELAY_DATA_MAX];
	size_t n;

	const uint8_t *k = peer_pair_key(s, v->target);

	if (k == NULL)
		return -ENOENT;		/* the peer is gone */
	if ((n = relay_build_data(out, sizeof(out), s->keys.probe, k, s->wg_pub, v->target,
	    session_probe_ts(s), buf, len, NULL)) == 0)
		return -EMSGSIZE;
	return net_send_wire(s, &v->remote, out, n);
}

/* gone left or lost its path: the peers we reach through it lost theirs. */
static void
peer_gone(struct link *l, struct peer *gone)
{
	struct session *s = l->s;
	const struct via *v;
	struct endpoint rep = gone->path.ep;
	struct peer *p, *next;

	if (rep.family == ENDPOINT_NONE || via_find(s, &rep) != NULL)
		return;
	for (p = s->peers; p != NULL; p = next) {
		next = p->next;
		if (p == gone || (v = via_find(s, &p->path.ep)) == NULL || v->link != l ||
		    !endpoint_equal(&v->remote, &rep))
			continue;
		peer_path_lost(p, "relay", "the peer relaying for it left");
	}
	via_drop(s, l, &rep);
}

static struct peer *
via_peer(struct link *l, const struct via *v)
{
	struct peer *r;

	for (r = l->s->peers; r != NULL; r = r->next)
		if (endpoint_equal(&r->path.ep, &v->remote))
			return r;
	return NULL;
}

static int
start(struct link *l)
{
	struct relay *r;
	const char *env;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->l = l;
	r->pkts.per_s = RELAY_RATE_PPS;
	r->bytes.per_s = RELAY_RATE_BPS;
	if ((env = getenv("GONET_RELAY_RATE")) != NULL && atoi(env) > 0)
		r->pkts.per_s = (uint32_t)atoi(env);
	r->pkts.burst = r->pkts.per_s * RELAY_BURST_S;
	r->bytes.burst = r->bytes.per_s * RELAY_BURST_S;
	l->priv = r;
	return 0;
}

static void
stop(struct link *l)
{
	free(l->priv);
	l->priv = NULL;
}

static void
report(struct link *l)
{
	struct relay *r = l->priv;
	struct session *s = l->s;
	struct tell_line t = { .pos = 0 };
	int i;

	if (!session_counting(s))
		return;
	tell_add(&t, "forwarded %llu (%llu bytes), delivered %llu, queries %llu, offers %llu",
	    (unsigned long long)r->forwarded, (unsigned long long)r->forwarded_bytes,
	    (unsigned long long)r->delivered, (unsigned long long)r->queries,
	    (unsigned long long)r->offers);
	for (i = 0; i < RDROP__COUNT; i++)
		tell_count(&t, "", drop_names[i], r->drops[i]);
	for (i = 1; i < RELAY_REJECT__COUNT; i++)
		tell_count(&t, "invalid-", relay_reject_name(i), r->reject[i]);
	session_info(s, "relay", "relay: %s", t.text);
}

const struct link_ops link_relay_ops = {
	.kind = LINK_RELAY,
	.name = LINK_NAME_RELAY,
	.cost = LINK_COST_RELAY,
	.start = start,
	.stop = stop,
	.input = input,
	.send = send_via,
	.seek = seek,
	.peer_gone = peer_gone,
	.via_peer = via_peer,
	.report = report
};
