/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox.h — the DHT mailbox (doc/PROTOCOL.md "DHT mailbox"): chat frames
 * for a peer we cannot reach directly, put on the DHT under a key derived
 * from the room and the recipient, sealed and signed like endpoint records.
 *
 *   key         = BLAKE2b-256(key = record, msg = "gonet/v1/mailbox")
 *   infohash    = BLAKE2b-160(key = locator,
 *                             msg = "gonet/v1/mailbox" || recipient id || be64(e))
 *   body        = map { v: 1, from: bin 32, to: bin 32, seq: uint, exp: uint,
 *                       frames: [bin, ...] }
 *   sig         = Ed25519(sk, "gonet/v1/mailbox" || infohash || body)
 *   envelope    = [body (bin), sig (bin 64)]
 *   value       = 47 4E 02 || nonce(24) || XChaCha20-Poly1305(key, nonce,
 *                     envelope, ad = 47 4E 02 || infohash)
 *
 * The frames are opaque here: each is one chat frame exactly as it would be
 * sent to port 7777. This header is the codec and the receiver's state (pure
 * functions); batching, puts and listens on the DHT are the session's DHT
 * path (src/session/link/mailbox.h).
 */
#ifndef GONET_MAILBOX_H
#define GONET_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


enum {
	MAILBOX_VERSION = 1,
	MAILBOX_ID_LEN = 32,		/* Ed25519 public key */
	MAILBOX_SIG_LEN = 64,
	MAILBOX_KEY_LEN = 32,
	MAILBOX_INFOHASH_LEN = 20,
	/*
	 * Receivers accept values up to MAILBOX_MAX_VALUE bytes; it holds one
	 * frame of MAILBOX_FRAME_MAX (the largest value is 1458 bytes).
	 * Senders pack frames into values of at most MAILBOX_PACK_TARGET, the
	 * size OpenDHT still sends inline in one UDP packet; only a frame too
	 * big for that goes alone in a larger value (OpenDHT then sends it as
	 * value parts: one more exchange).
	 */
	MAILBOX_MAX_VALUE = 1472,
	MAILBOX_PACK_TARGET = 600,
	MAILBOX_FRAME_MAX = 1232,	/* = CHAT_FRAME_MAX (src/chat/chatproto.h) */
	MAILBOX_MAX_FRAMES = 64,	/* frames in one value */
	MAILBOX_TTL = 300,		/* senders: exp = now + MAILBOX_TTL (s) */
	MAILBOX_MAX_FUTURE = 600,	/* receivers: exp <= now + MAILBOX_MAX_FUTURE */
	MAILBOX_REPLAY_WINDOW = 64,	/* seqs remembered below a sender's highest */

	MAILBOX_BATCH_MS = 200,		/* a frame waits at most this long for company */
	MAILBOX_PUT_RATE = 5,		/* puts per second, all recipients together */
	MAILBOX_PUT_BURST = 10,
	MAILBOX_PUTS_INFLIGHT = 32,	/* puts not yet acknowledged by OpenDHT */
	MAILBOX_ACCEPT_RATE = 10,	/* values accepted per second per sender */
	MAILBOX_ACCEPT_BURST = 20,
	MAILBOX_SENDERS_MAX = 256,	/* replay and rate state, members only */
	MAILBOX_RECIPIENTS_MAX = 64,	/* peers with frames waiting */
	MAILBOX_QUEUE_FRAMES = 256	/* frames waiting per recipient */
};

/* Rejection reasons, in the order receivers check them. */
enum mailbox_reject {
	MBX_OK = 0,
	MBX_SIZE,			/* over MAILBOX_MAX_VALUE */
	MBX_MAGIC,			/* under 3 bytes or not 47 4E 02 */
	MBX_DECRYPT,			/* under 43 bytes or the AEAD fails */
	MBX_SHAPE,			/* envelope or body malformed */
	MBX_SIG,			/* signature does not verify under from */
	MBX_EXP,			/* not now < exp <= now + MAILBOX_MAX_FUTURE */
	MBX_TO,				/* to is not us */
	MBX_FROM,			/* from is not a known room member (or is us) */
	MBX_REPLAY,			/* seq older than the sender's replay window */
	MBX_DUPLICATE,			/* seq already accepted: dropped silently, counted */
	MBX_RATE,			/* the sender is over MAILBOX_ACCEPT_RATE */
	MBX__COUNT
};

/* "size", "magic", ... as counted and shown. */
const char *mailbox_reject_name(enum mailbox_reject r);

/* --- the codec: pure functions ------------------------------------------- */

/*
 * One value's content. For mailbox_seal() the frames point into the
 * caller's memory; mailbox_open() decrypts into buf and points the frames
 * into it (room-confidential: mailbox_letter_wipe() when done).
 */
struct mailbox_letter {
	uint8_t from[MAILBOX_ID_LEN];
	uint8_t to[MAILBOX_ID_LEN];
	uint64_t seq;			/* per sender, strictly increasing per value */
	uint64_t exp;			/* unix seconds */
	unsigned nframes;		/* 1..MAILBOX_MAX_FRAMES */
	const uint8_t *frame[MAILBOX_MAX_FRAMES];
	size_t frame_len[MAILBOX_MAX_FRAMES];	/* 1..MAILBOX_FRAME_MAX each */
	uint8_t buf[MAILBOX_MAX_VALUE];
};

void mailbox_letter_wipe(struct mailbox_letter *l);

/* The mailbox AEAD key from the room's record key. */
void mailbox_key(const uint8_t record_key[32], uint8_t out[MAILBOX_KEY_LEN]);
/* Where recipient's mailbox is in epoch. */
void mailbox_infohash(const uint8_t locator[32], const uint8_t recipient[MAILBOX_ID_LEN],
    uint64_t epoch, uint8_t out[MAILBOX_INFOHASH_LEN]);

/*
 * Seal l for infohash. sign_sk is the 64-byte libsodium Ed25519 secret key
 * and must be l->from's. Returns the value length (<= MAILBOX_MAX_VALUE) or
 * -1 (not encodable, too big, outlen too small, wrong key).
 */
int mailbox_seal(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64], uint8_t *out,
    size_t outlen);

/*
 * Open a value found under infohash and check it up to and including `to`
 * (own_id): size, magic, decrypt, shape, sig, exp, to. now is unix seconds.
 * On MBX_OK *l holds the letter; otherwise it is wiped.
 */
enum mailbox_reject mailbox_open(const uint8_t *value, size_t len,
    const uint8_t key[MAILBOX_KEY_LEN], const uint8_t infohash[MAILBOX_INFOHASH_LEN],
    const uint8_t own_id[MAILBOX_ID_LEN], uint64_t now, struct mailbox_letter *l);

/*
 * The stateful checks: per sender a replay window over seq and an accept
 * rate (token bucket on the monotonic clock, ms). Bounded by
 * MAILBOX_SENDERS_MAX; an entry is forgotten once every value it saw has
 * expired (none can pass `exp` again), or evicted (soonest to expire first)
 * when full. Call only for senders that passed the from check.
 */
struct mailbox_seen;
struct mailbox_seen *mailbox_seen_new(void);
void mailbox_seen_free(struct mailbox_seen *s);
/* MBX_OK (and remembered), MBX_REPLAY, MBX_DUPLICATE or MBX_RATE. */
enum mailbox_reject mailbox_seen_check(struct mailbox_seen *s, const struct mailbox_letter *l,
    uint64_t now, uint64_t mono_ms);
/* Senders remembered now. */
size_t mailbox_seen_count(const struct mailbox_seen *s);

#endif
