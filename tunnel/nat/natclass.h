/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * natclass.h — what kind of NAT maps us, from STUN answers, and what that
 * means for a pair of peers. Pure code: no socket, no clock.
 *
 * Input: the mapped address each STUN server (or each address of one RFC
 * 5780 server: its primary and its OTHER-ADDRESS) saw, in the order the
 * requests left our one socket, and our own local port and addresses.
 *
 *   all mapped addresses equal, and one of ours with our port   OPEN
 *   all mapped addresses equal                                  EIM
 *   (endpoint-independent mapping, RFC 4787 REQ-1)
 *   one address, ports step by a delta d, 0 < |d| <= NAT_SEQ_DELTA_MAX,
 *   every step the same sign                                    SEQUENTIAL (delta d)
 *   anything else: other ports, or more than one public address RANDOM
 *   fewer than two answers from distinct servers (one answer
 *   that is our own address and port is OPEN)                   UNKNOWN
 *
 * With two answers a random allocator passes the sequential test by chance
 * once in 65536 / (2 x NAT_SEQ_DELTA_MAX) = 2048: acceptable for choosing a
 * strategy, which never forbids anything, only orders the attempts.
 *
 * The class goes out in the endpoint record (doc/PROTOCOL.md, key "nat":
 * [class, delta]); nat_pair_strategy() turns both sides' classes into what
 * the pair should try first.
 */
#ifndef GONET_NATCLASS_H
#define GONET_NATCLASS_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"

/* As on the wire (record key "nat"); a value above NAT_CLASS_RANDOM reads as UNKNOWN. */
enum nat_class {
	NAT_CLASS_UNKNOWN = 0,
	NAT_CLASS_OPEN = 1,		/* no translation: the mapped address is our own */
	NAT_CLASS_EIM = 2,		/* endpoint-independent mapping: one port for everyone */
	NAT_CLASS_SEQUENTIAL = 3,	/* a new port per destination, a fixed step apart */
	NAT_CLASS_RANDOM = 4,		/* a new port per destination, unpredictable */
	NAT_CLASS__COUNT
};

enum {
	NAT_SAMPLES_MAX = 8,		/* = STUN_MAX_SERVERS: one answer per server */
	/*
	 * The largest step still called sequential: Linux and most home
	 * routers step by 1 when ports are free, by a few more when other
	 * hosts behind them are busy; a sweep of +-delta x 16 around a
	 * predicted port stays small (tunnel/nat/predict.h).
	 */
	NAT_SEQ_DELTA_MAX = 16
};

/* One STUN answer: whom we asked, and where it saw us. */
struct nat_sample {
	struct endpoint server;
	struct endpoint mapped;
};

struct nat_verdict {
	enum nat_class cls;
	int16_t delta;			/* SEQUENTIAL: the step; else 0 */
	struct endpoint mapped;		/* the first answer's mapped address (NONE if none) */
	unsigned nsamples;		/* answers from distinct servers that were used */
	unsigned ndeltas;		/* port steps observed, in deltas[] */
	int32_t deltas[NAT_SAMPLES_MAX - 1];	/* mapped port i+1 - mapped port i */
};

/*
 * Classify one family's answers (samples of the other family are skipped).
 * local: our own addresses (the host candidates), nlocal of them, with our
 * socket's port in each; may be NULL. Returns v->cls.
 */
enum nat_class nat_classify(const struct nat_sample *samples, unsigned n, unsigned family,
    const struct endpoint *local, unsigned nlocal, struct nat_verdict *v);

/* "unknown", "open", "endpoint-independent", "sequential", "random". */
const char *nat_class_name(enum nat_class c);
/* 1 for a class that maps per destination (punching alone rarely works against it). */
int nat_class_hard(enum nat_class c);
/* A wire value to the enum (unknown values: UNKNOWN). */
enum nat_class nat_class_from_wire(uint64_t v);

/* One side of a pair, as far as the strategy is concerned. */
struct nat_side {
	enum nat_class cls;		/* its IPv4 mapping */
	int mapped;			/* it has a port-mapped candidate (PCP, NAT-PMP, UPnP) */
	int v6;				/* it has a global IPv6 candidate */
};

/*
 * What the pair tries first:
 *   PUNCH     plain simultaneous open works (or nothing says it won't)
 *   PREDICT   one side easy, the other maps per destination: port
 *             prediction (tunnel/nat/predict.h), with the fallback beside it
 *   FALLBACK  both map per destination, nothing mapped, no IPv6 in common:
 *             the fallback at once, punching beside it
 */
enum nat_strategy {
	NAT_STRATEGY_PUNCH,
	NAT_STRATEGY_PREDICT,
	NAT_STRATEGY_FALLBACK
};

/* The rules, in order: both v6, or either mapped, unknown, open: PUNCH; both EIM:
 * PUNCH; one EIM: PREDICT; else FALLBACK. Symmetric in its arguments. */
enum nat_strategy nat_pair_strategy(const struct nat_side *a, const struct nat_side *b);
/* "punch", "predict", "fallback". */
const char *nat_strategy_name(enum nat_strategy s);

#endif
