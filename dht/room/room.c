/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * room.c — keys derived from a room string (doc/PROTOCOL.md "Room keys").
 *
 *   salt        = BLAKE2b-128("gonet room salt v1")
 *   room_secret = Argon2id(R, salt, OPSLIMIT_INTERACTIVE, MEMLIMIT_INTERACTIVE)
 *   subkey(L)   = BLAKE2b-256(key = room_secret, msg = L)
 *   infohash(e) = BLAKE2b-160(key = locator, msg = "gonet/v1/epoch" || be64(e))
 *
 * BLAKE2b-N is crypto_generichash with outlen N/8 (the output length is a
 * BLAKE2b parameter, so this is not a truncation of BLAKE2b-512).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "dht/room/room.h"
#include "dht/wire/utf8.h"

#define ROOM_SALT_INPUT		"gonet room salt v1"
#define ROOM_LABEL_LOCATOR	"gonet/v1/locator"
#define ROOM_LABEL_RECORD	"gonet/v1/record"
#define ROOM_LABEL_PSK		"gonet/v1/psk"
#define ROOM_LABEL_PROBE	"gonet/v1/probe"
#define ROOM_LABEL_EPOCH	"gonet/v1/epoch"

enum {
	ROOM_SALT_LEN = 16		/* BLAKE2b-128; equals crypto_pwhash_SALTBYTES */
};

const char *
room_strerror(enum room_error e)
{
	switch (e) {
	case ROOM_OK:
		return "ok";
	case ROOM_EMPTY:
		return "room string is empty";
	case ROOM_TOO_LONG:
		return "room string is longer than 256 bytes";
	case ROOM_BAD_UTF8:
		return "room string is not valid UTF-8";
	case ROOM_CONTROL:
		return "room string contains a control character";
	case ROOM_NOMEM:
		return "not enough memory for Argon2id (64 MiB)";
	}
	return "unknown room error";
}

/* C0 (U+0000..U+001F), DEL (U+007F) and C1 (U+0080..U+009F). */
static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

enum room_error
room_validate(const char *room, size_t len)
{
	const uint8_t *s = (const uint8_t *)room;
	enum room_error bad = ROOM_OK;
	size_t off = 0;
	uint32_t cp;

	if (room == NULL || len == 0)
		return ROOM_EMPTY;
	if (len > ROOM_MAX_LEN)
		return ROOM_TOO_LONG;
	/*
	 * Scan everything: ill-formed UTF-8 wins over a control character
	 * wherever each appears, so the message does not depend on order.
	 */
	while (off < len) {
		if (utf8_next(s, len, &off, &cp) != 0)
			return ROOM_BAD_UTF8;
		if (is_control(cp))
			bad = ROOM_CONTROL;
	}
	return bad;
}

static void
room_salt(uint8_t salt[ROOM_SALT_LEN])
{
	crypto_generichash(salt, ROOM_SALT_LEN, (const uint8_t *)ROOM_SALT_INPUT,
	    sizeof(ROOM_SALT_INPUT) - 1, NULL, 0);
}

static void
subkey(const uint8_t secret[ROOM_KEY_LEN], const char *label, uint8_t out[ROOM_KEY_LEN])
{
	crypto_generichash(out, ROOM_KEY_LEN, (const uint8_t *)label, strlen(label),
	    secret, ROOM_KEY_LEN);
}

enum room_error
room_secret(const char *room, size_t len, uint8_t secret[ROOM_KEY_LEN])
{
	uint8_t salt[ROOM_SALT_LEN];
	enum room_error r;

	if ((r = room_validate(room, len)) != ROOM_OK)
		goto out;
	if (sodium_init() < 0) {
		r = ROOM_NOMEM;
		goto out;
	}
	room_salt(salt);
	if (crypto_pwhash(secret, ROOM_KEY_LEN, room, len, salt,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		r = ROOM_NOMEM;	/* the only way it fails with valid parameters */
		goto out;
	}
	r = ROOM_OK;
out:
	if (r != ROOM_OK)
		sodium_memzero(secret, ROOM_KEY_LEN);
	return r;
}

void
room_keys_from_secret(const uint8_t secret[ROOM_KEY_LEN], struct room_keys *keys)
{
	subkey(secret, ROOM_LABEL_LOCATOR, keys->locator);
	subkey(secret, ROOM_LABEL_RECORD, keys->record);
	subkey(secret, ROOM_LABEL_PSK, keys->psk);
	subkey(secret, ROOM_LABEL_PROBE, keys->probe);
}

enum room_error
room_derive(const char *room, size_t len, struct room_keys *keys)
{
	uint8_t secret[ROOM_KEY_LEN];
	enum room_error r;

	if ((r = room_secret(room, len, secret)) != ROOM_OK)
		goto out;
	room_keys_from_secret(secret, keys);
out:
	sodium_memzero(secret, sizeof(secret));
	if (r != ROOM_OK)
		room_keys_wipe(keys);
	return r;
}

void
room_keys_wipe(struct room_keys *keys)
{
	if (keys != NULL)
		sodium_memzero(keys, sizeof(*keys));
}

uint64_t
room_epoch(uint64_t unix_seconds)
{
	return unix_seconds / ROOM_EPOCH_SECONDS;
}

void
room_infohash(const struct room_keys *keys, uint64_t epoch, uint8_t out[ROOM_INFOHASH_LEN])
{
	uint8_t msg[sizeof(ROOM_LABEL_EPOCH) - 1 + 8];
	size_t n = sizeof(ROOM_LABEL_EPOCH) - 1;
	int i;

	memcpy(msg, ROOM_LABEL_EPOCH, n);
	for (i = 0; i < 8; i++)
		msg[n + i] = (uint8_t)(epoch >> (56 - 8 * i));	/* be64 */
	crypto_generichash(out, ROOM_INFOHASH_LEN, msg, sizeof(msg), keys->locator,
	    sizeof(keys->locator));
}

int
room_publish_epochs(uint64_t now, uint64_t out[2])
{
	uint64_t e = room_epoch(now);

	out[0] = e;
	if (now % ROOM_EPOCH_SECONDS >= ROOM_EPOCH_SECONDS - ROOM_PUBLISH_AHEAD) {
		out[1] = e + 1;
		return 2;
	}
	return 1;
}

void
room_listen_epochs(uint64_t now, uint64_t out[2])
{
	out[0] = room_epoch(now);
	out[1] = out[0] + 1;
}

int
room_dht_listen_epochs(uint64_t now, uint64_t out[2])
{
	out[0] = room_epoch(now);
	out[1] = out[0] + 1;
	return now % ROOM_EPOCH_SECONDS >= ROOM_EPOCH_SECONDS - ROOM_LISTEN_AHEAD ? 2 : 1;
}
