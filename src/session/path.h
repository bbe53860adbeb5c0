/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * path.h — finding a path to one peer: authenticated pings to every pair
 * (our socket of a family, one of the peer's candidates of that family) on
 * the schedule of tunnel/nat/punch.h. The pong's "observed" field is our
 * address as the peer saw it: a peer-reflexive candidate of ours. What a
 * selection or a failure means for the peer is the caller's (peer.c): these
 * functions return it.
 */
#ifndef GONET_SESSION_PATH_H
#define GONET_SESSION_PATH_H

struct endpoint;
struct peer;
struct probe_msg;

enum path_outcome {
	PATH_NONE,			/* nothing new */
	PATH_SELECTED,			/* a pair was selected (first, or better): punch_selected() */
	PATH_FAILED			/* no pair at all, or every pair failed without a selection */
};

/* Punch every pair of p's record, plus extra (may be NULL: the source of its ping). */
enum path_outcome path_start(struct peer *p, const struct endpoint *extra);
/*
 * A pair toward ep found another way (port prediction): pinged at once,
 * beside what punching does; when punching is not running, it is punched
 * alone (an upgrade when p is up). 0, or -1 (no room for it).
 */
int path_add(struct peer *p, const struct endpoint *ep);
/* Probe p's direct pairs again while a relayed path stays in use. */
void path_reprobe(struct peer *p);
void path_stop(struct peer *p);
int path_running(const struct peer *p);
/* p->punch_timer fired: send the pings due. */
enum path_outcome path_tick(struct peer *p);
enum path_outcome path_on_pong(struct peer *p, const struct probe_msg *m,
    const struct endpoint *from);
void path_on_peer_ping(struct peer *p, const struct endpoint *from);

/* The path kind of an endpoint of p: its link's, or "lan", "direct", "turn" (p's TURN). */
const char *path_kind_name(const struct peer *p, const struct endpoint *ep, int ep_type);
/* Lower is better: its link's cost. */
unsigned path_cost(const struct peer *p, const struct endpoint *ep, int ep_type);
/* Why punching failed, for the user. */
const char *path_failure_hint(const struct peer *p);

#endif
