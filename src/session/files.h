/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * files.h — file transfers in the session (src/xfer does the work): over a
 * peer's tunnel only, never through the DHT mailbox; what happens is told
 * to the user as UI_EV_FILE events.
 */
#ifndef GONET_SESSION_FILES_H
#define GONET_SESSION_FILES_H

#include <stddef.h>
#include <stdint.h>

struct peer;
struct session;
struct target;

int files_start(struct session *s);
void files_stop(struct session *s);
/* A datagram from p to our port 7779. */
void files_input(struct peer *p, const uint8_t *buf, size_t len);
/* p's path came up or changed: what waits goes out now. */
void files_peer_up(struct peer *p);
/* p is gone for good. */
void files_peer_gone(struct peer *p);

/*
 * /send PATH [TARGET]: offer the file to that peer, or to every peer in the
 * room when to is NULL; tells the user about each peer it cannot go to.
 */
void files_offer(struct session *s, const struct target *to, const char *path);
void files_accept(struct session *s, unsigned n);
void files_reject(struct session *s, unsigned n);
void files_cancel(struct session *s, unsigned n);
/* /files: every transfer and where it stands. */
void files_list(struct session *s);
/* Exit statistics (batch, -v). */
void files_report(struct session *s);

#endif
