/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * replay.c — this is RFC 6479, a replay detection bitmap algorithm that
 * avoids bitshifts: the window is a ring of 64-bit words, and moving it
 * forward only clears the words it passes over.
 */
#include "config.h"

#include <string.h>

#include "tunnel/wg/replay.h"

void
wg_replay_init(struct wg_replay *r)
{
	memset(r, 0, sizeof *r);
}

int
wg_replay_check(struct wg_replay *r, uint64_t their_counter)
{
	uint64_t	 index, index_current, top, i, bit;

	if (r->counter >= (uint64_t)REJECT_AFTER_MESSAGES + 1 ||
	    their_counter >= (uint64_t)REJECT_AFTER_MESSAGES)
		return 0;

	/* The window works on counter + 1 so that 0 means "nothing yet". */
	++their_counter;

	/* Too old: left of the window. */
	if (COUNTER_WINDOW_SIZE + their_counter < r->counter)
		return 0;

	index = their_counter >> 6;

	if (their_counter > r->counter) {
		/* Move the window forward, clearing the words it passes. */
		index_current = r->counter >> 6;
		top = index - index_current;
		if (top > WG_REPLAY_WORDS)
			top = WG_REPLAY_WORDS;
		for (i = 1; i <= top; ++i)
			r->backtrack[(i + index_current) & (WG_REPLAY_WORDS - 1)] = 0;
		r->counter = their_counter;
	}

	index &= WG_REPLAY_WORDS - 1;
	bit = UINT64_C(1) << (their_counter & 63);
	if (r->backtrack[index] & bit)
		return 0;
	r->backtrack[index] |= bit;
	return 1;
}
