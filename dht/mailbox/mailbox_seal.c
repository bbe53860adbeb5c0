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
 * The construction is envelope.c's, shared with records; this file names
 * the mailbox's magic, label and limit and maps its checks onto MBX_*.
 *
 * mailbox_open() checks in the documented order and stops at the first
 * failure: size, magic, decrypt, shape, sig, exp, to. The stateful checks
 * (from, replay, duplicate, rate) follow in mailbox.c and mailbox_seen.c.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "dht/wire/envelope.h"
#include "dht/mailbox/mailbox.h"
#include "dht/mailbox/mailbox_codec.h"

static const struct envelope_kind mailbox_kind = {
	MAILBOX_MAGIC, MAILBOX_LABEL, MAILBOX_LABEL_LEN, MAILBOX_MAX_VALUE
};

_Static_assert((int)MAILBOX_OVERHEAD == (int)ENVELOPE_OVERHEAD &&
    (int)MAILBOX_NONCE_LEN == (int)ENVELOPE_NONCE_LEN &&
    (int)MAILBOX_INFOHASH_LEN == (int)ENVELOPE_INFOHASH_LEN &&
    (int)MAILBOX_SIG_LEN == (int)ENVELOPE_SIG_LEN &&
    (int)MAILBOX_KEY_LEN == (int)ENVELOPE_KEY_LEN &&
    (int)MAILBOX_MAX_VALUE <= (int)ENVELOPE_MAX_VALUE, "a mailbox value is an envelope");

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

/* nonce NULL: a fresh random one. */
static int
seal(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64],
    const uint8_t *nonce, uint8_t *out, size_t outlen)
{
	uint8_t body[MAILBOX_MAX_ENVELOPE], pk[MAILBOX_ID_LEN];
	size_t body_len;
	int r = -1;

	if (sodium_init() < 0)
		return -1;
	/* A value signed by a key other than its from would be rejected by all. */
	if (crypto_sign_ed25519_sk_to_pk(pk, sign_sk) != 0 ||
	    sodium_memcmp(pk, l->from, MAILBOX_ID_LEN) != 0)
		goto out;
	if (mailbox_encode_body(l, body, sizeof(body), &body_len) != 0)
		goto out;
	r = envelope_seal(&mailbox_kind, key, infohash, body, body_len, sign_sk, nonce, out,
	    outlen);
out:
	sodium_memzero(body, sizeof(body));
	return r;
}

int
mailbox_seal_with_nonce(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64],
    const uint8_t nonce[MAILBOX_NONCE_LEN], uint8_t *out, size_t outlen)
{
	return seal(l, key, infohash, sign_sk, nonce, out, outlen);
}

int
mailbox_seal(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64], uint8_t *out,
    size_t outlen)
{
	return seal(l, key, infohash, sign_sk, NULL, out, outlen);
}

enum mailbox_reject
mailbox_open_why(const uint8_t *value, size_t len, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t own_id[MAILBOX_ID_LEN],
    uint64_t now, struct mailbox_letter *l, const char **why)
{
	static const enum mailbox_reject reject[] = {
		[ENVELOPE_OK] = MBX_OK,
		[ENVELOPE_SIZE] = MBX_SIZE,
		[ENVELOPE_MAGIC] = MBX_MAGIC,
		[ENVELOPE_DECRYPT] = MBX_DECRYPT,
		[ENVELOPE_SHAPE] = MBX_SHAPE
	};
	const uint8_t *body, *sig;
	size_t body_len;
	const char *shape_why = NULL;
	enum mailbox_reject r;

	sodium_memzero(l, sizeof(*l));
	/* The plaintext lands in l->buf: the frames will point into it. */
	if ((r = reject[envelope_open(&mailbox_kind, value, len, key, infohash, l->buf, &body,
	    &body_len, &sig, &shape_why)]) != MBX_OK)
		goto out;
	if ((r = mailbox_decode_body(body, body_len, l, &shape_why)) != MBX_OK)
		goto out;
	if (envelope_verify(&mailbox_kind, infohash, body, body_len, sig, l->from) != 0) {
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
	return r;
}

enum mailbox_reject
mailbox_open(const uint8_t *value, size_t len, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t own_id[MAILBOX_ID_LEN],
    uint64_t now, struct mailbox_letter *l)
{
	return mailbox_open_why(value, len, key, infohash, own_id, now, l, NULL);
}
