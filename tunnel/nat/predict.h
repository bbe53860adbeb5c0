/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * predict.h — birthday-paradox port prediction for a pair where one side's
 * NAT maps per destination ("hard": natclass SEQUENTIAL or RANDOM) and the
 * other's does not ("easy": EIM, typically port-restricted). Pure code: no
 * socket, no clock, no probe bytes; the caller opens sockets, sends the
 * probes (the room-MACed ping of tunnel/nat/probe.h) and reports hits.
 *
 *   hard side  opens PREDICT_SOCKETS sockets, one after another, each
 *              sending one ping to the easy side's mapped address (its
 *              srflx candidate): every socket gets a fresh mapping on the
 *              hard NAT, open to exactly that address. Each socket lives
 *              PREDICT_SOCKET_LIFE_MS, then closes.
 *   easy side  sends PREDICT_PROBES pings from its data socket to the hard
 *              side's public address, each to a port it has not tried yet:
 *              for a SEQUENTIAL NAT first the ports the hard side's
 *              sockets will get (last mapped port + delta x k, k = 1 ...
 *              PREDICT_SOCKETS + PREDICT_SEQ_MARGIN), then random ports
 *              above 1023. Each ping also opens the easy NAT's filter to
 *              that port, so the hard side's pings from a port it guessed
 *              get in too.
 *
 * A hit is a verified ping or pong between the two. With n sockets and m
 * probes over the 64512 ports above 1023, P(hit) = 1 - (1 - n/64512)^m:
 * 256 x 1024 gives 98.3 %, 256 x 2048 99.97 % (predict_hit_probability);
 * we send 2048.
 * On a hit: the hard side adopts the socket that hit (PREDICT_ACT_ADOPT:
 * WireGuard's endpoint for the peer moves there, roaming copes) and closes
 * every other one; the easy side stops probing; either way the attempt is
 * over at once (PREDICT_HIT).
 *
 * Budgets, because a NAT's session table and a carrier's abuse detection
 * are real:
 *   PREDICT_SOCKETS      256   sockets per attempt (one NAT session each)
 *   PREDICT_PROBES      2048   easy-side probes per attempt
 *   PREDICT_RATE_PPS    1000   probes (or socket opens) a second, paced
 *                              every PREDICT_TICK_MS in bursts
 *   PREDICT_ATTEMPT_MS  3000   hard stop of an attempt, hit or not
 *   PREDICT_BACKOFF_MS 300000  no new attempt for the same pair before
 * so one attempt costs at most 256 sockets and 256 + 2048 datagrams, and a
 * pair that cannot be predicted costs that once every five minutes.
 *
 * Driving it: predict_start() when both sides' records say PREDICT
 * (natclass.h nat_pair_strategy), at the same moment on both sides (when
 * the second record arrives); call predict_on_timer() at predict_next()
 * and carry out the steps it returns; predict_on_hit() when a probe from
 * the peer verifies (on the hard side: from which socket).
 *
 * Wired in src/session/link/predict.c: the hard side's sockets are the
 * session wire's extra sockets (session.h aux_open), the adopted one a path
 * of its own through a synthetic endpoint (via.h).
 */
#ifndef GONET_PREDICT_H
#define GONET_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"

enum {
	PREDICT_SOCKETS = 256,		/* hard side: sockets (NAT sessions) per attempt */
	/*
	 * easy side: probes per attempt. 2048, not 1024: P(hit) 99.97 %
	 * instead of 98.3 %, and the two sides need not start within a
	 * few hundred ms of each other (they start when each sees the other's
	 * record): probes run ~2 s of the sockets' 3 s life, so the easy side
	 * may start up to ~1 s late, or early at ~0.2 % lost per 10 ms.
	 */
	PREDICT_PROBES = 2048,
	PREDICT_RATE_PPS = 1000,	/* either side: datagrams a second */
	PREDICT_TICK_MS = 10,		/* pacing granularity: RATE / 100 per tick */
	PREDICT_PER_TICK = PREDICT_RATE_PPS * PREDICT_TICK_MS / 1000,
	PREDICT_SOCKET_LIFE_MS = 3000,	/* a socket that has not hit closes by then */
	PREDICT_ATTEMPT_MS = 3000,	/* an attempt is over by then */
	PREDICT_BACKOFF_MS = 300000,	/* per pair, between attempts */
	PREDICT_SEQ_MARGIN = 64,	/* sequential: other hosts' flows take ports too */
	PREDICT_PORT_MIN = 1024,	/* NATs rarely hand out ports below */
	PREDICT_PORTS = 65536 - PREDICT_PORT_MIN
};

enum predict_role {
	PREDICT_HARD,			/* our NAT maps per destination */
	PREDICT_EASY			/* the peer's does */
};

enum predict_state {
	PREDICT_IDLE,			/* never started, or backoff over */
	PREDICT_RUNNING,
	PREDICT_HIT,			/* done: a pair works */
	PREDICT_EXHAUSTED		/* done: budget spent, no hit; backoff runs */
};

enum predict_action {
	PREDICT_ACT_OPEN_SEND,		/* hard: open socket .socket, ping .to from it */
	PREDICT_ACT_SEND,		/* easy: ping .to from the data socket */
	PREDICT_ACT_CLOSE,		/* hard: close socket .socket (lifetime, hit elsewhere, end) */
	PREDICT_ACT_ADOPT		/* hard: the path is socket .socket to .to */
};

struct predict_step {
	enum predict_action action;
	unsigned socket;		/* hard: 0 .. PREDICT_SOCKETS - 1 */
	struct endpoint to;
};

/* What the attempt is told. */
struct predict_plan {
	enum predict_role role;
	/* hard: the easy side's mapped address. easy: the hard side's public
	 * address (port = the last mapped port it published, for SEQUENTIAL). */
	struct endpoint peer;
	int sequential;			/* easy: the hard NAT steps ports by delta */
	int16_t delta;
};

struct predict {
	enum predict_state state;
	struct predict_plan plan;
	uint64_t start_ms;
	uint64_t next_ms;		/* the next tick; UINT64_MAX when done */
	uint64_t backoff_until_ms;
	unsigned opened;		/* hard: sockets opened this attempt */
	unsigned closed;		/* hard: ... and closed */
	unsigned sent;			/* datagrams sent this attempt */
	unsigned seq_k;			/* easy, sequential: the next k of the sweep */
	int hit_socket;			/* hard: the adopted socket, -1 */
	struct endpoint hit;		/* the peer's address that answered */
	uint64_t opened_ms[PREDICT_SOCKETS];	/* hard: when each socket opened; 0 closed */
	uint64_t rng;			/* easy: xorshift64*, seeded by the caller */
	uint8_t tried[PREDICT_PORTS / 8];	/* easy: ports probed this attempt */
};

/* P(at least one hit) for n sockets and m probes, as a fraction. */
double predict_hit_probability(unsigned sockets, unsigned probes);

/*
 * Start an attempt at now. seed: 8 random bytes' worth (the caller's
 * randombytes). Returns 0, or -1 while the pair's back-off runs or one
 * runs already (nothing changes).
 */
int predict_start(struct predict *p, const struct predict_plan *plan, uint64_t seed,
    uint64_t now_ms);
/* When predict_on_timer must run next; UINT64_MAX: never. */
uint64_t predict_next(const struct predict *p);
/*
 * What is due at now, at most max steps into out (PREDICT_PER_TICK + the
 * closes due suffice; pass PREDICT_SOCKETS + PREDICT_PER_TICK to never
 * leave any for the next call). Returns the number of steps.
 */
unsigned predict_on_timer(struct predict *p, uint64_t now_ms, struct predict_step *out,
    unsigned max);
/*
 * A verified probe from the peer, from address from; on the hard side,
 * arriving on socket (the data socket: -1). Ends the attempt (PREDICT_HIT);
 * the steps to carry out now (adopt, closes) go to out. Returns their number.
 */
unsigned predict_on_hit(struct predict *p, int socket, const struct endpoint *from,
    uint64_t now_ms, struct predict_step *out, unsigned max);

/*
 * Give up now (the peer went, or we stop): every open socket closes (the
 * steps to out) and the attempt counts as exhausted, its back-off from its
 * start. Returns the number of steps; nothing when no attempt runs.
 */
unsigned predict_stop(struct predict *p, uint64_t now_ms, struct predict_step *out, unsigned max);

/* Easy side: 1 if this attempt probed port (a ping from it came through our probe's hole). */
int predict_probed(const struct predict *p, unsigned port);

const char *predict_state_name(enum predict_state st);

#endif
