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

static const struct bucket_rate global_rate = { BUDGET_RATE, BUDGET_BURST };
static const struct bucket_rate dest_rate = { BUDGET_DEST_RATE, BUDGET_DEST_BURST };

void
budget_init(struct budget *b, uint64_t now_ms)
{
	memset(b, 0, sizeof(*b));
	randombytes_buf(b->hash_key, sizeof(b->hash_key));
	bucket_fill(&b->tokens, now_ms);
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
			bucket_refill(&d->tokens, &dest_rate, now_ms);
		if (sodium_is_zero(d->key, 8) ||
		    bucket_has(&d->tokens, &dest_rate, BUDGET_DEST_BURST)) {
			memcpy(d->key, key, 8);
			bucket_fill(&d->tokens, now_ms);
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

	bucket_refill(&b->tokens, &global_rate, now_ms);
	dest_key(b, to, key);
	if (!known && !bucket_has(&b->tokens, &global_rate, 1))
		v = BUDGET_GLOBAL;
	else if ((d = dest_bucket(b, key, now_ms)) == NULL)
		v = BUDGET_TABLE;
	else if (!bucket_take(&d->tokens, &dest_rate, 1, now_ms))
		v = BUDGET_DEST;
	else {
		if (!known)
			bucket_spend(&b->tokens, 1);
		v = BUDGET_OK;
	}
	b->counts[v]++;
	return v;
}
