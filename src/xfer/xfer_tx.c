/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer_tx.c — sending a file.
 *
 *   HASHING ──hash done──► OFFERING ──ACCEPT(from)──► SENDING ──all acked──► WAIT_DONE ──DONE──► DONE
 *                            │ REJECT, 10 min            │ no ACK 15 s,               │
 *                            │                           │ CANCEL(unknown)            │
 *                            ▼                           ▼                            │
 *                          FAILED ◄──10 min stalled── STALLED ──ACCEPT(from)──► SENDING (resumed)
 *
 * The file is read twice, never held: once in TX_HASH_CHUNK slices from the
 * loop (a large file must not stop the chat) for its BLAKE2b-256, then
 * segment by segment with pread as the window allows.
 *
 * Segments are XFER_SEG bytes (the last may be shorter). The window is
 * CUBIC's, in segments; sending is paced at cubic_pacing_rate() with a
 * token bucket two milliseconds deep. A segment is lost when TX_DUPTHRESH
 * segments above it were SACKed (RFC 6675's rule), when its retransmission
 * holds the cumulative ACK back and a later segment was SACKed (RACK, RFC
 * 8985, for that one segment), or when the retransmission timer fires
 * (then every segment in flight is); one loss reduces the window once per
 * window of data (recovery ends when the cumulative ACK passes what was
 * sent when it began), unless cubic.h takes it for noise. RTT comes from the
 * timestamp each ACK echoes, so a retransmission never blurs it.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "src/clock/timer.h"
#include "src/xfer/xfer_impl.h"

enum {
	TX_PACE_DEPTH_NS = 2000000,	/* the token bucket holds 2 ms of rate */
	TX_PACE_MIN_NS = 200000,	/* wait at least this long for a token */
	TX_STALL_OFFER_MS = 5000	/* stalled: OFFER again this often */
};

static uint64_t
nsegs(const struct xfer *t)
{
	return (t->size + XFER_SEG - 1) / XFER_SEG;
}

static struct tx_seg *
seg(struct xfer_tx *tx, uint64_t s)
{
	return &tx->ring[s & (TX_RING - 1)];
}

static void
send_offer(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	struct xfer_msg m;

	memset(&m, 0, sizeof(m));
	m.type = XFER_OFFER;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.size = t->size;
	memcpy(m.hash, t->hash, XFER_HASH_LEN);
	m.name = (const uint8_t *)t->name;
	m.name_len = strlen(t->name);
	(void)xfer_send_msg(t, &m);
	tx->offer_next_ms = xfer_now_ms(t->x) + tx->offer_ms;
	tx->offer_ms = tx->offer_ms * 2 > TX_OFFER_MAX_MS ? TX_OFFER_MAX_MS : tx->offer_ms * 2;
}

/* The file must be what we hashed: same size, same modification time. */
static int
source_unchanged(struct xfer *t)
{
	struct stat sb;

	return fstat(t->tx->fd, &sb) == 0 && (uint64_t)sb.st_size == t->size &&
	    (uint64_t)sb.st_mtim.tv_sec * 1000000000u + (uint64_t)sb.st_mtim.tv_nsec ==
	    t->tx->mtime_ns;
}

static void
source_changed(struct xfer *t)
{
	struct xfer_msg m;

	memset(&m, 0, sizeof(m));
	m.type = XFER_CANCEL;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.code = XFER_REASON_SOURCE;
	(void)xfer_send_msg(t, &m);
	xfer_fail(t, "source-changed");
}

/* Send segment s; 0, or -errno when the way out is full (try again soon). */
static int
send_seg(struct xfer *t, uint64_t s)
{
	struct xfer_tx *tx = t->tx;
	struct tx_seg *g = seg(tx, s);
	uint8_t payload[XFER_SEG];
	uint64_t off = s * XFER_SEG, now = xfer_now_ms(t->x);
	size_t len = t->size - off < XFER_SEG ? (size_t)(t->size - off) : XFER_SEG;
	struct xfer_msg m;
	ssize_t n;
	int r;

	n = pread(tx->fd, payload, len, (off_t)off);
	if (n != (ssize_t)len)
		return -EIO;
	memset(&m, 0, sizeof(m));
	m.type = XFER_DATA;
	memcpy(m.id, t->id, XFER_ID_LEN);
	m.offset = off;
	m.ts = (uint32_t)now;
	m.data = payload;
	m.data_len = len;
	if ((r = xfer_send_msg(t, &m)) != 0)
		return r;
	if (s == tx->nxt)
		g->flags = 0;		/* the slot's last user was TX_RING segments back */
	if (g->flags & SEG_LOST) {
		g->flags = (uint8_t)((g->flags & ~SEG_LOST) | SEG_RETX);
		t->x->st.retransmits++;
	}
	g->flags |= SEG_SENT;
	g->sent_ms = now;
	tx->pipe++;
	t->x->st.data_out++;
	return 0;
}

/* The next segment to send: a lost one first, else a new one; UINT64_MAX for none. */
static uint64_t
next_seg(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	uint64_t s;

	for (s = tx->retx_from > tx->una ? tx->retx_from : tx->una;
	    s < tx->nxt && s < tx->lost_scan; s++) {
		uint8_t f = seg(tx, s)->flags;

		if ((f & SEG_LOST) && !(f & SEG_SACKED)) {
			tx->retx_from = s;
			return s;
		}
	}
	tx->retx_from = s;
	if (tx->nxt < nsegs(t) && tx->nxt < tx->una + TX_RING)
		return tx->nxt;
	return UINT64_MAX;
}

static void arm(struct xfer *t);

/* Send what the window and the pacing allow. */
static void
pump(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	uint64_t now = xfer_now_ns(t->x), s;
	double rate = cubic_pacing_rate(&tx->cc, XFER_SEG), depth;
	int r;

	if (t->state != TX_SENDING)
		return;
	depth = rate * TX_PACE_DEPTH_NS / 1e9;
	if (depth < 2 * XFER_SEG)
		depth = 2 * XFER_SEG;
	tx->tokens += rate * (double)(now - tx->tokens_ns) / 1e9;
	if (tx->tokens > depth)
		tx->tokens = depth;
	tx->tokens_ns = now;
	while (tx->pipe < cubic_window(&tx->cc) && (s = next_seg(t)) != UINT64_MAX) {
		if (tx->tokens < XFER_SEG) {
			uint64_t wait = (uint64_t)((XFER_SEG - tx->tokens) * 1e9 / rate);

			timer_at_ns(tx->pace, now + (wait > TX_PACE_MIN_NS ? wait : TX_PACE_MIN_NS));
			break;
		}
		if ((r = send_seg(t, s)) != 0) {
			if (r == -EIO) {
				source_changed(t);
				return;
			}
			/* The way out is full: a moment. */
			timer_at_ns(tx->pace, now + TX_PACE_MIN_NS);
			break;
		}
		if (s == tx->nxt)
			tx->nxt++;
		tx->tokens -= XFER_SEG;
	}
	arm(t);
}

/* The state timer: the retransmission timeout, the offer's repeat, the stall. */
static void
arm(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	uint64_t d = UINT64_MAX;

	switch (t->state) {
	case TX_HASHING:
		d = 0;
		break;
	case TX_OFFERING:
		d = tx->offer_next_ms;
		if (t->created_ms + XFER_OFFER_TTL_MS < d)
			d = t->created_ms + XFER_OFFER_TTL_MS;
		break;
	case TX_SENDING:
	case TX_WAIT_DONE:
		/*
		 * RFC 6298 5.3: the timer restarts when new data is
		 * acknowledged; a segment marked lost and not yet sent again
		 * (the window or the pacing holds it) must not fire it.
		 */
		if (tx->una < tx->nxt || t->state == TX_WAIT_DONE) {
			d = seg(tx, tx->una < tx->nxt ? tx->una : tx->nxt - 1)->sent_ms;
			if (d < tx->last_fresh_ms)
				d = tx->last_fresh_ms;
			d += cubic_rto(&tx->cc);
		}
		if (tx->last_ack_ms + XFER_STALL_MS < d)
			d = tx->last_ack_ms + XFER_STALL_MS;
		break;
	case TX_STALLED:
		d = tx->offer_next_ms;
		if (t->state_ms + XFER_GIVE_UP_MS < d)
			d = t->state_ms + XFER_GIVE_UP_MS;
		break;
	default:
		return;
	}
	timer_at(t->timer, d);
}

static void
on_pace(void *arg)
{
	pump(arg);
}

static void
hash_some(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	uint8_t *buf;
	uint64_t left = t->size - tx->hashed;
	size_t want = left < TX_HASH_CHUNK ? (size_t)left : TX_HASH_CHUNK;
	ssize_t n = 0;

	if (want > 0) {
		if ((buf = malloc(want)) == NULL) {
			xfer_fail(t, "no-memory");
			return;
		}
		n = pread(tx->fd, buf, want, (off_t)tx->hashed);
		if (n == (ssize_t)want)
			crypto_generichash_update(tx->hash_state, buf, want);
		free(buf);
		if (n != (ssize_t)want) {
			xfer_fail(t, "read-error");
			return;
		}
		tx->hashed += want;
	}
	if (tx->hashed < t->size) {
		arm(t);
		return;
	}
	crypto_generichash_final(tx->hash_state, t->hash, XFER_HASH_LEN);
	sodium_free(tx->hash_state);
	tx->hash_state = NULL;
	if (!source_unchanged(t)) {
		xfer_fail(t, "source-changed");
		return;
	}
	xfer_set_state(t, TX_OFFERING);
	tx->offer_ms = 1000;
	send_offer(t);
	xfer_event(t, XEV_WAITING, NULL, NULL);
	arm(t);
}

#ifdef XFER_TEST_OFFER_NAMES
/*
 * Only in tests/lab/gonet_hostile, the lab's hostile sender: when PATH.name
 * exists, its bytes are offered as the name, as they are (no
 * store_safe_name), so the lab can test what a receiver makes of names such
 * as "../x" that a gonet never sends.
 */
static void
test_offer_name(struct xfer *t, const char *path)
{
	char np[4096];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(np, sizeof(np), "%s.name", path) >= sizeof(np) ||
	    (fd = open(np, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, t->name, sizeof(t->name) - 1);
	close(fd);
	if (n > 0)
		t->name[n] = '\0';
}
#endif

int
xfer_tx_start(struct xfer *t, const char *path)
{
	struct xfer_tx *tx;
	const char *base;
	struct stat sb;
	int fd, fl;

	/* O_NONBLOCK: a FIFO must not block the loop; a regular file ignores it. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((tx = calloc(1, sizeof(*tx))) == NULL ||
	    (tx->hash_state = sodium_malloc(sizeof(crypto_generichash_state))) == NULL ||
	    (tx->pace = timer_new(t->x->env.timers, on_pace, t)) == NULL) {
		if (tx != NULL)
			sodium_free(tx->hash_state);
		free(tx);
		close(fd);
		return -ENOMEM;
	}
	t->tx = tx;
	tx->fd = fd;
	t->size = (uint64_t)sb.st_size;
	tx->mtime_ns = (uint64_t)sb.st_mtim.tv_sec * 1000000000u + (uint64_t)sb.st_mtim.tv_nsec;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	store_safe_name((const uint8_t *)base, strlen(base), t->name);
#ifdef XFER_TEST_OFFER_NAMES
	test_offer_name(t, path);
#endif
	randombytes_buf(t->id, XFER_ID_LEN);
	crypto_generichash_init(tx->hash_state, NULL, 0, XFER_HASH_LEN);
	xfer_set_state(t, TX_HASHING);
	arm(t);
	return 0;
}

void
xfer_tx_free(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;

	if (tx == NULL)
		return;
	timer_free(tx->pace);
	if (tx->hash_state != NULL)
		sodium_free(tx->hash_state);
	if (tx->fd >= 0)
		close(tx->fd);
	free(tx);
	t->tx = NULL;
}

/* Start (or resume) sending at byte from, which the receiver holds already. */
static void
start_sending(struct xfer *t, uint64_t from)
{
	struct xfer_tx *tx = t->tx;
	uint64_t now = xfer_now_ms(t->x);

	if (from > t->size)
		from = t->size;
	memset(tx->ring, 0, sizeof(tx->ring));
	tx->una = tx->nxt = tx->lost_scan = tx->retx_from = from / XFER_SEG;
	if (from == t->size)
		tx->una = tx->nxt = tx->lost_scan = tx->retx_from = nsegs(t);
	tx->high_sacked = tx->una;
	tx->recovery_end = tx->after_rto = 0;
	tx->pipe = 0;
	cubic_init(&tx->cc, now);
	tx->tokens = 2 * XFER_SEG;
	tx->tokens_ns = xfer_now_ns(t->x);
	tx->last_ack_ms = tx->last_fresh_ms = now;
	t->from = tx->una * XFER_SEG;
	xfer_set_state(t, tx->una >= nsegs(t) ? TX_WAIT_DONE : TX_SENDING);
	xfer_event(t, XEV_STARTED, NULL, NULL);
	pump(t);
	arm(t);
}

/* Mark segment s acknowledged (cumulatively or by a SACK); 1 if that is news. */
static int
acked(struct xfer_tx *tx, uint64_t s)
{
	struct tx_seg *g = seg(tx, s);

	if (g->flags & SEG_SACKED)
		return 0;
	if ((g->flags & SEG_SENT) && !(g->flags & SEG_LOST))
		tx->pipe--;
	g->flags |= SEG_SACKED;
	return 1;
}

static void
on_ack(struct xfer *t, const struct xfer_msg *m)
{
	struct xfer_tx *tx = t->tx;
	uint64_t now = xfer_now_ms(t->x), cum, s, first, last, total = nsegs(t);
	unsigned fresh = 0, i;
	int newly_lost = 0;
	uint32_t rtt;

	t->x->st.acks_in++;
	if (t->state != TX_SENDING && t->state != TX_WAIT_DONE)
		return;
	tx->last_ack_ms = now;
	cum = m->offset >= t->size ? total : m->offset / XFER_SEG;
	if (cum > tx->nxt)
		cum = tx->nxt;		/* the receiver cannot have what we never sent */
	for (s = tx->una; s < cum; s++)
		fresh += acked(tx, s);
	if (cum > tx->una)
		tx->una = cum;
	for (i = 0; i < m->nsack; i++) {
		first = (m->sack[i].start + XFER_SEG - 1) / XFER_SEG;
		last = m->sack[i].end >= t->size ? total : m->sack[i].end / XFER_SEG;
		if (last > tx->nxt)
			last = tx->nxt;
		for (s = first < tx->una ? tx->una : first; s < last; s++)
			fresh += acked(tx, s);
		if (last > tx->high_sacked)
			tx->high_sacked = last;
	}
	if (tx->high_sacked < tx->una)
		tx->high_sacked = tx->una;
	if (fresh > 0)
		tx->last_fresh_ms = now;
	rtt = (uint32_t)now - m->ts;
	if (rtt < 60000)
		cubic_on_rtt(&tx->cc, rtt);
	if (tx->recovery_end != 0 && tx->una >= tx->recovery_end)
		tx->recovery_end = tx->after_rto = 0;
	/* RFC 6675: TX_DUPTHRESH segments SACKed above an unacknowledged one. */
	if (tx->lost_scan < tx->una)
		tx->lost_scan = tx->una;
	while (tx->lost_scan + TX_DUPTHRESH < tx->high_sacked) {
		struct tx_seg *g = seg(tx, tx->lost_scan);

		if ((g->flags & (SEG_SENT | SEG_SACKED | SEG_LOST)) == SEG_SENT) {
			g->flags |= SEG_LOST;
			tx->pipe--;
			if (!newly_lost && tx->lost_scan < tx->retx_from)
				tx->retx_from = tx->lost_scan;
			newly_lost = 1;
		}
		tx->lost_scan++;
	}
	/*
	 * RACK (RFC 8985) for the segment that holds the cumulative ACK back:
	 * its retransmission is lost too when a segment sent after it (by
	 * more than a reordering window) was SACKed already. Without this a
	 * lost retransmission waits for the timer.
	 */
	if (tx->una < tx->nxt && tx->high_sacked > tx->una) {
		struct tx_seg *g = seg(tx, tx->una);
		uint64_t reo = tx->cc.min_rtt_ms / 4 + 1;

		if ((g->flags & (SEG_SENT | SEG_SACKED | SEG_LOST | SEG_RETX)) == (SEG_SENT | SEG_RETX) &&
		    seg(tx, tx->high_sacked - 1)->sent_ms > g->sent_ms + reo) {
			g->flags |= SEG_LOST;
			tx->pipe--;
			tx->retx_from = tx->una;
			newly_lost = 1;
			tx->rack_lost++;
		}
	}
	if (newly_lost && tx->recovery_end == 0 && cubic_on_loss(&tx->cc, now)) {
		tx->recovery_end = tx->nxt;
	} else if (tx->recovery_end == 0 || tx->after_rto) {
		/* After a timeout the window grows again at once (slow start). */
		cubic_on_ack(&tx->cc, fresh, now);
	}
	xfer_progress(t, tx->una * XFER_SEG > t->size ? t->size : tx->una * XFER_SEG, 0);
	if (tx->una >= total && t->state == TX_SENDING)
		xfer_set_state(t, TX_WAIT_DONE);
	pump(t);
	arm(t);
}

/* The retransmission timeout: everything in flight is lost. */
static void
timeout(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	uint64_t s;

	for (s = tx->una; s < tx->nxt; s++) {
		struct tx_seg *g = seg(tx, s);

		if ((g->flags & (SEG_SENT | SEG_SACKED | SEG_LOST)) == SEG_SENT) {
			g->flags |= SEG_LOST;
			tx->pipe--;
		}
	}
	tx->lost_scan = tx->nxt;
	tx->retx_from = tx->una;
	cubic_on_timeout(&tx->cc, xfer_now_ms(t->x));
	tx->recovery_end = tx->nxt;
	tx->after_rto = 1;
	tx->last_fresh_ms = xfer_now_ms(t->x);	/* the backed-off timer runs from now */
	if (t->state == TX_WAIT_DONE && tx->nxt > 0) {
		/* Everything is acknowledged but DONE did not come: ask again. */
		(void)send_seg(t, tx->nxt - 1);
	}
	pump(t);
}

/*
 * Stop sending and offer again: the receiver holds what it holds (a part on
 * disk, if it restarted) and its ACCEPT says where to resume.
 */
static void
stall(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;

	xfer_set_state(t, TX_STALLED);
	timer_stop(tx->pace);
	tx->offer_ms = TX_STALL_OFFER_MS;
	send_offer(t);
	xfer_event(t, XEV_STALLED, NULL, NULL);
}

void
xfer_tx_timer(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;
	uint64_t now = xfer_now_ms(t->x);

	switch (t->state) {
	case TX_HASHING:
		hash_some(t);
		return;
	case TX_OFFERING:
		if (now >= t->created_ms + XFER_OFFER_TTL_MS) {
			xfer_fail(t, "not-accepted");
			return;
		}
		if (now >= tx->offer_next_ms)
			send_offer(t);
		break;
	case TX_SENDING:
	case TX_WAIT_DONE:
		if (now >= tx->last_ack_ms + XFER_STALL_MS) {
			/* The receiver went quiet (gone, restarted, path down): offer again. */
			stall(t);
			break;
		}
		timeout(t);
		break;
	case TX_STALLED:
		if (now >= t->state_ms + XFER_GIVE_UP_MS) {
			xfer_fail(t, "stalled");
			return;
		}
		if (now >= tx->offer_next_ms) {
			tx->offer_ms = TX_STALL_OFFER_MS;
			send_offer(t);
		}
		break;
	default:
		return;
	}
	arm(t);
}

void
xfer_tx_kick(struct xfer *t)
{
	struct xfer_tx *tx = t->tx;

	if (tx == NULL)
		return;
	if (t->state == TX_OFFERING || t->state == TX_STALLED) {
		tx->offer_ms = 1000;
		send_offer(t);
		arm(t);
	} else if (t->state == TX_SENDING) {
		pump(t);
	}
}

void
xfer_tx_input(struct xfer *t, const struct xfer_msg *m)
{
	switch (m->type) {
	case XFER_ACCEPT:
		if (t->state == TX_OFFERING || t->state == TX_STALLED) {
			if (!source_unchanged(t)) {
				source_changed(t);
				return;
			}
			start_sending(t, m->offset);
		}
		break;
	case XFER_REJECT:
		if (t->state == TX_OFFERING || t->state == TX_STALLED)
			xfer_fail(t, xfer_reason_name((enum xfer_reason)m->code));
		break;
	case XFER_CANCEL:
		if (m->code == XFER_REASON_UNKNOWN) {
			/*
			 * The receiver does not know the transfer: it restarted
			 * (or our DATA crossed its ACCEPT of an offer we repeated).
			 * Offer again rather than fail: a receiver with the part
			 * accepts from where it is, one without asks its user.
			 */
			if (t->state == TX_SENDING || t->state == TX_WAIT_DONE) {
				stall(t);
				arm(t);
			}
			break;
		}
		xfer_fail(t, xfer_reason_name((enum xfer_reason)m->code));
		break;
	case XFER_ACK:
		on_ack(t, m);
		break;
	case XFER_DONE:
		if (t->state == X_DONE || t->state == X_FAILED)
			break;
		if (m->code != 0) {
			xfer_fail(t, "hash-mismatch");
			break;
		}
		xfer_progress(t, t->size, 1);
		xfer_set_state(t, X_DONE);
		xfer_event(t, XEV_DONE, NULL, NULL);
		timer_stop(t->tx->pace);
		timer_at(t->timer, t->state_ms + X_LINGER_MS);
		break;
	case XFER_OFFER:
	case XFER_DATA:
		t->x->st.unknown++;	/* a receiver's messages only */
		break;
	}
}
