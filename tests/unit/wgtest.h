/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wgtest.h — shared helpers for the tunnel/ unit tests: the checks of
 * check.h, a fake clock, and a fake network of in-process devices whose send
 * callbacks queue datagrams that wgt_pump() delivers. No sleeps: time moves
 * only by wgt_advance().
 */
#ifndef GONET_TESTS_WGTEST_H
#define GONET_TESTS_WGTEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tests/check.h"
#include "tunnel/wg/wg.h"

#define WGT_UNUSED __attribute__((unused))

/* The fake clock: monotonic ns and a wall clock moving with it. */
static uint64_t wgt_clock = 1000ULL * 1000000000ULL;
static struct timespec wgt_wall_base = { 1700000000, 123456789 };
static uint64_t wgt_clock_base = 1000ULL * 1000000000ULL;

static WGT_UNUSED void
wgt_advance_ns(uint64_t ns)
{
	wgt_clock += ns;
}

enum {
	WGT_MAX_NODES = 4,
	WGT_MAX_QUEUE = 1024,
	WGT_MAX_EVENTS = 256
};

struct wgt_dgram {
	int			 to;		/* node index, -1 = nobody */
	struct sockaddr_in	 from;
	size_t			 len;
	uint8_t			 buf[1600];
};

struct wgt_node {
	struct wg_device	*dev;
	struct wg_peer		*peer;		/* its peer (the other node) */
	struct sockaddr_in	 addr;
	int			 delivered;
	size_t			 last_len;
	uint8_t			 last[1600];
	int			 events[WGT_MAX_EVENTS];
	int			 nevents;
	int			 sent;		/* datagrams sent */
	int			 sent_type[5];	/* per message type */
	/*
	 * Where a caller that re-arms only on wg_io.timer_armed would have its
	 * timer: never later than wg_device_next_timer(), or that caller
	 * misses a deadline (counted in wgt_hook_misses).
	 */
	uint64_t		 hooked;
};

static struct wgt_node wgt_nodes[WGT_MAX_NODES];
static unsigned wgt_hook_misses;
static struct wgt_dgram *wgt_queue;
static int wgt_qhead, wgt_qlen;
static int wgt_drop_all;		/* blackhole: sends vanish */

static WGT_UNUSED uint64_t
wgt_now(void *arg)
{
	(void)arg;
	return wgt_clock;
}

static WGT_UNUSED void
wgt_wall(void *arg, struct timespec *ts)
{
	uint64_t	 ns = (uint64_t)wgt_wall_base.tv_nsec + (wgt_clock - wgt_clock_base);

	(void)arg;
	ts->tv_sec = wgt_wall_base.tv_sec + (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
}

static WGT_UNUSED int
wgt_node_by_addr(const struct sockaddr_in *sin)
{
	int		 i;

	for (i = 0; i < WGT_MAX_NODES; i++) {
		if (wgt_nodes[i].dev != NULL &&
		    wgt_nodes[i].addr.sin_addr.s_addr == sin->sin_addr.s_addr &&
		    wgt_nodes[i].addr.sin_port == sin->sin_port)
			return i;
	}
	return -1;
}

static WGT_UNUSED int
wgt_send(void *arg, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf, size_t len)
{
	struct wgt_node		*n = arg;
	struct wgt_dgram	*d;

	if (addr->sa_family != AF_INET || addrlen < sizeof(struct sockaddr_in) || len > 1600)
		return -22;
	n->sent++;
	if (len >= 1 && buf[0] >= 1 && buf[0] <= 4)
		n->sent_type[buf[0]]++;
	if (wgt_drop_all)
		return 0;
	if (wgt_qlen == WGT_MAX_QUEUE)
		return -105;
	d = &wgt_queue[(wgt_qhead + wgt_qlen++) % WGT_MAX_QUEUE];
	d->to = wgt_node_by_addr((const struct sockaddr_in *)addr);
	d->from = n->addr;
	d->len = len;
	memcpy(d->buf, buf, len);
	return 0;
}

static WGT_UNUSED void
wgt_deliver(void *arg, struct wg_peer *peer, const uint8_t *pkt, size_t len)
{
	struct wgt_node		*n = arg;

	(void)peer;
	n->delivered++;
	n->last_len = len;
	memcpy(n->last, pkt, len < sizeof n->last ? len : sizeof n->last);
}

static WGT_UNUSED void
wgt_event(void *arg, struct wg_peer *peer, enum wg_event ev)
{
	struct wgt_node		*n = arg;

	(void)peer;
	if (n->nevents < WGT_MAX_EVENTS)
		n->events[n->nevents++] = ev;
}

static WGT_UNUSED int
wgt_count_events(const struct wgt_node *n, enum wg_event ev)
{
	int		 i, c = 0;

	for (i = 0; i < n->nevents; i++)
		c += n->events[i] == (int)ev;
	return c;
}

/* Pops one queued datagram; returns 0 if the queue is empty. */
static WGT_UNUSED int
wgt_pop(struct wgt_dgram *out)
{
	if (wgt_qlen == 0)
		return 0;
	*out = wgt_queue[wgt_qhead];
	wgt_qhead = (wgt_qhead + 1) % WGT_MAX_QUEUE;
	wgt_qlen--;
	return 1;
}

static WGT_UNUSED enum wg_rx
wgt_input(int to, const struct wgt_dgram *d)
{
	struct wgt_dgram	 copy = *d;

	return wg_device_input(wgt_nodes[to].dev, (const struct sockaddr *)&copy.from,
	    sizeof copy.from, copy.buf, copy.len);
}

/* Delivers queued datagrams until none are left; returns how many. */
static WGT_UNUSED int
wgt_pump(void)
{
	struct wgt_dgram	 d;
	int			 n = 0;

	while (wgt_pop(&d)) {
		n++;
		if (d.to >= 0)
			wgt_input(d.to, &d);
	}
	return n;
}

static WGT_UNUSED void
wgt_flush(void)
{
	wgt_qlen = 0;
	wgt_qhead = 0;
}

/* Advances the clock in steps no larger than step, running due timers of every node. */
static WGT_UNUSED void
wgt_advance(uint64_t ns, uint64_t step, int pump)
{
	uint64_t	 end = wgt_clock + ns, next;
	int		 i, any;

	for (;;) {
		next = end;
		for (i = 0; i < WGT_MAX_NODES; i++) {
			uint64_t t;

			if (wgt_nodes[i].dev == NULL)
				continue;
			t = wg_device_next_timer(wgt_nodes[i].dev);
			if (t < next)
				next = t;
		}
		for (i = 0; i < WGT_MAX_NODES; i++)
			if (wgt_nodes[i].dev != NULL &&
			    wg_device_next_timer(wgt_nodes[i].dev) < wgt_nodes[i].hooked)
				wgt_hook_misses++;
		if (next > wgt_clock + step)
			next = wgt_clock + step;
		if (next > end)
			next = end;
		if (next > wgt_clock)
			wgt_clock = next;
		any = 0;
		for (i = 0; i < WGT_MAX_NODES; i++) {
			if (wgt_nodes[i].dev != NULL &&
			    wg_device_next_timer(wgt_nodes[i].dev) <= wgt_clock) {
				wg_device_run_timers(wgt_nodes[i].dev);
				wgt_nodes[i].hooked = wg_device_next_timer(wgt_nodes[i].dev);
				any = 1;
			}
		}
		if (pump)
			wgt_pump();
		if (wgt_clock >= end && !any)
			break;
	}
}

static WGT_UNUSED void
wgt_key(uint8_t key[WG_KEY_LEN], uint8_t seed)
{
	int		 i;

	for (i = 0; i < WG_KEY_LEN; i++)
		key[i] = (uint8_t)(seed + i);
}

static void
wgt_timer_armed(void *arg, uint64_t deadline)
{
	struct wgt_node *n = arg;

	if (deadline < n->hooked)
		n->hooked = deadline;
}

/* Node i at 10.0.0.(i+1):51820+i with private key seed. */
static WGT_UNUSED struct wgt_node *
wgt_node_new(int i, const uint8_t priv[WG_KEY_LEN])
{
	struct wgt_node		*n = &wgt_nodes[i];
	struct wg_io		 io;

	if (wgt_queue == NULL && (wgt_queue = calloc(WGT_MAX_QUEUE, sizeof *wgt_queue)) == NULL)
		abort();
	memset(n, 0, sizeof *n);
	n->addr.sin_family = AF_INET;
	n->addr.sin_addr.s_addr = htonl(0x0a000001 + (uint32_t)i);
	n->addr.sin_port = htons((uint16_t)(51820 + i));
	memset(&io, 0, sizeof io);
	io.send = wgt_send;
	io.deliver = wgt_deliver;
	io.event = wgt_event;
	io.now = wgt_now;
	io.wall = wgt_wall;
	io.timer_armed = wgt_timer_armed;
	io.arg = n;
	n->hooked = UINT64_MAX;
	if ((n->dev = wg_device_new(priv, &io)) == NULL)
		abort();
	return n;
}

static WGT_UNUSED void
wgt_node_free(int i)
{
	wg_device_free(wgt_nodes[i].dev);
	memset(&wgt_nodes[i], 0, sizeof wgt_nodes[i]);
}

/* Makes nodes a and b peers of each other with psk (NULL = none) and endpoints. */
static WGT_UNUSED void
wgt_link(int a, int b, const uint8_t *psk_a, const uint8_t *psk_b)
{
	uint8_t		 pub[WG_KEY_LEN];
	uint8_t		 net4[4] = { 192, 168, 0, 0 };

	wg_device_public_key(wgt_nodes[b].dev, pub);
	wgt_nodes[a].peer = wg_peer_new(wgt_nodes[a].dev, pub, psk_a);
	wg_device_public_key(wgt_nodes[a].dev, pub);
	wgt_nodes[b].peer = wg_peer_new(wgt_nodes[b].dev, pub, psk_b);
	if (wgt_nodes[a].peer == NULL || wgt_nodes[b].peer == NULL)
		abort();
	wg_peer_set_endpoint(wgt_nodes[a].peer, (struct sockaddr *)&wgt_nodes[b].addr,
	    sizeof wgt_nodes[b].addr);
	wg_peer_set_endpoint(wgt_nodes[b].peer, (struct sockaddr *)&wgt_nodes[a].addr,
	    sizeof wgt_nodes[a].addr);
	net4[3] = (uint8_t)(b + 1);
	wg_peer_allow_ip(wgt_nodes[a].peer, AF_INET, net4, 32);
	net4[3] = (uint8_t)(a + 1);
	wg_peer_allow_ip(wgt_nodes[b].peer, AF_INET, net4, 32);
}

/* An IPv4/UDP packet from 192.168.0.(src+1), total length len (>= 28), padded with fill. */
static WGT_UNUSED size_t
wgt_ipv4(uint8_t *pkt, size_t len, int src, uint8_t fill)
{
	memset(pkt, fill, len);
	pkt[0] = 0x45;
	pkt[1] = 0;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[9] = 17;
	pkt[12] = 192; pkt[13] = 168; pkt[14] = 0; pkt[15] = (uint8_t)(src + 1);
	pkt[16] = 192; pkt[17] = 168; pkt[18] = 0; pkt[19] = 99;
	return len;
}

static WGT_UNUSED uint64_t
wgt_drops(int i, enum wg_drop d)
{
	return wg_device_stats(wgt_nodes[i].dev)->dropped[d];
}

#endif
