/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * endpoint.h — one UDP address (IPv4 or IPv6, port) in a compact, fixed-size
 * form shared by the STUN client, the probes and the candidate lists, with the
 * conversions to and from struct sockaddr. Families are 4 and 6, as in the
 * endpoint record's candidates, so src/ converts with plain copies.
 */
#ifndef GONET_ENDPOINT_H
#define GONET_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum endpoint_family {
	ENDPOINT_NONE = 0,
	ENDPOINT_V4 = 4,
	ENDPOINT_V6 = 6
};

enum {
	ENDPOINT_ADDR_MAX = 16,		/* an IPv4 address uses the first 4 bytes */
	ENDPOINT_STR_MAX = 48		/* "[ipv6]:port" and the NUL */
};

struct endpoint {
	uint8_t family;			/* enum endpoint_family */
	uint8_t addr[ENDPOINT_ADDR_MAX];	/* network byte order; unused bytes zero */
	uint16_t port;			/* host byte order */
};

/* Bytes of addr used by a family: 4, 16, or 0 for an unknown family. */
size_t endpoint_addr_len(unsigned family);

/* Fill ep; addr holds endpoint_addr_len(family) bytes. Returns 0, -1 on a bad family. */
int endpoint_set(struct endpoint *ep, unsigned family, const void *addr, uint16_t port);

/* AF_INET / AF_INET6 (IPv4-mapped IPv6 becomes IPv4). Returns 0 or -1. */
int endpoint_from_sockaddr(struct endpoint *ep, const struct sockaddr *sa, socklen_t len);
/* Returns the sockaddr length written into ss, 0 for a bad endpoint. */
socklen_t endpoint_to_sockaddr(const struct endpoint *ep, struct sockaddr_storage *ss);

/* 1 when family, address and port are all equal. */
int endpoint_equal(const struct endpoint *a, const struct endpoint *b);
/* Total order (family, address, port), for sorting. */
int endpoint_compare(const struct endpoint *a, const struct endpoint *b);

/* Kinds of addresses that are never worth sending to or publishing. */
int endpoint_is_unspecified(const struct endpoint *ep);
int endpoint_is_loopback(const struct endpoint *ep);
int endpoint_is_link_local(const struct endpoint *ep);
int endpoint_is_multicast(const struct endpoint *ep);
/*
 * Usable as a candidate: known family, port nonzero, not unspecified,
 * multicast or link-local (the rules of the endpoint record); loopback only
 * when allow_loopback.
 */
int endpoint_is_usable(const struct endpoint *ep, int allow_loopback);

/*
 * Parse "HOST[:PORT]", "[V6]:PORT", "[V6]" or a bare IPv6 address, as given
 * on the command line (--bootstrap, --stun, --nat-check); without a port,
 * *port is default_port. HOST is not resolved. 0, or -1 when malformed
 * (empty host, host longer than hostlen - 1, port 0 or above 65535).
 */
int endpoint_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t default_port,
    uint16_t *port);

/* "192.0.2.1:32853" or "[2001:db8::1]:32853" into buf; returns buf. */
char *endpoint_format(const struct endpoint *ep, char *buf, size_t len);

#endif
