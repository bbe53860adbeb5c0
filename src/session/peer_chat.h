/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer_chat.h — the chat with one peer: chat frames in inner IPv6/UDP
 * packets between the two tunnel addresses, port 7777 at both ends
 * (doc/PROTOCOL.md "Chat"), through chat_reliable for ordered, exactly-once
 * delivery; or, on the DHT path, the frames alone through that link. What
 * the chat shows the user (messages, delivered, undelivered) it emits
 * itself; what changes the peer's state (its HELLO, its BYE) goes to the
 * hooks.
 */
#ifndef GONET_SESSION_PEER_CHAT_H
#define GONET_SESSION_PEER_CHAT_H

#include <stddef.h>
#include <stdint.h>

struct peer;

struct peer_chat_hooks {
	void (*hello)(struct peer *p, const uint8_t *nick, size_t len);
	void (*bye)(struct peer *p);
};

int peer_chat_new(struct peer *p, const struct peer_chat_hooks *hooks);
/* What is still pending is reported undelivered. */
void peer_chat_free(struct peer *p);
/* One chat frame from p that came another way (the DHT mailbox). */
void peer_chat_frame(struct peer *p, const uint8_t *frame, size_t len);
/*
 * Queue a line for p with enum chat_flag bits (0: a plain MSG); msg_id is
 * the session's id for it. 0 or -errno (-ENOBUFS: queue full). Flags need a
 * peer of CHAT_VERSION_XMSG (post.c checks).
 */
int peer_chat_send(struct peer *p, const uint8_t *text, size_t len, uint64_t flags,
    uint64_t msg_id);
/* The chat version of p's latest HELLO; 0 before its first. */
uint64_t peer_chat_version(const struct peer *p);
void peer_chat_hello(struct peer *p);
void peer_chat_bye(struct peer *p);
/* The path changed or came up: what is pending goes out now. */
void peer_chat_path_changed(struct peer *p);
size_t peer_chat_pending(const struct peer *p);
/* Exit statistics: what went to and came from p (an info event "chat"). */
void peer_chat_report(struct peer *p);

#endif
