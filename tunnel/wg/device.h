/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * device.h — struct wg_device: our static identity, the peers (by public
 * key, peerlookup.h), the index table, the cookie checker, the rate
 * limiter, load detection and stats.
 */
#ifndef GONET_TUNNEL_DEVICE_H
#define GONET_TUNNEL_DEVICE_H

#include <stdint.h>
#include <time.h>

#include "tunnel/wg/cookie.h"
#include "tunnel/wg/index.h"
#include "tunnel/wg/noise.h"
#include "tunnel/wg/peerlookup.h"
#include "tunnel/wg/ratelimiter.h"
#include "tunnel/wg/wg.h"

enum device_load {
	/*
	 * More handshake messages than this within one second: under load,
	 * or UNDER_LOAD_PER_PEER per configured peer when that is more. A room
	 * of N starting at once brings each member about 2(N - 1) handshake
	 * messages in a second or two; a fixed 64 put rooms of 32 and more
	 * under load at every start (cookie replies, then the per-address
	 * rate limit, then REKEY_TIMEOUT: 1,463 failed handshakes in a room
	 * of 64 on one host). Only members become peers, so an outsider
	 * cannot raise it.
	 */
	UNDER_LOAD_HANDSHAKES_PER_SECOND = 64,
	UNDER_LOAD_PER_PEER = 4,
	/* Stay under load this long after the last overload (Linux: 1 s). */
	UNDER_LOAD_LINGER_SECONDS = 1
};

struct wg_device {
	struct wg_io			 io;
	struct wg_noise_static_identity	 static_identity;
	struct wg_cookie_checker	 cookie_checker;
	struct wg_ratelimiter		 ratelimiter;
	struct wg_index_table		 index_table;
	struct wg_pubkey_table		 peers;
	struct wg_stats			 stats;
	int				 force_under_load;	/* -1 auto, 0, 1 */
	unsigned			 npeers;		/* wg_peer_new minus wg_peer_free */
	uint64_t			 load_window_start;
	unsigned			 load_window_count;
	uint64_t			 last_under_load;
	int				 was_under_load;
	struct wg_peer			*input_peer;	/* wg_device_input_peer() */
};

/* The caller's side (struct wg_io), for the library's files. */
static inline uint64_t
wg_device_now(const struct wg_device *dev)
{
	return dev->io.now(dev->io.arg);
}

static inline void
wg_device_wall(const struct wg_device *dev, struct timespec *ts)
{
	dev->io.wall(dev->io.arg, ts);
}

static inline void
wg_device_event(struct wg_device *dev, struct wg_peer *peer, enum wg_event ev)
{
	if (dev->io.event != NULL)
		dev->io.event(dev->io.arg, peer, ev);
}

/* Should be called whenever a timer is armed, with its deadline. */
static inline void
wg_device_timer_armed(struct wg_device *dev, uint64_t deadline)
{
	if (dev->io.timer_armed != NULL)
		dev->io.timer_armed(dev->io.arg, deadline);
}

static inline void
wg_device_count_drop(struct wg_device *dev, enum wg_drop why)
{
	if ((unsigned)why < WG_DROP__COUNT)
		dev->stats.dropped[why]++;
}
/* Should be called for each handshake message received; returns 1 when under load. */
int wg_device_handshake_load(struct wg_device *dev, uint64_t now);

#endif
