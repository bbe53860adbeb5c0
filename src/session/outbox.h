/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * outbox.h — --batch lines that wait for a peer. A script's first lines are
 * read long before anyone else is in the room (`echo hi | gonet --batch
 * ROOM`); with --wait SECONDS (default SESSION_WAIT_DEFAULT_S) each
 * such line is held until it can go, then posted (post.h), in the order
 * read:
 *
 *	to the room	once some peer has said HELLO (then to every peer
 *			in the room, as any line)
 *	to a peer	(/msg, --to) once that peer has said HELLO
 *
 * A line still held --wait seconds after it was read is reported
 * undelivered ("no-peers", "not-connected", "no-such-peer"); one that can
 * never go (an ambiguous target, an older peer for a private message) at
 * once. Whatever is held when the session ends is reported too: never lost
 * silently. The outbox counts as pending for the drain after EOF, and input
 * pauses while it holds OUTBOX_MAX lines (ending.c's flow control).
 *
 * In the terminal, or with --wait 0, nothing waits: a line nobody can take
 * is refused at once, as it is typed.
 */
#ifndef GONET_SESSION_OUTBOX_H
#define GONET_SESSION_OUTBOX_H

#include <stddef.h>

#include "src/chat/chatproto.h"

struct post;
struct session;

enum {
	/*
	 * Lines held: like a peer's full send queue, a full outbox pauses
	 * input (a script's writer blocks), so at most this many texts of at
	 * most CHAT_TEXT_MAX bytes are held: 256 KiB.
	 */
	OUTBOX_MAX = CHAT_SEND_QUEUE_MAX
};

/* Parses cfg->to (the session checked it). 0, or -1 out of memory. */
int outbox_start(struct session *s);
/* Reports every held line undelivered, then frees. */
void outbox_stop(struct session *s);
/* Whether lines wait here: --batch with --wait > 0. */
int outbox_active(const struct session *s);
/* m (checked text; to copied) goes now if it can, else it is held. */
void outbox_put(struct session *s, const struct post *m);
size_t outbox_count(const struct session *s);

#endif
