/* SPDX-License-Identifier: GPL-3.0-or-later */
/* punch.c — the punching schedule and pair selection; see punch.h. */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/nat/punch.h"

/* The fast start; after it, every PUNCH_STEADY_MS while under PUNCH_END_MS. */
static const uint16_t fast_start_ms[] = { 0, 100, 300, 700, 1500 };
enum { FAST_START_N = sizeof(fast_start_ms) / sizeof(fast_start_ms[0]) };

_Static_assert(1500 + (PUNCH_SLOTS - FAST_START_N) * PUNCH_STEADY_MS < PUNCH_END_MS &&
    1500 + (PUNCH_SLOTS - FAST_START_N + 1) * PUNCH_STEADY_MS >= PUNCH_END_MS,
    "PUNCH_SLOTS must match the schedule");

uint64_t
punch_schedule_offset(unsigned k)
{
	uint64_t t;

	if (k < FAST_START_N)
		return fast_start_ms[k];
	t = fast_start_ms[FAST_START_N - 1] + (uint64_t)(k - FAST_START_N + 1) * PUNCH_STEADY_MS;
	return t < PUNCH_END_MS ? t : UINT64_MAX;
}

void
punch_start(struct punch *p, const struct cand_pair *pairs, unsigned n, uint64_t now_ms)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->selected = -1;
	p->start_ms = now_ms;
	p->running = 1;
	if (n > PUNCH_MAX_PAIRS)
		n = PUNCH_MAX_PAIRS;
	for (i = 0; i < n; i++) {
		struct punch_pair *pp = &p->pairs[i];

		pp->pair = pairs[i];
		pp->state = PUNCH_PAIR_WAITING;
		randombytes_buf(pp->txid, PUNCH_TXID_RANDOM);
		pp->next_ms = now_ms;
	}
	p->n = n;
}

void
punch_stop(struct punch *p)
{
	p->running = 0;
}

uint64_t
punch_next_deadline(const struct punch *p)
{
	uint64_t d = UINT64_MAX;
	unsigned i;

	if (!p->running)
		return UINT64_MAX;
	for (i = 0; i < p->n; i++)
		if (p->pairs[i].state == PUNCH_PAIR_WAITING && p->pairs[i].next_ms < d)
			d = p->pairs[i].next_ms;
	return d;
}

/* The next scheduled ping at or after slot, or the failure time. */
static uint64_t
slot_deadline(const struct punch *p, unsigned slot)
{
	uint64_t off = punch_schedule_offset(slot);

	return p->start_ms + (off == UINT64_MAX ? PUNCH_END_MS : off);
}

unsigned
punch_on_timer(struct punch *p, uint64_t now_ms, struct punch_ping *out, unsigned max)
{
	unsigned i, n = 0;

	if (!p->running)
		return 0;
	for (i = 0; i < p->n; i++) {
		struct punch_pair *pp = &p->pairs[i];

		if (pp->state != PUNCH_PAIR_WAITING || now_ms < pp->next_ms)
			continue;
		if (now_ms >= p->start_ms + PUNCH_END_MS) {
			pp->state = PUNCH_PAIR_FAILED;
			continue;
		}
		if (n >= max)
			continue;	/* stays due */
		/* Triggered pings are bounded so this cannot happen; never spin if it does. */
		if (pp->pings < PUNCH_MAX_PINGS) {
			out[n].pair = i;
			memcpy(out[n].txid, pp->txid, PUNCH_TXID_LEN);
			out[n].txid[PUNCH_TXID_RANDOM] = (uint8_t)(pp->pings >> 8);
			out[n].txid[PUNCH_TXID_RANDOM + 1] = (uint8_t)pp->pings;
			n++;
			pp->sent_ms[pp->pings++] = now_ms;
		}
		/* Skip the slots this ping covers (a late timer sends one ping, not a burst). */
		while (slot_deadline(p, pp->slot) <= now_ms && punch_schedule_offset(pp->slot) != UINT64_MAX)
			pp->slot++;
		pp->next_ms = slot_deadline(p, pp->slot);
	}
	return n;
}

/* A global unicast IPv6 address (2000::/3): no translation between us. */
static int
global_v6(const struct endpoint *ep)
{
	return ep->family == ENDPOINT_V6 && (ep->addr[0] & 0xe0) == 0x20;
}

/* Does the new pair beat the selected one? */
static int
better(const struct punch_pair *cand, const struct punch_pair *cur)
{
	int cand_relay = cand->pair.remote_type == CAND_TYPE_RELAY;
	int cur_relay = cur->pair.remote_type == CAND_TYPE_RELAY;
	int cand_v6 = global_v6(&cand->pair.remote), cur_v6 = global_v6(&cur->pair.remote);

	if (cand_relay != cur_relay)
		return cur_relay;
	if (cand_v6 != cur_v6)
		return cand_v6;
	return (uint64_t)cand->rtt_ms * PUNCH_BETTER_DEN < (uint64_t)cur->rtt_ms * PUNCH_BETTER_NUM;
}

enum punch_pong
punch_on_pong(struct punch *p, const uint8_t txid[PUNCH_TXID_LEN], const struct endpoint *from,
    const struct endpoint *observed, uint64_t now_ms)
{
	unsigned i, seq;

	for (i = 0; i < p->n; i++) {
		struct punch_pair *pp = &p->pairs[i];

		if (memcmp(pp->txid, txid, PUNCH_TXID_RANDOM) != 0)
			continue;
		seq = (unsigned)txid[PUNCH_TXID_RANDOM] << 8 | txid[PUNCH_TXID_RANDOM + 1];
		if (seq >= pp->pings)
			return PUNCH_PONG_UNKNOWN;	/* we never sent that ping */
		if (pp->state == PUNCH_PAIR_WORKING)
			return PUNCH_PONG_DUPLICATE;
		/* A pong after the pair failed still proves the path: take it. */
		pp->state = PUNCH_PAIR_WORKING;
		pp->working_ms = now_ms;
		pp->rtt_ms = now_ms >= pp->sent_ms[seq] ? (uint32_t)(now_ms - pp->sent_ms[seq]) : 0;
		pp->from = from != NULL ? *from : pp->pair.remote;
		if (observed != NULL)
			pp->observed = *observed;
		if (p->selected < 0 || better(pp, &p->pairs[p->selected])) {
			p->selected = (int)i;
			return PUNCH_PONG_SELECTED;
		}
		return PUNCH_PONG_WORKING;
	}
	return PUNCH_PONG_UNKNOWN;
}

int
punch_on_peer_ping(struct punch *p, const struct endpoint *from, uint64_t now_ms)
{
	unsigned i;

	if (!p->running || now_ms >= p->start_ms + PUNCH_END_MS)
		return 0;
	for (i = 0; i < p->n; i++) {
		struct punch_pair *pp = &p->pairs[i];

		if (pp->state != PUNCH_PAIR_WAITING || !endpoint_equal(&pp->pair.remote, from))
			continue;
		/* Triggered pings are extra: bounded so a peer cannot make us flood. */
		if (pp->pings >= PUNCH_MAX_PINGS - (PUNCH_SLOTS - pp->slot) || pp->next_ms <= now_ms)
			return 0;
		pp->next_ms = now_ms;
		return 1;
	}
	return 0;
}

int
punch_add(struct punch *p, const struct cand_pair *pair, uint64_t now_ms)
{
	struct punch_pair *pp;
	unsigned i;

	if (!p->running || now_ms >= p->start_ms + PUNCH_END_MS)
		return -1;
	for (i = 0; i < p->n; i++) {
		pp = &p->pairs[i];
		if (!endpoint_equal(&pp->pair.remote, &pair->remote))
			continue;
		if (pp->state == PUNCH_PAIR_WAITING && pp->next_ms > now_ms &&
		    pp->pings < PUNCH_MAX_PINGS - (PUNCH_SLOTS - pp->slot))
			pp->next_ms = now_ms;
		return (int)i;
	}
	if (p->n >= PUNCH_MAX_PAIRS)
		return -1;
	pp = &p->pairs[p->n];
	memset(pp, 0, sizeof(*pp));
	pp->pair = *pair;
	pp->state = PUNCH_PAIR_WAITING;
	randombytes_buf(pp->txid, PUNCH_TXID_RANDOM);
	pp->next_ms = now_ms;		/* punch_on_timer skips the slots already past */
	return (int)p->n++;
}

const struct punch_pair *
punch_selected(const struct punch *p)
{
	return p->selected >= 0 ? &p->pairs[p->selected] : NULL;
}

int
punch_active(const struct punch *p)
{
	unsigned i;

	if (!p->running)
		return 0;
	for (i = 0; i < p->n; i++)
		if (p->pairs[i].state == PUNCH_PAIR_WAITING)
			return 1;
	return 0;
}
