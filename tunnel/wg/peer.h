/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer.h — struct wg_peer: one remote static key with its handshake,
 * keypairs, cookie, timers, endpoint, allowed IPs and staged packets.
 */
#ifndef GONET_TUNNEL_PEER_H
#define GONET_TUNNEL_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tunnel/wg/allowedips.h"
#include "tunnel/wg/cookie.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/noise.h"
#include "tunnel/wg/timers.h"
#include "tunnel/wg/wg.h"

/* Inner packets waiting for a session: a ring, the oldest dropped when full. */
struct wg_staged {
	uint8_t		*pkt[MAX_STAGED_PACKETS];
	size_t		 len[MAX_STAGED_PACKETS];
	unsigned	 head;
	unsigned	 count;
};

struct wg_peer {
	struct wg_device		*dev;
	struct wg_peer			*next;		/* device's list */
	uint8_t				 public_key[NOISE_PUBLIC_KEY_LEN];
	struct wg_noise_handshake	 handshake;
	struct wg_noise_keypairs	 keypairs;
	struct wg_cookie		 latest_cookie;
	struct wg_timers		 timers;
	struct sockaddr_storage		 endpoint;
	socklen_t			 endpoint_len;
	struct wg_allowedips		 allowedips;
	struct wg_staged		 staged;
	uint64_t			 last_sent_handshake;
	uint64_t			 last_handshake;	/* handshake_complete time */
	int				 has_handshaked;
	void				*user;
};

/* Roaming: adopt the source of an authenticated packet as the endpoint. */
void wg_peer_update_endpoint(struct wg_peer *peer, const struct sockaddr *from, socklen_t len);
/* Runs what every timer of peer due at now stands for (the table in peer.c). */
void wg_peer_run_timers(struct wg_peer *peer, uint64_t now);

#endif
