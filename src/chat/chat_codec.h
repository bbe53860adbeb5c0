/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * chat_codec.h — chat frames to and from msgpack bytes (doc/PROTOCOL.md,
 * "Chat"). Pure functions: no allocation, no state, buffers are the caller's.
 *
 * The decoder is strict and bounded: each type has a minimum element count
 * and exact element types (str for nick and text, integers in any msgpack
 * integer format but never bool or float), text and nick are checked against
 * their limits and for well-formed UTF-8, and no byte may follow the array.
 * Trailing elements beyond a type's own are skipped if well-formed (nesting at
 * most CHAT_NEST_MAX), so a later version can append fields.
 */
#ifndef GONET_CHAT_CODEC_H
#define GONET_CHAT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "src/chat/chatproto.h"

/* One decoded frame. nick and text point into the decoded buffer. */
struct chat_frame {
	enum chat_msg_type type;
	uint64_t seq;			/* MSG, XMSG, ACK */
	uint64_t unix_ms;		/* MSG, XMSG: when the sender wrote it */
	uint64_t flags;			/* XMSG: enum chat_flag bits (unknown ones kept) */
	uint64_t version;		/* HELLO */
	const uint8_t *nick;		/* HELLO, nick_len bytes, not NUL-terminated */
	size_t nick_len;
	const uint8_t *text;		/* MSG, XMSG, text_len bytes, not NUL-terminated */
	size_t text_len;
};

/* Parse buf[0..len). Returns CHAT_DROP_NONE and fills *f, or why it dropped. */
enum chat_drop chat_decode(struct chat_frame *f, const uint8_t *buf, size_t len);

/*
 * Encode f (only the fields its type uses) with the shortest integer and
 * string formats, straight into buf (which must not overlap f's nick or
 * text). Returns the frame length (<= CHAT_FRAME_MAX), or 0 when f breaks a
 * limit or is not UTF-8, or cap is too small (buf then holds zeros where
 * bytes were written).
 */
size_t chat_encode(uint8_t *buf, size_t cap, const struct chat_frame *f);

/* The name a drop reason is counted and shown under ("shape", "stale", ...). */
const char *chat_drop_name(enum chat_drop reason);

#endif
