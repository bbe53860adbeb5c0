/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tell.h — what the session tells the user: every message goes out as a
 * struct ui_event, formatted and neutralised by the front end.
 */
#ifndef GONET_SESSION_TELL_H
#define GONET_SESSION_TELL_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * One line of an exit report, built piece by piece: whatever does not fit
 * is cut at the end of text, never written past it.
 *
 *	struct tell_line l = { .pos = 0 };
 *	tell_add(&l, "sent %llu", n);
 *	for (i = 1; i < X__COUNT; i++)
 *		tell_count(&l, "", x_name(i), x->drops[i]);
 *	session_info(s, "x", "x: %s", l.text);
 */
struct tell_line {
	char text[768];
	size_t pos;
};

void tell_add(struct tell_line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ", PREFIXNAME N" (without the comma on an empty line), unless n is 0. */
void tell_count(struct tell_line *l, const char *prefix, const char *name, uint64_t n);

#endif
