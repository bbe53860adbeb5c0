/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui_batch.c — --batch: stdin lines in, one JSON object per event out.
 * Every object has "event"; the other keys depend on it (see gonet(1)).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "src/ui/json.h"
#include "src/ui/ui.h"
#include "src/ui/ui_impl.h"

enum {
	BATCH_LINE_MAX = 4096		/* longer input lines are refused, not split */
};

struct ui_batch {
	struct ui ui;
	struct event *ev;		/* stdin readable, or a tick for unpollable stdin */
	int polled;			/* ev is a read event (else the tick) */
	int paused;			/* the session asked us to stop handing over lines */
	int eof;			/* 0 reading, 1 end of input seen, 2 reported */
	char chunk[1024];		/* read but not yet handled: chunk[pos..n) */
	size_t pos, n;
	char buf[BATCH_LINE_MAX + 1];	/* the line being assembled */
	size_t len;
	int discarding;			/* inside an over-long line */
};

static const char *const kind_names[] = {
	[UI_EV_STATUS] = "status",
	[UI_EV_ERROR] = "error",
	[UI_EV_PEER_FOUND] = "peer",
	[UI_EV_PEER_PUNCHING] = "punching",
	[UI_EV_PATH_UP] = "path-up",
	[UI_EV_PATH_DOWN] = "path-down",
	[UI_EV_PEER_FAILED] = "peer-failed",
	[UI_EV_PEER_LEFT] = "peer-left",
	[UI_EV_NICK] = "nick",
	[UI_EV_MESSAGE] = "message",
	[UI_EV_SENT] = "sent",
	[UI_EV_DELIVERED] = "delivered",
	[UI_EV_UNDELIVERED] = "undelivered",
	[UI_EV_WHO] = "who",
	[UI_EV_INFO] = "info",
	[UI_EV_FILE] = "file"
};

static void
batch_emit(struct ui *ui, const struct ui_event *ev)
{
	struct json j;

	(void)ui;
	json_begin(&j);
	json_str(&j, "event", kind_names[ev->kind]);
	if (ev->what != NULL)
		json_str(&j, "what", ev->what);
	if (ev->reason != NULL)
		json_str(&j, "reason", ev->reason);
	if (ev->nick != NULL)
		json_str(&j, "nick", ev->nick);
	if (ev->old != NULL)
		json_str(&j, "old", ev->old);
	if (ev->fp != NULL)
		json_str(&j, "fp", ev->fp);
	if (ev->text != NULL)
		json_strn(&j, "text", ev->text, ev->text_len ? ev->text_len : strlen(ev->text));
	if (ev->path != NULL)
		json_str(&j, "path", ev->path);
	if (ev->endpoint != NULL)
		json_str(&j, "endpoint", ev->endpoint);
	if (ev->via != NULL)
		json_str(&j, "via", ev->via);
	if (ev->via_fp != NULL)
		json_str(&j, "via_fp", ev->via_fp);
	if (ev->hint != NULL)
		json_str(&j, "hint", ev->hint);
	if (ev->nat != NULL)
		json_str(&j, "nat", ev->nat);
	if (ev->strategy != NULL)
		json_str(&j, "strategy", ev->strategy);
	switch (ev->kind) {
	case UI_EV_PEER_FOUND:
	case UI_EV_PEER_PUNCHING:
		json_int(&j, "count", ev->count);
		break;
	case UI_EV_PATH_UP:
		json_int(&j, "rtt_ms", ev->rtt_ms);
		break;
	case UI_EV_WHO:
		json_int(&j, "rtt_ms", ev->rtt_ms);
		json_int(&j, "last_seen_s", ev->last_seen_s);
		break;
	case UI_EV_MESSAGE:
		json_uint(&j, "unix_ms", ev->unix_ms);
		break;
	case UI_EV_STATUS:
	case UI_EV_INFO:
		if (ev->seq != 0)
			json_uint(&j, "seq", ev->seq);
		if (ev->count != 0)
			json_int(&j, "count", ev->count);
		break;
	case UI_EV_SENT:
	case UI_EV_DELIVERED:
	case UI_EV_UNDELIVERED:
		json_uint(&j, "seq", ev->seq);
		break;
	case UI_EV_FILE:
		json_uint(&j, "xfer", ev->xfer);
		json_str(&j, "direction", ev->outgoing ? "out" : "in");
		if (ev->file != NULL)
			json_str(&j, "file", ev->file);
		if (ev->saved != NULL)
			json_str(&j, "saved", ev->saved);
		json_uint(&j, "size", ev->size);
		json_uint(&j, "done", ev->done);
		if (ev->rate >= 0)
			json_int(&j, "rate", ev->rate);
		if (ev->eta_s >= 0)
			json_int(&j, "eta_s", ev->eta_s);
		break;
	default:
		break;
	}
	if (ev->kind == UI_EV_SENT)
		json_int(&j, "count", ev->count);
	if (ev->msg & UI_MSG_PRIVATE)
		json_bool(&j, "private", 1);
	if (ev->msg & UI_MSG_ACTION)
		json_bool(&j, "action", 1);
	if (ev->epoch != 0)
		json_uint(&j, "epoch", ev->epoch);
	if (ev->flagged)
		json_bool(&j, "key_changed", 1);
	json_print(&j, stdout);
}

/* Hand over complete lines from the chunk until it is used up or we are paused. */
static void
batch_lines(struct ui_batch *b)
{
	while (b->pos < b->n && !b->paused) {
		char c = b->chunk[b->pos++];

		if (c == '\n') {
			if (!b->discarding)
				b->ui.in.line(b->ui.in.arg, b->buf, b->len);
			b->len = 0;
			b->discarding = 0;
		} else if (b->discarding) {
			continue;
		} else if (b->len == BATCH_LINE_MAX) {
			struct ui_event ev = { .kind = UI_EV_ERROR,
			    .text = "input line too long, discarded" };

			batch_emit(&b->ui, &ev);
			b->discarding = 1;
			b->len = 0;
		} else {
			b->buf[b->len++] = c;
		}
	}
	if (b->pos == b->n && b->eof == 1 && !b->paused) {
		b->eof = 2;
		if (b->len > 0 && !b->discarding)
			b->ui.in.line(b->ui.in.arg, b->buf, b->len);
		b->len = 0;
		b->ui.in.eof(b->ui.in.arg);
	}
}

/*
 * Whether stdin can be watched for reading. epoll refuses regular files and
 * character devices such as /dev/null (EPERM), and libevent prints a
 * "[warn] Epoll ADD(1) on fd 0 failed" when asked to: those, and a closed
 * stdin, are read directly instead (they never block). Pipes, sockets and
 * terminals are watched.
 */
static int
stdin_pollable(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return 0;		/* closed: the first read says so */
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return 1;
	return S_ISCHR(st.st_mode) && isatty(fd);
}

static void
batch_read(evutil_socket_t fd, short what, void *arg)
{
	struct ui_batch *b = arg;
	ssize_t n;

	(void)fd;
	(void)what;
	if (b->pos == b->n && b->eof == 0) {
		n = read(STDIN_FILENO, b->chunk, sizeof(b->chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		b->pos = 0;
		b->n = n > 0 ? (size_t)n : 0;
		if (n <= 0) {
			b->eof = 1;
			event_del(b->ev);
		}
	}
	batch_lines(b);
}

/*
 * Paused, we stop reading stdin (a writer blocks on a full pipe: flow
 * control for scripts) and hold back lines already read. Resuming hands
 * them over from the loop, never from inside the caller. With nothing held
 * back, the read event alone resumes: stdin is blocking (it may be shared
 * with other processes), so a read it did not say is ready would stop the
 * whole loop until the writer writes again.
 */
static void
batch_pause(struct ui *ui, int pause)
{
	struct ui_batch *b = (struct ui_batch *)ui;
	struct timeval tick = { 0, 1000 };

	if (pause == b->paused)
		return;
	b->paused = pause;
	if (pause) {
		event_del(b->ev);
		return;
	}
	if (b->eof == 0) {
		if (b->polled)
			event_add(b->ev, NULL);
		else
			event_add(b->ev, &tick);
	}
	if (b->pos < b->n || b->eof != 0 || !b->polled)
		event_active(b->ev, b->polled ? EV_READ : EV_TIMEOUT, 0);
}

static void
batch_free(struct ui *ui)
{
	struct ui_batch *b = (struct ui_batch *)ui;

	if (b->ev != NULL)
		event_free(b->ev);
	free(b);
}

static const struct ui_ops batch_ops = { batch_emit, NULL, batch_pause, batch_free };

struct ui *
ui_batch_new(struct event_base *base, const struct ui_input *in)
{
	struct ui_batch *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->ui.ops = &batch_ops;
	b->ui.in = *in;
	if (stdin_pollable(STDIN_FILENO)) {
		b->polled = 1;
		b->ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, batch_read, b);
		if (b->ev == NULL || event_add(b->ev, NULL) != 0)
			goto fail;
	} else {
		/* It never blocks: a chunk per loop turn; read() tells EOF (or EBADF). */
		struct timeval tick = { 0, 1000 };

		b->ev = event_new(base, -1, EV_PERSIST, batch_read, b);
		if (b->ev == NULL || event_add(b->ev, &tick) != 0)
			goto fail;
	}
	return &b->ui;
fail:
	batch_free(&b->ui);
	return NULL;
}
