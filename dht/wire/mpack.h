/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mpack.h — a strict, bounded msgpack reader over one byte range, shared by
 * the record and mailbox codecs (dht/) and the chat frame codec (src/).
 *
 * It exists because a generic unpacker smooths over what our decoders must
 * see: trailing bytes, duplicate map keys, str versus bin, bool/float versus
 * integer. It never allocates, checks every length against the bytes left
 * before using it, and its only recursion (mpack_skip) is depth-limited.
 *
 * Maps of known fields are read with mpack_map.h; writing is
 * mpack_writer.h's.
 *
 * Every function returns 0 or -1; on -1 the first failure's reason stays in
 * r->why ("truncated", "nested too deep", "bad value", or the caller's
 * `what` for a value of the wrong type).
 *
 * msgpack format bytes (github.com/msgpack/msgpack/blob/master/spec.md):
 *	00..7f positive fixint		cc/cd/ce/cf uint 8/16/32/64
 *	d0/d1/d2/d3 int 8/16/32/64	e0..ff negative fixint
 *	80..8f fixmap, de/df map 16/32	90..9f fixarray, dc/dd array 16/32
 *	a0..bf fixstr, d9/da/db str 8/16/32	c4/c5/c6 bin 8/16/32
 *	c0 nil, c2/c3 bool, ca/cb float 32/64, c7/c8/c9 ext, d4..d8 fixext
 */
#ifndef GONET_MPACK_H
#define GONET_MPACK_H

#include <stddef.h>
#include <stdint.h>

struct mpack_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	const char *why;		/* first failure, for the caller */
};

void mpack_reader_init(struct mpack_reader *r, const uint8_t *p, size_t len);
/* Records why if it is the first failure; always -1, so `return mpack_fail()`. */
int mpack_fail(struct mpack_reader *r, const char *why);
size_t mpack_left(const struct mpack_reader *r);
/* The next format byte, not consumed. */
int mpack_peek(struct mpack_reader *r, uint8_t *b);
/* Whether format byte t starts a str. */
int mpack_is_str(uint8_t t);

/* Any msgpack integer format holding a non-negative value; nil, bool, float are not. */
int mpack_read_uint(struct mpack_reader *r, uint64_t *v, const char *what);
/* A str (never a bin); *s points into the buffer. */
int mpack_read_str(struct mpack_reader *r, const uint8_t **s, size_t *n, const char *what);
/* A bin (never a str); *s points into the buffer. */
int mpack_read_bin(struct mpack_reader *r, const uint8_t **s, size_t *n, const char *what);
/* A bin of exactly want bytes, copied to out; what is also the size error. */
int mpack_read_bin_exact(struct mpack_reader *r, uint8_t *out, size_t want, const char *what);
/*
 * An array or map header. The count is bounded by the bytes left (each
 * element, each key and each value takes at least one): "truncated" if not.
 */
int mpack_read_array(struct mpack_reader *r, uint64_t *count, const char *what);
int mpack_read_map(struct mpack_reader *r, uint64_t *count, const char *what);
/*
 * An array header whose count is not checked against the bytes left, for a
 * decoder that must report what it finds in the first elements first.
 */
int mpack_read_array_len(struct mpack_reader *r, uint64_t *count, const char *what);
/* Skip one well-formed value of any type, nesting at most levels deep (>= 1). */
int mpack_skip(struct mpack_reader *r, int levels);
/* Nothing may follow the top-level value: fails with what if anything does. */
int mpack_end(struct mpack_reader *r, const char *what);

#endif
