/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer.c — the set of transfers (xfer.h): numbers for the user, the
 * budgets, dispatch of each datagram to its transfer, events.
 *
 * Who can send what: only a room member with a WireGuard session reaches
 * port 7779. What it makes us keep: an OFFER makes a transfer record (at
 * most XFERS_OFFERS_PER_PEER unanswered per peer, XFERS_MAX in all; an
 * offer nobody answers is dropped after XFER_OFFER_TTL_MS); nothing is
 * written to disk before the user accepts. Anything for a transfer we do not
 * know is counted and, for DATA, answered with CANCEL(unknown) so a sender
 * whose receiver forgot it stops at once.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/xfer/xfer_impl.h"

static void xfer_free(struct xfer *t);

static void
on_timer(void *arg)
{
	struct xfer *t = arg;

	if (t->state == X_DONE || t->state == X_FAILED) {
		if (xfer_now_ms(t->x) >= t->state_ms + X_LINGER_MS) {
			xfer_free(t);
			return;
		}
		timer_at(t->timer, t->state_ms + X_LINGER_MS);
		return;
	}
	if (t->outgoing)
		xfer_tx_timer(t);
	else
		xfer_rx_timer(t);
}

static struct xfer *
xfer_new(struct xfers *x, void *peer, int outgoing)
{
	struct xfer *t;

	if (x->count >= XFERS_MAX || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->timer = timer_new(x->env.timers, on_timer, t)) == NULL) {
		free(t);
		return NULL;
	}
	t->x = x;
	t->n = ++x->next_n;
	t->outgoing = outgoing;
	t->peer = peer;
	t->created_ms = t->state_ms = xfer_now_ms(x);
	t->next = x->list;
	x->list = t;
	x->count++;
	return t;
}

static void
xfer_free(struct xfer *t)
{
	struct xfer **pp;

	if (t == NULL)
		return;
	for (pp = &t->x->list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->x->count--;
	xfer_tx_free(t);
	xfer_rx_free(t);
	timer_free(t->timer);
	sodium_memzero(t, sizeof(*t));
	free(t);
}

struct xfers *
xfers_new(const struct xfer_env *env)
{
	struct xfers *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->env = *env;
	x->store.dirfd = -1;
	return x;
}

void
xfers_free(struct xfers *x)
{
	if (x == NULL)
		return;
	while (x->list != NULL)
		xfer_free(x->list);
	store_close(&x->store);
	free(x);
}

static struct xfer *
find_n(struct xfers *x, unsigned n)
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		if (t->n == n)
			return t;
	return NULL;
}

static struct xfer *
find_id(struct xfers *x, void *peer, const uint8_t id[XFER_ID_LEN])
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		if (t->peer == peer && sodium_memcmp(t->id, id, XFER_ID_LEN) == 0)
			return t;
	return NULL;
}

int
xfers_send(struct xfers *x, void *peer, const char *path)
{
	struct xfer *t;
	int r;

	if ((t = xfer_new(x, peer, 1)) == NULL) {
		x->st.refused++;
		return -EBUSY;
	}
	if ((r = xfer_tx_start(t, path)) != 0) {
		xfer_free(t);
		return r;
	}
	return (int)t->n;
}

int
xfers_accept(struct xfers *x, unsigned n, char *err, size_t errlen)
{
	struct xfer *t = find_n(x, n);
	int r;

	if (t == NULL || t->outgoing || t->state != RX_OFFERED) {
		snprintf(err, errlen, "no offer %u waits for an answer", n);
		return -ENOENT;
	}
	if (!x->store_open) {
		if ((r = store_open(&x->store, x->env.download_dir, err, errlen)) != 0)
			return r;
		x->store_open = 1;
	}
	return xfer_rx_accept(t, err, errlen);
}

int
xfers_reject(struct xfers *x, unsigned n)
{
	struct xfer *t = find_n(x, n);
	struct xfer_msg m;

	if (t == NULL || t->outgoing || t->state != RX_OFFERED)
		return -ENOENT;
	memset(&m, 0, sizeof(m));
	m.type = XFER_REJECT;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.code = XFER_REASON_DECLINED;
	(void)xfer_send_msg(t, &m);
	xfer_fail(t, "rejected");
	return 0;
}

int
xfers_cancel(struct xfers *x, unsigned n)
{
	struct xfer *t = find_n(x, n);
	struct xfer_msg m;

	if (t == NULL || t->state == X_DONE || t->state == X_FAILED)
		return -ENOENT;
	memset(&m, 0, sizeof(m));
	m.type = XFER_CANCEL;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.code = XFER_REASON_STOPPED;
	(void)xfer_send_msg(t, &m);
	xfer_fail(t, "cancelled");
	return 0;
}

/* Count the offers from peer still waiting for the user. */
static unsigned
offers_from(const struct xfers *x, const void *peer)
{
	const struct xfer *t;
	unsigned n = 0;

	for (t = x->list; t != NULL; t = t->next)
		n += t->peer == peer && !t->outgoing && t->state == RX_OFFERED;
	return n;
}

void
xfers_input(struct xfers *x, void *peer, const char *fp, const uint8_t *buf, size_t len)
{
	struct xfer_msg m;
	struct xfer *t;
	enum xfer_drop d;

	if ((d = xfer_msg_parse(buf, len, &m)) != XFER_OK) {
		x->st.dropped[d]++;
		return;
	}
	t = find_id(x, peer, m.id);
	if (t == NULL) {
		if (m.type == XFER_OFFER) {
			if (offers_from(x, peer) >= XFERS_OFFERS_PER_PEER ||
			    (t = xfer_new(x, peer, 0)) == NULL) {
				x->st.refused++;
				return;
			}
			if (xfer_rx_offer(t, fp, &m) != 0) {
				x->st.refused++;
				xfer_free(t);
			}
			return;
		}
		x->st.unknown++;
		if (m.type == XFER_DATA) {
			/* A sender whose receiver forgot it: stop it at once. */
			struct xfer_msg c;

			memset(&c, 0, sizeof(c));
			c.type = XFER_CANCEL;
			memcpy(c.id, m.id, XFER_ID_LEN);
			c.code = XFER_REASON_UNKNOWN;
			(void)xfer_send_to(x, peer, &c);
		}
		return;
	}
	if (t->outgoing)
		xfer_tx_input(t, &m);
	else
		xfer_rx_input(t, &m);
}

void
xfers_peer_up(struct xfers *x, void *peer)
{
	struct xfer *t;

	for (t = x->list; t != NULL; t = t->next)
		if (t->peer == peer && t->outgoing)
			xfer_tx_kick(t);
}

void
xfers_peer_gone(struct xfers *x, void *peer)
{
	struct xfer *t, *next;

	for (t = x->list; t != NULL; t = next) {
		next = t->next;
		if (t->peer != peer)
			continue;
		xfer_fail(t, "peer-left");
		xfer_free(t);
	}
}

int
xfers_list(struct xfers *x)
{
	struct xfer *t;
	int n = 0;

	for (t = x->list; t != NULL; t = t->next, n++)
		xfer_event(t, t->state == RX_OFFERED ? XEV_OFFERED : XEV_PROGRESS, NULL, NULL);
	return n;
}

const struct xfer_stats *
xfers_stats(const struct xfers *x)
{
	return &x->st;
}
