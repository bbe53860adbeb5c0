/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * timer.h — timers on a clock (clock.h), kept in one min-heap per set.
 *
 * With an event base, the set arms one libevent timer at its earliest
 * deadline and runs what is due when it fires; a part of gonet never arms a
 * libevent timer itself. Without one (tests), nothing fires by itself: the
 * test moves its clock and calls timers_run(), so a whole session runs on a
 * manual clock, deterministically, with no sleeps.
 *
 * Rules: callbacks run on the loop's thread, earliest deadline first (ties
 * in arming order); a callback may arm, stop or free any timer, itself
 * included; a timer is disarmed when its callback runs; one armed by a
 * callback for now or earlier is due 1 ns later (the next loop turn), so a
 * callback that re-arms itself at now cannot loop.
 *
 * Driving it by hand (tests):
 *	ts = timers_new(NULL, &clock);
 *	while ((next = timers_next(ts)) != UINT64_MAX) {
 *		move the clock to next; timers_run(ts);
 *	}
 */
#ifndef GONET_TIMER_H
#define GONET_TIMER_H

#include <stdint.h>

struct clock;
struct event_base;
struct timers;
struct timer;

/* base NULL: a manual set (timers_run only). The clock must outlive the set. */
struct timers *timers_new(struct event_base *base, const struct clock *clock);
/* Every timer of the set must have been freed. NULL is fine. */
void timers_free(struct timers *ts);
const struct clock *timers_clock(const struct timers *ts);

struct timer *timer_new(struct timers *ts, void (*fn)(void *arg), void *arg);
void timer_free(struct timer *t);	/* NULL is fine; stops it first */

/* Fire at a monotonic deadline (ms or ns); a past one fires as soon as possible. */
void timer_at(struct timer *t, uint64_t mono_ms);
void timer_at_ns(struct timer *t, uint64_t mono_ns);
/* Fire in delay_ms from now. */
void timer_in(struct timer *t, uint64_t delay_ms);
void timer_stop(struct timer *t);
int timer_armed(const struct timer *t);
/* The deadline in ns, UINT64_MAX when not armed. */
uint64_t timer_deadline_ns(const struct timer *t);

/* The earliest deadline in ns, UINT64_MAX when nothing is armed. */
uint64_t timers_next(const struct timers *ts);
/* Run every timer due at the clock's now; returns how many ran. */
unsigned timers_run(struct timers *ts);

#endif
