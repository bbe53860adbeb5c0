/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bucket.h — one token bucket, integers only, as pure functions of a
 * monotonic millisecond clock the caller passes in. Tokens come at
 * rate->per_s a second up to rate->burst; a take of n tokens passes when n
 * are there, and takes them. The rate lives with the caller (one rate, many
 * buckets), so a bucket is two words, and a zeroed bucket is full.
 *
 * Exact: a bucket counts thousandths of a token, and a millisecond at
 * per_s tokens a second is per_s thousandths, so nothing is rounded. Any
 * gap is safe: a huge one fills the bucket (no overflow), a clock that goes
 * back adds nothing until it passes the last time seen again.
 *
 * Driving it: bucket_take() before each unit of work; or, for a take that
 * must check several buckets before it spends from any, bucket_refill()
 * each, bucket_has() each, then bucket_spend() each. bucket_next() says
 * when a refused take would pass.
 */
#ifndef GONET_TUNNEL_BUCKET_H
#define GONET_TUNNEL_BUCKET_H

#include <stdint.h>

struct bucket_rate {
	uint32_t per_s;			/* tokens a second */
	uint32_t burst;			/* tokens at most */
};

struct bucket {
	uint64_t lack;			/* thousandths of a token short of full */
	uint64_t at_ms;			/* when lack was last brought up to date */
};

/* Full, as of now_ms (as a zeroed bucket is, as of 0). */
void bucket_fill(struct bucket *b, uint64_t now_ms);
/* Bring b up to now_ms. */
void bucket_refill(struct bucket *b, const struct bucket_rate *r, uint64_t now_ms);
/* 1 when n tokens are in b (as last refilled). */
int bucket_has(const struct bucket *b, const struct bucket_rate *r, uint32_t n);
/* Take n tokens: only after bucket_has() said they are there. */
void bucket_spend(struct bucket *b, uint32_t n);
/* Refill, then take n tokens if they are there: 1 if taken, 0 if not. */
int bucket_take(struct bucket *b, const struct bucket_rate *r, uint32_t n, uint64_t now_ms);
/* The first time from now_ms at which n tokens are there; UINT64_MAX never. */
uint64_t bucket_next(const struct bucket *b, const struct bucket_rate *r, uint32_t n,
    uint64_t now_ms);

#endif
