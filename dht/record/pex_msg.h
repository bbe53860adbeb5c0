/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pex_msg.h — peer exchange messages (doc/PROTOCOL.md "Peer exchange"):
 * inner UDP port 7778 between two members' tunnel addresses, carrying room
 * records exactly as they are on the DHT (sealed and signed by their
 * owners), so the member who forwards them can neither forge nor alter one.
 *
 *   message = msgpack array [type, ...]
 *   RECORDS = [1, epoch (uint), [value (bin 1..600), ...] (1..PEX_MAX_VALUES)]
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
	PEX_MAX_VALUES = 8,		/* values in one message */
	PEX_MAX_MSG = 1280		/* bytes; two of the largest values fit */
};

/* Why a message was dropped, in the order they are checked. */
enum pex_msg_error {
	PEX_MSG_OK = 0,
	PEX_MSG_SIZE,			/* over PEX_MAX_MSG */
	PEX_MSG_SHAPE,			/* not msgpack of the shape above, or trailing bytes */
	PEX_MSG_TYPE,			/* a type this version does not know */
	PEX_MSG_COUNT,			/* no value, or more than PEX_MAX_VALUES */
	PEX_MSG_VALUE,			/* a value of 0 or more than RECORD_MAX_VALUE bytes */
	PEX_MSG__COUNT
};

/* A decoded RECORDS message; the values point into the caller's buffer. */
struct pex_msg {
	uint64_t epoch;
	unsigned n;
	const uint8_t *value[PEX_MAX_VALUES];
	size_t len[PEX_MAX_VALUES];
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

enum pex_msg_error pex_msg_decode(const uint8_t *buf, size_t len, struct pex_msg *m);

#endif
