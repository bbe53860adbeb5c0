/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox_codec.h — the msgpack layers of a mailbox value, inside the AEAD
 * (doc/PROTOCOL.md "DHT mailbox"). Internal to dht/: mailbox_seal.c, the
 * unit tests and the fuzzer use it; everyone else goes through mailbox.h.
 *
 *   body     = map { "v": 1, "from": bin 32, "to": bin 32, "seq": uint,
 *                    "exp": uint, "frames": [bin 1..1232, ...] (1..64) }
 *   envelope = [ body (bin), sig (bin 64) ]
 *
 * As for records, the decoder is a strict bounded reader of its own that
 * never allocates; unknown keys are skipped, a repeated str key is an error.
 */
#ifndef GONET_MAILBOX_CODEC_H
#define GONET_MAILBOX_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "dht/mailbox/mailbox.h"

#define MAILBOX_MAGIC		"\x47\x4e\x02"
#define MAILBOX_LABEL		"gonet/v1/mailbox"	/* 16 bytes, no terminator */

enum {
	MAILBOX_MAGIC_LEN = 3,
	MAILBOX_NONCE_LEN = 24,
	MAILBOX_TAG_LEN = 16,
	MAILBOX_LABEL_LEN = 16,
	MAILBOX_OVERHEAD = MAILBOX_MAGIC_LEN + MAILBOX_NONCE_LEN + MAILBOX_TAG_LEN,	/* 43 */
	MAILBOX_MAX_ENVELOPE = MAILBOX_MAX_VALUE - MAILBOX_OVERHEAD,
	MAILBOX_MAX_DEPTH = 8,		/* nesting inside skipped values */
	/*
	 * Envelope bytes around a body of up to 65535 bytes: array (1), bin 16
	 * header (3), sig (2 + 64).
	 */
	MAILBOX_ENVELOPE_EXTRA = 1 + 3 + 2 + MAILBOX_SIG_LEN,
	/*
	 * Body bytes besides the frames, at worst (seq and exp as uint 64, an
	 * array 16 header): map, "v" 1, "from" bin, "to" bin, "seq", "exp",
	 * "frames" [.
	 */
	MAILBOX_BODY_FIXED = 1 + 2 + 1 + 5 + 2 + MAILBOX_ID_LEN + 3 + 2 + MAILBOX_ID_LEN +
	    4 + 9 + 4 + 9 + 7 + 3
};

/* Bytes a frame of len adds to a body: its bin header and itself. */
size_t mailbox_frame_cost(size_t len);

/*
 * Encode l's body. Fails (-1) when nframes is 0 or over MAILBOX_MAX_FRAMES,
 * a frame is empty or over MAILBOX_FRAME_MAX, or it does not fit outlen.
 */
int mailbox_encode_body(const struct mailbox_letter *l, uint8_t *out, size_t outlen,
    size_t *written);
int mailbox_encode_envelope(const uint8_t *body, size_t body_len,
    const uint8_t sig[MAILBOX_SIG_LEN], uint8_t *out, size_t outlen, size_t *written);

/* On MBX_OK *body and *sig point into buf; otherwise MBX_SHAPE and *why (may be NULL). */
enum mailbox_reject mailbox_decode_envelope(const uint8_t *buf, size_t len, const uint8_t **body,
    size_t *body_len, const uint8_t **sig, const char **why);
/*
 * Decode a body into from, to, seq, exp and the frames, which point into
 * buf. MBX_OK, or MBX_SHAPE with *why (may be NULL) and l's fields zeroed
 * (l->buf is not touched).
 */
enum mailbox_reject mailbox_decode_body(const uint8_t *buf, size_t len, struct mailbox_letter *l,
    const char **why);

/* mailbox_seal() with a caller-chosen nonce: for test vectors only. */
int mailbox_seal_with_nonce(const struct mailbox_letter *l, const uint8_t key[MAILBOX_KEY_LEN],
    const uint8_t infohash[MAILBOX_INFOHASH_LEN], const uint8_t sign_sk[64],
    const uint8_t nonce[MAILBOX_NONCE_LEN], uint8_t *out, size_t outlen);
/* mailbox_open(), also returning the shape reason (may be NULL). */
enum mailbox_reject mailbox_open_why(const uint8_t *value, size_t len,
    const uint8_t key[MAILBOX_KEY_LEN], const uint8_t infohash[MAILBOX_INFOHASH_LEN],
    const uint8_t own_id[MAILBOX_ID_LEN], uint64_t now, struct mailbox_letter *l,
    const char **why);

#endif
