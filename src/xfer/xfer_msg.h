/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer_msg.h — the file transfer messages (doc/PROTOCOL.md "File
 * transfer"): inner UDP port 7779 between the two tunnel addresses, so
 * WireGuard has authenticated and decrypted every byte before we parse it;
 * still parsed paranoidly, every rejection counted under its reason.
 *
 * Every message starts with a 20-byte header, all integers big-endian:
 *
 *	version u8 (1) | type u8 | reserved u16 (0) | transfer id (16 bytes)
 *
 * then, by type:
 *
 *	OFFER   1  size u64 | BLAKE2b-256 of the content (32) | name_len u16 | name
 *	ACCEPT  2  from u64: the receiver holds [0, from) already (resume)
 *	REJECT  3  reason u8
 *	DATA    4  offset u64 | ts u32 | payload (1..XFER_DATA_MAX bytes)
 *	ACK     5  cum u64 | ts_echo u32 | n u8 | n x (start u64, end u64)
 *	DONE    6  status u8 (0: the content's BLAKE2b matched, 1: it did not)
 *	CANCEL  7  reason u8
 *
 * ACK: every byte below cum has arrived; the n ranges (at most
 * XFER_SACK_MAX, each non-empty, ascending, above cum, not touching) have
 * arrived beyond it; ts_echo is the ts of the DATA that caused the ACK.
 * Lengths are exact: a message with bytes after its last field is refused.
 *
 * Don't forget to bump XFER_VERSION if any of these change meaning!
 */
#ifndef GONET_XFER_MSG_H
#define GONET_XFER_MSG_H

#include <stddef.h>
#include <stdint.h>

enum xfer_type {
	XFER_OFFER = 1,
	XFER_ACCEPT = 2,
	XFER_REJECT = 3,
	XFER_DATA = 4,
	XFER_ACK = 5,
	XFER_DONE = 6,
	XFER_CANCEL = 7
};

enum {
	XFER_VERSION = 1,
	XFER_PORT = 7779,		/* CHAT_PORT + 2 (7778 is peer exchange) */
	XFER_ID_LEN = 16,
	XFER_HASH_LEN = 32,		/* BLAKE2b-256 */
	XFER_HEADER_LEN = 4 + XFER_ID_LEN,
	XFER_NAME_MAX = 255,		/* bytes of UTF-8, as a Linux file name */
	XFER_SACK_MAX = 16,
	/*
	 * A DATA message fills an inner IPv6/UDP packet of WireGuard's MTU
	 * (1420 - 40 - 8 = 1372 bytes of UDP payload): 1372 - 20 - 12.
	 */
	XFER_DATA_MAX = 1340,
	XFER_MSG_MAX = XFER_HEADER_LEN + 12 + XFER_DATA_MAX
};

/* REJECT and CANCEL reasons. */
enum xfer_reason {
	XFER_REASON_DECLINED = 1,	/* the user said no */
	XFER_REASON_NO_SPACE = 2,	/* the receiver cannot store it */
	XFER_REASON_LIMIT = 3,		/* too many transfers at once */
	XFER_REASON_STOPPED = 4,	/* the user stopped it */
	XFER_REASON_SOURCE = 5,		/* the sender's file changed or went away */
	XFER_REASON_UNKNOWN = 6		/* no such transfer (any more) */
};

/* Why a datagram to port 7779 was dropped. */
enum xfer_drop {
	XFER_OK = 0,
	XFER_DROP_SHORT,		/* shorter than its type's fixed part */
	XFER_DROP_VERSION,		/* version is not XFER_VERSION */
	XFER_DROP_TYPE,			/* unknown type */
	XFER_DROP_RESERVED,		/* reserved bytes not zero */
	XFER_DROP_LENGTH,		/* bytes after the last field */
	XFER_DROP_NAME,			/* name empty, too long or not UTF-8 */
	XFER_DROP_RANGE,		/* offset + length or a SACK range out of order or bounds */
	XFER_DROP_REASON,		/* a reason or status we do not know */
	XFER_DROP__COUNT
};

struct xfer_range {
	uint64_t start, end;		/* [start, end) */
};

struct xfer_msg {
	enum xfer_type type;
	uint8_t id[XFER_ID_LEN];
	uint64_t size;			/* OFFER */
	uint8_t hash[XFER_HASH_LEN];	/* OFFER */
	const uint8_t *name;		/* OFFER: points into the datagram */
	size_t name_len;
	uint64_t offset;		/* ACCEPT (from), DATA, ACK (cum) */
	uint32_t ts;			/* DATA ts, ACK ts_echo */
	const uint8_t *data;		/* DATA: points into the datagram */
	size_t data_len;
	unsigned nsack;			/* ACK */
	struct xfer_range sack[XFER_SACK_MAX];
	uint8_t code;			/* REJECT, CANCEL reason; DONE status */
};

const char *xfer_drop_name(enum xfer_drop d);
const char *xfer_reason_name(enum xfer_reason r);

/* Parse one datagram; on XFER_OK m points into buf. */
enum xfer_drop xfer_msg_parse(const uint8_t *buf, size_t len, struct xfer_msg *m);
/* Encode m; returns the length, or 0 when it does not fit cap or m is not valid. */
size_t xfer_msg_build(uint8_t *buf, size_t cap, const struct xfer_msg *m);

#endif
