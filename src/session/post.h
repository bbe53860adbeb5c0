/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * post.h — our messages, once their text is checked: to the room or to one
 * peer (a direct message), plain or as an action; what goes to which peer,
 * in which frame, and what the user is told ("sent", or "undelivered" with
 * a reason). commands.c posts at once; outbox.c posts what waited.
 *
 * The rules for flags (doc/PROTOCOL.md "Chat", "Flags"): a private message
 * goes only to a peer whose HELLO announced CHAT_VERSION_XMSG, never as a
 * plain MSG; an action goes to such a peer as an XMSG, to any other as a
 * MSG "* text" (so an action is at most POST_ACTION_MAX bytes).
 */
#ifndef GONET_SESSION_POST_H
#define GONET_SESSION_POST_H

#include <stddef.h>
#include <stdint.h>

#include "src/chat/chatproto.h"

struct peer;
struct session;
struct target;

enum {
	POST_ACTION_MAX = CHAT_TEXT_MAX - 2	/* room for "* " for an older peer */
};

/* Whether a message can go now, and if not, why. */
enum post_result {
	POST_OK,
	POST_NO_PEERS,			/* room: nobody else is in the room */
	POST_NOT_CONNECTED,		/* room: nobody has said HELLO yet; target: it has not */
	POST_NO_SUCH_PEER,		/* target: no peer has that nick and fingerprint */
	POST_AMBIGUOUS,			/* target: several have */
	POST_OLD_PEER,			/* target: its gonet cannot take a private message */
	/*
	 * target: named by nick alone, and that nick is pinned to another
	 * fingerprint (src/identity/pins.h): an impostor's, maybe. Naming its
	 * fingerprint (NICK@FP) sends anyway: the user chose that key.
	 */
	POST_KEY_CHANGED,
	POST__COUNT
};

struct post {
	uint64_t id;			/* our message number, the UI's seq */
	uint64_t flags;			/* enum chat_flag; CHAT_FLAG_PRIVATE iff to != NULL */
	const struct target *to;	/* NULL: the room */
	const char *text;		/* checked: 1..CHAT_TEXT_MAX bytes of UTF-8 */
	size_t len;
};

/*
 * Where m could go now. For a target, *to is the one peer that matches
 * (also with POST_NOT_CONNECTED and POST_OLD_PEER). Tells the user nothing.
 */
enum post_result post_check(struct session *s, const struct post *m, struct peer **to);
/*
 * Send m: to the room (every peer that has not left, each queueing it until
 * its path is up) when to is NULL, else to that peer alone; "sent" is
 * emitted, and "undelivered" for a peer whose queue is full.
 */
void post_send(struct session *s, const struct post *m, struct peer *to);
/* Tell the user m was not sent, why, and hint (NULL: the reason's own words). */
void post_refuse(struct session *s, const struct post *m, enum post_result why, const char *hint);
/* The machine-readable name of a reason ("no-peers", "ambiguous", ...). */
const char *post_result_name(enum post_result r);

#endif
