/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_cand.c — where peers may reach us: host addresses (getifaddrs),
 * what STUN servers saw (srflx), what DHT nodes saw with the data port
 * (dht), and what peers' pongs reported (peer-reflexive, published as srflx:
 * a peer is a STUN server for the others). The record gets the best
 * RECORD_MAX_CANDIDATES (cand_list_select); rendezvous_set_candidates()
 * republishes when that set changes.
 *
 * Loopback addresses are candidates with --loopback, or when the host has
 * no other usable address (peers on one machine still meet).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include "src/session/rendezvous.h"
#include "dht/runner/runner.h"
#include "src/session/session_impl.h"

enum {
	DHT_ADDRS_MAX = 4
};

static uint16_t
family_port(const struct session *s, unsigned family)
{
	int i = family == ENDPOINT_V4 ? SOCK_V4 : SOCK_V6;

	return s->sock.fd[i] >= 0 ? s->sock.port : 0;
}

unsigned
session_cand_record(const struct session *s, struct cand *out)
{
	struct cand_entry sel[RECORD_MAX_CANDIDATES];
	unsigned i, n;

	n = cand_list_select(&s->cands.list, sel, RECORD_MAX_CANDIDATES);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].kind = (uint8_t)sel[i].type;
		out[i].family = sel[i].ep.family;
		memcpy(out[i].addr, sel[i].ep.addr, endpoint_addr_len(sel[i].ep.family));
		out[i].port = sel[i].ep.port;
	}
	return n;
}

void
session_cand_describe(const struct session *s, char *buf, size_t len)
{
	struct cand c[RECORD_MAX_CANDIDATES];
	char addr[ENDPOINT_STR_MAX];
	struct endpoint ep;
	size_t pos = 0;
	unsigned i, n;

	buf[0] = '\0';
	n = session_cand_record(s, c);
	for (i = 0; i < n && pos < len; i++) {
		path_cand_endpoint(&c[i], &ep);
		endpoint_format(&ep, addr, sizeof(addr));
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s %s", i ? ", " : "",
		    cand_type_name((enum cand_type)c[i].kind), addr);
	}
	if (n == 0)
		snprintf(buf, len, "none (no usable address: peers cannot reach us)");
}

void
session_cand_publish(struct session *s)
{
	struct cand c[RECORD_MAX_CANDIDATES];
	char text[1024];
	struct ui_event ev;
	unsigned n;

	n = session_cand_record(s, c);
	if (n == s->cands.nshown && memcmp(c, s->cands.shown, n * sizeof(c[0])) == 0)
		return;
	memcpy(s->cands.shown, c, n * sizeof(c[0]));
	s->cands.nshown = n;
	session_cand_describe(s, text, sizeof(text));
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
session_cand_gather(struct session *s)
{
	unsigned flags = 0;
	int n;

	if (s->sock.fd[SOCK_V4] >= 0)
		flags |= CAND_GATHER_V4;
	if (s->sock.fd[SOCK_V6] >= 0)
		flags |= CAND_GATHER_V6;
	s->cands.allow_loopback = s->cfg->loopback;
	if (s->cands.allow_loopback)
		flags |= CAND_GATHER_LOOPBACK;
	n = cand_gather_host(&s->cands.list, family_port(s, ENDPOINT_V4),
	    family_port(s, ENDPOINT_V6), flags);
	if (n == 0 && !s->cands.allow_loopback) {
		/* Nothing but loopback: peers on this machine can still meet. */
		s->cands.allow_loopback = 1;
		n = cand_gather_host(&s->cands.list, family_port(s, ENDPOINT_V4),
		    family_port(s, ENDPOINT_V6), flags | CAND_GATHER_LOOPBACK);
	}
	if (n < 0)
		session_error(s, "cannot list this host's addresses: %s", strerror(-n));
	session_cand_publish(s);
}

void
session_cand_learnt(struct session *s, enum cand_type type, const struct endpoint *ep)
{
	int prflx = type == CAND_TYPE_SRFLX && s->cands.nprflx >= SESSION_PRFLX_MAX;

	if (prflx)
		return;
	if (cand_list_add(&s->cands.list, type, ep, s->cands.allow_loopback) == 1) {
		if (type == CAND_TYPE_SRFLX)
			s->cands.nprflx++;
		session_cand_publish(s);
	}
}

void
session_cand_check_dht(struct session *s)
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
		if ((ep.port = family_port(s, ep.family)) == 0)
			continue;
		if (cand_list_add(&s->cands.list, CAND_TYPE_DHT, &ep, s->cands.allow_loopback) == 1)
			session_cand_publish(s);
	}
}
