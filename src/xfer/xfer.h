/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer.h — file transfers with the room's peers (doc/PROTOCOL.md "File
 * transfer"): a file is offered, accepted or rejected by the person on the
 * other side, streamed from disk to disk over the peer's tunnel with CUBIC
 * congestion control (cubic.h) and SACK, verified with BLAKE2b-256 before it
 * gets its final name (store.h), and resumed after a path change, a NAT
 * rebinding or a restart of either side.
 *
 * No socket and no loop of its own: the session hands datagrams for port
 * 7779 to xfers_input() and gives a send function for the other way; every
 * timer is on the session's timers. A peer is an opaque pointer here, with
 * its fingerprint (which a resumed part is matched by).
 *
 * Each transfer has a small number for the user (/accept 3); events go out
 * through env.event.
 */
#ifndef GONET_XFER_H
#define GONET_XFER_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct timers;
struct xfers;

enum {
	/* Budgets: what one peer can make us keep and do. */
	XFERS_MAX = 16,			/* transfers at once, both directions, all peers */
	XFERS_OFFERS_PER_PEER = 4,	/* offers from one peer waiting for an answer */
	XFER_OFFER_TTL_MS = 600000,	/* an offer nobody answers for 10 min is dropped */
	XFER_STALL_MS = 15000,		/* no ACK this long: stalled, offered again */
	XFER_GIVE_UP_MS = 600000,	/* stalled this long: failed (reported) */
	XFER_PROGRESS_MS = 500,		/* a progress event at most this often */
	XFER_SAVE_BYTES = 4 << 20	/* the receiver records its progress this often */
};

enum xfer_event_kind {
	XEV_OFFERED,			/* a peer offers a file: /accept or /reject it */
	XEV_WAITING,			/* our offer went out, waiting for the answer */
	XEV_STARTED,			/* accepted (from: where it resumes) */
	XEV_PROGRESS,
	XEV_STALLED,			/* no answer for a while: trying again */
	XEV_DONE,			/* sent and verified, or received, verified and saved */
	XEV_FAILED			/* rejected, cancelled, failed: reason */
};

struct xfer_event {
	enum xfer_event_kind kind;
	unsigned n;			/* the transfer's number */
	int outgoing;			/* 1: we send */
	void *peer;
	const char *name;		/* the (safe) file name */
	uint64_t size, done, from;
	double rate;			/* bytes a second, recent */
	int64_t eta_s;			/* -1 unknown */
	const char *path;		/* XEV_DONE incoming: where it is */
	const char *reason;		/* XEV_FAILED */
};

struct xfer_env {
	struct timers *timers;
	/* Where received files go; opened on the first accept when NULL here. */
	const char *download_dir;
	/* Send one message to peer (inner UDP to its port 7779). 0 or -errno. */
	int (*send)(void *arg, void *peer, const uint8_t *buf, size_t len);
	void (*event)(void *arg, const struct xfer_event *ev);
	void *arg;
};

struct xfer_stats {
	uint64_t dropped[16];		/* by enum xfer_drop, and these: */
	uint64_t unknown;		/* for no transfer of ours */
	uint64_t refused;		/* over a budget */
	uint64_t data_in, data_out, retransmits, acks_in, acks_out;
};

struct xfers *xfers_new(const struct xfer_env *env);
/* Stops every transfer (the receiver keeps its parts for a resume). NULL is fine. */
void xfers_free(struct xfers *x);

/* Offer the file at path to peer; returns the transfer's number or -errno. */
int xfers_send(struct xfers *x, void *peer, const char *path);
int xfers_accept(struct xfers *x, unsigned n, char *err, size_t errlen);
int xfers_reject(struct xfers *x, unsigned n);
int xfers_cancel(struct xfers *x, unsigned n);
/* A datagram from peer (fingerprint fp) to port 7779. */
void xfers_input(struct xfers *x, void *peer, const char *fp, const uint8_t *buf, size_t len);
/* peer's path came up or changed: what waits goes out now. */
void xfers_peer_up(struct xfers *x, void *peer);
/* peer is gone for good: its transfers fail (a receiver keeps its part). */
void xfers_peer_gone(struct xfers *x, void *peer);
/* One event per live transfer (the /files command); returns how many. */
int xfers_list(struct xfers *x);
const struct xfer_stats *xfers_stats(const struct xfers *x);

#endif
