/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * via.h — synthetic endpoints for paths through something else: a peer
 * relay (another room member forwards) or a TURN allocation of ours (the
 * server wraps the peer's packets).
 *
 * WireGuard's endpoint is a sockaddr and roaming moves it to the source of
 * any authenticated packet. So a packet that arrives through a link is
 * handed to the demux with a synthetic source that names the path:
 *
 *   0100:0000:0000:0000 | 67 76 | link | gen | slot (2 bytes) | 00 00, port 1
 *
 * in 100::/64 (RFC 6666, discard-only: nothing real is ever there). The
 * peer's endpoint moves there like for any roaming peer, and every send to
 * it comes through net_send(), which hands it to the link's send. A better
 * path found later moves the endpoint away again. gen makes a reused slot's
 * old endpoints dead instead of wrong.
 */
#ifndef GONET_SESSION_VIA_H
#define GONET_SESSION_VIA_H

#include <stdint.h>

#include "tunnel/net/endpoint.h"

struct link;
struct session;

enum {
	VIA_MAX = 64,			/* live paths through links; the least recently used goes */
	VIA_TARGET_LEN = 32
};

struct via {
	struct link *link;		/* NULL: a free slot */
	uint8_t gen;			/* bumped when the slot is reused */
	struct endpoint remote;		/* what the link stands for: the relay, or the peer at the server */
	uint8_t target[VIA_TARGET_LEN];	/* the final WireGuard key (relay); zero otherwise */
	uint64_t used_ms;
};

/* The synthetic endpoint for (link, remote, target); target may be NULL. Always 0. */
int via_get(struct session *s, struct link *l, const struct endpoint *remote,
    const uint8_t target[VIA_TARGET_LEN], struct endpoint *out);
/* The entry behind a synthetic endpoint, or NULL (not synthetic, or stale). */
struct via *via_find(struct session *s, const struct endpoint *ep);
/* Forget every path of link l through remote. */
void via_drop(struct session *s, const struct link *l, const struct endpoint *remote);

#endif
