/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ratelimiter.h — per-source token bucket for handshake messages under load,
 * as Linux: 20 packets/s with a burst of 5, keyed by IPv4 address or IPv6
 * /64, in a bounded table (a full table refuses new sources).
 */
#ifndef GONET_TUNNEL_RATELIMITER_H
#define GONET_TUNNEL_RATELIMITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum ratelimiter_values {
	RATELIMITER_PACKETS_PER_SECOND = 20,
	RATELIMITER_PACKETS_BURSTABLE = 5,
	RATELIMITER_MAX_ENTRIES = 8192,
	RATELIMITER_BUCKETS = 2048
};

struct wg_ratelimiter_entry {
	struct wg_ratelimiter_entry	*next;
	uint64_t			 last_time_ns;
	uint64_t			 tokens;
	uint8_t				 key[9];	/* family byte + IPv4 or IPv6 /64 */
};

struct wg_ratelimiter {
	struct wg_ratelimiter_entry	*buckets[RATELIMITER_BUCKETS];
	struct wg_ratelimiter_entry	*free_list;
	struct wg_ratelimiter_entry	*entries;	/* RATELIMITER_MAX_ENTRIES */
	uint8_t				 hash_key[16];
	uint64_t			 last_gc;
	size_t				 count;
};

int wg_ratelimiter_init(struct wg_ratelimiter *rl, uint64_t now);
void wg_ratelimiter_uninit(struct wg_ratelimiter *rl);
/* Returns 1 if a handshake message from this source may be processed now. */
int wg_ratelimiter_allow(struct wg_ratelimiter *rl, const struct sockaddr *from, uint64_t now);

#endif
