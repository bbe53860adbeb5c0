/* SPDX-License-Identifier: GPL-3.0-or-later */
/* post.c — our messages to the room or to one peer (post.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "src/session/core.h"
#include "src/session/peer.h"
#include "src/session/peer_chat.h"
#include "src/session/post.h"
#include "src/session/target.h"
#include "src/session/tell.h"
#include "src/ui/ui.h"

static const char *const result_names[POST__COUNT] = {
	[POST_OK] = "ok",
	[POST_NO_PEERS] = "no-peers",
	[POST_NOT_CONNECTED] = "not-connected",
	[POST_NO_SUCH_PEER] = "no-such-peer",
	[POST_AMBIGUOUS] = "ambiguous",
	[POST_OLD_PEER] = "old-peer",
	[POST_KEY_CHANGED] = "key-changed"
};

const char *
post_result_name(enum post_result r)
{
	return (unsigned)r < POST__COUNT ? result_names[r] : "unknown";
}

/* The peer has said HELLO: we know its chat version. */
static int
said_hello(const struct peer *p)
{
	return peer_chat_version(p) != 0;
}

enum post_result
post_check(struct session *s, const struct post *m, struct peer **to)
{
	struct peer *p, *found = NULL;
	unsigned n = 0, ready = 0;

	*to = NULL;
	for (p = s->peers; p != NULL; p = p->next) {
		if (p->state == PEER_LEFT)
			continue;
		if (m->to != NULL && !target_match(m->to, p->nick, p->fp))
			continue;
		n++;
		ready += said_hello(p);
		found = p;
	}
	if (m->to == NULL)
		return n == 0 ? POST_NO_PEERS : ready == 0 ? POST_NOT_CONNECTED : POST_OK;
	if (n == 0)
		return POST_NO_SUCH_PEER;
	if (n > 1)
		return POST_AMBIGUOUS;
	*to = found;
	if (m->to->fp[0] == '\0' && found->pin == PIN_OTHER_KEY)
		return POST_KEY_CHANGED;
	if (!said_hello(found))
		return POST_NOT_CONNECTED;
	if ((m->flags & CHAT_FLAG_PRIVATE) && peer_chat_version(found) < CHAT_VERSION_XMSG)
		return POST_OLD_PEER;
	return POST_OK;
}

/* One peer's copy of m, in the frame its version reads. 0 or -errno. */
static int
send_one(struct peer *p, const struct post *m)
{
	char text[CHAT_TEXT_MAX];

	if (m->flags == 0 || peer_chat_version(p) >= CHAT_VERSION_XMSG)
		return peer_chat_send(p, (const uint8_t *)m->text, m->len, m->flags, m->id);
	if (m->flags & CHAT_FLAG_PRIVATE)
		return -EPROTONOSUPPORT;	/* never as a plain MSG: it would read as public */
	/* An action for a peer that reads only MSG (or has not said which). */
	if (m->len > POST_ACTION_MAX)
		return -EINVAL;
	text[0] = '*';
	text[1] = ' ';
	memcpy(text + 2, m->text, m->len);
	return peer_chat_send(p, (const uint8_t *)text, m->len + 2, 0, m->id);
}

static void
sent_event(const struct post *m, struct ui_event *ev)
{
	ev->kind = UI_EV_SENT;
	ev->seq = m->id;
	ev->text = m->text;
	ev->text_len = m->len;
	ev->msg = ((m->flags & CHAT_FLAG_PRIVATE) ? UI_MSG_PRIVATE : 0) |
	    ((m->flags & CHAT_FLAG_ACTION) ? UI_MSG_ACTION : 0);
}

void
post_send(struct session *s, const struct post *m, struct peer *to)
{
	struct ui_event ev;
	struct peer *p;
	unsigned n = 0;
	int r;

	if (to != NULL) {
		peer_ui(to, &ev, UI_EV_SENT);
		n = 1;
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.rtt_ms = -1;
		ev.last_seen_s = -1;
		for (p = s->peers; p != NULL; p = p->next)
			n += p->state != PEER_LEFT;
	}
	sent_event(m, &ev);
	ev.count = n;
	session_emit(s, &ev);
	for (p = to != NULL ? to : s->peers; p != NULL; p = to != NULL ? NULL : p->next) {
		if (p->state == PEER_LEFT)
			continue;
		if ((r = send_one(p, m)) != 0) {
			peer_ui(p, &ev, UI_EV_UNDELIVERED);
			sent_event(m, &ev);
			ev.kind = UI_EV_UNDELIVERED;
			ev.reason = r == -ENOBUFS ? "queue-full" : "error";
			session_emit(s, &ev);
		}
	}
}

void
post_refuse(struct session *s, const struct post *m, enum post_result why, const char *hint)
{
	char who[RECORD_MAX_NICK + TARGET_FP_MAX + 2], buf[256];
	struct ui_event ev;
	struct peer *p;

	memset(&ev, 0, sizeof(ev));
	sent_event(m, &ev);
	ev.kind = UI_EV_UNDELIVERED;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	ev.reason = post_result_name(why);
	who[0] = '\0';
	if (m->to != NULL)
		target_format(m->to, who, sizeof(who));
	/* A peer named here is one that matched: its nick is shown neutralised, with its fp. */
	if ((why == POST_NOT_CONNECTED || why == POST_OLD_PEER || why == POST_KEY_CHANGED) &&
	    m->to != NULL &&
	    post_check(s, m, &p) == why && p != NULL) {
		ev.nick = p->nick;
		ev.fp = p->fp;
	}
	if (hint == NULL) {
		switch (why) {
		case POST_NO_PEERS:
			hint = "nobody else is in the room yet";
			break;
		case POST_NOT_CONNECTED:
			hint = m->to != NULL ? "not connected yet" : "nobody is connected yet";
			break;
		case POST_NO_SUCH_PEER:
			snprintf(buf, sizeof(buf), "nobody here is %s (/who lists the room)", who);
			hint = buf;
			break;
		case POST_AMBIGUOUS:
			snprintf(buf, sizeof(buf), "several peers are %s: add a fingerprint prefix, "
			    "/msg NICK@3f2a (/who shows them)", who);
			hint = buf;
			break;
		case POST_OLD_PEER:
			hint = "its gonet is too old for private messages";
			break;
		case POST_KEY_CHANGED:
			snprintf(buf, sizeof(buf), "%s has another key than before: if you trust it, "
			    "name it by fingerprint, /msg %s@FP", who, who);
			hint = buf;
			break;
		default:
			hint = "not sent";
			break;
		}
	}
	ev.hint = hint;
	session_emit(s, &ev);
}
