/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rendezvous.c — publish our record, listen for the room's (rendezvous.h).
 *
 * Schedule: one timer. Each tick reads the clock and
 *   1. republishes (fresh seq, every copy re-sealed) when the publish set
 *      room_publish_epochs(now) changed, the candidates changed, or
 *      RENDEZVOUS_REPUBLISH s passed since the last publication;
 *   2. moves the listens to room_dht_listen_epochs(now), keeping the ones that
 *      are still wanted (a listen is never dropped and re-made needlessly:
 *      OpenDHT would send every value again); each new listen gets a get
 *      beside it, because OpenDHT answers a get from the first nodes that
 *      hold values while a listen waits for its search to be synced (on a
 *      DHT full of dead nodes, seconds);
 *   3. re-arms at the earliest of: the next republish, the start of the
 *      listen-ahead window (boundary - ROOM_LISTEN_AHEAD), the start of the
 *      publish-ahead window (boundary - ROOM_PUBLISH_AHEAD), the boundary.
 * A value is handled when it arrives (listen callback), never on "done".
 *
 * Kept values (for peer exchange): a table of at most RENDEZVOUS_MAX_VALUES
 * (id, epoch) slots holding the newest accepted value as it came. A full
 * table first reuses a slot whose value expired, else the one that expires
 * first; only members (a valid signature under the room key) can fill it.
 *
 * A value whose exact bytes we keep (not expired) is a duplicate, or our
 * own, before any crypto: the listen and the get beside it, the two epochs
 * and every member's peer exchange bring the same values again and again
 * (in a room of N starting at once, N^2 per member), and each would cost an
 * XChaCha20-Poly1305 open and an Ed25519 verification. A short keyed hash
 * (SipHash, random key) finds the candidate; memcmp decides.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "dht/record/record.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/rendezvous.h"

enum {
	MAX_EPOCHS = 2
};

struct rv_put {
	struct rendezvous *rv;
	struct runner_op *op;
	uint64_t epoch;
	uint64_t seq;
};

struct rv_listen {
	struct rendezvous *rv;
	struct runner_op *op;		/* NULL: slot unused */
	struct runner_op *get;		/* the get beside it, until done; NULL: none */
	uint64_t epoch;
	uint8_t infohash[ROOM_INFOHASH_LEN];
};

struct rv_value {
	uint8_t id[RECORD_ID_LEN];
	uint8_t from[RECORD_ID_LEN];
	bool used, from_member, own;
	uint64_t epoch, seq, exp, gen;
	uint64_t hash;			/* value_hash() of data */
	uint64_t content;		/* content_hash(): what the record says, but seq and exp */
	uint64_t news_until;		/* unix s; 0: not news (rendezvous_value.news) */
	/* mono_ms() when the DHT / its owner / another member first brought it; 0: not yet */
	uint64_t dht_ms, owner_ms, relay_ms;
	uint8_t relay_from[RECORD_ID_LEN];	/* that other member */
	bool relays_two;		/* and a second one since */
	bool settled, forwarded;	/* rendezvous_forward() */
	uint16_t lot;
	size_t len;
	uint8_t data[RECORD_MAX_VALUE];
};

struct rendezvous {
	struct rendezvous_config cfg;
	struct timer *timer;
	struct record_seen *seen;

	struct cand cand[RECORD_MAX_CANDIDATES];
	unsigned ncand;
	struct record_nat nat;		/* "nat"; cls 0: not published */

	uint64_t seq;			/* last published */
	uint64_t published_s;		/* when (injected clock, s); 0: never */
	bool dirty;			/* candidates changed since */
	struct rv_put puts[MAX_EPOCHS];
	int nputs;

	unsigned put_failures;		/* in a row; 0 after one worked */
	uint64_t retry_s;		/* publish again then (a put failed); 0: none */

	struct rv_listen listens[MAX_EPOCHS];
	uint64_t next_tick_s;

	uint64_t counters[REC__COUNT];
	uint64_t from_dht[REC__COUNT];	/* the share of counters the DHT brought */
	uint64_t answers[2];		/* to our puts: [0] failed, [1] taken */

	struct rv_value *values;	/* RENDEZVOUS_MAX_VALUES slots */
	uint64_t gen;
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
};

static uint64_t
now_ms(const struct rendezvous *rv)
{
	return clock_unix_ms(timers_clock(rv->cfg.timers));
}

/* For intervals: never steps back with the wall clock. */
static uint64_t
mono_ms(const struct rendezvous *rv)
{
	return clock_mono_ms(timers_clock(rv->cfg.timers));
}

/* --- seq persistence ---------------------------------------------------------- */

/* One file per signing key: two identities sharing a cache dir keep apart. */
static int
seq_path(const struct rendezvous *rv, char *buf, size_t len)
{
	char hex[2 * 8 + 1];

	if (rv->cfg.state_dir == NULL)
		return -1;
	sodium_bin2hex(hex, sizeof(hex), rv->cfg.self.id, 8);
	return snprintf(buf, len, "%s/seq-%s", rv->cfg.state_dir, hex) < (int)len ? 0 : -1;
}

static uint64_t
seq_load(const struct rendezvous *rv)
{
	char path[1024];
	unsigned long long v = 0;
	FILE *f;

	if (seq_path(rv, path, sizeof(path)) == -1 || (f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Written before the record leaves, so a crash cannot reuse a seq. */
static void
seq_save(const struct rendezvous *rv, uint64_t seq)
{
	char path[1024], tmp[1100];
	FILE *f;

	if (seq_path(rv, path, sizeof(path)) == -1)
		return;
	(void)mkdir(rv->cfg.state_dir, 0700);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%llu\n", (unsigned long long)seq);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		unlink(tmp);
}

/* --- publishing ----------------------------------------------------------------- */

static void schedule(struct rendezvous *rv, uint64_t now);
static void keep(struct rendezvous *rv, const struct record *rec, uint64_t epoch,
    const uint8_t *data, size_t len, const uint8_t *from);

/*
 * A put no node took (a young or churning DHT: OpenDHT would only try again
 * at its own refresh, minutes later): publish again soon, backing off from
 * RENDEZVOUS_RETRY_MIN to RENDEZVOUS_RETRY_MAX seconds.
 */
static void
put_done(void *arg, bool ok)
{
	struct rv_put *p = arg;
	struct rendezvous *rv = p->rv;
	uint64_t now = now_ms(rv) / 1000, wait;

	rv->answers[ok]++;
	if (ok) {
		rv->put_failures = 0;
		rv->retry_s = 0;
	} else if (rv->retry_s == 0) {
		wait = (uint64_t)RENDEZVOUS_RETRY_MIN << (rv->put_failures < 5 ? rv->put_failures : 5);
		rv->put_failures++;
		rv->retry_s = now + (wait < RENDEZVOUS_RETRY_MAX ? wait : RENDEZVOUS_RETRY_MAX);
		schedule(rv, now);
	}
	if (rv->cfg.on_published != NULL)
		rv->cfg.on_published(rv->cfg.arg, p->epoch, p->seq, ok);
}

static void
cancel_puts(struct rendezvous *rv)
{
	int i;

	for (i = 0; i < rv->nputs; i++) {
		runner_cancel_put(rv->cfg.runner, rv->puts[i].op);
		rv->puts[i].op = NULL;
	}
	rv->nputs = 0;
}

static void
publish(struct rendezvous *rv, uint64_t ms)
{
	uint64_t now = ms / 1000, epochs[MAX_EPOCHS];
	uint8_t ih[ROOM_INFOHASH_LEN], value[RECORD_MAX_VALUE];
	struct record rec;
	int i, n, len;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, rv->cfg.self.id, RECORD_ID_LEN);
	memcpy(rec.wg, rv->cfg.self.wg, RECORD_WG_LEN);
	snprintf(rec.nick, sizeof(rec.nick), "%s", rv->cfg.self.nick != NULL ? rv->cfg.self.nick : "");
	/* seq = max(unix ms, last + 1): strictly increasing even if the clock steps back. */
	rec.seq = ms > rv->seq ? ms : rv->seq + 1;
	rec.exp = now + RECORD_TTL;
	rec.ncand = rv->ncand;
	memcpy(rec.cand, rv->cand, sizeof(rec.cand));
	rec.nat = rv->nat;
	rv->seq = rec.seq;
	seq_save(rv, rv->seq);

	/* Old copies linger on the nodes until they expire; readers keep the highest seq. */
	cancel_puts(rv);
	n = room_publish_epochs(now, epochs);
	for (i = 0; i < n; i++) {
		struct rv_put *p = &rv->puts[rv->nputs];

		room_infohash(rv->cfg.keys, epochs[i], ih);
		if ((len = record_seal(&rec, rv->cfg.keys->record, ih, rv->cfg.self.sign_sk, value,
		    sizeof(value))) < 0)
			continue;	/* cannot happen with RECORD_MAX_* inputs */
		p->rv = rv;
		p->epoch = epochs[i];
		p->seq = rec.seq;
		p->op = runner_put(rv->cfg.runner, ih, value, (size_t)len, put_done, p);
		if (p->op != NULL)
			rv->nputs++;
		keep(rv, &rec, epochs[i], value, (size_t)len, NULL);
	}
	rv->published_s = now;
	rv->dirty = false;
}

/* The epochs our current puts cover equal room_publish_epochs(now)? */
static bool
publish_set_same(const struct rendezvous *rv, const uint64_t *epochs, int n)
{
	int i;

	if (n != rv->nputs)
		return false;
	for (i = 0; i < n; i++)
		if (rv->puts[i].epoch != epochs[i])
			return false;
	return true;
}

/* --- kept values ------------------------------------------------------------------ */

static uint64_t
value_hash(const struct rendezvous *rv, const uint8_t *data, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, data, len, rv->hash_key);
	memcpy(&v, h, sizeof(v));
	return v;
}

/* What a peer needs to reach the member: all of the record but seq and exp. */
static uint64_t
content_hash(const struct rendezvous *rv, const struct record *rec)
{
	uint8_t buf[RECORD_WG_LEN + RECORD_MAX_NICK + 2 + RECORD_MAX_CANDIDATES * 20 + 3];
	uint8_t h[crypto_shorthash_BYTES];
	size_t n = 0, len = strlen(rec->nick);
	unsigned i;
	uint64_t v;

	memcpy(buf + n, rec->wg, RECORD_WG_LEN);
	n += RECORD_WG_LEN;
	buf[n++] = (uint8_t)len;
	memcpy(buf + n, rec->nick, len);
	n += len;
	buf[n++] = (uint8_t)rec->ncand;
	for (i = 0; i < rec->ncand && i < RECORD_MAX_CANDIDATES; i++) {
		buf[n++] = rec->cand[i].kind;
		buf[n++] = rec->cand[i].family;
		memcpy(buf + n, rec->cand[i].addr, 16);
		n += 16;
		buf[n++] = (uint8_t)(rec->cand[i].port >> 8);
		buf[n++] = (uint8_t)rec->cand[i].port;
	}
	buf[n++] = rec->nat.cls;
	buf[n++] = (uint8_t)(rec->nat.delta >> 8);
	buf[n++] = (uint8_t)rec->nat.delta;
	crypto_shorthash(h, buf, n, rv->hash_key);
	sodium_memzero(buf, sizeof(buf));
	memcpy(&v, h, sizeof(v));
	return v;
}

/* The kept, unexpired value with exactly these bytes under epoch, or NULL. */
static struct rv_value *
kept_same(struct rendezvous *rv, uint64_t epoch, const uint8_t *data, size_t len,
    uint64_t now)
{
	uint64_t h;
	size_t i;

	if (rv->values == NULL)
		return NULL;
	h = value_hash(rv, data, len);
	for (i = 0; i < RENDEZVOUS_MAX_VALUES; i++) {
		struct rv_value *v = &rv->values[i];

		if (v->used && v->hash == h && v->epoch == epoch && v->len == len &&
		    v->exp > now && memcmp(v->data, data, len) == 0)
			return v;
	}
	return NULL;
}

/* Who brought v (from NULL: the DHT): the first time each kind did. */
static void
note_copy(struct rv_value *v, const uint8_t *from, uint64_t ms)
{
	if (ms == 0)
		ms = 1;		/* 0 reads as never */
	if (from == NULL) {
		if (v->dht_ms == 0)
			v->dht_ms = ms;
	} else if (memcmp(from, v->id, RECORD_ID_LEN) == 0) {
		if (v->owner_ms == 0)
			v->owner_ms = ms;
	} else if (v->relay_ms == 0) {
		v->relay_ms = ms;
		memcpy(v->relay_from, from, RECORD_ID_LEN);
	} else if (memcmp(from, v->relay_from, RECORD_ID_LEN) != 0) {
		v->relays_two = true;
	}
}

/* Keep data as rec's value under epoch, unless a newer one is kept already. */
static void
keep(struct rendezvous *rv, const struct record *rec, uint64_t epoch, const uint8_t *data,
    size_t len, const uint8_t *from)
{
	uint64_t now = now_ms(rv) / 1000, content, news_until;
	const struct rv_value *prev = NULL;
	struct rv_value *v = NULL, *soonest = NULL;
	size_t i;

	if (rv->values == NULL || len > RECORD_MAX_VALUE)
		return;
	/* News: ours, new, changed, or replacing news. */
	content = content_hash(rv, rec);
	for (i = 0; i < RENDEZVOUS_MAX_VALUES; i++) {
		const struct rv_value *e = &rv->values[i];

		if (e->used && memcmp(e->id, rec->id, RECORD_ID_LEN) == 0 &&
		    (prev == NULL || e->gen > prev->gen))
			prev = e;
	}
	if (from == NULL && memcmp(rec->id, rv->cfg.self.id, RECORD_ID_LEN) == 0)
		news_until = now + RENDEZVOUS_NEWS_S;
	else if (prev == NULL || prev->content != content)
		news_until = now + RENDEZVOUS_NEWS_S;
	else if (prev->news_until > now)
		news_until = prev->news_until;
	else
		news_until = 0;
	for (i = 0; i < RENDEZVOUS_MAX_VALUES; i++) {
		struct rv_value *e = &rv->values[i];

		if (e->used && e->epoch == epoch && memcmp(e->id, rec->id, RECORD_ID_LEN) == 0) {
			if (e->seq >= rec->seq)
				return;
			v = e;
			break;
		}
		if (!e->used || e->exp <= now) {
			if (v == NULL)
				v = e;
		} else if (soonest == NULL || e->exp < soonest->exp) {
			soonest = e;
		}
	}
	if (v == NULL)
		v = soonest;
	if (v == NULL)
		return;
	memset(v, 0, sizeof(*v));
	v->used = true;
	memcpy(v->id, rec->id, RECORD_ID_LEN);
	if (from != NULL) {
		memcpy(v->from, from, RECORD_ID_LEN);
		v->from_member = true;
	}
	v->epoch = epoch;
	v->seq = rec->seq;
	v->exp = rec->exp;
	v->gen = ++rv->gen;
	v->len = len;
	memcpy(v->data, data, len);
	v->hash = value_hash(rv, data, len);
	v->content = content;
	v->news_until = news_until;
	v->own = memcmp(rec->id, rv->cfg.self.id, RECORD_ID_LEN) == 0;
	v->settled = v->forwarded = v->own;
	if (!v->own)
		note_copy(v, from, mono_ms(rv));
	v->lot = (uint16_t)randombytes_uniform(65536);
	if (rv->cfg.on_kept != NULL)
		rv->cfg.on_kept(rv->cfg.arg);
}

static bool
listening_on(const struct rendezvous *rv, uint64_t epoch)
{
	int i;

	for (i = 0; i < MAX_EPOCHS; i++)
		if (rv->listens[i].op != NULL && rv->listens[i].epoch == epoch)
			return true;
	return false;
}

/* v is the one to hand on for its id: no other kept value of it is better. */
static bool
best_for_id(const struct rendezvous *rv, const struct rv_value *v, uint64_t now)
{
	size_t i;

	for (i = 0; i < RENDEZVOUS_MAX_VALUES; i++) {
		const struct rv_value *o = &rv->values[i];

		if (o == v || !o->used || o->exp <= now || !listening_on(rv, o->epoch) ||
		    memcmp(o->id, v->id, RECORD_ID_LEN) != 0)
			continue;
		if (o->seq > v->seq || (o->seq == v->seq && o->epoch < v->epoch))
			return false;
	}
	return true;
}

static int
by_gen(const void *a, const void *b)
{
	const struct rendezvous_value *x = a, *y = b;

	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static uint64_t
age(uint64_t since, uint64_t ms)
{
	return since == 0 ? UINT64_MAX : ms > since ? ms - since : 0;
}

size_t
rendezvous_values(const struct rendezvous *rv, struct rendezvous_value *out, size_t max)
{
	uint64_t now = now_ms(rv) / 1000, ms = mono_ms(rv);
	size_t i, n = 0;

	if (rv->values == NULL)
		return 0;
	for (i = 0; i < RENDEZVOUS_MAX_VALUES && n < max; i++) {
		const struct rv_value *v = &rv->values[i];

		if (!v->used || v->exp <= now || !listening_on(rv, v->epoch) ||
		    !best_for_id(rv, v, now))
			continue;
		out[n].id = v->id;
		out[n].from = v->from_member ? v->from : NULL;
		out[n].epoch = v->epoch;
		out[n].seq = v->seq;
		out[n].gen = v->gen;
		out[n].data = v->data;
		out[n].len = v->len;
		out[n].news = v->news_until > now;
		out[n].own = v->own;
		out[n].settled = v->settled;
		out[n].forwarded = v->forwarded;
		out[n].dht_age_ms = age(v->dht_ms, ms);
		out[n].owner_age_ms = age(v->owner_ms, ms);
		out[n].relay_age_ms = age(v->relay_ms, ms);
		out[n].relays = v->relay_ms == 0 ? 0 : v->relays_two ? 2 : 1;
		out[n].lot = v->lot;
		n++;
	}
	qsort(out, n, sizeof(out[0]), by_gen);
	return n;
}

void
rendezvous_forward(struct rendezvous *rv, uint64_t gen, bool forward)
{
	size_t i;

	if (rv->values == NULL)
		return;
	for (i = 0; i < RENDEZVOUS_MAX_VALUES; i++) {
		struct rv_value *v = &rv->values[i];

		if (v->used && v->gen == gen && !v->settled) {
			v->settled = true;
			if (forward) {
				v->forwarded = true;
				v->gen = ++rv->gen;
			}
			return;
		}
	}
}

uint64_t
rendezvous_gen(const struct rendezvous *rv)
{
	return rv->gen;
}

/* --- listening ------------------------------------------------------------------ */

/* One value under l's epoch, from the DHT (from NULL) or from a member: the one path. */
static void
take(struct rendezvous *rv, const struct rv_listen *l, const uint8_t *data, size_t len,
    const uint8_t *from)
{
	uint64_t now = now_ms(rv) / 1000;
	struct rv_value *same;
	enum record_reject why;
	struct record rec;

	/* What the full checks would say of a value we already took, without them. */
	if (data != NULL && (same = kept_same(rv, l->epoch, data, len, now)) != NULL) {
		why = same->own ? REC_OWNID : REC_DUPLICATE;
		if (!same->own)
			note_copy(same, from, mono_ms(rv));
		rv->counters[why]++;
		rv->from_dht[why] += from == NULL;
		if (rv->cfg.on_reject != NULL)
			rv->cfg.on_reject(rv->cfg.arg, why, len, l->epoch);
		return;
	}
	/* data NULL: larger than a record can be, never copied (runner_listen_max) */
	why = data == NULL ? REC_SIZE :
	    record_open(data, len, rv->cfg.keys->record, l->infohash, now, &rec);
	if (why == REC_OK)
		why = record_accept(rv->seen, &rec, now);
	rv->counters[why]++;
	rv->from_dht[why] += from == NULL;
	if (why == REC_OK) {
		keep(rv, &rec, l->epoch, data, len, from);
		if (rv->cfg.on_peer != NULL)
			rv->cfg.on_peer(rv->cfg.arg, &rec, l->epoch);
	} else if (rv->cfg.on_reject != NULL) {
		rv->cfg.on_reject(rv->cfg.arg, why, len, l->epoch);
	}
}

static void
on_value(void *arg, const uint8_t *data, size_t len, uint64_t value_id, bool expired)
{
	struct rv_listen *l = arg;

	(void)value_id;
	if (expired)
		return;		/* a value went away; the peer's own expiry handles it */
	take(l->rv, l, data, len, NULL);
}

int
rendezvous_offer(struct rendezvous *rv, uint64_t epoch, const uint8_t *data, size_t len,
    const uint8_t from[RECORD_ID_LEN])
{
	int i;

	for (i = 0; i < MAX_EPOCHS; i++) {
		if (rv->listens[i].op != NULL && rv->listens[i].epoch == epoch) {
			take(rv, &rv->listens[i], data, len, from);
			return 0;
		}
	}
	return -1;
}

static void
on_get_done(void *arg, bool ok)
{
	struct rv_listen *l = arg;

	(void)ok;
	l->get = NULL;		/* the runner frees it */
}

static void
stop_listen(struct rendezvous *rv, struct rv_listen *l)
{
	runner_cancel_get(rv->cfg.runner, l->get);
	l->get = NULL;
	runner_cancel_listen(rv->cfg.runner, l->op);
	l->op = NULL;
}

static void
relisten(struct rendezvous *rv, uint64_t now)
{
	uint64_t want[MAX_EPOCHS];
	bool have[MAX_EPOCHS] = { false, false };
	int i, j, n;

	n = room_dht_listen_epochs(now, want);
	/* Drop the listens no longer wanted. */
	for (i = 0; i < MAX_EPOCHS; i++) {
		struct rv_listen *l = &rv->listens[i];

		if (l->op == NULL)
			continue;
		for (j = 0; j < n; j++)
			if (l->epoch == want[j])
				have[j] = true;
		if (!(l->epoch == want[0] || (n == 2 && l->epoch == want[1])))
			stop_listen(rv, l);
	}
	/* Start the missing ones in the freed slots. */
	for (j = 0; j < n; j++) {
		if (have[j])
			continue;
		for (i = 0; i < MAX_EPOCHS && rv->listens[i].op != NULL; i++)
			;
		if (i == MAX_EPOCHS)
			break;
		rv->listens[i].rv = rv;
		rv->listens[i].epoch = want[j];
		room_infohash(rv->cfg.keys, want[j], rv->listens[i].infohash);
		/* A value over RECORD_MAX_VALUE comes as its length only (data NULL). */
		rv->listens[i].op = runner_listen_max(rv->cfg.runner, rv->listens[i].infohash,
		    RECORD_MAX_VALUE, on_value, &rv->listens[i]);
		if (rv->listens[i].op != NULL)
			rv->listens[i].get = runner_get_start_max(rv->cfg.runner,
			    rv->listens[i].infohash, RECORD_MAX_VALUE, on_value, on_get_done,
			    &rv->listens[i]);
	}
}

/* --- schedule ---------------------------------------------------------------------- */

static void
schedule(struct rendezvous *rv, uint64_t now)
{
	uint64_t boundary = (room_epoch(now) + 1) * ROOM_EPOCH_SECONDS;
	uint64_t ahead = boundary - ROOM_PUBLISH_AHEAD;
	uint64_t listen_ahead = boundary - ROOM_LISTEN_AHEAD;
	uint64_t next = rv->published_s + RENDEZVOUS_REPUBLISH;

	if (rv->retry_s != 0 && rv->retry_s < next)
		next = rv->retry_s;
	if (now < ahead && ahead < next)
		next = ahead;
	if (now < listen_ahead && listen_ahead < next)
		next = listen_ahead;
	if (boundary < next)
		next = boundary;
	if (next < now)
		next = now;
	rv->next_tick_s = next;
	timer_in(rv->timer, (next - now) * 1000);
}

void
rendezvous_tick(struct rendezvous *rv)
{
	uint64_t ms = now_ms(rv), now = ms / 1000, epochs[MAX_EPOCHS];
	int n;

	n = room_publish_epochs(now, epochs);
	if (rv->dirty || rv->published_s == 0 || !publish_set_same(rv, epochs, n) ||
	    now >= rv->published_s + RENDEZVOUS_REPUBLISH || now < rv->published_s ||
	    (rv->retry_s != 0 && now >= rv->retry_s)) {
		rv->retry_s = 0;
		publish(rv, ms);
	}
	relisten(rv, now);
	schedule(rv, now);
}

static void
on_timer(void *arg)
{
	rendezvous_tick(arg);
}

/* --- interface ----------------------------------------------------------------------- */

struct rendezvous *
rendezvous_new(const struct rendezvous_config *cfg)
{
	struct rendezvous *rv;

	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return NULL;
	rv->cfg = *cfg;
	rv->ncand = cfg->ncand < RECORD_MAX_CANDIDATES ? cfg->ncand : RECORD_MAX_CANDIDATES;
	if (rv->ncand > 0)
		memcpy(rv->cand, cfg->cand, rv->ncand * sizeof(rv->cand[0]));
	if ((rv->seen = record_seen_new(cfg->self.id)) == NULL)
		goto err_rv;
	if ((rv->values = calloc(RENDEZVOUS_MAX_VALUES, sizeof(rv->values[0]))) == NULL)
		goto err_seen;
	randombytes_buf(rv->hash_key, sizeof(rv->hash_key));
	if ((rv->timer = timer_new(cfg->timers, on_timer, rv)) == NULL)
		goto err_values;
	rv->seq = seq_load(rv);
	rendezvous_tick(rv);
	return rv;

err_values:
	free(rv->values);
err_seen:
	record_seen_free(rv->seen);
err_rv:
	free(rv);
	return NULL;
}

void
rendezvous_free(struct rendezvous *rv)
{
	int i;

	if (rv == NULL)
		return;
	cancel_puts(rv);
	for (i = 0; i < MAX_EPOCHS; i++)
		stop_listen(rv, &rv->listens[i]);
	timer_free(rv->timer);
	record_seen_free(rv->seen);
	if (rv->values != NULL)
		sodium_memzero(rv->values, RENDEZVOUS_MAX_VALUES * sizeof(rv->values[0]));
	sodium_memzero(rv->hash_key, sizeof(rv->hash_key));
	free(rv->values);
	free(rv);
}

void
rendezvous_set_candidates(struct rendezvous *rv, const struct cand *cand, unsigned n)
{
	if (n > RECORD_MAX_CANDIDATES)
		n = RECORD_MAX_CANDIDATES;
	if (n == rv->ncand && (n == 0 || memcmp(cand, rv->cand, n * sizeof(*cand)) == 0))
		return;
	memset(rv->cand, 0, sizeof(rv->cand));
	if (n > 0)
		memcpy(rv->cand, cand, n * sizeof(*cand));
	rv->ncand = n;
	rv->dirty = true;
	rendezvous_tick(rv);
}

void
rendezvous_set_nat(struct rendezvous *rv, const struct record_nat *nat)
{
	if (rv->nat.cls == nat->cls && rv->nat.delta == nat->delta)
		return;
	rv->nat = *nat;
	rv->dirty = true;
	rendezvous_tick(rv);
}

void
rendezvous_republish(struct rendezvous *rv)
{
	rv->dirty = true;
	rendezvous_tick(rv);
}

void
rendezvous_counters(const struct rendezvous *rv, uint64_t out[REC__COUNT])
{
	memcpy(out, rv->counters, sizeof(rv->counters));
}

void
rendezvous_dht_counts(const struct rendezvous *rv, uint64_t from_dht[REC__COUNT],
    uint64_t puts[2])
{
	memcpy(from_dht, rv->from_dht, sizeof(rv->from_dht));
	memcpy(puts, rv->answers, sizeof(rv->answers));
}

uint64_t
rendezvous_seq(const struct rendezvous *rv)
{
	return rv->seq;
}

int
rendezvous_publishing(const struct rendezvous *rv, uint64_t out[2])
{
	int i;

	for (i = 0; i < rv->nputs; i++)
		out[i] = rv->puts[i].epoch;
	return rv->nputs;
}

int
rendezvous_listening(const struct rendezvous *rv, uint64_t out[2])
{
	int i, n = 0;

	for (i = 0; i < MAX_EPOCHS; i++)
		if (rv->listens[i].op != NULL)
			out[n++] = rv->listens[i].epoch;
	return n;
}

uint64_t
rendezvous_next_tick(const struct rendezvous *rv)
{
	return rv->next_tick_s;
}
