/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record_seen.c — replay state for endpoint records: the highest seq seen per
 * id, each remembered until RECORD_SEEN_KEEP seconds past the exp of the
 * record that set it (doc/PROTOCOL.md "Endpoint record", reasons seq,
 * duplicate, ownid).
 *
 * The table is bounded (RECORD_SEEN_MAX ids). A full table first drops
 * entries whose time is up; if none is, it evicts the one that would be
 * forgotten first. Eviction can only be forced by that many distinct ids
 * with valid signatures under the room key, i.e. by room members.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht/record/record.h"

enum {
	RECORD_SEEN_MAX = 1024,
	RECORD_SEEN_KEEP = 1200		/* seconds past exp */
};

struct seen_entry {
	uint8_t id[RECORD_ID_LEN];
	uint64_t seq;			/* highest accepted */
	uint64_t until;			/* forget after this unix time */
	int used;
};

struct record_seen {
	uint8_t own_id[RECORD_ID_LEN];
	int have_own;
	struct seen_entry e[RECORD_SEEN_MAX];
};

struct record_seen *
record_seen_new(const uint8_t own_id[RECORD_ID_LEN])
{
	struct record_seen *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if (own_id != NULL) {
		memcpy(s->own_id, own_id, RECORD_ID_LEN);
		s->have_own = 1;
	}
	return s;
}

void
record_seen_free(struct record_seen *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));	/* who is in the room is not for later readers */
	free(s);
}

static struct seen_entry *
seen_find(struct record_seen *s, const uint8_t id[RECORD_ID_LEN], uint64_t now)
{
	size_t i;

	for (i = 0; i < RECORD_SEEN_MAX; i++) {
		struct seen_entry *e = &s->e[i];

		if (!e->used)
			continue;
		if (now > e->until) {		/* time is up: forget it */
			memset(e, 0, sizeof(*e));
			continue;
		}
		if (memcmp(e->id, id, RECORD_ID_LEN) == 0)
			return e;
	}
	return NULL;
}

/* A free slot, or the entry that would be forgotten first. Call after seen_find. */
static struct seen_entry *
seen_slot(struct record_seen *s)
{
	struct seen_entry *victim = &s->e[0];
	size_t i;

	for (i = 0; i < RECORD_SEEN_MAX; i++) {
		if (!s->e[i].used)
			return &s->e[i];
		if (s->e[i].until < victim->until)
			victim = &s->e[i];
	}
	return victim;
}

enum record_reject
record_accept(struct record_seen *s, const struct record *rec, uint64_t now)
{
	struct seen_entry *e;
	uint64_t until = rec->exp + RECORD_SEEN_KEEP;

	if (until < rec->exp)			/* cannot happen after record_open; be safe */
		until = UINT64_MAX;
	/* Our own id is never stored, so its seq check always passes: ownid wins. */
	e = seen_find(s, rec->id, now);
	if (e != NULL) {
		if (rec->seq < e->seq)
			return REC_SEQ;
		if (rec->seq == e->seq)
			return REC_DUPLICATE;
	}
	if (s->have_own && sodium_memcmp(rec->id, s->own_id, RECORD_ID_LEN) == 0)
		return REC_OWNID;
	if (e == NULL) {
		e = seen_slot(s);
		memset(e, 0, sizeof(*e));
		memcpy(e->id, rec->id, RECORD_ID_LEN);
		e->used = 1;
	}
	e->seq = rec->seq;
	if (until > e->until)
		e->until = until;
	return REC_OK;
}
