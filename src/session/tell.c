/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tell.c — what the session tells the user (tell.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "src/session/core.h"
#include "src/session/tell.h"
#include "src/ui/ui.h"

void
session_emit(struct session *s, struct ui_event *ev)
{
	ui_emit(s->ui, ev);
}

static void
emitv(struct session *s, enum ui_event_kind kind, const char *what, const char *fmt, va_list ap)
{
	char text[1024];
	struct ui_event ev;

	vsnprintf(text, sizeof(text), fmt, ap);
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.what = what;
	ev.text = text;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	ui_emit(s->ui, &ev);
}

void
session_status(struct session *s, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(s, UI_EV_STATUS, what, fmt, ap);
	va_end(ap);
}

void
session_error(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(s, UI_EV_ERROR, NULL, fmt, ap);
	va_end(ap);
}

void
session_info(struct session *s, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(s, UI_EV_INFO, what, fmt, ap);
	va_end(ap);
}

/* In batch mode start-up failures go to stderr too. */
void
session_fatal(struct session *s, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	session_error(s, "%s", text);
	if (s->cfg->batch)
		fprintf(stderr, "gonet: %s\n", text);
}

int
session_counting(const struct session *s)
{
	return s->cfg->batch || s->cfg->verbose >= 1;
}

void
tell_add(struct tell_line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->pos >= sizeof(l->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->text + l->pos, sizeof(l->text) - l->pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		l->text[l->pos] = '\0';
	else if ((size_t)n >= sizeof(l->text) - l->pos)
		l->pos = sizeof(l->text) - 1;
	else
		l->pos += (size_t)n;
}

void
tell_count(struct tell_line *l, const char *prefix, const char *name, uint64_t n)
{
	if (n != 0)
		tell_add(l, "%s%s%s %llu", l->pos > 0 ? ", " : "", prefix, name, (unsigned long long)n);
}
