/* fuzz-sources: dht/record/record.c dht/record/record_codec.c dht/wire/mpack.c dht/wire/mpack_map.c dht/wire/mpack_writer.c dht/wire/envelope.c dht/record/record_seen.c dht/wire/utf8.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_record.c — libFuzzer target for the endpoint record decoder.
 *
 * The AEAD stops random input at "decrypt", so the first byte picks a layer:
 *   0  the input is a DHT value: record_open()
 *   1  the input is an envelope: sealed under the fixed key, then opened
 *   2  the input is a body: signed with the fixed key, wrapped, sealed, opened
 *      (reaches sig and exp, and record_accept)
 *   3  the input is a body: record_decode_body(), and a decoded record must
 *      survive encode -> decode unchanged
 *   4  the input is an envelope: record_decode_envelope()
 * Anything else is treated as 0.
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "dht/record/record.h"
#include "dht/record/record_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t NOW = 493000ull * 3600 + 100;	/* as in test_record.c */
static uint8_t key[32], ih[20], pk[32], sk[64];
static struct record_seen *seen;

static void
init(void)
{
	uint8_t seed[32];
	size_t i;

	if (seen != NULL)
		return;
	if (sodium_init() < 0)
		__builtin_trap();
	for (i = 0; i < 32; i++) {
		key[i] = (uint8_t)(0x80 + i);
		seed[i] = (uint8_t)i;
	}
	for (i = 0; i < 20; i++)
		ih[i] = (uint8_t)(0xa0 + i);
	crypto_sign_seed_keypair(pk, sk, seed);
	seen = record_seen_new(NULL);
}

static size_t
seal_envelope(const uint8_t *env, size_t len, uint8_t *out)
{
	uint8_t ad[23];

	memcpy(ad, RECORD_MAGIC, 3);
	memcpy(ad + 3, ih, 20);
	memcpy(out, RECORD_MAGIC, 3);
	memset(out + 3, 0x11, 24);		/* fixed nonce: deterministic runs */
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 27, NULL, env, len, ad, sizeof(ad), NULL,
	    out + 3, key);
	return 27 + len + 16;
}

static void
check_open(const uint8_t *v, size_t len)
{
	struct record rec;
	const char *why = NULL;
	enum record_reject r = record_open_why(v, len, key, ih, NOW, &rec, &why);

	assert(r < REC__COUNT);
	assert((r == REC_SHAPE) == (why != NULL));
	if (r == REC_OK) {
		assert(rec.ncand <= RECORD_MAX_CANDIDATES);
		assert(strlen(rec.nick) <= RECORD_MAX_NICK);
		assert(rec.exp > NOW && rec.exp - NOW <= RECORD_MAX_FUTURE);
		r = record_accept(seen, &rec, NOW);
		assert(r == REC_OK || r == REC_SEQ || r == REC_DUPLICATE);
	} else {
		static const uint8_t zero[sizeof(struct record)];

		assert(memcmp(&rec, zero, sizeof(rec)) == 0);
	}
}

static void
check_body_roundtrip(const uint8_t *b, size_t len)
{
	struct record rec, again;
	uint8_t enc[1024];
	size_t n = 0;
	unsigned i;

	if (record_decode_body(b, len, &rec, NULL) != REC_OK)
		return;
	assert(rec.ncand <= RECORD_MAX_CANDIDATES);
	for (i = 0; i < rec.ncand; i++)
		assert(record_cand_usable(&rec.cand[i]));
	assert(record_encode_body(&rec, enc, sizeof(enc), &n) == 0);
	assert(record_decode_body(enc, n, &again, NULL) == REC_OK);
	/* Field by field: a nick may hold U+0000, which ends the C string. */
	assert(memcmp(rec.id, again.id, sizeof(rec.id)) == 0);
	assert(memcmp(rec.wg, again.wg, sizeof(rec.wg)) == 0);
	assert(strcmp(rec.nick, again.nick) == 0);
	assert(rec.seq == again.seq && rec.exp == again.exp && rec.ncand == again.ncand);
	assert(memcmp(rec.cand, again.cand, sizeof(rec.cand)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[4096 + 128], env[4096 + 128], msg[4096 + 64], sig[64];
	const uint8_t *body, *s;
	size_t blen, n;

	init();
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 1:
		if (size - 1 > RECORD_MAX_VALUE)
			break;
		n = seal_envelope(data + 1, size - 1, buf);
		check_open(buf, n);
		break;
	case 2:
		if (size - 1 > RECORD_MAX_VALUE)
			break;
		memcpy(msg, RECORD_SIG_LABEL, 15);
		memcpy(msg + 15, ih, 20);
		memcpy(msg + 35, data + 1, size - 1);
		crypto_sign_detached(sig, NULL, msg, 35 + size - 1, sk);
		if (record_encode_envelope(data + 1, size - 1, sig, env, sizeof(env), &n) != 0)
			break;
		n = seal_envelope(env, n, buf);
		check_open(buf, n);
		break;
	case 3:
		check_body_roundtrip(data + 1, size - 1);
		break;
	case 4:
		if (record_decode_envelope(data + 1, size - 1, &body, &blen, &s, NULL) == REC_OK) {
			assert(body >= data + 1 && body + blen <= data + size);
			assert(s >= data + 1 && s + 64 <= data + size);
			check_body_roundtrip(body, blen);
		}
		break;
	default:
		check_open(data, size);
		break;
	}
	return 0;
}
