/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_stun.c — server-reflexive candidates: the --stun servers are
 * resolved without blocking (evdns), then asked at once through the data
 * socket (tunnel/nat/stun.h), within SESSION_STUN_BUDGET_MS, and again every
 * SESSION_STUN_REFRESH_MS. Every mapped address learnt becomes a srflx
 * candidate (a changed one is republished). A name that does not resolve, or a
 * server that never answers, just yields nothing: STUN is an optimisation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "src/session/session_impl.h"

enum {
	STUN_DEFAULT_PORT = 3478,
	STUN_HOST_MAX = 256
};

struct session_stun_lookup {
	struct session *s;
	struct evdns_getaddrinfo_request *req;
	char host[STUN_HOST_MAX];
	char port[8];
	int done;
};

/* "HOST", "HOST:PORT", "[V6]:PORT" or a bare IPv6 address (endpoint.h's parser). 0 or -1. */
static int
parse_server(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	uint16_t p;

	if (endpoint_parse_hostport(spec, host, hostlen, STUN_DEFAULT_PORT, &p) != 0)
		return -1;
	snprintf(port, portlen, "%u", p);
	return 0;
}

static int
stun_io_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	return session_send(arg, to, buf, len);
}

static void
rearm(struct session *s)
{
	uint64_t d;

	if (s->stun.timer == NULL)
		return;
	d = stun_client_next_deadline(&s->stun.client);
	/* A round is over: ask again later. A new mapping is a new candidate. */
	if (d == UINT64_MAX && s->stun.started && s->stun.client.n > 0)
		d = s->stun.start_ms + SESSION_STUN_REFRESH_MS;
	session_timer_at(s->stun.timer, d);
}

/* Take whatever was learnt; say once how it went. */
static void
harvest(struct session *s)
{
	struct endpoint mapped[STUN_MAX_SERVERS];
	char addr[ENDPOINT_STR_MAX];
	enum stun_result r;
	unsigned i, n;

	n = stun_client_mapped(&s->stun.client, mapped, STUN_MAX_SERVERS);
	for (i = 0; i < n; i++)
		session_cand_learnt(s, CAND_TYPE_SRFLX, &mapped[i]);
	r = stun_client_result(&s->stun.client, NULL);
	if (s->stun.reported || r == STUN_RESULT_PENDING || r == STUN_RESULT_MAPPED)
		return;
	s->stun.reported = 1;
	if (n == 0) {
		session_status(s, "stun", "no STUN server answered: no server-reflexive candidate");
		return;
	}
	endpoint_format(&mapped[0], addr, sizeof(addr));
	session_status(s, "stun", "STUN sees us at %s%s", addr,
	    r == STUN_RESULT_DISAGREE ? " (mapping differs per server: symmetric NAT)" :
	    r == STUN_RESULT_AGREE ? " (servers agree)" : "");
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (stun_client_next_deadline(&s->stun.client) == UINT64_MAX) {
		/* The refresh is due: a new round. */
		s->stun.start_ms = session_mono_ms();
		stun_client_start(&s->stun.client, s->stun.start_ms);
	}
	stun_client_on_timer(&s->stun.client, session_mono_ms(),
	    &(struct stun_send){ stun_io_send, s });
	harvest(s);
	rearm(s);
}

static void
begin(struct session *s)
{
	if (s->stun.started)
		return;
	s->stun.started = 1;
	if (s->stun.client.n == 0) {
		if (s->stun.nservers > 0)
			session_status(s, "stun", "no STUN server could be resolved");
		return;
	}
	s->stun.start_ms = session_mono_ms();
	stun_client_start(&s->stun.client, s->stun.start_ms);
	rearm(s);
}

static void
on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct session_stun_lookup *l = arg;
	struct session *s = l->s;
	struct evutil_addrinfo *ai;
	struct endpoint ep;

	l->req = NULL;
	l->done = 1;
	if (result == EVUTIL_EAI_CANCEL || s->quitting) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	if (result != 0 && s->cfg->verbose >= 1)
		session_info(s, "stun", "STUN server %s: %s", l->host, evutil_gai_strerror(result));
	for (ai = result == 0 ? res : NULL; ai != NULL; ai = ai->ai_next) {
		if (endpoint_from_sockaddr(&ep, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0)
			continue;
		if (s->sock.fd[ep.family == ENDPOINT_V4 ? SOCK_V4 : SOCK_V6] < 0)
			continue;
		(void)stun_client_add_server(&s->stun.client, &ep);
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	if (--s->stun.resolving == 0)
		begin(s);
}

int
session_stun_start(struct session *s)
{
	struct evutil_addrinfo hints;
	struct stun_rto_config cfg;
	unsigned i, n = 0;

	stun_rto_config_default(&cfg);
	cfg.budget_ms = SESSION_STUN_BUDGET_MS;
	stun_client_init(&s->stun.client, &cfg);
	for (i = 0; s->cfg->stun != NULL && s->cfg->stun[i] != NULL; i++)
		n++;
	if (n == 0)
		return 0;
	if (n > STUN_MAX_SERVERS)
		n = STUN_MAX_SERVERS;
	if ((s->stun.timer = evtimer_new(s->base, on_timer, s)) == NULL ||
	    (s->stun.lookups = calloc(n, sizeof(*s->stun.lookups))) == NULL)
		return -1;
	s->stun.dns = evdns_base_new(s->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (s->stun.dns != NULL) {
		(void)evdns_base_set_option(s->stun.dns, "timeout:", "2");
		(void)evdns_base_set_option(s->stun.dns, "attempts:", "2");
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	s->stun.nservers = n;
	s->stun.resolving = n + 1;	/* held until every lookup is started */
	for (i = 0; i < n; i++) {
		struct session_stun_lookup *l = &s->stun.lookups[i];

		l->s = s;
		if (parse_server(s->cfg->stun[i], l->host, sizeof(l->host), l->port,
		    sizeof(l->port)) == -1 || s->stun.dns == NULL) {
			session_error(s, "STUN server \"%s\" ignored (%s)", s->cfg->stun[i],
			    s->stun.dns == NULL ? "no DNS resolver" : "want HOST[:PORT]");
			s->stun.resolving--;
			continue;
		}
		/* May call on_resolved at once (numeric address) and return NULL. */
		l->req = evdns_getaddrinfo(s->stun.dns, l->host, l->port, &hints, on_resolved, l);
	}
	if (--s->stun.resolving == 0)
		begin(s);
	return 0;
}

void
session_stun_input(struct session *s, const struct endpoint *from, const uint8_t *buf, size_t len)
{
	if (stun_client_input(&s->stun.client, from, buf, len, session_mono_ms()) != STUN_OK) {
		s->drops[SDROP_STUN]++;
		return;
	}
	harvest(s);
	rearm(s);
}

int
session_stun_symmetric(const struct session *s)
{
	return stun_client_result(&s->stun.client, NULL) == STUN_RESULT_DISAGREE;
}

void
session_stun_stop(struct session *s)
{
	/* Pending lookups are cancelled: on_resolved sees EVUTIL_EAI_CANCEL. */
	if (s->stun.dns != NULL)
		evdns_base_free(s->stun.dns, 1);
	s->stun.dns = NULL;
	if (s->stun.timer != NULL)
		event_free(s->stun.timer);
	s->stun.timer = NULL;
	free(s->stun.lookups);
	s->stun.lookups = NULL;
}
