/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stunc.c — ask STUN servers for our mapped address from one UDP socket, with
 * the tunnel/nat/stun.h client and a poll loop: the test program behind
 * tests/test_stun_coturn.sh, and a handy diagnostic.
 *
 *   stunc [-b BIND_IP] [-t BUDGET_MS] SERVER_IP PORT [SERVER_IP PORT ...]
 *
 * Prints "local ADDR", then "mapped ADDR" and "result NAME"; exits 0 when a
 * mapped address was learnt, 1 when none, 2 on usage or socket errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "tunnel/net/demux.h"
#include "tunnel/nat/stun.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
parse_ep(struct endpoint *ep, const char *ip, const char *port)
{
	uint8_t a[16];
	long p = strtol(port, NULL, 10);

	if (p <= 0 || p > 65535)
		return -1;
	if (inet_pton(AF_INET, ip, a) == 1)
		return endpoint_set(ep, ENDPOINT_V4, a, (uint16_t)p);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return endpoint_set(ep, ENDPOINT_V6, a, (uint16_t)p);
	return -1;
}

static int
send_udp(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = endpoint_to_sockaddr(to, &ss);
	int fd = *(int *)arg;

	if (sl == 0 || sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

static const char *
result_name(enum stun_result r)
{
	switch (r) {
	case STUN_RESULT_PENDING:
		return "pending";
	case STUN_RESULT_MAPPED:
		return "mapped";
	case STUN_RESULT_AGREE:
		return "agree";
	case STUN_RESULT_DISAGREE:
		return "disagree";
	case STUN_RESULT_SINGLE:
		return "single";
	case STUN_RESULT_FAILED:
		return "failed";
	}
	return "?";
}

int
main(int argc, char **argv)
{
	struct stun_rto_config cfg;
	struct stun_client c;
	struct stun_send io;
	struct endpoint server, local, mapped, from;
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *bind_ip = NULL;
	char str[ENDPOINT_STR_MAX];
	uint8_t buf[1500];
	int fd = -1, opt, rc = 2, i;
	enum stun_result res;
	enum stun_err e;

	stun_rto_config_default(&cfg);
	cfg.budget_ms = 5000;
	while ((opt = getopt(argc, argv, "b:t:")) != -1) {
		switch (opt) {
		case 'b':
			bind_ip = optarg;
			break;
		case 't':
			cfg.budget_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2 || (argc - optind) % 2 != 0)
		goto usage;
	if (sodium_init() < 0)
		return 2;

	stun_client_init(&c, &cfg);
	for (i = optind; i + 1 < argc; i += 2) {
		if (parse_ep(&server, argv[i], argv[i + 1]) != 0 || stun_client_add_server(&c, &server) < 0) {
			fprintf(stderr, "stunc: bad server %s %s\n", argv[i], argv[i + 1]);
			goto usage;
		}
	}
	if (parse_ep(&local, bind_ip != NULL ? bind_ip : (server.family == ENDPOINT_V4 ? "0.0.0.0" : "::"),
	    "1") != 0)
		goto usage;
	local.port = 0;
	if ((fd = socket(local.family == ENDPOINT_V4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0)) < 0) {
		perror("stunc: socket");
		goto out;
	}
	sl = endpoint_to_sockaddr(&local, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		perror("stunc: bind");
		goto out_close;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    endpoint_from_sockaddr(&local, (struct sockaddr *)&ss, sl) != 0) {
		perror("stunc: getsockname");
		goto out_close;
	}
	printf("local %s\n", endpoint_format(&local, str, sizeof(str)));

	io.send = send_udp;
	io.arg = &fd;
	stun_client_start(&c, now_ms());
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms(), d;
		int timeout;
		ssize_t n;

		stun_client_on_timer(&c, now, &io);
		/* Stop once every server has answered or given up. */
		if ((d = stun_client_next_deadline(&c)) == UINT64_MAX)
			break;
		timeout = d > now ? (int)(d - now) : 0;
		if (poll(&pfd, 1, timeout) <= 0)
			continue;
		sl = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0 || endpoint_from_sockaddr(&from, (struct sockaddr *)&ss, sl) != 0)
			continue;
		if (demux_classify(buf, (size_t)n) != DEMUX_STUN)
			continue;
		if ((e = stun_client_input(&c, &from, buf, (size_t)n, now_ms())) != STUN_OK)
			fprintf(stderr, "stunc: response from %s: %s\n",
			    endpoint_format(&from, str, sizeof(str)), stun_err_name(e));
	}
	res = stun_client_result(&c, &mapped);
	if (mapped.family != ENDPOINT_NONE)
		printf("mapped %s\n", endpoint_format(&mapped, str, sizeof(str)));
	printf("result %s\n", result_name(res));
	rc = mapped.family != ENDPOINT_NONE ? 0 : 1;
out_close:
	close(fd);
out:
	return rc;
usage:
	fprintf(stderr, "usage: stunc [-b BIND_IP] [-t BUDGET_MS] SERVER_IP PORT [SERVER_IP PORT ...]\n");
	return 2;
}
