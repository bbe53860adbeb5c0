/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn_msg.c — TURN messages on the STUN codec (tunnel/nat/stun_msg.c):
 * requests with long-term credentials, TURN's attribute rules and the
 * parsed view of a response or Data indication, and ChannelData. See
 * turn_msg.h.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/net/bytes.h"
#include "tunnel/turn/turn_msg.h"

/* TURN's attributes (RFC 8656 section 18), added to the codec's STUN table. */
static const struct stun_attr_rule turn_rules[] = {
	{ TURN_ATTR_CHANNEL_NUMBER, 4, 4, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_LIFETIME, 4, 4, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_XOR_PEER_ADDRESS, 0, 0xFFFF, STUN_CHECK_XOR_ADDRESS, STUN_MSG_ADDRESS },
	{ TURN_ATTR_DATA, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_XOR_RELAYED_ADDRESS, 0, 0xFFFF, STUN_CHECK_XOR_ADDRESS, STUN_MSG_ADDRESS },
	/* Known, not read by this client. */
	{ TURN_ATTR_REQUESTED_ADDRESS_FAMILY, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_EVEN_PORT, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_REQUESTED_TRANSPORT, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_DONT_FRAGMENT, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
	{ TURN_ATTR_RESERVATION_TOKEN, 0, 0xFFFF, STUN_CHECK_NONE, STUN_MSG_ATTR },
};

_Static_assert(sizeof(turn_rules) / sizeof(turn_rules[0]) <= STUN_MSG_MAX_EXTRA,
    "the codec keeps room for this many extra rules");

const char *
turn_msg_err_name(enum turn_msg_err e)
{
	return stun_msg_err_name((enum stun_msg_err)e);
}

uint16_t
turn_msg_type(uint16_t method, uint16_t cls)
{
	return stun_type_of(method, cls);
}

/* Credentials */

int
turn_auth_set(struct turn_auth *auth, const char *username, size_t username_len,
    const char *password, size_t password_len, const uint8_t *realm, size_t realm_len,
    const uint8_t *nonce, size_t nonce_len)
{
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
	stun_msg_long_term_key(auth->key, username, username_len, realm, realm_len, password,
	    password_len);
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

size_t
turn_msg_build(uint8_t *out, size_t outlen, const struct turn_request *req,
    const struct turn_auth *auth)
{
	struct stun_writer w;
	uint8_t v[4];

	if (req->txid == NULL || req->method > 0x0FFF ||
	    (req->cls != TURN_CLASS_REQUEST && req->cls != TURN_CLASS_INDICATION))
		return 0;
	if (auth != NULL && (auth->username_len == 0 || auth->realm_len == 0 || auth->nonce_len == 0))
		return 0;
	stun_msg_begin(&w, out, outlen, turn_msg_type(req->method, req->cls), req->txid);
	if (req->channel != 0) {
		/* Channel number, then RFFU (2 zero bytes). */
		bytes_put16(v, req->channel);
		bytes_put16(v + 2, 0);
		stun_msg_put(&w, TURN_ATTR_CHANNEL_NUMBER, v, 4);
	}
	if (req->peer != NULL)
		stun_msg_put_xor_address(&w, TURN_ATTR_XOR_PEER_ADDRESS, req->peer);
	if (req->have_lifetime)
		stun_msg_put_u32(&w, TURN_ATTR_LIFETIME, req->lifetime);
	if (req->requested_transport) {
		/* Protocol number, then 3 RFFU bytes. */
		memset(v, 0, 4);
		v[0] = TURN_PROTO_UDP;
		stun_msg_put(&w, TURN_ATTR_REQUESTED_TRANSPORT, v, 4);
	}
	if (req->have_data)
		stun_msg_put(&w, TURN_ATTR_DATA, req->data, req->data_len);
	if (auth != NULL) {
		/* In the order of the RFC 5769 sample, so that our builder reproduces it. */
		stun_msg_put(&w, STUN_ATTR_USERNAME, auth->username, auth->username_len);
		stun_msg_put(&w, STUN_ATTR_NONCE, auth->nonce, auth->nonce_len);
		stun_msg_put(&w, STUN_ATTR_REALM, auth->realm, auth->realm_len);
		stun_msg_put_integrity(&w, auth->key, TURN_KEY_LEN);
	}
	if (req->fingerprint)
		stun_msg_put_fingerprint(&w);
	return stun_msg_finish(&w);
}

/* Parsing */

enum turn_msg_err
turn_msg_parse(const uint8_t *buf, size_t len, struct turn_msg *m)
{
	const struct stun_attr *a;
	struct stun_msg s;
	enum stun_msg_err e;

	memset(m, 0, sizeof(*m));
	if ((e = stun_msg_header(&s, buf, len)) != STUN_MSG_OK)
		return (enum turn_msg_err)e;
	m->type = s.type;
	m->method = s.method;
	m->cls = s.cls;
	memcpy(m->txid, s.txid, STUN_TXID_LEN);
	if ((e = stun_msg_attrs(&s, turn_rules, sizeof(turn_rules) / sizeof(turn_rules[0]))) !=
	    STUN_MSG_OK)
		return (enum turn_msg_err)e;

	/* The first of each counts: a second XOR-RELAYED-ADDRESS (RFC 8656 dual allocation) is ignored. */
	m->have_relayed = stun_msg_address(&s, TURN_ATTR_XOR_RELAYED_ADDRESS, &m->relayed) == 0;
	m->have_mapped = stun_msg_address(&s, STUN_ATTR_XOR_MAPPED_ADDRESS, &m->mapped) == 0;
	m->have_peer = stun_msg_address(&s, TURN_ATTR_XOR_PEER_ADDRESS, &m->peer) == 0;
	if ((a = stun_msg_attr(&s, TURN_ATTR_LIFETIME)) != NULL) {
		m->lifetime = bytes_get32(a->value);
		m->have_lifetime = 1;
	}
	if ((a = stun_msg_attr(&s, TURN_ATTR_CHANNEL_NUMBER)) != NULL) {
		m->channel = bytes_get16(a->value);
		m->have_channel = 1;
	}
	if ((a = stun_msg_attr(&s, TURN_ATTR_DATA)) != NULL) {
		m->data = a->value;
		m->data_len = a->len;
		m->have_data = 1;
	}
	if ((a = stun_msg_attr(&s, STUN_ATTR_REALM)) != NULL) {
		m->realm = a->value;
		m->realm_len = a->len;
	}
	if ((a = stun_msg_attr(&s, STUN_ATTR_NONCE)) != NULL) {
		m->nonce = a->value;
		m->nonce_len = a->len;
	}
	m->error_code = s.error_code;
	m->integrity_off = s.integrity_off;
	m->fingerprint = s.fingerprint;
	m->n_unknown = s.n_unknown;
	m->unknown_first = s.n_unknown > 0 ? s.unknown[0] : 0;
	return TURN_MSG_OK;
}

int
turn_msg_check_integrity(const uint8_t *buf, size_t len, const struct turn_msg *m,
    const uint8_t key[TURN_KEY_LEN])
{
	return stun_msg_check_integrity(buf, len, m->integrity_off, key, TURN_KEY_LEN);
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
