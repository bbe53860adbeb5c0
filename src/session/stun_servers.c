/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stun_servers.c — asking the --stun servers where they see us (stun_servers.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/net.h"
#include "src/session/resolve.h"
#include "src/session/stun_servers.h"
#include "src/session/tell.h"
#include "tunnel/nat/stun.h"

enum {
	STUN_DEFAULT_PORT = 3478,
	STUN_HOST_MAX = 256
};

struct stun_lookup {
	struct session *s;
	char host[STUN_HOST_MAX];
	uint16_t port;
};

struct stun_part {
	struct stun_client client;
	struct timer *timer;
	unsigned resolving;		/* lookups still out */
	unsigned nservers;
	int started, reported;
	uint64_t start_ms;		/* the last round of Binding requests began */
	struct stun_lookup *lookups;
};

static int
io_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	return net_send_wire(arg, to, buf, len);
}

static void
rearm(struct session *s)
{
	struct stun_part *st = s->stun;
	uint64_t d = stun_client_next_deadline(&st->client);

	/* A round is over: ask again later. A new mapping is a new candidate. */
	if (d == UINT64_MAX && st->started && st->client.n > 0)
		d = st->start_ms + STUN_SERVERS_REFRESH_MS;
	timer_at(st->timer, d);
}

/* Take whatever was learnt; say once how it went. */
static void
harvest(struct session *s)
{
	struct stun_part *st = s->stun;
	struct endpoint mapped[STUN_MAX_SERVERS];
	char addr[ENDPOINT_STR_MAX];
	enum stun_result r;
	unsigned i, n;

	n = stun_client_mapped(&st->client, mapped, STUN_MAX_SERVERS);
	for (i = 0; i < n; i++)
		cands_learnt(s, CAND_TYPE_SRFLX, &mapped[i]);
	r = stun_client_result(&st->client, NULL);
	if (st->reported || r == STUN_RESULT_PENDING || r == STUN_RESULT_MAPPED)
		return;
	st->reported = 1;
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
on_timer(void *arg)
{
	struct session *s = arg;
	struct stun_part *st = s->stun;

	if (stun_client_next_deadline(&st->client) == UINT64_MAX) {
		/* The refresh is due: a new round. */
		st->start_ms = session_now_ms(s);
		stun_client_start(&st->client, st->start_ms);
	}
	stun_client_on_timer(&st->client, session_now_ms(s), &(struct stun_send){ io_send, s });
	harvest(s);
	rearm(s);
}

static void
begin(struct session *s)
{
	struct stun_part *st = s->stun;

	if (st->started)
		return;
	st->started = 1;
	if (st->client.n == 0) {
		if (st->nservers > 0)
			session_status(s, "stun", "no STUN server could be resolved");
		return;
	}
	st->start_ms = session_now_ms(s);
	stun_client_start(&st->client, st->start_ms);
	rearm(s);
}

static void
on_resolved(void *arg, int err, const struct endpoint *eps, size_t n)
{
	struct stun_lookup *l = arg;
	struct session *s = l->s;
	size_t i;

	if (err == RESOLVE_CANCELLED)
		return;
	if (err != 0 && s->cfg->verbose >= 1)
		session_info(s, "stun", "STUN server %s: %s", l->host, resolve_strerror(err));
	for (i = 0; i < n; i++)
		if (net_port(s, eps[i].family) != 0)
			(void)stun_client_add_server(&s->stun->client, &eps[i]);
	if (--s->stun->resolving == 0)
		begin(s);
}

int
stun_servers_start(struct session *s)
{
	struct stun_rto_config cfg;
	struct stun_part *st;
	unsigned i, n = 0;

	if ((st = s->stun = calloc(1, sizeof(*s->stun))) == NULL)
		return -1;
	stun_rto_config_default(&cfg);
	cfg.budget_ms = STUN_SERVERS_BUDGET_MS;
	stun_client_init(&st->client, &cfg);
	for (i = 0; s->cfg->stun != NULL && s->cfg->stun[i] != NULL; i++)
		n++;
	if (n == 0)
		return 0;
	if (n > STUN_MAX_SERVERS)
		n = STUN_MAX_SERVERS;
	if ((st->timer = timer_new(s->timers, on_timer, s)) == NULL ||
	    (st->lookups = calloc(n, sizeof(*st->lookups))) == NULL)
		return -1;
	st->nservers = n;
	st->resolving = n + 1;		/* held until every lookup is started */
	for (i = 0; i < n; i++) {
		struct stun_lookup *l = &st->lookups[i];

		l->s = s;
		if (endpoint_parse_hostport(s->cfg->stun[i], l->host, sizeof(l->host),
		    STUN_DEFAULT_PORT, &l->port) != 0) {
			session_error(s, "STUN server \"%s\" ignored (want HOST[:PORT])",
			    s->cfg->stun[i]);
			st->resolving--;
			continue;
		}
		resolve(s->dns, l->host, l->port, on_resolved, l);
	}
	if (--st->resolving == 0)
		begin(s);
	return 0;
}

void
stun_servers_input(struct session *s, const struct endpoint *from, const uint8_t *buf, size_t len)
{
	if (s->stun == NULL ||
	    stun_client_input(&s->stun->client, from, buf, len, session_now_ms(s)) != STUN_OK) {
		s->drops[SDROP_STUN]++;
		return;
	}
	harvest(s);
	rearm(s);
}

int
stun_servers_symmetric(const struct session *s)
{
	return s->stun != NULL &&
	    stun_client_result(&s->stun->client, NULL) == STUN_RESULT_DISAGREE;
}

/* After the resolver is freed (its pending lookups point into lookups). */
void
stun_servers_stop(struct session *s)
{
	if (s->stun == NULL)
		return;
	timer_free(s->stun->timer);
	free(s->stun->lookups);
	free(s->stun);
	s->stun = NULL;
}
