/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * send.c — outgoing messages. Transport data follows the paper 5.4.6:
 *
 *   msg = 4 || 0^3 || receiver index (le32) || counter (le64)
 *         || AEAD(T_send, 0^4 || counter (le64), P || 0^pad, empty)
 *
 * with P padded to a multiple of 16 (never beyond the MTU). A keepalive is
 * the same with P empty.
 */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/wg/cookie.h"
#include "tunnel/wg/device.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/noise.h"
#include "tunnel/wg/peer.h"
#include "tunnel/wg/send.h"
#include "tunnel/wg/timers.h"

static int
send_buffer_to_peer(struct wg_peer *peer, const uint8_t *buf, size_t len)
{
	if (peer->endpoint_len == 0)
		return -ENOTCONN;
	return peer->dev->io.send(peer->dev->io.arg, (const struct sockaddr *)&peer->endpoint,
	    peer->endpoint_len, buf, len);
}

int
wg_send_handshake_initiation(struct wg_peer *peer, int is_retry)
{
	struct wg_device			*dev = peer->dev;
	struct message_handshake_initiation	 msg;
	uint64_t				 now = wg_device_now(dev);
	int					 r;

	if (!is_retry)
		peer->timers.handshake_attempts = 0;
	/* This function is rate limited. */
	if (!wg_time_has_passed(peer->last_sent_handshake, (uint64_t)REKEY_TIMEOUT * WG_NS_PER_SEC, now))
		return -EAGAIN;
	peer->last_sent_handshake = now;
	if (wg_noise_handshake_create_initiation(&msg, &peer->handshake, dev) != 0)
		return -EINVAL;
	wg_cookie_add_mac_to_packet((uint8_t *)&msg, sizeof msg, &peer->latest_cookie, now);
	wg_timers_any_authenticated_packet_traversal(peer);
	wg_timers_any_authenticated_packet_sent(peer);
	r = send_buffer_to_peer(peer, (const uint8_t *)&msg, sizeof msg);
	dev->stats.handshakes_initiated++;
	wg_timers_handshake_initiated(peer);
	sodium_memzero(&msg, sizeof msg);
	wg_device_event(dev, peer, WG_EV_HANDSHAKE_SENT);
	return r < 0 ? r : 0;
}

void
wg_send_handshake_response(struct wg_peer *peer)
{
	struct wg_device			*dev = peer->dev;
	struct message_handshake_response	 msg;
	uint64_t				 now = wg_device_now(dev);

	peer->last_sent_handshake = now;
	if (wg_noise_handshake_create_response(&msg, &peer->handshake, dev) != 0)
		goto out;
	wg_cookie_add_mac_to_packet((uint8_t *)&msg, sizeof msg, &peer->latest_cookie, now);
	if (wg_noise_handshake_begin_session(&peer->handshake, &peer->keypairs, dev) != 0)
		goto out;
	wg_timers_session_derived(peer);
	wg_timers_any_authenticated_packet_traversal(peer);
	wg_timers_any_authenticated_packet_sent(peer);
	send_buffer_to_peer(peer, (const uint8_t *)&msg, sizeof msg);
out:
	sodium_memzero(&msg, sizeof msg);
}

void
wg_send_handshake_cookie(struct wg_device *dev, const uint8_t *msg, size_t len,
    uint32_t index, const struct sockaddr *to, socklen_t tolen)
{
	struct message_handshake_cookie	 reply;

	wg_cookie_message_create(&reply, msg, len, index, &dev->cookie_checker, to,
	    wg_device_now(dev));
	if (dev->io.send(dev->io.arg, to, tolen, (const uint8_t *)&reply, sizeof reply) == 0)
		dev->stats.cookies_sent++;
}

int
wg_send_stage(struct wg_peer *peer, const uint8_t *pkt, size_t len)
{
	struct wg_staged	*q = &peer->staged;
	uint8_t			*copy = NULL;
	unsigned		 slot;

	if (len > 0) {
		if ((copy = malloc(len)) == NULL)
			return -ENOMEM;
		memcpy(copy, pkt, len);
	}
	if (q->count == MAX_STAGED_PACKETS) {
		/* Full: the oldest packet goes. */
		sodium_memzero(q->pkt[q->head], q->len[q->head]);
		free(q->pkt[q->head]);
		q->head = (q->head + 1) % MAX_STAGED_PACKETS;
		q->count--;
	}
	slot = (q->head + q->count) % MAX_STAGED_PACKETS;
	q->pkt[slot] = copy;
	q->len[slot] = len;
	q->count++;
	return 0;
}

void
wg_send_purge_staged_packets(struct wg_peer *peer)
{
	struct wg_staged	*q = &peer->staged;

	while (q->count > 0) {
		if (q->pkt[q->head] != NULL)
			sodium_memzero(q->pkt[q->head], q->len[q->head]);
		free(q->pkt[q->head]);
		q->pkt[q->head] = NULL;
		q->head = (q->head + 1) % MAX_STAGED_PACKETS;
		q->count--;
	}
	q->head = 0;
}

void
wg_send_keepalive(struct wg_peer *peer)
{
	if (peer->staged.count == 0 && wg_send_stage(peer, NULL, 0) != 0)
		return;
	wg_send_staged_packets(peer);
}

/* Should be called after sending with the current keypair: rekey on age or count. */
static void
keep_key_fresh(struct wg_peer *peer)
{
	struct wg_noise_keypair	*kp = peer->keypairs.current_keypair;

	if (kp == NULL || !kp->sending.is_valid)
		return;
	if (kp->sending_counter > (uint64_t)REKEY_AFTER_MESSAGES ||
	    (kp->i_am_the_initiator && wg_time_has_passed(kp->sending.birthdate,
	    (uint64_t)REKEY_AFTER_TIME * WG_NS_PER_SEC, wg_device_now(peer->dev))))
		wg_send_handshake_initiation(peer, 0);
}

static size_t
padded_len(size_t len)
{
	size_t		 padded = (len + MESSAGE_PADDING_MULTIPLE - 1) & ~(size_t)(MESSAGE_PADDING_MULTIPLE - 1);

	return padded > WG_MTU ? (len > WG_MTU ? len : WG_MTU) : padded;
}

/* Encrypts pkt into out (sized message_data_len(WG_MTU)); returns the message length. */
static size_t
encrypt_packet(uint8_t *out, struct wg_noise_keypair *kp, uint64_t nonce,
    const uint8_t *pkt, size_t len)
{
	struct message_data	 hdr;
	uint8_t			 n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	uint64_t		 le_nonce = htole64(nonce);
	size_t			 plen = padded_len(len);

	hdr.header.type = htole32(MESSAGE_DATA);
	hdr.key_idx = htole32(kp->remote_index);
	hdr.counter = le_nonce;
	memcpy(out, &hdr, sizeof hdr);
	if (len > 0)
		memcpy(out + sizeof hdr, pkt, len);
	memset(out + sizeof hdr + len, 0, plen - len);

	memset(n, 0, 4);
	memcpy(n + 4, &le_nonce, 8);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + sizeof hdr, NULL, out + sizeof hdr, plen,
	    NULL, 0, NULL, n, kp->sending.key);
	return message_data_len(plen);
}

void
wg_send_staged_packets(struct wg_peer *peer)
{
	struct wg_device	*dev = peer->dev;
	struct wg_staged	*q = &peer->staged;
	struct wg_noise_keypair	*kp = peer->keypairs.current_keypair;
	uint8_t			 out[message_data_len(WG_MTU)];
	size_t			 n, len;
	int			 data_sent = 0;

	if (q->count == 0)
		return;
	if (!wg_noise_keypair_can_send(kp, wg_device_now(dev))) {
		/* Keep the packets; they go when the handshake completes. */
		if (kp != NULL && kp->sending.is_valid)
			kp->sending.is_valid = 0;
		wg_send_handshake_initiation(peer, 0);
		return;
	}

	wg_timers_any_authenticated_packet_traversal(peer);
	wg_timers_any_authenticated_packet_sent(peer);
	while (q->count > 0 && wg_noise_keypair_can_send(kp, wg_device_now(dev))) {
		len = q->len[q->head];
		n = encrypt_packet(out, kp, kp->sending_counter++, q->pkt[q->head], len);
		if (send_buffer_to_peer(peer, out, n) == 0) {
			if (len == 0)
				dev->stats.keepalives_sent++;
			else {
				data_sent = 1;
				dev->stats.tx_packets++;
				dev->stats.tx_bytes += len;
			}
		}
		if (q->pkt[q->head] != NULL)
			sodium_memzero(q->pkt[q->head], len);
		free(q->pkt[q->head]);
		q->pkt[q->head] = NULL;
		q->head = (q->head + 1) % MAX_STAGED_PACKETS;
		q->count--;
	}
	sodium_memzero(out, sizeof out);
	if (data_sent)
		wg_timers_data_sent(peer);
	keep_key_fresh(peer);
	/* The counter ran out mid-queue: what is left waits for a new session. */
	if (q->count > 0)
		wg_send_handshake_initiation(peer, 0);
}
