/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rvbatch.c — gonet --batch ROOM as a publishing peer (rvbatch.h). */
#include "config.h"

#include <sys/types.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "b64key.h"
#include "identity.h"
#include "json.h"
#include "recfmt.h"
#include "record.h"
#include "rendezvous.h"
#include "runner.h"
#include "rvbatch.h"

struct rvbatch {
	struct timespec start;
};

static uint64_t
elapsed_ms(const struct rvbatch *b)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)((t.tv_sec - b->start.tv_sec) * 1000 +
	    (t.tv_nsec - b->start.tv_nsec) / 1000000);
}

/* This host's usable addresses, at most max. */
static unsigned
host_candidates(uint16_t port, struct cand *out, unsigned max)
{
	struct ifaddrs *ifa, *i;
	unsigned n = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL && n < max; i = i->ifa_next) {
		struct cand c;

		if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		memset(&c, 0, sizeof(c));
		c.kind = CAND_HOST;
		c.port = port;
		if (i->ifa_addr->sa_family == AF_INET) {
			c.family = 4;
			memcpy(c.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			c.family = 6;
			memcpy(c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (record_cand_usable(&c))
			out[n++] = c;
	}
	freeifaddrs(ifa);
	return n;
}

static void
on_peer(void *arg, const struct record *rec, uint64_t epoch)
{
	struct rvbatch *b = arg;
	struct json j;
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	json_begin(&j);
	json_str(&j, "event", "peer");
	recfmt_record_json(&j, rec, (uint64_t)t.tv_sec);
	json_uint(&j, "epoch", epoch);
	json_uint(&j, "t_ms", elapsed_ms(b));
	json_print(&j, stdout);
}

static void
on_reject(void *arg, enum record_reject why, size_t len, uint64_t epoch)
{
	struct json j;

	if (why == REC_DUPLICATE || why == REC_OWNID)
		return;		/* every republish under two epochs makes these */
	json_begin(&j);
	json_str(&j, "event", "reject");
	json_str(&j, "reason", record_reject_name(why));
	json_uint(&j, "size", len);
	json_uint(&j, "epoch", epoch);
	json_print(&j, stdout);
}

static void
on_published(void *arg, uint64_t epoch, uint64_t seq, bool ok)
{
	struct rvbatch *b = arg;
	struct json j;

	json_begin(&j);
	json_str(&j, "event", "published");
	json_uint(&j, "epoch", epoch);
	json_uint(&j, "seq", seq);
	json_bool(&j, "ok", ok);
	json_uint(&j, "t_ms", elapsed_ms(b));
	json_print(&j, stdout);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

static void
print_start(const struct rvbatch_config *cfg)
{
	char fp[IDENTITY_FINGERPRINT_LEN + 1], wg[B64KEY_LEN + 1], node[2 * RUNNER_HASH_LEN + 1];
	uint8_t id[RUNNER_HASH_LEN];
	struct json j;

	identity_fingerprint(cfg->self.id, fp);
	b64key_encode(cfg->self.wg, wg);
	runner_node_id(cfg->runner, id);
	recfmt_hex(id, sizeof(id), node);
	json_begin(&j);
	json_str(&j, "event", "start");
	json_str(&j, "fp", fp);
	json_strn(&j, "nick", cfg->self.nick, strlen(cfg->self.nick));
	json_str(&j, "wg", wg);
	json_str(&j, "node_id", node);
	json_uint(&j, "dht_port", runner_bound_port(cfg->runner, AF_INET));
	json_print(&j, stdout);
}

int
rvbatch_run(const struct rvbatch_config *cfg)
{
	struct rendezvous_config rc;
	struct rendezvous *rv;
	struct event *sigint, *sigterm;
	struct cand cand[RECORD_MAX_CANDIDATES];
	struct rvbatch b;
	int status = 1;

	clock_gettime(CLOCK_MONOTONIC, &b.start);
	print_start(cfg);

	memset(&rc, 0, sizeof(rc));
	rc.base = cfg->base;
	rc.runner = cfg->runner;
	rc.keys = cfg->keys;
	rc.self = cfg->self;
	rc.state_dir = cfg->state_dir;
	rc.cand = cand;
	rc.ncand = host_candidates(cfg->data_port, cand, RECORD_MAX_CANDIDATES);
	rc.clock_ms = cfg->clock_ms;
	rc.clock_arg = cfg->clock_arg;
	rc.on_peer = on_peer;
	rc.on_reject = on_reject;
	rc.on_published = on_published;
	rc.arg = &b;

	sigint = evsignal_new(cfg->base, SIGINT, on_signal, cfg->base);
	sigterm = evsignal_new(cfg->base, SIGTERM, on_signal, cfg->base);
	if (sigint == NULL || sigterm == NULL)
		goto out_sig;
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	if ((rv = rendezvous_new(&rc)) == NULL) {
		fprintf(stderr, "gonet: cannot start the rendezvous\n");
		goto out_sig;
	}
	event_base_dispatch(cfg->base);
	status = 0;
	rendezvous_free(rv);
out_sig:
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	return status;
}
