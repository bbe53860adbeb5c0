/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_pex.c — dht/record/pex_msg.c: the vector of doc/PROTOCOL.md "Peer
 * exchange" (the example record's value in a RECORDS message), whose value
 * still opens as the example record after the round trip; the HAVE vector
 * (that value's digest under salt 00..0f, computed beside this test with
 * Python's hashlib.blake2b); every drop reason; packing sizes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "dht/record/pex_msg.h"
#include "dht/record/record.h"
#include "tests/check.h"

/* doc/PROTOCOL.md "Example record": room lobby/room/key, epoch 493000. */
static const char ROOM_RECORD_KEY[] =
    "7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e";
static const char ROOM_IH[] = "d822632a1634d749a4cda1b6b1c165593989cc4e";
static const uint64_t NOW = 493000ull * 3600 + 100;
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
/* [1, 493000, [value]]: 93 01 ce 00 07 85 c8 91 c5 01 04 || value (271 bytes). */
static const char VECTOR_HEAD[] = "9301ce000785c891c50104";

static size_t
unhex(const char *h, uint8_t *out, size_t len)
{
	size_t n = 0;

	if (sodium_hex2bin(out, len, h, strlen(h), NULL, &n, NULL) != 0) {
		fprintf(stderr, "bad hex in test\n");
		check_failures++;
	}
	return n;
}

static void
test_vector(void)
{
	uint8_t value[RECORD_MAX_VALUE], want[PEX_MAX_MSG], out[PEX_MAX_MSG], key[32], ih[20];
	const uint8_t *vals[1];
	size_t vlen, hlen, lens[1];
	struct pex_msg m;
	struct record rec;
	int n;

	vlen = unhex(VECTOR_VALUE, value, sizeof(value));
	CHECK_EQ(vlen, 260);
	hlen = unhex(VECTOR_HEAD, want, sizeof(want));
	memcpy(want + hlen, value, vlen);
	vals[0] = value;
	lens[0] = vlen;
	n = pex_msg_encode(493000, vals, lens, 1, out, sizeof(out));
	CHECK_EQ(n, 271);
	CHECK_MEM(out, want, hlen + vlen);
	CHECK(pex_msg_size(lens, 1) >= (size_t)n);

	CHECK_EQ(pex_msg_decode(want, hlen + vlen, &m), PEX_MSG_OK);
	CHECK_EQ(m.type, PEX_TYPE_RECORDS);
	CHECK_EQ(m.epoch, 493000);
	CHECK_EQ(m.n, 1);
	CHECK_EQ(m.len[0], 260);
	CHECK(m.value[0] == want + hlen);
	/* What came through is the example record, untouched. */
	unhex(ROOM_RECORD_KEY, key, sizeof(key));
	unhex(ROOM_IH, ih, sizeof(ih));
	CHECK_EQ(record_open(m.value[0], m.len[0], key, ih, NOW, &rec), REC_OK);
	CHECK_STR(rec.nick, "alice");
	CHECK_EQ(rec.seq, 1774800100000ull);
}

/* HAVE = [2, salt 00..0f, digest of the example value]: 26 bytes. */
static const char HAVE_VECTOR[] = "9302c410000102030405060708090a0b0c0d0e0fc404a23fe2a0";

static void
test_have(void)
{
	uint8_t value[RECORD_MAX_VALUE], salt[PEX_HAVE_SALT], d[PEX_HAVE_MAX][PEX_HAVE_DIGEST];
	uint8_t want[64], out[PEX_MAX_MSG];
	struct pex_msg m;
	size_t vlen, wlen;
	unsigned i;
	int n;

	vlen = unhex(VECTOR_VALUE, value, sizeof(value));
	wlen = unhex(HAVE_VECTOR, want, sizeof(want));
	for (i = 0; i < PEX_HAVE_SALT; i++)
		salt[i] = (uint8_t)i;
	pex_have_digest(salt, value, vlen, d[0]);
	CHECK_MEM(d[0], "\xa2\x3f\xe2\xa0", PEX_HAVE_DIGEST);
	n = pex_have_encode(salt, &d[0][0], 1, out, sizeof(out));
	CHECK_EQ(n, 26);
	CHECK_MEM(out, want, wlen);
	CHECK_EQ(pex_msg_decode(want, wlen, &m), PEX_MSG_OK);
	CHECK_EQ(m.type, PEX_TYPE_HAVE);
	CHECK_EQ(m.n, 0);
	CHECK_EQ(m.ndigests, 1);
	CHECK(m.salt == want + 4 && m.digests == want + 22);
	/* Another salt, another digest: nobody can aim one at a value for every HAVE. */
	salt[0] ^= 1;
	pex_have_digest(salt, value, vlen, d[1]);
	CHECK(memcmp(d[0], d[1], PEX_HAVE_DIGEST) != 0);

	/* None, and the most: 256 (every value a member holds) in one message. */
	n = pex_have_encode(salt, &d[0][0], 0, out, sizeof(out));
	CHECK(n > 0);
	CHECK_EQ(pex_msg_decode(out, (size_t)n, &m), PEX_MSG_OK);
	CHECK_EQ(m.ndigests, 0);
	memset(d, 7, sizeof(d));
	n = pex_have_encode(salt, &d[0][0], PEX_HAVE_MAX, out, sizeof(out));
	CHECK(n > 0 && n <= PEX_MAX_MSG);
	CHECK_EQ(pex_msg_decode(out, (size_t)n, &m), PEX_MSG_OK);
	CHECK_EQ(m.ndigests, PEX_HAVE_MAX);
	CHECK_EQ(pex_have_encode(salt, &d[0][0], PEX_HAVE_MAX + 1, out, sizeof(out)), -1);
	CHECK_EQ(pex_have_encode(salt, &d[0][0], PEX_HAVE_MAX, out, 100), -1);
	/* 257 digests: "count". */
	{
		uint8_t big[PEX_MAX_MSG];
		size_t k = 0;

		big[k++] = 0x93;
		big[k++] = 0x02;
		big[k++] = 0xc4;
		big[k++] = 0x10;
		memset(big + k, 0, 16);
		k += 16;
		big[k++] = 0xc5;
		big[k++] = (uint8_t)((PEX_HAVE_MAX + 1) * 4 >> 8);
		big[k++] = (uint8_t)((PEX_HAVE_MAX + 1) * 4);
		memset(big + k, 9, (PEX_HAVE_MAX + 1) * 4);
		k += (PEX_HAVE_MAX + 1) * 4;
		CHECK_EQ(pex_msg_decode(big, k, &m), PEX_MSG_COUNT);
		CHECK(m.type == 0 && m.ndigests == 0 && m.digests == NULL);
	}
}

/* Several values, the limits of the encoder, and its size estimate. */
static void
test_pack(void)
{
	uint8_t v[PEX_MAX_VALUES + 1][RECORD_MAX_VALUE], out[PEX_MAX_MSG];
	const uint8_t *vals[PEX_MAX_VALUES + 1];
	size_t lens[PEX_MAX_VALUES + 1];
	struct pex_msg m;
	unsigned i;
	int n;

	for (i = 0; i <= PEX_MAX_VALUES; i++) {
		memset(v[i], (int)i + 1, sizeof(v[i]));
		vals[i] = v[i];
		lens[i] = 140;		/* a small record */
	}
	n = pex_msg_encode(7, vals, lens, PEX_MAX_VALUES, out, sizeof(out));
	CHECK(n > 0 && (size_t)n <= pex_msg_size(lens, PEX_MAX_VALUES));
	CHECK_EQ(pex_msg_decode(out, (size_t)n, &m), PEX_MSG_OK);
	CHECK_EQ(m.n, PEX_MAX_VALUES);
	for (i = 0; i < PEX_MAX_VALUES; i++)
		CHECK(m.len[i] == 140 && memcmp(m.value[i], v[i], 140) == 0);
	/* Not 0, not more than PEX_MAX_VALUES, no empty or oversized value, no overflow. */
	CHECK_EQ(pex_msg_encode(7, vals, lens, 0, out, sizeof(out)), -1);
	CHECK_EQ(pex_msg_encode(7, vals, lens, PEX_MAX_VALUES + 1, out, sizeof(out)), -1);
	lens[0] = 0;
	CHECK_EQ(pex_msg_encode(7, vals, lens, 1, out, sizeof(out)), -1);
	lens[0] = RECORD_MAX_VALUE + 1;
	CHECK_EQ(pex_msg_encode(7, vals, lens, 1, out, sizeof(out)), -1);
	lens[0] = lens[1] = lens[2] = RECORD_MAX_VALUE;
	CHECK(pex_msg_encode(7, vals, lens, 2, out, sizeof(out)) > 0);	/* two of the largest fit */
	CHECK(pex_msg_size(lens, 3) > PEX_MAX_MSG);
	CHECK_EQ(pex_msg_encode(7, vals, lens, 3, out, sizeof(out)), -1);
	CHECK_EQ(pex_msg_encode(7, vals, lens, 2, out, 100), -1);
}

struct bad {
	const char *hex;
	enum pex_msg_error want;
};

static void
test_drops(void)
{
	static const struct bad cases[] = {
		{ "", PEX_MSG_SHAPE },
		{ "c0", PEX_MSG_SHAPE },				/* nil */
		{ "90", PEX_MSG_SHAPE },				/* [] */
		{ "91a131", PEX_MSG_SHAPE },				/* ["1"] */
		{ "9103", PEX_MSG_TYPE },				/* [3]: a later type */
		{ "93030102", PEX_MSG_TYPE },
		/* HAVE */
		{ "9102", PEX_MSG_SHAPE },				/* [2] */
		{ "9302c410000102030405060708090a0b0c0d0e0f", PEX_MSG_SHAPE },	/* no digests */
		{ "9302c40f000102030405060708090a0b0c0d0ec400", PEX_MSG_SHAPE },	/* salt 15 */
		{ "9302c410000102030405060708090a0b0c0d0e0fc403010203", PEX_MSG_SHAPE },	/* 3 bytes */
		{ "9302a3616263c400", PEX_MSG_SHAPE },			/* salt a str */
		{ "9302c410000102030405060708090a0b0c0d0e0f90", PEX_MSG_SHAPE },	/* an array */
		{ "9302c410000102030405060708090a0b0c0d0e0fc40000", PEX_MSG_SHAPE },	/* trailing */
		{ "9402c410000102030405060708090a0b0c0d0e0fc40000", PEX_MSG_SHAPE },	/* four */
		{ "920101", PEX_MSG_SHAPE },				/* [1, 1] */
		{ "9401019101c0", PEX_MSG_SHAPE },			/* four elements */
		{ "930101c0", PEX_MSG_SHAPE },				/* values not an array */
		{ "9301c39191c40101", PEX_MSG_SHAPE },			/* epoch a bool */
		{ "93010190", PEX_MSG_COUNT },				/* no value */
		{ "930101"
		  "99c40101c40101c40101c40101c40101c40101c40101c40101c40101", PEX_MSG_COUNT },
		{ "93010191c400", PEX_MSG_VALUE },			/* empty */
		{ "93010191a3616263", PEX_MSG_SHAPE },			/* str, not bin */
		{ "93010191c40301", PEX_MSG_SHAPE },			/* truncated */
		{ "93010191c4010100", PEX_MSG_SHAPE },			/* trailing byte */
		{ "93010191c5ffff", PEX_MSG_SHAPE },			/* length past the end */
		{ "93010192c40101c0", PEX_MSG_SHAPE },			/* second value nil */
	};
	uint8_t buf[PEX_MAX_MSG + 2];
	struct pex_msg m;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum pex_msg_error e;

		n = unhex(cases[i].hex, buf, sizeof(buf));
		e = pex_msg_decode(buf, n, &m);
		CHECK_MSG(e == cases[i].want, "case %zu (%s): %s, want %s", i, cases[i].hex,
		    pex_msg_error_name(e), pex_msg_error_name(cases[i].want));
		CHECK(m.n == 0 && m.type == 0 && m.ndigests == 0);
	}
	/* A value of 601 bytes, and a message over PEX_MAX_MSG. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "\x93\x01\x01\x91\xc5\x02\x59", 7);	/* bin 16 of 601 */
	CHECK_EQ(pex_msg_decode(buf, 7 + 601, &m), PEX_MSG_VALUE);
	CHECK_EQ(pex_msg_decode(buf, PEX_MAX_MSG + 1, &m), PEX_MSG_SIZE);
	CHECK_STR(pex_msg_error_name(PEX_MSG_COUNT), "count");
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_vector();
	test_have();
	test_pack();
	test_drops();
	return check_exit("test_pex");
}
