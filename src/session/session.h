/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.h — one gonet chat session: the room's rendezvous on the DHT, the
 * data socket, punching, WireGuard, and the chat with every peer, driven by
 * one libevent loop on one thread, talking to the user through struct ui
 * (ui_term or ui_batch).
 *
 * session_run() owns everything it creates and returns the process exit
 * status: 0 after /quit, Ctrl-D, SIGINT or SIGTERM (and, in batch mode,
 * after EOF on stdin once every pending message is acknowledged or reported
 * undelivered); 1 when something it needs cannot be set up (identity,
 * sockets, DHT node).
 */
#ifndef GONET_SESSION_H
#define GONET_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct clock;
struct runner_host;

enum {
	SESSION_MAX_STUN = 8
};

struct session_config {
	int batch;			/* JSON lines on stdout instead of the terminal UI */
	const char *room;		/* validated by the caller (room_validate) */
	const char *identity_path;	/* NULL: the default path, created if missing */
	const char *nick;		/* at most RECORD_MAX_NICK bytes of UTF-8 */
	const char *cache_dir;		/* DHT node state, seq, known_peers; NULL: none */
	uint16_t port;			/* data socket; 0: any free port */
	uint16_t dht_port;		/* 0: the persisted one, else random */
	const struct runner_host *bootstrap;	/* DHT bootstrap nodes, nbootstrap of them */
	size_t nbootstrap;
	const char *const *stun;	/* "HOST[:PORT]" ..., NULL-terminated; NULL: no STUN */
	const char *const *turn;	/* "turn:USER:PASS@HOST[:PORT]" ..., NULL-terminated; NULL: none */
	int no_relay;			/* --no-relay: never forward for other peers */
	int no_dht_fallback;		/* --no-dht-fallback: never chat through the DHT mailbox */
	int lan_discovery;
	int loopback;			/* publish loopback candidates too (tests on one host) */
	int verbose;			/* -1 quiet, 0 normal, 1+ more */
	unsigned linger_s;		/* batch: keep running this long after EOF on stdin */
	/* The clock (tests shift its wall time); NULL: the real clock. */
	const struct clock *clock;
};

/* Runs until the user or a signal ends it; returns the exit status. */
int session_run(const struct session_config *cfg);

#endif
