/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * portmap.h — ask the gateway for a UDP port mapping: PCP first (RFC 6887),
 * NAT-PMP when the gateway answers PCP with UNSUPP_VERSION or not at all
 * (RFC 6886), renewed before it expires, deleted on request. Pure code: no
 * socket and no clock inside. The caller owns one UDP socket connected to
 * the gateway's port 5351, sends what portmap_on_timer() hands it, feeds
 * every datagram from the gateway to portmap_input(), and passes the time
 * in (monotonic ms). UPnP IGD is not here (it is HTTP and SSDP).
 *
 * The schedule never waits long for a silent gateway (most networks have
 * none that answers):
 *
 *   0 ms       PCP MAP                 (an UNSUPP_VERSION answer: NAT-PMP at once)
 *   125 ms     PCP MAP again
 *   250 ms     NAT-PMP address + map
 *   375 ms     NAT-PMP again
 *   500 ms     give up: state FAILED   (PORTMAP_GIVE_UP_MS)
 *
 * An error answer (not UNSUPP_VERSION) also ends it: FAILED, with the
 * result kept. Once MAPPED, the mapping is renewed at half its lifetime
 * with the same schedule on the protocol that worked (answers keep it
 * MAPPED; a renewal nobody answers leaves it until it expires, then
 * FAILED). A FAILED client may be started again later by the caller
 * (the session does so every PORTMAP_RETRY_MS at most).
 *
 * Budgets: at most 6 datagrams per attempt (2 PCP, 2 x 2 NAT-PMP), one
 * attempt per renewal; nothing is ever sent but to the gateway.
 */
#ifndef GONET_PORTMAP_H
#define GONET_PORTMAP_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/portmap/pmp_msg.h"

enum {
	PORTMAP_RESEND_MS = 125,	/* a gateway on the LAN answers in a few ms */
	PORTMAP_PCP_SENDS = 2,
	PORTMAP_NATPMP_SENDS = 2,
	PORTMAP_GIVE_UP_MS = 500,	/* a silent gateway costs no more than this */
	PORTMAP_LIFETIME_S = 7200,	/* asked; gateways grant what they will */
	PORTMAP_MIN_LIFETIME_S = 60,	/* less is renewed as if it were this (no storms) */
	PORTMAP_DELETE_SENDS = 2,	/* at exit, back to back: nobody waits for the answer */
	PORTMAP_RETRY_MS = 300000	/* the caller's back-off after FAILED */
};

enum portmap_state {
	PORTMAP_IDLE,			/* not started, or stopped */
	PORTMAP_PCP,			/* asking with PCP */
	PORTMAP_NATPMP,			/* asking with NAT-PMP */
	PORTMAP_MAPPED,			/* a mapping exists (renewals run inside this state) */
	PORTMAP_FAILED			/* nobody answered, or the gateway said no */
};

enum portmap_proto {
	PORTMAP_PROTO_NONE,
	PORTMAP_PROTO_PCP,
	PORTMAP_PROTO_NATPMP
};

/* What portmap_input() changed. */
enum portmap_event {
	PORTMAP_EV_NONE,		/* nothing (dropped, counted, or a renewal that changed nothing) */
	PORTMAP_EV_MAPPED,		/* a mapping, new or with another external address/port */
	PORTMAP_EV_FAILED		/* the gateway said no */
};

struct portmap {
	enum portmap_state state;
	enum portmap_proto proto;	/* the one that worked (MAPPED) */
	struct pmp_request req;
	uint64_t start_ms;		/* of the current attempt (first mapping or renewal) */
	uint64_t next_ms;		/* the next send, the give-up, the renewal, or the expiry */
	uint64_t expires_ms;		/* MAPPED: the granted lifetime ends */
	int renewing;			/* MAPPED: an attempt to renew runs */
	unsigned sent;			/* datagrams of the current attempt */
	uint8_t natpmp_ip[4];		/* NAT-PMP: the address answer */
	int have_natpmp_ip;
	uint8_t ext_ip[4];		/* MAPPED: the external address and port */
	uint16_t ext_port;
	uint32_t lifetime_s;		/* MAPPED: granted */
	uint8_t last_result;		/* FAILED by an answer: its result code */
	uint64_t dropped[PMP_ERR__COUNT];
};

/*
 * Start asking for internal_port on client_ip (our address toward the
 * gateway), suggesting the same port outside. nonce: 12 random bytes.
 */
void portmap_start(struct portmap *pm, const uint8_t client_ip[4], uint16_t internal_port,
    const uint8_t nonce[PCP_NONCE_LEN], uint64_t now_ms);
/* When portmap_on_timer must run next; UINT64_MAX: never. */
uint64_t portmap_next(const struct portmap *pm);
/*
 * Whatever is due: returns the length of a datagram to send now (call again
 * while it returns > 0: NAT-PMP sends two at once), 0 when nothing more is
 * due. May move the state (give up, expiry).
 */
size_t portmap_on_timer(struct portmap *pm, uint64_t now_ms, uint8_t *out, size_t outlen);
/* A datagram from the gateway. */
enum portmap_event portmap_input(struct portmap *pm, const uint8_t *buf, size_t len, uint64_t now_ms);
/* The gateway refused our datagrams (ICMP port unreachable): next protocol, or FAILED. */
void portmap_refused(struct portmap *pm, uint64_t now_ms);
/*
 * The delete request for a mapping we hold (the protocol that made it,
 * lifetime 0), 0 when there is none; the state goes to IDLE. Send it
 * PORTMAP_DELETE_SENDS times.
 */
size_t portmap_build_delete(struct portmap *pm, uint8_t *out, size_t outlen);

const char *portmap_state_name(enum portmap_state st);
const char *portmap_proto_name(enum portmap_proto p);

#endif
