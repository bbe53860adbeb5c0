/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn_msg.h — the TURN (RFC 8656) wire format: STUN-framed requests and
 * indications with the long-term credential mechanism (RFC 8489 section 9.2),
 * the parser for responses and Data indications, and ChannelData framing.
 * Pure functions over byte buffers; tunnel/turn/turn.c runs the client on top.
 *
 * Every STUN-framed message is built and walked by the one STUN codec,
 * tunnel/nat/stun_msg.h, which the Binding client uses too: same framing,
 * FINGERPRINT and MESSAGE-INTEGRITY rules. This file adds TURN's attributes
 * to its rule table and reads them into struct turn_msg.
 */
#ifndef GONET_TURN_MSG_H
#define GONET_TURN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"
#include "tunnel/nat/stun_msg.h"

/* TURN methods (RFC 8656 section 17). */
enum turn_method {
	TURN_METHOD_BINDING = STUN_METHOD_BINDING,	/* STUN's; used by the RFC 5769 vector */
	TURN_METHOD_ALLOCATE = 0x003,
	TURN_METHOD_REFRESH = 0x004,
	TURN_METHOD_SEND = 0x006,
	TURN_METHOD_DATA = 0x007,
	TURN_METHOD_CREATE_PERMISSION = 0x008,
	TURN_METHOD_CHANNEL_BIND = 0x009
};

/* STUN classes, as the C1/C0 bits of the message type. */
enum turn_class {
	TURN_CLASS_REQUEST = STUN_CLASS_REQUEST,
	TURN_CLASS_INDICATION = STUN_CLASS_INDICATION,
	TURN_CLASS_SUCCESS = STUN_CLASS_SUCCESS,
	TURN_CLASS_ERROR = STUN_CLASS_ERROR
};

/* TURN attributes (RFC 8656 section 18); the STUN ones are in stun_msg.h. */
enum turn_attr_type {
	TURN_ATTR_CHANNEL_NUMBER = 0x000C,
	TURN_ATTR_LIFETIME = 0x000D,
	TURN_ATTR_XOR_PEER_ADDRESS = 0x0012,
	TURN_ATTR_DATA = 0x0013,
	TURN_ATTR_XOR_RELAYED_ADDRESS = 0x0016,
	TURN_ATTR_REQUESTED_ADDRESS_FAMILY = 0x0017,
	TURN_ATTR_EVEN_PORT = 0x0018,
	TURN_ATTR_REQUESTED_TRANSPORT = 0x0019,
	TURN_ATTR_DONT_FRAGMENT = 0x001A,
	TURN_ATTR_RESERVATION_TOKEN = 0x0022,
	TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY = 0x8000,
	TURN_ATTR_ADDRESS_ERROR_CODE = 0x8001,
	TURN_ATTR_ICMP = 0x8004
};

enum {
	TURN_PROTO_UDP = 17,			/* REQUESTED-TRANSPORT value */
	TURN_MI_LEN = STUN_MI_LEN,		/* MESSAGE-INTEGRITY (HMAC-SHA1) */
	TURN_KEY_LEN = STUN_LONG_TERM_KEY_LEN,	/* long-term key, MD5(user:realm:pass) */
	/* RFC 8489 section 14: USERNAME < 509 bytes, REALM and NONCE <= 763 bytes. */
	TURN_USERNAME_MAX = 508,
	TURN_REALM_MAX = STUN_REALM_MAX,
	TURN_NONCE_MAX = STUN_NONCE_MAX,
	TURN_PASSWORD_MAX = 256,		/* ours: no limit on the wire, the key hashes it */
	/* Channel numbers (RFC 8656 section 12). */
	TURN_CHANNEL_MIN = 0x4000,
	TURN_CHANNEL_MAX = 0x4FFE,
	TURN_CHANNEL_HEADER_LEN = 4,
	/* Largest control message we build: header, USERNAME, REALM, NONCE (with padding),
	 * XOR-PEER-ADDRESS, CHANNEL-NUMBER, LIFETIME, REQUESTED-TRANSPORT, MI, FINGERPRINT. */
	TURN_CONTROL_MAX = 20 + (4 + 508) + (4 + 764) + (4 + 764) + 24 + 8 + 8 + 8 + 24 + 8,
	/* Send indication overhead: header, XOR-PEER-ADDRESS (v6), DATA header and padding, FINGERPRINT. */
	TURN_SEND_OVERHEAD = 20 + 24 + 4 + 3 + 8,
	TURN_PAYLOAD_MAX = 65535 - TURN_SEND_OVERHEAD
};

/* ChannelData header: channel number, payload length, both big-endian. */
struct turn_channel_header {
	uint8_t channel[2];
	uint8_t length[2];
};

/* STUN error codes a TURN client meets (RFC 8489 section 14.8, RFC 8656 section 19). */
enum turn_error_code {
	TURN_CODE_TRY_ALTERNATE = 300,
	TURN_CODE_BAD_REQUEST = 400,
	TURN_CODE_UNAUTHORIZED = 401,
	TURN_CODE_FORBIDDEN = 403,
	TURN_CODE_UNKNOWN_ATTRIBUTE = 420,
	TURN_CODE_ALLOCATION_MISMATCH = 437,
	TURN_CODE_STALE_NONCE = 438,
	TURN_CODE_ADDRESS_FAMILY = 440,
	TURN_CODE_WRONG_CREDENTIALS = 441,
	TURN_CODE_UNSUPPORTED_TRANSPORT = 442,
	TURN_CODE_PEER_FAMILY_MISMATCH = 443,
	TURN_CODE_QUOTA_REACHED = 486,
	TURN_CODE_SERVER_ERROR = 500,
	TURN_CODE_INSUFFICIENT_CAPACITY = 508
};

/* Why a message was not accepted by the parser: the codec's reasons, see enum stun_msg_err. */
enum turn_msg_err {
	TURN_MSG_OK = STUN_MSG_OK,
	TURN_MSG_SHORT = STUN_MSG_SHORT,
	TURN_MSG_NOT_STUN = STUN_MSG_NOT_STUN,
	TURN_MSG_LENGTH = STUN_MSG_LENGTH,
	TURN_MSG_ATTR = STUN_MSG_ATTR,
	TURN_MSG_ADDRESS = STUN_MSG_ADDRESS,
	TURN_MSG_FINGERPRINT = STUN_MSG_FINGERPRINT,
	TURN_MSG_ERROR_CODE = STUN_MSG_ERROR_CODE,
	TURN_MSG__COUNT = STUN_MSG__COUNT
};

/* What a request or indication carries; zero-initialise and fill what applies. */
struct turn_request {
	uint16_t method;		/* enum turn_method */
	uint16_t cls;			/* enum turn_class: REQUEST or INDICATION */
	const uint8_t *txid;		/* STUN_TXID_LEN bytes */
	int have_lifetime;
	uint32_t lifetime;		/* seconds */
	int requested_transport;	/* adds REQUESTED-TRANSPORT UDP */
	const struct endpoint *peer;	/* adds XOR-PEER-ADDRESS */
	uint16_t channel;		/* nonzero: CHANNEL-NUMBER */
	const uint8_t *data;		/* with have_data: DATA */
	size_t data_len;
	int have_data;
	int fingerprint;		/* adds FINGERPRINT last */
};

/*
 * Long-term credentials once the server's challenge is known. key is
 * MD5(username ":" realm ":" password), the password itself is not kept.
 */
struct turn_auth {
	char username[TURN_USERNAME_MAX + 1];
	size_t username_len;
	char realm[TURN_REALM_MAX + 1];
	size_t realm_len;
	uint8_t nonce[TURN_NONCE_MAX];
	size_t nonce_len;
	uint8_t key[TURN_KEY_LEN];
};

/* A parsed message: pointers refer into the parsed buffer. */
struct turn_msg {
	uint16_t type;
	uint16_t method;		/* enum turn_method */
	uint16_t cls;			/* enum turn_class */
	uint8_t txid[STUN_TXID_LEN];
	uint16_t error_code;		/* 300..699 for an error response, else 0 */
	int have_relayed;
	struct endpoint relayed;	/* XOR-RELAYED-ADDRESS (first) */
	int have_mapped;
	struct endpoint mapped;		/* XOR-MAPPED-ADDRESS */
	int have_peer;
	struct endpoint peer;		/* XOR-PEER-ADDRESS */
	int have_lifetime;
	uint32_t lifetime;
	int have_channel;
	uint16_t channel;
	int have_data;
	const uint8_t *data;
	size_t data_len;
	const uint8_t *realm;
	size_t realm_len;
	const uint8_t *nonce;
	size_t nonce_len;
	size_t integrity_off;		/* offset of MESSAGE-INTEGRITY, 0 when absent */
	int fingerprint;		/* FINGERPRINT present and verified */
	unsigned n_unknown;		/* unknown comprehension-required attributes */
	uint16_t unknown_first;		/* the first of them, for logs */
};

const char *turn_msg_err_name(enum turn_msg_err e);

/* STUN message type from method and class (RFC 8489 section 5). */
uint16_t turn_msg_type(uint16_t method, uint16_t cls);

/*
 * Fill auth from the credentials and a challenge's realm and nonce, deriving
 * the key. Returns 0, -1 when a field is empty or too long (auth is then wiped).
 */
int turn_auth_set(struct turn_auth *auth, const char *username, size_t username_len,
    const char *password, size_t password_len, const uint8_t *realm, size_t realm_len,
    const uint8_t *nonce, size_t nonce_len);
/* Replace the nonce (438 Stale Nonce). Returns 0, -1 when empty or too long. */
int turn_auth_set_nonce(struct turn_auth *auth, const uint8_t *nonce, size_t nonce_len);
void turn_auth_wipe(struct turn_auth *auth);

/*
 * Build a request or indication into out. With auth (not NULL), USERNAME,
 * NONCE, REALM and MESSAGE-INTEGRITY follow the other attributes (in that
 * order, as the RFC 5769 sample). Returns the length, 0 when out is too small
 * or the request is invalid.
 */
size_t turn_msg_build(uint8_t *out, size_t outlen, const struct turn_request *req,
    const struct turn_auth *auth);

/*
 * Parse any STUN-framed TURN message with the codec's rules (stun_msg.h):
 * every attribute with its padding inside the message, known attributes
 * well formed, FINGERPRINT (if present) last and correct, after
 * MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT read.
 * Says nothing about whether it is a response we expect.
 */
enum turn_msg_err turn_msg_parse(const uint8_t *buf, size_t len, struct turn_msg *m);

/* 1 when m (parsed from buf) carries MESSAGE-INTEGRITY that verifies under key. */
int turn_msg_check_integrity(const uint8_t *buf, size_t len, const struct turn_msg *m,
    const uint8_t key[TURN_KEY_LEN]);

/* ChannelData: header + payload, no padding. Returns the length, 0 if it does not fit. */
size_t turn_channel_wrap(uint8_t *out, size_t outlen, uint16_t channel, const uint8_t *payload,
    size_t len);
/*
 * 1 and the channel and payload when buf is a well-formed ChannelData
 * message: first two bits 01, channel in TURN_CHANNEL_MIN..0x4FFF, length
 * field at most the rest, and at most 3 bytes of padding after it.
 */
int turn_channel_parse(const uint8_t *buf, size_t len, uint16_t *channel, const uint8_t **payload,
    size_t *payload_len);

#endif
