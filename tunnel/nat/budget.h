/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * budget.h — how many punching pings we may send, as pure functions of a
 * monotonic millisecond clock the caller passes in. Every candidate we ping
 * came from someone else's record, and anyone who knows the room string can
 * publish records: without a budget, N forged records whose candidates all
 * name one victim make every member send N x 8 pairs x 14 pings there in
 * 20 s. Two token buckets bound it:
 *
 *   global       all pings of this session: BUDGET_RATE a second, bursts
 *                of BUDGET_BURST
 *   destination  pings to one address (an IPv4 address, an IPv6 /64: a
 *                victim has many ports): BUDGET_DEST_RATE a second, bursts
 *                of BUDGET_DEST_BURST, in a table of BUDGET_DEST_SLOTS
 *                buckets keyed by a secret hash (chosen addresses cannot
 *                aim at one bucket)
 *
 * A ping over either budget is not sent (punching treats it as lost) and is
 * counted. The caller asks budget_take() before each ping; pings to a peer
 * that proved itself (an authenticated packet) skip the global bucket, so
 * forged records cannot starve the members we know of it.
 */
#ifndef GONET_TUNNEL_BUDGET_H
#define GONET_TUNNEL_BUDGET_H

#include <stdint.h>

#include "tunnel/net/bucket.h"
#include "tunnel/net/endpoint.h"

enum {
	/*
	 * A 64-member room starting at once: 63 peers x ~3 pairs x 5 pings in
	 * the first 1.5 s is ~950 pings, then ~95 a second (a ping per pair
	 * every 2 s): the burst and the rate cover it with room to spare.
	 */
	BUDGET_BURST = 1200,
	BUDGET_RATE = 200,
	/*
	 * One pair needs 14 pings in 20 s, 5 of them in the first 1.5 s, and
	 * stops at its first pong; members behind one NAT share its public
	 * address: a dozen of them punched at once (their srflx and dht pairs,
	 * 5 pings each before the first pong can come back) fit in the burst.
	 * A victim address gets at most BURST + RATE x t pings from us
	 * whatever the records say (before: 14 x 8 per record in 20 s).
	 */
	BUDGET_DEST_BURST = 64,
	BUDGET_DEST_RATE = 4,
	/*
	 * Four times the addresses PEERS_MAX peers can name (8 candidates
	 * each): at that load a run of BUDGET_DEST_PROBE slots all busy is
	 * rare; an address that finds none is refused (BUDGET_TABLE), never
	 * given a fresh bucket. A bucket full again is forgotten.
	 */
	BUDGET_DEST_SLOTS = 4096,
	BUDGET_DEST_PROBE = 16		/* slots looked at per address before refusing */
};

enum budget_verdict {
	BUDGET_OK = 0,
	BUDGET_GLOBAL,			/* over the session's rate */
	BUDGET_DEST,			/* over the destination's rate */
	BUDGET_TABLE,			/* no bucket free for a new destination */
	BUDGET__COUNT
};

struct budget_bucket {
	uint8_t key[8];			/* the destination's hashed address; 0 free */
	struct bucket tokens;
};

struct budget {
	uint8_t hash_key[16];
	struct bucket tokens;
	struct budget_bucket dest[BUDGET_DEST_SLOTS];
	uint64_t counts[BUDGET__COUNT];	/* pings allowed (BUDGET_OK) and refused, by why */
};

const char *budget_verdict_name(enum budget_verdict v);
/* Full buckets at now; the hash key is random. */
void budget_init(struct budget *b, uint64_t now_ms);
/* May one ping go to "to" now? Takes a token from both buckets (known: the destination's only). */
enum budget_verdict budget_take(struct budget *b, const struct endpoint *to, int known,
    uint64_t now_ms);

#endif
