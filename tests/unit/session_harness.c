/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session_harness.c — the manual clock, the datagram queue and the loop (session_harness.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/fake_runner.h"
#include "tests/unit/session_harness.h"

/* --- the clock --------------------------------------------------------------------- */

uint64_t now_ns = 1000000000ull;
const uint64_t unix_base_ms = 1700000000000ull;
struct timers *timers;

static uint64_t
fake_mono(void *arg)
{
	(void)arg;
	return now_ns;
}

uint64_t
fake_unix(void *arg)
{
	(void)arg;
	return unix_base_ms + now_ns / 1000000u;
}

const struct clock fake_clock = { fake_mono, fake_unix, NULL };

uint64_t
now_ms(void)
{
	return now_ns / 1000000u;
}

/* --- the network ---------------------------------------------------------------------- */

static struct dgram queue[QUEUE];
static unsigned qhead, qlen;

struct dgram *
queue_put(void)
{
	struct dgram *d;

	if (qlen == QUEUE)
		return NULL;
	d = &queue[(qhead + qlen++) % QUEUE];
	memset(d, 0, sizeof(*d));
	d->at = now_ns + LATENCY_NS;
	return d;
}

int
queue_take_due(struct dgram *d)
{
	if (qlen == 0 || queue[qhead].at > now_ns)
		return 0;
	*d = queue[qhead];
	qhead = (qhead + 1) % QUEUE;
	qlen--;
	return 1;
}

uint64_t
queue_next(void)
{
	return qlen > 0 ? queue[qhead].at : UINT64_MAX;
}

void
queue_clear(void)
{
	qhead = qlen = 0;
}

/* --- driving --------------------------------------------------------------------------- */

static unsigned (*deliver)(void);

void
harness_init(unsigned (*deliver_fn)(void))
{
	deliver = deliver_fn;
	timers = timers_new(NULL, &fake_clock);
}

void
run_until(uint64_t end_ms)
{
	uint64_t end = end_ms * 1000000u, next;

	for (;;) {
		unsigned progress;

		do {
			progress = fake_runner_flush() + fake_runner_answer_puts(true) + deliver() +
			    timers_run(timers);
		} while (progress > 0);
		next = timers_next(timers);
		if (queue_next() < next)
			next = queue_next();
		if (next > end)
			break;
		if (next > now_ns)
			now_ns = next;
	}
	now_ns = end;
}

void
run_for(uint64_t ms)
{
	run_until(now_ms() + ms);
}

/* --- nodes ----------------------------------------------------------------------------- */

void
node_dir_make(char dir[64], char idpath[96], const char *prefix)
{
	if (snprintf(dir, 64, "/tmp/%s.XXXXXX", prefix) >= 64 || mkdtemp(dir) == NULL)
		abort();
	snprintf(idpath, 96, "%s/identity", dir);
}

void
node_dir_remove(const char *dir, const char *idpath)
{
	char rm[128];

	unlink(idpath);
	if (rmdir(dir) != 0) {		/* a cache's files, downloads */
		snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
		if (system(rm) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

void
node_env(struct session_env *env, struct ui *ui,
    int (*send)(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len),
    void *arg, uint16_t port, void (*done)(void *arg, unsigned delay_ms))
{
	memset(env, 0, sizeof(*env));
	env->timers = timers;
	env->ui = ui;
	env->wire.send = send;
	env->wire.arg = arg;
	env->wire.port = port;
	env->wire.families = SESSION_WIRE_V4;
	env->done = done;
	env->done_arg = arg;
}
