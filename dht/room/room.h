/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * room.h — keys derived from a room string (doc/PROTOCOL.md "Room keys").
 *
 *   salt        = BLAKE2b-128("gonet room salt v1")
 *   room_secret = Argon2id(R, salt, OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE)
 *   subkey(L)   = BLAKE2b-256(key = room_secret, msg = L)
 *   infohash(e) = BLAKE2b-160(key = locator, msg = "gonet/v1/epoch" || be64(e))
 */
#ifndef GONET_ROOM_H
#define GONET_ROOM_H

#include <stddef.h>
#include <stdint.h>

enum {
	ROOM_MAX_LEN = 256,
	ROOM_KEY_LEN = 32,
	ROOM_INFOHASH_LEN = 20,
	ROOM_EPOCH_SECONDS = 3600,
	ROOM_PUBLISH_AHEAD = 600,	/* last seconds of an epoch that also publish under e+1 */
	ROOM_LISTEN_AHEAD = 660		/* last seconds of an epoch that also keep a listen on e+1 */
};

struct room_keys {
	uint8_t locator[ROOM_KEY_LEN];
	uint8_t record[ROOM_KEY_LEN];	/* XChaCha20-Poly1305 key for records */
	uint8_t psk[ROOM_KEY_LEN];	/* WireGuard preshared key */
	uint8_t probe[ROOM_KEY_LEN];	/* MAC key for punch probes */
};

enum room_error {
	ROOM_OK = 0,
	ROOM_EMPTY,			/* zero bytes */
	ROOM_TOO_LONG,			/* over ROOM_MAX_LEN bytes */
	ROOM_BAD_UTF8,			/* not valid UTF-8 */
	ROOM_CONTROL,			/* contains a control character */
	ROOM_NOMEM			/* Argon2id could not get its memory */
};

/* A message for the user, e.g. "room string contains a control character". */
const char *room_strerror(enum room_error e);
enum room_error room_validate(const char *room, size_t len);
/* Validates, then derives. keys is wiped on failure. */
enum room_error room_derive(const char *room, size_t len, struct room_keys *keys);
void room_keys_wipe(struct room_keys *keys);
/*
 * The two halves of room_derive(), for test vectors and cross-checks:
 * room_secret() validates and runs Argon2id (secret is wiped on failure; the
 * caller wipes it after use), room_keys_from_secret() derives the subkeys.
 */
enum room_error room_secret(const char *room, size_t len, uint8_t secret[ROOM_KEY_LEN]);
void room_keys_from_secret(const uint8_t secret[ROOM_KEY_LEN], struct room_keys *keys);

uint64_t room_epoch(uint64_t unix_seconds);
void room_infohash(const struct room_keys *keys, uint64_t epoch, uint8_t out[ROOM_INFOHASH_LEN]);
/*
 * The epochs to publish under at time now: always epoch(now), and epoch(now)+1
 * in its last ROOM_PUBLISH_AHEAD seconds. Returns how many (1 or 2).
 */
int room_publish_epochs(uint64_t now, uint64_t out[2]);
/* The epochs whose values are accepted: epoch(now) and epoch(now)+1. */
void room_listen_epochs(uint64_t now, uint64_t out[2]);
/*
 * The epochs to keep a DHT listen on at time now: always epoch(now), and
 * epoch(now)+1 in its last ROOM_LISTEN_AHEAD seconds. A peer whose clock is
 * at most ROOM_PUBLISH_AHEAD s ahead of ours publishes under e+1 alone only
 * from boundary - ROOM_PUBLISH_AHEAD of our clock; the extra 60 s let the
 * listen's search settle first. One listen less for most of the hour: each
 * costs a refresh to every one of its nodes every 20 s (OpenDHT's listen
 * expiry), the bulk of an idle gonet's traffic. Returns how many (1 or 2).
 */
int room_dht_listen_epochs(uint64_t now, uint64_t out[2]);

#endif
