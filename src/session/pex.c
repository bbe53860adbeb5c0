/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pex.c — peer exchange in the session (pex.h).
 *
 * Sending is one timer: each run lists the values worth handing on
 * (rendezvous_values(), in the order they were kept) and, for every peer
 * whose path is up, sends those kept after what it was last sent
 * (p->pex.sent_gen), packed by epoch into messages, as far as the peer's
 * budget goes; a peer left with news re-arms the timer for its next token.
 * A path that comes up resets sent_gen: the peer gets everything
 * (PEX_SYNC_ALL) but what its HAVE says it holds; after that only news
 * (rendezvous_value.news): records that changed, and our own. A member's
 * plain republication every 300 s thus goes to its peers once, from it,
 * not flooded on by each of them (N^2 values per 300 s in a full room of
 * N, not N^3). Others' news goes on only once settle_news() has said so
 * (pex_forward_in(): by who brought it, after a random wait): about one
 * member hands each record on, not every member to every other.
 *
 * HAVE: when a path comes up each side sends the digests of every value
 * it holds (salted afresh each time), and the full sync waits for the
 * other's, at most PEX_HAVE_WAIT_MS. In a room of N coming up at once, or
 * a joiner meeting N members one after another, that is one message per
 * pair instead of N values: the joiner learns the room from the first
 * member, and its HAVE then tells every other it has it all.
 *
 * Receiving queues what passed the sender's budget and takes it from a timer
 * of its own: a value may add, replace or free peers (a member's record with
 * a new WireGuard key starts it over), which must never happen inside
 * WireGuard's receive path of the very peer that sent it. The queue holds
 * PEX_QUEUE_MAX values; beyond, values are dropped and counted ("queue").
 *
 * Budgets are token buckets (tunnel/net/bucket.h): PEX_BURST values, then
 * PEX_RATE_PER_S a second; a new peer's are zeroed, that is full.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht/record/pex_msg.h"
#include "src/session/core.h"
#include "src/session/inner.h"
#include "src/session/peer.h"
#include "src/session/pex.h"
#include "src/session/rendezvous.h"
#include "src/session/tell.h"
#include "tunnel/net/bucket.h"

enum {
	PEX_QUEUE_MAX = PEX_BURST
};

static const struct bucket_rate budget = { PEX_RATE_PER_S, PEX_BURST };

_Static_assert((int)RENDEZVOUS_MAX_VALUES <= (int)PEX_HAVE_MAX, "a HAVE lists every value we hold");
_Static_assert(PEX_HAVE_MAX * PEX_HAVE_DIGEST + PEX_HAVE_SALT + 8 <= PEX_MAX_MSG,
    "a full HAVE fits in a message");

/* A value received, waiting for in_timer. */
struct pex_pending {
	uint8_t from[RECORD_ID_LEN];	/* the sender's record id */
	uint64_t epoch;
	size_t len;
	uint8_t data[RECORD_MAX_VALUE];
};

struct pex_part {
	struct timer *timer;
	struct timer *in_timer;		/* takes the queue, outside any receive path */
	struct pex_pending *queue;	/* PEX_QUEUE_MAX */
	size_t nqueue;
	uint64_t queue_full;		/* values dropped: the queue was full */
	uint64_t msgs_out, values_out, msgs_in, values_in;
	uint64_t out_sync, out_own, out_fwd;	/* values_out: full syncs, our news, others' news */
	uint64_t news_forwarded, news_echoed;	/* others' news values settled (settle_news) */
	uint64_t bad[PEX_MSG__COUNT];	/* messages dropped by the decoder, by reason */
	uint64_t epoch;			/* values under an epoch we do not listen on */
	uint64_t rate;			/* values over a sender's budget */
	uint64_t send_failed;		/* messages WireGuard would not take */
	uint64_t haves_out, haves_in;	/* HAVE messages */
	uint64_t have_skipped;		/* values not sent: the peer's HAVE listed them */
	uint64_t have_late;		/* full syncs that waited out PEX_HAVE_WAIT_MS (peers before HAVE) */
};

static void
arm(struct pex_part *x, uint64_t now, uint64_t at)
{
	if (!timer_armed(x->timer) || timer_deadline_ns(x->timer) > at * 1000000u)
		timer_at(x->timer, at > now ? at : now);
}

static void
send_msg(struct pex_part *x, struct peer *p, uint64_t epoch, const uint8_t *const *val,
    const size_t *len, unsigned k)
{
	uint8_t buf[PEX_MAX_MSG];
	int n;

	if ((n = pex_msg_encode(epoch, val, len, k, buf, sizeof(buf))) < 0 ||
	    inner_send(p, PEX_PORT, buf, (size_t)n) != 0) {
		x->send_failed++;
		return;
	}
	x->msgs_out++;
	x->values_out += k;
}

static int
digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, PEX_HAVE_DIGEST);
}

/* p's HAVE list, once its full sync is done or its path starts over. */
static void
drop_have(struct peer *p)
{
	free(p->pex.have);
	p->pex.have = NULL;
	p->pex.nhave = 0;
}

/* Our HAVE to p: a digest of every value we hold, under a new salt. */
static void
send_have(struct pex_part *x, struct peer *p, const struct rendezvous_value *v, size_t n)
{
	uint8_t salt[PEX_HAVE_SALT], d[PEX_HAVE_MAX][PEX_HAVE_DIGEST], buf[PEX_MAX_MSG];
	size_t i;
	int len;

	randombytes_buf(salt, sizeof(salt));
	for (i = 0; i < n && i < PEX_HAVE_MAX; i++)
		pex_have_digest(salt, v[i].data, v[i].len, d[i]);
	if ((len = pex_have_encode(salt, &d[0][0], (unsigned)i, buf, sizeof(buf))) < 0 ||
	    inner_send(p, PEX_PORT, buf, (size_t)len) != 0) {
		x->send_failed++;
		return;
	}
	x->haves_out++;
}

/* p's HAVE lists v (p is in its full sync, and its HAVE came). */
static bool
peer_has(const struct peer *p, const struct rendezvous_value *v)
{
	uint8_t d[PEX_HAVE_DIGEST];

	if (p->pex.have == NULL || p->pex.nhave == 0)
		return false;
	pex_have_digest(p->pex.salt, v->data, v->len, d);
	return bsearch(d, p->pex.have, p->pex.nhave, PEX_HAVE_DIGEST, digest_cmp) != NULL;
}

/* What p has not had of v[0..n), within its budget. 1 if some is left for later. */
static int
flush_peer(struct pex_part *x, struct peer *p, const struct rendezvous_value *v, size_t n,
    uint64_t now)
{
	const uint8_t *val[PEX_MAX_VALUES];
	size_t len[PEX_MAX_VALUES], i;
	uint64_t epoch = 0;
	unsigned k = 0;
	int left = 0;

	for (i = 0; i < n; i++) {
		if (v[i].gen <= p->pex.sent_gen)
			continue;
		/*
		 * Its own record, or one it gave us: it has it. A republication
		 * with nothing new: its owner sends it (once it has everything).
		 */
		if (memcmp(v[i].id, p->rec.id, RECORD_ID_LEN) == 0 ||
		    (v[i].from != NULL && memcmp(v[i].from, p->rec.id, RECORD_ID_LEN) == 0) ||
		    (p->pex.sync == PEX_SYNC_NEWS && (!v[i].news || !v[i].forwarded))) {
			p->pex.sent_gen = v[i].gen;
			continue;
		}
		if (p->pex.sync == PEX_SYNC_ALL && peer_has(p, &v[i])) {
			x->have_skipped++;
			p->pex.sent_gen = v[i].gen;
			continue;
		}
		if (!bucket_take(&p->pex.tx, &budget, 1, now)) {
			left = 1;
			break;
		}
		if (k == PEX_MAX_VALUES || (k > 0 && v[i].epoch != epoch)) {
			send_msg(x, p, epoch, val, len, k);
			k = 0;
		}
		if (k > 0) {
			len[k] = v[i].len;
			if (pex_msg_size(len, k + 1) > PEX_MAX_MSG) {
				send_msg(x, p, epoch, val, len, k);
				k = 0;
			}
		}
		if (p->pex.sync == PEX_SYNC_ALL)
			x->out_sync++;
		else if (v[i].own)
			x->out_own++;
		else
			x->out_fwd++;
		epoch = v[i].epoch;
		val[k] = v[i].data;
		len[k] = v[i].len;
		k++;
		p->pex.sent_gen = v[i].gen;
	}
	if (k > 0)
		send_msg(x, p, epoch, val, len, k);
	if (!left) {
		p->pex.sync = PEX_SYNC_NEWS;
		drop_have(p);	/* news is news to it: its HAVE is of no more use */
	}
	return left;
}

/*
 * Whether others' news e goes on to our peers (each value once, for good).
 * Returns -1 for no, else in how many ms (0: now):
 * - the DHT and some member both brought it, or two other members did:
 *   no. Every member's listen has it, or two members handed it on.
 * - its owner handed it to us first-hand: yes, PEX_COALESCE_MS and a
 *   random share (its lot) of PEX_FORWARD_OWNER_MS later, unless the
 *   above happens meanwhile. One member alone cannot stop it, so a
 *   joiner's record reaches the room from the member it met even when
 *   the DHT keeps nothing.
 * - the DHT or one other member brought it: yes, PEX_COALESCE_MS and a
 *   share of PEX_FORWARD_WAIT_MS later, unless a second source brings it
 *   first (the first of us to hand it on usually does, for everyone).
 * When the owner pushed it to every member at once (a changed record),
 * the first two of them to forward it stop all the others.
 */
int64_t
pex_forward_in(const struct rendezvous_value *e)
{
	bool dht = e->dht_age_ms != UINT64_MAX, owner = e->owner_age_ms != UINT64_MAX;
	uint64_t age, wait;

	if ((dht && (owner || e->relays > 0)) || e->relays > 1)
		return -1;
	/*
	 * Counted from the first run after it came (PEX_COALESCE_MS), or every
	 * member whose share is shorter than that would forward in that one
	 * run, all at once.
	 */
	if (owner) {
		age = e->owner_age_ms;
		wait = PEX_COALESCE_MS + e->lot % PEX_FORWARD_OWNER_MS;
	} else {
		age = dht ? e->dht_age_ms : e->relay_age_ms;
		wait = PEX_COALESCE_MS + e->lot % PEX_FORWARD_WAIT_MS;
	}
	return age >= wait ? 0 : (int64_t)(wait - age);
}

/* Settle what pex_forward_in() says of each news value; when the next is due. */
static uint64_t
settle_news(struct session *s, struct pex_part *x, const struct rendezvous_value *v, size_t n,
    uint64_t now, int *changed)
{
	uint64_t next = UINT64_MAX;
	int64_t in;
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i].settled || !v[i].news)
			continue;
		in = s->cfg->pex_old ? 0 : pex_forward_in(&v[i]);
		if (in < 0) {
			rendezvous_forward(s->rv, v[i].gen, false);
			x->news_echoed++;
		} else if (in == 0) {
			rendezvous_forward(s->rv, v[i].gen, true);
			x->news_forwarded++;
			*changed = 1;
		} else if (now + (uint64_t)in < next) {
			next = now + (uint64_t)in;
		}
	}
	return next;
}

static void
on_timer(void *arg)
{
	struct session *s = arg;
	struct pex_part *x = s->pex;
	struct rendezvous_value v[RENDEZVOUS_MAX_VALUES];
	uint64_t now = session_now_ms(s), next;
	struct peer *p;
	int changed = 0;
	size_t n;

	if (s->rv == NULL)
		return;
	n = rendezvous_values(s->rv, v, RENDEZVOUS_MAX_VALUES);
	next = settle_news(s, x, v, n, now, &changed);
	if (changed)
		n = rendezvous_values(s->rv, v, RENDEZVOUS_MAX_VALUES);
	for (p = s->peers; p != NULL; p = p->next) {
		if (p->state != PEER_UP)
			continue;
		if (p->pex.have_out) {
			p->pex.have_out = false;
			send_have(x, p, v, n);
		}
		if (p->pex.sync == PEX_SYNC_ALL && p->pex.have_until != 0) {
			if (now < p->pex.have_until) {
				if (p->pex.have_until < next)
					next = p->pex.have_until;
				continue;
			}
			x->have_late++;
			p->pex.have_until = 0;	/* waited enough: it gets everything */
		}
		if (flush_peer(x, p, v, n, now)) {
			uint64_t at = bucket_next(&p->pex.tx, &budget, 1, now);

			if (at < next)
				next = at;
		}
	}
	if (next != UINT64_MAX)
		arm(x, now, next);
}

/* The values received since the last run, each as if the DHT had brought it. */
static void
on_in_timer(void *arg)
{
	struct session *s = arg;
	struct pex_part *x = s->pex;
	size_t i, n = x->nqueue;

	x->nqueue = 0;		/* taking one may receive more: they wait for the next run */
	for (i = 0; i < n && s->rv != NULL; i++) {
		struct pex_pending *q = &x->queue[i];

		if (rendezvous_offer(s->rv, q->epoch, q->data, q->len, q->from) != 0)
			x->epoch++;
		else
			x->values_in++;
	}
	sodium_memzero(x->queue, n * sizeof(x->queue[0]));
}

int
pex_start(struct session *s)
{
	struct pex_part *x;

	if (s->cfg->no_peer_exchange)
		return 0;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	if ((x->queue = calloc(PEX_QUEUE_MAX, sizeof(x->queue[0]))) == NULL ||
	    (x->timer = timer_new(s->timers, on_timer, s)) == NULL ||
	    (x->in_timer = timer_new(s->timers, on_in_timer, s)) == NULL) {
		timer_free(x->timer);
		free(x->queue);
		free(x);
		return -1;
	}
	s->pex = x;
	return 0;
}

void
pex_stop(struct session *s)
{
	if (s->pex == NULL)
		return;
	timer_free(s->pex->in_timer);
	timer_free(s->pex->timer);
	sodium_memzero(s->pex->queue, PEX_QUEUE_MAX * sizeof(s->pex->queue[0]));
	free(s->pex->queue);
	free(s->pex);
	s->pex = NULL;
}

/* p's HAVE: kept for its full sync, which then starts at once. */
static void
have_input(struct pex_part *x, struct peer *p, const struct pex_msg *m, uint64_t now)
{
	if (p->s->cfg->pex_old) {
		x->bad[PEX_MSG_TYPE]++;		/* as a peer from before HAVE */
		return;
	}
	x->msgs_in++;
	if (!bucket_take(&p->pex.rx, &budget, 1, now)) {
		x->rate++;
		return;
	}
	x->haves_in++;
	if (p->pex.sync != PEX_SYNC_ALL)
		return;		/* too late, or again: news goes by news */
	if (p->pex.have == NULL &&
	    (p->pex.have = malloc(PEX_HAVE_MAX * sizeof(p->pex.have[0]))) == NULL)
		return;		/* then it waits out PEX_HAVE_WAIT_MS and gets everything */
	memcpy(p->pex.salt, m->salt, PEX_HAVE_SALT);
	memcpy(p->pex.have, m->digests, (size_t)m->ndigests * PEX_HAVE_DIGEST);
	p->pex.nhave = m->ndigests;
	qsort(p->pex.have, p->pex.nhave, PEX_HAVE_DIGEST, digest_cmp);
	p->pex.have_until = 0;
	arm(x, now, now);
}

void
pex_input(struct peer *p, const uint8_t *buf, size_t len)
{
	struct session *s = p->s;
	struct pex_part *x = s->pex;
	uint64_t now = session_now_ms(s);
	enum pex_msg_error e;
	struct pex_msg m;
	unsigned i;

	if (x == NULL || s->rv == NULL) {
		s->drops[SDROP_INNER_PORT]++;	/* off: port 7778 is nobody's */
		return;
	}
	if ((e = pex_msg_decode(buf, len, &m)) != PEX_MSG_OK) {
		x->bad[e]++;
		return;
	}
	if (m.type == PEX_TYPE_HAVE) {
		have_input(x, p, &m, now);
		return;
	}
	x->msgs_in++;
	for (i = 0; i < m.n; i++) {
		struct pex_pending *q;

		if (!bucket_take(&p->pex.rx, &budget, 1, now)) {
			x->rate += m.n - i;
			break;
		}
		if (x->nqueue == PEX_QUEUE_MAX) {
			x->queue_full += m.n - i;
			break;
		}
		q = &x->queue[x->nqueue++];
		memcpy(q->from, p->rec.id, RECORD_ID_LEN);
		q->epoch = m.epoch;
		q->len = m.len[i];
		memcpy(q->data, m.value[i], m.len[i]);
	}
	session_poke(x->in_timer);
}

void
pex_peer_up(struct peer *p)
{
	struct pex_part *x = p->s->pex;
	uint64_t now = session_now_ms(p->s);

	if (x == NULL)
		return;
	p->pex.sent_gen = 0;
	p->pex.sync = PEX_SYNC_ALL;
	drop_have(p);
	p->pex.have_out = !p->s->cfg->pex_old;
	p->pex.have_until = p->s->cfg->pex_old ? 0 : now + PEX_HAVE_WAIT_MS;
	arm(x, now, now);
}

void
pex_peer_gone(struct peer *p)
{
	drop_have(p);
}

void
pex_changed(struct session *s)
{
	struct pex_part *x = s->pex;
	uint64_t now = session_now_ms(s);

	if (x != NULL)
		arm(x, now, now + PEX_COALESCE_MS);
}

void
pex_report(struct session *s)
{
	struct pex_part *x = s->pex;
	struct tell_line l = { .pos = 0 };
	int i;

	if (x == NULL || !session_counting(s))
		return;
	tell_add(&l, "messages out %llu (%llu records: %llu full sync, %llu ours, %llu forwarded), "
	    "in %llu (%llu records)", (unsigned long long)x->msgs_out,
	    (unsigned long long)x->values_out, (unsigned long long)x->out_sync,
	    (unsigned long long)x->out_own, (unsigned long long)x->out_fwd,
	    (unsigned long long)x->msgs_in, (unsigned long long)x->values_in);
	for (i = 1; i < PEX_MSG__COUNT; i++)
		tell_count(&l, "", pex_msg_error_name((enum pex_msg_error)i), x->bad[i]);
	if ((x->haves_out | x->haves_in) != 0)
		tell_add(&l, ", HAVE out %llu, in %llu (%llu records not sent, %llu waited out)",
		    (unsigned long long)x->haves_out, (unsigned long long)x->haves_in,
		    (unsigned long long)x->have_skipped, (unsigned long long)x->have_late);
	if ((x->news_forwarded | x->news_echoed) != 0)
		tell_add(&l, ", others' news forwarded %llu, not (brought twice) %llu",
		    (unsigned long long)x->news_forwarded, (unsigned long long)x->news_echoed);
	if ((x->epoch | x->rate | x->queue_full | x->send_failed) != 0)
		tell_add(&l, ", epoch %llu, rate %llu, queue %llu, "
		    "send-failed %llu", (unsigned long long)x->epoch, (unsigned long long)x->rate,
		    (unsigned long long)x->queue_full, (unsigned long long)x->send_failed);
	session_info(s, "pex", "peer exchange: %s", l.text);
}

uint64_t
pex_values_in(const struct session *s)
{
	return s->pex != NULL ? s->pex->values_in : 0;
}
