/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sha1md5.c — tunnel/turn/sha1md5.c against the published vectors: FIPS
 * 180 / RFC 3174 for SHA-1, RFC 1321 appendix A.5 for MD5, RFC 2202 for
 * HMAC-SHA1, plus split-update equivalence across block boundaries.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/turn/sha1md5.h"
#include "tests/check.h"

static int
hex_is(const uint8_t *b, size_t n, const char *hex)
{
	char s[2 * 64 + 1];

	if (2 * n >= sizeof(s))
		abort();
	sodium_bin2hex(s, sizeof(s), b, n);
	if (strcmp(s, hex) != 0) {
		fprintf(stderr, "  got  %s\n  want %s\n", s, hex);
		return 0;
	}
	return 1;
}

static void
test_sha1(void)
{
	static const struct {
		const char *msg;
		const char *hex;
	} v[] = {
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "The quick brown fox jumps over the lazy dog",
		  "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" },
	};
	uint8_t out[SHA1_LEN];
	struct sha1_ctx c;
	char *a;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1md5_sha1(out, v[i].msg, strlen(v[i].msg));
		CHECK(hex_is(out, sizeof(out), v[i].hex));
	}
	/* One million 'a', fed in uneven pieces. */
	a = malloc(1000000);
	memset(a, 'a', 1000000);
	sha1md5_sha1_init(&c);
	for (i = 0; i < 1000000; i += 997)
		sha1md5_sha1_update(&c, a + i, 1000000 - i < 997 ? 1000000 - i : 997);
	sha1md5_sha1_final(&c, out);
	CHECK(hex_is(out, sizeof(out), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
	free(a);
}

static void
test_md5(void)
{
	static const struct {
		const char *msg;
		const char *hex;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	uint8_t out[MD5_LEN], out2[MD5_LEN];
	struct md5_ctx c;
	size_t i, k, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha1md5_md5(out, v[i].msg, strlen(v[i].msg));
		CHECK(hex_is(out, sizeof(out), v[i].hex));
		/* Byte at a time gives the same digest. */
		n = strlen(v[i].msg);
		sha1md5_md5_init(&c);
		for (k = 0; k < n; k++)
			sha1md5_md5_update(&c, v[i].msg + k, 1);
		sha1md5_md5_final(&c, out2);
		CHECK(memcmp(out, out2, MD5_LEN) == 0);
	}
}

static void
test_hmac(void)
{
	uint8_t key[80], data[50], out[SHA1_LEN];
	const char *m;

	/* RFC 2202 section 3, cases 1, 2, 3, 6 and 7. */
	memset(key, 0x0b, 20);
	sha1md5_hmac_sha1(out, key, 20, "Hi There", 8);
	CHECK(hex_is(out, sizeof(out), "b617318655057264e28bc0b6fb378c8ef146be00"));
	m = "what do ya want for nothing?";
	sha1md5_hmac_sha1(out, (const uint8_t *)"Jefe", 4, m, strlen(m));
	CHECK(hex_is(out, sizeof(out), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	sha1md5_hmac_sha1(out, key, 20, data, 50);
	CHECK(hex_is(out, sizeof(out), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"));
	memset(key, 0xaa, 80);
	m = "Test Using Larger Than Block-Size Key - Hash Key First";
	sha1md5_hmac_sha1(out, key, 80, m, strlen(m));
	CHECK(hex_is(out, sizeof(out), "aa4ae5e15272d00e95705637ce8a3b55ed402112"));
	m = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
	sha1md5_hmac_sha1(out, key, 80, m, strlen(m));
	CHECK(hex_is(out, sizeof(out), "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"));
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_sha1();
	test_md5();
	test_hmac();
	return check_exit("test_sha1md5");
}
