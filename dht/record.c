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
 * record_open() checks in the documented order and stops at the first
 * failure: size, magic, decrypt, shape, sig, exp. The stateful checks (seq,
 * duplicate, ownid) are record_accept() in record_seen.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <sodium.h>

#include "record.h"
#include "record_codec.h"

enum {
	/* The largest envelope (plaintext) that can fit in a value. */
	RECORD_MAX_ENVELOPE = RECORD_MAX_VALUE - RECORD_OVERHEAD,
	RECORD_AD_LEN = RECORD_MAGIC_LEN + 20,
	RECORD_SIGNED_MAX = RECORD_SIG_LABEL_LEN + 20 + RECORD_MAX_ENVELOPE
};

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
	case REC_EXP:		return "exp";
	case REC_SEQ:		return "seq";
	case REC_OWNID:		return "ownid";
	case REC_DUPLICATE:	return "duplicate";
	case REC__COUNT:	break;
	}
	return "unknown";
}

static void
make_ad(const uint8_t infohash[20], uint8_t ad[RECORD_AD_LEN])
{
	memcpy(ad, RECORD_MAGIC, RECORD_MAGIC_LEN);
	memcpy(ad + RECORD_MAGIC_LEN, infohash, 20);
}

/* "gonet/v1/record" || infohash || body, into buf (RECORD_SIGNED_MAX bytes). */
static size_t
make_signed(const uint8_t infohash[20], const uint8_t *body, size_t body_len, uint8_t *buf)
{
	memcpy(buf, RECORD_SIG_LABEL, RECORD_SIG_LABEL_LEN);
	memcpy(buf + RECORD_SIG_LABEL_LEN, infohash, 20);
	memcpy(buf + RECORD_SIG_LABEL_LEN + 20, body, body_len);
	return RECORD_SIG_LABEL_LEN + 20 + body_len;
}

int
record_seal_with_nonce(const struct record *rec, const uint8_t record_key[32],
    const uint8_t infohash[20], const uint8_t sign_sk[64], const uint8_t nonce[RECORD_NONCE_LEN],
    uint8_t *out, size_t outlen)
{
	uint8_t body[RECORD_MAX_ENVELOPE], env[RECORD_MAX_ENVELOPE];
	uint8_t msg[RECORD_SIGNED_MAX], sig[RECORD_SIG_LEN], pk[RECORD_ID_LEN];
	uint8_t ad[RECORD_AD_LEN];
	size_t body_len, env_len, msg_len, total;
	int r = -1;

	if (sodium_init() < 0)
		return -1;
	/* A record signed by a key other than its id would be rejected by all. */
	if (crypto_sign_ed25519_sk_to_pk(pk, sign_sk) != 0 ||
	    sodium_memcmp(pk, rec->id, RECORD_ID_LEN) != 0)
		goto out;
	if (record_encode_body(rec, body, sizeof(body), &body_len) != 0)
		goto out;
	msg_len = make_signed(infohash, body, body_len, msg);
	if (crypto_sign_detached(sig, NULL, msg, msg_len, sign_sk) != 0)
		goto out;
	if (record_encode_envelope(body, body_len, sig, env, sizeof(env), &env_len) != 0)
		goto out;
	total = RECORD_OVERHEAD + env_len;
	if (total > RECORD_MAX_VALUE || total > outlen)
		goto out;
	make_ad(infohash, ad);
	memcpy(out, RECORD_MAGIC, RECORD_MAGIC_LEN);
	memcpy(out + RECORD_MAGIC_LEN, nonce, RECORD_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + RECORD_MAGIC_LEN + RECORD_NONCE_LEN, NULL,
	    env, env_len, ad, sizeof(ad), NULL, nonce, record_key);
	r = (int)total;
out:
	/* The plaintext is room-confidential: leave no copy on the stack. */
	sodium_memzero(body, sizeof(body));
	sodium_memzero(env, sizeof(env));
	sodium_memzero(msg, sizeof(msg));
	return r;
}

int
record_seal(const struct record *rec, const uint8_t record_key[32], const uint8_t infohash[20],
    const uint8_t sign_sk[64], uint8_t *out, size_t outlen)
{
	uint8_t nonce[RECORD_NONCE_LEN];

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(nonce, sizeof(nonce));	/* fresh per value, never reused */
	return record_seal_with_nonce(rec, record_key, infohash, sign_sk, nonce, out, outlen);
}

enum record_reject
record_open_why(const uint8_t *value, size_t len, const uint8_t record_key[32],
    const uint8_t infohash[20], uint64_t now, struct record *rec, const char **why)
{
	uint8_t env[RECORD_MAX_ENVELOPE], msg[RECORD_SIGNED_MAX], ad[RECORD_AD_LEN];
	const uint8_t *body, *sig;
	unsigned long long env_len;
	size_t body_len, msg_len;
	enum record_reject r;
	const char *shape_why = NULL;

	memset(rec, 0, sizeof(*rec));
	if (len > RECORD_MAX_VALUE) {
		r = REC_SIZE;
		goto out;
	}
	if (len < RECORD_MAGIC_LEN || memcmp(value, RECORD_MAGIC, RECORD_MAGIC_LEN) != 0) {
		r = REC_MAGIC;
		goto out;
	}
	if (len < RECORD_OVERHEAD || sodium_init() < 0) {
		r = REC_DECRYPT;
		goto out;
	}
	make_ad(infohash, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(env, &env_len, NULL,
	    value + RECORD_MAGIC_LEN + RECORD_NONCE_LEN, len - RECORD_MAGIC_LEN - RECORD_NONCE_LEN,
	    ad, sizeof(ad), value + RECORD_MAGIC_LEN, record_key) != 0) {
		r = REC_DECRYPT;
		goto out;
	}
	if ((r = record_decode_envelope(env, (size_t)env_len, &body, &body_len, &sig,
	    &shape_why)) != REC_OK)
		goto out;
	if ((r = record_decode_body(body, body_len, rec, &shape_why)) != REC_OK)
		goto out;
	msg_len = make_signed(infohash, body, body_len, msg);
	if (crypto_sign_verify_detached(sig, msg, msg_len, rec->id) != 0) {
		r = REC_SIG;
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
	sodium_memzero(msg, sizeof(msg));
	return r;
}

enum record_reject
record_open(const uint8_t *value, size_t len, const uint8_t record_key[32],
    const uint8_t infohash[20], uint64_t now, struct record *rec)
{
	return record_open_why(value, len, record_key, infohash, now, rec, NULL);
}
