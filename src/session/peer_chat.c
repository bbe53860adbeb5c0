/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer_chat.c — the chat with one peer: chat frames in inner IPv6/UDP
 * packets between the two tunnel addresses, port 7777 at both ends
 * (doc/PROTOCOL.md "Chat"), through chat_reliable for ordered, exactly-once
 * delivery, and its events turned into UI events.
 *
 * Frames are only handed to WireGuard while the path is up: before that
 * chat_reliable keeps them, and peer_chat_path_changed() retransmits them
 * when the path comes up. HELLO is repeated with backoff until the peer's
 * HELLO arrives, and answered unless we sent one within
 * PEER_HELLO_REPLY_GUARD_MS (so a peer that restarted, or probes an idle
 * path, hears from us).
 *
 * chat_reliable's callbacks must not call back into the same chat_peer:
 * anything that would (a HELLO answer, the BYE at the end of a drain) is
 * deferred to a timer.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "tunnel/net/ip.h"
#include "src/identity/pins.h"
#include "src/session/session_impl.h"
#include "tunnel/wg/wg.h"

enum {
	INNER_MAX = IP6_HEADER_LEN + UDP_HEADER_LEN + CHAT_FRAME_MAX
};

/* --- our message ids ------------------------------------------------------------------- */

static int
ids_put(struct peer *p, uint64_t chat_id, uint64_t msg_id)
{
	if (p->nids == p->capids) {
		size_t cap = p->capids ? p->capids * 2 : 16;
		struct peer_msgid *n = realloc(p->ids, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		p->ids = n;
		p->capids = cap;
	}
	p->ids[p->nids].chat_id = chat_id;
	p->ids[p->nids].msg_id = msg_id;
	p->nids++;
	return 0;
}

static uint64_t
ids_take(struct peer *p, uint64_t chat_id)
{
	uint64_t msg_id;
	size_t i;

	for (i = 0; i < p->nids; i++) {
		if (p->ids[i].chat_id != chat_id)
			continue;
		msg_id = p->ids[i].msg_id;
		p->ids[i] = p->ids[--p->nids];
		return msg_id;
	}
	return 0;
}

/* --- chat_reliable callbacks ------------------------------------------------------------ */

static void
transmit(void *arg, const uint8_t *frame, size_t len)
{
	struct peer *p = arg;
	uint8_t pkt[INNER_MAX];
	struct ip_udp u;
	long n;

	if (p->state != PEER_UP) {
		if (p->dht && p->state != PEER_LEFT) {
			session_mailbox_send(p, frame, len);	/* the last resort */
			return;
		}
		p->s->drops[SDROP_NOT_UP]++;
		return;		/* chat_reliable retransmits when the path comes up */
	}
	memset(&u, 0, sizeof(u));
	u.family = AF_INET6;
	memcpy(u.src, p->s->tunnel_addr, 16);
	memcpy(u.dst, p->tunnel_addr, 16);
	u.sport = CHAT_PORT;
	u.dport = CHAT_PORT;
	u.payload = frame;
	u.payload_len = len;
	if ((n = ip_udp_build(pkt, sizeof(pkt), &u)) > 0)
		(void)wg_peer_send(p->wg, pkt, (size_t)n);
}

static void
deliver(void *arg, const struct chat_delivery *d)
{
	struct peer *p = arg;
	char text[CHAT_TEXT_MAX + 1];
	struct ui_event ev;

	if (d->len == 0 || d->len > CHAT_TEXT_MAX)
		return;
	memcpy(text, d->text, d->len);
	text[d->len] = '\0';
	peer_ui(p, &ev, UI_EV_MESSAGE);
	ev.text = text;
	ev.text_len = d->len;
	ev.unix_ms = d->unix_ms;
	ev.seq = d->seq;
	session_emit(p->s, &ev);
}

static void
acked(void *arg, uint64_t id)
{
	struct peer *p = arg;
	struct ui_event ev;

	peer_ui(p, &ev, UI_EV_DELIVERED);
	ev.seq = ids_take(p, id);
	session_emit(p->s, &ev);
	session_check_drain(p->s);
	session_input_flow(p->s);
}

static void
undelivered(void *arg, uint64_t id, const uint8_t *text, size_t len)
{
	struct peer *p = arg;
	char buf[CHAT_TEXT_MAX + 1];
	struct ui_event ev;

	if (len > CHAT_TEXT_MAX)
		len = CHAT_TEXT_MAX;
	memcpy(buf, text, len);
	buf[len] = '\0';
	peer_ui(p, &ev, UI_EV_UNDELIVERED);
	ev.seq = ids_take(p, id);
	ev.text = buf;
	ev.text_len = len;
	ev.reason = p->state == PEER_LEFT ? "left" : "timeout";
	session_emit(p->s, &ev);
	session_check_drain(p->s);
	session_input_flow(p->s);
}

static void
lost(void *arg, uint64_t seq)
{
	struct peer *p = arg;
	struct ui_event ev;

	peer_ui(p, &ev, UI_EV_INFO);
	ev.what = "lost";
	ev.text = "a message from this peer was lost (it gave up on it)";
	ev.seq = seq;
	session_emit(p->s, &ev);
}

static void
hello(void *arg, const uint8_t *nick, size_t len, uint64_t version)
{
	struct peer *p = arg;
	char old[RECORD_MAX_NICK + 1];
	struct ui_event ev;

	(void)version;
	if (len > RECORD_MAX_NICK)
		len = RECORD_MAX_NICK;
	p->hello_received = 1;
	if (session_mono_ms() >= p->hello_sent_ms + PEER_HELLO_REPLY_GUARD_MS)
		p->hello_reply_due = 1;
	if (len != strlen(p->nick) || memcmp(nick, p->nick, len) != 0) {
		memcpy(old, p->nick, sizeof(old));
		memcpy(p->nick, nick, len);
		p->nick[len] = '\0';
		p->flagged = pins_check(p->s->cfg->cache_dir, p->nick, p->fp);
		peer_ui(p, &ev, UI_EV_NICK);
		ev.old = old;
		session_emit(p->s, &ev);
	}
	peer_rearm(p);
}

static void
bye(void *arg)
{
	struct peer *p = arg;
	struct ui_event ev;

	if (p->state == PEER_LEFT)
		return;
	p->state = PEER_LEFT;
	relay_peer_gone(p);		/* peers relayed through it must find another path */
	path_stop(p);
	wg_peer_set_persistent_keepalive(p->wg, 0);
	peer_ui(p, &ev, UI_EV_PEER_LEFT);
	ev.reason = "bye";
	ev.text = "said goodbye";
	session_emit(p->s, &ev);
	peer_rearm(p);
}

static const struct chat_peer_ops chat_ops = {
	transmit, deliver, acked, undelivered, lost, hello, bye
};

/* --- the peer's side ---------------------------------------------------------------------- */

static void
on_chat_timer(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)what;
	chat_peer_on_timer(p->chat);
	peer_chat_rearm(p);
}

void
peer_chat_rearm(struct peer *p)
{
	if (p->chat != NULL && p->chat_timer != NULL)
		session_timer_at(p->chat_timer, chat_peer_next_deadline(p->chat));
}

int
peer_chat_new(struct peer *p)
{
	if ((p->chat_timer = evtimer_new(p->s->base, on_chat_timer, p)) == NULL)
		return -1;
	if ((p->chat = chat_peer_new(&p->s->clock, &chat_ops, p)) == NULL) {
		event_free(p->chat_timer);
		p->chat_timer = NULL;
		return -1;
	}
	return 0;
}

void
peer_chat_free(struct peer *p)
{
	chat_peer_free(p->chat);
	p->chat = NULL;
	if (p->chat_timer != NULL)
		event_free(p->chat_timer);
	p->chat_timer = NULL;
	free(p->ids);
	p->ids = NULL;
	p->nids = p->capids = 0;
}

void
peer_chat_inner(struct peer *p, const uint8_t *pkt, size_t len)
{
	struct session *s = p->s;
	struct ip_udp u;

	if (ip_udp_parse(pkt, len, &u) != IP_OK || u.family != AF_INET6) {
		s->drops[SDROP_INNER]++;
		return;
	}
	if (u.sport != CHAT_PORT || u.dport != CHAT_PORT || memcmp(u.dst, s->tunnel_addr, 16) != 0 ||
	    memcmp(u.src, p->tunnel_addr, 16) != 0) {
		s->drops[SDROP_INNER_PORT]++;
		return;
	}
	if (chat_peer_input(p->chat, u.payload, u.payload_len) != CHAT_DROP_NONE)
		s->drops[SDROP_CHAT]++;
	peer_chat_rearm(p);
}

int
peer_chat_send(struct peer *p, const uint8_t *text, size_t len, uint64_t msg_id)
{
	uint64_t chat_id;
	int r;

	if ((r = chat_peer_send(p->chat, text, len, &chat_id)) != 0)
		return r;
	if (ids_put(p, chat_id, msg_id) != 0)
		return 0;	/* sent; only its UI seq will read 0 */
	peer_chat_rearm(p);
	return 0;
}

void
peer_chat_hello(struct peer *p)
{
	uint64_t now = session_mono_ms();

	(void)chat_peer_send_hello(p->chat, (const uint8_t *)p->s->nick, strlen(p->s->nick));
	p->hello_sent_ms = now;
	p->hello_reply_due = 0;
	if (!p->hello_received) {
		p->hello_next_ms = now + p->hello_interval_ms;
		p->hello_interval_ms = p->hello_interval_ms * 2 < PEER_HELLO_MAX_MS ?
		    p->hello_interval_ms * 2 : PEER_HELLO_MAX_MS;
	}
	peer_rearm(p);
}

void
peer_chat_bye(struct peer *p)
{
	(void)chat_peer_send_bye(p->chat);
}

void
peer_chat_path_changed(struct peer *p)
{
	chat_peer_path_changed(p->chat);
	peer_chat_rearm(p);
}

size_t
peer_chat_pending(const struct peer *p)
{
	return p->chat != NULL ? chat_peer_pending(p->chat) : 0;
}
