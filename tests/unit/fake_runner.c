/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake_runner.c — an in-memory DHT for unit tests (fake_runner.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_runner.h"

struct fake_value fake_store[FAKE_MAX_VALUES];
size_t fake_nstore;
struct runner_op fake_ops[FAKE_MAX_OPS];
size_t fake_nops;
unsigned fake_puts_made, fake_listens_made;
struct runner fake_runner;
static bool keep_nothing;
static const struct runner *deliver_only;
static bool refuse_puts, boot_pending;

static struct runner_op *
op_new(const uint8_t hash[RUNNER_HASH_LEN])
{
	struct runner_op *op;

	if (fake_nops == FAKE_MAX_OPS)
		abort();
	op = &fake_ops[fake_nops++];
	memset(op, 0, sizeof(*op));
	memcpy(op->hash, hash, RUNNER_HASH_LEN);
	return op;
}

static void
store(const uint8_t hash[RUNNER_HASH_LEN], const uint8_t *data, size_t len)
{
	if (fake_nstore == FAKE_MAX_VALUES || len > FAKE_VALUE_MAX)
		abort();
	memcpy(fake_store[fake_nstore].hash, hash, RUNNER_HASH_LEN);
	memcpy(fake_store[fake_nstore].data, data, len);
	fake_store[fake_nstore].len = len;
	fake_store[fake_nstore].dropped = false;
	fake_store[fake_nstore].live_only = keep_nothing;
	fake_store[fake_nstore].only = deliver_only;
	fake_store[fake_nstore].ops_at_put = fake_nops;
	fake_nstore++;
	fake_puts_made++;
}

/*
 * Whether stored value j reaches runner r's op on hash: a dropped value
 * never does, one stored for one runner only reaches that one, and a
 * live-only value only a listen that was made before it was stored (op
 * index `listen` below its ops_at_put; a get passes NO_LISTEN).
 */
#define NO_LISTEN ((size_t)-1)

static bool
visible(size_t j, const struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], size_t listen)
{
	const struct fake_value *v = &fake_store[j];

	return !v->dropped && !(v->live_only && listen >= v->ops_at_put) &&
	    (v->only == NULL || v->only == r) &&
	    memcmp(v->hash, hash, RUNNER_HASH_LEN) == 0;
}

struct runner *
runner_new(struct event_base *base, const struct runner_config *cfg)
{
	static uint16_t next_port = 40000;
	struct runner *r;

	(void)base;
	(void)cfg;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->port = next_port++;
	if (boot_pending) {
		r->nboots = 1;
		r->boot.state = RUNNER_BOOT_PENDING;
	}
	return r;
}

void
runner_free(struct runner *r)
{
	free(r);
}

struct runner_op *
runner_put(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], const uint8_t *data, size_t len,
    void (*done)(void *, bool), void *arg)
{
	struct runner_op *op = op_new(hash);

	(void)r;
	op->done = done;
	op->arg = arg;
	store(hash, data, len);
	return op;
}

struct runner_op *
runner_put_once(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], const uint8_t *data,
    size_t len, void (*done)(void *, bool), void *arg)
{
	struct runner_op *op = runner_put(r, hash, data, len, done, arg);

	op->once = true;
	return op;
}

void
runner_cancel_put(struct runner *r, struct runner_op *op)
{
	(void)r;
	if (op != NULL)
		op->cancelled = true;
}

struct runner_op *
runner_listen(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg)
{
	return runner_listen_max(r, hash, 0, value, arg);
}

size_t
runner_ops_count(const struct runner *r)
{
	size_t i, n = 0;

	(void)r;
	for (i = 0; i < fake_nops; i++)
		n += !fake_ops[i].cancelled;
	return n;
}

struct runner_op *
runner_listen_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], size_t max,
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg)
{
	struct runner_op *op = op_new(hash);

	op->r = r;
	op->value_max = max;
	op->listen = true;
	op->value = value;
	op->arg = arg;
	fake_listens_made++;
	return op;
}

void
runner_cancel_listen(struct runner *r, struct runner_op *op)
{
	(void)r;
	if (op != NULL)
		op->cancelled = true;
}

int
runner_get(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool),
    void (*done)(void *, bool), void *arg)
{
	size_t j;

	for (j = 0; j < fake_nstore; j++)
		if (value != NULL && visible(j, r, hash, NO_LISTEN))
			value(arg, fake_store[j].data, fake_store[j].len, j + 1, false);
	if (done != NULL)
		done(arg, true);
	return 0;
}

struct runner_op *
runner_get_start(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool),
    void (*done)(void *, bool), void *arg)
{
	return runner_get_start_max(r, hash, 0, value, done, arg);
}

struct runner_op *
runner_get_start_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], size_t max,
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool),
    void (*done)(void *, bool), void *arg)
{
	struct runner_op *op = op_new(hash);

	op->r = r;
	op->value_max = max;
	op->get = true;
	op->value = value;
	op->done = done;
	op->arg = arg;
	return op;
}

void
runner_cancel_get(struct runner *r, struct runner_op *op)
{
	(void)r;
	if (op != NULL)
		op->cancelled = true;
}

void
runner_set_boot_cb(struct runner *r, void (*fn)(void *, bool), void *arg)
{
	r->boot_cb = fn;
	r->boot_arg = arg;
}

void
runner_node_id(const struct runner *r, uint8_t out[RUNNER_HASH_LEN])
{
	memset(out, 0, RUNNER_HASH_LEN);
	memcpy(out, &r->port, sizeof(r->port));
}

uint16_t
runner_bound_port(const struct runner *r, int family)
{
	(void)family;
	return r->port;
}

size_t
runner_public_addrs(const struct runner *r, struct sockaddr_storage *out, size_t max)
{
	(void)r;
	(void)out;
	(void)max;
	return 0;
}

const struct runner_boot *
runner_boots(const struct runner *r, size_t *n)
{
	*n = r->nboots;
	return r->nboots > 0 ? &r->boot : NULL;
}

size_t
runner_boots_resolving(const struct runner *r)
{
	(void)r;
	return 0;
}

size_t
runner_boots_ok(const struct runner *r)
{
	(void)r;
	return 0;
}

void
fake_runner_reset(void)
{
	fake_nstore = fake_nops = 0;
	fake_puts_made = fake_listens_made = 0;
	keep_nothing = false;
	deliver_only = NULL;
	refuse_puts = boot_pending = false;
}

void
fake_runner_refuse_puts(bool on)
{
	refuse_puts = on;
}

void
fake_runner_boot_pending(bool on)
{
	boot_pending = on;
}

void
fake_runner_boot_answer(struct runner *r, bool ok)
{
	r->boot.state = ok ? RUNNER_BOOT_OK : RUNNER_BOOT_FAILED;
	if (r->boot_cb != NULL)
		r->boot_cb(r->boot_arg, ok);
}

void
fake_runner_keep_nothing(bool on)
{
	keep_nothing = on;
}

void
fake_runner_deliver_only(const struct runner *r)
{
	deliver_only = r;
}

unsigned
fake_runner_flush(void)
{
	unsigned handed = 0;
	bool again = true;
	size_t i, j;

	while (again) {
		again = false;
		for (i = 0; i < fake_nops; i++) {
			struct runner_op *op = &fake_ops[i];

			/* A get: what is stored now (not live-only values), then done, once. */
			if (op->get && !op->cancelled && !op->answered) {
				op->answered = true;
				for (j = 0; j < fake_nstore && !op->cancelled; j++)
					if (visible(j, op->r, op->hash, NO_LISTEN)) {
						op->value(op->arg, op->value_max != 0 &&
						    fake_store[j].len > op->value_max ? NULL :
						    fake_store[j].data, fake_store[j].len, j + 1, false);
						handed++;
					}
				if (!op->cancelled && op->done != NULL)
					op->done(op->arg, true);
				again = true;
				continue;
			}

			for (j = op->next; op->listen && !op->cancelled && j < fake_nstore; j++) {
				op->next = j + 1;
				if (!visible(j, op->r, op->hash, i))
					continue;
				op->value(op->arg, op->value_max != 0 &&
				    fake_store[j].len > op->value_max ? NULL : fake_store[j].data,
				    fake_store[j].len, j + 1, false);
				handed++;
				again = true;
			}
		}
	}
	return handed;
}

unsigned
fake_runner_answer_puts(bool ok)
{
	size_t i, until = fake_nops;	/* not the puts the answers cause */
	unsigned n = 0;

	for (i = 0; i < until; i++) {
		struct runner_op *op = &fake_ops[i];

		if (op->listen || op->get || op->answered || op->cancelled)
			continue;
		op->answered = true;
		n++;
		if (op->done != NULL)
			op->done(op->arg, ok && !refuse_puts);
	}
	return n;
}

size_t
fake_runner_live_listens(void)
{
	size_t i, n = 0;

	for (i = 0; i < fake_nops; i++)
		n += fake_ops[i].listen && !fake_ops[i].cancelled;
	return n;
}

void
fake_runner_drop(const uint8_t hash[RUNNER_HASH_LEN])
{
	size_t j;

	for (j = 0; j < fake_nstore; j++)
		if (memcmp(fake_store[j].hash, hash, RUNNER_HASH_LEN) == 0)
			fake_store[j].dropped = true;
}
