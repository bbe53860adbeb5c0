/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * probe.h — gonet punch probes (doc/PROTOCOL.md "Probes"): a ping asks "do you
 * hear me on this path?", the pong answers with the address the ping came
 * from, so every peer is also a STUN server for its peers.
 *
 * Ids are WireGuard X25519 public keys: a probe picks the endpoint of a
 * WireGuard peer, and the WireGuard handshake that follows on that path then
 * proves the key; tunnel/ never needs the Ed25519 record identity.
 *
 * Both end in a MAC: BLAKE2b-128 (libsodium crypto_generichash, outlen 16)
 * keyed with the room's 32-byte probe key over every byte before it. Probes
 * are thus authentic to the room, not to one member; the handshake does the
 * rest. No field is aligned: every struct below is bytes only, sizes are
 * asserted, and multi-byte integers are big-endian.
 *
 *   ping (113 bytes)                     pong (101 bytes IPv4, 113 IPv6)
 *   off len                              off len
 *     0   1  F0                            0   1  F0
 *     1   1  01 (ping)                     1   1  02 (pong)
 *     2  32  sender WireGuard key          2  32  sender (the ping's receiver)
 *    34  32  receiver WireGuard key       34  32  receiver (the ping's sender)
 *    66  12  transaction id               66  12  the ping's transaction id
 *    78  19  zero padding                 78   1  family 4 or 6
 *    97  16  MAC                          79   2  port the ping came from
 *                                         81 4/16 address the ping came from
 *                                     85 / 97 16  MAC
 *
 * The padding makes a ping as large as the largest pong, so answering a ping
 * can never amplify traffic towards a spoofed source.
 */
#ifndef GONET_PROBE_H
#define GONET_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"

enum {
	PROBE_MAGIC = 0xF0,
	PROBE_ID_LEN = 32,		/* WireGuard public key */
	PROBE_KEY_LEN = 32,		/* the room's probe key */
	PROBE_TXID_LEN = 12,
	PROBE_MAC_LEN = 16,		/* BLAKE2b-128 */
	PROBE_PING_PAD = 19,
	PROBE_HEADER_LEN = 78,
	PROBE_PING_LEN = 113,
	PROBE_PONG4_LEN = 101,
	PROBE_PONG6_LEN = 113,
	PROBE_MAX_LEN = 113
};

enum probe_type {
	PROBE_PING = 0x01,
	PROBE_PONG = 0x02
};

/* Wire layout. */
struct probe_header {
	uint8_t magic;			/* PROBE_MAGIC */
	uint8_t type;			/* enum probe_type */
	uint8_t sender[PROBE_ID_LEN];
	uint8_t receiver[PROBE_ID_LEN];
	uint8_t txid[PROBE_TXID_LEN];
};

struct probe_ping {
	struct probe_header h;
	uint8_t pad[PROBE_PING_PAD];	/* zero */
	uint8_t mac[PROBE_MAC_LEN];
};

struct probe_pong4 {
	struct probe_header h;
	uint8_t family;			/* 4 */
	uint8_t port[2];
	uint8_t addr[4];
	uint8_t mac[PROBE_MAC_LEN];
};

struct probe_pong6 {
	struct probe_header h;
	uint8_t family;			/* 6 */
	uint8_t port[2];
	uint8_t addr[16];
	uint8_t mac[PROBE_MAC_LEN];
};

/* Why a probe gets no answer, in the order they are checked. */
enum probe_reject {
	PROBE_OK = 0,
	PROBE_REJ_SHORT,		/* fewer than 2 bytes or not F0 */
	PROBE_REJ_TYPE,			/* neither ping nor pong */
	PROBE_REJ_LENGTH,		/* wrong length for its type (and pong family) */
	PROBE_REJ_RECEIVER,		/* receiver id is not ours */
	PROBE_REJ_MAC,			/* MAC does not verify under the room's probe key */
	PROBE_REJ_FORMAT,		/* authentic but malformed: padding, family, port or address */
	PROBE_REJ__COUNT
};

/* A verified probe. */
struct probe_msg {
	enum probe_type type;
	uint8_t sender[PROBE_ID_LEN];
	uint8_t receiver[PROBE_ID_LEN];
	uint8_t txid[PROBE_TXID_LEN];
	struct endpoint observed;	/* pong: where the ping came from */
};

struct probe_stats {
	uint64_t pings_in, pongs_in;
	uint64_t rejected[PROBE_REJ__COUNT];
};

/* "short", "type", "length", "receiver", "mac", "format". */
const char *probe_reject_name(enum probe_reject r);

/* Returns PROBE_PING_LEN, or 0 if outlen is too small. */
size_t probe_build_ping(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t sender[PROBE_ID_LEN], const uint8_t receiver[PROBE_ID_LEN],
    const uint8_t txid[PROBE_TXID_LEN]);

/* Returns PROBE_PONG4_LEN or PROBE_PONG6_LEN, or 0 (outlen too small, bad observed address). */
size_t probe_build_pong(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t sender[PROBE_ID_LEN], const uint8_t receiver[PROBE_ID_LEN],
    const uint8_t txid[PROBE_TXID_LEN], const struct endpoint *observed);

/*
 * Check a datagram that demuxed as a probe. our_id is our WireGuard public
 * key. Only on PROBE_OK is msg filled; any other result means: no answer.
 */
enum probe_reject probe_parse(const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_id[PROBE_ID_LEN], struct probe_msg *msg);

/*
 * The pong for a verified ping that arrived from "from": its length (never
 * more than the ping's), or 0 if msg is not a ping or from is unusable.
 */
size_t probe_answer(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const struct probe_msg *ping, const struct endpoint *from);

/* probe_parse and count the outcome. */
enum probe_reject probe_input(struct probe_stats *st, const uint8_t *buf, size_t len,
    const uint8_t key[PROBE_KEY_LEN], const uint8_t our_id[PROBE_ID_LEN], struct probe_msg *msg);

#endif
