/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cookie.c — mac1, mac2 and cookie replies:
 *
 *   mac1   = MAC(HASH("mac1----" || S_pub_receiver), msg[0 .. mac1])
 *   cookie = MAC(secret, source IP || source port), secret renewed every 2 min
 *   mac2   = MAC(cookie, msg[0 .. mac2])
 *   reply  = XAEAD(HASH("cookie--" || S_pub_sender_of_reply), nonce, cookie, mac1)
 */
#include "config.h"

#include <endian.h>
#include <string.h>
#include <netinet/in.h>

#include <sodium.h>

#include "tunnel/wg/cookie.h"
#include "tunnel/wg/kdf.h"
#include "tunnel/wg/timers.h"
#include "tunnel/wg/wg.h"

static const char mac1_label[8] = "mac1----";
static const char cookie_label[8] = "cookie--";

static void
precompute_key(uint8_t key[NOISE_SYMMETRIC_KEY_LEN], const uint8_t pub[NOISE_PUBLIC_KEY_LEN],
    const char label[8])
{
	wg_kdf_hash2(key, label, 8, pub, NOISE_PUBLIC_KEY_LEN);
}

void
wg_cookie_checker_init(struct wg_cookie_checker *c, const uint8_t our_public[NOISE_PUBLIC_KEY_LEN])
{
	memset(c, 0, sizeof *c);
	precompute_key(c->cookie_encryption_key, our_public, cookie_label);
	precompute_key(c->message_mac1_key, our_public, mac1_label);
}

void
wg_cookie_checker_clear(struct wg_cookie_checker *c)
{
	sodium_memzero(c, sizeof *c);
}

void
wg_cookie_init(struct wg_cookie *c, const uint8_t peer_public[NOISE_PUBLIC_KEY_LEN])
{
	memset(c, 0, sizeof *c);
	precompute_key(c->cookie_decryption_key, peer_public, cookie_label);
	precompute_key(c->message_mac1_key, peer_public, mac1_label);
}

void
wg_cookie_clear(struct wg_cookie *c)
{
	sodium_memzero(c, sizeof *c);
}

/* mac1 covers the message up to mac1, mac2 up to mac2. */
static void
compute_mac1(uint8_t mac1[COOKIE_LEN], const uint8_t *msg, size_t len,
    const uint8_t key[NOISE_SYMMETRIC_KEY_LEN])
{
	wg_kdf_mac(mac1, key, NOISE_SYMMETRIC_KEY_LEN, msg, len - sizeof(struct message_macs));
}

static void
compute_mac2(uint8_t mac2[COOKIE_LEN], const uint8_t *msg, size_t len,
    const uint8_t cookie[COOKIE_LEN])
{
	wg_kdf_mac(mac2, cookie, COOKIE_LEN, msg, len - COOKIE_LEN);
}

/* Must be given a datagram source of family AF_INET or AF_INET6. */
static void
make_cookie(uint8_t cookie[COOKIE_LEN], const struct sockaddr *from,
    struct wg_cookie_checker *c, uint64_t now)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)from;
	uint8_t		 buf[16 + 2];
	size_t		 n = 0;

	if (!c->has_secret ||
	    wg_time_has_passed(c->secret_birthdate, (uint64_t)COOKIE_SECRET_MAX_AGE * WG_NS_PER_SEC, now)) {
		randombytes_buf(c->secret, sizeof c->secret);
		c->secret_birthdate = now;
		c->has_secret = 1;
	}
	/* Address and port in network byte order, as Linux. */
	if (from->sa_family == AF_INET) {
		memcpy(buf, &sin->sin_addr, 4);
		memcpy(buf + 4, &sin->sin_port, 2);
		n = 6;
	} else if (from->sa_family == AF_INET6) {
		memcpy(buf, &sin6->sin6_addr, 16);
		memcpy(buf + 16, &sin6->sin6_port, 2);
		n = 18;
	}
	wg_kdf_mac(cookie, c->secret, sizeof c->secret, buf, n);
}

enum wg_cookie_mac_state
wg_cookie_validate_packet(struct wg_cookie_checker *c, const uint8_t *msg, size_t len,
    const struct sockaddr *from, int check_cookie, uint64_t now)
{
	struct message_macs	 macs;
	uint8_t			 computed[COOKIE_LEN];
	uint8_t			 cookie[COOKIE_LEN];
	enum wg_cookie_mac_state ret = WG_COOKIE_INVALID_MAC;

	if (len < sizeof macs)
		goto out;
	memcpy(&macs, msg + len - sizeof macs, sizeof macs);

	compute_mac1(computed, msg, len, c->message_mac1_key);
	if (sodium_memcmp(computed, macs.mac1, COOKIE_LEN) != 0)
		goto out;

	ret = WG_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	if (!check_cookie)
		goto out;

	make_cookie(cookie, from, c, now);
	compute_mac2(computed, msg, len, cookie);
	if (sodium_memcmp(computed, macs.mac2, COOKIE_LEN) != 0)
		goto out;
	ret = WG_COOKIE_VALID_MAC_WITH_COOKIE;
out:
	sodium_memzero(cookie, sizeof cookie);
	return ret;
}

void
wg_cookie_add_mac_to_packet(uint8_t *msg, size_t len, struct wg_cookie *c, uint64_t now)
{
	uint8_t		*mac1 = msg + len - sizeof(struct message_macs);
	uint8_t		*mac2 = mac1 + COOKIE_LEN;

	compute_mac1(mac1, msg, len, c->message_mac1_key);
	memcpy(c->last_mac1_sent, mac1, COOKIE_LEN);
	c->have_sent_mac1 = 1;

	if (c->is_valid && !wg_time_has_passed(c->birthdate,
	    (uint64_t)(COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY) * WG_NS_PER_SEC, now))
		compute_mac2(mac2, msg, len, c->cookie);
	else
		memset(mac2, 0, COOKIE_LEN);
}

void
wg_cookie_message_create(struct message_handshake_cookie *dst, const uint8_t *msg,
    size_t len, uint32_t index, struct wg_cookie_checker *c, const struct sockaddr *from,
    uint64_t now)
{
	const uint8_t	*mac1 = msg + len - sizeof(struct message_macs);
	uint8_t		 cookie[COOKIE_LEN];

	memset(dst, 0, sizeof *dst);
	dst->header.type = htole32(MESSAGE_HANDSHAKE_COOKIE);
	dst->receiver_index = htole32(index);
	randombytes_buf(dst->nonce, COOKIE_NONCE_LEN);

	make_cookie(cookie, from, c, now);
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst->encrypted_cookie, NULL, cookie,
	    COOKIE_LEN, mac1, COOKIE_LEN, NULL, dst->nonce, c->cookie_encryption_key);
	sodium_memzero(cookie, sizeof cookie);
}

int
wg_cookie_message_consume(const struct message_handshake_cookie *src, struct wg_cookie *c,
    uint64_t now)
{
	uint8_t		 cookie[COOKIE_LEN];
	int		 ret = -1;

	if (!c->have_sent_mac1)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, src->encrypted_cookie,
	    sizeof src->encrypted_cookie, c->last_mac1_sent, COOKIE_LEN, src->nonce,
	    c->cookie_decryption_key) != 0)
		goto out;
	memcpy(c->cookie, cookie, COOKIE_LEN);
	c->birthdate = now;
	c->is_valid = 1;
	c->have_sent_mac1 = 0;
	ret = 0;
out:
	sodium_memzero(cookie, sizeof cookie);
	return ret;
}
