/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * core.h — struct session, for the session's own files (src/session/).
 *
 * The parts and who calls whom (no call goes back up; contrib/cycles.py
 * checks it):
 *
 *   session.c   set-up and tear-down in order; the hub: demuxes what the
 *               data socket brings, routes WireGuard's and the DHT's events
 *               to the peers, the user's lines to commands.c
 *   commands.c  what the user types                      -> post, outbox, peers, ending
 *   outbox.c    --batch lines waiting for a peer (--wait) -> post
 *   post.c      our message to the room or to one peer   -> peer_chat, target
 *   ending.c    quit, drain after EOF, --batch flow control -> peers, links, outbox
 *   peer.c      one peer's state machine                 -> path, peer_chat, fallback, links
 *   fallback.c  the policy: which path kind when         -> links (through link_ops), stun, cands
 *   link/       the path kinds behind struct link_ops    -> peer, net, via, cands
 *   path.c      punching toward one peer                 -> net, cands, stun
 *   peer_chat.c chat with one peer over its path         (events up through hooks)
 *   stun.c      STUN servers                             -> net, cands, resolve, rendezvous
 *   portmapping.c  the gateway's port mapping            -> net, cands
 *   pex.c       peer exchange: records to and from peers  -> rendezvous, inner
 *   cands.c     our candidates, republished              -> rendezvous
 *   via.c, net.c, tell.c, resolve.c, links.c, target.c   leaves
 *
 * Everything runs on the loop's thread; every timer is on s->timers, whose
 * clock is s->clock.
 */
#ifndef GONET_SESSION_CORE_H
#define GONET_SESSION_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "dht/record/record.h"
#include "dht/room/room.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/identity/identity.h"
#include "src/session/link.h"
#include "src/session/peer_table.h"
#include "src/session/session.h"
#include "src/session/via.h"
#include "tunnel/nat/fresh.h"
#include "tunnel/nat/budget.h"
#include "tunnel/nat/probe.h"
#include "tunnel/net/demux.h"

struct cands;
struct outbox_entry;
struct peer;
struct pex_part;
struct portmap_part;
struct rendezvous;
struct resolver;
struct runner;
struct stun_part;
struct target;
struct timer;
struct wg_device;
struct xfers;

enum {
	SESSION_LINE_MAX = 4096,
	SESSION_BOOT_WAIT_MS = 5000	/* report the DHT bootstrap by then at the latest */
};

/* Why a datagram or inner packet was dropped by the session (not by a module). */
enum session_drop {
	SDROP_OTHER,			/* demux: not STUN, WireGuard or probe */
	SDROP_RECV,			/* truncated or failed read */
	SDROP_PROBE,			/* probe rejected (probe_stats has the reason) */
	SDROP_PONG_PEER,		/* verified pong from no known peer */
	SDROP_PONG_TXID,		/* verified pong to no ping of ours */
	SDROP_STUN,			/* STUN response not used (stun client counts why) */
	SDROP_INNER,			/* inner packet not IPv6/UDP or malformed */
	SDROP_INNER_PORT,		/* inner UDP not port 7777 to 7777, or not to our address */
	SDROP_CHAT,			/* chat frame dropped (chat_peer stats have why) */
	SDROP_NOT_UP,			/* chat frame to a peer whose path is not up */
	SDROP_AUX,			/* on an extra socket no link owns (closed meanwhile) */
	SDROP__COUNT
};

const char *session_drop_name(enum session_drop d);

/* How the session ends (ending.c). */
struct session_ending {
	struct timer *drain_timer;	/* linger, then the drain bound */
	struct timer *drain_check;	/* poked: is everything acknowledged? */
	struct timer *flow_check;	/* poked: is some peer's send queue full? */
	int eof, draining, quitting;
};

/*
 * Lines held until someone can take them (outbox.c): in --batch with
 * --wait, a line read while no peer has said HELLO (or while --to's peer
 * has not), for at most --wait seconds each.
 */
struct session_outbox {
	struct outbox_entry *first, *last;	/* in the order read */
	size_t n;
	struct timer *check;		/* poked: a peer said HELLO; armed: the first deadline */
};

struct session {
	const struct session_config *cfg;
	struct session_env env;
	struct timers *timers;
	const struct clock *clock;
	struct ui *ui;

	struct room_keys keys;
	struct identity *id;
	char fp[IDENTITY_FINGERPRINT_LEN + 1];
	char nick[RECORD_MAX_NICK + 1];
	char prompt[RECORD_MAX_NICK + 8];
	uint8_t wg_pub[32];
	uint8_t tunnel_addr[16];

	struct wg_device *wg;
	struct timer *wg_timer;		/* at wg_device_next_timer(); wg_io.timer_armed moves it */

	struct runner *runner;
	struct rendezvous *rv;
	struct timer *boot_timer;
	int boot_reported, published_reported, publish_failed;

	struct resolver *dns;
	struct cands *cands;
	struct stun_part *stun;
	struct portmap_part *portmap;	/* portmapping.c; NULL when off */
	struct pex_part *pex;		/* pex.c (peer exchange); NULL when off */

	struct peer *peers;
	struct peer_table ptab;		/* the same peers by id and WireGuard key */
	struct budget budget;		/* punching pings we may send (path.c) */
	uint64_t next_msg_id;
	struct xfers *xfers;		/* file transfers (files.c) */

	struct link links[LINK__COUNT];	/* every path kind, by enum link_kind */
	struct via via[VIA_MAX];

	struct demux_stats demux;
	struct probe_stats probes;
	struct fresh *fresh;		/* replay windows of probe-family senders (fresh.h) */
	uint64_t probe_ts;		/* our last probe-family ts (fresh_stamp) */
	uint64_t drops[SDROP__COUNT];

	struct session_ending end;
	struct session_outbox outbox;
	struct target *to;		/* --to, parsed; NULL: lines go to the room */
};

/* Now, on the session's clock. */
static inline uint64_t
session_now_ms(const struct session *s)
{
	return clock_mono_ms(s->clock);
}

/* Unix seconds on the session's clock (record expiry). */
static inline uint64_t
session_unix_s(const struct session *s)
{
	return clock_unix_ms(s->clock) / 1000;
}

/* The ts of our next probe-family message: strictly increasing unix ms (fresh.h). */
static inline uint64_t
session_probe_ts(struct session *s)
{
	return fresh_stamp(&s->probe_ts, clock_unix_ms(s->clock));
}

/* Run t's callback from the loop, soon: deferred work, never reentrant. */
static inline void
session_poke(struct timer *t)
{
	if (t != NULL)
		timer_at(t, 0);
}

#endif
