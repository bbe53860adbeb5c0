/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_replay.c — the RFC 6479 window (tunnel/wg/replay.c) as a table, after
 * Linux's selftest/counter.c: in order, out of order, the window edge, too
 * old, huge jumps and the REJECT_AFTER_MESSAGES limit.
 */
#include "config.h"

#include "tests/unit/wgtest.h"
#include "tunnel/wg/replay.h"

static struct wg_replay	 r;
static int		 step;

#define T_INIT	do { wg_replay_init(&r); step = 0; } while (0)
#define T(n, v) do {							\
	++step;								\
	if (wg_replay_check(&r, (n)) != (v)) {				\
		fprintf(stderr, "  step %d: counter %llu\n", step,	\
		    (unsigned long long)(n));				\
		CHECK(!"replay table");					\
	} else								\
		CHECK(1);						\
} while (0)

enum {
	T_LIM = COUNTER_WINDOW_SIZE + 1
};

int
main(void)
{
	uint64_t	 i;
	const uint64_t	 RAM = REJECT_AFTER_MESSAGES;

	CHECK_EQ(COUNTER_WINDOW_SIZE, 8128);	/* >= 2048, as the design asks */
	CHECK_EQ(RAM, UINT64_MAX - 8192);	/* 2^64 - 2^13 - 1 */

	T_INIT;
	/*  1 */ T(0, 1);
	/*  2 */ T(1, 1);
	/*  3 */ T(1, 0);
	/*  4 */ T(9, 1);
	/*  5 */ T(8, 1);
	/*  6 */ T(7, 1);
	/*  7 */ T(7, 0);
	/*  8 */ T(T_LIM, 1);
	/*  9 */ T(T_LIM - 1, 1);
	/* 10 */ T(T_LIM - 1, 0);
	/* 11 */ T(T_LIM - 2, 1);
	/* 12 */ T(2, 1);
	/* 13 */ T(2, 0);
	/* 14 */ T(T_LIM + 16, 1);
	/* 15 */ T(3, 0);
	/* 16 */ T(T_LIM + 16, 0);
	/* 17 */ T(T_LIM * 4, 1);
	/* 18 */ T(T_LIM * 4 - (T_LIM - 1), 1);
	/* 19 */ T(10, 0);
	/* 20 */ T(T_LIM * 4 - T_LIM, 0);
	/* 21 */ T(T_LIM * 4 - (T_LIM + 1), 0);
	/* 22 */ T(T_LIM * 4 - (T_LIM - 2), 1);
	/* 23 */ T(T_LIM * 4 + 1 - T_LIM, 0);
	/* 24 */ T(0, 0);
	/* 25 */ T(RAM, 0);
	/* 26 */ T(RAM - 1, 1);
	/* 27 */ T(RAM, 0);
	/* 28 */ T(RAM - 1, 0);
	/* 29 */ T(RAM - 2, 1);
	/* 30 */ T(RAM + 1, 0);
	/* 31 */ T(RAM + 2, 0);
	/* 32 */ T(RAM - 2, 0);
	/* 33 */ T(RAM - 3, 1);
	/* 34 */ T(0, 0);
	/* 35 */ T(UINT64_MAX, 0);

	/* Exactly a window in order, then 0 is still inside. */
	T_INIT;
	for (i = 1; i <= COUNTER_WINDOW_SIZE; ++i)
		T(i, 1);
	T(0, 1);
	T(0, 0);

	/* One more: 0 fell out of the window, 1 is at its edge. */
	T_INIT;
	for (i = 2; i <= COUNTER_WINDOW_SIZE + 1; ++i)
		T(i, 1);
	T(1, 1);
	T(0, 0);

	/* Reverse order, a full window. */
	T_INIT;
	for (i = COUNTER_WINDOW_SIZE + 1; i-- > 0;)
		T(i, 1);

	T_INIT;
	for (i = COUNTER_WINDOW_SIZE + 2; i-- > 1;)
		T(i, 1);
	T(0, 0);

	T_INIT;
	for (i = COUNTER_WINDOW_SIZE + 1; i-- > 1;)
		T(i, 1);
	T(COUNTER_WINDOW_SIZE + 1, 1);
	T(0, 0);

	T_INIT;
	for (i = COUNTER_WINDOW_SIZE + 1; i-- > 1;)
		T(i, 1);
	T(0, 1);
	T(COUNTER_WINDOW_SIZE + 1, 1);

	/* A huge jump clears the whole ring: nothing old survives as "seen". */
	T_INIT;
	for (i = 0; i < 100; i++)
		T(i, 1);
	T(1000000000ULL, 1);
	T(1000000000ULL - 1, 1);
	T(1000000000ULL - COUNTER_WINDOW_SIZE, 1);
	T(1000000000ULL - COUNTER_WINDOW_SIZE - 1, 0);
	T(99, 0);

	return check_exit("test_replay");
}
