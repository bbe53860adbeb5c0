/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sock.c — the data socket, one per address family, on one port. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tunnel/net/sock.h"

static int
open_one(int family, uint16_t port, const char *bind_addr, uint16_t *bound)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (bind_addr != NULL && inet_pton(AF_INET, bind_addr, &sin->sin_addr) != 1)
			return -EINVAL;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (bind_addr != NULL && inet_pton(AF_INET6, bind_addr, &sin6->sin6_addr) != 1)
			return -EINVAL;
		len = sizeof(*sin6);
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&ss, len) != 0)
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		goto fail;
	*bound = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

int
sock_open(struct sock *s, uint16_t port, const char *bind4, const char *bind6)
{
	uint16_t p4 = 0, p6 = 0;
	int tries, v4, v6;

	s->tx_errors = 0;
	/* With port 0, retry a few times for a port that is free in both families. */
	for (tries = 0;; tries++) {
		v4 = open_one(AF_INET, port, bind4, &p4);
		v6 = open_one(AF_INET6, v4 >= 0 ? p4 : port, bind6, &p6);
		if (port != 0 || v4 < 0 || v6 != -EADDRINUSE || tries == 7)
			break;
		close(v4);
	}
	if (v4 < 0 && v6 < 0)
		return v4;
	s->fd[SOCK_V4] = v4 >= 0 ? v4 : -1;
	s->fd[SOCK_V6] = v6 >= 0 ? v6 : -1;
	s->port = v4 >= 0 ? p4 : p6;
	return 0;
}

int
sock_open_extra(int family)
{
	uint16_t port;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	return open_one(family, 0, NULL, &port);
}

void
sock_close(struct sock *s)
{
	int i;

	for (i = 0; i < SOCK__COUNT; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
	}
}

ssize_t
sock_recv(struct sock *s, int i, uint8_t *buf, size_t len, struct sockaddr_storage *from,
    socklen_t *fromlen)
{
	ssize_t n;

	if (s->fd[i] < 0)
		return 0;
	*fromlen = sizeof(*from);
	n = recvfrom(s->fd[i], buf, len, MSG_TRUNC, (struct sockaddr *)from, fromlen);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	if ((size_t)n > len)
		return -EMSGSIZE;	/* truncated: dropped by the caller, counted */
	return n;
}

int
sock_send(struct sock *s, const struct sockaddr *addr, socklen_t len, const uint8_t *buf, size_t n)
{
	struct sockaddr_in sin;
	int fd;

	if (addr->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)addr)->sin6_addr)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		memcpy(&sin.sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
		addr = (const struct sockaddr *)&sin;
		len = sizeof(sin);
	}
	fd = s->fd[addr->sa_family == AF_INET ? SOCK_V4 : SOCK_V6];
	if (fd < 0)
		return -EAFNOSUPPORT;
	if (sendto(fd, buf, n, 0, addr, len) < 0) {
		s->tx_errors++;
		return -errno;
	}
	return 0;
}

const char *
sock_addr_str(const struct sockaddr *addr, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", addr->sa_family);
	}
	return buf;
}
