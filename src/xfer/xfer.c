/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer.c — the set of transfers (xfer.h): numbers for the user, the
 * budgets, dispatch of each datagram to its transfer, events.
 *
 * Who can send what: only a room member with a WireGuard session reaches
 * port 7779. What it makes us keep: an OFFER makes a transfer record (at
 * most XFERS_OFFERS_PER_PEER unanswered per peer, XFERS_MAX in all; an
 * offer nobody answers is dropped after XFER_OFFER_TTL_MS); nothing is
 * written to disk before the user accepts. Anything for a transfer we do not
 * know is counted and, for DATA, answered with CANCEL(unknown) so a sender
 * whose receiver forgot it stops at once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/xfer/xfer_impl.h"

uint64_t
xfer_now_ms(const struct xfers *x)
{
	return clock_mono_ms(timers_clock(x->env.timers));
}

uint64_t
xfer_now_ns(const struct xfers *x)
{
	return clock_mono_ns(timers_clock(x->env.timers));
}

static int
send_to(struct xfers *x, void *peer, const struct xfer_msg *m)
{
	size_t len = xfer_msg_build(x->buf, sizeof(x->buf), m);

	if (len == 0)
		return -EINVAL;
	return x->env.send(x->env.arg, peer, x->buf, len);
}

int
xfer_send_msg(struct xfer *t, const struct xfer_msg *m)
{
	return send_to(t->x, t->peer, m);
}

void
xfer_event(struct xfer *t, enum xfer_event_kind kind, const char *reason, const char *path)
{
	struct xfer_event ev;
	uint64_t done = t->outgoing ? (t->tx != NULL ? t->tx->una * XFER_SEG : 0) :
	    (t->rx != NULL ? t->rx->cum : 0);
	double left;

	if (done > t->size)
		done = t->size;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.n = t->n;
	ev.outgoing = t->outgoing;
	ev.peer = t->peer;
	ev.name = t->name;
	ev.size = t->size;
	ev.done = done;
	ev.from = t->from;
	ev.rate = t->rate;
	left = (double)(t->size - done);
	ev.eta_s = t->rate > 1 ? (int64_t)(left / t->rate + 0.5) : -1;
	ev.reason = reason;
	ev.path = path;
	t->x->env.event(t->x->env.arg, &ev);
}

/* The rate over the last second or so, and an event at most every XFER_PROGRESS_MS. */
void
xfer_progress(struct xfer *t, uint64_t done, int force)
{
	uint64_t now = xfer_now_ms(t->x);

	if (now >= t->rate_ms + 1000) {
		if (t->rate_ms != 0 && done >= t->rate_bytes)
			t->rate = (double)(done - t->rate_bytes) * 1000.0 / (double)(now - t->rate_ms);
		t->rate_ms = now;
		t->rate_bytes = done;
	}
	if (!force && now < t->progress_ms + XFER_PROGRESS_MS)
		return;
	t->progress_ms = now;
	t->progress_bytes = done;
	xfer_event(t, XEV_PROGRESS, NULL, NULL);
}

void
xfer_set_state(struct xfer *t, enum xfer_state st)
{
	t->state = st;
	t->state_ms = xfer_now_ms(t->x);
}

void
xfer_fail(struct xfer *t, const char *reason)
{
	if (t->state == X_DONE || t->state == X_FAILED)
		return;
	xfer_set_state(t, X_FAILED);
	xfer_event(t, XEV_FAILED, reason, NULL);
	timer_at(t->timer, t->state_ms + X_LINGER_MS);
}

static void
on_timer(void *arg)
{
	struct xfer *t = arg;

	if (t->state == X_DONE || t->state == X_FAILED) {
		if (xfer_now_ms(t->x) >= t->state_ms + X_LINGER_MS) {
			xfer_free(t);
			return;
		}
		timer_at(t->timer, t->state_ms + X_LINGER_MS);
		return;
	}
	if (t->outgoing)
		xfer_tx_timer(t);
	else
		xfer_rx_timer(t);
}

struct xfer *
xfer_new(struct xfers *x, void *peer, int outgoing)
{
	struct xfer *t;

	if (x->count >= XFERS_MAX || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->timer = timer_new(x->env.timers, on_timer, t)) == NULL) {
		free(t);
		return NULL;
	}
	t->x = x;
	t->n = ++x->next_n;
	t->outgoing = outgoing;
	t->peer = peer;
	t->created_ms = t->state_ms = xfer_now_ms(x);
	t->next = x->list;
	x->list = t;
	x->count++;
	return t;
}

void
xfer_free(struct xfer *t)
{
	struct xfer **pp;

	if (t == NULL)
		return;
	for (pp = &t->x->list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->x->count--;
	xfer_tx_free(t);
	xfer_rx_free(t);
	timer_free(t->timer);
	sodium_memzero(t, sizeof(*t));
	free(t);
}

struct xfers *
xfers_new(const struct xfer_env *env)
{
	struct xfers *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->env = *env;
	x->store.dirfd = -1;
	return x;
}

void
xfers_free(struct xfers *x)
{
	if (x == NULL)
		return;
	while (x->list != NULL)
		xfer_free(x->list);
	store_close(&x->store);
	free(x);
}

static struct xfer *
find_n(struct xfers *x, unsigned n)
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		if (t->n == n)
			return t;
	return NULL;
}

static struct xfer *
find_id(struct xfers *x, void *peer, const uint8_t id[XFER_ID_LEN])
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		if (t->peer == peer && sodium_memcmp(t->id, id, XFER_ID_LEN) == 0)
			return t;
	return NULL;
}

int
xfers_send(struct xfers *x, void *peer, const char *path)
{
	struct xfer *t;
	int r;

	if ((t = xfer_new(x, peer, 1)) == NULL) {
		x->st.refused++;
		return -EBUSY;
	}
	if ((r = xfer_tx_start(t, path)) != 0) {
		xfer_free(t);
		return r;
	}
	return (int)t->n;
}

int
xfers_accept(struct xfers *x, unsigned n, char *err, size_t errlen)
{
	struct xfer *t = find_n(x, n);
	int r;

	if (t == NULL || t->outgoing || t->state != RX_OFFERED) {
		snprintf(err, errlen, "no offer %u waits for an answer", n);
		return -ENOENT;
	}
	if (!x->store_open) {
		if ((r = store_open(&x->store, x->env.download_dir, err, errlen)) != 0)
			return r;
		x->store_open = 1;
	}
	return xfer_rx_accept(t, err, errlen);
}

int
xfers_reject(struct xfers *x, unsigned n)
{
	struct xfer *t = find_n(x, n);
	struct xfer_msg m;

	if (t == NULL || t->outgoing || t->state != RX_OFFERED)
		return -ENOENT;
	memset(&m, 0, sizeof(m));
	m.type = XFER_REJECT;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.code = XFER_REASON_DECLINED;
	(void)xfer_send_msg(t, &m);
	xfer_fail(t, "rejected");
	return 0;
}

int
xfers_cancel(struct xfers *x, unsigned n)
{
	struct xfer *t = find_n(x, n);
	struct xfer_msg m;

	if (t == NULL || t->state == X_DONE || t->state == X_FAILED)
		return -ENOENT;
	memset(&m, 0, sizeof(m));
	m.type = XFER_CANCEL;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.code = XFER_REASON_STOPPED;
	(void)xfer_send_msg(t, &m);
	xfer_fail(t, "cancelled");
	return 0;
}

/* Count the offers from peer still waiting for the user. */
static unsigned
offers_from(const struct xfers *x, const void *peer)
{
	const struct xfer *t;
	unsigned n = 0;

	for (t = x->list; t != NULL; t = t->next)
		n += t->peer == peer && !t->outgoing && t->state == RX_OFFERED;
	return n;
}

void
xfers_input(struct xfers *x, void *peer, const char *fp, const uint8_t *buf, size_t len)
{
	struct xfer_msg m;
	struct xfer *t;
	enum xfer_drop d;

	if ((d = xfer_msg_parse(buf, len, &m)) != XFER_OK) {
		x->st.dropped[d]++;
		return;
	}
	t = find_id(x, peer, m.id);
	if (t == NULL) {
		if (m.type == XFER_OFFER) {
			if (offers_from(x, peer) >= XFERS_OFFERS_PER_PEER ||
			    xfer_rx_offer(x, peer, fp, &m) != 0)
				x->st.refused++;
			return;
		}
		x->st.unknown++;
		if (m.type == XFER_DATA) {
			/* A sender whose receiver forgot it: stop it at once. */
			struct xfer_msg c;

			memset(&c, 0, sizeof(c));
			c.type = XFER_CANCEL;
			memcpy(c.id, m.id, XFER_ID_LEN);
			c.code = XFER_REASON_UNKNOWN;
			(void)send_to(x, peer, &c);
		}
		return;
	}
	if (t->outgoing)
		xfer_tx_input(t, &m);
	else
		xfer_rx_input(t, &m);
}

void
xfers_peer_up(struct xfers *x, void *peer)
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		if (t->peer == peer && t->outgoing)
			xfer_tx_kick(t);
}

void
xfers_peer_gone(struct xfers *x, void *peer)
{
	struct xfer *t, *next;

	for (t = x->list; t != NULL; t = next) {
		next = t->next;
		if (t->peer != peer)
			continue;
		xfer_fail(t, "peer-left");
		xfer_free(t);
	}
}

void
xfers_list(struct xfers *x)
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		xfer_event(t, t->state == RX_OFFERED ? XEV_OFFERED : XEV_PROGRESS, NULL, NULL);
}

const struct xfer_stats *
xfers_stats(const struct xfers *x)
{
	return &x->st;
}
