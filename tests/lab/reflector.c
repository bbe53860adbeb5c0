/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * reflector — the NAT lab's test server: a tiny RFC 5780-style UDP reflector.
 *
 *   reflector ADDR1 ADDR2 PORT1 PORT2
 *
 * Binds four sockets, ADDR1:PORT1, ADDR1:PORT2, ADDR2:PORT1, ADDR2:PORT2
 * (each to its own address, so a reply always leaves from the address the
 * client talks to), prints "listening", and answers forever:
 *
 *   "Q <id> <how>"   ->  "R <id> <observed-ip>:<port> <reply-from-ip>:<port>"
 *	how = same (from the socket that got it), port (other port),
 *	ip (other address), both (other address and port)
 *   "E <anything>"   ->  the same datagram back, from the same socket
 *
 * tests/lab/natcheck is the client. Text on the wire, so a tcpdump reads it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NSOCK = 4, BUF_MAX = 1500 };

/* Socket index = 2 * address + port: flip bit 0 for "port", bit 1 for "ip". */
static int fds[NSOCK];
static struct sockaddr_in addrs[NSOCK];

static int
open_bound(const char *ip, const char *port, struct sockaddr_in *sa)
{
	int fd;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		fprintf(stderr, "reflector: bad address %s\n", ip);
		exit(2);
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)sa, sizeof(*sa)) == -1) {
		fprintf(stderr, "reflector: bind %s:%s: ", ip, port);
		perror(NULL);
		exit(2);
	}
	return fd;
}

static void
fmt(char *out, size_t len, const struct sockaddr_in *sa)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(out, len, "%s:%u", ip, ntohs(sa->sin_port));
}

static void
answer(int i)
{
	char buf[BUF_MAX + 1], id[64], how[16], seen[32], from[32], reply[160];
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	ssize_t n;
	int j;

	n = recvfrom(fds[i], buf, BUF_MAX, 0, (struct sockaddr *)&peer, &pl);
	if (n <= 0 || pl != sizeof(peer))
		return;
	if (buf[0] == 'E') {
		sendto(fds[i], buf, (size_t)n, 0, (struct sockaddr *)&peer, pl);
		return;
	}
	buf[n] = '\0';
	if (sscanf(buf, "Q %63s %15s", id, how) != 2)
		return;
	if (strcmp(how, "same") == 0)
		j = i;
	else if (strcmp(how, "port") == 0)
		j = i ^ 1;
	else if (strcmp(how, "ip") == 0)
		j = i ^ 2;
	else if (strcmp(how, "both") == 0)
		j = i ^ 3;
	else
		return;
	fmt(seen, sizeof(seen), &peer);
	fmt(from, sizeof(from), &addrs[j]);
	n = snprintf(reply, sizeof(reply), "R %s %s %s", id, seen, from);
	sendto(fds[j], reply, (size_t)n, 0, (struct sockaddr *)&peer, pl);
}

int
main(int argc, char **argv)
{
	struct pollfd p[NSOCK];
	int i;

	if (argc != 5) {
		fprintf(stderr, "usage: reflector ADDR1 ADDR2 PORT1 PORT2\n");
		return 2;
	}
	for (i = 0; i < NSOCK; i++) {
		fds[i] = open_bound(argv[1 + (i >> 1)], argv[3 + (i & 1)], &addrs[i]);
		p[i].fd = fds[i];
		p[i].events = POLLIN;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, NSOCK, -1) <= 0)
			continue;
		for (i = 0; i < NSOCK; i++)
			if (p[i].revents & POLLIN)
				answer(i);
	}
}
