/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_turn.c — --turn servers: one allocation each from the data socket
 * (tunnel/turn/turn.h), started at start-up and kept for the whole session.
 *
 *   - the relayed address becomes a relay candidate (kind 4) of our record,
 *     the XOR-MAPPED-ADDRESS one more srflx; a failed allocation withdraws
 *     the relay candidate and is tried again after TURN_RETRY_MS;
 *   - every peer's record addresses (host, srflx, dht, mapped: not relay)
 *     get a permission as soon as the peer is found (path_start), one per IP
 *     address: permissions are per address, so a peer behind a NAT that
 *     maps per destination reaches our relayed address from any port;
 *   - datagrams from the server go to turn_unwrap() first; relayed data is
 *     demultiplexed as if it came from the synthetic endpoint
 *     (session_via.c) "through TURN client i, from the peer's address", so
 *     WireGuard and pongs answer back through the server.
 *
 * The other side needs nothing: our relay candidate is one more pair for
 * its punching (path.c pings relay pairs only after PATH_RELAY_DELAY_MS, so
 * a direct pair that works is found first).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "src/session/session_impl.h"
#include "tunnel/turn/turn.h"
#include "tunnel/turn/turn_uri.h"

enum {
	TURN_RETRY_MS = 30000		/* a failed allocation is tried again */
};

struct session_turn {
	struct session *s;
	unsigned index;
	struct turn_uri uri;
	struct turn_client client;
	int have_server, reported_fail;
	struct event *timer;
	struct evdns_getaddrinfo_request *req;
	uint64_t retry_ms;		/* UINT64_MAX: none */
	uint8_t buf[SOCK_DGRAM_MAX];
};

static struct evdns_base *turn_dns;

static int
io_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct session_turn *t = arg;
	struct sockaddr_storage ss;
	socklen_t sl;

	if ((sl = endpoint_to_sockaddr(to, &ss)) == 0)
		return -EINVAL;
	return sock_send(&t->s->sock, (struct sockaddr *)&ss, sl, buf, len);
}

static void
rearm(struct session_turn *t)
{
	uint64_t d = turn_client_next_deadline(&t->client);

	if (t->retry_ms < d)
		d = t->retry_ms;
	session_timer_at(t->timer, d);
}

static void
permit_all(struct session *s)
{
	struct peer *p;

	for (p = s->peers; p != NULL; p = p->next)
		session_turn_permit(s, &p->rec);
}

static void
on_event(void *arg, enum turn_event ev, const struct endpoint *peer)
{
	struct session_turn *t = arg;
	struct session *s = t->s;
	char a[ENDPOINT_STR_MAX], b[ENDPOINT_STR_MAX];
	struct endpoint relayed, mapped;

	(void)peer;
	switch (ev) {
	case TURN_EV_ALLOCATED:
		if (turn_client_relayed(&t->client, &relayed, &mapped) != 0)
			break;
		t->reported_fail = 0;
		session_status(s, "turn", "TURN server %s relays for us at %s (lifetime %u s)",
		    endpoint_format(&t->client.server, a, sizeof(a)),
		    endpoint_format(&relayed, b, sizeof(b)), (unsigned)t->client.lifetime_s);
		session_cand_learnt(s, CAND_TYPE_SRFLX, &mapped);
		if (cand_list_add(&s->cands.list, CAND_TYPE_RELAY, &relayed, 1) == 1)
			session_cand_publish(s);
		permit_all(s);
		break;
	case TURN_EV_FAILED:
		if (!t->reported_fail)
			session_error(s, "TURN server %s: %s", endpoint_format(&t->client.server, a,
			    sizeof(a)), turn_fail_name(turn_client_failure(&t->client)));
		t->reported_fail = 1;
		/* Withdraw every relay candidate, then put back those still allocated. */
		cand_list_remove_type(&s->cands.list, CAND_TYPE_RELAY);
		for (unsigned i = 0; i < s->nturn; i++)
			if (turn_client_relayed(&s->turn[i].client, &relayed, NULL) == 0)
				(void)cand_list_add(&s->cands.list, CAND_TYPE_RELAY, &relayed, 1);
		session_cand_publish(s);
		t->retry_ms = session_mono_ms() + TURN_RETRY_MS;
		break;
	case TURN_EV_REFRESHED:
		if (s->cfg->verbose >= 1)
			session_info(s, "turn", "TURN allocation at %s refreshed",
			    endpoint_format(&t->client.relayed, a, sizeof(a)));
		break;
	case TURN_EV_CLOSED:
	case TURN_EV_PERMISSION:
	case TURN_EV_CHANNEL:
	case TURN_EV_PEER_FAILED:
		break;
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session_turn *t = arg;
	uint64_t now = session_mono_ms();

	(void)fd;
	(void)what;
	if (now >= t->retry_ms) {
		t->retry_ms = UINT64_MAX;
		turn_client_start(&t->client, now);
	}
	(void)turn_client_on_timer(&t->client, now, &(struct stun_send){ io_send, t });
	rearm(t);
}

static void
begin(struct session_turn *t, const struct endpoint *server)
{
	struct session *s = t->s;
	struct turn_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	stun_rto_config_default(&cfg.rto);
	cfg.use_channels = 1;
	cfg.on_event = on_event;
	cfg.arg = t;
	if (turn_client_init(&t->client, &cfg, server, t->uri.user, t->uri.password) != 0) {
		session_error(s, "TURN server %s ignored (bad credentials)", t->uri.host);
		return;
	}
	turn_uri_wipe(&t->uri);
	t->have_server = 1;
	turn_client_start(&t->client, session_mono_ms());
	(void)turn_client_on_timer(&t->client, session_mono_ms(), &(struct stun_send){ io_send, t });
	rearm(t);
}

static void
on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct session_turn *t = arg;
	struct session *s = t->s;
	struct evutil_addrinfo *ai;
	struct endpoint ep;
	int found = 0;

	t->req = NULL;
	if (result == EVUTIL_EAI_CANCEL || s->quitting) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	for (ai = result == 0 ? res : NULL; ai != NULL && !found; ai = ai->ai_next) {
		if (endpoint_from_sockaddr(&ep, ai->ai_addr, (socklen_t)ai->ai_addrlen) != 0)
			continue;
		if (s->sock.fd[ep.family == ENDPOINT_V4 ? SOCK_V4 : SOCK_V6] < 0)
			continue;
		found = 1;
		begin(t, &ep);
	}
	if (!found)
		session_error(s, "TURN server %s: %s", t->uri.host,
		    result != 0 ? evutil_gai_strerror(result) : "no address of a family we have");
	if (res != NULL)
		evutil_freeaddrinfo(res);
}

int
session_turn_start(struct session *s)
{
	struct evutil_addrinfo hints;
	char port[8];
	unsigned i, n = 0;

	for (i = 0; s->cfg->turn != NULL && s->cfg->turn[i] != NULL; i++)
		n++;
	if (n == 0)
		return 0;
	if (n > SESSION_MAX_TURN)
		n = SESSION_MAX_TURN;
	if ((s->turn = calloc(n, sizeof(*s->turn))) == NULL)
		return -1;
	s->nturn = n;
	turn_dns = evdns_base_new(s->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	for (i = 0; i < n; i++) {
		struct session_turn *t = &s->turn[i];

		t->s = s;
		t->index = i;
		t->retry_ms = UINT64_MAX;
		if ((t->timer = evtimer_new(s->base, on_timer, t)) == NULL)
			return -1;
		/* main.c checked the URI already. */
		if (turn_uri_parse(s->cfg->turn[i], &t->uri) != TURN_URI_OK)
			continue;
		if (turn_dns == NULL) {
			session_error(s, "TURN server %s ignored (no DNS resolver)", t->uri.host);
			continue;
		}
		snprintf(port, sizeof(port), "%u", t->uri.port);
		/* May call on_resolved at once (numeric address) and return NULL. */
		t->req = evdns_getaddrinfo(turn_dns, t->uri.host, port, &hints, on_resolved, t);
	}
	return 0;
}

void
session_turn_stop(struct session *s)
{
	unsigned i;

	if (turn_dns != NULL)
		evdns_base_free(turn_dns, 1);
	turn_dns = NULL;
	for (i = 0; i < s->nturn; i++) {
		struct session_turn *t = &s->turn[i];

		/* Deallocate: one Refresh LIFETIME 0, sent once (no loop is left to retry). */
		if (t->have_server && turn_client_state(&t->client) == TURN_ALLOCATED) {
			turn_client_close(&t->client, session_mono_ms());
			(void)turn_client_on_timer(&t->client, session_mono_ms(),
			    &(struct stun_send){ io_send, t });
		}
		if (t->have_server)
			turn_client_wipe(&t->client);
		turn_uri_wipe(&t->uri);
		if (t->timer != NULL)
			event_free(t->timer);
	}
	free(s->turn);
	s->turn = NULL;
	s->nturn = 0;
}

int
session_turn_input(struct session *s, const struct endpoint *from, const uint8_t *buf, size_t len)
{
	struct turn_datagram d;
	struct endpoint via;
	unsigned i;

	for (i = 0; i < s->nturn; i++) {
		struct session_turn *t = &s->turn[i];

		if (!t->have_server || !endpoint_equal(from, &t->client.server))
			continue;
		switch (turn_unwrap(&t->client, from, buf, len, session_mono_ms(), &d)) {
		case TURN_UNWRAP_NOT_OURS:
			return 0;
		case TURN_UNWRAP_DATA:
			if (d.len > sizeof(t->buf) ||
			    session_via_get(s, VIA_TURN, i, &d.peer, NULL, &via) != 0)
				return 1;
			/* Copied: WireGuard decrypts in place, and d.payload points into buf. */
			memcpy(t->buf, d.payload, d.len);
			session_net_inner(s, t->buf, d.len, &via);
			return 1;
		case TURN_UNWRAP_CONTROL:
		case TURN_UNWRAP_DROPPED:
			(void)turn_client_on_timer(&t->client, session_mono_ms(),
			    &(struct stun_send){ io_send, t });
			rearm(t);
			return 1;
		}
	}
	return 0;
}

int
session_turn_send(struct session *s, unsigned link, const struct endpoint *remote,
    const uint8_t *buf, size_t len)
{
	uint8_t out[SOCK_DGRAM_MAX];
	struct session_turn *t;
	size_t n;

	if (link >= s->nturn || !(t = &s->turn[link])->have_server)
		return -EINVAL;
	if ((n = turn_wrap(&t->client, remote, buf, len, out, sizeof(out))) == 0)
		return -EAGAIN;
	return io_send(t, &t->client.server, out, n);
}

void
session_turn_permit(struct session *s, const struct record *rec)
{
	struct endpoint ep, relayed;
	unsigned i, j, k;
	int done;

	for (i = 0; i < s->nturn; i++) {
		struct session_turn *t = &s->turn[i];

		if (!t->have_server || turn_client_relayed(&t->client, &relayed, NULL) != 0)
			continue;
		for (j = 0; j < rec->ncand; j++) {
			if (rec->cand[j].kind == CAND_RELAY || rec->cand[j].family != relayed.family)
				continue;
			path_cand_endpoint(&rec->cand[j], &ep);
			/* One per IP address: a permission covers every port. */
			for (k = 0, done = 0; k < TURN_MAX_PEERS && !done; k++)
				done = t->client.peers[k].used &&
				    t->client.peers[k].addr.family == ep.family &&
				    memcmp(t->client.peers[k].addr.addr, ep.addr, sizeof(ep.addr)) == 0;
			if (!done)
				(void)turn_client_add_peer(&t->client, &ep, session_mono_ms());
		}
		(void)turn_client_on_timer(&t->client, session_mono_ms(),
		    &(struct stun_send){ io_send, t });
		rearm(t);
	}
}

void
session_turn_report(struct session *s)
{
	char text[512], a[ENDPOINT_STR_MAX];
	size_t pos = 0;
	unsigned i;
	int d;

	if ((!s->cfg->batch && s->cfg->verbose < 1) || s->nturn == 0)
		return;
	text[0] = '\0';
	for (i = 0; i < s->nturn && pos < sizeof(text); i++) {
		const struct turn_client *c = &s->turn[i].client;

		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%s%s %s refreshes %llu",
		    i ? "; " : "", s->turn[i].have_server ? endpoint_format(&c->server, a, sizeof(a)) :
		    "unresolved", turn_state_name(c->state), (unsigned long long)c->refreshes);
		for (d = 0; d < TURN_DROP__COUNT && pos < sizeof(text); d++)
			if (c->dropped[d] != 0)
				pos += (size_t)snprintf(text + pos, sizeof(text) - pos, ", %s %llu",
				    turn_drop_name(d), (unsigned long long)c->dropped[d]);
	}
	session_info(s, "turn", "turn: %s", text);
}
