/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resolve.h — names of STUN and TURN servers to addresses without blocking
 * the loop (libevent's evdns), for the whole session. Without an event base
 * (tests) only numeric addresses resolve.
 */
#ifndef GONET_SESSION_RESOLVE_H
#define GONET_SESSION_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

struct endpoint;
struct event_base;
struct resolver;

enum {
	RESOLVE_MAX = 8,		/* addresses handed over per name */
	RESOLVE_CANCELLED = -1		/* the resolver was freed first */
};

/*
 * err is 0 (n addresses, n may be 0), RESOLVE_CANCELLED, or a getaddrinfo
 * error (resolve_strerror). eps is valid during the call.
 */
typedef void resolve_cb(void *arg, int err, const struct endpoint *eps, size_t n);

struct resolver *resolver_new(struct event_base *base);
/* Pending lookups are called back with RESOLVE_CANCELLED. NULL is fine. */
void resolver_free(struct resolver *r);
/* Look host:port up (UDP); cb runs once, possibly before this returns. */
void resolve(struct resolver *r, const char *host, uint16_t port, resolve_cb *cb, void *arg);
const char *resolve_strerror(int err);

#endif
