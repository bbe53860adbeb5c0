/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * identity.h — the user's persistent keys (doc/PROTOCOL.md "Identity"):
 * an Ed25519 signing key for endpoint records and the X25519 WireGuard
 * static key derived from it (libsodium's Ed25519 -> X25519 conversion), so
 * a record's WireGuard key is bound to its id. One file:
 *
 *   SigningKey = <base64 of the 32-byte Ed25519 seed>
 *   PrivateKey = <base64 of the derived X25519 private key> (optional)
 *
 * The file is $XDG_CONFIG_HOME/gonet/identity (default
 * ~/.config/gonet/identity) or the --identity path; it is created on first
 * use with mode 0600 and refused, as ssh does, if group or others have any
 * permission on it. All key material lives in sodium_malloc'd memory and is
 * wiped by identity_free().
 */
#ifndef GONET_IDENTITY_H
#define GONET_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

enum {
	IDENTITY_KEY_LEN = 32,
	IDENTITY_SIGN_SK_LEN = 64,	/* libsodium's seed || public key form */
	IDENTITY_FINGERPRINT_LEN = 19,	/* "3f2a-91c0-7be4-0d15", without NUL */
	IDENTITY_MAX_FILE = 4096,	/* bytes; a real file is under 300 */
	IDENTITY_ERR_LEN = 512		/* a good size for the err buffers below */
};

struct identity;

/*
 * Every function that can fail takes err/errlen and writes a one-line,
 * user-facing message there (naming the file and, when parsing, the line).
 */

/* $XDG_CONFIG_HOME/gonet/identity, else $HOME/.config/gonet/identity. 0 or -1. */
int identity_default_path(char *buf, size_t len, char *err, size_t errlen);

/*
 * Load path, or create it with fresh keys if it does not exist. path NULL
 * means the default path, whose directories are created (mode 0700) as
 * needed; for a given path the directory must exist. *created (may be NULL)
 * is set to 1 if this call wrote the file. NULL on error. A file from
 * before the keys were bound (a PrivateKey that is not the derived one) is
 * rewritten with the derived key; identity_notice() then says so.
 */
struct identity *identity_load_or_create(const char *path, int *created, char *err, size_t errlen);
/* Load an existing file only. NULL on error. */
struct identity *identity_load(const char *path, char *err, size_t errlen);
/* Parse file contents (no permission checks; for tests and the fuzzer). */
struct identity *identity_parse(const char *text, size_t len, char *err, size_t errlen);
/*
 * Parsing never fails for a PrivateKey that is not the derived one: the
 * derived key is used and only identity_load_or_create() rewrites the file.
 */
/* A fresh random signing key, and the WireGuard key derived from it. */
struct identity *identity_generate(char *err, size_t errlen);
/*
 * The file contents for id, NUL-terminated, into buf. Returns the length or
 * -1 if buf is too small. The caller wipes buf (sodium_memzero).
 */
int identity_format(const struct identity *id, char *buf, size_t len);
/* Wipes and frees; accepts NULL. */
void identity_free(struct identity *id);

const uint8_t *identity_sign_pk(const struct identity *id);	/* 32 bytes */
const uint8_t *identity_sign_sk(const struct identity *id);	/* 64 bytes */
const uint8_t *identity_wg_private(const struct identity *id);	/* 32 bytes */
const uint8_t *identity_wg_public(const struct identity *id);	/* 32 bytes */
/* One line for the user about what loading changed (a migration), or NULL. */
const char *identity_notice(const struct identity *id);
/*
 * The WireGuard public key bound to an Ed25519 public key (its Montgomery
 * form): 0, or -1 for a key that has none (small order, not on the curve).
 */
int identity_wg_of(uint8_t wg_public[IDENTITY_KEY_LEN], const uint8_t sign_pk[IDENTITY_KEY_LEN]);

/*
 * The first 8 bytes of BLAKE2b-256(Ed25519 public key), lowercase hex in
 * groups of 4 joined by '-': "3f2a-91c0-7be4-0d15". out gets a NUL.
 */
void identity_fingerprint(const uint8_t sign_pk[IDENTITY_KEY_LEN],
    char out[IDENTITY_FINGERPRINT_LEN + 1]);

#endif
