/* SPDX-License-Identifier: GPL-3.0-or-later */
/* input.c — what arrives on the data socket (input.h). */
#include "config.h"

#include <string.h>

#include "src/session/core.h"
#include "src/session/input.h"
#include "src/session/net.h"
#include "src/session/peer.h"
#include "src/session/stun_servers.h"
#include "tunnel/wg/wg.h"

/* The peer the datagram WireGuard just took authenticated as (O(1): no walk over the peers). */
static struct peer *
peer_of_input(struct session *s)
{
	struct wg_peer *wp = wg_device_input_peer(s->wg);

	return wp != NULL ? wg_peer_user(wp) : NULL;
}

static void
probe_in(struct session *s, const uint8_t *buf, size_t len, const struct endpoint *from)
{
	uint8_t out[PROBE_MAX_LEN];
	struct probe_msg m;
	struct peer *p;
	size_t n;

	/*
	 * Sealed, for us, made by the peer it names (its pairwise tag), and
	 * fresh: a replay from anywhere gets no pong (fresh.h), and a ping from
	 * no peer of ours gets none either (nothing to check it with; our pong
	 * would prepare a handshake we could not take anyway).
	 */
	if (probe_input(&s->probes, s->fresh, clock_unix_ms(s->clock), buf, len, s->keys.probe,
	    s->wg_pub, peer_pair_key, s, &m) != PROBE_OK) {
		s->drops[SDROP_PROBE]++;
		return;
	}
	if ((p = peer_find_wg(s, m.sender)) == NULL) {
		s->drops[SDROP_PONG_PEER]++;	/* cannot be: probe_input found it */
		return;
	}
	if (m.type == PROBE_PING) {
		if ((n = probe_answer(out, sizeof(out), s->keys.probe, p->pair_key, &m, from,
		    session_probe_ts(s))) > 0)
			(void)net_send(s, from, out, n);
		peer_on_ping(p, from);
		return;
	}
	peer_on_pong(p, &m, from);
}

void
input_datagram(struct session *s, const struct endpoint *from, uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct peer *p;
	socklen_t sl;

	if ((sl = endpoint_to_sockaddr(from, &ss)) == 0) {
		s->drops[SDROP_RECV]++;
		return;
	}
	if (links_input(s, from, buf, len))
		return;
	switch (demux_input(&s->demux, buf, len)) {
	case DEMUX_WG:
		if (wg_device_input(s->wg, (const struct sockaddr *)&ss, sl, buf, len) !=
		    WG_RX_DROPPED && (p = peer_of_input(s)) != NULL)
			peer_on_rx(p);
		break;
	case DEMUX_STUN:
		stun_servers_input(s, from, buf, len);
		break;
	case DEMUX_PROBE:
		probe_in(s, buf, len, from);
		break;
	default:
		s->drops[SDROP_OTHER]++;
		break;
	}
}
