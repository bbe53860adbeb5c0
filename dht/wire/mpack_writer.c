/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mpack_writer.c — msgpack-c's packer into a fixed buffer (mpack_writer.h).
 */
#include "config.h"

#include <string.h>

#include <msgpack.h>

#include "dht/wire/mpack_writer.h"

void
mpack_writer_init(struct mpack_writer *w, uint8_t *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	w->full = 0;
}

/* The packer's write callback: all of buf or nothing. */
static int
sink(void *data, const char *buf, size_t len)
{
	struct mpack_writer *w = data;

	if (w->full || len > w->cap - w->len) {
		w->full = 1;
		return -1;
	}
	if (len > 0)			/* a 0-byte str body may come with buf NULL */
		memcpy(w->p + w->len, buf, len);
	w->len += len;
	return 0;
}

/*
 * msgpack-c's pack functions are static inline and a packer is two
 * pointers, so one is made per call: callers never see msgpack.h.
 */
#define PACKER(pk, w)	msgpack_packer pk = { .data = (w), .callback = sink }

int
mpack_write_uint(struct mpack_writer *w, uint64_t v)
{
	PACKER(pk, w);

	return msgpack_pack_uint64(&pk, v);
}

int
mpack_write_str(struct mpack_writer *w, const void *s, size_t n)
{
	PACKER(pk, w);

	return msgpack_pack_str_with_body(&pk, s, n);
}

int
mpack_write_bin(struct mpack_writer *w, const void *s, size_t n)
{
	PACKER(pk, w);

	return msgpack_pack_bin_with_body(&pk, s, n);
}

int
mpack_write_array(struct mpack_writer *w, size_t count)
{
	PACKER(pk, w);

	return msgpack_pack_array(&pk, count);
}

int
mpack_write_map(struct mpack_writer *w, size_t count)
{
	PACKER(pk, w);

	return msgpack_pack_map(&pk, count);
}

int
mpack_write_key(struct mpack_writer *w, const char *key)
{
	return mpack_write_str(w, key, strlen(key));
}

int
mpack_writer_end(struct mpack_writer *w, size_t *written)
{
	if (w->full) {
		if (w->len > 0)
			memset(w->p, 0, w->len);
		return -1;
	}
	*written = w->len;
	return 0;
}
