/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * runner.h — the OpenDHT node, seen from the libevent loop.
 *
 * OpenDHT runs its own thread and calls back on it. Every callback here only
 * copies what it got onto a locked queue and wakes the loop (event_active on
 * an fd-less event); all user callbacks below run on the loop's thread, in
 * arrival order. The caller must have called evthread_use_pthreads() before
 * creating the event base.
 *
 * Values are plain OpenDHT values (no OpenDHT signing or encryption): gonet
 * signs and encrypts inside them (dht/record/record.h).
 */
#ifndef GONET_RUNNER_H
#define GONET_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;

enum {
	RUNNER_HASH_LEN = 20,
	RUNNER_DEFAULT_PORT = 4222,	/* OpenDHT's well-known port */
	RUNNER_MAX_BOOTSTRAP = 16,	/* hosts; each may resolve to several addresses, all used */
	RUNNER_MAX_BOOT_ADDRS = 32
};

#define RUNNER_DEFAULT_BOOTSTRAP "bootstrap.jami.net:4222"

/* A bootstrap node, already split (endpoint_parse_hostport in tunnel/net/endpoint.h). */
struct runner_host {
	const char *host;		/* name or address, resolved by runner_new */
	uint16_t port;			/* 0: RUNNER_DEFAULT_PORT */
};

struct runner_config {
	uint16_t port;			/* 0: the one persisted in cache_dir, else random */
	const char *cache_dir;		/* node id and port kept here; NULL: not persisted */
	const struct runner_host *bootstrap;	/* nbootstrap of them */
	size_t nbootstrap;
	bool lan_discovery;		/* OpenDHT multicast peer discovery and publish */
	/*
	 * An OpenDHT proxy (http://HOST:PORT, as dhtnode --proxyserver serves):
	 * puts, gets and listens go through it over HTTP instead of the DHT's
	 * UDP; no bootstrap, no LAN discovery. NULL: none.
	 */
	const char *proxy;
	/*
	 * With proxy: our own UDP node too (bootstrap, LAN discovery as
	 * without a proxy), and every put, get and listen goes both ways; the
	 * first answer wins, and either alone keeps the room found.
	 */
	bool proxy_and_udp;
	bool log;			/* OpenDHT's own log on stdout */
	/*
	 * OpenDHT's own log appended to this file instead (created 0600;
	 * runner_new fails if it cannot be opened). NULL: none.
	 */
	const char *log_path;
	/*
	 * What the user should know (a bootstrap host that does not resolve,
	 * a port that cannot be bound): one sentence, called inside
	 * runner_new on the caller's thread. NULL: printed with warnx.
	 */
	void (*warn)(void *arg, const char *text);
	void *warn_arg;
};

/* One resolved bootstrap address and what pinging it told us. */
enum runner_boot_state {
	RUNNER_BOOT_PENDING = 0,
	RUNNER_BOOT_OK,
	RUNNER_BOOT_FAILED
};

struct runner_boot {
	char host[256];			/* as given, without the port */
	uint16_t port;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	enum runner_boot_state state;
	double rtt_ms;			/* ping to reply; valid when RUNNER_BOOT_OK */
};

struct runner;
struct runner_op;

/*
 * Callbacks, all on the loop's thread:
 *   value(arg, data, len, value_id, expired) for listen and get; expired is
 *     set when a listen reports that a value went away; data is only valid
 *     during the call;
 *   done(arg, ok) when a put, get or bootstrap ping completes.
 */

/*
 * Start the node. Returns NULL (and logs why) when it cannot bind. A failed
 * bootstrap is not an error: see runner_boots(). Bootstrap names are resolved
 * in the background (runner_boots_resolving()); addresses are used at once.
 */
struct runner *runner_new(struct event_base *base, const struct runner_config *cfg);
/* Stops the node, waits for its thread, frees every pending operation. NULL is fine. */
void runner_free(struct runner *r);

/*
 * Put a permanent value (OpenDHT refreshes it until cancelled). done (may be
 * NULL) reports the first announce. The handle stays valid until
 * runner_cancel_put() or runner_free().
 */
struct runner_op *runner_put(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    const uint8_t *data, size_t len, void (*done)(void *, bool), void *arg);
/*
 * Stop refreshing a put; no callback for op runs after this returns. NULL is
 * fine. The op is freed once OpenDHT has answered the put (at once if it has).
 */
void runner_cancel_put(struct runner *r, struct runner_op *op);

/*
 * Put a value once (not permanent: OpenDHT announces it and lets it expire
 * with its type, 10 min, never refreshing it). done (may be NULL) reports
 * the announce. The handle is valid until done has run (the op frees itself
 * then); before that, runner_cancel_put() stops the callback (the value
 * still goes out).
 */
struct runner_op *runner_put_once(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    const uint8_t *data, size_t len, void (*done)(void *, bool), void *arg);

/* Listen: value runs for every value there now and every new one. */
struct runner_op *runner_listen(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg);
/*
 * The same, for values of at most max bytes: a larger one (OpenDHT takes up
 * to 64 KiB, anyone can put it) is not copied; value runs with data NULL
 * and its length, so the caller can count it as too big.
 */
struct runner_op *runner_listen_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    size_t max, void (*value)(void *, const uint8_t *, size_t, uint64_t, bool), void *arg);
/* Operations held (tests: cancelled ones must not pile up). */
size_t runner_ops_count(const struct runner *r);
/* No callback for op runs after this returns. NULL is fine. */
void runner_cancel_listen(struct runner *r, struct runner_op *op);

/*
 * One-shot get: value for each value found, then done once. The operation
 * frees itself after done; there is no handle.
 */
int runner_get(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool),
    void (*done)(void *, bool), void *arg);

/*
 * The same get with a handle, valid until done has run (the op frees itself
 * then: a caller clears its copy in done); runner_cancel_get() before that
 * stops every callback for op. NULL on failure.
 */
struct runner_op *runner_get_start(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    void (*value)(void *, const uint8_t *, size_t, uint64_t, bool),
    void (*done)(void *, bool), void *arg);
/*
 * runner_get_start, but a value longer than max bytes is handed to value as
 * NULL with its length, never copied (as runner_listen_max). max 0: no limit.
 */
struct runner_op *runner_get_start_max(struct runner *r, const uint8_t hash[RUNNER_HASH_LEN],
    size_t max, void (*value)(void *, const uint8_t *, size_t, uint64_t, bool),
    void (*done)(void *, bool), void *arg);
/* No callback for op runs after this returns. NULL is fine. */
void runner_cancel_get(struct runner *r, struct runner_op *op);

/* Called on the loop whenever a bootstrap ping completes (NULL to unset). */
void runner_set_boot_cb(struct runner *r, void (*fn)(void *, bool), void *arg);

void runner_node_id(const struct runner *r, uint8_t out[RUNNER_HASH_LEN]);
/* The bound UDP port for AF_INET or AF_INET6; 0 when not bound. */
uint16_t runner_bound_port(const struct runner *r, int family);
/*
 * The addresses DHT nodes saw us at (port 0): at most max written to out,
 * returns how many were written.
 */
size_t runner_public_addrs(const struct runner *r, struct sockaddr_storage *out, size_t max);
/* The resolved bootstrap addresses and their ping state. */
const struct runner_boot *runner_boots(const struct runner *r, size_t *n);
/* Bootstrap names still being resolved (their addresses join runner_boots() later). */
size_t runner_boots_resolving(const struct runner *r);
/* How many bootstrap addresses answered a ping. */
size_t runner_boots_ok(const struct runner *r);

#endif
