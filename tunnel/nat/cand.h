/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cand.h — our own candidates (where peers may reach us) and the pairs to
 * punch towards a peer's candidates.
 *
 * Candidate types carry the same numbers as the endpoint record's `c` kinds
 * (host 0, srflx 1, dht 2, mapped 3, relay 4). tunnel/ does not include dht/
 * headers: src/ converts between struct cand_entry and the record's struct.
 */
#ifndef GONET_CAND_H
#define GONET_CAND_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"

enum cand_type {
	CAND_TYPE_HOST = 0,		/* an interface address of ours */
	CAND_TYPE_SRFLX = 1,		/* server-reflexive: what a STUN server saw */
	CAND_TYPE_DHT = 2,		/* what DHT nodes saw, with the data socket's port */
	CAND_TYPE_MAPPED = 3,		/* UPnP / NAT-PMP / PCP */
	CAND_TYPE_RELAY = 4,
	CAND_TYPE__COUNT
};

enum {
	CAND_LIST_MAX = 32,		/* gathered; a machine may have many interfaces */
	CAND_PUBLISH_MAX = 8,		/* in a record */
	CAND_PAIRS_MAX = 16
};

/* cand_gather_host flags. */
enum cand_gather_flag {
	CAND_GATHER_V4 = 1 << 0,
	CAND_GATHER_V6 = 1 << 1,
	CAND_GATHER_LOOPBACK = 1 << 2	/* tests on one machine */
};

struct cand_entry {
	enum cand_type type;
	struct endpoint ep;
};

/* Kept sorted by cand_list_sort (cand_list_add sorts). */
struct cand_list {
	unsigned n;
	struct cand_entry c[CAND_LIST_MAX];
};

/* A path to punch: from our socket of ep.family to one remote candidate. */
struct cand_pair {
	enum cand_type remote_type;
	struct endpoint remote;
};

const char *cand_type_name(enum cand_type t);

void cand_list_init(struct cand_list *l);
/*
 * Add a candidate. The same endpoint twice is one candidate, kept under the
 * preferred type (a public host address that STUN also reports stays host).
 * Returns 1 if added or moved to a preferred type (the set changed: a
 * DHT-observed address learnt to be a port mapping), 0 if a duplicate that
 * changes nothing, -1 if unusable (see
 * endpoint_is_usable; loopback only with allow_loopback) or the list is full.
 */
int cand_list_add(struct cand_list *l, enum cand_type type, const struct endpoint *ep,
    int allow_loopback);
/* Remove every candidate of a type (e.g. before re-adding fresh STUN results). */
void cand_list_remove_type(struct cand_list *l, enum cand_type type);

/*
 * Preference between types, higher is better: host, mapped, srflx, dht,
 * relay (direct paths first, as ICE's type preferences). Within a type IPv6
 * comes before IPv4, then the endpoint's own order, so sorting is stable
 * across gatherings.
 */
unsigned cand_type_preference(enum cand_type t);
void cand_list_sort(struct cand_list *l);

/*
 * The candidates to publish, at most max: every non-host candidate first
 * (they are what reaches us across NATs), then host candidates; the result is
 * in preference order. Returns how many went into out.
 */
unsigned cand_list_select(const struct cand_list *l, struct cand_entry *out, unsigned max);

/* 1 when the two lists hold the same candidates (both sorted). Republish when 0. */
int cand_list_equal(const struct cand_list *a, const struct cand_list *b);

/*
 * Host candidates from getifaddrs: interfaces up, addresses neither
 * unspecified, multicast nor link-local, loopback only with
 * CAND_GATHER_LOOPBACK; port is the data socket's port of that family
 * (port4 for IPv4, port6 for IPv6; 0 skips the family). Returns the number
 * added, or -errno if getifaddrs fails.
 */
int cand_gather_host(struct cand_list *l, uint16_t port4, uint16_t port6, unsigned flags);

/*
 * 1 when a peer's candidate is worth our pings. Anyone in the room can
 * publish candidates, and each is a destination every member sends to:
 * usable (endpoint_is_usable: never unspecified, multicast or link-local;
 * loopback only with allow_loopback, i.e. --loopback), and a private
 * address (RFC 1918, RFC 6598 shared space, IPv6 ULA fc00::/7) only when
 * one of ours is in the same private network (same IPv4 /16, same IPv6
 * /48): a peer elsewhere cannot be reached there anyway, and a record must
 * not make us probe our own LAN's other hosts.
 */
int cand_remote_plausible(const struct endpoint *remote, const struct cand_list *ours,
    int allow_loopback);

/*
 * Pairs for punching: every remote candidate whose family we have a socket
 * for (families: CAND_GATHER_V4 | CAND_GATHER_V6), deduplicated, in the
 * remote's preference order. All our candidates of one family share that
 * family's one socket, so a pair's local side is the socket. Returns the
 * count (<= max).
 */
unsigned cand_pairs_build(const struct cand_entry *remote, unsigned nremote, unsigned families,
    struct cand_pair *out, unsigned max);

#endif
