/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * proxy_gate.h — holds back the threads of OpenDHT's proxy client until
 * odht_run() has built it (proxy_gate.cpp says why).
 *
 *	g = proxy_gate_close(d, log, log_fd);	before odht_run(d, ...)
 *	e = odht_run(d, port, &dc, -1);	with dc.log false
 *	proxy_gate_open(g);		always, also when run_config failed
 */
#ifndef GONET_DHT_RUNNER_PROXY_GATE_H
#define GONET_DHT_RUNNER_PROXY_GATE_H

#include <stdbool.h>

#include <opendht/opendht_c.h>

#ifdef __cplusplus
extern "C" {
#endif

struct proxy_gate;

/*
 * Gives d a logger that holds every other thread at its first log line
 * until proxy_gate_open(); the lines then go to log_fd if >= 0 (as
 * odht_run's log_fd), else with log to OpenDHT's own log on stdout (what
 * dht_runner_config.log would do). Call on the thread that will call
 * odht_run(). NULL when out of memory: then there is no gate, and d runs
 * as it would without one.
 */
struct proxy_gate *proxy_gate_close(dht_runner *d, bool log, int log_fd);
/* Lets the held threads go and frees g. NULL is fine. */
void proxy_gate_open(struct proxy_gate *g);

#ifdef __cplusplus
}
#endif

#endif
