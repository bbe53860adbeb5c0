/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * probe.h — gonet punch probes (doc/PROTOCOL.md "Probes"): a ping asks "do you
 * hear me on this path?", the pong answers with the address the ping came
 * from, so every peer is also a STUN server for its peers.
 *
 * Ids are WireGuard X25519 public keys: a probe picks the endpoint of a
 * WireGuard peer, and the WireGuard handshake that follows on that path then
 * proves the key (and, by the binding rule, the record identity).
 *
 * Version 3 (this one) seals everything but the first two bytes with
 * XChaCha20-Poly1305 under the room's probe key, so nobody outside the room
 * sees who probes whom (no long-term key in clear), carries ts, the
 * sender's strictly increasing unix ms, for freshness (fresh.h), and ends
 * with a 16-byte pairwise tag: BLAKE2b-128 keyed with K_sr, the key only
 * the sender and the receiver can compute (probe_pair_key: their static
 * X25519 Diffie-Hellman), over everything before it. So a room member can
 * open a probe between two others but cannot make one in another's name
 * that the receiver takes (`pair`), and only the real sender moves its
 * freshness window. Multi-byte integers are big-endian.
 *
 *   message                         body (sealed)
 *   off len                          off len
 *     0   1  F0                         0  32  sender WireGuard key
 *     1   1  31 ping, 32 pong          32  32  receiver WireGuard key
 *     2  24  nonce (random)            64   8  ts
 *    26   n  body, encrypted           72  12  transaction id
 *  26+n  16  Poly1305 tag              84      ping: 19 zero bytes (103)
 *  42+n  16  pairwise tag                      pong: family 4 or 6, port (2),
 *                                                    address 4/16 (91/103)
 *
 * ad = bytes 0..1. A ping (161 bytes) is as large as the largest pong
 * (149 IPv4, 161 IPv6), so answering a ping can never amplify traffic
 * towards a spoofed source. Versions 1 (types 01, 02: keys in clear, a
 * BLAKE2b MAC, no freshness) and 2 (types 21, 22: no pairwise tag) are
 * refused as `version`.
 */
#ifndef GONET_PROBE_H
#define GONET_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"

struct fresh;

enum {
	PROBE_MAGIC = 0xF0,
	PROBE_ID_LEN = 32,		/* WireGuard public key */
	PROBE_KEY_LEN = 32,		/* the room's probe key */
	PROBE_TXID_LEN = 12,
	PROBE_NONCE_LEN = 24,		/* XChaCha20 */
	PROBE_TAG_LEN = 16,		/* Poly1305 */
	PROBE_OUTER_LEN = 2,		/* F0, type: the associated data */
	PROBE_SEAL_OVERHEAD = PROBE_OUTER_LEN + PROBE_NONCE_LEN + PROBE_TAG_LEN,	/* 42 */
	PROBE_PAIR_KEY_LEN = 32,	/* K_sr, probe_pair_key */
	PROBE_PAIR_TAG_LEN = 16,	/* BLAKE2b-128 under K_sr */
	PROBE_OVERHEAD = PROBE_SEAL_OVERHEAD + PROBE_PAIR_TAG_LEN,	/* 58 */
	PROBE_PING_PAD = 19,
	PROBE_BODY_HEADER = 84,		/* sender, receiver, ts, txid */
	PROBE_PING_BODY = 103,
	PROBE_PONG4_BODY = 91,
	PROBE_PONG6_BODY = 103,
	PROBE_PING_LEN = PROBE_OVERHEAD + PROBE_PING_BODY,		/* 161 */
	PROBE_PONG4_LEN = PROBE_OVERHEAD + PROBE_PONG4_BODY,		/* 149 */
	PROBE_PONG6_LEN = PROBE_OVERHEAD + PROBE_PONG6_BODY,		/* 161 */
	PROBE_MAX_LEN = 161
};

enum probe_type {
	PROBE_PING = 0x31,
	PROBE_PONG = 0x32,
	PROBE_V1_PING = 0x01,		/* version 1: refused (`version`) */
	PROBE_V1_PONG = 0x02,
	PROBE_V2_PING = 0x21,		/* version 2: refused (`version`) */
	PROBE_V2_PONG = 0x22
};

/* Why a probe gets no answer, in the order they are checked. */
enum probe_reject {
	PROBE_OK = 0,
	PROBE_REJ_SHORT,		/* fewer than 2 bytes or not F0 */
	PROBE_REJ_TYPE,			/* neither ping nor pong */
	PROBE_REJ_VERSION,		/* a version 1 or 2 ping or pong (an older gonet) */
	PROBE_REJ_LENGTH,		/* wrong length for its type */
	PROBE_REJ_MAC,			/* does not open under the room's probe key */
	PROBE_REJ_RECEIVER,		/* receiver id is not ours */
	PROBE_REJ_FORMAT,		/* authentic but malformed: padding, family, port or address */
	PROBE_REJ_UNKNOWN,		/* sender is no peer of ours: no K_sr to check it with */
	PROBE_REJ_PAIR,			/* pairwise tag wrong: not made by the sender it names */
	PROBE_REJ_STALE,		/* ts too far from our clock (fresh.h) */
	PROBE_REJ_REPLAY,		/* ts seen before from that sender (fresh.h) */
	PROBE_REJ__COUNT
};

/* A verified probe, or one to build. */
struct probe_msg {
	enum probe_type type;
	uint8_t sender[PROBE_ID_LEN];
	uint8_t receiver[PROBE_ID_LEN];
	uint64_t ts;			/* the sender's fresh_stamp() */
	uint8_t txid[PROBE_TXID_LEN];
	struct endpoint observed;	/* pong: where the ping came from */
};

struct probe_stats {
	uint64_t pings_in, pongs_in;
	uint64_t rejected[PROBE_REJ__COUNT];
};

/*
 * "short", "type", "version", "length", "mac", "receiver", "format",
 * "unknown", "pair", "stale", "replay".
 */
const char *probe_reject_name(enum probe_reject r);

/*
 * K_sr, the pairwise key of us and a peer: BLAKE2b-256(key = the room's
 * probe key, "gonet/v3/pair" || X25519(our_priv, their_pub) || the two
 * public keys, lower first). Both sides get the same key. 0, or -1 if the
 * Diffie-Hellman result is all zero (a low-order public key: no peer).
 */
int probe_pair_key(uint8_t out[PROBE_PAIR_KEY_LEN], const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_priv[32], const uint8_t our_pub[32], const uint8_t their_pub[32]);

/*
 * The family's one construction, shared with relay_msg.c: out = F0 type
 * nonce XChaCha20-Poly1305-IETF(key, nonce, body, ad = F0 type) tag, where
 * tag = BLAKE2b-128(key = pair_key, everything before it). nonce NULL:
 * random. Returns PROBE_OVERHEAD + blen, or 0 if out is too small.
 */
size_t probe_seal(uint8_t *out, size_t outlen, uint8_t type, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const uint8_t *body, size_t blen,
    const uint8_t *nonce);
/* Open buf (len bytes) into plain (len - PROBE_OVERHEAD bytes): 0, or -1 if forged. */
int probe_open(const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN], uint8_t *plain);
/* The pairwise tag of an opened message (len bytes) under pair_key: 0 if right, else -1. */
int probe_pair_check(const uint8_t *buf, size_t len, const uint8_t pair_key[PROBE_PAIR_KEY_LEN]);

/* K_sr of a sender, or NULL when the sender is no peer of ours (probe_input). */
typedef const uint8_t *(*probe_pair_fn)(void *arg, const uint8_t sender[PROBE_ID_LEN]);

/*
 * Seal m (a ping, or a pong of m->observed) into out. nonce NULL: a fresh
 * random one (a fixed nonce is for test vectors only). Returns the length,
 * or 0 (outlen too small, bad type, bad observed address).
 */
size_t probe_build(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const struct probe_msg *m, const uint8_t *nonce);

/* A ping. Returns PROBE_PING_LEN, or 0 if outlen is too small. */
size_t probe_build_ping(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const uint8_t sender[PROBE_ID_LEN],
    const uint8_t receiver[PROBE_ID_LEN], uint64_t ts,
    const uint8_t txid[PROBE_TXID_LEN]);

/*
 * Open and check a datagram that demuxed as a probe, up to `format` (the
 * pairwise tag needs the sender's K_sr, freshness needs state: probe_input).
 * our_id is our WireGuard public key. Only on PROBE_OK is msg filled; any
 * other result means: no answer.
 */
enum probe_reject probe_parse(const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_id[PROBE_ID_LEN], struct probe_msg *msg);

/*
 * The pong, stamped ts, for a verified ping that arrived from "from": its
 * length (never more than the ping's), or 0 if msg is not a ping or from is
 * unusable.
 */
size_t probe_answer(uint8_t *out, size_t outlen, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t pair_key[PROBE_PAIR_KEY_LEN], const struct probe_msg *ping,
    const struct endpoint *from, uint64_t ts);

/*
 * probe_parse, then the pairwise tag under pair(arg, sender) (`unknown`
 * when it returns NULL, `pair` when the tag is wrong), then freshness
 * against fr at now (unix ms; fresh.h), and count the outcome. Only a
 * message whose tag is right reaches fr. fr NULL skips freshness (tests of
 * the codec alone).
 */
enum probe_reject probe_input(struct probe_stats *st, struct fresh *fr, uint64_t now_unix_ms,
    const uint8_t *buf, size_t len, const uint8_t key[PROBE_KEY_LEN],
    const uint8_t our_id[PROBE_ID_LEN], probe_pair_fn pair, void *arg, struct probe_msg *msg);

#endif
