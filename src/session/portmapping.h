/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * portmapping.h — port-mapped candidates: the default IPv4 gateway is asked
 * (tunnel/portmap/portmap.h: PCP, then NAT-PMP; then UPnP IGD on a worker
 * thread, upnp.h) to forward our data socket's port; a mapping becomes a candidate of kind "mapped" and is
 * renewed before it expires; at exit it is deleted. A gateway that
 * ignores us costs at most PORTMAP_GIVE_UP_MS in the background (nothing
 * waits for it) and says nothing unless -v; after a failure it is asked
 * again every PORTMAP_RETRY_MS at most.
 *
 * Off with --no-port-mapping, with --loopback (tests on one host must not
 * talk to the host's real gateway), and without an event base (tests).
 * One UDP socket of its own, connected to the gateway's port 5351: nothing
 * but the gateway's answers is ever read from it.
 */
#ifndef GONET_SESSION_PORTMAPPING_H
#define GONET_SESSION_PORTMAPPING_H

struct session;
struct endpoint;

/* Never fatal: no gateway or no socket just means no mapped candidate. */
void portmapping_start(struct session *s);
/* Deletes the mapping (PORTMAP_DELETE_SENDS datagrams, no wait), closes the socket. */
void portmapping_stop(struct session *s);
/* The mapped address we hold now; 0, or -1 when none. */
int portmapping_mapped(const struct session *s, struct endpoint *out);

#endif
