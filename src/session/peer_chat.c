/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer_chat.c — the chat with one peer (peer_chat.h).
 *
 * Frames are only handed to WireGuard while the path is up: before that
 * chat_reliable keeps them, and peer_chat_path_changed() retransmits them
 * when the path comes up. On the DHT path they go through the link that
 * carries frames.
 *
 * chat_reliable's callbacks must not call back into the same chat_peer:
 * anything that would (a HELLO answer, the BYE at the end of a drain) is
 * deferred to a timer; the queue and drain checks are pokes (ending.c), and
 * so is the outbox's (outbox.c: a peer that says HELLO can take what waits).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/chat/chat_reliable.h"
#include "src/session/core.h"
#include "src/session/peer.h"
#include "src/session/inner.h"
#include "src/session/peer_chat.h"
#include "src/session/tell.h"
#include "tunnel/net/ip.h"
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

/* A pending message was acknowledged or given up: a drain or a paused input may move on. */
static void
queue_changed(struct peer *p)
{
	session_poke(p->s->end.drain_check);
	session_poke(p->s->end.flow_check);
}

/* --- chat_reliable callbacks ------------------------------------------------------------ */

static void
transmit(void *arg, const uint8_t *frame, size_t len)
{
	struct peer *p = arg;
	if (p->state != PEER_UP) {
		struct link *l = p->fb.frames;

		if (l != NULL && p->state != PEER_LEFT) {
			/* The last resort: the frame alone, through the link. */
			if (l->ops->send_frame(l, p, frame, len) != 0)
				p->s->drops[SDROP_NOT_UP]++;
			return;
		}
		p->s->drops[SDROP_NOT_UP]++;
		return;		/* chat_reliable retransmits when the path comes up */
	}
	(void)inner_send(p, CHAT_PORT, frame, len);
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
	ev.msg = ((d->flags & CHAT_FLAG_PRIVATE) ? UI_MSG_PRIVATE : 0) |
	    ((d->flags & CHAT_FLAG_ACTION) ? UI_MSG_ACTION : 0);
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
	queue_changed(p);
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
	queue_changed(p);
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

	(void)version;		/* chat_reliable keeps it: peer_chat_version() */
	p->chat_hooks->hello(p, nick, len);
	session_poke(p->s->outbox.check);
}

static void
bye(void *arg)
{
	struct peer *p = arg;

	p->chat_hooks->bye(p);
}

static const struct chat_peer_ops chat_ops = {
	transmit, deliver, acked, undelivered, lost, hello, bye
};

/* --- the peer's side ---------------------------------------------------------------------- */

static void
rearm(struct peer *p)
{
	if (p->chat != NULL)
		timer_at(p->chat_timer, chat_peer_next_deadline(p->chat));
}

static void
on_chat_timer(void *arg)
{
	struct peer *p = arg;

	chat_peer_on_timer(p->chat);
	rearm(p);
}

int
peer_chat_new(struct peer *p, const struct peer_chat_hooks *hooks)
{
	p->chat_hooks = hooks;
	if ((p->chat_timer = timer_new(p->s->timers, on_chat_timer, p)) == NULL)
		return -1;
	if ((p->chat = chat_peer_new(p->s->clock, &chat_ops, p)) == NULL) {
		timer_free(p->chat_timer);
		p->chat_timer = NULL;
		return -1;
	}
	return 0;
}

void
peer_chat_free(struct peer *p)
{
	chat_peer_free(p->chat);	/* reports what is still pending as undelivered */
	p->chat = NULL;
	timer_free(p->chat_timer);
	p->chat_timer = NULL;
	free(p->ids);
	p->ids = NULL;
	p->nids = p->capids = 0;
}

void
peer_chat_frame(struct peer *p, const uint8_t *frame, size_t len)
{
	if (chat_peer_input(p->chat, frame, len) != CHAT_DROP_NONE)
		p->s->drops[SDROP_CHAT]++;
	rearm(p);
}

int
peer_chat_send(struct peer *p, const uint8_t *text, size_t len, uint64_t flags, uint64_t msg_id)
{
	uint64_t chat_id;
	int r;

	if ((r = chat_peer_send_flags(p->chat, text, len, flags, &chat_id)) != 0)
		return r;
	if (ids_put(p, chat_id, msg_id) != 0)
		return 0;	/* sent; only its UI seq will read 0 */
	rearm(p);
	return 0;
}

void
peer_chat_hello(struct peer *p)
{
	(void)chat_peer_send_hello(p->chat, (const uint8_t *)p->s->nick, strlen(p->s->nick));
	rearm(p);
}

void
peer_chat_bye(struct peer *p)
{
	(void)chat_peer_send_bye(p->chat);
	rearm(p);
}

void
peer_chat_path_changed(struct peer *p)
{
	chat_peer_path_changed(p->chat);
	rearm(p);
}

uint64_t
peer_chat_version(const struct peer *p)
{
	return p->chat != NULL ? chat_peer_version(p->chat) : 0;
}

size_t
peer_chat_pending(const struct peer *p)
{
	return p->chat != NULL ? chat_peer_pending(p->chat) : 0;
}

void
peer_chat_report(struct peer *p)
{
	struct chat_peer_stats st;
	struct tell_line drops = { .pos = 0 };
	char text[1024];
	struct ui_event ev;
	int i;

	if (p->chat == NULL)
		return;
	chat_peer_get_stats(p->chat, &st);
	for (i = 1; i < CHAT_DROP_MAX; i++)
		tell_count(&drops, "", chat_drop_name(i), st.drops[i]);
	snprintf(text, sizeof(text), "chat version %llu; in: %llu delivered (%llu private), "
	    "dropped %s; out: %llu sent, %llu retransmitted, %llu acknowledged, %llu undelivered",
	    (unsigned long long)chat_peer_version(p->chat), (unsigned long long)st.delivered,
	    (unsigned long long)st.delivered_private, drops.pos ? drops.text : "nothing",
	    (unsigned long long)st.sent, (unsigned long long)st.retransmitted,
	    (unsigned long long)st.acked, (unsigned long long)st.undelivered);
	peer_ui(p, &ev, UI_EV_INFO);
	ev.what = "chat";
	ev.text = text;
	ev.count = (int64_t)st.delivered;
	session_emit(p->s, &ev);
}
