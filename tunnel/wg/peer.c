/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer.c — the peer half of the wg.h API: lifetime, configuration, sending,
 * and what each timer does when it expires. timers.c keeps the deadlines;
 * wg_peer_run_timers() takes the due ones (paper 6.1-6.5):
 *
 *   retransmit_handshake:  send the next initiation (one per REKEY_TIMEOUT +
 *                          jitter); after MAX_TIMER_HANDSHAKES, i.e.
 *                          REKEY_ATTEMPT_TIME, give up: drop the staged
 *                          packets, WG_EV_HANDSHAKE_FAILED
 *   send_keepalive:        send a keepalive: data came in and nothing went
 *                          back for KEEPALIVE_TIMEOUT (one more
 *                          KEEPALIVE_TIMEOUT later if more data came)
 *   new_handshake:         start a handshake: data went out and nothing came
 *                          back for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT
 *   zero_key_material:     wipe the handshake and every keypair (3 x
 *                          REJECT_AFTER_TIME without a new session),
 *                          WG_EV_KEYS_ZEROED
 *   persistent_keepalive:  send a keepalive (the interval passed idle)
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <sodium.h>

#include "tunnel/wg/allowedips.h"
#include "tunnel/wg/device.h"
#include "tunnel/wg/noise.h"
#include "tunnel/wg/peer.h"
#include "tunnel/wg/peerlookup.h"
#include "tunnel/wg/send.h"
#include "tunnel/wg/timers.h"

struct wg_peer *
wg_peer_new(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
    const uint8_t psk[WG_KEY_LEN])
{
	struct wg_peer	*peer;

	if (dev == NULL || public_key == NULL)
		return NULL;
	/* Our own key or a duplicate is refused, as Linux silently ignores them. */
	if (sodium_memcmp(public_key, dev->static_identity.static_public, WG_KEY_LEN) == 0 ||
	    wg_pubkey_table_lookup(&dev->peers, public_key) != NULL)
		return NULL;
	if ((peer = calloc(1, sizeof *peer)) == NULL)
		return NULL;
	peer->dev = dev;
	memcpy(peer->public_key, public_key, WG_KEY_LEN);
	wg_noise_handshake_init(&peer->handshake, &dev->static_identity, peer, public_key, psk);
	wg_cookie_init(&peer->latest_cookie, public_key);
	wg_timers_init(&peer->timers);
	wg_allowedips_init(&peer->allowedips);
	/* As if the last initiation were long ago: the first one may go at once. */
	peer->last_sent_handshake = wg_device_now(dev) -
	    (uint64_t)(REKEY_TIMEOUT + 1) * WG_NS_PER_SEC;

	wg_pubkey_table_add(&dev->peers, peer);
	dev->npeers++;
	return peer;
}

void
wg_peer_free(struct wg_peer *peer)
{
	struct wg_device	*dev;

	if (peer == NULL)
		return;
	dev = peer->dev;
	if (dev->input_peer == peer)
		dev->input_peer = NULL;
	wg_pubkey_table_remove(&dev->peers, peer);
	dev->npeers--;
	wg_timers_stop(peer);
	wg_noise_handshake_clear(&peer->handshake, &dev->index_table);
	wg_noise_keypairs_clear(&peer->keypairs, &dev->index_table);
	wg_send_purge_staged_packets(peer);
	wg_allowedips_free(&peer->allowedips);
	sodium_memzero(peer, sizeof *peer);
	free(peer);
}

void
wg_peer_public_key(const struct wg_peer *peer, uint8_t out[WG_KEY_LEN])
{
	memcpy(out, peer->public_key, WG_KEY_LEN);
}

/* Copies an AF_INET/AF_INET6 address into the endpoint; returns 1 if it changed. */
static int
set_endpoint(struct wg_peer *peer, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 want;

	if (addr == NULL)
		return 0;
	if (addr->sa_family == AF_INET)
		want = sizeof(struct sockaddr_in);
	else if (addr->sa_family == AF_INET6)
		want = sizeof(struct sockaddr_in6);
	else
		return 0;
	if (len < want)
		return 0;
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, addr, want);
	if (peer->endpoint_len == want && memcmp(&peer->endpoint, &ss, want) == 0)
		return 0;
	peer->endpoint = ss;
	peer->endpoint_len = want;
	return 1;
}

void
wg_peer_set_endpoint(struct wg_peer *peer, const struct sockaddr *addr, socklen_t len)
{
	set_endpoint(peer, addr, len);
}

void
wg_peer_update_endpoint(struct wg_peer *peer, const struct sockaddr *from, socklen_t len)
{
	if (set_endpoint(peer, from, len))
		wg_device_event(peer->dev, peer, WG_EV_ENDPOINT_CHANGED);
}

socklen_t
wg_peer_endpoint(const struct wg_peer *peer, struct sockaddr_storage *out)
{
	if (peer->endpoint_len == 0)
		return 0;
	memcpy(out, &peer->endpoint, sizeof *out);
	return peer->endpoint_len;
}

void
wg_peer_set_persistent_keepalive(struct wg_peer *peer, unsigned seconds)
{
	unsigned	 old = peer->timers.persistent_keepalive_interval;

	if (seconds > 65535)
		seconds = 65535;
	wg_timers_set_persistent_keepalive(peer, seconds);
	if (seconds == 0)
		return;
	/* As Linux: turning it on sends a keepalive (or a handshake) at once. */
	if (old == 0 && peer->endpoint_len != 0)
		wg_send_keepalive(peer);
}

int
wg_peer_allow_ip(struct wg_peer *peer, int family, const void *addr, unsigned cidr)
{
	return wg_allowedips_add(&peer->allowedips, family, addr, cidr);
}

void
wg_peer_set_user(struct wg_peer *peer, void *user)
{
	peer->user = user;
}

void *
wg_peer_user(const struct wg_peer *peer)
{
	return peer->user;
}

uint64_t
wg_peer_last_handshake(const struct wg_peer *peer)
{
	return peer->last_handshake;
}

int
wg_peer_has_session(const struct wg_peer *peer)
{
	return wg_noise_keypair_can_send(peer->keypairs.current_keypair, wg_device_now(peer->dev));
}

int
wg_peer_send(struct wg_peer *peer, const uint8_t *pkt, size_t len)
{
	int		 r;

	if (pkt == NULL || len == 0)
		return -EINVAL;
	if (len > WG_MTU)
		return -EMSGSIZE;
	if (peer->endpoint_len == 0)
		return -ENOTCONN;
	if ((r = wg_send_stage(peer, pkt, len)) != 0)
		return r;
	wg_send_staged_packets(peer);
	return 0;
}

int
wg_peer_initiate(struct wg_peer *peer)
{
	if (peer->endpoint_len == 0)
		return -ENOTCONN;
	/* An explicit request skips our REKEY_TIMEOUT limit (the responder still floods-checks). */
	peer->last_sent_handshake = wg_device_now(peer->dev) -
	    (uint64_t)(REKEY_TIMEOUT + 1) * WG_NS_PER_SEC;
	return wg_send_handshake_initiation(peer, 0);
}

static void
expired_retransmit_handshake(struct wg_peer *peer)
{
	if (wg_timers_retransmit_expired(peer) == WG_RETRANSMIT_GIVE_UP) {
		/* Queued packets have no session to go with: drop them. */
		wg_send_purge_staged_packets(peer);
		wg_device_event(peer->dev, peer, WG_EV_HANDSHAKE_FAILED);
		return;
	}
	wg_send_handshake_initiation(peer, 1);
}

static void
expired_send_keepalive(struct wg_peer *peer)
{
	wg_send_keepalive(peer);
	wg_timers_passive_keepalive_sent(peer);
}

static void
expired_new_handshake(struct wg_peer *peer)
{
	/* We sent data and heard nothing back for KEEPALIVE + REKEY_TIMEOUT. */
	wg_send_handshake_initiation(peer, 0);
}

static void
expired_zero_key_material(struct wg_peer *peer)
{
	wg_noise_handshake_clear(&peer->handshake, &peer->dev->index_table);
	wg_noise_keypairs_clear(&peer->keypairs, &peer->dev->index_table);
	wg_device_event(peer->dev, peer, WG_EV_KEYS_ZEROED);
}

static void
expired_persistent_keepalive(struct wg_peer *peer)
{
	if (peer->timers.persistent_keepalive_interval > 0)
		wg_send_keepalive(peer);
}

void
wg_peer_run_timers(struct wg_peer *peer, uint64_t now)
{
	static void (*const expired[WG_TIMER__COUNT])(struct wg_peer *) = {
		[WG_TIMER_RETRANSMIT_HANDSHAKE] = expired_retransmit_handshake,
		[WG_TIMER_SEND_KEEPALIVE] = expired_send_keepalive,
		[WG_TIMER_NEW_HANDSHAKE] = expired_new_handshake,
		[WG_TIMER_ZERO_KEY_MATERIAL] = expired_zero_key_material,
		[WG_TIMER_PERSISTENT_KEEPALIVE] = expired_persistent_keepalive
	};
	int		 k;

	/*
	 * One pass, in this order: a handler re-arms only into the future, and
	 * a timer a handler disarms (giving up disarms send-keepalive) does not
	 * run after it.
	 */
	for (k = 0; k < WG_TIMER__COUNT; k++) {
		if (wg_timers_expire(peer, k, now))
			expired[k](peer);
	}
}
