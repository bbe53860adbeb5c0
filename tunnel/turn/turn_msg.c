/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn_msg.c — TURN message codec: requests with long-term credentials,
 * the paranoid parser, MESSAGE-INTEGRITY and ChannelData. See turn_msg.h.
 */
#include "config.h"

#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <sodium.h>

#include "tunnel/net/bytes.h"
#include "tunnel/turn/turn_msg.h"

static const uint8_t magic_cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };

_Static_assert(TURN_KEY_LEN == MD5_DIGEST_SIZE, "the long-term key is an MD5 digest");
_Static_assert(TURN_MI_LEN == SHA1_DIGEST_SIZE, "MESSAGE-INTEGRITY is an HMAC-SHA1");

const char *
turn_msg_err_name(enum turn_msg_err e)
{
	static const char *const names[TURN_MSG__COUNT] = {
		[TURN_MSG_OK] = "ok",
		[TURN_MSG_SHORT] = "short",
		[TURN_MSG_NOT_STUN] = "not-stun",
		[TURN_MSG_LENGTH] = "length",
		[TURN_MSG_ATTR] = "attr",
		[TURN_MSG_ADDRESS] = "address",
		[TURN_MSG_FINGERPRINT] = "fingerprint",
		[TURN_MSG_ERROR_CODE] = "error-code",
	};

	if ((unsigned)e < TURN_MSG__COUNT && names[e] != NULL)
		return names[e];
	return "?";
}

/* The 12 method bits M11..M0 are split by the class bits C1 (bit 8) and C0 (bit 4). */
uint16_t
turn_msg_type(uint16_t method, uint16_t cls)
{
	return (uint16_t)((method & 0x000F) | (method & 0x0070) << 1 | (method & 0x0F80) << 2 |
	    (cls & 0x0110));
}

static void
split_type(uint16_t type, uint16_t *method, uint16_t *cls)
{
	*cls = type & 0x0110;
	*method = (uint16_t)((type & 0x000F) | (type & 0x00E0) >> 1 | (type & 0x3E00) >> 2);
}

/* Credentials */

int
turn_auth_set(struct turn_auth *auth, const char *username, size_t username_len,
    const char *password, size_t password_len, const uint8_t *realm, size_t realm_len,
    const uint8_t *nonce, size_t nonce_len)
{
	struct md5_ctx md5;

	memset(auth, 0, sizeof(*auth));
	if (username_len == 0 || username_len > TURN_USERNAME_MAX ||
	    password_len > TURN_PASSWORD_MAX || realm_len == 0 || realm_len > TURN_REALM_MAX ||
	    turn_auth_set_nonce(auth, nonce, nonce_len) != 0)
		goto fail;
	memcpy(auth->username, username, username_len);
	auth->username_len = username_len;
	memcpy(auth->realm, realm, realm_len);
	auth->realm_len = realm_len;
	/* RFC 8489 section 9.2.2: key = MD5(username ":" OpaqueString(realm) ":" OpaqueString(password)). */
	md5_init(&md5);
	md5_update(&md5, username_len, (const uint8_t *)username);
	md5_update(&md5, 1, (const uint8_t *)":");
	md5_update(&md5, realm_len, realm);
	md5_update(&md5, 1, (const uint8_t *)":");
	md5_update(&md5, password_len, (const uint8_t *)password);
	md5_digest(&md5, MD5_DIGEST_SIZE, auth->key);
	sodium_memzero(&md5, sizeof(md5));	/* its block buffer held the password */
	return 0;
fail:
	turn_auth_wipe(auth);
	return -1;
}

int
turn_auth_set_nonce(struct turn_auth *auth, const uint8_t *nonce, size_t nonce_len)
{
	if (nonce == NULL || nonce_len == 0 || nonce_len > TURN_NONCE_MAX)
		return -1;
	memcpy(auth->nonce, nonce, nonce_len);
	auth->nonce_len = nonce_len;
	return 0;
}

void
turn_auth_wipe(struct turn_auth *auth)
{
	sodium_memzero(auth, sizeof(*auth));
}

/* Building */

struct writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

/* Append one attribute, zero padding to 4; returns its value for in-place writes. */
static uint8_t *
put_attr(struct writer *w, uint16_t type, const void *value, size_t vlen)
{
	uint8_t *v;

	if (w->err || vlen > 0xFFFF || w->cap - w->len < STUN_ATTR_HEADER_LEN + bytes_pad4(vlen) ||
	    w->len + STUN_ATTR_HEADER_LEN + bytes_pad4(vlen) - STUN_HEADER_LEN > 0xFFFF) {
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

static void
put_xor_address(struct writer *w, uint16_t type, const struct endpoint *ep)
{
	uint8_t v[20];
	size_t n = endpoint_addr_len(ep->family), i;

	if (n == 0) {
		w->err = 1;
		return;
	}
	v[0] = 0;
	v[1] = ep->family == ENDPOINT_V4 ? STUN_FAMILY_V4 : STUN_FAMILY_V6;
	bytes_put16(v + 2, (uint16_t)(ep->port ^ (STUN_MAGIC_COOKIE >> 16)));
	/* XOR with the cookie and then the transaction id: the header's bytes 4..19. */
	for (i = 0; i < n; i++)
		v[4 + i] = ep->addr[i] ^ w->buf[4 + i];
	put_attr(w, type, v, 4 + n);
}

static void
set_length(struct writer *w, size_t end)
{
	bytes_put16(w->buf + 2, (uint16_t)(end - STUN_HEADER_LEN));
}

size_t
turn_msg_build(uint8_t *out, size_t outlen, const struct turn_request *req,
    const struct turn_auth *auth)
{
	struct writer w = { out, outlen, STUN_HEADER_LEN, 0 };
	struct hmac_sha1_ctx h;
	uint8_t *v;
	uint8_t u32[4];

	if (out == NULL || outlen < STUN_HEADER_LEN || req->txid == NULL ||
	    (req->cls != TURN_CLASS_REQUEST && req->cls != TURN_CLASS_INDICATION) ||
	    req->method > 0x0FFF)
		return 0;
	bytes_put16(out, turn_msg_type(req->method, req->cls));
	bytes_put16(out + 2, 0);
	memcpy(out + 4, magic_cookie, 4);
	memcpy(out + 8, req->txid, STUN_TXID_LEN);

	if (req->channel != 0) {
		/* Channel number, then RFFU (2 zero bytes). */
		bytes_put16(u32, req->channel);
		bytes_put16(u32 + 2, 0);
		put_attr(&w, TURN_ATTR_CHANNEL_NUMBER, u32, 4);
	}
	if (req->peer != NULL)
		put_xor_address(&w, TURN_ATTR_XOR_PEER_ADDRESS, req->peer);
	if (req->have_lifetime) {
		bytes_put32(u32, req->lifetime);
		put_attr(&w, TURN_ATTR_LIFETIME, u32, 4);
	}
	if (req->requested_transport) {
		/* Protocol number, then 3 RFFU bytes. */
		memset(u32, 0, 4);
		u32[0] = TURN_PROTO_UDP;
		put_attr(&w, TURN_ATTR_REQUESTED_TRANSPORT, u32, 4);
	}
	if (req->have_data)
		put_attr(&w, TURN_ATTR_DATA, req->data, req->data_len);
	if (auth != NULL) {
		if (auth->username_len == 0 || auth->realm_len == 0 || auth->nonce_len == 0)
			return 0;
		put_attr(&w, STUN_ATTR_USERNAME, auth->username, auth->username_len);
		put_attr(&w, STUN_ATTR_NONCE, auth->nonce, auth->nonce_len);
		put_attr(&w, STUN_ATTR_REALM, auth->realm, auth->realm_len);
		/* The HMAC covers the header, its length counting MESSAGE-INTEGRITY, and all before it. */
		if (w.err || w.cap - w.len < STUN_ATTR_HEADER_LEN + TURN_MI_LEN)
			return 0;
		set_length(&w, w.len + STUN_ATTR_HEADER_LEN + TURN_MI_LEN);
		hmac_sha1_set_key(&h, TURN_KEY_LEN, auth->key);
		hmac_sha1_update(&h, w.len, out);
		v = put_attr(&w, STUN_ATTR_MESSAGE_INTEGRITY, NULL, TURN_MI_LEN);
		if (v != NULL)
			hmac_sha1_digest(&h, TURN_MI_LEN, v);
		sodium_memzero(&h, sizeof(h));
		if (v == NULL)
			return 0;
	}
	if (req->fingerprint) {
		if (w.err || w.cap - w.len < 8)
			return 0;
		set_length(&w, w.len + 8);
		bytes_put32(u32, stun_crc32(out, w.len) ^ STUN_FINGERPRINT_XOR);
		put_attr(&w, STUN_ATTR_FINGERPRINT, u32, 4);
	}
	if (w.err)
		return 0;
	set_length(&w, w.len);
	return w.len;
}

/* Parsing */

enum turn_msg_err
turn_msg_parse(const uint8_t *buf, size_t len, struct turn_msg *m)
{
	size_t off, alen, padded;
	uint16_t atype;
	int have_error = 0;
	struct endpoint ep;

	memset(m, 0, sizeof(*m));
	if (buf == NULL || len < STUN_HEADER_LEN)
		return TURN_MSG_SHORT;
	if ((buf[0] & 0xC0) != 0 || memcmp(buf + 4, magic_cookie, 4) != 0)
		return TURN_MSG_NOT_STUN;
	if (bytes_get16(buf + 2) % 4 != 0 || (size_t)bytes_get16(buf + 2) != len - STUN_HEADER_LEN)
		return TURN_MSG_LENGTH;
	m->type = bytes_get16(buf);
	split_type(m->type, &m->method, &m->cls);
	memcpy(m->txid, buf + 8, STUN_TXID_LEN);

	for (off = STUN_HEADER_LEN; off < len; off += STUN_ATTR_HEADER_LEN + padded) {
		const uint8_t *v;

		if (len - off < STUN_ATTR_HEADER_LEN)
			return TURN_MSG_ATTR;
		atype = bytes_get16(buf + off);
		alen = bytes_get16(buf + off + 2);
		padded = bytes_pad4(alen);
		if (len - off - STUN_ATTR_HEADER_LEN < padded)
			return TURN_MSG_ATTR;		/* value or its padding runs past the end */
		if (m->fingerprint)
			return TURN_MSG_ATTR;		/* FINGERPRINT must be last */
		v = buf + off + STUN_ATTR_HEADER_LEN;

		/* RFC 8489 section 14.5: after MESSAGE-INTEGRITY only FINGERPRINT counts. */
		if (m->integrity_off != 0 && atype != STUN_ATTR_FINGERPRINT)
			continue;

		switch (atype) {
		case TURN_ATTR_XOR_RELAYED_ADDRESS:
			if (stun_parse_address(v, alen, 1, buf, &ep) != 0)
				return TURN_MSG_ADDRESS;
			if (!m->have_relayed) {	/* a second one (RFC 8656 dual allocation) is ignored */
				m->relayed = ep;
				m->have_relayed = 1;
			}
			break;
		case STUN_ATTR_XOR_MAPPED_ADDRESS:
			if (stun_parse_address(v, alen, 1, buf, &ep) != 0)
				return TURN_MSG_ADDRESS;
			if (!m->have_mapped) {
				m->mapped = ep;
				m->have_mapped = 1;
			}
			break;
		case TURN_ATTR_XOR_PEER_ADDRESS:
			if (stun_parse_address(v, alen, 1, buf, &ep) != 0)
				return TURN_MSG_ADDRESS;
			if (!m->have_peer) {
				m->peer = ep;
				m->have_peer = 1;
			}
			break;
		case TURN_ATTR_LIFETIME:
			if (alen != 4)
				return TURN_MSG_ATTR;
			if (!m->have_lifetime) {
				m->lifetime = bytes_get32(v);
				m->have_lifetime = 1;
			}
			break;
		case TURN_ATTR_CHANNEL_NUMBER:
			if (alen != 4)
				return TURN_MSG_ATTR;
			if (!m->have_channel) {
				m->channel = bytes_get16(v);
				m->have_channel = 1;
			}
			break;
		case TURN_ATTR_DATA:
			if (!m->have_data) {
				m->data = v;
				m->data_len = alen;
				m->have_data = 1;
			}
			break;
		case STUN_ATTR_REALM:
			if (alen == 0 || alen > TURN_REALM_MAX)
				return TURN_MSG_ATTR;
			if (m->realm == NULL) {
				m->realm = v;
				m->realm_len = alen;
			}
			break;
		case STUN_ATTR_NONCE:
			if (alen == 0 || alen > TURN_NONCE_MAX)
				return TURN_MSG_ATTR;
			if (m->nonce == NULL) {
				m->nonce = v;
				m->nonce_len = alen;
			}
			break;
		case STUN_ATTR_ERROR_CODE:
			/* 21 reserved bits, class (3..6), number (0..99), reason phrase. */
			if (alen < 4 || (v[2] & 7) < 3 || (v[2] & 7) > 6 || v[3] > 99)
				return TURN_MSG_ERROR_CODE;
			if (!have_error) {
				m->error_code = (uint16_t)((v[2] & 7) * 100 + v[3]);
				have_error = 1;
			}
			break;
		case STUN_ATTR_MESSAGE_INTEGRITY:
			if (alen != TURN_MI_LEN)
				return TURN_MSG_ATTR;
			m->integrity_off = off;
			break;
		case STUN_ATTR_FINGERPRINT:
			if (alen != 4 || bytes_get32(v) != (stun_crc32(buf, off) ^ STUN_FINGERPRINT_XOR))
				return TURN_MSG_FINGERPRINT;
			m->fingerprint = 1;
			break;
		case STUN_ATTR_USERNAME:
		case STUN_ATTR_UNKNOWN_ATTRIBUTES:
		case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:	/* we only use the SHA-1 one */
		case STUN_ATTR_PASSWORD_ALGORITHM:
		case STUN_ATTR_USERHASH:
		case TURN_ATTR_REQUESTED_ADDRESS_FAMILY:
		case TURN_ATTR_EVEN_PORT:
		case TURN_ATTR_REQUESTED_TRANSPORT:
		case TURN_ATTR_DONT_FRAGMENT:
		case TURN_ATTR_RESERVATION_TOKEN:
			break;				/* known, not used by this client */
		default:
			if (atype >= STUN_ATTR_COMPREHENSION_OPTIONAL)
				break;
			if (m->n_unknown++ == 0)
				m->unknown_first = atype;
			break;
		}
	}
	if (m->cls == TURN_CLASS_ERROR && !have_error)
		return TURN_MSG_ERROR_CODE;
	return TURN_MSG_OK;
}

int
turn_msg_check_integrity(const uint8_t *buf, size_t len, const struct turn_msg *m,
    const uint8_t key[TURN_KEY_LEN])
{
	struct hmac_sha1_ctx h;
	uint8_t hdr[STUN_HEADER_LEN], mac[TURN_MI_LEN];
	size_t off = m->integrity_off;
	int ok;

	if (off < STUN_HEADER_LEN || off + STUN_ATTR_HEADER_LEN + TURN_MI_LEN > len)
		return 0;
	/* The length field as if MESSAGE-INTEGRITY ended the message. */
	memcpy(hdr, buf, STUN_HEADER_LEN);
	bytes_put16(hdr + 2, (uint16_t)(off + STUN_ATTR_HEADER_LEN + TURN_MI_LEN - STUN_HEADER_LEN));
	hmac_sha1_set_key(&h, TURN_KEY_LEN, key);
	hmac_sha1_update(&h, STUN_HEADER_LEN, hdr);
	hmac_sha1_update(&h, off - STUN_HEADER_LEN, buf + STUN_HEADER_LEN);
	hmac_sha1_digest(&h, TURN_MI_LEN, mac);
	ok = sodium_memcmp(mac, buf + off + STUN_ATTR_HEADER_LEN, TURN_MI_LEN) == 0;
	sodium_memzero(&h, sizeof(h));
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

/* ChannelData */

size_t
turn_channel_wrap(uint8_t *out, size_t outlen, uint16_t channel, const uint8_t *payload, size_t len)
{
	struct turn_channel_header *h = (struct turn_channel_header *)out;

	if (channel < TURN_CHANNEL_MIN || channel > TURN_CHANNEL_MAX || len > 0xFFFF ||
	    outlen < TURN_CHANNEL_HEADER_LEN || outlen - TURN_CHANNEL_HEADER_LEN < len)
		return 0;
	bytes_put16(h->channel, channel);
	bytes_put16(h->length, (uint16_t)len);
	if (len > 0)
		memmove(out + TURN_CHANNEL_HEADER_LEN, payload, len);
	return TURN_CHANNEL_HEADER_LEN + len;
}

int
turn_channel_parse(const uint8_t *buf, size_t len, uint16_t *channel, const uint8_t **payload,
    size_t *payload_len)
{
	const struct turn_channel_header *h = (const struct turn_channel_header *)buf;
	uint16_t ch;
	size_t n;

	if (buf == NULL || len < TURN_CHANNEL_HEADER_LEN)
		return 0;
	ch = bytes_get16(h->channel);
	n = bytes_get16(h->length);
	if ((buf[0] & 0xC0) != 0x40 || ch < TURN_CHANNEL_MIN || ch > 0x4FFF)
		return 0;
	/* Over UDP the padding to 4 is optional: accept none or up to the boundary. */
	if (len - TURN_CHANNEL_HEADER_LEN < n || len > bytes_pad4(TURN_CHANNEL_HEADER_LEN + n))
		return 0;
	*channel = ch;
	*payload = buf + TURN_CHANNEL_HEADER_LEN;
	*payload_len = n;
	return 1;
}
