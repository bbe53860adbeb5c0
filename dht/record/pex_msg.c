/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pex_msg.c — peer exchange message codec (pex_msg.h). Strict: every length
 * is checked against the bytes left before it is used (mpack.c), nothing
 * may follow the message, and the value count is bounded before the loop.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "dht/record/pex_msg.h"
#include "dht/wire/mpack.h"
#include "dht/wire/mpack_writer.h"

static const char *const error_names[PEX_MSG__COUNT] = {
	[PEX_MSG_OK] = "ok",
	[PEX_MSG_SIZE] = "size",
	[PEX_MSG_SHAPE] = "shape",
	[PEX_MSG_TYPE] = "type",
	[PEX_MSG_COUNT] = "count",
	[PEX_MSG_VALUE] = "value"
};

const char *
pex_msg_error_name(enum pex_msg_error e)
{
	return (unsigned)e < PEX_MSG__COUNT ? error_names[e] : "unknown";
}

/* msgpack's shortest bin header for n bytes. */
static size_t
bin_header(size_t n)
{
	return n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

size_t
pex_msg_size(const size_t *len, unsigned n)
{
	size_t total = 1 + 1 + 9 + 1;	/* array of 3, type, epoch (at most), value array (n <= 15) */
	unsigned i;

	for (i = 0; i < n; i++)
		total += bin_header(len[i]) + len[i];
	return total;
}

int
pex_msg_encode(uint64_t epoch, const uint8_t *const *value, const size_t *len, unsigned n,
    uint8_t *out, size_t cap)
{
	struct mpack_writer w;
	size_t written;
	unsigned i;

	if (n == 0 || n > PEX_MAX_VALUES)
		return -1;
	for (i = 0; i < n; i++)
		if (len[i] == 0 || len[i] > RECORD_MAX_VALUE)
			return -1;
	mpack_writer_init(&w, out, cap < PEX_MAX_MSG ? cap : PEX_MAX_MSG);
	mpack_write_array(&w, 3);
	mpack_write_uint(&w, PEX_TYPE_RECORDS);
	mpack_write_uint(&w, epoch);
	mpack_write_array(&w, n);
	for (i = 0; i < n; i++)
		mpack_write_bin(&w, value[i], len[i]);
	if (mpack_writer_end(&w, &written) != 0)
		return -1;
	return (int)written;
}

int
pex_have_encode(const uint8_t salt[PEX_HAVE_SALT], const uint8_t *digests, unsigned n,
    uint8_t *out, size_t cap)
{
	struct mpack_writer w;
	size_t written;

	if (n > PEX_HAVE_MAX)
		return -1;
	mpack_writer_init(&w, out, cap < PEX_MAX_MSG ? cap : PEX_MAX_MSG);
	mpack_write_array(&w, 3);
	mpack_write_uint(&w, PEX_TYPE_HAVE);
	mpack_write_bin(&w, salt, PEX_HAVE_SALT);
	mpack_write_bin(&w, digests, (size_t)n * PEX_HAVE_DIGEST);
	if (mpack_writer_end(&w, &written) != 0)
		return -1;
	return (int)written;
}

void
pex_have_digest(const uint8_t salt[PEX_HAVE_SALT], const uint8_t *value, size_t len,
    uint8_t out[PEX_HAVE_DIGEST])
{
	uint8_t h[16];

	crypto_generichash(h, sizeof(h), value, len, salt, PEX_HAVE_SALT);
	memcpy(out, h, PEX_HAVE_DIGEST);
}

/* The rest of a HAVE, after its type; count is the array's length. */
static enum pex_msg_error
decode_have(struct mpack_reader *r, uint64_t count, struct pex_msg *m)
{
	const uint8_t *salt, *d;
	size_t slen, dlen;

	if (count != 3 || mpack_read_bin(r, &salt, &slen, "salt") != 0 || slen != PEX_HAVE_SALT ||
	    mpack_read_bin(r, &d, &dlen, "digests") != 0 || dlen % PEX_HAVE_DIGEST != 0 ||
	    mpack_end(r, "trailing bytes") != 0)
		return PEX_MSG_SHAPE;
	if (dlen / PEX_HAVE_DIGEST > PEX_HAVE_MAX)
		return PEX_MSG_COUNT;
	m->type = PEX_TYPE_HAVE;
	m->salt = salt;
	m->digests = d;
	m->ndigests = (unsigned)(dlen / PEX_HAVE_DIGEST);
	return PEX_MSG_OK;
}

enum pex_msg_error
pex_msg_decode(const uint8_t *buf, size_t len, struct pex_msg *m)
{
	struct mpack_reader r;
	uint64_t count, type, n;
	unsigned i;

	memset(m, 0, sizeof(*m));
	if (len > PEX_MAX_MSG)
		return PEX_MSG_SIZE;
	mpack_reader_init(&r, buf, len);
	/* The type first: an unknown one is "type" whatever follows it. */
	if (mpack_read_array(&r, &count, "message") != 0 || count < 1 ||
	    mpack_read_uint(&r, &type, "type") != 0)
		return PEX_MSG_SHAPE;
	if (type == PEX_TYPE_HAVE)
		return decode_have(&r, count, m);
	if (type != PEX_TYPE_RECORDS)
		return PEX_MSG_TYPE;
	if (count != 3 || mpack_read_uint(&r, &m->epoch, "epoch") != 0 ||
	    mpack_read_array(&r, &n, "values") != 0)
		return PEX_MSG_SHAPE;
	if (n == 0 || n > PEX_MAX_VALUES)
		return PEX_MSG_COUNT;
	for (i = 0; i < n; i++) {
		if (mpack_read_bin(&r, &m->value[i], &m->len[i], "value") != 0) {
			memset(m, 0, sizeof(*m));
			return PEX_MSG_SHAPE;
		}
		if (m->len[i] == 0 || m->len[i] > RECORD_MAX_VALUE) {
			memset(m, 0, sizeof(*m));
			return PEX_MSG_VALUE;
		}
	}
	if (mpack_end(&r, "trailing bytes") != 0) {
		memset(m, 0, sizeof(*m));
		return PEX_MSG_SHAPE;
	}
	m->type = PEX_TYPE_RECORDS;
	m->n = (unsigned)n;
	return PEX_MSG_OK;
}
