/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pex_msg.h — peer exchange messages (doc/PROTOCOL.md "Peer exchange"):
 * inner UDP port 7778 between two members' tunnel addresses, carrying room
 * records exactly as they are on the DHT (sealed and signed by their
 * owners), so the member who forwards them can neither forge nor alter one.
 *
 *   message = msgpack array [type, ...]
 *   RECORDS = [1, epoch (uint), [value (bin 1..600), ...] (1..PEX_MAX_VALUES)]
 *   HAVE    = [2, salt (bin 16), digests (bin 0..4*PEX_HAVE_MAX, 4 bytes each)]
 *
 * HAVE says which values the sender holds, each as the first 4 bytes of
 * BLAKE2b-128(value) keyed with the message's salt (pex_have_digest): sent
 * once when a tunnel comes up, so the other side hands over only what it
 * lacks. The salt is random per message, so no member can grind a value
 * whose digest hides another's record from everyone.
 *
 * The receiver opens each value under infohash(epoch) exactly as if the DHT
 * had brought it (record_open, then the replay state): this file only
 * frames them. A type this version does not know is dropped and counted
 * ("type"), so later versions can add messages.
 */
#ifndef GONET_PEX_MSG_H
#define GONET_PEX_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "dht/record/record.h"

enum {
	PEX_PORT = 7778,
	PEX_TYPE_RECORDS = 1,
	PEX_TYPE_HAVE = 2,
	PEX_MAX_VALUES = 8,		/* values in one message */
	PEX_MAX_MSG = 1280,		/* bytes; two of the largest values fit */
	PEX_HAVE_SALT = 16,		/* bytes (BLAKE2b's shortest key) */
	PEX_HAVE_DIGEST = 4,		/* bytes a value's digest takes */
	PEX_HAVE_MAX = 256		/* digests in one HAVE: every value a member holds */
};

/* Why a message was dropped, in the order they are checked. */
enum pex_msg_error {
	PEX_MSG_OK = 0,
	PEX_MSG_SIZE,			/* over PEX_MAX_MSG */
	PEX_MSG_SHAPE,			/* not msgpack of the shape above, or trailing bytes */
	PEX_MSG_TYPE,			/* a type this version does not know */
	PEX_MSG_COUNT,			/* no value, or more than PEX_MAX_VALUES; HAVE: over PEX_HAVE_MAX */
	PEX_MSG_VALUE,			/* a value of 0 or more than RECORD_MAX_VALUE bytes */
	PEX_MSG__COUNT
};

/* A decoded message; values, salt and digests point into the caller's buffer. */
struct pex_msg {
	unsigned type;			/* PEX_TYPE_RECORDS or PEX_TYPE_HAVE */
	/* RECORDS */
	uint64_t epoch;
	unsigned n;
	const uint8_t *value[PEX_MAX_VALUES];
	size_t len[PEX_MAX_VALUES];
	/* HAVE */
	const uint8_t *salt;		/* PEX_HAVE_SALT bytes */
	const uint8_t *digests;		/* ndigests * PEX_HAVE_DIGEST bytes */
	unsigned ndigests;
};

/* "size", "shape", ... for counters and tests. */
const char *pex_msg_error_name(enum pex_msg_error e);

/*
 * RECORDS with the n (1..PEX_MAX_VALUES) values under epoch. Returns the
 * length written, or -1 if n or a length is out of range or it does not fit
 * in cap (or in PEX_MAX_MSG).
 */
int pex_msg_encode(uint64_t epoch, const uint8_t *const *value, const size_t *len, unsigned n,
    uint8_t *out, size_t cap);

/* The bytes a RECORDS message of these value lengths takes (for packing). */
size_t pex_msg_size(const size_t *len, unsigned n);

/*
 * HAVE with n (0..PEX_HAVE_MAX) digests of PEX_HAVE_DIGEST bytes. Returns
 * the length written, or -1 if n is out of range or it does not fit in cap.
 */
int pex_have_encode(const uint8_t salt[PEX_HAVE_SALT], const uint8_t *digests, unsigned n,
    uint8_t *out, size_t cap);

/* The digest of one value under salt: BLAKE2b-128 keyed with salt, its first 4 bytes. */
void pex_have_digest(const uint8_t salt[PEX_HAVE_SALT], const uint8_t *value, size_t len,
    uint8_t out[PEX_HAVE_DIGEST]);

/* Either type; on any error *m is all zero (m->type 0, m->n 0, m->ndigests 0). */
enum pex_msg_error pex_msg_decode(const uint8_t *buf, size_t len, struct pex_msg *m);

#endif
