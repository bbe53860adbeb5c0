/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_xfer.c — file transfers (src/xfer) between two sets of transfers
 * on a manual clock, over a simulated link (delay, seeded loss, a queue of
 * bounded size that drops when full), with real files in temporary
 * directories:
 *   - the messages: a vector per type, every rejection reason;
 *   - safe names: traversal, absolute paths, controls, bidi, dots, an
 *     existing name (" (1)"), nothing overwritten, no symlink followed;
 *   - a 3 MB file arrives byte-identical at 2% loss and 20 ms one way; the
 *     window grows past its initial 10 segments and the loss is repaired;
 *   - a full link (a drop-tail buffer, no random loss) is kept busy: 8 MB
 *     in less than twice the time the link needs;
 *   - after a 300 ms outage the window grows again and the repair does not
 *     crawl from one retransmission timeout to the next;
 *   - an unaccepted offer writes nothing; a rejected one fails on both sides;
 *   - the receiver stops half way (its set freed, a new one made: a
 *     restart): the sender stalls, offers again, and the transfer resumes
 *     from the saved part instead of from zero; the same when it is back
 *     at once and answers the sender's DATA with CANCEL(unknown);
 *   - a content that does not match its offer is refused and never gets a
 *     final name.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/xfer/cubic.h"
#include "src/xfer/store.h"
#include "src/xfer/xfer.h"
#include "src/xfer/xfer_impl.h"	/* TX_RING, XFER_SEG */
#include "src/xfer/xfer_msg.h"
#include "tests/check.h"

enum {
	QMAX = 4096,
	EVMAX = 4096
};

static uint64_t now_ns = 1000000000ull;

static uint64_t
mono(void *arg)
{
	(void)arg;
	return now_ns;
}

static uint64_t
wall(void *arg)
{
	(void)arg;
	return 1700000000000ull + now_ns / 1000000u;
}

static const struct clock clk = { mono, wall, NULL };
static struct timers *timers;

/* --- two ends and a link ------------------------------------------------------------ */

struct end {
	const char *name;
	struct xfers *x;
	char dir[64];
	struct xfer_event ev[EVMAX];
	char evname[EVMAX][64], evpath[EVMAX][256], evreason[EVMAX][32];
	unsigned nev;
};

static struct end ends[2];

struct pkt {
	uint64_t at;
	int to;
	size_t len;
	uint8_t data[XFER_MSG_MAX];
};

static struct pkt q[QMAX];
static unsigned qn;
static unsigned loss_pct, delay_ms, cut, buffer_ms;
static double bandwidth;		/* bytes a second each way; 0: unlimited */
static uint64_t link_free_ns[2];	/* when each direction is idle again */
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static unsigned long long sent[2], lost_n;

static unsigned
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static int
link_send(void *arg, void *peer, const uint8_t *buf, size_t len)
{
	struct end *from = arg;
	int to = (int)(intptr_t)peer;
	struct pkt *p;

	(void)from;
	sent[1 - to]++;
	if (cut || (loss_pct > 0 && rnd() % 100 < loss_pct)) {
		lost_n++;
		return 0;
	}
	if (qn == QMAX)
		return -ENOBUFS;	/* the way out is full */
	p = &q[qn++];
	p->at = now_ns + (uint64_t)delay_ms * 1000000u;
	if (bandwidth > 0) {
		/* Serialised on a link of that rate: queueing delay, as a router's. */
		uint64_t start = link_free_ns[to] > now_ns ? link_free_ns[to] : now_ns;

		if (buffer_ms > 0 && start - now_ns > (uint64_t)buffer_ms * 1000000u) {
			qn--;		/* a drop-tail buffer holding buffer_ms of the link */
			lost_n++;
			return 0;
		}

		link_free_ns[to] = start + (uint64_t)((double)len * 1e9 / bandwidth);
		p->at = link_free_ns[to] + (uint64_t)delay_ms * 1000000u;
	}
	p->to = to;
	p->len = len;
	memcpy(p->data, buf, len);
	return 0;
}

static void
on_event(void *arg, const struct xfer_event *ev)
{
	struct end *e = arg;

	if (e->nev == EVMAX)
		return;
	e->ev[e->nev] = *ev;
	snprintf(e->evname[e->nev], sizeof(e->evname[0]), "%s", ev->name ? ev->name : "");
	snprintf(e->evpath[e->nev], sizeof(e->evpath[0]), "%s", ev->path ? ev->path : "");
	snprintf(e->evreason[e->nev], sizeof(e->evreason[0]), "%s", ev->reason ? ev->reason : "");
	e->nev++;
}

static void
end_start(int i)
{
	struct end *e = &ends[i];
	struct xfer_env env;

	memset(&env, 0, sizeof(env));
	env.timers = timers;
	env.download_dir = e->dir;
	env.send = link_send;
	env.event = on_event;
	env.arg = e;
	e->x = xfers_new(&env);
	e->nev = 0;
	CHECK(e->x != NULL);
}

/* The peer of end i, as the other end sees it, is (void *)i. */
static void
deliver_due(void)
{
	unsigned i, k = 0;

	for (i = 0; i < qn; i++) {
		struct pkt *p = &q[i];

		if (p->at > now_ns) {
			q[k++] = *p;
			continue;
		}
		if (ends[p->to].x != NULL)
			xfers_input(ends[p->to].x, (void *)(intptr_t)(1 - p->to),
			    ends[1 - p->to].name, p->data, p->len);
	}
	qn = k;
}

static uint64_t
next_pkt(void)
{
	uint64_t m = UINT64_MAX;
	unsigned i;

	for (i = 0; i < qn; i++)
		if (q[i].at < m)
			m = q[i].at;
	return m;
}

static void
run_for(uint64_t ms)
{
	uint64_t end = now_ns + ms * 1000000u, next;

	for (;;) {
		deliver_due();
		(void)timers_run(timers);
		next = timers_next(timers);
		if (next_pkt() < next)
			next = next_pkt();
		if (next > end)
			break;
		if (next > now_ns)
			now_ns = next;
	}
	now_ns = end;
}

static const struct xfer_event *
last(const struct end *e, enum xfer_event_kind kind)
{
	int i;

	for (i = (int)e->nev - 1; i >= 0; i--)
		if (e->ev[i].kind == kind)
			return &e->ev[i];
	return NULL;
}

static unsigned
last_index(const struct end *e, enum xfer_event_kind kind)
{
	int i;

	for (i = (int)e->nev - 1; i >= 0; i--)
		if (e->ev[i].kind == kind)
			return (unsigned)i;
	return EVMAX;
}

static void
write_file(const char *path, size_t size, uint8_t seed)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL)
		abort();
	for (i = 0; i < size; i++)
		fputc((int)((i * 131 + seed + i / 977) & 0xff), f);
	fclose(f);
}

static int
same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ca, cb, same = fa != NULL && fb != NULL;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static unsigned
count_dir(const char *dir)
{
	char cmd[256];
	FILE *p;
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%u", &n) != 1)
			n = 0;
		pclose(p);
	}
	return n;
}

static void
empty_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/* '%s'/.gonet-*", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not empty %s\n", dir);
}

/* --- the messages ---------------------------------------------------------------------- */

static void
test_messages(void)
{
	static const uint8_t offer_vec[] = {
		0x01, 0x01, 0x00, 0x00,
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		0, 0, 0, 0, 0, 0, 0x10, 0x00,		/* size 4096 */
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0xaa, 0xaa, 0xaa, 0xaa,
		0x00, 0x05, 'a', '.', 't', 'x', 't'
	};
	uint8_t buf[XFER_MSG_MAX];
	struct xfer_msg m, g;
	size_t n;
	unsigned i;

	memset(&m, 0, sizeof(m));
	m.type = XFER_OFFER;
	for (i = 0; i < XFER_ID_LEN; i++)
		m.id[i] = (uint8_t)i;
	m.size = 4096;
	memset(m.hash, 0xaa, XFER_HASH_LEN);
	m.name = (const uint8_t *)"a.txt";
	m.name_len = 5;
	n = xfer_msg_build(buf, sizeof(buf), &m);
	CHECK_EQ(n, sizeof(offer_vec));
	CHECK_MEM(buf, offer_vec, sizeof(offer_vec));
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_OK);
	CHECK(g.size == 4096 && g.name_len == 5 && memcmp(g.name, "a.txt", 5) == 0);

	/* Every rejection reason. */
	CHECK_EQ(xfer_msg_parse(buf, 3, &g), XFER_DROP_SHORT);
	buf[0] = 2;
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_VERSION);
	buf[0] = 1;
	buf[1] = 9;
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_TYPE);
	buf[1] = 1;
	buf[3] = 1;
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_RESERVED);
	buf[3] = 0;
	buf[n] = 'x';
	CHECK_EQ(xfer_msg_parse(buf, n + 1, &g), XFER_DROP_LENGTH);
	CHECK_EQ(xfer_msg_parse(buf, n - 1, &g), XFER_DROP_SHORT);
	buf[n - 1] = 0xff;				/* not UTF-8 */
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_NAME);

	/* ACK: ranges ascending, apart, above cum. */
	memset(&m, 0, sizeof(m));
	m.type = XFER_ACK;
	m.offset = 100;
	m.nsack = 2;
	m.sack[0].start = 200;
	m.sack[0].end = 300;
	m.sack[1].start = 400;
	m.sack[1].end = 500;
	n = xfer_msg_build(buf, sizeof(buf), &m);
	CHECK(n == XFER_HEADER_LEN + 13 + 32);
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_OK);
	CHECK(g.nsack == 2 && g.sack[1].end == 500);
	m.sack[1].start = 300;				/* touching: refused to build */
	CHECK_EQ(xfer_msg_build(buf, sizeof(buf), &m), 0);
	/* ... and a forged one is refused to parse */
	buf[XFER_HEADER_LEN + 13 + 16 + 7] = 0x2c;	/* second start = 300 */
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_RANGE);
	buf[XFER_HEADER_LEN + 12] = XFER_SACK_MAX + 1;
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_RANGE);

	/* DATA: the offset cannot wrap; empty is short. */
	memset(&m, 0, sizeof(m));
	m.type = XFER_DATA;
	m.offset = UINT64_MAX - 2;
	m.data = (const uint8_t *)"abcd";
	m.data_len = 4;
	n = xfer_msg_build(buf, sizeof(buf), &m);
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_RANGE);
	CHECK_EQ(xfer_msg_parse(buf, XFER_HEADER_LEN + 12, &g), XFER_DROP_SHORT);

	/* Reasons we do not know. */
	memset(&m, 0, sizeof(m));
	m.type = XFER_REJECT;
	m.code = 77;
	n = xfer_msg_build(buf, sizeof(buf), &m);
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_REASON);
	m.type = XFER_DONE;
	m.code = 2;
	n = xfer_msg_build(buf, sizeof(buf), &m);
	CHECK_EQ(xfer_msg_parse(buf, n, &g), XFER_DROP_REASON);
	for (i = 0; i < XFER_DROP__COUNT; i++)
		CHECK(strcmp(xfer_drop_name(i), "unknown") != 0);
}

/* --- safe names and the store ----------------------------------------------------------- */

static void
check_name(const char *in, const char *want)
{
	char out[STORE_NAME_MAX + 1];

	store_safe_name((const uint8_t *)in, strlen(in), out);
	CHECK_MSG(strcmp(out, want) == 0, "safe name of \"%s\": \"%s\", want \"%s\"", in, out, want);
}

static void
test_names(void)
{
	char longname[600];

	check_name("report.pdf", "report.pdf");
	check_name("../../etc/passwd", "passwd");
	check_name("/etc/shadow", "shadow");
	check_name("..\\..\\win.ini", "win.ini");
	check_name("..", "file");
	check_name(".", "file");
	check_name("", "file");
	check_name(".bashrc", "_bashrc");
	check_name("a\x1b[2Jb", "a_[2Jb");
	check_name("evil\xe2\x80\xaetxt.exe", "evil_txt.exe");	/* U+202E */
	check_name("c:boot", "c_boot");
	check_name("name. . ", "name");
	check_name("caf\xc3\xa9.txt", "caf\xc3\xa9.txt");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	{
		char out[STORE_NAME_MAX + 1];

		store_safe_name((const uint8_t *)longname, strlen(longname), out);
		CHECK_EQ(strlen(out), STORE_NAME_MAX);
	}
}

/* --- transfers ----------------------------------------------------------------------------- */

static void
reset_link(void)
{
	qn = 0;
	loss_pct = delay_ms = cut = buffer_ms = 0;
	bandwidth = 0;
	link_free_ns[0] = link_free_ns[1] = 0;
}

static void
test_transfer_with_loss(const char *src_dir)
{
	char src[256], got[512];
	const struct xfer_event *ev;
	int n;

	reset_link();
	loss_pct = 2;
	delay_ms = 20;
	snprintf(src, sizeof(src), "%s/big.bin", src_dir);
	write_file(src, 3 << 20, 7);
	end_start(0);
	end_start(1);
	n = xfers_send(ends[0].x, (void *)1, src);
	CHECK(n > 0);
	run_for(2000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL && ev->size == (3u << 20) && strcmp(ends[1].evname[last_index(&ends[1],
	    XEV_OFFERED)], "big.bin") == 0);
	/* Nothing written before the answer. */
	CHECK_EQ(count_dir(ends[1].dir), 0);
	{
		char err[128];

		CHECK_EQ(xfers_accept(ends[1].x, ev->n, err, sizeof(err)), 0);
	}
	run_for(60000);
	ev = last(&ends[1], XEV_DONE);
	CHECK_MSG(ev != NULL, "the receiver did not finish (%llu datagrams, %llu lost)",
	    sent[0] + sent[1], lost_n);
	CHECK(last(&ends[0], XEV_DONE) != NULL);
	if (ev != NULL) {
		snprintf(got, sizeof(got), "%s", ends[1].evpath[last_index(&ends[1], XEV_DONE)]);
		CHECK(same_file(src, got));
	}
	CHECK(xfers_stats(ends[0].x)->retransmits > 0);		/* the loss was repaired */
	CHECK_EQ(count_dir(ends[1].dir), 1);			/* no part or meta left */
	/*
	 * Random loss with no queue is not congestion (cubic.h), and a lost
	 * retransmission is found by RACK, not by the timer.
	 */
	if (ends[0].x->list != NULL && ends[0].x->list->tx != NULL) {
		const struct xfer_tx *tx = ends[0].x->list->tx;

		printf("test_xfer: 2%% loss: noise %u, congestion %u, timeouts %u, RACK %u\n",
		    tx->cc.noise, tx->cc.losses, tx->cc.timeouts, tx->rack_lost);
		CHECK(tx->cc.noise > 0);
		CHECK(tx->rack_lost > 0);
		/* One lost retransmission at the tail has nothing sent after it: the timer. */
		CHECK(tx->cc.timeouts <= 1);
	}
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(got);
	unlink(src);
}

/*
 * Longer than the sender's ring of segments (TX_RING) three times over, on a
 * 20 MB/s link with 1% loss: no stall where the ring wraps (every slot's
 * flags are the new segment's own), and the file arrives whole.
 */
/*
 * A full link: 4 MB/s, 20 ms one way, a drop-tail buffer of 30 ms, no random
 * loss. Slow start leaves when the queue builds (HyStart++) and the
 * retransmission timer restarts with every ACK of new data (RFC 6298 5.3),
 * so the losses are repaired without a cascade of timeouts (each of which
 * collapsed the window to 2 and kept it there for the whole recovery: 8 MB
 * took minutes of simulated time).
 */
static void
test_full_link(const char *src_dir)
{
	char src[256], got[512], err[128];
	const struct xfer_event *ev;
	uint64_t t0;

	reset_link();
	delay_ms = 20;
	bandwidth = 4e6;
	buffer_ms = 30;
	snprintf(src, sizeof(src), "%s/full.bin", src_dir);
	write_file(src, 8 << 20, 5);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL);
	CHECK_EQ(xfers_accept(ends[1].x, ev != NULL ? ev->n : 0, err, sizeof(err)), 0);
	t0 = now_ns;
	for (int i = 0; i < 600 && last(&ends[1], XEV_DONE) == NULL; i++)
		run_for(100);
	ev = last(&ends[1], XEV_DONE);
	CHECK(ev != NULL);
	/* 8 MB at 4 MB/s is 2.1 s; a transfer that keeps the link busy ends within 2x. */
	CHECK_MSG(now_ns - t0 < 4500000000ull, "8 MB over a 4 MB/s link took %.1f s",
	    (double)(now_ns - t0) / 1e9);
	if (ev != NULL) {
		snprintf(got, sizeof(got), "%s", ends[1].evpath[last_index(&ends[1], XEV_DONE)]);
		CHECK(same_file(src, got));
		unlink(got);
	}
	printf("test_xfer: full link: 8 MB in %.1f s (simulated), %llu lost\n",
	    (double)(now_ns - t0) / 1e9, lost_n);
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(src);
	reset_link();
}

/*
 * A 300 ms outage in the middle of a transfer (the path changed): every
 * segment in flight is lost and the retransmission timer fires. The window
 * must grow again from there (slow start) and the timer must restart with
 * every ACK of new data, not fire again for each segment that waits for its
 * retransmission (with both wrong the repair crawled at 2 segments a round
 * trip, one timeout after another).
 */
static void
test_outage(const char *src_dir)
{
	char src[256], got[512], err[128];
	const struct xfer_event *ev;
	uint64_t t0;

	reset_link();
	delay_ms = 20;
	bandwidth = 4e6;
	snprintf(src, sizeof(src), "%s/outage.bin", src_dir);
	write_file(src, 12 << 20, 6);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL);
	CHECK_EQ(xfers_accept(ends[1].x, ev != NULL ? ev->n : 0, err, sizeof(err)), 0);
	t0 = now_ns;
	for (int i = 0; i < 600; i++) {
		run_for(10);
		ev = last(&ends[1], XEV_PROGRESS);
		if (ev != NULL && ev->done >= (4u << 20))
			break;
	}
	cut = 1;
	run_for(300);
	cut = 0;
	for (int i = 0; i < 600 && last(&ends[1], XEV_DONE) == NULL; i++)
		run_for(100);
	ev = last(&ends[1], XEV_DONE);
	CHECK(ev != NULL);
	/* 12 MB at 4 MB/s is 3.1 s, the outage 0.3 s: 5.7 s here, 9.2 s before. */
	CHECK_MSG(now_ns - t0 < 7000000000ull, "12 MB with a 300 ms outage took %.1f s",
	    (double)(now_ns - t0) / 1e9);
	if (ev != NULL) {
		snprintf(got, sizeof(got), "%s", ends[1].evpath[last_index(&ends[1], XEV_DONE)]);
		CHECK(same_file(src, got));
		unlink(got);
	}
	printf("test_xfer: outage: 12 MB in %.1f s (simulated)\n", (double)(now_ns - t0) / 1e9);
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(src);
	reset_link();
}

static void
test_past_the_ring(const char *src_dir)
{
	char src[256], got[512], err[128];
	const struct xfer_event *ev;
	uint64_t size = (uint64_t)TX_RING * XFER_SEG * 3 + 12345;

	reset_link();
	loss_pct = 1;
	delay_ms = 5;
	bandwidth = 20e6;
	snprintf(src, sizeof(src), "%s/long.bin", src_dir);
	write_file(src, (size_t)size, 9);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL);
	CHECK_EQ(xfers_accept(ends[1].x, ev != NULL ? ev->n : 0, err, sizeof(err)), 0);
	run_for(60000);
	ev = last(&ends[1], XEV_DONE);
	CHECK_MSG(ev != NULL, "the receiver did not finish: %llu of %llu bytes",
	    last(&ends[1], XEV_PROGRESS) != NULL ?
	    (unsigned long long)last(&ends[1], XEV_PROGRESS)->done : 0ull,
	    (unsigned long long)size);
	CHECK_MSG(last(&ends[0], XEV_STALLED) == NULL, "stalled at %llu",
	    last(&ends[0], XEV_STALLED) != NULL ?
	    (unsigned long long)last(&ends[0], XEV_STALLED)->done : 0ull);
	if (ev != NULL) {
		snprintf(got, sizeof(got), "%s", ends[1].evpath[last_index(&ends[1], XEV_DONE)]);
		CHECK(same_file(src, got));
		unlink(got);
	}
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(src);
	empty_dir(ends[1].dir);		/* a failed run's part, too */
}

static void
test_reject_and_silence(const char *src_dir)
{
	char src[256];
	const struct xfer_event *ev;

	reset_link();
	snprintf(src, sizeof(src), "%s/small.txt", src_dir);
	write_file(src, 5000, 1);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL);
	if (ev != NULL)
		CHECK_EQ(xfers_reject(ends[1].x, ev->n), 0);
	run_for(1000);
	ev = last(&ends[0], XEV_FAILED);
	CHECK(ev != NULL && strcmp(ends[0].evreason[last_index(&ends[0], XEV_FAILED)],
	    "rejected") == 0);
	CHECK_EQ(count_dir(ends[1].dir), 0);

	/* An offer nobody answers transfers nothing and expires on both sides. */
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(XFER_OFFER_TTL_MS + 5000);
	CHECK_EQ(count_dir(ends[1].dir), 0);
	CHECK(last_index(&ends[1], XEV_FAILED) > last_index(&ends[1], XEV_OFFERED));
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(src);
}

static void
test_resume_after_restart(const char *src_dir)
{
	char src[256], got[512], err[128];
	const struct xfer_event *ev;
	uint64_t sent_before, first_from;

	reset_link();
	delay_ms = 5;
	bandwidth = 4e6;		/* 4 MB/s: 12 MB take 3 s */
	snprintf(src, sizeof(src), "%s/resume.bin", src_dir);
	write_file(src, 12 << 20, 3);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL);
	CHECK_EQ(xfers_accept(ends[1].x, ev != NULL ? ev->n : 0, err, sizeof(err)), 0);
	/* Run until about half has arrived, then the receiver dies. */
	for (int i = 0; i < 600; i++) {
		run_for(10);
		ev = last(&ends[1], XEV_PROGRESS);
		if (ev != NULL && ev->done >= (6u << 20))
			break;
	}
	CHECK(ev != NULL && ev->done >= (6u << 20) && ev->done < (12u << 20));
	xfers_free(ends[1].x);			/* a restart: its memory is gone */
	ends[1].x = NULL;
	cut = 1;
	run_for(XFER_STALL_MS + 2000);
	CHECK(last(&ends[0], XEV_STALLED) != NULL);
	cut = 0;
	end_start(1);				/* back, same download directory */
	sent_before = sent[1];
	run_for(10000);
	ev = last(&ends[1], XEV_STARTED);
	first_from = ev != NULL ? ev->from : 0;
	CHECK_MSG(first_from >= (4u << 20), "resumed from %llu, not from the saved part",
	    (unsigned long long)first_from);
	CHECK(last(&ends[1], XEV_OFFERED) == NULL);	/* no second question to the user */
	run_for(30000);
	ev = last(&ends[1], XEV_DONE);
	CHECK(ev != NULL);
	if (ev != NULL) {
		snprintf(got, sizeof(got), "%s", ends[1].evpath[last_index(&ends[1], XEV_DONE)]);
		CHECK(same_file(src, got));
		unlink(got);
	}
	/* Less than the whole file went over the link after the restart. */
	CHECK((sent[1] - sent_before) * XFER_DATA_MAX < (uint64_t)(12u << 20));
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(src);
}

/*
 * The receiver restarts at once (SIGKILL, then started again by a script):
 * the sender never stalls, its next DATA reaches a receiver that does not
 * know the transfer and answers CANCEL(unknown). The sender must offer
 * again and resume from the saved part, not fail.
 */
static void
test_quick_restart(const char *src_dir)
{
	char src[256], got[512], err[128];
	const struct xfer_event *ev;
	uint64_t sent_before;

	reset_link();
	delay_ms = 5;
	bandwidth = 4e6;
	snprintf(src, sizeof(src), "%s/quick.bin", src_dir);
	write_file(src, 12 << 20, 4);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK(ev != NULL);
	CHECK_EQ(xfers_accept(ends[1].x, ev != NULL ? ev->n : 0, err, sizeof(err)), 0);
	for (int i = 0; i < 600; i++) {
		run_for(10);
		ev = last(&ends[1], XEV_PROGRESS);
		if (ev != NULL && ev->done >= (6u << 20))
			break;
	}
	CHECK(ev != NULL && ev->done >= (6u << 20) && ev->done < (12u << 20));
	xfers_free(ends[1].x);
	ends[1].x = NULL;
	end_start(1);				/* back at once, same download directory */
	sent_before = sent[1];
	run_for(3000);
	CHECK_MSG(last(&ends[0], XEV_FAILED) == NULL, "the sender gave up: %s",
	    ends[0].evreason[last_index(&ends[0], XEV_FAILED)]);
	ev = last(&ends[1], XEV_STARTED);
	CHECK_MSG(ev != NULL && ev->from >= (4u << 20), "resumed from %llu, not from the part",
	    ev != NULL ? (unsigned long long)ev->from : 0ull);
	CHECK(last(&ends[1], XEV_OFFERED) == NULL);
	ev = last(&ends[0], XEV_STARTED);
	CHECK(ev != NULL && ev->from >= (4u << 20));
	run_for(30000);
	ev = last(&ends[1], XEV_DONE);
	CHECK(ev != NULL);
	CHECK(last(&ends[0], XEV_DONE) != NULL);
	if (ev != NULL) {
		snprintf(got, sizeof(got), "%s", ends[1].evpath[last_index(&ends[1], XEV_DONE)]);
		CHECK(same_file(src, got));
		unlink(got);
	}
	CHECK((sent[1] - sent_before) * XFER_DATA_MAX < (uint64_t)(12u << 20));
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(src);
}

static void
test_existing_name_and_symlink(const char *src_dir)
{
	char src[256], path[512], err[128], got[512];
	const struct xfer_event *ev;
	int fd;

	reset_link();
	snprintf(src, sizeof(src), "%s/notes.txt", src_dir);
	write_file(src, 3000, 9);
	/* The receiver has a notes.txt already, and a symlink where notes (1).txt would go. */
	snprintf(path, sizeof(path), "%s/notes.txt", ends[1].dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && write(fd, "mine", 4) == 4);
	close(fd);
	snprintf(path, sizeof(path), "%s/notes (1).txt", ends[1].dir);
	CHECK(symlink("/etc/passwd", path) == 0);
	end_start(0);
	end_start(1);
	CHECK(xfers_send(ends[0].x, (void *)1, src) > 0);
	run_for(1000);
	ev = last(&ends[1], XEV_OFFERED);
	CHECK_EQ(xfers_accept(ends[1].x, ev != NULL ? ev->n : 0, err, sizeof(err)), 0);
	run_for(5000);
	ev = last(&ends[1], XEV_DONE);
	CHECK(ev != NULL);
	snprintf(got, sizeof(got), "%s", ev != NULL ? ends[1].evpath[last_index(&ends[1],
	    XEV_DONE)] : "");
	CHECK(strstr(got, "notes (2).txt") != NULL);
	CHECK(same_file(src, got));
	snprintf(path, sizeof(path), "%s/notes.txt", ends[1].dir);
	{
		char buf[8] = { 0 };
		FILE *f = fopen(path, "r");

		CHECK(f != NULL && fread(buf, 1, 4, f) == 4 && strcmp(buf, "mine") == 0);
		if (f)
			fclose(f);
	}
	xfers_free(ends[0].x);
	xfers_free(ends[1].x);
	ends[0].x = ends[1].x = NULL;
	unlink(got);
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes (1).txt", ends[1].dir);
	unlink(path);
	unlink(src);
}

/* A part whose content differs from the offer's hash never gets a final name. */
static void
test_hash_mismatch(void)
{
	struct store st;
	struct store_part p;
	char err[128], final[STORE_NAME_MAX + 16];
	uint8_t data[100];

	CHECK_EQ(store_open(&st, ends[1].dir, err, sizeof(err)), 0);
	memset(&p, 0, sizeof(p));
	randombytes_buf(p.id, sizeof(p.id));
	p.size = sizeof(data);
	memset(p.hash, 0x55, sizeof(p.hash));		/* not the content's */
	snprintf(p.name, sizeof(p.name), "fake.bin");
	snprintf(p.from, sizeof(p.from), "aaaa-bbbb-cccc-dddd");
	CHECK_EQ(store_part_create(&st, &p), 0);
	memset(data, 1, sizeof(data));
	CHECK_EQ(store_part_write(&p, 0, data, sizeof(data)), 0);
	CHECK_EQ(store_part_write(&p, 50, data, sizeof(data)), -ERANGE);	/* past the size */
	CHECK_EQ(store_part_finish(&st, &p, final, sizeof(final)), -EBADMSG);
	CHECK_EQ(count_dir(ends[1].dir), 0);
	store_close(&st);
}

/* --- congestion control -------------------------------------------------------------- */

static void
test_cubic(void)
{
	struct cubic c;
	uint64_t t = 1000;
	unsigned w0, i;

	cubic_init(&c, t);
	CHECK_EQ(cubic_window(&c), CUBIC_INIT_WINDOW);
	cubic_on_rtt(&c, 100);
	/* Slow start doubles a window per round trip. */
	for (i = 0; i < 4; i++) {
		unsigned w = cubic_window(&c);

		cubic_on_ack(&c, w, t += 100);
		CHECK_EQ(cubic_window(&c), 2 * w);
	}
	w0 = cubic_window(&c);
	/* A loss with no queue behind it (the RTT at its floor) is noise. */
	CHECK_EQ(cubic_on_loss(&c, t), 0);
	CHECK_EQ(cubic_window(&c), w0);
	CHECK_EQ(c.noise, 1u);
	/* A loss once a queue has built (the RTT rose) reduces the window. */
	for (i = 0; i < 20; i++)
		cubic_on_rtt(&c, 150);
	CHECK_EQ(cubic_on_loss(&c, t), 1);
	CHECK_EQ(cubic_window(&c), (unsigned)(w0 * 0.7));
	for (i = 0; i < 40; i++)
		cubic_on_rtt(&c, 100);
	/* After a loss it grows back toward the old maximum, concave then convex. */
	for (i = 0; i < 200; i++)
		cubic_on_ack(&c, cubic_window(&c), t += 100);
	CHECK(cubic_window(&c) > w0);
	/* HyStart++: slow start ends when the RTT rises, before any loss. */
	{
		struct cubic h;

		cubic_init(&h, t);
		cubic_on_rtt(&h, 100);
		for (i = 0; i < 3; i++)
			cubic_on_ack(&h, cubic_window(&h), t += 100);
		CHECK_EQ(cubic_window(&h), 8u * CUBIC_INIT_WINDOW);
		for (i = 0; i < 20; i++)
			cubic_on_rtt(&h, 130);
		cubic_on_ack(&h, 1, t += 100);
		CHECK_EQ(h.hystart_exits, 1u);
		CHECK(h.ssthresh <= 8.0 * CUBIC_INIT_WINDOW + 1);
	}
	/* A timeout collapses the window and backs the timer off. */
	cubic_on_timeout(&c, t);
	CHECK_EQ(cubic_window(&c), CUBIC_MIN_WINDOW);
	CHECK(cubic_rto(&c) >= CUBIC_RTO_MIN_MS);
	CHECK(cubic_pacing_rate(&c, 1340) > 0);
}

int
main(void)
{
	char src_dir[] = "/tmp/test_xfer.src.XXXXXX";

	if (sodium_init() < 0)
		return 1;
	timers = timers_new(NULL, &clk);
	ends[0].name = "aaaa-0000-0000-0000";
	ends[1].name = "bbbb-1111-1111-1111";
	snprintf(ends[0].dir, sizeof(ends[0].dir), "/tmp/test_xfer.a.XXXXXX");
	snprintf(ends[1].dir, sizeof(ends[1].dir), "/tmp/test_xfer.b.XXXXXX");
	if (mkdtemp(src_dir) == NULL || mkdtemp(ends[0].dir) == NULL ||
	    mkdtemp(ends[1].dir) == NULL)
		return 1;
	test_messages();
	test_names();
	test_cubic();
	test_transfer_with_loss(src_dir);
	test_past_the_ring(src_dir);
	test_full_link(src_dir);
	test_outage(src_dir);
	test_reject_and_silence(src_dir);
	test_resume_after_restart(src_dir);
	test_quick_restart(src_dir);
	test_existing_name_and_symlink(src_dir);
	test_hash_mismatch();
	CHECK_EQ(timers_next(timers), UINT64_MAX);
	timers_free(timers);
	rmdir(ends[0].dir);
	rmdir(ends[1].dir);
	rmdir(src_dir);
	printf("test_xfer: %llu datagrams, %llu lost\n", sent[0] + sent[1], lost_n);
	return check_exit("test_xfer");
}
