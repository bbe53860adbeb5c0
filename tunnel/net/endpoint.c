/* SPDX-License-Identifier: GPL-3.0-or-later */
/* endpoint.c — compact UDP addresses; see endpoint.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/net/endpoint.h"

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

size_t
endpoint_addr_len(unsigned family)
{
	switch (family) {
	case ENDPOINT_V4:
		return 4;
	case ENDPOINT_V6:
		return 16;
	default:
		return 0;
	}
}

int
endpoint_set(struct endpoint *ep, unsigned family, const void *addr, uint16_t port)
{
	size_t n = endpoint_addr_len(family);

	memset(ep, 0, sizeof(*ep));
	if (n == 0)
		return -1;
	ep->family = (uint8_t)family;
	memcpy(ep->addr, addr, n);
	ep->port = port;
	return 0;
}

int
endpoint_from_sockaddr(struct endpoint *ep, const struct sockaddr *sa, socklen_t len)
{
	memset(ep, 0, sizeof(*ep));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		return endpoint_set(ep, ENDPOINT_V4, &sin->sin_addr, ntohs(sin->sin_port));
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		const uint8_t *a = sin6->sin6_addr.s6_addr;

		if (memcmp(a, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0)
			return endpoint_set(ep, ENDPOINT_V4, a + 12, ntohs(sin6->sin6_port));
		return endpoint_set(ep, ENDPOINT_V6, a, ntohs(sin6->sin6_port));
	}
	return -1;
}

socklen_t
endpoint_to_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == ENDPOINT_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->addr, 4);
		return sizeof(*sin);
	}
	if (ep->family == ENDPOINT_V6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		memcpy(&sin6->sin6_addr, ep->addr, 16);
		return sizeof(*sin6);
	}
	return 0;
}

int
endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return endpoint_compare(a, b) == 0;
}

int
endpoint_compare(const struct endpoint *a, const struct endpoint *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((r = memcmp(a->addr, b->addr, endpoint_addr_len(a->family))) != 0)
		return r < 0 ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

int
endpoint_is_unspecified(const struct endpoint *ep)
{
	static const uint8_t zero[ENDPOINT_ADDR_MAX];
	size_t n = endpoint_addr_len(ep->family);

	return n == 0 || memcmp(ep->addr, zero, n) == 0 ||
	    (ep->family == ENDPOINT_V4 && ep->addr[0] == 0);	/* 0.0.0.0/8: "this network" */
}

int
endpoint_is_loopback(const struct endpoint *ep)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (ep->family == ENDPOINT_V4)
		return ep->addr[0] == 127;
	return ep->family == ENDPOINT_V6 && memcmp(ep->addr, v6_loopback, 16) == 0;
}

int
endpoint_is_link_local(const struct endpoint *ep)
{
	if (ep->family == ENDPOINT_V4)
		return ep->addr[0] == 169 && ep->addr[1] == 254;		/* 169.254/16 */
	return ep->family == ENDPOINT_V6 && ep->addr[0] == 0xfe &&
	    (ep->addr[1] & 0xc0) == 0x80;				/* fe80::/10 */
}

int
endpoint_is_multicast(const struct endpoint *ep)
{
	if (ep->family == ENDPOINT_V4)
		return ep->addr[0] >= 224;		/* 224/4 multicast, 240/4 reserved and broadcast */
	return ep->family == ENDPOINT_V6 && ep->addr[0] == 0xff;
}

int
endpoint_is_usable(const struct endpoint *ep, int allow_loopback)
{
	if (endpoint_addr_len(ep->family) == 0 || ep->port == 0)
		return 0;
	if (endpoint_is_unspecified(ep) || endpoint_is_multicast(ep) || endpoint_is_link_local(ep))
		return 0;
	if (!allow_loopback && endpoint_is_loopback(ep))
		return 0;
	return 1;
}

char *
endpoint_format(const struct endpoint *ep, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if (ep->family == ENDPOINT_V4 && inet_ntop(AF_INET, ep->addr, ip, sizeof(ip)) != NULL)
		snprintf(buf, len, "%s:%u", ip, (unsigned)ep->port);
	else if (ep->family == ENDPOINT_V6 && inet_ntop(AF_INET6, ep->addr, ip, sizeof(ip)) != NULL)
		snprintf(buf, len, "[%s]:%u", ip, (unsigned)ep->port);
	else
		snprintf(buf, len, "(none)");
	return buf;
}

int
endpoint_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t default_port,
    uint16_t *port)
{
	const char *colon, *end;
	size_t n;
	char *ep;
	unsigned long p = default_port;

	if (s[0] == '[') {
		/* [V6]:PORT or [V6] */
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(end - s - 1);
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] == '\0')
			colon = NULL;
		else
			return -1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL;	/* a bare IPv6 address: no port */
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (colon != NULL) {
		errno = 0;
		p = strtoul(colon + 1, &ep, 10);
		if (errno != 0 || ep == colon + 1 || *ep != '\0' || p == 0 || p > 65535)
			return -1;
	}
	*port = (uint16_t)p;
	return 0;
}
