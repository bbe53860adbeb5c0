/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * receive.c — every datagram from the network enters here. Each message
 * type has a fixed size (transport: a minimum) checked before it is copied
 * into its struct; every rejection names its reason (enum wg_drop) and is
 * counted. Transport packets are decrypted in place, then checked against
 * the replay window: only authenticated counters move the window.
 */
#include "config.h"

#include <endian.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include <sodium.h>

#include "tunnel/wg/cookie.h"
#include "tunnel/wg/device.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/noise.h"
#include "tunnel/wg/peer.h"
#include "tunnel/wg/ratelimiter.h"
#include "tunnel/wg/receive.h"
#include "tunnel/wg/replay.h"
#include "tunnel/wg/send.h"
#include "tunnel/wg/timers.h"

static enum wg_rx
drop(struct wg_device *dev, enum wg_drop why)
{
	wg_device_count_drop(dev, why);
	return WG_RX_DROPPED;
}

/* Usable datagram source: an IPv4 or IPv6 socket address of matching length. */
static int
valid_source(const struct sockaddr *from, socklen_t len)
{
	if (from == NULL)
		return 0;
	if (from->sa_family == AF_INET)
		return len >= sizeof(struct sockaddr_in);
	if (from->sa_family == AF_INET6)
		return len >= sizeof(struct sockaddr_in6);
	return 0;
}

static enum wg_rx
receive_handshake(struct wg_device *dev, const struct sockaddr *from, socklen_t fromlen,
    const uint8_t *buf, size_t len, enum message_type type)
{
	struct message_handshake_initiation	 init;
	struct message_handshake_response	 resp;
	enum wg_cookie_mac_state		 mac_state;
	struct wg_peer				*peer;
	enum wg_drop				 why;
	uint64_t				 now = wg_device_now(dev);
	uint32_t				 sender_index;
	int					 under_load;

	/* Both handshake messages carry the sender index right after the header. */
	memcpy(&sender_index, buf + sizeof(struct message_header), sizeof sender_index);
	sender_index = le32toh(sender_index);

	under_load = wg_device_handshake_load(dev, now);
	if (under_load) {
		mac_state = wg_cookie_validate_packet(&dev->cookie_checker, buf, len, from, 1, now);
		if (mac_state == WG_COOKIE_VALID_MAC_BUT_NO_COOKIE) {
			wg_send_handshake_cookie(dev, buf, len, sender_index, from, fromlen);
			return drop(dev, WG_DROP_MAC2);
		}
		if (mac_state != WG_COOKIE_VALID_MAC_WITH_COOKIE)
			return drop(dev, WG_DROP_MAC1);
		if (!wg_ratelimiter_allow(&dev->ratelimiter, from, now))
			return drop(dev, WG_DROP_RATELIMIT);
	} else {
		mac_state = wg_cookie_validate_packet(&dev->cookie_checker, buf, len, from, 0, now);
		if (mac_state != WG_COOKIE_VALID_MAC_BUT_NO_COOKIE)
			return drop(dev, WG_DROP_MAC1);
	}

	if (type == MESSAGE_HANDSHAKE_INITIATION) {
		memcpy(&init, buf, sizeof init);
		peer = wg_noise_handshake_consume_initiation(&init, dev, &why);
		sodium_memzero(&init, sizeof init);
		if (peer == NULL)
			return drop(dev, why);
		dev->input_peer = peer;
		wg_peer_update_endpoint(peer, from, fromlen);
		wg_send_handshake_response(peer);
		if (peer->handshake.crossed)
			wg_device_event(dev, peer, WG_EV_HANDSHAKE_CROSSED);
	} else {
		memcpy(&resp, buf, sizeof resp);
		peer = wg_noise_handshake_consume_response(&resp, dev, &why);
		sodium_memzero(&resp, sizeof resp);
		if (peer == NULL)
			return drop(dev, why);
		dev->input_peer = peer;
		wg_peer_update_endpoint(peer, from, fromlen);
		if (wg_noise_handshake_begin_session(&peer->handshake, &peer->keypairs, dev) == 0) {
			wg_timers_session_derived(peer);
			wg_timers_handshake_complete(peer);
			dev->stats.handshakes_completed++;
			wg_device_event(dev, peer, WG_EV_HANDSHAKE_DONE);
			/*
			 * Either the staged packets go now, or a keepalive
			 * does: the responder needs one to confirm the keys.
			 */
			wg_send_keepalive(peer);
		}
	}
	wg_timers_any_authenticated_packet_received(peer);
	wg_timers_any_authenticated_packet_traversal(peer);
	return WG_RX_HANDSHAKE;
}

static enum wg_rx
receive_cookie(struct wg_device *dev, const uint8_t *buf)
{
	struct message_handshake_cookie	 msg;
	struct wg_index_entry		*entry;

	memcpy(&msg, buf, sizeof msg);
	entry = wg_index_table_lookup(&dev->index_table, WG_INDEX_HANDSHAKE | WG_INDEX_KEYPAIR,
	    le32toh(msg.receiver_index));
	if (entry == NULL)
		return drop(dev, WG_DROP_UNKNOWN_INDEX);
	if (wg_cookie_message_consume(&msg, &entry->peer->latest_cookie, wg_device_now(dev)) != 0)
		return drop(dev, WG_DROP_DECRYPT);
	dev->stats.cookies_received++;
	return WG_RX_HANDSHAKE;
}

/* Receive side of the paper's 6.2: the initiator rekeys before the responder's REJECT_AFTER_TIME. */
static void
keep_key_fresh(struct wg_peer *peer)
{
	struct wg_noise_keypair	*kp = peer->keypairs.current_keypair;

	if (peer->timers.sent_lastminute_handshake)
		return;
	if (kp != NULL && kp->sending.is_valid && kp->i_am_the_initiator &&
	    wg_time_has_passed(kp->sending.birthdate,
	    (uint64_t)(REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT) * WG_NS_PER_SEC,
	    wg_device_now(peer->dev))) {
		peer->timers.sent_lastminute_handshake = 1;
		wg_send_handshake_initiation(peer, 0);
	}
}

/* Returns the inner packet's real length (padding stripped), or 0 if malformed. */
static size_t
inner_packet(const uint8_t *p, size_t len, int *family, const uint8_t **src)
{
	size_t		 total;

	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		if (len < 20)
			return 0;
		total = (size_t)p[2] << 8 | p[3];
		if (total < 20 || total > len || (size_t)(p[0] & 0x0f) * 4 < 20)
			return 0;
		*family = AF_INET;
		*src = p + 12;
		return total;
	case 6:
		if (len < 40)
			return 0;
		total = ((size_t)p[4] << 8 | p[5]) + 40;
		if (total > len)
			return 0;
		*family = AF_INET6;
		*src = p + 8;
		return total;
	default:
		return 0;
	}
}

static enum wg_rx
receive_data(struct wg_device *dev, const struct sockaddr *from, socklen_t fromlen,
    uint8_t *buf, size_t len)
{
	struct message_data	 hdr;
	struct wg_index_entry	*entry;
	struct wg_noise_keypair	*kp;
	struct wg_peer		*peer;
	uint8_t			 n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	uint8_t			*plain = buf + sizeof hdr;
	const uint8_t		*src;
	unsigned long long	 plen;
	uint64_t		 counter, now = wg_device_now(dev);
	size_t			 inner;
	int			 family;

	memcpy(&hdr, buf, sizeof hdr);
	entry = wg_index_table_lookup(&dev->index_table, WG_INDEX_KEYPAIR, le32toh(hdr.key_idx));
	if (entry == NULL)
		return drop(dev, WG_DROP_UNKNOWN_INDEX);
	kp = (struct wg_noise_keypair *)((uint8_t *)entry - offsetof(struct wg_noise_keypair, entry));
	peer = entry->peer;
	counter = le64toh(hdr.counter);

	if (!kp->receiving.is_valid ||
	    wg_time_has_passed(kp->receiving.birthdate, (uint64_t)REJECT_AFTER_TIME * WG_NS_PER_SEC, now) ||
	    kp->receiving_counter.counter >= (uint64_t)REJECT_AFTER_MESSAGES)
		return drop(dev, WG_DROP_EXPIRED);

	memset(n, 0, 4);
	memcpy(n + 4, &hdr.counter, 8);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, &plen, NULL, plain, len - sizeof hdr,
	    NULL, 0, n, kp->receiving.key) != 0)
		return drop(dev, WG_DROP_DECRYPT);
	if (!wg_replay_check(&kp->receiving_counter, counter))
		return drop(dev, WG_DROP_REPLAY);

	/* Authenticated: from here on the packet speaks for the peer. */
	dev->input_peer = peer;
	wg_peer_update_endpoint(peer, from, fromlen);
	if (wg_noise_received_with_keypair(&peer->keypairs, kp, &dev->index_table)) {
		wg_timers_handshake_complete(peer);
		dev->stats.handshakes_completed++;
		wg_device_event(dev, peer, WG_EV_HANDSHAKE_DONE);
		wg_send_staged_packets(peer);
	}
	keep_key_fresh(peer);
	wg_timers_any_authenticated_packet_received(peer);
	wg_timers_any_authenticated_packet_traversal(peer);

	if (plen == 0) {
		dev->stats.keepalives_received++;
		return WG_RX_DATA;
	}
	wg_timers_data_received(peer);

	if ((inner = inner_packet(plain, (size_t)plen, &family, &src)) == 0)
		return drop(dev, WG_DROP_INNER);
	/* The source must be one the peer is allowed to use. */
	if (!wg_allowedips_match(&peer->allowedips, family, src))
		return drop(dev, WG_DROP_INNER);

	dev->stats.rx_packets++;
	dev->stats.rx_bytes += inner;
	dev->io.deliver(dev->io.arg, peer, plain, inner);
	return WG_RX_DATA;
}

enum wg_rx
wg_device_input(struct wg_device *dev, const struct sockaddr *from, socklen_t fromlen,
    uint8_t *buf, size_t len)
{
	struct message_header	 hdr;
	uint32_t		 type;

	dev->input_peer = NULL;
	/* A datagram without a usable source cannot be answered or roamed to. */
	if (buf == NULL || !valid_source(from, fromlen) || len < sizeof hdr)
		return drop(dev, WG_DROP_SHORT);
	memcpy(&hdr, buf, sizeof hdr);
	type = le32toh(hdr.type);

	switch (type) {
	case MESSAGE_HANDSHAKE_INITIATION:
		if (len != MESSAGE_INITIATION_LEN)
			return drop(dev, WG_DROP_SHORT);
		return receive_handshake(dev, from, fromlen, buf, len, type);
	case MESSAGE_HANDSHAKE_RESPONSE:
		if (len != MESSAGE_RESPONSE_LEN)
			return drop(dev, WG_DROP_SHORT);
		return receive_handshake(dev, from, fromlen, buf, len, type);
	case MESSAGE_HANDSHAKE_COOKIE:
		if (len != MESSAGE_COOKIE_LEN)
			return drop(dev, WG_DROP_SHORT);
		return receive_cookie(dev, buf);
	case MESSAGE_DATA:
		/* Too small to hold a tag, or lying about a size no peer sends. */
		if (len < MESSAGE_DATA_MIN_LEN || len > MESSAGE_MAX_LEN)
			return drop(dev, WG_DROP_SHORT);
		return receive_data(dev, from, fromlen, buf, len);
	default:
		/* Includes types 1-4 with nonzero reserved bytes. */
		return drop(dev, WG_DROP_TYPE);
	}
}

struct wg_peer *
wg_device_input_peer(const struct wg_device *dev)
{
	return dev->input_peer;
}
