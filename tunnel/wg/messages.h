/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * messages.h — the WireGuard wire format (message types 1-4) and every
 * protocol constant of the paper, in one place.
 *
 * All multi-byte fields are little-endian on the wire. The structs have no
 * implicit padding (checked below), so a message is read by checking its
 * length and then memcpy()ing it into the struct: the input buffer need not
 * be aligned.
 */
#ifndef GONET_TUNNEL_MESSAGES_H
#define GONET_TUNNEL_MESSAGES_H

#include <stdint.h>

enum noise_lengths {
	NOISE_PUBLIC_KEY_LEN = 32,
	NOISE_SYMMETRIC_KEY_LEN = 32,
	NOISE_TIMESTAMP_LEN = 12,
	NOISE_AUTHTAG_LEN = 16,
	NOISE_HASH_LEN = 32
};

#define noise_encrypted_len(plain_len) ((plain_len) + NOISE_AUTHTAG_LEN)

enum cookie_values {
	COOKIE_SECRET_MAX_AGE = 2 * 60,
	COOKIE_SECRET_LATENCY = 5,
	COOKIE_NONCE_LEN = 24,
	COOKIE_LEN = 16
};

/* Times are in seconds, as in the paper (section 6). */
enum counter_values {
	COUNTER_BITS_TOTAL = 8192,
	COUNTER_REDUNDANT_BITS = 64,
	COUNTER_WINDOW_SIZE = COUNTER_BITS_TOTAL - COUNTER_REDUNDANT_BITS
};

enum limits {
	REKEY_TIMEOUT = 5,
	REKEY_TIMEOUT_JITTER_MAX_MS = 333,	/* 0..HZ/3, as Linux */
	REKEY_AFTER_TIME = 120,
	REKEY_ATTEMPT_TIME = 90,
	REJECT_AFTER_TIME = 180,
	INITIATIONS_PER_SECOND = 50,
	MAX_PEERS_PER_DEVICE = 1U << 20,
	KEEPALIVE_TIMEOUT = 10,
	MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT,
	MAX_QUEUED_INCOMING_HANDSHAKES = 4096,
	MAX_STAGED_PACKETS = 128,
	MAX_QUEUED_PACKETS = 1024
};

/* Message counters do not fit an int; a separate, 64-bit enum. */
enum message_counter_limits {
	REKEY_AFTER_MESSAGES = 1ULL << 60,
	REJECT_AFTER_MESSAGES = UINT64_MAX - (1ULL << 13)	/* 2^64 - 2^13 - 1 */
};

enum message_type {
	MESSAGE_INVALID = 0,
	MESSAGE_HANDSHAKE_INITIATION = 1,
	MESSAGE_HANDSHAKE_RESPONSE = 2,
	MESSAGE_HANDSHAKE_COOKIE = 3,
	MESSAGE_DATA = 4
};

/* type is a le32 whose upper three bytes are reserved and must be zero. */
struct message_header {
	uint32_t type;
};

struct message_macs {
	uint8_t mac1[COOKIE_LEN];
	uint8_t mac2[COOKIE_LEN];
};

struct message_handshake_initiation {
	struct message_header header;
	uint32_t sender_index;
	uint8_t unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	uint8_t encrypted_static[noise_encrypted_len(NOISE_PUBLIC_KEY_LEN)];
	uint8_t encrypted_timestamp[noise_encrypted_len(NOISE_TIMESTAMP_LEN)];
	struct message_macs macs;
};

struct message_handshake_response {
	struct message_header header;
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	uint8_t encrypted_nothing[noise_encrypted_len(0)];
	struct message_macs macs;
};

struct message_handshake_cookie {
	struct message_header header;
	uint32_t receiver_index;
	uint8_t nonce[COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[noise_encrypted_len(COOKIE_LEN)];
};

/* Followed by the encrypted, padded inner packet and its tag. */
struct message_data {
	struct message_header header;
	uint32_t key_idx;
	uint64_t counter;
};

enum message_sizes {
	MESSAGE_INITIATION_LEN = 148,
	MESSAGE_RESPONSE_LEN = 92,
	MESSAGE_COOKIE_LEN = 64,
	MESSAGE_DATA_HEADER_LEN = 16,
	MESSAGE_DATA_MIN_LEN = MESSAGE_DATA_HEADER_LEN + NOISE_AUTHTAG_LEN,
	MESSAGE_PADDING_MULTIPLE = 16,
	/* Largest datagram a peer may send: a 64 KiB inner packet. */
	MESSAGE_MAX_LEN = MESSAGE_DATA_MIN_LEN + 65536
};

#define message_data_len(plain_len) \
	(noise_encrypted_len(plain_len) + MESSAGE_DATA_HEADER_LEN)

_Static_assert(sizeof(struct message_handshake_initiation) == MESSAGE_INITIATION_LEN,
    "initiation is 148 bytes");
_Static_assert(sizeof(struct message_handshake_response) == MESSAGE_RESPONSE_LEN,
    "response is 92 bytes");
_Static_assert(sizeof(struct message_handshake_cookie) == MESSAGE_COOKIE_LEN,
    "cookie reply is 64 bytes");
_Static_assert(sizeof(struct message_data) == MESSAGE_DATA_HEADER_LEN,
    "transport header is 16 bytes");

#endif
