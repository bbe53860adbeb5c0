/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * punch.h — the hole-punching schedule over candidate pairs, as pure
 * functions of a monotonic millisecond clock the caller passes in. No
 * sockets: punch_on_timer() says which pairs to ping now (with which
 * transaction id), punch_on_pong() takes the verified pongs.
 *
 * Every pair is pinged at 0, 100, 300, 700, 1500 ms after punch_start(), then
 * every 2 s (3500, 5500, ... 19500 ms) while under 20 s; a pair stops at its
 * first pong (it is then "working") and fails at 20 s without one. The first
 * working pair is selected at once; a later one replaces it when it is direct
 * and the selected one is a relay, when it is global IPv6 (2000::/3) and the
 * selected one is not (no NAT in the way, so no mapping to expire or
 * collide), or, between pairs alike in both, when its RTT is under 3/4 of
 * the selected one's (the margin keeps the choice from flapping).
 */
#ifndef GONET_PUNCH_H
#define GONET_PUNCH_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/nat/cand.h"
#include "tunnel/net/endpoint.h"

enum {
	PUNCH_MAX_PAIRS = CAND_PAIRS_MAX,
	PUNCH_END_MS = 20000,		/* no ping at or after this; waiting pairs fail here */
	PUNCH_STEADY_MS = 2000,		/* interval after the fast start */
	PUNCH_SLOTS = 14,		/* scheduled pings: 0 .. 19500 ms */
	PUNCH_TRIGGERED_MAX = 4,	/* extra pings triggered by the peer's pings, per pair */
	PUNCH_MAX_PINGS = PUNCH_SLOTS + PUNCH_TRIGGERED_MAX,
	PUNCH_TXID_LEN = 12,		/* = PROBE_TXID_LEN: 10 random bytes, 2-byte ping number */
	PUNCH_TXID_RANDOM = 10,
	PUNCH_BETTER_NUM = 3,		/* a new pair wins on RTT below 3/4 of the selected */
	PUNCH_BETTER_DEN = 4
};

enum punch_pair_state {
	PUNCH_PAIR_WAITING = 0,		/* pinging, no pong yet */
	PUNCH_PAIR_WORKING,		/* a pong came back */
	PUNCH_PAIR_FAILED		/* 20 s without a pong */
};

struct punch_pair {
	struct cand_pair pair;
	enum punch_pair_state state;
	uint8_t txid[PUNCH_TXID_LEN];	/* random prefix; the last 2 bytes number the ping */
	unsigned slot;			/* next scheduled ping (index into the schedule) */
	unsigned pings;			/* sent so far */
	uint64_t next_ms;		/* next ping, or the failure time */
	uint64_t sent_ms[PUNCH_MAX_PINGS];
	uint32_t rtt_ms;		/* of the first pong */
	uint64_t working_ms;
	struct endpoint from;		/* where the pong came from: send here */
	struct endpoint observed;	/* our address as the peer saw it (a pong's report) */
};

struct punch {
	int running;
	uint64_t start_ms;
	unsigned n;
	struct punch_pair pairs[PUNCH_MAX_PAIRS];
	int selected;			/* index of the pair in use, -1 */
};

/* A ping to send now: to pairs[pair].pair.remote, with this transaction id. */
struct punch_ping {
	unsigned pair;
	uint8_t txid[PUNCH_TXID_LEN];
};

enum punch_pong {
	PUNCH_PONG_UNKNOWN = 0,		/* no ping of ours has this id: drop */
	PUNCH_PONG_WORKING,		/* the pair just started working */
	PUNCH_PONG_SELECTED,		/* ... and is now the selected pair (first, or better) */
	PUNCH_PONG_DUPLICATE		/* the pair already worked (a pong to an earlier ping) */
};

/* Offset of scheduled ping k from the start, UINT64_MAX past the last one. */
uint64_t punch_schedule_offset(unsigned k);

/* Start punching pairs (at most PUNCH_MAX_PAIRS); the first pings are due at now. */
void punch_start(struct punch *p, const struct cand_pair *pairs, unsigned n, uint64_t now_ms);
/* Stop: no more deadlines; the selection is kept. */
void punch_stop(struct punch *p);
/* When punch_on_timer must run next; UINT64_MAX if never. */
uint64_t punch_next_deadline(const struct punch *p);
/*
 * Advance to now: fill out with the pings due (at most max; the rest stay
 * due) and fail pairs at 20 s. Returns the number of pings in out.
 */
unsigned punch_on_timer(struct punch *p, uint64_t now_ms, struct punch_ping *out, unsigned max);
/*
 * A verified pong echoing txid arrived from "from", reporting our address as
 * "observed" (may be NULL).
 */
enum punch_pong punch_on_pong(struct punch *p, const uint8_t txid[PUNCH_TXID_LEN],
    const struct endpoint *from, const struct endpoint *observed, uint64_t now_ms);
/*
 * The peer's verified ping came from "from": if that is a waiting pair's
 * address, ping it at once (its NAT has just opened towards us). Returns 1 if
 * a ping was made due.
 */
int punch_on_peer_ping(struct punch *p, const struct endpoint *from, uint64_t now_ms);
/*
 * Add a pair while punching runs (an address found another way: port
 * prediction); its first ping is due at once, later ones on the schedule.
 * An existing pair to the same address is made due instead. Returns the
 * pair's index, or -1 (not running, past PUNCH_END_MS, or full).
 */
int punch_add(struct punch *p, const struct cand_pair *pair, uint64_t now_ms);
/* The selected pair, or NULL. */
const struct punch_pair *punch_selected(const struct punch *p);
/* 1 while some pair is still waiting. */
int punch_active(const struct punch *p);

#endif
