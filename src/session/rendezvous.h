/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rendezvous.h — meeting the room on the DHT: publish our endpoint record
 * under the room's infohashes and listen there for everyone else's.
 *
 *   publish  under room_publish_epochs(now): epoch e, and e+1 in the last
 *            ROOM_PUBLISH_AHEAD s of e; each copy sealed for its infohash;
 *            a new seq every RENDEZVOUS_REPUBLISH s, when the set of epochs
 *            changes, and when the candidates change;
 *   listen   on room_dht_listen_epochs(now): e, and e+1 in the last
 *            ROOM_LISTEN_AHEAD s of e; moved when that set changes;
 *   accept   every value goes through record_open() and record_accept();
 *            accepted records go to on_peer, the rest are counted per reason.
 *            A value a member handed us (peer exchange) takes the same path
 *            through rendezvous_offer(), with the same counters and replay
 *            state: whoever brings a value, it costs the same.
 *   keep     each accepted value (and each of ours) is kept as it came, per
 *            (id, epoch), newest seq only, at most RENDEZVOUS_MAX_VALUES,
 *            so it can be handed on unchanged (rendezvous_values()).
 *
 * The clock is the timers' (src/clock), so tests can move time across epochs;
 * rendezvous_tick() re-reads it. Everything runs on the libevent loop.
 */
#ifndef GONET_RENDEZVOUS_H
#define GONET_RENDEZVOUS_H

#include <stdbool.h>
#include <stdint.h>

#include "dht/record/record.h"
#include "dht/room/room.h"

struct timers;
struct runner;
struct rendezvous;

enum {
	RENDEZVOUS_REPUBLISH = 300,	/* seconds between publications of a fresh seq */
	RENDEZVOUS_RETRY_MIN = 2,	/* a put failed: publish again after 2, 4, ... s */
	RENDEZVOUS_RETRY_MAX = 60,
	/* Values kept for peer exchange: 2 epochs x 128 members. */
	RENDEZVOUS_MAX_VALUES = 256,
	RENDEZVOUS_NEWS_S = 60		/* a record replacing news within this is news too */
};

/* Who we are, as far as the record goes. The caller keeps it alive. */
struct rendezvous_self {
	const uint8_t *sign_sk;		/* 64-byte libsodium Ed25519 secret key */
	const uint8_t *id;		/* 32-byte Ed25519 public key */
	const uint8_t *wg;		/* 32-byte X25519 public key */
	const char *nick;		/* at most RECORD_MAX_NICK bytes of UTF-8 */
};

struct rendezvous_config {
	struct timers *timers;		/* its clock is the rendezvous clock */
	struct runner *runner;
	const struct room_keys *keys;	/* the caller keeps it alive */
	struct rendezvous_self self;
	const char *state_dir;		/* last seq persisted here; NULL: not persisted */
	const struct cand *cand;	/* initial candidates (copied) */
	unsigned ncand;

	/* Callbacks on the loop; any may be NULL. */
	void (*on_peer)(void *arg, const struct record *rec, uint64_t epoch);
	void (*on_reject)(void *arg, enum record_reject why, size_t len, uint64_t epoch);
	/* A put under epoch was acknowledged (ok) or failed. */
	void (*on_published)(void *arg, uint64_t epoch, uint64_t seq, bool ok);
	/* The values kept changed (a newer one for some id): there is news to hand on. */
	void (*on_kept)(void *arg);
	void *arg;
};

/* Publishes and starts listening at once. NULL on failure. */
struct rendezvous *rendezvous_new(const struct rendezvous_config *cfg);
/* Cancels our puts and listens. NULL is fine. */
void rendezvous_free(struct rendezvous *rv);

/* New candidate list (copied, at most RECORD_MAX_CANDIDATES): republishes if it changed. */
void rendezvous_set_candidates(struct rendezvous *rv, const struct cand *cand, unsigned n);
/* Our NAT class for the record's "nat" key (republished when it changed). */
void rendezvous_set_nat(struct rendezvous *rv, const struct record_nat *nat);
/* Publish a fresh seq now (e.g. the nick in self.nick changed in place). */
void rendezvous_republish(struct rendezvous *rv);
/* Re-read the clock and do whatever is due; the internal timer calls it too. */
void rendezvous_tick(struct rendezvous *rv);

/*
 * A value a member handed us for epoch, from the member whose record id is
 * from: opened, checked and counted exactly as a DHT value under that
 * epoch. -1 (nothing counted) if we do not listen on epoch now, else 0.
 */
int rendezvous_offer(struct rendezvous *rv, uint64_t epoch, const uint8_t *data, size_t len,
    const uint8_t from[RECORD_ID_LEN]);

/* One kept value, as rendezvous_values() lists it; pointers valid until the next change. */
struct rendezvous_value {
	const uint8_t *id;		/* its record's id */
	const uint8_t *from;		/* the member that handed it to us; NULL: the DHT or ours */
	uint64_t epoch;
	uint64_t seq;
	uint64_t gen;			/* when it was kept or forwarded: larger is later, never reused */
	/*
	 * Worth handing to peers already up: ours, or what a member can be
	 * reached at changed (WireGuard key, candidates, NAT class, nick)
	 * since the record kept before it, or that was news less than
	 * RENDEZVOUS_NEWS_S ago. A plain republication (new seq, same
	 * content) is not: each member sends its own.
	 */
	bool news;
	bool own;			/* our record */
	/*
	 * Others' news goes on to peers only once peer exchange has said so
	 * (rendezvous_forward(): settled, and forwarded or not); ours is
	 * settled and forwarded from the start.
	 */
	bool settled, forwarded;
	/* Since the DHT / its owner / another member first brought it; UINT64_MAX: never. */
	uint64_t dht_age_ms, owner_age_ms, relay_age_ms;
	unsigned relays;		/* other members that handed it to us: 0, 1, 2 (or more) */
	uint16_t lot;			/* random, drawn once for the value */
	const uint8_t *data;
	size_t len;
};

/*
 * The values worth handing on now: per id the newest seq not yet expired,
 * under an epoch we listen on (the earlier epoch on a tie), in the order
 * they were kept (gen ascending). Returns how many (at most max).
 */
size_t rendezvous_values(const struct rendezvous *rv, struct rendezvous_value *out, size_t max);
/*
 * Settle whether the value kept as gen goes on to peers as news; once, the
 * first call wins. Forwarded, it takes a new gen: it comes after whatever
 * any peer was sent so far.
 */
void rendezvous_forward(struct rendezvous *rv, uint64_t gen, bool forward);
/* The gen of the latest kept value (0: none yet). */
uint64_t rendezvous_gen(const struct rendezvous *rv);

/* For --dht-dump, tests and /who. */
void rendezvous_counters(const struct rendezvous *rv, uint64_t out[REC__COUNT]);
/*
 * The DHT's side alone, for the exit report: the verdicts on values its
 * gets and listens brought (ours come back as REC_OWNID), and the answers
 * to our puts, puts[0] failed and puts[1] taken.
 */
void rendezvous_dht_counts(const struct rendezvous *rv, uint64_t from_dht[REC__COUNT],
    uint64_t puts[2]);
uint64_t rendezvous_seq(const struct rendezvous *rv);
/* The epochs we publish under / listen on now; returns how many. */
int rendezvous_publishing(const struct rendezvous *rv, uint64_t out[2]);
int rendezvous_listening(const struct rendezvous *rv, uint64_t out[2]);
/* Unix seconds (on the injected clock) of the next scheduled tick. */
uint64_t rendezvous_next_tick(const struct rendezvous *rv);

#endif
