/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * chat_reliable.h — one peer's chat state: reliable, ordered, exactly-once
 * delivery of MSG and XMSG frames in both directions, plus HELLO and BYE.
 *
 * No sockets and no event loop: the owner feeds in received frames and clock
 * ticks, and gets frames to transmit and events back through callbacks. Time
 * comes from an injectable clock, so tests run on a fake one.
 *
 * Driving it (the session's side):
 *	p = chat_peer_new(&clock, &ops, arg);
 *	chat_peer_send_hello(p, nick, len);	when the peer's tunnel comes up
 *	chat_peer_send(p, text, len, &id);	a line the user typed
 *	chat_peer_send_flags(p, text, len, CHAT_FLAG_PRIVATE, &id);	one for this peer alone
 *	chat_peer_input(p, bytes, len);		a datagram from port 7777
 *	chat_peer_path_changed(p);		the peer's endpoint moved
 *	at chat_peer_next_deadline(p): chat_peer_on_timer(p);
 *	chat_peer_send_bye(p); chat_peer_free(p);
 * and re-arm the timer after each call, since any of them may move the
 * deadline.
 *
 * Callbacks run synchronously inside those calls and must not call back into
 * the same chat_peer (queue the work instead).
 */
#ifndef GONET_CHAT_RELIABLE_H
#define GONET_CHAT_RELIABLE_H

#include <stddef.h>
#include <stdint.h>

#include "src/chat/chatproto.h"
#include "src/chat/chat_codec.h"
#include "src/clock/clock.h"

struct chat_peer;

/* A message from the peer, handed over exactly once and in order. */
struct chat_delivery {
	uint64_t seq;
	uint64_t unix_ms;		/* the sender's clock when written */
	uint64_t flags;			/* enum chat_flag bits of an XMSG; 0 for a MSG */
	const uint8_t *text;		/* well-formed UTF-8, NOT sanitized, not NUL-terminated */
	size_t len;
};

/* Every member may be NULL except transmit. */
struct chat_peer_ops {
	/* Send one frame to the peer's port 7777; best effort, may be lost. */
	void (*transmit)(void *arg, const uint8_t *frame, size_t len);
	void (*deliver)(void *arg, const struct chat_delivery *d);
	/* Our message id reached the peer. */
	void (*acked)(void *arg, uint64_t id);
	/*
	 * Our message id was not acknowledged within CHAT_UNDELIVERED_MS of
	 * being written, or the peer said BYE, or the peer was freed: tell the
	 * user. It is never retried again (it may still have arrived if only
	 * its acknowledgement was lost).
	 */
	void (*undelivered)(void *arg, uint64_t id, const uint8_t *text, size_t len);
	/* The peer gave up on one of its messages: there is a gap here. */
	void (*lost)(void *arg, uint64_t seq);
	/* nick: well-formed UTF-8, NOT sanitized. */
	void (*hello)(void *arg, const uint8_t *nick, size_t len, uint64_t version);
	void (*bye)(void *arg);
};

struct chat_peer_stats {
	uint64_t drops[CHAT_DROP_MAX];	/* by reason; [CHAT_DROP_NONE] unused */
	uint64_t sent;			/* MSG and XMSG frames, first transmissions */
	uint64_t retransmitted;
	uint64_t delivered;
	uint64_t delivered_private;	/* of them, XMSG flagged private */
	uint64_t acked;
	uint64_t undelivered;
	uint64_t resyncs;		/* our messages renumbered for a restarted peer */
	uint64_t peer_sessions;		/* sessions of the peer seen (its epochs) */
	uint64_t srtt_ms;		/* 0 before the first sample */
	uint64_t rttvar_ms;
	uint64_t rto_ms;
};

/* NULL on out of memory. The clock and ops are copied. */
struct chat_peer *chat_peer_new(const struct clock *clock,
    const struct chat_peer_ops *ops, void *arg);
/* Reports every unacknowledged message as undelivered, then frees. NULL ok. */
void chat_peer_free(struct chat_peer *p);

/*
 * Queue text (1..CHAT_TEXT_MAX bytes of UTF-8) for the peer and transmit it
 * if the window allows. On success store its id (1, 2, 3, ... per chat_peer;
 * the acked/undelivered callbacks name it) and return 0. Returns -EINVAL for
 * empty, oversized or ill-formed text, -ENOBUFS when CHAT_SEND_QUEUE_MAX
 * messages are already waiting, -ENOMEM.
 */
int chat_peer_send(struct chat_peer *p, const uint8_t *text, size_t len, uint64_t *id);
/*
 * The same with enum chat_flag bits: flags != 0 goes out as an XMSG, which
 * a peer older than CHAT_VERSION_XMSG drops unseen (and so never
 * acknowledges): the caller checks chat_peer_version() first.
 */
int chat_peer_send_flags(struct chat_peer *p, const uint8_t *text, size_t len, uint64_t flags,
    uint64_t *id);

/* Transmit HELLO / BYE (unreliable: the caller repeats HELLO as it sees fit). */
int chat_peer_send_hello(struct chat_peer *p, const uint8_t *nick, size_t len);
int chat_peer_send_bye(struct chat_peer *p);

/* A datagram from the peer's port 7777. Returns CHAT_DROP_NONE or the reason. */
enum chat_drop chat_peer_input(struct chat_peer *p, const uint8_t *buf, size_t len);
/* The same, for a frame already decoded (its pointers valid for the call). */
enum chat_drop chat_peer_input_frame(struct chat_peer *p, const struct chat_frame *f);

/* When chat_peer_on_timer() should next run (mono ms); UINT64_MAX for never. */
uint64_t chat_peer_next_deadline(const struct chat_peer *p);
/* Retransmit what is due, report what expired. Harmless when called early. */
void chat_peer_on_timer(struct chat_peer *p);

/*
 * The path to the peer changed (new endpoint, new handshake): forget the RTT
 * estimate and backoff, and retransmit everything unacknowledged now.
 */
void chat_peer_path_changed(struct chat_peer *p);

/* The chat version of the peer's latest HELLO; 0 before its first. */
uint64_t chat_peer_version(const struct chat_peer *p);

/* Counters and the current RTT estimate. */
void chat_peer_get_stats(const struct chat_peer *p, struct chat_peer_stats *st);
/* Messages written and not yet acknowledged or reported undelivered. */
size_t chat_peer_pending(const struct chat_peer *p);

#endif
