/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_predict.c — the port prediction schedule (tunnel/nat/predict.h) on
 * a fake clock: the budgets (sockets, probes, pace, the attempt's hard
 * stop, the back-off), the sequential sweep, no port twice, a hit ending
 * everything, and a simulated hard NAT to check that the schedule finds
 * the 98 % the arithmetic promises.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/nat/predict.h"
#include "tests/check.h"

static struct endpoint
ep(const char *ip, uint16_t port)
{
	struct endpoint e;
	uint8_t a[4];

	if (inet_pton(AF_INET, ip, a) != 1)
		abort();
	endpoint_set(&e, ENDPOINT_V4, a, port);
	return e;
}

enum { MAXSTEPS = PREDICT_SOCKETS + PREDICT_PER_TICK };

/* Datagrams sent per ms over an attempt, to check the pace in every window. */
static unsigned sent_at[PREDICT_ATTEMPT_MS + 1000];

static int
paced(void)
{
	unsigned t, w = 0;

	for (t = 0; t < sizeof(sent_at) / sizeof(sent_at[0]); t++) {
		w += sent_at[t];
		if (t >= 1000)
			w -= sent_at[t - 1000];
		if (w > PREDICT_RATE_PPS)
			return 0;
	}
	return 1;
}

static void
test_hard_budgets(void)
{
	static struct predict p;
	struct predict_plan plan = { PREDICT_HARD, ep("198.51.100.12", 40000), 0, 0 };
	struct predict_step st[MAXSTEPS];
	unsigned opens = 0, closes = 0, open_now = 0, max_open = 0, i, n;
	uint64_t t, end = 0;

	memset(&p, 0, sizeof(p));
	memset(sent_at, 0, sizeof(sent_at));
	CHECK_EQ(predict_start(&p, &plan, 42, 0), 0);
	CHECK_EQ(predict_start(&p, &plan, 42, 1), -1);		/* one at a time */
	for (t = 0; t < PREDICT_ATTEMPT_MS + 1000; t++) {
		if (predict_next(&p) > t)
			continue;
		n = predict_on_timer(&p, t, st, MAXSTEPS);
		for (i = 0; i < n; i++) {
			if (st[i].action == PREDICT_ACT_OPEN_SEND) {
				CHECK(endpoint_equal(&st[i].to, &plan.peer));
				CHECK_EQ(st[i].socket, opens);
				opens++;
				open_now++;
				sent_at[t]++;
			} else if (st[i].action == PREDICT_ACT_CLOSE) {
				closes++;
				open_now--;
			} else {
				CHECK(0);
			}
		}
		if (open_now > max_open)
			max_open = open_now;
		if (p.state == PREDICT_EXHAUSTED && end == 0)
			end = t;
	}
	CHECK_EQ(opens, PREDICT_SOCKETS);
	CHECK_EQ(closes, PREDICT_SOCKETS);		/* every socket closed */
	CHECK(max_open <= PREDICT_SOCKETS);
	CHECK_MSG(paced(), "over %d datagrams in some second", PREDICT_RATE_PPS);
	CHECK_EQ(end, PREDICT_ATTEMPT_MS);		/* the hard stop */
	CHECK_EQ(predict_next(&p), UINT64_MAX);
	/* The back-off: no new attempt for the pair before it ends. */
	CHECK_EQ(predict_start(&p, &plan, 7, PREDICT_ATTEMPT_MS + 1), -1);
	CHECK_EQ(predict_start(&p, &plan, 7, PREDICT_BACKOFF_MS - 1), -1);
	CHECK_EQ(predict_start(&p, &plan, 7, PREDICT_BACKOFF_MS), 0);
}

static void
test_easy_budgets(void)
{
	static struct predict p;
	static uint8_t seen[65536];
	struct predict_plan plan = { PREDICT_EASY, ep("198.51.100.14", 0), 0, 0 };
	struct predict_step st[MAXSTEPS];
	unsigned sends = 0, dup = 0, low = 0, i, n;
	uint64_t t;

	memset(&p, 0, sizeof(p));
	memset(seen, 0, sizeof(seen));
	memset(sent_at, 0, sizeof(sent_at));
	CHECK_EQ(predict_start(&p, &plan, 0x1234, 0), 0);
	for (t = 0; t < PREDICT_ATTEMPT_MS + 1000; t++) {
		if (predict_next(&p) > t)
			continue;
		n = predict_on_timer(&p, t, st, MAXSTEPS);
		for (i = 0; i < n; i++) {
			CHECK(st[i].action == PREDICT_ACT_SEND);
			CHECK(memcmp(st[i].to.addr, plan.peer.addr, 4) == 0);
			dup += seen[st[i].to.port]++ != 0;
			low += st[i].to.port < PREDICT_PORT_MIN;
			sends++;
			sent_at[t]++;
		}
	}
	CHECK_EQ(sends, PREDICT_PROBES);
	for (i = 0, n = 0; i < 65536; i++)
		n += predict_probed(&p, i) != (seen[i] != 0);
	CHECK_EQ(n, 0);			/* probed: exactly the ports sent to */
	CHECK_EQ(dup, 0);
	CHECK_EQ(low, 0);
	CHECK(paced());
	CHECK_EQ(p.state, PREDICT_EXHAUSTED);
}

static void
test_sequential(void)
{
	static struct predict p;
	struct predict_plan plan = { PREDICT_EASY, ep("198.51.100.14", 40000), 1, 2 };
	struct predict_step st[MAXSTEPS];
	unsigned n, i;

	memset(&p, 0, sizeof(p));
	CHECK_EQ(predict_start(&p, &plan, 1, 0), 0);
	n = predict_on_timer(&p, 0, st, MAXSTEPS);
	CHECK_EQ(n, PREDICT_PER_TICK);
	for (i = 0; i < n; i++)
		CHECK_MSG(st[i].to.port == 40000 + 2 * (i + 1), "probe %u to %u", i, st[i].to.port);
	/* A sweep that would wrap below 1024 skips those ports. */
	plan.peer.port = 65530;
	plan.delta = 4;
	memset(&p, 0, sizeof(p));
	predict_start(&p, &plan, 1, 0);
	n = predict_on_timer(&p, 0, st, MAXSTEPS);
	CHECK_EQ(st[0].to.port, 65534);
	CHECK(st[1].to.port >= PREDICT_PORT_MIN);
}

static void
test_hit(void)
{
	static struct predict p;
	struct predict_plan plan = { PREDICT_HARD, ep("198.51.100.12", 40000), 0, 0 };
	struct predict_step st[MAXSTEPS];
	struct endpoint from = ep("198.51.100.12", 40000);
	unsigned n, i, closes = 0, adopt = 0;
	uint64_t t;

	memset(&p, 0, sizeof(p));
	predict_start(&p, &plan, 3, 1000);
	for (t = 1000; t < 1050; t += PREDICT_TICK_MS)
		predict_on_timer(&p, t, st, MAXSTEPS);
	CHECK_EQ(p.opened, 5 * PREDICT_PER_TICK);
	n = predict_on_hit(&p, 17, &from, 1050, st, MAXSTEPS);
	for (i = 0; i < n; i++) {
		if (st[i].action == PREDICT_ACT_ADOPT) {
			adopt++;
			CHECK_EQ(st[i].socket, 17);
			CHECK(endpoint_equal(&st[i].to, &from));
		} else {
			CHECK(st[i].action == PREDICT_ACT_CLOSE && st[i].socket != 17);
			closes++;
		}
	}
	CHECK_EQ(adopt, 1);
	CHECK_EQ(closes, 5 * PREDICT_PER_TICK - 1);	/* every other socket, at once */
	CHECK_EQ(p.state, PREDICT_HIT);
	CHECK_EQ(predict_on_timer(&p, 5000, st, MAXSTEPS), 0);	/* nothing more */
	CHECK_EQ(predict_on_hit(&p, 3, &from, 5000, st, MAXSTEPS), 0);
	/* A hit may be tried again when the path is lost (no back-off). */
	CHECK_EQ(predict_start(&p, &plan, 3, 6000), 0);
}

/*
 * The birthday, simulated: a random-port NAT gives each hard socket a
 * mapping; a hit is an easy probe to one of them. Over 400 attempts with
 * fixed seeds the rate must be near the 99.97 % promised.
 */
static void
test_birthday(void)
{
	static struct predict p;
	static uint8_t open_port[65536];
	struct predict_plan plan = { PREDICT_EASY, ep("198.51.100.14", 0), 0, 0 };
	struct predict_step st[MAXSTEPS];
	unsigned attempt, hits = 0, i, n;
	uint64_t rng = 88172645463325252ULL, t;
	double want = predict_hit_probability(PREDICT_SOCKETS, PREDICT_PROBES);

	CHECK_MSG(want > 0.999, "P = %f", want);
	CHECK(predict_hit_probability(PREDICT_SOCKETS, 1024) > 0.98 &&
	    predict_hit_probability(PREDICT_SOCKETS, 1024) < 0.99);
	for (attempt = 0; attempt < 400; attempt++) {
		int hit = 0;

		memset(open_port, 0, sizeof(open_port));
		for (i = 0; i < PREDICT_SOCKETS; i++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			open_port[PREDICT_PORT_MIN + rng % PREDICT_PORTS] = 1;
		}
		memset(&p, 0, sizeof(p));
		predict_start(&p, &plan, rng, 0);
		for (t = 0; t < PREDICT_ATTEMPT_MS && !hit; t += PREDICT_TICK_MS) {
			n = predict_on_timer(&p, t, st, MAXSTEPS);
			for (i = 0; i < n && !hit; i++)
				hit = open_port[st[i].to.port];
		}
		hits += hit;
	}
	CHECK_MSG(hits >= 396, "%u of 400 attempts hit (want about %.0f)", hits, want * 400);
	printf("birthday: %u of 400 simulated attempts hit (P = %.4f)\n", hits, want);
}

int
main(void)
{
	test_hard_budgets();
	test_easy_budgets();
	test_sequential();
	test_hit();
	test_birthday();
	return check_exit("test_predict");
}
