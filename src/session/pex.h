/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pex.h — peer exchange (doc/PROTOCOL.md "Peer exchange"): a member hands
 * the room's records it holds to each peer whose tunnel comes up, and what
 * is new to every peer up, over inner UDP port 7778 (dht/record/pex_msg.h).
 * The values go as the DHT had them, sealed and signed by their owners;
 * the receiver hands each to rendezvous_offer(), the DHT's own path and
 * counters. So a joiner needs one DHT hit, not one per member, and a room
 * keeps finding its members through a DHT outage.
 *
 * Bounds (the sender cannot be asked for anything: it only ever sends what
 * it verified itself, once per change):
 *   per message   PEX_MAX_VALUES values, PEX_MAX_MSG bytes, one epoch;
 *   per peer out  PEX_BURST values at once, then PEX_RATE_PER_S a second;
 *   per peer in   the same; beyond it values are dropped and counted
 *                 ("rate") before any crypto is spent on them;
 *   what          a peer is never sent its own record, nor one it sent us,
 *                 nor (when its path comes up) one its HAVE says it holds;
 *   HAVE in       one token of its budget each; kept until its sync is done.
 * With --no-peer-exchange nothing is sent and port 7778 is an unknown port.
 */
#ifndef GONET_SESSION_PEX_H
#define GONET_SESSION_PEX_H

#include <stddef.h>
#include <stdint.h>

struct peer;
struct rendezvous_value;
struct session;

enum {
	PEX_BURST = 128,		/* values a peer may send us / we send it at once */
	PEX_RATE_PER_S = 2,		/* then this many a second */
	PEX_COALESCE_MS = 100,		/* news waits this long for more to fill a message */
	/*
	 * A path up: what it holds goes in a HAVE at once, and everything it
	 * lacks waits for its HAVE this long at most (a peer from before
	 * HAVE never sends one: then it gets everything, as before).
	 */
	PEX_HAVE_WAIT_MS = 1000,
	/*
	 * Others' news waits PEX_COALESCE_MS and then a random share of
	 * these before it goes on to our peers: after its owner handed it
	 * to us / after the DHT or another member did (pex.c settle_news).
	 */
	PEX_FORWARD_OWNER_MS = 250,
	PEX_FORWARD_WAIT_MS = 2000
};

/* 0 (also when off: s->pex stays NULL), -1 on failure. */
int pex_start(struct session *s);
void pex_stop(struct session *s);
/* A datagram from p to our port 7778. */
void pex_input(struct peer *p, const uint8_t *buf, size_t len);
/* p's tunnel came up: everything we hold goes to it. */
void pex_peer_up(struct peer *p);
/* Frees what peer exchange holds for p (its HAVE). */
void pex_peer_gone(struct peer *p);
/* The rendezvous kept a newer value: hand it on soon. */
void pex_changed(struct session *s);
/* Exit statistics (batch, -v). */
void pex_report(struct session *s);
/*
 * Whether a news value of another member's goes on to our peers: -1 never,
 * else in how many ms (0: now). The rule is in pex.c.
 */
int64_t pex_forward_in(const struct rendezvous_value *e);
/* Values taken in from peers (tests). */
uint64_t pex_values_in(const struct session *s);

#endif
