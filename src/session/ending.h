/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ending.h — how a session ends. /quit, Ctrl-D (terminal), SIGINT and
 * SIGTERM send BYE to every peer that is up and stop. In batch mode EOF on
 * stdin first lingers (--linger), then drains: it waits until every pending
 * message (in a peer's queue or held in the outbox for --wait) is
 * acknowledged or reported undelivered (--wait plus CHAT_UNDELIVERED_MS
 * bound it), then ends the same way. And --batch flow control: while some
 * peer's send queue or the outbox is full, input is paused.
 */
#ifndef GONET_SESSION_ENDING_H
#define GONET_SESSION_ENDING_H

struct session;

int ending_start(struct session *s);
void ending_stop(struct session *s);
/* Leave now: BYE to every peer that is up (or on the DHT path), then stop. */
void session_quit(struct session *s);
/* End of input. */
void ending_eof(struct session *s);
/* A peer's send queue grew (a line was queued): pause batch input now if one is full. */
void ending_input_flow(struct session *s);

#endif
