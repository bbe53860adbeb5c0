/* SPDX-License-Identifier: GPL-3.0-or-later */
/* outbox.c — --batch lines that wait for a peer (outbox.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/session/core.h"
#include "src/session/outbox.h"
#include "src/session/post.h"
#include "src/session/target.h"
#include "src/session/tell.h"
#include "src/ui/ui.h"

struct outbox_entry {
	struct outbox_entry *next;
	uint64_t id;
	uint64_t flags;
	int has_to;
	struct target to;
	uint64_t deadline_ms;		/* mono: reported undelivered then */
	size_t len;
	char text[];
};

static struct post
as_post(const struct outbox_entry *e)
{
	struct post m = {
		.id = e->id, .flags = e->flags, .to = e->has_to ? &e->to : NULL,
		.text = e->text, .len = e->len
	};

	return m;
}

/* Whether a line that cannot go yet may wait for it. */
static int
may_wait(enum post_result r)
{
	return r == POST_NO_PEERS || r == POST_NOT_CONNECTED || r == POST_NO_SUCH_PEER;
}

/* The lines held changed: a drain or a paused input may move on (ending.c). */
static void
changed(struct session *s)
{
	session_poke(s->end.drain_check);
	session_poke(s->end.flow_check);
}

static void
arm(struct session *s)
{
	struct session_outbox *ob = &s->outbox;

	/* Every line waits as long: the first deadline is the earliest. */
	if (ob->first != NULL)
		timer_at(ob->check, ob->first->deadline_ms);
	else
		timer_stop(ob->check);
}

/* Post what can go, report what waited long enough or never can go. */
static void
flush(struct session *s)
{
	struct session_outbox *ob = &s->outbox;
	struct outbox_entry *e, **pp;
	uint64_t now = session_now_ms(s);
	size_t before = ob->n;
	enum post_result r;
	struct peer *p;
	char hint[128];

	for (pp = &ob->first; (e = *pp) != NULL;) {
		struct post m = as_post(e);

		r = post_check(s, &m, &p);
		if (r != POST_OK && may_wait(r) && now < e->deadline_ms) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		ob->n--;
		if (r == POST_OK) {
			post_send(s, &m, p);
		} else if (may_wait(r)) {
			snprintf(hint, sizeof(hint), "%s within --wait %u s",
			    m.to != NULL ? "that peer did not connect" : "nobody connected",
			    s->cfg->wait_s);
			post_refuse(s, &m, r, hint);
		} else {
			post_refuse(s, &m, r, NULL);
		}
		free(e);
	}
	ob->last = NULL;
	for (e = ob->first; e != NULL; e = e->next)
		ob->last = e;
	arm(s);
	if (ob->n != before)
		changed(s);
}

static void
on_check(void *arg)
{
	flush(arg);
}

int
outbox_start(struct session *s)
{
	if ((s->outbox.check = timer_new(s->timers, on_check, s)) == NULL)
		return -1;
	return 0;
}

void
outbox_stop(struct session *s)
{
	struct session_outbox *ob = &s->outbox;
	struct outbox_entry *e;
	struct peer *p;

	while ((e = ob->first) != NULL) {
		struct post m = as_post(e);
		enum post_result r = post_check(s, &m, &p);

		ob->first = e->next;
		post_refuse(s, &m, r == POST_OK ? POST_NO_PEERS : r, "the session ended first");
		free(e);
	}
	ob->last = NULL;
	ob->n = 0;
	timer_free(ob->check);
	ob->check = NULL;
}

int
outbox_active(const struct session *s)
{
	return s->cfg->batch && s->cfg->wait_s > 0;
}

void
outbox_put(struct session *s, const struct post *m)
{
	struct session_outbox *ob = &s->outbox;
	struct outbox_entry *e;
	struct ui_event ev;
	char text[160], who[RECORD_MAX_NICK + TARGET_FP_MAX + 2];

	if (ob->n >= OUTBOX_MAX || (e = calloc(1, sizeof(*e) + m->len)) == NULL) {
		post_refuse(s, m, POST_NO_PEERS, "too many lines waiting for a peer");
		return;
	}
	e->id = m->id;
	e->flags = m->flags;
	if (m->to != NULL) {
		e->has_to = 1;
		e->to = *m->to;
	}
	e->deadline_ms = session_now_ms(s) + (uint64_t)s->cfg->wait_s * 1000;
	e->len = m->len;
	memcpy(e->text, m->text, m->len);
	if (ob->last != NULL)
		ob->last->next = e;
	else
		ob->first = e;
	ob->last = e;
	ob->n++;
	e = NULL;		/* flush may free it */
	flush(s);		/* in order: it goes now if nothing before it waits for the same */
	if (ob->last == NULL || ob->last->id != m->id)
		return;		/* gone (or refused) already */
	if (m->to != NULL)
		target_format(m->to, who, sizeof(who));
	else
		snprintf(who, sizeof(who), "nobody");
	snprintf(text, sizeof(text), "%s is %sconnected yet: holding it for up to %u s", who,
	    m->to != NULL ? "not " : "", s->cfg->wait_s);
	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_STATUS;
	ev.what = "holding";
	ev.text = text;
	ev.seq = m->id;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	session_emit(s, &ev);
	changed(s);
}

size_t
outbox_count(const struct session *s)
{
	return s->outbox.n;
}
