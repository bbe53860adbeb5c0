/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rvbatch.h — gonet --batch ROOM until the session exists: join the room's
 * rendezvous (publish our record, listen for the others') and print one JSON
 * object per line per event, on stdout:
 *
 *   {"event":"start","fp":..,"nick":..,"wg":..,"node_id":..,"dht_port":..}
 *   {"event":"published","epoch":E,"seq":S,"ok":true}
 *   {"event":"peer","fp":..,"nick":..,"wg":..,"seq":..,"exp":..,"age_s":..,
 *    "candidates":[{"kind":"host","addr":..,"port":..}],"epoch":E,"t_ms":..}
 *   {"event":"reject","reason":"sig","size":N,"epoch":E}
 *
 * t_ms is the time since start. Duplicates and our own record are counted,
 * not printed. Runs until SIGINT or SIGTERM.
 *
 * Candidates are this host's addresses (getifaddrs; no loopback, no
 * link-local) with data_port: a placeholder until tunnel/ owns the data
 * socket and gathers real candidates.
 */
#ifndef GONET_RVBATCH_H
#define GONET_RVBATCH_H

#include <stdint.h>

#include "rendezvous.h"

struct event_base;
struct runner;
struct room_keys;

struct rvbatch_config {
	struct event_base *base;
	struct runner *runner;
	const struct room_keys *keys;
	struct rendezvous_self self;
	const char *state_dir;
	uint16_t data_port;
	uint64_t (*clock_ms)(void *clock_arg);	/* NULL: the real clock */
	void *clock_arg;
};

/* Runs the loop until a signal. Returns the process exit status. */
int rvbatch_run(const struct rvbatch_config *cfg);

#endif
