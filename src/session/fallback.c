/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fallback.c — the fallback policy (fallback.h). Each peer has one timer:
 * poked when its state changes, armed at the next step's time otherwise;
 * nothing here polls. The kinds are sought through links_seek() only.
 */
#include "config.h"

#include "src/session/core.h"
#include "src/session/fallback.h"
#include "src/session/peer.h"

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Punching without a selected pair for this long. */
static int
punching_without_pair(const struct peer *p, uint64_t after_ms, uint64_t now)
{
	return p->state == PEER_PUNCHING && punch_selected(&p->punching.punch) == NULL &&
	    now >= p->punching.punch.start_ms + after_ms;
}

int
fallback_due(const struct peer *p, enum link_kind kind, uint64_t now)
{
	switch (kind) {
	case LINK_DIRECT:
		return 1;
	case LINK_RELAY:
		return p->state == PEER_FAILED || punching_without_pair(p, FALLBACK_RELAY_MS, now);
	case LINK_TURN:
		return now >= p->punching.punch.start_ms + FALLBACK_TURN_MS;
	case LINK_DHT:
		return p->state == PEER_FAILED;
	case LINK__COUNT:
		break;
	}
	return 0;
}

/* Ask for a relay now and then while one is wanted; returns when to look again. */
static uint64_t
ask_relay(struct peer *p, uint64_t now)
{
	if (p->fb.relay_asked_ms == 0 || now >= p->fb.relay_asked_ms + FALLBACK_RELAY_REPEAT_MS) {
		p->fb.relay_asked_ms = now;
		links_seek(p->s, LINK_RELAY, p);
	}
	return p->fb.relay_asked_ms + FALLBACK_RELAY_REPEAT_MS;
}

static void
on_timer(void *arg)
{
	struct peer *p = arg;
	struct session *s = p->s;
	uint64_t now = session_now_ms(s), next = UINT64_MAX;

	switch (p->state) {
	case PEER_UP:
		/* Up through a relay or TURN: look for a direct pair now and then. */
		if (!peer_relayed(p))
			break;
		if (now >= p->fb.reprobe_ms + FALLBACK_RETRY_MS) {
			p->fb.reprobe_ms = now;
			links_seek(s, LINK_DIRECT, p);
		}
		next = p->fb.reprobe_ms + FALLBACK_RETRY_MS;
		break;
	case PEER_PUNCHING:
		if (punch_selected(&p->punching.punch) != NULL)
			break;
		if (fallback_due(p, LINK_RELAY, now))
			next = ask_relay(p, now);
		else
			next = p->punching.punch.start_ms + FALLBACK_RELAY_MS;
		break;
	case PEER_FAILED:
		if (p->fb.frames == NULL)
			links_seek(s, LINK_DHT, p);
		next = ask_relay(p, now);
		if (p->fb.frames != NULL) {
			/* On the DHT path: punch again now and then; a path may work again. */
			if (now >= p->fb.frames_ms + FALLBACK_RETRY_MS) {
				p->fb.frames_ms = now;
				links_seek(s, LINK_DIRECT, p);
				fallback_update(p);	/* the state moved on */
				return;
			}
			next = min_u64(next, p->fb.frames_ms + FALLBACK_RETRY_MS);
		}
		break;
	case PEER_NEW:
	case PEER_HANDSHAKE:
	case PEER_LEFT:
		break;
	}
	timer_at(p->fb.timer, next);
}

int
fallback_new(struct peer *p)
{
	return (p->fb.timer = timer_new(p->s->timers, on_timer, p)) != NULL ? 0 : -1;
}

void
fallback_free(struct peer *p)
{
	timer_free(p->fb.timer);
	p->fb.timer = NULL;
}

void
fallback_update(struct peer *p)
{
	session_poke(p->fb.timer);
}
