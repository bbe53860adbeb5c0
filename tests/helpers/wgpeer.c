/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wgpeer — a one-peer WireGuard endpoint on tunnel/wg/wg.h, for interop tests
 * against wireguard-go and the Linux module. One UDP socket, one wg_device,
 * one wg_peer, one libevent loop; inner packets are IPv6/IPv4 UDP from
 * tunnel/net/ip.h, never a TUN device.
 *
 *   wgpeer --key FILE --peer PUB [--psk FILE] --bind ADDR:PORT [--endpoint ADDR:PORT]
 *	[--keepalive SEC] [--addr ADDR]... [--peer-addr ADDR]...
 *	[--initiate] [--after-handshake]
 *	[--send N --to ADDR:PORT [--sport PORT] [--window W] [--rate PPS] [--rekey-at K]]
 *	[--echo PORT [--echo-count N]] [--expect-handshakes N] [--timeout SEC]
 *   wgpeer --print-addr PUB		the tunnel address of a public key
 *
 * Keys are WireGuard base64: the private key and psk in files (as wg(8)),
 * public keys on the command line. Our inner addresses default to the tunnel
 * address of our public key and the peer's allowed IPs to the tunnel address
 * of its key; --addr/--peer-addr add IPv4 or replace the IPv6 one.
 *
 * --send: N datagrams with the deterministic payloads of tests/udpcheck.c,
 * each sent once, at most W (16) unanswered, and at most 1 before a session
 * exists (so the handshake queue never overflows); each must come back
 * exactly once, byte for byte; --rate spreads them out in time, and
 * --rekey-at forces a new handshake (retried while initiations are
 * rate-limited). --echo: inner datagrams to PORT go back to their source. The run succeeds (exit 0) when all sends came back, at least
 * --echo-count were echoed and --expect-handshakes handshakes completed, with
 * no malformed or unexpected inner packet; anything else by --timeout is a
 * failure (exit 1), with the reason and the drop counters printed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <sodium.h>

#include "tunnel/net/ip.h"
#include "tunnel/wg/wg.h"

enum {
	PAYLOAD_MAX = 1200,
	WINDOW_DEFAULT = 16,
	TIMEOUT_DEFAULT = 30,
	SPORT_DEFAULT = 7100,
	SOCKBUF = 1 << 20
};

/* One inner address of ours or the peer's. */
struct inner_addr {
	int family;
	uint8_t addr[IP_ADDR_MAX];
	int set;
};

struct wgpeer {
	struct event_base *base;
	struct event *ev_sock;
	struct event *ev_timer;
	struct event *ev_deadline;
	int fd;
	struct wg_device *dev;
	struct wg_peer *peer;
	uint64_t t0;

	struct inner_addr self6, self4;

	/* --send */
	long count;			/* datagrams to send, 0 = none */
	long window;
	long rekey_at;			/* -1 = never */
	int rekeyed, rekey_deferred;
	long rate;			/* datagrams per second, 0 = as the window allows */
	uint64_t next_send;		/* monotonic ns: --rate pacing */
	struct event *ev_pace;
	int after_handshake;
	struct inner_addr to;
	uint16_t to_port, sport;
	long sent, back, low;
	uint8_t *got;			/* got[i]: datagram i came back */

	/* --echo */
	uint16_t echo_port;
	long echo_count, echoed;

	long expect_handshakes, handshakes;
	long inner_bad;			/* malformed, misaddressed, corrupt or duplicate */
	long not_wg;			/* datagrams on the socket that are not WireGuard */
	int done, failed;
	const char *fail_reason;
};

static double
elapsed(const struct wgpeer *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec - (double)w->t0) / 1e9;
}

/* The test payload of datagram i. Must match payload_fill in tests/udpcheck.c. */
static size_t
payload_fill(uint32_t i, uint8_t *buf)
{
	size_t len = 1 + (size_t)(i * 389u % PAYLOAD_MAX), j;

	for (j = 0; j < len; j++)
		buf[j] = (uint8_t)(i * 131u + j * 7u + (j >> 8) * 3u + 0x5au);
	return len;
}

/* --- wg_io ---------------------------------------------------------------- */

static uint64_t
io_now(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * WG_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void
io_wall(void *arg, struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static int
io_send(void *arg, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf, size_t len)
{
	struct wgpeer *w = arg;

	if (sendto(w->fd, buf, len, 0, addr, addrlen) < 0) {
		fprintf(stderr, "wgpeer: sendto: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static void
format_endpoint(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, cap, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, cap, "%s:%u", host, ntohs(s4->sin_port));
	} else {
		snprintf(out, cap, "(none)");
	}
}

static void pump(struct wgpeer *w);
static void check_done(struct wgpeer *w);

static void
io_event(void *arg, struct wg_peer *peer, enum wg_event ev)
{
	struct wgpeer *w = arg;
	struct sockaddr_storage ss;
	char ep[INET6_ADDRSTRLEN + 16];

	switch (ev) {
	case WG_EV_HANDSHAKE_SENT:
		printf("wgpeer: %.3f handshake initiation sent\n", elapsed(w));
		break;
	case WG_EV_HANDSHAKE_DONE:
		w->handshakes++;
		printf("wgpeer: %.3f handshake done (%ld)\n", elapsed(w), w->handshakes);
		break;
	case WG_EV_HANDSHAKE_FAILED:
		printf("wgpeer: %.3f handshake failed (gave up)\n", elapsed(w));
		break;
	case WG_EV_ENDPOINT_CHANGED:
		memset(&ss, 0, sizeof(ss));
		wg_peer_endpoint(peer, &ss);
		format_endpoint(&ss, ep, sizeof(ep));
		printf("wgpeer: %.3f endpoint changed to %s\n", elapsed(w), ep);
		break;
	case WG_EV_KEYS_ZEROED:
		printf("wgpeer: %.3f keys zeroed\n", elapsed(w));
		break;
	case WG_EV_HANDSHAKE_CROSSED:
		printf("wgpeer: %.3f handshakes crossed\n", elapsed(w));
		break;
	}
	fflush(stdout);
}

static const struct inner_addr *
self_for(const struct wgpeer *w, int family)
{
	const struct inner_addr *a = family == AF_INET6 ? &w->self6 : &w->self4;

	return a->set ? a : NULL;
}

static void
inner_bad(struct wgpeer *w, const char *why)
{
	w->inner_bad++;
	fprintf(stderr, "wgpeer: %.3f bad inner packet: %s\n", elapsed(w), why);
}

/* An echo of one of our datagrams: which outstanding one? Exactly one may match. */
static void
got_echo(struct wgpeer *w, const struct ip_udp *u)
{
	uint8_t want[PAYLOAD_MAX];
	long i;

	if (u->family != w->to.family || memcmp(u->src, w->to.addr, IP_ADDR_MAX) != 0 ||
	    u->sport != w->to_port) {
		inner_bad(w, "reply from an unexpected address or port");
		return;
	}
	for (i = w->low; i < w->sent; i++) {
		if (w->got[i])
			continue;
		if (u->payload_len == payload_fill((uint32_t)i, want) &&
		    memcmp(u->payload, want, u->payload_len) == 0)
			break;
	}
	if (i == w->sent) {
		inner_bad(w, "echo matching no outstanding datagram (corrupt or duplicate)");
		return;
	}
	w->got[i] = 1;
	w->back++;
	while (w->low < w->sent && w->got[w->low])
		w->low++;
}

static void
echo(struct wgpeer *w, struct wg_peer *peer, const struct ip_udp *u)
{
	uint8_t pkt[WG_MTU];
	struct ip_udp r;
	long n;
	int rc;

	r = *u;
	memcpy(r.src, u->dst, IP_ADDR_MAX);
	memcpy(r.dst, u->src, IP_ADDR_MAX);
	r.sport = u->dport;
	r.dport = u->sport;
	n = ip_udp_build(pkt, sizeof(pkt), &r);
	if (n < 0) {
		inner_bad(w, "echo does not fit the MTU");
		return;
	}
	rc = wg_peer_send(peer, pkt, (size_t)n);
	if (rc < 0) {
		fprintf(stderr, "wgpeer: wg_peer_send (echo): %s\n", strerror(-rc));
		w->failed = 1;
		w->fail_reason = "wg_peer_send failed";
		return;
	}
	w->echoed++;
}

static void
io_deliver(void *arg, struct wg_peer *peer, const uint8_t *pkt, size_t len)
{
	struct wgpeer *w = arg;
	const struct inner_addr *self;
	struct ip_udp u;
	enum ip_err e;

	e = ip_udp_parse(pkt, len, &u);
	if (e != IP_OK) {
		inner_bad(w, ip_err_name(e));
		return;
	}
	self = self_for(w, u.family);
	if (self == NULL || memcmp(u.dst, self->addr, IP_ADDR_MAX) != 0) {
		inner_bad(w, "not addressed to us");
		return;
	}
	if (w->echo_port != 0 && u.dport == w->echo_port)
		echo(w, peer, &u);
	else if (w->count > 0 && u.dport == w->sport)
		got_echo(w, &u);
	else
		inner_bad(w, "to a port nobody listens on");
}

/* --- the loop ------------------------------------------------------------- */

static void
rearm(struct wgpeer *w)
{
	uint64_t next = wg_device_next_timer(w->dev), now = io_now(w);
	struct timeval tv;

	if (next == UINT64_MAX) {
		evtimer_del(w->ev_timer);
		return;
	}
	next = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(next / WG_NS_PER_SEC);
	tv.tv_usec = (suseconds_t)(next % WG_NS_PER_SEC / 1000);
	evtimer_add(w->ev_timer, &tv);
}

/* Send what the window allows. */
static void
pump(struct wgpeer *w)
{
	uint8_t payload[PAYLOAD_MAX], pkt[WG_MTU];
	const struct inner_addr *self;
	struct ip_udp u;
	long window, n;
	int rc;

	if (w->count == 0 || w->failed)
		return;
	if (w->after_handshake && w->handshakes == 0)
		return;
	/* Without a session wg_peer_send queues: keep that queue at one packet. */
	window = wg_peer_has_session(w->peer) ? w->window : 1;
	self = self_for(w, w->to.family);
	while (w->sent < w->count && w->sent - w->back < window) {
		if (w->rekey_at >= 0 && !w->rekeyed && w->sent >= w->rekey_at) {
			rc = wg_peer_initiate(w->peer);
			if (rc == 0) {
				w->rekeyed = 1;
				printf("wgpeer: %.3f rekey after %ld datagrams\n", elapsed(w), w->sent);
			} else if (rc == -EAGAIN) {
				/* Initiations are spaced REKEY_TIMEOUT apart: try again later. */
				if (!w->rekey_deferred)
					printf("wgpeer: %.3f rekey deferred: %s\n", elapsed(w), strerror(-rc));
				w->rekey_deferred = 1;
			} else {
				fprintf(stderr, "wgpeer: wg_peer_initiate: %s\n", strerror(-rc));
				w->failed = 1;
				w->fail_reason = "wg_peer_initiate failed";
				return;
			}
		}
		if (w->rate > 0) {
			uint64_t now = io_now(w);

			if (now < w->next_send) {
				uint64_t d = w->next_send - now;
				struct timeval tv = { (time_t)(d / WG_NS_PER_SEC),
				    (suseconds_t)(d % WG_NS_PER_SEC / 1000) };

				if (!evtimer_pending(w->ev_pace, NULL))
					evtimer_add(w->ev_pace, &tv);
				return;
			}
			w->next_send = (w->next_send ? w->next_send : now) + WG_NS_PER_SEC / (uint64_t)w->rate;
			if (w->next_send < now)
				w->next_send = now;
		}
		memset(&u, 0, sizeof(u));
		u.family = w->to.family;
		memcpy(u.src, self->addr, IP_ADDR_MAX);
		memcpy(u.dst, w->to.addr, IP_ADDR_MAX);
		u.sport = w->sport;
		u.dport = w->to_port;
		u.payload = payload;
		u.payload_len = payload_fill((uint32_t)w->sent, payload);
		n = ip_udp_build(pkt, sizeof(pkt), &u);
		if (n < 0)
			abort();
		rc = wg_peer_send(w->peer, pkt, (size_t)n);
		if (rc < 0) {
			fprintf(stderr, "wgpeer: wg_peer_send: %s\n", strerror(-rc));
			w->failed = 1;
			w->fail_reason = "wg_peer_send failed";
			return;
		}
		w->sent++;
	}
}

static void
check_done(struct wgpeer *w)
{
	if (w->done)
		return;
	if (w->failed || w->inner_bad > 0) {
		w->done = 1;
		if (w->fail_reason == NULL)
			w->fail_reason = "bad inner packets";
		event_base_loopexit(w->base, NULL);
		return;
	}
	if (w->back == w->count && w->echoed >= w->echo_count &&
	    w->handshakes >= w->expect_handshakes) {
		w->done = 1;
		event_base_loopexit(w->base, NULL);
	}
}

/* After every call into the library: send more, re-arm, maybe finish. */
static void
after(struct wgpeer *w)
{
	pump(w);
	rearm(w);
	check_done(w);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct wgpeer *w = arg;

	wg_device_run_timers(w->dev);
	after(w);
}

static void
on_pace(evutil_socket_t fd, short what, void *arg)
{
	struct wgpeer *w = arg;

	after(w);
}

static int
is_wireguard(const uint8_t *b, size_t n)
{
	return n >= 4 && b[0] >= 1 && b[0] <= 4 && b[1] == 0 && b[2] == 0 && b[3] == 0;
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct wgpeer *w = arg;
	uint8_t buf[65536];
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;
	int i;

	for (i = 0; i < 256; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		if (!is_wireguard(buf, (size_t)n)) {
			w->not_wg++;
			continue;
		}
		wg_device_input(w->dev, (struct sockaddr *)&from, fl, buf, (size_t)n);
		pump(w);
	}
	after(w);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct wgpeer *w = arg;

	w->failed = 1;
	w->fail_reason = w->handshakes == 0 ? "timeout: no handshake completed" : "timeout";
	w->done = 1;
	event_base_loopexit(w->base, NULL);
}

/* --- setup ---------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: wgpeer --key FILE --peer PUB [--psk FILE] --bind ADDR:PORT [--endpoint ADDR:PORT]\n"
	    "              [--keepalive SEC] [--addr ADDR]... [--peer-addr ADDR]...\n"
	    "              [--initiate] [--after-handshake]\n"
	    "              [--send N --to ADDR:PORT [--sport PORT] [--window W] [--rate PPS] [--rekey-at K]]\n"
	    "              [--echo PORT [--echo-count N]] [--expect-handshakes N] [--timeout SEC]\n"
	    "       wgpeer --print-addr PUB\n");
	exit(2);
}

static int
parse_key(const char *b64, uint8_t out[WG_KEY_LEN])
{
	size_t len;

	if (sodium_base642bin(out, WG_KEY_LEN, b64, strlen(b64), " \t\r\n", &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || len != WG_KEY_LEN)
		return -1;
	return 0;
}

static int
read_key_file(const char *path, uint8_t out[WG_KEY_LEN])
{
	char buf[128];
	size_t n;
	FILE *f = fopen(path, "r");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "wgpeer: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rc = parse_key(buf, out);
	sodium_memzero(buf, sizeof(buf));
	if (rc < 0)
		fprintf(stderr, "wgpeer: %s: not a base64 32-byte key\n", path);
	return rc;
}

static int
parse_inner(const char *s, struct inner_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, s, a->addr) == 1)
		a->family = AF_INET6;
	else if (inet_pton(AF_INET, s, a->addr) == 1)
		a->family = AF_INET;
	else
		return -1;
	a->set = 1;
	return 0;
}

/* ADDR:PORT, [ADDR6]:PORT. */
static int
split_hostport(const char *s, char *host, size_t cap, uint16_t *port)
{
	const char *colon;
	char *end;
	unsigned long p;
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		s++;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl >= cap)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int
parse_sockaddr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN];
	struct inner_addr a;
	uint16_t port;

	if (split_hostport(s, host, sizeof(host), &port) < 0 || parse_inner(host, &a) < 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (a.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a.addr, 16);
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a.addr, 4);
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
	}
	return 0;
}

static long
parse_long(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || s[0] == '\0' || v < min || v > max)
		usage();
	return v;
}

static void
print_stats(const struct wgpeer *w)
{
	const struct wg_stats *st = wg_device_stats(w->dev);
	int d, any = 0;

	printf("wgpeer: stats rx=%llu/%lluB tx=%llu/%lluB handshakes initiated=%llu completed=%llu "
	    "keepalives tx=%llu rx=%llu cookies tx=%llu rx=%llu not-wg=%ld\n",
	    (unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
	    (unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
	    (unsigned long long)st->handshakes_initiated, (unsigned long long)st->handshakes_completed,
	    (unsigned long long)st->keepalives_sent, (unsigned long long)st->keepalives_received,
	    (unsigned long long)st->cookies_sent, (unsigned long long)st->cookies_received, w->not_wg);
	printf("wgpeer: drops");
	for (d = 0; d < WG_DROP__COUNT; d++) {
		if (st->dropped[d] == 0)
			continue;
		printf(" %s=%llu", wg_drop_name((enum wg_drop)d), (unsigned long long)st->dropped[d]);
		any = 1;
	}
	printf("%s\n", any ? "" : " none");
}

int
main(int argc, char **argv)
{
	struct wgpeer w;
	struct wg_io io;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], peer_pub[WG_KEY_LEN], psk[WG_KEY_LEN];
	struct inner_addr peer_addrs[4];
	struct sockaddr_storage bind_ss, ep_ss;
	socklen_t bind_len = 0, ep_len = 0;
	const char *key_file = NULL, *psk_file = NULL, *peer_b64 = NULL, *to_s = NULL;
	int n_peer_addrs = 0, have_psk = 0, initiate = 0, i, one = 1, sockbuf = SOCKBUF, rc;
	long keepalive = 0, timeout = TIMEOUT_DEFAULT;
	struct timeval tv;
	char s[INET6_ADDRSTRLEN];

	if (sodium_init() < 0)
		return 1;
	memset(&w, 0, sizeof(w));
	w.fd = -1;
	w.window = WINDOW_DEFAULT;
	w.rekey_at = -1;
	w.sport = SPORT_DEFAULT;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc == 3 && strcmp(argv[1], "--print-addr") == 0) {
		uint8_t a[16];

		if (parse_key(argv[2], pub) < 0 || ip_tunnel_addr(pub, a) < 0) {
			fprintf(stderr, "wgpeer: not a base64 32-byte key\n");
			return 2;
		}
		printf("%s\n", inet_ntop(AF_INET6, a, s, sizeof(s)));
		return 0;
	}

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--initiate") == 0) {
			initiate = 1;
			continue;
		}
		if (strcmp(a, "--after-handshake") == 0) {
			w.after_handshake = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--key") == 0) {
			key_file = v;
		} else if (strcmp(a, "--peer") == 0) {
			peer_b64 = v;
		} else if (strcmp(a, "--psk") == 0) {
			psk_file = v;
		} else if (strcmp(a, "--bind") == 0) {
			if (parse_sockaddr(v, &bind_ss, &bind_len) < 0)
				usage();
		} else if (strcmp(a, "--endpoint") == 0) {
			if (parse_sockaddr(v, &ep_ss, &ep_len) < 0)
				usage();
		} else if (strcmp(a, "--keepalive") == 0) {
			keepalive = parse_long(v, 0, 65535);
		} else if (strcmp(a, "--addr") == 0) {
			struct inner_addr ia;

			if (parse_inner(v, &ia) < 0)
				usage();
			if (ia.family == AF_INET6)
				w.self6 = ia;
			else
				w.self4 = ia;
		} else if (strcmp(a, "--peer-addr") == 0) {
			if (n_peer_addrs == 4 || parse_inner(v, &peer_addrs[n_peer_addrs]) < 0)
				usage();
			n_peer_addrs++;
		} else if (strcmp(a, "--send") == 0) {
			w.count = parse_long(v, 1, 10000000);
		} else if (strcmp(a, "--to") == 0) {
			to_s = v;
		} else if (strcmp(a, "--sport") == 0) {
			w.sport = (uint16_t)parse_long(v, 1, 65535);
		} else if (strcmp(a, "--window") == 0) {
			w.window = parse_long(v, 1, 4096);
		} else if (strcmp(a, "--rate") == 0) {
			w.rate = parse_long(v, 0, 1000000);
		} else if (strcmp(a, "--rekey-at") == 0) {
			w.rekey_at = parse_long(v, 0, 10000000);
		} else if (strcmp(a, "--echo") == 0) {
			w.echo_port = (uint16_t)parse_long(v, 1, 65535);
		} else if (strcmp(a, "--echo-count") == 0) {
			w.echo_count = parse_long(v, 0, 10000000);
		} else if (strcmp(a, "--expect-handshakes") == 0) {
			w.expect_handshakes = parse_long(v, 0, 1000);
		} else if (strcmp(a, "--timeout") == 0) {
			timeout = parse_long(v, 1, 86400);
		} else {
			usage();
		}
	}
	if (key_file == NULL || peer_b64 == NULL || bind_len == 0)
		usage();
	if (w.count > 0) {
		char host[INET6_ADDRSTRLEN];

		if (to_s == NULL || split_hostport(to_s, host, sizeof(host), &w.to_port) < 0 ||
		    parse_inner(host, &w.to) < 0 || w.to_port == 0)
			usage();
	}
	if (w.echo_count > 0 && w.echo_port == 0)
		usage();
	if (w.count == 0 && w.echo_count == 0 && w.expect_handshakes == 0) {
		fprintf(stderr, "wgpeer: nothing to wait for (--send, --echo-count or --expect-handshakes)\n");
		usage();
	}

	if (read_key_file(key_file, priv) < 0)
		return 2;
	if (parse_key(peer_b64, peer_pub) < 0) {
		fprintf(stderr, "wgpeer: --peer: not a base64 32-byte key\n");
		return 2;
	}
	if (psk_file != NULL) {
		if (read_key_file(psk_file, psk) < 0)
			return 2;
		have_psk = 1;
	}

	w.fd = socket(bind_ss.ss_family, SOCK_DGRAM, 0);
	if (w.fd < 0) {
		perror("wgpeer: socket");
		return 1;
	}
	setsockopt(w.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(w.fd, SOL_SOCKET, SO_RCVBUF, &sockbuf, sizeof(sockbuf));
	setsockopt(w.fd, SOL_SOCKET, SO_SNDBUF, &sockbuf, sizeof(sockbuf));
	if (bind(w.fd, (struct sockaddr *)&bind_ss, bind_len) < 0) {
		perror("wgpeer: bind");
		return 1;
	}
	evutil_make_socket_nonblocking(w.fd);

	memset(&io, 0, sizeof(io));
	io.send = io_send;
	io.deliver = io_deliver;
	io.event = io_event;
	io.now = io_now;
	io.wall = io_wall;
	io.arg = &w;
	w.t0 = io_now(&w);

	w.dev = wg_device_new(priv, &io);
	sodium_memzero(priv, sizeof(priv));
	if (w.dev == NULL) {
		fprintf(stderr, "wgpeer: wg_device_new failed\n");
		return 1;
	}
	w.peer = wg_peer_new(w.dev, peer_pub, have_psk ? psk : NULL);
	sodium_memzero(psk, sizeof(psk));
	if (w.peer == NULL) {
		fprintf(stderr, "wgpeer: wg_peer_new failed\n");
		return 1;
	}
	if (ep_len > 0)
		wg_peer_set_endpoint(w.peer, (struct sockaddr *)&ep_ss, ep_len);
	if (keepalive > 0)
		wg_peer_set_persistent_keepalive(w.peer, (unsigned)keepalive);

	/* Inner addresses: ours and the peer's allowed IPs, tunnel addresses by default. */
	wg_device_public_key(w.dev, pub);
	if (!w.self6.set) {
		w.self6.family = AF_INET6;
		w.self6.set = ip_tunnel_addr(pub, w.self6.addr) == 0;
	}
	if (n_peer_addrs == 0 || (n_peer_addrs < 4 && peer_addrs[0].family == AF_INET)) {
		struct inner_addr *pa = &peer_addrs[n_peer_addrs];

		memset(pa, 0, sizeof(*pa));
		pa->family = AF_INET6;
		if (ip_tunnel_addr(peer_pub, pa->addr) == 0)
			n_peer_addrs++;
	}
	for (i = 0; i < n_peer_addrs; i++) {
		rc = wg_peer_allow_ip(w.peer, peer_addrs[i].family, peer_addrs[i].addr,
		    peer_addrs[i].family == AF_INET6 ? 128 : 32);
		if (rc < 0) {
			fprintf(stderr, "wgpeer: wg_peer_allow_ip: %s\n", strerror(-rc));
			return 1;
		}
		printf("wgpeer: peer allowed %s\n",
		    inet_ntop(peer_addrs[i].family, peer_addrs[i].addr, s, sizeof(s)));
	}
	printf("wgpeer: our address %s", inet_ntop(AF_INET6, w.self6.addr, s, sizeof(s)));
	if (w.self4.set)
		printf(" %s", inet_ntop(AF_INET, w.self4.addr, s, sizeof(s)));
	printf("%s\n", have_psk ? " (psk)" : " (no psk)");
	if (w.count > 0 && self_for(&w, w.to.family) == NULL) {
		fprintf(stderr, "wgpeer: no address of ours in the family of --to (use --addr)\n");
		return 2;
	}
	if (w.count > 0) {
		w.got = calloc((size_t)w.count, 1);
		if (w.got == NULL)
			return 1;
	}

	w.base = event_base_new();
	if (w.base == NULL)
		return 1;
	w.ev_sock = event_new(w.base, w.fd, EV_READ | EV_PERSIST, on_read, &w);
	w.ev_timer = evtimer_new(w.base, on_timer, &w);
	w.ev_deadline = evtimer_new(w.base, on_deadline, &w);
	w.ev_pace = evtimer_new(w.base, on_pace, &w);
	if (w.ev_sock == NULL || w.ev_timer == NULL || w.ev_deadline == NULL || w.ev_pace == NULL)
		return 1;
	event_add(w.ev_sock, NULL);
	tv.tv_sec = timeout;
	tv.tv_usec = 0;
	evtimer_add(w.ev_deadline, &tv);

	if (initiate) {
		rc = wg_peer_initiate(w.peer);
		/* EAGAIN: one is already under way (setting a keepalive starts one). */
		if (rc == -EAGAIN) {
			printf("wgpeer: %.3f handshake already under way\n", elapsed(&w));
		} else if (rc < 0) {
			fprintf(stderr, "wgpeer: wg_peer_initiate: %s\n", strerror(-rc));
			return 1;
		}
	}
	after(&w);
	if (!w.done)
		event_base_dispatch(w.base);

	printf("wgpeer: %.3f sent %ld back %ld of %ld; echoed %ld of %ld; handshakes %ld; bad %ld\n",
	    elapsed(&w), w.sent, w.back, w.count, w.echoed, w.echo_count, w.handshakes, w.inner_bad);
	print_stats(&w);
	if (w.failed || w.inner_bad > 0) {
		const struct wg_stats *st = wg_device_stats(w.dev);

		printf("wgpeer: FAIL: %s", w.fail_reason ? w.fail_reason : "bad inner packets");
		if (w.handshakes == 0 && st->dropped[WG_DROP_HANDSHAKE] > 0)
			printf(" (%llu handshake messages failed to verify: wrong psk or key?)",
			    (unsigned long long)st->dropped[WG_DROP_HANDSHAKE]);
		printf("\n");
		rc = 1;
	} else {
		printf("wgpeer: OK\n");
		rc = 0;
	}

	event_free(w.ev_sock);
	event_free(w.ev_timer);
	event_free(w.ev_deadline);
	event_free(w.ev_pace);
	event_base_free(w.base);
	wg_peer_free(w.peer);
	wg_device_free(w.dev);
	free(w.got);
	close(w.fd);
	return rc;
}
