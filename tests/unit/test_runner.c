/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_runner.c — the real runner (dht/runner/runner.c, OpenDHT in its
 * thread) between two nodes in this process on 127.0.0.1, bootstrapped off
 * each other: no root, no other host (issue 12, finding 5).
 *
 *   size     a listen with a maximum gets a larger value as its length only
 *            (data NULL: never copied), smaller ones whole; a get with a
 *            maximum (runner_get_start_max) the same
 *   cancel   puts cancelled before and after OpenDHT answered them are
 *            freed (runner_ops_count back where it was), not kept until
 *            runner_free
 *
 * Both twice: A a plain node, then a hybrid (runner_config.proxy_and_udp)
 * whose proxy is dead (nothing listens on 127.0.0.1 port 1): its UDP side
 * alone brings the values, every done comes once, and cancelled puts are
 * freed although their proxy side failed.
 *
 *   log      runner_config.log_path: A's OpenDHT log goes to a file, its
 *            puts and (hybrid) its proxy client's start in it, every line
 *            time-stamped; a file that cannot be opened fails runner_new
 *            with a warning that names it
 *
 * Every wait is bounded (WAIT_S); OpenDHT's answers come within a second
 * on loopback.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "dht/runner/runner.h"
#include "tests/check.h"

enum {
	WAIT_S = 20,
	MAX = 600,			/* the listen's maximum (a record's) */
	PUTS = 20
};

static struct event_base *base;
static unsigned small_seen, big_seen, big_null, dones;
static size_t big_len;

static void
on_value(void *arg, const uint8_t *data, size_t len, uint64_t id, bool expired)
{
	(void)arg;
	(void)id;
	if (expired)
		return;
	if (len <= MAX) {
		small_seen += data != NULL && data[0] == 0x5a;
	} else {
		big_seen++;
		big_null += data == NULL;
		big_len = len;
	}
}

static void
on_done(void *arg, bool ok)
{
	(void)arg;
	(void)ok;
	dones++;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

/* Run the loop until cond() or WAIT_S; returns cond(). */
static int
run_until(int (*cond)(void))
{
	struct timeval tick = { 0, 50000 };
	struct event *ev = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	time_t end = time(NULL) + WAIT_S;

	event_add(ev, &tick);
	while (!cond() && time(NULL) < end)
		event_base_loop(base, 0);
	event_free(ev);
	return cond();
}

static int
both_seen(void)
{
	return small_seen > 0 && big_seen > 0;
}

static unsigned want_dones;
static int get_over;

static void
on_get_done(void *arg, bool ok)
{
	(void)arg;
	(void)ok;
	get_over = 1;
}

static int
get_done(void)
{
	return get_over;
}

static int
all_done(void)
{
	return dones >= want_dones;
}

static struct runner *ra;
static size_t ops_base;

static int
ops_back(void)
{
	return runner_ops_count(ra) <= ops_base;
}

/* A (ra, as ca says) against B (rb): the size and cancel checks above. */
static void
exercise(struct runner *rb, const struct runner_config *ca, const char *name)
{
	struct runner_op *put[PUTS], *listen, *keep_small, *keep_big;
	uint8_t h1[RUNNER_HASH_LEN], h2[RUNNER_HASH_LEN], small[200], big[1000], v[64];
	unsigned i;

	small_seen = big_seen = big_null = dones = 0;
	big_len = 0;
	get_over = 0;
	CHECK((ra = runner_new(base, ca)) != NULL);
	if (ra == NULL)
		return;
	randombytes_buf(h1, sizeof(h1));
	randombytes_buf(h2, sizeof(h2));

	/* size: B puts a 1000-byte and a 200-byte value; A listens for at most 600. */
	memset(small, 0x5a, sizeof(small));
	memset(big, 0xa5, sizeof(big));
	listen = runner_listen_max(ra, h1, MAX, on_value, NULL);
	CHECK(listen != NULL);
	keep_big = runner_put(rb, h1, big, sizeof(big), NULL, NULL);
	keep_small = runner_put(rb, h1, small, sizeof(small), NULL, NULL);
	CHECK_MSG(run_until(both_seen), "values seen: %u small, %u big", small_seen, big_seen);
	CHECK_MSG(big_seen > 0 && big_null == big_seen && big_len == sizeof(big),
	    "a value over the maximum was copied (%u of %u, len %zu)", big_seen - big_null,
	    big_seen, big_len);
	CHECK(small_seen > 0);
	/* The same two values through a get with the same maximum. */
	small_seen = big_seen = big_null = 0;
	CHECK(runner_get_start_max(ra, h1, MAX, on_value, on_get_done, NULL) != NULL);
	CHECK_MSG(run_until(get_done), "the get never finished");
	CHECK_MSG(big_seen > 0 && big_null == big_seen, "a get copied a value over the maximum "
	    "(%u of %u)", big_seen - big_null, big_seen);
	CHECK(small_seen > 0);

	/* cancel: puts cancelled at once (no id yet) and after done are all freed. */
	ops_base = runner_ops_count(ra);
	for (i = 0; i < PUTS; i++) {
		memset(v, (int)i, sizeof(v));
		put[i] = runner_put(ra, h2, v, sizeof(v), on_done, NULL);
		CHECK(put[i] != NULL);
	}
	for (i = 0; i < PUTS / 2; i++)
		runner_cancel_put(ra, put[i]);		/* before OpenDHT answered */
	want_dones = PUTS - PUTS / 2;			/* cancelled ones call nothing back */
	CHECK_MSG(run_until(all_done), "%u of %u puts answered", dones, want_dones);
	for (i = PUTS / 2; i < PUTS; i++)
		runner_cancel_put(ra, put[i]);		/* after */
	CHECK_MSG(run_until(ops_back), "%zu operations held, %zu before the puts",
	    runner_ops_count(ra), ops_base);
	CHECK_MSG(dones == want_dones, "%u done callbacks for %u puts answered", dones, want_dones);
	printf("test_runner: %s: %u small, %u big values (all as length only); ops %zu -> %zu\n",
	    name, small_seen, big_seen, ops_base, runner_ops_count(ra));

	runner_cancel_listen(ra, listen);
	runner_cancel_put(rb, keep_big);
	runner_cancel_put(rb, keep_small);
	runner_free(ra);
	ra = NULL;
}

static char warned[512];

static void
on_warn(void *arg, const char *text)
{
	(void)arg;
	snprintf(warned, sizeof(warned), "%s", text);
}

/* Lines of path that contain what (NULL: all), and whether each is stamped. */
static unsigned
log_lines(const char *path, const char *what, bool *all_stamped)
{
	char line[2048];
	unsigned n = 0;
	FILE *f = fopen(path, "r");

	*all_stamped = true;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned s, us;
		char c;

		if (sscanf(line, "[%u.%u%c", &s, &us, &c) != 3 || c != ']')
			*all_stamped = false;
		n += what == NULL || strstr(line, what) != NULL;
	}
	fclose(f);
	return n;
}

int
main(void)
{
	struct runner_config ca, cb;
	struct runner_host boot;
	struct runner *rb;
	char logpath[] = "/tmp/gonet-test-runner-log.XXXXXX";
	bool stamped;
	int fd;

	if (sodium_init() < 0)
		return 1;
	evthread_use_pthreads();
	base = event_base_new();
	memset(&cb, 0, sizeof(cb));
	if ((rb = runner_new(base, &cb)) == NULL) {
		printf("SKIP: no OpenDHT node on 127.0.0.1\n");
		return 77;
	}
	boot.host = "127.0.0.1";
	boot.port = runner_bound_port(rb, AF_INET);
	memset(&ca, 0, sizeof(ca));
	ca.bootstrap = &boot;
	ca.nbootstrap = 1;
	if ((fd = mkstemp(logpath)) == -1) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	ca.log_path = logpath;
	exercise(rb, &ca, "plain");
	CHECK(log_lines(logpath, "put: adding", &stamped) >= PUTS);
	CHECK(stamped);
	CHECK_EQ(log_lines(logpath, "[proxy:client]", &stamped), 0);
	ca.proxy = "http://127.0.0.1:1";
	ca.proxy_and_udp = true;
	exercise(rb, &ca, "hybrid, dead proxy");
	CHECK(log_lines(logpath, "[proxy:client] start proxy with http://127.0.0.1:1", &stamped) == 1);
	CHECK(stamped);
	printf("test_runner: log: %u lines\n", log_lines(logpath, NULL, &stamped));
	unlink(logpath);

	/* A log file that cannot be opened: no runner, and the user is told which. */
	memset(&ca, 0, sizeof(ca));
	ca.log_path = "/nonexistent-dir-of-gonet/dht.log";
	ca.warn = on_warn;
	CHECK(runner_new(base, &ca) == NULL);
	CHECK_MSG(strstr(warned, "cannot open the DHT log /nonexistent-dir-of-gonet/dht.log") != NULL,
	    "warned: %s", warned);
	runner_free(rb);
	event_base_free(base);
	return check_exit("test_runner");
}
