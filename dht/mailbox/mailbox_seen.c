/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox_seen.c — per-sender receive state for mailbox values: a replay
 * window over seq and an accept rate (doc/PROTOCOL.md "DHT mailbox",
 * reasons replay, duplicate, rate).
 *
 * Replay window: the highest seq accepted and a 64-bit map of the 64 seqs
 * below it, as in RFC 6479 without the ring (one word is enough here): a seq
 * above the highest moves the window, one inside it is a duplicate if its
 * bit is set, one below it is a replay.
 *
 * Lifetime: an entry is kept until `until`, the highest exp it accepted.
 * After that every value it has seen fails the exp check, so forgetting it
 * cannot let a replay in. The table is bounded (MAILBOX_SENDERS_MAX); a full
 * table drops entries whose time is up, else the one whose time is up first.
 * Only senders that passed the from check (room members) get an entry.
 *
 * Rate: a token bucket per sender, MAILBOX_ACCEPT_RATE values a second with
 * bursts of MAILBOX_ACCEPT_BURST, refilled from the monotonic clock. Tokens
 * are kept in thousandths so that the refill needs no floating point.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht/mailbox/mailbox.h"

enum {
	TOKEN_ONE = 1000,		/* one value, in thousandths of a token */
	TOKEN_MAX = MAILBOX_ACCEPT_BURST * TOKEN_ONE
};

struct seen_entry {
	uint8_t id[MAILBOX_ID_LEN];
	uint64_t highest;		/* highest seq accepted */
	uint64_t map;			/* bit i: highest - i accepted */
	uint64_t until;			/* unix s: forget after this */
	uint64_t tokens;		/* thousandths */
	uint64_t refilled_ms;		/* mono ms of the last refill */
	int used;
};

struct mailbox_seen {
	struct seen_entry e[MAILBOX_SENDERS_MAX];
};

struct mailbox_seen *
mailbox_seen_new(void)
{
	return calloc(1, sizeof(struct mailbox_seen));
}

void
mailbox_seen_free(struct mailbox_seen *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));	/* who wrote to us is not for later readers */
	free(s);
}

/* The entry for id, forgetting entries whose time is up on the way. */
static struct seen_entry *
seen_find(struct mailbox_seen *s, const uint8_t id[MAILBOX_ID_LEN], uint64_t now)
{
	struct seen_entry *found = NULL;
	size_t i;

	for (i = 0; i < MAILBOX_SENDERS_MAX; i++) {
		struct seen_entry *e = &s->e[i];

		if (!e->used)
			continue;
		if (now >= e->until) {
			memset(e, 0, sizeof(*e));
			continue;
		}
		if (found == NULL && memcmp(e->id, id, MAILBOX_ID_LEN) == 0)
			found = e;
	}
	return found;
}

/* A free slot, or the entry whose time is up first. Call after seen_find. */
static struct seen_entry *
seen_slot(struct mailbox_seen *s)
{
	struct seen_entry *victim = &s->e[0];
	size_t i;

	for (i = 0; i < MAILBOX_SENDERS_MAX; i++) {
		if (!s->e[i].used)
			return &s->e[i];
		if (s->e[i].until < victim->until)
			victim = &s->e[i];
	}
	return victim;
}

/* 0 when seq may be accepted, else MBX_REPLAY or MBX_DUPLICATE. */
static enum mailbox_reject
window_check(const struct seen_entry *e, uint64_t seq)
{
	uint64_t back;

	if (seq > e->highest)
		return MBX_OK;
	back = e->highest - seq;
	if (back >= MAILBOX_REPLAY_WINDOW)
		return MBX_REPLAY;
	return (e->map >> back) & 1 ? MBX_DUPLICATE : MBX_OK;
}

static void
window_mark(struct seen_entry *e, uint64_t seq)
{
	uint64_t ahead;

	if (seq > e->highest) {
		ahead = seq - e->highest;
		e->map = ahead >= MAILBOX_REPLAY_WINDOW ? 0 : e->map << ahead;
		e->map |= 1;
		e->highest = seq;
	} else {
		e->map |= (uint64_t)1 << (e->highest - seq);
	}
}

static int
take_token(struct seen_entry *e, uint64_t mono_ms)
{
	uint64_t add;

	if (mono_ms > e->refilled_ms) {
		add = (mono_ms - e->refilled_ms) * MAILBOX_ACCEPT_RATE;	/* thousandths */
		e->tokens = add >= TOKEN_MAX - e->tokens ? TOKEN_MAX : e->tokens + add;
		e->refilled_ms = mono_ms;
	}
	if (e->tokens < TOKEN_ONE)
		return -1;
	e->tokens -= TOKEN_ONE;
	return 0;
}

enum mailbox_reject
mailbox_seen_check(struct mailbox_seen *s, const struct mailbox_letter *l, uint64_t now,
    uint64_t mono_ms)
{
	struct seen_entry *e = seen_find(s, l->from, now);
	enum mailbox_reject r;

	if (e != NULL && (r = window_check(e, l->seq)) != MBX_OK)
		return r;
	if (e == NULL) {
		e = seen_slot(s);
		memset(e, 0, sizeof(*e));
		memcpy(e->id, l->from, MAILBOX_ID_LEN);
		e->used = 1;
		e->tokens = TOKEN_MAX;
		e->refilled_ms = mono_ms;
		/* A fresh entry takes any seq: mark it as the highest below. */
		e->highest = l->seq;
		e->map = 0;
	}
	if (take_token(e, mono_ms) != 0)
		return MBX_RATE;
	window_mark(e, l->seq);
	if (l->exp > e->until)
		e->until = l->exp;
	return MBX_OK;
}

size_t
mailbox_seen_count(const struct mailbox_seen *s)
{
	size_t i, n = 0;

	for (i = 0; i < MAILBOX_SENDERS_MAX; i++)
		n += s->e[i].used != 0;
	return n;
}
