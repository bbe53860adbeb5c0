/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * link.h — one kind of path to a peer, behind one interface.
 *
 *   kind     carries                 stands for (struct via remote)    cost
 *   direct   WireGuard, our socket   the peer's own address            0
 *   relay    WireGuard, relayed      the relaying member's address     1
 *   turn     WireGuard, our TURN     the peer's address at the server  2
 *   dht      chat frames, mailbox    nothing (no WireGuard session)    3
 *   predict  WireGuard, an extra     the peer's address, from the      0
 *            socket (port predic-    socket that hit (hard side; the
 *            tion, shown "direct")   easy side's path is a real one)
 *
 * A path through a link is a synthetic endpoint (via.h): WireGuard and the
 * probes send to it as to any address and net_send() hands the datagram to
 * the link's send. The DHT mailbox carries chat frames instead (send_frame).
 * The session's core calls a link only through these operations; when each
 * kind is tried is fallback.c's, nowhere else. A new path kind is one file
 * under link/ defining a struct link_ops, plus its line in session.c's
 * table of kinds.
 *
 * Every operation is optional (NULL: nothing to do).
 */
#ifndef GONET_SESSION_LINK_H
#define GONET_SESSION_LINK_H

#include <stddef.h>
#include <stdint.h>

struct endpoint;
struct peer;
struct session;
struct via;

enum link_kind {
	LINK_DIRECT,
	LINK_RELAY,
	LINK_TURN,
	LINK_DHT,
	LINK_PREDICT,
	LINK__COUNT
};

/* Costs, lower preferred: a path of lower cost replaces one of higher cost. */
enum link_cost {
	LINK_COST_DIRECT = 0,
	LINK_COST_RELAY = 1,
	LINK_COST_TURN = 2,		/* ours, or the peer's relay candidate */
	LINK_COST_DHT = 3
};

/* The path kinds the user sees ("lan" is a direct path to a private address). */
#define LINK_NAME_DIRECT "direct"
#define LINK_NAME_LAN "lan"
#define LINK_NAME_RELAY "relay"
#define LINK_NAME_TURN "turn"
#define LINK_NAME_DHT "dht"

struct link;

struct link_ops {
	enum link_kind kind;
	const char *name;		/* the path kind the user sees */
	unsigned cost;			/* lower is preferred */

	/* At start-up, after the runner and before the rendezvous: 0, or -1 (fatal). */
	int (*start)(struct link *l);
	/* At exit, before the runner goes. */
	void (*stop)(struct link *l);
	/* A datagram from the data socket, before the demux: 1 when it was the link's. */
	int (*input)(struct link *l, const struct endpoint *from, uint8_t *buf, size_t len);
	/* A datagram (WireGuard or probe) to the path v names. 0 or -errno. */
	int (*send)(struct link *l, struct via *v, const uint8_t *buf, size_t len);
	/* One chat frame for p (links that carry frames). 0 or -errno. */
	int (*send_frame)(struct link *l, struct peer *p, const uint8_t *frame, size_t len);
	/* The fallback policy says p should get a path of this kind now. */
	void (*seek)(struct link *l, struct peer *p);
	/* Punching toward p starts: let its addresses in (TURN permissions). */
	void (*punching)(struct link *l, struct peer *p);
	/* p left, went down or is freed: paths through it die. */
	void (*peer_gone)(struct link *l, struct peer *p);
	/* p's state changed (peer.c set_state). */
	void (*peer_state)(struct link *l, struct peer *p);
	/* The member a path through v goes via (path "relay"), or NULL. */
	struct peer *(*via_peer)(struct link *l, const struct via *v);
	/* We are leaving: send what waits now (BYEs). */
	void (*flush)(struct link *l);
	/* Exit statistics (batch, -v). */
	void (*report)(struct link *l);
	/*
	 * A datagram read on the extra socket h (session.h aux_open): -1 when
	 * h is not this link's; 1 when the link took it; 0 when it goes on to
	 * the session's input with *from rewritten (a synthetic endpoint).
	 */
	int (*aux_input)(struct link *l, int h, struct endpoint *from, uint8_t *buf, size_t len);
	/* The strategy that made p's path when it was this link's doing ("predict"), or NULL. */
	const char *(*strategy)(struct link *l, const struct peer *p);
};

struct link {
	const struct link_ops *ops;	/* NULL: this kind is not there */
	struct session *s;
	unsigned index;			/* in s->links, = ops->kind */
	void *priv;			/* the kind's own state */
};

/* The kinds, one file each under link/. */
extern const struct link_ops link_direct_ops, link_relay_ops, link_turn_ops, link_dht_ops,
    link_predict_ops;

/* --- links.c: the session's links, called through their operations ----------------- */

/* Install the kinds (one each) and start them in order; 0, or -1 (fatal). */
int links_start(struct session *s, const struct link_ops *const *kinds, size_t n);
void links_stop(struct session *s);
struct link *links_get(struct session *s, enum link_kind kind);
/* 1 when some link took the datagram. */
int links_input(struct session *s, const struct endpoint *from, uint8_t *buf, size_t len);
void links_seek(struct session *s, enum link_kind kind, struct peer *p);
void links_punching(struct session *s, struct peer *p);
void links_peer_gone(struct session *s, struct peer *p);
void links_peer_state(struct session *s, struct peer *p);
void links_flush(struct session *s);
void links_report(struct session *s);
/* A datagram on extra socket h: as aux_input (-1: no link owns h). */
int links_aux_input(struct session *s, int h, struct endpoint *from, uint8_t *buf, size_t len);
/* The strategy a link says made p's path, or NULL. */
const char *links_strategy(struct session *s, const struct peer *p);

#endif
