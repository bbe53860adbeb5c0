/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * udpcheck — the kernel-socket side of the interop tests.
 *
 *   udpcheck echo --bind ADDR:PORT [--count N] [--timeout SEC]
 *	send every datagram back to its source; with --count, exit 0 after N.
 *   udpcheck send --bind ADDR:PORT --to ADDR:PORT --count N [--window W] [--rate PPS] [--timeout SEC]
 *	send N deterministic datagrams (1..1200 bytes), at most W (16) unanswered
 *	at a time and at most PPS a second, and check that each comes back exactly once, byte for byte.
 *	Nothing is retransmitted: a lost datagram is a failure.
 *
 * Both print "listening" once bound, so scripts can wait for it.
 * ADDR:PORT is 1.2.3.4:5 or [fd00::1]:5. Exit 0 only when everything expected
 * arrived intact; 1 otherwise; 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

enum {
	PAYLOAD_MAX = 1200,
	WINDOW_DEFAULT = 16,
	TIMEOUT_DEFAULT = 30
};

/* The test payload of datagram i. Must match payload_fill in tests/wgpeer.c.
 * Byte 0 is i*131 + 0x5a: 131 is odd, so it names i modulo 256. */
static size_t
payload_fill(uint32_t i, uint8_t *buf)
{
	size_t len = 1 + (size_t)(i * 389u % PAYLOAD_MAX), j;

	for (j = 0; j < len; j++)
		buf[j] = (uint8_t)(i * 131u + j * 7u + (j >> 8) * 3u + 0x5au);
	return len;
}

static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port > 65535)
		return -1;
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	return -1;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: udpcheck echo --bind ADDR:PORT [--count N] [--timeout SEC]\n"
	    "       udpcheck send --bind ADDR:PORT --to ADDR:PORT --count N [--window W] [--rate PPS]\n"
	    "                     [--timeout SEC]\n");
	exit(2);
}

static int
run_echo(int fd, long count, double deadline)
{
	uint8_t buf[65536];
	struct sockaddr_storage from;
	socklen_t fl;
	long echoed = 0;
	ssize_t n;

	while (count < 0 || echoed < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - mono();

		if (left <= 0) {
			printf("udpcheck echo: timeout, echoed %ld of %ld\n", echoed, count);
			return count < 0 ? 0 : 1;
		}
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) != n) {
			perror("udpcheck echo: sendto");
			return 1;
		}
		echoed++;
	}
	printf("udpcheck echo: echoed %ld\n", echoed);
	return 0;
}

static int
run_send(int fd, const struct sockaddr_storage *to, socklen_t tolen, long count, long window,
    double rate, double deadline)
{
	double next = 0;
	uint8_t buf[65536], want[PAYLOAD_MAX];
	uint8_t *back = calloc((size_t)count + 1, 1);
	long sent = 0, received = 0, bad = 0, low = 0, i;
	ssize_t n;

	if (back == NULL)
		return 1;
	while (received < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - mono(), wait;

		while (sent < count && sent - received < window) {
			size_t len = payload_fill((uint32_t)sent, want);

			if (rate > 0) {
				double now = mono();

				if (now < next)
					break;
				next = (next > 0 ? next : now) + 1 / rate;
				if (next < now)
					next = now;
			}

			if (sendto(fd, want, len, 0, (const struct sockaddr *)to, tolen) != (ssize_t)len) {
				perror("udpcheck send: sendto");
				free(back);
				return 1;
			}
			sent++;
		}
		if (left <= 0)
			break;
		wait = left;
		if (rate > 0 && sent < count && sent - received < window && next - mono() < wait)
			wait = next - mono() > 0 ? next - mono() : 0;
		if (poll(&p, 1, (int)(wait * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			continue;
		/* Which outstanding datagram is this? Exactly one may match. */
		for (i = low; i < sent; i++) {
			if (back[i])
				continue;
			if ((size_t)n == payload_fill((uint32_t)i, want) && memcmp(buf, want, (size_t)n) == 0)
				break;
		}
		if (i == sent) {
			bad++;
			fprintf(stderr, "udpcheck send: unexpected %zd-byte datagram (corrupt or duplicate)\n", n);
			continue;
		}
		back[i] = 1;
		received++;
		while (low < sent && back[low])
			low++;
	}
	free(back);
	printf("udpcheck send: sent %ld received %ld bad %ld of %ld\n", sent, received, bad, count);
	return received == count && bad == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage bind_ss, to_ss;
	socklen_t bind_len = 0, to_len = 0;
	long count = -1, window = WINDOW_DEFAULT;
	double timeout = TIMEOUT_DEFAULT, rate = 0;
	const char *mode;
	int i, fd, one = 1, rc;

	if (argc < 2)
		usage();
	mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			usage();
		if (strcmp(a, "--bind") == 0) {
			if (parse_addr(v, &bind_ss, &bind_len) < 0)
				usage();
		} else if (strcmp(a, "--to") == 0) {
			if (parse_addr(v, &to_ss, &to_len) < 0)
				usage();
		} else if (strcmp(a, "--count") == 0) {
			count = atol(v);
		} else if (strcmp(a, "--window") == 0) {
			window = atol(v);
		} else if (strcmp(a, "--rate") == 0) {
			rate = atof(v);
		} else if (strcmp(a, "--timeout") == 0) {
			timeout = atof(v);
		} else {
			usage();
		}
		i++;
	}
	if (bind_len == 0 || window < 1 || timeout <= 0)
		usage();
	fd = socket(bind_ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpcheck: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* The tunnel address may still be settling (DAD); retry briefly. */
	for (i = 0; bind(fd, (struct sockaddr *)&bind_ss, bind_len) < 0; i++) {
		if (errno != EADDRNOTAVAIL || i >= 50) {
			perror("udpcheck: bind");
			return 1;
		}
		usleep(100000);
	}
	printf("udpcheck %s: listening\n", mode);
	fflush(stdout);
	if (strcmp(mode, "echo") == 0) {
		rc = run_echo(fd, count, mono() + timeout);
	} else if (strcmp(mode, "send") == 0) {
		if (to_len == 0 || count < 1 || to_ss.ss_family != bind_ss.ss_family)
			usage();
		rc = run_send(fd, &to_ss, to_len, count, window, rate, mono() + timeout);
	} else {
		usage();
	}
	close(fd);
	return rc;
}
