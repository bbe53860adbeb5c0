/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * files.c — file transfers in the session (files.h): src/xfer's transfers
 * get the peer's tunnel to send through (inner port XFER_PORT) and the UI to
 * tell; a peer is offered a file only while its path is up over a tunnel
 * (direct, relay, TURN), never through the DHT mailbox.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/chat/chatproto.h"
#include "src/session/core.h"
#include "src/session/files.h"
#include "src/session/inner.h"
#include "src/session/peer.h"
#include "src/session/peer_chat.h"
#include "src/session/target.h"
#include "src/session/tell.h"
#include "src/xfer/xfer.h"
#include "src/xfer/xfer_msg.h"

static int
send_msg(void *arg, void *peer, const uint8_t *buf, size_t len)
{
	struct peer *p = peer;

	(void)arg;
	if (p->state != PEER_UP)
		return -ENOTCONN;	/* the transfer retransmits when the path is back */
	return inner_send(p, XFER_PORT, buf, len);
}

static const char *const kind_whats[] = {
	[XEV_OFFERED] = "offered",
	[XEV_WAITING] = "waiting",
	[XEV_STARTED] = "started",
	[XEV_PROGRESS] = "progress",
	[XEV_STALLED] = "stalled",
	[XEV_DONE] = "done",
	[XEV_FAILED] = "failed"
};

static void
on_event(void *arg, const struct xfer_event *xe)
{
	struct session *s = arg;
	struct ui_event ev;

	peer_ui(xe->peer, &ev, UI_EV_FILE);
	ev.what = kind_whats[xe->kind];
	ev.xfer = xe->n;
	ev.outgoing = xe->outgoing;
	ev.file = xe->name;
	ev.saved = xe->path;
	ev.size = xe->size;
	ev.done = xe->kind == XEV_STARTED ? xe->from : xe->done;
	ev.rate = xe->rate > 0 ? (int64_t)xe->rate : -1;
	ev.eta_s = xe->eta_s;
	ev.reason = xe->reason;
	session_emit(s, &ev);
}

int
files_start(struct session *s)
{
	struct xfer_env env;

	memset(&env, 0, sizeof(env));
	env.timers = s->timers;
	env.download_dir = s->cfg->download_dir;
	env.send = send_msg;
	env.event = on_event;
	env.arg = s;
	return (s->xfers = xfers_new(&env)) != NULL ? 0 : -1;
}

void
files_stop(struct session *s)
{
	xfers_free(s->xfers);
	s->xfers = NULL;
}

void
files_input(struct peer *p, const uint8_t *buf, size_t len)
{
	if (p->s->xfers != NULL)
		xfers_input(p->s->xfers, p, p->fp, buf, len);
}

void
files_peer_up(struct peer *p)
{
	if (p->s->xfers != NULL)
		xfers_peer_up(p->s->xfers, p);
}

void
files_peer_gone(struct peer *p)
{
	if (p->s->xfers != NULL)
		xfers_peer_gone(p->s->xfers, p);
}

/* Why p cannot take a file now, or NULL when it can. */
static const char *
cannot_take(const struct peer *p)
{
	if (p->state != PEER_UP)
		return p->fb.frames != NULL ? "only reachable through the DHT mailbox, which "
		    "carries no files" : "no tunnel to it yet";
	if (peer_chat_version(p) == 0)
		return "it has not said hello yet";
	if (peer_chat_version(p) < CHAT_VERSION_FILES)
		return "its gonet is too old to take files";
	return NULL;
}

/* Offer path to p; 1 when offered, else the user was told why. */
static int
offer(struct session *s, struct peer *p, const char *path, const char *shown)
{
	const char *why;
	int r;

	if ((why = cannot_take(p)) != NULL) {
		session_error(s, "%s not sent to %s: %s", shown, p->fp, why);
		return 0;
	}
	if ((r = xfers_send(s->xfers, p, path)) < 0) {
		session_error(s, "cannot send %s: %s", shown, r == -EINVAL ?
		    "not a regular file" : r == -EBUSY ? "too many transfers at once" :
		    strerror(-r));
		return 0;
	}
	return 1;
}

void
files_offer(struct session *s, const struct target *to, const char *path)
{
	char expanded[4096], who[RECORD_MAX_NICK + TARGET_FP_MAX + 2], shown[256];
	const char *home = getenv("HOME");
	struct peer *p, *found = NULL;
	struct stat st;
	unsigned n = 0;

	if (path[0] == '~' && path[1] == '/' && home != NULL && home[0] != '\0') {
		if ((size_t)snprintf(expanded, sizeof(expanded), "%s%s", home, path + 1) >=
		    sizeof(expanded)) {
			session_error(s, "file name too long");
			return;
		}
		path = expanded;
	}
	/* Shown as typed (the UI neutralises it), cut to a line's length. */
	snprintf(shown, sizeof(shown), "%.200s%s", path, strlen(path) > 200 ? "..." : "");
	/* What is wrong with the file is said once, not once per peer. */
	if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
		session_error(s, "cannot send %s: %s", shown, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		session_error(s, "cannot send %s: not a regular file", shown);
		return;
	}
	for (p = s->peers; p != NULL; p = p->next) {
		if (p->state == PEER_LEFT || (to != NULL && !target_match(to, p->nick, p->fp)))
			continue;
		n++;
		found = p;
	}
	if (to == NULL) {
		if (n == 0) {
			session_error(s, "%s not sent: nobody else is in the room yet", shown);
			return;
		}
		for (p = s->peers; p != NULL; p = p->next)
			if (p->state != PEER_LEFT)
				(void)offer(s, p, path, shown);
		return;
	}
	target_format(to, who, sizeof(who));
	if (n == 0)
		session_error(s, "%s not sent: nobody here is %s (/who lists the room)", shown, who);
	else if (n > 1)
		session_error(s, "%s not sent: several peers are %s: add a fingerprint prefix, "
		    "NICK@3f2a (/who shows them)", shown, who);
	else if (to->fp[0] == '\0' && found->pin == PIN_OTHER_KEY)
		session_error(s, "%s not sent: the nick %s is pinned to another key; name it by "
		    "fingerprint (%s@%.4s) to send anyway", shown, who, who, found->fp);
	else
		(void)offer(s, found, path, shown);
}

void
files_accept(struct session *s, unsigned n)
{
	char err[256];

	if (xfers_accept(s->xfers, n, err, sizeof(err)) != 0)
		session_error(s, "%s", err);
}

void
files_reject(struct session *s, unsigned n)
{
	if (xfers_reject(s->xfers, n) != 0)
		session_error(s, "no offer %u waits for an answer", n);
}

void
files_cancel(struct session *s, unsigned n)
{
	if (xfers_cancel(s->xfers, n) != 0)
		session_error(s, "no transfer %u is going on", n);
}

static void counters(struct session *s);

void
files_list(struct session *s)
{
	if (xfers_list(s->xfers) == 0)
		session_info(s, "files", "no file transfers; /send PATH [NICK] offers one");
	counters(s);
}

void
files_report(struct session *s)
{
	if (s->xfers == NULL || !session_counting(s))
		return;
	counters(s);
}

/* The transfers' counters since start, one "files" info line. */
static void
counters(struct session *s)
{
	const struct xfer_stats *st;
	struct tell_line l = { .pos = 0 };
	int i;

	st = xfers_stats(s->xfers);
	tell_add(&l, "data in %llu, out %llu, retransmitted %llu, "
	    "acks in %llu, out %llu, unknown %llu, refused %llu",
	    (unsigned long long)st->data_in, (unsigned long long)st->data_out,
	    (unsigned long long)st->retransmits, (unsigned long long)st->acks_in,
	    (unsigned long long)st->acks_out, (unsigned long long)st->unknown,
	    (unsigned long long)st->refused);
	for (i = 1; i < XFER_DROP__COUNT; i++)
		tell_count(&l, "", xfer_drop_name((enum xfer_drop)i), st->dropped[i]);
	session_info(s, "files", "files: %s", l.text);
}
