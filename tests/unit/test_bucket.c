/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_bucket.c — the token bucket (tunnel/net/bucket.h) on a fake clock:
 *   - a zeroed bucket is full (and one filled as of a time): the burst
 *     passes, then nothing until it refills at the rate, and never beyond
 *     the burst however long idle;
 *   - takes of many tokens (bytes), and bucket_has/bucket_spend for a take
 *     over two buckets;
 *   - no overflow: a gap of 2^64 - 1 ms, the largest rate and burst, a
 *     clock that goes back (it adds nothing until it passes again);
 *   - bucket_next says exactly when a refused take passes;
 *   - 200000 random steps against two models it replaces: GCRA (tat and a
 *     tolerance, the peer exchange's old budget) and thousandths of a token
 *     refilled up to the burst (the ping budgets' old buckets).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/net/bucket.h"
#include "tests/check.h"

static void
test_burst_refill(void)
{
	static const struct bucket_rate r = { 4, 10 };
	struct bucket b;
	unsigned i, ok;

	memset(&b, 0, sizeof(b));
	for (i = 0, ok = 0; i < 20; i++)
		ok += bucket_take(&b, &r, 1, 5000);
	CHECK_EQ(ok, 10);
	CHECK(!bucket_take(&b, &r, 1, 5000));
	CHECK(!bucket_take(&b, &r, 1, 5249));		/* 249 ms at 4/s: 0.996 of a token */
	CHECK(bucket_take(&b, &r, 1, 5250));
	CHECK(!bucket_take(&b, &r, 1, 5250));
	/* An hour idle: full, not more. */
	for (i = 0, ok = 0; i < 20; i++)
		ok += bucket_take(&b, &r, 1, 5250 + 3600000);
	CHECK_EQ(ok, 10);
	/* Many tokens at once, all or nothing. */
	memset(&b, 0, sizeof(b));
	CHECK(!bucket_take(&b, &r, 11, 0));		/* more than the burst: never */
	CHECK_EQ(bucket_next(&b, &r, 11, 0), UINT64_MAX);
	CHECK(bucket_take(&b, &r, 7, 0));
	CHECK(!bucket_take(&b, &r, 4, 0));		/* 3 left: nothing taken */
	CHECK(bucket_take(&b, &r, 3, 0));
	CHECK(!bucket_take(&b, &r, 1, 0));
	CHECK_EQ(bucket_next(&b, &r, 1, 0), 250);
	CHECK_EQ(bucket_next(&b, &r, 10, 0), 2500);
	CHECK(!bucket_take(&b, &r, 10, 2499));
	CHECK(bucket_take(&b, &r, 10, 2500));
	/* Filled as of a time: full, and refilled from then on. */
	bucket_fill(&b, 9000);
	CHECK(bucket_has(&b, &r, 10));
	CHECK(bucket_take(&b, &r, 10, 100));		/* before it: nothing added, nothing lost */
	CHECK(!bucket_take(&b, &r, 1, 9249));
	CHECK(bucket_take(&b, &r, 1, 9250));
}

/* Two buckets, one take: the packets and the bytes of a relayed datagram. */
static void
test_two(void)
{
	static const struct bucket_rate pkts = { 200, 400 }, bytes = { 1000, 2000 };
	struct bucket p, by;

	memset(&p, 0, sizeof(p));
	memset(&by, 0, sizeof(by));
	bucket_refill(&p, &pkts, 100);
	bucket_refill(&by, &bytes, 100);
	CHECK(bucket_has(&p, &pkts, 1) && bucket_has(&by, &bytes, 1500));
	bucket_spend(&p, 1);
	bucket_spend(&by, 1500);
	CHECK(bucket_has(&p, &pkts, 1) && !bucket_has(&by, &bytes, 1500));
	CHECK(bucket_has(&by, &bytes, 500));
	CHECK_EQ(bucket_next(&by, &bytes, 1500, 100), 1100);
}

static void
test_extremes(void)
{
	static const struct bucket_rate big = { UINT32_MAX, UINT32_MAX }, slow = { 1, 3 },
	    stopped = { 0, 2 };
	struct bucket b;

	/* The largest burst, spent whole, back in a second at the largest rate. */
	memset(&b, 0, sizeof(b));
	CHECK(bucket_take(&b, &big, UINT32_MAX, 1));
	CHECK(!bucket_take(&b, &big, 1, 1));
	CHECK(bucket_take(&b, &big, 1, 2));
	CHECK_EQ(bucket_next(&b, &big, UINT32_MAX, 2), 1002);
	CHECK(!bucket_take(&b, &big, UINT32_MAX, 1001));
	CHECK(bucket_take(&b, &big, UINT32_MAX, UINT64_MAX));	/* a gap of 2^64 - 2 ms */
	CHECK(!bucket_take(&b, &big, 1, UINT64_MAX));
	CHECK_EQ(bucket_next(&b, &big, 1, UINT64_MAX), UINT64_MAX);	/* past the clock's end */
	/* A slow bucket: a gap of 2^64 - 1 ms fills it, and no more. */
	memset(&b, 0, sizeof(b));
	CHECK(bucket_take(&b, &slow, 3, 0));
	CHECK_EQ(bucket_next(&b, &slow, 3, 0), 3000);
	CHECK(bucket_take(&b, &slow, 3, UINT64_MAX));
	CHECK(!bucket_take(&b, &slow, 1, UINT64_MAX));
	/* A clock that goes back adds nothing until it passes the last time again. */
	memset(&b, 0, sizeof(b));
	CHECK(bucket_take(&b, &slow, 3, 10000));
	CHECK(!bucket_take(&b, &slow, 1, 0));
	CHECK_EQ(b.at_ms, 10000);
	CHECK(!bucket_take(&b, &slow, 1, 10999));
	CHECK_EQ(bucket_next(&b, &slow, 1, 5), 11000);
	CHECK(bucket_take(&b, &slow, 1, 11000));
	/* Tokens already there pass whatever the clock says. */
	memset(&b, 0, sizeof(b));
	CHECK(bucket_take(&b, &slow, 1, 10000));
	CHECK_EQ(bucket_next(&b, &slow, 2, 3), 3);
	CHECK(bucket_take(&b, &slow, 2, 3));
	/* No rate: what is spent never comes back. */
	memset(&b, 0, sizeof(b));
	CHECK(bucket_take(&b, &stopped, 1, 0));
	CHECK(bucket_take(&b, &stopped, 1, UINT64_MAX));
	CHECK(!bucket_take(&b, &stopped, 1, UINT64_MAX));
	CHECK_EQ(bucket_next(&b, &stopped, 1, 0), UINT64_MAX);
}

/* GCRA, T = 1000 / per_s ms (per_s divides 1000), tolerance (burst - 1) x T. */
static int
gcra_take(uint64_t *tat, uint64_t t, uint64_t tol, uint64_t now)
{
	if (*tat > now + tol)
		return 0;
	*tat = (*tat > now ? *tat : now) + t;
	return 1;
}

/* Thousandths of a token, refilled up to the burst (the clock only goes forward). */
static int
milli_take(uint64_t *milli, uint64_t *at, uint32_t per_s, uint32_t burst, uint64_t now)
{
	uint64_t add;

	if (now > *at) {
		add = (now - *at) * per_s;
		*at = now;
		*milli = add >= (uint64_t)burst * 1000 - *milli ? (uint64_t)burst * 1000 : *milli + add;
	}
	if (*milli < 1000)
		return 0;
	*milli -= 1000;
	return 1;
}

static void
test_models(void)
{
	static const uint32_t rates[] = { 1, 2, 4, 5, 8, 10, 40, 200, 1000 };
	unsigned k, i, bad = 0;

	srandom(7);
	for (k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
		struct bucket_rate r = { rates[k], 1 + (uint32_t)random() % 200 };
		uint64_t t = 1000 / r.per_s, tol = (r.burst - 1) * t, tat = 0;
		uint64_t milli = (uint64_t)r.burst * 1000, at = 0, now = 0;
		struct bucket b;

		memset(&b, 0, sizeof(b));
		for (i = 0; i < 200000 / (sizeof(rates) / sizeof(rates[0])); i++) {
			int want, got, want2;
			uint64_t next;

			now += (uint64_t)(random() % 4 == 0 ? random() % (3 * t) : 0);
			next = tat > now + tol ? tat - tol : now;
			if (bucket_next(&b, &r, 1, now) != next)
				bad++;
			want = gcra_take(&tat, t, tol, now);
			want2 = milli_take(&milli, &at, r.per_s, r.burst, now);
			got = bucket_take(&b, &r, 1, now);
			if (got != want || got != want2) {
				if (bad++ < 5)
					fprintf(stderr, "rate %u burst %u at %llu: bucket %d, gcra %d, milli %d\n",
					    r.per_s, r.burst, (unsigned long long)now, got, want, want2);
			}
		}
	}
	CHECK_EQ(bad, 0);
}

int
main(void)
{
	test_burst_refill();
	test_two();
	test_extremes();
	test_models();
	return check_exit("test_bucket");
}
