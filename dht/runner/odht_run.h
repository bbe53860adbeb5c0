/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * odht_run.h — starts an OpenDHT runner as dht_runner_run_config() does,
 * with OpenDHT's log to a file of ours if asked (odht_run.cpp).
 *
 *	e = odht_run(d, port, &dc, log_fd);	0, or an errno value
 */
#ifndef GONET_DHT_RUNNER_ODHT_RUN_H
#define GONET_DHT_RUNNER_ODHT_RUN_H

#include <stdint.h>

#include <opendht/opendht_c.h>

#ifdef __cplusplus
#include <memory>

#include <opendht/log_enable.h>

/* A logger appending each line, time-stamped, to fd (which it never closes). */
std::shared_ptr<dht::Logger> odht_fd_logger(int fd);
/* The log odht_run() gives OpenDHT: to log_fd if >= 0, else with log on stdout, else none. */
std::shared_ptr<dht::Logger> odht_logger(int log_fd, bool log);

extern "C" {
#endif

/*
 * dht_runner_run_config(d, port, c), except that with log_fd >= 0
 * OpenDHT's log goes to log_fd (c->log is then not looked at); log_fd
 * must stay open until d is deleted. c must carry no OpenDHT identity
 * (EINVAL). ENOTCONN when OpenDHT throws.
 */
int odht_run(dht_runner *d, uint16_t port, const dht_runner_config *c, int log_fd);

#ifdef __cplusplus
}
#endif

#endif
