/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * runner.c — OpenDHT's threaded runner behind a libevent-friendly interface.
 *
 * Threads: OpenDHT calls every callback below whose name ends in _cb on its
 * own thread. Those only copy into a struct runner_msg, append it to r->queue
 * under r->lock and event_active() r->wake; on_wake() then runs on the loop's
 * thread and is the only place that touches ops and user callbacks.
 *
 * Op lifetime: OpenDHT keeps a pointer to the op (its user data) until it is
 * done with it, so an op is freed only when the user released it AND OpenDHT
 * said it will not call back again:
 *   get, ping    the done callback is the last one;
 *   listen       the shutdown callback runs when OpenDHT drops the listener;
 *   put          the done callback is the last one too (OpenDHT calls an
 *                announce's callback once and drops it; a cancel drops it
 *                uncalled, which is why a put is cancelled in OpenDHT only
 *                once done has brought its value id);
 *   put once     not permanent: the done callback is the last one.
 * runner_free() deletes the OpenDHT runner first (joining its thread), then
 * frees whatever is left.
 *
 * Hybrid (runner_config.proxy with proxy_and_udp): two OpenDHT runners, our
 * own UDP node (r->dht) and a proxy client (r->proxy). Each put, get and
 * listen then has a side in each (struct op_side, OpenDHT's user data);
 * values from either reach the one user callback, and the done callback
 * runs once: at the first side that succeeds, or when every side has
 * failed (a put: or when the UDP side failed, so that a dead proxy never
 * delays publishing again). An op is finished when every side is.
 * Bootstrap pings, the node id, ports and public addresses are the UDP
 * node's.
 *
 * OpenDHT's proxy client (alone or in a hybrid) is started behind a gate
 * (run_config, proxy_gate.cpp): its constructor races its own HTTP thread.
 * Every OpenDHT runner is started by odht_run.cpp, which can send
 * OpenDHT's log to a file (runner_config.log_path, --dht-log).
 *
 * Bootstrap names are resolved off the loop: one detached thread per name
 * (getaddrinfo, every A and AAAA address) hands its addresses to the loop
 * through the same queue (MSG_RESOLVED), and the loop pings each. A thread
 * may outlive the runner (a DNS timeout): it shares a small job with it,
 * and runner_free() cuts the job's link under the job's lock, so a late
 * answer is dropped instead of touching a freed runner.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <opendht/opendht_c.h>
#include <sodium.h>

#include "dht/runner/odht_run.h"
#include "dht/runner/proxy_gate.h"
#include "dht/runner/runner.h"

enum {
	QUEUE_MAX = 4096,		/* messages waiting for the loop; values beyond are dropped */
	NODE_FILE_MAX = 256
};

#define NODE_FILE "dht-node"

enum op_kind {
	OP_PUT,
	OP_PUT_ONCE,
	OP_LISTEN,
	OP_GET,
	OP_PING
};

enum {
	SIDES_MAX = 2			/* the UDP node and, in a hybrid, the proxy client */
};

/* An op's part in one OpenDHT runner: OpenDHT holds a pointer to it. */
struct op_side {
	struct runner_op *op;
	dht_runner *dht;
	dht_value *value;		/* OP_PUT, OP_PUT_ONCE: our reference */
	dht_op_token *token;		/* OP_LISTEN */
	uint64_t value_id;		/* OP_PUT: OpenDHT assigns it; known after done */
	bool finished;			/* OpenDHT will not call back again (loop only) */
	bool cancel_on_done;		/* OP_PUT cancelled before its id was known */
};

struct runner_op {
	struct runner *r;
	enum op_kind kind;
	dht_infohash hash;
	struct op_side side[SIDES_MAX];
	size_t nsides;
	size_t value_max;		/* OP_LISTEN, OP_GET: larger values are not copied; 0: no limit */
	size_t boot;			/* OP_PING: index in r->boots */
	struct timespec sent;		/* OP_PING */
	atomic_bool released;		/* the user let go: no more user callbacks */
	bool finished;			/* every side finished (loop only) */
	bool told;			/* the done callback ran (loop only) */
	void (*value_cb)(void *, const uint8_t *, size_t, uint64_t, bool);
	void (*done_cb)(void *, bool);
	void *arg;
	TAILQ_ENTRY(runner_op) entry;
};

enum msg_kind {
	MSG_VALUE,
	MSG_DONE,
	MSG_GONE,			/* OP_LISTEN: OpenDHT dropped the listener */
	MSG_RESOLVED			/* no op: a bootstrap name's addresses (struct resolved) */
};

/* What a resolver thread found for one bootstrap name (MSG_RESOLVED's data). */
struct resolved {
	char host[256];
	uint16_t port;
	int error;			/* getaddrinfo's, 0: naddr addresses follow */
	size_t naddr;
	struct sockaddr_storage addr[RUNNER_MAX_BOOT_ADDRS];
	socklen_t addrlen[RUNNER_MAX_BOOT_ADDRS];
};

/* Shared by a resolver thread and the runner; freed by the last to let go. */
struct resolve_job {
	pthread_mutex_t lock;		/* protects r and refs */
	struct runner *r;		/* NULL once the runner is gone */
	int refs;
	char host[256];
	char service[8];
	uint16_t port;
};

struct runner_msg {
	STAILQ_ENTRY(runner_msg) entry;
	struct op_side *side;		/* NULL for MSG_RESOLVED */
	enum msg_kind kind;
	bool flag;			/* MSG_VALUE: expired; MSG_DONE: ok */
	bool too_big;			/* MSG_VALUE: over the op's value_max, data not copied */
	uint64_t value_id;
	size_t len;
	uint8_t data[];
};

STAILQ_HEAD(runner_msgq, runner_msg);

struct runner {
	dht_runner *dht;		/* our UDP node, or the proxy client alone */
	dht_runner *proxy;		/* hybrid: the proxy client beside it; else NULL */
	struct event_base *base;
	struct event *wake;

	pthread_mutex_t lock;		/* protects queue, queued, dropped */
	struct runner_msgq queue;
	size_t queued;
	uint64_t dropped;

	TAILQ_HEAD(, runner_op) ops;	/* loop only */

	struct runner_boot boots[RUNNER_MAX_BOOT_ADDRS];
	size_t nboots;
	struct resolve_job *jobs[RUNNER_MAX_BOOTSTRAP];
	size_t njobs;
	size_t resolving;		/* names whose addresses have not come yet */
	void (*boot_cb)(void *, bool);
	void *boot_arg;
	void (*warn)(void *, const char *);
	void *warn_arg;
	int log_fd;			/* runner_config.log_path, open; else -1 */
};

static void op_maybe_free(struct runner_op *op);

/* Tell the user, through runner_config.warn when there is one. */
static void __attribute__((format(printf, 2, 3)))
say(const struct runner *r, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (r->warn != NULL)
		r->warn(r->warn_arg, text);
	else
		warnx("%s", text);
}

/* --- runner thread side: copy, enqueue, wake ----------------------------- */

static void
enqueue(struct runner *r, struct op_side *side, enum msg_kind kind, bool flag,
    uint64_t value_id, const uint8_t *data, size_t len)
{
	struct runner_msg *m;

	pthread_mutex_lock(&r->lock);
	if (kind == MSG_VALUE && r->queued >= QUEUE_MAX) {
		/* A flood of values must not eat our memory; done/gone always pass. */
		r->dropped++;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	pthread_mutex_unlock(&r->lock);

	if ((m = malloc(sizeof(*m) + (data != NULL ? len : 0))) == NULL)
		return;			/* lost a value; OpenDHT will offer it again */
	m->side = side;
	m->kind = kind;
	m->flag = flag;
	m->too_big = data == NULL && len > 0;
	m->value_id = value_id;
	m->len = len;
	if (data != NULL && len > 0)
		memcpy(m->data, data, len);

	pthread_mutex_lock(&r->lock);
	STAILQ_INSERT_TAIL(&r->queue, m, entry);
	r->queued++;
	pthread_mutex_unlock(&r->lock);
	event_active(r->wake, EV_READ, 0);
}

static bool
value_cb(const dht_value *v, bool expired, void *user)
{
	struct op_side *side = user;
	struct runner_op *op = side->op;
	dht_data_view d;

	if (atomic_load(&op->released))
		return false;		/* tells OpenDHT to stop this listen or get */
	d = dht_value_get_data(v);
	/* Too big for the listener: its length only, never a copy of up to 64 KiB. */
	enqueue(op->r, side, MSG_VALUE, expired, dht_value_get_id(v),
	    op->value_max != 0 && d.size > op->value_max ? NULL : d.data, d.size);
	return true;
}

static bool
get_cb(const dht_value *v, void *user)
{
	return value_cb(v, false, user);
}

static void
done_cb(bool ok, void *user)
{
	struct op_side *side = user;
	uint64_t id = 0;

	/* OpenDHT gave the value its id on this thread, before announcing it. */
	if (side->value != NULL)
		id = dht_value_get_id(side->value);
	enqueue(side->op->r, side, MSG_DONE, ok, id, NULL, 0);
}

static void
gone_cb(void *user)
{
	struct op_side *side = user;

	enqueue(side->op->r, side, MSG_GONE, false, 0, NULL, 0);
}

/* --- loop side ------------------------------------------------------------- */

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void add_boots(struct runner *r, const struct resolved *res);

static bool
all_finished(const struct runner_op *op)
{
	size_t i;

	for (i = 0; i < op->nsides; i++)
		if (!op->side[i].finished)
			return false;
	return true;
}

static void
deliver(struct runner *r, struct runner_msg *m)
{
	struct op_side *side = m->side;
	struct runner_op *op;
	bool live;

	if (m->kind == MSG_RESOLVED) {
		const struct resolved *res = (const struct resolved *)(void *)m->data;

		if (r->resolving > 0)
			r->resolving--;
		if (m->len != sizeof(*res))
			return;
		add_boots(r, res);
		/* Nothing to ping: whoever waits for the bootstrap must look again. */
		if ((res->error != 0 || res->naddr == 0) && r->boot_cb != NULL)
			r->boot_cb(r->boot_arg, false);
		return;
	}
	op = side->op;
	live = !atomic_load(&op->released);
	switch (m->kind) {
	case MSG_VALUE:
		if (live && op->value_cb != NULL)
			op->value_cb(op->arg, m->too_big ? NULL : m->data, m->len, m->value_id,
			    m->flag);
		break;
	case MSG_DONE:
		side->finished = true;
		if (op->kind == OP_PUT || op->kind == OP_PUT_ONCE)
			side->value_id = m->value_id;
		if (op->kind == OP_PING) {
			struct runner_boot *b = &r->boots[op->boot];

			b->state = m->flag ? RUNNER_BOOT_OK : RUNNER_BOOT_FAILED;
			b->rtt_ms = ms_since(&op->sent);
			if (r->boot_cb != NULL)
				r->boot_cb(r->boot_arg, m->flag);
		}
		/* Cancelled before (or in its done callback): now OpenDHT can be told. */
		if (op->kind == OP_PUT && side->cancel_on_done && side->value_id != 0)
			dht_runner_cancel_put(side->dht, &op->hash, side->value_id);
		side->cancel_on_done = false;
		op->finished = all_finished(op);
		/*
		 * Once: the first side that made it, or the last that did not; a
		 * put also when our UDP node's failed (the caller publishes again,
		 * as it would without a proxy, not after a dead proxy's timeout).
		 */
		if (!op->told && (m->flag || op->finished ||
		    (side == &op->side[0] && (op->kind == OP_PUT || op->kind == OP_PUT_ONCE)))) {
			op->told = true;
			if (live && op->done_cb != NULL)
				op->done_cb(op->arg, m->flag);
			/* The user's handle ends here; a side still out is freed when done. */
			if (op->kind == OP_GET || op->kind == OP_PING || op->kind == OP_PUT_ONCE)
				atomic_store(&op->released, true);
		}
		break;
	case MSG_GONE:
		side->finished = true;
		op->finished = all_finished(op);
		break;
	case MSG_RESOLVED:
		break;		/* handled above: it has no op */
	}
	op_maybe_free(op);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct runner *r = arg;
	struct runner_msgq q = STAILQ_HEAD_INITIALIZER(q);
	struct runner_msg *m;

	pthread_mutex_lock(&r->lock);
	STAILQ_CONCAT(&q, &r->queue);
	r->queued = 0;
	pthread_mutex_unlock(&r->lock);

	while ((m = STAILQ_FIRST(&q)) != NULL) {
		STAILQ_REMOVE_HEAD(&q, entry);
		deliver(r, m);
		free(m);
	}
}

static struct runner_op *
op_new(struct runner *r, enum op_kind kind, const uint8_t *hash)
{
	struct runner_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->r = r;
	op->kind = kind;
	atomic_init(&op->released, false);
	if (hash != NULL)
		memcpy(op->hash.d, hash, RUNNER_HASH_LEN);
	/* A bootstrap ping is the UDP node's alone. */
	op->nsides = r->proxy != NULL && kind != OP_PING ? 2 : 1;
	op->side[0].dht = r->dht;
	op->side[1].dht = r->proxy;
	op->side[0].op = op->side[1].op = op;
	TAILQ_INSERT_TAIL(&r->ops, op, entry);
	return op;
}

/* OP_PUT, OP_PUT_ONCE: a value of its own for each side (OpenDHT sets its id). */
static int
op_values(struct runner_op *op, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < op->nsides; i++)
		if ((op->side[i].value = dht_value_new(data, len)) == NULL)
			return -1;
	return 0;
}

static void
op_free(struct runner_op *op)
{
	size_t i;

	if (op == NULL)
		return;
	TAILQ_REMOVE(&op->r->ops, op, entry);
	for (i = 0; i < op->nsides; i++) {
		if (op->side[i].value != NULL)
			dht_value_unref(op->side[i].value);
		if (op->side[i].token != NULL)
			dht_op_token_delete(op->side[i].token);
	}
	free(op);
}

static void
op_maybe_free(struct runner_op *op)
{
	if (op->finished && atomic_load(&op->released))
		op_free(op);
}

/* --- persisted node identity ---------------------------------------------- */

static int
mkdir_p(const char *dir)
{
	char buf[1024], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Reads "node_id HEX" and "port N"; missing or malformed lines leave zeros. */
static void
node_load(const char *dir, dht_infohash *id, uint16_t *port)
{
	char path[1024], line[NODE_FILE_MAX], hex[2 * RUNNER_HASH_LEN + 1];
	unsigned p;
	FILE *f;

	dht_infohash_zero(id);
	*port = 0;
	if (dir == NULL || snprintf(path, sizeof(path), "%s/" NODE_FILE, dir) >= (int)sizeof(path))
		return;
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "node_id %40[0-9a-f]", hex) == 1 && strlen(hex) == 2 * RUNNER_HASH_LEN)
			dht_infohash_from_hex(id, hex);
		else if (sscanf(line, "port %u", &p) == 1 && p > 0 && p <= 65535)
			*port = (uint16_t)p;
	}
	fclose(f);
}

static void
node_save(const char *dir, const dht_infohash *id, uint16_t port)
{
	char path[1024], tmp[1100], hex[2 * RUNNER_HASH_LEN + 1];
	FILE *f;

	if (dir == NULL || mkdir_p(dir) == -1)
		return;
	snprintf(path, sizeof(path), "%s/" NODE_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	sodium_bin2hex(hex, sizeof(hex), id->d, RUNNER_HASH_LEN);
	fprintf(f, "node_id %s\nport %u\n", hex, port);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		unlink(tmp);
}

/* --- bootstrap -------------------------------------------------------------- */

static void
ping_boot(struct runner *r, size_t i)
{
	struct runner_op *op;

	if ((op = op_new(r, OP_PING, NULL)) == NULL)
		return;
	op->boot = i;
	atomic_store(&op->released, true);	/* no user callbacks; freed after done */
	clock_gettime(CLOCK_MONOTONIC, &op->sent);
	r->boots[i].state = RUNNER_BOOT_PENDING;
	dht_runner_ping(r->dht, (struct sockaddr *)&r->boots[i].addr, r->boots[i].addrlen,
	    done_cb, &op->side[0]);
}

/* The loop side of a resolution: every address is pinged (and so joins the table). */
static void
add_boots(struct runner *r, const struct resolved *res)
{
	size_t i;

	if (res->error != 0) {
		say(r, "bootstrap node %s: %s", res->host, gai_strerror(res->error));
		return;
	}
	for (i = 0; i < res->naddr && r->nboots < RUNNER_MAX_BOOT_ADDRS; i++) {
		struct runner_boot *b = &r->boots[r->nboots];

		snprintf(b->host, sizeof(b->host), "%s", res->host);
		b->port = res->port;
		memcpy(&b->addr, &res->addr[i], res->addrlen[i]);
		b->addrlen = res->addrlen[i];
		ping_boot(r, r->nboots++);
	}
}

static void
resolve(const char *host, const char *service, int flags, struct resolved *out)
{
	struct addrinfo hints, *res = NULL, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;		/* every A and AAAA */
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = flags;
	if ((out->error = getaddrinfo(host, service, &hints, &res)) != 0)
		return;
	for (ai = res; ai != NULL && out->naddr < RUNNER_MAX_BOOT_ADDRS; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(out->addr[0]))
			continue;
		memcpy(&out->addr[out->naddr], ai->ai_addr, ai->ai_addrlen);
		out->addrlen[out->naddr++] = ai->ai_addrlen;
	}
	freeaddrinfo(res);
}

static void
job_put(struct resolve_job *j)
{
	int last;

	pthread_mutex_lock(&j->lock);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->lock);
	if (last) {
		pthread_mutex_destroy(&j->lock);
		free(j);
	}
}

static void *
resolve_thread(void *arg)
{
	struct resolve_job *j = arg;
	struct resolved *res;

	if ((res = calloc(1, sizeof(*res))) != NULL) {
		snprintf(res->host, sizeof(res->host), "%s", j->host);
		res->port = j->port;
		resolve(j->host, j->service, 0, res);
		pthread_mutex_lock(&j->lock);
		if (j->r != NULL)	/* runner_free() waits for this lock */
			enqueue(j->r, NULL, MSG_RESOLVED, false, 0, (const uint8_t *)res, sizeof(*res));
		pthread_mutex_unlock(&j->lock);
		free(res);
	}
	job_put(j);
	return NULL;
}

/*
 * HOST[:PORT]: hand the name to OpenDHT (which resolves it on its own thread
 * and keeps retrying while we have no nodes), and ping each of its addresses
 * so that --dht-dump can say which answered and how fast. A numeric address
 * is pinged at once; a name is resolved by a thread of its own, never on the
 * loop (start-up does not wait for DNS).
 */
static void
bootstrap_one(struct runner *r, const struct runner_host *h)
{
	struct resolve_job *j;
	struct resolved *res;
	pthread_attr_t attr;
	pthread_t t;
	uint16_t port = h->port != 0 ? h->port : RUNNER_DEFAULT_PORT;
	char service[8];

	snprintf(service, sizeof(service), "%u", port);
	dht_runner_bootstrap(r->dht, h->host, service);

	if ((res = calloc(1, sizeof(*res))) == NULL)
		return;
	snprintf(res->host, sizeof(res->host), "%s", h->host);
	res->port = port;
	resolve(h->host, service, AI_NUMERICHOST, res);
	if (res->error == 0) {
		add_boots(r, res);
		free(res);
		return;
	}
	free(res);
	if (r->njobs == RUNNER_MAX_BOOTSTRAP) {
		say(r, "bootstrap node %s: more than %d names", h->host, RUNNER_MAX_BOOTSTRAP);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	pthread_mutex_init(&j->lock, NULL);
	j->r = r;
	j->refs = 2;			/* the runner's and the thread's */
	snprintf(j->host, sizeof(j->host), "%s", h->host);
	snprintf(j->service, sizeof(j->service), "%s", service);
	j->port = port;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, resolve_thread, j) != 0) {
		j->refs = 1;
		job_put(j);
		pthread_attr_destroy(&attr);
		say(r, "bootstrap node %s: cannot start a resolver thread", h->host);
		return;
	}
	pthread_attr_destroy(&attr);
	r->jobs[r->njobs++] = j;
	r->resolving++;
}

/* --- public interface ----------------------------------------------------- */

/*
 * dht_runner_run_config() with OpenDHT's log to r->log_fd if open
 * (odht_run.cpp), and OpenDHT's proxy client (dc->proxy_server) behind a
 * gate until it is built: its constructor races its own HTTP thread
 * (proxy_gate.cpp).
 */
static int
run_config(const struct runner *r, dht_runner *d, uint16_t port, const dht_runner_config *dc)
{
	dht_runner_config gated = *dc;
	struct proxy_gate *g;
	int e;

	if (dc->proxy_server == NULL)
		return odht_run(d, port, dc, r->log_fd);
	g = proxy_gate_close(d, dc->log, r->log_fd);
	if (g == NULL)
		return odht_run(d, port, dc, r->log_fd);
	gated.log = false;	/* the gate's logger prints it */
	e = odht_run(d, port, &gated, -1);
	proxy_gate_open(g);
	return e;
}

/* Hybrid: the proxy client beside our UDP node (a node id of its own, no port kept). */
static int
start_proxy(struct runner *r, const struct runner_config *cfg)
{
	dht_runner_config dc;
	int e;

	if ((r->proxy = dht_runner_new()) == NULL)
		return -1;
	dht_runner_config_default(&dc);
	dc.threaded = true;
	dc.log = cfg->log;
	dc.dht_config.node_config.maintain_storage = false;
	dc.proxy_server = cfg->proxy;
	dc.peer_discovery = dc.peer_publish = false;
	if ((e = run_config(r, r->proxy, 0, &dc)) != 0) {
		say(r, "dht: cannot start the proxy client: %s", strerror(e < 0 ? -e : e));
		dht_runner_delete(r->proxy);
		r->proxy = NULL;
		return -1;
	}
	return 0;
}

struct runner *
runner_new(struct event_base *base, const struct runner_config *cfg)
{
	struct runner *r;
	dht_runner_config dc;
	dht_infohash saved_id;
	uint16_t saved_port, port;
	size_t i;
	bool persist = cfg->cache_dir != NULL;
	int e;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->base = base;
	r->warn = cfg->warn;
	r->warn_arg = cfg->warn_arg;
	r->log_fd = -1;
	STAILQ_INIT(&r->queue);
	TAILQ_INIT(&r->ops);
	pthread_mutex_init(&r->lock, NULL);
	if (evthread_make_base_notifiable(base) == -1) {
		warnx("dht: the event base is not thread-aware (evthread_use_pthreads first)");
		goto err_lock;
	}
	if ((r->wake = event_new(base, -1, 0, on_wake, r)) == NULL)
		goto err_lock;
	if (cfg->log_path != NULL &&
	    (r->log_fd = open(cfg->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1) {
		say(r, "dht: cannot open the DHT log %s: %s", cfg->log_path, strerror(errno));
		goto err_wake;
	}
	if ((r->dht = dht_runner_new()) == NULL)
		goto err_log;

	node_load(cfg->cache_dir, &saved_id, &saved_port);
	port = cfg->port != 0 ? cfg->port : saved_port;

	dht_runner_config_default(&dc);
	dc.threaded = true;
	dc.peer_discovery = cfg->lan_discovery;
	dc.peer_publish = cfg->lan_discovery;
	dc.log = cfg->log;
	dc.dht_config.node_config.node_id = saved_id;	/* zero: OpenDHT picks one */
	dc.dht_config.node_config.maintain_storage = false;
	if (cfg->proxy != NULL && !cfg->proxy_and_udp) {
		dc.proxy_server = cfg->proxy;
		dc.peer_discovery = dc.peer_publish = false;
	}

	if ((e = run_config(r, r->dht, port, &dc)) != 0 && cfg->port == 0 && port != 0) {
		/*
		 * The saved port is taken, most likely by another gonet with the
		 * same cache dir: take any port, and a fresh node id so that two
		 * nodes never share one.
		 */
		dht_runner_delete(r->dht);
		if ((r->dht = dht_runner_new()) == NULL)
			goto err_log;
		dht_infohash_zero(&dc.dht_config.node_config.node_id);
		persist = false;
		port = 0;
		e = run_config(r, r->dht, 0, &dc);
	}
	if (e != 0) {
		say(r, "dht: cannot start on port %u: %s", port, strerror(e < 0 ? -e : e));
		goto err_dht;
	}
	if (persist) {
		dht_infohash id = dht_runner_get_node_id(r->dht);

		node_save(cfg->cache_dir, &id, dht_runner_get_bound_port(r->dht, AF_INET));
	}
	if (cfg->proxy != NULL && cfg->proxy_and_udp && start_proxy(r, cfg) != 0)
		goto err_dht;
	for (i = 0; (cfg->proxy == NULL || cfg->proxy_and_udp) && i < cfg->nbootstrap; i++)
		bootstrap_one(r, &cfg->bootstrap[i]);
	return r;

err_dht:
	dht_runner_delete(r->dht);
err_log:
	if (r->log_fd != -1)
		close(r->log_fd);
err_wake:
	event_free(r->wake);
err_lock:
	pthread_mutex_destroy(&r->lock);
	free(r);
	return NULL;
}

void
runner_free(struct runner *r)
{
	struct runner_op *op;
	struct runner_msg *m;
	size_t i;

	if (r == NULL)
		return;
	/* A resolver thread still running drops its answer from now on. */
	for (i = 0; i < r->njobs; i++) {
		pthread_mutex_lock(&r->jobs[i]->lock);
		r->jobs[i]->r = NULL;
		pthread_mutex_unlock(&r->jobs[i]->lock);
		job_put(r->jobs[i]);
	}
	/* Joins OpenDHT's threads: no callback runs after this. */
	if (r->proxy != NULL)
		dht_runner_delete(r->proxy);
	r->proxy = NULL;
	dht_runner_delete(r->dht);
	r->dht = NULL;
	while ((m = STAILQ_FIRST(&r->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&r->queue, entry);
		free(m);
	}
	while ((op = TAILQ_FIRST(&r->ops)) != NULL)
		op_free(op);
	if (r->log_fd != -1)
		close(r->log_fd);	/* OpenDHT's threads, which wrote to it, are gone */
	event_free(r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct runner_op *
runner_put(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], const uint8_t *data, size_t len,
    void (*done)(void *, bool), void *arg)
{
	struct runner_op *op;

	size_t i;

	if ((op = op_new(r, OP_PUT, hash)) == NULL)
		return NULL;
	if (op_values(op, data, len) != 0) {
		op_free(op);
		return NULL;
	}
	op->done_cb = done;
	op->arg = arg;
	for (i = 0; i < op->nsides; i++)
		dht_runner_put(op->side[i].dht, &op->hash, op->side[i].value, done_cb, &op->side[i],
		    true);
	return op;
}

struct runner_op *
runner_put_once(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], const uint8_t *data,
    size_t len, void (*done)(void *, bool), void *arg)
{
	struct runner_op *op;

	size_t i;

	if ((op = op_new(r, OP_PUT_ONCE, hash)) == NULL)
		return NULL;
	if (op_values(op, data, len) != 0) {
		op_free(op);
		return NULL;
	}
	op->done_cb = done;
	op->arg = arg;
	for (i = 0; i < op->nsides; i++)
		dht_runner_put(op->side[i].dht, &op->hash, op->side[i].value, done_cb, &op->side[i],
		    false);
	return op;
}

void
runner_cancel_put(struct runner *r, struct runner_op *op)
{
	struct op_side *side;
	size_t i;

	(void)r;
	if (op == NULL)
		return;
	atomic_store(&op->released, true);
	if (op->kind == OP_PUT_ONCE)
		return;		/* it goes out anyway; freed when done arrives */
	for (i = 0; i < op->nsides; i++) {
		side = &op->side[i];
		if (!side->finished)
			side->cancel_on_done = true;	/* no value id yet: when done brings it */
		else if (side->value_id != 0)
			dht_runner_cancel_put(side->dht, &op->hash, side->value_id);
	}
	op_maybe_free(op);	/* every done came: OpenDHT holds op no more */
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
	const struct runner_op *op;
	size_t n = 0;

	TAILQ_FOREACH(op, &r->ops, entry)
		n++;
	return n;
}

struct runner_op *
runner_listen_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], size_t max,
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg)
{
	struct runner_op *op;
	size_t i;

	if ((op = op_new(r, OP_LISTEN, hash)) == NULL)
		return NULL;
	op->value_max = max;		/* before OpenDHT's thread can see op */
	op->value_cb = value;
	op->arg = arg;
	for (i = 0; i < op->nsides; i++) {
		struct op_side *side = &op->side[i];

		side->token = dht_runner_listen(side->dht, &op->hash, value_cb, gone_cb, side);
		side->finished = side->token == NULL;	/* never registered: no callback */
	}
	if (all_finished(op)) {
		op_free(op);
		return NULL;
	}
	return op;
}

void
runner_cancel_listen(struct runner *r, struct runner_op *op)
{
	size_t i;

	(void)r;
	if (op == NULL)
		return;
	atomic_store(&op->released, true);
	for (i = 0; i < op->nsides; i++)
		if (op->side[i].token != NULL)
			dht_runner_cancel_listen(op->side[i].dht, &op->hash, op->side[i].token);
	op_maybe_free(op);
}

struct runner_op *
runner_get_start(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void (*done)(void *, bool),
    void *arg)
{
	return runner_get_start_max(r, hash, 0, value, done, arg);
}

struct runner_op *
runner_get_start_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN], size_t max,
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void (*done)(void *, bool),
    void *arg)
{
	struct runner_op *op;
	size_t i;

	if ((op = op_new(r, OP_GET, hash)) == NULL)
		return NULL;
	op->value_max = max;		/* before OpenDHT's thread can see op */
	op->value_cb = value;
	op->done_cb = done;
	op->arg = arg;
	for (i = 0; i < op->nsides; i++)
		dht_runner_get(op->side[i].dht, &op->hash, get_cb, done_cb, &op->side[i]);
	return op;
}

int
runner_get(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void (*done)(void *, bool),
    void *arg)
{
	return runner_get_start(r, hash, value, done, arg) != NULL ? 0 : -1;
}

void
runner_cancel_get(struct runner *r, struct runner_op *op)
{
	(void)r;
	if (op == NULL)
		return;
	/* OpenDHT still holds op: freed when its done arrives (deliver()). */
	atomic_store(&op->released, true);
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
	dht_infohash id = dht_runner_get_node_id(r->dht);

	memcpy(out, id.d, RUNNER_HASH_LEN);
}

uint16_t
runner_bound_port(const struct runner *r, int family)
{
	return dht_runner_get_bound_port(r->dht, (sa_family_t)family);
}

size_t
runner_public_addrs(const struct runner *r, struct sockaddr_storage *out, size_t max)
{
	struct sockaddr **addrs, **a;
	size_t n = 0;

	if ((addrs = dht_runner_get_public_address(r->dht)) == NULL)
		return 0;
	for (a = addrs; *a != NULL; a++) {
		socklen_t len = (*a)->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in);

		if (n < max && ((*a)->sa_family == AF_INET || (*a)->sa_family == AF_INET6)) {
			memset(&out[n], 0, sizeof(out[n]));
			memcpy(&out[n++], *a, len);
		}
		free(*a);
	}
	free(addrs);
	return n;
}

const struct runner_boot *
runner_boots(const struct runner *r, size_t *n)
{
	*n = r->nboots;
	return r->boots;
}

size_t
runner_boots_resolving(const struct runner *r)
{
	return r->resolving;
}

size_t
runner_boots_ok(const struct runner *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nboots; i++)
		n += r->boots[i].state == RUNNER_BOOT_OK;
	return n;
}
