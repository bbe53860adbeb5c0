/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox.h — the DHT mailbox on the session's timers (doc/PROTOCOL.md "DHT
 * mailbox"): frames batched per recipient, put as sealed values under the
 * recipient's mailbox infohash (dht/mailbox/mailbox.h is the codec), our
 * own mailbox listened on, checked and delivered.
 *
 * The session hands accepted frames to chat_reliable, which acknowledges,
 * retransmits, orders and deduplicates them, so this layer is best effort:
 * it may lose a value, and a value may come twice.
 *
 * Driving it (the DHT path, link/dht.c):
 *	mb = mailbox_new(&cfg);			listens on our own mailbox at once (unless cfg.deaf)
 *	mailbox_set_listening(mb, on);		while someone may write to us (link/dht.c)
 *	mailbox_send(mb, peer_id, frame, len);	from chat_peer's transmit callback
 *	cfg.deliver(arg, from, frame, len)	-> chat_peer_input(peer(from), ...)
 *	mailbox_free(mb);			before runner_free()
 * The mailbox arms its own timer on cfg.timers, whose clock it reads.
 */
#ifndef GONET_SESSION_MAILBOX_H
#define GONET_SESSION_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/mailbox/mailbox.h"

struct room_keys;
struct runner;
struct timers;

struct mailbox_config {
	struct timers *timers;		/* its clock is the mailbox's (epochs on its wall time) */
	struct runner *runner;
	const struct room_keys *keys;	/* copied (the parts needed) */
	const uint8_t *sign_sk;		/* 64-byte Ed25519 secret key; copied, wiped on free */
	unsigned batch_ms;		/* 0: MAILBOX_BATCH_MS */
	bool deaf;			/* start without listening (mailbox_set_listening) */

	/* id may send to us: a room member whose record we accepted. Required. */
	bool (*is_member)(void *arg, const uint8_t id[MAILBOX_ID_LEN]);
	/*
	 * One frame of an accepted value, in the order the sender put them.
	 * frame is valid during the call only. Required. May call mailbox_send().
	 */
	void (*deliver)(void *arg, const uint8_t from[MAILBOX_ID_LEN], const uint8_t *frame,
	    size_t len);
	/* A value was rejected (may be NULL). */
	void (*on_reject)(void *arg, enum mailbox_reject why, size_t len);
	void *arg;
};

struct mailbox_stats {
	uint64_t rejects[MBX__COUNT];	/* [MBX_OK] counts accepted values */
	uint64_t frames_in;		/* frames delivered */
	uint64_t frames_out;		/* frames put (a frame put under e and e+1 counts once) */
	uint64_t frames_dropped;	/* queue full, or a frame too big */
	uint64_t frames_deduped;	/* same bytes already waiting for that recipient */
	uint64_t values_out;		/* puts made */
	uint64_t puts_ok, puts_failed;	/* OpenDHT's answers */
	uint64_t relistens;		/* listens moved at an epoch rollover */
	size_t senders;			/* in the replay table */
	size_t queued;			/* frames waiting, all recipients */
	size_t inflight;		/* puts waiting for OpenDHT's answer */
};

/* Listens on our mailbox at once unless cfg->deaf. NULL on failure. */
struct mailbox *mailbox_new(const struct mailbox_config *cfg);
/* Cancels listens and unacknowledged puts; waiting frames are dropped. NULL is fine. */
void mailbox_free(struct mailbox *mb);

/*
 * Queue one frame (1..MAILBOX_FRAME_MAX bytes) for to. It is put within
 * batch_ms together with whatever else is waiting for to, at once when a
 * value's worth is waiting, later when the put rate limit says so. A frame
 * with the same bytes as one still waiting for to is not queued twice.
 * Returns 0, -EINVAL (bad length, or to is us), -ENOBUFS (queue full).
 */
int mailbox_send(struct mailbox *mb, const uint8_t to[MAILBOX_ID_LEN], const uint8_t *frame,
    size_t len);
/* Put whatever waits now, as far as the rate limit allows (e.g. after a BYE). */
void mailbox_flush(struct mailbox *mb);
/* Re-read the clock and do what is due; the internal timer calls it too. */
void mailbox_tick(struct mailbox *mb);

/*
 * A value that arrived under infohash (the listens call this; tests and
 * --dht-dump may too). Checks it in the documented order, delivers the
 * frames of an accepted one, counts the outcome.
 */
enum mailbox_reject mailbox_receive(struct mailbox *mb, const uint8_t infohash[MAILBOX_INFOHASH_LEN],
    const uint8_t *value, size_t len);

/*
 * Keep our own mailbox listened on (the default) or not. Off, its listens
 * are cancelled and none is made until it is on again; a listen made later
 * still brings the values stored meanwhile (put once, they stay until
 * OpenDHT's expiry). For an idle peer whose members all have a working
 * path: each listen costs a refresh to each of its DHT nodes every 20 s.
 */
void mailbox_set_listening(struct mailbox *mb, bool on);
/* Some listen of ours is made (tests). */
bool mailbox_listening(const struct mailbox *mb);

void mailbox_get_stats(const struct mailbox *mb, struct mailbox_stats *st);
/* Our own mailbox infohash in epoch (for tests and --dht-dump). */
void mailbox_own_infohash(const struct mailbox *mb, uint64_t epoch,
    uint8_t out[MAILBOX_INFOHASH_LEN]);

#endif
