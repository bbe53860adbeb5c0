/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mpack_map.h — one table-driven reader for the msgpack maps of the record
 * and mailbox bodies (doc/PROTOCOL.md "Endpoint record", "DHT mailbox"), on
 * the strict reader of mpack.h.
 *
 * A map is described by a table of fields, each a str key, a type, its
 * limits and where in the caller's struct the value goes. mpack_read_fields()
 * walks one map and, the first failure winning (its reason in r->why):
 *  - announced entries over max_keys:		"too many keys"
 *  - a str key seen before (known or not):	"duplicate key"
 *  - a known key's value of the wrong type or out of its limits: the field's
 *    own reason ("seq is not a uint", "nick over 32 bytes", ...)
 *  - any other key, str or not, is skipped with its value (nesting at most
 *    levels deep: "nested too deep")
 *  - a field absent at the end:		"missing key"
 * Every field is required unless its row says optional (MPACK_CUSTOM_OPTIONAL:
 * a key added to a format later, which old writers leave out). Nothing after
 * the map is looked at: a caller
 * whose map is the whole value ends with mpack_end().
 *
 *	static const struct mpack_field fields[] = {
 *		MPACK_CONST("v", 1, "v is not a uint", "v is not 1"),
 *		MPACK_UINT("seq", struct letter, seq, "seq is not a uint"),
 *		MPACK_BIN("id", struct letter, id, "id is not bin 32"),
 *		MPACK_CUSTOM("frames", read_frames),
 *	};
 */
#ifndef GONET_MPACK_MAP_H
#define GONET_MPACK_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "dht/wire/mpack.h"

enum {
	/*
	 * The most entries any map may announce: every entry takes at least 2
	 * bytes, so a map inside the largest DHT value (ENVELOPE_MAX_VALUE,
	 * 1472) has fewer. One seen-key slot each, on the stack.
	 */
	MPACK_MAP_MAX_KEYS = 1472 / 2,
	MPACK_MAP_MAX_FIELDS = 32	/* one bit each */
};

enum mpack_field_type {
	MPACK_FIELD_CONST,		/* a uint equal to n; nothing stored */
	MPACK_FIELD_UINT,		/* a uint, stored in a uint64_t */
	MPACK_FIELD_BIN,		/* a bin of exactly n bytes, copied */
	MPACK_FIELD_STR,		/* a str of at most n bytes of well-formed UTF-8,
					   copied into a char[n + 1] and NUL-terminated */
	MPACK_FIELD_CUSTOM		/* read(r, obj) reads the value (arrays, ...) */
};

struct mpack_field {
	const char *key;
	enum mpack_field_type type;
	size_t offset;			/* of the member in the caller's struct */
	uint64_t n;			/* CONST: the value; BIN: the length; STR: the most bytes */
	const char *bad_type;		/* wrong type (BIN: or not n bytes) */
	const char *bad_value;		/* CONST: not n; STR: over n bytes */
	const char *bad_utf8;		/* STR: not well-formed UTF-8 */
	/* CUSTOM: read the value into obj; 0, or -1 with mpack_fail(). */
	int (*read)(struct mpack_reader *r, void *obj);
	int optional;			/* may be absent (still at most once) */
};

/*
 * Table rows. BIN and STR take their sizes from the member itself; a UINT
 * member that is not a uint64_t does not compile.
 */
#define MPACK_CONST(k, value, bad_type_, bad_value_) \
	{ .key = (k), .type = MPACK_FIELD_CONST, .n = (value), \
	  .bad_type = (bad_type_), .bad_value = (bad_value_) }
#define MPACK_UINT(k, type_, member, bad_type_) \
	{ .key = (k), .type = MPACK_FIELD_UINT, \
	  .offset = offsetof(type_, member) + _Generic(((type_ *)0)->member, uint64_t: 0), \
	  .bad_type = (bad_type_) }
#define MPACK_BIN(k, type_, member, bad_type_) \
	{ .key = (k), .type = MPACK_FIELD_BIN, .offset = offsetof(type_, member), \
	  .n = sizeof(((type_ *)0)->member), .bad_type = (bad_type_) }
#define MPACK_STR(k, type_, member, bad_type_, bad_value_, bad_utf8_) \
	{ .key = (k), .type = MPACK_FIELD_STR, .offset = offsetof(type_, member), \
	  .n = sizeof(((type_ *)0)->member) - 1, .bad_type = (bad_type_), \
	  .bad_value = (bad_value_), .bad_utf8 = (bad_utf8_) }
#define MPACK_CUSTOM(k, read_) \
	{ .key = (k), .type = MPACK_FIELD_CUSTOM, .read = (read_) }
#define MPACK_CUSTOM_OPTIONAL(k, read_) \
	{ .key = (k), .type = MPACK_FIELD_CUSTOM, .read = (read_), .optional = 1 }

struct mpack_map {
	const struct mpack_field *fields;
	unsigned nfields;		/* 1..MPACK_MAP_MAX_FIELDS */
	size_t max_keys;		/* entries announced, <= MPACK_MAP_MAX_KEYS */
	int levels;			/* nesting allowed in skipped keys and values */
	const char *not_map;		/* the reason when the value is not a map */
};

/*
 * Read one map described by m into obj. 0, or -1 with r->why set; obj may
 * then hold some fields already read (the caller clears it).
 */
int mpack_read_fields(struct mpack_reader *r, const struct mpack_map *m, void *obj);

#endif
