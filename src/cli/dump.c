/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dump.c — gonet --dht-dump (dump.h).
 *
 * Phases: wait for the bootstrap pings (or DUMP_BOOT_TIMEOUT), print the
 * node; with a room, get both infohashes and collect every value until both
 * gets are done (or DUMP_GET_TIMEOUT), then judge them all at once: values
 * arrive in any order, and judging them by descending seq is what makes an
 * older copy of a record show as "seq" rather than pass before the newer
 * one. With --watch, then listen and judge each new value as it comes.
 */
#include "config.h"

#include <sys/queue.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "src/cli/dump.h"
#include "src/clock/clock.h"
#include "src/ui/json.h"
#include "src/cli/recfmt.h"
#include "src/ui/sanitize.h"
#include "dht/record/record.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"

enum {
	NHASH = 2,			/* current and next epoch */
	MAX_VALUES = 1024,		/* kept for judging; more are counted, not shown */
	PUBLIC_MAX = 8
};

enum phase {
	PHASE_BOOT,
	PHASE_GET,
	PHASE_WATCH,
	PHASE_END
};

struct dump_value {
	int hash;			/* index in d->hash */
	uint64_t value_id;
	size_t len;
	uint8_t *data;
	enum record_reject why;
	struct record rec;
};

struct dump_hash {
	struct dump *d;
	uint64_t epoch;
	uint8_t infohash[ROOM_INFOHASH_LEN];
	bool done;
	struct runner_op *listen;
};

struct dump {
	struct dump_config cfg;
	struct clock clock;
	enum phase phase;
	struct event *timer;
	struct record_seen *seen;
	struct dump_hash hash[NHASH];
	struct dump_value *values;
	size_t nvalues;
	uint64_t counts[REC__COUNT];
	uint64_t overflow;
	bool boot_shortened;
};

static uint64_t
now_s(const struct dump *d)
{
	return clock_unix_ms(&d->clock) / 1000;
}

static void
arm(struct dump *d, int seconds)
{
	struct timeval tv = { seconds, 0 };

	evtimer_add(d->timer, &tv);
}

/* --- node ----------------------------------------------------------------------------- */

static const char *
boot_state(enum runner_boot_state s)
{
	switch (s) {
	case RUNNER_BOOT_OK:		return "ok";
	case RUNNER_BOOT_FAILED:	return "failed";
	case RUNNER_BOOT_PENDING:	break;
	}
	return "pending";
}

static void
print_node(struct dump *d)
{
	struct runner *r = d->cfg.runner;
	struct sockaddr_storage pub[PUBLIC_MAX];
	const struct runner_boot *boots;
	uint8_t id[RUNNER_HASH_LEN];
	char hex[2 * RUNNER_HASH_LEN + 1], addr[RECFMT_ADDR_LEN];
	size_t i, npub, nboots;

	runner_node_id(r, id);
	sodium_bin2hex(hex, sizeof(hex), id, sizeof(id));
	npub = runner_public_addrs(r, pub, PUBLIC_MAX);
	boots = runner_boots(r, &nboots);

	if (d->cfg.json) {
		struct json j;
		char arr[2048];
		size_t len = 0;

		json_begin(&j);
		json_str(&j, "type", "node");
		json_str(&j, "node_id", hex);
		json_uint(&j, "port4", runner_bound_port(r, AF_INET));
		json_uint(&j, "port6", runner_bound_port(r, AF_INET6));
		len += (size_t)snprintf(arr + len, sizeof(arr) - len, "[");
		for (i = 0; i < npub && len < sizeof(arr); i++) {
			recfmt_sockaddr((struct sockaddr *)&pub[i], addr);
			len += (size_t)snprintf(arr + len, sizeof(arr) - len, "%s\"%s\"",
			    i ? "," : "", addr);
		}
		if (len < sizeof(arr))
			snprintf(arr + len, sizeof(arr) - len, "]");
		json_raw(&j, "public", arr);
		len = 0;
		len += (size_t)snprintf(arr + len, sizeof(arr) - len, "[");
		for (i = 0; i < nboots && len < sizeof(arr); i++) {
			struct json b;

			recfmt_sockaddr((const struct sockaddr *)&boots[i].addr, addr);
			json_begin(&b);
			json_strn(&b, "host", boots[i].host, strlen(boots[i].host));
			json_uint(&b, "port", boots[i].port);
			json_str(&b, "addr", addr);
			json_str(&b, "state", boot_state(boots[i].state));
			if (boots[i].state == RUNNER_BOOT_OK)
				json_double(&b, "rtt_ms", boots[i].rtt_ms);
			len += (size_t)snprintf(arr + len, sizeof(arr) - len, "%s%s", i ? "," : "",
			    json_end(&b));
		}
		if (len < sizeof(arr))
			snprintf(arr + len, sizeof(arr) - len, "]");
		json_raw(&j, "bootstrap", arr);
		json_print(&j, stdout);
		return;
	}

	printf("node id      %s\n", hex);
	printf("bound ports  IPv4 %u, IPv6 %u\n", runner_bound_port(r, AF_INET),
	    runner_bound_port(r, AF_INET6));
	if (npub == 0)
		printf("public addr  (no DHT node has reported one yet)\n");
	for (i = 0; i < npub; i++) {
		recfmt_sockaddr((struct sockaddr *)&pub[i], addr);
		printf("%s  %s\n", i == 0 ? "public addr" : "           ", addr);
	}
	if (nboots == 0)
		printf("bootstrap    (none resolved)\n");
	for (i = 0; i < nboots; i++) {
		recfmt_sockaddr((const struct sockaddr *)&boots[i].addr, addr);
		printf("%s  ", i == 0 ? "bootstrap  " : "           ");
		sanitize_fputs(boots[i].host, stdout);
		printf(":%u [%s] %s", boots[i].port, addr, boot_state(boots[i].state));
		if (boots[i].state == RUNNER_BOOT_OK)
			printf(", rtt %.1f ms", boots[i].rtt_ms);
		printf("\n");
	}
	fflush(stdout);
}

/* --- values ----------------------------------------------------------------------- */

static void
print_hashes(struct dump *d)
{
	char hex[2 * ROOM_INFOHASH_LEN + 1];
	int i;

	for (i = 0; i < NHASH; i++) {
		sodium_bin2hex(hex, sizeof(hex), d->hash[i].infohash, ROOM_INFOHASH_LEN);
		if (d->cfg.json) {
			struct json j;

			json_begin(&j);
			json_str(&j, "type", "infohash");
			json_uint(&j, "epoch", d->hash[i].epoch);
			json_str(&j, "infohash", hex);
			json_str(&j, "which", i == 0 ? "current" : "next");
			json_print(&j, stdout);
		} else {
			printf("%s  epoch %llu %s (%s)\n", i == 0 ? "infohash   " : "           ",
			    (unsigned long long)d->hash[i].epoch, hex, i == 0 ? "current" : "next");
		}
	}
	fflush(stdout);
}

static void
print_value(struct dump *d, const struct dump_value *v)
{
	const struct dump_hash *h = &d->hash[v->hash];
	char hex[2 * ROOM_INFOHASH_LEN + 1];
	bool decoded = v->why == REC_OK || v->why == REC_SEQ || v->why == REC_OWNID ||
	    v->why == REC_DUPLICATE;

	if (d->cfg.json) {
		struct json j;

		sodium_bin2hex(hex, sizeof(hex), h->infohash, ROOM_INFOHASH_LEN);
		json_begin(&j);
		json_str(&j, "type", "value");
		json_uint(&j, "epoch", h->epoch);
		json_str(&j, "infohash", hex);
		json_uint(&j, "value_id", v->value_id);
		json_uint(&j, "size", v->len);
		json_str(&j, "result", record_reject_name(v->why));
		if (decoded)
			recfmt_record_json(&j, &v->rec, now_s(d));
		json_print(&j, stdout);
		return;
	}
	printf("value  epoch %llu  %4zu bytes  %-9s", (unsigned long long)h->epoch, v->len,
	    record_reject_name(v->why));
	if (decoded) {
		printf(" ");
		recfmt_record_text(stdout, &v->rec, now_s(d));
	}
	printf("\n");
	fflush(stdout);
}

static void
print_summary(struct dump *d)
{
	size_t total = 0;
	int i;

	for (i = 0; i < REC__COUNT; i++)
		total += d->counts[i];
	if (d->cfg.json) {
		struct json j, c;

		json_begin(&c);
		for (i = 0; i < REC__COUNT; i++)
			if (d->counts[i] > 0)
				json_uint(&c, record_reject_name(i), d->counts[i]);
		json_begin(&j);
		json_str(&j, "type", "done");
		json_uint(&j, "values", total);
		json_raw(&j, "counts", json_end(&c));
		json_print(&j, stdout);
		return;
	}
	printf("summary      %zu value%s", total, total == 1 ? "" : "s");
	for (i = 0; i < REC__COUNT; i++)
		if (d->counts[i] > 0)
			printf(", %s %llu", record_reject_name(i), (unsigned long long)d->counts[i]);
	if (d->overflow > 0)
		printf(" (%llu more not kept)", (unsigned long long)d->overflow);
	printf("\n");
	fflush(stdout);
}

static bool
seen_value(const struct dump *d, int hash, uint64_t value_id)
{
	size_t i;

	for (i = 0; i < d->nvalues; i++)
		if (d->values[i].hash == hash && d->values[i].value_id == value_id)
			return true;
	return false;
}

static struct dump_value *
keep_value(struct dump *d, int hash, const uint8_t *data, size_t len, uint64_t value_id)
{
	struct dump_value *v;

	if (d->nvalues == MAX_VALUES) {
		d->overflow++;
		return NULL;
	}
	v = &d->values[d->nvalues];
	memset(v, 0, sizeof(*v));
	if ((v->data = malloc(len > 0 ? len : 1)) == NULL)
		return NULL;
	memcpy(v->data, data, len);
	v->len = len;
	v->hash = hash;
	v->value_id = value_id;
	d->nvalues++;
	return v;
}

static int
by_seq_desc(const void *a, const void *b)
{
	const struct dump_value *x = *(struct dump_value *const *)a;
	const struct dump_value *y = *(struct dump_value *const *)b;

	return x->rec.seq < y->rec.seq ? 1 : x->rec.seq > y->rec.seq ? -1 : 0;
}

/* Open every value, then accept the good ones highest seq first. */
static void
judge_all(struct dump *d)
{
	struct dump_value **ok;
	uint64_t now = now_s(d);
	size_t i, n = 0;

	if ((ok = calloc(d->nvalues + 1, sizeof(*ok))) == NULL)
		return;
	for (i = 0; i < d->nvalues; i++) {
		struct dump_value *v = &d->values[i];

		v->why = record_open(v->data, v->len, d->cfg.keys->record,
		    d->hash[v->hash].infohash, now, &v->rec);
		if (v->why == REC_OK)
			ok[n++] = v;
	}
	qsort(ok, n, sizeof(*ok), by_seq_desc);
	for (i = 0; i < n; i++)
		ok[i]->why = record_accept(d->seen, &ok[i]->rec, now);
	free(ok);
	for (i = 0; i < d->nvalues; i++) {
		d->counts[d->values[i].why]++;
		print_value(d, &d->values[i]);
	}
}

static void
on_get_value(void *arg, const uint8_t *data, size_t len, uint64_t value_id, bool expired)
{
	struct dump_hash *h = arg;
	struct dump *d = h->d;

	if (d->phase != PHASE_GET || seen_value(d, (int)(h - d->hash), value_id))
		return;
	keep_value(d, (int)(h - d->hash), data, len, value_id);
}

static void
on_watch_value(void *arg, const uint8_t *data, size_t len, uint64_t value_id, bool expired)
{
	struct dump_hash *h = arg;
	struct dump *d = h->d;
	int hi = (int)(h - d->hash);
	struct dump_value *v;
	uint64_t now = now_s(d);

	if (expired || seen_value(d, hi, value_id))
		return;		/* listen starts by sending what the get already showed */
	if ((v = keep_value(d, hi, data, len, value_id)) == NULL)
		return;
	v->why = record_open(v->data, v->len, d->cfg.keys->record, h->infohash, now, &v->rec);
	if (v->why == REC_OK)
		v->why = record_accept(d->seen, &v->rec, now);
	d->counts[v->why]++;
	print_value(d, v);
}

static void start_watch(struct dump *d);

static void
finish_get(struct dump *d)
{
	judge_all(d);
	if (d->cfg.watch) {
		start_watch(d);
		return;
	}
	print_summary(d);
	d->phase = PHASE_END;
	event_base_loopexit(d->cfg.base, NULL);
}

static void
on_get_done(void *arg, bool ok)
{
	struct dump_hash *h = arg;
	struct dump *d = h->d;
	int i;

	h->done = true;
	if (d->phase != PHASE_GET)
		return;
	for (i = 0; i < NHASH; i++)
		if (!d->hash[i].done)
			return;
	evtimer_del(d->timer);
	finish_get(d);
}

static void
set_hashes(struct dump *d)
{
	uint64_t epochs[NHASH];
	int i;

	room_listen_epochs(now_s(d), epochs);
	for (i = 0; i < NHASH; i++) {
		d->hash[i].d = d;
		d->hash[i].epoch = epochs[i];
		room_infohash(d->cfg.keys, epochs[i], d->hash[i].infohash);
	}
}

static void
start_get(struct dump *d)
{
	int i;

	d->phase = PHASE_GET;
	set_hashes(d);
	print_hashes(d);
	for (i = 0; i < NHASH; i++)
		if (runner_get(d->cfg.runner, d->hash[i].infohash, on_get_value, on_get_done,
		    &d->hash[i]) == -1)
			d->hash[i].done = true;
	arm(d, DUMP_GET_TIMEOUT);
}

/* Listens on the current pair of epochs; moves them at each rollover (timer). */
static void
start_watch(struct dump *d)
{
	uint64_t now = now_s(d), boundary;
	int i;

	d->phase = PHASE_WATCH;
	for (i = 0; i < NHASH; i++) {
		runner_cancel_listen(d->cfg.runner, d->hash[i].listen);
		d->hash[i].listen = NULL;
	}
	if (d->hash[0].epoch != room_epoch(now)) {
		set_hashes(d);
		print_hashes(d);
	}
	for (i = 0; i < NHASH; i++)
		d->hash[i].listen = runner_listen(d->cfg.runner, d->hash[i].infohash,
		    on_watch_value, &d->hash[i]);
	boundary = (room_epoch(now) + 1) * ROOM_EPOCH_SECONDS;
	arm(d, (int)(boundary - now));
}

/* --- phases ------------------------------------------------------------------------ */

static void
boot_over(struct dump *d)
{
	print_node(d);
	if (d->cfg.keys == NULL) {
		d->phase = PHASE_END;
		event_base_loopexit(d->cfg.base, NULL);
		return;
	}
	start_get(d);
}

static void
on_boot(void *arg, bool ok)
{
	struct dump *d = arg;
	const struct runner_boot *boots;
	size_t i, n;

	if (d->phase != PHASE_BOOT)
		return;
	boots = runner_boots(d->cfg.runner, &n);
	for (i = 0; i < n; i++)
		if (boots[i].state == RUNNER_BOOT_PENDING)
			break;
	if (i == n && runner_boots_resolving(d->cfg.runner) == 0) {
		evtimer_del(d->timer);
		boot_over(d);
	} else if (ok && !d->boot_shortened) {
		/* One node answered: give the others DUMP_BOOT_GRACE more, not the full wait. */
		d->boot_shortened = true;
		evtimer_del(d->timer);
		arm(d, DUMP_BOOT_GRACE);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dump *d = arg;

	switch (d->phase) {
	case PHASE_BOOT:
		boot_over(d);
		break;
	case PHASE_GET:
		/* Some get never said done: judge what we have. */
		finish_get(d);
		break;
	case PHASE_WATCH:
		start_watch(d);	/* epoch rollover */
		break;
	case PHASE_END:
		break;
	}
}

int
dump_run(const struct dump_config *cfg)
{
	static const uint8_t no_id[RECORD_ID_LEN];
	struct dump d;
	size_t i, nboots;
	int status = 1;

	memset(&d, 0, sizeof(d));
	d.cfg = *cfg;
	d.clock = cfg->clock != NULL ? *cfg->clock : clock_real(NULL);
	if ((d.values = calloc(MAX_VALUES, sizeof(*d.values))) == NULL)
		return 1;
	if ((d.seen = record_seen_new(cfg->own_id != NULL ? cfg->own_id : no_id)) == NULL)
		goto out_values;
	if ((d.timer = evtimer_new(cfg->base, on_timer, &d)) == NULL)
		goto out_seen;

	d.phase = PHASE_BOOT;
	runner_set_boot_cb(cfg->runner, on_boot, &d);
	runner_boots(cfg->runner, &nboots);
	/* No bootstrap address at all: LAN discovery may still find nodes; give it a moment. */
	arm(&d, nboots > 0 ? DUMP_BOOT_TIMEOUT : 1);
	if (nboots > 0)
		on_boot(&d, false);	/* every ping may already be done */

	event_base_dispatch(cfg->base);
	status = 0;

	runner_set_boot_cb(cfg->runner, NULL, NULL);
	for (i = 0; i < NHASH; i++)
		runner_cancel_listen(cfg->runner, d.hash[i].listen);
	event_free(d.timer);
out_seen:
	record_seen_free(d.seen);
out_values:
	for (i = 0; i < d.nvalues; i++)
		free(d.values[i].data);
	free(d.values);
	return status;
}
