/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cubic.c — CUBIC congestion control (RFC 9438) and the RFC 6298 timer
 * (cubic.h). Section numbers below are RFC 9438's.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "src/xfer/cubic.h"

/* 4.6 and 4.7: the multiplicative decrease and the cubic's scale. */
#define CUBIC_BETA 0.7
#define CUBIC_C 0.4
/* 4.3: the Reno-friendly region's additive increase, 3 (1 - beta) / (1 + beta). */
#define CUBIC_ALPHA (3.0 * (1.0 - CUBIC_BETA) / (1.0 + CUBIC_BETA))
/* Pacing headroom over cwnd / srtt: 2 in slow start, 1.2 after (as Linux). */
#define PACE_SLOW_START 2.0
#define PACE_AVOIDANCE 1.2

static double
clamp_window(double w)
{
	if (w < CUBIC_MIN_WINDOW)
		return CUBIC_MIN_WINDOW;
	if (w > CUBIC_MAX_WINDOW)
		return CUBIC_MAX_WINDOW;
	return w;
}

void
cubic_init(struct cubic *c, uint64_t now_ms)
{
	(void)now_ms;
	memset(c, 0, sizeof(*c));
	c->cwnd = CUBIC_INIT_WINDOW;
	c->ssthresh = CUBIC_MAX_WINDOW;
	c->rto_ms = CUBIC_RTO_INITIAL_MS;
}

unsigned
cubic_window(const struct cubic *c)
{
	return (unsigned)clamp_window(c->cwnd);
}

double
cubic_pacing_rate(const struct cubic *c, unsigned segment_bytes)
{
	double srtt = c->have_rtt && c->srtt_ms > 0.1 ? c->srtt_ms : 100.0;
	double gain = c->cwnd < c->ssthresh ? PACE_SLOW_START : PACE_AVOIDANCE;

	return gain * c->cwnd * segment_bytes * 1000.0 / srtt;
}

/* RFC 6298 section 2. */
void
cubic_on_rtt(struct cubic *c, uint64_t sample_ms)
{
	double r = (double)sample_ms, rto;

	if (!c->have_rtt) {
		c->have_rtt = 1;
		c->srtt_ms = r;
		c->rttvar_ms = r / 2;
		c->min_rtt_ms = sample_ms;
	} else {
		c->rttvar_ms = 0.75 * c->rttvar_ms + 0.25 * fabs(c->srtt_ms - r);
		c->srtt_ms = 0.875 * c->srtt_ms + 0.125 * r;
		if (sample_ms < c->min_rtt_ms)
			c->min_rtt_ms = sample_ms;
	}
	rto = c->srtt_ms + (4 * c->rttvar_ms > 1 ? 4 * c->rttvar_ms : 1);
	if (rto < CUBIC_RTO_MIN_MS)
		rto = CUBIC_RTO_MIN_MS;
	if (rto > CUBIC_RTO_MAX_MS)
		rto = CUBIC_RTO_MAX_MS;
	c->rto_ms = (uint64_t)rto;
}

uint64_t
cubic_rto(const struct cubic *c)
{
	return c->rto_ms;
}

static double
hystart_eta(const struct cubic *c)
{
	double eta = (double)c->min_rtt_ms / 8;

	return eta < 4 ? 4 : eta > 16 ? 16 : eta;
}

void
cubic_on_ack(struct cubic *c, unsigned acked, uint64_t now_ms)
{
	double t, rtt_s, target, w_cubic;

	if (acked == 0)
		return;
	if (c->cwnd < c->ssthresh) {
		/*
		 * Slow start: one segment per segment acknowledged, until a
		 * queue builds (HyStart++, RFC 9406: leave when the RTT rose
		 * by an eighth of its floor, 4 to 16 ms), not when the buffer
		 * overflows a window's worth later.
		 */
		if (c->have_rtt && c->cwnd >= CUBIC_HYSTART_MIN_WINDOW &&
		    c->srtt_ms > (double)c->min_rtt_ms + hystart_eta(c)) {
			c->ssthresh = c->cwnd;
			c->hystart_exits++;
		} else {
			c->cwnd = clamp_window(c->cwnd + acked);
			return;
		}
	}
	if (c->epoch_ms == 0) {
		/* 4.2: a new epoch starts with the first ACK in avoidance. */
		c->epoch_ms = now_ms;
		if (c->w_max < c->cwnd) {
			c->w_max = c->cwnd;
			c->k = 0;
		} else {
			c->k = cbrt((c->w_max - c->cwnd) / CUBIC_C);
		}
		c->w_est = c->cwnd;
	}
	rtt_s = (c->have_rtt ? c->srtt_ms : 100.0) / 1000.0;
	t = (double)(now_ms - c->epoch_ms) / 1000.0;
	/* 4.2: W_cubic(t + RTT) is where the window should be one RTT on. */
	w_cubic = CUBIC_C * pow(t + rtt_s - c->k, 3) + c->w_max;
	/* 4.3: the Reno-friendly estimate. */
	c->w_est += CUBIC_ALPHA * acked / c->cwnd;
	if (w_cubic < c->w_est) {
		target = c->w_est;
		c->cwnd = clamp_window(target > c->cwnd ? target : c->cwnd);
		return;
	}
	/* 4.4, 4.5: grow toward the target by (target - cwnd) / cwnd a segment. */
	target = w_cubic;
	if (target > 1.5 * c->cwnd)
		target = 1.5 * c->cwnd;
	if (target > c->cwnd)
		c->cwnd = clamp_window(c->cwnd + (target - c->cwnd) * acked / c->cwnd);
}

/*
 * Whether a queue stands behind our packets: the smoothed RTT above its
 * floor by more than CUBIC_QUEUE_MIN_MS or an eighth of the floor (HyStart++'s
 * threshold, RFC 9406 4.2, as a tolerance for jitter).
 */
static int
queueing(const struct cubic *c)
{
	double floor = (double)c->min_rtt_ms, lim = floor / 8;

	if (lim < CUBIC_QUEUE_MIN_MS)
		lim = CUBIC_QUEUE_MIN_MS;
	return c->srtt_ms - floor > lim;
}

int
cubic_on_loss(struct cubic *c, uint64_t now_ms)
{
	(void)now_ms;
	if (c->have_rtt && !queueing(c)) {
		c->noise++;
		return 0;
	}
	c->losses++;
	/* 4.7 fast convergence: give way when the last maximum was not reached. */
	if (c->cwnd < c->w_max)
		c->w_max = c->cwnd * (1.0 + CUBIC_BETA) / 2.0;
	else
		c->w_max = c->cwnd;
	c->cwnd = clamp_window(c->cwnd * CUBIC_BETA);
	c->ssthresh = c->cwnd;
	c->epoch_ms = 0;
	return 1;
}

void
cubic_on_timeout(struct cubic *c, uint64_t now_ms)
{
	(void)now_ms;
	c->timeouts++;
	c->ssthresh = clamp_window(c->cwnd * CUBIC_BETA);
	c->w_max = c->cwnd;
	c->cwnd = CUBIC_MIN_WINDOW;
	c->epoch_ms = 0;
	/* RFC 6298 5.5: back off. */
	c->rto_ms = c->rto_ms * 2 > CUBIC_RTO_MAX_MS ? CUBIC_RTO_MAX_MS : c->rto_ms * 2;
}
