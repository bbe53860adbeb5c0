/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tell.h — what the session tells the user: every message goes out as a
 * struct ui_event, formatted and neutralised by the front end.
 */
#ifndef GONET_SESSION_TELL_H
#define GONET_SESSION_TELL_H

struct session;
struct ui_event;

void session_emit(struct session *s, struct ui_event *ev);
void session_status(struct session *s, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void session_error(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void session_info(struct session *s, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A start-up failure: the UI, and stderr in batch mode. */
void session_fatal(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 1 when counters and exit statistics are shown (--batch, or -v). */
int session_counting(const struct session *s);

#endif
