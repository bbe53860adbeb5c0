/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * relay_msg.h — the peer relay messages on the data socket (probe family,
 * first byte F0; doc/PROTOCOL.md "Peer relay" is normative), version 3:
 *
 *   F0 33 relay data     nonce, sealed [source key, destination key, ts, one WireGuard message],
 *                        pairwise tag (source to destination)
 *   F0 34 relay control  nonce, sealed [sender key, receiver key, target key, ts, op, txid],
 *                        pairwise tag (sender to receiver)
 *                        op 1 query ("can you reach target?"), 2 offer (yes),
 *                        3 refuse (no)
 *
 * Sealed as probes are (probe.h): XChaCha20-Poly1305 under the room's probe
 * key, a random 24-byte nonce, ad = the two first bytes. So only room
 * members can make or read either, nobody else sees which keys talk, and
 * ts (the sender's fresh_stamp, fresh.h) makes each message good once; the
 * pairwise tag (probe_pair_check, under K of source and destination) lets
 * the destination, and only it, check who made it. A relay forwards a data
 * message verbatim: the payload is WireGuard ciphertext between the two
 * ends whatever the relay does. Versions 1 (types 03, 04: keys in clear, a
 * MAC, no ts) and 2 (types 23, 24: no pairwise tag) are refused as
 * `version`.
 * Pure functions, no state.
 */
#ifndef GONET_RELAY_MSG_H
#define GONET_RELAY_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/nat/probe.h"

enum {
	RELAY_MAGIC = 0xF0,
	RELAY_TYPE_DATA = 0x33,
	RELAY_TYPE_CTL = 0x34,
	RELAY_V1_TYPE_DATA = 0x03,	/* version 1: refused (`version`) */
	RELAY_V1_TYPE_CTL = 0x04,
	RELAY_V2_TYPE_DATA = 0x23,	/* version 2: refused (`version`) */
	RELAY_V2_TYPE_CTL = 0x24,
	RELAY_KEY_LEN = 32,		/* WireGuard public key */
	RELAY_MAC_KEY_LEN = 32,		/* the room's probe key */
	RELAY_TXID_LEN = 12,
	RELAY_DATA_BODY_HEADER = 72,	/* source, destination, ts */
	RELAY_DATA_OVERHEAD = PROBE_OVERHEAD + RELAY_DATA_BODY_HEADER,	/* 130 */
	RELAY_PAYLOAD_MAX = 1452,	/* a WireGuard transport message of a 1420-byte inner packet */
	RELAY_DATA_BODY_MAX = RELAY_DATA_BODY_HEADER + RELAY_PAYLOAD_MAX,
	RELAY_DATA_MAX = RELAY_DATA_OVERHEAD + RELAY_PAYLOAD_MAX,	/* 1582 */
	RELAY_CTL_BODY = 117,		/* sender, receiver, target, ts, op, txid */
	RELAY_CTL_LEN = PROBE_OVERHEAD + RELAY_CTL_BODY	/* 175 */
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
	RELAY_REJECT_TYPE,		/* byte 1 neither 33 nor 34 */
	RELAY_REJECT_VERSION,		/* byte 1 is 03, 04, 23 or 24: version 1 or 2, an older gonet */
	RELAY_REJECT_LENGTH,		/* data: no payload or over RELAY_PAYLOAD_MAX; control: not 175 bytes */
	RELAY_REJECT_MAC,		/* does not open under the probe key: not a room member */
	RELAY_REJECT_RECEIVER,		/* control: receiver is not our key */
	RELAY_REJECT_FORMAT,		/* authentic but malformed: source = destination, unknown op */
	RELAY_REJECT__COUNT
};

struct relay_msg {
	uint8_t type;			/* RELAY_TYPE_DATA or RELAY_TYPE_CTL */
	uint8_t src[RELAY_KEY_LEN];	/* data: source; control: sender */
	uint8_t dst[RELAY_KEY_LEN];	/* data: final destination; control: receiver */
	uint64_t ts;			/* the sender's (data: the source's) fresh_stamp */
	const uint8_t *payload;		/* data: points into plain below */
	size_t len;
	uint8_t target[RELAY_KEY_LEN];	/* control */
	uint8_t op;			/* control: enum relay_op */
	uint8_t txid[RELAY_TXID_LEN];	/* control */
	uint8_t plain[RELAY_DATA_BODY_MAX];	/* relay_parse's opened body */
};

const char *relay_reject_name(enum relay_reject r);

/*
 * Returns the length written (RELAY_DATA_OVERHEAD + len), 0 if out is too
 * small or len is bad. pair_key: K of src and dst (probe_pair_key). nonce
 * NULL: a fresh random one (fixed: vectors only).
 */
size_t relay_build_data(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const uint8_t src[RELAY_KEY_LEN],
    const uint8_t dst[RELAY_KEY_LEN], uint64_t ts,
    const uint8_t *payload, size_t len, const uint8_t *nonce);
/* m->src, dst, target, ts, op, txid; pair_key: K of src and dst. RELAY_CTL_LEN, or 0. */
size_t relay_build_ctl(uint8_t *out, size_t outlen, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const struct relay_msg *m, const uint8_t *nonce);
/*
 * Open and check a datagram in the order of relay_reject. our_key is checked
 * against a control message's receiver only (a data message's destination
 * is the forwarder's business). The pairwise tag (probe_pair_check, under K
 * of m->src and m->dst, which only the destination has) and freshness
 * (m->ts, fresh.h) are the caller's, in that order. m->payload points into
 * m->plain.
 */
enum relay_reject relay_parse(const uint8_t *buf, size_t len, const uint8_t key[RELAY_MAC_KEY_LEN],
    const uint8_t our_key[RELAY_KEY_LEN], struct relay_msg *m);

#endif
