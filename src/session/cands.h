/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cands.h — where peers may reach us: host addresses, what STUN servers saw
 * (srflx), what DHT nodes saw with the data port (dht), what peers' pongs
 * reported (peer-reflexive, published as srflx), TURN relayed addresses
 * (relay). The record carries the best RECORD_MAX_CANDIDATES; a change is
 * republished at once.
 *
 * A pong's "observed" address is the word of whoever answered our ping,
 * and anyone in the room can: it becomes a candidate of ours (which every
 * member then punches) only when its IP is one of our own addresses from
 * somewhere else (host, STUN, TURN, DHT, port mapping: a port our NAT
 * chose), or when CANDS_OBSERVED_AGREE sources at different addresses
 * report it; each source counts with its latest report only. Learnt this
 * way, it goes CANDS_OBSERVED_TTL_MS after the last report; at most
 * CANDS_OBSERVED_MAX at once, the oldest making room.
 *
 * Also the conversions between the record's struct cand (dht/) and struct
 * endpoint (tunnel/), which live nowhere else.
 */
#ifndef GONET_SESSION_CANDS_H
#define GONET_SESSION_CANDS_H

#include <stddef.h>

#include "tunnel/nat/cand.h"

struct cand;
struct endpoint;
struct session;

enum {
	CANDS_PRFLX_MAX = 6,		/* reflexive addresses of ours from STUN and TURN servers */
	CANDS_OBSERVED_SOURCES = 32,	/* pong sources whose latest report is kept */
	CANDS_OBSERVED_AGREE = 2,	/* sources (IPv4 addresses, IPv6 /64s) that must agree */
	CANDS_OBSERVED_MAX = 4,		/* learnt from pongs, published at once */
	CANDS_OBSERVED_TTL_MS = 600000	/* a report, and what it taught, lasts this long */
};

int cands_new(struct session *s);
void cands_free(struct session *s);
/* Host candidates (loopback too with --loopback, or when there is nothing else). */
void cands_gather(struct session *s);
/* Our address as someone saw it (STUN, a pong); republished if the set changed. */
void cands_learnt(struct session *s, enum cand_type type, const struct endpoint *ep);
/* A verified pong from "from" says it saw us at observed (path.c). */
void cands_observed(struct session *s, const struct endpoint *from,
    const struct endpoint *observed);
/* The TURN relayed addresses we have now (replacing the previous set). */
void cands_set_relayed(struct session *s, const struct endpoint *eps, unsigned n);
/* The DHT's view of our address may have changed. */
void cands_check_dht(struct session *s);
/* The record's candidates (at most RECORD_MAX_CANDIDATES); returns how many. */
unsigned cands_record(const struct session *s, struct cand *out);
/* Tell the user and the rendezvous if the record's set changed. */
void cands_publish(struct session *s);
/* Loopback candidates are published and accepted. */
int cands_loopback(const struct session *s);
/* A peer's candidate is worth pinging (cand_remote_plausible against ours). */
int cands_remote_ok(const struct session *s, const struct endpoint *ep);

/* struct cand (record) <-> struct endpoint; a bad cand becomes ENDPOINT_NONE. */
void cand_to_endpoint(const struct cand *c, struct endpoint *ep);
void cand_from_entry(const struct cand_entry *e, struct cand *c);

#endif
