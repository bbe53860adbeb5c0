/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer.h — one room member, keyed by the Ed25519 id of its newest record.
 * The state machine is peer.c's (its diagram is at the top there); what
 * each state is made of is here, as enums rather than loose flags.
 */
#ifndef GONET_SESSION_PEER_H
#define GONET_SESSION_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dht/record/pex_msg.h"
#include "dht/record/record.h"
#include "src/identity/identity.h"
#include "src/session/link.h"
#include "src/session/via.h"
#include "src/ui/ui.h"
#include "tunnel/nat/probe.h"
#include "tunnel/nat/punch.h"
#include "tunnel/net/bucket.h"
#include "tunnel/net/endpoint.h"

struct chat_peer;
struct peer_chat_hooks;
struct link;
struct session;
struct timer;
struct wg_peer;

enum {
	PEER_KEEPALIVE_S = 25,		/* WireGuard persistent keepalive while up */
	/*
	 * Liveness: with nothing authenticated from a peer for IDLE ms we send
	 * it a HELLO (a data packet: WireGuard answers it within
	 * KEEPALIVE_TIMEOUT = 10 s with at least a keepalive); with nothing for
	 * DEAD ms (keepalive 25 s + rekey timeout 5 s + margin) the path is down.
	 */
	PEER_IDLE_PROBE_MS = 25000,
	PEER_DEAD_MS = 40000,
	PEER_RX_GAP_MS = 5000,		/* heard again after this: resend pending chat now */
	PEER_RESPONDER_GRACE_MS = 3000,	/* the larger key initiates too after this */
	PEER_HANDSHAKE_TIMEOUT_MS = 15000,
	/*
	 * Both sides initiated at once (WG_EV_HANDSHAKE_CROSSED): the smaller
	 * key initiates again this much later, past the peer's 20 ms flood
	 * guard, instead of both waiting WireGuard's 5 s retransmission.
	 */
	PEER_CROSSED_RETRY_MS = 100,
	PEER_HELLO_FIRST_MS = 1000,	/* HELLO repeats: 1, 2, 4, ... 30 s */
	PEER_HELLO_MAX_MS = 30000,
	PEER_HELLO_REPLY_GUARD_MS = 1000 /* answer a HELLO unless we sent one this recently */
};

enum peer_state {
	PEER_NEW,			/* record known, nothing tried yet */
	PEER_PUNCHING,			/* pinging candidate pairs */
	PEER_HANDSHAKE,			/* a path works; waiting for WireGuard */
	PEER_UP,			/* WireGuard session: chat flows */
	PEER_FAILED,			/* nothing worked; waits for a newer record or a ping */
	PEER_LEFT			/* said BYE; waits for a newer record or a ping */
};

/* Who starts the WireGuard handshake: the smaller public key. */
enum peer_role {
	ROLE_INITIATOR,
	ROLE_RESPONDER			/* initiates too when the peer's pings cannot reach us */
};

/* Identity pinning (src/identity/pins.h). */
enum peer_pin {
	PIN_OK,
	PIN_OTHER_KEY			/* its nick is pinned to another fingerprint: flagged */
};

/* Punching toward the peer, since the last path_start. */
struct peer_punching {
	struct punch punch;
	enum { SELECT_FIRST, SELECT_UPGRADE } select;	/* what the next selection is */
	enum { THEIRS_UNHEARD, THEIRS_HEARD } theirs;	/* its verified pings reach us */
	unsigned nrecord;		/* pairs from the record; those after were added (path_add) */
};

/* The path WireGuard uses now. */
struct peer_path {
	struct endpoint ep;		/* WireGuard's endpoint (real, or a synthetic via) */
	int ep_type;			/* enum cand_type of the remote candidate, -1 learnt */
	int64_t rtt_ms;			/* probe RTT of the path, -1 unknown */
	uint64_t selected_ms;		/* when it was chosen (state HANDSHAKE) */
	enum { HS_WAITING, HS_INITIATED } hs;	/* the responder's own initiation made */
	uint64_t recross_ms;		/* initiate again then (a crossing), 0 none */
};

/* Whether the peer is alive, while up. */
struct peer_live {
	uint64_t last_rx_ms;		/* last authenticated packet from the peer */
	enum { LIVE_HEARD, LIVE_PROBED } probe;	/* an idle HELLO went out, no answer yet */
};

/* The HELLO exchange, since the path came up. */
struct peer_hello {
	enum {
		HELLO_SENDING,		/* repeating ours until the peer's arrives */
		HELLO_HEARD,		/* the peer's came */
		HELLO_REPLY_DUE		/* ... and we owe it an answer */
	} state;
	unsigned interval_ms;
	uint64_t next_ms;
	uint64_t sent_ms;
};

/* What fallback.c keeps per peer. */
struct peer_fallback {
	struct link *frames;		/* chat frames go through this link (the DHT mailbox); NULL */
	uint64_t frames_ms;		/* since then (direct is retried every FALLBACK_RETRY_MS) */
	uint64_t relay_asked_ms;	/* a relay was last asked for; 0 never */
	uint64_t reprobe_ms;		/* up through a relay or TURN: direct pairs last probed */
	unsigned relay_asks;		/* relay queries for it since it was last heard from */
	unsigned retries;		/* direct retries from the DHT path, never heard from */
	struct timer *timer;
};

/* Peer exchange with the peer (pex.c). */
struct peer_pex {
	uint64_t sent_gen;		/* every kept value up to this gen went to it */
	enum { PEX_SYNC_ALL, PEX_SYNC_NEWS } sync;	/* since its path came up / then */
	struct bucket tx, rx;		/* its budgets out and in (zeroed: a full burst) */
	/* HAVE: ours is owed to it (have_out); its, once come, until SYNC_NEWS. */
	bool have_out;
	uint64_t have_until;		/* SYNC_ALL waits for its HAVE until then (ms); 0: no more */
	uint8_t salt[PEX_HAVE_SALT];
	unsigned nhave;
	/* Sorted; allocated when its HAVE comes, freed when the sync is done. */
	uint8_t (*have)[PEX_HAVE_DIGEST];
};

/* Our message ids (the UI's seq) per chat_peer id, while pending. */
struct peer_msgid {
	uint64_t chat_id;
	uint64_t msg_id;
};

struct peer {
	struct peer *next;
	struct peer *next_by_id, *next_by_wg;	/* peer_table.h's chains */
	struct session *s;
	struct record rec;		/* the newest accepted record */
	char fp[IDENTITY_FINGERPRINT_LEN + 1];
	char nick[RECORD_MAX_NICK + 1];	/* shown: from HELLO, else the record */
	enum peer_pin pin;
	uint64_t found_ms;		/* its first record came */
	uint8_t tunnel_addr[16];
	enum peer_role role;
	enum peer_state state;

	struct wg_peer *wg;
	uint8_t pair_key[32];		/* K of us and it (probe_pair_key): its probes and relay messages */
	struct timer *hs_timer;		/* the responder's grace, the handshake's timeout */
	struct timer *live_timer;	/* HELLO repeats and answers, idle probe, death */
	struct timer *expire_timer;	/* the record's exp, while not up */
	struct timer *punch_timer;	/* path.c's pings */

	struct peer_punching punching;
	struct peer_path path;
	struct peer_live live;
	struct peer_hello hello;
	struct peer_fallback fb;
	struct peer_pex pex;

	struct chat_peer *chat;
	const struct peer_chat_hooks *chat_hooks;
	struct timer *chat_timer;
	struct peer_msgid *ids;
	size_t nids, capids;
};

const char *peer_state_name(enum peer_state st);

/* --- the room's members ------------------------------------------------------------ */
void peer_on_record(struct session *s, const struct record *rec);
struct peer *peer_find_wg(struct session *s, const uint8_t wg[32]);
struct peer *peer_find_id(struct session *s, const uint8_t id[RECORD_ID_LEN]);
/* The pairwise key with the peer whose WireGuard key is wg, or NULL (a probe_pair_fn; arg: s). */
const uint8_t *peer_pair_key(void *s, const uint8_t wg[32]);
void peer_free(struct peer *p);
void peer_free_all(struct session *s);

/* --- what happened ------------------------------------------------------------------ */
/* An authenticated WireGuard packet came from p. */
void peer_on_rx(struct peer *p);
/* WireGuard told us something about p (enum wg_event). */
void peer_on_wg_event(struct peer *p, int ev);
/* A verified ping from p arrived from "from". */
void peer_on_ping(struct peer *p, const struct endpoint *from);
/* A verified pong from p. */
void peer_on_pong(struct peer *p, const struct probe_msg *m, const struct endpoint *from);
/* A decrypted inner packet from p. */
void peer_on_inner(struct peer *p, const uint8_t *pkt, size_t len);

/* Our HELLO now (our nick changed). */
void peer_hello(struct peer *p);

/* --- what the links ask ---------------------------------------------------------------- */
/* Make the synthetic endpoint via p's path and start a handshake over it (a relay offer). */
void peer_use_via(struct peer *p, const struct endpoint *via);
/* Its path went away (the member relaying it left): down, punch again. */
void peer_path_lost(struct peer *p, const char *reason, const char *text);
/* Chat with p through the frame-carrying link l from now on (path "dht"). */
void peer_use_frames(struct peer *p, struct link *l);
/* Frames from p came through l while it has no path: it has none to us either. */
void peer_frames_arrived(struct peer *p, struct link *l);
/* Try direct again: re-punch from FAILED, or probe direct pairs beside a relayed path. */
void peer_retry_direct(struct peer *p);
/*
 * Port prediction found the peer at ep (a real address, or the synthetic
 * endpoint of the extra socket that hit): ping it at once beside punching,
 * or punch again from it; a pong selects it like any pair.
 */
void peer_on_predicted(struct peer *p, const struct endpoint *ep);

/* --- what others read ------------------------------------------------------------------ */
/* One row for /who. */
void peer_who(struct peer *p);
/* "lan", "direct", "relay", "turn", "dht", or the state when there is no path. */
const char *peer_path_name(const struct peer *p);

/* Something authenticated came from it once (a WireGuard packet, a signed mailbox frame). */
static inline int
peer_heard(const struct peer *p)
{
	return p->live.last_rx_ms != 0;
}

/* Up over a path of its own (not through a relay or our TURN). */
static inline int
peer_up_direct(const struct peer *p)
{
	return p != NULL && p->state == PEER_UP && p->path.ep.family != ENDPOINT_NONE &&
	    via_find(p->s, &p->path.ep) == NULL;
}

/*
 * Up through a relay or TURN (probing for a direct pair goes on); a path
 * through a link of direct cost (port prediction's socket) is not relayed.
 */
static inline int
peer_relayed(const struct peer *p)
{
	const struct via *v;

	if (p->state != PEER_UP)
		return 0;
	if (p->path.ep_type == CAND_TYPE_RELAY)
		return 1;
	return (v = via_find(p->s, &p->path.ep)) != NULL && v->link->ops->cost > LINK_COST_DIRECT;
}

/* The identity fields of a UI event for p. */
static inline void
peer_ui(const struct peer *p, struct ui_event *ev, enum ui_event_kind kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->nick = p->nick;
	ev->fp = p->fp;
	ev->flagged = p->pin == PIN_OTHER_KEY;
	ev->rtt_ms = -1;
	ev->last_seen_s = -1;
}

#endif
