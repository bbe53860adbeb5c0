/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_natclass.c — the NAT class from STUN answers and the pair strategy
 * (tunnel/nat/natclass.h), as tables.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/nat/natclass.h"
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

/* Servers: coturn's primary and OTHER-ADDRESS, and a second server. */
#define S1 "203.0.113.20", 3478
#define S2 "203.0.113.21", 3479
#define S3 "192.0.2.7", 3478
#define PUB "198.51.100.14"

struct row {
	const char *what;
	unsigned n;
	struct { const char *sip; uint16_t sport; const char *mip; uint16_t mport; } s[4];
	enum nat_class want;
	int16_t delta;
	unsigned ndeltas;
};

static const struct row rows[] = {
	{ "no answer", 0, { { 0 } }, NAT_CLASS_UNKNOWN, 0, 0 },
	{ "one answer, translated", 1, { { S1, PUB, 40000 } }, NAT_CLASS_UNKNOWN, 0, 0 },
	{ "one answer, our own address", 1, { { S1, "192.168.4.10", 5000 } }, NAT_CLASS_OPEN, 0, 0 },
	{ "two agree, not ours", 2, { { S1, PUB, 40000 }, { S2, PUB, 40000 } }, NAT_CLASS_EIM, 0, 1 },
	{ "two agree, ours", 2, { { S1, "192.168.4.10", 5000 }, { S2, "192.168.4.10", 5000 } },
	    NAT_CLASS_OPEN, 0, 1 },
	{ "ours, other port: translated", 2, { { S1, "192.168.4.10", 6000 }, { S2, "192.168.4.10", 6000 } },
	    NAT_CLASS_EIM, 0, 1 },
	{ "sequential +1", 2, { { S1, PUB, 40000 }, { S2, PUB, 40001 } }, NAT_CLASS_SEQUENTIAL, 1, 1 },
	{ "sequential +2 +2", 3, { { S1, PUB, 40000 }, { S2, PUB, 40002 }, { S3, PUB, 40004 } },
	    NAT_CLASS_SEQUENTIAL, 2, 2 },
	{ "sequential -1", 2, { { S1, PUB, 40000 }, { S2, PUB, 39999 } }, NAT_CLASS_SEQUENTIAL, -1, 1 },
	{ "sequential across the wrap", 2, { { S1, PUB, 65535 }, { S2, PUB, 0 + 3 } },
	    NAT_CLASS_SEQUENTIAL, 4, 1 },
	{ "step 16 is sequential", 2, { { S1, PUB, 40000 }, { S2, PUB, 40016 } },
	    NAT_CLASS_SEQUENTIAL, 16, 1 },
	{ "step 17 is random", 2, { { S1, PUB, 40000 }, { S2, PUB, 40017 } }, NAT_CLASS_RANDOM, 0, 1 },
	{ "random", 2, { { S1, PUB, 40000 }, { S2, PUB, 12345 } }, NAT_CLASS_RANDOM, 0, 1 },
	{ "steps of both signs", 3, { { S1, PUB, 40000 }, { S2, PUB, 40001 }, { S3, PUB, 40000 } },
	    NAT_CLASS_RANDOM, 0, 2 },
	{ "agree then differ", 3, { { S1, PUB, 40000 }, { S2, PUB, 40000 }, { S3, PUB, 40001 } },
	    NAT_CLASS_RANDOM, 0, 2 },
	{ "two public addresses, one port", 2, { { S1, PUB, 40000 }, { S2, "198.51.100.99", 40000 } },
	    NAT_CLASS_RANDOM, 0, 1 },
	{ "the same server twice counts once", 2, { { S1, PUB, 40000 }, { S1, PUB, 40001 } },
	    NAT_CLASS_UNKNOWN, 0, 0 },
	{ "IPv6 answers are not IPv4's", 2, { { S1, PUB, 40000 }, { "2001:db8::20", 3478, "2001:db8:1::10", 5000 } },
	    NAT_CLASS_UNKNOWN, 0, 0 },
};

static void
test_classify(void)
{
	struct endpoint local[2];
	size_t i;
	unsigned j;

	local[0] = ep("192.168.4.10", 5000);
	local[1] = ep("2001:db8:1::10", 5000);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct nat_sample s[4];
		struct nat_verdict v;

		for (j = 0; j < r->n; j++) {
			s[j].server = ep(r->s[j].sip, r->s[j].sport);
			s[j].mapped = ep(r->s[j].mip, r->s[j].mport);
		}
		CHECK_MSG(nat_classify(s, r->n, ENDPOINT_V4, local, 2, &v) == r->want,
		    "%s: got %s", r->what, nat_class_name(v.cls));
		CHECK_MSG(v.delta == r->delta, "%s: delta %d", r->what, v.delta);
		CHECK_MSG(v.ndeltas == r->ndeltas, "%s: %u deltas", r->what, v.ndeltas);
		if (r->n > 0 && v.nsamples > 0)
			CHECK_MSG(endpoint_equal(&v.mapped, &s[0].mapped), "%s: mapped", r->what);
	}
}

static void
test_v6_and_limits(void)
{
	struct nat_sample s[NAT_SAMPLES_MAX + 3];
	struct endpoint local = ep("2001:db8:1::10", 5000);
	struct nat_verdict v;
	unsigned i;

	/* IPv6 through a firewall: our own address, as both servers see it. */
	s[0].server = ep("2001:db8::20", 3478);
	s[0].mapped = local;
	s[1].server = ep("2001:db8::21", 3479);
	s[1].mapped = local;
	CHECK_EQ(nat_classify(s, 2, ENDPOINT_V6, &local, 1, &v), NAT_CLASS_OPEN);
	/* No local list: translated as far as we know. */
	CHECK_EQ(nat_classify(s, 2, ENDPOINT_V6, NULL, 0, &v), NAT_CLASS_EIM);
	/* More answers than slots: the first NAT_SAMPLES_MAX distinct servers. */
	for (i = 0; i < NAT_SAMPLES_MAX + 3; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "192.0.2.%u", i + 1);
		s[i].server = ep(ip, 3478);
		s[i].mapped = ep(PUB, (uint16_t)(40000 + i));
	}
	CHECK_EQ(nat_classify(s, NAT_SAMPLES_MAX + 3, ENDPOINT_V4, NULL, 0, &v), NAT_CLASS_SEQUENTIAL);
	CHECK_EQ(v.nsamples, NAT_SAMPLES_MAX);
	CHECK_EQ(v.ndeltas, NAT_SAMPLES_MAX - 1);
	CHECK_EQ(v.delta, 1);
}

static void
test_wire(void)
{
	CHECK_EQ(nat_class_from_wire(0), NAT_CLASS_UNKNOWN);
	CHECK_EQ(nat_class_from_wire(4), NAT_CLASS_RANDOM);
	CHECK_EQ(nat_class_from_wire(5), NAT_CLASS_UNKNOWN);
	CHECK_EQ(nat_class_from_wire(UINT64_MAX), NAT_CLASS_UNKNOWN);
	CHECK_STR(nat_class_name(NAT_CLASS_SEQUENTIAL), "sequential");
	CHECK_STR(nat_class_name((enum nat_class)99), "unknown");
	CHECK(!nat_class_hard(NAT_CLASS_EIM) && nat_class_hard(NAT_CLASS_RANDOM));
}

#define U NAT_CLASS_UNKNOWN
#define O NAT_CLASS_OPEN
#define E NAT_CLASS_EIM
#define Q NAT_CLASS_SEQUENTIAL
#define R NAT_CLASS_RANDOM

static void
test_strategy(void)
{
	static const struct {
		struct nat_side a, b;
		enum nat_strategy want;
	} t[] = {
		{ { U, 0, 0 }, { U, 0, 0 }, NAT_STRATEGY_PUNCH },
		{ { R, 0, 0 }, { U, 0, 0 }, NAT_STRATEGY_PUNCH },	/* an old peer: as today */
		{ { E, 0, 0 }, { E, 0, 0 }, NAT_STRATEGY_PUNCH },
		{ { O, 0, 0 }, { R, 0, 0 }, NAT_STRATEGY_PUNCH },
		{ { E, 0, 0 }, { R, 0, 0 }, NAT_STRATEGY_PREDICT },
		{ { Q, 0, 0 }, { E, 0, 0 }, NAT_STRATEGY_PREDICT },
		{ { R, 0, 0 }, { R, 0, 0 }, NAT_STRATEGY_FALLBACK },
		{ { R, 0, 0 }, { Q, 0, 0 }, NAT_STRATEGY_FALLBACK },
		{ { R, 1, 0 }, { R, 0, 0 }, NAT_STRATEGY_PUNCH },	/* a mapping gateway */
		{ { R, 0, 1 }, { R, 0, 1 }, NAT_STRATEGY_PUNCH },	/* both IPv6 */
		{ { R, 0, 1 }, { R, 0, 0 }, NAT_STRATEGY_FALLBACK },	/* only one IPv6 */
		{ { E, 0, 1 }, { R, 0, 0 }, NAT_STRATEGY_PREDICT },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_MSG(nat_pair_strategy(&t[i].a, &t[i].b) == t[i].want, "row %zu", i);
		CHECK_MSG(nat_pair_strategy(&t[i].b, &t[i].a) == t[i].want, "row %zu swapped", i);
	}
	CHECK_STR(nat_strategy_name(NAT_STRATEGY_PREDICT), "predict");
}

int
main(void)
{
	test_classify();
	test_v6_and_limits();
	test_wire();
	test_strategy();
	return check_exit("test_natclass");
}
