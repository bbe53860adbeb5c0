/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui_term.c — the terminal front end: GNU readline's callback interface on
 * the libevent loop. An incoming line is printed by saving the line being
 * edited, clearing it, printing, and redrawing prompt and line with the
 * cursor where it was, so typing is never garbled. Every string from the
 * network goes through sanitize before it reaches the terminal.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "src/ui/sanitize.h"
#include "src/ui/ui.h"
#include "src/ui/ui_impl.h"

enum {
	TERM_LINE_MAX = 8192,
	HISTORY_MAX = 500
};

struct ui_term {
	struct ui ui;
	struct event *ev;
	char *prompt;
	int in_line;	/* in on_line: readline shows no prompt until it returns */
	unsigned bar;	/* the last line printed is the progress bar of this transfer; 0 none */
};

/* readline's line handler has no argument: there is one terminal. */
static struct ui_term *the_term;

/* Untrusted text, neutralised, appended at *pos. */
static void
put_safe(char *buf, size_t *pos, const char *s, size_t n)
{
	if (s == NULL || *pos >= TERM_LINE_MAX)
		return;
	if (n == 0)
		n = strlen(s);
	*pos += sanitize_text(buf + *pos, TERM_LINE_MAX - *pos, (const uint8_t *)s, n);
}

static void
put_fmt(char *buf, size_t *pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
put_fmt(char *buf, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= TERM_LINE_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, TERM_LINE_MAX - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n < TERM_LINE_MAX - *pos ? (size_t)n : TERM_LINE_MAX - *pos - 1;
}

/* A peer's nick, as it looks: bidi controls and invisible characters dropped. */
static void
put_nick(char *buf, size_t *pos, const char *s)
{
	if (s == NULL || *pos >= TERM_LINE_MAX)
		return;
	*pos += sanitize_nick(buf + *pos, TERM_LINE_MAX - *pos, (const uint8_t *)s, strlen(s), 0);
}

/*
 * "[3f2a-91c0-7be4-0d15] bob": the fingerprint first, where no nick can
 * reach (a nick can only follow it), so "bob [1111-...]" as a nick never
 * passes for bob's key.
 */
static void
who(char *buf, size_t *pos, const struct ui_event *ev)
{
	if (ev->fp != NULL)
		put_fmt(buf, pos, "[%s] ", ev->fp);
	if (ev->nick != NULL && ev->nick[0] != '\0')
		put_nick(buf, pos, ev->nick);
	else
		put_fmt(buf, pos, "(no nick)");
	if (ev->flagged)
		put_fmt(buf, pos, " (NEW KEY for a known nick!)");
}

/* 1234567 -> "1.2 MB" */
static void
human(char *out, size_t len, uint64_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%llu B", (unsigned long long)n);
	else
		snprintf(out, len, "%.1f %s", v, units[u]);
}

static void
file_line(char *buf, size_t *pos, const struct ui_event *ev)
{
	static const char bar_full[] = "####################", bar_empty[] = "--------------------";
	const char *what = ev->what != NULL ? ev->what : "";
	char size[24], rate[24];
	unsigned pct = ev->size > 0 ? (unsigned)(ev->done * 100 / ev->size) : 100, fill = pct / 5;

	human(size, sizeof(size), ev->size);
	if (strcmp(what, "offered") == 0) {
		put_fmt(buf, pos, "-> ");
		who(buf, pos, ev);
		put_fmt(buf, pos, " offers ");
		put_safe(buf, pos, ev->file, 0);
		put_fmt(buf, pos, " (%s): /accept %u or /reject %u", size, ev->xfer, ev->xfer);
	} else if (strcmp(what, "progress") == 0) {
		/* No name: a line that wraps could not be redrawn in place. */
		put_fmt(buf, pos, "   [%u] %s %3u%% [%.*s%.*s] ", ev->xfer, ev->outgoing ? "->" : "<-", pct, (int)fill, bar_full, (int)(20 - fill),
		    bar_empty);
		if (ev->rate >= 0) {
			human(rate, sizeof(rate), (uint64_t)ev->rate);
			put_fmt(buf, pos, "%s/s", rate);
		}
		if (ev->eta_s >= 0)
			put_fmt(buf, pos, "  %lld:%02lld left", (long long)(ev->eta_s / 60),
			    (long long)(ev->eta_s % 60));
	} else if (strcmp(what, "failed") == 0) {
		put_fmt(buf, pos, "!! [%u] ", ev->xfer);
		put_safe(buf, pos, ev->file, 0);
		put_fmt(buf, pos, " %s ", ev->outgoing ? "to" : "from");
		who(buf, pos, ev);
		put_fmt(buf, pos, ": %s", ev->reason != NULL ? ev->reason : "failed");
	} else {
		put_fmt(buf, pos, "-- [%u] ", ev->xfer);
		put_safe(buf, pos, ev->file, 0);
		put_fmt(buf, pos, " (%s) %s ", size, ev->outgoing ? "to" : "from");
		who(buf, pos, ev);
		if (strcmp(what, "waiting") == 0)
			put_fmt(buf, pos, ": offered, waiting for an answer");
		else if (strcmp(what, "started") == 0)
			put_fmt(buf, pos, ev->done > 0 ? ": resumed at %u%%" : ": started", pct);
		else if (strcmp(what, "stalled") == 0)
			put_fmt(buf, pos, ": no answer, trying again");
		else if (strcmp(what, "done") == 0 && ev->saved != NULL) {
			put_fmt(buf, pos, ": verified, saved as ");
			put_safe(buf, pos, ev->saved, 0);
		} else if (strcmp(what, "done") == 0)
			put_fmt(buf, pos, ": delivered and verified");
	}
}

static void
format(char *buf, const struct ui_event *ev)
{
	char stamp[16];
	size_t pos = 0;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M", &tm);
	put_fmt(buf, &pos, "%s ", stamp);
	switch (ev->kind) {
	case UI_EV_STATUS:
		put_fmt(buf, &pos, "-- %s", ev->what != NULL ? ev->what : "");
		if (ev->text != NULL) {
			put_fmt(buf, &pos, ": ");
			put_safe(buf, &pos, ev->text, ev->text_len);
		}
		break;
	case UI_EV_ERROR:
		put_fmt(buf, &pos, "!! ");
		put_safe(buf, &pos, ev->text, ev->text_len);
		break;
	case UI_EV_PEER_FOUND:
		put_fmt(buf, &pos, "-- found ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, ", %lld candidates", (long long)ev->count);
		break;
	case UI_EV_PEER_PUNCHING:
		put_fmt(buf, &pos, "-- punching to ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, " (%lld candidate pairs)", (long long)ev->count);
		break;
	case UI_EV_PATH_UP:
		put_fmt(buf, &pos, "-- connected to ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, ": %s, %s", ev->path != NULL ? ev->path : "?",
		    ev->endpoint != NULL ? ev->endpoint : "?");
		if (ev->via != NULL) {
			put_fmt(buf, &pos, " via [%s] ", ev->via_fp != NULL ? ev->via_fp : "?");
			put_nick(buf, &pos, ev->via);
		}
		if (ev->rtt_ms >= 0)
			put_fmt(buf, &pos, ", rtt %lld ms", (long long)ev->rtt_ms);
		break;
	case UI_EV_PATH_DOWN:
		put_fmt(buf, &pos, "-- path to ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, " lost");
		if (ev->text != NULL) {
			put_fmt(buf, &pos, ": ");
			put_safe(buf, &pos, ev->text, ev->text_len);
		}
		break;
	case UI_EV_PEER_FAILED:
		put_fmt(buf, &pos, "!! cannot reach ");
		who(buf, &pos, ev);
		if (ev->text != NULL) {
			put_fmt(buf, &pos, ": ");
			put_safe(buf, &pos, ev->text, ev->text_len);
		}
		if (ev->hint != NULL)
			put_fmt(buf, &pos, " (%s)", ev->hint);
		break;
	case UI_EV_PEER_LEFT:
		put_fmt(buf, &pos, "<- ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, " left");
		break;
	case UI_EV_NICK:
		put_fmt(buf, &pos, "-- ");
		put_nick(buf, &pos, ev->old != NULL ? ev->old : "");
		put_fmt(buf, &pos, " is now ");
		who(buf, &pos, ev);
		break;
	case UI_EV_MESSAGE:
		/* Our marks come first, where a nick or text cannot put them. */
		if (ev->msg & UI_MSG_PRIVATE)
			put_fmt(buf, &pos, "(private) ");
		if (ev->msg & UI_MSG_ACTION) {
			put_fmt(buf, &pos, "* ");
			who(buf, &pos, ev);
			put_fmt(buf, &pos, " ");
		} else {
			put_fmt(buf, &pos, "<");
			who(buf, &pos, ev);
			put_fmt(buf, &pos, "> ");
		}
		put_safe(buf, &pos, ev->text, ev->text_len);
		break;
	case UI_EV_SENT:
		/* The user sees their own line as typed; a direct message also whom it went to. */
		if (!(ev->msg & UI_MSG_PRIVATE))
			return;
		put_fmt(buf, &pos, "(private) -> ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, ": %s", ev->msg & UI_MSG_ACTION ? "* " : "");
		put_safe(buf, &pos, ev->text, ev->text_len);
		break;
	case UI_EV_DELIVERED:
		return;
	case UI_EV_UNDELIVERED:
		if (ev->fp == NULL) {		/* sent to nobody */
			put_fmt(buf, &pos, "!! not sent (");
			put_safe(buf, &pos, ev->hint != NULL ? ev->hint : "no peer", 0);
			put_fmt(buf, &pos, "): ");
			put_safe(buf, &pos, ev->text, ev->text_len);
			break;
		}
		put_fmt(buf, &pos, "!! not delivered to ");
		who(buf, &pos, ev);
		if (ev->hint != NULL) {
			put_fmt(buf, &pos, " (");
			put_safe(buf, &pos, ev->hint, 0);
			put_fmt(buf, &pos, ")");
		}
		put_fmt(buf, &pos, ": ");
		put_safe(buf, &pos, ev->text, ev->text_len);
		break;
	case UI_EV_WHO:
		put_fmt(buf, &pos, "   ");
		who(buf, &pos, ev);
		put_fmt(buf, &pos, "  %s %s", ev->path != NULL ? ev->path : "-",
		    ev->endpoint != NULL ? ev->endpoint : "-");
		if (ev->via != NULL) {
			put_fmt(buf, &pos, " via ");
			put_nick(buf, &pos, ev->via);
		}
		if (ev->rtt_ms >= 0)
			put_fmt(buf, &pos, " rtt %lld ms", (long long)ev->rtt_ms);
		if (ev->last_seen_s >= 0)
			put_fmt(buf, &pos, " seen %llds ago", (long long)ev->last_seen_s);
		if (ev->nat != NULL)
			put_fmt(buf, &pos, " nat %s", ev->nat);
		if (ev->strategy != NULL)
			put_fmt(buf, &pos, " by %s", ev->strategy);
		break;
	case UI_EV_INFO:
		put_safe(buf, &pos, ev->text, ev->text_len);
		break;
	case UI_EV_FILE:
		file_line(buf, &pos, ev);
		break;
	}
	buf[pos < TERM_LINE_MAX ? pos : TERM_LINE_MAX - 1] = '\0';
}

/* replace: the line overwrites the last one printed (a progress bar moving on). */
static void
term_print(const char *line, int replace)
{
	const char *up = replace ? "\033[1A\r\033[K" : "";
	int point;
	char *saved;

	/*
	 * While a typed line is handled (a command's reply, a refused line),
	 * readline has already moved to a fresh line and redraws the prompt
	 * itself when the handler returns: print only. Redrawing here would
	 * leave a copy of the accepted line, then the new prompt after it.
	 */
	if (the_term != NULL && the_term->in_line) {
		fprintf(rl_outstream, "%s\r%s\n", up, line);
		fflush(rl_outstream);
		return;
	}
	point = rl_point;
	saved = rl_copy_text(0, rl_end);

	rl_save_prompt();
	rl_replace_line("", 0);
	rl_redisplay();
	fprintf(rl_outstream, "%s\r%s\n", up, line);
	rl_restore_prompt();
	rl_replace_line(saved != NULL ? saved : "", 0);
	rl_point = point;
	rl_redisplay();
	free(saved);
}

static void
term_emit(struct ui *ui, const struct ui_event *ev)
{
	static char buf[TERM_LINE_MAX];

	(void)ui;
	buf[0] = '\0';
	format(buf, ev);
	/* Our own lines stay as typed, but a private one says whom it went to. */
	if (buf[0] != '\0' && ev->kind != UI_EV_DELIVERED &&
	    (ev->kind != UI_EV_SENT || (ev->msg & UI_MSG_PRIVATE))) {
		int bar = ev->kind == UI_EV_FILE && ev->what != NULL &&
		    strcmp(ev->what, "progress") == 0;

		/* A transfer's progress bar moves in place while nothing else is printed. */
		term_print(buf, bar && the_term != NULL && the_term->bar == ev->xfer);
		if (the_term != NULL)
			the_term->bar = bar ? ev->xfer : 0;
	}
}

static void
on_line(char *line)
{
	struct ui_term *t = the_term;

	if (line == NULL) {
		t->ui.in.eof(t->ui.in.arg);
		return;
	}
	t->bar = 0;		/* the typed line now sits below the bar */
	if (*line != '\0') {
		add_history(line);
		t->in_line = 1;
		t->ui.in.line(t->ui.in.arg, line, strlen(line));
		if (the_term == t)	/* /quit may have freed it */
			t->in_line = 0;
	}
	free(line);
}

static void
term_read(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	rl_callback_read_char();
}

static void
term_set_prompt(struct ui *ui, const char *prompt)
{
	struct ui_term *t = (struct ui_term *)ui;
	char *p = strdup(prompt);

	if (p == NULL)
		return;
	free(t->prompt);
	t->prompt = p;
	rl_set_prompt(t->prompt);
	if (!t->in_line)	/* else readline shows it when on_line returns */
		rl_redisplay();
}

static void
term_free(struct ui *ui)
{
	struct ui_term *t = (struct ui_term *)ui;

	rl_callback_handler_remove();
	fputc('\n', rl_outstream);
	if (t->ev != NULL)
		event_free(t->ev);
	free(t->prompt);
	free(t);
	the_term = NULL;
}

static const struct ui_ops term_ops = { term_emit, term_set_prompt, NULL, term_free };

struct ui *
ui_term_new(struct event_base *base, const struct ui_input *in, const char *prompt)
{
	struct ui_term *t;

	if (the_term != NULL || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ui.ops = &term_ops;
	t->ui.in = *in;
	if ((t->prompt = strdup(prompt)) == NULL)
		goto fail;
	t->ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, term_read, t);
	if (t->ev == NULL || event_add(t->ev, NULL) != 0)
		goto fail;
	the_term = t;
	stifle_history(HISTORY_MAX);
	rl_callback_handler_install(t->prompt, on_line);
	return &t->ui;
fail:
	if (t->ev != NULL)
		event_free(t->ev);
	free(t->prompt);
	free(t);
	return NULL;
}
