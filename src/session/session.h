/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.h — one gonet chat session: the room's rendezvous on the DHT, the
 * data socket, punching, WireGuard, and the chat with every peer, driven by
 * timers on one clock, talking to the user through struct ui (ui_term or
 * ui_batch).
 *
 * session_run() is the whole process around a session (run.c): the libevent
 * loop, the real clock, signals, the real data socket and the user
 * interface. It returns the exit status: 0 after /quit, Ctrl-D, SIGINT or
 * SIGTERM (and, in batch mode, after EOF on stdin once every pending message
 * is acknowledged or reported undelivered); 1 when something it needs cannot
 * be set up (identity, sockets, DHT node).
 *
 * session_new() is a session without that process (tests): the caller
 * brings the timers (and with them the clock), the UI and the data socket
 * (struct session_wire), feeds datagrams in with session_input() and runs
 * the timers; no libevent loop, no signals, no socket of its own.
 */
#ifndef GONET_SESSION_H
#define GONET_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct clock;
struct endpoint;
struct event_base;
struct runner_host;
struct session;
struct timers;
struct ui;

enum {
	SESSION_MAX_STUN = 8,
	SESSION_MAX_TURN = 4,
	SESSION_WAIT_DEFAULT_S = 60,	/* --wait: as long as an unacknowledged line is kept */
	SESSION_WAIT_MAX_S = 86400
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
	int no_port_mapping;		/* --no-port-mapping: never ask the gateway (PCP, NAT-PMP) */
	int no_peer_exchange;		/* --no-peer-exchange: never hand records to peers or take theirs */
	int pex_old;			/* peer exchange as before HAVE: none sent, all news forwarded at once (no option: for tests of old peers) */
	int lan_discovery;
	int loopback;			/* publish loopback candidates too (tests on one host) */
	int verbose;			/* -1 quiet, 0 normal, 1+ more */
	unsigned linger_s;		/* batch: keep running this long after EOF on stdin */
	/*
	 * batch: a line read while no peer has said HELLO (or while to's peer
	 * has not) waits this long for one; 0: reported undelivered at once.
	 */
	unsigned wait_s;
	const char *to;			/* every line to this peer alone (src/session/target.h); NULL: the room */
	/*
	 * --dht-proxy or the config file's dht-proxy URL (http:// or https://):
	 * the DHT through OpenDHT's proxy client, no bootstrap. NULL: none.
	 */
	const char *dht_proxy;
	int dht_hybrid;			/* with dht_proxy: our UDP node too (runner.h) */
	const char *dht_log;		/* OpenDHT's own log to this file; NULL: none */
	/* Where received files go; NULL: $XDG_DOWNLOAD_DIR/gonet, else ~/Downloads/gonet. */
	const char *download_dir;
	/* The clock (tests shift its wall time); NULL: the real clock. */
	const struct clock *clock;
};

/* Runs until the user or a signal ends it; returns the exit status. */
int session_run(const struct session_config *cfg);

/* The data socket, as the session sees it: one port, one or two families. */
enum {
	SESSION_WIRE_V4 = 1 << 0,
	SESSION_WIRE_V6 = 1 << 1
};

/*
 * Extra sockets beside the data socket, for port prediction
 * (src/session/link/predict.c): each its own port, so each gets a NAT
 * mapping of its own. At most SESSION_AUX_MAX are open at once; the session
 * closes every one it opened before session_free returns. What one reads
 * goes to session_input_aux() with its handle.
 */
enum {
	SESSION_AUX_MAX = 288		/* PREDICT_SOCKETS + PREDICT_ADOPTED_MAX */
};

struct session_wire {
	/* Send one datagram to a real address. 0 or -errno. */
	int (*send)(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len);
	void *arg;
	uint16_t port;
	unsigned families;		/* SESSION_WIRE_V4 | SESSION_WIRE_V6 */
	/*
	 * Optional (NULL: no prediction from our side). aux_open: a new
	 * socket of family (ENDPOINT_V4 or ENDPOINT_V6) on any port, watched
	 * for reading; a handle 0 .. SESSION_AUX_MAX - 1, or -errno.
	 * aux_send: one datagram from it; 0 or -errno. aux_close: closed and
	 * no longer watched; the handle may be reused.
	 */
	int (*aux_open)(void *arg, unsigned family);
	int (*aux_send)(void *arg, int h, const struct endpoint *to, const uint8_t *buf, size_t len);
	void (*aux_close)(void *arg, int h);
};

struct session_env {
	struct event_base *base;	/* DNS and the DHT runner; NULL: neither (a fake runner) */
	struct timers *timers;		/* every timer; the clock is theirs */
	struct ui *ui;
	struct session_wire wire;
	/* The session is over: stop the loop after delay_ms (0: now). */
	void (*done)(void *arg, unsigned delay_ms);
	void *done_arg;
};

/*
 * A session on env (copied; timers, ui and the wire's owner must outlive
 * it). NULL when something it needs cannot be set up; the UI was told why.
 */
struct session *session_new(const struct session_config *cfg, const struct session_env *env);
void session_free(struct session *s);
/* One datagram the wire's owner read. buf is scratch: it may be decrypted in place. */
void session_input(struct session *s, const struct endpoint *from, uint8_t *buf, size_t len);
/* The same, read on the extra socket h (session_wire aux_open). */
void session_input_aux(struct session *s, int h, const struct endpoint *from, uint8_t *buf,
    size_t len);
/* A line the user typed (or --batch read), without its newline. */
void session_line(struct session *s, const char *line, size_t len);
/* End of input: Ctrl-D ends the session; in --batch, linger, then drain. */
void session_eof(struct session *s);
/* SIGINT, SIGTERM: say so, say goodbye to everyone, end. */
void session_interrupt(struct session *s, const char *why);
/* Exit statistics (batch and -v): what was dropped, relayed, mailed. */
void session_report(struct session *s);

#endif
