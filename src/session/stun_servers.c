/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stun_servers.c — asking the --stun servers where they see us (stun_servers.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/net.h"
#include "src/session/rendezvous.h"
#include "src/session/resolve.h"
#include "src/session/stun_servers.h"
#include "src/session/tell.h"
#include "tunnel/nat/cand.h"
#include "tunnel/nat/natclass.h"
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
	struct nat_verdict nat;		/* IPv4, from the answers so far */
	struct nat_verdict nat6;	/* IPv6 (open through a firewall, or translated) */
	char nat_said[160];		/* the last "nat" status, said once per change */
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

/*
 * RFC 5780: a server that names its OTHER-ADDRESS is asked there too, from
 * the same socket, so that even one --stun server yields the two answers
 * the NAT class needs. Within the round's budget; at most STUN_MAX_SERVERS.
 */
static void
ask_other_addresses(struct session *s)
{
	struct stun_part *st = s->stun;
	unsigned i, n = st->client.n;
	int k;

	for (i = 0; i < n; i++) {
		const struct stun_server *sv = &st->client.servers[i];

		if (sv->txn.state != STUN_TXN_DONE || !sv->res.have_other ||
		    sv->res.other.family != sv->addr.family || net_port(s, sv->res.other.family) == 0)
			continue;
		if ((k = stun_client_add_server(&st->client, &sv->res.other)) < 0 || (unsigned)k < n ||
		    st->client.servers[k].txn.state != STUN_TXN_IDLE)
			continue;	/* full, unusable, or asked already */
		stun_client_start_server(&st->client, (unsigned)k, session_now_ms(s));
	}
}

/* Our own addresses with the data socket's ports: a mapped address among them is no NAT. */
static unsigned
own_addresses(struct session *s, struct endpoint *out, unsigned max)
{
	struct cand_list l;
	unsigned i, n = 0;

	cand_list_init(&l);
	if (cand_gather_host(&l, net_port(s, ENDPOINT_V4), net_port(s, ENDPOINT_V6),
	    net_families(s)) < 0)
		return 0;
	for (i = 0; i < l.n && n < max; i++)
		out[n++] = l.c[i].ep;
	return n;
}

/* The answers, in the order their requests first left (the NAT allocated in that order). */
static unsigned
samples(const struct stun_part *st, struct nat_sample *out)
{
	const struct stun_server *order[STUN_MAX_SERVERS];
	unsigned i, j, n = 0;

	for (i = 0; i < st->client.n; i++) {
		const struct stun_server *sv = &st->client.servers[i];

		if (sv->txn.state != STUN_TXN_DONE || !sv->res.have_mapped)
			continue;
		for (j = n; j > 0 && order[j - 1]->txn.start_ms > sv->txn.start_ms; j--)
			order[j] = order[j - 1];
		order[j] = sv;
		n++;
	}
	for (i = 0; i < n; i++) {
		out[i].server = order[i]->addr;
		out[i].mapped = order[i]->res.mapped;
	}
	return n;
}

/* Classify again; publish and say it when it changed. */
static void
classify(struct session *s)
{
	struct stun_part *st = s->stun;
	struct nat_sample smp[STUN_MAX_SERVERS];
	struct endpoint own[CAND_LIST_MAX];
	struct record_nat rn;
	char said[sizeof(st->nat_said)], addr[ENDPOINT_STR_MAX];
	unsigned n, nown, i;
	size_t pos;

	n = samples(st, smp);
	if (n == 0)
		return;
	nown = own_addresses(s, own, CAND_LIST_MAX);
	(void)nat_classify(smp, n, ENDPOINT_V4, own, nown, &st->nat);
	(void)nat_classify(smp, n, ENDPOINT_V6, own, nown, &st->nat6);
	memset(&rn, 0, sizeof(rn));
	rn.cls = (uint8_t)st->nat.cls;
	rn.delta = (uint16_t)st->nat.delta;
	if (s->rv != NULL)
		rendezvous_set_nat(s->rv, &rn);
	if (st->nat.cls == NAT_CLASS_UNKNOWN && st->nat6.cls == NAT_CLASS_UNKNOWN)
		return;
	pos = 0;
	said[0] = '\0';
	if (st->nat.cls != NAT_CLASS_UNKNOWN) {
		endpoint_format(&st->nat.mapped, addr, sizeof(addr));
		pos += (size_t)snprintf(said + pos, sizeof(said) - pos, "IPv4 %s, mapped %s",
		    nat_class_name(st->nat.cls), addr);
		for (i = 0; i < st->nat.ndeltas && pos < sizeof(said); i++)
			pos += (size_t)snprintf(said + pos, sizeof(said) - pos, "%s%+d",
			    i == 0 ? ", port steps " : " ", (int)st->nat.deltas[i]);
	}
	if (st->nat6.cls != NAT_CLASS_UNKNOWN && pos < sizeof(said)) {
		endpoint_format(&st->nat6.mapped, addr, sizeof(addr));
		(void)snprintf(said + pos, sizeof(said) - pos, "%sIPv6 %s, mapped %s",
		    pos > 0 ? "; " : "", nat_class_name(st->nat6.cls), addr);
	}
	if (strcmp(said, st->nat_said) == 0)
		return;
	memcpy(st->nat_said, said, sizeof(said));
	session_status(s, "nat", "NAT: %s", said);
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

	ask_other_addresses(s);
	classify(s);
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

const struct nat_verdict *
stun_servers_nat(const struct session *s, unsigned family)
{
	static const struct nat_verdict none;

	if (s->stun == NULL)
		return &none;
	return family == ENDPOINT_V6 ? &s->stun->nat6 : &s->stun->nat;
}

int
stun_servers_pending(const struct session *s)
{
	const struct stun_part *st = s->stun;

	if (st == NULL || st->nservers == 0)
		return 0;
	return !st->started || st->resolving > 0 || !st->reported;
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
