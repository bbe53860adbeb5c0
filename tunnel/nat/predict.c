/* SPDX-License-Identifier: GPL-3.0-or-later */
/* predict.c — the port prediction schedule (predict.h). */
#include "config.h"

#include <string.h>

#include "tunnel/nat/predict.h"

static const char *const state_names[] = {
	[PREDICT_IDLE] = "idle",
	[PREDICT_RUNNING] = "running",
	[PREDICT_HIT] = "hit",
	[PREDICT_EXHAUSTED] = "exhausted",
};

const char *
predict_state_name(enum predict_state st)
{
	return (unsigned)st <= PREDICT_EXHAUSTED ? state_names[st] : "?";
}

double
predict_hit_probability(unsigned sockets, unsigned probes)
{
	double miss = 1.0 - (double)sockets / PREDICT_PORTS, all = 1.0;

	if (sockets >= PREDICT_PORTS)
		return 1.0;
	for (; probes > 0; probes >>= 1, miss *= miss)	/* miss^probes, no libm */
		if (probes & 1)
			all *= miss;
	return 1.0 - all;
}

/* xorshift64* (Vigna): enough to spread probes, never used for secrets. */
static uint64_t
next_random(struct predict *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 0x2545F4914F6CDD1DULL;
}

static int
tried(const struct predict *p, unsigned port)
{
	unsigned i = port - PREDICT_PORT_MIN;

	return p->tried[i / 8] >> (i % 8) & 1;
}

static void
mark(struct predict *p, unsigned port)
{
	unsigned i = port - PREDICT_PORT_MIN;

	p->tried[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* The easy side's next port: the sequential sweep first, then random, never twice. */
static unsigned
next_port(struct predict *p)
{
	unsigned port, i;

	while (p->plan.sequential && p->seq_k < PREDICT_SOCKETS + PREDICT_SEQ_MARGIN) {
		port = (uint16_t)(p->plan.peer.port + (int)p->plan.delta * (int)++p->seq_k);
		if (port >= PREDICT_PORT_MIN && !tried(p, port)) {
			mark(p, port);
			return port;
		}
	}
	port = PREDICT_PORT_MIN + (unsigned)(next_random(p) % PREDICT_PORTS);
	for (i = 0; i < PREDICT_PORTS && tried(p, port); i++)
		port = port == 65535 ? PREDICT_PORT_MIN : port + 1;
	mark(p, port);
	return port;
}

int
predict_start(struct predict *p, const struct predict_plan *plan, uint64_t seed, uint64_t now)
{
	uint64_t backoff = p->backoff_until_ms;

	if (p->state == PREDICT_RUNNING || now < backoff)
		return -1;
	memset(p, 0, sizeof(*p));
	p->backoff_until_ms = backoff;
	p->plan = *plan;
	p->state = PREDICT_RUNNING;
	p->start_ms = now;
	p->next_ms = now;
	p->hit_socket = -1;
	p->rng = seed | 1;		/* xorshift must not start at 0 */
	return 0;
}

uint64_t
predict_next(const struct predict *p)
{
	return p->state == PREDICT_RUNNING ? p->next_ms : UINT64_MAX;
}

static unsigned
step(struct predict_step *out, unsigned n, unsigned max, enum predict_action a, unsigned socket,
    const struct endpoint *to)
{
	if (n >= max)
		return n;
	out[n].action = a;
	out[n].socket = socket;
	if (to != NULL)
		out[n].to = *to;
	else
		memset(&out[n].to, 0, sizeof(out[n].to));
	return n + 1;
}

/* Close the hard side's open sockets (all, or those past their life); keep `keep`. */
static unsigned
close_sockets(struct predict *p, uint64_t now, int all, int keep, struct predict_step *out,
    unsigned n, unsigned max)
{
	unsigned i;

	for (i = 0; i < p->opened && n < max; i++) {
		if (p->opened_ms[i] == 0 || (int)i == keep)
			continue;
		if (!all && p->opened_ms[i] - 1 + PREDICT_SOCKET_LIFE_MS > now)
			continue;
		p->opened_ms[i] = 0;
		p->closed++;
		n = step(out, n, max, PREDICT_ACT_CLOSE, i, NULL);
	}
	return n;
}

unsigned
predict_on_timer(struct predict *p, uint64_t now, struct predict_step *out, unsigned max)
{
	struct endpoint to;
	unsigned n = 0, burst = 0;

	if (p->state != PREDICT_RUNNING || now < p->next_ms)
		return 0;
	if (now >= p->start_ms + PREDICT_ATTEMPT_MS) {
		/* The hard stop: everything closes, then the back-off. */
		n = close_sockets(p, now, 1, -1, out, n, max);
		if (p->closed < p->opened) {
			p->next_ms = now;	/* out was full: the rest next call */
			return n;
		}
		p->state = PREDICT_EXHAUSTED;
		p->backoff_until_ms = p->start_ms + PREDICT_BACKOFF_MS;
		p->next_ms = UINT64_MAX;
		return n;
	}
	if (p->plan.role == PREDICT_HARD) {
		n = close_sockets(p, now, 0, -1, out, n, max);
		while (p->opened < PREDICT_SOCKETS && burst < PREDICT_PER_TICK && n < max) {
			p->opened_ms[p->opened] = now + 1;	/* 0 means closed */
			n = step(out, n, max, PREDICT_ACT_OPEN_SEND, p->opened++, &p->plan.peer);
			p->sent++;
			burst++;
		}
		p->next_ms = p->opened < PREDICT_SOCKETS ? now + PREDICT_TICK_MS :
		    p->start_ms + PREDICT_ATTEMPT_MS;
		/* Wake for the oldest socket's end of life before the attempt's end. */
		if (p->opened == PREDICT_SOCKETS && p->closed < p->opened) {
			unsigned i;

			for (i = 0; i < p->opened; i++)
				if (p->opened_ms[i] != 0 &&
				    p->opened_ms[i] - 1 + PREDICT_SOCKET_LIFE_MS < p->next_ms)
					p->next_ms = p->opened_ms[i] - 1 + PREDICT_SOCKET_LIFE_MS;
		}
		return n;
	}
	to = p->plan.peer;
	while (p->sent < PREDICT_PROBES && burst < PREDICT_PER_TICK && n < max) {
		to.port = (uint16_t)next_port(p);
		n = step(out, n, max, PREDICT_ACT_SEND, 0, &to);
		p->sent++;
		burst++;
	}
	p->next_ms = p->sent < PREDICT_PROBES ? now + PREDICT_TICK_MS : p->start_ms + PREDICT_ATTEMPT_MS;
	return n;
}

unsigned
predict_on_hit(struct predict *p, int socket, const struct endpoint *from, uint64_t now,
    struct predict_step *out, unsigned max)
{
	unsigned n = 0;

	if (p->state != PREDICT_RUNNING)
		return 0;
	p->state = PREDICT_HIT;
	p->hit = *from;
	p->next_ms = UINT64_MAX;
	p->backoff_until_ms = now;	/* a working pair may try again whenever it is lost */
	if (p->plan.role != PREDICT_HARD)
		return 0;
	if (socket >= 0 && (unsigned)socket < p->opened && p->opened_ms[socket] != 0) {
		p->hit_socket = socket;
		n = step(out, n, max, PREDICT_ACT_ADOPT, (unsigned)socket, from);
	}
	return close_sockets(p, now, 1, p->hit_socket, out, n, max);
}

unsigned
predict_stop(struct predict *p, uint64_t now, struct predict_step *out, unsigned max)
{
	unsigned n;

	if (p->state != PREDICT_RUNNING)
		return 0;
	n = close_sockets(p, now, 1, -1, out, 0, max);
	p->state = PREDICT_EXHAUSTED;
	p->backoff_until_ms = p->start_ms + PREDICT_BACKOFF_MS;
	p->next_ms = UINT64_MAX;
	return n;
}

int
predict_probed(const struct predict *p, unsigned port)
{
	return p->plan.role == PREDICT_EASY && port >= PREDICT_PORT_MIN && port <= 65535 &&
	    tried(p, port);
}
