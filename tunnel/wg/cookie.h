/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cookie.h — mac1/mac2 on handshake messages and cookie replies (paper 5.4.7),
 * the DoS mitigation of WireGuard. The checker is the device's (it validates
 * macs and makes cookies); struct wg_cookie is a peer's (it adds macs to what
 * we send and keeps the latest cookie that peer gave us).
 */
#ifndef GONET_TUNNEL_COOKIE_H
#define GONET_TUNNEL_COOKIE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tunnel/wg/messages.h"

struct wg_cookie_checker {
	uint8_t		 secret[NOISE_HASH_LEN];
	uint64_t	 secret_birthdate;
	int		 has_secret;
	uint8_t		 cookie_encryption_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t		 message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
};

struct wg_cookie {
	uint64_t	 birthdate;
	int		 is_valid;
	uint8_t		 cookie[COOKIE_LEN];
	int		 have_sent_mac1;
	uint8_t		 last_mac1_sent[COOKIE_LEN];
	uint8_t		 cookie_decryption_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t		 message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
};

enum wg_cookie_mac_state {
	WG_COOKIE_INVALID_MAC,
	WG_COOKIE_VALID_MAC_BUT_NO_COOKIE,
	WG_COOKIE_VALID_MAC_WITH_COOKIE
};

/* Keys derive from our public key: mac1 key = HASH("mac1----" || pub), cookie key = HASH("cookie--" || pub). */
void wg_cookie_checker_init(struct wg_cookie_checker *c, const uint8_t our_public[NOISE_PUBLIC_KEY_LEN]);
void wg_cookie_checker_clear(struct wg_cookie_checker *c);
void wg_cookie_init(struct wg_cookie *c, const uint8_t peer_public[NOISE_PUBLIC_KEY_LEN]);
void wg_cookie_clear(struct wg_cookie *c);

/*
 * msg is a whole handshake message ending in struct message_macs. Without
 * check_cookie only mac1 is checked. from is the datagram's source.
 */
enum wg_cookie_mac_state wg_cookie_validate_packet(struct wg_cookie_checker *c,
    const uint8_t *msg, size_t len, const struct sockaddr *from, int check_cookie,
    uint64_t now);
/* Should be called on every handshake message we send, after the noise part is written. */
void wg_cookie_add_mac_to_packet(uint8_t *msg, size_t len, struct wg_cookie *c, uint64_t now);
/* The reply to msg (whose sender index is index), which was missing a valid mac2. */
void wg_cookie_message_create(struct message_handshake_cookie *dst, const uint8_t *msg,
    size_t len, uint32_t index, struct wg_cookie_checker *c, const struct sockaddr *from,
    uint64_t now);
/* Returns 0 when the cookie decrypted and was stored in c. */
int wg_cookie_message_consume(const struct message_handshake_cookie *src, struct wg_cookie *c,
    uint64_t now);

#endif
