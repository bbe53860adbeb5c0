/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_cand.c — candidate lists and pairs (tunnel/nat/cand.h) and the punching
 * schedule (tunnel/nat/punch.h) on a fake clock.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/nat/budget.h"
#include "tunnel/nat/cand.h"
#include "tunnel/nat/punch.h"
#include "tests/check.h"

static struct endpoint
ep(const char *ip, uint16_t port)
{
	struct endpoint e;
	uint8_t a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		endpoint_set(&e, ENDPOINT_V4, a, port);
	else if (inet_pton(AF_INET6, ip, a) == 1)
		endpoint_set(&e, ENDPOINT_V6, a, port);
	else
		abort();
	return e;
}

static void
test_endpoint(void)
{
	struct endpoint e, f;
	struct sockaddr_storage ss;
	char buf[ENDPOINT_STR_MAX];
	socklen_t n;

	e = ep("2001:db8::1", 51820);
	CHECK(strcmp(endpoint_format(&e, buf, sizeof(buf)), "[2001:db8::1]:51820") == 0);
	n = endpoint_to_sockaddr(&e, &ss);
	CHECK(n == sizeof(struct sockaddr_in6));
	CHECK(endpoint_from_sockaddr(&f, (struct sockaddr *)&ss, n) == 0 && endpoint_equal(&e, &f));
	e = ep("::ffff:192.0.2.1", 7);		/* v4-mapped becomes IPv4 */
	n = endpoint_to_sockaddr(&e, &ss);
	CHECK(endpoint_from_sockaddr(&f, (struct sockaddr *)&ss, n) == 0);
	CHECK(f.family == ENDPOINT_V4 && strcmp(endpoint_format(&f, buf, sizeof(buf)), "192.0.2.1:7") == 0);
	CHECK(endpoint_is_usable(&f, 0));
	e = ep("127.0.0.1", 1);
	CHECK(!endpoint_is_usable(&e, 0) && endpoint_is_usable(&e, 1));
	e = ep("169.254.1.1", 1);
	CHECK(!endpoint_is_usable(&e, 1));
	e = ep("fe80::1", 1);
	CHECK(!endpoint_is_usable(&e, 1));
	e = ep("ff02::1", 1);
	CHECK(!endpoint_is_usable(&e, 1));
	e = ep("224.0.0.1", 1);
	CHECK(!endpoint_is_usable(&e, 1));
	e = ep("0.0.0.0", 1);
	CHECK(!endpoint_is_usable(&e, 1));
	e = ep("::", 1);
	CHECK(!endpoint_is_usable(&e, 1));
	e = ep("192.0.2.1", 0);
	CHECK(!endpoint_is_usable(&e, 1));
}

static void
test_list(void)
{
	struct cand_list l, l2;
	struct cand_entry out[CAND_PUBLISH_MAX];
	struct endpoint e;
	unsigned i, n;
	char ip[32];

	cand_list_init(&l);
	e = ep("203.0.113.5", 4000);
	CHECK(cand_list_add(&l, CAND_TYPE_SRFLX, &e, 0) == 1);
	CHECK(cand_list_add(&l, CAND_TYPE_DHT, &e, 0) == 0);	/* same address: one candidate */
	CHECK(l.n == 1 && l.c[0].type == CAND_TYPE_SRFLX);
	CHECK(cand_list_add(&l, CAND_TYPE_MAPPED, &e, 0) == 1);	/* now preferred: a change */
	CHECK(cand_list_add(&l, CAND_TYPE_MAPPED, &e, 0) == 0);
	CHECK(l.n == 1 && l.c[0].type == CAND_TYPE_MAPPED);
	CHECK(cand_list_add(&l, CAND_TYPE_HOST, &e, 0) == 1);	/* a public host address is host */
	CHECK(cand_list_add(&l, CAND_TYPE_SRFLX, &e, 0) == 0);	/* ... and stays host */
	CHECK(l.n == 1 && l.c[0].type == CAND_TYPE_HOST);
	e = ep("192.168.1.2", 4000);
	CHECK(cand_list_add(&l, CAND_TYPE_HOST, &e, 0) == 1);
	e = ep("2001:db8::2", 4001);
	CHECK(cand_list_add(&l, CAND_TYPE_HOST, &e, 0) == 1);
	e = ep("198.51.100.1", 5000);
	CHECK(cand_list_add(&l, CAND_TYPE_RELAY, &e, 0) == 1);
	e = ep("198.51.100.2", 4000);
	CHECK(cand_list_add(&l, CAND_TYPE_DHT, &e, 0) == 1);
	e = ep("127.0.0.1", 4000);
	CHECK(cand_list_add(&l, CAND_TYPE_HOST, &e, 0) == -1);
	e = ep("fe80::1", 4000);
	CHECK(cand_list_add(&l, CAND_TYPE_HOST, &e, 1) == -1);
	CHECK(cand_list_add(&l, CAND_TYPE__COUNT, &e, 1) == -1);
	/* Sorted: host (v6 first), then dht, then relay. */
	CHECK(l.n == 5);
	CHECK(l.c[0].type == CAND_TYPE_HOST && l.c[0].ep.family == ENDPOINT_V6);
	CHECK(l.c[1].type == CAND_TYPE_HOST && l.c[2].type == CAND_TYPE_HOST);
	CHECK(l.c[3].type == CAND_TYPE_DHT && l.c[4].type == CAND_TYPE_RELAY);

	/* Changed detection: order of adding does not matter. */
	cand_list_init(&l2);
	for (i = l.n; i-- > 0; )
		CHECK(cand_list_add(&l2, l.c[i].type, &l.c[i].ep, 0) == 1);
	CHECK(cand_list_equal(&l, &l2));
	cand_list_remove_type(&l2, CAND_TYPE_DHT);
	CHECK(!cand_list_equal(&l, &l2) && l2.n == 4);
	e = ep("198.51.100.3", 4000);
	cand_list_add(&l2, CAND_TYPE_DHT, &e, 0);
	CHECK(!cand_list_equal(&l, &l2));

	/* Selecting 8 for the record: many host addresses cannot crowd out the rest. */
	for (i = 0; i < 12; i++) {
		snprintf(ip, sizeof(ip), "10.0.%u.1", i);
		e = ep(ip, 4000);
		CHECK(cand_list_add(&l, CAND_TYPE_HOST, &e, 0) == 1);
	}
	e = ep("203.0.113.9", 4000);
	cand_list_add(&l, CAND_TYPE_SRFLX, &e, 0);
	n = cand_list_select(&l, out, CAND_PUBLISH_MAX);
	CHECK(n == CAND_PUBLISH_MAX);
	CHECK(out[5].type == CAND_TYPE_SRFLX && out[6].type == CAND_TYPE_DHT && out[7].type == CAND_TYPE_RELAY);
	for (i = 0; i < 5; i++)
		CHECK(out[i].type == CAND_TYPE_HOST);
	CHECK(out[0].ep.family == ENDPOINT_V6);
	n = cand_list_select(&l, out, 2);
	CHECK(n == 2 && out[0].type == CAND_TYPE_SRFLX && out[1].type == CAND_TYPE_DHT);
}

static void
test_gather(void)
{
	struct cand_list l;
	int n;
	unsigned i, lo = 0;

	cand_list_init(&l);
	n = cand_gather_host(&l, 4000, 4001, CAND_GATHER_V4 | CAND_GATHER_V6 | CAND_GATHER_LOOPBACK);
	CHECK(n >= 1);
	for (i = 0; i < l.n; i++) {
		CHECK(l.c[i].type == CAND_TYPE_HOST);
		CHECK(l.c[i].ep.port == (l.c[i].ep.family == ENDPOINT_V4 ? 4000 : 4001));
		CHECK(!endpoint_is_link_local(&l.c[i].ep));
		lo += endpoint_is_loopback(&l.c[i].ep);
	}
	CHECK(lo >= 1);		/* 127.0.0.1 at least */
	cand_list_init(&l);
	n = cand_gather_host(&l, 4000, 0, CAND_GATHER_V4 | CAND_GATHER_V6);
	CHECK(n >= 0);
	for (i = 0; i < l.n; i++)
		CHECK(!endpoint_is_loopback(&l.c[i].ep) && l.c[i].ep.family == ENDPOINT_V4);
}

/* The ping budgets (tunnel/nat/budget.h). */
static void
test_budget(void)
{
	static struct budget b;
	struct endpoint a = ep("203.0.113.1", 1), a2 = ep("203.0.113.1", 2),
	    v6a = ep("2001:db8::1", 1), v6b = ep("2001:db8::2:0:0:1", 1), v6c = ep("2001:db8:0:1::1", 1);
	char ip[32];
	unsigned i, ok;

	budget_init(&b, 1000);
	/* One address (any port): the burst, then nothing until it refills. */
	for (i = 0, ok = 0; i < BUDGET_DEST_BURST + 10; i++)
		ok += budget_take(&b, i % 2 ? &a : &a2, 0, 1000) == BUDGET_OK;
	CHECK_EQ(ok, BUDGET_DEST_BURST);
	CHECK(budget_take(&b, &a, 0, 1000) == BUDGET_DEST);
	CHECK(budget_take(&b, &a, 0, 1000 + 1000 / BUDGET_DEST_RATE) == BUDGET_OK);
	CHECK(budget_take(&b, &a, 0, 1000 + 1000 / BUDGET_DEST_RATE) == BUDGET_DEST);
	/* IPv6: one /64 is one destination. */
	for (i = 0, ok = 0; i < BUDGET_DEST_BURST + 10; i++)
		ok += budget_take(&b, i % 2 ? &v6a : &v6b, 0, 2000) == BUDGET_OK;
	CHECK_EQ(ok, BUDGET_DEST_BURST);
	CHECK(budget_take(&b, &v6c, 0, 2000) == BUDGET_OK);	/* another /64 */
	/* All destinations: the global burst, then its rate; known peers skip it. */
	budget_init(&b, 0);
	for (i = 0, ok = 0; i < BUDGET_BURST + 100; i++) {
		struct endpoint e;

		snprintf(ip, sizeof(ip), "198.18.%u.%u", i / 250, 1 + i % 250);
		e = ep(ip, 9);
		ok += budget_take(&b, &e, 0, 0) == BUDGET_OK;
	}
	CHECK_EQ(ok, BUDGET_BURST);
	CHECK(budget_take(&b, &v6c, 0, 0) == BUDGET_GLOBAL);
	CHECK(budget_take(&b, &v6c, 1, 0) == BUDGET_OK);
	CHECK(budget_take(&b, &v6c, 0, 1000 / BUDGET_RATE) == BUDGET_OK);
	CHECK_MSG(b.counts[BUDGET_GLOBAL] == 101 && b.counts[BUDGET_TABLE] == 0, "%llu global, %llu table",
	    (unsigned long long)b.counts[BUDGET_GLOBAL], (unsigned long long)b.counts[BUDGET_TABLE]);
}

/* Which of a record's candidates we ping (issue 12: records are anyone's in the room). */
static void
test_plausible(void)
{
	struct cand_list ours;
	struct endpoint e;

	cand_list_init(&ours);
	e = ep("192.168.7.20", 4000);
	CHECK(cand_list_add(&ours, CAND_TYPE_HOST, &e, 0) == 1);
	e = ep("fd12:3456:789a:1::20", 4000);
	CHECK(cand_list_add(&ours, CAND_TYPE_HOST, &e, 0) == 1);
	e = ep("10.1.2.3", 4000);		/* a reflexive address is not a network we are on */
	CHECK(cand_list_add(&ours, CAND_TYPE_SRFLX, &e, 0) == 1);

	/* Public addresses: yes. */
	e = ep("203.0.113.7", 9);
	CHECK(cand_remote_plausible(&e, &ours, 0));
	e = ep("2001:db8::7", 9);
	CHECK(cand_remote_plausible(&e, &ours, 0));
	/* Loopback only with --loopback; link-local, multicast, unspecified never. */
	e = ep("127.0.0.1", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 0));
	CHECK(cand_remote_plausible(&e, &ours, 1));
	e = ep("::1", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 0));
	e = ep("169.254.1.1", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 1));
	e = ep("fe80::1", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 1));
	e = ep("224.0.0.251", 5353);
	CHECK(!cand_remote_plausible(&e, &ours, 1));
	/* Private: only on a network we have an interface on. */
	e = ep("192.168.7.99", 9);
	CHECK(cand_remote_plausible(&e, &ours, 0));
	e = ep("192.168.200.1", 9);		/* same /16: plausibly our site */
	CHECK(cand_remote_plausible(&e, &ours, 0));
	e = ep("10.1.2.4", 9);			/* next to our srflx only */
	CHECK(!cand_remote_plausible(&e, &ours, 0));
	e = ep("172.16.0.1", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 0));
	e = ep("100.64.0.1", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 0));
	e = ep("fd12:3456:789a:2::5", 9);	/* same /48 */
	CHECK(cand_remote_plausible(&e, &ours, 0));
	e = ep("fd99::5", 9);
	CHECK(!cand_remote_plausible(&e, &ours, 0));
}

static void
test_pairs(void)
{
	struct cand_entry r[6];
	struct cand_pair p[CAND_PAIRS_MAX];
	unsigned n;

	r[0].type = CAND_TYPE_RELAY;
	r[0].ep = ep("198.51.100.1", 5000);
	r[1].type = CAND_TYPE_SRFLX;
	r[1].ep = ep("203.0.113.5", 4000);
	r[2].type = CAND_TYPE_HOST;
	r[2].ep = ep("192.168.1.2", 4000);
	r[3].type = CAND_TYPE_HOST;
	r[3].ep = ep("2001:db8::2", 4001);
	r[4].type = CAND_TYPE_DHT;
	r[4].ep = ep("203.0.113.5", 4000);		/* same as the srflx */
	r[5].type = CAND_TYPE_DHT;
	r[5].ep = ep("203.0.113.5", 0);			/* unusable */

	n = cand_pairs_build(r, 6, CAND_GATHER_V4 | CAND_GATHER_V6, p, CAND_PAIRS_MAX);
	CHECK(n == 4);
	CHECK(p[0].remote_type == CAND_TYPE_HOST && p[0].remote.family == ENDPOINT_V6);
	CHECK(p[1].remote_type == CAND_TYPE_HOST && p[1].remote.family == ENDPOINT_V4);
	CHECK(p[2].remote_type == CAND_TYPE_SRFLX);
	CHECK(p[3].remote_type == CAND_TYPE_RELAY);
	/* IPv4-only: no pair to the IPv6 candidate. */
	n = cand_pairs_build(r, 6, CAND_GATHER_V4, p, CAND_PAIRS_MAX);
	CHECK(n == 3 && p[0].remote.family == ENDPOINT_V4);
	n = cand_pairs_build(r, 6, CAND_GATHER_V6, p, CAND_PAIRS_MAX);
	CHECK(n == 1);
	n = cand_pairs_build(r, 6, CAND_GATHER_V4 | CAND_GATHER_V6, p, 2);
	CHECK(n == 2);
	CHECK(cand_pairs_build(r, 0, CAND_GATHER_V4, p, 2) == 0);
}

/* Run the punch clock from..to in 1 ms steps only at deadlines; record ping times of pair i. */
static unsigned
run_until(struct punch *pu, uint64_t to, unsigned pair, uint64_t *times, unsigned max)
{
	struct punch_ping pings[PUNCH_MAX_PAIRS];
	unsigned n = 0, k, i;
	uint64_t d;

	while ((d = punch_next_deadline(pu)) <= to) {
		k = punch_on_timer(pu, d, pings, PUNCH_MAX_PAIRS);
		for (i = 0; i < k; i++)
			if (pings[i].pair == pair && n < max)
				times[n++] = d;
	}
	return n;
}

static void
test_punch(void)
{
	static const uint64_t want[] = {
		0, 100, 300, 700, 1500, 3500, 5500, 7500, 9500, 11500, 13500, 15500, 17500, 19500
	};
	enum { T0 = 5000000 };
	struct cand_pair pairs[3];
	struct punch pu;
	struct punch_ping pings[4];
	uint64_t times[32];
	uint8_t txid[PUNCH_TXID_LEN];
	struct endpoint from, obs;
	unsigned n, i;

	CHECK(punch_schedule_offset(0) == 0 && punch_schedule_offset(4) == 1500);
	CHECK(punch_schedule_offset(5) == 3500 && punch_schedule_offset(13) == 19500);
	CHECK(punch_schedule_offset(14) == UINT64_MAX);

	pairs[0].remote_type = CAND_TYPE_HOST;
	pairs[0].remote = ep("192.168.1.2", 4000);
	pairs[1].remote_type = CAND_TYPE_SRFLX;
	pairs[1].remote = ep("203.0.113.5", 4000);
	pairs[2].remote_type = CAND_TYPE_RELAY;
	pairs[2].remote = ep("198.51.100.1", 5000);

	/* No pong at all: exactly the schedule, then every pair fails at 20 s. */
	punch_start(&pu, pairs, 3, T0);
	CHECK(punch_next_deadline(&pu) == T0);
	n = run_until(&pu, T0 + 100000, 1, times, 32);
	CHECK(n == PUNCH_SLOTS && n == sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n && i < PUNCH_SLOTS; i++)
		CHECK(times[i] == T0 + want[i]);
	CHECK(punch_next_deadline(&pu) == UINT64_MAX);
	for (i = 0; i < 3; i++)
		CHECK(pu.pairs[i].state == PUNCH_PAIR_FAILED && pu.pairs[i].pings == PUNCH_SLOTS);
	CHECK(!punch_active(&pu) && punch_selected(&pu) == NULL);

	/* Pongs: the relay answers first, then srflx with a lower RTT replaces it. */
	punch_start(&pu, pairs, 3, T0);
	CHECK(punch_on_timer(&pu, T0, pings, 4) == 3);
	CHECK(pings[2].pair == 2);
	memcpy(txid, pings[2].txid, PUNCH_TXID_LEN);
	obs = ep("203.0.113.77", 6000);
	from = pairs[2].remote;
	CHECK(punch_on_pong(&pu, txid, &from, &obs, T0 + 80) == PUNCH_PONG_SELECTED);
	CHECK(punch_selected(&pu) == &pu.pairs[2] && pu.pairs[2].rtt_ms == 80);
	CHECK(endpoint_equal(&pu.pairs[2].observed, &obs));
	CHECK(punch_on_pong(&pu, txid, &from, &obs, T0 + 81) == PUNCH_PONG_DUPLICATE);
	/* A pong for a ping never sent (ping number 5). */
	txid[PUNCH_TXID_RANDOM + 1] = 5;
	CHECK(punch_on_pong(&pu, txid, &from, NULL, T0 + 82) == PUNCH_PONG_UNKNOWN);
	txid[0] ^= 0xff;
	txid[PUNCH_TXID_RANDOM + 1] = 0;
	CHECK(punch_on_pong(&pu, txid, &from, NULL, T0 + 82) == PUNCH_PONG_UNKNOWN);
	/* The relay stops being pinged; the others go on at 100 ms. */
	CHECK(punch_next_deadline(&pu) == T0 + 100);
	CHECK(punch_on_timer(&pu, T0 + 100, pings, 4) == 2);
	CHECK(pings[0].pair == 0 && pings[1].pair == 1);
	/* srflx answers the second ping (number 1) after 150 ms: direct beats relay. */
	CHECK(pings[1].txid[PUNCH_TXID_RANDOM + 1] == 1);
	CHECK(punch_on_pong(&pu, pings[1].txid, &pairs[1].remote, NULL, T0 + 250) == PUNCH_PONG_SELECTED);
	CHECK(pu.pairs[1].rtt_ms == 150 && punch_selected(&pu) == &pu.pairs[1]);
	/* host answers ping 0 late (RTT 260): working, but not 3/4 better than 150. */
	CHECK(punch_on_pong(&pu, pu.pairs[0].txid, &pairs[0].remote, NULL, T0 + 260) == PUNCH_PONG_WORKING);
	CHECK(punch_selected(&pu) == &pu.pairs[1]);
	CHECK(!punch_active(&pu) && punch_next_deadline(&pu) == UINT64_MAX);

	/* Lower RTT by a clear margin replaces the selection. */
	punch_start(&pu, pairs, 2, T0);
	CHECK(punch_on_timer(&pu, T0, pings, 4) == 2);
	CHECK(punch_on_pong(&pu, pings[1].txid, &pairs[1].remote, NULL, T0 + 100) == PUNCH_PONG_SELECTED);
	CHECK(punch_on_timer(&pu, T0 + 100, pings, 4) == 1 && pings[0].pair == 0);
	CHECK(punch_on_pong(&pu, pings[0].txid, &pairs[0].remote, NULL, T0 + 170) == PUNCH_PONG_SELECTED);
	CHECK(pu.pairs[0].rtt_ms == 70 && punch_selected(&pu) == &pu.pairs[0]);

	/* Global IPv6 replaces IPv4 whatever the RTT; IPv4 never replaces it on RTT. */
	{
		struct cand_pair six[2];

		six[0] = pairs[1];
		six[1].remote_type = CAND_TYPE_HOST;
		six[1].remote = ep("2001:db8:9::10", 4000);
		punch_start(&pu, six, 2, T0);
		CHECK(punch_on_timer(&pu, T0, pings, 4) == 2);
		CHECK(punch_on_pong(&pu, pings[0].txid, &six[0].remote, NULL, T0 + 10) == PUNCH_PONG_SELECTED);
		CHECK(punch_on_pong(&pu, pings[1].txid, &six[1].remote, NULL, T0 + 90) == PUNCH_PONG_SELECTED);
		CHECK(punch_selected(&pu) == &pu.pairs[1]);
		punch_start(&pu, six, 2, T0);
		CHECK(punch_on_timer(&pu, T0, pings, 4) == 2);
		CHECK(punch_on_pong(&pu, pings[1].txid, &six[1].remote, NULL, T0 + 90) == PUNCH_PONG_SELECTED);
		CHECK(punch_on_pong(&pu, pings[0].txid, &six[0].remote, NULL, T0 + 10) == PUNCH_PONG_WORKING);
		CHECK(punch_selected(&pu) == &pu.pairs[1]);
	}

	/* A late timer sends one ping, not a burst, and keeps to the schedule. */
	punch_start(&pu, pairs, 1, T0);
	CHECK(punch_on_timer(&pu, T0, pings, 4) == 1);
	CHECK(punch_on_timer(&pu, T0 + 650, pings, 4) == 1);	/* covers 100 and 300 */
	CHECK(punch_next_deadline(&pu) == T0 + 700);
	/* The peer's ping from the pair's address triggers an immediate ping. */
	CHECK(punch_on_peer_ping(&pu, &pairs[0].remote, T0 + 660) == 1);
	CHECK(punch_next_deadline(&pu) == T0 + 660);
	CHECK(punch_on_timer(&pu, T0 + 660, pings, 4) == 1);
	CHECK(punch_next_deadline(&pu) == T0 + 700);
	CHECK(punch_on_peer_ping(&pu, &pairs[1].remote, T0 + 661) == 0);	/* not a pair */
	/* Triggered pings are bounded. */
	for (i = 0; i < 10; i++) {
		punch_on_peer_ping(&pu, &pairs[0].remote, T0 + 670 + i);
		punch_on_timer(&pu, T0 + 670 + i, pings, 4);
	}
	CHECK(pu.pairs[0].pings <= PUNCH_MAX_PINGS);
	n = run_until(&pu, T0 + 100000, 0, times, 32);
	CHECK(pu.pairs[0].pings <= PUNCH_MAX_PINGS && pu.pairs[0].state == PUNCH_PAIR_FAILED);
	/* A pong after failure still proves the path. */
	CHECK(punch_on_pong(&pu, pu.pairs[0].txid, &pairs[0].remote, NULL, T0 + 20500) == PUNCH_PONG_SELECTED);
	punch_stop(&pu);
	CHECK(punch_next_deadline(&pu) == UINT64_MAX && punch_selected(&pu) != NULL);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_endpoint();
	test_list();
	test_gather();
	test_pairs();
	test_plausible();
	test_budget();
	test_punch();
	return check_exit("test_cand");
}
