/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_timer.c — timers on a manual clock (src/clock/timer.c):
 *   - earliest first, ties in arming order; re-arming moves a timer, stop
 *     and free take it out, a past deadline fires at the next run;
 *   - a callback may free or re-arm another timer and itself; one that
 *     re-arms itself at now runs once per timers_run, never in a loop;
 *   - 20000 random operations on 64 timers against a naive model: the same
 *     callbacks in the same order.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "tests/check.h"

static uint64_t now_ns;

static uint64_t
fake_mono(void *arg)
{
	(void)arg;
	return now_ns;
}

static uint64_t
fake_unix(void *arg)
{
	(void)arg;
	return 1700000000000ull + now_ns / 1000000u;
}

static const struct clock fake = { fake_mono, fake_unix, NULL };

static char log_buf[256];
static size_t log_len;

struct probe {
	char name;
	struct timer *t;
	struct timer *victim;		/* freed by this one's callback */
	int rearm_now;			/* re-arms itself at now */
	int fired;
};

static void
on_fire(void *arg)
{
	struct probe *p = arg;

	p->fired++;
	if (log_len + 1 < sizeof(log_buf))
		log_buf[log_len++] = p->name;
	log_buf[log_len] = '\0';
	if (p->victim != NULL) {
		timer_free(p->victim);
		p->victim = NULL;
	}
	if (p->rearm_now)
		timer_at_ns(p->t, now_ns);
}

static void
advance_ms(struct timers *ts, uint64_t ms)
{
	uint64_t end = now_ns + ms * 1000000u, next;

	while ((next = timers_next(ts)) <= end) {
		if (next > now_ns)
			now_ns = next;
		(void)timers_run(ts);
	}
	now_ns = end;
}

static void
order_and_ties(void)
{
	struct timers *ts = timers_new(NULL, &fake);
	struct probe a = { .name = 'a' }, b = { .name = 'b' }, c = { .name = 'c' }, d = { .name = 'd' };

	now_ns = 0;
	log_len = 0;
	a.t = timer_new(ts, on_fire, &a);
	b.t = timer_new(ts, on_fire, &b);
	c.t = timer_new(ts, on_fire, &c);
	d.t = timer_new(ts, on_fire, &d);
	timer_at(a.t, 30);
	timer_at(b.t, 10);
	timer_at(c.t, 10);		/* tie with b, armed later: after it */
	timer_at(d.t, 20);
	CHECK_EQ(timers_next(ts), 10 * 1000000u);
	timer_at(d.t, 5);		/* moved earlier */
	timer_stop(a.t);
	CHECK(!timer_armed(a.t));
	CHECK_EQ(timer_deadline_ns(a.t), UINT64_MAX);
	advance_ms(ts, 100);
	CHECK_STR(log_buf, "dbc");
	CHECK(!timer_armed(b.t));	/* disarmed by firing */

	/* A deadline in the past fires at the next run. */
	timer_at(a.t, 1);
	CHECK_EQ(timers_run(ts), 1);
	CHECK_STR(log_buf, "dbca");
	CHECK_EQ(timers_next(ts), UINT64_MAX);

	/* timer_in counts from now; UINT64_MAX stops. */
	timer_in(b.t, 7);
	CHECK_EQ(timer_deadline_ns(b.t), now_ns + 7 * 1000000u);
	timer_at(b.t, UINT64_MAX);
	CHECK(!timer_armed(b.t));

	timer_free(a.t);
	timer_free(b.t);
	timer_free(c.t);
	timer_free(d.t);
	timer_free(NULL);
	timers_free(ts);
}

static void
callbacks_change_timers(void)
{
	struct timers *ts = timers_new(NULL, &fake);
	struct probe a = { .name = 'a' }, b = { .name = 'b' }, c = { .name = 'c' };

	now_ns = 0;
	log_len = 0;
	log_buf[0] = '\0';
	a.t = timer_new(ts, on_fire, &a);
	b.t = timer_new(ts, on_fire, &b);
	c.t = timer_new(ts, on_fire, &c);
	/* a frees b, which was due at the same instant */
	a.victim = b.t;
	timer_at(a.t, 10);
	timer_at(b.t, 10);
	/* c re-arms itself at now: once per run, not forever */
	c.rearm_now = 1;
	timer_at(c.t, 10);
	now_ns = 10 * 1000000u;
	CHECK_EQ(timers_run(ts), 2);	/* a, then c; b was freed */
	CHECK_STR(log_buf, "ac");
	CHECK(timer_armed(c.t));
	CHECK_EQ(timers_run(ts), 0);	/* not in a run at the same instant */
	CHECK_EQ(timers_next(ts), now_ns + 1);	/* the next instant */
	now_ns = timers_next(ts);
	CHECK_EQ(timers_run(ts), 1);
	CHECK_EQ(c.fired, 2);
	c.rearm_now = 0;
	now_ns = timers_next(ts);
	CHECK_EQ(timers_run(ts), 1);
	CHECK_EQ(timers_next(ts), UINT64_MAX);
	timer_free(a.t);
	timer_free(c.t);
	timers_free(ts);
}

/* --- against a naive model ------------------------------------------------------ */

enum {
	NT = 64,
	OPS = 20000
};

struct model {
	uint64_t deadline;		/* UINT64_MAX: not armed */
	uint64_t order;
};

static struct model model[NT];
static uint64_t model_order;
static int fired_seq[OPS * 2], nfired;

static void
on_model(void *arg)
{
	fired_seq[nfired++] = (int)(intptr_t)arg;
}

static uint64_t
rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The model's due timers at now, in (deadline, order) order. */
static int
model_run(uint64_t now, int *out)
{
	int n = 0;

	for (;;) {
		int best = -1;

		for (int i = 0; i < NT; i++)
			if (model[i].deadline <= now && (best < 0 ||
			    model[i].deadline < model[best].deadline ||
			    (model[i].deadline == model[best].deadline &&
			    model[i].order < model[best].order)))
				best = i;
		if (best < 0)
			return n;
		out[n++] = best;
		model[best].deadline = UINT64_MAX;
	}
}

static void
random_against_model(void)
{
	struct timers *ts = timers_new(NULL, &fake);
	struct timer *t[NT];
	int want[NT], mismatches = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	now_ns = 1000;
	for (int i = 0; i < NT; i++) {
		t[i] = timer_new(ts, on_model, (void *)(intptr_t)i);
		model[i].deadline = UINT64_MAX;
	}
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rng(&seed);
		int i = (int)(r % NT);

		switch ((r >> 8) % 4) {
		case 0:
		case 1: {
			uint64_t d = now_ns + (r >> 16) % 5000;

			timer_at_ns(t[i], d);
			model[i].deadline = d;
			model[i].order = model_order++;
			break;
		}
		case 2:
			timer_stop(t[i]);
			model[i].deadline = UINT64_MAX;
			break;
		case 3: {
			int n;

			now_ns += (r >> 16) % 3000;
			nfired = 0;
			(void)timers_run(ts);
			n = model_run(now_ns, want);
			if (n != nfired || memcmp(want, fired_seq, (size_t)n * sizeof(int)) != 0)
				mismatches++;
			break;
		}
		}
		if (timers_next(ts) != UINT64_MAX) {
			uint64_t m = UINT64_MAX;

			for (int k = 0; k < NT; k++)
				if (model[k].deadline < m)
					m = model[k].deadline;
			if (m != timers_next(ts))
				mismatches++;
		}
	}
	CHECK_EQ(mismatches, 0);
	for (int i = 0; i < NT; i++)
		timer_free(t[i]);
	CHECK_EQ(timers_next(ts), UINT64_MAX);
	timers_free(ts);
}

int
main(void)
{
	order_and_ties();
	callbacks_change_timers();
	random_against_model();
	return check_exit("test_timer");
}
