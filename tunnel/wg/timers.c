/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * timers.c — the timer state machine of the paper (6.1-6.5), after Linux's
 * timers.c, as pure bookkeeping: the hooks below arm and disarm deadlines,
 * and wg_timers_expire() tells the caller which one is due. What a timer
 * does when it expires (send an initiation or a keepalive, give up, wipe
 * keys) is peer.c's (wg_peer_run_timers), so this file calls neither
 * send.c nor noise.c and touches no socket. Event table (hook: effect):
 *
 *   handshake_initiated:     arm retransmit at REKEY_TIMEOUT + jitter
 *   handshake_complete:      disarm retransmit, reset attempts
 *   session_derived:         arm zero-key-material at 3 * REJECT_AFTER_TIME
 *   data_sent:               arm new-handshake at KEEPALIVE + REKEY_TIMEOUT + jitter (if not armed)
 *   data_received:           arm send-keepalive at KEEPALIVE_TIMEOUT (or note another one is needed)
 *   any_..._sent:            disarm send-keepalive (our packet carried the ack)
 *   any_..._received:        disarm new-handshake (the peer is alive)
 *   any_..._traversal:       re-arm persistent keepalive
 *   retransmit_expired:      count the attempt; after the last one, give up:
 *                            disarm send-keepalive, reset attempts, arm
 *                            zero-key-material (unless armed)
 *   passive_keepalive_sent:  re-arm send-keepalive if data came in meanwhile
 *   set_persistent_keepalive: set the interval; 0 disarms
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/wg/device.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/peer.h"
#include "tunnel/wg/timers.h"

static uint64_t
sec(uint64_t s)
{
	return s * WG_NS_PER_SEC;
}

static uint64_t
jitter(void)
{
	return (uint64_t)randombytes_uniform(REKEY_TIMEOUT_JITTER_MAX_MS * 1000000U);
}

static void
mod_timer(struct wg_peer *peer, enum wg_timer_kind kind, uint64_t deadline)
{
	peer->timers.deadline[kind] = deadline;
	peer->timers.armed |= 1U << kind;
	wg_device_timer_armed(peer->dev, deadline);
}

static void
del_timer(struct wg_peer *peer, enum wg_timer_kind kind)
{
	peer->timers.armed &= ~(1U << kind);
}

int
wg_timers_pending(const struct wg_peer *peer, enum wg_timer_kind kind)
{
	return (peer->timers.armed & (1U << kind)) != 0;
}

void
wg_timers_init(struct wg_timers *t)
{
	memset(t, 0, sizeof *t);
}

void
wg_timers_stop(struct wg_peer *peer)
{
	peer->timers.armed = 0;
}

uint64_t
wg_timers_next(const struct wg_peer *peer)
{
	uint64_t	 next = UINT64_MAX;
	int		 k;

	for (k = 0; k < WG_TIMER__COUNT; k++) {
		if (wg_timers_pending(peer, k) && peer->timers.deadline[k] < next)
			next = peer->timers.deadline[k];
	}
	return next;
}

int
wg_timers_expire(struct wg_peer *peer, enum wg_timer_kind kind, uint64_t now)
{
	if (!wg_timers_pending(peer, kind) ||
	    !wg_time_has_passed(peer->timers.deadline[kind], 0, now))
		return 0;
	del_timer(peer, kind);
	return 1;
}

enum wg_timers_retransmit
wg_timers_retransmit_expired(struct wg_peer *peer)
{
	/*
	 * MAX_TIMER_HANDSHAKES initiations (one per REKEY_TIMEOUT) span
	 * REKEY_ATTEMPT_TIME: when the last one times out, give up. (Linux
	 * allows two more, ~100 s; the paper says 90 s.)
	 */
	if (peer->timers.handshake_attempts + 1 >= MAX_TIMER_HANDSHAKES) {
		del_timer(peer, WG_TIMER_SEND_KEEPALIVE);
		/* Wipe the residue of the partial exchange later. */
		if (!wg_timers_pending(peer, WG_TIMER_ZERO_KEY_MATERIAL))
			mod_timer(peer, WG_TIMER_ZERO_KEY_MATERIAL,
			    wg_device_now(peer->dev) + sec(3 * REJECT_AFTER_TIME));
		peer->timers.handshake_attempts = 0;
		return WG_RETRANSMIT_GIVE_UP;
	}
	++peer->timers.handshake_attempts;
	return WG_RETRANSMIT_AGAIN;
}

void
wg_timers_passive_keepalive_sent(struct wg_peer *peer)
{
	if (peer->timers.need_another_keepalive) {
		peer->timers.need_another_keepalive = 0;
		mod_timer(peer, WG_TIMER_SEND_KEEPALIVE,
		    wg_device_now(peer->dev) + sec(KEEPALIVE_TIMEOUT));
	}
}

void
wg_timers_set_persistent_keepalive(struct wg_peer *peer, unsigned seconds)
{
	peer->timers.persistent_keepalive_interval = seconds;
	if (seconds == 0)
		del_timer(peer, WG_TIMER_PERSISTENT_KEEPALIVE);
}

void
wg_timers_data_sent(struct wg_peer *peer)
{
	if (!wg_timers_pending(peer, WG_TIMER_NEW_HANDSHAKE))
		mod_timer(peer, WG_TIMER_NEW_HANDSHAKE, wg_device_now(peer->dev) +
		    sec(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) + jitter());
}

void
wg_timers_data_received(struct wg_peer *peer)
{
	if (!wg_timers_pending(peer, WG_TIMER_SEND_KEEPALIVE))
		mod_timer(peer, WG_TIMER_SEND_KEEPALIVE,
		    wg_device_now(peer->dev) + sec(KEEPALIVE_TIMEOUT));
	else
		peer->timers.need_another_keepalive = 1;
}

void
wg_timers_any_authenticated_packet_sent(struct wg_peer *peer)
{
	del_timer(peer, WG_TIMER_SEND_KEEPALIVE);
}

void
wg_timers_any_authenticated_packet_received(struct wg_peer *peer)
{
	del_timer(peer, WG_TIMER_NEW_HANDSHAKE);
}

void
wg_timers_handshake_initiated(struct wg_peer *peer)
{
	mod_timer(peer, WG_TIMER_RETRANSMIT_HANDSHAKE, wg_device_now(peer->dev) +
	    sec(REKEY_TIMEOUT) + jitter());
}

void
wg_timers_handshake_complete(struct wg_peer *peer)
{
	del_timer(peer, WG_TIMER_RETRANSMIT_HANDSHAKE);
	peer->timers.handshake_attempts = 0;
	peer->timers.sent_lastminute_handshake = 0;
	peer->last_handshake = wg_device_now(peer->dev);
}

void
wg_timers_session_derived(struct wg_peer *peer)
{
	mod_timer(peer, WG_TIMER_ZERO_KEY_MATERIAL,
	    wg_device_now(peer->dev) + sec(3 * REJECT_AFTER_TIME));
}

void
wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer)
{
	if (peer->timers.persistent_keepalive_interval > 0)
		mod_timer(peer, WG_TIMER_PERSISTENT_KEEPALIVE, wg_device_now(peer->dev) +
		    sec(peer->timers.persistent_keepalive_interval));
}
