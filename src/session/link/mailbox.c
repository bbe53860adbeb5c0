/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailbox.c — the DHT mailbox on the session's timers (doc/PROTOCOL.md "DHT
 * mailbox"): batch frames per recipient, put them as sealed values under the
 * recipient's mailbox infohash, listen on our own, check and deliver.
 *
 * Send: mailbox_send() queues a frame for its recipient. A recipient's queue
 * is due batch_ms after its oldest frame was queued, or at once when a
 * value's worth (MAILBOX_PACK_TARGET) or MAILBOX_MAX_FRAMES frames wait.
 * When due, frames are packed in order into values of at most
 * MAILBOX_PACK_TARGET bytes (a frame too big for that goes alone), each
 * value gets the next seq and is put once (not permanent) under
 * room_publish_epochs(now): e, and e+1 in the last 600 s of e, sealed
 * separately for each but with the same seq, so the receiver, which listens
 * on both, drops the second copy as a duplicate.
 *
 * Limits: puts are a token bucket (MAILBOX_PUT_RATE a second, bursts of
 * MAILBOX_PUT_BURST) over all recipients, and at most MAILBOX_PUTS_INFLIGHT
 * wait for OpenDHT's answer; a due queue that hits either waits for the next
 * token or answer. Queues hold MAILBOX_QUEUE_FRAMES frames for at most
 * MAILBOX_RECIPIENTS_MAX recipients; beyond that mailbox_send() refuses, and
 * chat_reliable's retransmission tries again later.
 *
 * Seq: values carry a per-sender seq, dense (+1 a value) so that the
 * receiver's 64-value replay window covers reordering, and starting at the
 * unix time in ms when the mailbox was made, so that a restarted sender
 * starts above where it stopped (it puts far fewer than 1000 values a
 * second) without persisting anything.
 *
 * Receive: one listen per epoch in room_dht_listen_epochs(now) (e, and e+1
 * in the last ROOM_LISTEN_AHEAD s of e), moved when that set changes; none
 * while deaf (mailbox_set_listening). Each value goes through
 * mailbox_open() (size, magic, decrypt,
 * shape, sig, exp, to), the from check (is_member, never ourselves) and
 * mailbox_seen_check() (replay, duplicate, rate). Rejections keep no state
 * but a counter, so a flood costs CPU, not memory.
 *
 * One timer: mailbox_tick() re-reads the clocks, puts what is due and moves
 * the listens, then arms the timer for the earliest of: a queue's batch
 * deadline, the next put token when a due queue waits for one, the next
 * epoch or the start of its listen-ahead window.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht/mailbox/mailbox_codec.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/link/mailbox.h"

enum {
	TOKEN_ONE = 1000,		/* one put, in thousandths of a token */
	TOKEN_MAX = MAILBOX_PUT_BURST * TOKEN_ONE,
	/* What a value costs beyond the frames' own cost, at worst. */
	VALUE_FIXED = MAILBOX_OVERHEAD + MAILBOX_ENVELOPE_EXTRA + MAILBOX_BODY_FIXED,
	LISTENS = 2			/* epochs e and e+1 */
};

struct mbx_frame {
	STAILQ_ENTRY(mbx_frame) entry;
	uint64_t queued_ms;		/* mono */
	size_t len;
	uint8_t data[];
};

STAILQ_HEAD(mbx_frameq, mbx_frame);

struct mbx_recipient {
	uint8_t id[MAILBOX_ID_LEN];
	struct mbx_frameq q;
	unsigned n;			/* frames in q */
	size_t cost;			/* sum of mailbox_frame_cost() over q */
};

struct mbx_put {
	struct mailbox *mb;
	struct runner_op *op;		/* NULL: slot free */
};

struct mbx_listen {
	struct mailbox *mb;
	struct runner_op *op;		/* NULL: not listening */
	uint64_t epoch;
	uint8_t infohash[MAILBOX_INFOHASH_LEN];
};

struct mailbox {
	struct runner *runner;
	struct timer *timer;
	const struct clock *clock;
	unsigned batch_ms;
	bool (*is_member)(void *, const uint8_t *);
	void (*deliver)(void *, const uint8_t *, const uint8_t *, size_t);
	void (*on_reject)(void *, enum mailbox_reject, size_t);
	void *arg;

	uint8_t key[MAILBOX_KEY_LEN];	/* secret: wiped on free */
	uint8_t locator[32];		/* secret: wiped on free */
	uint8_t sign_sk[64];		/* secret: wiped on free */
	uint8_t own_id[MAILBOX_ID_LEN];

	uint64_t next_seq;
	uint64_t tokens;		/* put tokens, thousandths */
	uint64_t refilled_ms;

	struct mbx_recipient *rcpt[MAILBOX_RECIPIENTS_MAX];
	struct mbx_put puts[MAILBOX_PUTS_INFLIGHT];
	struct mbx_listen listens[LISTENS];
	bool deaf;			/* mailbox_set_listening(false): no listens */
	struct mailbox_seen *seen;
	struct mailbox_stats st;
};

/* --- clocks ------------------------------------------------------------------ */

static uint64_t
mono_now(const struct mailbox *mb)
{
	return clock_mono_ms(mb->clock);
}

static uint64_t
unix_now_s(const struct mailbox *mb)
{
	return clock_unix_ms(mb->clock) / 1000;
}

/* --- put rate -------------------------------------------------------------------- */

static void
tokens_refill(struct mailbox *mb, uint64_t now_ms)
{
	uint64_t add;

	if (now_ms <= mb->refilled_ms)
		return;
	add = (now_ms - mb->refilled_ms) * MAILBOX_PUT_RATE;	/* thousandths */
	mb->tokens = add >= TOKEN_MAX - mb->tokens ? TOKEN_MAX : mb->tokens + add;
	mb->refilled_ms = now_ms;
}

/* Milliseconds until n tokens are there (0: now). */
static uint64_t
tokens_wait_ms(const struct mailbox *mb, unsigned n)
{
	uint64_t want = (uint64_t)n * TOKEN_ONE;

	if (mb->tokens >= want)
		return 0;
	return (want - mb->tokens + MAILBOX_PUT_RATE - 1) / MAILBOX_PUT_RATE;
}

static unsigned
puts_free(const struct mailbox *mb)
{
	unsigned i, n = 0;

	for (i = 0; i < MAILBOX_PUTS_INFLIGHT; i++)
		n += mb->puts[i].op == NULL;
	return n;
}

/* --- queues ------------------------------------------------------------------------ */

static struct mbx_recipient *
rcpt_find(struct mailbox *mb, const uint8_t id[MAILBOX_ID_LEN], bool create)
{
	struct mbx_recipient *free_slot_rc;
	size_t i, free_slot = MAILBOX_RECIPIENTS_MAX;

	for (i = 0; i < MAILBOX_RECIPIENTS_MAX; i++) {
		if (mb->rcpt[i] == NULL) {
			if (free_slot == MAILBOX_RECIPIENTS_MAX)
				free_slot = i;
			continue;
		}
		if (memcmp(mb->rcpt[i]->id, id, MAILBOX_ID_LEN) == 0)
			return mb->rcpt[i];
	}
	if (!create || free_slot == MAILBOX_RECIPIENTS_MAX)
		return NULL;
	if ((free_slot_rc = calloc(1, sizeof(*free_slot_rc))) == NULL)
		return NULL;
	memcpy(free_slot_rc->id, id, MAILBOX_ID_LEN);
	STAILQ_INIT(&free_slot_rc->q);
	mb->rcpt[free_slot] = free_slot_rc;
	return free_slot_rc;
}

static void
frame_free(struct mbx_frame *f)
{
	sodium_memzero(f->data, f->len);	/* room-confidential */
	free(f);
}

/* Frees an empty recipient's slot, so that the table only holds live queues. */
static void
rcpt_release_if_empty(struct mailbox *mb, size_t i)
{
	if (mb->rcpt[i] != NULL && mb->rcpt[i]->n == 0) {
		free(mb->rcpt[i]);
		mb->rcpt[i] = NULL;
	}
}

/* A value's worth waits (or the frame count limit is reached). */
static bool
rcpt_full(const struct mbx_recipient *rc)
{
	return rc->n >= MAILBOX_MAX_FRAMES || VALUE_FIXED + rc->cost >= MAILBOX_PACK_TARGET;
}

static bool
rcpt_due(const struct mailbox *mb, const struct mbx_recipient *rc, uint64_t now_ms)
{
	if (rc->n == 0)
		return false;
	return rcpt_full(rc) || now_ms >= STAILQ_FIRST(&rc->q)->queued_ms + mb->batch_ms;
}

/* --- puts ---------------------------------------------------------------------------- */

static void
on_put_done(void *arg, bool ok)
{
	struct mbx_put *p = arg;
	struct mailbox *mb = p->mb;

	p->op = NULL;			/* the runner frees it after this call */
	if (ok)
		mb->st.puts_ok++;
	else
		mb->st.puts_failed++;
	mailbox_tick(mb);		/* a queue may have waited for this slot */
}

static int
put_value(struct mailbox *mb, const uint8_t ih[MAILBOX_INFOHASH_LEN], const uint8_t *v,
    size_t len)
{
	unsigned i;

	for (i = 0; i < MAILBOX_PUTS_INFLIGHT; i++) {
		struct mbx_put *p = &mb->puts[i];

		if (p->op != NULL)
			continue;
		p->mb = mb;
		if ((p->op = runner_put_once(mb->runner, ih, v, len, on_put_done, p)) == NULL)
			return -1;
		mb->st.values_out++;
		return 0;
	}
	return -1;
}

/*
 * Pack the first frames of rc into one letter: as many as fit in
 * MAILBOX_PACK_TARGET, at least one. Returns how many.
 */
static unsigned
pack(const struct mbx_recipient *rc, struct mailbox_letter *l)
{
	const struct mbx_frame *f;
	size_t cost = 0;
	unsigned n = 0;

	STAILQ_FOREACH(f, &rc->q, entry) {
		size_t c = mailbox_frame_cost(f->len);

		if (n == MAILBOX_MAX_FRAMES || (n > 0 && VALUE_FIXED + cost + c > MAILBOX_PACK_TARGET))
			break;
		l->frame[n] = f->data;
		l->frame_len[n] = f->len;
		cost += c;
		n++;
	}
	l->nframes = n;
	return n;
}

/*
 * Put rc's first value (under 1 or 2 epochs). Returns 0 when put, -EAGAIN
 * when the rate or the in-flight limit says wait (arm() knows for how long).
 */
static int
flush_one(struct mailbox *mb, struct mbx_recipient *rc, uint64_t now_ms)
{
	struct mailbox_letter l;
	uint8_t ih[MAILBOX_INFOHASH_LEN], v[MAILBOX_MAX_VALUE];
	uint64_t now = unix_now_s(mb), epochs[2];
	struct mbx_frame *f;
	unsigned i, n, k, put = 0;
	int len;

	k = (unsigned)room_publish_epochs(now, epochs);
	tokens_refill(mb, now_ms);
	if (tokens_wait_ms(mb, k) > 0 || puts_free(mb) < k)
		return -EAGAIN;

	memset(&l, 0, sizeof(l));
	memcpy(l.from, mb->own_id, MAILBOX_ID_LEN);
	memcpy(l.to, rc->id, MAILBOX_ID_LEN);
	l.seq = mb->next_seq++;
	l.exp = now + MAILBOX_TTL;
	n = pack(rc, &l);
	for (i = 0; i < k; i++) {
		mailbox_infohash(mb->locator, rc->id, epochs[i], ih);
		len = mailbox_seal(&l, mb->key, ih, mb->sign_sk, v, sizeof(v));
		if (len > 0 && put_value(mb, ih, v, (size_t)len) == 0)
			put++;
		mb->tokens -= TOKEN_ONE;
	}
	sodium_memzero(v, sizeof(v));
	/* Gone either way: a failed seal or put is a loss chat_reliable repairs. */
	for (i = 0; i < n; i++) {
		f = STAILQ_FIRST(&rc->q);
		STAILQ_REMOVE_HEAD(&rc->q, entry);
		rc->n--;
		rc->cost -= mailbox_frame_cost(f->len);
		frame_free(f);
	}
	if (put > 0)
		mb->st.frames_out += n;
	else
		mb->st.frames_dropped += n;
	return 0;
}

/* Put every due value (every waiting one if force) the limits allow. */
static void
flush_due(struct mailbox *mb, bool force, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < MAILBOX_RECIPIENTS_MAX; i++) {
		struct mbx_recipient *rc = mb->rcpt[i];

		while (rc != NULL && rc->n > 0 && (force || rcpt_due(mb, rc, now_ms)))
			if (flush_one(mb, rc, now_ms) != 0)
				return;		/* the limits hold for every queue */
		rcpt_release_if_empty(mb, i);
	}
}

/* --- listens ---------------------------------------------------------------------------- */

static void
on_value(void *arg, const uint8_t *data, size_t len, uint64_t value_id, bool expired)
{
	struct mbx_listen *ls = arg;

	(void)value_id;
	if (expired)
		return;
	mailbox_receive(ls->mb, ls->infohash, data, len);
}

/* Listen on exactly room_dht_listen_epochs(now); keeps a listen that stays. */
static int
relisten(struct mailbox *mb, uint64_t now)
{
	uint64_t want[LISTENS];
	struct mbx_listen *ls;
	int i, j, n, keep, moved = 0, rc = 0;

	n = mb->deaf ? 0 : room_dht_listen_epochs(now, want);
	for (i = 0; i < LISTENS; i++) {
		ls = &mb->listens[i];
		if (ls->op == NULL)
			continue;
		for (keep = 0, j = 0; j < n; j++)
			keep |= ls->epoch == want[j];
		if (!keep) {
			runner_cancel_listen(mb->runner, ls->op);
			ls->op = NULL;
			moved = 1;
		}
	}
	for (j = 0; j < n; j++) {
		int have = 0, slot = -1;

		for (i = 0; i < LISTENS; i++) {
			if (mb->listens[i].op != NULL && mb->listens[i].epoch == want[j])
				have = 1;
			else if (mb->listens[i].op == NULL && slot < 0)
				slot = i;
		}
		if (have || slot < 0)
			continue;
		ls = &mb->listens[slot];
		ls->mb = mb;
		ls->epoch = want[j];
		mailbox_infohash(mb->locator, mb->own_id, want[j], ls->infohash);
		if ((ls->op = runner_listen_max(mb->runner, ls->infohash, MAILBOX_MAX_VALUE, on_value,
		    ls)) == NULL)
			rc = -1;
	}
	if (moved && !mb->deaf)
		mb->st.relistens++;
	return rc;
}

void
mailbox_set_listening(struct mailbox *mb, bool on)
{
	if (mb->deaf == !on)
		return;
	mb->deaf = !on;
	(void)relisten(mb, unix_now_s(mb));
}

bool
mailbox_listening(const struct mailbox *mb)
{
	size_t i;

	for (i = 0; i < LISTENS; i++)
		if (mb->listens[i].op != NULL)
			return true;
	return false;
}

/* --- the timer ------------------------------------------------------------------------------ */

static void
on_timer(void *arg)
{
	mailbox_tick(arg);
}

/*
 * When the timer must next fire, in ms from now: the next epoch, or the
 * start of the listen-ahead window before it; the batch
 * deadline of a queue not yet due; for a due queue (one the limits held
 * back), the next put token. A queue held back by the in-flight limit
 * needs no timer: on_put_done() ticks.
 */
static uint64_t
next_delay_ms(struct mailbox *mb, uint64_t now_ms)
{
	uint64_t unix_ms = clock_unix_ms(mb->clock), epochs[2], d;
	uint64_t epoch_ms = (uint64_t)ROOM_EPOCH_SECONDS * 1000;
	uint64_t ahead_ms = (uint64_t)(ROOM_EPOCH_SECONDS - ROOM_LISTEN_AHEAD) * 1000;
	uint64_t delay = epoch_ms - unix_ms % epoch_ms;
	unsigned k = (unsigned)room_publish_epochs(unix_ms / 1000, epochs);
	size_t i;

	if (unix_ms % epoch_ms < ahead_ms)
		delay = ahead_ms - unix_ms % epoch_ms;
	tokens_refill(mb, now_ms);
	for (i = 0; i < MAILBOX_RECIPIENTS_MAX; i++) {
		const struct mbx_recipient *rc = mb->rcpt[i];

		if (rc == NULL || rc->n == 0)
			continue;
		if (!rcpt_due(mb, rc, now_ms))
			d = STAILQ_FIRST(&rc->q)->queued_ms + mb->batch_ms - now_ms;
		else if (puts_free(mb) < k)
			continue;
		else
			d = tokens_wait_ms(mb, k);
		if (d < delay)
			delay = d;
	}
	return delay;
}

static void
arm(struct mailbox *mb, uint64_t now_ms)
{
	timer_at(mb->timer, now_ms + next_delay_ms(mb, now_ms));
}

void
mailbox_tick(struct mailbox *mb)
{
	uint64_t now_ms = mono_now(mb);

	relisten(mb, unix_now_s(mb));
	flush_due(mb, false, now_ms);
	arm(mb, now_ms);
}

void
mailbox_flush(struct mailbox *mb)
{
	uint64_t now_ms = mono_now(mb);

	flush_due(mb, true, now_ms);
	arm(mb, now_ms);
}

/* --- public ------------------------------------------------------------------------------------- */

struct mailbox *
mailbox_new(const struct mailbox_config *cfg)
{
	struct mailbox *mb;

	if (cfg->timers == NULL || cfg->is_member == NULL || cfg->deliver == NULL || cfg->keys == NULL ||
	    cfg->sign_sk == NULL || sodium_init() < 0)
		return NULL;
	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return NULL;
	mb->runner = cfg->runner;
	mb->clock = timers_clock(cfg->timers);
	mb->batch_ms = cfg->batch_ms != 0 ? cfg->batch_ms : MAILBOX_BATCH_MS;
	mb->deaf = cfg->deaf;
	mb->is_member = cfg->is_member;
	mb->deliver = cfg->deliver;
	mb->on_reject = cfg->on_reject;
	mb->arg = cfg->arg;

	mailbox_key(cfg->keys->record, mb->key);
	memcpy(mb->locator, cfg->keys->locator, sizeof(mb->locator));
	memcpy(mb->sign_sk, cfg->sign_sk, sizeof(mb->sign_sk));
	if (crypto_sign_ed25519_sk_to_pk(mb->own_id, mb->sign_sk) != 0)
		goto err;
	mb->next_seq = clock_unix_ms(mb->clock);
	mb->tokens = TOKEN_MAX;
	mb->refilled_ms = mono_now(mb);

	if ((mb->seen = mailbox_seen_new()) == NULL)
		goto err;
	if ((mb->timer = timer_new(cfg->timers, on_timer, mb)) == NULL)
		goto err_seen;
	if (relisten(mb, unix_now_s(mb)) != 0)
		goto err_timer;
	arm(mb, mono_now(mb));
	return mb;

err_timer:
	timer_free(mb->timer);
	mb->timer = NULL;
err_seen:
	mailbox_seen_free(mb->seen);
	mb->seen = NULL;
err:
	mailbox_free(mb);
	return NULL;
}

void
mailbox_free(struct mailbox *mb)
{
	struct mbx_frame *f;
	size_t i;

	if (mb == NULL)
		return;
	for (i = 0; i < LISTENS; i++)
		if (mb->listens[i].op != NULL)
			runner_cancel_listen(mb->runner, mb->listens[i].op);
	for (i = 0; i < MAILBOX_PUTS_INFLIGHT; i++)
		if (mb->puts[i].op != NULL)
			runner_cancel_put(mb->runner, mb->puts[i].op);
	for (i = 0; i < MAILBOX_RECIPIENTS_MAX; i++) {
		if (mb->rcpt[i] == NULL)
			continue;
		while ((f = STAILQ_FIRST(&mb->rcpt[i]->q)) != NULL) {
			STAILQ_REMOVE_HEAD(&mb->rcpt[i]->q, entry);
			frame_free(f);
		}
		free(mb->rcpt[i]);
	}
	timer_free(mb->timer);
	mailbox_seen_free(mb->seen);
	sodium_memzero(mb, sizeof(*mb));	/* keys, and who we talked to */
	free(mb);
}

int
mailbox_send(struct mailbox *mb, const uint8_t to[MAILBOX_ID_LEN], const uint8_t *frame,
    size_t len)
{
	struct mbx_recipient *rc;
	struct mbx_frame *f;
	uint64_t now_ms;

	if (len == 0 || len > MAILBOX_FRAME_MAX ||
	    sodium_memcmp(to, mb->own_id, MAILBOX_ID_LEN) == 0) {
		mb->st.frames_dropped++;
		return -EINVAL;
	}
	if ((rc = rcpt_find(mb, to, true)) == NULL) {
		mb->st.frames_dropped++;
		return -ENOBUFS;
	}
	STAILQ_FOREACH(f, &rc->q, entry)
		if (f->len == len && memcmp(f->data, frame, len) == 0) {
			mb->st.frames_deduped++;
			return 0;	/* a retransmission of a frame still waiting */
		}
	if (rc->n >= MAILBOX_QUEUE_FRAMES) {
		mb->st.frames_dropped++;
		return -ENOBUFS;
	}
	if ((f = malloc(sizeof(*f) + len)) == NULL) {
		mb->st.frames_dropped++;
		return -ENOMEM;
	}
	now_ms = mono_now(mb);
	f->queued_ms = now_ms;
	f->len = len;
	memcpy(f->data, frame, len);
	STAILQ_INSERT_TAIL(&rc->q, f, entry);
	rc->n++;
	rc->cost += mailbox_frame_cost(len);
	if (rcpt_full(rc)) {
		flush_due(mb, false, now_ms);	/* may free rc */
		arm(mb, now_ms);
	} else if (rc->n == 1) {
		arm(mb, now_ms);	/* its batch deadline may be the earliest */
	}
	return 0;
}

enum mailbox_reject
mailbox_receive(struct mailbox *mb, const uint8_t infohash[MAILBOX_INFOHASH_LEN],
    const uint8_t *value, size_t len)
{
	struct mailbox_letter l;
	enum mailbox_reject r;
	unsigned i;

	memset(&l, 0, sizeof(l));
	/* NULL: over MAILBOX_MAX_VALUE, not copied by the runner. */
	r = value == NULL ? MBX_SIZE :
	    mailbox_open(value, len, mb->key, infohash, mb->own_id, unix_now_s(mb), &l);
	if (r == MBX_OK && (sodium_memcmp(l.from, mb->own_id, MAILBOX_ID_LEN) == 0 ||
	    !mb->is_member(mb->arg, l.from)))
		r = MBX_FROM;
	if (r == MBX_OK)
		r = mailbox_seen_check(mb->seen, &l, unix_now_s(mb), mono_now(mb));
	mb->st.rejects[r]++;
	if (r != MBX_OK) {
		if (mb->on_reject != NULL)
			mb->on_reject(mb->arg, r, len);
		mailbox_letter_wipe(&l);
		return r;
	}
	for (i = 0; i < l.nframes; i++) {
		mb->st.frames_in++;
		mb->deliver(mb->arg, l.from, l.frame[i], l.frame_len[i]);
	}
	mailbox_letter_wipe(&l);
	return MBX_OK;
}

void
mailbox_get_stats(const struct mailbox *mb, struct mailbox_stats *st)
{
	size_t i;

	*st = mb->st;
	st->senders = mailbox_seen_count(mb->seen);
	st->queued = 0;
	for (i = 0; i < MAILBOX_RECIPIENTS_MAX; i++)
		if (mb->rcpt[i] != NULL)
			st->queued += mb->rcpt[i]->n;
	st->inflight = MAILBOX_PUTS_INFLIGHT - puts_free(mb);
}

void
mailbox_own_infohash(const struct mailbox *mb, uint64_t epoch, uint8_t out[MAILBOX_INFOHASH_LEN])
{
	mailbox_infohash(mb->locator, mb->own_id, epoch, out);
}
