/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_turn.c — the TURN client (tunnel/turn/turn.h, turn_msg.h, turn_uri.h):
 * the RFC 5769 long-term credential sample, message round trips,
 * ChannelData edge cases, URI parsing, and the client on a fake clock
 * against a scripted server (tests/turnfake.h): the 401/438 dance,
 * integrity checks, refresh schedules, permissions, channels, the data
 * path, failures and deallocation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/turn/turn.h"
#include "tunnel/turn/turn_msg.h"
#include "tunnel/turn/turn_uri.h"
#include "tests/unit/turnfake.h"
#include "tests/check.h"

static size_t
unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t n = 0;
	unsigned v;

	while (*hex != '\0') {
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

static struct endpoint
ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct endpoint ep;
	uint8_t addr[4] = { a, b, c, d };

	endpoint_set(&ep, ENDPOINT_V4, addr, port);
	return ep;
}

/* RFC 5769 section 2.4: Sample Request with Long-Term Authentication. */
static const char rfc5769_lt[] =
    "00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
    "00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"
    "00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46"
    "53 54 76 79 36 34 73 41"
    "00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
    "00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";
static const char rfc5769_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
static const char rfc5769_nonce[] = "f//499k954d6OL34oL9FSTvy64sA";
/* Its long-term key, MD5(user ":" realm ":" password), computed independently (Python hashlib). */
static const uint8_t rfc5769_key[TURN_KEY_LEN] = {
	0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51, 0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda, 0xb2, 0xa9
};

static void
test_rfc5769_long_term(void)
{
	uint8_t msg[256], built[256], key[TURN_KEY_LEN];
	struct turn_auth auth;
	struct turn_request r;
	struct turn_msg m;
	size_t n, b;

	n = unhex(msg, sizeof(msg), rfc5769_lt);
	CHECK(n == 116);
	CHECK(turn_msg_parse(msg, n, &m) == TURN_MSG_OK);
	CHECK(m.method == TURN_METHOD_BINDING && m.cls == TURN_CLASS_REQUEST);
	CHECK(m.integrity_off == 92);
	CHECK(m.realm_len == 11 && memcmp(m.realm, "example.org", 11) == 0);
	CHECK(m.nonce_len == 28 && memcmp(m.nonce, rfc5769_nonce, 28) == 0);

	/* Key derivation (MD5 of user:realm:pass, "TheMatrIX" is its own SASLprep) and HMAC-SHA1. */
	CHECK(turn_auth_set(&auth, rfc5769_user, strlen(rfc5769_user), "TheMatrIX", 9,
	    (const uint8_t *)"example.org", 11, (const uint8_t *)rfc5769_nonce, 28) == 0);
	CHECK(memcmp(auth.key, rfc5769_key, TURN_KEY_LEN) == 0);
	fake_key(key, rfc5769_user, "example.org", "TheMatrIX");
	CHECK(memcmp(key, rfc5769_key, TURN_KEY_LEN) == 0);
	CHECK(turn_msg_check_integrity(msg, n, &m, auth.key) == 1);
	/* The wrong password, or one flipped bit anywhere before the MAC, fails. */
	fake_key(key, rfc5769_user, "example.org", "TheMatrix");
	CHECK(turn_msg_check_integrity(msg, n, &m, key) == 0);
	msg[30] ^= 1;
	CHECK(turn_msg_check_integrity(msg, n, &m, auth.key) == 0);
	msg[30] ^= 1;

	/* Our builder reproduces the sample byte for byte (same attribute order, zero padding). */
	memset(&r, 0, sizeof(r));
	r.method = TURN_METHOD_BINDING;
	r.cls = TURN_CLASS_REQUEST;
	r.txid = msg + 8;
	b = turn_msg_build(built, sizeof(built), &r, &auth);
	CHECK(b == n && memcmp(built, msg, n) == 0);
	/* Too small a buffer at every length: 0, never a partial message. */
	for (b = 0; b < n; b++)
		CHECK(turn_msg_build(built, b, &r, &auth) == 0);
	turn_auth_wipe(&auth);
	CHECK(auth.username_len == 0 && sodium_is_zero(auth.key, TURN_KEY_LEN));
}

static void
test_auth_limits(void)
{
	struct turn_auth a;
	char big[TURN_NONCE_MAX + 2];

	memset(big, 'x', sizeof(big));
	CHECK(turn_auth_set(&a, "u", 1, "p", 1, (const uint8_t *)"r", 1, (const uint8_t *)"n", 1) == 0);
	CHECK(turn_auth_set(&a, "", 0, "p", 1, (const uint8_t *)"r", 1, (const uint8_t *)"n", 1) == -1);
	CHECK(sodium_is_zero((const uint8_t *)&a, sizeof(a)));
	CHECK(turn_auth_set(&a, "u", 1, "p", 1, (const uint8_t *)"", 0, (const uint8_t *)"n", 1) == -1);
	CHECK(turn_auth_set(&a, "u", 1, "p", 1, (const uint8_t *)"r", 1, (const uint8_t *)"n", 0) == -1);
	CHECK(turn_auth_set(&a, "u", 1, "p", 1, (const uint8_t *)"r", 1, (const uint8_t *)big,
	    TURN_NONCE_MAX + 1) == -1);
	CHECK(turn_auth_set(&a, big, TURN_USERNAME_MAX + 1, "p", 1, (const uint8_t *)"r", 1,
	    (const uint8_t *)"n", 1) == -1);
	/* The largest legal credentials still fit TURN_CONTROL_MAX with every attribute. */
	CHECK(turn_auth_set(&a, big, TURN_USERNAME_MAX, "p", 1, (const uint8_t *)big, TURN_REALM_MAX,
	    (const uint8_t *)big, TURN_NONCE_MAX) == 0);
	{
		uint8_t out[TURN_CONTROL_MAX], txid[12] = { 0 };
		struct endpoint peer;
		struct turn_request r;
		uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		endpoint_set(&peer, ENDPOINT_V6, a6, 9);
		memset(&r, 0, sizeof(r));
		r.method = TURN_METHOD_CHANNEL_BIND;
		r.txid = txid;
		r.peer = &peer;
		r.channel = 0x4000;
		r.have_lifetime = 1;
		r.requested_transport = 1;
		r.fingerprint = 1;
		CHECK(turn_msg_build(out, sizeof(out), &r, &a) > 0);
	}
	turn_auth_wipe(&a);
}

static void
test_type_bits(void)
{
	CHECK(turn_msg_type(TURN_METHOD_ALLOCATE, TURN_CLASS_REQUEST) == 0x0003);
	CHECK(turn_msg_type(TURN_METHOD_ALLOCATE, TURN_CLASS_SUCCESS) == 0x0103);
	CHECK(turn_msg_type(TURN_METHOD_ALLOCATE, TURN_CLASS_ERROR) == 0x0113);
	CHECK(turn_msg_type(TURN_METHOD_SEND, TURN_CLASS_INDICATION) == 0x0016);
	CHECK(turn_msg_type(TURN_METHOD_DATA, TURN_CLASS_INDICATION) == 0x0017);
	CHECK(turn_msg_type(TURN_METHOD_CHANNEL_BIND, TURN_CLASS_SUCCESS) == 0x0109);
	CHECK(turn_msg_type(0x0FFF, TURN_CLASS_ERROR) == 0x3FFF);
	CHECK(turn_msg_type(0x0FFF, TURN_CLASS_REQUEST) == 0x3EEF);
}

static void
test_round_trip(void)
{
	uint8_t out[TURN_CONTROL_MAX], txid[12], key[TURN_KEY_LEN];
	uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34 };
	struct turn_auth auth;
	struct turn_request r;
	struct turn_msg m;
	struct endpoint p4 = ep4(198, 51, 100, 9, 7000), p6;
	size_t n;

	endpoint_set(&p6, ENDPOINT_V6, a6, 65535);
	stun_txid_random(txid);
	CHECK(turn_auth_set(&auth, "alice", 5, "secret", 6, (const uint8_t *)"gonet.test", 10,
	    (const uint8_t *)"abcd", 4) == 0);

	/* Allocate with credentials and FINGERPRINT. */
	memset(&r, 0, sizeof(r));
	r.method = TURN_METHOD_ALLOCATE;
	r.txid = txid;
	r.have_lifetime = 1;
	r.lifetime = 600;
	r.requested_transport = 1;
	r.fingerprint = 1;
	n = turn_msg_build(out, sizeof(out), &r, &auth);
	CHECK(n > 0 && n % 4 == 0);
	CHECK(turn_msg_parse(out, n, &m) == TURN_MSG_OK);
	CHECK(m.type == 0x0003 && m.method == TURN_METHOD_ALLOCATE && m.cls == TURN_CLASS_REQUEST);
	CHECK(memcmp(m.txid, txid, 12) == 0);
	CHECK(m.have_lifetime && m.lifetime == 600);
	CHECK(m.fingerprint == 1 && m.integrity_off > 0);
	CHECK(m.realm_len == 10 && m.nonce_len == 4);
	fake_key(key, "alice", "gonet.test", "secret");
	CHECK(turn_msg_check_integrity(out, n, &m, key) == 1);
	/* FINGERPRINT catches a flipped bit (in the MAC, so only FINGERPRINT can notice). */
	out[m.integrity_off + 6] ^= 0x80;
	CHECK(turn_msg_parse(out, n, &m) == TURN_MSG_FINGERPRINT);

	/* CreatePermission (IPv6 peer) and ChannelBind (IPv4), no credentials. */
	memset(&r, 0, sizeof(r));
	r.method = TURN_METHOD_CREATE_PERMISSION;
	r.txid = txid;
	r.peer = &p6;
	n = turn_msg_build(out, sizeof(out), &r, NULL);
	CHECK(n == 20 + 24);
	CHECK(turn_msg_parse(out, n, &m) == TURN_MSG_OK);
	CHECK(m.have_peer && endpoint_equal(&m.peer, &p6) && m.integrity_off == 0 && !m.fingerprint);
	r.method = TURN_METHOD_CHANNEL_BIND;
	r.peer = &p4;
	r.channel = 0x4ABC;
	n = turn_msg_build(out, sizeof(out), &r, NULL);
	CHECK(n == 20 + 8 + 12);
	CHECK(turn_msg_parse(out, n, &m) == TURN_MSG_OK);
	CHECK(m.have_channel && m.channel == 0x4ABC && endpoint_equal(&m.peer, &p4));

	/* Send indication with 5 data bytes: padded to 8, zero padding. */
	memset(&r, 0, sizeof(r));
	r.method = TURN_METHOD_SEND;
	r.cls = TURN_CLASS_INDICATION;
	r.txid = txid;
	r.peer = &p4;
	r.data = (const uint8_t *)"hello";
	r.data_len = 5;
	r.have_data = 1;
	n = turn_msg_build(out, sizeof(out), &r, NULL);
	CHECK(n == 20 + 12 + 12);
	CHECK(out[n - 3] == 0 && out[n - 2] == 0 && out[n - 1] == 0);
	CHECK(turn_msg_parse(out, n, &m) == TURN_MSG_OK);
	CHECK(m.type == 0x0016 && m.have_data && m.data_len == 5 && memcmp(m.data, "hello", 5) == 0);
	/* Responses are not built by a client; a bad class or method is refused. */
	r.cls = TURN_CLASS_SUCCESS;
	CHECK(turn_msg_build(out, sizeof(out), &r, NULL) == 0);
	r.cls = TURN_CLASS_REQUEST;
	r.method = 0x1000;
	CHECK(turn_msg_build(out, sizeof(out), &r, NULL) == 0);
	turn_auth_wipe(&auth);
}

static void
test_parse_paranoia(void)
{
	uint8_t txid[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct endpoint relayed = ep4(203, 0, 113, 5, 50000);
	struct fake_msg f;
	struct turn_msg m;
	uint8_t bad_addr[8] = { 0, 3, 0, 0, 1, 2, 3, 4 };

	fake_begin(&f, 0x0103, txid);
	fake_xor_addr(&f, TURN_ATTR_XOR_RELAYED_ADDRESS, &relayed);
	fake_u32(&f, TURN_ATTR_LIFETIME, 600);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_OK);
	CHECK(m.have_relayed && endpoint_equal(&m.relayed, &relayed) && m.lifetime == 600);
	CHECK(turn_msg_parse(f.buf, f.len - 4, &m) == TURN_MSG_LENGTH);
	CHECK(turn_msg_parse(f.buf, 19, &m) == TURN_MSG_SHORT);
	f.buf[0] |= 0x80;
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_NOT_STUN);
	f.buf[0] &= 0x3F;
	f.buf[3] = (uint8_t)(f.buf[3] + 2);	/* length not a multiple of 4 */
	CHECK(turn_msg_parse(f.buf, f.len + 2, &m) == TURN_MSG_LENGTH);
	f.buf[3] = (uint8_t)(f.buf[3] - 2);
	/* An attribute whose padding runs past the end. */
	fake_begin(&f, 0x0103, txid);
	fake_u32(&f, TURN_ATTR_LIFETIME, 600);
	f.buf[23] = 5;
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ATTR);
	/* Wrong sizes and families. */
	fake_begin(&f, 0x0103, txid);
	fake_attr(&f, TURN_ATTR_LIFETIME, "\0\0\2", 3);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ATTR);
	fake_begin(&f, 0x0103, txid);
	fake_attr(&f, TURN_ATTR_XOR_RELAYED_ADDRESS, bad_addr, 8);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ADDRESS);
	fake_begin(&f, 0x0103, txid);
	fake_attr(&f, TURN_ATTR_XOR_PEER_ADDRESS, "\0\1\0\0\1\2\3\4\5\6\7\10", 12);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ADDRESS);
	/* An error response needs a valid ERROR-CODE. */
	fake_begin(&f, 0x0113, txid);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ERROR_CODE);
	fake_error(&f, 299, "x");
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ERROR_CODE);
	fake_begin(&f, 0x0113, txid);
	fake_error(&f, 438, "Stale Nonce");
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_OK && m.error_code == 438);
	/* FINGERPRINT must be last; attributes after MESSAGE-INTEGRITY are ignored. */
	fake_begin(&f, 0x0103, txid);
	fake_set_length(&f, 20 + 8 + 8);	/* the final length, so the CRC itself is right */
	fake_u32(&f, STUN_ATTR_FINGERPRINT, fake_crc32(f.buf, 20) ^ 0x5354554Eu);
	fake_u32(&f, TURN_ATTR_LIFETIME, 600);
	CHECK(turn_msg_parse(f.buf, f.len - 8, &m) == TURN_MSG_LENGTH);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ATTR);
	{
		uint8_t key[16] = { 0 };

		fake_begin(&f, 0x0103, txid);
		fake_integrity(&f, key);
		fake_u32(&f, TURN_ATTR_LIFETIME, 600);
		fake_u32(&f, 0x0042, 0);	/* unknown, but after MI */
		CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_OK);
		CHECK(!m.have_lifetime && m.n_unknown == 0 && m.integrity_off == 20);
		CHECK(turn_msg_check_integrity(f.buf, f.len, &m, key) == 1);
		/*
		 * The codec's rule, the Binding client's too (test_stun.c): after
		 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 still counts, so a
		 * malformed one (12 bytes) is refused; after it, only FINGERPRINT.
		 */
		fake_begin(&f, 0x0103, txid);
		fake_integrity(&f, key);
		fake_attr(&f, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "0123456789ab", 12);
		CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_ATTR);
		fake_begin(&f, 0x0103, txid);
		fake_integrity(&f, key);
		fake_attr(&f, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "0123456789abcdef", 16);
		fake_u32(&f, TURN_ATTR_LIFETIME, 600);
		fake_fingerprint(&f);
		CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_OK);
		CHECK(m.integrity_off == 20 && !m.have_lifetime && m.fingerprint);
		CHECK(turn_msg_check_integrity(f.buf, f.len, &m, key) == 1);
	}
	/* Unknown comprehension-required attributes are counted, optional ones not. */
	fake_begin(&f, 0x0103, txid);
	fake_u32(&f, 0x0042, 0);
	fake_u32(&f, 0x8042, 0);
	fake_u32(&f, 0x0043, 0);
	CHECK(turn_msg_parse(f.buf, f.len, &m) == TURN_MSG_OK && m.n_unknown == 2 && m.unknown_first == 0x0042);
}

static void
test_channel_data(void)
{
	uint8_t out[64], pl[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t *p;
	uint16_t ch;
	size_t n, plen;

	CHECK(turn_channel_wrap(out, sizeof(out), 0x3FFF, pl, 5) == 0);
	CHECK(turn_channel_wrap(out, sizeof(out), 0x4FFF, pl, 5) == 0);
	CHECK(turn_channel_wrap(out, 8, 0x4000, pl, 5) == 0);
	CHECK(turn_channel_wrap(out, 9, 0x4000, pl, 5) == 9);
	CHECK(out[0] == 0x40 && out[1] == 0x00 && out[2] == 0 && out[3] == 5);
	CHECK(turn_channel_parse(out, 9, &ch, &p, &plen) == 1 && ch == 0x4000 && plen == 5 &&
	    p == out + 4 && memcmp(p, pl, 5) == 0);
	/* Padding to 4 is optional over UDP: 0..3 bytes accepted, not more. */
	memset(out + 9, 0xEE, 8);
	CHECK(turn_channel_parse(out, 10, &ch, &p, &plen) == 1 && plen == 5);
	CHECK(turn_channel_parse(out, 12, &ch, &p, &plen) == 1 && plen == 5);
	CHECK(turn_channel_parse(out, 13, &ch, &p, &plen) == 0);
	/* The length field never claims more than the datagram holds. */
	CHECK(turn_channel_parse(out, 8, &ch, &p, &plen) == 0);
	CHECK(turn_channel_parse(out, 3, &ch, &p, &plen) == 0);
	/* Empty payload. */
	n = turn_channel_wrap(out, sizeof(out), 0x4FFE, NULL, 0);
	CHECK(n == 4 && turn_channel_parse(out, 4, &ch, &p, &plen) == 1 && ch == 0x4FFE && plen == 0);
	/* A payload already in place behind the header is moved correctly. */
	memcpy(out + 4, pl, 8);
	CHECK(turn_channel_wrap(out, sizeof(out), 0x4001, out + 4, 8) == 12 && memcmp(out + 4, pl, 8) == 0);
	/* Reserved numbers (0x5000..) and STUN-looking bytes are not ChannelData. */
	out[0] = 0x50;
	CHECK(turn_channel_parse(out, 12, &ch, &p, &plen) == 0);
	out[0] = 0x00;
	CHECK(turn_channel_parse(out, 12, &ch, &p, &plen) == 0);
}

static void
test_uri(void)
{
	static const struct {
		const char *s;
		enum turn_uri_err e;
		const char *user, *pass, *host;
		uint16_t port;
	} v[] = {
		{ "turn:u:p@turn.example.org", TURN_URI_OK, "u", "p", "turn.example.org", 3478 },
		{ "turn:u:p@192.0.2.1:5349", TURN_URI_OK, "u", "p", "192.0.2.1", 5349 },
		{ "TURN:u:p@h:1", TURN_URI_OK, "u", "p", "h", 1 },
		{ "turn:u:p@[2001:db8::1]", TURN_URI_OK, "u", "p", "2001:db8::1", 3478 },
		{ "turn:u:p@[2001:db8::1]:3479", TURN_URI_OK, "u", "p", "2001:db8::1", 3479 },
		{ "turn:u:p:q@r@h", TURN_URI_OK, "u", "p:q@r", "h", 3478 },
		{ "turn:us%3Aer:p%40ss%25@h", TURN_URI_OK, "us:er", "p@ss%", "h", 3478 },
		{ "turn:u:p@h:3478?transport=udp", TURN_URI_OK, "u", "p", "h", 3478 },
		{ "turn:u:p@h?transport=tcp", TURN_URI_TRANSPORT, NULL, NULL, NULL, 0 },
		{ "turns:u:p@h", TURN_URI_TLS, NULL, NULL, NULL, 0 },
		{ "stun:h", TURN_URI_SCHEME, NULL, NULL, NULL, 0 },
		{ "u:p@h", TURN_URI_SCHEME, NULL, NULL, NULL, 0 },
		{ "turn:h:3478", TURN_URI_NO_CREDENTIALS, NULL, NULL, NULL, 0 },
		{ "turn:u@h", TURN_URI_PASSWORD, NULL, NULL, NULL, 0 },
		{ "turn:u:@h", TURN_URI_PASSWORD, NULL, NULL, NULL, 0 },
		{ "turn::p@h", TURN_URI_USER, NULL, NULL, NULL, 0 },
		{ "turn:@h", TURN_URI_USER, NULL, NULL, NULL, 0 },
		{ "turn:u%0a:p@h", TURN_URI_USER, NULL, NULL, NULL, 0 },
		{ "turn:u:p%00@h", TURN_URI_PASSWORD, NULL, NULL, NULL, 0 },
		{ "turn:u:p%4@h", TURN_URI_ESCAPE, NULL, NULL, NULL, 0 },
		{ "turn:u:p%zz@h", TURN_URI_ESCAPE, NULL, NULL, NULL, 0 },
		{ "turn:u:p@", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@:3478", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@2001:db8::1", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@[2001:db8::1", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@[]:1", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@[::1]x", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@h_st", TURN_URI_HOST, NULL, NULL, NULL, 0 },
		{ "turn:u:p@h:0", TURN_URI_PORT, NULL, NULL, NULL, 0 },
		{ "turn:u:p@h:65536", TURN_URI_PORT, NULL, NULL, NULL, 0 },
		{ "turn:u:p@h:", TURN_URI_PORT, NULL, NULL, NULL, 0 },
		{ "turn:u:p@h:12a", TURN_URI_PORT, NULL, NULL, NULL, 0 },
		{ "turn:u:p@h:-1", TURN_URI_PORT, NULL, NULL, NULL, 0 },
	};
	struct turn_uri u;
	char longhost[300];
	size_t i;
	enum turn_uri_err e;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		e = turn_uri_parse(v[i].s, &u);
		if (e != v[i].e)
			fprintf(stderr, "  uri '%s': %s\n", v[i].s, turn_uri_err_str(e));
		CHECK(e == v[i].e);
		if (e != TURN_URI_OK || v[i].e != TURN_URI_OK) {
			/* Nothing of a rejected URI stays behind. */
			CHECK(sodium_is_zero((const uint8_t *)&u, sizeof(u)));
			CHECK(strlen(turn_uri_err_str(e)) > 10);
			continue;
		}
		CHECK(strcmp(u.user, v[i].user) == 0);
		CHECK(strcmp(u.password, v[i].pass) == 0);
		CHECK(strcmp(u.host, v[i].host) == 0);
		CHECK(u.port == v[i].port);
		turn_uri_wipe(&u);
		CHECK(sodium_is_zero((const uint8_t *)&u, sizeof(u)));
	}
	snprintf(longhost, sizeof(longhost), "turn:u:p@%0254d", 0);
	CHECK(turn_uri_parse(longhost, &u) == TURN_URI_HOST);
	snprintf(longhost, sizeof(longhost), "turn:u:p@%0253d", 0);
	CHECK(turn_uri_parse(longhost, &u) == TURN_URI_OK);
	CHECK(turn_uri_parse(NULL, &u) == TURN_URI_SCHEME);
}

/* The client against a scripted server. */

struct harness {
	struct turn_client c;
	struct endpoint server;
	uint8_t sent[8][TURN_CONTROL_MAX];
	size_t sent_len[8];
	unsigned n_sent;
	unsigned events[8];
	uint8_t key[16];
};

static int
capture(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct harness *h = arg;

	if (!endpoint_equal(to, &h->server))
		abort();
	if (h->n_sent < 8 && len <= TURN_CONTROL_MAX) {
		memcpy(h->sent[h->n_sent], buf, len);
		h->sent_len[h->n_sent] = len;
	}
	h->n_sent++;
	return 0;
}

static void
on_event(void *arg, enum turn_event ev, const struct endpoint *peer)
{
	struct harness *h = arg;

	if ((unsigned)ev < 8)
		h->events[ev]++;
}

static void
h_init(struct harness *h, uint32_t lifetime_s, int channels)
{
	struct turn_config cfg;

	memset(h, 0, sizeof(*h));
	memset(&cfg, 0, sizeof(cfg));
	stun_rto_config_default(&cfg.rto);
	cfg.lifetime_s = lifetime_s;
	cfg.use_channels = channels;
	cfg.on_event = on_event;
	cfg.arg = h;
	h->server = ep4(192, 0, 2, 1, 3478);
	if (turn_client_init(&h->c, &cfg, &h->server, "u", "p") != 0)
		abort();
	fake_key(h->key, "u", "gonet.test", "p");
}

/* Run the timer at now; returns how many messages went out (they are in h->sent). */
static unsigned
h_tick(struct harness *h, uint64_t now)
{
	struct stun_send io = { capture, h };

	h->n_sent = 0;
	return turn_client_on_timer(&h->c, now, &io);
}

static enum turn_unwrap_result
h_feed(struct harness *h, const struct fake_msg *f, uint64_t now)
{
	struct turn_datagram d;

	return turn_unwrap(&h->c, &h->server, f->buf, f->len, now, &d);
}

/* Parse the i-th message sent in the last tick. */
static void
h_sent(struct harness *h, unsigned i, struct turn_msg *m)
{
	if (i >= h->n_sent || turn_msg_parse(h->sent[i], h->sent_len[i], m) != TURN_MSG_OK)
		abort();
}

static void
reply_challenge(struct harness *h, const struct turn_msg *req, unsigned code, const char *nonce,
    uint64_t now)
{
	struct fake_msg f;

	fake_begin(&f, turn_msg_type(req->method, TURN_CLASS_ERROR), req->txid);
	fake_error(&f, code, code == 401 ? "Unauthorized" : "Stale Nonce");
	fake_attr(&f, STUN_ATTR_REALM, "gonet.test", 10);
	fake_attr(&f, STUN_ATTR_NONCE, nonce, strlen(nonce));
	fake_fingerprint(&f);
	CHECK(h_feed(h, &f, now) == TURN_UNWRAP_CONTROL);
}

static void
reply_success(struct harness *h, const struct turn_msg *req, uint32_t lifetime, uint64_t now)
{
	struct endpoint relayed = ep4(203, 0, 113, 5, 50000), mapped = ep4(198, 51, 100, 7, 40000);
	struct fake_msg f;

	fake_begin(&f, turn_msg_type(req->method, TURN_CLASS_SUCCESS), req->txid);
	if (req->method == TURN_METHOD_ALLOCATE) {
		fake_xor_addr(&f, TURN_ATTR_XOR_RELAYED_ADDRESS, &relayed);
		fake_xor_addr(&f, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
	}
	if (req->method == TURN_METHOD_ALLOCATE || req->method == TURN_METHOD_REFRESH)
		fake_u32(&f, TURN_ATTR_LIFETIME, lifetime);
	fake_integrity(&f, h->key);
	fake_fingerprint(&f);
	CHECK(h_feed(h, &f, now) == TURN_UNWRAP_CONTROL);
}

/* IDLE -> 401 -> 438 -> ALLOCATED at time t. */
static void
h_allocate(struct harness *h, uint32_t lifetime, uint64_t t)
{
	struct turn_msg m, m2;
	uint8_t first_txid[12];

	turn_client_start(&h->c, t);
	CHECK(turn_client_next_deadline(&h->c) == t);
	CHECK(h_tick(h, t) == 1);
	h_sent(h, 0, &m);
	CHECK(m.method == TURN_METHOD_ALLOCATE && m.cls == TURN_CLASS_REQUEST);
	CHECK(m.integrity_off == 0 && m.fingerprint && m.realm == NULL);
	memcpy(first_txid, m.txid, 12);
	reply_challenge(h, &m, 401, "nonce-1", t);
	CHECK(turn_client_state(&h->c) == TURN_ALLOCATING);
	CHECK(turn_client_next_deadline(&h->c) == t);
	CHECK(h_tick(h, t) == 1);
	h_sent(h, 0, &m);
	CHECK(memcmp(m.txid, first_txid, 12) != 0);
	CHECK(m.integrity_off > 0 && turn_msg_check_integrity(h->sent[0], h->sent_len[0], &m, h->key));
	CHECK(m.nonce_len == 7 && memcmp(m.nonce, "nonce-1", 7) == 0);
	reply_challenge(h, &m, 438, "nonce-2", t);
	CHECK(h_tick(h, t) == 1);
	h_sent(h, 0, &m2);
	CHECK(m2.nonce_len == 7 && memcmp(m2.nonce, "nonce-2", 7) == 0);
	CHECK(turn_msg_check_integrity(h->sent[0], h->sent_len[0], &m2, h->key));
	reply_success(h, &m2, lifetime, t);
	CHECK(turn_client_state(&h->c) == TURN_ALLOCATED);
	CHECK(h->c.stale_nonces == 1);
}

static void
test_client_allocate(void)
{
	struct harness h;
	struct endpoint relayed, mapped, other = ep4(192, 0, 2, 2, 3478);
	struct turn_msg m;
	struct fake_msg f;
	struct turn_datagram d;
	uint8_t wrong[16] = { 0 };

	h_init(&h, 600, 0);
	CHECK(turn_client_next_deadline(&h.c) == UINT64_MAX);
	CHECK(turn_client_relayed(&h.c, &relayed, &mapped) == -1);
	turn_client_start(&h.c, 1000);
	CHECK(h_tick(&h, 1000) == 1);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 401, "nonce-1", 1010);
	CHECK(h_tick(&h, 1010) == 1);
	h_sent(&h, 0, &m);

	/* Forgeries and mistakes are dropped without ending the transaction. */
	fake_begin(&f, 0x0103, m.txid);
	fake_xor_addr(&f, TURN_ATTR_XOR_RELAYED_ADDRESS, &other);
	fake_u32(&f, TURN_ATTR_LIFETIME, 600);
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_DROPPED);		/* no MI */
	CHECK(h.c.dropped[TURN_DROP_INTEGRITY] == 1);
	fake_integrity(&f, wrong);
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_DROPPED);		/* wrong MI */
	CHECK(h.c.dropped[TURN_DROP_INTEGRITY] == 2);
	fake_begin(&f, 0x0103, (const uint8_t *)"not-our-txid");
	fake_integrity(&f, h.key);
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_DROPPED);
	CHECK(h.c.dropped[TURN_DROP_TXID] == 1);
	fake_begin(&f, 0x0109, m.txid);				/* ChannelBind success: wrong method */
	fake_integrity(&f, h.key);
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_DROPPED);
	CHECK(h.c.dropped[TURN_DROP_UNEXPECTED] == 1);
	CHECK(turn_unwrap(&h.c, &other, f.buf, f.len, 1020, &d) == TURN_UNWRAP_NOT_OURS);
	/* A Binding response from the server belongs to the STUN client. */
	fake_begin(&f, 0x0101, m.txid);
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_NOT_OURS);
	/* Not STUN, not ChannelData: not ours either (WireGuard, probes). */
	memset(f.buf, 0xA5, 32);
	f.buf[0] = 0x04;
	f.buf[1] = f.buf[2] = f.buf[3] = 0;
	f.len = 32;
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_NOT_OURS);
	f.buf[0] = 0xF0;
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_NOT_OURS);
	/* Broken STUN from the server is dropped here, not passed on. */
	fake_begin(&f, 0x0113, m.txid);
	CHECK(h_feed(&h, &f, 1020) == TURN_UNWRAP_DROPPED && h.c.dropped[TURN_DROP_MALFORMED] == 1);
	CHECK(turn_client_state(&h.c) == TURN_ALLOCATING);

	reply_success(&h, &m, 600, 1030);
	CHECK(turn_client_state(&h.c) == TURN_ALLOCATED);
	CHECK(h.events[TURN_EV_ALLOCATED] == 1);
	CHECK(turn_client_relayed(&h.c, &relayed, &mapped) == 0);
	CHECK(endpoint_equal(&relayed, &((struct endpoint){ 0 })) == 0);
	{
		struct endpoint want_r = ep4(203, 0, 113, 5, 50000), want_m = ep4(198, 51, 100, 7, 40000);

		CHECK(endpoint_equal(&relayed, &want_r) && endpoint_equal(&mapped, &want_m));
	}
	/* A duplicate of the success is a late answer to nothing. */
	fake_begin(&f, 0x0103, m.txid);
	fake_integrity(&f, h.key);
	CHECK(h_feed(&h, &f, 1040) == TURN_UNWRAP_DROPPED);
	CHECK(h.c.lifetime_s == 600 && h.c.expires_ms == 1030 + 600000);
	turn_client_wipe(&h.c);
	CHECK(sodium_is_zero((const uint8_t *)&h.c, sizeof(h.c)));
}

static void
test_client_refresh(void)
{
	struct harness h;
	struct turn_msg m;
	uint64_t t;
	unsigned i;

	/* 600 s: refresh at lifetime - 60 s, each one scheduled from its answer. */
	h_init(&h, 600, 0);
	h_allocate(&h, 600, 0);
	CHECK(turn_client_next_deadline(&h.c) == 540000);
	CHECK(h_tick(&h, 539999) == 0);
	for (i = 0, t = 540000; i < 3; i++, t += 540000) {
		CHECK(turn_client_next_deadline(&h.c) == t);
		CHECK(h_tick(&h, t) == 1);
		h_sent(&h, 0, &m);
		CHECK(m.method == TURN_METHOD_REFRESH && m.have_lifetime && m.lifetime == 600);
		CHECK(turn_msg_check_integrity(h.sent[0], h.sent_len[0], &m, h.key));
		reply_success(&h, &m, 600, t);
	}
	CHECK(h.c.refreshes == 3 && h.events[TURN_EV_REFRESHED] == 3);
	CHECK(turn_client_state(&h.c) == TURN_ALLOCATED);
	/* A refresh that gets a 438 goes again at once with the new nonce. */
	CHECK(h_tick(&h, t) == 1);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 438, "nonce-3", t + 5);
	CHECK(h_tick(&h, t + 5) == 1);
	h_sent(&h, 0, &m);
	CHECK(m.method == TURN_METHOD_REFRESH && m.nonce_len == 7 && memcmp(m.nonce, "nonce-3", 7) == 0);
	reply_success(&h, &m, 600, t + 5);
	CHECK(h.c.refreshes == 4);

	/* 5 s (a short server maximum): refresh at half, 2.5 s. */
	h_init(&h, 600, 0);
	h_allocate(&h, 5, 0);
	CHECK(h.c.lifetime_s == 5);
	CHECK(turn_client_next_deadline(&h.c) == 2500);
	CHECK(h_tick(&h, 2500) == 1);
	h_sent(&h, 0, &m);
	reply_success(&h, &m, 5, 2600);
	CHECK(turn_client_next_deadline(&h.c) == 5100);
	/* The server stops answering: retransmissions at +0.5, +1.5 s, then expired at 7.6 s, not later. */
	CHECK(h_tick(&h, 5100) == 1);
	CHECK(turn_client_next_deadline(&h.c) == 5600);
	CHECK(h_tick(&h, 5600) == 1);
	CHECK(turn_client_next_deadline(&h.c) == 6600);
	CHECK(h_tick(&h, 6600) == 1);
	CHECK(turn_client_next_deadline(&h.c) == 7600);
	CHECK(h_tick(&h, 7600) == 0);
	CHECK(turn_client_state(&h.c) == TURN_FAILED);
	CHECK(turn_client_failure(&h.c) == TURN_FAIL_EXPIRED);
	CHECK(h.events[TURN_EV_FAILED] == 1);
	CHECK(turn_client_next_deadline(&h.c) == UINT64_MAX);
	/* And it can start over; the known realm lets the first Allocate carry credentials. */
	turn_client_start(&h.c, 8000);
	CHECK(h_tick(&h, 8000) == 1);
	h_sent(&h, 0, &m);
	CHECK(m.method == TURN_METHOD_ALLOCATE && m.integrity_off > 0);
}

/* Issue 12 finding 5: a full table makes room by dropping peers no one needs any more. */
static int
keep_even(void *arg, const struct endpoint *addr)
{
	(void)arg;
	return addr->addr[3] % 2 == 0;
}

static void
test_client_prune(void)
{
	struct harness h;
	struct endpoint e;
	unsigned k, sent;

	h_init(&h, 600, 0);
	h_allocate(&h, 600, 0);
	for (k = 0; k < TURN_MAX_PEERS; k++) {
		e = ep4(198, 51, 100, (uint8_t)(10 + k), 7000);
		CHECK(turn_client_add_peer(&h.c, &e, 0) >= 0);
	}
	e = ep4(198, 51, 100, 200, 7000);
	CHECK(turn_client_add_peer(&h.c, &e, 0) == -1);		/* full */
	CHECK_EQ(turn_client_prune(&h.c, keep_even, NULL), TURN_MAX_PEERS / 2);
	for (k = 0; k < TURN_MAX_PEERS; k++) {
		e = ep4(198, 51, 100, (uint8_t)(10 + k), 7000);
		CHECK((turn_client_peer(&h.c, &e) != NULL) == ((10 + k) % 2 == 0));
	}
	e = ep4(198, 51, 100, 200, 7000);
	CHECK(turn_client_add_peer(&h.c, &e, 0) >= 0);
	/* Only the kept and the new one ask for permissions: nobody refreshes the pruned. */
	sent = h_tick(&h, 10);
	CHECK_EQ(sent, TURN_MAX_PEERS / 2 + 1);
	CHECK_EQ(turn_client_prune(&h.c, keep_even, NULL), 0);
	turn_client_wipe(&h.c);
}

static void
test_client_peers(void)
{
	struct harness h;
	struct endpoint peer = ep4(198, 51, 100, 9, 7000), stranger = ep4(198, 51, 100, 10, 7000);
	struct endpoint peer_other_port = ep4(198, 51, 100, 9, 7001);
	struct turn_msg m, perm, chan;
	struct turn_datagram d;
	struct fake_msg f;
	uint8_t out[256], ind[256];
	const struct turn_peer *tp;
	size_t n;
	uint64_t t;

	h_init(&h, 600, 1);
	/* A peer added before the allocation waits for it. */
	CHECK(turn_client_add_peer(&h.c, &peer, 0) == 0);
	CHECK(turn_client_add_peer(&h.c, &peer, 0) == 0);
	h_allocate(&h, 600, 0);
	CHECK(turn_client_next_deadline(&h.c) == 0);
	CHECK(h_tick(&h, 10) == 2);
	h_sent(&h, 0, &perm);
	h_sent(&h, 1, &chan);
	CHECK(perm.method == TURN_METHOD_CREATE_PERMISSION && endpoint_equal(&perm.peer, &peer));
	CHECK(chan.method == TURN_METHOD_CHANNEL_BIND && chan.channel == TURN_CHANNEL_MIN);
	CHECK(turn_msg_check_integrity(h.sent[0], h.sent_len[0], &perm, h.key));
	CHECK(turn_msg_check_integrity(h.sent[1], h.sent_len[1], &chan, h.key));
	tp = turn_client_peer(&h.c, &peer);
	CHECK(tp != NULL && tp->perm == TURN_PERM_PENDING && tp->chan == TURN_PERM_PENDING);
	/* Nothing to send through yet. */
	CHECK(turn_wrap(&h.c, &peer, (const uint8_t *)"hi", 2, out, sizeof(out)) == 0);

	reply_success(&h, &perm, 0, 20);
	CHECK(tp->perm == TURN_PERM_OK && h.events[TURN_EV_PERMISSION] == 1);
	/* Permission only: a Send indication. */
	n = turn_wrap(&h.c, &peer, (const uint8_t *)"hello", 5, out, sizeof(out));
	CHECK(n > 0 && turn_msg_parse(out, n, &m) == TURN_MSG_OK);
	CHECK(m.type == 0x0016 && endpoint_equal(&m.peer, &peer) && m.data_len == 5 &&
	    memcmp(m.data, "hello", 5) == 0 && m.integrity_off == 0);
	CHECK(turn_wrap(&h.c, &peer, (const uint8_t *)"hello", 5, out, n - 1) == 0);
	CHECK(turn_wrap(&h.c, &stranger, (const uint8_t *)"hello", 5, out, sizeof(out)) == 0);
	CHECK(turn_wrap(&h.c, &peer, out + 100, 5, out, sizeof(out)) == 0);	/* overlap */

	reply_success(&h, &chan, 0, 30);
	CHECK(tp->chan == TURN_PERM_OK && h.events[TURN_EV_CHANNEL] == 1);
	/* Channel bound: ChannelData, 4-byte header, no padding. */
	n = turn_wrap(&h.c, &peer, (const uint8_t *)"hello", 5, out, sizeof(out));
	CHECK(n == 9 && out[0] == 0x40 && out[1] == 0x00 && out[3] == 5 && memcmp(out + 4, "hello", 5) == 0);

	/* Incoming: ChannelData, padded or not, on our channel. */
	out[9] = out[10] = out[11] = 0;
	CHECK(turn_unwrap(&h.c, &h.server, out, 12, 40, &d) == TURN_UNWRAP_DATA);
	CHECK(endpoint_equal(&d.peer, &peer) && d.len == 5 && memcmp(d.payload, "hello", 5) == 0);
	CHECK(turn_unwrap(&h.c, &h.server, out, 9, 40, &d) == TURN_UNWRAP_DATA);
	CHECK(turn_unwrap(&h.c, &h.server, out, 8, 40, &d) == TURN_UNWRAP_DROPPED);
	CHECK(h.c.dropped[TURN_DROP_MALFORMED] == 1);
	out[1] = 0x01;		/* channel 0x4001: not ours */
	CHECK(turn_unwrap(&h.c, &h.server, out, 9, 40, &d) == TURN_UNWRAP_DROPPED);
	CHECK(h.c.dropped[TURN_DROP_CHANNEL] == 1 && d.payload == NULL);
	/* Data indications: from a permitted IP (any port), not from others. */
	memset(ind, 0, sizeof(ind));
	fake_begin(&f, 0x0017, (const uint8_t *)"0123456789ab");
	fake_xor_addr(&f, TURN_ATTR_XOR_PEER_ADDRESS, &peer_other_port);
	fake_attr(&f, TURN_ATTR_DATA, "pong", 4);
	CHECK(h_feed(&h, &f, 50) == TURN_UNWRAP_DATA);
	CHECK(turn_unwrap(&h.c, &h.server, f.buf, f.len, 50, &d) == TURN_UNWRAP_DATA);
	CHECK(endpoint_equal(&d.peer, &peer_other_port) && d.len == 4 && memcmp(d.payload, "pong", 4) == 0);
	fake_begin(&f, 0x0017, (const uint8_t *)"0123456789ab");
	fake_xor_addr(&f, TURN_ATTR_XOR_PEER_ADDRESS, &stranger);
	fake_attr(&f, TURN_ATTR_DATA, "pong", 4);
	CHECK(h_feed(&h, &f, 50) == TURN_UNWRAP_DROPPED && h.c.dropped[TURN_DROP_PEER] == 1);
	fake_begin(&f, 0x0017, (const uint8_t *)"0123456789ab");
	fake_attr(&f, TURN_ATTR_DATA, "pong", 4);
	CHECK(h_feed(&h, &f, 50) == TURN_UNWRAP_DROPPED && h.c.dropped[TURN_DROP_UNEXPECTED] == 1);

	/* Refresh schedules: permission at 240 s (lifetime 300), channel at 540 s (600). */
	CHECK(turn_client_next_deadline(&h.c) == 20 + 240000);
	CHECK(h_tick(&h, 20 + 240000) == 1);
	h_sent(&h, 0, &perm);
	CHECK(perm.method == TURN_METHOD_CREATE_PERMISSION);
	reply_success(&h, &perm, 0, 240100);
	CHECK(turn_client_next_deadline(&h.c) == 240100 + 240000);
	CHECK(h_tick(&h, 480100) == 1);
	h_sent(&h, 0, &perm);
	reply_success(&h, &perm, 0, 480100);
	CHECK(turn_client_next_deadline(&h.c) == 540000);	/* the allocation refresh */
	CHECK(h_tick(&h, 540000) == 1);
	h_sent(&h, 0, &m);
	CHECK(m.method == TURN_METHOD_REFRESH);
	reply_success(&h, &m, 600, 540000);
	CHECK(h_tick(&h, 540030) == 1);
	h_sent(&h, 0, &chan);
	CHECK(chan.method == TURN_METHOD_CHANNEL_BIND && chan.channel == TURN_CHANNEL_MIN);
	reply_success(&h, &chan, 0, 540030);
	CHECK(tp->chan == TURN_PERM_OK && h.events[TURN_EV_CHANNEL] == 1);

	/* A channel refresh refused (403): the peer is lost, retried 30 s later. */
	t = 540030 + 540000;
	CHECK(turn_client_next_deadline(&h.c) <= t);
	while (turn_client_next_deadline(&h.c) < t) {
		uint64_t dl = turn_client_next_deadline(&h.c);
		unsigned k, sent = h_tick(&h, dl);

		for (k = 0; k < sent && k < 8; k++) {
			h_sent(&h, k, &m);
			reply_success(&h, &m, 600, dl);
		}
	}
	CHECK(h_tick(&h, t) >= 1);
	h_sent(&h, h.n_sent - 1, &chan);
	CHECK(chan.method == TURN_METHOD_CHANNEL_BIND);
	fake_begin(&f, 0x0119, chan.txid);
	fake_error(&f, 403, "Forbidden");
	fake_integrity(&f, h.key);
	CHECK(h_feed(&h, &f, t) == TURN_UNWRAP_CONTROL);
	CHECK(tp->chan == TURN_PERM_NONE && tp->perm == TURN_PERM_NONE);
	CHECK(tp->last_fail == TURN_FAIL_FORBIDDEN && h.events[TURN_EV_PEER_FAILED] == 1);
	CHECK(turn_wrap(&h.c, &peer, (const uint8_t *)"x", 1, out, sizeof(out)) == 0);
	CHECK(turn_client_state(&h.c) == TURN_ALLOCATED);

	/* Peers are bounded, and a wrong-family peer is refused once the relay is known. */
	{
		uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
		struct endpoint p6;
		int i, last = 0;

		endpoint_set(&p6, ENDPOINT_V6, a6, 1);
		CHECK(turn_client_add_peer(&h.c, &p6, t) == -1);
		for (i = 0; i < TURN_MAX_PEERS + 2; i++) {
			struct endpoint e = ep4(198, 51, 100, (uint8_t)(20 + i), 1);

			last = turn_client_add_peer(&h.c, &e, t);
		}
		CHECK(last == -1);
		turn_client_remove_peer(&h.c, &peer);
		CHECK(turn_client_peer(&h.c, &peer) == NULL);
		/* A re-added peer gets a fresh channel number, never a reused one. */
		CHECK(turn_client_add_peer(&h.c, &peer, t) >= 0);
		tp = turn_client_peer(&h.c, &peer);
		CHECK(tp != NULL && tp->channel == TURN_CHANNEL_MIN + TURN_MAX_PEERS);
	}
}

static void
test_client_failures(void)
{
	struct harness h;
	struct turn_msg m;
	struct fake_msg f;
	uint64_t t;

	/* Wrong password: the second 401 (after credentials) ends it, with its name. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	CHECK(h_tick(&h, 0) == 1);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 401, "n", 1);
	CHECK(h_tick(&h, 1) == 1);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 401, "n", 2);
	CHECK(turn_client_state(&h.c) == TURN_FAILED);
	CHECK(turn_client_failure(&h.c) == TURN_FAIL_UNAUTHORIZED);
	CHECK(strcmp(turn_fail_name(TURN_FAIL_UNAUTHORIZED), "unauthorized") == 0);
	CHECK(h.c.last_error_code == 401);

	/* 438 forever: bounded. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 401, "n", 0);
	for (t = 1; t < 10 && turn_client_state(&h.c) == TURN_ALLOCATING; t++) {
		CHECK(h_tick(&h, t) == 1);
		h_sent(&h, 0, &m);
		reply_challenge(&h, &m, 438, "n", t);
	}
	CHECK(turn_client_failure(&h.c) == TURN_FAIL_STALE_NONCE && t == 1 + TURN_AUTH_RETRIES + 1);

	/* A 401 without a NONCE is no usable challenge. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	fake_begin(&f, 0x0113, m.txid);
	fake_error(&f, 401, "Unauthorized");
	fake_attr(&f, STUN_ATTR_REALM, "r", 1);
	CHECK(h_feed(&h, &f, 0) == TURN_UNWRAP_CONTROL);
	CHECK(turn_client_failure(&h.c) == TURN_FAIL_CHALLENGE);

	/* Quota (486), signed: a named failure. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 401, "n", 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	fake_begin(&f, 0x0113, m.txid);
	fake_error(&f, 486, "Allocation Quota Reached");
	fake_integrity(&f, h.key);
	CHECK(h_feed(&h, &f, 0) == TURN_UNWRAP_CONTROL);
	CHECK(turn_client_failure(&h.c) == TURN_FAIL_QUOTA);

	/* A success without XOR-RELAYED-ADDRESS is unusable. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	reply_challenge(&h, &m, 401, "n", 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	fake_begin(&f, 0x0103, m.txid);
	fake_u32(&f, TURN_ATTR_LIFETIME, 600);
	fake_integrity(&f, h.key);
	CHECK(h_feed(&h, &f, 0) == TURN_UNWRAP_CONTROL);
	CHECK(turn_client_failure(&h.c) == TURN_FAIL_RESPONSE);

	/* A silent server: the RFC 8489 schedule, timeout at 39.5 s. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	{
		unsigned sends = 0;

		for (t = 0; turn_client_next_deadline(&h.c) != UINT64_MAX; ) {
			t = turn_client_next_deadline(&h.c);
			sends += h_tick(&h, t);
		}
		CHECK(sends == STUN_RC_DEFAULT);
	}
	CHECK(t == 39500 && turn_client_failure(&h.c) == TURN_FAIL_TIMEOUT);

	/* Bad construction. */
	{
		struct turn_client c;
		struct endpoint s = ep4(192, 0, 2, 1, 3478), zero;

		memset(&zero, 0, sizeof(zero));
		CHECK(turn_client_init(&c, NULL, &s, "", "p") == -1);
		CHECK(turn_client_init(&c, NULL, &zero, "u", "p") == -1);
		CHECK(turn_client_init(&c, NULL, &s, "u", "p") == 0);
		turn_client_wipe(&c);
	}
}

static void
test_client_close(void)
{
	struct harness h;
	struct turn_msg m;
	struct fake_msg f;
	uint64_t t;

	h_init(&h, 600, 0);
	h_allocate(&h, 600, 0);
	turn_client_close(&h.c, 100);
	CHECK(turn_client_state(&h.c) == TURN_CLOSING);
	CHECK(h_tick(&h, 100) == 1);
	h_sent(&h, 0, &m);
	CHECK(m.method == TURN_METHOD_REFRESH && m.have_lifetime && m.lifetime == 0);
	CHECK(turn_msg_check_integrity(h.sent[0], h.sent_len[0], &m, h.key));
	/* Stale nonce while closing: once more with the new one. */
	reply_challenge(&h, &m, 438, "nonce-9", 110);
	CHECK(turn_client_state(&h.c) == TURN_CLOSING);
	CHECK(h_tick(&h, 110) == 1);
	h_sent(&h, 0, &m);
	CHECK(m.lifetime == 0 && m.nonce_len == 7);
	reply_success(&h, &m, 0, 120);
	CHECK(turn_client_state(&h.c) == TURN_CLOSED && h.events[TURN_EV_CLOSED] == 1);
	CHECK(turn_client_next_deadline(&h.c) == UINT64_MAX);

	/* 437 (already gone) closes too; so does silence, within the close budget. */
	h_init(&h, 600, 0);
	h_allocate(&h, 600, 0);
	turn_client_close(&h.c, 0);
	h_tick(&h, 0);
	h_sent(&h, 0, &m);
	fake_begin(&f, 0x0114, m.txid);
	fake_error(&f, 437, "Allocation Mismatch");
	CHECK(h_feed(&h, &f, 1) == TURN_UNWRAP_CONTROL);
	CHECK(turn_client_state(&h.c) == TURN_CLOSED);

	h_init(&h, 600, 0);
	h_allocate(&h, 600, 0);
	turn_client_close(&h.c, 0);
	for (t = 0; turn_client_next_deadline(&h.c) != UINT64_MAX; ) {
		t = turn_client_next_deadline(&h.c);
		h_tick(&h, t);
	}
	CHECK(t == TURN_CLOSE_BUDGET_MS && turn_client_state(&h.c) == TURN_CLOSED);

	/* Closing what never got allocated is immediate. */
	h_init(&h, 600, 0);
	turn_client_start(&h.c, 0);
	turn_client_close(&h.c, 0);
	CHECK(turn_client_state(&h.c) == TURN_CLOSED);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_rfc5769_long_term();
	test_auth_limits();
	test_type_bits();
	test_round_trip();
	test_parse_paranoia();
	test_channel_data();
	test_uri();
	test_client_allocate();
	test_client_refresh();
	test_client_peers();
	test_client_prune();
	test_client_failures();
	test_client_close();
	return check_exit("test_turn");
}
