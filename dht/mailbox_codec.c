/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox_codec.c — msgpack encode (msgpack-c) and strict decode (a bounded
 * reader of our own) of the mailbox body and envelope.
 *
 * Decoder rules (doc/PROTOCOL.md "DHT mailbox"), the same as for records:
 *  - every length is checked against the bytes left before it is used;
 *  - an integer is any msgpack int format holding a non-negative value; nil,
 *    bool and float are not integers; str and bin are not interchangeable;
 *  - the six known keys must appear exactly once; other keys (str or not)
 *    are skipped with their values, but a str key repeated is a duplicate;
 *  - nothing may follow the top-level value.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <msgpack.h>

#include "mailbox_codec.h"

size_t
mailbox_frame_cost(size_t len)
{
	return (len <= 0xff ? 2 : 3) + len;
}

/* ---- encoder ---------------------------------------------------------- */

static int
pack_key(msgpack_packer *pk, const char *key)
{
	return msgpack_pack_str_with_body(pk, key, strlen(key));
}

int
mailbox_encode_body(const struct mailbox_letter *l, uint8_t *out, size_t outlen, size_t *written)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	unsigned i;
	int r = -1;

	if (l->nframes == 0 || l->nframes > MAILBOX_MAX_FRAMES)
		return -1;
	for (i = 0; i < l->nframes; i++)
		if (l->frame_len[i] == 0 || l->frame_len[i] > MAILBOX_FRAME_MAX)
			return -1;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, 6) != 0 ||
	    pack_key(&pk, "v") != 0 || msgpack_pack_uint64(&pk, MAILBOX_VERSION) != 0 ||
	    pack_key(&pk, "from") != 0 ||
	    msgpack_pack_bin_with_body(&pk, l->from, MAILBOX_ID_LEN) != 0 ||
	    pack_key(&pk, "to") != 0 || msgpack_pack_bin_with_body(&pk, l->to, MAILBOX_ID_LEN) != 0 ||
	    pack_key(&pk, "seq") != 0 || msgpack_pack_uint64(&pk, l->seq) != 0 ||
	    pack_key(&pk, "exp") != 0 || msgpack_pack_uint64(&pk, l->exp) != 0 ||
	    pack_key(&pk, "frames") != 0 || msgpack_pack_array(&pk, l->nframes) != 0)
		goto out;
	for (i = 0; i < l->nframes; i++)
		if (msgpack_pack_bin_with_body(&pk, l->frame[i], l->frame_len[i]) != 0)
			goto out;
	if (sb.size > outlen)
		goto out;
	memcpy(out, sb.data, sb.size);
	*written = sb.size;
	r = 0;
out:
	/* The frames are room-confidential. */
	if (sb.data != NULL)
		memset(sb.data, 0, sb.alloc);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int
mailbox_encode_envelope(const uint8_t *body, size_t body_len, const uint8_t sig[MAILBOX_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r = -1;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_array(&pk, 2) != 0 ||
	    msgpack_pack_bin_with_body(&pk, body, body_len) != 0 ||
	    msgpack_pack_bin_with_body(&pk, sig, MAILBOX_SIG_LEN) != 0)
		goto out;
	if (sb.size > outlen)
		goto out;
	memcpy(out, sb.data, sb.size);
	*written = sb.size;
	r = 0;
out:
	if (sb.data != NULL)
		memset(sb.data, 0, sb.alloc);
	msgpack_sbuffer_destroy(&sb);
	return r;
}

/* ---- strict reader ---------------------------------------------------- */

struct mp_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	const char *why;		/* first failure, for the caller */
};

/* Records the first failure; always -1 so callers can `return fail()`. */
static int
fail(struct mp_reader *r, const char *why)
{
	if (r->why == NULL)
		r->why = why;
	return -1;
}

static size_t
left(const struct mp_reader *r)
{
	return r->len - r->off;
}

static int
take(struct mp_reader *r, size_t n, const uint8_t **out)
{
	if (left(r) < n)
		return fail(r, "truncated");
	if (out != NULL)
		*out = r->p + r->off;
	r->off += n;
	return 0;
}

static int
peek(struct mp_reader *r, uint8_t *b)
{
	if (left(r) < 1)
		return fail(r, "truncated");
	*b = r->p[r->off];
	return 0;
}

static int
be(struct mp_reader *r, size_t n, uint64_t *v)
{
	const uint8_t *q;
	size_t i;

	if (take(r, n, &q) != 0)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = (*v << 8) | q[i];
	return 0;
}

/* Any msgpack integer with a non-negative value. */
static int
read_uint(struct mp_reader *r, uint64_t *v, const char *what)
{
	uint8_t t;
	uint64_t u;
	size_t n;

	if (peek(r, &t) != 0)
		return -1;
	if (t <= 0x7f) {
		r->off++;
		*v = t;
		return 0;
	}
	if (t >= 0xcc && t <= 0xcf) {		/* uint 8/16/32/64 */
		r->off++;
		return be(r, (size_t)1 << (t - 0xcc), v);
	}
	if (t >= 0xd0 && t <= 0xd3) {		/* int 8/16/32/64 */
		n = (size_t)1 << (t - 0xd0);
		r->off++;
		if (be(r, n, &u) != 0)
			return -1;
		if (u >> (8 * n - 1))		/* sign bit: negative */
			return fail(r, what);
		*v = u;
		return 0;
	}
	return fail(r, what);			/* negative fixint, nil, bool, float, ... */
}

/* str (is_bin 0) or bin (is_bin 1); the other is a type error. */
static int
read_bytes(struct mp_reader *r, int is_bin, const uint8_t **s, size_t *n, const char *what)
{
	uint8_t t;
	uint64_t len;

	if (peek(r, &t) != 0)
		return -1;
	if (!is_bin && t >= 0xa0 && t <= 0xbf) {
		r->off++;
		len = t & 0x1f;
	} else if (!is_bin && t >= 0xd9 && t <= 0xdb) {
		r->off++;
		if (be(r, (size_t)1 << (t - 0xd9), &len) != 0)
			return -1;
	} else if (is_bin && t >= 0xc4 && t <= 0xc6) {
		r->off++;
		if (be(r, (size_t)1 << (t - 0xc4), &len) != 0)
			return -1;
	} else {
		return fail(r, what);
	}
	if (len > left(r))
		return fail(r, "truncated");
	*n = (size_t)len;
	return take(r, *n, s);
}

/* Array or map header; each element needs at least one more byte. */
static int
read_container(struct mp_reader *r, int map, uint64_t *count, const char *what)
{
	uint8_t t, fix = map ? 0x80 : 0x90, f16 = map ? 0xde : 0xdc;

	if (peek(r, &t) != 0)
		return -1;
	if ((t & 0xf0) == fix) {
		r->off++;
		*count = t & 0x0f;
	} else if (t == f16 || t == f16 + 1) {
		r->off++;
		if (be(r, t == f16 ? 2 : 4, count) != 0)
			return -1;
	} else {
		return fail(r, what);
	}
	if (*count > left(r) / (map ? 2 : 1))
		return fail(r, "truncated");
	return 0;
}

/* Skip one value of any type (an ignored key or value), at most MAILBOX_MAX_DEPTH deep. */
static int
skip(struct mp_reader *r, int depth)
{
	const uint8_t *s;
	uint64_t n, i, len;
	size_t sl;
	uint8_t t;
	int map;

	if (depth > MAILBOX_MAX_DEPTH)
		return fail(r, "nested too deep");
	if (peek(r, &t) != 0)
		return -1;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return take(r, 1, NULL);	/* fixints, nil, bool */
	if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb))
		return read_bytes(r, 0, &s, &sl, "bad value");
	if (t >= 0xc4 && t <= 0xc6)
		return read_bytes(r, 1, &s, &sl, "bad value");
	if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd || (t & 0xf0) == 0x80 ||
	    t == 0xde || t == 0xdf) {
		map = (t & 0xf0) == 0x80 || t == 0xde || t == 0xdf;
		if (read_container(r, map, &n, "bad value") != 0)
			return -1;
		for (i = 0; i < n * (map ? 2 : 1); i++)
			if (skip(r, depth + 1) != 0)
				return -1;
		return 0;
	}
	r->off++;
	switch (t) {
	case 0xca: return take(r, 4, NULL);	/* float 32 */
	case 0xcb: return take(r, 8, NULL);	/* float 64 */
	case 0xcc: case 0xd0: return take(r, 1, NULL);
	case 0xcd: case 0xd1: return take(r, 2, NULL);
	case 0xce: case 0xd2: return take(r, 4, NULL);
	case 0xcf: case 0xd3: return take(r, 8, NULL);
	case 0xd4: return take(r, 2, NULL);	/* fixext 1: type + data */
	case 0xd5: return take(r, 3, NULL);
	case 0xd6: return take(r, 5, NULL);
	case 0xd7: return take(r, 9, NULL);
	case 0xd8: return take(r, 17, NULL);
	case 0xc7: case 0xc8: case 0xc9:	/* ext 8/16/32: len, type, data */
		if (be(r, (size_t)1 << (t - 0xc7), &len) != 0)
			return -1;
		if (len >= left(r))
			return fail(r, "truncated");
		return take(r, (size_t)len + 1, NULL);
	default:
		return fail(r, "bad value");	/* 0xc1, never used */
	}
}

/* ---- envelope ---------------------------------------------------------- */

enum mailbox_reject
mailbox_decode_envelope(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
    const uint8_t **sig, const char **why)
{
	struct mp_reader r = { buf, len, 0, NULL };
	const uint8_t *s;
	uint64_t count;
	size_t n;

	if (read_container(&r, 0, &count, "envelope is not an array") != 0)
		goto shape;
	if (count != 2) {
		fail(&r, "envelope is not an array of 2");
		goto shape;
	}
	if (read_bytes(&r, 1, body, body_len, "body is not bin") != 0 ||
	    read_bytes(&r, 1, &s, &n, "sig is not bin") != 0)
		goto shape;
	if (n != MAILBOX_SIG_LEN) {
		fail(&r, "sig is not 64 bytes");
		goto shape;
	}
	if (left(&r) != 0) {
		fail(&r, "trailing bytes after envelope");
		goto shape;
	}
	*sig = s;
	if (why != NULL)
		*why = NULL;
	return MBX_OK;
shape:
	*body = NULL;
	*body_len = 0;
	*sig = NULL;
	if (why != NULL)
		*why = r.why;
	return MBX_SHAPE;
}

/* ---- body -------------------------------------------------------------- */

enum body_key {
	KEY_V,
	KEY_FROM,
	KEY_TO,
	KEY_SEQ,
	KEY_EXP,
	KEY_FRAMES,
	KEY__COUNT,
	KEY_UNKNOWN = KEY__COUNT
};

static const char *const body_key_names[KEY__COUNT] = {
	"v", "from", "to", "seq", "exp", "frames"
};

static enum body_key
body_key_lookup(const uint8_t *s, size_t n)
{
	int k;

	for (k = 0; k < KEY__COUNT; k++)
		if (strlen(body_key_names[k]) == n && memcmp(body_key_names[k], s, n) == 0)
			return (enum body_key)k;
	return KEY_UNKNOWN;
}

static int
read_id(struct mp_reader *r, uint8_t out[MAILBOX_ID_LEN], const char *what)
{
	const uint8_t *s;
	size_t n;

	if (read_bytes(r, 1, &s, &n, what) != 0)
		return -1;
	if (n != MAILBOX_ID_LEN)
		return fail(r, what);
	memcpy(out, s, n);
	return 0;
}

static int
read_frames(struct mp_reader *r, struct mailbox_letter *l)
{
	uint64_t n, i;

	if (read_container(r, 0, &n, "frames is not an array") != 0)
		return -1;
	if (n == 0)
		return fail(r, "no frames");
	if (n > MAILBOX_MAX_FRAMES)
		return fail(r, "more than 64 frames");
	for (i = 0; i < n; i++) {
		if (read_bytes(r, 1, &l->frame[i], &l->frame_len[i], "frame is not bin") != 0)
			return -1;
		if (l->frame_len[i] == 0)
			return fail(r, "empty frame");
		if (l->frame_len[i] > MAILBOX_FRAME_MAX)
			return fail(r, "frame over 1232 bytes");
	}
	l->nframes = (unsigned)n;
	return 0;
}

static int
read_field(struct mp_reader *r, enum body_key k, struct mailbox_letter *l)
{
	uint64_t v;

	switch (k) {
	case KEY_V:
		if (read_uint(r, &v, "v is not a uint") != 0)
			return -1;
		if (v != MAILBOX_VERSION)
			return fail(r, "v is not 1");
		return 0;
	case KEY_FROM:
		return read_id(r, l->from, "from is not bin 32");
	case KEY_TO:
		return read_id(r, l->to, "to is not bin 32");
	case KEY_SEQ:
		return read_uint(r, &l->seq, "seq is not a uint");
	case KEY_EXP:
		return read_uint(r, &l->exp, "exp is not a uint");
	case KEY_FRAMES:
		return read_frames(r, l);
	case KEY_UNKNOWN:
		break;
	}
	return skip(r, 1);
}

/* Everything but buf. */
static void
clear_fields(struct mailbox_letter *l)
{
	memset(l->from, 0, sizeof(l->from));
	memset(l->to, 0, sizeof(l->to));
	l->seq = l->exp = 0;
	l->nframes = 0;
	memset(l->frame, 0, sizeof(l->frame));
	memset(l->frame_len, 0, sizeof(l->frame_len));
}

enum mailbox_reject
mailbox_decode_body(const uint8_t *buf, size_t len, struct mailbox_letter *l, const char **why)
{
	/* Every entry is >= 2 bytes, so a body within a value has fewer keys. */
	struct key_span {
		const uint8_t *p;
		size_t n;
	} keys[MAILBOX_MAX_VALUE / 2];
	struct mp_reader r = { buf, len, 0, NULL };
	uint64_t count, i, j, nkeys = 0;
	unsigned seen = 0;

	clear_fields(l);
	if (read_container(&r, 1, &count, "body is not a map") != 0)
		goto shape;
	if (count > sizeof(keys) / sizeof(keys[0])) {
		fail(&r, "too many keys");
		goto shape;
	}
	for (i = 0; i < count; i++) {
		enum body_key k = KEY_UNKNOWN;
		const uint8_t *s;
		size_t n;
		uint8_t t;

		if (peek(&r, &t) != 0)
			goto shape;
		if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
			if (read_bytes(&r, 0, &s, &n, "bad key") != 0)
				goto shape;
			for (j = 0; j < nkeys; j++)
				if (keys[j].n == n && memcmp(keys[j].p, s, n) == 0) {
					fail(&r, "duplicate key");
					goto shape;
				}
			keys[nkeys].p = s;
			keys[nkeys].n = n;
			nkeys++;
			k = body_key_lookup(s, n);
		} else if (skip(&r, 1) != 0) {	/* a non-str key: ignored with its value */
			goto shape;
		}
		if (read_field(&r, k, l) != 0)
			goto shape;
		if (k != KEY_UNKNOWN)
			seen |= 1u << k;
	}
	if (seen != (1u << KEY__COUNT) - 1) {
		fail(&r, "missing key");
		goto shape;
	}
	if (left(&r) != 0) {
		fail(&r, "trailing bytes after body");
		goto shape;
	}
	if (why != NULL)
		*why = NULL;
	return MBX_OK;
shape:
	clear_fields(l);
	if (why != NULL)
		*why = r.why;
	return MBX_SHAPE;
}
