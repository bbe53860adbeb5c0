/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * abuse — what a hostile room member does, for bench/abuse.sh. Loopback
 * only: every address must be in 127.0.0.0/8.
 *
 *   abuse forge HOST:PORT ROOM N VICTIM_IP PORT0
 *	put N records sealed under ROOM's key (the room string is all a
 *	member needs), each a new identity whose 8 candidates are
 *	VICTIM_IP:PORT0 .. PORT0+7, under the current and the next epoch;
 *	not permanent (they expire in 10 min). Exits when every put is
 *	answered or after 120 s; prints {"forged":N,"puts":P,"ok":K}.
 *   abuse sink VICTIM_IP PORT0 SECONDS
 *	bind VICTIM_IP:PORT0 .. PORT0+7 and count what arrives, by source
 *	port, for SECONDS (or until SIGTERM); prints {"port":SRC,"packets":N}
 *	per source, then {"sink":TOTAL}.
 *   abuse flood IP:PORT RATE SECONDS
 *	send RATE junk datagrams a second (random lengths 1..200, random
 *	bytes; every fourth begins as a WireGuard message type, every fourth
 *	as a STUN header) to IP:PORT for SECONDS; prints
 *	{"flood":SENT,"seconds":S,"rate":R}.
 *
 * Exit 0, or 1 on a failure, 2 on usage errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "dht/record/record.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "tunnel/net/endpoint.h"

enum {
	CANDS = 8,
	FORGE_MAX = 100000,
	FORGE_TIMEOUT_S = 120,
	SECONDS_MAX = 3600,
	RATE_MAX = 1000000,
	SINK_SOURCES = 65536
};

static int
usage(void)
{
	fprintf(stderr, "usage: abuse forge HOST:PORT ROOM N VICTIM_IP PORT0\n"
	    "       abuse sink VICTIM_IP PORT0 SECONDS\n"
	    "       abuse flood IP:PORT RATE SECONDS\n");
	return 2;
}

/* A loopback IPv4 address, or -1. */
static int
loopback4(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1 || (ntohl(a->s_addr) >> 24) != 127) {
		fprintf(stderr, "abuse: %s is not an address in 127.0.0.0/8\n", s);
		return -1;
	}
	return 0;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- forge ------------------------------------------------------------------------- */

static struct event_base *base;
static unsigned pending, acked;

static void
put_done(void *arg, bool ok)
{
	(void)arg;
	acked += ok;
	if (--pending == 0)
		event_base_loopexit(base, NULL);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	fprintf(stderr, "abuse: %u puts not answered after %d s\n", pending, FORGE_TIMEOUT_S);
	event_base_loopexit(base, NULL);
}

static int
forge(int argc, char **argv)
{
	struct timeval tv = { FORGE_TIMEOUT_S, 0 };
	uint8_t pk[32], sk[64], ih[ROOM_INFOHASH_LEN], v[RECORD_MAX_VALUE];
	char host[256];
	struct runner_host boot;
	struct runner_config rc;
	struct room_keys keys;
	struct in_addr victim;
	struct record rec;
	struct runner *r;
	struct event *timeout;
	uint64_t now, epochs[2];
	unsigned long n, i, port0;
	unsigned puts = 0;
	int e, j, len;

	if (argc != 7)
		return usage();
	n = strtoul(argv[4], NULL, 10);
	port0 = strtoul(argv[6], NULL, 10);
	if (n == 0 || n > FORGE_MAX || port0 == 0 || port0 + CANDS > 65536 ||
	    loopback4(argv[5], &victim) != 0)
		return usage();
	if (endpoint_parse_hostport(argv[2], host, sizeof(host), RUNNER_DEFAULT_PORT,
	    &boot.port) != 0)
		return usage();
	boot.host = host;
	if (room_derive(argv[3], strlen(argv[3]), &keys) != ROOM_OK) {
		fprintf(stderr, "abuse: bad room\n");
		return 2;
	}
	evthread_use_pthreads();
	base = event_base_new();
	memset(&rc, 0, sizeof(rc));
	rc.bootstrap = &boot;
	rc.nbootstrap = 1;
	if ((r = runner_new(base, &rc)) == NULL)
		return 1;
	now = (uint64_t)time(NULL);
	room_listen_epochs(now, epochs);
	for (i = 0; i < n; i++) {
		crypto_sign_keypair(pk, sk);
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.id, pk, 32);
		randombytes_buf(rec.wg, sizeof(rec.wg));
		snprintf(rec.nick, sizeof(rec.nick), "forged%lu", i);
		rec.seq = now * 1000;
		rec.exp = now + RECORD_TTL;
		for (j = 0; j < CANDS; j++) {
			rec.cand[j].kind = j % 2 ? CAND_SRFLX : CAND_HOST;
			rec.cand[j].family = 4;
			memcpy(rec.cand[j].addr, &victim, 4);
			rec.cand[j].port = (uint16_t)(port0 + (unsigned long)j);
		}
		rec.ncand = CANDS;
		for (e = 0; e < 2; e++) {
			room_infohash(&keys, epochs[e], ih);
			if ((len = record_seal(&rec, keys.record, ih, sk, v, sizeof(v))) < 0)
				return 1;
			if (runner_put_once(r, ih, v, (size_t)len, put_done, NULL) != NULL) {
				pending++;
				puts++;
			}
		}
		sodium_memzero(sk, sizeof(sk));
	}
	room_keys_wipe(&keys);
	timeout = evtimer_new(base, on_timeout, NULL);
	evtimer_add(timeout, &tv);
	if (pending > 0)
		event_base_dispatch(base);
	printf("{\"forged\":%lu,\"puts\":%u,\"ok\":%u}\n", n, puts, acked);
	event_free(timeout);
	runner_free(r);
	event_base_free(base);
	return pending == 0 ? 0 : 1;
}

/* --- sink --------------------------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
sink(int argc, char **argv)
{
	static unsigned long long by_port[SINK_SOURCES];
	struct pollfd pfd[CANDS];
	struct sockaddr_in sa;
	struct in_addr victim;
	unsigned long port0, secs, total = 0;
	uint8_t buf[2048];
	double end;
	int j, k;

	if (argc != 5)
		return usage();
	port0 = strtoul(argv[3], NULL, 10);
	secs = strtoul(argv[4], NULL, 10);
	if (loopback4(argv[2], &victim) != 0 || port0 == 0 || port0 + CANDS > 65536 || secs == 0 ||
	    secs > SECONDS_MAX)
		return usage();
	for (j = 0; j < CANDS; j++) {
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr = victim;
		sa.sin_port = htons((uint16_t)(port0 + (unsigned long)j));
		if ((pfd[j].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0 ||
		    bind(pfd[j].fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			fprintf(stderr, "abuse: bind %s:%lu: %s\n", argv[2], port0 + (unsigned long)j,
			    strerror(errno));
			return 1;
		}
		pfd[j].events = POLLIN;
	}
	signal(SIGTERM, on_term);
	printf("listening\n");
	fflush(stdout);
	end = now_s() + (double)secs;
	while (!stop && now_s() < end) {
		if (poll(pfd, CANDS, 100) <= 0)
			continue;
		for (j = 0; j < CANDS; j++) {
			socklen_t sl = sizeof(sa);

			while (recvfrom(pfd[j].fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &sl) >= 0) {
				by_port[ntohs(sa.sin_port)]++;
				total++;
				sl = sizeof(sa);
			}
		}
	}
	for (k = 0; k < SINK_SOURCES; k++)
		if (by_port[k] != 0)
			printf("{\"port\":%d,\"packets\":%llu}\n", k, by_port[k]);
	printf("{\"sink\":%lu}\n", total);
	return 0;
}

/* --- flood -------------------------------------------------------------------------- */

static int
flood(int argc, char **argv)
{
	struct sockaddr_in to;
	struct in_addr ip;
	char host[64];
	uint16_t port;
	unsigned long rate, secs, sent = 0, due;
	uint8_t buf[256];
	double start, t;
	int fd;

	if (argc != 5)
		return usage();
	rate = strtoul(argv[3], NULL, 10);
	secs = strtoul(argv[4], NULL, 10);
	if (endpoint_parse_hostport(argv[2], host, sizeof(host), 0, &port) != 0 || port == 0 ||
	    loopback4(host, &ip) != 0 || rate == 0 || rate > RATE_MAX || secs == 0 ||
	    secs > SECONDS_MAX)
		return usage();
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = ip;
	to.sin_port = htons(port);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 1;
	start = now_s();
	while ((t = now_s() - start) < (double)secs) {
		due = (unsigned long)(t * (double)rate);
		while (sent < due) {
			size_t len = 1 + randombytes_uniform(200);

			randombytes_buf(buf, len);
			if (sent % 4 == 1 && len >= 4) {
				buf[0] = (uint8_t)(1 + sent % 4);	/* a WireGuard type, zero reserved */
				buf[1] = buf[2] = buf[3] = 0;
			} else if (sent % 4 == 2 && len >= 20) {
				buf[0] = 0x01;				/* a STUN binding response header */
				buf[1] = 0x01;
				buf[4] = 0x21; buf[5] = 0x12; buf[6] = 0xa4; buf[7] = 0x42;
			}
			(void)sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
			sent++;
		}
		usleep(1000);
	}
	t = now_s() - start;
	printf("{\"flood\":%lu,\"seconds\":%.1f,\"rate\":%.0f}\n", sent, t, (double)sent / t);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 1;
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "forge") == 0)
		return forge(argc, argv);
	if (strcmp(argv[1], "sink") == 0)
		return sink(argc, argv);
	if (strcmp(argv[1], "flood") == 0)
		return flood(argc, argv);
	return usage();
}
