/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mpack_writer.h — the one msgpack writer of every codec: record and mailbox
 * bodies, the envelope (dht/) and chat frames (src/). It is msgpack-c's
 * packer with a write callback that fills the caller's fixed buffer.
 *
 * msgpack-c writes every integer, str, bin, array and map header in its
 * shortest form, as doc/PROTOCOL.md asks of encoders (and the signatures
 * cover the exact bytes). Writing in place means no malloc and no heap copy
 * of a room-confidential body left to wipe.
 *
 * Failure is sticky: once a write does not fit, it and every later one fail
 * (-1, writing nothing), and mpack_writer_end() reports it. So a codec
 * writes its whole value and checks once, at the end; a write's own result
 * is only worth checking to stop a loop early. On failure the bytes already
 * written are zeroed: a caller's buffer never keeps half a body.
 */
#ifndef GONET_MPACK_WRITER_H
#define GONET_MPACK_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct mpack_writer {
	uint8_t *p;
	size_t cap;
	size_t len;
	int full;			/* a write did not fit: sticky */
};

/* Write into buf[0..cap). */
void mpack_writer_init(struct mpack_writer *w, uint8_t *buf, size_t cap);

/* Each returns 0, or -1 if it (or an earlier write) did not fit. */
int mpack_write_uint(struct mpack_writer *w, uint64_t v);
int mpack_write_str(struct mpack_writer *w, const void *s, size_t n);
int mpack_write_bin(struct mpack_writer *w, const void *s, size_t n);
int mpack_write_array(struct mpack_writer *w, size_t count);
int mpack_write_map(struct mpack_writer *w, size_t count);
/* A str map key from a C string. */
int mpack_write_key(struct mpack_writer *w, const char *key);

/*
 * 0 with *written set to the bytes written, or -1 if anything did not fit
 * (the written bytes are then zeroed and *written is untouched).
 */
int mpack_writer_end(struct mpack_writer *w, size_t *written);

#endif
