/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_chat_codec.c — src/chat/chat_codec.c: the test vectors of doc/PROTOCOL.md
 * "Chat" (each also packed by msgpack-c and parsed back by its unpacker, an
 * independent implementation), shortest-form encoding, and one rejection per
 * named reason.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "src/chat/chat_codec.h"
#include "tests/check.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*hex && n < cap) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* The vectors of doc/PROTOCOL.md. */
static const char text_hi[] = "hi";
static const struct vector {
	const char *name;
	const char *hex;
	struct chat_frame f;
} vectors[] = {
	{ "HELLO", "93 01 a5 616c696365 01",
	  { .type = CHAT_HELLO, .nick = (const uint8_t *)"alice", .nick_len = 5, .version = 1 } },
	{ "MSG", "94 02 cf 18bcfe5680000001 cf 0000018bcfe5687b a2 6869",
	  { .type = CHAT_MSG, .seq = UINT64_C(0x18bcfe5680000001),
	    .unix_ms = UINT64_C(1700000000123), .text = (const uint8_t *)text_hi, .text_len = 2 } },
	{ "ACK", "92 03 cf 18bcfe5680000001",
	  { .type = CHAT_ACK, .seq = UINT64_C(0x18bcfe5680000001) } },
	{ "ACK0", "92 03 cf 18bcfe5680000000",
	  { .type = CHAT_ACK, .seq = UINT64_C(0x18bcfe5680000000) } },
	{ "BYE", "91 04", { .type = CHAT_BYE } },
	{ "HELLO v2", "93 01 a5 616c696365 02",
	  { .type = CHAT_HELLO, .nick = (const uint8_t *)"alice", .nick_len = 5, .version = 2 } },
	{ "HELLO v3", "93 01 a5 616c696365 03",
	  { .type = CHAT_HELLO, .nick = (const uint8_t *)"alice", .nick_len = 5, .version = 3 } },
	{ "XMSG private", "95 05 cf 18bcfe5680000002 cf 0000018bcfe5687b a2 6869 01",
	  { .type = CHAT_XMSG, .seq = UINT64_C(0x18bcfe5680000002),
	    .unix_ms = UINT64_C(1700000000123), .text = (const uint8_t *)text_hi, .text_len = 2,
	    .flags = CHAT_FLAG_PRIVATE } },
	{ "XMSG private action", "95 05 cf 18bcfe5680000003 cf 0000018bcfe5687b a2 6869 03",
	  { .type = CHAT_XMSG, .seq = UINT64_C(0x18bcfe5680000003),
	    .unix_ms = UINT64_C(1700000000123), .text = (const uint8_t *)text_hi, .text_len = 2,
	    .flags = CHAT_FLAG_PRIVATE | CHAT_FLAG_ACTION } },
};

/* Pack f with msgpack-c's own packer (shortest forms). */
static void
pack_msgpack_c(msgpack_sbuffer *sb, const struct chat_frame *f)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	switch (f->type) {
	case CHAT_HELLO:
		msgpack_pack_array(&pk, 3);
		msgpack_pack_uint64(&pk, CHAT_HELLO);
		msgpack_pack_str(&pk, f->nick_len);
		msgpack_pack_str_body(&pk, f->nick, f->nick_len);
		msgpack_pack_uint64(&pk, f->version);
		break;
	case CHAT_MSG:
		msgpack_pack_array(&pk, 4);
		msgpack_pack_uint64(&pk, CHAT_MSG);
		msgpack_pack_uint64(&pk, f->seq);
		msgpack_pack_uint64(&pk, f->unix_ms);
		msgpack_pack_str(&pk, f->text_len);
		msgpack_pack_str_body(&pk, f->text, f->text_len);
		break;
	case CHAT_XMSG:
		msgpack_pack_array(&pk, 5);
		msgpack_pack_uint64(&pk, CHAT_XMSG);
		msgpack_pack_uint64(&pk, f->seq);
		msgpack_pack_uint64(&pk, f->unix_ms);
		msgpack_pack_str(&pk, f->text_len);
		msgpack_pack_str_body(&pk, f->text, f->text_len);
		msgpack_pack_uint64(&pk, f->flags);
		break;
	case CHAT_ACK:
		msgpack_pack_array(&pk, 2);
		msgpack_pack_uint64(&pk, CHAT_ACK);
		msgpack_pack_uint64(&pk, f->seq);
		break;
	case CHAT_BYE:
		msgpack_pack_array(&pk, 1);
		msgpack_pack_uint64(&pk, CHAT_BYE);
		break;
	}
}

static void
test_vectors(void)
{
	uint8_t want[CHAT_FRAME_MAX], got[CHAT_FRAME_MAX];
	struct chat_frame d;
	msgpack_sbuffer sb;
	msgpack_unpacked up;
	size_t i, n, len, off;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];

		n = unhex(v->hex, want, sizeof(want));
		len = chat_encode(got, sizeof(got), &v->f);
		CHECK(len == n && memcmp(got, want, n) == 0);
		if (len != n || memcmp(got, want, n) != 0)
			fprintf(stderr, "  vector %s\n", v->name);

		CHECK(chat_decode(&d, want, n) == CHAT_DROP_NONE);
		CHECK(d.type == v->f.type && d.seq == v->f.seq &&
		    d.unix_ms == v->f.unix_ms && d.version == v->f.version && d.flags == v->f.flags &&
		    d.nick_len == v->f.nick_len && d.text_len == v->f.text_len);
		CHECK(d.nick_len == 0 || memcmp(d.nick, v->f.nick, d.nick_len) == 0);
		CHECK(d.text_len == 0 || memcmp(d.text, v->f.text, d.text_len) == 0);

		/* msgpack-c packs the same bytes ... */
		msgpack_sbuffer_init(&sb);
		pack_msgpack_c(&sb, &v->f);
		CHECK(sb.size == n && memcmp(sb.data, want, n) == 0);
		msgpack_sbuffer_destroy(&sb);

		/* ... and its unpacker reads ours as one array, no more. */
		msgpack_unpacked_init(&up);
		off = 0;
		CHECK(msgpack_unpack_next(&up, (const char *)want, n, &off) == MSGPACK_UNPACK_SUCCESS);
		CHECK(off == n);
		CHECK(up.data.type == MSGPACK_OBJECT_ARRAY &&
		    up.data.via.array.size >= 1 &&
		    up.data.via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    up.data.via.array.ptr[0].via.u64 == (uint64_t)v->f.type);
		msgpack_unpacked_destroy(&up);
	}
}

/* Integers and strings take the shortest form, at every boundary. */
static void
test_shortest(void)
{
	static const struct {
		uint64_t v;
		const char *hex;
	} ints[] = {
		{ 0, "00" }, { 127, "7f" }, { 128, "cc80" }, { 255, "ccff" },
		{ 256, "cd0100" }, { 65535, "cdffff" }, { 65536, "ce00010000" },
		{ UINT64_C(0xffffffff), "ceffffffff" },
		{ UINT64_C(0x100000000), "cf0000000100000000" },
		{ UINT64_MAX, "cfffffffffffffffff" },
	};
	static const struct {
		size_t len;
		const char *hdr;
	} strs[] = {
		{ 0, "a0" }, { 31, "bf" }, { 32, "d920" }, { 255, "d9ff" },
		{ 256, "da0100" }, { 1024, "da0400" },
	};
	uint8_t buf[CHAT_FRAME_MAX], want[16], text[CHAT_TEXT_MAX];
	struct chat_frame f = { .type = CHAT_ACK }, d;
	size_t i, n, len;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		f.seq = ints[i].v;
		n = unhex(ints[i].hex, want, sizeof(want));
		len = chat_encode(buf, sizeof(buf), &f);
		CHECK(len == 2 + n && buf[0] == 0x92 && buf[1] == 0x03 &&
		    memcmp(buf + 2, want, n) == 0);
		CHECK(chat_decode(&d, buf, len) == CHAT_DROP_NONE && d.seq == ints[i].v);
	}

	memset(text, 'x', sizeof(text));
	f = (struct chat_frame){ .type = CHAT_MSG, .seq = 1, .text = text };
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		f.text_len = strs[i].len;
		n = unhex(strs[i].hdr, want, sizeof(want));
		len = chat_encode(buf, sizeof(buf), &f);
		CHECK(len == 4 + n + strs[i].len && memcmp(buf + 4, want, n) == 0);
		CHECK(chat_decode(&d, buf, len) == CHAT_DROP_NONE &&
		    d.text_len == strs[i].len);
	}
	/* The largest v1 frame. */
	f.seq = UINT64_MAX;
	f.unix_ms = UINT64_MAX;
	f.text_len = CHAT_TEXT_MAX;
	CHECK(chat_encode(buf, sizeof(buf), &f) == 1047);
}

static void
test_encode_rejects(void)
{
	uint8_t buf[CHAT_FRAME_MAX], text[CHAT_TEXT_MAX + 1];
	struct chat_frame f;

	memset(text, 'x', sizeof(text));
	f = (struct chat_frame){ .type = CHAT_MSG, .text = text, .text_len = CHAT_TEXT_MAX + 1 };
	CHECK(chat_encode(buf, sizeof(buf), &f) == 0);
	f.text = (const uint8_t *)"\xc0\x80";
	f.text_len = 2;
	CHECK(chat_encode(buf, sizeof(buf), &f) == 0);
	f = (struct chat_frame){ .type = CHAT_HELLO, .nick = text, .nick_len = CHAT_NICK_MAX + 1 };
	CHECK(chat_encode(buf, sizeof(buf), &f) == 0);
	f.nick_len = CHAT_NICK_MAX;
	CHECK(chat_encode(buf, sizeof(buf), &f) == 1 + 1 + 2 + 32 + 1);
	f = (struct chat_frame){ .type = 6 };
	CHECK(chat_encode(buf, sizeof(buf), &f) == 0);
	/* The largest XMSG (1024 bytes of text, every flag) is 1056 bytes. */
	memset(text, 'x', sizeof(text));
	f = (struct chat_frame){ .type = CHAT_XMSG, .seq = UINT64_MAX, .unix_ms = UINT64_MAX,
	    .text = text, .text_len = CHAT_TEXT_MAX, .flags = UINT64_MAX };
	CHECK(chat_encode(buf, sizeof(buf), &f) == 1056);
	f.text_len = CHAT_TEXT_MAX + 1;
	CHECK(chat_encode(buf, sizeof(buf), &f) == 0);
	f = (struct chat_frame){ .type = CHAT_BYE };
	CHECK(chat_encode(buf, 1, &f) == 0);
	CHECK(chat_encode(buf, 2, &f) == 2);
}

/* Hex of a frame and the reason it is dropped (CHAT_DROP_NONE: accepted). */
static const struct reject {
	const char *hex;
	enum chat_drop want;
	const char *why;
} rejects[] = {
	{ "", CHAT_DROP_SIZE, "empty" },
	{ "c0", CHAT_DROP_SHAPE, "nil, not an array" },
	{ "81 01 02", CHAT_DROP_SHAPE, "a map" },
	{ "90", CHAT_DROP_SHAPE, "empty array" },
	{ "dc", CHAT_DROP_SHAPE, "truncated array16 header" },
	{ "91 c3", CHAT_DROP_SHAPE, "type is bool" },
	{ "91 ca 3f800000", CHAT_DROP_SHAPE, "type is float" },
	{ "91 a1 31", CHAT_DROP_SHAPE, "type is str" },
	{ "91 00", CHAT_DROP_TYPE, "type 0" },
	/*
	 * Version 1 had { "91 05", CHAT_DROP_TYPE } here: a v1 receiver drops
	 * every XMSG under "type", unseen and unacknowledged. Version 2 reads it.
	 */
	{ "95 05 01 00 a2 6869 01", CHAT_DROP_NONE, "XMSG" },
	{ "91 06", CHAT_DROP_TYPE, "type 6" },
	{ "94 05 01 00 a2 6869", CHAT_DROP_SHAPE, "XMSG without flags" },
	{ "95 05 01 00 a2 6869 c3", CHAT_DROP_SHAPE, "XMSG flags are bool" },
	{ "95 05 01 00 a2 6869 ff", CHAT_DROP_SHAPE, "XMSG flags negative" },
	{ "95 05 01 00 a2 6869 a1 31", CHAT_DROP_SHAPE, "XMSG flags are str" },
	{ "95 05 01 00 a1 ff 01", CHAT_DROP_UTF8, "XMSG text not UTF-8" },
	{ "95 05 01 00 a0 01", CHAT_DROP_NONE, "XMSG filler" },
	{ "96 05 01 00 a2 6869 cf ffffffffffffffff c0", CHAT_DROP_NONE,
	  "XMSG with unknown flags and a trailing element" },
	{ "93 cc 80 c1 c1", CHAT_DROP_TYPE, "type 128, rest not parsed" },
	{ "91 ff", CHAT_DROP_SHAPE, "type -1" },
	{ "92 01 a0", CHAT_DROP_SHAPE, "HELLO without version" },
	{ "93 01 c4 00 01", CHAT_DROP_SHAPE, "nick is bin" },
	{ "93 01 c0 01", CHAT_DROP_SHAPE, "nick is nil" },
	{ "93 01 a0 c3", CHAT_DROP_SHAPE, "version is bool" },
	{ "93 01 a0 ff", CHAT_DROP_SHAPE, "version is negative fixint" },
	{ "93 01 a0 d0 ff", CHAT_DROP_SHAPE, "version is negative int8" },
	{ "93 01 a0 d0 01", CHAT_DROP_NONE, "version as positive int8" },
	{ "93 01 a0 d3 0000000000000001", CHAT_DROP_NONE, "version as int64" },
	{ "93 01 a2 c0 80", CHAT_DROP_UTF8, "overlong NUL in nick" },
	{ "93 01 a3 eda080 01", CHAT_DROP_UTF8, "surrogate in nick" },
	{ "93 01 a1 80 01", CHAT_DROP_UTF8, "lone continuation in nick" },
	{ "93 01 d9 21 414141414141414141414141414141414141414141414141414141414141414141 01",
	  CHAT_DROP_LIMIT, "nick of 33 bytes" },
	{ "93 01 d9 20 4141414141414141414141414141414141414141414141414141414141414141 01",
	  CHAT_DROP_NONE, "nick of 32 bytes in str8" },
	{ "93 01 a5 41", CHAT_DROP_SHAPE, "nick truncated" },
	{ "94 02 01 00 a0", CHAT_DROP_NONE, "empty text (a filler)" },
	{ "94 02 01 00 a1 ff", CHAT_DROP_UTF8, "byte ff in text" },
	{ "94 02 01 00 a3 f4 90 80", CHAT_DROP_UTF8, "text past U+10FFFF, truncated too" },
	{ "94 02 01 00 a4 f4908080", CHAT_DROP_UTF8, "text past U+10FFFF" },
	{ "94 02 01 00 c4 01 61", CHAT_DROP_SHAPE, "text is bin" },
	{ "94 02 01 00 db 00000401", CHAT_DROP_SHAPE, "text of 1025 bytes announced, absent" },
	{ "94 02 c2 00 a0", CHAT_DROP_SHAPE, "seq is false" },
	{ "94 02 01 cb 0000000000000000 a0", CHAT_DROP_SHAPE, "unix_ms is float64" },
	{ "93 02 01 00", CHAT_DROP_SHAPE, "MSG without text" },
	{ "91 03", CHAT_DROP_SHAPE, "ACK without seq" },
	{ "92 03 cf 00", CHAT_DROP_SHAPE, "seq truncated" },
	{ "92 03 01 00", CHAT_DROP_SHAPE, "trailing byte" },
	{ "91 04 91", CHAT_DROP_SHAPE, "trailing byte after BYE" },
	{ "92 04 c0", CHAT_DROP_NONE, "BYE with a trailing element" },
	{ "93 03 01 c1", CHAT_DROP_SHAPE, "trailing element c1 (never used)" },
	{ "93 03 01 82 a1 61 01 a1 62 92 c3 cb 0000000000000000", CHAT_DROP_NONE,
	  "trailing map with nested array" },
	{ "94 03 01 d6 ff 00000000 c7 01 05 00", CHAT_DROP_NONE, "trailing ext elements" },
	{ "93 03 01 91 91 91 91 91 91 91 c0", CHAT_DROP_NONE, "trailing nesting 8" },
	{ "93 03 01 91 91 91 91 91 91 91 91 c0", CHAT_DROP_SHAPE, "trailing nesting 9" },
	{ "93 03 01 dd ffffffff", CHAT_DROP_SHAPE, "trailing array32 of 2^32-1, absent" },
	{ "93 03 01 c6 ffffffff", CHAT_DROP_SHAPE, "trailing bin32 of 4 GB, absent" },
	{ "dd ffffffff 03 01", CHAT_DROP_SHAPE, "array32 claiming 2^32-1 elements" },
	{ "dc 0002 03 01", CHAT_DROP_NONE, "array16 frame" },
	{ "dd 00000002 03 01", CHAT_DROP_NONE, "array32 frame" },
};

static void
test_rejects(void)
{
	uint8_t buf[4096];
	struct chat_frame f;
	enum chat_drop r;
	size_t i, n;

	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		n = unhex(rejects[i].hex, buf, sizeof(buf));
		r = chat_decode(&f, buf, n);
		CHECK_MSG(r == rejects[i].want, "reject %zu (%s): got %s, want %s", i,
		    rejects[i].why, chat_drop_name(r), chat_drop_name(rejects[i].want));
	}

	/* Text of exactly CHAT_TEXT_MAX, and one more. */
	n = unhex("94 02 01 00 da 0400", buf, sizeof(buf));
	memset(buf + n, 'a', CHAT_TEXT_MAX + 1);
	CHECK(chat_decode(&f, buf, n + CHAT_TEXT_MAX) == CHAT_DROP_NONE);
	buf[n - 1] = 0x01;		/* announce 1025 */
	CHECK(chat_decode(&f, buf, n + CHAT_TEXT_MAX + 1) == CHAT_DROP_LIMIT);

	/* Size: CHAT_FRAME_MAX is accepted by length (then judged), one more is not. */
	memset(buf, 0, sizeof(buf));
	n = unhex("92 04 c6 000004c9", buf, sizeof(buf));	/* bin32 of 1225 */
	CHECK(n + 1225 == CHAT_FRAME_MAX);
	CHECK(chat_decode(&f, buf, CHAT_FRAME_MAX) == CHAT_DROP_NONE);
	CHECK(chat_decode(&f, buf, CHAT_FRAME_MAX + 1) == CHAT_DROP_SIZE);

	CHECK(strcmp(chat_drop_name(CHAT_DROP_STALE), "stale") == 0);
	CHECK(strcmp(chat_drop_name(CHAT_DROP_MAX), "unknown") == 0);
}

int
main(void)
{
	test_vectors();
	test_shortest();
	test_encode_rejects();
	test_rejects();
	return check_exit("test_chat_codec");
}
