/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ending.c — quit, drain, flow control (ending.h). */
#include "config.h"

#include "src/chat/chat_reliable.h"
#include "src/session/core.h"
#include "src/session/ending.h"
#include "src/session/outbox.h"
#include "src/session/peer.h"
#include "src/session/peer_chat.h"
#include "src/session/tell.h"
#include "src/ui/ui.h"

enum {
	/* After the outbox's --wait: the 60 s rule ends every message by then. */
	DRAIN_MAX_MS = CHAT_UNDELIVERED_MS + 5000,
	BYE_PUT_MS = 1000		/* a BYE through the DHT mailbox needs a moment for its put */
};

void
session_quit(struct session *s)
{
	struct peer *p;
	unsigned n = 0, nframes = 0;

	if (s->end.quitting)
		return;
	s->end.quitting = 1;
	for (p = s->peers; p != NULL; p = p->next) {
		if (p->state == PEER_UP) {
			peer_chat_bye(p);
			n++;
		} else if (p->fb.frames != NULL && p->state != PEER_LEFT) {
			peer_chat_bye(p);
			nframes++;
		}
	}
	links_flush(s);
	n += nframes;
	session_status(s, "bye", "leaving the room (said goodbye to %u peer%s)", n, n == 1 ? "" : "s");
	s->env.done(s->env.done_arg, nframes > 0 ? BYE_PUT_MS : 0);
}

/* Messages not yet acknowledged or reported: in the peers' queues and waiting in the outbox. */
static size_t
pending_total(const struct session *s)
{
	const struct peer *p;
	size_t n = outbox_count(s);

	for (p = s->peers; p != NULL; p = p->next)
		n += peer_chat_pending(p);
	return n;
}

/* Poked when a pending message is acknowledged or given up. */
static void
on_drain_check(void *arg)
{
	struct session *s = arg;

	if (s->end.draining && !s->end.quitting && pending_total(s) == 0)
		session_quit(s);
}

/*
 * --batch: while some peer's send queue is full, stop taking input lines,
 * so a script piping a long file is slowed down instead of having lines
 * refused. The terminal is never paused (/quit must work); there a line
 * that does not fit is reported undelivered ("queue-full"). A peer never
 * heard from does not hold input up (its lines go "queue-full"): anyone in
 * the room can publish records of peers that never answer, and would stop
 * our input for good.
 */
static void
on_flow_check(void *arg)
{
	struct session *s = arg;
	struct peer *p;
	int full = 0;

	if (!s->cfg->batch)
		return;
	full = outbox_count(s) >= OUTBOX_MAX;
	for (p = s->peers; p != NULL && !full; p = p->next)
		full = p->state != PEER_LEFT && peer_heard(p) &&
		    peer_chat_pending(p) >= CHAT_SEND_QUEUE_MAX;
	ui_pause_input(s->ui, full);
}

void
ending_input_flow(struct session *s)
{
	/*
	 * Now, so the line after the one that filled a queue waits; and again
	 * from the loop, once chat callbacks (a peer being freed reports its
	 * queue while still counted) have settled.
	 */
	on_flow_check(s);
	session_poke(s->end.flow_check);
}

static void
start_drain(struct session *s)
{
	size_t n = pending_total(s);

	s->end.draining = 1;
	if (n > 0)
		session_status(s, "draining", "end of input: waiting for %zu pending message%s", n,
		    n == 1 ? "" : "s");
	timer_in(s->end.drain_timer, DRAIN_MAX_MS + (uint64_t)s->cfg->wait_s * 1000);
	session_poke(s->end.drain_check);
}

static void
on_drain_timer(void *arg)
{
	struct session *s = arg;

	if (!s->end.draining)
		start_drain(s);		/* the linger is over */
	else
		session_quit(s);	/* cannot happen: --wait, then the 60 s rule, end every message */
}

void
ending_eof(struct session *s)
{
	if (s->end.eof)
		return;
	s->end.eof = 1;
	if (!s->cfg->batch) {
		session_quit(s);
		return;
	}
	if (s->cfg->linger_s > 0)
		timer_in(s->end.drain_timer, (uint64_t)s->cfg->linger_s * 1000);
	else
		start_drain(s);
}

int
ending_start(struct session *s)
{
	if ((s->end.drain_timer = timer_new(s->timers, on_drain_timer, s)) == NULL ||
	    (s->end.drain_check = timer_new(s->timers, on_drain_check, s)) == NULL ||
	    (s->end.flow_check = timer_new(s->timers, on_flow_check, s)) == NULL)
		return -1;
	return 0;
}

void
ending_stop(struct session *s)
{
	timer_free(s->end.drain_timer);
	timer_free(s->end.drain_check);
	timer_free(s->end.flow_check);
	s->end.drain_timer = s->end.drain_check = s->end.flow_check = NULL;
}
