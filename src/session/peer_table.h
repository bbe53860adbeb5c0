/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer_table.h — the room's members by Ed25519 id and by WireGuard key,
 * and how many there may be. Every datagram looks a peer up by one key or
 * the other, so both are hash tables (chains through struct peer, under a
 * secret SipHash key: ids are the publisher's choice and must not aim at
 * one chain); s->peers stays the list that is walked.
 */
#ifndef GONET_SESSION_PEER_TABLE_H
#define GONET_SESSION_PEER_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct peer;

enum {
	/*
	 * Anyone with the room string can publish records, and each becomes a
	 * peer of ~10 KB that is punched: PEERS_MAX bounds both. Twice the
	 * 64-member room we promise to handle; when full, a new record takes
	 * the place of the oldest peer never heard from that has had
	 * PEERS_TRY_MS to answer (a real member on a path that works is heard
	 * from within a second or two), or, if none has, is dropped and counted
	 * until its publisher's next record (within RENDEZVOUS_REPUBLISH s).
	 */
	PEERS_MAX = 128,
	PEERS_TRY_MS = 5000,
	PEER_TABLE_BUCKETS = 256	/* a power of two, >= PEERS_MAX */
};

struct peer_table {
	uint8_t key[16];
	struct peer *by_id[PEER_TABLE_BUCKETS];
	struct peer *by_wg[PEER_TABLE_BUCKETS];
	size_t n;
	uint64_t full;			/* records dropped: full, nobody to replace */
	uint64_t replaced;		/* peers never heard from, dropped for a new record */
};

/* A random key, no peers. */
void peer_table_init(struct peer_table *t);
/* p's rec.id and rec.wg must not change while it is on the table. */
void peer_table_add(struct peer_table *t, struct peer *p);
void peer_table_remove(struct peer_table *t, struct peer *p);
struct peer *peer_table_find_id(const struct peer_table *t, const uint8_t id[32]);
struct peer *peer_table_find_wg(const struct peer_table *t, const uint8_t wg[32]);

#endif
