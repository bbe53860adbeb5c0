/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_net.c — the data socket seen from the session: every datagram is
 * classified (tunnel/net/demux.h) and handed to WireGuard, the STUN client or
 * the probe code; anything else is dropped and counted. Also the WireGuard
 * device's I/O callbacks and its single timer, re-armed to
 * wg_device_next_timer() after every call into the device.
 *
 * Verified pings are answered whoever sent them (the MAC proves room
 * membership; the pong carries the source address, so every peer is a STUN
 * server for the others). Pongs go to the punching of the peer whose
 * WireGuard key sent them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "tunnel/nat/relay_msg.h"
#include "src/clock/timer.h"
#include "src/session/session_impl.h"
#include "tunnel/wg/wg.h"

enum {
	NET_BURST = 64			/* datagrams per wake-up, so timers are not starved */
};

static const char *const drop_names[SDROP__COUNT] = {
	[SDROP_OTHER] = "other",
	[SDROP_RECV] = "recv",
	[SDROP_PROBE] = "probe",
	[SDROP_PONG_PEER] = "pong-peer",
	[SDROP_PONG_TXID] = "pong-txid",
	[SDROP_STUN] = "stun",
	[SDROP_INNER] = "inner",
	[SDROP_INNER_PORT] = "inner-port",
	[SDROP_CHAT] = "chat",
	[SDROP_NOT_UP] = "not-up"
};

const char *
session_drop_name(enum session_drop d)
{
	return (unsigned)d < SDROP__COUNT ? drop_names[d] : "unknown";
}

int
session_send(struct session *s, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (session_via_kind(s, to) != VIA_NONE)
		return session_via_send(s, to, buf, len);
	if ((sl = endpoint_to_sockaddr(to, &ss)) == 0)
		return -EINVAL;
	return sock_send(&s->sock, (struct sockaddr *)&ss, sl, buf, len);
}

/* --- WireGuard I/O ---------------------------------------------------------------- */

static int
wg_io_send(void *arg, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
    size_t len)
{
	struct session *s = arg;
	struct endpoint ep;

	/* A peer reached through TURN or a peer relay has a synthetic endpoint. */
	if (endpoint_from_sockaddr(&ep, addr, addrlen) == 0 && session_via_kind(s, &ep) != VIA_NONE)
		return session_via_send(s, &ep, buf, len);
	return sock_send(&s->sock, addr, addrlen, buf, len);
}

static void
wg_io_deliver(void *arg, struct wg_peer *wp, const uint8_t *pkt, size_t len)
{
	struct peer *p = wg_peer_user(wp);

	(void)arg;
	if (p == NULL)
		return;
	peer_on_rx(p);
	peer_chat_inner(p, pkt, len);
}

static void
wg_io_event(void *arg, struct wg_peer *wp, enum wg_event ev)
{
	struct peer *p = wg_peer_user(wp);

	(void)arg;
	if (p != NULL)
		peer_on_wg_event(p, (int)ev);
}

static uint64_t
wg_io_now(void *arg)
{
	struct session *s = arg;

	return clock_mono_ns(&s->clock);
}

static void
wg_io_wall(void *arg, struct timespec *ts)
{
	struct session *s = arg;

	clock_wall(&s->clock, ts);
}

/* A WireGuard timer was armed: make ours fire by then. */
static void
wg_io_timer_armed(void *arg, uint64_t deadline)
{
	struct session *s = arg;

	if (s->wg_timer != NULL && deadline < timer_deadline_ns(s->wg_timer))
		timer_at_ns(s->wg_timer, deadline);
}

static void
on_wg_timer(void *arg)
{
	struct session *s = arg;

	wg_device_run_timers(s->wg);
	timer_at_ns(s->wg_timer, wg_device_next_timer(s->wg));
}

/* --- datagrams ---------------------------------------------------------------------- */

/* The peer whose WireGuard endpoint is ep: an authenticated packet from ep just moved it there. */
static struct peer *
peer_at(struct session *s, const struct endpoint *ep)
{
	struct sockaddr_storage ss;
	struct endpoint cur;
	struct peer *p;

	for (p = s->peers; p != NULL; p = p->next) {
		if (p->wg == NULL || wg_peer_endpoint(p->wg, &ss) == 0)
			continue;
		if (endpoint_from_sockaddr(&cur, (struct sockaddr *)&ss, sizeof(ss)) == 0 &&
		    endpoint_equal(&cur, ep))
			return p;
	}
	return NULL;
}

static void
probe_in(struct session *s, const uint8_t *buf, size_t len, const struct endpoint *from)
{
	uint8_t out[PROBE_MAX_LEN];
	struct probe_msg m;
	struct peer *p;
	size_t n;

	if (len >= 2 && (buf[1] == RELAY_TYPE_DATA || buf[1] == RELAY_TYPE_CTL)) {
		relay_input(s, (uint8_t *)buf, len, from);
		return;
	}
	if (probe_input(&s->probes, buf, len, s->keys.probe, s->wg_pub, &m) != PROBE_OK) {
		s->drops[SDROP_PROBE]++;
		return;
	}
	p = peer_find_wg(s, m.sender);
	if (m.type == PROBE_PING) {
		if ((n = probe_answer(out, sizeof(out), s->keys.probe, &m, from)) > 0)
			(void)session_send(s, from, out, n);
		if (p != NULL)
			peer_on_ping(p, from);
		return;
	}
	if (p == NULL) {
		s->drops[SDROP_PONG_PEER]++;
		return;
	}
	path_on_pong(p, &m, from);
}

static void
demux(struct session *s, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen, const struct endpoint *epp)
{
	const struct endpoint ep = *epp;
	struct peer *p;

	switch (demux_input(&s->demux, buf, len)) {
	case DEMUX_WG:
		if (wg_device_input(s->wg, (const struct sockaddr *)from, fromlen, buf, len) !=
		    WG_RX_DROPPED && (p = peer_at(s, &ep)) != NULL)
			peer_on_rx(p);
		break;
	case DEMUX_STUN:
		session_stun_input(s, &ep, buf, len);
		break;
	case DEMUX_PROBE:
		probe_in(s, buf, len, &ep);
		break;
	default:
		s->drops[SDROP_OTHER]++;
		break;
	}
}

void
session_net_inner(struct session *s, uint8_t *buf, size_t len, const struct endpoint *from)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if ((sl = endpoint_to_sockaddr(from, &ss)) == 0) {
		s->drops[SDROP_RECV]++;
		return;
	}
	demux(s, buf, len, &ss, sl, from);
}

static void
datagram(struct session *s, uint8_t *buf, size_t len, const struct sockaddr_storage *from,
    socklen_t fromlen)
{
	struct endpoint ep;

	if (endpoint_from_sockaddr(&ep, (const struct sockaddr *)from, fromlen) != 0) {
		s->drops[SDROP_RECV]++;
		return;
	}
	/* From a TURN server of ours: its client looks first (PROTOCOL.md, TURN). */
	if (s->nturn > 0 && session_turn_input(s, &ep, buf, len))
		return;
	demux(s, buf, len, from, fromlen, &ep);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t buf[SOCK_DGRAM_MAX];
	struct session *s = arg;
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t n;
	int i, k;

	(void)what;
	i = fd == s->sock.fd[SOCK_V4] ? SOCK_V4 : SOCK_V6;
	for (k = 0; k < NET_BURST; k++) {
		n = sock_recv(&s->sock, i, buf, sizeof(buf), &from, &fromlen);
		if (n == 0)
			break;
		if (n < 0) {
			s->drops[SDROP_RECV]++;
			if (n == -EMSGSIZE)
				continue;
			break;
		}
		datagram(s, buf, (size_t)n, &from, fromlen);
	}
}

/* --- set-up --------------------------------------------------------------------------- */

int
session_net_open(struct session *s)
{
	struct wg_io io = {
		.send = wg_io_send, .deliver = wg_io_deliver, .event = wg_io_event,
		.now = wg_io_now, .wall = wg_io_wall, .timer_armed = wg_io_timer_armed, .arg = s
	};
	int r, i;

	if ((r = sock_open(&s->sock, s->cfg->port, NULL, NULL)) != 0) {
		session_fatal(s, "cannot open the data socket on UDP port %u: %s", s->cfg->port,
		    strerror(-r));
		return -1;
	}
	for (i = 0; i < SOCK__COUNT; i++) {
		if (s->sock.fd[i] < 0)
			continue;
		s->sock_ev[i] = event_new(s->base, s->sock.fd[i], EV_READ | EV_PERSIST, on_readable, s);
		if (s->sock_ev[i] == NULL || event_add(s->sock_ev[i], NULL) != 0)
			goto fail;
	}
	if ((s->wg = wg_device_new(identity_wg_private(s->id), &io)) == NULL ||
	    (s->wg_timer = timer_new(s->timers, on_wg_timer, s)) == NULL)
		goto fail;
	session_status(s, "socket", "data socket on UDP port %u (%s)", s->sock.port,
	    s->sock.fd[SOCK_V4] >= 0 && s->sock.fd[SOCK_V6] >= 0 ? "IPv4 and IPv6" :
	    s->sock.fd[SOCK_V4] >= 0 ? "IPv4 only" : "IPv6 only");
	return 0;
fail:
	session_fatal(s, "cannot set up the data socket's events or WireGuard");
	session_net_close(s);
	return -1;
}

void
session_net_close(struct session *s)
{
	int i;

	timer_free(s->wg_timer);
	s->wg_timer = NULL;
	wg_device_free(s->wg);
	s->wg = NULL;
	for (i = 0; i < SOCK__COUNT; i++) {
		if (s->sock_ev[i] != NULL)
			event_free(s->sock_ev[i]);
		s->sock_ev[i] = NULL;
	}
	sock_close(&s->sock);
}
