/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox_codec.c — msgpack encode (mpack_writer.h: msgpack-c's packer) and
 * strict decode (mpack.h: a bounded reader of our own) of the mailbox body
 * and envelope.
 *
 * Decoder rules (doc/PROTOCOL.md "DHT mailbox"), the same as for records and
 * read with the same mpack.h:
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

static int
read_frames(struct mpack_reader *r, struct mailbox_letter *l)
{
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

static int
read_field(struct mpack_reader *r, enum body_key k, struct mailbox_letter *l)
{
	uint64_t v;

	switch (k) {
	case KEY_V:
		if (mpack_read_uint(r, &v, "v is not a uint") != 0)
			return -1;
		if (v != MAILBOX_VERSION)
			return mpack_fail(r, "v is not 1");
		return 0;
	case KEY_FROM:
		return mpack_read_bin_exact(r, l->from, MAILBOX_ID_LEN, "from is not bin 32");
	case KEY_TO:
		return mpack_read_bin_exact(r, l->to, MAILBOX_ID_LEN, "to is not bin 32");
	case KEY_SEQ:
		return mpack_read_uint(r, &l->seq, "seq is not a uint");
	case KEY_EXP:
		return mpack_read_uint(r, &l->exp, "exp is not a uint");
	case KEY_FRAMES:
		return read_frames(r, l);
	case KEY_UNKNOWN:
		break;
	}
	return mpack_skip(r, MAILBOX_MAX_DEPTH);
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
	struct mpack_key keys[MAILBOX_MAX_VALUE / 2];
	struct mpack_reader r;
	uint64_t count, i;
	size_t nkeys = 0;
	unsigned seen = 0;

	mpack_reader_init(&r, buf, len);
	clear_fields(l);
	if (mpack_read_map(&r, &count, "body is not a map") != 0)
		goto shape;
	if (count > sizeof(keys) / sizeof(keys[0])) {
		mpack_fail(&r, "too many keys");
		goto shape;
	}
	for (i = 0; i < count; i++) {
		enum body_key k = KEY_UNKNOWN;
		const uint8_t *s;
		size_t n;

		if (mpack_read_key(&r, keys, &nkeys, &s, &n, MAILBOX_MAX_DEPTH) != 0)
			goto shape;
		if (s != NULL)
			k = (enum body_key)mpack_key_index(body_key_names, KEY__COUNT, s, n);
		if (read_field(&r, k, l) != 0)
			goto shape;
		if (k != KEY_UNKNOWN)
			seen |= 1u << k;
	}
	if (seen != (1u << KEY__COUNT) - 1) {
		mpack_fail(&r, "missing key");
		goto shape;
	}
	if (mpack_end(&r, "trailing bytes after body") != 0)
		goto shape;
	if (why != NULL)
		*why = NULL;
	return MBX_OK;
shape:
	clear_fields(l);
	if (why != NULL)
		*why = r.why;
	return MBX_SHAPE;
}
