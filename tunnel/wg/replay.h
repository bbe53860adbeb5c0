/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * replay.h — the sliding window that rejects replayed or too old transport
 * counters (RFC 6479), 8192 bits of which 8128 are the window, as Linux.
 */
#ifndef GONET_TUNNEL_REPLAY_H
#define GONET_TUNNEL_REPLAY_H

#include <stdint.h>

#include "tunnel/wg/messages.h"

enum {
	WG_REPLAY_WORDS = COUNTER_BITS_TOTAL / 64
};

struct wg_replay {
	uint64_t	counter;	/* highest accepted counter + 1 */
	uint64_t	backtrack[WG_REPLAY_WORDS];
};

void wg_replay_init(struct wg_replay *r);
/*
 * Should be called only for packets that authenticated. Returns 1 and marks
 * the counter seen if it is new and inside the window, 0 otherwise.
 */
int wg_replay_check(struct wg_replay *r, uint64_t their_counter);

#endif
