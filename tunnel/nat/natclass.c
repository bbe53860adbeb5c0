/* SPDX-License-Identifier: GPL-3.0-or-later */
/* natclass.c — the NAT class from STUN answers, and the pair strategy (natclass.h). */
#include "config.h"

#include <string.h>

#include "tunnel/nat/natclass.h"

static const char *const class_names[NAT_CLASS__COUNT] = {
	[NAT_CLASS_UNKNOWN] = "unknown",
	[NAT_CLASS_OPEN] = "open",
	[NAT_CLASS_EIM] = "endpoint-independent",
	[NAT_CLASS_SEQUENTIAL] = "sequential",
	[NAT_CLASS_RANDOM] = "random",
};

const char *
nat_class_name(enum nat_class c)
{
	return (unsigned)c < NAT_CLASS__COUNT ? class_names[c] : "unknown";
}

enum nat_class
nat_class_from_wire(uint64_t v)
{
	return v < NAT_CLASS__COUNT ? (enum nat_class)v : NAT_CLASS_UNKNOWN;
}

int
nat_class_hard(enum nat_class c)
{
	return c == NAT_CLASS_SEQUENTIAL || c == NAT_CLASS_RANDOM;
}

static int
same_addr(const struct endpoint *a, const struct endpoint *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, ENDPOINT_ADDR_MAX) == 0;
}

static int
is_local(const struct endpoint *mapped, const struct endpoint *local, unsigned nlocal)
{
	unsigned i;

	for (i = 0; local != NULL && i < nlocal; i++)
		if (endpoint_equal(mapped, &local[i]))
			return 1;
	return 0;
}

/* A port step as a signed difference in -32768..32767 (ports wrap). */
static int32_t
port_step(uint16_t from, uint16_t to)
{
	return (int16_t)(uint16_t)(to - from);
}

static int32_t
abs32(int32_t x)
{
	return x < 0 ? -x : x;
}

enum nat_class
nat_classify(const struct nat_sample *samples, unsigned n, unsigned family,
    const struct endpoint *local, unsigned nlocal, struct nat_verdict *v)
{
	const struct nat_sample *used[NAT_SAMPLES_MAX];
	unsigned i, j, k = 0;
	int same_port = 1, one_addr = 1, seq = 1;

	memset(v, 0, sizeof(*v));
	v->cls = NAT_CLASS_UNKNOWN;
	/* One answer per distinct server, of this family, in order. */
	for (i = 0; i < n && k < NAT_SAMPLES_MAX; i++) {
		const struct nat_sample *s = &samples[i];

		if (s->server.family != family || s->mapped.family != family)
			continue;
		for (j = 0; j < k; j++)
			if (endpoint_equal(&used[j]->server, &s->server))
				break;
		if (j == k)
			used[k++] = s;
	}
	v->nsamples = k;
	if (k == 0)
		return v->cls;
	v->mapped = used[0]->mapped;
	for (i = 1; i < k; i++) {
		int32_t d = port_step(used[i - 1]->mapped.port, used[i]->mapped.port);

		v->deltas[v->ndeltas++] = d;
		if (!same_addr(&used[i]->mapped, &used[0]->mapped))
			one_addr = 0;
		if (d != 0)
			same_port = 0;
		if (d == 0 || abs32(d) > NAT_SEQ_DELTA_MAX || (d < 0) != (v->deltas[0] < 0))
			seq = 0;
	}
	if (same_port && one_addr) {
		if (is_local(&used[0]->mapped, local, nlocal))
			v->cls = NAT_CLASS_OPEN;
		else if (k >= 2)
			v->cls = NAT_CLASS_EIM;
		return v->cls;
	}
	if (one_addr && seq) {
		v->cls = NAT_CLASS_SEQUENTIAL;
		v->delta = (int16_t)v->deltas[0];
	} else {
		v->cls = NAT_CLASS_RANDOM;
	}
	return v->cls;
}

static const char *const strategy_names[] = {
	[NAT_STRATEGY_PUNCH] = "punch",
	[NAT_STRATEGY_PREDICT] = "predict",
	[NAT_STRATEGY_FALLBACK] = "fallback",
};

const char *
nat_strategy_name(enum nat_strategy s)
{
	return (unsigned)s <= NAT_STRATEGY_FALLBACK ? strategy_names[s] : "punch";
}

enum nat_strategy
nat_pair_strategy(const struct nat_side *a, const struct nat_side *b)
{
	int ha = nat_class_hard(a->cls), hb = nat_class_hard(b->cls);

	/* IPv6 has no translation in the way: stateful firewalls let a simultaneous open through. */
	if (a->v6 && b->v6)
		return NAT_STRATEGY_PUNCH;
	/* A mapped port takes anyone's packets: the other side just sends to it. */
	if (a->mapped || b->mapped)
		return NAT_STRATEGY_PUNCH;
	/* Nothing known, or nothing hard: today's punching. */
	if (a->cls == NAT_CLASS_UNKNOWN || b->cls == NAT_CLASS_UNKNOWN || (!ha && !hb))
		return NAT_STRATEGY_PUNCH;
	/* An open side answers whatever port the other's packets come from. */
	if (a->cls == NAT_CLASS_OPEN || b->cls == NAT_CLASS_OPEN)
		return NAT_STRATEGY_PUNCH;
	if (ha != hb)
		return NAT_STRATEGY_PREDICT;
	return NAT_STRATEGY_FALLBACK;
}
