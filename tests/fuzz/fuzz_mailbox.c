/* fuzz-sources: src/session/link/mailbox.c src/clock/timer.c dht/mailbox/mailbox_seal.c dht/mailbox/mailbox_codec.c dht/wire/mpack.c dht/wire/mpack_map.c dht/wire/mpack_writer.c dht/wire/envelope.c dht/mailbox/mailbox_seen.c dht/room/room.c dht/wire/utf8.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_mailbox.c — libFuzzer target for the DHT mailbox value decoder.
 *
 * Keys, identities and the clock are those of the vector in doc/PROTOCOL.md
 * "DHT mailbox" (room lobby/room/key, recipient seed 20..3f, sender seed
 * 00..1f, epoch 493000), so the seed corpus opens. The AEAD stops random
 * input at "decrypt", so the first byte picks a layer:
 *   0  the rest is a DHT value: mailbox_receive() on a mailbox (fake DHT,
 *      fake clock; every id is a member), the path a listen takes
 *   1  the rest is an envelope: sealed under the mailbox key, then received
 *   2  the rest is a body: signed by the sender, wrapped, sealed, received
 *      (reaches sig, exp, to, from, replay, duplicate, rate and delivery)
 *   3  the rest is a body: mailbox_decode_body(), and a decoded body must
 *      survive encode -> decode unchanged
 *   4  the rest is an envelope: mailbox_decode_envelope()
 * Anything else is treated as 0 (the whole input).
 */
#include "config.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "dht/mailbox/mailbox.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/link/mailbox.h"
#include "dht/mailbox/mailbox_codec.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t NOW = 493000ull * 3600 + 100;

/* --- a DHT that stores nothing ----------------------------------------------------- */

struct runner {
	int unused;
};

struct runner_op {
	int unused;
};

static struct runner fake_runner;
static struct runner_op fake_op;

struct runner_op *
runner_put_once(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], const uint8_t *data,
    size_t len, void (*done)(void *, bool), void *arg)
{
	assert(len <= MAILBOX_MAX_VALUE);
	return &fake_op;
}

void
runner_cancel_put(struct runner *r, struct runner_op *op)
{
}

struct runner_op *
runner_listen(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg)
{
	return &fake_op;
}

struct runner_op *
runner_listen_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], size_t max,
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg)
{
	return &fake_op;
}

void
runner_cancel_listen(struct runner *r, struct runner_op *op)
{
}

/* --- the mailbox ------------------------------------------------------------------------ */

static struct room_keys keys;
static uint8_t mkey[32], ih[20], pk_a[32], sk_a[64], pk_b[32], sk_b[64];
static struct timers *timers;		/* manual: nothing fires */
static struct mailbox *mb;
static uint64_t fake_ms;
static size_t delivered;

static uint64_t
clock_mono(void *arg)
{
	return fake_ms * 1000000u;
}

static uint64_t
clock_unix(void *arg)
{
	return NOW * 1000 + fake_ms % 1000;
}

static const struct clock fake_clock = { clock_mono, clock_unix, NULL };

static bool
is_member(void *arg, const uint8_t id[32])
{
	return true;
}

static void
deliver(void *arg, const uint8_t from[32], const uint8_t *frame, size_t len)
{
	assert(len >= 1 && len <= MAILBOX_FRAME_MAX);
	assert(memcmp(from, pk_b, 32) != 0);
	delivered += frame[0] + frame[len - 1];	/* touch both ends */
}

static void
init(void)
{
	static const char locator[] =
	    "612c07075d63a78b3f5490b85964fecb9c4ea9db9e08b566cf891e43e0f9efae";
	static const char record[] =
	    "7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e";
	struct mailbox_config cfg;
	uint8_t seed[32];
	size_t i;

	if (mb != NULL)
		return;
	if (sodium_init() < 0)
		__builtin_trap();
	sodium_hex2bin(keys.locator, 32, locator, 64, NULL, NULL, NULL);
	sodium_hex2bin(keys.record, 32, record, 64, NULL, NULL, NULL);
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(pk_a, sk_a, seed);
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x20 + i);
	crypto_sign_seed_keypair(pk_b, sk_b, seed);
	mailbox_key(keys.record, mkey);
	mailbox_infohash(keys.locator, pk_b, room_epoch(NOW), ih);
	timers = timers_new(NULL, &fake_clock);
	memset(&cfg, 0, sizeof(cfg));
	cfg.timers = timers;
	cfg.runner = &fake_runner;
	cfg.keys = &keys;
	cfg.sign_sk = sk_b;
	cfg.is_member = is_member;
	cfg.deliver = deliver;
	if ((mb = mailbox_new(&cfg)) == NULL)
		__builtin_trap();
}

static size_t
seal_envelope(const uint8_t *env, size_t len, uint8_t *out)
{
	uint8_t ad[23];

	memcpy(ad, MAILBOX_MAGIC, 3);
	memcpy(ad + 3, ih, 20);
	memcpy(out, MAILBOX_MAGIC, 3);
	memset(out + 3, 0x11, 24);		/* fixed nonce: deterministic runs */
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 27, NULL, env, len, ad, sizeof(ad), NULL,
	    out + 3, mkey);
	return 27 + len + 16;
}

static void
receive(const uint8_t *v, size_t len)
{
	struct mailbox_letter l;
	struct mailbox_stats st;
	enum mailbox_reject r, r2;
	const char *why = NULL;

	/* The stateless part alone must agree with the whole path up to `to`. */
	r = mailbox_open_why(v, len, mkey, ih, pk_b, NOW, &l, &why);
	assert(r < MBX__COUNT && r <= MBX_TO);
	assert((r == MBX_SHAPE) == (why != NULL));
	if (r == MBX_OK) {
		unsigned i;

		assert(l.nframes >= 1 && l.nframes <= MAILBOX_MAX_FRAMES);
		assert(l.exp > NOW && l.exp - NOW <= MAILBOX_MAX_FUTURE);
		for (i = 0; i < l.nframes; i++)
			assert(l.frame[i] >= l.buf && l.frame[i] + l.frame_len[i] <= l.buf + sizeof(l.buf));
	} else {
		assert(l.nframes == 0 && l.seq == 0);
	}
	mailbox_letter_wipe(&l);
	fake_ms += 7;
	r2 = mailbox_receive(mb, ih, v, len);
	assert(r2 < MBX__COUNT);
	assert(r == MBX_OK ? r2 == MBX_OK || r2 >= MBX_FROM : r2 == r);
	mailbox_get_stats(mb, &st);
	assert(st.senders <= MAILBOX_SENDERS_MAX);
}

static void
check_body_roundtrip(const uint8_t *b, size_t len)
{
	struct mailbox_letter l, again;
	uint8_t enc[MAILBOX_MAX_VALUE * 2];
	size_t n = 0;
	unsigned i;

	if (mailbox_decode_body(b, len, &l, NULL) != MBX_OK)
		return;
	assert(l.nframes >= 1 && l.nframes <= MAILBOX_MAX_FRAMES);
	for (i = 0; i < l.nframes; i++)
		assert(l.frame[i] >= b && l.frame[i] + l.frame_len[i] <= b + len);
	assert(mailbox_encode_body(&l, enc, sizeof(enc), &n) == 0);
	assert(n <= len);			/* shortest forms, no unknown keys */
	assert(mailbox_decode_body(enc, n, &again, NULL) == MBX_OK);
	assert(memcmp(l.from, again.from, 32) == 0 && memcmp(l.to, again.to, 32) == 0);
	assert(l.seq == again.seq && l.exp == again.exp && l.nframes == again.nframes);
	for (i = 0; i < l.nframes; i++)
		assert(l.frame_len[i] == again.frame_len[i] &&
		    memcmp(l.frame[i], again.frame[i], l.frame_len[i]) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[4096 + 256], env[4096 + 256], msg[4096 + 64];
	const uint8_t *body, *s;
	uint8_t sig[64];
	size_t blen, n;

	init();
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 1:
		if (size - 1 > MAILBOX_MAX_VALUE)
			break;
		n = seal_envelope(data + 1, size - 1, buf);
		receive(buf, n);
		break;
	case 2:
		if (size - 1 > MAILBOX_MAX_VALUE)
			break;
		memcpy(msg, MAILBOX_LABEL, 16);
		memcpy(msg + 16, ih, 20);
		memcpy(msg + 36, data + 1, size - 1);
		crypto_sign_detached(sig, NULL, msg, 36 + size - 1, sk_a);
		if (mailbox_encode_envelope(data + 1, size - 1, sig, env, sizeof(env), &n) != 0)
			break;
		n = seal_envelope(env, n, buf);
		receive(buf, n);
		break;
	case 3:
		check_body_roundtrip(data + 1, size - 1);
		break;
	case 4:
		if (mailbox_decode_envelope(data + 1, size - 1, &body, &blen, &s, NULL) == MBX_OK) {
			assert(body >= data + 1 && body + blen <= data + size);
			assert(s >= data + 1 && s + 64 <= data + size);
			check_body_roundtrip(body, blen);
		}
		break;
	case 0:
		receive(data + 1, size - 1);
		break;
	default:
		receive(data, size);
		break;
	}
	return 0;
}
