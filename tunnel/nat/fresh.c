/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fresh.c — per-sender replay windows for probe-family messages (fresh.h).
 * The window is RFC 6479's bitmap: bit (ts mod FRESH_WINDOW) of the ring
 * says whether that ts was accepted, for ts in (highest - FRESH_WINDOW,
 * highest]; moving the highest clears the bits it passes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tunnel/nat/fresh.h"

enum {
	WORDS = FRESH_WINDOW / 64
};

_Static_assert(FRESH_WINDOW % 64 == 0, "the window is whole words");

struct fresh_sender {
	uint8_t key[FRESH_KEY_LEN];
	int used;
	uint64_t highest;		/* the highest ts accepted */
	uint64_t heard;			/* our clock when it was last accepted: the LRU order */
	uint64_t ring[WORDS];
};

struct fresh {
	struct fresh_sender s[FRESH_SENDERS];
};

struct fresh *
fresh_new(void)
{
	return calloc(1, sizeof(struct fresh));
}

void
fresh_free(struct fresh *f)
{
	free(f);
}

uint64_t
fresh_stamp(uint64_t *last, uint64_t now_unix_ms)
{
	*last = now_unix_ms > *last ? now_unix_ms : *last + 1;
	return *last;
}

const char *
fresh_result_name(enum fresh_result r)
{
	switch (r) {
	case FRESH_OK:		return "ok";
	case FRESH_STALE:	return "stale";
	case FRESH_REPLAY:	return "replay";
	}
	return "?";
}

static struct fresh_sender *
lookup(struct fresh *f, const uint8_t key[FRESH_KEY_LEN])
{
	struct fresh_sender *e, *lru = NULL;
	unsigned i;

	for (i = 0; i < FRESH_SENDERS; i++) {
		e = &f->s[i];
		if (e->used && memcmp(e->key, key, FRESH_KEY_LEN) == 0)
			return e;
		if (lru == NULL || !e->used || (lru->used && e->heard < lru->heard))
			lru = e;
	}
	/* A new sender takes a free slot, else the one heard least recently. */
	memset(lru, 0, sizeof(*lru));
	memcpy(lru->key, key, FRESH_KEY_LEN);
	return lru;
}

static int
bit(const struct fresh_sender *e, uint64_t ts)
{
	uint64_t i = ts % FRESH_WINDOW;

	return (int)(e->ring[i / 64] >> (i % 64) & 1);
}

static void
set_bit(struct fresh_sender *e, uint64_t ts)
{
	uint64_t i = ts % FRESH_WINDOW;

	e->ring[i / 64] |= (uint64_t)1 << (i % 64);
}

int
fresh_skew_ok(uint64_t ts, uint64_t now_unix_ms)
{
	/* |ts - now| <= FRESH_SKEW_MS, written so it cannot overflow. */
	return ts > now_unix_ms ? ts - now_unix_ms <= FRESH_SKEW_MS :
	    now_unix_ms - ts <= FRESH_SKEW_MS;
}

enum fresh_result
fresh_check(struct fresh *f, const uint8_t sender[FRESH_KEY_LEN], uint64_t ts,
    uint64_t now_unix_ms)
{
	struct fresh_sender *e;
	uint64_t d, t;

	if (!fresh_skew_ok(ts, now_unix_ms))
		return FRESH_STALE;
	e = lookup(f, sender);
	if (!e->used) {
		e->used = 1;
		e->highest = ts;
	} else if (ts > e->highest) {
		/* Clear what the window moves past (all of it after a long gap). */
		if (ts - e->highest >= FRESH_WINDOW) {
			memset(e->ring, 0, sizeof(e->ring));
		} else {
			/* Counted, not "t <= ts": ts may be UINT64_MAX (found by fuzz_probe). */
			for (d = 1; d <= ts - e->highest; d++) {
				t = (e->highest + d) % FRESH_WINDOW;
				e->ring[t / 64] &= ~((uint64_t)1 << (t % 64));
			}
		}
		e->highest = ts;
	} else if (e->highest - ts >= FRESH_WINDOW || bit(e, ts)) {
		return FRESH_REPLAY;
	}
	set_bit(e, ts);
	e->heard = now_unix_ms;
	return FRESH_OK;
}
