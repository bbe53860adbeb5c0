/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * upnp.h — the third way to a port mapping, after PCP and NAT-PMP
 * (portmapping.c): UPnP IGD through miniupnpc (Debian libminiupnpc), whose
 * calls block (SSDP, then HTTP and SOAP), so they run on a worker thread of
 * their own and never on the loop:
 *
 *   worker   upnpDiscover (waits UPNP_DISCOVER_MS: a network without an
 *            IGD costs that, on the worker), UPNP_GetValidIGD, the
 *            external address, AddPortMapping of our data port (the same
 *            external port, else up to UPNP_PORT_TRIES others), renewed
 *            every UPNP_LEASE_S / 2; at stop DeletePortMapping, then it ends
 *   loop     told through an fd-less event made active from the worker
 *            (evthread), reads the outcome under the lock and calls back
 *
 * The worker touches no session state: it gets copies at start and hands
 * back one result. upnp_stop() waits for the delete at most
 * UPNP_STOP_WAIT_MS, then leaves the worker to finish alone (it frees
 * what it shares when it is the last one out).
 */
#ifndef GONET_SESSION_UPNP_H
#define GONET_SESSION_UPNP_H

#include <stdint.h>

struct endpoint;
struct event_base;
struct upnp;

enum {
	UPNP_DISCOVER_MS = 250,		/* SSDP: a LAN gateway answers in a few ms */
	UPNP_LEASE_S = 3600,		/* asked; renewed at half */
	UPNP_PORT_TRIES = 4,		/* the data port first, then random others */
	UPNP_STOP_WAIT_MS = 500		/* at exit, for the delete */
};

/* The outcome on the loop: mapped (ext set) or not (ext NULL). */
typedef void upnp_cb(void *arg, const struct endpoint *ext);

/* Start the worker for our UDP port; NULL when it cannot start (or no miniupnpc). */
struct upnp *upnp_start(struct event_base *base, uint16_t port, upnp_cb *cb, void *arg);
/* Delete the mapping (bounded wait), stop the worker; NULL is fine. */
void upnp_stop(struct upnp *u);
/* Whether this build has UPnP IGD (miniupnpc). */
int upnp_available(void);

#endif
