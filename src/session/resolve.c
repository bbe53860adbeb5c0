/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolve.c — asynchronous name lookups (resolve.h). */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/util.h>

#include "src/session/resolve.h"
#include "tunnel/net/endpoint.h"

struct resolver {
	struct evdns_base *dns;		/* NULL: numeric addresses only */
};

struct lookup {
	resolve_cb *cb;
	void *arg;
};

struct resolver *
resolver_new(struct event_base *base)
{
	struct resolver *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (base != NULL) {
		r->dns = evdns_base_new(base,
		    EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
		if (r->dns != NULL) {
			/* A name that does not resolve costs at most about 4 s. */
			(void)evdns_base_set_option(r->dns, "timeout:", "2");
			(void)evdns_base_set_option(r->dns, "attempts:", "2");
		}
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	/* Pending lookups are failed with EVUTIL_EAI_CANCEL: on_done says so. */
	if (r->dns != NULL)
		evdns_base_free(r->dns, 1);
	free(r);
}

static void
hand_over(resolve_cb *cb, void *arg, int err, struct evutil_addrinfo *res)
{
	struct endpoint eps[RESOLVE_MAX];
	struct evutil_addrinfo *ai;
	size_t n = 0;

	for (ai = err == 0 ? res : NULL; ai != NULL && n < RESOLVE_MAX; ai = ai->ai_next)
		if (endpoint_from_sockaddr(&eps[n], ai->ai_addr, (socklen_t)ai->ai_addrlen) == 0)
			n++;
	cb(arg, err, eps, n);
}

static void
on_done(int result, struct evutil_addrinfo *res, void *arg)
{
	struct lookup l = *(struct lookup *)arg;

	free(arg);
	hand_over(l.cb, l.arg, result == EVUTIL_EAI_CANCEL ? RESOLVE_CANCELLED : result, res);
	if (res != NULL)
		evutil_freeaddrinfo(res);
}

void
resolve(struct resolver *r, const char *host, uint16_t port, resolve_cb *cb, void *arg)
{
	struct evutil_addrinfo hints, *res = NULL;
	struct lookup *l;
	char service[8];
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	snprintf(service, sizeof(service), "%u", port);
	if (r->dns == NULL) {
		hints.ai_flags = EVUTIL_AI_NUMERICHOST;
		e = evutil_getaddrinfo(host, service, &hints, &res);
		hand_over(cb, arg, e, res);
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	if ((l = malloc(sizeof(*l))) == NULL) {
		cb(arg, EVUTIL_EAI_MEMORY, NULL, 0);
		return;
	}
	l->cb = cb;
	l->arg = arg;
	/* May call on_done at once (a numeric address) and return NULL. */
	(void)evdns_getaddrinfo(r->dns, host, service, &hints, on_done, l);
}

const char *
resolve_strerror(int err)
{
	return err == RESOLVE_CANCELLED ? "cancelled" : evutil_gai_strerror(err);
}
