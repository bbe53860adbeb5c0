/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * device.c — the device half of the wg.h API: identity, peer table, timers
 * over all peers, load detection and drop accounting.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/wg/cookie.h"
#include "tunnel/wg/device.h"
#include "tunnel/wg/peer.h"
#include "tunnel/wg/peerlookup.h"
#include "tunnel/wg/ratelimiter.h"
#include "tunnel/wg/timers.h"

static const char *const drop_names[WG_DROP__COUNT] = {
	[WG_DROP_SHORT] = "short",
	[WG_DROP_TYPE] = "type",
	[WG_DROP_MAC1] = "mac1",
	[WG_DROP_MAC2] = "mac2",
	[WG_DROP_RATELIMIT] = "ratelimit",
	[WG_DROP_HANDSHAKE] = "handshake",
	[WG_DROP_UNKNOWN_PEER] = "unknown-peer",
	[WG_DROP_REPLAY_TAI64N] = "replay-tai64n",
	[WG_DROP_FLOOD] = "flood",
	[WG_DROP_UNKNOWN_INDEX] = "unknown-index",
	[WG_DROP_DECRYPT] = "decrypt",
	[WG_DROP_REPLAY] = "replay",
	[WG_DROP_EXPIRED] = "expired",
	[WG_DROP_INNER] = "inner",
	[WG_DROP_STATE] = "state"
};

const char *
wg_drop_name(enum wg_drop d)
{
	if ((unsigned)d >= WG_DROP__COUNT || drop_names[d] == NULL)
		return "unknown";
	return drop_names[d];
}

int
wg_device_handshake_load(struct wg_device *dev, uint64_t now)
{
	if (dev->force_under_load >= 0)
		return dev->force_under_load;
	if (wg_time_has_passed(dev->load_window_start, WG_NS_PER_SEC, now)) {
		dev->load_window_start = now;
		dev->load_window_count = 0;
	}
	if (++dev->load_window_count > UNDER_LOAD_HANDSHAKES_PER_SECOND &&
	    dev->load_window_count > UNDER_LOAD_PER_PEER * dev->npeers) {
		dev->last_under_load = now;
		dev->was_under_load = 1;
	}
	return dev->was_under_load && !wg_time_has_passed(dev->last_under_load,
	    (uint64_t)UNDER_LOAD_LINGER_SECONDS * WG_NS_PER_SEC, now);
}

struct wg_device *
wg_device_new(const uint8_t private_key[WG_KEY_LEN], const struct wg_io *io)
{
	struct wg_device	*dev;

	if (private_key == NULL || io == NULL || io->send == NULL || io->deliver == NULL ||
	    io->now == NULL || io->wall == NULL)
		return NULL;
	if (sodium_init() < 0)
		return NULL;
	if ((dev = calloc(1, sizeof *dev)) == NULL)
		return NULL;
	dev->io = *io;
	memcpy(dev->static_identity.static_private, private_key, WG_KEY_LEN);
	/* Clamp as wg(8) and wireguard-go do, so any 32 bytes name one key. */
	dev->static_identity.static_private[0] &= 248;
	dev->static_identity.static_private[31] = (dev->static_identity.static_private[31] & 127) | 64;
	if (crypto_scalarmult_base(dev->static_identity.static_public,
	    dev->static_identity.static_private) != 0)
		goto err;
	wg_cookie_checker_init(&dev->cookie_checker, dev->static_identity.static_public);
	if (wg_ratelimiter_init(&dev->ratelimiter, wg_device_now(dev)) != 0)
		goto err_cookie;
	wg_index_table_init(&dev->index_table);
	wg_pubkey_table_init(&dev->peers);
	dev->force_under_load = -1;
	dev->load_window_start = wg_device_now(dev);
	return dev;

err_cookie:
	wg_cookie_checker_clear(&dev->cookie_checker);
err:
	sodium_memzero(dev, sizeof *dev);
	free(dev);
	return NULL;
}

void
wg_device_free(struct wg_device *dev)
{
	if (dev == NULL)
		return;
	while (dev->peers.head != NULL)
		wg_peer_free(dev->peers.head);
	wg_ratelimiter_uninit(&dev->ratelimiter);
	wg_cookie_checker_clear(&dev->cookie_checker);
	sodium_memzero(dev, sizeof *dev);
	free(dev);
}

void
wg_device_public_key(const struct wg_device *dev, uint8_t out[WG_KEY_LEN])
{
	memcpy(out, dev->static_identity.static_public, WG_KEY_LEN);
}

const struct wg_stats *
wg_device_stats(const struct wg_device *dev)
{
	return &dev->stats;
}

void
wg_device_force_under_load(struct wg_device *dev, int mode)
{
	dev->force_under_load = mode < 0 ? -1 : mode > 0;
}

struct wg_peer *
wg_device_peer_lookup(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	return wg_pubkey_table_lookup(&dev->peers, public_key);
}

uint64_t
wg_device_next_timer(const struct wg_device *dev)
{
	const struct wg_peer	*peer;
	uint64_t		 next = UINT64_MAX, t;

	for (peer = dev->peers.head; peer != NULL; peer = peer->next) {
		if ((t = wg_timers_next(peer)) < next)
			next = t;
	}
	return next;
}

void
wg_device_run_timers(struct wg_device *dev)
{
	struct wg_peer	*peer;
	uint64_t	 now = wg_device_now(dev);

	for (peer = dev->peers.head; peer != NULL; peer = peer->next)
		wg_peer_run_timers(peer, now);
}
