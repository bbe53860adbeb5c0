/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mpack.c — the strict bounded msgpack reader (mpack.h). Decoding rules are
 * those of doc/PROTOCOL.md "Endpoint record", "DHT mailbox" and "Chat".
 */
#include "config.h"

#include <string.h>

#include "dht/wire/mpack.h"

void
mpack_reader_init(struct mpack_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->why = NULL;
}

int
mpack_fail(struct mpack_reader *r, const char *why)
{
	if (r->why == NULL)
		r->why = why;
	return -1;
}

size_t
mpack_left(const struct mpack_reader *r)
{
	return r->len - r->off;
}

static int
take(struct mpack_reader *r, size_t n, const uint8_t **out)
{
	if (mpack_left(r) < n)
		return mpack_fail(r, "truncated");
	if (out != NULL)
		*out = r->p + r->off;
	r->off += n;
	return 0;
}

int
mpack_peek(struct mpack_reader *r, uint8_t *b)
{
	if (mpack_left(r) < 1)
		return mpack_fail(r, "truncated");
	*b = r->p[r->off];
	return 0;
}

int
mpack_is_str(uint8_t t)
{
	return (t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb);
}

/* An n-byte big-endian length or integer. */
static int
be(struct mpack_reader *r, size_t n, uint64_t *v)
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

int
mpack_read_uint(struct mpack_reader *r, uint64_t *v, const char *what)
{
	uint8_t t;
	uint64_t u;
	size_t n;

	if (mpack_peek(r, &t) != 0)
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
			return mpack_fail(r, what);
		*v = u;
		return 0;
	}
	return mpack_fail(r, what);		/* negative fixint, nil, bool, float, ... */
}

/* The payload of a str or bin whose length is in *len. */
static int
payload(struct mpack_reader *r, uint64_t len, const uint8_t **s, size_t *n)
{
	if (len > mpack_left(r))
		return mpack_fail(r, "truncated");
	*n = (size_t)len;
	return take(r, *n, s);
}

int
mpack_read_str(struct mpack_reader *r, const uint8_t **s, size_t *n, const char *what)
{
	uint8_t t;
	uint64_t len;

	if (mpack_peek(r, &t) != 0)
		return -1;
	if (t >= 0xa0 && t <= 0xbf) {
		r->off++;
		len = t & 0x1f;
	} else if (t >= 0xd9 && t <= 0xdb) {
		r->off++;
		if (be(r, (size_t)1 << (t - 0xd9), &len) != 0)
			return -1;
	} else {
		return mpack_fail(r, what);
	}
	return payload(r, len, s, n);
}

int
mpack_read_bin(struct mpack_reader *r, const uint8_t **s, size_t *n, const char *what)
{
	uint8_t t;
	uint64_t len;

	if (mpack_peek(r, &t) != 0)
		return -1;
	if (t < 0xc4 || t > 0xc6)
		return mpack_fail(r, what);
	r->off++;
	if (be(r, (size_t)1 << (t - 0xc4), &len) != 0)
		return -1;
	return payload(r, len, s, n);
}

int
mpack_read_bin_exact(struct mpack_reader *r, uint8_t *out, size_t want, const char *what)
{
	const uint8_t *s;
	size_t n;

	if (mpack_read_bin(r, &s, &n, what) != 0)
		return -1;
	if (n != want)
		return mpack_fail(r, what);
	memcpy(out, s, n);
	return 0;
}

/* Array (map 0) or map (map 1) header, its count not yet bounded. */
static int
header(struct mpack_reader *r, int map, uint64_t *count, const char *what)
{
	uint8_t t, fix = map ? 0x80 : 0x90, f16 = map ? 0xde : 0xdc;

	if (mpack_peek(r, &t) != 0)
		return -1;
	if ((t & 0xf0) == fix) {
		r->off++;
		*count = t & 0x0f;
	} else if (t == f16 || t == f16 + 1) {
		r->off++;
		if (be(r, t == f16 ? 2 : 4, count) != 0)
			return -1;
	} else {
		return mpack_fail(r, what);
	}
	return 0;
}

/* Each element needs at least one more byte. */
static int
container(struct mpack_reader *r, int map, uint64_t *count, const char *what)
{
	if (header(r, map, count, what) != 0)
		return -1;
	if (*count > mpack_left(r) / (map ? 2 : 1))
		return mpack_fail(r, "truncated");
	return 0;
}

int
mpack_read_array(struct mpack_reader *r, uint64_t *count, const char *what)
{
	return container(r, 0, count, what);
}

int
mpack_read_map(struct mpack_reader *r, uint64_t *count, const char *what)
{
	return container(r, 1, count, what);
}

int
mpack_read_array_len(struct mpack_reader *r, uint64_t *count, const char *what)
{
	return header(r, 0, count, what);
}

/* depth counts from 1 (the value itself) up to levels. */
static int
skip(struct mpack_reader *r, int depth, int levels)
{
	const uint8_t *s;
	uint64_t n, i, len;
	size_t sl;
	uint8_t t;
	int map;

	if (depth > levels)
		return mpack_fail(r, "nested too deep");
	if (mpack_peek(r, &t) != 0)
		return -1;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return take(r, 1, NULL);	/* fixints, nil, bool */
	if (mpack_is_str(t))
		return mpack_read_str(r, &s, &sl, "bad value");
	if (t >= 0xc4 && t <= 0xc6)
		return mpack_read_bin(r, &s, &sl, "bad value");
	if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd || (t & 0xf0) == 0x80 ||
	    t == 0xde || t == 0xdf) {
		map = (t & 0xf0) == 0x80 || t == 0xde || t == 0xdf;
		if (container(r, map, &n, "bad value") != 0)
			return -1;
		for (i = 0; i < n * (map ? 2 : 1); i++)
			if (skip(r, depth + 1, levels) != 0)
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
		if (len > mpack_left(r))
			return mpack_fail(r, "truncated");
		return take(r, (size_t)len + 1, NULL);
	default:
		return mpack_fail(r, "bad value");	/* 0xc1, never used */
	}
}

int
mpack_skip(struct mpack_reader *r, int levels)
{
	return skip(r, 1, levels);
}

int
mpack_end(struct mpack_reader *r, const char *what)
{
	return mpack_left(r) != 0 ? mpack_fail(r, what) : 0;
}
