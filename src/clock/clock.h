/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * clock.h — the one clock every timed part of gonet reads: monotonic time
 * for deadlines, wall time for record expiry, epochs and message stamps.
 *
 * A clock is two functions and their argument, so a test passes its own
 * (time that moves only when the test says so) and a module never calls
 * clock_gettime itself. The real clock is CLOCK_MONOTONIC and CLOCK_REALTIME
 * plus an offset: GONET_FAKE_TIME_OFFSET puts a whole process's wall clock
 * elsewhere, the way a machine with a wrong clock would be.
 *
 * Timers on a clock are timer.h's.
 */
#ifndef GONET_CLOCK_H
#define GONET_CLOCK_H

#include <stdint.h>
#include <time.h>

struct clock {
	uint64_t (*mono_ns)(void *arg);	/* never goes back */
	uint64_t (*unix_ms)(void *arg);	/* ms since 1970, may jump */
	void *arg;
};

static inline uint64_t
clock_mono_ns(const struct clock *c)
{
	return c->mono_ns(c->arg);
}

static inline uint64_t
clock_mono_ms(const struct clock *c)
{
	return c->mono_ns(c->arg) / 1000000u;
}

static inline uint64_t
clock_unix_ms(const struct clock *c)
{
	return c->unix_ms(c->arg);
}

/* The wall clock as a timespec (WireGuard's TAI64N timestamps). */
void clock_wall(const struct clock *c, struct timespec *ts);

/* The real clock; it reads *unix_offset_ms (the caller keeps it) at every call. */
struct clock clock_real(const int64_t *unix_offset_ms);

#endif
