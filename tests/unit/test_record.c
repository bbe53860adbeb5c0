/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_record.c — dht/record*.c: round trip, the fixed vector of
 * doc/PROTOCOL.md, one case per rejection reason, the strict decoder's shape
 * rules, skipped candidates, the size of the largest record and the replay
 * table. `test_record -v` prints the vector and the sizes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

#include "dht/record/record.h"
#include "dht/record/record_codec.h"
#include "tests/check.h"

static int verbose;

/* "lobby/room/key" (test_room.c): record key and infohash of epoch 493000. */
static const char ROOM_RECORD_KEY[] =
    "7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e";
static const char ROOM_IH[] = "d822632a1634d749a4cda1b6b1c165593989cc4e";
static const uint64_t NOW = 493000ull * 3600 + 100;	/* 1774800100 */

static uint8_t key[32], ih[20], other_key[32];
static uint8_t pk_a[32], sk_a[64], pk_b[32], sk_b[64];

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
setup(void)
{
	uint8_t seed[32];
	size_t i;

	unhex(ROOM_RECORD_KEY, key, sizeof(key));
	unhex(ROOM_IH, ih, sizeof(ih));
	memcpy(other_key, key, sizeof(key));
	other_key[0] ^= 1;
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;			/* 00 01 .. 1f */
	crypto_sign_seed_keypair(pk_a, sk_a, seed);
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x20 + i);
	crypto_sign_seed_keypair(pk_b, sk_b, seed);
}

static void
base_record(struct record *r, const uint8_t *pk)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	memcpy(r->id, pk, 32);
	/* The WireGuard key bound to the id: its X25519 (Montgomery) form. */
	CHECK(crypto_sign_ed25519_pk_to_curve25519(r->wg, pk) == 0);
	(void)i;
	strcpy(r->nick, "alice");
	r->seq = 1774800100000ull;
	r->exp = NOW + RECORD_TTL;
	r->ncand = 2;
	r->cand[0] = (struct cand){ CAND_HOST, 4, { 192, 168, 1, 20 }, 51820 };
	r->cand[1] = (struct cand){ CAND_SRFLX, 6,
	    { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 40000 };
}

static int
same_record(const struct record *a, const struct record *b)
{
	unsigned i;

	if (memcmp(a->id, b->id, 32) || memcmp(a->wg, b->wg, 32) || strcmp(a->nick, b->nick) ||
	    a->seq != b->seq || a->exp != b->exp || a->ncand != b->ncand ||
	    a->nat.cls != b->nat.cls || a->nat.delta != b->nat.delta)
		return 0;
	for (i = 0; i < a->ncand; i++)
		if (a->cand[i].kind != b->cand[i].kind || a->cand[i].family != b->cand[i].family ||
		    a->cand[i].port != b->cand[i].port ||
		    memcmp(a->cand[i].addr, b->cand[i].addr, a->cand[i].family == 4 ? 4 : 16))
			return 0;
	return 1;
}

/* AEAD-seal an arbitrary envelope plaintext as a value. */
static size_t
seal_envelope(const uint8_t *env, size_t env_len, const uint8_t *k, uint8_t *out)
{
	uint8_t ad[23];

	memcpy(ad, RECORD_MAGIC, 3);
	memcpy(ad + 3, ih, 20);
	memcpy(out, RECORD_MAGIC, 3);
	randombytes_buf(out + 3, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 27, NULL, env, env_len, ad, sizeof(ad),
	    NULL, out + 3, k);
	return 27 + env_len + 16;
}

/* Sign an arbitrary body with sk, wrap it and seal it. */
static size_t
seal_body(const uint8_t *body, size_t body_len, const uint8_t *sk, uint8_t *out)
{
	uint8_t msg[1024], sig[64], env[1024];
	size_t env_len = 0;

	memcpy(msg, RECORD_SIG_LABEL, 15);
	memcpy(msg + 15, ih, 20);
	memcpy(msg + 35, body, body_len);
	crypto_sign_detached(sig, NULL, msg, 35 + body_len, sk);
	CHECK(record_encode_envelope(body, body_len, sig, env, sizeof(env), &env_len) == 0);
	return seal_envelope(env, env_len, key, out);
}

static enum record_reject
open_v(const uint8_t *v, size_t len, struct record *out, const char **why)
{
	return record_open_why(v, len, key, ih, NOW, out, why);
}

/* ---- round trip and vector --------------------------------------------- */

static void
test_round_trip(void)
{
	struct record in, out;
	uint8_t v[RECORD_MAX_VALUE];
	int n;

	base_record(&in, pk_a);
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	CHECK(n > 0 && n <= RECORD_MAX_VALUE);
	if (verbose)
		printf("typical record (2 candidates): %d bytes\n", n);
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	CHECK(same_record(&in, &out));
	/* Two seals of one record differ (fresh nonce) and both open. */
	{
		uint8_t v2[RECORD_MAX_VALUE];
		int n2 = record_seal(&in, key, ih, sk_a, v2, sizeof(v2));

		CHECK(n2 == n && memcmp(v, v2, (size_t)n) != 0);
		CHECK(record_open(v2, (size_t)n2, key, ih, NOW, &out) == REC_OK);
	}
	/* Empty nick and no candidates are legal. */
	in.nick[0] = '\0';
	in.ncand = 0;
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	CHECK(n > 0 && record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	CHECK(same_record(&in, &out));
	/* Control characters in a nick are kept (neutralised at display time). */
	strcpy(in.nick, "\x1b[2Jevil\x07");
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	CHECK(n > 0 && record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	CHECK(strcmp(out.nick, "\x1b[2Jevil\x07") == 0);
}

/* doc/PROTOCOL.md "Example record": fixed seed, nonce 00..17, fixed fields. */
static const char VECTOR_VALUE[] =
    "474e01000102030405060708090a0b0c0d0e0f101112131415161776e81a0efb"
    "e2705a93f2c0ffd63d35b5fc09aec1920efa7b375d035ae7ff55838f9f1888b1"
    "0cf7d67015be11b25ca8f14881886ba07d8843cce7fc3baf67157b174c699cca"
    "80333e8203a4ae8057ec8cd793253b2f0a8cc2931dc7b75f0ceff03384179ce9"
    "0198331e00ccebc758644087c3e0d38c4f5449a159fd74bf63ac5e56d8d5a7a6"
    "d5b94909b5aaf1b25323d400f9e429508cc120c9a7685d926a7bdd3a70d9e6aa"
    "22d1d648dd8344deed2970849e29aa2d65a290734b9deb52e6f174547f3324f8"
    "adfe001dedc6ad637d19f28428c39caa52042ec1d2e027285f845aa7d7754783"
    "dc466e84";

static void
test_vector(void)
{
	struct record in, out;
	uint8_t nonce[24], v[RECORD_MAX_VALUE], body[RECORD_MAX_VALUE];
	char hex[2 * RECORD_MAX_VALUE + 1];
	size_t i, blen = 0;
	int n;

	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)i;
	base_record(&in, pk_a);
	n = record_seal_with_nonce(&in, key, ih, sk_a, nonce, v, sizeof(v));
	CHECK(n > 0);
	if (n <= 0)
		return;
	sodium_bin2hex(hex, sizeof(hex), v, (size_t)n);
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	if (verbose) {
		char bh[2 * RECORD_MAX_VALUE + 1];

		sodium_bin2hex(bh, sizeof(bh), body, blen);
		printf("vector ed25519 pk: ");
		for (i = 0; i < 32; i++)
			printf("%02x", pk_a[i]);
		printf("\nvector body (%zu bytes): %s\nvector value (%d bytes): %s\n", blen, bh, n,
		    hex);
	}
	CHECK(strcmp(hex, VECTOR_VALUE) == 0);
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	CHECK(same_record(&in, &out));
}

/*
 * doc/PROTOCOL.md "Example record", with "nat": [3, 1] (sequential, step
 * 1): the body of the example with the key appended and the map 8 long.
 */
static const char VECTOR_NAT_BODY[] =
    "88a17601a26964c42003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d"
    "5f1ddc8664125531b8a27767c4204701d08488451f545a409fb58ae3e58581ca"
    "40ac3f7f114698cd71deac73ca01a46e69636ba5616c696365a3736571cf0000"
    "019d3a545aa0a3657870ce69c95068a163929300c404c0a80114cdca6c9301c4"
    "1020010db8000000000000000000000001cd9c40a36e6174920301";

/* The optional key "nat": written only when known, read strictly when there. */
static void
test_nat_key(void)
{
	static const struct {
		const char *what, *hex;		/* the value of "nat", or a whole entry */
		int entries;			/* map entries added */
		const char *why;		/* NULL: accepted */
		uint8_t cls;
		uint16_t delta;
	} cases[] = {
		{ "sequential +1", "a36e6174920301", 1, NULL, 3, 1 },
		{ "random", "a36e6174920400", 1, NULL, 4, 0 },
		{ "step -1 as two's complement", "a36e617492 03cdffff", 1, NULL, 3, 0xffff },
		{ "a class from the future is kept", "a36e6174920900", 1, NULL, 9, 0 },
		{ "a huge class is kept as 255", "a36e617492cf010000000000000000", 1, NULL, 255, 0 },
		{ "delta over 65535", "a36e61749203ce00010000", 1, "nat delta over 65535", 0, 0 },
		{ "one element", "a36e61749103", 1, "nat is not an array of 2", 0, 0 },
		{ "three elements", "a36e6174930301c0", 1, "nat is not an array of 2", 0, 0 },
		{ "not an array", "a36e617403", 1, "nat is not an array", 0, 0 },
		{ "class bool", "a36e617492c301", 1, "nat class is not a uint", 0, 0 },
		{ "delta negative", "a36e61749203ff", 1, "nat delta is not a uint", 0, 0 },
		{ "twice", "a36e6174920301a36e6174920301", 2, "duplicate key", 0, 0 },
		{ "bin key: skipped", "c4036e6174c0", 1, NULL, 0, 0 },
	};
	uint8_t body[RECORD_MAX_VALUE], v[RECORD_MAX_VALUE];
	struct record in, out;
	size_t i, blen = 0, n;
	char hex[2 * RECORD_MAX_VALUE + 1];

	/* Unknown: no key, the body of the example unchanged (old readers see nothing new). */
	base_record(&in, pk_a);
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	CHECK_EQ(body[0], 0x87);
	/* Known: the vector. */
	in.nat.cls = 3;
	in.nat.delta = 1;
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	sodium_bin2hex(hex, sizeof(hex), body, blen);
	if (verbose)
		printf("vector body with nat (%zu bytes): %s\n", blen, hex);
	CHECK_STR(hex, VECTOR_NAT_BODY);
	n = seal_body(body, blen, sk_a, v);
	CHECK(open_v(v, n, &out, NULL) == REC_OK && same_record(&in, &out));

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = "unset";
		enum record_reject r;
		char clean[128];
		size_t add = 0, j, k;

		base_record(&in, pk_a);
		CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
		body[0] = (uint8_t)(0x87 + cases[i].entries);
		for (j = k = 0; cases[i].hex[j] != '\0'; j++)
			if (cases[i].hex[j] != ' ')
				clean[k++] = cases[i].hex[j];
		clean[k] = '\0';
		CHECK(sodium_hex2bin(body + blen, sizeof(body) - blen, clean, k, NULL, &add, NULL) == 0);
		n = seal_body(body, blen + add, sk_a, v);
		r = open_v(v, n, &out, &why);
		if (cases[i].why == NULL) {
			CHECK_MSG(r == REC_OK, "%s: %s (%s)", cases[i].what, record_reject_name(r),
			    why ? why : "-");
			CHECK_MSG(out.nat.cls == cases[i].cls && out.nat.delta == cases[i].delta,
			    "%s: nat %u %u", cases[i].what, out.nat.cls, out.nat.delta);
		} else {
			CHECK_MSG(r == REC_SHAPE && why != NULL && strcmp(why, cases[i].why) == 0,
			    "%s: %s (%s)", cases[i].what, record_reject_name(r), why ? why : "-");
		}
	}
}

/* ---- one case per rejection reason -------------------------------------- */

static void
test_reject_outer(void)
{
	struct record in, out;
	uint8_t v[RECORD_MAX_VALUE + 8], ih2[20];
	int n;

	base_record(&in, pk_a);
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	CHECK(n > 0);

	/* size: over 600 bytes, checked before anything else */
	memset(v + n, 0, sizeof(v) - (size_t)n);
	CHECK(record_open(v, RECORD_MAX_VALUE + 1, key, ih, NOW, &out) == REC_SIZE);
	CHECK(record_open(v, RECORD_MAX_VALUE, key, ih, NOW, &out) == REC_DECRYPT);

	/* magic */
	CHECK(record_open(v, 0, key, ih, NOW, &out) == REC_MAGIC);
	CHECK(record_open(v, 2, key, ih, NOW, &out) == REC_MAGIC);
	v[2] = 0x02;
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_MAGIC);
	v[2] = 0x01;
	v[0] = 'g';
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_MAGIC);
	v[0] = 0x47;

	/* decrypt: too short for nonce and tag, wrong key, wrong infohash (ad) */
	CHECK(record_open(v, 42, key, ih, NOW, &out) == REC_DECRYPT);
	CHECK(record_open(v, 43, key, ih, NOW, &out) == REC_DECRYPT);
	CHECK(record_open(v, (size_t)n, other_key, ih, NOW, &out) == REC_DECRYPT);
	memcpy(ih2, ih, 20);
	ih2[19] ^= 0x80;
	CHECK(record_open(v, (size_t)n, key, ih2, NOW, &out) == REC_DECRYPT);
	CHECK(record_open(v, (size_t)n - 1, key, ih, NOW, &out) == REC_DECRYPT);

	/* decrypt: any flipped bit of nonce, ciphertext or tag */
	{
		size_t i;
		int bad = 0;

		for (i = 3; i < (size_t)n; i++) {
			v[i] ^= 0x01;
			if (record_open(v, (size_t)n, key, ih, NOW, &out) != REC_DECRYPT)
				bad++;
			v[i] ^= 0x01;
		}
		CHECK(bad == 0);
	}
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	/* a rejected open leaves *rec zeroed */
	CHECK(record_open(v, (size_t)n, other_key, ih, NOW, &out) == REC_DECRYPT);
	CHECK(sodium_is_zero((const uint8_t *)&out, sizeof(out)));
}

static void
test_reject_sig(void)
{
	struct record in, out;
	uint8_t body[RECORD_MAX_VALUE], v[RECORD_MAX_VALUE], msg[1024], sig[64],
	    env[RECORD_MAX_VALUE];
	size_t blen = 0, elen = 0;
	size_t n;

	/* id is A's key but B signed it */
	base_record(&in, pk_a);
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	n = seal_body(body, blen, sk_b, v);
	CHECK(open_v(v, n, &out, NULL) == REC_SIG);
	/* A signed it: fine */
	n = seal_body(body, blen, sk_a, v);
	CHECK(open_v(v, n, &out, NULL) == REC_OK);

	/* A signed it, then the body was altered before encryption */
	memcpy(msg, RECORD_SIG_LABEL, 15);
	memcpy(msg + 15, ih, 20);
	memcpy(msg + 35, body, blen);
	crypto_sign_detached(sig, NULL, msg, 35 + blen, sk_a);
	{
		uint8_t *p = memmem(body, blen, "alice", 5);

		CHECK(p != NULL);
		if (p != NULL)
			p[0] = 'A';
	}
	CHECK(record_encode_envelope(body, blen, sig, env, sizeof(env), &elen) == 0);
	n = seal_envelope(env, elen, key, v);
	CHECK(open_v(v, n, &out, NULL) == REC_SIG);

	/* signed for another infohash (a replay into another epoch) */
	msg[15] ^= 1;
	body[0] = body[0];
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	memcpy(msg + 35, body, blen);
	crypto_sign_detached(sig, NULL, msg, 35 + blen, sk_a);
	CHECK(record_encode_envelope(body, blen, sig, env, sizeof(env), &elen) == 0);
	n = seal_envelope(env, elen, key, v);
	CHECK(open_v(v, n, &out, NULL) == REC_SIG);

	/* record_seal refuses to sign with a key that is not the record's id */
	CHECK(record_seal(&in, key, ih, sk_b, v, sizeof(v)) == -1);
}

/*
 * doc/PROTOCOL.md "Identity" and check `binding`: a record whose wg is not
 * the X25519 form of its id is refused, whoever signed it. This is the
 * misbinding attack: B signs a record with B's own id and A's WireGuard key.
 */
static void
test_reject_binding(void)
{
	static const char seed_x25519[] =
	    "4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01";
	struct record in, out;
	uint8_t body[RECORD_MAX_VALUE], v[RECORD_MAX_VALUE], want[32], sk_x[32], pub_x[32];
	size_t blen = 0, n;

	/* The vector: seed 00..1f -> X25519 public key, both ways. */
	unhex(seed_x25519, want, sizeof(want));
	CHECK(crypto_sign_ed25519_pk_to_curve25519(pub_x, pk_a) == 0);
	CHECK(memcmp(pub_x, want, 32) == 0);
	CHECK(crypto_sign_ed25519_sk_to_curve25519(sk_x, sk_a) == 0);
	CHECK(crypto_scalarmult_base(pub_x, sk_x) == 0 && memcmp(pub_x, want, 32) == 0);
	CHECK(record_wg_bound(pk_a, want));
	CHECK(!record_wg_bound(pk_b, want));

	/* B's id, A's WireGuard key, signed by B: binding. */
	base_record(&in, pk_b);
	memcpy(in.wg, want, 32);
	strcpy(in.nick, "alice");
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	n = seal_body(body, blen, sk_b, v);
	CHECK(open_v(v, n, &out, NULL) == REC_BINDING);
	CHECK(sodium_is_zero((const uint8_t *)&out, sizeof(out)));
	/* One bit off is no better. */
	base_record(&in, pk_a);
	in.wg[31] ^= 0x01;
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	n = seal_body(body, blen, sk_a, v);
	CHECK(open_v(v, n, &out, NULL) == REC_BINDING);
	/* The signature is checked first: B's id and key signed by A is `sig`. */
	base_record(&in, pk_b);
	memcpy(in.wg, want, 32);
	CHECK(record_encode_body(&in, body, sizeof(body), &blen) == 0);
	n = seal_body(body, blen, sk_a, v);
	CHECK(open_v(v, n, &out, NULL) == REC_SIG);
	/* and publishers refuse to make one. */
	base_record(&in, pk_a);
	in.wg[0] ^= 0x80;
	CHECK(record_seal(&in, key, ih, sk_a, v, sizeof(v)) == -1);
	CHECK(strcmp(record_reject_name(REC_BINDING), "binding") == 0);
}

static void
test_reject_exp(void)
{
	struct record in, out;
	uint8_t v[RECORD_MAX_VALUE];
	struct {
		uint64_t exp;
		enum record_reject want;
	} cases[] = {
		{ NOW - 1, REC_EXP },			/* expired */
		{ NOW, REC_EXP },			/* now < exp is strict */
		{ NOW + 1, REC_OK },
		{ NOW + RECORD_TTL, REC_OK },
		{ NOW + RECORD_MAX_FUTURE, REC_OK },	/* exp <= now + 1200 */
		{ NOW + RECORD_MAX_FUTURE + 1, REC_EXP },	/* far future */
		{ UINT64_MAX, REC_EXP },
		{ 0, REC_EXP },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n;

		base_record(&in, pk_a);
		in.exp = cases[i].exp;
		n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
		CHECK(n > 0);
		CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == cases[i].want);
	}
}

static void
test_accept(void)
{
	struct record_seen *s = record_seen_new(pk_b);	/* we are B */
	struct record a, own;
	uint64_t t = NOW;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	base_record(&a, pk_a);
	CHECK(record_accept(s, &a, t) == REC_OK);
	CHECK(record_accept(s, &a, t) == REC_DUPLICATE);	/* equal (id, seq) */
	a.seq--;
	CHECK(record_accept(s, &a, t) == REC_SEQ);		/* replayed lower seq */
	a.seq += 2;
	CHECK(record_accept(s, &a, t) == REC_OK);
	CHECK(record_accept(s, &a, t) == REC_DUPLICATE);
	a.seq -= 2;
	/* remembered for 1200 s past exp ... */
	CHECK(record_accept(s, &a, a.exp + 1200) == REC_SEQ);
	/* ... and forgotten after */
	CHECK(record_accept(s, &a, a.exp + 1201) == REC_OK);

	base_record(&own, pk_b);
	CHECK(record_accept(s, &own, t) == REC_OWNID);
	CHECK(record_accept(s, &own, t) == REC_OWNID);		/* never stored */
	own.seq--;
	CHECK(record_accept(s, &own, t) == REC_OWNID);

	/* Bounded: 3000 distinct ids fit in the table by evicting. */
	{
		struct record r;
		unsigned i;
		int bad = 0;

		base_record(&r, pk_a);
		for (i = 0; i < 3000; i++) {
			memcpy(r.id, &i, sizeof(i));
			r.exp = NOW + 900 + i;		/* later ones are kept longer */
			if (record_accept(s, &r, t) != REC_OK)
				bad++;
		}
		CHECK(bad == 0);
		/* the newest is still remembered */
		i = 2999;
		memcpy(r.id, &i, sizeof(i));
		CHECK(record_accept(s, &r, t) == REC_DUPLICATE);
	}
	record_seen_free(s);
	record_seen_free(NULL);

	s = record_seen_new(NULL);			/* no own id */
	CHECK(s != NULL && record_accept(s, &own, t) == REC_OK);
	record_seen_free(s);
}

static void
test_reason_names(void)
{
	CHECK(strcmp(record_reject_name(REC_SIZE), "size") == 0);
	CHECK(strcmp(record_reject_name(REC_MAGIC), "magic") == 0);
	CHECK(strcmp(record_reject_name(REC_DECRYPT), "decrypt") == 0);
	CHECK(strcmp(record_reject_name(REC_SHAPE), "shape") == 0);
	CHECK(strcmp(record_reject_name(REC_SIG), "sig") == 0);
	CHECK(strcmp(record_reject_name(REC_EXP), "exp") == 0);
	CHECK(strcmp(record_reject_name(REC_SEQ), "seq") == 0);
	CHECK(strcmp(record_reject_name(REC_OWNID), "ownid") == 0);
	CHECK(strcmp(record_reject_name(REC_DUPLICATE), "duplicate") == 0);
}

/* ---- shape --------------------------------------------------------------- */

enum mut {
	M_NONE,
	M_DUP_KEY,		/* "nick" twice */
	M_DUP_UNKNOWN,		/* an unknown str key twice */
	M_MISSING,		/* no "seq" */
	M_ID_STR,		/* id as str 32 */
	M_NICK_BIN,		/* nick as bin */
	M_V_BOOL,		/* v = true */
	M_V2,			/* v = 2 */
	M_SEQ_BOOL,		/* seq = true */
	M_EXP_FLOAT,		/* exp as float64 */
	M_SEQ_NEG,		/* seq = -1 */
	M_SEQ_NIL,		/* seq = nil */
	M_ID_31,		/* id bin 31 */
	M_WG_33,		/* wg bin 33 */
	M_NICK_33,		/* 33-byte nick */
	M_NICK_UTF8,		/* nick with an overlong sequence */
	M_NICK_SURROGATE,	/* nick with U+D800 */
	M_CAND_9,		/* 9 candidates */
	M_CAND_2,		/* candidate [kind, addr] */
	M_CAND_4,		/* candidate [kind, addr, port, x] */
	M_CAND_ADDR5,		/* addr bin 5 */
	M_CAND_ADDR_STR,	/* addr as str 4 */
	M_CAND_PORT_BIG,	/* port 65536 */
	M_CAND_KIND_BOOL,	/* kind = false */
	M_CAND_NOT_ARRAY,	/* candidate is a map */
	M_C_NOT_ARRAY,		/* c is a bin */
	M_NOT_MAP,		/* body is an array */
	M_TRAILING,		/* a byte after the map */
	/* legal variants */
	M_UNKNOWN_KEYS,		/* extra str and non-str keys with nested values */
	M_WIDE_INTS,		/* int64/uint64 formats for small values */
	M_ORDER,		/* keys in reverse order */
	M__COUNT
};

static void
key_(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str_with_body(pk, k, strlen(k));
}

/* Raw bytes straight into the buffer (for forms msgpack-c never emits). */
static void
raw(msgpack_sbuffer *sb, const void *p, size_t n)
{
	msgpack_sbuffer_write(sb, p, n);
}

static size_t
make_body(enum mut m, uint8_t *out, size_t outlen)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct record r;
	unsigned nkeys = 7, i, ncand;
	size_t n;

	base_record(&r, pk_a);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (m == M_NOT_MAP) {
		msgpack_pack_array(&pk, 0);
		goto done;
	}
	if (m == M_DUP_KEY)
		nkeys = 8;
	if (m == M_DUP_UNKNOWN)
		nkeys = 9;
	if (m == M_MISSING)
		nkeys = 6;
	if (m == M_UNKNOWN_KEYS)
		nkeys = 11;
	msgpack_pack_map(&pk, nkeys);
	if (m == M_UNKNOWN_KEYS) {
		key_(&pk, "future");
		msgpack_pack_array(&pk, 2);
		msgpack_pack_map(&pk, 1);
		msgpack_pack_int(&pk, -5);
		msgpack_pack_double(&pk, 1.5);
		msgpack_pack_nil(&pk);
		msgpack_pack_int(&pk, 7);		/* a non-str key: ignored */
		msgpack_pack_true(&pk);
		msgpack_pack_bin_with_body(&pk, "id", 2);	/* bin, not str: ignored */
		msgpack_pack_bin_with_body(&pk, "x", 1);
		msgpack_pack_ext_with_body(&pk, "abcd", 4, 5);	/* ext as a key */
		msgpack_pack_float(&pk, 2.0f);
	}
	if (m == M_DUP_UNKNOWN) {
		key_(&pk, "zz");
		msgpack_pack_nil(&pk);
		key_(&pk, "zz");
		msgpack_pack_nil(&pk);
	}
	if (m == M_ORDER)
		goto reversed;
forward:
	key_(&pk, "v");
	if (m == M_V_BOOL)
		msgpack_pack_true(&pk);
	else if (m == M_V2)
		msgpack_pack_uint8(&pk, 2);
	else if (m == M_WIDE_INTS)
		raw(&sb, "\xd3\x00\x00\x00\x00\x00\x00\x00\x01", 9);	/* int 64 */
	else
		msgpack_pack_uint8(&pk, 1);
	key_(&pk, "id");
	if (m == M_ID_STR)
		msgpack_pack_str_with_body(&pk, (const char *)r.id, 32);
	else
		msgpack_pack_bin_with_body(&pk, r.id, m == M_ID_31 ? 31 : 32);
	key_(&pk, "wg");
	{
		uint8_t wg[33];

		memcpy(wg, r.wg, 32);
		wg[32] = 0;
		msgpack_pack_bin_with_body(&pk, wg, m == M_WG_33 ? 33 : 32);
	}
	key_(&pk, "nick");
	if (m == M_NICK_BIN)
		msgpack_pack_bin_with_body(&pk, r.nick, strlen(r.nick));
	else if (m == M_NICK_33)
		msgpack_pack_str_with_body(&pk, "012345678901234567890123456789012", 33);
	else if (m == M_NICK_UTF8)
		msgpack_pack_str_with_body(&pk, "a\xc0\xaf", 3);
	else if (m == M_NICK_SURROGATE)
		msgpack_pack_str_with_body(&pk, "a\xed\xa0\x80", 4);
	else
		msgpack_pack_str_with_body(&pk, r.nick, strlen(r.nick));
	if (m == M_DUP_KEY) {
		key_(&pk, "nick");
		msgpack_pack_str_with_body(&pk, "mallory", 7);
	}
	if (m != M_MISSING) {
		key_(&pk, "seq");
		if (m == M_SEQ_BOOL)
			msgpack_pack_true(&pk);
		else if (m == M_SEQ_NEG)
			msgpack_pack_int64(&pk, -1);
		else if (m == M_SEQ_NIL)
			msgpack_pack_nil(&pk);
		else if (m == M_WIDE_INTS)
			raw(&sb, "\xcf\x00\x00\x01\x9d\x3a\x54\x5a\xa0", 9);	/* uint 64 */
		else
			msgpack_pack_uint64(&pk, r.seq);
	}
	key_(&pk, "exp");
	if (m == M_EXP_FLOAT)
		msgpack_pack_double(&pk, (double)r.exp);
	else if (m == M_WIDE_INTS)
		msgpack_pack_int64(&pk, (int64_t)r.exp);	/* shortest is still uint32 */
	else
		msgpack_pack_uint64(&pk, r.exp);
	if (m == M_ORDER)
		goto done_fields;
reversed:
	key_(&pk, "c");
	if (m == M_C_NOT_ARRAY) {
		msgpack_pack_bin_with_body(&pk, "", 0);
		goto after_c;
	}
	ncand = m == M_CAND_9 ? 9 : 1;
	msgpack_pack_array(&pk, ncand);
	for (i = 0; i < ncand; i++) {
		if (m == M_CAND_NOT_ARRAY) {
			msgpack_pack_map(&pk, 0);
			continue;
		}
		msgpack_pack_array(&pk, m == M_CAND_2 ? 2 : m == M_CAND_4 ? 4 : 3);
		if (m == M_CAND_KIND_BOOL)
			msgpack_pack_false(&pk);
		else if (m == M_WIDE_INTS)
			raw(&sb, "\xd0\x00", 2);			/* int 8 */
		else
			msgpack_pack_uint8(&pk, 0);
		if (m == M_CAND_ADDR5)
			msgpack_pack_bin_with_body(&pk, "\x0a\x00\x00\x01\x00", 5);
		else if (m == M_CAND_ADDR_STR)
			msgpack_pack_str_with_body(&pk, "\x0a\x00\x00\x01", 4);
		else
			msgpack_pack_bin_with_body(&pk, "\x0a\x00\x00\x01", 4);
		if (m == M_CAND_2)
			continue;
		if (m == M_CAND_PORT_BIG)
			msgpack_pack_uint32(&pk, 65536);
		else if (m == M_WIDE_INTS)
			raw(&sb, "\xd2\x00\x00\xca\x6c", 5);		/* int 32: 51820 */
		else
			msgpack_pack_uint16(&pk, 51820);
		if (m == M_CAND_4)
			msgpack_pack_nil(&pk);
	}
after_c:
	if (m == M_ORDER)
		goto forward;
done_fields:
	if (m == M_TRAILING)
		msgpack_pack_nil(&pk);
done:
	n = sb.size <= outlen ? sb.size : 0;
	memcpy(out, sb.data, n);
	msgpack_sbuffer_destroy(&sb);
	return n;
}

static void
test_shape(void)
{
	static const struct {
		enum mut m;
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ M_NONE, NULL },
		{ M_DUP_KEY, "duplicate key" },
		{ M_DUP_UNKNOWN, "duplicate key" },
		{ M_MISSING, "missing key" },
		{ M_ID_STR, "id is not bin 32" },
		{ M_NICK_BIN, "nick is not str" },
		{ M_V_BOOL, "v is not a uint" },
		{ M_V2, "v is not 1" },
		{ M_SEQ_BOOL, "seq is not a uint" },
		{ M_EXP_FLOAT, "exp is not a uint" },
		{ M_SEQ_NEG, "seq is not a uint" },
		{ M_SEQ_NIL, "seq is not a uint" },
		{ M_ID_31, "id is not bin 32" },
		{ M_WG_33, "wg is not bin 32" },
		{ M_NICK_33, "nick over 32 bytes" },
		{ M_NICK_UTF8, "nick is not valid UTF-8" },
		{ M_NICK_SURROGATE, "nick is not valid UTF-8" },
		{ M_CAND_9, "more than 8 candidates" },
		{ M_CAND_2, "candidate is not an array of 3" },
		{ M_CAND_4, "candidate is not an array of 3" },
		{ M_CAND_ADDR5, "candidate addr is not 4 or 16 bytes" },
		{ M_CAND_ADDR_STR, "candidate addr is not bin" },
		{ M_CAND_PORT_BIG, "candidate port over 65535" },
		{ M_CAND_KIND_BOOL, "candidate kind is not a uint" },
		{ M_CAND_NOT_ARRAY, "candidate is not an array" },
		{ M_C_NOT_ARRAY, "c is not an array" },
		{ M_NOT_MAP, "body is not a map" },
		{ M_TRAILING, "trailing bytes after body" },
		{ M_UNKNOWN_KEYS, NULL },
		{ M_WIDE_INTS, NULL },
		{ M_ORDER, NULL },
	};
	uint8_t body[RECORD_MAX_VALUE], v[RECORD_MAX_VALUE];
	struct record ref, out;
	size_t i, blen, n;

	CHECK(sizeof(cases) / sizeof(cases[0]) == M__COUNT);
	base_record(&ref, pk_a);
	ref.ncand = 1;
	ref.cand[0] = (struct cand){ CAND_HOST, 4, { 10, 0, 0, 1 }, 51820 };
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = "unset";
		enum record_reject r;

		blen = make_body(cases[i].m, body, sizeof(body));
		CHECK(blen > 0);
		n = seal_body(body, blen, sk_a, v);
		r = open_v(v, n, &out, &why);
		if (cases[i].why == NULL) {
			if (r != REC_OK)
				fprintf(stderr, "  case %zu (mut %d): %s (%s)\n", i, cases[i].m,
				    record_reject_name(r), why ? why : "-");
			CHECK(r == REC_OK);
			CHECK(same_record(&ref, &out));
		} else {
			if (r != REC_SHAPE || why == NULL || strcmp(why, cases[i].why) != 0)
				fprintf(stderr, "  case %zu (mut %d): %s (%s), want shape (%s)\n", i,
				    cases[i].m, record_reject_name(r), why ? why : "-",
				    cases[i].why);
			CHECK(r == REC_SHAPE);
			CHECK(why != NULL && strcmp(why, cases[i].why) == 0);
		}
	}
}

/* Truncations of a good body and of a good envelope, and envelope shapes. */
static void
test_shape_envelope(void)
{
	uint8_t body[RECORD_MAX_VALUE], env[RECORD_MAX_VALUE], v[RECORD_MAX_VALUE], sig[64];
	struct record out;
	const char *why;
	size_t blen, elen = 0, n, cut;
	int bad = 0;

	blen = make_body(M_NONE, body, sizeof(body));
	/* every proper prefix of the body is a shape error */
	for (cut = 0; cut < blen; cut++) {
		n = seal_body(body, cut, sk_a, v);
		if (open_v(v, n, &out, NULL) != REC_SHAPE)
			bad++;
	}
	CHECK(bad == 0);

	memset(sig, 0x5a, sizeof(sig));
	CHECK(record_encode_envelope(body, blen, sig, env, sizeof(env), &elen) == 0);
	bad = 0;
	for (cut = 0; cut < elen; cut++) {
		n = seal_envelope(env, cut, key, v);
		if (open_v(v, n, &out, NULL) != REC_SHAPE)
			bad++;
	}
	CHECK(bad == 0);
	/* trailing byte after the envelope */
	env[elen] = 0xc0;
	n = seal_envelope(env, elen + 1, key, v);
	CHECK(open_v(v, n, &out, &why) == REC_SHAPE && strcmp(why, "trailing bytes after envelope") == 0);
	/* the envelope is well-formed otherwise: only the signature is wrong */
	n = seal_envelope(env, elen, key, v);
	CHECK(open_v(v, n, &out, NULL) == REC_SIG);

	/* array of 3, array of 1, map, sig of 63, body as str */
	{
		static const uint8_t three[] = { 0x93, 0xc4, 0x00, 0xc4, 0x00, 0xc0 };
		static const uint8_t one[] = { 0x91, 0xc4, 0x00 };
		static const uint8_t map[] = { 0x81, 0xc4, 0x00, 0xc4, 0x00 };
		uint8_t short_sig[3 + 2 + 63], str_body[2 + 2 + 64];
		const uint8_t *b, *s;
		size_t bl;

		CHECK(record_decode_envelope(three, sizeof(three), &b, &bl, &s, &why) == REC_SHAPE &&
		    strcmp(why, "envelope is not an array of 2") == 0);
		CHECK(record_decode_envelope(one, sizeof(one), &b, &bl, &s, &why) == REC_SHAPE);
		CHECK(record_decode_envelope(map, sizeof(map), &b, &bl, &s, &why) == REC_SHAPE &&
		    strcmp(why, "envelope is not an array") == 0);
		memset(short_sig, 0, sizeof(short_sig));
		memcpy(short_sig, "\x92\xc4\x00\xc4\x3f", 5);
		CHECK(record_decode_envelope(short_sig, sizeof(short_sig), &b, &bl, &s, &why) ==
		    REC_SHAPE && strcmp(why, "sig is not 64 bytes") == 0);
		memset(str_body, 0, sizeof(str_body));
		memcpy(str_body, "\x92\xa0\xc4\x40", 4);
		CHECK(record_decode_envelope(str_body, sizeof(str_body), &b, &bl, &s, &why) ==
		    REC_SHAPE && strcmp(why, "body is not bin") == 0);
		str_body[1] = 0xc4;
		str_body[2] = 0x00;
		str_body[3] = 0xc4;
		CHECK(record_decode_envelope(str_body, 4 + 64, &b, &bl, &s, &why) == REC_SHAPE);
	}
	/* a huge claimed length never reads past the buffer */
	{
		static const uint8_t huge[] = { 0x92, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00 };
		static const uint8_t hugemap[] = { 0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'v' };
		const uint8_t *b, *s;
		size_t bl;

		CHECK(record_decode_envelope(huge, sizeof(huge), &b, &bl, &s, &why) == REC_SHAPE &&
		    strcmp(why, "truncated") == 0);
		CHECK(record_decode_body(hugemap, sizeof(hugemap), &out, &why) == REC_SHAPE &&
		    strcmp(why, "truncated") == 0);
	}
}

/*
 * How many entries a body map may announce: one seen-key slot per 2 bytes of
 * a DHT value (RECORD_MAX_VALUE / 2 = 300). Only record_decode_body() called
 * directly can exceed it; the mailbox's cap is larger (test_mailbox.c).
 */
static void
test_shape_key_cap(void)
{
	static const struct {
		unsigned entries;
		const char *why;
	} cases[] = {
		{ 300, "missing key" },		/* nil: nil entries, all skipped */
		{ 301, "too many keys" },
		{ 736, "too many keys" },
	};
	static uint8_t body[3 + 2 * 736];
	struct record out;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned n = cases[i].entries;

		body[0] = 0xde;				/* map 16 */
		body[1] = (uint8_t)(n >> 8);
		body[2] = (uint8_t)n;
		memset(body + 3, 0xc0, 2 * n);
		why = NULL;
		CHECK(record_decode_body(body, 3 + 2 * n, &out, &why) == REC_SHAPE);
		CHECK_MSG(why != NULL && strcmp(why, cases[i].why) == 0, "%u entries: %s", n,
		    why != NULL ? why : "-");
	}
}

/* ---- candidates and size ------------------------------------------------ */

static void
test_candidates_skipped(void)
{
	static const struct cand bad[] = {
		{ CAND_HOST, 4, { 10, 0, 0, 1 }, 0 },			/* port 0 */
		{ CAND_HOST, 4, { 0, 0, 0, 0 }, 1 },			/* unspecified */
		{ CAND_HOST, 4, { 0, 1, 2, 3 }, 1 },			/* 0/8 */
		{ CAND_HOST, 4, { 224, 0, 0, 251 }, 1 },		/* multicast */
		{ CAND_HOST, 4, { 239, 255, 255, 250 }, 1 },
		{ CAND_HOST, 4, { 255, 255, 255, 255 }, 1 },		/* broadcast */
		{ CAND_HOST, 4, { 169, 254, 10, 10 }, 1 },		/* link-local */
		{ CAND_HOST, 6, { 0 }, 1 },				/* :: */
		{ CAND_HOST, 6, { 0xff, 0x02, [15] = 1 }, 1 },		/* ff02::1 */
		{ CAND_HOST, 6, { 0xfe, 0x80, [15] = 1 }, 1 },		/* fe80::1 */
		{ CAND_HOST, 6, { 0xfe, 0xbf, [15] = 1 }, 1 },		/* fe80::/10 */
		{ CAND_HOST, 6, { [10] = 0xff, [11] = 0xff, 224, 0, 0, 1 }, 1 },	/* v4-mapped mcast */
		{ 5, 4, { 10, 0, 0, 1 }, 1 },				/* unknown kind */
	};
	static const struct cand good[] = {
		{ CAND_RELAY, 4, { 127, 0, 0, 1 }, 1 },
		{ CAND_MAPPED, 6, { 0xfe, 0xc0, [15] = 1 }, 65535 },	/* fec0:: not fe80::/10 */
		{ CAND_DHT, 4, { 169, 253, 1, 1 }, 9 },
		{ CAND_HOST, 4, { 223, 255, 255, 255 }, 9 },
		{ CAND_HOST, 6, { [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 }, 9 },
	};
	struct record in, out;
	uint8_t v[RECORD_MAX_VALUE];
	size_t i;
	int n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!record_cand_usable(&bad[i]));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(record_cand_usable(&good[i]));

	/* 8 on the wire: good, bad, good, bad, ... -> only the good ones, in order */
	base_record(&in, pk_a);
	in.ncand = 8;
	for (i = 0; i < 4; i++) {
		in.cand[2 * i] = good[i];
		in.cand[2 * i + 1] = bad[i * 3];
	}
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	CHECK(n > 0);
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	CHECK(out.ncand == 4);
	for (i = 0; i < 4 && i < out.ncand; i++)
		CHECK(memcmp(&out.cand[i], &good[i], sizeof(good[i])) == 0);

	/* kind 300 (needs uint16) is skipped too, not a shape error */
	{
		uint8_t body[RECORD_MAX_VALUE];
		size_t blen = make_body(M_NONE, body, sizeof(body)), k;

		for (k = 0; k + 2 < blen; k++)		/* the candidate's kind 0 */
			if (body[k] == 0x93 && body[k + 1] == 0x00 && body[k + 2] == 0xc4)
				break;
		CHECK(k + 2 < blen);
		if (k + 2 < blen) {
			uint8_t body2[RECORD_MAX_VALUE];

			memcpy(body2, body, k + 1);
			memcpy(body2 + k + 1, "\xcd\x01\x2c", 3);
			memcpy(body2 + k + 4, body + k + 2, blen - k - 2);
			n = (int)seal_body(body2, blen + 2, sk_a, v);
			CHECK(open_v(v, (size_t)n, &out, NULL) == REC_OK && out.ncand == 0);
		}
	}
}

static void
test_seal_refuses(void)
{
	struct record in;
	uint8_t v[RECORD_MAX_VALUE];
	int n;

	base_record(&in, pk_a);
	in.ncand = RECORD_MAX_CANDIDATES + 1;
	CHECK(record_seal(&in, key, ih, sk_a, v, sizeof(v)) == -1);
	base_record(&in, pk_a);
	in.cand[0].family = 5;
	CHECK(record_seal(&in, key, ih, sk_a, v, sizeof(v)) == -1);
	base_record(&in, pk_a);
	memcpy(in.nick, "a\xc0\xaf", 4);
	CHECK(record_seal(&in, key, ih, sk_a, v, sizeof(v)) == -1);
	base_record(&in, pk_a);
	memset(in.nick, 'x', sizeof(in.nick));		/* not terminated: 33 bytes */
	CHECK(record_seal(&in, key, ih, sk_a, v, sizeof(v)) == -1);
	base_record(&in, pk_a);
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	CHECK(n > 0);
	CHECK(record_seal(&in, key, ih, sk_a, v, (size_t)n - 1) == -1);
	CHECK(record_seal(&in, key, ih, sk_a, v, (size_t)n) == n);
}

static void
test_max_size(void)
{
	struct record in, out;
	uint8_t v[RECORD_MAX_VALUE];
	unsigned i;
	int n;

	base_record(&in, pk_a);
	/* 32 bytes of 4-byte code points */
	for (i = 0; i < 8; i++)
		memcpy(in.nick + 4 * i, "\xf0\x9f\x98\x80", 4);
	in.nick[32] = '\0';
	in.seq = UINT64_MAX;				/* widest integer forms */
	in.exp = NOW + RECORD_MAX_FUTURE;		/* uint32 until 2106 */
	in.ncand = RECORD_MAX_CANDIDATES;
	for (i = 0; i < RECORD_MAX_CANDIDATES; i++) {
		in.cand[i] = (struct cand){ CAND_RELAY, 6,
		    { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		      0xff, 0xff, (uint8_t)(i + 1) }, 65535 };
	}
	n = record_seal(&in, key, ih, sk_a, v, sizeof(v));
	if (verbose)
		printf("largest record (32-byte nick, 8 IPv6 candidates): %d bytes\n", n);
	CHECK(n > 0 && n <= RECORD_MAX_VALUE);
	CHECK(n == 439);			/* DESIGN.md: "about 450" */
	CHECK(record_open(v, (size_t)n, key, ih, NOW, &out) == REC_OK);
	CHECK(same_record(&in, &out));
}

int
main(int argc, char **argv)
{
	verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
	if (sodium_init() < 0)
		return 99;
	setup();
	test_round_trip();
	test_vector();
	test_nat_key();
	test_reject_outer();
	test_reject_sig();
	test_reject_binding();
	test_reject_exp();
	test_accept();
	test_reason_names();
	test_shape();
	test_shape_envelope();
	test_shape_key_cap();
	test_candidates_skipped();
	test_seal_refuses();
	test_max_size();
	return check_exit("test_record");
}
