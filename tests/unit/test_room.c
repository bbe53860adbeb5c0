/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_room.c — dht/room/room.c: derivation vectors, room string validation,
 * epochs and publish-ahead.
 *
 * The vectors (also in doc/PROTOCOL.md "Room keys") were checked against two
 * implementations that share no code with libsodium's BLAKE2b wrapper or with
 * this file: the reference `argon2` CLI (Debian package argon2) for
 * room_secret, and Python's hashlib.blake2b(digest_size=, key=) for the salt,
 * the four subkeys and the infohashes (script in doc/PROTOCOL.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "dht/room/room.h"
#include "tests/check.h"

static int
hex_eq(const uint8_t *p, size_t len, const char *hex)
{
	char buf[2 * 64 + 1];

	if (strlen(hex) != 2 * len || len > 64)
		return 0;
	sodium_bin2hex(buf, sizeof(buf), p, len);
	if (strcmp(buf, hex) != 0) {
		fprintf(stderr, "  got  %s\n  want %s\n", buf, hex);
		return 0;
	}
	return 1;
}

struct vector {
	const char *room;
	const char *secret, *locator, *record, *psk, *probe;
	const char *ih_493000, *ih_493001;
};

static const struct vector vectors[] = {
	{
		"lobby/room/key",
		"f6a280a03de38003910a51e4d834b177d504488186af4d58b47e3d97d7a748b8",
		"612c07075d63a78b3f5490b85964fecb9c4ea9db9e08b566cf891e43e0f9efae",
		"7c62e4c5b2b0b71407f988d9f2082cee741a22ee63401f69292372d280921b2e",
		"e1bbcd9f57c1ec83e23ac78f9107f7f5a5d5a0e614f3d0b3e2944fd452a32895",
		"f22bf1f4004578a7a7f9de9f2b9e92153d9f5fb37dcf8b0ddfb9cdee3c3c4735",
		"d822632a1634d749a4cda1b6b1c165593989cc4e",
		"2711b797d309e1578b62f2f9aec23a2733faaeed",
	},
	{
		"caf\xc3\xa9 \xe2\x98\x95 \xe9\x83\xa8\xe5\xb1\x8b",	/* "café ☕ 部屋" */
		"d3d84ab36d2be4dc8718f9d1948ac6ed41fd24ef8c4b4ddeb782cba7bc13e474",
		"75f2b46569544cc983ca3915e5c95bf53076f310aae96e5950ad0d764b4d2eab",
		"5d73da19a0d7e274f2bd962dfc8e9395f1499117ade232c4be857130a98c6e18",
		"691d19512da07511ffd76295167ea87bc9b9aac9f1d6a63a58d06a6d207c27bf",
		"2413f5b7b3d79ce0f45a9e74393e7e51071e947842ec5a85b670cd3365303f3b",
		"3a54b14ba0b32530f43a2665fc56b0c9959c2edd",
		"dcb6c45a02a8eab81ba59a2ba3cc91b933600386",
	},
};

static void
test_salt(void)
{
	uint8_t salt[16];
	static const char in[] = "gonet room salt v1";

	crypto_generichash(salt, sizeof(salt), (const uint8_t *)in, sizeof(in) - 1, NULL, 0);
	CHECK(hex_eq(salt, sizeof(salt), "5c169e814b3a67e16cc54407f06c2e90"));
}

static void
test_vectors(void)
{
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		struct room_keys k, k2;
		uint8_t secret[ROOM_KEY_LEN], ih[ROOM_INFOHASH_LEN];

		CHECK(room_secret(v->room, strlen(v->room), secret) == ROOM_OK);
		CHECK(hex_eq(secret, sizeof(secret), v->secret));
		CHECK(room_derive(v->room, strlen(v->room), &k) == ROOM_OK);
		CHECK(hex_eq(k.locator, 32, v->locator));
		CHECK(hex_eq(k.record, 32, v->record));
		CHECK(hex_eq(k.psk, 32, v->psk));
		CHECK(hex_eq(k.probe, 32, v->probe));
		room_keys_from_secret(secret, &k2);
		CHECK(memcmp(&k, &k2, sizeof(k)) == 0);
		room_infohash(&k, 493000, ih);
		CHECK(hex_eq(ih, sizeof(ih), v->ih_493000));
		room_infohash(&k, 493001, ih);
		CHECK(hex_eq(ih, sizeof(ih), v->ih_493001));
		room_keys_wipe(&k);
		CHECK(sodium_is_zero((const uint8_t *)&k, sizeof(k)));
		sodium_memzero(secret, sizeof(secret));
	}
}

static void
test_derive_failure_wipes(void)
{
	struct room_keys k;

	memset(&k, 0xaa, sizeof(k));
	CHECK(room_derive("a\nb", 3, &k) == ROOM_CONTROL);
	CHECK(sodium_is_zero((const uint8_t *)&k, sizeof(k)));
}

struct vcase {
	const char *s;
	size_t len;			/* 0: strlen */
	enum room_error want;
};

static void
test_validate(void)
{
	char big[ROOM_MAX_LEN + 2];
	static const struct vcase cases[] = {
		{ "lobby/room/key", 0, ROOM_OK },
		{ "x", 0, ROOM_OK },
		{ "", 0, ROOM_EMPTY },
		{ "tab\there", 0, ROOM_CONTROL },
		{ "nul\0inside", 10, ROOM_CONTROL },
		{ "esc\x1b[31m", 0, ROOM_CONTROL },
		{ "del\x7f", 0, ROOM_CONTROL },
		{ "c1\xc2\x80", 0, ROOM_CONTROL },		/* U+0080 */
		{ "c1\xc2\x9f", 0, ROOM_CONTROL },		/* U+009F */
		{ "nbsp\xc2\xa0", 0, ROOM_OK },			/* U+00A0: not a control */
		{ "\xf4\x8f\xbf\xbf", 0, ROOM_OK },		/* U+10FFFF */
		{ "\xef\xbf\xbe", 0, ROOM_OK },			/* U+FFFE: noncharacter, fine */
		{ "\xc0\xaf", 0, ROOM_BAD_UTF8 },		/* overlong '/' */
		{ "\xc1\xbf", 0, ROOM_BAD_UTF8 },		/* overlong */
		{ "\xe0\x80\xaf", 0, ROOM_BAD_UTF8 },		/* overlong, 3 bytes */
		{ "\xf0\x80\x80\xaf", 0, ROOM_BAD_UTF8 },	/* overlong, 4 bytes */
		{ "\xed\xa0\x80", 0, ROOM_BAD_UTF8 },		/* U+D800 surrogate */
		{ "\xed\xbf\xbf", 0, ROOM_BAD_UTF8 },		/* U+DFFF surrogate */
		{ "\xf4\x90\x80\x80", 0, ROOM_BAD_UTF8 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 0, ROOM_BAD_UTF8 },
		{ "\xff", 0, ROOM_BAD_UTF8 },
		{ "\x80", 0, ROOM_BAD_UTF8 },			/* lone continuation */
		{ "ab\xe2\x98", 0, ROOM_BAD_UTF8 },		/* truncated */
		{ "\xe2\x28\xa1", 0, ROOM_BAD_UTF8 },		/* bad continuation */
		{ "\x01\xff", 0, ROOM_BAD_UTF8 },		/* bad UTF-8 wins over control */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].s);
		enum room_error got = room_validate(cases[i].s, len);

		if (got != cases[i].want)
			fprintf(stderr, "  case %zu: got %d (%s)\n", i, got, room_strerror(got));
		CHECK(got == cases[i].want);
	}
	CHECK(room_validate(NULL, 0) == ROOM_EMPTY);
	memset(big, 'a', sizeof(big));
	CHECK(room_validate(big, ROOM_MAX_LEN) == ROOM_OK);
	CHECK(room_validate(big, ROOM_MAX_LEN + 1) == ROOM_TOO_LONG);
	CHECK(strcmp(room_strerror(ROOM_CONTROL), "room string contains a control character") == 0);
	CHECK(strstr(room_strerror(ROOM_TOO_LONG), "256") != NULL);
}

static void
test_epochs(void)
{
	uint64_t e[2];
	const uint64_t k = 493000, base = k * 3600;

	CHECK(room_epoch(0) == 0);
	CHECK(room_epoch(3599) == 0);
	CHECK(room_epoch(3600) == 1);
	CHECK(room_epoch(base) == k);

	/* First second of the epoch and just before the publish-ahead window. */
	CHECK(room_publish_epochs(base, e) == 1 && e[0] == k);
	CHECK(room_publish_epochs(base + 2999, e) == 1 && e[0] == k);
	/* The last 600 s: 3000..3599 also publish under e+1. */
	CHECK(room_publish_epochs(base + 3000, e) == 2 && e[0] == k && e[1] == k + 1);
	CHECK(room_publish_epochs(base + 3599, e) == 2 && e[0] == k && e[1] == k + 1);
	/* 3600 is the next epoch's first second. */
	CHECK(room_publish_epochs(base + 3600, e) == 1 && e[0] == k + 1);
	CHECK(room_publish_epochs(3599, e) == 2 && e[0] == 0 && e[1] == 1);
	CHECK(room_publish_epochs(3600, e) == 1 && e[0] == 1);

	room_listen_epochs(base + 3599, e);
	CHECK(e[0] == k && e[1] == k + 1);
	room_listen_epochs(base + 3600, e);
	CHECK(e[0] == k + 1 && e[1] == k + 2);

	/* DHT listens: e+1 only in the last ROOM_LISTEN_AHEAD (660) s. */
	CHECK(room_dht_listen_epochs(base, e) == 1 && e[0] == k);
	CHECK(room_dht_listen_epochs(base + 2939, e) == 1 && e[0] == k);
	CHECK(room_dht_listen_epochs(base + 2940, e) == 2 && e[0] == k && e[1] == k + 1);
	CHECK(room_dht_listen_epochs(base + 3599, e) == 2 && e[0] == k && e[1] == k + 1);
	CHECK(room_dht_listen_epochs(base + 3600, e) == 1 && e[0] == k + 1);
}

static int
contains(const uint64_t *set, int n, uint64_t x)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i] == x)
			return 1;
	return 0;
}

/*
 * Two peers whose clocks differ by up to 5 minutes must each listen on an
 * epoch the other publishes under, at every instant around a boundary.
 */
static void
test_skewed_clocks(void)
{
	const uint64_t boundary = 493001ull * 3600;
	uint64_t t, skew, pa[2], pb[2], la[2], lb[2];
	int na, nb, bad = 0;

	for (t = boundary - 1200; t <= boundary + 1200; t++) {
		for (skew = 0; skew <= 300; skew += 50) {
			uint64_t a = t, b = t + skew;	/* b's clock is ahead */

			na = room_publish_epochs(a, pa);
			nb = room_publish_epochs(b, pb);
			room_listen_epochs(a, la);
			room_listen_epochs(b, lb);
			/* b hears a, a hears b */
			if (!(contains(lb, 2, pa[0]) || (na == 2 && contains(lb, 2, pa[1]))) ||
			    !(contains(la, 2, pb[0]) || (nb == 2 && contains(la, 2, pb[1]))))
				bad++;
		}
	}
	CHECK(bad == 0);

	/* The named case: A at boundary - 150 s, B at boundary + 150 s. */
	na = room_publish_epochs(boundary - 150, pa);
	room_listen_epochs(boundary + 150, lb);
	CHECK(na == 2 && pa[1] == 493001 && contains(lb, 2, pa[1]));
	nb = room_publish_epochs(boundary + 150, pb);
	room_listen_epochs(boundary - 150, la);
	CHECK(nb == 1 && pb[0] == 493001 && contains(la, 2, pb[0]));
}

/*
 * The same for the DHT listens kept (room_dht_listen_epochs: e+1 only near
 * the boundary), with skews up to the 600 s doc/PROTOCOL.md promises.
 */
static void
test_skewed_clocks_dht(void)
{
	const uint64_t boundary = 493001ull * 3600;
	uint64_t t, skew, pa[2], pb[2], la[2], lb[2];
	int na, nb, ma, mb, bad = 0;

	for (t = boundary - 1500; t <= boundary + 1500; t++) {
		for (skew = 0; skew <= 600; skew += 25) {
			uint64_t a = t, b = t + skew;	/* b's clock is ahead */

			na = room_publish_epochs(a, pa);
			nb = room_publish_epochs(b, pb);
			ma = room_dht_listen_epochs(a, la);
			mb = room_dht_listen_epochs(b, lb);
			if (!(contains(lb, mb, pa[0]) || (na == 2 && contains(lb, mb, pa[1]))) ||
			    !(contains(la, ma, pb[0]) || (nb == 2 && contains(la, ma, pb[1]))))
				bad++;
		}
	}
	CHECK(bad == 0);

	/* A 600 s behind B, B just past the boundary: A listens on e+1 already. */
	nb = room_publish_epochs(boundary + 10, pb);
	ma = room_dht_listen_epochs(boundary - 590, la);
	CHECK(nb == 1 && ma == 2 && contains(la, ma, pb[0]));
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_salt();
	test_vectors();
	test_derive_failure_wipes();
	test_validate();
	test_epochs();
	test_skewed_clocks();
	test_skewed_clocks_dht();
	return check_exit("test_room");
}
