/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.c — the real clock (clock.h). */
#include "config.h"

#include <time.h>

#include "src/clock/clock.h"

static uint64_t
real_mono_ns(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
real_unix_ms(void *arg)
{
	const int64_t *offset = arg;
	struct timespec ts;
	int64_t ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (offset != NULL)
		ms += *offset;
	return ms > 0 ? (uint64_t)ms : 0;
}

struct clock
clock_real(const int64_t *unix_offset_ms)
{
	struct clock c = { real_mono_ns, real_unix_ms, (void *)(uintptr_t)unix_offset_ms };

	return c;
}

void
clock_wall(const struct clock *c, struct timespec *ts)
{
	uint64_t ms = clock_unix_ms(c);

	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
}
