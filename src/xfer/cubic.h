/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cubic.h — congestion control for file transfers: CUBIC (RFC 9438) with
 * its Reno-friendly region, slow start, the RFC 6298 retransmission timer,
 * and a pacing rate. Pure functions of a clock the caller passes in (ms).
 *
 * Why CUBIC: it is what Linux TCP runs, so a transfer takes its fair share
 * of a link that carries TCP too (and no more), it grows fast on paths with
 * a large bandwidth-delay product, and it answers loss as TCP does — which
 * is what "backs off on loss" asks. Windows count segments of XFER_DATA_MAX
 * bytes.
 *
 * One departure from RFC 9438, for links that lose packets without being
 * full (radio, a lossy hop; 1% of them costs CUBIC nine tenths of its rate
 * at 80 ms): a loss while no queue stands behind our packets (the smoothed
 * RTT within max(CUBIC_QUEUE_MIN_MS, min RTT / 8) of the least seen) is
 * repaired but not taken for congestion, as TCP Veno (Fu and Liew, 2003)
 * and BBR judge such losses. A full link still makes the window back off:
 * a drop-tail buffer fills (the RTT rises) before it drops.
 *
 * Slow start ends when the RTT rises (HyStart++, RFC 9406), as Linux's
 * CUBIC does, not a window's worth of losses later.
 *
 * Driving it:
 *	cubic_init(&c, now);
 *	before sending:	while inflight < cubic_window(&c) and the pacing allows
 *	each ACK:	cubic_on_rtt(&c, sample_ms) when it carried a fresh sample;
 *			cubic_on_ack(&c, newly_acked_segments, now)
 *	a loss:		cubic_on_loss(&c, now), at most once per window; 0 when it
 *			took the loss for noise (no recovery: keep growing)
 *	the RTO fired:	cubic_on_timeout(&c, now)
 */
#ifndef GONET_XFER_CUBIC_H
#define GONET_XFER_CUBIC_H

#include <stdint.h>

enum {
	CUBIC_INIT_WINDOW = 10,		/* segments, RFC 6928 */
	CUBIC_MIN_WINDOW = 2,
	CUBIC_MAX_WINDOW = 16384,	/* segments: 21 MB in flight, 1.7 Gbit/s at 100 ms */
	CUBIC_RTO_INITIAL_MS = 1000,
	CUBIC_RTO_MIN_MS = 200,		/* as Linux */
	CUBIC_RTO_MAX_MS = 10000,
	CUBIC_QUEUE_MIN_MS = 2,		/* RTT above its floor that is not yet a queue */
	CUBIC_HYSTART_MIN_WINDOW = 16	/* RFC 9406's low_ssthresh */
};

struct cubic {
	double cwnd;			/* segments */
	double ssthresh;
	double w_max;			/* the window before the last reduction */
	double k;			/* s: time to grow back to w_max */
	double w_est;			/* the Reno-friendly estimate */
	uint64_t epoch_ms;		/* start of the current growth epoch; 0: none */
	/* RFC 6298 */
	int have_rtt;
	double srtt_ms, rttvar_ms;
	uint64_t min_rtt_ms;
	uint64_t rto_ms;
	unsigned losses, timeouts;
	unsigned noise;			/* losses not taken for congestion */
	unsigned hystart_exits;		/* slow starts left for a rising RTT */
};

void cubic_init(struct cubic *c, uint64_t now_ms);
/* The congestion window, in whole segments (>= CUBIC_MIN_WINDOW). */
unsigned cubic_window(const struct cubic *c);
/* Bytes a second to pace at: the window over the smoothed RTT, with headroom. */
double cubic_pacing_rate(const struct cubic *c, unsigned segment_bytes);
void cubic_on_rtt(struct cubic *c, uint64_t sample_ms);
void cubic_on_ack(struct cubic *c, unsigned acked, uint64_t now_ms);
/* 1: the window was reduced; 0: the loss was taken for noise. */
int cubic_on_loss(struct cubic *c, uint64_t now_ms);
void cubic_on_timeout(struct cubic *c, uint64_t now_ms);
uint64_t cubic_rto(const struct cubic *c);

#endif
