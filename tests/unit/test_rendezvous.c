/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_rendezvous — the rendezvous schedule on an injected clock, against an
 * in-memory DHT.
 *
 * The DHT is tests/unit/fake_runner.c: src/session/rendezvous.c runs
 * unchanged on it, and "time" is a variable.
 *
 * Checks:
 *   - publish under e only, then e and e+1 from boundary - ROOM_PUBLISH_AHEAD,
 *     then e+1 only at the boundary; re-listen e+1, e+2 at rollover; the next
 *     tick lands on exactly those instants and on each RENDEZVOUS_REPUBLISH;
 *   - two peers whose clocks differ by 5 minutes across a boundary find each
 *     other, and keep finding each other's new records as time goes on;
 *   - seq strictly increases, survives a restart with the clock stepped back
 *     (persisted), and a candidate change republishes at once;
 *   - peer exchange: the values a member kept are handed to one the DHT
 *     told nothing, who takes them through the DHT's own checks and
 *     counters (a duplicate, a tampered copy, an epoch not listened on,
 *     junk from the DHT counted under the same reason);
 *   - who brought each value (the DHT, its owner, one or two other
 *     members), and settling whether it is forwarded, once;
 *   - what is news for peers already up: a new member's record, ours, a
 *     changed one; not a plain republication.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "dht/record/record.h"
#include "src/session/rendezvous.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "tests/check.h"
#include "tests/unit/fake_runner.h"

/* --- peers on skewed clocks ---------------------------------------------------- */

static int64_t world;			/* the true time, unix seconds */

struct peer {
	const char *name;
	int64_t offset;			/* this peer's clock = world + offset */
	struct clock clock;
	struct timers *timers;		/* manual: the test calls rendezvous_tick */
	uint8_t pk[32], sk[64], wg[32];
	struct rendezvous *rv;
	unsigned peers_seen;
	uint8_t last_id[32];
	uint64_t last_seq;
	unsigned published;
};

static uint64_t
peer_unix_ms(void *arg)
{
	const struct peer *p = arg;

	return (uint64_t)(world + p->offset) * 1000;
}

static uint64_t
world_mono_ns(void *arg)
{
	(void)arg;
	return (uint64_t)world * 1000000000u;
}

static void
on_peer(void *arg, const struct record *rec, uint64_t epoch)
{
	struct peer *p = arg;

	p->peers_seen++;
	memcpy(p->last_id, rec->id, 32);
	p->last_seq = rec->seq;
}

static int allow_junk;			/* test_offer feeds junk on purpose */

static void
on_reject(void *arg, enum record_reject why, size_t len, uint64_t epoch)
{
	struct peer *p = arg;

	if (allow_junk)
		return;
	/*
	 * Besides the peers' records this DHT holds our own, second copies, and
	 * old versions that linger (as on OpenDHT) until they expire.
	 */
	CHECK_MSG(why == REC_OWNID || why == REC_DUPLICATE || why == REC_SEQ || why == REC_EXP,
	    "%s: unexpected reject %s", p->name, record_reject_name(why));
}


static void
peer_start(struct peer *p, struct event_base *base, const struct room_keys *keys,
    const char *state_dir)
{
	struct rendezvous_config c;
	struct cand cand = { .kind = CAND_HOST, .family = 4, .addr = { 192, 0, 2, 1 },
	    .port = 51820 };

	(void)base;
	memset(&c, 0, sizeof(c));
	p->clock.mono_ns = world_mono_ns;
	p->clock.unix_ms = peer_unix_ms;
	p->clock.arg = p;
	timers_free(p->timers);
	p->timers = timers_new(NULL, &p->clock);
	CHECK(p->timers != NULL);
	c.timers = p->timers;
	c.runner = &fake_runner;
	c.keys = keys;
	c.self.sign_sk = p->sk;
	c.self.id = p->pk;
	c.self.wg = p->wg;
	c.self.nick = p->name;
	c.state_dir = state_dir;
	c.cand = &cand;
	c.ncand = 1;
	c.on_peer = on_peer;
	c.on_reject = on_reject;
	c.arg = p;
	p->rv = rendezvous_new(&c);
	CHECK(p->rv != NULL);
}

static void
peer_stop(struct peer *p)
{
	rendezvous_free(p->rv);
	p->rv = NULL;
	timers_free(p->timers);
	p->timers = NULL;
}

static void
peer_init(struct peer *p, const char *name, int64_t offset)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->offset = offset;
	crypto_sign_keypair(p->pk, p->sk);
	/* The WireGuard key bound to the id (records with any other are refused). */
	if (crypto_sign_ed25519_pk_to_curve25519(p->wg, p->pk) != 0)
		abort();
}

static int
epochs_are(struct rendezvous *rv, int (*get)(const struct rendezvous *, uint64_t *), int n,
    uint64_t e0, uint64_t e1)
{
	uint64_t e[2];
	int got = get(rv, e);

	if (got != n)
		return 0;
	if (n == 1)
		return e[0] == e0;
	return (e[0] == e0 && e[1] == e1) || (e[0] == e1 && e[1] == e0);
}

/* --- the cases ------------------------------------------------------------------ */

static void
test_schedule(struct event_base *base, const struct room_keys *keys)
{
	const int64_t E = 500000, B = (E + 1) * ROOM_EPOCH_SECONDS;	/* boundary e -> e+1 */
	struct peer a;
	uint64_t seq;
	unsigned puts;

	peer_init(&a, "a", 0);
	world = B - 1000;
	peer_start(&a, base, keys, NULL);

	/* Early in e: publish under e only, listen on e only. */
	CHECK(epochs_are(a.rv, rendezvous_publishing, 1, E, 0));
	CHECK(epochs_are(a.rv, rendezvous_listening, 1, E, 0));
	CHECK(rendezvous_next_tick(a.rv) == (uint64_t)(B - 1000 + RENDEZVOUS_REPUBLISH));

	/* The republish at +300 s: a new seq, still e only; next: the listen-ahead window. */
	seq = rendezvous_seq(a.rv);
	world = B - 700;
	rendezvous_tick(a.rv);
	CHECK(rendezvous_seq(a.rv) > seq);
	CHECK(epochs_are(a.rv, rendezvous_publishing, 1, E, 0));
	CHECK(rendezvous_next_tick(a.rv) == (uint64_t)(B - ROOM_LISTEN_AHEAD));

	/* The last 660 s of e: a listen on e+1 too, nothing published; next: the ahead window. */
	puts = fake_puts_made;
	fake_listens_made = 0;
	world = B - ROOM_LISTEN_AHEAD;
	rendezvous_tick(a.rv);
	CHECK(fake_puts_made == puts);
	CHECK(fake_listens_made == 1);
	CHECK(epochs_are(a.rv, rendezvous_listening, 2, E, E + 1));
	CHECK(rendezvous_next_tick(a.rv) == (uint64_t)(B - ROOM_PUBLISH_AHEAD));

	/* A tick with nothing due publishes nothing. */
	puts = fake_puts_made;
	world = B - 650;
	rendezvous_tick(a.rv);
	CHECK(fake_puts_made == puts);

	/* The last 600 s of e: also under e+1, each copy its own put. */
	world = B - ROOM_PUBLISH_AHEAD;
	seq = rendezvous_seq(a.rv);
	rendezvous_tick(a.rv);
	CHECK(rendezvous_seq(a.rv) > seq);
	CHECK(epochs_are(a.rv, rendezvous_publishing, 2, E, E + 1));
	CHECK(fake_puts_made == puts + 2);
	CHECK(epochs_are(a.rv, rendezvous_listening, 2, E, E + 1));
	CHECK(rendezvous_next_tick(a.rv) == (uint64_t)(B - ROOM_PUBLISH_AHEAD + RENDEZVOUS_REPUBLISH));

	world = B - ROOM_PUBLISH_AHEAD + RENDEZVOUS_REPUBLISH;
	rendezvous_tick(a.rv);
	CHECK(epochs_are(a.rv, rendezvous_publishing, 2, E, E + 1));
	CHECK(rendezvous_next_tick(a.rv) == (uint64_t)B);

	/* Rollover: publish under e+1 only, listen on e+1 only (kept). */
	fake_listens_made = 0;
	world = B;
	rendezvous_tick(a.rv);
	CHECK(epochs_are(a.rv, rendezvous_publishing, 1, E + 1, 0));
	CHECK(epochs_are(a.rv, rendezvous_listening, 1, E + 1, 0));
	CHECK(fake_listens_made == 0);	/* e+1 kept, e+2 not yet */
	CHECK(rendezvous_next_tick(a.rv) == (uint64_t)(B + RENDEZVOUS_REPUBLISH));

	/* A candidate change republishes at once. */
	{
		struct cand c2 = { .kind = CAND_SRFLX, .family = 4, .addr = { 198, 51, 100, 9 },
		    .port = 4000 };

		seq = rendezvous_seq(a.rv);
		world = B + 10;
		rendezvous_set_candidates(a.rv, &c2, 1);
		CHECK(rendezvous_seq(a.rv) > seq);
		CHECK(rendezvous_next_tick(a.rv) == (uint64_t)(B + 10 + RENDEZVOUS_REPUBLISH));
		seq = rendezvous_seq(a.rv);
		rendezvous_set_candidates(a.rv, &c2, 1);	/* unchanged: nothing */
		CHECK(rendezvous_seq(a.rv) == seq);
	}
	peer_stop(&a);
}

static void
test_skew(struct event_base *base, const struct room_keys *keys)
{
	const int64_t E = 600000, B = (E + 1) * ROOM_EPOCH_SECONDS;
	struct peer c, d;
	unsigned c_seen, d_seen;
	int step;

	/* C runs 150 s slow, D 150 s fast: 5 minutes apart, straddling B. */
	peer_init(&c, "c", -150);
	peer_init(&d, "d", +150);
	world = B - 20;		/* C at B - 170 (ahead window of e), D at B + 130 (epoch e+1) */
	peer_start(&c, base, keys, NULL);
	peer_start(&d, base, keys, NULL);
	CHECK(epochs_are(c.rv, rendezvous_publishing, 2, E, E + 1));
	CHECK(epochs_are(d.rv, rendezvous_publishing, 1, E + 1, 0));
	CHECK(epochs_are(d.rv, rendezvous_listening, 1, E + 1, 0));
	CHECK(epochs_are(c.rv, rendezvous_listening, 2, E, E + 1));
	(void)fake_runner_flush();
	CHECK(c.peers_seen >= 1 && memcmp(c.last_id, d.pk, 32) == 0);
	CHECK(d.peers_seen >= 1 && memcmp(d.last_id, c.pk, 32) == 0);

	/* An hour and a half of ticks every 50 s: each keeps seeing the other's new records. */
	c_seen = c.peers_seen;
	d_seen = d.peers_seen;
	for (step = 1; step <= 110; step++) {
		world += 50;
		rendezvous_tick(c.rv);
		rendezvous_tick(d.rv);
		(void)fake_runner_flush();
		if (step % 7 == 0) {	/* 350 s > RENDEZVOUS_REPUBLISH: each saw a new record */
			CHECK(c.peers_seen > c_seen);
			CHECK(d.peers_seen > d_seen);
			c_seen = c.peers_seen;
			d_seen = d.peers_seen;
		}
	}
	CHECK(c.last_seq == rendezvous_seq(d.rv));
	CHECK(d.last_seq == rendezvous_seq(c.rv));
	peer_stop(&c);
	peer_stop(&d);
}

static void
test_seq_persisted(struct event_base *base, const struct room_keys *keys)
{
	char dir[] = "/tmp/gonet-test-epoch.XXXXXX", path[128];
	struct peer p;
	uint64_t seq;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		check_failures++;
		return;
	}
	peer_init(&p, "p", 0);
	world = 1800000000;
	peer_start(&p, base, keys, dir);
	seq = rendezvous_seq(&*p.rv);
	CHECK(seq == (uint64_t)world * 1000);
	peer_stop(&p);

	/* Restart with the clock an hour back: seq must still go up. */
	world -= 3600;
	peer_start(&p, base, keys, dir);
	CHECK(rendezvous_seq(p.rv) == seq + 1);
	peer_stop(&p);

	snprintf(path, sizeof(path), "%s/seq-%02x%02x%02x%02x%02x%02x%02x%02x", dir, p.pk[0],
	    p.pk[1], p.pk[2], p.pk[3], p.pk[4], p.pk[5], p.pk[6], p.pk[7]);
	CHECK(access(path, F_OK) == 0);
	unlink(path);
	rmdir(dir);
}

/* A put no node took is published again after 2 s, then 4 s; one that works resets it. */
static void
test_put_retry(struct event_base *base, const struct room_keys *keys)
{
	struct peer p;
	unsigned before;

	peer_init(&p, "retry", 0);
	world = (int64_t)500000 * ROOM_EPOCH_SECONDS + 100;	/* one epoch: one put */
	peer_start(&p, base, keys, NULL);
	before = fake_puts_made;
	CHECK(before > 0);
	fake_runner_answer_puts(false);
	world += 1;
	rendezvous_tick(p.rv);
	CHECK_EQ(fake_puts_made, before);			/* 1 s: not yet */
	world += 1;
	rendezvous_tick(p.rv);
	CHECK_EQ(fake_puts_made, before + 1);		/* 2 s: again */
	fake_runner_answer_puts(false);
	world += 3;
	rendezvous_tick(p.rv);
	CHECK_EQ(fake_puts_made, before + 1);		/* backing off: 4 s now */
	world += 1;
	rendezvous_tick(p.rv);
	CHECK_EQ(fake_puts_made, before + 2);
	fake_runner_answer_puts(true);				/* it worked: no more retries */
	world += 60;
	rendezvous_tick(p.rv);
	CHECK_EQ(fake_puts_made, before + 2);
	CHECK(rendezvous_next_tick(p.rv) >= (uint64_t)world + 1);
	peer_stop(&p);
}

/* Peer exchange: c learns a and b from a's kept values alone. */
/* id's value in rv's list into *out: 1, or 0 if not listed. */
static int
value_of(const struct rendezvous *rv, const uint8_t *id, struct rendezvous_value *out)
{
	static struct rendezvous_value v[8];
	size_t n, i;

	n = rendezvous_values(rv, v, 8);
	for (i = 0; i < n; i++) {
		if (memcmp(v[i].id, id, 32) == 0) {
			*out = v[i];
			return 1;
		}
	}
	return 0;
}

/*
 * Who brought each value, for peer exchange's forwarding rule: c holds b's
 * record from a (another member), a's from a itself (its owner), and its
 * own. b's own copy, a third member's and the DHT's are noted too; a
 * copy from the same member twice counts once.
 */
static void
test_copies(struct peer *c, struct peer *a, struct peer *b, const struct room_keys *keys)
{
	struct rendezvous_value e, f;
	uint8_t third[32], data[RECORD_MAX_VALUE], ih[ROOM_INFOHASH_LEN];
	uint64_t gen;

	memset(third, 0x33, sizeof(third));
	CHECK(value_of(c->rv, b->pk, &e));
	CHECK(e.relays == 1 && e.owner_age_ms == UINT64_MAX && e.dht_age_ms == UINT64_MAX);
	CHECK(!e.own && !e.settled && !e.forwarded);
	CHECK(value_of(c->rv, a->pk, &f));
	CHECK(f.relays == 0 && f.owner_age_ms != UINT64_MAX && f.dht_age_ms == UINT64_MAX);
	CHECK(value_of(c->rv, c->pk, &f));
	CHECK(f.own && f.settled && f.forwarded);

	memcpy(data, e.data, e.len);
	CHECK_EQ(rendezvous_offer(c->rv, e.epoch, data, e.len, a->pk), 0);
	CHECK(value_of(c->rv, b->pk, &f) && f.relays == 1);	/* a again: still one */
	CHECK_EQ(rendezvous_offer(c->rv, e.epoch, data, e.len, b->pk), 0);
	CHECK(value_of(c->rv, b->pk, &f) && f.relays == 1 && f.owner_age_ms != UINT64_MAX);
	CHECK_EQ(rendezvous_offer(c->rv, e.epoch, data, e.len, third), 0);
	CHECK(value_of(c->rv, b->pk, &f) && f.relays == 2 && f.dht_age_ms == UINT64_MAX);
	room_infohash(keys, e.epoch, ih);
	runner_put(&fake_runner, ih, data, e.len, NULL, NULL);
	fake_runner_flush();
	CHECK(value_of(c->rv, b->pk, &f) && f.dht_age_ms != UINT64_MAX);
	CHECK_EQ(f.gen, e.gen);			/* copies change nothing else */

	/* Settled once: forwarded under a new gen; a later call changes nothing. */
	gen = rendezvous_gen(c->rv);
	rendezvous_forward(c->rv, e.gen, true);
	CHECK(value_of(c->rv, b->pk, &f) && f.settled && f.forwarded && f.gen == gen + 1);
	rendezvous_forward(c->rv, f.gen, false);
	CHECK(value_of(c->rv, b->pk, &f) && f.settled && f.forwarded);
	/* Settled as not forwarded: the gen stays. */
	CHECK(value_of(c->rv, a->pk, &e));
	rendezvous_forward(c->rv, e.gen, false);
	CHECK(value_of(c->rv, a->pk, &f) && f.settled && !f.forwarded && f.gen == e.gen);
}

static void
test_offer(struct event_base *base, const struct room_keys *keys)
{
	struct peer a, b, c;
	struct rendezvous_value v[8], kept[2];
	uint8_t data[2][RECORD_MAX_VALUE];
	uint64_t before[REC__COUNT], after[REC__COUNT];
	uint8_t bad[RECORD_MAX_VALUE], ih[ROOM_INFOHASH_LEN];
	size_t n, i, bi = 8, ai = 8;
	int own_c = 0, b_from_a = 0;

	fake_runner_reset();
	world = (int64_t)500000 * ROOM_EPOCH_SECONDS + 100;	/* one epoch published */
	peer_init(&a, "a", 0);
	peer_init(&b, "b", 0);
	peer_init(&c, "c", 0);
	peer_start(&a, base, keys, NULL);
	peer_start(&b, base, keys, NULL);
	fake_runner_flush();
	CHECK(a.peers_seen == 1 && b.peers_seen == 1);
	/* a kept b's value (from the DHT) and its own, one each. */
	n = rendezvous_values(a.rv, v, 8);
	CHECK_EQ(n, 2);
	for (i = 0; i < n && i < 2; i++) {
		CHECK(v[i].from == NULL);
		CHECK(v[i].epoch == 500000);
		if (memcmp(v[i].id, b.pk, 32) == 0)
			bi = i;
		if (memcmp(v[i].id, a.pk, 32) == 0)
			ai = i;
		kept[i] = v[i];
		memcpy(data[i], v[i].data, v[i].len);
		kept[i].data = data[i];
	}
	CHECK(bi < 2 && ai < 2 && v[0].gen < v[1].gen);
	if (bi == 8 || ai == 8)
		return;
	memcpy(v, kept, sizeof(kept));

	/* The DHT loses everything it holds; c comes and finds nothing there. */
	for (i = 0; i < fake_nstore; i++)
		fake_runner_drop(fake_store[i].hash);
	peer_start(&c, base, keys, NULL);
	fake_runner_flush();
	CHECK_EQ(c.peers_seen, 0);

	/* Handed over by a: taken as from the DHT. */
	allow_junk = 1;
	rendezvous_counters(c.rv, before);
	CHECK_EQ(rendezvous_offer(c.rv, v[bi].epoch, v[bi].data, v[bi].len, a.pk), 0);
	CHECK_EQ(c.peers_seen, 1);
	CHECK_MEM(c.last_id, b.pk, 32);
	CHECK_EQ(rendezvous_offer(c.rv, v[bi].epoch, v[bi].data, v[bi].len, a.pk), 0);
	CHECK_EQ(c.peers_seen, 1);			/* a duplicate */
	CHECK_EQ(rendezvous_offer(c.rv, v[ai].epoch, v[ai].data, v[ai].len, a.pk), 0);
	CHECK_EQ(c.peers_seen, 2);
	memcpy(bad, v[bi].data, v[bi].len);
	bad[v[bi].len / 2] ^= 1;			/* a forwarder altered it */
	CHECK_EQ(rendezvous_offer(c.rv, v[bi].epoch, bad, v[bi].len, a.pk), 0);
	CHECK_EQ(rendezvous_offer(c.rv, v[bi].epoch + 5, v[bi].data, v[bi].len, a.pk), -1);
	rendezvous_counters(c.rv, after);
	CHECK_EQ(after[REC_OK] - before[REC_OK], 2);
	CHECK_EQ(after[REC_DUPLICATE] - before[REC_DUPLICATE], 1);
	CHECK_EQ(after[REC_DECRYPT] - before[REC_DECRYPT], 1);
	CHECK_EQ(c.peers_seen, 2);

	/* The same junk from the DHT: the same counter. */
	room_infohash(keys, 500000, ih);
	runner_put(&fake_runner, ih, bad, v[bi].len, NULL, NULL);
	fake_runner_flush();
	rendezvous_counters(c.rv, after);
	CHECK_EQ(after[REC_DECRYPT] - before[REC_DECRYPT], 2);
	allow_junk = 0;

	/* c keeps what a handed it, marked as from a, beside its own. */
	n = rendezvous_values(c.rv, v, 8);
	CHECK_EQ(n, 3);
	for (i = 0; i < n; i++) {
		if (memcmp(v[i].id, c.pk, 32) == 0)
			own_c += v[i].from == NULL;
		if (memcmp(v[i].id, b.pk, 32) == 0)
			b_from_a += v[i].from != NULL && memcmp(v[i].from, a.pk, 32) == 0;
	}
	CHECK(own_c == 1 && b_from_a == 1);
	test_copies(&c, &a, &b, keys);
	peer_stop(&c);
	peer_stop(&b);
	peer_stop(&a);
}

/* The news flag of id's value in rv's list (-1: not listed). */
static int
news_of(const struct rendezvous *rv, const uint8_t *id)
{
	struct rendezvous_value v[8];
	size_t n, i;

	n = rendezvous_values(rv, v, 8);
	for (i = 0; i < n; i++)
		if (memcmp(v[i].id, id, 32) == 0)
			return v[i].news;
	return -1;
}

static void
test_news(struct event_base *base, const struct room_keys *keys)
{
	struct cand c2 = { .kind = CAND_SRFLX, .family = 4, .addr = { 198, 51, 100, 7 },
	    .port = 4000 };
	struct peer a, b;

	fake_runner_reset();
	world = (int64_t)500100 * ROOM_EPOCH_SECONDS + 100;
	peer_init(&a, "a", 0);
	peer_init(&b, "b", 0);
	peer_start(&a, base, keys, NULL);
	peer_start(&b, base, keys, NULL);
	fake_runner_flush();
	CHECK_EQ(news_of(a.rv, b.pk), 1);		/* a new member */
	CHECK_EQ(news_of(a.rv, a.pk), 1);		/* ours */
	/* Both republish 300 s later, nothing changed: b's is not news for a. */
	world += RENDEZVOUS_REPUBLISH;
	rendezvous_tick(a.rv);
	rendezvous_tick(b.rv);
	fake_runner_flush();
	CHECK(a.last_seq == rendezvous_seq(b.rv));
	CHECK_EQ(news_of(a.rv, b.pk), 0);
	CHECK_EQ(news_of(a.rv, a.pk), 1);		/* ours always is */
	/* b moves: news. */
	world += 10;
	rendezvous_set_candidates(b.rv, &c2, 1);
	fake_runner_flush();
	CHECK(a.last_seq == rendezvous_seq(b.rv));
	CHECK_EQ(news_of(a.rv, b.pk), 1);
	peer_stop(&b);
	peer_stop(&a);
}

int
main(void)
{
	struct event_base *base;
	struct room_keys keys;
	uint8_t secret[ROOM_KEY_LEN];

	if (sodium_init() < 0)
		return 1;
	/* Fixed keys: Argon2id is room.c's business and test_room's. */
	memset(secret, 0x42, sizeof(secret));
	room_keys_from_secret(secret, &keys);
	if ((base = event_base_new()) == NULL)
		return 1;

	test_schedule(base, &keys);
	test_skew(base, &keys);
	test_seq_persisted(base, &keys);
	test_put_retry(base, &keys);
	test_offer(base, &keys);
	test_news(base, &keys);

	event_base_free(base);
	return check_exit("test_rendezvous");
}
