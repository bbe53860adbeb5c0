/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_mailbox.c — the DHT mailbox: dht/mailbox (the vector of
 * doc/PROTOCOL.md "DHT mailbox", a round trip, one case per rejection reason
 * and the order of the checks, the strict decoder's shape rules, a flood of
 * bogus values counted in bounded memory) and src/session/link/mailbox.c
 * (the sender: batching, packing, the put rate and in-flight limits, the
 * e/e+1 copies, re-listening at rollover).
 *
 * Like test_rendezvous.c, this file defines runner_put_once,
 * runner_cancel_put, runner_listen and runner_cancel_listen itself, so the
 * mailbox runs on a fake DHT (values kept in memory, handed to listeners by
 * fake_runner_flush()) and a fake clock with timers nobody fires (the test calls
 * mailbox_tick() instead). `test_mailbox -v` prints the vector.
 */
#include "config.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "src/chat/chatproto.h"
#include "dht/mailbox/mailbox.h"
#include "dht/mailbox/mailbox_codec.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/link/mailbox.h"
#include "dht/record/record_codec.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "tests/check.h"
#include "tests/unit/fake_runner.h"

static int verbose;

/* "lobby/room/key" (doc/PROTOCOL.md "Room keys"). */
static const char ROOM_LOCATOR[] =
    "612c07075d63a78b3f5490b85964fecb9c4ea9db9e08b566cf891e43e0f9efae";
static const char ROOM_RECORD_KEY[] =
    "7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e";
static const uint64_t EPOCH = 493000;
static const uint64_t NOW = 493000ull * 3600 + 100;	/* 1774800100 */

/* The vector (doc/PROTOCOL.md "DHT mailbox", "Test vector"). */
static const char VEC_KEY[] =
    "e37c4f5f684b68f5ca9488dfa1f4829f186662f99e28cd515004fb11a9aaf2f4";
static const char VEC_IH[] = "95f5d6194a17a02004285b313fd33e6e8803a1ba";
static const char VEC_BODY[] =
    "86a17601a466726f6dc42003a107bff3ce10be1d70dd18e74bc09967e4d6309b"
    "a50d5f1ddc8664125531b8a2746fc42029acbae141bccaf0b22e1a94d34d0bc7"
    "361e526d0bfe12c89794bc9322966dd7a3736571cf0000019d3a545aa0a36578"
    "70ce69c94e10a66672616d657392c4179402cf18bcfe5680000001cf0000018b"
    "cfe5687ba26869c40b9203cf18bcfe5680000001";
static const char VEC_VALUE[] =
    "474e02000102030405060708090a0b0c0d0e0f10111213141516177cf043cd07"
    "2324e2ca77e62f7c95237c9980d95fcaf20ab72cab5924dd545f1561eea53c53"
    "629fdfeef92cb201e64dadc5ce8ab11a94441327e2e9bb470f6cd7db82c62e54"
    "96c312fd1b77f09992250af2cdedadc0ca98e7755d40cec1df3395c2d524dd00"
    "c896cd2b65c17d1b780a9b57255c8fb200530ad45417a944e38811ef9ffcfdb7"
    "6825bd49ff5bc9b8c37f9bd53f690d182ab157039425a90d1e255e398a30fdad"
    "0eda7a7680e7642bb55768e5686109addddb7c75dce4940146f2db820f32a36c"
    "9c1aa926b3ac01b2674d6c031e28bc92fb1759366dc34391858a86fb7ce1b03f"
    "47e208f2";

/* The two chat frames of doc/PROTOCOL.md "Chat", "Test vectors". */
static const uint8_t FRAME_MSG[] = {
	0x94, 0x02, 0xcf, 0x18, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00, 0x01, 0xcf, 0x00, 0x00,
	0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b, 0xa2, 0x68, 0x69
};
static const uint8_t FRAME_ACK[] = {
	0x92, 0x03, 0xcf, 0x18, 0xbc, 0xfe, 0x56, 0x80, 0x00, 0x00, 0x01
};

static struct room_keys keys, other_keys;
static uint8_t mkey[32], other_mkey[32];
static uint8_t pk_a[32], sk_a[64], pk_b[32], sk_b[64], pk_c[32], sk_c[64];
static uint8_t ih_b[20];			/* B's mailbox in EPOCH */

static void
unhex(const char *h, uint8_t *out, size_t len)
{
	size_t n = 0;

	if (sodium_hex2bin(out, len, h, strlen(h), NULL, &n, NULL) != 0 || n != len) {
		fprintf(stderr, "bad hex in test\n");
		check_failures++;
	}
}

static void
print_hex(const char *what, const uint8_t *p, size_t n)
{
	size_t i;

	printf("%s (%zu bytes):", what, n);
	for (i = 0; i < n; i++)
		printf("%s%02x", i % 32 == 0 ? "\n" : "", p[i]);
	printf("\n");
}

static bool
hex_is(const char *want, const uint8_t *p, size_t n)
{
	char got[2 * MAILBOX_MAX_VALUE + 1];

	sodium_bin2hex(got, sizeof(got), p, n);
	return strcmp(want, got) == 0;
}

static void
seed_keypair(uint8_t first, uint8_t *pk, uint8_t *sk)
{
	uint8_t seed[32];
	size_t i;

	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(first + i);
	crypto_sign_seed_keypair(pk, sk, seed);
}

static void
setup(void)
{
	unhex(ROOM_LOCATOR, keys.locator, 32);
	unhex(ROOM_RECORD_KEY, keys.record, 32);
	memcpy(&other_keys, &keys, sizeof(keys));
	other_keys.record[0] ^= 1;
	other_keys.locator[0] ^= 1;
	mailbox_key(keys.record, mkey);
	mailbox_key(other_keys.record, other_mkey);
	seed_keypair(0x00, pk_a, sk_a);		/* A: the sender of the vector */
	seed_keypair(0x20, pk_b, sk_b);		/* B: its recipient */
	seed_keypair(0x40, pk_c, sk_c);		/* C: another member */
	mailbox_infohash(keys.locator, pk_b, EPOCH, ih_b);
}

/* A letter from A to B holding the two vector frames. */
static void
base_letter(struct mailbox_letter *l)
{
	memset(l, 0, sizeof(*l));
	memcpy(l->from, pk_a, 32);
	memcpy(l->to, pk_b, 32);
	l->seq = 1774800100000ull;
	l->exp = NOW + MAILBOX_TTL;
	l->nframes = 2;
	l->frame[0] = FRAME_MSG;
	l->frame_len[0] = sizeof(FRAME_MSG);
	l->frame[1] = FRAME_ACK;
	l->frame_len[1] = sizeof(FRAME_ACK);
}

static enum mailbox_reject
open_b(const uint8_t *v, size_t len, struct mailbox_letter *l, const char **why)
{
	return mailbox_open_why(v, len, mkey, ih_b, pk_b, NOW, l, why);
}

/* --- codec ------------------------------------------------------------------------ */

static void
test_vector(void)
{
	struct mailbox_letter l, got;
	uint8_t nonce[MAILBOX_NONCE_LEN], v[MAILBOX_MAX_VALUE], body[MAILBOX_MAX_VALUE];
	size_t i, body_len = 0;
	int n;

	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)i;
	base_letter(&l);
	CHECK(mailbox_encode_body(&l, body, sizeof(body), &body_len) == 0);
	n = mailbox_seal_with_nonce(&l, mkey, ih_b, sk_a, nonce, v, sizeof(v));
	CHECK(n > 0);
	if (verbose) {
		print_hex("recipient id (seed 20..3f)", pk_b, 32);
		print_hex("mailbox key", mkey, 32);
		print_hex("infohash(B, 493000)", ih_b, 20);
		print_hex("body", body, body_len);
		print_hex("value", v, (size_t)n);
	}
	CHECK(hex_is(VEC_KEY, mkey, 32));
	CHECK(hex_is(VEC_IH, ih_b, 20));
	CHECK(hex_is(VEC_BODY, body, body_len));
	CHECK(n > 0 && hex_is(VEC_VALUE, v, (size_t)n));
	/* And it opens to what went in. */
	CHECK(n > 0 && open_b(v, (size_t)n, &got, NULL) == MBX_OK);
	CHECK(memcmp(got.from, pk_a, 32) == 0 && memcmp(got.to, pk_b, 32) == 0);
	CHECK(got.seq == l.seq && got.exp == l.exp && got.nframes == 2);
	CHECK(got.frame_len[0] == sizeof(FRAME_MSG) &&
	    memcmp(got.frame[0], FRAME_MSG, sizeof(FRAME_MSG)) == 0);
	CHECK(got.frame_len[1] == sizeof(FRAME_ACK) &&
	    memcmp(got.frame[1], FRAME_ACK, sizeof(FRAME_ACK)) == 0);
	mailbox_letter_wipe(&got);
}

static void
test_round_trip_sizes(void)
{
	static uint8_t big[MAILBOX_FRAME_MAX];
	struct mailbox_letter l, got;
	uint8_t v[MAILBOX_MAX_VALUE + 64], v2[MAILBOX_MAX_VALUE];
	size_t i;
	int n, n2;

	CHECK((int)MAILBOX_FRAME_MAX == (int)CHAT_FRAME_MAX);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	/* The largest value: one frame of CHAT_FRAME_MAX, seq and exp as uint 64. */
	base_letter(&l);
	l.nframes = 1;
	l.frame[0] = big;
	l.frame_len[0] = sizeof(big);
	l.seq = UINT64_MAX;
	n = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(n > 0 && n <= MAILBOX_MAX_VALUE);
	if (verbose)
		printf("largest value: %d bytes\n", n);
	l.exp = NOW + 1;
	n = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(n > 0 && open_b(v, (size_t)n, &got, NULL) == MBX_OK);
	CHECK(got.nframes == 1 && got.frame_len[0] == sizeof(big) &&
	    memcmp(got.frame[0], big, sizeof(big)) == 0);
	/* Two seals of one letter differ (fresh nonce) and both open. */
	n2 = mailbox_seal(&l, mkey, ih_b, sk_a, v2, sizeof(v2));
	CHECK(n2 == n && memcmp(v, v2, (size_t)n) != 0);
	CHECK(open_b(v2, (size_t)n2, &got, NULL) == MBX_OK);
	/* 64 one-byte frames open; 65 do not seal. */
	base_letter(&l);
	for (i = 0; i < MAILBOX_MAX_FRAMES; i++) {
		l.frame[i] = big + i;
		l.frame_len[i] = 1;
	}
	l.nframes = MAILBOX_MAX_FRAMES;
	n = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(n > 0 && open_b(v, (size_t)n, &got, NULL) == MBX_OK && got.nframes == 64);
	l.nframes = 0;
	CHECK(mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v)) == -1);
	/* Refusals: a frame over the limit, an empty one, the wrong key, no room. */
	base_letter(&l);
	l.frame_len[0] = MAILBOX_FRAME_MAX + 1;
	CHECK(mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v)) == -1);
	l.frame_len[0] = 0;
	CHECK(mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v)) == -1);
	base_letter(&l);
	CHECK(mailbox_seal(&l, mkey, ih_b, sk_c, v, sizeof(v)) == -1);
	CHECK(mailbox_seal(&l, mkey, ih_b, sk_a, v, 100) == -1);
	mailbox_letter_wipe(&got);
}

/* --- hand-made values -------------------------------------------------------------- */

static size_t
seal_env(const uint8_t *env, size_t env_len, const uint8_t *k, const uint8_t *ih, uint8_t *out)
{
	uint8_t ad[23];

	memcpy(ad, MAILBOX_MAGIC, 3);
	memcpy(ad + 3, ih, 20);
	memcpy(out, MAILBOX_MAGIC, 3);
	randombytes_buf(out + 3, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 27, NULL, env, env_len, ad, sizeof(ad),
	    NULL, out + 3, k);
	return 27 + env_len + 16;
}

/* body signed with sk over sig_ih, wrapped, sealed under ih with k. */
static size_t
seal_body(const uint8_t *body, size_t len, const uint8_t *sk, const uint8_t *sig_ih,
    const uint8_t *k, const uint8_t *ih, uint8_t *out)
{
	uint8_t msg[16 + 20 + 4096], sig[64], env[4096];
	size_t n = 0;

	memcpy(msg, MAILBOX_LABEL, 16);
	memcpy(msg + 16, sig_ih, 20);
	memcpy(msg + 36, body, len);
	crypto_sign_detached(sig, NULL, msg, 36 + len, sk);
	if (mailbox_encode_envelope(body, len, sig, env, sizeof(env), &n) != 0)
		return 0;
	return seal_env(env, n, k, ih, out);
}

static void
test_reject_outer(void)
{
	struct mailbox_letter l, got;
	uint8_t v[MAILBOX_MAX_VALUE + 16], rec[600];
	int n;

	/* size: one byte over, whatever it holds. */
	memset(v, 0, sizeof(v));
	memcpy(v, MAILBOX_MAGIC, 3);
	CHECK(open_b(v, MAILBOX_MAX_VALUE + 1, &got, NULL) == MBX_SIZE);
	/* magic: short, wrong, and a record (47 4E 01). */
	CHECK(open_b(v, 2, &got, NULL) == MBX_MAGIC);
	CHECK(open_b((const uint8_t *)"", 0, &got, NULL) == MBX_MAGIC);
	memcpy(rec, RECORD_MAGIC, 3);
	randombytes_buf(rec + 3, 200);
	CHECK(open_b(rec, 203, &got, NULL) == MBX_MAGIC);
	/* decrypt: short, random, another room's key, another infohash, a flipped bit. */
	CHECK(open_b(v, MAILBOX_OVERHEAD - 1, &got, NULL) == MBX_DECRYPT);
	randombytes_buf(v + 3, 200);
	CHECK(open_b(v, 203, &got, NULL) == MBX_DECRYPT);
	base_letter(&l);
	n = mailbox_seal(&l, other_mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(n > 0 && open_b(v, (size_t)n, &got, NULL) == MBX_DECRYPT);
	n = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(n > 0 && mailbox_open(v, (size_t)n, mkey, keys.locator, pk_b, NOW, &got) ==
	    MBX_DECRYPT);
	/* A record key opens no mailbox value: the keys are separate. */
	CHECK(n > 0 && mailbox_open(v, (size_t)n, keys.record, ih_b, pk_b, NOW, &got) ==
	    MBX_DECRYPT);
	v[n - 1] ^= 1;
	CHECK(open_b(v, (size_t)n, &got, NULL) == MBX_DECRYPT);
	/* A failed open leaves nothing behind. */
	CHECK(got.nframes == 0 && got.seq == 0 && got.frame[0] == NULL);
}

static void
test_reject_sig_exp_to(void)
{
	struct mailbox_letter l, got;
	uint8_t v[MAILBOX_MAX_VALUE], body[MAILBOX_MAX_VALUE], ih_other[20];
	size_t blen = 0, n;
	int m;

	/* sig: from = A, signed by C. */
	base_letter(&l);
	CHECK(mailbox_encode_body(&l, body, sizeof(body), &blen) == 0);
	n = seal_body(body, blen, sk_c, ih_b, mkey, ih_b, v);
	CHECK(n > 0 && open_b(v, n, &got, NULL) == MBX_SIG);
	/* sig: signed by A for another infohash, sealed for this one. */
	mailbox_infohash(keys.locator, pk_b, EPOCH + 1, ih_other);
	n = seal_body(body, blen, sk_a, ih_other, mkey, ih_b, v);
	CHECK(n > 0 && open_b(v, n, &got, NULL) == MBX_SIG);
	/* The same body signed right is fine (the helpers are sound). */
	n = seal_body(body, blen, sk_a, ih_b, mkey, ih_b, v);
	CHECK(n > 0 && open_b(v, n, &got, NULL) == MBX_OK);

	/* exp: now, past, just inside, just past the future limit. */
	base_letter(&l);
	l.exp = NOW;
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_EXP);
	l.exp = NOW - 1000;
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_EXP);
	l.exp = NOW + MAILBOX_MAX_FUTURE;
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_OK);
	l.exp = NOW + MAILBOX_MAX_FUTURE + 1;
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_EXP);
	l.exp = UINT64_MAX;
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_EXP);

	/* to: a value for C under B's infohash (sig and exp fine). */
	base_letter(&l);
	memcpy(l.to, pk_c, 32);
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_TO);
	/* Order: an expired value for someone else is exp, a forged one sig. */
	l.exp = NOW - 1;
	m = mailbox_seal(&l, mkey, ih_b, sk_a, v, sizeof(v));
	CHECK(m > 0 && open_b(v, (size_t)m, &got, NULL) == MBX_EXP);
	CHECK(mailbox_encode_body(&l, body, sizeof(body), &blen) == 0);
	n = seal_body(body, blen, sk_c, ih_b, mkey, ih_b, v);
	CHECK(n > 0 && open_b(v, n, &got, NULL) == MBX_SIG);
}

/* --- shape ---------------------------------------------------------------------------- */

enum mut {
	M_NONE,
	M_NOT_MAP, M_V2, M_V_STR, M_V_BOOL, M_V_NEG, M_FROM_STR, M_FROM_31, M_TO_33,
	M_SEQ_FLOAT, M_EXP_NIL, M_FRAMES_MAP, M_FRAMES_EMPTY, M_FRAMES_65, M_FRAME_STR,
	M_FRAME_EMPTY, M_FRAME_BIG, M_MISSING_TO, M_DUP_SEQ, M_TRAILING, M_TRUNCATED,
	M_DEEP_UNKNOWN,
	/* accepted */
	M_OK_UNKNOWN_KEYS, M_OK_INT_FORMS, M_OK_ORDER,
	M__COUNT
};

static void
key_(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

/* A body from A to B with mutation m; returns its length. */
static size_t
make_body(enum mut m, uint8_t *out, size_t outlen)
{
	static const uint8_t one = 0x91;
	static uint8_t big[MAILBOX_FRAME_MAX + 1];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n, i;
	unsigned entries = 6 + (m == M_OK_UNKNOWN_KEYS ? 2 : 0) + (m == M_DUP_SEQ) +
	    (m == M_DEEP_UNKNOWN) - (m == M_MISSING_TO);

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (m == M_NOT_MAP)
		msgpack_pack_array(&pk, entries);
	else
		msgpack_pack_map(&pk, entries);
	if (m == M_OK_UNKNOWN_KEYS) {
		msgpack_pack_uint8(&pk, 7);	/* a non-str key */
		msgpack_pack_str_with_body(&pk, "x", 1);
	}
	if (m == M_DEEP_UNKNOWN) {
		key_(&pk, "deep");
		for (i = 0; i < 9; i++)
			msgpack_pack_array(&pk, 1);
		msgpack_pack_nil(&pk);
	}
	if (m != M_OK_ORDER) {
		key_(&pk, "v");
		if (m == M_V2)
			msgpack_pack_uint8(&pk, 2);
		else if (m == M_V_STR)
			msgpack_pack_str_with_body(&pk, "1", 1);
		else if (m == M_V_BOOL)
			msgpack_pack_true(&pk);
		else if (m == M_V_NEG)
			msgpack_pack_int8(&pk, -1);
		else if (m == M_OK_INT_FORMS)
			msgpack_pack_fix_int64(&pk, 1);
		else
			msgpack_pack_uint8(&pk, 1);
	}
	key_(&pk, "from");
	if (m == M_FROM_STR)
		msgpack_pack_str_with_body(&pk, pk_a, 32);
	else
		msgpack_pack_bin_with_body(&pk, pk_a, m == M_FROM_31 ? 31 : 32);
	if (m != M_MISSING_TO) {
		key_(&pk, "to");
		if (m == M_TO_33) {
			uint8_t t[33];

			memcpy(t, pk_b, 32);
			t[32] = 0;
			msgpack_pack_bin_with_body(&pk, t, 33);
		} else {
			msgpack_pack_bin_with_body(&pk, pk_b, 32);
		}
	}
	key_(&pk, "seq");
	if (m == M_SEQ_FLOAT)
		msgpack_pack_double(&pk, 1.0);
	else if (m == M_OK_INT_FORMS)
		msgpack_pack_fix_uint64(&pk, 5);
	else
		msgpack_pack_uint64(&pk, 1774800100000ull);
	if (m == M_DUP_SEQ) {
		key_(&pk, "seq");
		msgpack_pack_uint64(&pk, 1774800100001ull);
	}
	key_(&pk, "exp");
	if (m == M_EXP_NIL)
		msgpack_pack_nil(&pk);
	else if (m == M_OK_INT_FORMS)
		msgpack_pack_fix_int32(&pk, (int32_t)(NOW + 10));
	else
		msgpack_pack_uint64(&pk, NOW + MAILBOX_TTL);
	key_(&pk, "frames");
	switch (m) {
	case M_FRAMES_MAP:
		msgpack_pack_map(&pk, 0);
		break;
	case M_FRAMES_EMPTY:
		msgpack_pack_array(&pk, 0);
		break;
	case M_FRAMES_65:
		msgpack_pack_array(&pk, 65);
		for (i = 0; i < 65; i++)
			msgpack_pack_bin_with_body(&pk, &one, 1);
		break;
	case M_FRAME_STR:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_str_with_body(&pk, FRAME_ACK, sizeof(FRAME_ACK));
		break;
	case M_FRAME_EMPTY:
		msgpack_pack_array(&pk, 2);
		msgpack_pack_bin_with_body(&pk, FRAME_ACK, sizeof(FRAME_ACK));
		msgpack_pack_bin_with_body(&pk, &one, 0);
		break;
	case M_FRAME_BIG:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_bin_with_body(&pk, big, sizeof(big));
		break;
	default:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_bin_with_body(&pk, FRAME_ACK, sizeof(FRAME_ACK));
		break;
	}
	if (m == M_OK_UNKNOWN_KEYS) {
		key_(&pk, "later");
		msgpack_pack_map(&pk, 1);
		msgpack_pack_float(&pk, 2.5f);
		msgpack_pack_array(&pk, 0);
	}
	if (m == M_OK_ORDER) {			/* v last */
		key_(&pk, "v");
		msgpack_pack_uint8(&pk, 1);
	}
	if (m == M_TRAILING)
		msgpack_pack_nil(&pk);
	n = sb.size - (m == M_TRUNCATED ? 1 : 0);
	if (n > outlen)
		n = 0;
	else
		memcpy(out, sb.data, n);
	msgpack_sbuffer_destroy(&sb);
	return n;
}

static void
test_shape(void)
{
	static const char *const name[M__COUNT] = {
		"none", "not map", "v 2", "v str", "v bool", "v negative", "from str",
		"from 31", "to 33", "seq float", "exp nil", "frames map", "frames empty",
		"65 frames", "frame str", "frame empty", "frame big", "missing to",
		"duplicate seq", "trailing", "truncated", "deep unknown",
		"unknown keys", "int forms", "order"
	};
	uint8_t body[2048], v[4096];
	struct mailbox_letter got;
	const char *why;
	size_t blen, n;
	int m;

	for (m = 0; m < M__COUNT; m++) {
		enum mailbox_reject want = m == M_NONE || m >= M_OK_UNKNOWN_KEYS ? MBX_OK : MBX_SHAPE;
		enum mailbox_reject r;

		blen = make_body((enum mut)m, body, sizeof(body));
		CHECK(blen > 0);
		n = seal_body(body, blen, sk_a, ih_b, mkey, ih_b, v);
		if (n > MAILBOX_MAX_VALUE) {	/* M_FRAME_BIG: check the body alone */
			r = mailbox_decode_body(body, blen, &got, &why);
		} else {
			why = NULL;
			r = open_b(v, n, &got, &why);
		}
		if (r != want)
			fprintf(stderr, "shape case \"%s\": got %s (%s)\n", name[m],
			    mailbox_reject_name(r), why != NULL ? why : "-");
		CHECK(r == want);
		CHECK((r == MBX_SHAPE) == (why != NULL));
		if (verbose && r == MBX_SHAPE)
			printf("shape: %-14s %s\n", name[m], why);
	}
	/* The envelope: not an array, 3 elements, str body, 63-byte sig, trailing byte. */
	{
		static const uint8_t bad[][8] = {
			{ 0x80 }, { 0x93, 0xc4, 0x00, 0xc4, 0x00, 0xc0 }, { 0x92, 0xa0, 0xc4, 0x00 },
			{ 0x92, 0xc4, 0x00, 0xc4, 0x3f },
		};
		static const size_t badlen[] = { 1, 6, 4, 5 };
		uint8_t env[128];
		size_t i;

		for (i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++) {
			memset(env, 0, sizeof(env));
			memcpy(env, bad[i], badlen[i]);
			n = seal_env(env, i == 3 ? 5 + 63 : badlen[i], mkey, ih_b, v);
			CHECK(open_b(v, n, &got, NULL) == MBX_SHAPE);
		}
		/* A good envelope plus one byte. */
		blen = make_body(M_NONE, body, sizeof(body));
		memset(env, 0, sizeof(env));
		CHECK(mailbox_encode_envelope(body, blen, env, v, sizeof(v), &n) == 0);
		memcpy(body, v, n);
		body[n] = 0xc0;
		n = seal_env(body, n + 1, mkey, ih_b, v);
		CHECK(open_b(v, n, &got, &why) == MBX_SHAPE && why != NULL &&
		    strstr(why, "trailing") != NULL);
	}
}

/*
 * How many entries a body map may announce: one seen-key slot per 2 bytes of
 * a DHT value (MAILBOX_MAX_VALUE / 2 = 736; the record's cap is 300).
 */
static void
test_shape_key_cap(void)
{
	static const struct {
		unsigned entries;
		const char *why;
	} cases[] = {
		{ 300, "missing key" },		/* nil: nil entries, all skipped */
		{ 301, "missing key" },
		{ 736, "missing key" },
		{ 737, "too many keys" },
	};
	static uint8_t body[3 + 2 * 737];
	struct mailbox_letter got;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n = cases[i].entries;

		body[0] = 0xde;				/* map 16 */
		body[1] = (uint8_t)(n >> 8);
		body[2] = (uint8_t)n;
		memset(body + 3, 0xc0, 2 * n);
		why = NULL;
		CHECK(mailbox_decode_body(body, 3 + 2 * n, &got, &why) == MBX_SHAPE);
		CHECK_MSG(why != NULL && strcmp(why, cases[i].why) == 0, "%u entries: %s", n,
		    why != NULL ? why : "-");
	}
}

/* --- the stateful checks ------------------------------------------------------------ */

static void
test_seen(void)
{
	struct mailbox_seen *s = mailbox_seen_new();
	struct mailbox_letter l;
	uint64_t ms = 1000;
	unsigned i, ok = 0, rate = 0;

	base_letter(&l);
	l.seq = 1000;
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_DUPLICATE);
	l.seq = 999;				/* reordered: still in the window */
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_DUPLICATE);
	l.seq = 1000 + MAILBOX_REPLAY_WINDOW;	/* moves the window: 1000 is now its bottom edge + 1 */
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	l.seq = 1001;
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	l.seq = 1000;				/* 64 below the highest: out of the window */
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_REPLAY);
	l.seq = 5;
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_REPLAY);
	/* Another sender has its own window. */
	memcpy(l.from, pk_c, 32);
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	CHECK(mailbox_seen_count(s) == 2);
	/* Forgotten once every value it saw has expired: then any seq passes. */
	CHECK(mailbox_seen_check(s, &l, l.exp, ms) == MBX_OK);
	CHECK(mailbox_seen_count(s) == 1);
	mailbox_seen_free(s);

	/* rate: a burst of MAILBOX_ACCEPT_BURST, then MAILBOX_ACCEPT_RATE a second. */
	s = mailbox_seen_new();
	base_letter(&l);
	for (i = 0; i < MAILBOX_ACCEPT_BURST + 10; i++) {
		enum mailbox_reject r;

		l.seq = 100 + i;
		r = mailbox_seen_check(s, &l, NOW, ms);
		ok += r == MBX_OK;
		rate += r == MBX_RATE;
	}
	CHECK(ok == MAILBOX_ACCEPT_BURST && rate == 10);
	l.seq = 100;			/* rate-limited values were not remembered */
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_DUPLICATE);
	l.seq = 100 + MAILBOX_ACCEPT_BURST;
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_RATE);
	ms += 1000 / MAILBOX_ACCEPT_RATE;	/* one token */
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	l.seq++;
	CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_RATE);
	mailbox_seen_free(s);

	/* The table is bounded: 3 * MAILBOX_SENDERS_MAX members. */
	s = mailbox_seen_new();
	base_letter(&l);
	for (i = 0; i < 3 * MAILBOX_SENDERS_MAX; i++) {
		memcpy(l.from, &i, sizeof(i));
		l.exp = NOW + 1 + i % 7;
		CHECK(mailbox_seen_check(s, &l, NOW, ms) == MBX_OK);
	}
	CHECK(mailbox_seen_count(s) == MAILBOX_SENDERS_MAX);
	mailbox_seen_free(s);
}

/* --- the fake clock (the DHT is tests/unit/fake_runner.c) --------------------------- */

static uint64_t fake_mono, fake_unix;	/* ms */

static bool
listening_on(const uint8_t ih[20])
{
	size_t i;

	for (i = 0; i < fake_nops; i++)
		if (fake_ops[i].listen && !fake_ops[i].cancelled && memcmp(fake_ops[i].hash, ih, 20) == 0)
			return true;
	return false;
}

static uint64_t
fake_mono_ns(void *arg)
{
	return fake_mono * 1000000u;
}

static uint64_t
fake_unix_ms(void *arg)
{
	return fake_unix;
}

static void
advance(uint64_t ms)
{
	fake_mono += ms;
	fake_unix += ms;
}

/* --- a peer: a mailbox and what it got ------------------------------------------------ */

struct peer {
	const uint8_t *pk, *sk;
	struct mailbox *mb;
	unsigned frames;
	uint8_t last[MAILBOX_FRAME_MAX];
	size_t last_len;
	uint8_t last_from[32];
	unsigned rejects[MBX__COUNT];
	bool members_all;		/* every id is a member (flood test) */
};

static bool
is_member(void *arg, const uint8_t id[32])
{
	struct peer *p = arg;

	if (p->members_all)
		return true;
	return memcmp(id, pk_a, 32) == 0 || memcmp(id, pk_b, 32) == 0;	/* not C */
}

static void
deliver(void *arg, const uint8_t from[32], const uint8_t *frame, size_t len)
{
	struct peer *p = arg;

	p->frames++;
	memcpy(p->last, frame, len);
	p->last_len = len;
	memcpy(p->last_from, from, 32);
}

static void
on_reject(void *arg, enum mailbox_reject why, size_t len)
{
	struct peer *p = arg;

	p->rejects[why]++;
}

static const struct clock fake_clock = { fake_mono_ns, fake_unix_ms, NULL };
static struct timers *timers;		/* manual: nothing fires by itself */

static void
peer_start(struct peer *p, const uint8_t *pk, const uint8_t *sk, const struct room_keys *k)
{
	struct mailbox_config cfg;

	memset(p, 0, sizeof(*p));
	p->pk = pk;
	p->sk = sk;
	memset(&cfg, 0, sizeof(cfg));
	cfg.timers = timers;
	cfg.runner = &fake_runner;
	cfg.keys = k;
	cfg.sign_sk = sk;
	cfg.is_member = is_member;
	cfg.deliver = deliver;
	cfg.on_reject = on_reject;
	cfg.arg = p;
	p->mb = mailbox_new(&cfg);
	CHECK(p->mb != NULL);
}

/* Values put since index from, opened as B would: how many, and how many frames. */
static void
count_puts(size_t from, const uint8_t *to_pk, size_t *values, size_t *frames, size_t *maxlen)
{
	struct mailbox_letter l;
	uint8_t ih[2][20];
	size_t i;

	mailbox_infohash(keys.locator, to_pk, room_epoch(fake_unix / 1000), ih[0]);
	mailbox_infohash(keys.locator, to_pk, room_epoch(fake_unix / 1000) + 1, ih[1]);
	*values = *frames = *maxlen = 0;
	for (i = from; i < fake_nstore; i++) {
		const uint8_t *h = memcmp(fake_store[i].hash, ih[0], 20) == 0 ? ih[0] : ih[1];

		if (mailbox_open(fake_store[i].data, fake_store[i].len, mkey, h, to_pk, fake_unix / 1000,
		    &l) != MBX_OK)
			continue;
		(*values)++;
		*frames += l.nframes;
		if (fake_store[i].len > *maxlen)
			*maxlen = fake_store[i].len;
	}
	mailbox_letter_wipe(&l);
}

static void
clock_at(uint64_t unix_s)
{
	fake_unix = unix_s * 1000;
	fake_mono = 5000000;
}

static void
test_batching(void)
{
	static uint8_t big[MAILBOX_FRAME_MAX];
	struct mailbox_stats st;
	struct peer a;
	uint8_t frame[32];
	size_t values, frames, maxlen, mark;
	unsigned i;

	fake_runner_reset();
	clock_at(NOW);
	peer_start(&a, pk_a, sk_a, &keys);

	/* Three small frames wait for the batch time, then go in one value. */
	for (i = 0; i < 3; i++) {
		memset(frame, (int)i + 1, sizeof(frame));
		CHECK(mailbox_send(a.mb, pk_b, frame, 20) == 0);
	}
	CHECK(mailbox_send(a.mb, pk_b, frame, 20) == 0);	/* same bytes: deduplicated */
	advance(MAILBOX_BATCH_MS - 1);
	mailbox_tick(a.mb);
	CHECK(fake_nstore == 0);
	advance(1);
	mailbox_tick(a.mb);
	count_puts(0, pk_b, &values, &frames, &maxlen);
	CHECK(fake_nstore == 1 && values == 1 && frames == 3);
	mailbox_get_stats(a.mb, &st);
	CHECK(st.frames_deduped == 1 && st.frames_out == 3 && st.values_out == 1 &&
	    st.queued == 0 && st.inflight == 1);
	CHECK(fake_runner_answer_puts(true) == 1);
	mailbox_get_stats(a.mb, &st);
	CHECK(st.puts_ok == 1 && st.inflight == 0);

	/* A value's worth goes at once, without waiting; each value <= 600 bytes. */
	mark = fake_nstore;
	for (i = 0; i < 30; i++) {
		memset(frame, 0x40 + (int)i, sizeof(frame));
		CHECK(mailbox_send(a.mb, pk_b, frame, 30) == 0);
	}
	count_puts(mark, pk_b, &values, &frames, &maxlen);
	CHECK(values >= 2 && maxlen <= MAILBOX_PACK_TARGET);
	if (verbose)
		printf("batching: 30 frames of 30 bytes: %zu values at once, %zu frames, largest %zu\n",
		    values, frames, maxlen);
	advance(MAILBOX_BATCH_MS);
	mailbox_tick(a.mb);
	count_puts(mark, pk_b, &values, &frames, &maxlen);
	CHECK(frames == 30 && maxlen <= MAILBOX_PACK_TARGET);
	fake_runner_answer_puts(true);

	/* A frame too big for the packing target goes alone, under the hard limit. */
	mark = fake_nstore;
	CHECK(mailbox_send(a.mb, pk_b, FRAME_ACK, sizeof(FRAME_ACK)) == 0);
	CHECK(mailbox_send(a.mb, pk_b, big, sizeof(big)) == 0);
	CHECK(mailbox_send(a.mb, pk_b, FRAME_MSG, sizeof(FRAME_MSG)) == 0);
	advance(MAILBOX_BATCH_MS);
	mailbox_tick(a.mb);
	count_puts(mark, pk_b, &values, &frames, &maxlen);
	CHECK(values == 3 && frames == 3 && maxlen > MAILBOX_PACK_TARGET &&
	    maxlen <= MAILBOX_MAX_VALUE);
	fake_runner_answer_puts(true);

	/* Refusals: empty, too big, to ourselves. */
	CHECK(mailbox_send(a.mb, pk_b, frame, 0) < 0);
	CHECK(mailbox_send(a.mb, pk_b, big, sizeof(big) + 1) < 0);
	CHECK(mailbox_send(a.mb, pk_a, frame, 10) < 0);
	mailbox_free(a.mb);
}

static void
test_limits(void)
{
	struct mailbox_stats st;
	struct peer a;
	uint8_t frame[600];
	size_t values, frames, maxlen;
	unsigned i;

	/* The put rate: a burst of MAILBOX_PUT_BURST, then one per 1000 / RATE ms. */
	fake_runner_reset();
	clock_at(NOW);
	peer_start(&a, pk_a, sk_a, &keys);
	for (i = 0; i < MAILBOX_PUT_BURST + 5; i++) {
		memset(frame, (int)i, sizeof(frame));
		CHECK(mailbox_send(a.mb, pk_b, frame, 400) == 0);	/* one value each */
	}
	CHECK(fake_nstore == MAILBOX_PUT_BURST);
	fake_runner_answer_puts(true);
	advance(1000 / MAILBOX_PUT_RATE - 1);
	mailbox_tick(a.mb);
	CHECK(fake_nstore == MAILBOX_PUT_BURST);
	advance(1);
	mailbox_tick(a.mb);
	CHECK(fake_nstore == MAILBOX_PUT_BURST + 1);
	advance(4 * 1000 / MAILBOX_PUT_RATE);
	mailbox_tick(a.mb);
	CHECK(fake_nstore == MAILBOX_PUT_BURST + 5);
	count_puts(0, pk_b, &values, &frames, &maxlen);
	CHECK(values == MAILBOX_PUT_BURST + 5 && frames == MAILBOX_PUT_BURST + 5);
	fake_runner_answer_puts(true);

	/* The queue bound: MAILBOX_QUEUE_FRAMES per recipient. */
	for (i = 0; i < MAILBOX_QUEUE_FRAMES + 50; i++) {
		memcpy(frame, &i, sizeof(i));
		mailbox_send(a.mb, pk_c, frame, 400);
	}
	mailbox_get_stats(a.mb, &st);
	CHECK(st.queued <= MAILBOX_QUEUE_FRAMES && st.frames_dropped >= 50);
	mailbox_free(a.mb);

	/* In flight: with no answers from OpenDHT, at most MAILBOX_PUTS_INFLIGHT. */
	fake_runner_reset();
	clock_at(NOW);
	peer_start(&a, pk_a, sk_a, &keys);
	for (i = 0; i < 3 * MAILBOX_PUTS_INFLIGHT; i++) {
		memcpy(frame, &i, sizeof(i));
		mailbox_send(a.mb, pk_b, frame, 400);
		advance(1000);
		mailbox_tick(a.mb);
	}
	CHECK(fake_nstore == MAILBOX_PUTS_INFLIGHT);
	fake_runner_answer_puts(true);			/* each answer lets the next one go */
	mailbox_get_stats(a.mb, &st);
	CHECK(fake_nstore == MAILBOX_PUTS_INFLIGHT + MAILBOX_PUT_BURST &&
	    st.puts_ok == MAILBOX_PUTS_INFLIGHT);
	mailbox_free(a.mb);			/* with puts in flight: cancelled, no callback */
	CHECK(fake_ops[fake_nops - 1].cancelled);
}

/* Two mailboxes on the fake DHT: delivery, e/e+1 copies, rollover. */
static void
test_exchange(void)
{
	struct mailbox_stats st;
	struct peer a, b;
	uint8_t ih[20];
	uint64_t e;

	/* 100 s before the end of epoch 493000: A puts under e and e+1. */
	fake_runner_reset();
	clock_at((EPOCH + 1) * 3600 - 100);
	peer_start(&a, pk_a, sk_a, &keys);
	peer_start(&b, pk_b, sk_b, &keys);
	CHECK(fake_runner_live_listens() == 4);
	mailbox_own_infohash(b.mb, EPOCH, ih);
	CHECK(memcmp(ih, ih_b, 20) == 0 && listening_on(ih_b));
	CHECK(mailbox_send(a.mb, pk_b, FRAME_MSG, sizeof(FRAME_MSG)) == 0);
	mailbox_flush(a.mb);
	CHECK(fake_nstore == 2);			/* one value, two epochs */
	fake_runner_flush();
	CHECK(b.frames == 1 && b.last_len == sizeof(FRAME_MSG) &&
	    memcmp(b.last, FRAME_MSG, sizeof(FRAME_MSG)) == 0 && memcmp(b.last_from, pk_a, 32) == 0);
	mailbox_get_stats(b.mb, &st);
	CHECK(st.rejects[MBX_OK] == 1 && st.rejects[MBX_DUPLICATE] == 1 && st.frames_in == 1);

	/* An answer: B to A. */
	CHECK(mailbox_send(b.mb, pk_a, FRAME_ACK, sizeof(FRAME_ACK)) == 0);
	advance(MAILBOX_BATCH_MS);
	mailbox_tick(b.mb);
	fake_runner_flush();
	CHECK(a.frames == 1 && memcmp(a.last, FRAME_ACK, sizeof(FRAME_ACK)) == 0);

	/* Across the boundary: the e+1 listen stays, e's goes, e+2's waits
	 * for the last ROOM_LISTEN_AHEAD s of e+1. */
	e = EPOCH + 1;
	advance(100 * 1000);
	mailbox_tick(b.mb);
	mailbox_get_stats(b.mb, &st);
	CHECK(st.relistens == 1);
	mailbox_own_infohash(b.mb, e, ih);
	CHECK(listening_on(ih));
	mailbox_own_infohash(b.mb, e + 1, ih);
	CHECK(!listening_on(ih));
	CHECK(!listening_on(ih_b));
	/* Now A puts under e+1 only, and B still gets it. */
	CHECK(mailbox_send(a.mb, pk_b, FRAME_ACK, sizeof(FRAME_ACK)) == 0);
	advance(MAILBOX_BATCH_MS);
	mailbox_tick(a.mb);
	fake_runner_flush();
	CHECK(b.frames == 2);

	/* Deaf: no listen; a value put meanwhile comes once B listens again. */
	mailbox_set_listening(b.mb, false);
	CHECK(!mailbox_listening(b.mb));
	CHECK(mailbox_send(a.mb, pk_b, FRAME_MSG, sizeof(FRAME_MSG)) == 0);
	advance(MAILBOX_BATCH_MS);
	mailbox_tick(a.mb);
	mailbox_tick(b.mb);		/* a tick does not listen while deaf */
	CHECK(!mailbox_listening(b.mb));
	fake_runner_flush();
	CHECK(b.frames == 2);
	mailbox_set_listening(b.mb, true);
	mailbox_own_infohash(b.mb, e, ih);
	CHECK(mailbox_listening(b.mb) && listening_on(ih));
	fake_runner_flush();
	CHECK(b.frames == 3);

	/* C is not a member of B's: its value is from; B's own would be from too. */
	{
		struct mailbox_letter l;
		uint8_t v[MAILBOX_MAX_VALUE];
		int n;

		mailbox_own_infohash(b.mb, e, ih);
		base_letter(&l);
		memcpy(l.from, pk_c, 32);
		l.exp = fake_unix / 1000 + MAILBOX_TTL;
		n = mailbox_seal(&l, mkey, ih, sk_c, v, sizeof(v));
		CHECK(n > 0 && mailbox_receive(b.mb, ih, v, (size_t)n) == MBX_FROM);
		memcpy(l.from, pk_b, 32);
		n = mailbox_seal(&l, mkey, ih, sk_b, v, sizeof(v));
		CHECK(n > 0 && mailbox_receive(b.mb, ih, v, (size_t)n) == MBX_FROM);
		/* A value replayed much later: below the window once A moved on. */
		memcpy(l.from, pk_a, 32);
		l.seq = 1;
		n = mailbox_seal(&l, mkey, ih, sk_a, v, sizeof(v));
		CHECK(n > 0 && mailbox_receive(b.mb, ih, v, (size_t)n) == MBX_REPLAY);
		CHECK(b.rejects[MBX_FROM] == 2 && b.rejects[MBX_REPLAY] == 1);
		CHECK(b.frames == 3);
	}
	mailbox_free(a.mb);
	mailbox_free(b.mb);
}

/* --- the flood ------------------------------------------------------------------------ */

static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks;
}

static void
test_flood(void)
{
	enum { N = 20000 };
	struct mailbox_letter l;
	struct mailbox_stats st;
	struct peer b;
	uint8_t v[MAILBOX_MAX_VALUE + 8], ih[20], fake_pk[32], fake_sk[64];
	uint64_t want[MBX__COUNT] = { 0 };
	size_t heap0, heap1, i;
	int n;

	fake_runner_reset();
	clock_at(NOW);
	peer_start(&b, pk_b, sk_b, &keys);
	mailbox_own_infohash(b.mb, EPOCH, ih);
	CHECK(memcmp(ih, ih_b, 20) == 0);
	/* Warm up (first allocations of libsodium and the test itself). */
	mailbox_receive(b.mb, ih, v, 10);
	heap0 = heap_in_use();
	for (i = 0; i < N; i++) {
		enum mailbox_reject w, r;

		base_letter(&l);
		l.seq = 1 + i;
		switch (i % 8) {
		case 0:				/* random junk */
			randombytes_buf(v, 200);
			v[0] = 0;
			n = 200;
			w = MBX_MAGIC;
			break;
		case 1:				/* the magic, then junk */
			memcpy(v, MAILBOX_MAGIC, 3);
			randombytes_buf(v + 3, 300);
			n = 303;
			w = MBX_DECRYPT;
			break;
		case 2:				/* another room */
			n = mailbox_seal(&l, other_mkey, ih, sk_a, v, sizeof(v));
			w = MBX_DECRYPT;
			break;
		case 3:				/* forged: from A, signed by C */
			memcpy(l.from, pk_a, 32);
			{
				uint8_t body[MAILBOX_MAX_VALUE];
				size_t bl = 0;

				mailbox_encode_body(&l, body, sizeof(body), &bl);
				n = (int)seal_body(body, bl, sk_c, ih, mkey, ih, v);
			}
			w = MBX_SIG;
			break;
		case 4:				/* oversized */
			memset(v, 0x47, sizeof(v));
			n = MAILBOX_MAX_VALUE + 1;
			w = MBX_SIZE;
			break;
		case 5:				/* a fresh identity each time: not a member */
			crypto_sign_keypair(fake_pk, fake_sk);
			memcpy(l.from, fake_pk, 32);
			n = mailbox_seal(&l, mkey, ih, fake_sk, v, sizeof(v));
			w = MBX_FROM;
			break;
		case 6:				/* expired, signed by a member */
			l.exp = NOW - 1;
			n = mailbox_seal(&l, mkey, ih, sk_a, v, sizeof(v));
			w = MBX_EXP;
			break;
		default:			/* for someone else */
			memcpy(l.to, pk_c, 32);
			n = mailbox_seal(&l, mkey, ih, sk_a, v, sizeof(v));
			w = MBX_TO;
			break;
		}
		CHECK(n > 0);
		want[w]++;
		r = mailbox_receive(b.mb, ih, v, (size_t)n);
		CHECK_MSG(r == w, "flood %zu: want %s", i, mailbox_reject_name(w));
		if (r != w)
			break;
	}
	heap1 = heap_in_use();
	mailbox_get_stats(b.mb, &st);
	want[MBX_MAGIC]++;			/* the warm-up */
	for (i = 0; i < MBX__COUNT; i++)
		CHECK(st.rejects[i] == want[i]);
	CHECK(b.frames == 0 && st.senders == 0);
	if (verbose)
		printf("flood: %d values, heap %zu -> %zu bytes\n", N, heap0, heap1);
	CHECK(heap1 <= heap0 + 1024);

	/* A flood of good values from a member hits the rate limit, state stays bounded. */
	b.members_all = true;
	for (i = 0; i < 1000; i++) {
		base_letter(&l);
		l.seq = 1000000 + i;
		n = mailbox_seal(&l, mkey, ih, sk_a, v, sizeof(v));
		mailbox_receive(b.mb, ih, v, (size_t)n);
	}
	mailbox_get_stats(b.mb, &st);
	CHECK(st.rejects[MBX_OK] == MAILBOX_ACCEPT_BURST && st.rejects[MBX_RATE] == 1000 - MAILBOX_ACCEPT_BURST);
	CHECK(b.frames == 2 * MAILBOX_ACCEPT_BURST);
	/* And from many members (valid signatures): the sender table stays bounded. */
	for (i = 0; i < 2 * MAILBOX_SENDERS_MAX; i++) {
		crypto_sign_keypair(fake_pk, fake_sk);
		base_letter(&l);
		memcpy(l.from, fake_pk, 32);
		n = mailbox_seal(&l, mkey, ih, fake_sk, v, sizeof(v));
		CHECK(mailbox_receive(b.mb, ih, v, (size_t)n) == MBX_OK);
	}
	mailbox_get_stats(b.mb, &st);
	CHECK(st.senders == MAILBOX_SENDERS_MAX);
	mailbox_free(b.mb);
}

static void
test_reason_names(void)
{
	static const char *const want[MBX__COUNT] = {
		"ok", "size", "magic", "decrypt", "shape", "sig", "exp", "to", "from", "replay",
		"duplicate", "rate"
	};
	int i;

	for (i = 0; i < MBX__COUNT; i++)
		CHECK(strcmp(mailbox_reject_name((enum mailbox_reject)i), want[i]) == 0);
	CHECK(strcmp(mailbox_reject_name(MBX__COUNT), "unknown") == 0);
}

int
main(int argc, char **argv)
{
	verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
	if (sodium_init() < 0)
		return 1;
	timers = timers_new(NULL, &fake_clock);
	setup();
	test_vector();
	test_round_trip_sizes();
	test_reject_outer();
	test_reject_sig_exp_to();
	test_shape();
	test_shape_key_cap();
	test_seen();
	test_batching();
	test_limits();
	test_exchange();
	test_flood();
	test_reason_names();
	timers_free(timers);
	room_keys_wipe(&keys);
	room_keys_wipe(&other_keys);
	return check_exit("test_mailbox");
}
