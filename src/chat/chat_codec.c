/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * chat_codec.c — msgpack chat frames. Encoding is dht/wire/mpack_writer.h
 * (msgpack-c's packer, shortest forms), as for every other codec. Decoding
 * goes through the strict bounded reader of dht/wire/mpack.h, easier to
 * bound than a general unpacker: every read is checked against the
 * remaining length and its only recursion (skipping trailing elements) is
 * depth-limited.
 */
#include "config.h"

#include <string.h>

#include "src/chat/chat_codec.h"
#include "dht/wire/mpack.h"
#include "dht/wire/mpack_writer.h"
#include "src/ui/sanitize.h"
#include "dht/wire/utf8.h"

/* A non-negative integer in any msgpack integer format. */
static enum chat_drop
read_uint(struct mpack_reader *r, uint64_t *v)
{
	return mpack_read_uint(r, v, "not a uint") != 0 ? CHAT_DROP_SHAPE : CHAT_DROP_NONE;
}

/* A str of at most max bytes of well-formed UTF-8. */
static enum chat_drop
read_str(struct mpack_reader *r, size_t max, const uint8_t **s, size_t *len)
{
	const uint8_t *p;
	size_t n;

	if (mpack_read_str(r, &p, &n, "not a str") != 0)
		return CHAT_DROP_SHAPE;			/* bin, nil, int, truncated, ... */
	if (n > max)
		return CHAT_DROP_LIMIT;
	*s = p;
	*len = n;
	if (!utf8_valid(*s, *len))
		return CHAT_DROP_UTF8;
	return CHAT_DROP_NONE;
}

enum chat_drop
chat_decode(struct chat_frame *f, const uint8_t *buf, size_t len)
{
	struct mpack_reader r;
	uint64_t count, type, need, i;
	enum chat_drop e;

	memset(f, 0, sizeof(*f));
	if (len == 0 || len > CHAT_FRAME_MAX)
		return CHAT_DROP_SIZE;

	/*
	 * The count is not bounded by the bytes left here: a short frame must
	 * still report an unknown type or a bad first element as such.
	 */
	mpack_reader_init(&r, buf, len);
	if (mpack_read_array_len(&r, &count, "not an array") != 0)
		return CHAT_DROP_SHAPE;
	if (count == 0)
		return CHAT_DROP_SHAPE;
	if ((e = read_uint(&r, &type)) != CHAT_DROP_NONE)
		return e;

	switch (type) {
	case CHAT_HELLO:
		need = 3;
		break;
	case CHAT_MSG:
		need = 4;
		break;
	case CHAT_ACK:
		need = 2;
		break;
	case CHAT_BYE:
		need = 1;
		break;
	case CHAT_XMSG:
		need = 5;
		break;
	default:
		return CHAT_DROP_TYPE;		/* a later version's: not parsed */
	}
	if (count < need)
		return CHAT_DROP_SHAPE;
	f->type = (enum chat_msg_type)type;

	/* The first failure wins. */
	switch (f->type) {
	case CHAT_HELLO:
		if ((e = read_str(&r, CHAT_NICK_MAX, &f->nick, &f->nick_len)) != 0 ||
		    (e = read_uint(&r, &f->version)) != 0)
			return e;
		break;
	case CHAT_MSG:
		if ((e = read_uint(&r, &f->seq)) != 0 ||
		    (e = read_uint(&r, &f->unix_ms)) != 0 ||
		    (e = read_str(&r, CHAT_TEXT_MAX, &f->text, &f->text_len)) != 0)
			return e;
		break;
	case CHAT_XMSG:
		if ((e = read_uint(&r, &f->seq)) != 0 ||
		    (e = read_uint(&r, &f->unix_ms)) != 0 ||
		    (e = read_str(&r, CHAT_TEXT_MAX, &f->text, &f->text_len)) != 0 ||
		    (e = read_uint(&r, &f->flags)) != 0)
			return e;
		break;
	case CHAT_ACK:
		if ((e = read_uint(&r, &f->seq)) != 0)
			return e;
		break;
	case CHAT_BYE:
		break;
	}

	/* Later versions' trailing elements: well-formed, otherwise ignored. */
	for (i = need; i < count; i++)
		if (mpack_skip(&r, CHAT_NEST_MAX) != 0)
			return CHAT_DROP_SHAPE;
	if (mpack_end(&r, "trailing bytes") != 0)
		return CHAT_DROP_SHAPE;
	return CHAT_DROP_NONE;
}

size_t
chat_encode(uint8_t *buf, size_t cap, const struct chat_frame *f)
{
	struct mpack_writer w;
	size_t len;

	mpack_writer_init(&w, buf, cap);
	switch (f->type) {
	case CHAT_HELLO:
		if (f->nick_len > CHAT_NICK_MAX || (f->nick_len > 0 && f->nick == NULL) ||
		    !utf8_valid(f->nick, f->nick_len))
			return 0;
		mpack_write_array(&w, 3);
		mpack_write_uint(&w, CHAT_HELLO);
		mpack_write_str(&w, f->nick, f->nick_len);
		mpack_write_uint(&w, f->version);
		break;
	case CHAT_MSG:
	case CHAT_XMSG:
		if (f->text_len > CHAT_TEXT_MAX || (f->text_len > 0 && f->text == NULL) ||
		    !utf8_valid(f->text, f->text_len))
			return 0;
		mpack_write_array(&w, f->type == CHAT_XMSG ? 5 : 4);
		mpack_write_uint(&w, f->type);
		mpack_write_uint(&w, f->seq);
		mpack_write_uint(&w, f->unix_ms);
		mpack_write_str(&w, f->text, f->text_len);
		if (f->type == CHAT_XMSG)
			mpack_write_uint(&w, f->flags);
		break;
	case CHAT_ACK:
		mpack_write_array(&w, 2);
		mpack_write_uint(&w, CHAT_ACK);
		mpack_write_uint(&w, f->seq);
		break;
	case CHAT_BYE:
		mpack_write_array(&w, 1);
		mpack_write_uint(&w, CHAT_BYE);
		break;
	default:
		return 0;
	}
	/* Within limits a frame is at most 1056 bytes: never over CHAT_FRAME_MAX. */
	return mpack_writer_end(&w, &len) == 0 ? len : 0;
}

const char *
chat_drop_name(enum chat_drop reason)
{
	static const char *const names[CHAT_DROP_MAX] = {
		[CHAT_DROP_NONE] = "none",
		[CHAT_DROP_SIZE] = "size",
		[CHAT_DROP_SHAPE] = "shape",
		[CHAT_DROP_TYPE] = "type",
		[CHAT_DROP_LIMIT] = "limit",
		[CHAT_DROP_UTF8] = "utf8",
		[CHAT_DROP_SEQ] = "seq",
		[CHAT_DROP_STALE] = "stale",
		[CHAT_DROP_DUPLICATE] = "duplicate",
		[CHAT_DROP_WINDOW] = "window",
		[CHAT_DROP_NOMEM] = "nomem",
	};

	if ((unsigned)reason >= CHAT_DROP_MAX || names[reason] == NULL)
		return "unknown";
	return names[reason];
}
