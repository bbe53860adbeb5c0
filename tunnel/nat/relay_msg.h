/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * relay_msg.h — the peer relay messages on the data socket (probe family,
 * first byte F0; doc/PROTOCOL.md "Peer relay" is normative):
 *
 *   F0 03 relay data     source key, destination key, one WireGuard message, MAC
 *   F0 04 relay control  sender key, receiver key, target key, op, txid, MAC
 *                        op 1 query ("can you reach target?"), 2 offer (yes),
 *                        3 refuse (no)
 *
 * Keys are WireGuard X25519 public keys, as in probes. MAC = BLAKE2b-128
 * keyed with the room's probe key over every byte before it, so only room
 * members can make either. A relay forwards a data message verbatim: the
 * payload stays WireGuard ciphertext between the two ends. Pure functions,
 * no state.
 */
#ifndef GONET_RELAY_MSG_H
#define GONET_RELAY_MSG_H

#include <stddef.h>
#include <stdint.h>

enum {
	RELAY_MAGIC = 0xF0,
	RELAY_TYPE_DATA = 0x03,
	RELAY_TYPE_CTL = 0x04,
	RELAY_KEY_LEN = 32,		/* WireGuard public key */
	RELAY_MAC_KEY_LEN = 32,		/* the room's probe key */
	RELAY_MAC_LEN = 16,		/* BLAKE2b-128 */
	RELAY_TXID_LEN = 12,
	RELAY_DATA_HEADER = 66,		/* F0 03 source destination */
	RELAY_DATA_OVERHEAD = RELAY_DATA_HEADER + RELAY_MAC_LEN,
	RELAY_PAYLOAD_MAX = 1452,	/* a WireGuard transport message of a 1420-byte inner packet */
	RELAY_DATA_MAX = RELAY_DATA_OVERHEAD + RELAY_PAYLOAD_MAX,
	RELAY_CTL_LEN = 127
};

enum relay_op {
	RELAY_OP_QUERY = 1,
	RELAY_OP_OFFER = 2,
	RELAY_OP_REFUSE = 3
};

/* Why relay_parse refused a datagram (named by relay_reject_name). */
enum relay_reject {
	RELAY_OK = 0,
	RELAY_REJECT_SHORT,		/* under 2 bytes, or byte 0 not F0 */
	RELAY_REJECT_TYPE,		/* byte 1 neither 03 nor 04 */
	RELAY_REJECT_LENGTH,		/* data: no payload or over RELAY_PAYLOAD_MAX; control: not 127 bytes */
	RELAY_REJECT_RECEIVER,		/* control: receiver is not our key */
	RELAY_REJECT_MAC,		/* MAC does not verify: not a room member */
	RELAY_REJECT_FORMAT,		/* authentic but malformed: source = destination, unknown op */
	RELAY_REJECT__COUNT
};

struct relay_msg {
	uint8_t type;			/* RELAY_TYPE_DATA or RELAY_TYPE_CTL */
	uint8_t src[RELAY_KEY_LEN];	/* data: source; control: sender */
	uint8_t dst[RELAY_KEY_LEN];	/* data: final destination; control: receiver */
	const uint8_t *payload;		/* data: points into the parsed buffer */
	size_t len;
	uint8_t target[RELAY_KEY_LEN];	/* control */
	uint8_t op;			/* control: enum relay_op */
	uint8_t txid[RELAY_TXID_LEN];	/* control */
};

const char *relay_reject_name(enum relay_reject r);

/* Returns the length written (RELAY_DATA_OVERHEAD + len), 0 if out is too small or len is bad. */
size_t relay_build_data(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t src[RELAY_KEY_LEN], const uint8_t dst[RELAY_KEY_LEN], const uint8_t *payload,
    size_t len);
/* m->src, dst, target, op, txid. Returns RELAY_CTL_LEN, 0 if out is too small. */
size_t relay_build_ctl(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const struct relay_msg *m);
/*
 * Check a datagram in the order of relay_reject. our_key is checked against
 * a control message's receiver only (a data message's destination is the
 * forwarder's business). m->payload points into buf.
 */
enum relay_reject relay_parse(const uint8_t *buf, size_t len, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t our_key[RELAY_KEY_LEN], struct relay_msg *m);

#endif
