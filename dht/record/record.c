/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record.c — seal and open endpoint records (doc/PROTOCOL.md "Endpoint
 * record"):
 *
 *   sig      = Ed25519-detached(sk, "gonet/v1/record" || infohash || body)
 *   envelope = [body (bin), sig (bin 64)]
 *   value    = 47 4E 01 || nonce(24) || XChaCha20-Poly1305-IETF(record key,
 *                  nonce, envelope, ad = 47 4E 01 || infohash)
 *
 * The construction is envelope.c's, shared with the mailbox; this file names
 * the record's magic, label and limit and maps its checks onto REC_*.
 *
 * record_open() checks in the documented order and stops at the first
 * failure: size, magic, decrypt, shape, sig, binding, exp. The stateful checks (seq,
 * duplicate, ownid) are record_accept() in record_seen.c.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "dht/wire/envelope.h"
#include "dht/record/record.h"
#include "dht/record/record_codec.h"

enum {
	/* The largest envelope (plaintext) that can fit in a value. */
	RECORD_MAX_ENVELOPE = RECORD_MAX_VALUE - RECORD_OVERHEAD
};

static const struct envelope_kind record_kind = {
	RECORD_MAGIC, RECORD_SIG_LABEL, RECORD_SIG_LABEL_LEN, RECORD_MAX_VALUE
};

_Static_assert((int)RECORD_OVERHEAD == (int)ENVELOPE_OVERHEAD &&
    (int)RECORD_NONCE_LEN == (int)ENVELOPE_NONCE_LEN &&
    (int)RECORD_SIG_LEN == (int)ENVELOPE_SIG_LEN &&
    (int)RECORD_MAX_VALUE <= (int)ENVELOPE_MAX_VALUE, "a record value is an envelope");

const char *
record_reject_name(enum record_reject r)
{
	switch (r) {
	case REC_OK:		return "ok";
	case REC_SIZE:		return "size";
	case REC_MAGIC:		return "magic";
	case REC_DECRYPT:	return "decrypt";
	case REC_SHAPE:		return "shape";
	case REC_SIG:		return "sig";
	case REC_BINDING:	return "binding";
	case REC_EXP:		return "exp";
	case REC_SEQ:		return "seq";
	case REC_OWNID:		return "ownid";
	case REC_DUPLICATE:	return "duplicate";
	case REC__COUNT:	break;
	}
	return "unknown";
}

int
record_wg_bound(const uint8_t id[RECORD_ID_LEN], const uint8_t wg[RECORD_WG_LEN])
{
	uint8_t x[RECORD_WG_LEN];
	int ok;

	/* Fails for ids that are not points of prime order: they bind nothing. */
	ok = crypto_sign_ed25519_pk_to_curve25519(x, id) == 0 &&
	    sodium_memcmp(x, wg, RECORD_WG_LEN) == 0;
	sodium_memzero(x, sizeof(x));
	return ok;
}

/* nonce NULL: a fresh random one. */
static int
seal(const struct record *rec, const uint8_t record_key[32], const uint8_t infohash[20],
    const uint8_t sign_sk[64], const uint8_t *nonce, uint8_t *out, size_t outlen)
{
	uint8_t body[RECORD_MAX_ENVELOPE], pk[RECORD_ID_LEN];
	size_t body_len;
	int r = -1;

	if (sodium_init() < 0)
		return -1;
	/* A record signed by a key other than its id would be rejected by all. */
	if (crypto_sign_ed25519_sk_to_pk(pk, sign_sk) != 0 ||
	    sodium_memcmp(pk, rec->id, RECORD_ID_LEN) != 0 || !record_wg_bound(rec->id, rec->wg))
		goto out;
	if (record_encode_body(rec, body, sizeof(body), &body_len) != 0)
		goto out;
	r = envelope_seal(&record_kind, record_key, infohash, body, body_len, sign_sk, nonce,
	    out, outlen);
out:
	/* The plaintext is room-confidential: leave no copy on the stack. */
	sodium_memzero(body, sizeof(body));
	return r;
}

int
record_seal_with_nonce(const struct record *rec, const uint8_t record_key[32],
    const uint8_t infohash[20], const uint8_t sign_sk[64], const uint8_t nonce[RECORD_NONCE_LEN],
    uint8_t *out, size_t outlen)
{
	return seal(rec, record_key, infohash, sign_sk, nonce, out, outlen);
}

int
record_seal(const struct record *rec, const uint8_t record_key[32], const uint8_t infohash[20],
    const uint8_t sign_sk[64], uint8_t *out, size_t outlen)
{
	return seal(rec, record_key, infohash, sign_sk, NULL, out, outlen);
}

enum record_reject
record_open_why(const uint8_t *value, size_t len, const uint8_t record_key[32],
    const uint8_t infohash[20], uint64_t now, struct record *rec, const char **why)
{
	static const enum record_reject reject[] = {
		[ENVELOPE_OK] = REC_OK,
		[ENVELOPE_SIZE] = REC_SIZE,
		[ENVELOPE_MAGIC] = REC_MAGIC,
		[ENVELOPE_DECRYPT] = REC_DECRYPT,
		[ENVELOPE_SHAPE] = REC_SHAPE
	};
	uint8_t env[RECORD_MAX_ENVELOPE];
	const uint8_t *body, *sig;
	size_t body_len;
	enum record_reject r;
	const char *shape_why = NULL;

	memset(rec, 0, sizeof(*rec));
	if ((r = reject[envelope_open(&record_kind, value, len, record_key, infohash, env, &body,
	    &body_len, &sig, &shape_why)]) != REC_OK)
		goto out;
	if ((r = record_decode_body(body, body_len, rec, &shape_why)) != REC_OK)
		goto out;
	if (envelope_verify(&record_kind, infohash, body, body_len, sig, rec->id) != 0) {
		r = REC_SIG;
		goto out;
	}
	if (!record_wg_bound(rec->id, rec->wg)) {
		r = REC_BINDING;
		goto out;
	}
	/* now < exp <= now + RECORD_MAX_FUTURE, written so it cannot overflow. */
	if (rec->exp <= now || rec->exp - now > RECORD_MAX_FUTURE) {
		r = REC_EXP;
		goto out;
	}
	r = REC_OK;
out:
	if (r != REC_OK)
		memset(rec, 0, sizeof(*rec));
	if (why != NULL)
		*why = r == REC_SHAPE ? shape_why : NULL;
	sodium_memzero(env, sizeof(env));
	return r;
}

enum record_reject
record_open(const uint8_t *value, size_t len, const uint8_t record_key[32],
    const uint8_t infohash[20], uint64_t now, struct record *rec)
{
	return record_open_why(value, len, record_key, infohash, now, rec, NULL);
}
