/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_stun.c — the STUN Binding client (tunnel/nat/stun.h) and the STUN
 * codec under it (tunnel/nat/stun_msg.h): RFC 5769 sample messages and their
 * MESSAGE-INTEGRITY, paranoid parsing, what counts after MESSAGE-INTEGRITY,
 * the retransmission schedule on a fake clock, and the several-servers
 * client.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/stun.h"
#include "tests/check.h"

static size_t
unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t n = 0;
	unsigned v;

	for (; *hex != '\0'; ) {
		if (*hex == ' ' || *hex == '\n') {
			hex++;
			continue;
		}
		if (n >= max || sscanf(hex, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* RFC 5769 section 2.1: Sample Request (short-term credentials). */
static const char rfc5769_request[] =
    "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
    "00 24 00 04 6e 00 01 ff"
    "80 29 00 08 93 2f f9 b1 51 26 3b 36"
    "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
    "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
    "80 28 00 04 e5 7a 3b cf";

/* RFC 5769 section 2.2: Sample IPv4 Response, XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
static const char rfc5769_v4[] =
    "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 08 00 01 a1 47 e1 12 a6 43"
    "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
    "80 28 00 04 c0 7d 4c 96";

/* RFC 5769 section 2.3: Sample IPv6 Response, [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
static const char rfc5769_v6[] =
    "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
    "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
    "80 28 00 04 c8 fb 0b 4c";

/* RFC 5769 section 2: the short-term password of samples 2.1 to 2.3 (the MESSAGE-INTEGRITY key). */
static const char rfc5769_password[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const uint8_t rfc_txid[12] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae
};

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute FINGERPRINT at the end of a message we edited. */
static void
refinger(uint8_t *m, size_t len)
{
	uint32_t fp = stun_crc32(m, len - 8) ^ STUN_FINGERPRINT_XOR;

	m[len - 4] = (uint8_t)(fp >> 24);
	m[len - 3] = (uint8_t)(fp >> 16);
	m[len - 2] = (uint8_t)(fp >> 8);
	m[len - 1] = (uint8_t)fp;
}

static void
test_rfc5769(void)
{
	uint8_t m[256];
	struct stun_response r;
	struct endpoint want;
	uint8_t a4[4] = { 192, 0, 2, 1 }, a6[16];
	size_t n;

	CHECK(stun_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);

	/* 2.1: we only send requests, but its FINGERPRINT checks our CRC. */
	n = unhex(m, sizeof(m), rfc5769_request);
	CHECK(n == 108);
	CHECK((stun_crc32(m, n - 8) ^ STUN_FINGERPRINT_XOR) == 0xe57a3bcfu);
	CHECK(stun_parse_response(m, n, NULL, &r) == STUN_ERR_TYPE);

	n = unhex(m, sizeof(m), rfc5769_v4);
	CHECK(n == 80);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK);
	endpoint_set(&want, ENDPOINT_V4, a4, 32853);
	CHECK(r.have_mapped && r.mapped_xor && endpoint_equal(&r.mapped, &want));
	CHECK(r.fingerprint == 1 && r.integrity == 1 && r.error_code == 0);
	CHECK(r.type == STUN_BINDING_SUCCESS && memcmp(r.txid, rfc_txid, 12) == 0);
	CHECK(stun_parse_response(m, n, NULL, &r) == STUN_OK);

	n = unhex(m, sizeof(m), rfc5769_v6);
	CHECK(n == 92);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK);
	CHECK(inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", a6) == 1);
	endpoint_set(&want, ENDPOINT_V6, a6, 32853);
	CHECK(r.have_mapped && r.mapped_xor && endpoint_equal(&r.mapped, &want));
	CHECK(r.fingerprint == 1);
}

/* The samples' MESSAGE-INTEGRITY (HMAC-SHA1 over the message) verifies through the codec. */
static void
test_rfc5769_integrity(void)
{
	static const char *const samples[] = { rfc5769_request, rfc5769_v4, rfc5769_v6 };
	const uint8_t *pw = (const uint8_t *)rfc5769_password;
	size_t pwlen = strlen(rfc5769_password), n, i;
	struct stun_msg sm;
	uint8_t m[256];

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		n = unhex(m, sizeof(m), samples[i]);
		CHECK(stun_msg_header(&sm, m, n) == STUN_MSG_OK);
		CHECK(memcmp(sm.txid, rfc_txid, 12) == 0);
		CHECK(stun_msg_attrs(&sm, NULL, 0) == STUN_MSG_OK);
		/* MESSAGE-INTEGRITY, then FINGERPRINT, ends every sample. */
		CHECK(sm.integrity_off == n - 32 && sm.fingerprint == 1);
		CHECK(stun_msg_check_integrity(m, n, sm.integrity_off, pw, pwlen) == 1);
		/* The wrong password, or one flipped bit before the MAC, fails. */
		CHECK(stun_msg_check_integrity(m, n, sm.integrity_off, pw, pwlen - 1) == 0);
		m[25] ^= 1;
		CHECK(stun_msg_check_integrity(m, n, sm.integrity_off, pw, pwlen) == 0);
		m[25] ^= 1;
		/* Only at a MESSAGE-INTEGRITY attribute, and only when it fits. */
		CHECK(stun_msg_check_integrity(m, n, sm.integrity_off - 4, pw, pwlen) == 0);
		CHECK(stun_msg_check_integrity(m, sm.integrity_off + 23, sm.integrity_off, pw, pwlen) == 0);
	}
	/* 2.1 carries PRIORITY (0x0024, ICE), comprehension-required and unknown to us. */
	n = unhex(m, sizeof(m), rfc5769_request);
	CHECK(stun_msg_header(&sm, m, n) == STUN_MSG_OK && stun_msg_attrs(&sm, NULL, 0) == STUN_MSG_OK);
	CHECK(sm.cls == STUN_CLASS_REQUEST && sm.method == STUN_METHOD_BINDING);
	CHECK(sm.n_unknown == 1 && sm.unknown[0] == 0x0024);
	CHECK(stun_msg_attr(&sm, STUN_ATTR_USERNAME) != NULL && stun_msg_attr(&sm, STUN_ATTR_USERNAME)->len == 9);
}

static void
test_malformed(void)
{
	uint8_t orig[128], m[128];
	uint8_t other_txid[12];
	struct stun_response r;
	size_t n, i;

	n = unhex(orig, sizeof(orig), rfc5769_v4);
	memcpy(other_txid, rfc_txid, 12);
	other_txid[11] ^= 1;

	/* Every truncation fails, and never as OK. */
	for (i = 0; i < n; i++) {
		enum stun_err e = stun_parse_response(orig, i, rfc_txid, &r);

		CHECK(e != STUN_OK);
		if (i < STUN_HEADER_LEN)
			CHECK(e == STUN_ERR_SHORT);
		else
			CHECK(e == STUN_ERR_LENGTH);
	}
	/* Truncation with the length field fixed up: an attribute runs past the end. */
	memcpy(m, orig, n);
	put16(m + 2, 0x3c - 4);
	CHECK(stun_parse_response(m, n - 4, rfc_txid, &r) == STUN_ERR_ATTR);
	/* Length not a multiple of 4. */
	memcpy(m, orig, n);
	put16(m + 2, 0x3b);
	CHECK(stun_parse_response(m, n - 1, rfc_txid, &r) == STUN_ERR_LENGTH);
	/* Trailing byte after the message. */
	memcpy(m, orig, n);
	m[n] = 0;
	CHECK(stun_parse_response(m, n + 1, rfc_txid, &r) == STUN_ERR_LENGTH);
	/* Cookie, top bits. */
	memcpy(m, orig, n);
	m[4] ^= 1;
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_NOT_STUN);
	memcpy(m, orig, n);
	m[0] |= 0x40;
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_NOT_STUN);
	/* Wrong type: a request, an indication. */
	memcpy(m, orig, n);
	put16(m, STUN_BINDING_INDICATION);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_TYPE);
	/* Wrong transaction id. */
	CHECK(stun_parse_response(orig, n, other_txid, &r) == STUN_ERR_TXID);
	/* FINGERPRINT off by one bit. */
	memcpy(m, orig, n);
	m[n - 1] ^= 1;
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_FINGERPRINT);
	/* Any byte changed under FINGERPRINT is caught (MESSAGE-INTEGRITY is not checked). */
	memcpy(m, orig, n);
	m[60] ^= 0x80;
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_FINGERPRINT);
	/* XOR-MAPPED-ADDRESS with a bad family or length. */
	memcpy(m, orig, n);
	m[41] = 3;
	refinger(m, n);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ADDRESS);
	memcpy(m, orig, n);
	m[41] = STUN_FAMILY_V6;		/* IPv6 family in an 8-byte value */
	refinger(m, n);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ADDRESS);
	/* An attribute after FINGERPRINT. */
	memcpy(m, orig, n);
	put16(m + 2, 0x3c + 4);
	put16(m + n, 0x8022);
	put16(m + n + 2, 0);
	CHECK(stun_parse_response(m, n + 4, rfc_txid, &r) == STUN_ERR_FINGERPRINT);
	refinger(m, n);		/* now a valid FINGERPRINT followed by SOFTWARE */
	CHECK(stun_parse_response(m, n + 4, rfc_txid, &r) == STUN_ERR_ATTR);
}

/* Build a response by hand: header + attributes given as hex, no FINGERPRINT. */
static size_t
make_response(uint8_t *m, size_t max, unsigned type, const uint8_t txid[12], const char *attrs_hex)
{
	size_t n = unhex(m + 20, max - 20, attrs_hex);

	put16(m, type);
	put16(m + 2, (unsigned)n);
	m[4] = 0x21;
	m[5] = 0x12;
	m[6] = 0xA4;
	m[7] = 0x42;
	memcpy(m + 8, txid, 12);
	return 20 + n;
}

static void
test_attributes(void)
{
	uint8_t m[256];
	struct stun_response r;
	uint8_t a[4] = { 192, 0, 2, 1 }, o[4] = { 198, 51, 100, 7 };
	struct endpoint want, other;
	size_t n;

	endpoint_set(&want, ENDPOINT_V4, a, 32853);
	endpoint_set(&other, ENDPOINT_V4, o, 3479);

	/* Fallback to MAPPED-ADDRESS (RFC 3489 servers). */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, "0001 0008 0001 8055 c0000201");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK);
	CHECK(r.have_mapped && !r.mapped_xor && endpoint_equal(&r.mapped, &want));
	CHECK(!r.fingerprint);
	/* XOR-MAPPED-ADDRESS wins over MAPPED-ADDRESS in either order. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "0001 0008 0001 0001 01010101  0020 0008 0001 a147 e112a643");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK);
	CHECK(r.mapped_xor && endpoint_equal(&r.mapped, &want));
	/* RFC 5780 OTHER-ADDRESS and RESPONSE-ORIGIN. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "0020 0008 0001 a147 e112a643  802c 0008 0001 0d97 c6336407  802b 0008 0001 0d96 c0000201");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK);
	CHECK(r.have_other && endpoint_equal(&r.other, &other));
	CHECK(r.have_origin && r.origin.port == 3478);
	/* Success without an address. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, "8022 0001 41000000");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_NO_ADDRESS);
	/* Unknown comprehension-required attribute: the transaction fails. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "0020 0008 0001 a147 e112a643  7777 0000");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_UNKNOWN_ATTR);
	CHECK(r.n_unknown == 1 && r.unknown[0] == 0x7777);
	/* Unknown comprehension-optional attribute: ignored (padding skipped). */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "ffff 0003 010203 00  0020 0008 0001 a147 e112a643");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK && endpoint_equal(&r.mapped, &want));
	/* Attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are ignored. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "0008 0014 0000000000000000000000000000000000000000  0020 0008 0001 a147 e112a643");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_NO_ADDRESS);
	/* Error response: 420 Unknown Attribute. */
	n = make_response(m, sizeof(m), STUN_BINDING_ERROR, rfc_txid,
	    "0009 0008 00000414 42616421  000a 0002 7777 0000");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ERROR_RESPONSE);
	CHECK(r.error_code == 420);
	/* Error response without ERROR-CODE, and with a bad class. */
	n = make_response(m, sizeof(m), STUN_BINDING_ERROR, rfc_txid, "");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ATTR);
	n = make_response(m, sizeof(m), STUN_BINDING_ERROR, rfc_txid, "0009 0004 00000714");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ATTR);
	/* Attribute length past the end, padding missing. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, "0020 0010 0001 a147 e112a643");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ATTR);
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "0020 0008 0001 a147 e112a643 8022 0001 41");
	CHECK(n % 4 != 0);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_LENGTH);
	/* Bad FINGERPRINT length. */
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid,
	    "0020 0008 0001 a147 e112a643 8028 0008 0000000000000000");
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_FINGERPRINT);
}

/*
 * RFC 8489 sections 14.5 and 14.6, applied by the one codec for STUN and
 * TURN alike: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and
 * FINGERPRINT count; after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT. What
 * counts is checked; anything else there is skipped unread.
 */
static void
test_integrity_order(void)
{
	static const char xma[] = "0020 0008 0001 a147 e112a643  ";
	static const char mi[] = "0008 0014 0000000000000000000000000000000000000000  ";
	static const char mi256[] = "001c 0020 0000000000000000000000000000000000000000000000000000000000000000  ";
	static const char mi256_short[] = "001c 000c 000000000000000000000000  ";
	static const char fp[] = "8028 0004 00000000";
	char hex[512];
	uint8_t m[256];
	struct stun_response r;
	struct stun_msg sm;
	size_t n;

	/* MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256, FINGERPRINT: all three count. */
	snprintf(hex, sizeof(hex), "%s%s%s%s", xma, mi, mi256, fp);
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	refinger(m, n);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK && r.integrity && r.fingerprint);
	CHECK(stun_msg_header(&sm, m, n) == STUN_MSG_OK && stun_msg_attrs(&sm, NULL, 0) == STUN_MSG_OK);
	CHECK(sm.integrity_off == 32 && sm.integrity_sha256_off == 56 && sm.fingerprint);
	/* So a MESSAGE-INTEGRITY-SHA256 after MESSAGE-INTEGRITY is checked: 12 bytes are too few. */
	snprintf(hex, sizeof(hex), "%s%s%s", xma, mi, mi256_short);
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_ATTR);
	CHECK(stun_msg_header(&sm, m, n) == STUN_MSG_OK && stun_msg_attrs(&sm, NULL, 0) == STUN_MSG_ATTR);
	/* After MESSAGE-INTEGRITY-SHA256, a MESSAGE-INTEGRITY (even a broken one) is ignored. */
	snprintf(hex, sizeof(hex), "%s%s%s", xma, mi256, "0008 0004 00000000");
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	CHECK(stun_msg_header(&sm, m, n) == STUN_MSG_OK && stun_msg_attrs(&sm, NULL, 0) == STUN_MSG_OK);
	CHECK(sm.integrity_off == 0 && sm.integrity_sha256_off == 32);
	/* ... and so is a second MESSAGE-INTEGRITY-SHA256. */
	snprintf(hex, sizeof(hex), "%s%s%s%s", xma, mi, mi256, mi256_short);
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK);
	/* Anything else after either is skipped unread: a broken address, an unknown attribute. */
	snprintf(hex, sizeof(hex), "%s%s%s", xma, mi, "0020 0008 0003 a147 e112a643  7777 0000");
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK && r.n_unknown == 0);
	snprintf(hex, sizeof(hex), "%s%s%s", xma, mi256, "0020 0008 0003 a147 e112a643  7777 0000");
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_OK && r.n_unknown == 0);
	/* FINGERPRINT still counts after both, and is still checked. */
	snprintf(hex, sizeof(hex), "%s%s%s%s", xma, mi, mi256, fp);
	n = make_response(m, sizeof(m), STUN_BINDING_SUCCESS, rfc_txid, hex);
	CHECK(stun_parse_response(m, n, rfc_txid, &r) == STUN_ERR_FINGERPRINT);
}

static void
test_request(void)
{
	uint8_t m[STUN_REQUEST_MAX], txid[12];
	struct stun_response r;
	size_t n;

	stun_txid_random(txid);
	n = stun_build_binding_request(m, sizeof(m), txid, 0, 0);
	CHECK(n == 20);
	CHECK(m[0] == 0 && m[1] == 1 && m[2] == 0 && m[3] == 0);
	CHECK(m[4] == 0x21 && m[5] == 0x12 && m[6] == 0xA4 && m[7] == 0x42);
	CHECK(memcmp(m + 8, txid, 12) == 0);
	n = stun_build_binding_request(m, sizeof(m), txid, STUN_CHANGE_IP | STUN_CHANGE_PORT, 1);
	CHECK(n == 36);
	CHECK(m[3] == 16);
	CHECK(m[20] == 0x00 && m[21] == 0x03 && m[22] == 0 && m[23] == 4);
	CHECK(m[24] == 0 && m[25] == 0 && m[26] == 0 && m[27] == 6);
	CHECK(m[28] == 0x80 && m[29] == 0x28);
	CHECK((stun_crc32(m, 28) ^ STUN_FINGERPRINT_XOR) ==
	    ((uint32_t)m[32] << 24 | (uint32_t)m[33] << 16 | (uint32_t)m[34] << 8 | m[35]));
	/* Turn our request into a response type: the parser verifies our FINGERPRINT. */
	m[1] = 0x01;
	m[0] = 0x01;
	{
		uint32_t fp = stun_crc32(m, 28) ^ STUN_FINGERPRINT_XOR;

		m[32] = (uint8_t)(fp >> 24);
		m[33] = (uint8_t)(fp >> 16);
		m[34] = (uint8_t)(fp >> 8);
		m[35] = (uint8_t)fp;
	}
	CHECK(stun_parse_response(m, n, txid, &r) == STUN_ERR_NO_ADDRESS);
	CHECK(r.fingerprint == 1);
	CHECK(stun_build_binding_request(m, 35, txid, 1, 1) == 0);
	CHECK(stun_build_binding_request(m, 19, txid, 0, 0) == 0);
}

static void
test_schedule(void)
{
	static const uint64_t sends[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	struct stun_txn t;
	struct stun_rto_config cfg;
	uint64_t now = 1000000, d;
	unsigned i;

	/* RFC 8489 defaults: 7 sends, then 16 x RTO. */
	stun_txn_start(&t, NULL, NULL, now);
	for (i = 0; i < 7; i++) {
		d = stun_txn_next_deadline(&t);
		CHECK(d == now + sends[i]);
		CHECK(stun_txn_on_timer(&t, d - 1) == STUN_ACT_NONE);
		CHECK(stun_txn_on_timer(&t, d) == STUN_ACT_SEND);
		CHECK(stun_txn_on_timer(&t, d) == STUN_ACT_NONE);
	}
	CHECK(t.sent == 7);
	CHECK(stun_txn_next_deadline(&t) == now + 39500);
	CHECK(stun_txn_on_timer(&t, now + 39499) == STUN_ACT_NONE);
	CHECK(stun_txn_on_timer(&t, now + 39500) == STUN_ACT_TIMEOUT);
	CHECK(t.state == STUN_TXN_TIMEOUT && stun_txn_next_deadline(&t) == UINT64_MAX);
	CHECK(stun_txn_on_timer(&t, now + 50000) == STUN_ACT_NONE);

	/* A budget of 2 s: sends at 0, 500, 1500, timeout at 2000. */
	stun_rto_config_default(&cfg);
	cfg.budget_ms = 2000;
	stun_txn_start(&t, &cfg, NULL, 0);
	CHECK(stun_txn_on_timer(&t, 0) == STUN_ACT_SEND);
	CHECK(stun_txn_on_timer(&t, 500) == STUN_ACT_SEND);
	CHECK(stun_txn_on_timer(&t, 1500) == STUN_ACT_SEND);
	CHECK(stun_txn_next_deadline(&t) == 2000);
	CHECK(stun_txn_on_timer(&t, 2000) == STUN_ACT_TIMEOUT);

	/* Short schedule: RTO 100, Rc 3, Rm 4: 0, 100, 300, timeout at 700. */
	cfg.rto_ms = 100;
	cfg.rc = 3;
	cfg.rm = 4;
	cfg.budget_ms = 0;
	stun_txn_start(&t, &cfg, NULL, 0);
	CHECK(stun_txn_on_timer(&t, 0) == STUN_ACT_SEND);
	CHECK(stun_txn_next_deadline(&t) == 100);
	/* A late timer sends once and keeps to the schedule. */
	CHECK(stun_txn_on_timer(&t, 150) == STUN_ACT_SEND);
	CHECK(stun_txn_next_deadline(&t) == 300);
	CHECK(stun_txn_on_timer(&t, 300) == STUN_ACT_SEND);
	CHECK(stun_txn_next_deadline(&t) == 700);
	CHECK(stun_txn_on_timer(&t, 700) == STUN_ACT_TIMEOUT);

	/* A response ends it; RTT only without retransmission (Karn). */
	stun_txn_start(&t, &cfg, NULL, 0);
	CHECK(stun_txn_on_timer(&t, 0) == STUN_ACT_SEND);
	stun_txn_on_response(&t, 1, 42);
	CHECK(t.state == STUN_TXN_DONE && t.rtt_ms == 42);
	CHECK(stun_txn_next_deadline(&t) == UINT64_MAX);
	stun_txn_start(&t, &cfg, NULL, 0);
	stun_txn_on_timer(&t, 0);
	stun_txn_on_timer(&t, 100);
	stun_txn_on_response(&t, 1, 120);
	CHECK(t.state == STUN_TXN_DONE && t.rtt_ms == 0);
}

/* A fake network for the client: records what was sent. */
struct sent_log {
	unsigned n;
	struct endpoint to[32];
	uint8_t txid[32][12];
};

static int
log_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct sent_log *l = arg;

	if (l->n < 32 && len >= 20) {
		l->to[l->n] = *to;
		memcpy(l->txid[l->n], buf + 8, 12);
		l->n++;
	}
	return 0;
}

/* A success response from a server for txid, mapping to addr:port. */
static size_t
answer(uint8_t *m, const uint8_t txid[12], const uint8_t a[4], uint16_t port)
{
	char hex[64];
	uint16_t xp = port ^ 0x2112;

	snprintf(hex, sizeof(hex), "0020 0008 0001 %04x %02x%02x%02x%02x", xp,
	    a[0] ^ 0x21, a[1] ^ 0x12, a[2] ^ 0xA4, a[3] ^ 0x42);
	return make_response(m, 128, STUN_BINDING_SUCCESS, txid, hex);
}

static void
test_client(void)
{
	struct stun_client c;
	struct sent_log log;
	struct stun_send io = { log_send, &log };
	struct stun_rto_config cfg = { 100, 3, 4, 0 };
	struct endpoint s[3], got, list[4], loop;
	uint8_t m[128];
	uint8_t sa[3][4] = { { 192, 0, 2, 10 }, { 192, 0, 2, 20 }, { 192, 0, 2, 30 } };
	uint8_t pub[4] = { 203, 0, 113, 5 }, pub2[4] = { 203, 0, 113, 6 }, lo[4] = { 127, 0, 0, 1 };
	size_t n;
	unsigned i;

	memset(&log, 0, sizeof(log));
	stun_client_init(&c, &cfg);
	for (i = 0; i < 3; i++) {
		endpoint_set(&s[i], ENDPOINT_V4, sa[i], 3478);
		CHECK(stun_client_add_server(&c, &s[i]) == (int)i);
	}
	CHECK(stun_client_add_server(&c, &s[1]) == 1);		/* duplicate */
	endpoint_set(&loop, ENDPOINT_V4, lo, 0);
	CHECK(stun_client_add_server(&c, &loop) == -1);		/* port 0 */
	CHECK(stun_client_result(&c, &got) == STUN_RESULT_FAILED);	/* not started */

	stun_client_start(&c, 0);
	CHECK(stun_client_next_deadline(&c) == 0);
	CHECK(stun_client_on_timer(&c, 0, &io) == 3);
	CHECK(log.n == 3 && endpoint_equal(&log.to[2], &s[2]));
	CHECK(stun_client_next_deadline(&c) == 100);
	CHECK(stun_client_result(&c, NULL) == STUN_RESULT_PENDING);

	/* A response with an unknown id, then one from the wrong source. */
	n = answer(m, log.txid[0], pub, 40000);
	m[19] ^= 1;
	CHECK(stun_client_input(&c, &s[0], m, n, 10) == STUN_ERR_TXID);
	m[19] ^= 1;
	CHECK(stun_client_input(&c, &s[1], m, n, 10) == STUN_ERR_SOURCE);
	CHECK(c.dropped[STUN_ERR_TXID] == 1 && c.dropped[STUN_ERR_SOURCE] == 1);
	/* Server 0 answers. */
	CHECK(stun_client_input(&c, &s[0], m, n, 20) == STUN_OK);
	CHECK(stun_client_result(&c, &got) == STUN_RESULT_MAPPED);
	CHECK(got.port == 40000 && memcmp(got.addr, pub, 4) == 0);
	CHECK(c.servers[0].txn.rtt_ms == 20);
	/* The duplicate is a stale id now. */
	CHECK(stun_client_input(&c, &s[0], m, n, 21) == STUN_ERR_TXID);
	/* Server 1 agrees. */
	n = answer(m, log.txid[1], pub, 40000);
	CHECK(stun_client_input(&c, &s[1], m, n, 30) == STUN_OK);
	CHECK(stun_client_result(&c, &got) == STUN_RESULT_AGREE);
	/* Server 2 maps us elsewhere: address-dependent mapping. */
	n = answer(m, log.txid[2], pub2, 40001);
	CHECK(stun_client_input(&c, &s[2], m, n, 40) == STUN_OK);
	CHECK(stun_client_result(&c, &got) == STUN_RESULT_DISAGREE);
	CHECK(got.port == 40000);
	CHECK(stun_client_mapped(&c, list, 4) == 2);
	CHECK(list[0].port == 40000 && list[1].port == 40001);
	CHECK(stun_client_next_deadline(&c) == UINT64_MAX);

	/* Restart: one server fails with an error, others time out. */
	memset(&log, 0, sizeof(log));
	stun_client_start(&c, 1000);
	CHECK(stun_client_on_timer(&c, 1000, &io) == 3);
	n = make_response(m, sizeof(m), STUN_BINDING_ERROR, log.txid[0], "0009 0004 0000051e");
	CHECK(stun_client_input(&c, &s[0], m, n, 1010) == STUN_ERR_ERROR_RESPONSE);
	CHECK(c.servers[0].txn.state == STUN_TXN_FAILED);
	/* A malformed answer does not end the transaction. */
	n = answer(m, log.txid[1], pub, 40000);
	m[25] = 9;	/* the family byte */
	CHECK(stun_client_input(&c, &s[1], m, n, 1010) == STUN_ERR_ADDRESS);
	CHECK(c.servers[1].txn.state == STUN_TXN_RUNNING);
	CHECK(stun_client_on_timer(&c, 1100, &io) == 2);
	CHECK(stun_client_on_timer(&c, 1300, &io) == 2);
	CHECK(stun_client_next_deadline(&c) == 1700);
	CHECK(stun_client_result(&c, NULL) == STUN_RESULT_PENDING);
	CHECK(stun_client_on_timer(&c, 1700, &io) == 0);
	CHECK(stun_client_result(&c, NULL) == STUN_RESULT_FAILED);
	CHECK(log.n == 7);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_rfc5769();
	test_rfc5769_integrity();
	test_malformed();
	test_attributes();
	test_integrity_order();
	test_request();
	test_schedule();
	test_client();
	return check_exit("test_stun");
}
