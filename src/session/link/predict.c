/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * predict.c — the port prediction path kind: tunnel/nat/predict.h's
 * schedule carried out on real sockets, for a pair where one NAT maps per
 * destination and the other does not (fallback.h says when).
 *
 *   hard side  (our NAT maps per destination) opens the session wire's
 *              extra sockets (session.h aux_open), each sending one room
 *              ping to the easy side's mapped address, and listens on all
 *              of them. A verified ping or pong from the peer on socket k
 *              is a hit: socket k is adopted (the others close at once)
 *              and becomes a path of its own behind a synthetic endpoint
 *              (via.h), which the peer's punching pings (peer_on_predicted);
 *              its pong selects the path, WireGuard's endpoint moves there,
 *              and every datagram on socket k goes to the session's input
 *              as coming from that endpoint.
 *   easy side  sends room pings from the data socket to ports of the hard
 *              side's public address (the sequential sweep first). A pong
 *              to one of them, or a ping from the hard side's address, is a
 *              hit: that address is pinged like any pair and selected by
 *              its pong; probing stops.
 *
 * Probes are tunnel/nat/probe.h's ping, built and verified there: one
 * random transaction id per attempt (its last two bytes number the socket
 * or probe), so a pong is matched to its attempt and nothing but a room
 * member's answer counts.
 *
 * Budgets (predict.h has the reasons): one attempt in the whole session at
 * a time (PREDICT_RATE_PPS is then the session's rate), PREDICT_SOCKETS
 * sockets and PREDICT_PROBES probes an attempt, every socket closed within
 * PREDICT_SOCKET_LIFE_MS, the attempt over by PREDICT_ATTEMPT_MS, the next
 * one for the pair not before PREDICT_BACKOFF_MS, at most
 * PREDICT_ADOPTED_MAX adopted sockets (one per peer, closed when its path
 * goes). Every socket is closed at stop.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/link.h"
#include "src/session/net.h"
#include "src/session/peer.h"
#include "src/session/stun_servers.h"
#include "src/session/tell.h"
#include "tunnel/nat/natclass.h"
#include "tunnel/nat/predict.h"
#include "tunnel/nat/probe.h"
#include "tunnel/net/demux.h"

enum {
	PREDICT_PAIRS_MAX = 32,		/* pairs whose back-off is remembered; the oldest idle goes */
	PREDICT_ADOPTED_MAX = 32,	/* sockets kept as paths (one per peer) */
	PREDICT_STEPS_MAX = PREDICT_SOCKETS + PREDICT_PER_TICK,
	PREDICT_TXID_RANDOM = PROBE_TXID_LEN - 2,	/* then the socket or probe number */
	/*
	 * The adopted socket is looked at this often (the first time after
	 * the WireGuard handshake's own timeout): one WireGuard no longer
	 * uses (punching's pair won, or a better one came) is closed.
	 */
	PREDICT_ADOPT_CHECK_MS = 15000
};

_Static_assert(PREDICT_SOCKETS + PREDICT_ADOPTED_MAX <= SESSION_AUX_MAX,
    "the wire's extra sockets must hold an attempt and the adopted ones");
_Static_assert(PREDICT_PROBES <= 65536 && PREDICT_SOCKETS <= 65536, "numbered in 2 bytes");

/* What one attempt cost (the last one; the test checks them against the budgets). */
struct predict_cost {
	unsigned sockets;		/* extra sockets opened */
	unsigned max_open;		/* ... at most open at once */
	unsigned packets;		/* datagrams sent by the schedule (pings) */
	unsigned answers;		/* pongs sent from extra sockets */
	uint64_t start_ms, end_ms;
};

/* One pair (peer), for as long as its back-off must be remembered. */
struct pp {
	uint8_t wg[32];			/* the peer's WireGuard key */
	struct peer *p;			/* NULL: gone (the back-off stays) */
	struct link *l;
	struct predict pr;
	int h[PREDICT_SOCKETS];		/* hard: socket k's handle, -1 */
	unsigned open;			/* hard: this attempt's sockets open now */
	int adopted;			/* hard: the adopted socket's handle, -1 */
	struct endpoint via;		/* hard: its synthetic endpoint */
	struct endpoint remote;		/* hard: the peer's address it talks to */
	struct endpoint found;		/* the path the hit made (easy: real; hard: via) */
	int credit;			/* the hit came before any other direct path: "predict" */
	/*
	 * After a hit the pair waits PREDICT_BACKOFF_MS like after a miss
	 * (a hit whose path never comes up must not retry every few
	 * seconds), unless the path it made went down (peer_gone): then at
	 * once.
	 */
	int lost;
	uint8_t txid[PROBE_TXID_LEN];	/* this attempt's */
	struct timer *timer;
	struct predict_cost cost;
	uint64_t used_ms;
};

enum predict_drop {
	PDROP_NOT_PROBE,		/* on a prediction socket: not a probe */
	PDROP_PROBE,			/* ... a probe that does not verify */
	PDROP_SENDER,			/* ... verified, from someone else than the pair's peer */
	PDROP_TXID,			/* ... a pong to no probe of this attempt */
	PDROP_SOURCE,			/* on the adopted socket: not from the peer's address */
	PDROP_OPEN,			/* an extra socket could not be opened */
	PDROP__COUNT
};

static const char *const drop_names[PDROP__COUNT] = {
	[PDROP_NOT_PROBE] = "not-probe",
	[PDROP_PROBE] = "probe",
	[PDROP_SENDER] = "sender",
	[PDROP_TXID] = "txid",
	[PDROP_SOURCE] = "source",
	[PDROP_OPEN] = "open"
};

struct predictor {
	struct pp *pairs[PREDICT_PAIRS_MAX];
	struct pp *owner[SESSION_AUX_MAX];	/* extra socket handle -> its pair */
	unsigned open;			/* extra sockets open now, adopted ones too */
	unsigned max_open;
	unsigned adopted;
	uint64_t attempts, hits, exhausted, busy, backoff;
	uint64_t sockets, packets;
	uint64_t drops[PDROP__COUNT];
	struct predict_step steps[PREDICT_STEPS_MAX];
};

/* --- sockets ------------------------------------------------------------------------ */

static void
sock_close(struct predictor *pd, struct link *l, int h)
{
	struct session *s = l->s;

	if (h < 0 || h >= SESSION_AUX_MAX || pd->owner[h] == NULL)
		return;
	pd->owner[h] = NULL;
	pd->open--;
	s->env.wire.aux_close(s->env.wire.arg, h);
}

static void
drop_adopted(struct predictor *pd, struct pp *pp)
{
	if (pp->adopted < 0)
		return;
	sock_close(pd, pp->l, pp->adopted);
	via_drop(pp->l->s, pp->l, &pp->remote);
	pp->adopted = -1;
	pd->adopted--;
	memset(&pp->via, 0, sizeof(pp->via));
	memset(&pp->found, 0, sizeof(pp->found));
}

static void
ping(struct session *s, const struct pp *pp, unsigned n, uint8_t *buf, size_t *len)
{
	uint8_t txid[PROBE_TXID_LEN];
	const uint8_t *k = peer_pair_key(s, pp->wg);

	*len = 0;
	if (k == NULL)
		return;		/* the peer is gone: nobody to take it */
	memcpy(txid, pp->txid, PREDICT_TXID_RANDOM);
	txid[PREDICT_TXID_RANDOM] = (uint8_t)(n >> 8);
	txid[PREDICT_TXID_RANDOM + 1] = (uint8_t)n;
	*len = probe_build_ping(buf, PROBE_PING_LEN, s->keys.probe, k, s->wg_pub, pp->wg,
	    session_probe_ts(s), txid);
}

/* Carry out what the schedule says. */
static void
run_steps(struct predictor *pd, struct pp *pp, const struct predict_step *st, unsigned n)
{
	struct session *s = pp->l->s;
	uint8_t buf[PROBE_PING_LEN];
	size_t len;
	unsigned i;
	int h;

	for (i = 0; i < n; i++) {
		switch (st[i].action) {
		case PREDICT_ACT_OPEN_SEND:
			h = s->env.wire.aux_open(s->env.wire.arg, st[i].to.family);
			if (h < 0 || h >= SESSION_AUX_MAX || pd->owner[h] != NULL) {
				pd->drops[PDROP_OPEN]++;
				break;
			}
			pd->owner[h] = pp;
			pp->h[st[i].socket] = h;
			pd->open++;
			pp->open++;
			pd->sockets++;
			pp->cost.sockets++;
			if (pp->open > pp->cost.max_open)
				pp->cost.max_open = pp->open;
			if (pd->open > pd->max_open)
				pd->max_open = pd->open;
			ping(s, pp, st[i].socket, buf, &len);
			if (len > 0 && s->env.wire.aux_send(s->env.wire.arg, h, &st[i].to, buf, len) == 0) {
				pd->packets++;
				pp->cost.packets++;
			}
			break;
		case PREDICT_ACT_SEND:
			ping(s, pp, pp->pr.sent, buf, &len);
			if (len > 0 && net_send_wire(s, &st[i].to, buf, len) == 0) {
				pd->packets++;
				pp->cost.packets++;
			}
			break;
		case PREDICT_ACT_CLOSE:
			if ((h = pp->h[st[i].socket]) >= 0 && h != pp->adopted) {
				sock_close(pd, pp->l, h);
				pp->open--;
			}
			pp->h[st[i].socket] = -1;
			break;
		case PREDICT_ACT_ADOPT:
			if ((h = pp->h[st[i].socket]) < 0)
				break;
			pp->adopted = h;
			pp->h[st[i].socket] = -1;	/* no longer the attempt's */
			pp->open--;
			pd->adopted++;
			pp->remote = st[i].to;
			(void)via_get(s, pp->l, &st[i].to, pp->wg, &pp->via);
			pp->found = pp->via;
			break;
		}
	}
}

/* --- attempts ------------------------------------------------------------------------- */

static const char *
fp_of(const struct pp *pp)
{
	return pp->p != NULL ? pp->p->fp : "(gone)";
}

/* The attempt is over (hit, exhausted, stopped): say what it cost. */
static void
attempt_over(struct predictor *pd, struct pp *pp, const char *how)
{
	struct session *s = pp->l->s;

	pp->cost.end_ms = session_now_ms(s);
	timer_stop(pp->timer);
	session_info(s, "predict",
	    "port prediction (%s side) toward %s: %s after %llu ms, %u sockets (%u open at most), "
	    "%u probes, %u answers",
	    pp->pr.plan.role == PREDICT_HARD ? "hard" : "easy", fp_of(pp), how,
	    (unsigned long long)(pp->cost.end_ms - pp->cost.start_ms), pp->cost.sockets,
	    pp->cost.max_open, pp->cost.packets, pp->cost.answers);
	(void)pd;
}

static int found_otherwise(const struct peer *p);
static void stop_attempt(struct predictor *pd, struct pp *pp, const char *why);

static void
on_timer(void *arg)
{
	struct pp *pp = arg;
	struct predictor *pd = pp->l->priv;
	uint64_t now = session_now_ms(pp->l->s);
	unsigned n;

	if (pp->pr.state == PREDICT_HIT) {
		/* The adopted socket stays only while it is the path. */
		if (pp->adopted < 0)
			return;
		if (pp->p == NULL || !endpoint_equal(&pp->p->path.ep, &pp->via)) {
			drop_adopted(pd, pp);
			return;
		}
		timer_at(pp->timer, now + PREDICT_ADOPT_CHECK_MS);
		return;
	}
	if (found_otherwise(pp->p)) {
		stop_attempt(pd, pp, "a path found otherwise");
		return;
	}
	n = predict_on_timer(&pp->pr, now, pd->steps, PREDICT_STEPS_MAX);
	run_steps(pd, pp, pd->steps, n);
	if (pp->pr.state == PREDICT_EXHAUSTED) {
		pd->exhausted++;
		attempt_over(pd, pp, "no hit");
		return;
	}
	timer_at(pp->timer, predict_next(&pp->pr));
}

/* A verified probe of the attempt: the pair works from "from" (on socket k, hard side). */
static void
hit(struct predictor *pd, struct pp *pp, int k, const struct endpoint *from)
{
	struct session *s = pp->l->s;
	unsigned n;

	n = predict_on_hit(&pp->pr, k, from, session_now_ms(s), pd->steps, PREDICT_STEPS_MAX);
	run_steps(pd, pp, pd->steps, n);
	if (pp->pr.plan.role == PREDICT_EASY)
		pp->found = *from;
	pd->hits++;
	attempt_over(pd, pp, "hit");
	if (found_otherwise(pp->p)) {
		/* Punching was first: keep its path, free the socket. */
		drop_adopted(pd, pp);
		pp->credit = 0;
		return;
	}
	pp->credit = 1;
	if (pp->adopted >= 0)
		timer_at(pp->timer, session_now_ms(s) + PREDICT_ADOPT_CHECK_MS);
	if (pp->p != NULL && pp->found.family != ENDPOINT_NONE)
		peer_on_predicted(pp->p, &pp->found);
}

static void
stop_attempt(struct predictor *pd, struct pp *pp, const char *why)
{
	unsigned n;

	if (pp->pr.state != PREDICT_RUNNING)
		return;
	n = predict_stop(&pp->pr, session_now_ms(pp->l->s), pd->steps, PREDICT_STEPS_MAX);
	run_steps(pd, pp, pd->steps, n);
	pd->exhausted++;
	attempt_over(pd, pp, why);
}

/* p has a path of direct cost that is not ours (punching found one): no need to go on. */
static int
found_otherwise(const struct peer *p)
{
	if (p == NULL || (p->state != PEER_UP && p->state != PEER_HANDSHAKE) ||
	    p->path.ep.family == ENDPOINT_NONE || p->path.ep_type == CAND_TYPE_RELAY)
		return 0;
	return via_find(p->s, &p->path.ep) == NULL;
}

static void
pp_free(struct predictor *pd, struct pp *pp)
{
	unsigned i;

	if (pp == NULL)
		return;
	stop_attempt(pd, pp, "stopped");
	drop_adopted(pd, pp);
	for (i = 0; i < PREDICT_PAIRS_MAX; i++)
		if (pd->pairs[i] == pp)
			pd->pairs[i] = NULL;
	timer_free(pp->timer);
	free(pp);
}

static struct pp *
pp_find(struct predictor *pd, const uint8_t wg[32])
{
	unsigned i;

	for (i = 0; i < PREDICT_PAIRS_MAX; i++)
		if (pd->pairs[i] != NULL && memcmp(pd->pairs[i]->wg, wg, 32) == 0)
			return pd->pairs[i];
	return NULL;
}

/* The pair's entry, made if need be (an idle one whose back-off is over may go for it). */
static struct pp *
pp_get(struct predictor *pd, struct link *l, struct peer *p)
{
	struct pp *pp = pp_find(pd, p->rec.wg), *victim = NULL;
	uint64_t now = session_now_ms(l->s);
	unsigned i, k;

	if (pp != NULL) {
		pp->p = p;
		return pp;
	}
	for (i = 0; i < PREDICT_PAIRS_MAX; i++) {
		struct pp *q = pd->pairs[i];

		if (q == NULL) {
			victim = NULL;
			break;
		}
		if (q->pr.state != PREDICT_RUNNING && q->adopted < 0 &&
		    q->pr.backoff_until_ms <= now && (victim == NULL || q->used_ms < victim->used_ms))
			victim = q;
	}
	if (i == PREDICT_PAIRS_MAX) {
		if (victim == NULL)
			return NULL;	/* every slot holds a back-off or a path */
		pp_free(pd, victim);
		for (i = 0; i < PREDICT_PAIRS_MAX && pd->pairs[i] != NULL; i++)
			;
	}
	if ((pp = calloc(1, sizeof(*pp))) == NULL)
		return NULL;
	if ((pp->timer = timer_new(l->s->timers, on_timer, pp)) == NULL) {
		free(pp);
		return NULL;
	}
	memcpy(pp->wg, p->rec.wg, 32);
	pp->p = p;
	pp->l = l;
	pp->adopted = -1;
	for (k = 0; k < PREDICT_SOCKETS; k++)
		pp->h[k] = -1;
	pd->pairs[i] = pp;
	return pp;
}

static int
any_running(const struct predictor *pd)
{
	unsigned i;

	for (i = 0; i < PREDICT_PAIRS_MAX; i++)
		if (pd->pairs[i] != NULL && pd->pairs[i]->pr.state == PREDICT_RUNNING)
			return 1;
	return 0;
}

/* Same family and address, any port. */
static int
same_host(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && a->family != ENDPOINT_NONE &&
	    memcmp(a->addr, b->addr, endpoint_addr_len(a->family)) == 0;
}

/*
 * The peer's public IPv4 address from its record: the first srflx (else
 * dht) candidate. For a sequential NAT the port is the last one it
 * mapped: the highest seen for a positive step, the lowest for a negative.
 */
static int
peer_public(const struct peer *p, int16_t delta, struct endpoint *out)
{
	struct endpoint ep;
	unsigned i, pass;

	out->family = ENDPOINT_NONE;
	for (pass = 0; pass < 2 && out->family == ENDPOINT_NONE; pass++) {
		for (i = 0; i < p->rec.ncand; i++) {
			const struct cand *c = &p->rec.cand[i];

			if (c->kind != (pass == 0 ? CAND_SRFLX : CAND_DHT) || c->family != 4)
				continue;
			cand_to_endpoint(c, &ep);
			if (ep.family != ENDPOINT_V4)
				continue;
			if (out->family == ENDPOINT_NONE)
				*out = ep;
			else if (same_host(out, &ep) &&
			    ((delta > 0 && ep.port > out->port) || (delta < 0 && ep.port < out->port)))
				out->port = ep.port;
		}
	}
	return out->family == ENDPOINT_NONE ? -1 : 0;
}

/* --- the link's operations -------------------------------------------------------------- */

static int
start(struct link *l)
{
	if ((l->priv = calloc(1, sizeof(struct predictor))) == NULL)
		return -1;
	return 0;
}

static void
stop(struct link *l)
{
	struct predictor *pd = l->priv;
	unsigned i;

	if (pd == NULL)
		return;
	for (i = 0; i < PREDICT_PAIRS_MAX; i++)
		pp_free(pd, pd->pairs[i]);
	/* Nothing may stay open: every handle was a pair's, and every pair is gone. */
	for (i = 0; i < SESSION_AUX_MAX; i++)
		sock_close(pd, l, (int)i);
	sodium_memzero(pd, sizeof(*pd));
	free(pd);
	l->priv = NULL;
}

/* The policy says: try prediction toward p now (fallback.c, only for a PREDICT pair). */
static void
seek(struct link *l, struct peer *p)
{
	struct predictor *pd = l->priv;
	struct session *s = l->s;
	const struct nat_verdict *us = stun_servers_nat(s, ENDPOINT_V4);
	enum nat_class them = nat_class_from_wire(p->rec.nat.cls);
	struct predict_plan plan;
	uint64_t now = session_now_ms(s), seed;
	struct pp *pp;

	memset(&plan, 0, sizeof(plan));
	if (nat_class_hard(us->cls) && them == NAT_CLASS_EIM) {
		plan.role = PREDICT_HARD;
		/* The easy side's one mapping (EIM): any srflx candidate of it. */
		if (peer_public(p, 0, &plan.peer) != 0)
			return;
		if (s->env.wire.aux_open == NULL ||
		    pd->open + PREDICT_SOCKETS > SESSION_AUX_MAX || pd->adopted >= PREDICT_ADOPTED_MAX)
			return;
	} else if (us->cls == NAT_CLASS_EIM && nat_class_hard(them)) {
		plan.role = PREDICT_EASY;
		plan.sequential = them == NAT_CLASS_SEQUENTIAL;
		plan.delta = (int16_t)p->rec.nat.delta;
		if (peer_public(p, plan.sequential ? plan.delta : 0, &plan.peer) != 0)
			return;
	} else {
		return;
	}
	if ((pp = pp_find(pd, p->rec.wg)) != NULL && (pp->pr.state == PREDICT_RUNNING ||
	    now < pp->pr.backoff_until_ms ||
	    (pp->pr.state == PREDICT_HIT && !pp->lost &&
	    now < pp->pr.start_ms + PREDICT_BACKOFF_MS))) {
		pp->p = p;
		if (pp->pr.state != PREDICT_RUNNING)
			pd->backoff++;
		return;
	}
	if (any_running(pd)) {
		pd->busy++;		/* the policy asks again; one attempt at a time */
		return;
	}
	if ((pp = pp_get(pd, l, p)) == NULL)
		return;
	randombytes_buf(&seed, sizeof(seed));
	if (predict_start(&pp->pr, &plan, seed, now) != 0)
		return;
	drop_adopted(pd, pp);		/* a new attempt: the old path is gone */
	pp->lost = 0;
	randombytes_buf(pp->txid, sizeof(pp->txid));
	memset(&pp->cost, 0, sizeof(pp->cost));
	pp->cost.start_ms = now;
	pp->used_ms = now;
	pd->attempts++;
	if (s->cfg->verbose >= 1) {
		char ep[ENDPOINT_STR_MAX];

		endpoint_format(&plan.peer, ep, sizeof(ep));
		session_info(s, "predict", "port prediction (%s side) toward %s at %s",
		    plan.role == PREDICT_HARD ? "hard" : "easy", p->fp, ep);
	}
	timer_at(pp->timer, predict_next(&pp->pr));
}

/* A datagram on an extra socket. */
static int
aux_input(struct link *l, int h, struct endpoint *from, uint8_t *buf, size_t len)
{
	struct predictor *pd = l->priv;
	struct session *s = l->s;
	uint8_t out[PROBE_MAX_LEN];
	struct probe_msg m;
	struct pp *pp;
	size_t n;
	int k;

	if (pd == NULL || h < 0 || h >= SESSION_AUX_MAX || (pp = pd->owner[h]) == NULL)
		return -1;
	if (h == pp->adopted) {
		/* The path: what the peer sends goes on as from the synthetic endpoint. */
		struct via *v = via_find(s, &pp->via);

		if (v == NULL || !endpoint_equal(&v->remote, from)) {
			pd->drops[PDROP_SOURCE]++;
			return 1;
		}
		v->used_ms = session_now_ms(s);
		*from = pp->via;
		return 0;
	}
	if (demux_classify(buf, len) != DEMUX_PROBE) {
		pd->drops[PDROP_NOT_PROBE]++;
		return 1;
	}
	if (probe_input(&s->probes, s->fresh, clock_unix_ms(s->clock), buf, len, s->keys.probe,
	    s->wg_pub, peer_pair_key, s, &m) != PROBE_OK) {
		pd->drops[PDROP_PROBE]++;
		return 1;
	}
	if (memcmp(m.sender, pp->wg, 32) != 0) {
		pd->drops[PDROP_SENDER]++;
		return 1;
	}
	if (m.type == PROBE_PONG && memcmp(m.txid, pp->txid, PREDICT_TXID_RANDOM) != 0) {
		pd->drops[PDROP_TXID]++;
		return 1;
	}
	if (m.type == PROBE_PING &&
	    (n = probe_answer(out, sizeof(out), s->keys.probe, peer_pair_key(s, m.sender), &m, from,
	    session_probe_ts(s))) > 0 &&
	    s->env.wire.aux_send(s->env.wire.arg, h, from, out, n) == 0)
		pp->cost.answers++;
	if (pp->pr.state != PREDICT_RUNNING)
		return 1;	/* a late one: the attempt is over */
	for (k = 0; k < PREDICT_SOCKETS && pp->h[k] != h; k++)
		;
	hit(pd, pp, k < PREDICT_SOCKETS ? k : -1, from);
	return 1;
}

/*
 * The easy side's data socket: a pong to one of our probes (ours to take),
 * or a ping from the hard side's public address (the session answers it).
 */
static int
input(struct link *l, const struct endpoint *from, uint8_t *buf, size_t len)
{
	struct predictor *pd = l->priv;
	struct session *s = l->s;
	struct probe_msg m;
	struct pp *pp;

	if (pd == NULL || !any_running(pd) || demux_classify(buf, len) != DEMUX_PROBE ||
	    probe_parse(buf, len, s->keys.probe, s->wg_pub, &m) != PROBE_OK)
		return 0;
	if ((pp = pp_find(pd, m.sender)) == NULL || pp->pr.state != PREDICT_RUNNING ||
	    pp->pr.plan.role != PREDICT_EASY || !same_host(from, &pp->pr.plan.peer))
		return 0;
	if (m.type == PROBE_PONG) {
		if (memcmp(m.txid, pp->txid, PREDICT_TXID_RANDOM) != 0)
			return 0;	/* punching's */
		s->probes.pongs_in++;
		hit(pd, pp, -1, from);
		return 1;
	}
	/* A ping through a hole our probe made; any other got in without us (a full cone). */
	if (predict_probed(&pp->pr, from->port))
		hit(pd, pp, -1, from);
	return 0;
}

/* WireGuard (or a probe) to the adopted socket's path. */
static int
send_via(struct link *l, struct via *v, const uint8_t *buf, size_t len)
{
	struct predictor *pd = l->priv;
	struct session *s = l->s;
	unsigned i;

	for (i = 0; i < PREDICT_PAIRS_MAX; i++) {
		struct pp *pp = pd->pairs[i];

		if (pp != NULL && pp->adopted >= 0 && via_find(s, &pp->via) == v)
			return s->env.wire.aux_send(s->env.wire.arg, pp->adopted, &v->remote, buf, len);
	}
	return -ENOTCONN;
}

/* p left, lost its path, or goes: its attempt stops and its socket closes; the back-off stays. */
static void
peer_gone(struct link *l, struct peer *p)
{
	struct predictor *pd = l->priv;
	struct pp *pp;

	if (pd == NULL || (pp = pp_find(pd, p->rec.wg)) == NULL)
		return;
	stop_attempt(pd, pp, "stopped");
	drop_adopted(pd, pp);
	pp->credit = 0;
	pp->lost = pp->pr.state == PREDICT_HIT;
	pp->p = NULL;
}

/*
 * "predict" while p's path is direct and came up after a hit that nothing
 * else had beaten: the socket the hit found, or (the easy side's probe
 * hitting the mapping of the hard side's data socket) punching's pair
 * that only the prediction's probes opened.
 */
static const char *
strategy(struct link *l, const struct peer *p)
{
	struct predictor *pd = l->priv;
	const struct via *v;
	struct pp *pp;

	if (pd == NULL || (pp = pp_find(pd, p->rec.wg)) == NULL || pp->pr.state != PREDICT_HIT ||
	    !pp->credit || p->path.ep.family == ENDPOINT_NONE || p->path.ep_type == CAND_TYPE_RELAY)
		return NULL;
	v = via_find(p->s, &p->path.ep);
	return v == NULL || v->link == l ? "predict" : NULL;
}

static void
report(struct link *l)
{
	struct predictor *pd = l->priv;
	struct session *s = l->s;
	struct tell_line t = { .pos = 0 };
	int i;

	if (!session_counting(s) || pd->attempts == 0)
		return;
	tell_add(&t, "%llu attempts, %llu hits, %llu without, %llu sockets (%u open at most), %llu probes, "
	    "%llu deferred, %llu backing off",
	    (unsigned long long)pd->attempts, (unsigned long long)pd->hits,
	    (unsigned long long)pd->exhausted, (unsigned long long)pd->sockets, pd->max_open,
	    (unsigned long long)pd->packets, (unsigned long long)pd->busy,
	    (unsigned long long)pd->backoff);
	for (i = 0; i < PDROP__COUNT; i++)
		tell_count(&t, "", drop_names[i], pd->drops[i]);
	session_info(s, "predict", "predict: %s", t.text);
}

const struct link_ops link_predict_ops = {
	.kind = LINK_PREDICT,
	.name = LINK_NAME_DIRECT,	/* a direct path, through another socket */
	.cost = LINK_COST_DIRECT,
	.start = start,
	.stop = stop,
	.input = input,
	.send = send_via,
	.seek = seek,
	.peer_gone = peer_gone,
	.report = report,
	.aux_input = aux_input,
	.strategy = strategy
};
