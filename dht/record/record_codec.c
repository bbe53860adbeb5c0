/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record_codec.c — msgpack encode (mpack_writer.h: msgpack-c's packer) and
 * strict decode (mpack.h: our own bounded reader) of the record body and
 * envelope.
 *
 * Decoder rules (doc/PROTOCOL.md "Endpoint record"), read with mpack.h and
 * the body's field table (mpack_map.h):
 *  - every length is checked against the bytes left before it is used, so
 *    no count can make us loop or read past the buffer;
 *  - an integer is any msgpack int format holding a value in range; nil,
 *    bool and float are not integers; str and bin are not interchangeable;
 *  - the seven known keys must appear exactly once, "nat" at most once;
 *    other keys (str or not) are skipped, but a str key repeated anywhere
 *    is a duplicate;
 *  - nothing may follow the top-level value.
 */
#include "config.h"

#include <string.h>

#include "dht/wire/envelope.h"
#include "dht/wire/mpack.h"
#include "dht/wire/mpack_map.h"
#include "dht/wire/mpack_writer.h"
#include "dht/record/record_codec.h"
#include "dht/wire/utf8.h"

/* ---- encoder ---------------------------------------------------------- */

int
record_encode_body(const struct record *rec, uint8_t *out, size_t outlen, size_t *written)
{
	size_t nick_len = strnlen(rec->nick, sizeof(rec->nick));
	struct mpack_writer w;
	unsigned i;

	if (nick_len > RECORD_MAX_NICK || !utf8_valid((const uint8_t *)rec->nick, nick_len) ||
	    rec->ncand > RECORD_MAX_CANDIDATES)
		return -1;
	for (i = 0; i < rec->ncand; i++)
		if (rec->cand[i].family != 4 && rec->cand[i].family != 6)
			return -1;

	mpack_writer_init(&w, out, outlen);
	mpack_write_map(&w, rec->nat.cls != 0 ? 8 : 7);
	mpack_write_key(&w, "v");
	mpack_write_uint(&w, RECORD_VERSION);
	mpack_write_key(&w, "id");
	mpack_write_bin(&w, rec->id, RECORD_ID_LEN);
	mpack_write_key(&w, "wg");
	mpack_write_bin(&w, rec->wg, RECORD_WG_LEN);
	mpack_write_key(&w, "nick");
	mpack_write_str(&w, rec->nick, nick_len);
	mpack_write_key(&w, "seq");
	mpack_write_uint(&w, rec->seq);
	mpack_write_key(&w, "exp");
	mpack_write_uint(&w, rec->exp);
	mpack_write_key(&w, "c");
	mpack_write_array(&w, rec->ncand);
	for (i = 0; i < rec->ncand; i++) {
		const struct cand *c = &rec->cand[i];

		mpack_write_array(&w, 3);
		mpack_write_uint(&w, c->kind);
		mpack_write_bin(&w, c->addr, c->family == 4 ? 4 : 16);
		mpack_write_uint(&w, c->port);
	}
	if (rec->nat.cls != 0) {
		mpack_write_key(&w, "nat");
		mpack_write_array(&w, 2);
		mpack_write_uint(&w, rec->nat.cls);
		mpack_write_uint(&w, rec->nat.delta);
	}
	return mpack_writer_end(&w, written);
}

int
record_encode_envelope(const uint8_t *body, size_t body_len, const uint8_t sig[RECORD_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written)
{
	return envelope_encode(body, body_len, sig, out, outlen, written);
}

/* ---- envelope ---------------------------------------------------------- */

enum record_reject
record_decode_envelope(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
    const uint8_t **sig, const char **why)
{
	return envelope_decode(buf, len, body, body_len, sig, why) == 0 ? REC_OK : REC_SHAPE;
}

/* ---- body -------------------------------------------------------------- */

static int
addr_is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static int
v4_usable(const uint8_t a[4])
{
	if (a[0] == 0)				/* 0.0.0.0/8: unspecified, "this network" */
		return 0;
	if (a[0] >= 224)			/* 224/4 multicast, 240/4 reserved, broadcast */
		return 0;
	if (a[0] == 169 && a[1] == 254)		/* 169.254/16 link-local */
		return 0;
	return 1;
}

int
record_cand_usable(const struct cand *c)
{
	static const uint8_t zero[16];

	if (c->kind > CAND_RELAY || c->port == 0)
		return 0;
	if (c->family == 4)
		return v4_usable(c->addr);
	if (c->family != 6)
		return 0;
	if (memcmp(c->addr, zero, 16) == 0)	/* :: unspecified */
		return 0;
	if (c->addr[0] == 0xff)			/* ff00::/8 multicast */
		return 0;
	if (c->addr[0] == 0xfe && (c->addr[1] & 0xc0) == 0x80)	/* fe80::/10 */
		return 0;
	if (addr_is_v4_mapped(c->addr))
		return v4_usable(c->addr + 12);
	return 1;
}

/* One [kind, addr, port]; *usable says whether to keep it. */
static int
read_candidate(struct mpack_reader *r, struct cand *c, int *usable)
{
	uint64_t n, kind, port;
	const uint8_t *a;
	size_t alen;

	if (mpack_read_array(r, &n, "candidate is not an array") != 0)
		return -1;
	if (n != 3)
		return mpack_fail(r, "candidate is not an array of 3");
	if (mpack_read_uint(r, &kind, "candidate kind is not a uint") != 0 ||
	    mpack_read_bin(r, &a, &alen, "candidate addr is not bin") != 0 ||
	    mpack_read_uint(r, &port, "candidate port is not a uint") != 0)
		return -1;
	if (alen != 4 && alen != 16)
		return mpack_fail(r, "candidate addr is not 4 or 16 bytes");
	if (port > 65535)
		return mpack_fail(r, "candidate port over 65535");
	memset(c, 0, sizeof(*c));
	c->kind = kind > 255 ? 255 : (uint8_t)kind;	/* > CAND_RELAY: skipped below */
	c->family = alen == 4 ? 4 : 6;
	memcpy(c->addr, a, alen);
	c->port = (uint16_t)port;
	*usable = kind <= CAND_RELAY && record_cand_usable(c);
	return 0;
}

/* "c": the custom field of the body table. */
static int
read_candidates(struct mpack_reader *r, void *obj)
{
	struct record *rec = obj;
	uint64_t n, i;
	struct cand c;
	int usable = 0;

	if (mpack_read_array(r, &n, "c is not an array") != 0)
		return -1;
	if (n > RECORD_MAX_CANDIDATES)
		return mpack_fail(r, "more than 8 candidates");
	rec->ncand = 0;
	for (i = 0; i < n; i++) {
		if (read_candidate(r, &c, &usable) != 0)
			return -1;
		if (usable)
			rec->cand[rec->ncand++] = c;
	}
	return 0;
}

/* "nat": [class, delta], both uints; delta <= 65535. */
static int
read_nat(struct mpack_reader *r, void *obj)
{
	struct record *rec = obj;
	uint64_t n, cls, delta;

	if (mpack_read_array(r, &n, "nat is not an array") != 0)
		return -1;
	if (n != 2)
		return mpack_fail(r, "nat is not an array of 2");
	if (mpack_read_uint(r, &cls, "nat class is not a uint") != 0 ||
	    mpack_read_uint(r, &delta, "nat delta is not a uint") != 0)
		return -1;
	if (delta > 65535)
		return mpack_fail(r, "nat delta over 65535");
	rec->nat.cls = cls > 255 ? 255 : (uint8_t)cls;
	rec->nat.delta = (uint16_t)delta;
	return 0;
}

static const struct mpack_field body_fields[] = {
	MPACK_CONST("v", RECORD_VERSION, "v is not a uint", "v is not 1"),
	MPACK_BIN("id", struct record, id, "id is not bin 32"),
	MPACK_BIN("wg", struct record, wg, "wg is not bin 32"),
	MPACK_STR("nick", struct record, nick, "nick is not str", "nick over 32 bytes",
	    "nick is not valid UTF-8"),
	MPACK_UINT("seq", struct record, seq, "seq is not a uint"),
	MPACK_UINT("exp", struct record, exp, "exp is not a uint"),
	MPACK_CUSTOM("c", read_candidates),
	MPACK_CUSTOM_OPTIONAL("nat", read_nat),
};

/* Every entry takes >= 2 bytes, so a body within RECORD_MAX_VALUE has fewer. */
static const struct mpack_map body_map = {
	.fields = body_fields,
	.nfields = sizeof(body_fields) / sizeof(body_fields[0]),
	.max_keys = RECORD_MAX_VALUE / 2,
	.levels = RECORD_MAX_DEPTH,
	.not_map = "body is not a map",
};

_Static_assert(RECORD_MAX_VALUE / 2 <= MPACK_MAP_MAX_KEYS, "record body keys");

enum record_reject
record_decode_body(const uint8_t *buf, size_t len, struct record *rec, const char **why)
{
	struct mpack_reader r;
	struct record out;

	mpack_reader_init(&r, buf, len);
	memset(&out, 0, sizeof(out));
	if (mpack_read_fields(&r, &body_map, &out) != 0 ||
	    mpack_end(&r, "trailing bytes after body") != 0) {
		memset(rec, 0, sizeof(*rec));
		if (why != NULL)
			*why = r.why;
		return REC_SHAPE;
	}
	memcpy(rec, &out, sizeof(*rec));
	if (why != NULL)
		*why = NULL;
	return REC_OK;
}
