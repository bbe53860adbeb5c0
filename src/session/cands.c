/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cands.c — our candidates (cands.h). The record gets the best
 * RECORD_MAX_CANDIDATES (cand_list_select); rendezvous_set_candidates()
 * republishes when that set changes. Loopback addresses are candidates with
 * --loopback, or when the host has no other usable address (peers on one
 * machine still meet).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "dht/record/record.h"
#include "dht/runner/runner.h"
#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/net.h"
#include "src/session/rendezvous.h"
#include "src/session/tell.h"
#include "src/ui/ui.h"

enum {
	DHT_ADDRS_MAX = 4
};

/* The latest report of one pong source (cands.h). */
struct observed_src {
	struct endpoint src;		/* the source's address, port 0 (IPv6: its /64) */
	struct endpoint seen;		/* where it saw us */
	uint64_t at_ms;			/* 0: free */
};

/* An address of ours learnt from pongs, in the list while reported. */
struct observed_ok {
	struct endpoint ep;
	uint64_t at_ms;			/* last reported; 0: free */
};

struct cands {
	struct cand_list list;		/* everything gathered, sorted */
	unsigned nprflx;
	struct observed_src src[CANDS_OBSERVED_SOURCES];
	struct observed_ok ok[CANDS_OBSERVED_MAX];
	struct timer *age;		/* at the oldest ok's end */
	int allow_loopback;		/* --loopback, or no other address */
	struct cand shown[RECORD_MAX_CANDIDATES];	/* last reported to the user */
	unsigned nshown;
};

void
cand_to_endpoint(const struct cand *c, struct endpoint *ep)
{
	if (endpoint_set(ep, c->family, c->addr, c->port) != 0)
		memset(ep, 0, sizeof(*ep));
}

void
cand_from_entry(const struct cand_entry *e, struct cand *c)
{
	memset(c, 0, sizeof(*c));
	c->kind = (uint8_t)e->type;
	c->family = e->ep.family;
	memcpy(c->addr, e->ep.addr, endpoint_addr_len(e->ep.family));
	c->port = e->ep.port;
}

static void on_age(void *arg);

int
cands_new(struct session *s)
{
	if ((s->cands = calloc(1, sizeof(*s->cands))) == NULL)
		return -1;
	if ((s->cands->age = timer_new(s->timers, on_age, s)) == NULL) {
		free(s->cands);
		s->cands = NULL;
		return -1;
	}
	cand_list_init(&s->cands->list);
	s->cands->allow_loopback = s->cfg->loopback;
	return 0;
}

void
cands_free(struct session *s)
{
	if (s->cands != NULL)
		timer_free(s->cands->age);
	free(s->cands);
	s->cands = NULL;
}

int
cands_loopback(const struct session *s)
{
	return s->cands->allow_loopback;
}

int
cands_remote_ok(const struct session *s, const struct endpoint *ep)
{
	return cand_remote_plausible(ep, &s->cands->list, s->cands->allow_loopback);
}

unsigned
cands_record(const struct session *s, struct cand *out)
{
	struct cand_entry sel[RECORD_MAX_CANDIDATES];
	unsigned i, n;

	n = cand_list_select(&s->cands->list, sel, RECORD_MAX_CANDIDATES);
	for (i = 0; i < n; i++)
		cand_from_entry(&sel[i], &out[i]);
	return n;
}

/* "host 1.2.3.4:5, srflx ..." */
static void
describe(const struct cand *c, unsigned n, char *buf, size_t len)
{
	char addr[ENDPOINT_STR_MAX];
	struct endpoint ep;
	size_t pos = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < n && pos < len; i++) {
		cand_to_endpoint(&c[i], &ep);
		endpoint_format(&ep, addr, sizeof(addr));
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s %s", i ? ", " : "",
		    cand_type_name((enum cand_type)c[i].kind), addr);
	}
	if (n == 0)
		snprintf(buf, len, "none (no usable address: peers cannot reach us)");
}

void
cands_publish(struct session *s)
{
	struct cand c[RECORD_MAX_CANDIDATES];
	char text[1024];
	struct ui_event ev;
	unsigned n;

	n = cands_record(s, c);
	if (n == s->cands->nshown && memcmp(c, s->cands->shown, n * sizeof(c[0])) == 0)
		return;
	memcpy(s->cands->shown, c, n * sizeof(c[0]));
	s->cands->nshown = n;
	describe(c, n, text, sizeof(text));
	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_STATUS;
	ev.what = "candidates";
	ev.text = text;
	ev.count = n;
	session_emit(s, &ev);
	if (s->rv != NULL)
		rendezvous_set_candidates(s->rv, c, n);
}

void
cands_gather(struct session *s)
{
	struct cands *cs = s->cands;
	unsigned flags = net_families(s);
	int n;

	if (cs->allow_loopback)
		flags |= CAND_GATHER_LOOPBACK;
	n = cand_gather_host(&cs->list, net_port(s, ENDPOINT_V4), net_port(s, ENDPOINT_V6), flags);
	if (n == 0 && !cs->allow_loopback) {
		/* Nothing but loopback: peers on this machine can still meet. */
		cs->allow_loopback = 1;
		n = cand_gather_host(&cs->list, net_port(s, ENDPOINT_V4), net_port(s, ENDPOINT_V6),
		    flags | CAND_GATHER_LOOPBACK);
	}
	if (n < 0)
		session_error(s, "cannot list this host's addresses: %s", strerror(-n));
	cands_publish(s);
}

void
cands_learnt(struct session *s, enum cand_type type, const struct endpoint *ep)
{
	struct cands *cs = s->cands;

	if (type == CAND_TYPE_SRFLX && cs->nprflx >= CANDS_PRFLX_MAX)
		return;
	if (cand_list_add(&cs->list, type, ep, cs->allow_loopback) == 1) {
		if (type == CAND_TYPE_SRFLX)
			cs->nprflx++;
		cands_publish(s);
	}
}

/* --- observed addresses (cands.h) ------------------------------------------------ */

/* A source: its IPv4 address, or its IPv6 /64 (one host may use the whole /64). */
static void
source_of(const struct endpoint *from, struct endpoint *src)
{
	memset(src, 0, sizeof(*src));
	src->family = from->family;
	memcpy(src->addr, from->addr, from->family == ENDPOINT_V4 ? 4 : 8);
}

static int
same_ip(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, endpoint_addr_len(a->family)) == 0;
}

static struct observed_ok *
ok_find(struct cands *cs, const struct endpoint *ep)
{
	unsigned i;

	for (i = 0; i < CANDS_OBSERVED_MAX; i++)
		if (cs->ok[i].at_ms != 0 && endpoint_equal(&cs->ok[i].ep, ep))
			return &cs->ok[i];
	return NULL;
}

/* Its IP is ours by other means than a pong (host, STUN, TURN, DHT, mapping). */
static int
ip_is_ours(struct cands *cs, const struct endpoint *ep)
{
	unsigned i;

	for (i = 0; i < cs->list.n; i++)
		if (cs->list.c[i].type != CAND_TYPE_RELAY && same_ip(&cs->list.c[i].ep, ep) &&
		    ok_find(cs, &cs->list.c[i].ep) == NULL)
			return 1;
	return 0;
}

/* Sources whose current report is ep. */
static unsigned
agreeing(const struct cands *cs, const struct endpoint *ep, uint64_t now)
{
	unsigned i, n = 0;

	for (i = 0; i < CANDS_OBSERVED_SOURCES; i++)
		if (cs->src[i].at_ms != 0 && now < cs->src[i].at_ms + CANDS_OBSERVED_TTL_MS &&
		    endpoint_equal(&cs->src[i].seen, ep))
			n++;
	return n;
}

/* Record src's report: its own slot, else a free or expired one, else the oldest. */
static void
note_source(struct cands *cs, const struct endpoint *src, const struct endpoint *seen,
    uint64_t now)
{
	struct observed_src *slot = NULL;
	unsigned i;

	for (i = 0; i < CANDS_OBSERVED_SOURCES; i++) {
		struct observed_src *o = &cs->src[i];

		if (o->at_ms != 0 && endpoint_equal(&o->src, src)) {
			slot = o;
			break;
		}
		if (slot == NULL || o->at_ms < slot->at_ms)
			slot = o;
	}
	slot->src = *src;
	slot->seen = *seen;
	slot->at_ms = now;
}

static void
arm_age(struct session *s)
{
	struct cands *cs = s->cands;
	uint64_t first = UINT64_MAX;
	unsigned i;

	for (i = 0; i < CANDS_OBSERVED_MAX; i++)
		if (cs->ok[i].at_ms != 0 && cs->ok[i].at_ms < first)
			first = cs->ok[i].at_ms;
	if (first == UINT64_MAX)
		timer_stop(cs->age);
	else
		timer_at(cs->age, first + CANDS_OBSERVED_TTL_MS);
}

static void
ok_drop(struct cands *cs, struct observed_ok *o)
{
	struct cand_list keep;
	unsigned i;

	cand_list_init(&keep);
	for (i = 0; i < cs->list.n; i++)
		if (!(cs->list.c[i].type == CAND_TYPE_SRFLX && endpoint_equal(&cs->list.c[i].ep, &o->ep)))
			keep.c[keep.n++] = cs->list.c[i];
	cs->list = keep;
	memset(o, 0, sizeof(*o));
}

static void
on_age(void *arg)
{
	struct session *s = arg;
	struct cands *cs = s->cands;
	uint64_t now = session_now_ms(s);
	unsigned i;
	int changed = 0;

	for (i = 0; i < CANDS_OBSERVED_MAX; i++) {
		if (cs->ok[i].at_ms != 0 && now >= cs->ok[i].at_ms + CANDS_OBSERVED_TTL_MS) {
			ok_drop(cs, &cs->ok[i]);
			changed = 1;
		}
	}
	arm_age(s);
	if (changed)
		cands_publish(s);
}

void
cands_observed(struct session *s, const struct endpoint *from, const struct endpoint *observed)
{
	struct cands *cs = s->cands;
	uint64_t now = session_now_ms(s);
	struct observed_ok *o, *oldest = NULL;
	struct endpoint src;
	unsigned i;

	if (!endpoint_is_usable(observed, cs->allow_loopback))
		return;
	source_of(from, &src);
	note_source(cs, &src, observed, now);
	if ((o = ok_find(cs, observed)) != NULL) {
		o->at_ms = now;		/* reported again: it stays */
		arm_age(s);
		return;
	}
	if (!ip_is_ours(cs, observed) && agreeing(cs, observed, now) < CANDS_OBSERVED_AGREE)
		return;
	for (i = 0; i < CANDS_OBSERVED_MAX; i++) {
		if (cs->ok[i].at_ms == 0) {
			oldest = &cs->ok[i];
			break;
		}
		if (oldest == NULL || cs->ok[i].at_ms < oldest->at_ms)
			oldest = &cs->ok[i];
	}
	if (cand_list_add(&cs->list, CAND_TYPE_SRFLX, observed, cs->allow_loopback) != 1)
		return;		/* known already (STUN saw it too), or the list is full */
	if (oldest->at_ms != 0)
		ok_drop(cs, oldest);
	oldest->ep = *observed;
	oldest->at_ms = now;
	arm_age(s);
	cands_publish(s);
}

void
cands_set_relayed(struct session *s, const struct endpoint *eps, unsigned n)
{
	struct cands *cs = s->cands;
	unsigned i;

	cand_list_remove_type(&cs->list, CAND_TYPE_RELAY);
	for (i = 0; i < n; i++)
		(void)cand_list_add(&cs->list, CAND_TYPE_RELAY, &eps[i], 1);
	cands_publish(s);
}

void
cands_check_dht(struct session *s)
{
	struct sockaddr_storage addrs[DHT_ADDRS_MAX];
	struct endpoint ep;
	size_t i, n;

	if (s->runner == NULL)
		return;
	n = runner_public_addrs(s->runner, addrs, DHT_ADDRS_MAX);
	for (i = 0; i < n; i++) {
		if (endpoint_from_sockaddr(&ep, (struct sockaddr *)&addrs[i], sizeof(addrs[i])) != 0)
			continue;
		if ((ep.port = net_port(s, ep.family)) == 0)
			continue;
		if (cand_list_add(&s->cands->list, CAND_TYPE_DHT, &ep, s->cands->allow_loopback) == 1)
			cands_publish(s);
	}
}
