/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer_rx.c — receiving a file.
 *
 *   OFFER ──► OFFERED ──/accept──► RECEIVING ──every byte, hash ok──► DONE
 *                │ /reject, 10 min       │ hash mismatch, cancel
 *                ▼                       ▼
 *              FAILED                  FAILED
 *
 * Nothing touches the disk before the user accepts. An OFFER from the same
 * sender (by fingerprint) for the same content and size as a part left by an
 * earlier run is accepted at once, from where that part ends: the user said
 * yes to it already (a restart of either side resumes).
 *
 * DATA is written where it belongs; [0, cum) has arrived, and up to
 * RX_RANGES_MAX ranges above it (data that would need more is not stored:
 * the sender sends it again). Every RX_ACK_EVERY in-order DATA, at once for
 * anything out of order, and RX_ACK_DELAY_MS after the first unacknowledged
 * one, an ACK tells the sender cum, the ranges, and the ts of the DATA it
 * answers. Progress is recorded on disk every XFER_SAVE_BYTES.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/clock/timer.h"
#include "src/xfer/xfer_impl.h"

static void
send_code(struct xfer *t, enum xfer_type type, uint8_t code)
{
	struct xfer_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.code = code;
	(void)xfer_send_msg(t, &m);
}

static void
send_accept(struct xfer *t)
{
	struct xfer_msg m;

	memset(&m, 0, sizeof(m));
	m.type = XFER_ACCEPT;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.offset = t->rx->cum;
	(void)xfer_send_msg(t, &m);
}

static void
send_ack(struct xfer *t)
{
	struct xfer_rx *rx = t->rx;
	struct xfer_msg m;
	unsigned i;

	memset(&m, 0, sizeof(m));
	m.type = XFER_ACK;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.offset = rx->cum;
	m.ts = rx->last_ts;
	m.nsack = rx->nranges < XFER_SACK_MAX ? rx->nranges : XFER_SACK_MAX;
	for (i = 0; i < m.nsack; i++)
		m.sack[i] = rx->ranges[i];
	(void)xfer_send_msg(t, &m);
	t->x->st.acks_out++;
	rx->unacked = 0;
	rx->ack_due = 0;
	timer_stop(t->timer);
}

int
xfer_rx_offer(struct xfer *t, const char *fp, const struct xfer_msg *m)
{
	struct xfers *x = t->x;
	struct xfer_rx *rx;

	if ((rx = calloc(1, sizeof(*rx))) == NULL)
		return -ENOMEM;
	t->rx = rx;
	rx->part.fd = -1;
	snprintf(rx->fp, sizeof(rx->fp), "%s", fp);
	memcpy(t->id, m->id, XFER_ID_LEN);
	t->size = m->size;
	memcpy(t->hash, m->hash, XFER_HASH_LEN);
	store_safe_name(m->name, m->name_len, t->name);
	xfer_set_state(t, RX_OFFERED);
	/* A part from an earlier run of this very transfer: the user said yes already. */
	if (!x->store_open) {
		char err[128];

		if (store_open(&x->store, x->env.download_dir, err, sizeof(err)) == 0)
			x->store_open = 1;
	}
	if (x->store_open &&
	    store_part_find(&x->store, rx->fp, t->hash, t->size, &rx->part) == 0) {
		rx->have_part = 1;
		rx->cum = rx->saved = rx->part.have;
		t->from = rx->cum;
		xfer_set_state(t, RX_RECEIVING);
		xfer_event(t, XEV_STARTED, NULL, NULL);
		send_accept(t);
		return 0;
	}
	xfer_event(t, XEV_OFFERED, NULL, NULL);
	timer_at(t->timer, t->created_ms + XFER_OFFER_TTL_MS);
	return 0;
}

int
xfer_rx_accept(struct xfer *t, char *err, size_t errlen)
{
	struct xfer_rx *rx = t->rx;
	struct store *st = &t->x->store;
	int r;

	if ((r = store_room_for(st, t->size)) != 0) {
		snprintf(err, errlen, "no room for %llu bytes in %s",
		    (unsigned long long)t->size, st->path);
		send_code(t, XFER_REJECT, XFER_REASON_NO_SPACE);
		xfer_fail(t, "no-space");
		return r;
	}
	memset(&rx->part, 0, sizeof(rx->part));
	memcpy(rx->part.id, t->id, XFER_ID_LEN);
	rx->part.size = t->size;
	memcpy(rx->part.hash, t->hash, XFER_HASH_LEN);
	snprintf(rx->part.name, sizeof(rx->part.name), "%s", t->name);
	snprintf(rx->part.from, sizeof(rx->part.from), "%s", rx->fp);
	if ((r = store_part_create(st, &rx->part)) != 0) {
		snprintf(err, errlen, "cannot create a file in %s: %s", st->path, strerror(-r));
		send_code(t, XFER_REJECT, XFER_REASON_NO_SPACE);
		xfer_fail(t, "cannot-store");
		return r;
	}
	rx->have_part = 1;
	xfer_set_state(t, RX_RECEIVING);
	xfer_event(t, XEV_STARTED, NULL, NULL);
	send_accept(t);
	timer_stop(t->timer);
	return 0;
}

/* Record [off, end) as arrived; 1 when it is news, 0 when known, -1 when there is no room. */
static int
add_range(struct xfer_rx *rx, uint64_t off, uint64_t end)
{
	unsigned i, j;

	if (end <= rx->cum)
		return 0;
	if (off <= rx->cum) {
		rx->cum = end;
		/* Swallow the ranges the new cum reaches. */
		for (i = 0; i < rx->nranges && rx->ranges[i].start <= rx->cum; i++)
			if (rx->ranges[i].end > rx->cum)
				rx->cum = rx->ranges[i].end;
		memmove(rx->ranges, rx->ranges + i, (rx->nranges - i) * sizeof(rx->ranges[0]));
		rx->nranges -= i;
		return 1;
	}
	for (i = 0; i < rx->nranges && rx->ranges[i].end < off; i++)
		;
	if (i < rx->nranges && rx->ranges[i].start <= off && end <= rx->ranges[i].end)
		return 0;
	if (i < rx->nranges && rx->ranges[i].start <= end) {
		/* Overlaps or touches range i: grow it, then merge what it reaches. */
		if (off < rx->ranges[i].start)
			rx->ranges[i].start = off;
		if (end > rx->ranges[i].end)
			rx->ranges[i].end = end;
		for (j = i + 1; j < rx->nranges && rx->ranges[j].start <= rx->ranges[i].end; j++)
			if (rx->ranges[j].end > rx->ranges[i].end)
				rx->ranges[i].end = rx->ranges[j].end;
		memmove(rx->ranges + i + 1, rx->ranges + j, (rx->nranges - j) * sizeof(rx->ranges[0]));
		rx->nranges -= j - i - 1;
		return 1;
	}
	if (rx->nranges == RX_RANGES_MAX)
		return -1;
	memmove(rx->ranges + i + 1, rx->ranges + i, (rx->nranges - i) * sizeof(rx->ranges[0]));
	rx->ranges[i].start = off;
	rx->ranges[i].end = end;
	rx->nranges++;
	return 1;
}

/* Whether [off, end) has arrived already (nothing to write). */
static int
have_range(const struct xfer_rx *rx, uint64_t off, uint64_t end)
{
	unsigned i;

	if (end <= rx->cum)
		return 1;
	for (i = 0; i < rx->nranges; i++)
		if (rx->ranges[i].start <= off && end <= rx->ranges[i].end)
			return 1;
	return 0;
}

static void
finish(struct xfer *t)
{
	struct xfer_rx *rx = t->rx;
	char final[STORE_NAME_MAX + 16], path[sizeof(t->x->store.path) + sizeof(final) + 2];
	int r;

	r = store_part_finish(&t->x->store, &rx->part, final, sizeof(final));
	rx->have_part = 0;
	if (r == -EBADMSG) {
		send_code(t, XFER_DONE, 1);
		xfer_fail(t, "hash-mismatch");
		return;
	}
	if (r != 0) {
		send_code(t, XFER_CANCEL, XFER_REASON_NO_SPACE);
		xfer_fail(t, "cannot-store");
		return;
	}
	send_code(t, XFER_DONE, 0);
	xfer_progress(t, t->size, 1);
	xfer_set_state(t, X_DONE);
	snprintf(path, sizeof(path), "%s/%s", t->x->store.path, final);
	xfer_event(t, XEV_DONE, NULL, path);
	timer_at(t->timer, t->state_ms + X_LINGER_MS);
}

static void
on_data(struct xfer *t, const struct xfer_msg *m)
{
	struct xfer_rx *rx = t->rx;
	uint64_t end = m->offset + m->data_len, old_cum = rx->cum;
	int r, in_order;

	t->x->st.data_in++;
	if (end > t->size) {
		t->x->st.dropped[XFER_DROP_RANGE]++;
		return;
	}
	rx->last_ts = m->ts;
	in_order = m->offset == rx->cum;
	if (!have_range(rx, m->offset, end)) {
		if ((r = add_range(rx, m->offset, end)) < 0) {
			/* Too fragmented to track: the sender sends it again later. */
			rx->ack_due = 1;
		} else if (store_part_write(&rx->part, m->offset, m->data, m->data_len) != 0) {
			send_code(t, XFER_CANCEL, XFER_REASON_NO_SPACE);
			xfer_fail(t, "cannot-store");
			return;
		}
	} else {
		in_order = 0;		/* a duplicate: tell the sender at once */
	}
	if (rx->cum >= rx->saved + XFER_SAVE_BYTES && rx->cum < t->size) {
		(void)store_part_save(&t->x->store, &rx->part, rx->cum);
		rx->saved = rx->cum;
	}
	xfer_progress(t, rx->cum, 0);
	if (rx->cum >= t->size) {
		send_ack(t);
		finish(t);
		return;
	}
	if (!in_order || rx->nranges > 0 || rx->cum == old_cum || ++rx->unacked >= RX_ACK_EVERY) {
		send_ack(t);
		return;
	}
	if (!rx->ack_due) {
		rx->ack_due = 1;
		timer_at(t->timer, xfer_now_ms(t->x) + RX_ACK_DELAY_MS);
	}
}

void
xfer_rx_input(struct xfer *t, const struct xfer_msg *m)
{
	switch (m->type) {
	case XFER_OFFER:
		/* The sender stalled or restarted and offers again: tell it where we are. */
		if (t->state == RX_RECEIVING)
			send_accept(t);
		else if (t->state == X_DONE)
			send_code(t, XFER_DONE, 0);
		break;
	case XFER_DATA:
		if (t->state == RX_RECEIVING)
			on_data(t, m);
		else if (t->state == X_DONE)
			send_code(t, XFER_DONE, 0);
		else
			t->x->st.unknown++;
		break;
	case XFER_CANCEL:
		xfer_fail(t, xfer_reason_name((enum xfer_reason)m->code));
		break;
	case XFER_ACCEPT:
	case XFER_REJECT:
	case XFER_ACK:
	case XFER_DONE:
		t->x->st.unknown++;	/* a sender's messages only */
		break;
	}
}

void
xfer_rx_timer(struct xfer *t)
{
	uint64_t now = xfer_now_ms(t->x);

	if (t->state == RX_OFFERED) {
		if (now >= t->created_ms + XFER_OFFER_TTL_MS)
			xfer_fail(t, "not-answered");
		else
			timer_at(t->timer, t->created_ms + XFER_OFFER_TTL_MS);
		return;
	}
	if (t->state == RX_RECEIVING && t->rx->ack_due)
		send_ack(t);
}

void
xfer_rx_free(struct xfer *t)
{
	struct xfer_rx *rx = t->rx;

	if (rx == NULL)
		return;
	if (rx->have_part) {
		/* Kept for a resume: record how far it got. */
		if (rx->cum > rx->saved)
			(void)store_part_save(&t->x->store, &rx->part, rx->cum);
		store_part_close(&rx->part);
	}
	free(rx);
	t->rx = NULL;
}
