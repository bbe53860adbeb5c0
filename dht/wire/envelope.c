/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * envelope.c — seal, open and verify the sealed, signed DHT value of records
 * and mailboxes (envelope.h). Every plaintext copy is wiped before return:
 * bodies are room-confidential.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "dht/wire/envelope.h"
#include "dht/wire/mpack.h"
#include "dht/wire/mpack_writer.h"

enum {
	LABEL_MAX = 32,
	AD_LEN = ENVELOPE_MAGIC_LEN + ENVELOPE_INFOHASH_LEN,
	SIGNED_MAX = LABEL_MAX + ENVELOPE_INFOHASH_LEN + ENVELOPE_MAX_VALUE
};

int
envelope_encode(const uint8_t *body, size_t body_len, const uint8_t sig[ENVELOPE_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written)
{
	struct mpack_writer w;

	mpack_writer_init(&w, out, outlen);
	mpack_write_array(&w, 2);
	mpack_write_bin(&w, body, body_len);
	mpack_write_bin(&w, sig, ENVELOPE_SIG_LEN);
	return mpack_writer_end(&w, written);
}

int
envelope_decode(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
    const uint8_t **sig, const char **why)
{
	struct mpack_reader r;
	const uint8_t *s;
	uint64_t count;
	size_t n;

	mpack_reader_init(&r, buf, len);
	if (mpack_read_array(&r, &count, "envelope is not an array") != 0)
		goto shape;
	if (count != 2) {
		mpack_fail(&r, "envelope is not an array of 2");
		goto shape;
	}
	if (mpack_read_bin(&r, body, body_len, "body is not bin") != 0 ||
	    mpack_read_bin(&r, &s, &n, "sig is not bin") != 0)
		goto shape;
	if (n != ENVELOPE_SIG_LEN) {
		mpack_fail(&r, "sig is not 64 bytes");
		goto shape;
	}
	if (mpack_end(&r, "trailing bytes after envelope") != 0)
		goto shape;
	*sig = s;
	if (why != NULL)
		*why = NULL;
	return 0;
shape:
	*body = NULL;
	*body_len = 0;
	*sig = NULL;
	if (why != NULL)
		*why = r.why;
	return -1;
}

static void
make_ad(const struct envelope_kind *k, const uint8_t infohash[ENVELOPE_INFOHASH_LEN],
    uint8_t ad[AD_LEN])
{
	memcpy(ad, k->magic, ENVELOPE_MAGIC_LEN);
	memcpy(ad + ENVELOPE_MAGIC_LEN, infohash, ENVELOPE_INFOHASH_LEN);
}

/* label || infohash || body into buf (SIGNED_MAX bytes); 0 if it does not fit. */
static size_t
make_signed(const struct envelope_kind *k, const uint8_t infohash[ENVELOPE_INFOHASH_LEN],
    const uint8_t *body, size_t body_len, uint8_t buf[SIGNED_MAX])
{
	if (k->label_len > LABEL_MAX || body_len > ENVELOPE_MAX_VALUE)
		return 0;
	memcpy(buf, k->label, k->label_len);
	memcpy(buf + k->label_len, infohash, ENVELOPE_INFOHASH_LEN);
	memcpy(buf + k->label_len + ENVELOPE_INFOHASH_LEN, body, body_len);
	return k->label_len + ENVELOPE_INFOHASH_LEN + body_len;
}

int
envelope_seal(const struct envelope_kind *k, const uint8_t key[ENVELOPE_KEY_LEN],
    const uint8_t infohash[ENVELOPE_INFOHASH_LEN], const uint8_t *body, size_t body_len,
    const uint8_t sign_sk[64], const uint8_t *nonce, uint8_t *out, size_t outlen)
{
	uint8_t env[ENVELOPE_MAX_VALUE - ENVELOPE_OVERHEAD], msg[SIGNED_MAX];
	uint8_t sig[ENVELOPE_SIG_LEN], fresh[ENVELOPE_NONCE_LEN], ad[AD_LEN];
	size_t env_len, msg_len, total;
	int r = -1;

	if (k->max_value > ENVELOPE_MAX_VALUE || sodium_init() < 0)
		return -1;
	if (nonce == NULL) {
		randombytes_buf(fresh, sizeof(fresh));	/* fresh per value, never reused */
		nonce = fresh;
	}
	if ((msg_len = make_signed(k, infohash, body, body_len, msg)) == 0 ||
	    crypto_sign_detached(sig, NULL, msg, msg_len, sign_sk) != 0)
		goto out;
	if (envelope_encode(body, body_len, sig, env, k->max_value - ENVELOPE_OVERHEAD,
	    &env_len) != 0)
		goto out;
	total = ENVELOPE_OVERHEAD + env_len;
	if (total > k->max_value || total > outlen)
		goto out;
	make_ad(k, infohash, ad);
	memcpy(out, k->magic, ENVELOPE_MAGIC_LEN);
	memcpy(out + ENVELOPE_MAGIC_LEN, nonce, ENVELOPE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + ENVELOPE_MAGIC_LEN + ENVELOPE_NONCE_LEN,
	    NULL, env, env_len, ad, sizeof(ad), NULL, nonce, key);
	r = (int)total;
out:
	sodium_memzero(env, sizeof(env));
	sodium_memzero(msg, sizeof(msg));
	return r;
}

enum envelope_check
envelope_open(const struct envelope_kind *k, const uint8_t *value, size_t len,
    const uint8_t key[ENVELOPE_KEY_LEN], const uint8_t infohash[ENVELOPE_INFOHASH_LEN],
    uint8_t *plain, const uint8_t **body, size_t *body_len, const uint8_t **sig,
    const char **why)
{
	unsigned long long plain_len;
	uint8_t ad[AD_LEN];

	if (why != NULL)
		*why = NULL;
	if (len > k->max_value)
		return ENVELOPE_SIZE;
	if (len < ENVELOPE_MAGIC_LEN || memcmp(value, k->magic, ENVELOPE_MAGIC_LEN) != 0)
		return ENVELOPE_MAGIC;
	if (len < ENVELOPE_OVERHEAD || sodium_init() < 0)
		return ENVELOPE_DECRYPT;
	make_ad(k, infohash, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plain_len, NULL,
	    value + ENVELOPE_MAGIC_LEN + ENVELOPE_NONCE_LEN,
	    len - ENVELOPE_MAGIC_LEN - ENVELOPE_NONCE_LEN, ad, sizeof(ad),
	    value + ENVELOPE_MAGIC_LEN, key) != 0)
		return ENVELOPE_DECRYPT;
	if (envelope_decode(plain, (size_t)plain_len, body, body_len, sig, why) != 0)
		return ENVELOPE_SHAPE;
	return ENVELOPE_OK;
}

int
envelope_verify(const struct envelope_kind *k, const uint8_t infohash[ENVELOPE_INFOHASH_LEN],
    const uint8_t *body, size_t body_len, const uint8_t sig[ENVELOPE_SIG_LEN],
    const uint8_t signer_pk[32])
{
	uint8_t msg[SIGNED_MAX];
	size_t msg_len;
	int r = -1;

	if ((msg_len = make_signed(k, infohash, body, body_len, msg)) != 0 &&
	    crypto_sign_verify_detached(sig, msg, msg_len, signer_pk) == 0)
		r = 0;
	sodium_memzero(msg, sizeof(msg));
	return r;
}
