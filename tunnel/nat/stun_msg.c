/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stun_msg.c — the STUN message codec: header, the attribute walk over one
 * rule table, addresses, MESSAGE-INTEGRITY (HMAC-SHA1 and the long-term key
 * from nettle), FINGERPRINT, and the writer. See stun_msg.h.
 */
#include "config.h"

#include <string.h>

#include <zlib.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <sodium.h>

#include "tunnel/net/bytes.h"
#include "tunnel/nat/stun_msg.h"

_Static_assert(STUN_MI_LEN == SHA1_DIGEST_SIZE, "MESSAGE-INTEGRITY is an HMAC-SHA1");
_Static_assert(STUN_LONG_TERM_KEY_LEN == MD5_DIGEST_SIZE, "the long-term key is an MD5 digest");

static const uint8_t magic_cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };

/*
 * The attributes of RFC 8489 and RFC 5780 that gonet understands, with what
 * their values must look like. Those whose value nobody reads are listed
 * only so that they are not unknown; their size is not checked.
 */
static const struct stun_attr_rule stun_rules[] = {
	{ STUN_ATTR_MAPPED_ADDRESS, 0, 0xFFFF, STUN_CHECK_ADDRESS, STUN_MSG_ADDRESS },
	{ STUN_ATTR_CHANGE_REQUEST, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_USERNAME, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_MESSAGE_INTEGRITY, STUN_MI_LEN, STUN_MI_LEN, STUN_CHECK_INTEGRITY, STUN_MSG_ATTR },
	{ STUN_ATTR_ERROR_CODE, 4, 0xFFFF, STUN_CHECK_ERROR_CODE, STUN_MSG_ERROR_CODE },
	{ STUN_ATTR_UNKNOWN_ATTRIBUTES, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_REALM, 1, STUN_REALM_MAX, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_NONCE, 1, STUN_NONCE_MAX, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, STUN_MI_SHA256_MIN, STUN_MI_SHA256_MAX,
	  STUN_CHECK_INTEGRITY_SHA256, STUN_MSG_ATTR },
	{ STUN_ATTR_PASSWORD_ALGORITHM, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_USERHASH, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_XOR_MAPPED_ADDRESS, 0, 0xFFFF, STUN_CHECK_XOR_ADDRESS, STUN_MSG_ADDRESS },
	{ STUN_ATTR_PADDING, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_RESPONSE_PORT, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ STUN_ATTR_FINGERPRINT, 4, 4, STUN_CHECK_FINGERPRINT, STUN_MSG_FINGERPRINT },
	{ STUN_ATTR_RESPONSE_ORIGIN, 0, 0xFFFF, STUN_CHECK_ADDRESS, STUN_MSG_ADDRESS },
	{ STUN_ATTR_OTHER_ADDRESS, 0, 0xFFFF, STUN_CHECK_ADDRESS, STUN_MSG_ADDRESS },
};

_Static_assert(sizeof(stun_rules) / sizeof(stun_rules[0]) + STUN_MSG_MAX_EXTRA <= STUN_MSG_MAX_KNOWN,
    "every known attribute type must have a place in struct stun_msg");

/* Where the walk is with respect to the integrity attributes (RFC 8489 sections 14.5, 14.6). */
enum integrity_state {
	BEFORE_INTEGRITY,
	AFTER_INTEGRITY,		/* MESSAGE-INTEGRITY-SHA256 and FINGERPRINT still count */
	AFTER_INTEGRITY_SHA256		/* only FINGERPRINT still counts */
};

const char *
stun_msg_err_name(enum stun_msg_err e)
{
	static const char *const names[STUN_MSG__COUNT] = {
		[STUN_MSG_OK] = "ok",
		[STUN_MSG_SHORT] = "short",
		[STUN_MSG_NOT_STUN] = "not-stun",
		[STUN_MSG_LENGTH] = "length",
		[STUN_MSG_ATTR] = "attr",
		[STUN_MSG_ADDRESS] = "address",
		[STUN_MSG_FINGERPRINT] = "fingerprint",
		[STUN_MSG_ERROR_CODE] = "error-code",
	};

	if ((unsigned)e < STUN_MSG__COUNT && names[e] != NULL)
		return names[e];
	return "?";
}

/* The 12 method bits M11..M0 are split by the class bits C1 (bit 8) and C0 (bit 4). */
uint16_t
stun_type_of(uint16_t method, uint16_t cls)
{
	return (uint16_t)((method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2 |
	    (cls & 0x0110));
}

uint16_t
stun_method_of(uint16_t type)
{
	return (uint16_t)((type & 0x000F) | (type & 0x00E0) >> 1 | (type & 0x3E00) >> 2);
}

uint16_t
stun_class_of(uint16_t type)
{
	return type & 0x0110;
}

/* RFC 8489 section 14.7: the CRC-32 of ISO-HDLC, zlib's crc32. */
uint32_t
stun_crc32(const uint8_t *buf, size_t len)
{
	return (uint32_t)crc32_z(0, buf, len);
}

static uint32_t
fingerprint_of(const uint8_t *msg, size_t len)
{
	return stun_crc32(msg, len) ^ STUN_FINGERPRINT_XOR;
}

/*
 * MESSAGE-INTEGRITY of the message msg[0..off), off being where the
 * attribute goes: the HMAC covers the header, its length field counting up
 * to the end of MESSAGE-INTEGRITY, and everything after the header up to off.
 */
static void
integrity_of(uint8_t mac[STUN_MI_LEN], const uint8_t *msg, size_t off, const uint8_t *key,
    size_t keylen)
{
	struct hmac_sha1_ctx h;
	uint8_t hdr[STUN_HEADER_LEN];

	memcpy(hdr, msg, STUN_HEADER_LEN);
	bytes_put16(hdr + 2, (uint16_t)(off + STUN_ATTR_HEADER_LEN + STUN_MI_LEN - STUN_HEADER_LEN));
	hmac_sha1_set_key(&h, keylen, key);
	hmac_sha1_update(&h, STUN_HEADER_LEN, hdr);
	hmac_sha1_update(&h, off - STUN_HEADER_LEN, msg + STUN_HEADER_LEN);
	hmac_sha1_digest(&h, STUN_MI_LEN, mac);
	sodium_memzero(&h, sizeof(h));
}

int
stun_msg_check_integrity(const uint8_t *buf, size_t len, size_t mi_off, const uint8_t *key,
    size_t keylen)
{
	uint8_t mac[STUN_MI_LEN];
	int ok;

	if (buf == NULL || mi_off < STUN_HEADER_LEN || mi_off > len ||
	    len - mi_off < STUN_ATTR_HEADER_LEN + STUN_MI_LEN ||
	    bytes_get16(buf + mi_off) != STUN_ATTR_MESSAGE_INTEGRITY)
		return 0;
	integrity_of(mac, buf, mi_off, key, keylen);
	ok = sodium_memcmp(mac, buf + mi_off + STUN_ATTR_HEADER_LEN, STUN_MI_LEN) == 0;
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

void
stun_msg_long_term_key(uint8_t key[STUN_LONG_TERM_KEY_LEN], const char *username,
    size_t username_len, const uint8_t *realm, size_t realm_len, const char *password,
    size_t password_len)
{
	struct md5_ctx md5;

	md5_init(&md5);
	md5_update(&md5, username_len, (const uint8_t *)username);
	md5_update(&md5, 1, (const uint8_t *)":");
	md5_update(&md5, realm_len, realm);
	md5_update(&md5, 1, (const uint8_t *)":");
	md5_update(&md5, password_len, (const uint8_t *)password);
	md5_digest(&md5, STUN_LONG_TERM_KEY_LEN, key);
	sodium_memzero(&md5, sizeof(md5));	/* its block buffer held the password */
}

/* Parsing */

int
stun_msg_is_stun(const uint8_t *buf, size_t len)
{
	return buf != NULL && len >= STUN_HEADER_LEN && (buf[0] & 0xC0) == 0 &&
	    memcmp(buf + 4, magic_cookie, 4) == 0;
}

enum stun_msg_err
stun_msg_header(struct stun_msg *m, const uint8_t *buf, size_t len)
{
	const struct stun_header *h = (const struct stun_header *)buf;

	memset(m, 0, sizeof(*m));
	if (buf == NULL || len < STUN_HEADER_LEN)
		return STUN_MSG_SHORT;
	if (!stun_msg_is_stun(buf, len))
		return STUN_MSG_NOT_STUN;
	/* The length field must account for exactly the rest of the datagram. */
	if (bytes_get16(h->length) % 4 != 0 || (size_t)bytes_get16(h->length) != len - STUN_HEADER_LEN)
		return STUN_MSG_LENGTH;
	m->buf = buf;
	m->len = len;
	m->type = bytes_get16(h->type);
	m->method = stun_method_of(m->type);
	m->cls = stun_class_of(m->type);
	memcpy(m->txid, h->txid, STUN_TXID_LEN);
	return STUN_MSG_OK;
}

/*
 * (XOR-)MAPPED-ADDRESS, OTHER-ADDRESS, RESPONSE-ORIGIN: reserved byte, family,
 * port, address. For the XOR form, port ^= cookie >> 16 and the address is
 * XORed with the cookie (IPv4) or cookie || txid (IPv6).
 */
int
stun_parse_address(const uint8_t *v, size_t alen, int xor, const uint8_t *hdr, struct endpoint *ep)
{
	uint8_t addr[16];
	uint16_t port;
	unsigned family;
	size_t n, i;

	if (alen < 4)
		return -1;
	switch (v[1]) {
	case STUN_FAMILY_V4:
		family = ENDPOINT_V4;
		n = 4;
		break;
	case STUN_FAMILY_V6:
		family = ENDPOINT_V6;
		n = 16;
		break;
	default:
		return -1;
	}
	if (alen != 4 + n)
		return -1;
	port = bytes_get16(v + 2);
	memcpy(addr, v + 4, n);
	if (xor) {
		/* hdr + 4 is the cookie followed by the transaction id: 16 bytes. */
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
		for (i = 0; i < n; i++)
			addr[i] ^= hdr[4 + i];
	}
	return endpoint_set(ep, family, addr, port);
}

static const struct stun_attr_rule *
find_rule(uint16_t type, const struct stun_attr_rule *extra, size_t n_extra)
{
	size_t i;

	for (i = 0; i < sizeof(stun_rules) / sizeof(stun_rules[0]); i++)
		if (stun_rules[i].type == type)
			return &stun_rules[i];
	for (i = 0; extra != NULL && i < n_extra; i++)
		if (extra[i].type == type)
			return &extra[i];
	return NULL;
}

/* RFC 8489 sections 14.5 and 14.6: what still counts after the integrity attributes. */
static int
counts(enum integrity_state st, uint16_t type)
{
	switch (st) {
	case BEFORE_INTEGRITY:
		return 1;
	case AFTER_INTEGRITY:
		return type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 || type == STUN_ATTR_FINGERPRINT;
	case AFTER_INTEGRITY_SHA256:
		return type == STUN_ATTR_FINGERPRINT;
	}
	return 0;
}

/* Check one counted known attribute against its rule; may advance the integrity state. */
static enum stun_msg_err
check_attr(struct stun_msg *m, const struct stun_attr_rule *rule, const struct stun_attr *a,
    enum integrity_state *st)
{
	struct endpoint ep;
	const uint8_t *v = a->value;

	if (a->len < rule->min_len || a->len > rule->max_len)
		return rule->bad;
	switch ((enum stun_attr_check)rule->check) {
	case STUN_CHECK_NONE:
		break;
	case STUN_CHECK_ADDRESS:
	case STUN_CHECK_XOR_ADDRESS:
		if (stun_parse_address(v, a->len, rule->check == STUN_CHECK_XOR_ADDRESS, m->buf, &ep) != 0)
			return rule->bad;
		break;
	case STUN_CHECK_ERROR_CODE:
		/* 21 reserved bits, class (3 bits, 3..6), number (0..99), reason phrase. */
		if ((v[2] & 7) < 3 || (v[2] & 7) > 6 || v[3] > 99)
			return rule->bad;
		if (m->error_code == 0)
			m->error_code = (uint16_t)((v[2] & 7) * 100 + v[3]);
		break;
	case STUN_CHECK_INTEGRITY:
		m->integrity_off = a->off;
		*st = AFTER_INTEGRITY;
		break;
	case STUN_CHECK_INTEGRITY_SHA256:
		if (a->len % 4 != 0)
			return rule->bad;
		m->integrity_sha256_off = a->off;
		*st = AFTER_INTEGRITY_SHA256;
		break;
	case STUN_CHECK_FINGERPRINT:
		/* The CRC covers everything before this attribute. */
		if (bytes_get32(v) != fingerprint_of(m->buf, a->off))
			return rule->bad;
		m->fingerprint = 1;
		break;
	}
	return STUN_MSG_OK;
}

/* Keep the first occurrence of each known type. */
static void
remember(struct stun_msg *m, const struct stun_attr *a)
{
	if (stun_msg_attr(m, a->type) == NULL && m->n_known < STUN_MSG_MAX_KNOWN)
		m->known[m->n_known++] = *a;
}

enum stun_msg_err
stun_msg_attrs(struct stun_msg *m, const struct stun_attr_rule *extra, size_t n_extra)
{
	enum integrity_state st = BEFORE_INTEGRITY;
	const struct stun_attr_rule *rule;
	enum stun_msg_err e;
	struct stun_attr a;
	size_t off, padded;

	if (m->buf == NULL)
		return STUN_MSG_SHORT;		/* the header was never accepted */
	if (n_extra > STUN_MSG_MAX_EXTRA)
		n_extra = STUN_MSG_MAX_EXTRA;	/* cannot happen: callers assert it at build time */
	for (off = STUN_HEADER_LEN; off < m->len; off += STUN_ATTR_HEADER_LEN + padded) {
		if (m->len - off < STUN_ATTR_HEADER_LEN)
			return STUN_MSG_ATTR;
		memset(&a, 0, sizeof(a));
		a.type = bytes_get16(m->buf + off);
		a.len = bytes_get16(m->buf + off + 2);
		a.value = m->buf + off + STUN_ATTR_HEADER_LEN;
		a.off = off;
		padded = bytes_pad4(a.len);
		if (m->len - off - STUN_ATTR_HEADER_LEN < padded)
			return STUN_MSG_ATTR;	/* value or its padding runs past the end */
		if (m->fingerprint)
			return STUN_MSG_ATTR;	/* FINGERPRINT must be the last attribute */
		if (!counts(st, a.type))
			continue;		/* after the integrity attributes: ignored */
		if ((rule = find_rule(a.type, extra, n_extra)) == NULL) {
			if (a.type < STUN_ATTR_COMPREHENSION_OPTIONAL &&
			    m->n_unknown++ < STUN_MAX_UNKNOWN)
				m->unknown[m->n_unknown - 1] = a.type;
			continue;		/* comprehension-optional: ignored */
		}
		if ((e = check_attr(m, rule, &a, &st)) != STUN_MSG_OK)
			return e;
		a.check = rule->check;
		remember(m, &a);
	}
	if (m->cls == STUN_CLASS_ERROR && m->error_code == 0)
		return STUN_MSG_ERROR_CODE;	/* an error response must carry ERROR-CODE */
	return STUN_MSG_OK;
}

const struct stun_attr *
stun_msg_attr(const struct stun_msg *m, uint16_t type)
{
	unsigned i;

	for (i = 0; i < m->n_known; i++)
		if (m->known[i].type == type)
			return &m->known[i];
	return NULL;
}

int
stun_msg_address(const struct stun_msg *m, uint16_t type, struct endpoint *ep)
{
	const struct stun_attr *a = stun_msg_attr(m, type);

	if (a == NULL || (a->check != STUN_CHECK_ADDRESS && a->check != STUN_CHECK_XOR_ADDRESS))
		return -1;
	return stun_parse_address(a->value, a->len, a->check == STUN_CHECK_XOR_ADDRESS, m->buf, ep);
}

/* Building */

void
stun_msg_begin(struct stun_writer *w, uint8_t *out, size_t outlen, uint16_t type,
    const uint8_t txid[STUN_TXID_LEN])
{
	w->buf = out;
	w->cap = outlen;
	w->len = STUN_HEADER_LEN;
	w->err = 0;
	if (out == NULL || outlen < STUN_HEADER_LEN || txid == NULL) {
		w->err = 1;
		return;
	}
	bytes_put16(out, type);
	bytes_put16(out + 2, 0);
	memcpy(out + 4, magic_cookie, 4);
	memcpy(out + 8, txid, STUN_TXID_LEN);
}

/* Room for an attribute with a vlen-byte value, in the buffer and in the 16-bit length field? */
static int
fits(const struct stun_writer *w, size_t vlen)
{
	size_t need = STUN_ATTR_HEADER_LEN + bytes_pad4(vlen);

	return !w->err && vlen <= 0xFFFF && w->cap - w->len >= need &&
	    w->len + need - STUN_HEADER_LEN <= 0xFFFF;
}

static void
set_length(struct stun_writer *w, size_t end)
{
	bytes_put16(w->buf + 2, (uint16_t)(end - STUN_HEADER_LEN));
}

uint8_t *
stun_msg_put(struct stun_writer *w, uint16_t type, const void *value, size_t vlen)
{
	uint8_t *v;

	if (!fits(w, vlen)) {
		w->err = 1;
		return NULL;
	}
	bytes_put16(w->buf + w->len, type);
	bytes_put16(w->buf + w->len + 2, (uint16_t)vlen);
	v = w->buf + w->len + STUN_ATTR_HEADER_LEN;
	if (value != NULL && vlen > 0)
		memcpy(v, value, vlen);
	else
		memset(v, 0, vlen);
	memset(v + vlen, 0, bytes_pad4(vlen) - vlen);
	w->len += STUN_ATTR_HEADER_LEN + bytes_pad4(vlen);
	return v;
}

void
stun_msg_put_u32(struct stun_writer *w, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	bytes_put32(b, v);
	stun_msg_put(w, type, b, sizeof(b));
}

void
stun_msg_put_xor_address(struct stun_writer *w, uint16_t type, const struct endpoint *ep)
{
	uint8_t v[20];
	size_t n = ep != NULL ? endpoint_addr_len(ep->family) : 0, i;

	if (n == 0 || w->err) {
		w->err = 1;
		return;
	}
	v[0] = 0;
	v[1] = ep->family == ENDPOINT_V4 ? STUN_FAMILY_V4 : STUN_FAMILY_V6;
	bytes_put16(v + 2, (uint16_t)(ep->port ^ (STUN_MAGIC_COOKIE >> 16)));
	/* XOR with the cookie and then the transaction id: the header's bytes 4..19. */
	for (i = 0; i < n; i++)
		v[4 + i] = ep->addr[i] ^ w->buf[4 + i];
	stun_msg_put(w, type, v, 4 + n);
}

void
stun_msg_put_integrity(struct stun_writer *w, const uint8_t *key, size_t keylen)
{
	size_t off = w->len;
	uint8_t *v;

	/* Written in place: the HMAC covers only what comes before. */
	if ((v = stun_msg_put(w, STUN_ATTR_MESSAGE_INTEGRITY, NULL, STUN_MI_LEN)) != NULL)
		integrity_of(v, w->buf, off, key, keylen);
}

void
stun_msg_put_fingerprint(struct stun_writer *w)
{
	size_t off = w->len;
	uint8_t *v;

	/* The CRC covers all before FINGERPRINT, the length field already counting it. */
	if ((v = stun_msg_put(w, STUN_ATTR_FINGERPRINT, NULL, 4)) != NULL) {
		set_length(w, w->len);
		bytes_put32(v, fingerprint_of(w->buf, off));
	}
}

size_t
stun_msg_finish(struct stun_writer *w)
{
	if (w->err)
		return 0;
	set_length(w, w->len);
	return w->len;
}
