/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fake_runner.h — an in-memory DHT for unit tests. fake_runner.c defines
 * the runner_* functions of dht/runner/runner.h, so a test linking it never
 * pulls dht/runner/runner.o (and OpenDHT) out of libdht.a: the rendezvous,
 * the mailbox or a whole session run unchanged on a DHT where nothing
 * happens by itself.
 *
 *	fake_runner_flush()		plays the loop: every live listen gets the
 *					values under its hash it has not had yet
 *	fake_runner_answer_puts(ok)	OpenDHT answers every put not yet answered
 *	fake_runner_keep_nothing(on)	from now on a put reaches only the listens
 *					open at that moment; no later listen or
 *					get sees it (the nodes that held the key
 *					churned away right after)
 *	fake_runner_deliver_only(r)	from now on a put reaches r's listens and
 *					gets alone (a DHT that only some see)
 *
 * Values stay stored after a cancel, as on OpenDHT (they linger until they
 * expire); every runner_new() of a process shares the one store.
 */
#ifndef GONET_TESTS_FAKE_RUNNER_H
#define GONET_TESTS_FAKE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dht/runner/runner.h"

enum {
	FAKE_MAX_VALUES = 8192,
	FAKE_MAX_OPS = 8192,
	FAKE_VALUE_MAX = 1472
};

struct fake_value {
	uint8_t hash[RUNNER_HASH_LEN];
	uint8_t data[FAKE_VALUE_MAX];
	size_t len;
	bool dropped;			/* fake_runner_drop(): gone from the DHT */
	bool live_only;			/* fake_runner_keep_nothing(): only for ... */
	size_t ops_at_put;		/* ... the listens made before this op index */
	const struct runner *only;	/* fake_runner_deliver_only(): for its listens alone */
};

struct runner_op {
	bool listen, once, cancelled, answered;
	size_t value_max;		/* runner_listen_max: larger values come as NULL, len */
	bool get;			/* runner_get_start: answered at the next flush */
	uint8_t hash[RUNNER_HASH_LEN];
	void (*value)(void *, const uint8_t *, size_t, uint64_t, bool);
	void (*done)(void *, bool);
	void *arg;
	size_t next;			/* listen: values before this were handed over */
	const struct runner *r;		/* whose listen or get */
};

extern struct fake_value fake_store[FAKE_MAX_VALUES];
extern size_t fake_nstore;
extern struct runner_op fake_ops[FAKE_MAX_OPS];
extern size_t fake_nops;
extern unsigned fake_puts_made, fake_listens_made;
/* A runner for code that takes one without runner_new(). */
extern struct runner fake_runner;

struct runner {
	void (*boot_cb)(void *, bool);
	void *boot_arg;
	uint16_t port;
	struct runner_boot boot;	/* fake_runner_boot_pending(): one bootstrap address */
	size_t nboots;
};

/* Forget every value and operation. */
void fake_runner_reset(void);
/* Hand every live listen what it has not had; returns how many values went out. */
unsigned fake_runner_flush(void);
/* Answer every put (permanent or once) not answered yet; returns how many. */
unsigned fake_runner_answer_puts(bool ok);
/* Listens not cancelled. */
size_t fake_runner_live_listens(void);
/* The DHT forgets every value under hash (they are not handed over again). */
void fake_runner_drop(const uint8_t hash[RUNNER_HASH_LEN]);
/* On: the DHT stores no new value (see above); reset turns it off. */
void fake_runner_keep_nothing(bool on);
/* From now on a put reaches the listens and gets of r alone (NULL: all again). */
void fake_runner_deliver_only(const struct runner *r);
/* On: every put is answered failed (no DHT node took it); reset turns it off. */
void fake_runner_refuse_puts(bool on);
/* On: each runner made from now on has one bootstrap address, its ping pending. */
void fake_runner_boot_pending(bool on);
/* The ping of r's bootstrap address is answered (ok) or given up. */
void fake_runner_boot_answer(struct runner *r, bool ok);

#endif
