/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * envelope.h — the sealed, signed DHT value shared by endpoint records and
 * mailbox values (doc/PROTOCOL.md "Endpoint record", "DHT mailbox"):
 *
 *   sig      = Ed25519-detached(sk, label || infohash || body)
 *   envelope = [body (bin), sig (bin 64)]
 *   value    = magic(3) || nonce(24) || XChaCha20-Poly1305-IETF(key, nonce,
 *                  envelope, ad = magic || infohash)
 *
 * Each user names its magic, label and size limit in a struct envelope_kind
 * and maps enum envelope_check onto its own reject names. The body itself
 * (and so the signer's public key) is the user's to encode and decode:
 * opening is envelope_open(), then decoding the body, then envelope_verify().
 */
#ifndef GONET_ENVELOPE_H
#define GONET_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

enum {
	ENVELOPE_MAGIC_LEN = 3,
	ENVELOPE_NONCE_LEN = 24,	/* XChaCha20-Poly1305-IETF */
	ENVELOPE_TAG_LEN = 16,
	ENVELOPE_KEY_LEN = 32,
	ENVELOPE_INFOHASH_LEN = 20,
	ENVELOPE_SIG_LEN = 64,
	ENVELOPE_OVERHEAD = ENVELOPE_MAGIC_LEN + ENVELOPE_NONCE_LEN + ENVELOPE_TAG_LEN,	/* 43 */
	ENVELOPE_MAX_VALUE = 1472	/* the largest max_value of any kind */
};

struct envelope_kind {
	const char *magic;		/* ENVELOPE_MAGIC_LEN bytes */
	const char *label;		/* signature domain, no terminator */
	size_t label_len;
	size_t max_value;		/* whole DHT value, <= ENVELOPE_MAX_VALUE */
};

/* What envelope_open() found, in the order it checks. */
enum envelope_check {
	ENVELOPE_OK,
	ENVELOPE_SIZE,			/* over max_value */
	ENVELOPE_MAGIC,			/* too short for the magic, or another magic */
	ENVELOPE_DECRYPT,		/* too short for nonce and tag, or the AEAD failed */
	ENVELOPE_SHAPE			/* the plaintext is not [bin, bin 64] */
};

/* [body (bin), sig (bin 64)] into out; -1 if it does not fit outlen. */
int envelope_encode(const uint8_t *body, size_t body_len, const uint8_t sig[ENVELOPE_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written);
/* The reverse: 0 with *body and *sig pointing into buf, or -1 and *why (may be NULL). */
int envelope_decode(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
    const uint8_t **sig, const char **why);

/*
 * Sign body, wrap and encrypt it into out under nonce (NULL: a fresh random
 * one; a nonce must never be reused under one key). Returns the value length
 * (<= k->max_value) or -1 if it does not fit max_value or outlen.
 */
int envelope_seal(const struct envelope_kind *k, const uint8_t key[ENVELOPE_KEY_LEN],
    const uint8_t infohash[ENVELOPE_INFOHASH_LEN], const uint8_t *body, size_t body_len,
    const uint8_t sign_sk[64], const uint8_t *nonce, uint8_t *out, size_t outlen);
/*
 * Check size and magic, decrypt into plain (k->max_value - ENVELOPE_OVERHEAD
 * bytes) and decode the envelope; on ENVELOPE_OK *body and *sig point into
 * plain. On ENVELOPE_SHAPE, *why (may be NULL) says why.
 */
enum envelope_check envelope_open(const struct envelope_kind *k, const uint8_t *value,
    size_t len, const uint8_t key[ENVELOPE_KEY_LEN],
    const uint8_t infohash[ENVELOPE_INFOHASH_LEN], uint8_t *plain, const uint8_t **body,
    size_t *body_len, const uint8_t **sig, const char **why);
/* Whether sig is signer_pk's over label || infohash || body: 0, or -1. */
int envelope_verify(const struct envelope_kind *k, const uint8_t infohash[ENVELOPE_INFOHASH_LEN],
    const uint8_t *body, size_t body_len, const uint8_t sig[ENVELOPE_SIG_LEN],
    const uint8_t signer_pk[32]);

#endif
