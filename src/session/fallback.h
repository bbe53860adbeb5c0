/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fallback.h — the policy: which kind of path a peer gets, and when. This is
 * the only place that says it (the kinds themselves are under link/).
 *
 *   direct  at once: every pair of the peer's record is punched for
 *           PUNCH_END_MS (20 s); again every FALLBACK_RETRY_MS while the
 *           peer is reached only through a relay, TURN or the DHT mailbox
 *           (doubling each time while it was never heard from)
 *   relay   after FALLBACK_RELAY_MS of punching without a pair, or once
 *           punching failed: the members that are up are asked whether
 *           they reach the peer, again every FALLBACK_RELAY_REPEAT_MS
 *           (doubling each time while it was never heard from)
 *   turn    pairs toward the peer's TURN relay candidate are pinged from
 *           FALLBACK_TURN_MS of punching on (a peer relay had its chance)
 *   dht     once punching failed, or as soon as the peer's chat frames
 *           come through our DHT mailbox (it has no path to us either)
 *   predict when one side's NAT maps per destination and the other's does
 *           not (nat_pair_strategy PREDICT): at once when punching starts,
 *           again while the peer is reached only through a relay, TURN or
 *           the DHT mailbox; the link (link/predict.c) holds each pair to
 *           one attempt per PREDICT_BACKOFF_MS and one attempt at a time
 *
 * Unless the NAT classes say punching alone cannot work
 * (tunnel/nat/natclass.h nat_pair_strategy: ours from STUN, the peer's
 * from its record's "nat" key, port-mapped and global IPv6 candidates on
 * either side): then relay and turn are due at once and dht after
 * FALLBACK_HARD_DHT_MS of punching without a pair, while punching goes on
 * beside them and replaces them when a pair answers (peer.c). While our own
 * class is still being learnt, the policy looks again every
 * FALLBACK_CLASS_RECHECK_MS (at most until FALLBACK_RELAY_MS).
 *
 * A path of lower cost replaces one of higher cost as soon as it works
 * (peer.c); the DHT mailbox is left the moment any path comes up.
 */
#ifndef GONET_SESSION_FALLBACK_H
#define GONET_SESSION_FALLBACK_H

#include <stdint.h>

#include "src/session/link.h"

struct peer;

enum {
	FALLBACK_RELAY_MS = 8000,
	FALLBACK_RELAY_REPEAT_MS = 2000,
	FALLBACK_TURN_MS = 12000,
	FALLBACK_RETRY_MS = 30000,
	/*
	 * A hard pair still punches this long before the DHT mailbox takes
	 * its chat: a pair the classes misjudge (a full-cone NAT reads as
	 * endpoint-independent like a port-restricted one) answers within a
	 * second or two in practice, and chat on the DHT is slow and public
	 * (sealed, but stored by strangers). Well inside the 10 s a hard pair
	 * may take to its first message.
	 */
	FALLBACK_HARD_DHT_MS = 2500,
	FALLBACK_CLASS_RECHECK_MS = 500,	/* our class unknown yet: look again (bounded above) */
	/*
	 * A peer never heard from (peer_heard) may be a record whose
	 * candidates name someone else: relay queries for it (one to every
	 * member that is up) and direct retries back off, doubling from
	 * FALLBACK_RELAY_REPEAT_MS and FALLBACK_RETRY_MS up to these. A peer
	 * heard from once keeps the plain intervals.
	 */
	FALLBACK_RELAY_BACKOFF_MAX_MS = 120000,
	FALLBACK_RETRY_BACKOFF_MAX_MS = 960000	/* past a record's life (RECORD_TTL 900 s) */
};

/* 1 when the policy tries kind for p at now. */
int fallback_due(const struct peer *p, enum link_kind kind, uint64_t now_ms);
/* What the pair should try first, from both sides' NAT classes (enum nat_strategy). */
int fallback_strategy(const struct peer *p);
/*
 * For /who and path events: the peer's NAT class as its record says it
 * ("random", ...), and the strategy that made its path ("punch", "portmap",
 * "ipv6", "fallback"), or, with no path yet, the one planned.
 */
const char *fallback_peer_nat(const struct peer *p);
const char *fallback_strategy_name(const struct peer *p);
/* p's timer; fallback_free before the peer goes. 0 or -1. */
int fallback_new(struct peer *p);
void fallback_free(struct peer *p);
/* p's state changed: look again, from the loop (never reentrant). */
void fallback_update(struct peer *p);

#endif
