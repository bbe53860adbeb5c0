/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dump.h — gonet --dht-dump [ROOM]: what our DHT node looks like (node id,
 * bound ports, public addresses DHT nodes report, bootstrap nodes and their
 * RTT) and, with a room, every value under the room's current and next
 * infohash and what validation said about it.
 *
 * --json prints JSON lines: one object per line, each with "type":
 *   node       node_id, port4, port6, public [addr...], bootstrap [{host,
 *              port, addr, state "ok"|"failed"|"pending", rtt_ms}]
 *   infohash   epoch, infohash (hex), which "current"|"next"
 *   value      epoch, infohash, value_id, size, result ("ok" or a
 *              record_reject_name()), and when decoded: fp, nick, wg, seq,
 *              exp, age_s, candidates [{kind, addr, port}]
 *   done       values, counts {result: n}   (not printed with --watch)
 * Without --watch it exits once every get is done or DUMP_GET_TIMEOUT passed.
 * With --watch it keeps listening and prints each new value as it arrives.
 */
#ifndef GONET_DUMP_H
#define GONET_DUMP_H

#include <stdbool.h>
#include <stdint.h>

struct clock;
struct event_base;
struct runner;
struct room_keys;

enum {
	DUMP_BOOT_TIMEOUT = 5,		/* s to wait for bootstrap pings */
	DUMP_BOOT_GRACE = 1,		/* s more for the others once one answered */
	DUMP_GET_TIMEOUT = 10		/* s to wait for the gets' "done" */
};

struct dump_config {
	struct event_base *base;
	struct runner *runner;
	const struct room_keys *keys;	/* NULL: node information only */
	const uint8_t *own_id;		/* our Ed25519 key, for "ownid"; NULL: none */
	bool json;
	bool watch;
	const struct clock *clock;	/* NULL: the real clock */
};

/* Runs the loop until done. Returns the process exit status. */
int dump_run(const struct dump_config *cfg);

#endif
