/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox_codec.c — msgpack encode (mpack_writer.h: msgpack-c's packer) and
 * strict decode (mpack.h: a bounded reader of our own) of the mailbox body
 * and envelope.
 *
 * Decoder rules (doc/PROTOCOL.md "DHT mailbox"), the same as for records and
 * read the same way (mpack.h, and a field table for mpack_map.h):
 *  - every length is checked against the bytes left before it is used;
 *  - an integer is any msgpack int format holding a non-negative value; nil,
 *    bool and float are not integers; str and bin are not interchangeable;
 *  - the six known keys must appear exactly once; other keys (str or not)
 *    are skipped with their values, but a str key repeated is a duplicate;
 *  - nothing may follow the top-level value.
 */
#include "config.h"

#include <string.h>

#include "dht/wire/envelope.h"
#include "dht/mailbox/mailbox_codec.h"
#include "dht/wire/mpack.h"
#include "dht/wire/mpack_map.h"
#include "dht/wire/mpack_writer.h"

size_t
mailbox_frame_cost(size_t len)
{
	return (len <= 0xff ? 2 : 3) + len;
}

/* ---- encoder ---------------------------------------------------------- */

int
mailbox_encode_body(const struct mailbox_letter *l, uint8_t *out, size_t outlen, size_t *written)
{
	struct mpack_writer w;
	unsigned i;

	if (l->nframes == 0 || l->nframes > MAILBOX_MAX_FRAMES)
		return -1;
	for (i = 0; i < l->nframes; i++)
		if (l->frame_len[i] == 0 || l->frame_len[i] > MAILBOX_FRAME_MAX)
			return -1;

	/* Written in place: no copy of the (room-confidential) frames to wipe. */
	mpack_writer_init(&w, out, outlen);
	mpack_write_map(&w, 6);
	mpack_write_key(&w, "v");
	mpack_write_uint(&w, MAILBOX_VERSION);
	mpack_write_key(&w, "from");
	mpack_write_bin(&w, l->from, MAILBOX_ID_LEN);
	mpack_write_key(&w, "to");
	mpack_write_bin(&w, l->to, MAILBOX_ID_LEN);
	mpack_write_key(&w, "seq");
	mpack_write_uint(&w, l->seq);
	mpack_write_key(&w, "exp");
	mpack_write_uint(&w, l->exp);
	mpack_write_key(&w, "frames");
	mpack_write_array(&w, l->nframes);
	for (i = 0; i < l->nframes; i++)
		mpack_write_bin(&w, l->frame[i], l->frame_len[i]);
	return mpack_writer_end(&w, written);
}

int
mailbox_encode_envelope(const uint8_t *body, size_t body_len, const uint8_t sig[MAILBOX_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written)
{
	return envelope_encode(body, body_len, sig, out, outlen, written);
}

/* ---- envelope ---------------------------------------------------------- */

enum mailbox_reject
mailbox_decode_envelope(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
    const uint8_t **sig, const char **why)
{
	return envelope_decode(buf, len, body, body_len, sig, why) == 0 ? MBX_OK : MBX_SHAPE;
}

/* ---- body -------------------------------------------------------------- */

/* "frames": the custom field of the body table. */
static int
read_frames(struct mpack_reader *r, void *obj)
{
	struct mailbox_letter *l = obj;
	uint64_t n, i;

	if (mpack_read_array(r, &n, "frames is not an array") != 0)
		return -1;
	if (n == 0)
		return mpack_fail(r, "no frames");
	if (n > MAILBOX_MAX_FRAMES)
		return mpack_fail(r, "more than 64 frames");
	for (i = 0; i < n; i++) {
		if (mpack_read_bin(r, &l->frame[i], &l->frame_len[i], "frame is not bin") != 0)
			return -1;
		if (l->frame_len[i] == 0)
			return mpack_fail(r, "empty frame");
		if (l->frame_len[i] > MAILBOX_FRAME_MAX)
			return mpack_fail(r, "frame over 1232 bytes");
	}
	l->nframes = (unsigned)n;
	return 0;
}

static const struct mpack_field body_fields[] = {
	MPACK_CONST("v", MAILBOX_VERSION, "v is not a uint", "v is not 1"),
	MPACK_BIN("from", struct mailbox_letter, from, "from is not bin 32"),
	MPACK_BIN("to", struct mailbox_letter, to, "to is not bin 32"),
	MPACK_UINT("seq", struct mailbox_letter, seq, "seq is not a uint"),
	MPACK_UINT("exp", struct mailbox_letter, exp, "exp is not a uint"),
	MPACK_CUSTOM("frames", read_frames),
};

/* Every entry takes >= 2 bytes, so a body within a value has fewer. */
static const struct mpack_map body_map = {
	.fields = body_fields,
	.nfields = sizeof(body_fields) / sizeof(body_fields[0]),
	.max_keys = MAILBOX_MAX_VALUE / 2,
	.levels = MAILBOX_MAX_DEPTH,
	.not_map = "body is not a map",
};

_Static_assert(MAILBOX_MAX_VALUE / 2 <= MPACK_MAP_MAX_KEYS, "mailbox body keys");

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
	struct mpack_reader r;

	/* In place: buf may be l->buf, which is not cleared. */
	mpack_reader_init(&r, buf, len);
	clear_fields(l);
	if (mpack_read_fields(&r, &body_map, l) != 0 ||
	    mpack_end(&r, "trailing bytes after body") != 0) {
		clear_fields(l);
		if (why != NULL)
			*why = r.why;
		return MBX_SHAPE;
	}
	if (why != NULL)
		*why = NULL;
	return MBX_OK;
}
