/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer_core.c — what the sender and the receiver share (xfer_impl.h): the
 * clock, sending a message, events and the rate, failing. A leaf: it calls
 * neither side, and xfer.c, which dispatches to both, is the top.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

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

int
xfer_send_to(struct xfers *x, void *peer, const struct xfer_msg *m)
{
	size_t len = xfer_msg_build(x->buf, sizeof(x->buf), m);

	if (len == 0)
		return -EINVAL;
	return x->env.send(x->env.arg, peer, x->buf, len);
}

int
xfer_send_msg(struct xfer *t, const struct xfer_msg *m)
{
	return xfer_send_to(t->x, t->peer, m);
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

