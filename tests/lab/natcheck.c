/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * natcheck — measure what a NAT does, against tests/lab/reflector.
 *
 *   natcheck probe --server A1:P1 --alt A2:P2 [--bind IP]
 *	Mapping (RFC 4787 / RFC 5780 4.3): from one socket ask A1:P1, A2:P1 and
 *	A1:P2 for the observed address; filtering (RFC 5780 4.4): from a fresh
 *	socket each, ask A1:P1 to answer from A2:P2 ("both") and from A1:P2
 *	("port"). Prints
 *	    local IP:PORT
 *	    mapped A1:P1|A2:P1|A1:P2 IP:PORT
 *	    mapping endpoint-independent|address-dependent|address-and-port-dependent
 *	    filtering endpoint-independent|address-dependent|address-and-port-dependent
 *	A lost reply to a filtering request reads as "filtered", so probe a link
 *	without emulated loss.
 *   natcheck echo --server A:P [--count N] [--interval MS] [--wait MS] [--bind IP]
 *	N echo requests; prints "sent N received M loss PCT rtt_min_ms X
 *	rtt_med_ms Y rtt_max_ms Z".
 *   natcheck listen --server A:P --bind IP:PORT [--timeout MS]
 *	Learn and print "mapped IP:PORT", then wait for a datagram from anyone
 *	else: print "got FROM" (exit 0) or "none" (exit 1).
 *   natcheck send --to IP:PORT [--bind IP:PORT] [--count N]
 *	Send N "H" datagrams, 100 ms apart.
 *
 * Exit 0 on success, 1 when the server never answered (or listen got
 * nothing), 2 on usage or socket errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	TRIES = 5,		/* requests per question */
	TRY_WAIT_MS = 300,	/* wait for an answer after each */
	BUF_MAX = 1500,
	ECHO_MAX = 10000
};

struct opts {
	const char *server, *alt, *bind, *to;
	long count, interval_ms, wait_ms, timeout_ms;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
parse(const char *s, struct sockaddr_in *sa, int need_port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	if (colon == NULL)
		return need_port ? -1 : 0;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return 0;
}

static void
fmt(char *out, size_t len, const struct sockaddr_in *sa)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(out, len, "%s:%u", ip, ntohs(sa->sin_port));
}

static int
udp_socket(const char *bind_to)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd;

	if (bind_to != NULL && parse(bind_to, &sa, 0) == -1) {
		fprintf(stderr, "natcheck: bad --bind %s\n", bind_to);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("natcheck: socket");
		exit(2);
	}
	return fd;
}

/* Wait up to ms for a datagram; 0 and its length in *n, or -1 on timeout. */
static int
wait_recv(int fd, char *buf, ssize_t *n, struct sockaddr_in *from, double ms)
{
	double end = now_ms() + ms;
	socklen_t fl;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = end - now_ms();

		if (left <= 0 || poll(&p, 1, (int)left + 1) <= 0) {
			if (now_ms() >= end)
				return -1;
			continue;
		}
		fl = sizeof(*from);
		*n = recvfrom(fd, buf, BUF_MAX, 0, (struct sockaddr *)from, &fl);
		if (*n > 0) {
			buf[*n] = '\0';
			return 0;
		}
	}
}

/* Ask dst "Q id how" until an answer with our id arrives: 0 and the
 * observed address (and where the answer came from), or -1. */
static int
ask(int fd, const struct sockaddr_in *dst, const char *how, char *seen, char *from)
{
	static unsigned serial;
	char req[64], buf[BUF_MAX + 1], id[32], rid[64], rs[64], rf[64], actual[32];
	struct sockaddr_in src;
	ssize_t n;
	int t;

	snprintf(id, sizeof(id), "%u.%u", (unsigned)getpid(), ++serial);
	snprintf(req, sizeof(req), "Q %s %s", id, how);
	for (t = 0; t < TRIES; t++) {
		double end = now_ms() + TRY_WAIT_MS;

		sendto(fd, req, strlen(req), 0, (const struct sockaddr *)dst, sizeof(*dst));
		while (now_ms() < end) {
			if (wait_recv(fd, buf, &n, &src, end - now_ms()) == -1)
				break;
			if (sscanf(buf, "R %63s %63s %63s", rid, rs, rf) != 3 || strcmp(rid, id) != 0)
				continue;
			/* Believe the packet's real source, not what it says. */
			fmt(actual, sizeof(actual), &src);
			strcpy(seen, rs);
			strcpy(from, actual);
			return 0;
		}
	}
	return -1;
}

static const char *
classify(int same_all, int same_addr_only)
{
	if (same_all)
		return "endpoint-independent";
	return same_addr_only ? "address-dependent" : "address-and-port-dependent";
}

static int
run_probe(const struct opts *o)
{
	struct sockaddr_in s1, alt, dst[3], local;
	socklen_t ll = sizeof(local);
	char seen[3][64], from[64], lbuf[32], name[32];
	int fd, i, eif, adf;

	if (o->server == NULL || o->alt == NULL || parse(o->server, &s1, 1) == -1 ||
	    parse(o->alt, &alt, 1) == -1) {
		fprintf(stderr, "natcheck probe: need --server A1:P1 --alt A2:P2\n");
		return 2;
	}
	dst[0] = s1;				/* A1:P1 */
	dst[1] = s1;				/* A2:P1 */
	dst[1].sin_addr = alt.sin_addr;
	dst[2] = s1;				/* A1:P2 */
	dst[2].sin_port = alt.sin_port;

	fd = udp_socket(o->bind);
	for (i = 0; i < 3; i++) {
		if (ask(fd, &dst[i], "same", seen[i], from) == -1) {
			fmt(name, sizeof(name), &dst[i]);
			printf("noanswer %s\n", name);
			return 1;
		}
		if (i == 0) {
			/* The local address the kernel chose toward the server. */
			getsockname(fd, (struct sockaddr *)&local, &ll);
			fmt(lbuf, sizeof(lbuf), &local);
			printf("local %s\n", lbuf);
		}
		fmt(name, sizeof(name), &dst[i]);
		printf("mapped %s %s\n", name, seen[i]);
	}
	close(fd);
	printf("mapping %s\n", classify(strcmp(seen[0], seen[1]) == 0 && strcmp(seen[0], seen[2]) == 0,
	    strcmp(seen[0], seen[2]) == 0));

	/* Filtering: a fresh socket (a fresh mapping) for each question. */
	fd = udp_socket(o->bind);
	eif = ask(fd, &s1, "both", seen[0], from) == 0;
	close(fd);
	fd = udp_socket(o->bind);
	adf = ask(fd, &s1, "port", seen[0], from) == 0;
	close(fd);
	printf("filter-change-both %s\nfilter-change-port %s\n", eif ? "pass" : "blocked",
	    adf ? "pass" : "blocked");
	printf("filtering %s\n", classify(eif, adf));
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
run_echo(const struct opts *o)
{
	static double sent_at[ECHO_MAX], rtt[ECHO_MAX];
	static unsigned char got[ECHO_MAX];
	struct sockaddr_in dst, src;
	char buf[BUF_MAX + 1];
	long count = o->count > 0 ? o->count : 10, i, nrtt = 0;
	double next, end;
	ssize_t n;
	int fd;

	if (o->server == NULL || parse(o->server, &dst, 1) == -1 || count > ECHO_MAX) {
		fprintf(stderr, "natcheck echo: need --server A:P (count <= %d)\n", ECHO_MAX);
		return 2;
	}
	fd = udp_socket(o->bind);
	next = now_ms();
	for (i = 0; i < count;) {
		if (now_ms() >= next) {
			int len = snprintf(buf, sizeof(buf), "E %ld", i);

			sent_at[i] = now_ms();
			sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&dst, sizeof(dst));
			next += o->interval_ms;
			i++;
		}
		while (wait_recv(fd, buf, &n, &src, 0.5) == 0) {
			long k;

			if (sscanf(buf, "E %ld", &k) == 1 && k >= 0 && k < count && !got[k]) {
				got[k] = 1;
				rtt[nrtt++] = now_ms() - sent_at[k];
			}
		}
		if (now_ms() < next)
			usleep(500);
	}
	end = now_ms() + o->wait_ms;
	while (now_ms() < end && nrtt < count)
		if (wait_recv(fd, buf, &n, &src, end - now_ms()) == 0) {
			long k;

			if (sscanf(buf, "E %ld", &k) == 1 && k >= 0 && k < count && !got[k]) {
				got[k] = 1;
				rtt[nrtt++] = now_ms() - sent_at[k];
			}
		}
	qsort(rtt, (size_t)nrtt, sizeof(rtt[0]), cmp_double);
	printf("sent %ld received %ld loss %.1f rtt_min_ms %.1f rtt_med_ms %.1f rtt_max_ms %.1f\n",
	    count, nrtt, 100.0 * (double)(count - nrtt) / (double)count,
	    nrtt ? rtt[0] : -1, nrtt ? rtt[nrtt / 2] : -1, nrtt ? rtt[nrtt - 1] : -1);
	return nrtt > 0 ? 0 : 1;
}

static int
run_listen(const struct opts *o)
{
	struct sockaddr_in srv, src;
	char seen[64], from[64], buf[BUF_MAX + 1], name[32];
	ssize_t n;
	double end;
	int fd;

	if (o->server == NULL || parse(o->server, &srv, 1) == -1) {
		fprintf(stderr, "natcheck listen: need --server A:P\n");
		return 2;
	}
	fd = udp_socket(o->bind);
	if (ask(fd, &srv, "same", seen, from) == -1) {
		printf("noanswer\n");
		return 1;
	}
	printf("mapped %s\n", seen);
	fflush(stdout);
	end = now_ms() + (o->timeout_ms > 0 ? o->timeout_ms : 3000);
	while (now_ms() < end) {
		if (wait_recv(fd, buf, &n, &src, end - now_ms()) == -1)
			break;
		if (buf[0] != 'H')
			continue;
		fmt(name, sizeof(name), &src);
		printf("got %s\n", name);
		return 0;
	}
	printf("none\n");
	return 1;
}

static int
run_send(const struct opts *o)
{
	struct sockaddr_in dst;
	long i, count = o->count > 0 ? o->count : 10;
	int fd;

	if (o->to == NULL || parse(o->to, &dst, 1) == -1) {
		fprintf(stderr, "natcheck send: need --to IP:PORT\n");
		return 2;
	}
	fd = udp_socket(o->bind);
	for (i = 0; i < count; i++) {
		sendto(fd, "H hello", 7, 0, (struct sockaddr *)&dst, sizeof(dst));
		usleep(100000);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .interval_ms = 10, .wait_ms = 1000 };
	int i;

	if (argc < 2)
		goto usage;
	for (i = 2; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (strcmp(k, "--server") == 0)
			o.server = v;
		else if (strcmp(k, "--alt") == 0)
			o.alt = v;
		else if (strcmp(k, "--bind") == 0)
			o.bind = v;
		else if (strcmp(k, "--to") == 0)
			o.to = v;
		else if (strcmp(k, "--count") == 0)
			o.count = atol(v);
		else if (strcmp(k, "--interval") == 0)
			o.interval_ms = atol(v);
		else if (strcmp(k, "--wait") == 0)
			o.wait_ms = atol(v);
		else if (strcmp(k, "--timeout") == 0)
			o.timeout_ms = atol(v);
		else
			goto usage;
	}
	if (i != argc)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "probe") == 0)
		return run_probe(&o);
	if (strcmp(argv[1], "echo") == 0)
		return run_echo(&o);
	if (strcmp(argv[1], "listen") == 0)
		return run_listen(&o);
	if (strcmp(argv[1], "send") == 0)
		return run_send(&o);
usage:
	fprintf(stderr, "usage: natcheck probe|echo|listen|send [options] (see the source)\n");
	return 2;
}
