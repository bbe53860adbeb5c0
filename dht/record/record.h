/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record.h — the endpoint record (doc/PROTOCOL.md "Endpoint record"): a
 * msgpack body, signed with Ed25519 over "gonet/v1/record" || infohash || body,
 * wrapped as [body, sig] and sealed with XChaCha20-Poly1305 under the room's
 * record key with 47 4E 01 || infohash as associated data.
 */
#ifndef GONET_RECORD_H
#define GONET_RECORD_H

#include <stddef.h>
#include <stdint.h>

enum {
	RECORD_VERSION = 1,
	RECORD_MAX_VALUE = 600,		/* whole DHT value */
	RECORD_MAX_NICK = 32,
	RECORD_MAX_CANDIDATES = 8,
	RECORD_TTL = 900,		/* publishers: exp = now + RECORD_TTL */
	RECORD_MAX_FUTURE = 1200,	/* receivers: exp <= now + RECORD_MAX_FUTURE */
	RECORD_ID_LEN = 32,
	RECORD_WG_LEN = 32,
	RECORD_SIG_LEN = 64
};

/* Candidate kinds, as on the wire. */
enum cand_kind {
	CAND_HOST = 0,
	CAND_SRFLX = 1,			/* STUN server-reflexive */
	CAND_DHT = 2,			/* address DHT nodes observed */
	CAND_MAPPED = 3,		/* UPnP / NAT-PMP / PCP */
	CAND_RELAY = 4
};

struct cand {
	uint8_t kind;			/* enum cand_kind */
	uint8_t family;			/* 4 or 6 */
	uint8_t addr[16];		/* 4 or 16 bytes used */
	uint16_t port;
};

/*
 * Key "nat" (optional): how the publisher's NAT maps it, [class, delta]
 * (tunnel/nat/natclass.h has the classes; dht/ only carries the numbers).
 * class 0 means unknown and is not written; a class this version does not
 * know is kept as read and reads as unknown.
 */
struct record_nat {
	uint8_t cls;			/* 0 unknown (absent), 1..4 as natclass.h; 255 above 255 */
	uint16_t delta;			/* port step, two's complement (sequential mapping) */
};

struct record {
	uint8_t id[RECORD_ID_LEN];	/* Ed25519 public key */
	uint8_t wg[RECORD_WG_LEN];	/* WireGuard X25519 public key, bound to id (record_wg_bound) */
	char nick[RECORD_MAX_NICK + 1];	/* NUL-terminated, valid UTF-8 */
	uint64_t seq;
	uint64_t exp;
	unsigned ncand;			/* usable candidates only */
	struct cand cand[RECORD_MAX_CANDIDATES];
	struct record_nat nat;		/* "nat", optional */
};

/* Rejection reasons, in the order receivers check them. */
enum record_reject {
	REC_OK = 0,
	REC_SIZE,
	REC_MAGIC,
	REC_DECRYPT,
	REC_SHAPE,
	REC_SIG,
	REC_BINDING,			/* wg is not the X25519 form of id */
	REC_EXP,
	REC_SEQ,
	REC_OWNID,
	REC_DUPLICATE,			/* equal (id, seq): dropped silently, still counted */
	REC__COUNT
};

/*
 * 1 if c is worth probing: a known kind, port not 0, and an address that is
 * not unspecified, multicast, link-local or broadcast (IPv4 0/8, 224/3,
 * 169.254/16; IPv6 ::, ff00::/8, fe80::/10, and v4-mapped forms of those).
 * record_open() drops candidates for which this is 0; publishers may use it
 * to filter before record_seal().
 */
int record_cand_usable(const struct cand *c);

/*
 * 1 when wg is the WireGuard key bound to the Ed25519 id: its Montgomery
 * form, libsodium crypto_sign_ed25519_pk_to_curve25519 (doc/PROTOCOL.md
 * "Endpoint record", check `binding`). Only then can the holder of id's
 * secret key complete a WireGuard handshake with wg, and no id can claim
 * another member's WireGuard key.
 */
int record_wg_bound(const uint8_t id[RECORD_ID_LEN], const uint8_t wg[RECORD_WG_LEN]);

/* "size", "magic", ... as shown by --dht-dump and used by tests. */
const char *record_reject_name(enum record_reject r);

/*
 * Seal rec for one infohash. sign_sk is the 64-byte libsodium Ed25519 secret
 * key. Returns the value length (<= RECORD_MAX_VALUE), or -1 if it would not
 * fit in out/outlen.
 */
int record_seal(const struct record *rec, const uint8_t record_key[32],
    const uint8_t infohash[20], const uint8_t sign_sk[64], uint8_t *out, size_t outlen);

/*
 * Open and check a value found under infohash, up to (not including) the seq
 * and own-id checks, which need state (struct record_seen). now is unix
 * seconds. On REC_OK, *rec is filled.
 */
enum record_reject record_open(const uint8_t *value, size_t len, const uint8_t record_key[32],
    const uint8_t infohash[20], uint64_t now, struct record *rec);

/*
 * Replay state: the highest seq seen per id, remembered >= 1200 s past exp.
 * record_accept() applies the seq, duplicate and own-id checks and updates it.
 */
struct record_seen;
struct record_seen *record_seen_new(const uint8_t own_id[RECORD_ID_LEN]);
void record_seen_free(struct record_seen *s);
enum record_reject record_accept(struct record_seen *s, const struct record *rec, uint64_t now);

#endif
