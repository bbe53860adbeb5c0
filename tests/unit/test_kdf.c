/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_kdf.c — the hash layer (tunnel/wg/kdf.c) against published vectors:
 * RFC 7693 Appendix B (BLAKE2s-256("abc")), the BLAKE2 reference KAT
 * (blake2s-kat.txt: key 00..1f, input 00..n-1), and HMAC/KDF values computed
 * independently with Python's hmac + hashlib.blake2s.
 */
#include "config.h"

#include "tests/unit/wgtest.h"
#include <blake2.h>

#include "tunnel/wg/kdf.h"

static int
hex_eq(const uint8_t *got, const char *hex)
{
	size_t		 i, n = strlen(hex) / 2;
	unsigned	 b;

	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &b) != 1 || got[i] != b) {
			fprintf(stderr, "  mismatch at byte %zu\n", i);
			return 0;
		}
	}
	return 1;
}

int
main(void)
{
	uint8_t		 out[32], t1[32], t2[32], t3[32], key[100], in[255], mac[16];
	size_t		 i;

	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)i;

	/* RFC 7693, Appendix B. */
	wg_kdf_hash(out, "abc", 3);
	CHECK(hex_eq(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"));
	/* hash2 is hash of the concatenation. */
	wg_kdf_hash2(out, "a", 1, "bc", 2);
	CHECK(hex_eq(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"));
	/* Noise protocol name: WireGuard's initial chaining key. */
	wg_kdf_hash(out, "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s", 37);
	CHECK(hex_eq(out, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36"));

	/* blake2s-kat.txt, keyed: key 00..1f, in = 00..n-1; a keyed HMAC-free MAC at 32 bytes. */
	{
		blake2s_state st;

		blake2s_init_key(&st, 32, key, 32);
		blake2s_final(&st, out, 32);
		CHECK(hex_eq(out, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49"));
		blake2s_init_key(&st, 32, key, 32);
		blake2s_update(&st, in, 64);
		blake2s_final(&st, out, 32);
		CHECK(hex_eq(out, "8975b0577fd35566d750b362b0897a26c399136df07bababbde6203ff2954ed4"));
		blake2s_init_key(&st, 32, key, 32);
		blake2s_update(&st, in, 255);
		blake2s_final(&st, out, 32);
		CHECK(hex_eq(out, "3fb735061abc519dfe979e54c1ee5bfad0a9d858b3315bad34bde999efd724dd"));
	}

	/* MAC: keyed BLAKE2s with a 16-byte digest (digest size is in the parameter block). */
	memset(key, 'k', 16);
	wg_kdf_mac(mac, key, 16, "abc", 3);
	CHECK(hex_eq(mac, "c147470a6a51f99ac086eab2ffe4852e"));

	/* HMAC-BLAKE2s (Python: hmac.new(k, m, hashlib.blake2s)). */
	wg_kdf_hmac(out, (const uint8_t *)"key", 3,
	    "The quick brown fox jumps over the lazy dog", 43);
	CHECK(hex_eq(out, "f93215bb90d4af4c3061cd932fb169fb8bb8a91d0b4022baea1271e1323cd9a0"));
	/* A key longer than the 64-byte block is hashed first. */
	for (i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)i;
	wg_kdf_hmac(out, key, 100, "long key", 8);
	CHECK(hex_eq(out, "096d2dec44b647196383c466daf27592cf0c187793f83d1e9f8a19efc137d0d1"));

	/* KDF3(ck = 00..1f, "gonet"). */
	wg_kdf(t1, t2, t3, key, "gonet", 5);
	CHECK(hex_eq(t1, "e5b844cd2cd50d04ad41df6cd97cd65cab1142e3c28bd65e5171332312a4a2da"));
	CHECK(hex_eq(t2, "604923b6176d8e79fceb952685ede1377e0bd11ee8c1faba37325e78220382d8"));
	CHECK(hex_eq(t3, "648fb779a6b4344c75cb8a5909d2321d6abb68f287b0d1a0dad34498371ce707"));
	/* KDF1 and KDF2 are prefixes of KDF3; outputs may alias the key. */
	memset(out, 0, sizeof out);
	wg_kdf(out, NULL, NULL, key, "gonet", 5);
	CHECK(memcmp(out, t1, 32) == 0);
	memcpy(out, key, 32);
	wg_kdf(out, t2, NULL, out, "gonet", 5);
	CHECK(memcmp(out, t1, 32) == 0);
	CHECK(hex_eq(t2, "604923b6176d8e79fceb952685ede1377e0bd11ee8c1faba37325e78220382d8"));

	return check_exit("test_kdf");
}
