/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stun_servers.h — server-reflexive candidates: the --stun servers are
 * resolved without blocking, asked at once through the data socket
 * (tunnel/nat/stun.h) within STUN_SERVERS_BUDGET_MS, and again every
 * STUN_SERVERS_REFRESH_MS (a NAT may remap us). Every mapped address learnt
 * becomes a srflx candidate. A name that does not resolve, or a server that
 * never answers, just yields nothing: STUN is an optimisation.
 */
#ifndef GONET_SESSION_STUN_SERVERS_H
#define GONET_SESSION_STUN_SERVERS_H

#include <stddef.h>
#include <stdint.h>

struct endpoint;
struct nat_verdict;
struct session;

enum {
	STUN_SERVERS_BUDGET_MS = 10000,
	STUN_SERVERS_REFRESH_MS = 60000
};

int stun_servers_start(struct session *s);
void stun_servers_stop(struct session *s);
/* A datagram the demux called STUN. */
void stun_servers_input(struct session *s, const struct endpoint *from, const uint8_t *buf,
    size_t len);
/*
 * Our NAT as the answers so far show it (tunnel/nat/natclass.h), for the
 * family ENDPOINT_V4 or ENDPOINT_V6: UNKNOWN until two servers (or one
 * RFC 5780 server's two addresses, asked when it names its OTHER-ADDRESS)
 * answered. The IPv4 class goes into our record's "nat" key.
 */
const struct nat_verdict *stun_servers_nat(const struct session *s, unsigned family);
/* 1 while the first round may still tell us something. */
int stun_servers_pending(const struct session *s);
/* 1 if the servers saw different mappings of us: our NAT maps per destination. */
int stun_servers_symmetric(const struct session *s);

#endif
