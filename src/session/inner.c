/* SPDX-License-Identifier: GPL-3.0-or-later */
/* inner.c — inner IPv6/UDP packets to a peer (inner.h). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "src/session/core.h"
#include "src/session/inner.h"
#include "src/session/peer.h"
#include "tunnel/net/ip.h"
#include "tunnel/wg/wg.h"

enum {
	INNER_MAX = WG_MTU
};

int
inner_send(struct peer *p, uint16_t port, const uint8_t *payload, size_t len)
{
	uint8_t pkt[INNER_MAX];
	struct ip_udp u;
	long n;

	memset(&u, 0, sizeof(u));
	u.family = AF_INET6;
	memcpy(u.src, p->s->tunnel_addr, 16);
	memcpy(u.dst, p->tunnel_addr, 16);
	u.sport = port;
	u.dport = port;
	u.payload = payload;
	u.payload_len = len;
	if ((n = ip_udp_build(pkt, sizeof(pkt), &u)) <= 0)
		return -EMSGSIZE;
	return wg_peer_send(p->wg, pkt, (size_t)n);
}
