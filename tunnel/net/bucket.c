/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bucket.c — one token bucket in thousandths of a token (bucket.h). */
#include "config.h"

#include "tunnel/net/bucket.h"

/* What lack is once ms more have passed at per_s; never below 0, never overflowing. */
static uint64_t
lack_after(uint64_t lack, uint64_t ms, uint32_t per_s)
{
	/* ms x per_s thousandths would cover lack: full (and ms x per_s may not fit). */
	if (per_s == 0)
		return lack;
	if (ms >= lack / per_s + 1)
		return 0;
	return lack - ms * per_s;	/* ms <= lack / per_s: fits, and is at most lack */
}

void
bucket_fill(struct bucket *b, uint64_t now_ms)
{
	b->lack = 0;
	b->at_ms = now_ms;
}

void
bucket_refill(struct bucket *b, const struct bucket_rate *r, uint64_t now_ms)
{
	if (now_ms <= b->at_ms)
		return;
	b->lack = lack_after(b->lack, now_ms - b->at_ms, r->per_s);
	b->at_ms = now_ms;
}

int
bucket_has(const struct bucket *b, const struct bucket_rate *r, uint32_t n)
{
	return n <= r->burst && b->lack <= (uint64_t)(r->burst - n) * 1000;
}

void
bucket_spend(struct bucket *b, uint32_t n)
{
	b->lack += (uint64_t)n * 1000;
}

int
bucket_take(struct bucket *b, const struct bucket_rate *r, uint32_t n, uint64_t now_ms)
{
	bucket_refill(b, r, now_ms);
	if (!bucket_has(b, r, n))
		return 0;
	bucket_spend(b, n);
	return 1;
}

uint64_t
bucket_next(const struct bucket *b, const struct bucket_rate *r, uint32_t n, uint64_t now_ms)
{
	uint64_t at = now_ms > b->at_ms ? now_ms : b->at_ms;
	uint64_t lack = lack_after(b->lack, at - b->at_ms, r->per_s), room, wait;

	if (n > r->burst)
		return UINT64_MAX;
	room = (uint64_t)(r->burst - n) * 1000;
	if (lack <= room)
		return now_ms;
	if (r->per_s == 0)
		return UINT64_MAX;
	wait = (lack - room + r->per_s - 1) / r->per_s;		/* lack - room <= 2^42: no overflow */
	return wait > UINT64_MAX - at ? UINT64_MAX : at + wait;
}
