/* fuzz-sources: src/xfer/xfer_msg.c src/xfer/xfer.c src/xfer/xfer_core.c src/xfer/xfer_tx.c src/xfer/xfer_rx.c src/xfer/cubic.c src/xfer/store.c src/ui/sanitize.c src/clock/timer.c dht/wire/utf8.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_xfer.c — libFuzzer target for the file transfer messages and the
 * transfers that consume them.
 *
 * The input is a sequence of [length (1 byte), delay (1 byte), message]:
 *   - every message goes through xfer_msg_parse(); whatever parses must
 *     build back to the same bytes;
 *   - then to a set of transfers holding one outgoing transfer of a small
 *     file that the receiver accepted (so ACKs, SACKs, DONE and CANCEL reach
 *     the pump and the scoreboard), while the manual clock moves on by the
 *     delay. An OFFER in the input becomes an incoming transfer that is
 *     never accepted, so nothing is written to disk. Whatever the set sends
 *     must parse; the rest is the sanitizers' and the library's job.
 * If the first message's id byte 0 is 0xff, the outgoing transfer's own id
 * is patched into every message, so the fuzzer reaches its state machine.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/xfer/xfer.h"
#include "src/xfer/xfer_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t now_ns = 1000000000ull;
static char file[64];
static uint8_t tx_id[XFER_ID_LEN];

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

static int
sink(void *arg, void *peer, const uint8_t *buf, size_t len)
{
	struct xfer_msg m;

	(void)arg;
	(void)peer;
	assert(xfer_msg_parse(buf, len, &m) == XFER_OK);
	if (m.type == XFER_OFFER)
		memcpy(tx_id, m.id, XFER_ID_LEN);
	return 0;
}

static void
on_event(void *arg, const struct xfer_event *ev)
{
	(void)arg;
	assert(ev->done <= ev->size);
}

static void
roundtrip(const uint8_t *buf, size_t len)
{
	uint8_t out[XFER_MSG_MAX];
	struct xfer_msg m;
	size_t n;

	if (xfer_msg_parse(buf, len, &m) != XFER_OK)
		return;
	n = xfer_msg_build(out, sizeof(out), &m);
	assert(n == len && memcmp(out, buf, len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfer_env env;
	struct timers *timers;
	struct xfers *x;
	uint8_t msg[XFER_MSG_MAX + 1];
	struct xfer_msg a;
	size_t off = 0;
	int patch = 0;

	if (file[0] == '\0') {
		FILE *f;

		if (sodium_init() < 0)
			abort();
		snprintf(file, sizeof(file), "/tmp/fuzz_xfer.%d", (int)getpid());
		if ((f = fopen(file, "w")) == NULL)
			abort();
		for (int i = 0; i < 20000; i++)
			fputc(i & 0xff, f);
		fclose(f);
	}
	timers = timers_new(NULL, &clk);
	memset(&env, 0, sizeof(env));
	env.timers = timers;
	env.download_dir = "/nonexistent/fuzz_xfer";	/* nothing is ever accepted */
	env.send = sink;
	env.event = on_event;
	x = xfers_new(&env);
	if (xfers_send(x, (void *)1, file) <= 0)
		abort();
	/* Hash it, offer it, and have it accepted from 0. */
	while (timers_next(timers) <= now_ns)
		(void)timers_run(timers);
	memset(&a, 0, sizeof(a));
	a.type = XFER_ACCEPT;
	memcpy(a.id, tx_id, XFER_ID_LEN);
	{
		size_t n = xfer_msg_build(msg, sizeof(msg), &a);

		xfers_input(x, (void *)1, "fuzz", msg, n);
	}
	while (off + 2 <= size) {
		size_t len = data[off];
		uint64_t delay = data[off + 1];

		off += 2;
		if (len > size - off)
			len = size - off;
		memcpy(msg, data + off, len);
		off += len;
		if (len > 4 && off == len + 2 && msg[4] == 0xff)
			patch = 1;
		if (patch && len >= 4 + XFER_ID_LEN)
			memcpy(msg + 4, tx_id, XFER_ID_LEN);
		roundtrip(msg, len);
		xfers_input(x, (void *)1, "fuzz", msg, len);
		now_ns += delay * 7000000u;		/* up to 1.8 s a step */
		while (timers_next(timers) <= now_ns)
			(void)timers_run(timers);
	}
	xfers_free(x);
	timers_free(timers);
	return 0;
}
