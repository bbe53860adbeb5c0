/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * timer.c — timers on a clock (timer.h): a binary min-heap ordered by
 * (deadline, arming order), each timer knowing its slot so that re-arming
 * and stopping are O(log n). A set with an event base keeps one libevent
 * timer armed at the heap's top.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"

enum {
	NOT_IN_HEAP = (unsigned)-1,
	HEAP_MIN = 16
};

struct timer {
	struct timers *ts;
	void (*fn)(void *arg);
	void *arg;
	uint64_t deadline;		/* ns */
	uint64_t order;			/* arming order: ties fire first armed, first run */
	unsigned slot;			/* in ts->heap, or NOT_IN_HEAP */
};

struct timers {
	const struct clock *clock;
	struct event *ev;		/* NULL: manual */
	uint64_t ev_deadline;		/* what ev is armed for; UINT64_MAX: not armed */
	struct timer **heap;
	unsigned n, cap;
	uint64_t order;
	int running;			/* inside timers_run: arm ev once at the end */
	uint64_t run_now;		/* the now of that run */
};

static int
before(const struct timer *a, const struct timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->order < b->order);
}

static void
place(struct timers *ts, struct timer *t, unsigned i)
{
	ts->heap[i] = t;
	t->slot = i;
}

static void
sift_up(struct timers *ts, unsigned i)
{
	struct timer *t = ts->heap[i];

	while (i > 0 && before(t, ts->heap[(i - 1) / 2])) {
		place(ts, ts->heap[(i - 1) / 2], i);
		i = (i - 1) / 2;
	}
	place(ts, t, i);
}

static void
sift_down(struct timers *ts, unsigned i)
{
	struct timer *t = ts->heap[i];
	unsigned c;

	while ((c = 2 * i + 1) < ts->n) {
		if (c + 1 < ts->n && before(ts->heap[c + 1], ts->heap[c]))
			c++;
		if (!before(ts->heap[c], t))
			break;
		place(ts, ts->heap[c], i);
		i = c;
	}
	place(ts, t, i);
}

static void
heap_remove(struct timers *ts, struct timer *t)
{
	unsigned i = t->slot;
	struct timer *last;

	t->slot = NOT_IN_HEAP;
	last = ts->heap[--ts->n];
	if (last == t)
		return;
	place(ts, last, i);
	if (i > 0 && before(last, ts->heap[(i - 1) / 2]))
		sift_up(ts, i);
	else
		sift_down(ts, i);
}

static int
heap_insert(struct timers *ts, struct timer *t)
{
	if (ts->n == ts->cap) {
		unsigned cap = ts->cap ? ts->cap * 2 : HEAP_MIN;
		struct timer **h = realloc(ts->heap, cap * sizeof(*h));

		if (h == NULL)
			return -1;
		ts->heap = h;
		ts->cap = cap;
	}
	place(ts, t, ts->n++);
	sift_up(ts, t->slot);
	return 0;
}

/* Keep the libevent timer at the heap's top (event sets only). */
static void
rearm(struct timers *ts)
{
	uint64_t next = timers_next(ts), now, d;
	struct timeval tv;

	if (ts->ev == NULL || ts->running || next == ts->ev_deadline)
		return;
	ts->ev_deadline = next;
	if (next == UINT64_MAX) {
		event_del(ts->ev);
		return;
	}
	now = clock_mono_ns(ts->clock);
	d = next > now ? next - now : 0;
	/* Round up to the next microsecond: firing early would only re-arm. */
	tv.tv_sec = (time_t)(d / 1000000000u);
	tv.tv_usec = (suseconds_t)((d % 1000000000u + 999) / 1000);
	if (tv.tv_usec >= 1000000) {
		tv.tv_sec++;
		tv.tv_usec -= 1000000;
	}
	evtimer_add(ts->ev, &tv);
}

static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	struct timers *ts = arg;

	(void)fd;
	(void)what;
	ts->ev_deadline = UINT64_MAX;
	(void)timers_run(ts);
}

struct timers *
timers_new(struct event_base *base, const struct clock *clock)
{
	struct timers *ts;

	if ((ts = calloc(1, sizeof(*ts))) == NULL)
		return NULL;
	ts->clock = clock;
	ts->ev_deadline = UINT64_MAX;
	if (base != NULL && (ts->ev = evtimer_new(base, on_event, ts)) == NULL) {
		free(ts);
		return NULL;
	}
	return ts;
}

void
timers_free(struct timers *ts)
{
	if (ts == NULL)
		return;
	if (ts->ev != NULL)
		event_free(ts->ev);
	free(ts->heap);
	free(ts);
}

const struct clock *
timers_clock(const struct timers *ts)
{
	return ts->clock;
}

struct timer *
timer_new(struct timers *ts, void (*fn)(void *arg), void *arg)
{
	struct timer *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ts = ts;
	t->fn = fn;
	t->arg = arg;
	t->deadline = UINT64_MAX;
	t->slot = NOT_IN_HEAP;
	return t;
}

void
timer_free(struct timer *t)
{
	if (t == NULL)
		return;
	timer_stop(t);
	free(t);
}

void
timer_at_ns(struct timer *t, uint64_t mono_ns)
{
	struct timers *ts = t->ts;

	if (mono_ns == UINT64_MAX) {
		timer_stop(t);
		return;
	}
	/* Armed from a callback for now or earlier: the next run, never this one. */
	if (ts->running && mono_ns <= ts->run_now)
		mono_ns = ts->run_now + 1;
	if (t->slot != NOT_IN_HEAP)
		heap_remove(ts, t);
	t->deadline = mono_ns;
	t->order = ts->order++;
	if (heap_insert(ts, t) != 0) {
		t->deadline = UINT64_MAX;	/* out of memory: the timer stays stopped */
		return;
	}
	rearm(ts);
}

void
timer_at(struct timer *t, uint64_t mono_ms)
{
	timer_at_ns(t, mono_ms == UINT64_MAX || mono_ms > UINT64_MAX / 1000000u ? UINT64_MAX :
	    mono_ms * 1000000u);
}

void
timer_in(struct timer *t, uint64_t delay_ms)
{
	timer_at(t, clock_mono_ms(t->ts->clock) + delay_ms);
}

void
timer_stop(struct timer *t)
{
	if (t->slot == NOT_IN_HEAP)
		return;
	heap_remove(t->ts, t);
	t->deadline = UINT64_MAX;
	rearm(t->ts);
}

int
timer_armed(const struct timer *t)
{
	return t->slot != NOT_IN_HEAP;
}

uint64_t
timer_deadline_ns(const struct timer *t)
{
	return t->slot != NOT_IN_HEAP ? t->deadline : UINT64_MAX;
}

uint64_t
timers_next(const struct timers *ts)
{
	return ts->n > 0 ? ts->heap[0]->deadline : UINT64_MAX;
}

unsigned
timers_run(struct timers *ts)
{
	uint64_t now = clock_mono_ns(ts->clock);
	unsigned ran = 0;
	struct timer *t;

	ts->running++;
	ts->run_now = now;
	while (ts->n > 0 && (t = ts->heap[0])->deadline <= now) {
		heap_remove(ts, t);
		t->deadline = UINT64_MAX;
		t->fn(t->arg);
		ran++;
	}
	ts->running--;
	rearm(ts);
	return ran;
}
