/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record_codec.h — the msgpack layers of the endpoint record, inside the AEAD
 * (doc/PROTOCOL.md "Endpoint record"). Internal to dht/: record.c, the unit
 * tests and the fuzzer use it; everyone else goes through record.h.
 *
 *   body     = map { "v": 1, "id": bin 32, "wg": bin 32, "nick": str <= 32,
 *                    "seq": uint, "exp": uint, "c": [[kind, addr, port], ...] }
 *   envelope = [ body (bin), sig (bin 64) ]
 *
 * The encoder is dht/wire/mpack_writer.h (msgpack-c's packer: shortest
 * forms). The decoder is a small strict bounded reader of our own: it must
 * see trailing bytes, duplicate keys, str-versus-bin and
 * bool/float-versus-integer, which a generic unpacker smooths over, and it
 * never allocates.
 */
#ifndef GONET_RECORD_CODEC_H
#define GONET_RECORD_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "dht/record/record.h"

#define RECORD_MAGIC		"\x47\x4e\x01"
#define RECORD_SIG_LABEL	"gonet/v1/record"	/* 15 bytes, no terminator */

enum {
	RECORD_MAGIC_LEN = 3,
	RECORD_NONCE_LEN = 24,		/* XChaCha20-Poly1305-IETF */
	RECORD_TAG_LEN = 16,
	RECORD_SIG_LABEL_LEN = 15,
	RECORD_OVERHEAD = RECORD_MAGIC_LEN + RECORD_NONCE_LEN + RECORD_TAG_LEN,	/* 43 */
	RECORD_MAX_DEPTH = 8		/* nesting allowed inside ignored values */
};

/*
 * Encode rec's body into out. Fails (-1) if rec is not encodable (nick over
 * RECORD_MAX_NICK bytes or not valid UTF-8, more than RECORD_MAX_CANDIDATES,
 * a family other than 4 or 6) or the result does not fit in outlen.
 */
int record_encode_body(const struct record *rec, uint8_t *out, size_t outlen, size_t *written);
int record_encode_envelope(const uint8_t *body, size_t body_len, const uint8_t sig[RECORD_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written);

/*
 * Decode an envelope (the AEAD plaintext). On REC_OK, *body and *sig point
 * into buf. Otherwise REC_SHAPE with a short reason in *why (may be NULL).
 */
enum record_reject record_decode_envelope(const uint8_t *buf, size_t len, const uint8_t **body,
    size_t *body_len, const uint8_t **sig, const char **why);
/*
 * Decode a body. On REC_OK, *rec holds it with unusable candidates skipped;
 * otherwise REC_SHAPE, *rec is zeroed and *why (may be NULL) says why.
 */
enum record_reject record_decode_body(const uint8_t *buf, size_t len, struct record *rec,
    const char **why);

/*
 * record_seal() with a caller-chosen nonce: for test vectors only. A nonce
 * must never be reused under one record key.
 */
int record_seal_with_nonce(const struct record *rec, const uint8_t record_key[32],
    const uint8_t infohash[20], const uint8_t sign_sk[64], const uint8_t nonce[RECORD_NONCE_LEN],
    uint8_t *out, size_t outlen);

/* record_open(), also returning the shape reason (may be NULL). */
enum record_reject record_open_why(const uint8_t *value, size_t len, const uint8_t record_key[32],
    const uint8_t infohash[20], uint64_t now, struct record *rec, const char **why);

#endif
