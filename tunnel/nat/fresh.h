/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fresh.h — freshness of probes and relay messages (doc/PROTOCOL.md
 * "Freshness"). Every sealed probe-family message carries ts, its sender's
 * unix time in ms made strictly increasing (fresh_stamp: max(now, last + 1),
 * one sequence per sender for every type and every receiver). A receiver
 * accepts ts only
 *
 *   - within FRESH_SKEW_MS of its own clock either way (`stale` otherwise:
 *     a message captured earlier than that is dead even to a receiver that
 *     restarted and forgot everything), and
 *   - once per sender: a window of FRESH_WINDOW values below the highest ts
 *     accepted from that sender, as RFC 6479 (`replay` for a ts seen, or
 *     one below the window).
 *
 * Senders are their WireGuard keys, as the messages name them; the table
 * keeps FRESH_SENDERS of them and forgets the least recently heard. Only
 * the sender itself can make a message that gets this far (the room's AEAD
 * and the pairwise tag under the key of sender and receiver come first),
 * and only peers of ours have such a key: at most PEERS_MAX, fewer than
 * FRESH_SENDERS, so nobody is ever forgotten while it is a peer. Pure: no
 * clock of its own, no allocation after fresh_new().
 */
#ifndef GONET_FRESH_H
#define GONET_FRESH_H

#include <stdint.h>

enum {
	FRESH_KEY_LEN = 32,
	FRESH_SKEW_MS = 1200 * 1000,	/* as records: exp <= now + 1200 */
	FRESH_WINDOW = 1024,		/* ms of reordering tolerated per sender */
	FRESH_SENDERS = 256
};

enum fresh_result {
	FRESH_OK = 0,
	FRESH_STALE,			/* ts more than FRESH_SKEW_MS from now */
	FRESH_REPLAY			/* seen before, or below the sender's window */
};

struct fresh;

struct fresh *fresh_new(void);
void fresh_free(struct fresh *f);		/* accepts NULL */

/* The next ts of ours: max(now_unix_ms, *last + 1); *last is updated. */
uint64_t fresh_stamp(uint64_t *last, uint64_t now_unix_ms);

/* 1 if |ts - now| <= FRESH_SKEW_MS (the check of fresh_check that needs no state), else 0. */
int fresh_skew_ok(uint64_t ts, uint64_t now_unix_ms);

/*
 * Check ts from sender against now (unix ms) and, when it is fresh,
 * remember it: FRESH_OK only once per (sender, ts).
 */
enum fresh_result fresh_check(struct fresh *f, const uint8_t sender[FRESH_KEY_LEN], uint64_t ts,
    uint64_t now_unix_ms);

/* "ok", "stale", "replay". */
const char *fresh_result_name(enum fresh_result r);

#endif
