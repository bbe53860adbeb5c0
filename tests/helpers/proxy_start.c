/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * proxy_start.c — starts OpenDHT's proxy client (runner_new with a proxy)
 * again and again while this thread is stalled in short bursts, as a busy
 * machine would stall it: the start-up race of dht/runner/proxy_gate.cpp.
 * Without the gate, the proxy's first answer reaches a half-built client
 * within a few starts and the process dies of SIGSEGV.
 *
 *	proxy_start URL STARTS
 *
 * While runner_new() runs, a timer signal aimed at this thread alone
 * sleeps STALL_US in its handler every PERIOD_US (the first at a random
 * point), so the client's own threads run ahead of it. A start counts only
 * when a get through the proxy then comes back ok (the proxy answered).
 * Prints how many starts counted; exit 0 when all did, 1 otherwise. Every
 * wait is bounded (GET_WAIT_S per start).
 */
#include "config.h"

#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "dht/runner/runner.h"

enum {
	STALL_US = 1000,
	PERIOD_US = 1200,		/* so this thread runs 200 us of each 1.2 ms */
	FIRST_MAX_US = 400,
	GET_WAIT_S = 10,
	STARTS_MAX = 1000
};

static struct event_base *base;
static int get_over, get_ok;

static void
stall(int sig)
{
	struct timespec ts = { 0, STALL_US * 1000L };
	int e = errno;

	(void)sig;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	errno = e;
}

static void
on_done(void *arg, bool ok)
{
	(void)arg;
	get_over = 1;
	get_ok = ok;
}

/* One start: runner_new under stalls, then a get through the proxy. */
static int
one_start(const char *url, timer_t t, unsigned i)
{
	struct itimerspec on, off;
	struct runner_config cfg;
	struct timeval tick = { 0, 50000 };
	struct runner *r;
	uint8_t hash[RUNNER_HASH_LEN];
	time_t end;

	memset(&cfg, 0, sizeof(cfg));
	cfg.proxy = url;
	memset(&on, 0, sizeof(on));
	memset(&off, 0, sizeof(off));
	on.it_value.tv_nsec = 1000L * (1 + random() % FIRST_MAX_US);
	on.it_interval.tv_nsec = 1000L * PERIOD_US;
	timer_settime(t, 0, &on, NULL);
	r = runner_new(base, &cfg);
	timer_settime(t, 0, &off, NULL);
	if (r == NULL) {
		fprintf(stderr, "proxy_start: runner_new failed at start %u\n", i);
		return 0;
	}
	memset(hash, 0, sizeof(hash));
	hash[0] = (uint8_t)i;
	get_over = get_ok = 0;
	end = time(NULL) + GET_WAIT_S;
	if (runner_get_start(r, hash, NULL, on_done, NULL) != NULL)
		while (!get_over && time(NULL) < end) {
			event_base_loopexit(base, &tick);	/* look again every 50 ms */
			event_base_loop(base, 0);
		}
	runner_free(r);
	if (!get_ok)
		fprintf(stderr, "proxy_start: start %u: the get through the proxy %s\n", i,
		    get_over ? "failed" : "never ended");
	return get_ok;
}

int
main(int argc, char **argv)
{
	struct sigevent sev;
	struct sigaction sa;
	timer_t t;
	unsigned i, n, ok = 0;

	if (argc != 3 || (n = (unsigned)strtoul(argv[2], NULL, 10)) == 0 || n > STARTS_MAX) {
		fprintf(stderr, "usage: proxy_start URL STARTS (1..%d)\n", STARTS_MAX);
		return 2;
	}
	evthread_use_pthreads();
	if ((base = event_base_new()) == NULL)
		return 2;
	srandom((unsigned)getpid());
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stall;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGRTMIN, &sa, NULL) == -1)
		return 2;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);	/* this thread only */
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) == -1) {
		perror("proxy_start: timer_create");
		return 2;
	}
	for (i = 0; i < n; i++)
		ok += one_start(argv[1], t, i);
	timer_delete(t);
	event_base_free(base);
	printf("proxy_start: %u of %u starts reached the proxy\n", ok, n);
	return ok == n ? 0 : 1;
}
