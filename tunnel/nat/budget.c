/* SPDX-License-Identifier: GPL-3.0-or-later */
/* budget.c — token buckets for punching pings (budget.h). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/budget.h"

static const char *const verdict_names[BUDGET__COUNT] = {
	[BUDGET_OK] = "ok",
	[BUDGET_GLOBAL] = "global",
	[BUDGET_DEST] = "destination",
	[BUDGET_TABLE] = "table"
};

const char *
budget_verdict_name(enum budget_verdict v)
{
	return (unsigned)v < BUDGET__COUNT ? verdict_names[v] : "?";
}

/* Refill a bucket of burst tokens at rate a second up to now. */
static uint32_t
refill(uint32_t milli, uint64_t *at_ms, uint64_t now_ms, uint32_t rate, uint32_t burst)
{
	uint64_t add;

	if (now_ms <= *at_ms)
		return milli;
	add = (now_ms - *at_ms) * rate;		/* ms x tokens/s = milli-tokens */
	*at_ms = now_ms;
	return add >= (uint64_t)burst * 1000 - milli ? burst * 1000 : milli + (uint32_t)add;
}

void
budget_init(struct budget *b, uint64_t now_ms)
{
	memset(b, 0, sizeof(*b));
	randombytes_buf(b->hash_key, sizeof(b->hash_key));
	b->milli = BUDGET_BURST * 1000;
	b->at_ms = now_ms;
}

/* The address a victim is: IPv4 whole, IPv6 its /64 (one host has the whole /64). */
static void
dest_key(const struct budget *b, const struct endpoint *to, uint8_t key[8])
{
	uint8_t in[9];
	size_t n = to->family == ENDPOINT_V4 ? 4 : 8;

	in[0] = (uint8_t)to->family;
	memcpy(in + 1, to->addr, n);
	crypto_shorthash(key, in, 1 + n, b->hash_key);
	if (sodium_is_zero(key, 8))
		key[0] = 1;		/* 0 marks a free slot */
}

static struct budget_bucket *
dest_bucket(struct budget *b, const uint8_t key[8], uint64_t now_ms)
{
	uint64_t h;
	unsigned i;

	memcpy(&h, key, sizeof(h));
	for (i = 0; i < BUDGET_DEST_PROBE; i++) {
		struct budget_bucket *d = &b->dest[(h + i) % BUDGET_DEST_SLOTS];

		if (memcmp(d->key, key, 8) == 0)
			return d;
		/* Free, or full again (idle long enough to forget): take it over. */
		if (!sodium_is_zero(d->key, 8))
			d->milli = refill(d->milli, &d->at_ms, now_ms, BUDGET_DEST_RATE,
			    BUDGET_DEST_BURST);
		if (sodium_is_zero(d->key, 8) || d->milli == BUDGET_DEST_BURST * 1000) {
			memcpy(d->key, key, 8);
			d->milli = BUDGET_DEST_BURST * 1000;
			d->at_ms = now_ms;
			return d;
		}
	}
	return NULL;
}

enum budget_verdict
budget_take(struct budget *b, const struct endpoint *to, int known, uint64_t now_ms)
{
	struct budget_bucket *d;
	enum budget_verdict v;
	uint8_t key[8];

	b->milli = refill(b->milli, &b->at_ms, now_ms, BUDGET_RATE, BUDGET_BURST);
	dest_key(b, to, key);
	if (!known && b->milli < 1000)
		v = BUDGET_GLOBAL;
	else if ((d = dest_bucket(b, key, now_ms)) == NULL)
		v = BUDGET_TABLE;
	else if ((d->milli = refill(d->milli, &d->at_ms, now_ms, BUDGET_DEST_RATE,
	    BUDGET_DEST_BURST)) < 1000)
		v = BUDGET_DEST;
	else {
		d->milli -= 1000;
		if (!known)
			b->milli -= 1000;
		v = BUDGET_OK;
	}
	b->counts[v]++;
	return v;
}
