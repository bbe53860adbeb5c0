/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_impl.h — the session's internals, shared by its files and by
 * nothing else:
 *
 *   session.c        set-up, tear-down, clocks, timers, UI helpers, shutdown
 *   session_net.c    the data socket: demux to WireGuard, STUN and probes;
 *                    the WireGuard device's I/O and its one timer
 *   session_cand.c   our own candidates (host, STUN, DHT-observed, peer-
 *                    reflexive) and republishing them
 *   session_stun.c   resolving STUN servers and running the STUN client
 *   peer.c           the per-peer state machine (record, WireGuard, liveness)
 *   peer_chat.c      per-peer chat: inner IPv6/UDP packets, chat_peer glue
 *   path.c           punching towards a peer and choosing its endpoint
 *   commands.c       what the user types: lines and /commands
 *   session_via.c    synthetic "via" endpoints: WireGuard peers reached
 *                    through a TURN allocation or a peer relay
 *   session_turn.c   --turn: allocations, the relay candidate, permissions
 *   relay.c          peer relay: forwarding for others, asking for a relay
 *   session_mailbox.c  the DHT mailbox as the last-resort path ("dht")
 *
 * Everything runs on the loop's thread. Monotonic time is in ns for
 * WireGuard and in ms for everything else (the same CLOCK_MONOTONIC).
 */
#ifndef GONET_SESSION_IMPL_H
#define GONET_SESSION_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/nat/cand.h"
#include "src/chat/chat_reliable.h"
#include "tunnel/net/demux.h"
#include "tunnel/net/endpoint.h"
#include "src/identity/identity.h"
#include "tunnel/nat/probe.h"
#include "tunnel/nat/punch.h"
#include "dht/record/record.h"
#include "dht/room/room.h"
#include "src/clock/clock.h"
#include "src/session/session.h"
#include "tunnel/net/sock.h"
#include "tunnel/nat/stun.h"
#include "src/ui/ui.h"

struct event;
struct event_base;
struct timer;
struct evdns_base;
struct rendezvous;
struct runner;
struct wg_device;
struct wg_peer;

enum {
	SESSION_KEEPALIVE_S = 25,	/* WireGuard persistent keepalive */
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
	PEER_HELLO_FIRST_MS = 1000,	/* HELLO repeats: 1, 2, 4, ... 30 s */
	PEER_HELLO_MAX_MS = 30000,
	PEER_HELLO_REPLY_GUARD_MS = 1000, /* answer a HELLO unless we sent one this recently */
	SESSION_DRAIN_MAX_MS = CHAT_UNDELIVERED_MS + 5000,
	SESSION_BOOT_WAIT_MS = 5000,	/* report the DHT bootstrap by then at the latest */
	SESSION_STUN_BUDGET_MS = 10000,
	SESSION_STUN_REFRESH_MS = 60000, /* ask the STUN servers again: a NAT may remap us */
	SESSION_PRFLX_MAX = 6,		/* reflexive addresses of ours (STUN, pongs) */
	SESSION_LINE_MAX = 4096,
	/*
	 * TURN relay candidate pairs are pinged only from then on: a direct pair
	 * first, then a peer relay (asked for after relay.c's 8 s), then TURN.
	 */
	PATH_RELAY_DELAY_MS = 12000,
	PATH_REPROBE_MS = 30000,	/* up through a relay or TURN: look for a direct pair this often */
	SESSION_DHT_REPUNCH_MS = 30000	/* on the DHT path: punch again this often */
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
	SDROP__COUNT
};

const char *session_drop_name(enum session_drop d);

enum peer_state {
	PEER_NEW,			/* record known, nothing tried yet */
	PEER_PUNCHING,			/* pinging candidate pairs */
	PEER_HANDSHAKE,			/* a pair works; waiting for WireGuard */
	PEER_UP,			/* WireGuard session: chat flows */
	PEER_FAILED,			/* nothing worked; waits for a newer record or a ping */
	PEER_LEFT			/* said BYE; waits for a newer record or a ping */
};

const char *peer_state_name(enum peer_state st);

/* Our message ids (the UI's seq) per chat_peer id, while pending. */
struct peer_msgid {
	uint64_t chat_id;
	uint64_t msg_id;
};

struct peer {
	struct peer *next;
	struct session *s;
	struct record rec;		/* the newest accepted record */
	char fp[IDENTITY_FINGERPRINT_LEN + 1];
	char nick[RECORD_MAX_NICK + 1];	/* shown: from HELLO, else the record */
	int flagged;			/* a pinned nick with another key */
	uint8_t tunnel_addr[16];
	int initiator;			/* our WireGuard key is the smaller */
	enum peer_state state;

	struct wg_peer *wg;
	struct chat_peer *chat;
	struct event *chat_timer;
	struct event *punch_timer;
	struct event *timer;		/* handshake, HELLO, liveness, expiry */

	struct punch punch;
	int punch_had_selection;	/* since the last path_start */
	int peer_pinged;		/* its verified ping arrived since the last path_start */
	struct endpoint ep;		/* current WireGuard endpoint */
	int ep_type;			/* enum cand_type of the remote candidate, -1 learnt */
	int64_t rtt_ms;			/* probe RTT of the path, -1 unknown */
	uint64_t selected_ms;		/* when a pair was chosen (state HANDSHAKE) */
	int fallback_done;		/* the responder grace initiation was made */
	uint64_t last_rx_ms;		/* last authenticated packet from the peer */
	int idle_probe_sent;

	int hello_received;		/* since the path came up */
	unsigned hello_interval_ms;
	uint64_t hello_next_ms;
	uint64_t hello_sent_ms;
	int hello_reply_due;

	struct peer_msgid *ids;
	size_t nids, capids;

	uint64_t reprobe_ms;		/* up through a relay or TURN: direct pairs last probed */
	int dht;			/* no path: chat goes through the DHT mailbox */
	uint64_t dht_punch_ms;		/* on the DHT path: punching last started */
};

/*
 * A path through something: WireGuard and probes see a synthetic endpoint
 * (IPv6 100::/64, RFC 6666 discard-only, never on the wire); sending to it
 * goes through session_via_send(). Roaming then works unchanged: a packet
 * that came in through a relay has a synthetic source, WireGuard moves the
 * peer's endpoint there, and its answers go back the same way.
 */
enum via_kind {
	VIA_NONE = 0,
	VIA_TURN,			/* our TURN allocation link; remote = the peer's address at the server */
	VIA_RELAY			/* peer relay: remote = the relay's endpoint, target = final WireGuard key */
};

struct session_via {
	uint8_t kind;			/* enum via_kind; 0: free */
	uint8_t gen;			/* bumped when the slot is reused */
	unsigned link;			/* VIA_TURN: index of the TURN client */
	struct endpoint remote;
	uint8_t target[32];
	uint64_t used_ms;
};

enum {
	SESSION_VIA_MAX = 64,
	SESSION_MAX_TURN = 4
};

struct session_turn;
struct relay;
struct mailbox;

struct session_cands {
	struct cand_list list;		/* everything gathered, sorted */
	unsigned nprflx;
	int allow_loopback;		/* --loopback, or no other address */
	struct cand shown[RECORD_MAX_CANDIDATES];	/* last reported to the user */
	unsigned nshown;
};

struct session_stun {
	struct evdns_base *dns;
	struct stun_client client;
	struct event *timer;
	unsigned resolving;		/* lookups still out */
	unsigned nservers;
	int started, reported;
	uint64_t start_ms;		/* the last round of Binding requests began */
	struct session_stun_lookup *lookups;
};

struct session {
	const struct session_config *cfg;
	struct event_base *base;
	struct clock clock;
	struct timers *timers;
	struct ui *ui;
	struct room_keys keys;
	struct identity *id;
	char fp[IDENTITY_FINGERPRINT_LEN + 1];
	char nick[RECORD_MAX_NICK + 1];
	char prompt[RECORD_MAX_NICK + 8];
	uint8_t wg_pub[32];
	uint8_t tunnel_addr[16];

	struct sock sock;
	struct event *sock_ev[SOCK__COUNT];
	struct demux_stats demux;
	struct probe_stats probes;
	uint64_t drops[SDROP__COUNT];

	struct wg_device *wg;
	struct timer *wg_timer;		/* at wg_device_next_timer(); wg_io.timer_armed moves it */

	struct runner *runner;
	struct rendezvous *rv;
	struct event *boot_timer;
	int boot_reported;
	int published_reported;
	int publish_failed;		/* reported; quiet until one works */

	struct session_cands cands;
	struct session_stun stun;

	struct peer *peers;
	uint64_t next_msg_id;

	struct session_via via[SESSION_VIA_MAX];
	struct session_turn *turn;	/* --turn allocations, nturn of them */
	unsigned nturn;
	struct relay *relay;		/* peer relay state (relay.c) */
	struct mailbox *mailbox;	/* NULL with --no-dht-fallback */
	struct event *mailbox_timer;

	struct event *sigint, *sigterm;
	struct event *drain_timer;	/* linger, then the drain bound */
	struct event *drain_check;	/* deferred: chat callbacks cannot send BYE */
	struct event *flow_check;	/* deferred: is some peer's send queue full? */
	int eof, draining, quitting;
	int status;
};

/* --- session.c ------------------------------------------------------------------- */
uint64_t session_mono_ns(void);
uint64_t session_mono_ms(void);
uint64_t session_unix_ms(void);
/* Arm ev at a monotonic ms deadline (UINT64_MAX: disarm). */
void session_timer_at(struct event *ev, uint64_t deadline_ms);
void session_emit(struct session *s, struct ui_event *ev);
void session_status(struct session *s, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void session_error(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A start-up failure: the UI, and stderr in batch mode. */
void session_fatal(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void session_info(struct session *s, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Leave now: BYE to every peer that is up, then stop the loop. */
void session_quit(struct session *s);
/* A pending message was acknowledged or given up: finish a drain if it was the last. */
void session_check_drain(struct session *s);
/* A peer's send queue grew or shrank: pause or resume batch input (from the loop). */
void session_input_flow(struct session *s);
/* Republish our record (nick changed). */
void session_republish(struct session *s);

/* --- session_net.c --------------------------------------------------------------- */
int session_net_open(struct session *s);
void session_net_close(struct session *s);
int session_send(struct session *s, const struct endpoint *to, const uint8_t *buf, size_t len);

/* --- session_cand.c -------------------------------------------------------------- */
void session_cand_gather(struct session *s);
/* Add our address as someone saw it (STUN, DHT, a pong); republish if the set changed. */
void session_cand_learnt(struct session *s, enum cand_type type, const struct endpoint *ep);
/* The DHT's view of our address may have changed. */
void session_cand_check_dht(struct session *s);
/* The record's candidates (at most RECORD_MAX_CANDIDATES); returns how many. */
unsigned session_cand_record(const struct session *s, struct cand *out);
void session_cand_publish(struct session *s);
/* "host 1.2.3.4:5, srflx ..." */
void session_cand_describe(const struct session *s, char *buf, size_t len);

/* --- session_stun.c -------------------------------------------------------------- */
int session_stun_start(struct session *s);
void session_stun_input(struct session *s, const struct endpoint *from, const uint8_t *buf,
    size_t len);
void session_stun_stop(struct session *s);
/* 1 if STUN saw different mappings from different servers. */
int session_stun_symmetric(const struct session *s);

/* --- peer.c ---------------------------------------------------------------------- */
void peer_on_record(struct session *s, const struct record *rec);
struct peer *peer_find_wg(struct session *s, const uint8_t wg[32]);
void peer_free(struct peer *p);
/* An authenticated WireGuard packet came from p. */
void peer_on_rx(struct peer *p);
/* WireGuard told us something about p (struct wg_peer user data). */
void peer_on_wg_event(struct peer *p, int ev);
/* A verified ping from p's WireGuard key arrived from "from". */
void peer_on_ping(struct peer *p, const struct endpoint *from);
/* Punching chose (or replaced) the pair to use. */
void peer_path_selected(struct peer *p);
/* Its path went away (the relay it went through left): down, punch again. */
void peer_path_lost(struct peer *p, const char *reason, const char *text);
/* Punching ended without any working pair. */
void peer_path_failed(struct peer *p);
void peer_rearm(struct peer *p);
/* One row for /who. */
void peer_who(struct peer *p);
/* Fill the identity fields of a UI event for p. */
void peer_ui(const struct peer *p, struct ui_event *ev, enum ui_event_kind kind);
int peer_is_up(const struct peer *p);

/* --- peer_chat.c ----------------------------------------------------------------- */
int peer_chat_new(struct peer *p);
void peer_chat_free(struct peer *p);
void peer_chat_rearm(struct peer *p);
/* A decrypted inner packet from p. */
void peer_chat_inner(struct peer *p, const uint8_t *pkt, size_t len);
/* Queue a line for p; msg_id is the session's id for it. 0 or -errno. */
int peer_chat_send(struct peer *p, const uint8_t *text, size_t len, uint64_t msg_id);
void peer_chat_hello(struct peer *p);
void peer_chat_bye(struct peer *p);
void peer_chat_path_changed(struct peer *p);
size_t peer_chat_pending(const struct peer *p);

/* --- path.c ---------------------------------------------------------------------- */
/* Punch every pair of p's record (plus extra, may be NULL). */
void path_start(struct peer *p, const struct endpoint *extra);
/* Up through a relay or TURN: 1 if so (probing for a direct pair goes on). */
int path_is_relayed(const struct peer *p);
/* Probe the peer's direct candidate pairs again while the relayed path stays up. */
void path_reprobe(struct peer *p);
void path_stop(struct peer *p);
int path_running(const struct peer *p);
void path_on_pong(struct peer *p, const struct probe_msg *m, const struct endpoint *from);
void path_on_peer_ping(struct peer *p, const struct endpoint *from);
/* "lan", "direct", "relay" (a peer relay) or "turn" for the current endpoint. */
const char *path_kind(const struct peer *p);
/* Why punching failed, for the user. */
const char *path_failure_hint(const struct peer *p);
/* struct cand (record) <-> struct endpoint. */
void path_cand_endpoint(const struct cand *c, struct endpoint *ep);

/* --- session_net.c (continued) ----------------------------------------------------- */
/* A datagram's payload that arrived through a relay or TURN: demux as if from "from". */
void session_net_inner(struct session *s, uint8_t *buf, size_t len, const struct endpoint *from);

/* --- session_via.c --------------------------------------------------------------- */
/* The synthetic endpoint for (kind, link, remote, target); 0, or -1 when the table is full. */
int session_via_get(struct session *s, enum via_kind kind, unsigned link,
    const struct endpoint *remote, const uint8_t target[32], struct endpoint *out);
/* The entry behind a synthetic endpoint, or NULL (not synthetic, or stale). */
struct session_via *session_via_find(struct session *s, const struct endpoint *ep);
enum via_kind session_via_kind(const struct session *s, const struct endpoint *ep);
/* Send through the path ep names; -EINVAL when ep is not a live via endpoint. */
int session_via_send(struct session *s, const struct endpoint *ep, const uint8_t *buf, size_t len);
/* Forget every via endpoint that goes through the relay at "relay". */
void session_via_drop_relay(struct session *s, const struct endpoint *relay);

/* --- session_turn.c -------------------------------------------------------------- */
int session_turn_start(struct session *s);
void session_turn_stop(struct session *s);
/* A datagram from "from": 1 if TURN took it (control, or data demuxed as from the peer). */
int session_turn_input(struct session *s, const struct endpoint *from, const uint8_t *buf,
    size_t len);
/* Payload for the peer at "remote" through TURN client "link". */
int session_turn_send(struct session *s, unsigned link, const struct endpoint *remote,
    const uint8_t *buf, size_t len);
/* Permissions for every address of the record (when its peer is found or moves). */
void session_turn_permit(struct session *s, const struct record *rec);
/* "turn: allocated 203.0.113.20:49152, ..." for exit stats. */
void session_turn_report(struct session *s);

/* --- relay.c --------------------------------------------------------------------- */
int relay_start(struct session *s);
void relay_stop(struct session *s);
/* A datagram of the relay family (F0 03, F0 04) from "from". */
void relay_input(struct session *s, uint8_t *buf, size_t len, const struct endpoint *from);
/* Send buf (a WireGuard message) to the peer with WireGuard key target through the relay at r. */
int relay_send(struct session *s, const struct endpoint *r, const uint8_t target[32],
    const uint8_t *buf, size_t len);
/* p has no direct path: ask the peers that are up whether they can reach it. */
void relay_seek(struct peer *p);
/* p went away (BYE, record expired, path down): paths through it are dead. */
void relay_peer_gone(struct peer *p);
/* The relay's nick for p's path, or NULL when p is not relayed. */
const struct peer *relay_via_peer(const struct peer *p);
void relay_report(struct session *s);

/* --- session_mailbox.c ----------------------------------------------------------- */
/* The DHT mailbox, unless --no-dht-fallback; after the runner, stopped before it. */
int session_mailbox_start(struct session *s);
void session_mailbox_stop(struct session *s);
/* p has no path: chat goes through the mailbox from now on (path "dht"). */
void session_mailbox_use(struct peer *p);
/* One chat frame for p (p->dht) through the mailbox. */
void session_mailbox_send(struct peer *p, const uint8_t *frame, size_t len);
/* Put what waits now (BYEs at the end). */
void session_mailbox_flush(struct session *s);
/* Exit stats: frames, puts, and accepted/rejected values by reason. */
void session_mailbox_report(struct session *s);

/* --- commands.c ------------------------------------------------------------------ */
void commands_line(struct session *s, const char *line, size_t len);

#endif
