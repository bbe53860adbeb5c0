/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * timers.h — every per-peer timer of the WireGuard paper (section 6), as
 * deadlines on the caller's monotonic clock. Only timers.c arms or disarms
 * them; packet code reports events through the wg_timers_* hooks. The
 * device asks for the earliest deadline; peer.c (wg_peer_run_timers) takes
 * each due timer with wg_timers_expire() and does what it stands for.
 */
#ifndef GONET_TUNNEL_TIMERS_H
#define GONET_TUNNEL_TIMERS_H

#include <stdint.h>

struct wg_peer;

enum wg_timer_kind {
	WG_TIMER_RETRANSMIT_HANDSHAKE,
	WG_TIMER_SEND_KEEPALIVE,
	WG_TIMER_NEW_HANDSHAKE,
	WG_TIMER_ZERO_KEY_MATERIAL,
	WG_TIMER_PERSISTENT_KEEPALIVE,
	WG_TIMER__COUNT
};

struct wg_timers {
	uint64_t	 deadline[WG_TIMER__COUNT];
	unsigned	 armed;			/* bit (1 << enum wg_timer_kind) */
	unsigned	 handshake_attempts;
	int		 need_another_keepalive;
	int		 sent_lastminute_handshake;
	unsigned	 persistent_keepalive_interval;	/* seconds, 0 = off */
};

/* 1 when now is at or past start + delta (wrap-safe; start may be "before 0"). */
static inline int
wg_time_has_passed(uint64_t start, uint64_t delta, uint64_t now)
{
	return (int64_t)(start + delta - now) <= 0;
}

void wg_timers_init(struct wg_timers *t);
void wg_timers_stop(struct wg_peer *peer);
int wg_timers_pending(const struct wg_peer *peer, enum wg_timer_kind kind);
/* Earliest armed deadline, UINT64_MAX if none. */
uint64_t wg_timers_next(const struct wg_peer *peer);
/* If kind is armed and due at now, disarms it and returns 1: the caller runs its expiry. */
int wg_timers_expire(struct wg_peer *peer, enum wg_timer_kind kind, uint64_t now);

/* Should be called after an authenticated data packet is sent. */
void wg_timers_data_sent(struct wg_peer *peer);
/* Should be called after an authenticated data packet is received. */
void wg_timers_data_received(struct wg_peer *peer);
/* Should be called after any authenticated packet is sent: keepalive, data or handshake. */
void wg_timers_any_authenticated_packet_sent(struct wg_peer *peer);
/* Should be called after any authenticated packet is received: keepalive, data or handshake. */
void wg_timers_any_authenticated_packet_received(struct wg_peer *peer);
/* Should be called after a handshake initiation is sent. */
void wg_timers_handshake_initiated(struct wg_peer *peer);
/* Should be called after a response is consumed, or on key confirmation by the first data packet. */
void wg_timers_handshake_complete(struct wg_peer *peer);
/* Should be called after transport keys are derived (either role). */
void wg_timers_session_derived(struct wg_peer *peer);
/* Should be called before an authenticated packet is sent or after one is received. */
void wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer);

/* What the expiry of the retransmit-handshake timer asks for. */
enum wg_timers_retransmit {
	WG_RETRANSMIT_AGAIN,		/* attempt counted: send the next initiation */
	WG_RETRANSMIT_GIVE_UP		/* REKEY_ATTEMPT_TIME is over: stop trying */
};
/*
 * Should be called when the retransmit-handshake timer expired. Giving up
 * resets the attempts, disarms send-keepalive and arms zero-key-material
 * (3 * REJECT_AFTER_TIME) unless it is armed.
 */
enum wg_timers_retransmit wg_timers_retransmit_expired(struct wg_peer *peer);
/* Should be called after the keepalive of an expired send-keepalive timer went out. */
void wg_timers_passive_keepalive_sent(struct wg_peer *peer);
/* Persistent keepalive interval in seconds; 0 turns it off and disarms it. */
void wg_timers_set_persistent_keepalive(struct wg_peer *peer, unsigned seconds);

#endif
