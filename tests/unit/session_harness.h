/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_harness.h — what the tests of whole sessions in one process
 * (test_session.c, test_abuse.c) share: a manual clock that every timer
 * runs on, a queue of datagrams each due LATENCY_NS after it was sent, the
 * loop that drives the fake DHT (fake_runner.h), the queue and the timers
 * together, and a node's directory and session_env. Each test keeps its
 * nodes, its UI recorder, the rules of its network (its wire_send, and its
 * deliver function: who receives what) and its checks.
 *
 * Driving it: harness_init(deliver) once, before any session; then
 * run_until()/run_for() run everything due, moving the clock to the next
 * deadline (a timer or a datagram) each time nothing is left to do now.
 * deliver() takes the datagrams due (queue_take_due) and hands them to
 * session_input(); it returns how many went anywhere.
 */
#ifndef GONET_TESTS_SESSION_HARNESS_H
#define GONET_TESTS_SESSION_HARNESS_H

#include <stdint.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/session.h"
#include "src/ui/ui.h"
#include "tunnel/net/endpoint.h"

enum {
	QUEUE = 16384,			/* datagrams in flight */
	DGRAM = 2048,			/* the largest one */
	LATENCY_NS = 1000000		/* 1 ms each way */
};

/* --- the clock --- */
extern uint64_t now_ns;			/* starts at 1 s */
extern const uint64_t unix_base_ms;	/* the wall clock at now_ns 0: 800 s into an epoch */
extern const struct clock fake_clock;
extern struct timers *timers;		/* on fake_clock: harness_init() */
uint64_t fake_unix(void *arg);		/* ms; arg unused */
uint64_t now_ms(void);

/* --- the network --- */
struct dgram {
	uint64_t at;			/* due */
	int from;			/* the sending node's index */
	int from_server;		/* from a fake server at server (not from a node) */
	struct endpoint server;
	uint16_t to_port;
	int nat;			/* test_session's NAT world: to node to_node, socket to_h, from src */
	int to_node, to_h;
	struct endpoint src;
	size_t len;
	uint8_t data[DGRAM];
};

/* A zeroed slot at the end of the queue, due now + LATENCY_NS; NULL when it is full. */
struct dgram *queue_put(void);
/* The first datagram, taken off the queue into *d, if it is due: 1; else 0. */
int queue_take_due(struct dgram *d);
/* When the first datagram is due; UINT64_MAX when none is queued. */
uint64_t queue_next(void);
/* Forget every datagram in flight. */
void queue_clear(void);

/* --- driving --- */
void harness_init(unsigned (*deliver)(void));
/* Run everything due now, then move the clock, until end_ms. */
void run_until(uint64_t end_ms);
void run_for(uint64_t ms);

/* --- nodes --- */
/* A new directory /tmp/<prefix>.XXXXXX (dir) and "dir/identity" (idpath); aborts if it cannot. */
void node_dir_make(char dir[64], char idpath[96], const char *prefix);
/* Remove the identity file, then the directory with whatever else is in it. */
void node_dir_remove(const char *dir, const char *idpath);
/* A node's session_env: the timers, its UI, an IPv4 wire at port through send(arg), done(arg). */
void node_env(struct session_env *env, struct ui *ui,
    int (*send)(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len),
    void *arg, uint16_t port, void (*done)(void *arg, unsigned delay_ms));

#endif
