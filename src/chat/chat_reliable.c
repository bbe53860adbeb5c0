/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * chat_reliable.c — selective-repeat ARQ over MSG/ACK frames, per peer.
 *
 * Sequence numbers: seq = epoch << 20 | counter. The epoch is our unix time
 * in ms when this sending session began (strictly increasing within the
 * process); the counter starts at 1. A receiver therefore knows where every
 * session starts: a higher epoch is a restarted sender, and counter 1 is its
 * first message even when messages arrive reordered or the first is lost.
 *
 * Sender: messages wait in outq in the order written. At most
 * CHAT_SEND_WINDOW counters past the cumulative ACK are in flight; each
 * in-flight message is retransmitted when its own timer (RTO, doubled per
 * consecutive timeout) runs out. RTO is RFC 6298's: SRTT and RTTVAR from
 * samples of messages acknowledged without any retransmission in the acked
 * range (Karn's algorithm), RTO = SRTT + max(G, 4 RTTVAR), clamped.
 * A message unacknowledged CHAT_UNDELIVERED_MS after it was written is
 * reported undelivered; if it was ever transmitted it stays in flight as a
 * filler (empty text), so the receiver's in-order delivery can move past it.
 *
 * Receiver: delivers counters in order, buffers up to CHAT_RECV_WINDOW ahead,
 * and answers every MSG of the current session (new, duplicate or too far
 * ahead) with a cumulative ACK of the highest counter delivered in order.
 * An ACK of counter 0 thus means "nothing of this session delivered yet"; a
 * sender that already had counters acknowledged in that session learns that
 * the receiver lost its state (it restarted) and renumbers its unacknowledged
 * messages into a fresh epoch, which the new receiver starts at counter 1.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "src/chat/chat_reliable.h"
#include "src/ui/sanitize.h"
#include "dht/wire/utf8.h"

#ifndef TAILQ_FOREACH_SAFE	/* BSD has it, glibc's sys/queue.h does not */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

#define EPOCH_MAX ((UINT64_C(1) << (64 - CHAT_SEQ_COUNTER_BITS)) - 1)

struct chat_out {
	TAILQ_ENTRY(chat_out) entry;
	uint64_t id;			/* ours, shown to the user */
	uint64_t counter;		/* 0 until first transmitted in this epoch */
	uint64_t written_ms;		/* mono */
	uint64_t unix_ms;
	uint64_t last_tx_ms;		/* mono */
	unsigned tx_count;		/* in this epoch; > 1 excludes an RTT sample */
	int filler;			/* reported undelivered, kept to fill its seq */
	uint64_t flags;			/* enum chat_flag: sent as XMSG when not 0 */
	size_t len;
	uint8_t text[];
};

struct chat_in {
	uint64_t counter;		/* 0: slot empty */
	uint64_t unix_ms;
	uint64_t flags;
	uint8_t *text;			/* NULL for a filler */
	size_t len;
};

struct chat_peer {
	struct clock clock;
	struct chat_peer_ops ops;
	void *arg;

	/* Sending. Invariant: transmitted messages (counter != 0) precede the
	 * others in outq, in counter order. */
	TAILQ_HEAD(, chat_out) outq;
	size_t pending;			/* in outq and not fillers */
	uint64_t next_id;
	uint64_t tx_epoch;
	uint64_t next_counter;
	uint64_t acked;			/* cumulative ACK in tx_epoch */
	uint64_t first_ack_ms;		/* when acked first went above 0 */
	int rtt_valid;
	uint64_t srtt_us;
	uint64_t rttvar_us;
	unsigned backoff;

	/* Receiving. */
	uint64_t peer_version;		/* from its latest HELLO; 0: none yet */
	int rx_known;
	int rx_allow_older;		/* HELLO or BYE seen: a lower epoch may follow */
	uint64_t rx_epoch;
	uint64_t rx_next;		/* next counter to deliver */
	struct chat_in rx[CHAT_RECV_WINDOW];

	struct chat_peer_stats stats;
};

static uint64_t
now_ms(const struct chat_peer *p)
{
	return clock_mono_ms(&p->clock);
}

static uint64_t
rto_ms(const struct chat_peer *p)
{
	uint64_t rto, var;

	if (!p->rtt_valid)
		rto = CHAT_RTO_INITIAL_MS;
	else {
		var = 4 * p->rttvar_us;
		if (var < 1000)
			var = 1000;		/* G: the clock's granularity */
		rto = (p->srtt_us + var + 999) / 1000;
	}
	if (rto < CHAT_RTO_MIN_MS)
		rto = CHAT_RTO_MIN_MS;
	if (rto > CHAT_RTO_MAX_MS)
		rto = CHAT_RTO_MAX_MS;
	return rto;
}

/* The retransmission timeout in force, after backoff. */
static uint64_t
timeout_ms(const struct chat_peer *p)
{
	uint64_t t = rto_ms(p) << p->backoff;

	return t > CHAT_RTO_MAX_MS ? CHAT_RTO_MAX_MS : t;
}

/* RFC 6298 section 2. */
static void
rtt_sample(struct chat_peer *p, uint64_t r_ms)
{
	uint64_t r = r_ms * 1000, d;

	if (!p->rtt_valid) {
		p->srtt_us = r;
		p->rttvar_us = r / 2;
		p->rtt_valid = 1;
		return;
	}
	d = p->srtt_us > r ? p->srtt_us - r : r - p->srtt_us;
	p->rttvar_us = (3 * p->rttvar_us + d) / 4;
	p->srtt_us = (7 * p->srtt_us + r) / 8;
}

static void
new_epoch(struct chat_peer *p)
{
	uint64_t e = clock_unix_ms(&p->clock);

	if (e <= p->tx_epoch)
		e = p->tx_epoch + 1;
	if (e > EPOCH_MAX)
		e = EPOCH_MAX;		/* the year 2527 */
	p->tx_epoch = e;
	p->next_counter = 1;
	p->acked = 0;
	p->first_ack_ms = 0;
}

static void
emit(struct chat_peer *p, const struct chat_frame *f)
{
	uint8_t buf[CHAT_FRAME_MAX];
	size_t len;

	if ((len = chat_encode(buf, sizeof(buf), f)) > 0)
		p->ops.transmit(p->arg, buf, len);
}

static void
transmit_out(struct chat_peer *p, struct chat_out *o, uint64_t now)
{
	/* A filler is a plain MSG: its flags went with its text. */
	struct chat_frame f = {
		.type = o->flags != 0 && !o->filler ? CHAT_XMSG : CHAT_MSG,
		.seq = p->tx_epoch << CHAT_SEQ_COUNTER_BITS | o->counter,
		.unix_ms = o->unix_ms,
		.flags = o->filler ? 0 : o->flags,
		.text = o->text,
		.text_len = o->filler ? 0 : o->len,
	};

	emit(p, &f);
	o->last_tx_ms = now;
	if (o->tx_count++ == 0)
		p->stats.sent++;
	else
		p->stats.retransmitted++;
}

static void
send_ack(struct chat_peer *p)
{
	struct chat_frame f = {
		.type = CHAT_ACK,
		.seq = p->rx_epoch << CHAT_SEQ_COUNTER_BITS | (p->rx_next - 1),
	};

	emit(p, &f);
}

static void
remove_out(struct chat_peer *p, struct chat_out *o)
{
	TAILQ_REMOVE(&p->outq, o, entry);
	if (!o->filler)
		p->pending--;
	free(o);
}

static void
report_undelivered(struct chat_peer *p, struct chat_out *o)
{
	p->stats.undelivered++;
	if (p->ops.undelivered != NULL)
		p->ops.undelivered(p->arg, o->id, o->text, o->len);
}

/* Transmit queued messages while the window has room. */
static void
pump(struct chat_peer *p)
{
	struct chat_out *o;
	uint64_t now = now_ms(p);

	TAILQ_FOREACH(o, &p->outq, entry) {
		if (o->counter != 0)
			continue;
		if (p->next_counter > CHAT_SEQ_COUNTER_MAX) {
			/* Counters exhausted: a new epoch, once nothing of
			 * the old one is in flight (it would become stale). */
			if (o != TAILQ_FIRST(&p->outq))
				break;
			new_epoch(p);
		}
		if (p->next_counter > p->acked + CHAT_SEND_WINDOW)
			break;
		o->counter = p->next_counter++;
		o->tx_count = 0;
		transmit_out(p, o, now);
	}
}

/* The receiver lost its state: start our unacknowledged messages afresh. */
static void
resync(struct chat_peer *p)
{
	struct chat_out *o, *next;

	p->stats.resyncs++;
	new_epoch(p);
	TAILQ_FOREACH_SAFE(o, &p->outq, entry, next) {
		if (o->filler && o->counter != 0) {
			remove_out(p, o);	/* its gap is gone with the old epoch */
			continue;
		}
		o->counter = 0;
		o->tx_count = 0;
	}
	p->backoff = 0;
	pump(p);
}

struct chat_peer *
chat_peer_new(const struct clock *clock, const struct chat_peer_ops *ops, void *arg)
{
	struct chat_peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->clock = *clock;
	p->ops = *ops;
	p->arg = arg;
	TAILQ_INIT(&p->outq);
	p->next_id = 1;
	new_epoch(p);
	p->stats.rto_ms = rto_ms(p);
	return p;
}

static void
clear_rx(struct chat_peer *p)
{
	size_t i;

	for (i = 0; i < CHAT_RECV_WINDOW; i++) {
		free(p->rx[i].text);
		memset(&p->rx[i], 0, sizeof(p->rx[i]));
	}
}

void
chat_peer_free(struct chat_peer *p)
{
	struct chat_out *o;

	if (p == NULL)
		return;
	while ((o = TAILQ_FIRST(&p->outq)) != NULL) {
		if (!o->filler)
			report_undelivered(p, o);
		remove_out(p, o);
	}
	clear_rx(p);
	free(p);
}

int
chat_peer_send(struct chat_peer *p, const uint8_t *text, size_t len, uint64_t *id)
{
	return chat_peer_send_flags(p, text, len, 0, id);
}

int
chat_peer_send_flags(struct chat_peer *p, const uint8_t *text, size_t len, uint64_t flags,
    uint64_t *id)
{
	struct chat_out *o;

	if (len == 0 || len > CHAT_TEXT_MAX || !utf8_valid(text, len))
		return -EINVAL;
	if (p->pending >= CHAT_SEND_QUEUE_MAX)
		return -ENOBUFS;
	if ((o = calloc(1, sizeof(*o) + len)) == NULL)
		return -ENOMEM;
	o->id = p->next_id++;
	o->written_ms = now_ms(p);
	o->unix_ms = clock_unix_ms(&p->clock);
	o->flags = flags;
	o->len = len;
	memcpy(o->text, text, len);
	TAILQ_INSERT_TAIL(&p->outq, o, entry);
	p->pending++;
	if (id != NULL)
		*id = o->id;
	pump(p);
	return 0;
}

int
chat_peer_send_hello(struct chat_peer *p, const uint8_t *nick, size_t len)
{
	struct chat_frame f = {
		.type = CHAT_HELLO,
		.nick = nick,
		.nick_len = len,
		.version = CHAT_VERSION,
	};

	if (len > CHAT_NICK_MAX || !utf8_valid(nick, len))
		return -EINVAL;
	emit(p, &f);
	return 0;
}

int
chat_peer_send_bye(struct chat_peer *p)
{
	struct chat_frame f = { .type = CHAT_BYE };

	emit(p, &f);
	return 0;
}

static enum chat_drop
input_msg(struct chat_peer *p, const struct chat_frame *f)
{
	uint64_t epoch = f->seq >> CHAT_SEQ_COUNTER_BITS;
	uint64_t counter = f->seq & CHAT_SEQ_COUNTER_MAX;
	struct chat_in *slot, in;
	struct chat_delivery d;

	if (counter == 0)
		return CHAT_DROP_SEQ;
	if (!p->rx_known || epoch > p->rx_epoch ||
	    (epoch < p->rx_epoch && p->rx_allow_older)) {
		/* A new session of the peer: it starts at counter 1. */
		clear_rx(p);
		p->rx_known = 1;
		p->rx_epoch = epoch;
		p->rx_next = 1;
		p->stats.peer_sessions++;
	} else if (epoch < p->rx_epoch)
		return CHAT_DROP_STALE;		/* its old session: no ACK */
	p->rx_allow_older = 0;

	if (counter < p->rx_next) {
		send_ack(p);			/* our ACK may have been lost */
		return CHAT_DROP_DUPLICATE;
	}
	if (counter - p->rx_next >= CHAT_RECV_WINDOW) {
		send_ack(p);
		return CHAT_DROP_WINDOW;
	}
	slot = &p->rx[counter % CHAT_RECV_WINDOW];
	if (slot->counter == counter) {
		send_ack(p);
		return CHAT_DROP_DUPLICATE;
	}
	/* Slots of counters below rx_next were emptied on delivery. */
	memset(slot, 0, sizeof(*slot));
	if (f->text_len > 0) {
		if ((slot->text = malloc(f->text_len)) == NULL)
			return CHAT_DROP_NOMEM;	/* no ACK: it comes again */
		memcpy(slot->text, f->text, f->text_len);
	}
	slot->counter = counter;
	slot->unix_ms = f->unix_ms;
	slot->flags = f->type == CHAT_XMSG ? f->flags : 0;
	slot->len = f->text_len;

	while ((slot = &p->rx[p->rx_next % CHAT_RECV_WINDOW])->counter == p->rx_next) {
		in = *slot;
		memset(slot, 0, sizeof(*slot));
		d.seq = p->rx_epoch << CHAT_SEQ_COUNTER_BITS | p->rx_next;
		p->rx_next++;
		if (in.text == NULL) {
			if (p->ops.lost != NULL)
				p->ops.lost(p->arg, d.seq);
		} else {
			p->stats.delivered++;
			if (in.flags & CHAT_FLAG_PRIVATE)
				p->stats.delivered_private++;
			d.unix_ms = in.unix_ms;
			d.flags = in.flags;
			d.text = in.text;
			d.len = in.len;
			if (p->ops.deliver != NULL)
				p->ops.deliver(p->arg, &d);
		}
		free(in.text);
	}
	send_ack(p);
	return CHAT_DROP_NONE;
}

static enum chat_drop
input_ack(struct chat_peer *p, const struct chat_frame *f)
{
	uint64_t epoch = f->seq >> CHAT_SEQ_COUNTER_BITS;
	uint64_t n = f->seq & CHAT_SEQ_COUNTER_MAX;
	uint64_t now = now_ms(p), sample = 0;
	struct chat_out *o;
	int karn_ok = 1;

	if (epoch != p->tx_epoch)
		return CHAT_DROP_STALE;
	if (n >= p->next_counter)
		return CHAT_DROP_SEQ;		/* acknowledges what we never sent */
	if (n == 0) {
		/* See the top of this file; younger ACKs of 0 may be reordered. */
		if (p->acked > 0 && now - p->first_ack_ms >= CHAT_RESYNC_GUARD_MS)
			resync(p);
		return CHAT_DROP_NONE;
	}
	if (n <= p->acked)
		return CHAT_DROP_NONE;		/* an older cumulative ACK */

	while ((o = TAILQ_FIRST(&p->outq)) != NULL &&
	    o->counter != 0 && o->counter <= n) {
		if (o->tx_count != 1)
			karn_ok = 0;
		if (o->counter == n)
			sample = now - o->last_tx_ms;
		if (!o->filler) {
			p->stats.acked++;
			if (p->ops.acked != NULL)
				p->ops.acked(p->arg, o->id);
		}
		remove_out(p, o);
	}
	if (karn_ok)
		rtt_sample(p, sample);
	if (p->acked == 0)
		p->first_ack_ms = now;
	p->acked = n;
	p->backoff = 0;
	pump(p);
	return CHAT_DROP_NONE;
}

enum chat_drop
chat_peer_input_frame(struct chat_peer *p, const struct chat_frame *f)
{
	enum chat_drop r = CHAT_DROP_NONE;
	struct chat_out *o;

	switch (f->type) {
	case CHAT_HELLO:
		p->rx_allow_older = 1;
		p->peer_version = f->version;
		if (p->ops.hello != NULL)
			p->ops.hello(p->arg, f->nick, f->nick_len, f->version);
		break;
	case CHAT_MSG:
	case CHAT_XMSG:
		r = input_msg(p, f);
		break;
	case CHAT_ACK:
		r = input_ack(p, f);
		break;
	case CHAT_BYE:
		/* The peer's session ended: nothing in flight will be acked,
		 * and its next session starts from nothing. */
		p->rx_allow_older = 1;
		while ((o = TAILQ_FIRST(&p->outq)) != NULL) {
			if (!o->filler)
				report_undelivered(p, o);
			remove_out(p, o);
		}
		new_epoch(p);
		p->backoff = 0;
		if (p->ops.bye != NULL)
			p->ops.bye(p->arg);
		break;
	default:
		r = CHAT_DROP_TYPE;
		break;
	}
	if (r != CHAT_DROP_NONE)
		p->stats.drops[r]++;
	return r;
}

enum chat_drop
chat_peer_input(struct chat_peer *p, const uint8_t *buf, size_t len)
{
	struct chat_frame f;
	enum chat_drop r;

	if ((r = chat_decode(&f, buf, len)) != CHAT_DROP_NONE) {
		p->stats.drops[r]++;
		return r;
	}
	return chat_peer_input_frame(p, &f);
}

uint64_t
chat_peer_next_deadline(const struct chat_peer *p)
{
	const struct chat_out *o;
	uint64_t t, best = UINT64_MAX, rto = timeout_ms(p);

	TAILQ_FOREACH(o, &p->outq, entry) {
		if (!o->filler && (t = o->written_ms + CHAT_UNDELIVERED_MS) < best)
			best = t;
		if (o->counter != 0 && (t = o->last_tx_ms + rto) < best)
			best = t;
	}
	return best;
}

void
chat_peer_on_timer(struct chat_peer *p)
{
	struct chat_out *o, *next;
	uint64_t now = now_ms(p), rto = timeout_ms(p);
	int fired = 0;

	TAILQ_FOREACH_SAFE(o, &p->outq, entry, next) {
		if (!o->filler && now - o->written_ms >= CHAT_UNDELIVERED_MS) {
			report_undelivered(p, o);
			if (o->counter == 0) {
				remove_out(p, o);
				continue;
			}
			o->filler = 1;		/* keeps its seq, sent empty */
			p->pending--;
		}
		if (o->counter != 0 && now - o->last_tx_ms >= rto) {
			transmit_out(p, o, now);
			fired = 1;
		}
	}
	/* RFC 6298 5.5: back off once per expiry, not per message. */
	if (fired && p->backoff < CHAT_BACKOFF_MAX)
		p->backoff++;
	pump(p);
}

void
chat_peer_path_changed(struct chat_peer *p)
{
	struct chat_out *o;
	uint64_t now = now_ms(p);

	p->rtt_valid = 0;		/* the new path has its own RTT */
	p->backoff = 0;
	TAILQ_FOREACH(o, &p->outq, entry) {
		if (o->counter != 0)
			transmit_out(p, o, now);
	}
	pump(p);
}

uint64_t
chat_peer_version(const struct chat_peer *p)
{
	return p->peer_version;
}

void
chat_peer_get_stats(const struct chat_peer *p, struct chat_peer_stats *st)
{
	*st = p->stats;
	st->srtt_ms = p->rtt_valid ? p->srtt_us / 1000 : 0;
	st->rttvar_ms = p->rtt_valid ? p->rttvar_us / 1000 : 0;
	st->rto_ms = rto_ms(p);
}

size_t
chat_peer_pending(const struct chat_peer *p)
{
	return p->pending;
}
