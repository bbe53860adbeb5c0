/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * links.c — the session's path kinds (link.h), reached only through their
 * struct link_ops: nothing here, or anywhere in the core, names a kind's
 * functions.
 */
#include "config.h"

#include <string.h>

#include "src/session/core.h"
#include "src/session/link.h"

int
links_start(struct session *s, const struct link_ops *const *kinds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct link *l = &s->links[kinds[i]->kind];

		l->ops = kinds[i];
		l->s = s;
		l->index = kinds[i]->kind;
		if (l->ops->start != NULL && l->ops->start(l) != 0)
			return -1;
	}
	return 0;
}

void
links_stop(struct session *s)
{
	int i;

	for (i = LINK__COUNT - 1; i >= 0; i--) {
		struct link *l = &s->links[i];

		if (l->ops != NULL && l->ops->stop != NULL)
			l->ops->stop(l);
		memset(l, 0, sizeof(*l));
	}
}

struct link *
links_get(struct session *s, enum link_kind kind)
{
	return (unsigned)kind < LINK__COUNT && s->links[kind].ops != NULL ? &s->links[kind] : NULL;
}

int
links_input(struct session *s, const struct endpoint *from, uint8_t *buf, size_t len)
{
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++) {
		struct link *l = &s->links[i];

		if (l->ops != NULL && l->ops->input != NULL && l->ops->input(l, from, buf, len))
			return 1;
	}
	return 0;
}

void
links_seek(struct session *s, enum link_kind kind, struct peer *p)
{
	struct link *l = links_get(s, kind);

	if (l != NULL && l->ops->seek != NULL)
		l->ops->seek(l, p);
}

void
links_punching(struct session *s, struct peer *p)
{
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++)
		if (s->links[i].ops != NULL && s->links[i].ops->punching != NULL)
			s->links[i].ops->punching(&s->links[i], p);
}

void
links_peer_gone(struct session *s, struct peer *p)
{
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++)
		if (s->links[i].ops != NULL && s->links[i].ops->peer_gone != NULL)
			s->links[i].ops->peer_gone(&s->links[i], p);
}

void
links_peer_state(struct session *s, struct peer *p)
{
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++)
		if (s->links[i].ops != NULL && s->links[i].ops->peer_state != NULL)
			s->links[i].ops->peer_state(&s->links[i], p);
}

void
links_flush(struct session *s)
{
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++)
		if (s->links[i].ops != NULL && s->links[i].ops->flush != NULL)
			s->links[i].ops->flush(&s->links[i]);
}

void
links_report(struct session *s)
{
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++)
		if (s->links[i].ops != NULL && s->links[i].ops->report != NULL)
			s->links[i].ops->report(&s->links[i]);
}

int
links_aux_input(struct session *s, int h, struct endpoint *from, uint8_t *buf, size_t len)
{
	unsigned i;
	int r;

	for (i = 0; i < LINK__COUNT; i++) {
		struct link *l = &s->links[i];

		if (l->ops != NULL && l->ops->aux_input != NULL &&
		    (r = l->ops->aux_input(l, h, from, buf, len)) >= 0)
			return r;
	}
	return -1;
}

const char *
links_strategy(struct session *s, const struct peer *p)
{
	const char *name;
	unsigned i;

	for (i = 0; i < LINK__COUNT; i++)
		if (s->links[i].ops != NULL && s->links[i].ops->strategy != NULL &&
		    (name = s->links[i].ops->strategy(&s->links[i], p)) != NULL)
			return name;
	return NULL;
}
