/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stun_msg.h — the one STUN message codec (RFC 8489), shared by the Binding
 * client (tunnel/nat/stun.c) and the TURN client (tunnel/turn/turn_msg.c):
 * the header, a table-driven walk over the attributes, the address,
 * ERROR-CODE, MESSAGE-INTEGRITY and FINGERPRINT helpers, and a writer that
 * builds messages. Pure functions over byte buffers: no socket, no clock.
 *
 * Parsing takes two steps, so that a caller can refuse a message by its type
 * or transaction id before it reads a single attribute:
 *   stun_msg_header()  the 20-byte header against the datagram
 *   stun_msg_attrs()   every attribute, in order, against one rule table
 *                      (plus the caller's own, e.g. TURN's attributes);
 *                      stun_msg_attr() and stun_msg_address() then hand
 *                      out the first occurrence of each known attribute.
 *
 * The walk enforces, for every message, with a named reason on failure:
 *   - each attribute, with its padding to 4 bytes, lies inside the message;
 *   - FINGERPRINT, if present, is the last attribute, 4 bytes, and matches;
 *   - after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
 *     count, after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT (RFC 8489
 *     sections 14.5 and 14.6); any other attribute there is skipped unread;
 *   - a known attribute's value has the size its rule allows, an address
 *     family 1 with 8 bytes or 2 with 20, an ERROR-CODE class 3..6 and
 *     number 0..99; every occurrence is checked, the first one counts;
 *   - an error response carries an ERROR-CODE.
 * Unknown comprehension-required attributes (type < 0x8000) are recorded,
 * not refused: whether they fail a transaction is the caller's rule.
 */
#ifndef GONET_STUN_MSG_H
#define GONET_STUN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"

enum {
	STUN_HEADER_LEN = 20,
	STUN_ATTR_HEADER_LEN = 4,
	STUN_TXID_LEN = 12,
	STUN_MAGIC_COOKIE = 0x2112A442,
	STUN_FINGERPRINT_XOR = 0x5354554e,
	STUN_MAX_UNKNOWN = 8,		/* unknown comprehension-required attributes kept */
	STUN_MI_LEN = 20,		/* MESSAGE-INTEGRITY: HMAC-SHA1 */
	STUN_MI_SHA256_MIN = 16,	/* MESSAGE-INTEGRITY-SHA256: 16..32 bytes, whole words */
	STUN_MI_SHA256_MAX = 32,
	STUN_LONG_TERM_KEY_LEN = 16,	/* MD5(username ":" realm ":" password) */
	/* RFC 8489 sections 14.9 and 14.10: REALM and NONCE at most 763 bytes. */
	STUN_REALM_MAX = 763,
	STUN_NONCE_MAX = 763,
	STUN_MSG_MAX_EXTRA = 15,	/* rules a caller may add to the STUN table */
	STUN_MSG_MAX_KNOWN = 32		/* known attribute types: the STUN table's and the extra ones */
};

/* Classes, as the C1 (bit 8) and C0 (bit 4) bits of the message type. */
enum stun_class {
	STUN_CLASS_REQUEST = 0x0000,
	STUN_CLASS_INDICATION = 0x0010,
	STUN_CLASS_SUCCESS = 0x0100,
	STUN_CLASS_ERROR = 0x0110
};

enum {
	STUN_METHOD_BINDING = 0x001
};

/* Attribute types; below 0x8000 they are comprehension-required. */
enum stun_attr_type {
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_CHANGE_REQUEST = 0x0003,	/* RFC 5780 */
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C,
	STUN_ATTR_PASSWORD_ALGORITHM = 0x001D,
	STUN_ATTR_USERHASH = 0x001E,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_PADDING = 0x0026,		/* RFC 5780 */
	STUN_ATTR_RESPONSE_PORT = 0x0027,	/* RFC 5780 */
	STUN_ATTR_COMPREHENSION_OPTIONAL = 0x8000,
	STUN_ATTR_PASSWORD_ALGORITHMS = 0x8002,
	STUN_ATTR_ALTERNATE_DOMAIN = 0x8003,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_ALTERNATE_SERVER = 0x8023,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_RESPONSE_ORIGIN = 0x802B,	/* RFC 5780 */
	STUN_ATTR_OTHER_ADDRESS = 0x802C	/* RFC 5780 */
};

/* Address family codes inside (XOR-)MAPPED-ADDRESS and the like. */
enum stun_family {
	STUN_FAMILY_V4 = 0x01,
	STUN_FAMILY_V6 = 0x02
};

/* Wire layout; every multi-byte field is big-endian. */
struct stun_header {
	uint8_t type[2];
	uint8_t length[2];		/* bytes after the header, a multiple of 4 */
	uint8_t cookie[4];		/* STUN_MAGIC_COOKIE */
	uint8_t txid[STUN_TXID_LEN];
};

struct stun_attr_header {
	uint8_t type[2];
	uint8_t length[2];		/* value length without the padding to 4 */
};

/* Why the codec refused a message. */
enum stun_msg_err {
	STUN_MSG_OK = 0,
	STUN_MSG_SHORT,			/* shorter than the header */
	STUN_MSG_NOT_STUN,		/* top bits of byte 0 or magic cookie */
	STUN_MSG_LENGTH,		/* length field not a multiple of 4 or not the datagram's */
	STUN_MSG_ATTR,			/* attribute runs past the end, bad size, or after FINGERPRINT */
	STUN_MSG_ADDRESS,		/* malformed address attribute */
	STUN_MSG_FINGERPRINT,		/* FINGERPRINT malformed or wrong */
	STUN_MSG_ERROR_CODE,		/* ERROR-CODE malformed, or an error response without one */
	STUN_MSG__COUNT
};

/* What the walk checks in a known attribute's value, beyond its size. */
enum stun_attr_check {
	STUN_CHECK_NONE = 0,
	STUN_CHECK_ADDRESS,		/* family and length (MAPPED-ADDRESS, OTHER-ADDRESS, ...) */
	STUN_CHECK_XOR_ADDRESS,		/* the same, XORed with cookie and transaction id */
	STUN_CHECK_ERROR_CODE,		/* class 3..6, number 0..99 */
	STUN_CHECK_INTEGRITY,		/* MESSAGE-INTEGRITY: where it is (verified by the caller) */
	STUN_CHECK_INTEGRITY_SHA256,	/* MESSAGE-INTEGRITY-SHA256: whole words; where it is */
	STUN_CHECK_FINGERPRINT		/* CRC-32 of all before it, verified here */
};

/* One row of a rule table: an attribute type the caller understands. */
struct stun_attr_rule {
	uint16_t type;
	uint16_t min_len;		/* value length bounds, inclusive */
	uint16_t max_len;
	uint8_t check;			/* enum stun_attr_check */
	uint8_t bad;			/* enum stun_msg_err when the value breaks the rule */
};

/* A known attribute the walk accepted; value points into the message. */
struct stun_attr {
	uint16_t type;
	uint16_t len;			/* value length, without padding */
	const uint8_t *value;
	size_t off;			/* offset of its attribute header in the message */
	uint8_t check;			/* its rule's enum stun_attr_check */
};

/* A parsed message; pointers refer into the parsed buffer. */
struct stun_msg {
	const uint8_t *buf;
	size_t len;
	uint16_t type;
	uint16_t method;		/* 12 bits */
	uint16_t cls;			/* enum stun_class */
	uint8_t txid[STUN_TXID_LEN];
	uint16_t error_code;		/* 300..699 from the first ERROR-CODE, else 0 */
	size_t integrity_off;		/* offset of MESSAGE-INTEGRITY, 0 when absent */
	size_t integrity_sha256_off;	/* offset of MESSAGE-INTEGRITY-SHA256, 0 when absent */
	int fingerprint;		/* FINGERPRINT present and verified */
	unsigned n_unknown;		/* unknown comprehension-required attributes (all counted) */
	uint16_t unknown[STUN_MAX_UNKNOWN];	/* the first of them, for logs and 420 */
	unsigned n_known;
	struct stun_attr known[STUN_MSG_MAX_KNOWN];	/* first occurrence of each known type */
};

const char *stun_msg_err_name(enum stun_msg_err e);

/* Message type from a 12-bit method and a class (RFC 8489 section 5), and back. */
uint16_t stun_type_of(uint16_t method, uint16_t cls);
uint16_t stun_method_of(uint16_t type);
uint16_t stun_class_of(uint16_t type);

/* 1 when buf looks like STUN: at least a header, top bits 00, the magic cookie. */
int stun_msg_is_stun(const uint8_t *buf, size_t len);

/* Check the header against the datagram and fill type, method, class and txid. */
enum stun_msg_err stun_msg_header(struct stun_msg *m, const uint8_t *buf, size_t len);

/*
 * Walk the attributes of a message whose header passed. Known attributes are
 * those of the STUN table (RFC 8489 and RFC 5780) and extra[0..n_extra) (may
 * be NULL; n_extra <= STUN_MSG_MAX_EXTRA, so every known type has a place in
 * m->known). On an error m is partly filled and must not be used.
 */
enum stun_msg_err stun_msg_attrs(struct stun_msg *m, const struct stun_attr_rule *extra,
    size_t n_extra);

/* The first counted occurrence of a known attribute type, or NULL. */
const struct stun_attr *stun_msg_attr(const struct stun_msg *m, uint16_t type);

/* Decode the first occurrence of an address attribute: 0, or -1 when absent. */
int stun_msg_address(const struct stun_msg *m, uint16_t type, struct endpoint *ep);

/*
 * The value of an (XOR-)MAPPED-ADDRESS, OTHER-ADDRESS or RESPONSE-ORIGIN
 * attribute (also TURN's XOR-PEER- and XOR-RELAYED-ADDRESS): reserved byte,
 * family, port, address. With xor, port ^= cookie >> 16 and the address is
 * XORed with cookie || txid read from hdr, the message's first 20 bytes.
 * 0, or -1 for a bad family or length.
 */
int stun_parse_address(const uint8_t *v, size_t alen, int xor, const uint8_t *hdr,
    struct endpoint *ep);

/* CRC-32 (ISO-HDLC, as zlib's crc32) of buf, the basis of FINGERPRINT. */
uint32_t stun_crc32(const uint8_t *buf, size_t len);

/*
 * 1 when the MESSAGE-INTEGRITY attribute at offset mi_off of buf holds
 * HMAC-SHA1(key, the message up to it, its length field counting up to the
 * end of MESSAGE-INTEGRITY) (RFC 8489 section 14.5). The key is the password
 * for short-term credentials, the long-term key below otherwise.
 */
int stun_msg_check_integrity(const uint8_t *buf, size_t len, size_t mi_off, const uint8_t *key,
    size_t keylen);

/* RFC 8489 section 9.2.2: key = MD5(username ":" realm ":" password), strings as given. */
void stun_msg_long_term_key(uint8_t key[STUN_LONG_TERM_KEY_LEN], const char *username,
    size_t username_len, const uint8_t *realm, size_t realm_len, const char *password,
    size_t password_len);

/*
 * Building. stun_msg_begin writes the header; each put appends one attribute
 * with zero padding; MESSAGE-INTEGRITY and FINGERPRINT are computed over
 * what is there, so they come last, in that order. The first write that does
 * not fit sets err and turns the rest into no-ops; stun_msg_finish then
 * returns 0, never a partial message.
 */
struct stun_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

void stun_msg_begin(struct stun_writer *w, uint8_t *out, size_t outlen, uint16_t type,
    const uint8_t txid[STUN_TXID_LEN]);
/* Returns the value's place in the message (for writing in place), NULL on error. */
uint8_t *stun_msg_put(struct stun_writer *w, uint16_t type, const void *value, size_t vlen);
void stun_msg_put_u32(struct stun_writer *w, uint16_t type, uint32_t v);
void stun_msg_put_xor_address(struct stun_writer *w, uint16_t type, const struct endpoint *ep);
void stun_msg_put_integrity(struct stun_writer *w, const uint8_t *key, size_t keylen);
void stun_msg_put_fingerprint(struct stun_writer *w);
/* The message's length with the header's length field set, 0 after any error. */
size_t stun_msg_finish(struct stun_writer *w);

#endif
