/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox_seal.c — keys, seal and open for mailbox values (doc/PROTOCOL.md
 * "DHT mailbox"), modelled on record.c:
 *
 *   key      = BLAKE2b-256(key = record, msg = "gonet/v1/mailbox")
 *   infohash = BLAKE2b-160(key = locator, msg = "gonet/v1/mailbox" || to || be64(e))
 *   sig      = Ed25519-detached(sk, "gonet/v1/mailbox" || infohash || body)
 *   envelope = [body (bin), sig (bin 64)]
 *   value    = 47 4E 02 || nonce(24) || XChaCha20-Poly1305-IETF(key, nonce,
 *                  envelope, ad = 47 4E 02 || infohash)
 *
 * mailbox_open() checks in the documented order and stops at the first
 * failure: size, magic, decrypt, shape, sig, exp, to. The stateful checks
 * (from, replay, duplicate, rate) follow in mailbox.c and mailbox_seen.c.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <sodium.h>

#include "mailbox.h"
#include "mailbox_codec.h"

enum {
	MAILBOX_AD_LEN = MAILBOX_MAGIC_LEN + MAILBOX_INFOHASH_LEN,
	MAILBOX_SIGNED_MAX = MAILBOX_LABEL_LEN + MAILBOX_INFOHASH_LEN + MAILBOX_MAX_ENVELOPE
};

const char *
mailbox_reject_name(enum mailbox_reject r)
{
	switch (r) {
	case MBX_OK:		return "ok";
	case MBX_SIZE:		return "size";
	case MBX_MAGIC:		return "magic";
	case MBX_DECRYPT:	return "decrypt";
	case MBX_SHAPE:		return "shape";
	case MBX_SIG:		return "sig";
	case MBX_EXP:		return "exp";
	case MBX_TO:		return "to";
	case MBX_FROM:		return "from";
	case MBX_REPLAY:	return "replay";
	case MBX_DUPLICATE:	return "duplicate";
	case MBX_RATE:		return "rate";
	case MBX__COUNT:	break;
	}
	return "unknown";
}

void
mailbox_letter_wipe(struct mailbox_letter *l)
{
	if (l != NULL)
		sodium_memzero(l, sizeof(*l));
}

void
mailbox_key(const uint8_t record_key[32], uint8_t out[MAILBOX_KEY_LEN])
{
	crypto_generichash(out, MAILBOX_KEY_LEN, (const uint8_t *)MAILBOX_LABEL, MAILBOX_LABEL_LEN,
	    record_key, 32);
}

void
mailbox_infohash(const uint8_t locator[32], const uint8_t recipient[MAILBOX_ID_LEN],
    uint64_t epoch, uint8_t out[MAILBOX_INFOHASH_LEN])
{
	uint8_t msg[MAILBOX_LABEL_LEN + MAILBOX_ID_LEN + 8];
	int i;

	memcpy(msg, MAILBOX_LABEL, MAILBOX_LABEL_LEN);
	memcpy(msg + MAILBOX_LABEL_LEN, recipient, MAILBOX_ID_LEN);
	for (i = 0; i < 8; i++)
		msg[MAILBOX_LABEL_LEN + MAILBOX_ID_LEN + i] = (uint8_t)(epoch >> (56 - 8 * i));
	crypto_generichash(out, MAILBOX_INFOHASH_LEN, msg, sizeof(msg), locator, 32);
}

static void
make_ad(const uint8_t infohash[MAILBOX_INFOHASH_LEN], uint8_t ad[MAILBOX_AD_LEN])
{
	memcpy(ad, MAILBOX_MAGIC, MAILBOX_MAGIC_LEN);
	memcpy(ad + MAILBOX_MAGIC_LEN, infohash, MAILBOX_INFOHASH_LEN);
}

/* "gonet/v1/mailbox" || infohash || body into buf (MAILBOX_SIGNED_MAX bytes). */
static size_t
make_signed(const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t *body, size_t body_len,
    uint8_t *buf)
{
	memcpy(buf, MAILBOX_LABEL, MAILBOX_LABEL_LEN);
	memcpy(buf + MAILBOX_LABEL_LEN, infohash, MAILBOX_INFOHASH_LEN);
	memcpy(buf + MAILBOX_LABEL_LEN + MAILBOX_INFOHASH_LEN, body, body_len);
	return MAILBOX_LABEL_LEN + MAILBOX_INFOHASH_LEN + body_len;
}

int
mailbox_seal_with_nonce(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64],
    const uint8_t nonce[MAILBOX_NONCE_LEN], uint8_t *out, size_t outlen)
{
	uint8_t body[MAILBOX_MAX_ENVELOPE], env[MAILBOX_MAX_ENVELOPE];
	uint8_t msg[MAILBOX_SIGNED_MAX], sig[MAILBOX_SIG_LEN], pk[MAILBOX_ID_LEN];
	uint8_t ad[MAILBOX_AD_LEN];
	size_t body_len, env_len, msg_len, total;
	int r = -1;

	if (sodium_init() < 0)
		return -1;
	/* A value signed by a key other than its from would be rejected by all. */
	if (crypto_sign_ed25519_sk_to_pk(pk, sign_sk) != 0 ||
	    sodium_memcmp(pk, l->from, MAILBOX_ID_LEN) != 0)
		goto out;
	if (mailbox_encode_body(l, body, sizeof(body), &body_len) != 0)
		goto out;
	msg_len = make_signed(infohash, body, body_len, msg);
	if (crypto_sign_detached(sig, NULL, msg, msg_len, sign_sk) != 0)
		goto out;
	if (mailbox_encode_envelope(body, body_len, sig, env, sizeof(env), &env_len) != 0)
		goto out;
	total = MAILBOX_OVERHEAD + env_len;
	if (total > MAILBOX_MAX_VALUE || total > outlen)
		goto out;
	make_ad(infohash, ad);
	memcpy(out, MAILBOX_MAGIC, MAILBOX_MAGIC_LEN);
	memcpy(out + MAILBOX_MAGIC_LEN, nonce, MAILBOX_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + MAILBOX_MAGIC_LEN + MAILBOX_NONCE_LEN,
	    NULL, env, env_len, ad, sizeof(ad), NULL, nonce, key);
	r = (int)total;
out:
	sodium_memzero(body, sizeof(body));
	sodium_memzero(env, sizeof(env));
	sodium_memzero(msg, sizeof(msg));
	return r;
}

int
mailbox_seal(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64], uint8_t *out,
    size_t outlen)
{
	uint8_t nonce[MAILBOX_NONCE_LEN];

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(nonce, sizeof(nonce));	/* fresh per value, never reused */
	return mailbox_seal_with_nonce(l, key, infohash, sign_sk, nonce, out, outlen);
}

enum mailbox_reject
mailbox_open_why(const uint8_t *value, size_t len, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t own_id[MAILBOX_ID_LEN],
    uint64_t now, struct mailbox_letter *l, const char **why)
{
	uint8_t msg[MAILBOX_SIGNED_MAX], ad[MAILBOX_AD_LEN];
	const uint8_t *body, *sig;
	unsigned long long env_len;
	size_t body_len, msg_len;
	const char *shape_why = NULL;
	enum mailbox_reject r;

	sodium_memzero(l, sizeof(*l));
	if (len > MAILBOX_MAX_VALUE) {
		r = MBX_SIZE;
		goto out;
	}
	if (len < MAILBOX_MAGIC_LEN || memcmp(value, MAILBOX_MAGIC, MAILBOX_MAGIC_LEN) != 0) {
		r = MBX_MAGIC;
		goto out;
	}
	if (len < MAILBOX_OVERHEAD || sodium_init() < 0) {
		r = MBX_DECRYPT;
		goto out;
	}
	make_ad(infohash, ad);
	/* The plaintext lands in l->buf: the frames will point into it. */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(l->buf, &env_len, NULL,
	    value + MAILBOX_MAGIC_LEN + MAILBOX_NONCE_LEN,
	    len - MAILBOX_MAGIC_LEN - MAILBOX_NONCE_LEN, ad, sizeof(ad),
	    value + MAILBOX_MAGIC_LEN, key) != 0) {
		r = MBX_DECRYPT;
		goto out;
	}
	if ((r = mailbox_decode_envelope(l->buf, (size_t)env_len, &body, &body_len, &sig,
	    &shape_why)) != MBX_OK)
		goto out;
	if ((r = mailbox_decode_body(body, body_len, l, &shape_why)) != MBX_OK)
		goto out;
	msg_len = make_signed(infohash, body, body_len, msg);
	if (crypto_sign_verify_detached(sig, msg, msg_len, l->from) != 0) {
		r = MBX_SIG;
		goto out;
	}
	/* now < exp <= now + MAILBOX_MAX_FUTURE, written so it cannot overflow. */
	if (l->exp <= now || l->exp - now > MAILBOX_MAX_FUTURE) {
		r = MBX_EXP;
		goto out;
	}
	if (sodium_memcmp(l->to, own_id, MAILBOX_ID_LEN) != 0) {
		r = MBX_TO;
		goto out;
	}
	r = MBX_OK;
out:
	if (r != MBX_OK)
		sodium_memzero(l, sizeof(*l));
	if (why != NULL)
		*why = r == MBX_SHAPE ? shape_why : NULL;
	sodium_memzero(msg, sizeof(msg));
	return r;
}

enum mailbox_reject
mailbox_open(const uint8_t *value, size_t len, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t own_id[MAILBOX_ID_LEN],
    uint64_t now, struct mailbox_letter *l)
{
	return mailbox_open_why(value, len, key, infohash, own_id, now, l, NULL);
}
