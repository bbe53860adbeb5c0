/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * natcheck.h — `gonet --nat-check`: what our NAT does, found the RFC 5780
 * way from the data socket against a STUN server that offers OTHER-ADDRESS
 * (coturn with two listening addresses does):
 *
 *   mapping    test I   Binding to the primary address P       -> M1, OTHER-ADDRESS O
 *              test II  Binding to (O.addr, P.port)            -> M2;  M1 = M2: independent
 *              test III Binding to O                           -> M3;  M2 = M3: address-dependent,
 *                                                                       else address-and-port
 *   filtering  test II  CHANGE-REQUEST ip+port to P: answered  -> independent
 *              test III CHANGE-REQUEST port to P: answered     -> address-dependent,
 *                                                                 else address-and-port
 *   hairpin    a Binding request sent to M1 comes back to us   -> hairpinning works
 *
 * Each request is retransmitted on a short schedule, so a lossy path does not
 * read as "filtered" after one lost packet (coturn's own tool does not retry).
 */
#ifndef GONET_NATCHECK_H
#define GONET_NATCHECK_H

#include <stdint.h>

enum nat_behaviour {
	NAT_UNKNOWN = 0,		/* the test could not run (no answer, no OTHER-ADDRESS) */
	NAT_NONE,			/* mapped address is our own: no NAT */
	NAT_INDEPENDENT,		/* endpoint-independent */
	NAT_ADDRESS,			/* address-dependent */
	NAT_ADDRESS_PORT		/* address-and-port-dependent */
};

struct natcheck_opts {
	const char *const *stun;	/* "HOST[:PORT]", at least one */
	unsigned nstun;
	uint16_t port;			/* local data port, 0 = any */
	unsigned timeout_ms;		/* per test, retransmissions included */
	int json;
};

const char *nat_behaviour_name(enum nat_behaviour b);
/* Runs the checks, prints the report. Returns an exit status (0, 1 no answer, 2 usage). */
int natcheck_main(const struct natcheck_opts *o);

#endif
