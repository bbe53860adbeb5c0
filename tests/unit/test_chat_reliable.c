/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_chat_reliable.c — src/chat/chat_reliable.c between two peers on a fake
 * clock and a simulated link (seeded loss, delay, jitter that reorders,
 * duplication, blackout), all in one process:
 *
 *	  peer 0  ──frames──►  link (loss, delay+jitter)  ──►  peer 1
 *	          ◄──────────────────────────────────────────
 *
 * Every delivered text is "n<index>" and must arrive once, in order.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/chat/chat_reliable.h"
#include "tests/check.h"

enum { PKT_MAX = 1 << 14, UNDELIVERED_MAX = 512 };

struct pkt {
	uint64_t at;
	int to;
	size_t len;
	uint8_t data[CHAT_FRAME_MAX];
};

struct sim;

struct end {
	struct sim *sim;
	int me;
	struct chat_peer *peer;
	/* what it saw */
	long base;			/* index of the first text expected */
	long delivered;			/* count; base + it is the next index */
	int order_ok;
	long acked;
	long undelivered;
	uint64_t undelivered_ids[UNDELIVERED_MAX];
	long lost;
	long hellos;
	long byes;
	long msg_frames;		/* MSG frames it transmitted */
	long xmsg_frames;		/* XMSG frames it transmitted */
	uint64_t flags_seen;		/* OR of the flags of its deliveries */
	long private_delivered;
	uint64_t last_delivery_ms;
};

struct sim {
	uint64_t now;
	int64_t unix_offset[2];		/* unix ms = now + offset */
	uint64_t rng;
	unsigned loss_pct;
	uint64_t delay_ms, jitter_ms;
	int down;			/* blackout: everything lost */
	int duplicate;			/* every frame sent twice */
	int v1_receiver;		/* end 1 is a version 1 peer: XMSG is an unknown type */
	long v1_type_drops;
	struct pkt *q;
	size_t nq;
	struct end end[2];
};

static uint32_t
rnd(struct sim *s)
{
	/* xorshift64* */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * UINT64_C(2685821657736338717)) >> 32);
}

static uint64_t
mono(void *arg)
{
	return ((struct end *)arg)->sim->now * 1000000u;
}

static uint64_t
wall(void *arg)
{
	struct end *e = arg;

	return (uint64_t)((int64_t)e->sim->now + e->sim->unix_offset[e->me]);
}

static void
enqueue(struct sim *s, int to, const uint8_t *frame, size_t len)
{
	struct pkt *k;

	if (s->down || rnd(s) % 100 < s->loss_pct)
		return;
	if (s->v1_receiver && to == 1 && len > 1 && frame[1] == CHAT_XMSG) {
		s->v1_type_drops++;	/* what chat_decode of version 1 did */
		return;
	}
	if (s->nq == PKT_MAX)
		abort();
	k = &s->q[s->nq++];
	k->at = s->now + s->delay_ms + (s->jitter_ms ? rnd(s) % (s->jitter_ms + 1) : 0);
	k->to = to;
	k->len = len;
	memcpy(k->data, frame, len);
}

static void
on_transmit(void *arg, const uint8_t *frame, size_t len)
{
	struct end *e = arg;

	if (len > 1 && frame[1] == CHAT_MSG)
		e->msg_frames++;
	if (len > 1 && frame[1] == CHAT_XMSG)
		e->xmsg_frames++;
	enqueue(e->sim, !e->me, frame, len);
	if (e->sim->duplicate)
		enqueue(e->sim, !e->me, frame, len);
}

static void
on_deliver(void *arg, const struct chat_delivery *d)
{
	struct end *e = arg;
	char want[32];

	snprintf(want, sizeof(want), "n%ld", e->base + e->delivered);
	if (d->len != strlen(want) || memcmp(d->text, want, d->len) != 0) {
		if (e->order_ok)
			fprintf(stderr, "peer %d: delivery %ld is \"%.*s\"\n", e->me,
			    e->delivered, (int)d->len, (const char *)d->text);
		e->order_ok = 0;
	}
	e->delivered++;
	e->flags_seen |= d->flags;
	e->private_delivered += (d->flags & CHAT_FLAG_PRIVATE) != 0;
	e->last_delivery_ms = e->sim->now;
}

static void
on_acked(void *arg, uint64_t id)
{
	((struct end *)arg)->acked++;
}

static void
on_undelivered(void *arg, uint64_t id, const uint8_t *text, size_t len)
{
	struct end *e = arg;

	if (e->undelivered < UNDELIVERED_MAX)
		e->undelivered_ids[e->undelivered] = id;
	e->undelivered++;
}

static void
on_lost(void *arg, uint64_t seq)
{
	((struct end *)arg)->lost++;
}

static void
on_hello(void *arg, const uint8_t *nick, size_t len, uint64_t version)
{
	((struct end *)arg)->hellos++;
}

static void
on_bye(void *arg)
{
	((struct end *)arg)->byes++;
}

static const struct chat_peer_ops ops = {
	.transmit = on_transmit,
	.deliver = on_deliver,
	.acked = on_acked,
	.undelivered = on_undelivered,
	.lost = on_lost,
	.hello = on_hello,
	.bye = on_bye,
};

static void
peer_start(struct sim *s, int i)
{
	struct end *e = &s->end[i];
	struct clock clock = { mono, wall, e };

	chat_peer_free(e->peer);
	memset(e, 0, sizeof(*e));
	e->sim = s;
	e->me = i;
	e->order_ok = 1;
	e->peer = chat_peer_new(&clock, &ops, e);
	if (e->peer == NULL)
		abort();
}

static void
sim_init(struct sim *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->now = 1000;
	s->unix_offset[0] = INT64_C(1700000000000);
	s->unix_offset[1] = INT64_C(1700000050000);
	s->rng = seed;
	s->delay_ms = 20;
	if ((s->q = malloc(PKT_MAX * sizeof(*s->q))) == NULL)
		abort();
	peer_start(s, 0);
	peer_start(s, 1);
}

static void
sim_free(struct sim *s)
{
	chat_peer_free(s->end[0].peer);
	chat_peer_free(s->end[1].peer);
	free(s->q);
}

/* Advance to `until`, delivering frames and firing timers in time order. */
static void
run_until(struct sim *s, uint64_t until)
{
	uint64_t t, d;
	size_t i, best;
	int k;

	for (;;) {
		t = until;
		for (i = 0; i < s->nq; i++)
			if (s->q[i].at < t)
				t = s->q[i].at;
		for (k = 0; k < 2; k++)
			if ((d = chat_peer_next_deadline(s->end[k].peer)) < t)
				t = d;
		if (t > s->now)
			s->now = t;
		/* frames due now, earliest first (stable for equal times) */
		for (;;) {
			best = s->nq;
			for (i = 0; i < s->nq; i++)
				if (s->q[i].at <= s->now && (best == s->nq || s->q[i].at < s->q[best].at))
					best = i;
			if (best == s->nq)
				break;
			{
				struct pkt k2 = s->q[best];

				memmove(&s->q[best], &s->q[best + 1], (s->nq - best - 1) * sizeof(*s->q));
				s->nq--;
				chat_peer_input(s->end[k2.to].peer, k2.data, k2.len);
			}
		}
		for (k = 0; k < 2; k++)
			if (chat_peer_next_deadline(s->end[k].peer) <= s->now)
				chat_peer_on_timer(s->end[k].peer);
		if (s->now >= until)
			break;
	}
}

static int
send_n(struct sim *s, int from, long n)
{
	char text[32];
	uint64_t id;
	int len;

	len = snprintf(text, sizeof(text), "n%ld", n);
	return chat_peer_send(s->end[from].peer, (const uint8_t *)text, (size_t)len, &id);
}

/* 1000 messages each way, 10% loss each direction, jitter that reorders. */
static void
test_lossy_bulk(void)
{
	struct sim s;
	struct chat_peer_stats st[2];
	long next[2] = { 0, 0 };
	int k;

	sim_init(&s, 0x5eed);
	s.loss_pct = 10;
	s.delay_ms = 20;
	s.jitter_ms = 30;
	while (next[0] < 1000 || next[1] < 1000) {
		for (k = 0; k < 2; k++) {
			if (next[k] < 1000 && send_n(&s, k, next[k]) == 0)
				next[k]++;
		}
		run_until(&s, s.now + 5);
	}
	run_until(&s, s.now + 120000);
	for (k = 0; k < 2; k++) {
		chat_peer_get_stats(s.end[k].peer, &st[k]);
		CHECK(s.end[k].delivered == 1000);
		CHECK(s.end[k].order_ok);
		CHECK(s.end[k].acked == 1000);
		CHECK(s.end[k].undelivered == 0);
		CHECK(s.end[k].lost == 0);
		CHECK(chat_peer_pending(s.end[k].peer) == 0);
		CHECK(st[k].retransmitted > 50);
		CHECK(st[k].drops[CHAT_DROP_DUPLICATE] > 0);
		CHECK(st[k].peer_sessions == 1);
		CHECK(st[k].resyncs == 0);
		CHECK(st[k].srtt_ms >= 40 && st[k].srtt_ms <= 100);
	}
	printf("lossy bulk: retransmitted %llu/%llu, duplicates %llu/%llu, srtt %llu/%llu ms, rto %llu/%llu ms, t=%llu ms\n",
	    (unsigned long long)st[0].retransmitted, (unsigned long long)st[1].retransmitted,
	    (unsigned long long)st[0].drops[CHAT_DROP_DUPLICATE],
	    (unsigned long long)st[1].drops[CHAT_DROP_DUPLICATE],
	    (unsigned long long)st[0].srtt_ms, (unsigned long long)st[1].srtt_ms,
	    (unsigned long long)st[0].rto_ms, (unsigned long long)st[1].rto_ms,
	    (unsigned long long)s.now);
	sim_free(&s);
}

/* RFC 6298: first sample, convergence, the floor, and Karn. */
static void
test_rtt(void)
{
	struct sim s;
	struct chat_peer_stats st;
	long i;

	sim_init(&s, 1);
	s.delay_ms = 200;	/* RTT 400 */
	chat_peer_get_stats(s.end[0].peer, &st);
	CHECK(st.srtt_ms == 0 && st.rto_ms == CHAT_RTO_INITIAL_MS);
	send_n(&s, 0, 0);
	run_until(&s, s.now + 1000);
	chat_peer_get_stats(s.end[0].peer, &st);
	/* first sample R: SRTT = R, RTTVAR = R/2, RTO = R + 4 R/2 = 3R */
	CHECK(st.srtt_ms == 400 && st.rttvar_ms == 200 && st.rto_ms == 1200);
	for (i = 1; i < 50; i++) {
		send_n(&s, 0, i);
		run_until(&s, s.now + 1000);
	}
	chat_peer_get_stats(s.end[0].peer, &st);
	CHECK(st.srtt_ms == 400 && st.rttvar_ms == 0 && st.rto_ms >= 401 && st.rto_ms <= 405);
	CHECK(st.retransmitted == 0);

	/* A short path: RTO floors at 200 ms. */
	s.delay_ms = 5;
	for (; i < 100; i++) {
		send_n(&s, 0, i);
		run_until(&s, s.now + 1000);
	}
	chat_peer_get_stats(s.end[0].peer, &st);
	CHECK(st.srtt_ms >= 10 && st.srtt_ms <= 12 && st.rto_ms == CHAT_RTO_MIN_MS);
	CHECK(s.end[1].delivered == 100 && s.end[1].order_ok);
	sim_free(&s);

	/* Karn: the only transmission acked is a retransmission: no sample. */
	sim_init(&s, 2);
	s.delay_ms = 50;
	s.down = 1;
	send_n(&s, 0, 0);
	run_until(&s, s.now + 10);
	s.down = 0;
	run_until(&s, s.now + 5000);
	chat_peer_get_stats(s.end[0].peer, &st);
	CHECK(s.end[0].acked == 1 && st.retransmitted == 1);
	CHECK(st.srtt_ms == 0 && st.rto_ms == CHAT_RTO_INITIAL_MS);
	sim_free(&s);
}

/* Backoff doubles per timeout up to the ceiling. */
static void
test_backoff(void)
{
	struct sim s;
	uint64_t t0, prev, d, gaps[8];
	int i;

	sim_init(&s, 3);
	s.down = 1;
	send_n(&s, 0, 0);
	t0 = prev = s.now;
	for (i = 0; i < 8; i++) {
		d = chat_peer_next_deadline(s.end[0].peer);
		gaps[i] = d - prev;
		prev = d;
		run_until(&s, d);
	}
	CHECK(gaps[0] == 1000 && gaps[1] == 2000 && gaps[2] == 4000 && gaps[3] == 8000);
	CHECK(gaps[4] == 10000 && gaps[5] == 10000);
	(void)t0;
	sim_free(&s);
}

/* Unacknowledged 60 s after written: reported once; the gap never stalls. */
static void
test_undelivered(void)
{
	struct sim s;
	struct chat_peer_stats st;
	uint64_t t0;
	long i;

	sim_init(&s, 4);
	s.down = 1;
	t0 = s.now;
	for (i = 0; i < 40; i++)
		CHECK(send_n(&s, 0, 100 + i) == 0);
	CHECK(s.end[0].msg_frames == CHAT_SEND_WINDOW);	/* the window holds */
	CHECK(chat_peer_pending(s.end[0].peer) == 40);
	run_until(&s, t0 + CHAT_UNDELIVERED_MS - 1);
	CHECK(s.end[0].undelivered == 0);
	run_until(&s, t0 + CHAT_UNDELIVERED_MS);
	CHECK(s.end[0].undelivered == 40);
	CHECK(s.end[0].undelivered_ids[0] == 1 && s.end[0].undelivered_ids[39] == 40);
	CHECK(chat_peer_pending(s.end[0].peer) == 0);
	run_until(&s, t0 + 3 * CHAT_UNDELIVERED_MS);
	CHECK(s.end[0].undelivered == 40);		/* once */

	/* The link heals: the 32 fillers tell the receiver what is missing,
	 * and a new message follows them (no stall on the gap). */
	s.down = 0;
	send_n(&s, 0, 0);
	run_until(&s, s.now + 15000);
	CHECK(s.end[1].lost == CHAT_SEND_WINDOW);
	CHECK(s.end[1].delivered == 1 && s.end[1].order_ok);
	CHECK(s.end[0].acked == 1);
	chat_peer_get_stats(s.end[0].peer, &st);
	CHECK(chat_peer_next_deadline(s.end[0].peer) == UINT64_MAX);
	sim_free(&s);
}

/*
 * Flags: a flagged message goes out as XMSG and arrives with its flags, in
 * the same sequence as MSGs; the peer's version comes from its HELLO. A
 * version 1 receiver drops XMSG as an unknown type: it never shows it (as
 * public or otherwise), the sender reports it undelivered after 60 s, and
 * the filler that takes its counter is a plain MSG, so later messages flow.
 */
static void
test_flags(void)
{
	struct sim s;
	struct chat_peer_stats st;
	uint64_t id, t0;

	sim_init(&s, 13);
	CHECK(chat_peer_version(s.end[0].peer) == 0);
	chat_peer_send_hello(s.end[1].peer, (const uint8_t *)"bob", 3);
	run_until(&s, s.now + 100);
	CHECK(chat_peer_version(s.end[0].peer) == CHAT_VERSION);
	CHECK(send_n(&s, 0, 0) == 0);
	CHECK(chat_peer_send_flags(s.end[0].peer, (const uint8_t *)"n1", 2, CHAT_FLAG_PRIVATE,
	    &id) == 0 && id == 2);
	CHECK(chat_peer_send_flags(s.end[0].peer, (const uint8_t *)"n2", 2,
	    CHAT_FLAG_PRIVATE | CHAT_FLAG_ACTION, &id) == 0);
	CHECK(send_n(&s, 0, 3) == 0);
	run_until(&s, s.now + 1000);
	CHECK(s.end[1].delivered == 4 && s.end[1].order_ok);
	CHECK(s.end[1].private_delivered == 2);
	CHECK(s.end[1].flags_seen == (CHAT_FLAG_PRIVATE | CHAT_FLAG_ACTION));
	CHECK(s.end[0].xmsg_frames == 2 && s.end[0].msg_frames == 2);
	CHECK(s.end[0].acked == 4);
	chat_peer_get_stats(s.end[1].peer, &st);
	CHECK(st.delivered == 4 && st.delivered_private == 2);
	sim_free(&s);

	/* A version 1 receiver. */
	sim_init(&s, 14);
	s.v1_receiver = 1;
	t0 = s.now;
	CHECK(chat_peer_send_flags(s.end[0].peer, (const uint8_t *)"n0", 2, CHAT_FLAG_PRIVATE,
	    &id) == 0);
	run_until(&s, t0 + CHAT_UNDELIVERED_MS + 100);
	CHECK(s.end[1].delivered == 0 && s.end[1].lost == 0);
	CHECK(s.v1_type_drops >= 1);
	CHECK(s.end[0].undelivered == 1 && s.end[0].undelivered_ids[0] == id);
	s.end[1].base = 1;
	CHECK(send_n(&s, 0, 1) == 0);
	run_until(&s, s.now + 15000);
	CHECK(s.end[1].lost == 1);		/* the filler, a MSG, went through */
	CHECK(s.end[1].delivered == 1 && s.end[1].order_ok && s.end[1].private_delivered == 0);
	CHECK(chat_peer_pending(s.end[0].peer) == 0);
	sim_free(&s);
}

/* A path change resets backoff and retransmits at once. */
static void
test_path_change(void)
{
	struct sim s;
	uint64_t t;

	sim_init(&s, 5);
	s.down = 1;
	send_n(&s, 0, 0);
	send_n(&s, 0, 1);
	run_until(&s, s.now + 25000);		/* backoff now at the ceiling */
	CHECK(chat_peer_next_deadline(s.end[0].peer) - s.now > 1000);
	s.down = 0;
	t = s.now;
	chat_peer_path_changed(s.end[0].peer);
	run_until(&s, s.now + 100);
	CHECK(s.end[1].delivered == 2 && s.end[1].order_ok);
	CHECK(s.end[1].last_delivery_ms - t <= s.delay_ms);
	CHECK(s.end[0].acked == 2);
	sim_free(&s);
}

/* Duplicated frames: delivered once, re-acknowledged. */
static void
test_duplicates(void)
{
	struct sim s;
	struct chat_peer_stats st;
	uint8_t frame[CHAT_FRAME_MAX];
	struct chat_frame f = { .type = CHAT_MSG, .text = (const uint8_t *)"n0", .text_len = 2 };
	size_t len;
	long i;

	sim_init(&s, 6);
	s.duplicate = 1;
	s.jitter_ms = 10;
	for (i = 0; i < 100; i++) {
		send_n(&s, 0, i);
		run_until(&s, s.now + 3);
	}
	run_until(&s, s.now + 10000);
	chat_peer_get_stats(s.end[1].peer, &st);
	CHECK(s.end[1].delivered == 100 && s.end[1].order_ok);
	CHECK(st.drops[CHAT_DROP_DUPLICATE] >= 100);
	CHECK(s.end[0].acked == 100);
	sim_free(&s);

	/* By hand: the same frame twice, then counter 0, then too far ahead. */
	sim_init(&s, 7);
	f.seq = (UINT64_C(1234) << CHAT_SEQ_COUNTER_BITS) | 1;
	len = chat_encode(frame, sizeof(frame), &f);
	CHECK(chat_peer_input(s.end[1].peer, frame, len) == CHAT_DROP_NONE);
	CHECK(s.nq == 1);				/* ACK */
	CHECK(chat_peer_input(s.end[1].peer, frame, len) == CHAT_DROP_DUPLICATE);
	CHECK(s.nq == 2);				/* re-ACK */
	CHECK(s.end[1].delivered == 1);
	f.seq = UINT64_C(1234) << CHAT_SEQ_COUNTER_BITS;
	len = chat_encode(frame, sizeof(frame), &f);
	CHECK(chat_peer_input(s.end[1].peer, frame, len) == CHAT_DROP_SEQ);
	f.seq = (UINT64_C(1234) << CHAT_SEQ_COUNTER_BITS) | (2 + CHAT_RECV_WINDOW);
	len = chat_encode(frame, sizeof(frame), &f);
	CHECK(chat_peer_input(s.end[1].peer, frame, len) == CHAT_DROP_WINDOW);
	f.seq = (UINT64_C(1233) << CHAT_SEQ_COUNTER_BITS) | 5;
	len = chat_encode(frame, sizeof(frame), &f);
	CHECK(chat_peer_input(s.end[1].peer, frame, len) == CHAT_DROP_STALE);
	/* An ACK of what was never sent, an ACK of another epoch. */
	f = (struct chat_frame){ .type = CHAT_ACK, .seq = 5 };
	len = chat_encode(frame, sizeof(frame), &f);
	CHECK(chat_peer_input(s.end[1].peer, frame, len) == CHAT_DROP_STALE);
	CHECK(chat_peer_input(s.end[1].peer, (const uint8_t *)"\x91\x07", 2) == CHAT_DROP_TYPE);
	chat_peer_get_stats(s.end[1].peer, &st);
	CHECK(st.drops[CHAT_DROP_TYPE] == 1 && st.drops[CHAT_DROP_STALE] == 2);
	sim_free(&s);
}

/* The sender restarts: a new epoch, delivered from its counter 1 on. */
static void
test_sender_restart(void)
{
	struct sim s;
	long i;

	sim_init(&s, 8);
	s.jitter_ms = 20;
	for (i = 0; i < 5; i++)
		send_n(&s, 0, i);
	run_until(&s, s.now + 2000);
	CHECK(s.end[1].delivered == 5);

	/* Crash, restart 3 s later; first messages reordered and one lost. */
	run_until(&s, s.now + 3000);
	peer_start(&s, 0);
	s.loss_pct = 30;
	chat_peer_send_hello(s.end[0].peer, (const uint8_t *)"alice", 5);
	for (i = 5; i < 20; i++)
		send_n(&s, 0, i);
	run_until(&s, s.now + 30000);
	CHECK(s.end[1].delivered == 20 && s.end[1].order_ok);

	/* Restart with the wall clock stepped back an hour: stale until its
	 * HELLO says a new session may start lower. */
	s.loss_pct = 0;
	s.unix_offset[0] -= 3600 * 1000;
	peer_start(&s, 0);
	send_n(&s, 0, 20);
	run_until(&s, s.now + 2000);
	CHECK(s.end[1].delivered == 20);
	peer_start(&s, 0);
	chat_peer_send_hello(s.end[0].peer, (const uint8_t *)"alice", 5);
	run_until(&s, s.now + 10);
	send_n(&s, 0, 20);
	run_until(&s, s.now + 2000);
	CHECK(s.end[1].delivered == 21 && s.end[1].order_ok);
	CHECK(s.end[1].hellos == 2);
	sim_free(&s);
}

/* The receiver restarts: its ACK of counter 0 makes the sender renumber. */
static void
test_receiver_restart(void)
{
	struct sim s;
	struct chat_peer_stats st;
	long i;

	sim_init(&s, 9);
	for (i = 0; i < 5; i++)
		send_n(&s, 1, i);
	run_until(&s, s.now + 5000);
	CHECK(s.end[0].delivered == 5);

	/* Peer 0 restarts with messages of peer 1 in flight. */
	s.down = 1;
	for (i = 5; i < 8; i++)
		send_n(&s, 1, i);
	run_until(&s, s.now + 100);
	peer_start(&s, 0);
	s.end[0].base = 5;
	s.down = 0;
	run_until(&s, s.now + 20000);
	chat_peer_get_stats(s.end[1].peer, &st);
	CHECK(st.resyncs == 1);
	/* The new incarnation gets what was never acknowledged, once, in order. */
	CHECK(s.end[0].delivered == 3 && s.end[0].order_ok);
	CHECK(s.end[1].acked == 8 && s.end[1].undelivered == 0);
	sim_free(&s);

	/* Restart within the guard time: resync waits for it, then happens. */
	sim_init(&s, 10);
	send_n(&s, 1, 0);
	run_until(&s, s.now + 100);
	peer_start(&s, 0);
	s.end[0].base = 1;
	send_n(&s, 1, 1);
	run_until(&s, s.now + 20000);
	chat_peer_get_stats(s.end[1].peer, &st);
	CHECK(st.resyncs == 1);
	CHECK(s.end[0].delivered == 1 && s.end[0].order_ok);
	CHECK(s.end[1].acked == 2);
	sim_free(&s);
}

/* BYE: what is in flight is reported at once; the next session is clean. */
static void
test_bye(void)
{
	struct sim s;

	sim_init(&s, 11);
	s.down = 1;
	send_n(&s, 0, 0);
	send_n(&s, 0, 1);
	s.down = 0;
	chat_peer_send_bye(s.end[1].peer);
	run_until(&s, s.now + 100);
	CHECK(s.end[0].byes == 1 && s.end[0].undelivered == 2);
	CHECK(chat_peer_pending(s.end[0].peer) == 0);
	peer_start(&s, 1);
	send_n(&s, 0, 0);
	run_until(&s, s.now + 1000);
	CHECK(s.end[1].delivered == 1 && s.end[1].order_ok);
	sim_free(&s);
}

static void
test_api(void)
{
	struct sim s;
	uint8_t big[CHAT_TEXT_MAX + 1];
	uint64_t id;
	int i, r = 0;

	sim_init(&s, 12);
	memset(big, 'x', sizeof(big));
	CHECK(chat_peer_send(s.end[0].peer, big, 0, &id) == -EINVAL);
	CHECK(chat_peer_send(s.end[0].peer, big, sizeof(big), &id) == -EINVAL);
	CHECK(chat_peer_send(s.end[0].peer, (const uint8_t *)"\xff", 1, &id) == -EINVAL);
	CHECK(chat_peer_send(s.end[0].peer, big, CHAT_TEXT_MAX, &id) == 0 && id == 1);
	s.down = 1;
	for (i = 1; i < CHAT_SEND_QUEUE_MAX; i++)
		r |= chat_peer_send(s.end[0].peer, big, 1, &id);
	CHECK(r == 0 && id == CHAT_SEND_QUEUE_MAX);
	CHECK(chat_peer_send(s.end[0].peer, big, 1, &id) == -ENOBUFS);
	CHECK(chat_peer_send_hello(s.end[0].peer, big, CHAT_NICK_MAX + 1) == -EINVAL);
	/* Freeing reports what is pending. */
	chat_peer_free(s.end[0].peer);
	s.end[0].peer = NULL;
	CHECK(s.end[0].undelivered == CHAT_SEND_QUEUE_MAX);
	chat_peer_free(NULL);
	sim_free(&s);
}

int
main(void)
{
	test_lossy_bulk();
	test_rtt();
	test_backoff();
	test_undelivered();
	test_path_change();
	test_duplicates();
	test_sender_restart();
	test_receiver_restart();
	test_bye();
	test_flags();
	test_api();
	return check_exit("test_chat_reliable");
}
