/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_session.c — whole sessions (src/session) on a manual clock, a fake
 * DHT (tests/unit/fake_runner.c), a fake network (datagrams between the
 * sessions by port, 1 ms each way, with pairs that can be cut) and a fake
 * UI that keeps every event: no socket, no thread, no sleep. Minutes of
 * session time run in well under a second, the same way every time.
 *
 *   meet     two peers find each other, punch, bring WireGuard up (path
 *            "lan": loopback), exchange a line each way, each delivered once
 *            and acknowledged; no fallback kind is ever tried. Alone, and
 *            once both are up, neither listens on its DHT mailbox.
 *   crossed  both initiate WireGuard in the same instant (each node's first
 *            initiation held, then both released): each consumes the
 *            other's and drops the response to its own; the smaller key
 *            initiates again PEER_CROSSED_RETRY_MS later and both are up
 *            within a second (without that retry: not within 4 s).
 *   relay    A and B cannot reach each other, C reaches both: A and B chat
 *            through C (path "relay", via C), sought no earlier than
 *            FALLBACK_RELAY_MS into punching; once the cut is gone the next
 *            direct probe (FALLBACK_RETRY_MS) moves them onto it ("better").
 *   dht      A and B alone and cut off: the DHT mailbox once punching fails
 *            (PUNCH_END_MS), a line delivered through it; with the cut gone,
 *            punching again (FALLBACK_RETRY_MS) brings them up directly.
 *            /who, /nick (refused when it would need neutralising where
 *            shown), and /quit, which the other side sees as a leave.
 *   direct   three peers: /msg reaches its target only, shown as private on
 *            both sides; the third peer gets not one datagram from the
 *            sender meanwhile, shows nothing, and its counters do not move;
 *            /me is an action for everyone; two peers with one nick make
 *            /msg NICK ambiguous until a fingerprint prefix picks one.
 *   files    /send to one peer (the third sees nothing), nothing moves
 *            until /accept, then the file arrives whole under its name
 *            while chat goes on; again: a new name, nothing overwritten;
 *            to the room, /reject; mistyped commands are errors.
 *   wait     --batch --wait: lines read while alone wait for the first
 *            peer (joining 10 s later) and are delivered in order; with
 *            nobody coming they are reported undelivered after --wait, and
 *            EOF drains only after that; --to sends every line to one peer.
 *   replay   relay and ping replay (issue 12, finding 3): one relayed
 *            message and one ping, captured, replayed from 64 source ports
 *            to bob: nothing is sent to those ports, the relayed path
 *            survives and carries chat at once.
 *   starve   a member cannot move another's freshness window: mallory, a
 *            member, seals pings and relay data naming bob as sender to
 *            alice, ts 1000 s ahead (under the room key and her own pair
 *            key with alice, all she has), from before bob joins until
 *            after; bob and alice still come up directly and chat, and
 *            again when they are cut and carol relays for them; alice
 *            counts the forgeries as `pair` (or `unknown` before bob is
 *            her peer), never a replay of bob's. Fails on version 2.
 *   (all)    no probe or relay message on the wire shows a WireGuard key
 *            (issue 12, finding 6).
 *   bind     key misbinding (issue 12, finding 1): member M signs a record
 *            with its own id, nick "bob" and Bob's WireGuard key before
 *            Bob joins; the record is refused ("binding"), and Bob's own
 *            messages show under Bob's fingerprint; nothing is ever shown
 *            or pinned under M's.
 *   hard     A and B cut off, each behind a NAT that a fake STUN server pair
 *            shows as mapping per destination (random ports): both learn
 *            "random", publish it, and the DHT mailbox carries their chat
 *            FALLBACK_HARD_DHT_MS into punching instead of after
 *            PUNCH_END_MS; punching keeps going beside it.
 *   pex      a 16-peer room on a DHT that stores nothing after the first
 *            member's record: a put reaches only the listens open at that
 *            moment, so each member learns the first one from the DHT and
 *            only the members who came before it hear of it. With peer
 *            exchange the last joiner reaches all 15 members (the first
 *            hands it the others' records); with --no-peer-exchange the
 *            same room leaves it with the first member alone.
 *            A DHT that only the first member sees: the joiner's record
 *            reaches the others through that member (it forwards what the
 *            DHT brought it that nobody else handed on); without peer
 *            exchange the joiner has the first member alone.
 *            Forwarding is once: pex_forward_in()'s rule, case by case
 *            (one member cannot stop a record its owner handed over); a
 *            room of 16 starting at once takes in at most 3 values per
 *            pair (every member forwarding all news: over 1,000); then a
 *            new nick, which the DHT shows nobody else, goes on from
 *            about two members, not from each (at most 5 per member).
 *            And a flood: bob, up with alice, hands her 1,600 junk values
 *            at once and again 10 s later: she opens at most PEX_BURST,
 *            then PEX_RATE_PER_S a second of them (the rest are dropped
 *            before any crypto), and carol's record from bob's neighbour
 *            dave still gets through (budgets are per peer).
 *   predict  a NAT world (each node behind a NAT of its own, see below): a
 *            symmetric NAT with random ports against a port-restricted
 *            one goes direct by port prediction (strategy "predict" on
 *            both sides, chat both ways, one extra socket left: the path);
 *            the fake wire counts the sockets and datagrams of each attempt
 *            and holds them to predict.h's budgets (sockets, lifetime,
 *            one ping a socket, probes, probes a second); none is left
 *            open after the session. A pair that cannot be predicted
 *            spends its budget once, falls back to the DHT, and tries again
 *            only after PREDICT_BACKOFF_MS.
 *            A record a member hands us is taken after the receive path
 *            of its packet is done, never inside it (no peer added or
 *            freed while WireGuard handles the sender's packet).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "dht/record/pex_msg.h"
#include "dht/record/record.h"
#include "dht/record/record_codec.h"
#include "dht/room/room.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/identity/identity.h"
#include "src/session/core.h"
#include "src/session/fallback.h"
#include "src/session/peer.h"
#include "src/session/pex.h"
#include "src/session/rendezvous.h"
#include "src/session/session.h"
#include "src/ui/ui.h"
#include "src/ui/ui_impl.h"
#include "tests/check.h"
#include "tests/unit/fake_runner.h"
#include "tests/unit/session_harness.h"
#include "tunnel/nat/predict.h"
#include "tunnel/nat/probe.h"
#include "tunnel/nat/relay_msg.h"
#include "tunnel/nat/punch.h"
#include "tunnel/nat/stun.h"
#include "tunnel/net/endpoint.h"

enum {
	NODES = 16,
	EVENTS = 512,
	TEXT = 320
};

/* --- a node: a session, what it showed, what it sent ----------------------------------- */

struct event_rec {
	enum ui_event_kind kind;
	char what[24], path[16], reason[24], nick[24], via[24], fp[24], strategy[16], text[TEXT];
	uint64_t at_ms, seq;
	unsigned msg, xfer;
	int64_t count;
	uint64_t size, done;
	char file[64], saved[160];
};

struct node {
	const char *name;
	char dir[64], idpath[96], dl[96];
	struct session_config cfg;
	struct session *s;
	struct {
		struct ui ui;
		struct node *n;
	} ui;
	uint16_t port;
	uint8_t wg[32];			/* its WireGuard public key, from its identity file */
	int done;
	struct event_rec ev[EVENTS];
	unsigned nev;
};

static struct node nodes[NODES];
static int with_cache;			/* node_start gives the node a cache dir (identity pinning) */
static const char *preset_identity;	/* node_start links this file as the node's identity */
static int cut[NODES][NODES];		/* no datagram between i and j */
static unsigned long long pair_sent[NODES][NODES];	/* datagrams i sent to j */

static void
ui_emit_rec(struct ui *ui, const struct ui_event *e)
{
	struct node *n = ((struct node **)(ui + 1))[0];
	struct event_rec *r;

	if (n->nev == EVENTS)
		return;
	r = &n->ev[n->nev++];
	memset(r, 0, sizeof(*r));
	r->kind = e->kind;
	r->at_ms = now_ms();
	r->seq = e->seq;
	r->msg = e->msg;
	r->count = e->count;
	if (e->kind == UI_EV_FILE) {
		r->xfer = e->xfer;
		r->size = e->size;
		r->done = e->done;
		snprintf(r->file, sizeof(r->file), "%s", e->file != NULL ? e->file : "");
		snprintf(r->saved, sizeof(r->saved), "%s", e->saved != NULL ? e->saved : "");
	}
	snprintf(r->fp, sizeof(r->fp), "%s", e->fp != NULL ? e->fp : "");
	snprintf(r->what, sizeof(r->what), "%s", e->what != NULL ? e->what : "");
	snprintf(r->path, sizeof(r->path), "%s", e->path != NULL ? e->path : "");
	snprintf(r->reason, sizeof(r->reason), "%s", e->reason != NULL ? e->reason : "");
	snprintf(r->nick, sizeof(r->nick), "%s", e->nick != NULL ? e->nick : "");
	snprintf(r->via, sizeof(r->via), "%s", e->via != NULL ? e->via : "");
	snprintf(r->strategy, sizeof(r->strategy), "%s", e->strategy != NULL ? e->strategy : "");
	if (e->text != NULL)
		snprintf(r->text, sizeof(r->text), "%.*s",
		    (int)(e->text_len != 0 ? e->text_len : strlen(e->text)), e->text);
}

static void
ui_free_rec(struct ui *ui)
{
	(void)ui;
}

static const struct ui_ops rec_ops = { ui_emit_rec, NULL, NULL, ui_free_rec };

/* The first event of n matching kind (and path, nick, what when given) from index from. */
static const struct event_rec *
find(const struct node *n, unsigned from, enum ui_event_kind kind, const char *path,
    const char *nick, const char *what)
{
	unsigned i;

	for (i = from; i < n->nev; i++) {
		const struct event_rec *r = &n->ev[i];

		if (r->kind == kind && (path == NULL || strcmp(r->path, path) == 0) &&
		    (nick == NULL || strcmp(r->nick, nick) == 0) &&
		    (what == NULL || strcmp(r->what, what) == 0))
			return r;
	}
	return NULL;
}

static unsigned
count(const struct node *n, enum ui_event_kind kind, const char *path)
{
	unsigned i, c = 0;

	for (i = 0; i < n->nev; i++)
		c += n->ev[i].kind == kind && (path == NULL || strcmp(n->ev[i].path, path) == 0);
	return c;
}

static unsigned
count_from(const struct node *n, enum ui_event_kind kind, const char *nick)
{
	unsigned i, c = 0;

	for (i = 0; i < n->nev; i++)
		c += n->ev[i].kind == kind && strcmp(n->ev[i].nick, nick) == 0;
	return c;
}

static const char *const kind_names[] = {
	"status", "error", "peer-found", "punching", "path-up", "path-down", "peer-failed",
	"peer-left", "nick", "message", "sent", "delivered", "undelivered", "who", "info"
};

/* What a node saw, for a failure's context. */
static void
dump(const struct node *n)
{
	unsigned i;

	fprintf(stderr, "  --- %s saw:\n", n->name);
	for (i = 0; i < n->nev; i++) {
		const struct event_rec *r = &n->ev[i];

		fprintf(stderr, "  %7llu ms %-11s %s %s %s %s %s %s\n", (unsigned long long)r->at_ms,
		    (unsigned)r->kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
		    kind_names[r->kind] : "?", r->nick, r->what, r->path, r->strategy, r->reason,
		    r->text);
	}
}

/* --- the network ---------------------------------------------------------------------- */

static unsigned long long sent_total, cut_total;

static int
node_of_port(uint16_t port)
{
	int i;

	for (i = 0; i < NODES; i++)
		if (nodes[i].s != NULL && nodes[i].port == port)
			return i;
	return -1;
}

/*
 * The NAT world (test_predict): each node i has the public address
 * 198.51.100.(10 + i) behind a NAT of its own, and only public addresses
 * route (loopback candidates go nowhere):
 *
 *   NAT_SYM    a new mapping per (socket, destination), its port random
 *              (fully-random masquerade); inbound only from that destination
 *   NAT_MULTI  the same, but mapped onto another address than the STUN
 *              servers see (198.51.100.(100 + i)): no prediction can hit
 *   NAT_PRC    one port (40000 + i) for the data socket whatever the
 *              destination (endpoint-independent), inbound only from
 *              addresses and ports it sent to (port-restricted)
 *
 * Extra sockets (session.h aux_open) are counted per node: opened, open at
 * most, datagrams sent, and when each opened and closed.
 */
enum nat_kind { NAT_OFF, NAT_SYM, NAT_MULTI, NAT_PRC };

enum {
	NAT_MAPS = 4096,
	NAT_SENT_TO = 4096,
	PRC_PORT = 40000
};

struct nat_map {
	int h;				/* -1 the data socket */
	struct endpoint dst, pub;
};

struct nat_state {
	enum nat_kind kind;
	struct nat_map map[NAT_MAPS];
	unsigned nmap;
	struct endpoint sent_to[NAT_SENT_TO];	/* PRC: the filter */
	unsigned nsent_to;
	/* extra sockets */
	int open[SESSION_AUX_MAX];
	uint64_t opened_at[SESSION_AUX_MAX];
	unsigned sent_h[SESSION_AUX_MAX];	/* datagrams from the socket now at h */
	unsigned max_sent_closed;	/* the most any closed socket sent */
	unsigned nopen, max_open, opened, aux_sent, lived_too_long;
	uint64_t max_life_ms;
	/* to the peer's public address at a port no data-socket mapping of its has */
	unsigned probes_out;
	uint64_t probe_at[8192];
};

static int nat_world;
static struct nat_state nat[NODES];
static uint64_t nat_rng = 0x9E3779B97F4A7C15ull;
static unsigned long long nat_dropped;

static uint64_t
nat_random(void)
{
	nat_rng ^= nat_rng >> 12;
	nat_rng ^= nat_rng << 25;
	nat_rng ^= nat_rng >> 27;
	return nat_rng * 0x2545F4914F6CDD1DULL;
}

static void
nat_public(int i, int other, struct endpoint *ep, uint16_t port)
{
	uint8_t a[4] = { 198, 51, 100, 0 };

	a[3] = (uint8_t)((other ? 100 : 10) + i);
	endpoint_set(ep, ENDPOINT_V4, a, port);
}

/* The node a public address belongs to (-1: none). */
static int
nat_node_of(const struct endpoint *to)
{
	int j;

	if (to->family != ENDPOINT_V4 || to->addr[0] != 198 || to->addr[1] != 51 || to->addr[2] != 100)
		return -1;
	for (j = 0; j < NODES; j++)
		if (nat[j].kind != NAT_OFF && (to->addr[3] == 10 + j ||
		    (nat[j].kind == NAT_MULTI && to->addr[3] == 100 + j)))
			return j;
	return -1;
}

/* Node i's socket h sends to dst: its public source (a mapping made if need be). */
static void
nat_out(int i, int h, const struct endpoint *dst, struct endpoint *pub)
{
	struct nat_state *ns = &nat[i];
	unsigned k;

	if (ns->kind == NAT_PRC) {
		nat_public(i, 0, pub, (uint16_t)(PRC_PORT + i));
		for (k = 0; k < ns->nsent_to; k++)
			if (endpoint_equal(&ns->sent_to[k], dst))
				return;
		if (ns->nsent_to < NAT_SENT_TO)
			ns->sent_to[ns->nsent_to++] = *dst;
		return;
	}
	for (k = 0; k < ns->nmap; k++)
		if (ns->map[k].h == h && endpoint_equal(&ns->map[k].dst, dst)) {
			*pub = ns->map[k].pub;
			return;
		}
	for (;;) {		/* a random free port */
		uint16_t port = (uint16_t)(1024 + nat_random() % 64512);

		for (k = 0; k < ns->nmap && ns->map[k].pub.port != port; k++)
			;
		if (k == ns->nmap) {
			/* NAT_MULTI: the STUN servers (198.18.0.0/15) see another address. */
			nat_public(i, ns->kind == NAT_MULTI &&
			    !(dst->addr[0] == 198 && dst->addr[1] == 18), pub, port);
			break;
		}
	}
	if (ns->nmap < NAT_MAPS) {
		ns->map[ns->nmap].h = h;
		ns->map[ns->nmap].dst = *dst;
		ns->map[ns->nmap++].pub = *pub;
	}
}

/* A datagram from src to node j's public dst: which socket of j gets it (-2: dropped). */
static int
nat_in(int j, const struct endpoint *src, const struct endpoint *dst)
{
	struct nat_state *ns = &nat[j];
	unsigned k;

	if (ns->kind == NAT_PRC) {
		if (dst->port != PRC_PORT + j)
			return -2;
		for (k = 0; k < ns->nsent_to; k++)
			if (endpoint_equal(&ns->sent_to[k], src))
				return -1;
		return -2;
	}
	for (k = 0; k < ns->nmap; k++)
		if (endpoint_equal(&ns->map[k].pub, dst))
			return endpoint_equal(&ns->map[k].dst, src) ? ns->map[k].h : -2;
	return -2;
}

/* Was port one of node j's data-socket mappings? */
static int
nat_data_port(int j, uint16_t port)
{
	unsigned k;

	for (k = 0; k < nat[j].nmap; k++)
		if (nat[j].map[k].h == -1 && nat[j].map[k].pub.port == port)
			return 1;
	return nat[j].kind == NAT_PRC && port == PRC_PORT + j;
}

/* Node i's socket h sends to "to" in the NAT world. */
static int
nat_send(int i, int h, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct endpoint src;
	struct dgram *d;
	int j = nat_node_of(to), sock;

	if (len > DGRAM)
		return -1;
	nat_out(i, h, to, &src);
	if (j >= 0 && j != i && !nat_data_port(j, to->port) && nat[i].probes_out < 8192)
		nat[i].probe_at[nat[i].probes_out++] = now_ms();
	if (j < 0 || nodes[j].s == NULL || (sock = nat_in(j, &src, to)) == -2) {
		nat_dropped++;
		return 0;
	}
	if ((d = queue_put()) == NULL)
		return -1;
	d->from = i;
	d->nat = 1;
	d->to_node = j;
	d->to_h = sock;
	d->src = src;
	d->len = len;
	memcpy(d->data, buf, len);
	sent_total++;
	return 0;
}

static int
aux_open(void *arg, unsigned family)
{
	struct node *n = arg;
	struct nat_state *ns = &nat[n - nodes];
	int h;

	(void)family;
	for (h = 0; h < SESSION_AUX_MAX && ns->open[h]; h++)
		;
	if (h == SESSION_AUX_MAX)
		return -1;
	ns->open[h] = 1;
	ns->opened_at[h] = now_ms();
	ns->sent_h[h] = 0;
	ns->opened++;
	if (++ns->nopen > ns->max_open)
		ns->max_open = ns->nopen;
	return h;
}

static int
aux_send(void *arg, int h, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct node *n = arg;
	int i = (int)(n - nodes);

	CHECK_MSG(h >= 0 && h < SESSION_AUX_MAX && nat[i].open[h], "send on closed socket %d", h);
	if (h < 0 || h >= SESSION_AUX_MAX || !nat[i].open[h])
		return -1;
	nat[i].aux_sent++;
	nat[i].sent_h[h]++;
	return nat_send(i, h, to, buf, len);
}

static void
aux_close(void *arg, int h)
{
	struct node *n = arg;
	struct nat_state *ns = &nat[n - nodes];
	uint64_t life;

	CHECK_MSG(h >= 0 && h < SESSION_AUX_MAX && ns->open[h], "close of closed socket %d", h);
	if (h < 0 || h >= SESSION_AUX_MAX || !ns->open[h])
		return;
	ns->open[h] = 0;
	ns->nopen--;
	life = now_ms() - ns->opened_at[h];
	if (life > ns->max_life_ms)
		ns->max_life_ms = life;
	if (ns->sent_h[h] > ns->max_sent_closed)
		ns->max_sent_closed = ns->sent_h[h];
}

/*
 * The fake STUN servers (198.18.0.0/15, the benchmarking range: this
 * machine has TEST-NET addresses of its own): each answers a Binding
 * request with where a symmetric NAT in front of node i would map it, a
 * port far from the one another server sees (random allocation).
 */
static int
fake_stun(struct node *n, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct stun_writer w;
	struct endpoint mapped;
	struct dgram *d;
	uint8_t pub[4] = { 198, 51, 100, 0 };
	int i = (int)(n - nodes);

	if (to->family != ENDPOINT_V4 || to->addr[0] != 198 || to->addr[1] != 18 || to->addr[2] != 0)
		return 0;
	if (len < STUN_HEADER_LEN || (d = queue_put()) == NULL)
		return 1;
	pub[3] = (uint8_t)(10 + i);
	endpoint_set(&mapped, ENDPOINT_V4, pub, (uint16_t)(20000 + 1000 * to->addr[3] + 7 * i));
	if (nat_world)
		nat_out(i, -1, to, &mapped);
	d->from = i;
	d->from_server = 1;
	d->server = *to;
	d->to_port = n->port;
	stun_msg_begin(&w, d->data, sizeof(d->data), STUN_BINDING_SUCCESS, buf + 8);
	stun_msg_put_xor_address(&w, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
	d->len = stun_msg_finish(&w);
	return 1;
}

/*
 * The replay case's wiretap: the first relayed data message (F0 03 in
 * version 1, F0 23 in 2) node cap_from sends to port cap_port, and the
 * first ping (F0 01 / F0 21) it sends there; and how many
 * datagrams went to the spoofed ports SPOOF_PORT.. (nobody is there).
 */
enum {
	SPOOF_PORT = 40000,
	SPOOFS = 64
};
static int cap_from = -1;
static uint16_t cap_port;
static uint8_t cap_relay[DGRAM], cap_ping[DGRAM];
static size_t cap_relay_len, cap_ping_len;
static unsigned long long spoof_sent, keys_in_clear, probes_seen, held_dropped;

static void
wiretap(int from, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	if (to->port >= SPOOF_PORT && to->port < SPOOF_PORT + SPOOFS)
		spoof_sent++;
	/* Issue 12, finding 6: no probe or relay message shows a WireGuard key. */
	if (len > 0 && buf[0] == 0xF0) {
		int i;

		probes_seen++;
		for (i = 0; i < NODES; i++)
			if (nodes[i].s != NULL && memmem(buf, len, nodes[i].wg, 8) != NULL)
				keys_in_clear++;
	}
	if (cap_from < 0 || to->port != cap_port || len < 2 || buf[0] != 0xF0 || len > DGRAM)
		return;
	if (from == cap_from && cap_relay_len == 0 && buf[1] == RELAY_TYPE_DATA) {
		memcpy(cap_relay, buf, len);
		cap_relay_len = len;
	}
	if (from == cap_from && cap_ping_len == 0 && buf[1] == PROBE_PING) {
		memcpy(cap_ping, buf, len);
		cap_ping_len = len;
	}
}

/*
 * crossed: while holding, each node's first WireGuard initiation (type 1,
 * 148 bytes) is kept off the wire; release_inits() puts every one held on it
 * in the same instant, so each side consumes the other's while its own is
 * in flight.
 */
enum { WG_INITIATION_LEN = 148 };
static int holding;
static struct {
	int from;
	uint16_t to_port;
	uint8_t data[WG_INITIATION_LEN];
} held[NODES];
static unsigned nheld;
static int held_from[NODES];

static int
hold_init(const struct node *n, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	int i = (int)(n - nodes);

	if (!holding || len != WG_INITIATION_LEN || buf[0] != 1)
		return 0;
	if (held_from[i]) {
		held_dropped++;		/* a retransmission: the first is what crosses */
		return 1;
	}
	held_from[i] = 1;
	held[nheld].from = i;
	held[nheld].to_port = to->port;
	memcpy(held[nheld].data, buf, len);
	nheld++;
	return 1;
}

static void
release_inits(void)
{
	unsigned k;

	holding = 0;
	for (k = 0; k < nheld; k++) {
		struct dgram *d = queue_put();

		if (d == NULL)
			abort();
		d->from = held[k].from;
		d->to_port = held[k].to_port;
		d->len = WG_INITIATION_LEN;
		memcpy(d->data, held[k].data, WG_INITIATION_LEN);
	}
	nheld = 0;
}

static int
wire_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct node *n = arg;
	struct dgram *d;

	wiretap((int)(n - nodes), to, buf, len);
	if (fake_stun(n, to, buf, len))
		return 0;
	if (nat_world)
		return nat_send((int)(n - nodes), -1, to, buf, len);
	if (hold_init(n, to, buf, len))
		return 0;
	if (len > DGRAM || (d = queue_put()) == NULL)
		return -1;
	d->from = (int)(n - nodes);
	d->to_port = to->port;
	d->len = len;
	memcpy(d->data, buf, len);
	sent_total++;
	return 0;
}

/* Deliver what is due; returns how many went anywhere. */
static unsigned
net_deliver(void)
{
	struct dgram d;
	unsigned done = 0;

	while (queue_take_due(&d)) {
		struct endpoint from;
		uint8_t lo[4] = { 127, 0, 0, 1 };
		int to = node_of_port(d.to_port);

		if (d.nat) {
			to = d.to_node;
			if (nodes[to].s == NULL || (d.to_h >= 0 && !nat[to].open[d.to_h])) {
				nat_dropped++;	/* the host has no such socket (any more) */
				continue;
			}
			pair_sent[d.from][to]++;
			if (d.to_h >= 0)
				session_input_aux(nodes[to].s, d.to_h, &d.src, d.data, d.len);
			else
				session_input(nodes[to].s, &d.src, d.data, d.len);
			done++;
			continue;
		}
		if (to < 0 || nodes[d.from].s == NULL)
			continue;
		if (d.from_server) {
			session_input(nodes[to].s, &d.server, d.data, d.len);
			done++;
			continue;
		}
		if (cut[d.from][to]) {
			cut_total++;
			continue;
		}
		pair_sent[d.from][to]++;
		endpoint_set(&from, ENDPOINT_V4, lo, nodes[d.from].port);
		session_input(nodes[to].s, &from, d.data, d.len);
		done++;
	}
	return done;
}

/* --- driving --------------------------------------------------------------------------- */

static void
on_done(void *arg, unsigned delay_ms)
{
	(void)delay_ms;
	((struct node *)arg)->done = 1;
}

/* A node with --wait and --to (0 and NULL: as node_start). */
static void node_start_opts(int i, const char *name, unsigned wait_s, const char *to);
static const char *const no_stun[] = { NULL };
static const char *const *node_stun = no_stun;	/* the next node_start's --stun */
static int node_no_pex;				/* the next node_start's --no-peer-exchange */
static int node_pex_old;			/* ... peer exchange as before HAVE */

static void
node_start(int i, const char *name)
{
	node_start_opts(i, name, 0, NULL);
}

static void
node_start_opts(int i, const char *name, unsigned wait_s, const char *to)
{
	struct node *n = &nodes[i];
	struct session_env env;

	memset(n, 0, sizeof(*n));
	n->name = name;
	node_dir_make(n->dir, n->idpath, "test_session");
	if (preset_identity != NULL && link(preset_identity, n->idpath) != 0)
		abort();
	n->cfg.batch = 1;
	n->cfg.room = "test/session/room";
	n->cfg.identity_path = n->idpath;
	n->cfg.nick = name;
	n->cfg.stun = node_stun;
	n->cfg.loopback = 1;
	n->cfg.no_peer_exchange = node_no_pex;
	n->cfg.pex_old = node_pex_old;
	n->cfg.wait_s = wait_s;
	n->cfg.to = to;
	n->cfg.cache_dir = with_cache ? n->dir : NULL;
	strcpy(n->dl, n->dir);
	strcat(n->dl, "/dl");
	n->cfg.download_dir = n->dl;
	n->port = (uint16_t)(50000 + i);
	n->ui.ui.ops = &rec_ops;
	n->ui.n = n;

	node_env(&env, &n->ui.ui, wire_send, n, n->port, on_done);
	env.wire.aux_open = aux_open;
	env.wire.aux_send = aux_send;
	env.wire.aux_close = aux_close;
	n->s = session_new(&n->cfg, &env);
	CHECK_MSG(n->s != NULL, "session %s did not start", name);
	{
		char err[IDENTITY_ERR_LEN];
		struct identity *id = identity_load(n->idpath, err, sizeof(err));

		CHECK_MSG(id != NULL, "%s", err);
		if (id != NULL)
			memcpy(n->wg, identity_wg_public(id), sizeof(n->wg));
		identity_free(id);
	}
}

static void
node_stop(int i)
{
	struct node *n = &nodes[i];

	session_free(n->s);
	n->s = NULL;
	node_dir_remove(n->dir, n->idpath);
}

static void
say(int i, const char *line)
{
	session_line(nodes[i].s, line, strlen(line));
}

static void
reset_world(void)
{
	memset(cut, 0, sizeof(cut));
	memset(pair_sent, 0, sizeof(pair_sent));
	queue_clear();
	fake_runner_reset();
}

static void
set_cut(int a, int b, int on)
{
	cut[a][b] = cut[b][a] = on;
}

/* --- the cases -------------------------------------------------------------------------- */

static void
test_meet(void)
{
	const struct event_rec *up_a, *up_b, *msg;

	reset_world();
	node_start(0, "alice");
	/* Alone, 800 s into an epoch: one listen, the room's under e; none on the mailbox. */
	CHECK_EQ(fake_runner_live_listens(), 1);
	node_start(1, "bob");
	run_for(5000);

	CHECK(find(&nodes[0], 0, UI_EV_PEER_FOUND, NULL, "bob", NULL) != NULL);
	up_a = find(&nodes[0], 0, UI_EV_PATH_UP, "lan", "bob", NULL);
	up_b = find(&nodes[1], 0, UI_EV_PATH_UP, "lan", "alice", NULL);
	CHECK(up_a != NULL && up_b != NULL);
	/* Both up: nobody can be writing to a mailbox; the room's listens only. */
	CHECK_EQ(fake_runner_live_listens(), 2);
	/* Nothing but direct was needed. */
	CHECK_EQ(count(&nodes[0], UI_EV_PEER_FAILED, NULL), 0);
	CHECK_EQ(count(&nodes[0], UI_EV_PATH_UP, "relay") + count(&nodes[0], UI_EV_PATH_UP, "dht"), 0);

	say(0, "hello bob");
	say(1, "hi alice");
	run_for(2000);
	msg = find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "alice", NULL);
	CHECK(msg != NULL && strcmp(msg->text, "hello bob") == 0);
	msg = find(&nodes[0], 0, UI_EV_MESSAGE, NULL, "bob", NULL);
	CHECK(msg != NULL && strcmp(msg->text, "hi alice") == 0);
	CHECK_EQ(count(&nodes[1], UI_EV_MESSAGE, NULL), 1);	/* once */
	CHECK_EQ(count(&nodes[0], UI_EV_DELIVERED, NULL), 1);
	CHECK_EQ(count(&nodes[1], UI_EV_DELIVERED, NULL), 1);

	/* The exit report says what the DHT brought: bob's record, and ours taken. */
	{
		unsigned mark = nodes[0].nev;
		const struct event_rec *rv;

		session_report(nodes[0].s);
		rv = find(&nodes[0], mark, UI_EV_INFO, NULL, NULL, "rendezvous");
		CHECK_MSG(rv != NULL && strstr(rv->text, " (ok ") != NULL &&
		    strstr(rv->text, "failed 0") != NULL && strstr(rv->text, "puts taken 0") == NULL,
		    "alice's rendezvous report: %s", rv != NULL ? rv->text : "none");
	}

	/* /who lists bob on path lan. */
	say(0, "/who");
	CHECK(find(&nodes[0], 0, UI_EV_WHO, "lan", "bob", NULL) != NULL);

	/* A nick that would need neutralising where it is shown is refused. */
	say(0, "/nick ev\xe2\x80\xaelive");		/* U+202E RIGHT-TO-LEFT OVERRIDE */
	CHECK(count(&nodes[0], UI_EV_ERROR, NULL) == 1);
	say(0, "/nick al\x1b[2Jice");
	CHECK(count(&nodes[0], UI_EV_ERROR, NULL) == 2);
	say(0, "/nick alicia");
	run_for(2000);
	CHECK(find(&nodes[1], 0, UI_EV_NICK, NULL, "alicia", NULL) != NULL);

	/* /quit: bob sees alice leave. */
	say(0, "/quit");
	CHECK(nodes[0].done);
	run_for(1000);
	CHECK(find(&nodes[1], 0, UI_EV_PEER_LEFT, NULL, "alicia", NULL) != NULL);
	node_stop(0);
	node_stop(1);
}

/*
 * Both sides initiate WireGuard at once. Each node's first initiation is
 * held until both have sent one (the larger key after its responder grace),
 * then both go on the wire in the same instant: each side consumes the
 * other's while its own is in flight and drops the response to its own.
 * The smaller key initiates again PEER_CROSSED_RETRY_MS later, so both are
 * up well within a second of the crossing, not after WireGuard's 5 s
 * retransmission (which may cross again).
 */
static void
test_crossed(void)
{
	const struct event_rec *up_a, *up_b, *msg;
	uint64_t released, deadline;

	reset_world();
	memset(held_from, 0, sizeof(held_from));
	held_dropped = 0;
	holding = 1;
	node_start(0, "alice");
	node_start(1, "bob");
	deadline = now_ms() + 10000;
	while (!(held_from[0] && held_from[1]) && now_ms() < deadline)
		run_for(10);
	CHECK_MSG(held_from[0] && held_from[1], "initiations held: alice %d, bob %d",
	    held_from[0], held_from[1]);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, NULL, "bob", NULL) == NULL);
	CHECK(find(&nodes[1], 0, UI_EV_PATH_UP, NULL, "alice", NULL) == NULL);
	released = now_ms();
	release_inits();
	run_for(4000);

	up_a = find(&nodes[0], 0, UI_EV_PATH_UP, "lan", "bob", NULL);
	up_b = find(&nodes[1], 0, UI_EV_PATH_UP, "lan", "alice", NULL);
	CHECK(up_a != NULL && up_b != NULL);
	if (up_a != NULL && up_b != NULL) {
		uint64_t last = up_a->at_ms > up_b->at_ms ? up_a->at_ms : up_b->at_ms;

		printf("test_session crossed: up %llu ms after the crossing (%llu held back)\n",
		    (unsigned long long)(last - released), held_dropped);
		CHECK_MSG(last <= released + 1000, "up %llu ms after the crossing",
		    (unsigned long long)(last - released));
	}
	say(0, "after the crossing");
	run_for(1000);
	msg = find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "alice", NULL);
	CHECK(msg != NULL && strcmp(msg->text, "after the crossing") == 0);
	CHECK_EQ(count(&nodes[0], UI_EV_PEER_FAILED, NULL), 0);
	node_stop(0);
	node_stop(1);
}

static void
test_relay(void)
{
	const struct event_rec *punch, *up, *better;
	unsigned mark_a;

	reset_world();
	set_cut(0, 1, 1);
	node_start(2, "carol");
	run_for(1000);
	node_start(0, "alice");
	node_start(1, "bob");
	run_for(3000);
	/* Carol reaches both. */
	CHECK(find(&nodes[2], 0, UI_EV_PATH_UP, "lan", "alice", NULL) != NULL);
	CHECK(find(&nodes[2], 0, UI_EV_PATH_UP, "lan", "bob", NULL) != NULL);
	punch = find(&nodes[0], 0, UI_EV_PEER_PUNCHING, NULL, "bob", NULL);
	CHECK(punch != NULL);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, NULL, "bob", NULL) == NULL);

	run_for(15000);
	up = find(&nodes[0], 0, UI_EV_PATH_UP, "relay", "bob", NULL);
	CHECK_MSG(up != NULL, "alice never reached bob through carol");
	if (up == NULL) {
		for (int i = 0; i < 3; i++) {
			session_report(nodes[i].s);
			dump(&nodes[i]);
		}
	}
	if (up != NULL && punch != NULL) {
		/* The policy's time, not before. */
		CHECK_MSG(up->at_ms >= punch->at_ms + FALLBACK_RELAY_MS,
		    "relay at %llu ms, punching began at %llu", (unsigned long long)up->at_ms,
		    (unsigned long long)punch->at_ms);
		/*
		 * ... and at once then: both sides find the relay together, and
		 * only one may initiate (crossed initiations waited 5 s or more).
		 */
		CHECK_MSG(up->at_ms <= punch->at_ms + FALLBACK_RELAY_MS + 1000,
		    "relay up %llu ms after punching began", (unsigned long long)(up->at_ms -
		    punch->at_ms));
		CHECK(strcmp(up->via, "carol") == 0);
	}
	CHECK(find(&nodes[1], 0, UI_EV_PATH_UP, "relay", "alice", NULL) != NULL);

	say(0, "through carol");
	run_for(2000);
	CHECK(find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "alice", NULL) != NULL);
	CHECK_EQ(count_from(&nodes[0], UI_EV_DELIVERED, "bob"), 1);
	CHECK_EQ(count_from(&nodes[0], UI_EV_DELIVERED, "carol"), 1);

	/* The cut goes: the next direct probe moves them onto the direct pair. */
	mark_a = nodes[0].nev;
	set_cut(0, 1, 0);
	run_for(FALLBACK_RETRY_MS + 5000);
	better = find(&nodes[0], mark_a, UI_EV_PATH_UP, "lan", "bob", "better");
	CHECK_MSG(better != NULL, "alice stayed on the relay after the cut went");
	say(0, "direct now");
	run_for(2000);
	CHECK_EQ(count_from(&nodes[1], UI_EV_MESSAGE, "alice"), 2);
	CHECK_EQ(count_from(&nodes[0], UI_EV_DELIVERED, "bob"), 2);
	CHECK_EQ(count(&nodes[0], UI_EV_UNDELIVERED, NULL), 0);
	node_stop(0);
	node_stop(1);
	node_stop(2);
}

/*
 * Issue 12, finding 3: an attacker on the path captures one relayed data
 * message (carol -> bob, from alice) and one ping to bob, and replays each
 * from SPOOFS source ports. Bob must send nothing to those ports, keep
 * his relayed path to alice (no relay/TURN path slot evicted), and the
 * two keep chatting through carol at once.
 */
static void
test_replay(void)
{
	const struct event_rec *up;
	struct endpoint spoof;
	uint8_t lo[4] = { 127, 0, 0, 1 }, buf[DGRAM];
	unsigned mark_a, mark_b, i;
	int round;

	reset_world();
	set_cut(0, 1, 1);
	node_start(2, "carol");
	run_for(1000);
	node_start(0, "alice");
	node_start(1, "bob");
	/* Capture carol's first ping to bob (punching) and the first message she relays to him. */
	cap_from = 2;
	cap_port = nodes[1].port;
	cap_relay_len = cap_ping_len = 0;
	run_for(18000);
	up = find(&nodes[1], 0, UI_EV_PATH_UP, "relay", "alice", NULL);
	CHECK_MSG(up != NULL, "bob never reached alice through carol");
	if (up == NULL)
		goto out;
	say(0, "before the replay");
	run_for(2000);
	cap_from = -1;
	CHECK_MSG(cap_relay_len > 0, "no relayed message to capture");
	CHECK_MSG(cap_ping_len > 0, "no ping to capture");
	CHECK(find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "alice", NULL) != NULL);
	run_for(3000);			/* quiet: a slot not used for 3 s is the first to go */

	mark_a = nodes[0].nev;
	mark_b = nodes[1].nev;
	spoof_sent = 0;
	for (round = 0; round < 2; round++) {
		const uint8_t *pkt = round == 0 ? cap_relay : cap_ping;
		size_t len = round == 0 ? cap_relay_len : cap_ping_len;

		for (i = 0; i < SPOOFS && len > 0; i++) {
			endpoint_set(&spoof, ENDPOINT_V4, lo, (uint16_t)(SPOOF_PORT + i));
			memcpy(buf, pkt, len);
			session_input(nodes[1].s, &spoof, buf, len);
		}
	}
	say(1, "after the replay");
	run_for(1000);
	CHECK_MSG(find(&nodes[0], mark_a, UI_EV_MESSAGE, NULL, "bob", NULL) != NULL,
	    "bob's line did not reach alice through carol within 1 s of the replay");
	say(0, "and back");
	run_for(1000);
	CHECK(find(&nodes[1], mark_b, UI_EV_MESSAGE, NULL, "alice", NULL) != NULL);
	CHECK_MSG(spoof_sent == 0, "%llu datagrams sent to spoofed addresses", spoof_sent);
	CHECK_EQ(count(&nodes[1], UI_EV_PATH_DOWN, NULL), 0);
	CHECK_EQ(count(&nodes[0], UI_EV_PATH_DOWN, NULL), 0);
	/* Every copy was dropped as a replay, and said so. */
	mark_b = nodes[1].nev;
	session_report(nodes[1].s);
	{
		const struct event_rec *drops = find(&nodes[1], mark_b, UI_EV_INFO, NULL, NULL, "drops");
		const struct event_rec *relay = find(&nodes[1], mark_b, UI_EV_INFO, NULL, NULL, "relay");

		CHECK_MSG(drops != NULL && strstr(drops->text, "probe-replay 64") != NULL,
		    "bob's drops: %s", drops != NULL ? drops->text : "none");
		CHECK_MSG(relay != NULL && strstr(relay->text, "replay 64") != NULL,
		    "bob's relay: %s", relay != NULL ? relay->text : "none");
	}
	if (check_failures > 0)
		dump(&nodes[1]);
out:
	node_stop(0);
	node_stop(1);
	node_stop(2);
}

/*
 * Mallory (node m) seals a ping and a relay data message from "bob" to
 * alice with ts 1000 s ahead: the room key and her own pair key with alice
 * are all a member has.
 */
static void
forge_as(int m, int victim, int claimed)
{
	struct session *ms = nodes[m].s;
	uint8_t k[PROBE_PAIR_KEY_LEN], txid[PROBE_TXID_LEN], buf[RELAY_DATA_MAX];
	uint8_t payload[32], lo[4] = { 127, 0, 0, 1 };
	static uint64_t bump;
	struct endpoint from;
	uint64_t ts = fake_unix(NULL) + 1000 * 1000 + ++bump;
	size_t n;

	CHECK(probe_pair_key(k, ms->keys.probe, identity_wg_private(ms->id), nodes[m].wg,
	    nodes[victim].wg) == 0);
	randombytes_buf(txid, sizeof(txid));
	endpoint_set(&from, ENDPOINT_V4, lo, nodes[m].port);
	n = probe_build_ping(buf, sizeof(buf), ms->keys.probe, k, nodes[claimed].wg,
	    nodes[victim].wg, ts, txid);
	CHECK(n == PROBE_PING_LEN);
	session_input(nodes[victim].s, &from, buf, n);
	memset(payload, 0, sizeof(payload));
	payload[0] = 4;
	n = relay_build_data(buf, sizeof(buf), ms->keys.probe, k, nodes[claimed].wg,
	    nodes[victim].wg, ts + 1, payload, sizeof(payload), NULL);
	CHECK(n > 0);
	session_input(nodes[victim].s, &from, buf, n);
	sodium_memzero(k, sizeof(k));
}

static void
test_starve(void)
{
	const struct event_rec *drops;
	unsigned mark_a, mark_b;
	int i, round;

	for (round = 0; round < 2; round++) {
		const char *path = round == 0 ? "lan" : "relay";

		reset_world();
		if (round == 1) {
			set_cut(0, 1, 1);	/* carol relays */
			node_start(2, "carol");
		}
		node_start(0, "alice");
		node_start(3, "mallory");
		run_for(1000);
		for (i = 0; i < 4; i++)		/* before alice knows bob */
			forge_as(3, 0, 1);
		node_start(1, "bob");
		for (i = 0; i < 40; i++) {	/* while bob is found, punched, relayed */
			forge_as(3, 0, 1);
			run_for(500);
		}
		CHECK_MSG(find(&nodes[0], 0, UI_EV_PATH_UP, path, "bob", NULL) != NULL &&
		    find(&nodes[1], 0, UI_EV_PATH_UP, path, "alice", NULL) != NULL,
		    "round %d: alice and bob never came up on %s", round, path);
		mark_a = nodes[0].nev;
		mark_b = nodes[1].nev;
		say(1, "bob, not starved");
		say(0, "alice too");
		run_for(2000);
		CHECK_MSG(find(&nodes[0], mark_a, UI_EV_MESSAGE, NULL, "bob", NULL) != NULL,
		    "round %d: bob's line did not reach alice", round);
		CHECK_MSG(find(&nodes[1], mark_b, UI_EV_MESSAGE, NULL, "alice", NULL) != NULL,
		    "round %d: alice's line did not reach bob", round);
		CHECK_EQ(count(&nodes[0], UI_EV_PATH_DOWN, NULL), 0);
		mark_a = nodes[0].nev;
		session_report(nodes[0].s);
		drops = find(&nodes[0], mark_a, UI_EV_INFO, NULL, NULL, "drops");
		CHECK_MSG(drops != NULL && strstr(drops->text, "probe-pair") != NULL &&
		    strstr(drops->text, "probe-replay") == NULL,
		    "round %d: alice's drops: %s", round, drops != NULL ? drops->text : "none");
		if (check_failures > 0)
			dump(&nodes[0]);
		node_stop(0);
		node_stop(1);
		node_stop(3);
		if (round == 1)
			node_stop(2);
	}
}

/* 1 when some event of n names fingerprint fp. */
static int
saw_fp(const struct node *n, const char *fp)
{
	unsigned i;

	for (i = 0; i < n->nev; i++)
		if (strcmp(n->ev[i].fp, fp) == 0 || strstr(n->ev[i].text, fp) != NULL)
			return 1;
	return 0;
}

/* 1 when the file at path contains s. */
static int
file_has(const char *path, const char *s)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

static void
test_bind(void)
{
	char dir[] = "/tmp/test_session.bob.XXXXXX", idpath[64], err[IDENTITY_ERR_LEN];
	char fp_bob[IDENTITY_FINGERPRINT_LEN + 1], fp_m[IDENTITY_FINGERPRINT_LEN + 1];
	char pins[96], line[64];
	uint8_t m_pk[32], m_sk[64], ih[ROOM_INFOHASH_LEN], v[RECORD_MAX_VALUE];
	struct room_keys keys;
	struct identity *bob;
	struct record rec;
	const struct event_rec *msg, *rej;
	uint64_t unix_s;
	int n, created;

	reset_world();
	/* Bob's keys exist before Bob joins: M copies his WireGuard key from anywhere it is shown. */
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(idpath, sizeof(idpath), "%s/identity", dir);
	bob = identity_load_or_create(idpath, &created, err, sizeof(err));
	CHECK_MSG(bob != NULL, "%s", err);
	if (bob == NULL)
		return;
	identity_fingerprint(identity_sign_pk(bob), fp_bob);
	crypto_sign_keypair(m_pk, m_sk);
	identity_fingerprint(m_pk, fp_m);

	with_cache = 1;			/* alice pins nicks to fingerprints */
	node_start(0, "alice");
	with_cache = 0;
	run_for(1000);

	/* M, a member (it has the room string), publishes "bob" with Bob's WireGuard key. */
	CHECK(room_derive("test/session/room", strlen("test/session/room"), &keys) == ROOM_OK);
	unix_s = fake_unix(NULL) / 1000;
	room_infohash(&keys, room_epoch(unix_s), ih);
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, m_pk, 32);
	memcpy(rec.wg, identity_wg_public(bob), 32);
	strcpy(rec.nick, "bob");
	rec.seq = fake_unix(NULL);
	rec.exp = unix_s + RECORD_TTL;
	n = record_seal(&rec, keys.record, ih, m_sk, v, sizeof(v));
	if (n < 0) {
		/* Our own sealer refuses it now; M uses its own, which does not. */
		struct record ok = rec;

		CHECK(crypto_sign_ed25519_pk_to_curve25519(ok.wg, m_pk) == 0);
		n = record_seal(&ok, keys.record, ih, m_sk, v, sizeof(v));
		CHECK(n > 0);
		if (n > 0) {
			/* The wg key sits right after "wg" c4 20 in the body: swap it, re-sign, re-seal. */
			uint8_t body[RECORD_MAX_VALUE], env[RECORD_MAX_VALUE], msg2[RECORD_MAX_VALUE + 64];
			uint8_t sig[64], ad[23], *at;
			size_t blen = 0, elen = 0;

			CHECK(record_encode_body(&ok, body, sizeof(body), &blen) == 0);
			at = memmem(body, blen, ok.wg, 32);
			CHECK(at != NULL);
			if (at != NULL)
				memcpy(at, identity_wg_public(bob), 32);
			memcpy(msg2, RECORD_SIG_LABEL, RECORD_SIG_LABEL_LEN);
			memcpy(msg2 + RECORD_SIG_LABEL_LEN, ih, 20);
			memcpy(msg2 + RECORD_SIG_LABEL_LEN + 20, body, blen);
			crypto_sign_detached(sig, NULL, msg2, RECORD_SIG_LABEL_LEN + 20 + blen, m_sk);
			CHECK(record_encode_envelope(body, blen, sig, env, sizeof(env), &elen) == 0);
			memcpy(ad, RECORD_MAGIC, 3);
			memcpy(ad + 3, ih, 20);
			memcpy(v, RECORD_MAGIC, 3);
			randombytes_buf(v + 3, 24);
			crypto_aead_xchacha20poly1305_ietf_encrypt(v + 27, NULL, env, elen, ad,
			    sizeof(ad), NULL, v + 3, keys.record);
			n = (int)(27 + elen + 16);
		}
	}
	room_keys_wipe(&keys);
	if (n > 0)
		(void)runner_put(&fake_runner, ih, v, (size_t)n, NULL, NULL);
	run_for(2000);
	rej = find(&nodes[0], 0, UI_EV_INFO, NULL, NULL, "reject");
	CHECK_MSG(rej != NULL && strcmp(rej->reason, "binding") == 0,
	    "alice did not refuse M's record under \"binding\"");

	preset_identity = idpath;
	node_start(1, "bob");
	preset_identity = NULL;
	run_for(5000);
	say(1, "it is really bob");
	run_for(2000);

	msg = find(&nodes[0], 0, UI_EV_MESSAGE, NULL, "bob", NULL);
	CHECK_MSG(msg != NULL && strcmp(msg->text, "it is really bob") == 0,
	    "alice did not get bob's line");
	if (msg != NULL)
		CHECK_MSG(strcmp(msg->fp, fp_bob) == 0, "bob's line shown under %s, bob is %s",
		    msg->fp, fp_bob);
	CHECK_MSG(!saw_fp(&nodes[0], fp_m), "alice showed M's fingerprint %s", fp_m);
	CHECK(count(&nodes[0], UI_EV_ERROR, NULL) == 0);	/* no "cannot add a peer" */
	snprintf(pins, sizeof(pins), "%s/known_peers", nodes[0].dir);
	snprintf(line, sizeof(line), "%s bob\n", fp_bob);
	CHECK_MSG(file_has(pins, line), "alice did not pin bob to %s", fp_bob);
	CHECK_MSG(!file_has(pins, fp_m), "alice pinned M (%s)", fp_m);
	if (check_failures > 0) {
		session_report(nodes[0].s);
		session_report(nodes[1].s);
		dump(&nodes[0]);
		dump(&nodes[1]);
	}
	node_stop(0);
	node_stop(1);
	identity_free(bob);
	unlink(idpath);
	rmdir(dir);
}

static void
test_dht(void)
{
	const struct event_rec *punch, *failed, *dht, *up;
	unsigned mark;

	reset_world();
	set_cut(0, 1, 1);
	node_start(0, "alice");
	node_start(1, "bob");
	run_for(2000);
	punch = find(&nodes[0], 0, UI_EV_PEER_PUNCHING, NULL, "bob", NULL);
	CHECK(punch != NULL);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, "dht", "bob", NULL) == NULL);

	run_for(PUNCH_END_MS);
	failed = find(&nodes[0], 0, UI_EV_PEER_FAILED, NULL, "bob", NULL);
	dht = find(&nodes[0], 0, UI_EV_PATH_UP, "dht", "bob", NULL);
	CHECK(failed != NULL && dht != NULL);
	if (dht != NULL && punch != NULL)
		CHECK(dht->at_ms >= punch->at_ms + PUNCH_END_MS);

	say(0, "by mail");
	run_for(3000);
	CHECK(find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "alice", NULL) != NULL);
	CHECK_EQ(count(&nodes[0], UI_EV_DELIVERED, NULL), 1);

	/* No file through the mailbox: refused, and the user is told why. */
	mark = nodes[0].nev;
	say(0, "/send /etc/hostname bob");
	CHECK(find(&nodes[0], mark, UI_EV_ERROR, NULL, NULL, NULL) != NULL &&
	    strstr(find(&nodes[0], mark, UI_EV_ERROR, NULL, NULL, NULL)->text, "mailbox") != NULL);
	CHECK(find(&nodes[0], mark, UI_EV_FILE, NULL, NULL, NULL) == NULL);

	/* The cut goes: punching again brings the direct path. */
	mark = nodes[0].nev;
	set_cut(0, 1, 0);
	run_for(FALLBACK_RETRY_MS + 5000);
	up = find(&nodes[0], mark, UI_EV_PATH_UP, "lan", "bob", NULL);
	CHECK_MSG(up != NULL, "alice stayed on the DHT after the cut went");
	node_stop(0);
	node_stop(1);
}

/* The text of n's events of kind INFO with what, from index from, joined (the exit report). */
static void
report_text(int i, char *out, size_t cap)
{
	const struct node *n = &nodes[i];
	unsigned from = n->nev, k;
	size_t pos = 0;

	session_report(n->s);
	out[0] = '\0';
	for (k = from; k < n->nev && pos < cap; k++)
		pos += (size_t)snprintf(out + pos, cap - pos, "%s %s %s|", n->ev[k].what,
		    n->ev[k].nick, n->ev[k].text);
	nodes[i].nev = from;		/* not part of what the node showed */
}

/* The first n->ev index from `from` of a message (kind) with this text. */
static const struct event_rec *
find_text(const struct node *n, unsigned from, enum ui_event_kind kind, const char *text)
{
	unsigned i;

	for (i = from; i < n->nev; i++)
		if (n->ev[i].kind == kind && strcmp(n->ev[i].text, text) == 0)
			return &n->ev[i];
	return NULL;
}

static void
test_direct(void)
{
	const struct event_rec *r;
	char before[1024], after[1024], fp[24], line[64];
	unsigned long long a_to_c;
	unsigned mark[NODES], i;

	reset_world();
	with_cache = 1;			/* alice pins nicks to fingerprints */
	node_start(0, "alice");
	node_start(1, "bob");
	node_start(2, "carol");
	with_cache = 0;
	run_for(5000);
	for (i = 0; i < 3; i++)
		CHECK_EQ(count(&nodes[i], UI_EV_PATH_UP, "lan"), 2);
	/* Everything settled: the HELLO exchange and its answers are over. */
	run_for(3000);

	report_text(2, before, sizeof(before));
	a_to_c = pair_sent[0][2];
	for (i = 0; i < 3; i++)
		mark[i] = nodes[i].nev;
	say(0, "/msg bob for bob only");
	run_for(500);
	r = find_text(&nodes[1], mark[1], UI_EV_MESSAGE, "for bob only");
	CHECK_MSG(r != NULL, "bob did not get the direct message");
	CHECK(r != NULL && r->msg == UI_MSG_PRIVATE && strcmp(r->nick, "alice") == 0);
	r = find_text(&nodes[0], mark[0], UI_EV_SENT, "for bob only");
	CHECK(r != NULL && r->msg == UI_MSG_PRIVATE && strcmp(r->nick, "bob") == 0 && r->count == 1);
	CHECK(find(&nodes[0], mark[0], UI_EV_DELIVERED, NULL, "bob", NULL) != NULL);
	CHECK(find(&nodes[0], mark[0], UI_EV_DELIVERED, NULL, "carol", NULL) == NULL);
	/* Carol: not one datagram from alice, nothing shown, no counter moved. */
	CHECK_MSG(pair_sent[0][2] == a_to_c, "alice sent carol %llu datagrams",
	    pair_sent[0][2] - a_to_c);
	CHECK_EQ(nodes[2].nev, mark[2]);
	report_text(2, after, sizeof(after));
	CHECK_MSG(strcmp(before, after) == 0, "carol's counters moved:\n  %s\n  %s", before, after);
	CHECK_MSG(strstr(after, "chat alice chat version 3; in: 0 delivered (0 private)") != NULL,
	    "carol's report: %s", after);
	if (getenv("TEST_SESSION_VERBOSE") != NULL)
		fprintf(stderr, "carol before and after:\n  %s\n  %s\n", before, after);
	report_text(1, after, sizeof(after));
	CHECK_MSG(strstr(after, "in: 1 delivered (1 private)") != NULL, "bob's report: %s", after);

	/* /me: an action for the whole room. */
	say(0, "/me waves");
	run_for(500);
	for (i = 1; i < 3; i++) {
		r = find_text(&nodes[i], mark[i], UI_EV_MESSAGE, "waves");
		CHECK(r != NULL && r->msg == UI_MSG_ACTION);
	}

	/* Two bobs: the nick alone is ambiguous, a fingerprint prefix is not. */
	say(2, "/nick bob");
	run_for(2000);
	mark[0] = nodes[0].nev;
	mark[1] = nodes[1].nev;
	mark[2] = nodes[2].nev;
	say(0, "/msg bob which one");
	r = find_text(&nodes[0], mark[0], UI_EV_UNDELIVERED, "which one");
	CHECK(r != NULL && strcmp(r->reason, "ambiguous") == 0);
	r = find(&nodes[2], 0, UI_EV_STATUS, NULL, NULL, "identity");	/* carol's own fp */
	CHECK(r != NULL && strlen(r->fp) == 19);
	snprintf(fp, sizeof(fp), "%s", r != NULL ? r->fp : "0000-0000");
	snprintf(line, sizeof(line), "/msg bob@%.4s for carol", fp);
	say(0, line);
	snprintf(line, sizeof(line), "/msg @%.4s-%.4s for carol too", fp, fp + 5);
	say(0, line);
	run_for(500);
	CHECK(find_text(&nodes[2], mark[2], UI_EV_MESSAGE, "for carol") != NULL);
	CHECK(find_text(&nodes[2], mark[2], UI_EV_MESSAGE, "for carol too") != NULL);
	CHECK(find_text(&nodes[1], mark[1], UI_EV_MESSAGE, "for carol") == NULL);
	CHECK_EQ(count(&nodes[1], UI_EV_MESSAGE, NULL), 2);	/* "for bob only", "waves" */
	CHECK_EQ(count(&nodes[2], UI_EV_MESSAGE, NULL), 3);	/* "waves", two for carol */

	/*
	 * The real bob leaves: "bob" alone now names carol, whose key is not
	 * the one alice pinned for that nick: refused, unless named by key.
	 */
	say(1, "/quit");
	run_for(1000);
	say(0, "/msg bob are you bob");
	r = find_text(&nodes[0], mark[0], UI_EV_UNDELIVERED, "are you bob");
	CHECK_MSG(r != NULL && strcmp(r->reason, "key-changed") == 0, "reason %s",
	    r != NULL ? r->reason : "(none)");
	CHECK(find_text(&nodes[2], mark[2], UI_EV_MESSAGE, "are you bob") == NULL);
	snprintf(line, sizeof(line), "/msg bob@%.4s-%.4s-%.4s-%.4s you are", fp, fp + 5, fp + 10,
	    fp + 15);
	say(0, line);
	run_for(500);
	CHECK(find_text(&nodes[2], mark[2], UI_EV_MESSAGE, "you are") != NULL);

	/* Nobody by that name; no target at all. */
	say(0, "/msg dave hello");
	r = find_text(&nodes[0], mark[0], UI_EV_UNDELIVERED, "hello");
	CHECK(r != NULL && strcmp(r->reason, "no-such-peer") == 0);
	mark[0] = nodes[0].nev;
	say(0, "/msg bob");
	say(0, "/msg @zz text");
	CHECK(count(&nodes[0], UI_EV_ERROR, NULL) == 1);
	CHECK(find_text(&nodes[0], mark[0], UI_EV_UNDELIVERED, "text") != NULL);  /* nick "@zz" */
	CHECK_EQ(count(&nodes[0], UI_EV_UNDELIVERED, NULL), 4);
	node_stop(0);
	node_stop(1);
	node_stop(2);
}

static void
test_wait(void)
{
	const struct event_rec *r, *h1, *h2;
	unsigned mark;

	reset_world();
	node_start_opts(0, "alice", 30, NULL);
	run_for(2000);
	say(0, "early one");
	say(0, "early two");
	CHECK_EQ(count(&nodes[0], UI_EV_UNDELIVERED, NULL), 0);
	h1 = find(&nodes[0], 0, UI_EV_STATUS, NULL, NULL, "holding");
	CHECK(h1 != NULL && h1->seq == 1);
	session_eof(nodes[0].s);		/* `echo ... | gonet --batch`: input ends at once */
	run_for(10000);
	CHECK(!nodes[0].done);			/* the held lines keep it running */
	node_start(1, "bob");
	run_for(5000);
	h1 = find_text(&nodes[1], 0, UI_EV_MESSAGE, "early one");
	h2 = find_text(&nodes[1], 0, UI_EV_MESSAGE, "early two");
	CHECK_MSG(h1 != NULL && h2 != NULL, "bob did not get the lines alice read while alone");
	CHECK(h1 != NULL && h2 != NULL && h1 < h2);
	CHECK_EQ(count(&nodes[0], UI_EV_DELIVERED, NULL), 2);
	CHECK_EQ(count(&nodes[0], UI_EV_UNDELIVERED, NULL), 0);
	CHECK(nodes[0].done);			/* drained: everything acknowledged */
	node_stop(0);
	node_stop(1);

	/* Nobody comes: reported after --wait, not before; EOF waits for it. */
	reset_world();
	node_start_opts(0, "alice", 5, NULL);
	run_for(1000);
	say(0, "into the void");
	session_eof(nodes[0].s);
	run_for(4900);
	CHECK_EQ(count(&nodes[0], UI_EV_UNDELIVERED, NULL), 0);
	CHECK(!nodes[0].done);
	run_for(200);
	r = find_text(&nodes[0], 0, UI_EV_UNDELIVERED, "into the void");
	CHECK(r != NULL && strcmp(r->reason, "no-peers") == 0);
	run_for(100);
	CHECK(nodes[0].done);
	node_stop(0);

	/* --to bob: every line to bob alone, waiting for him; carol gets nothing. */
	reset_world();
	node_start_opts(0, "alice", 30, "bob");
	node_start(2, "carol");
	run_for(5000);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, "lan", "carol", NULL) != NULL);
	say(0, "for bob, when he comes");
	say(0, "/me is waiting for bob");
	run_for(3000);
	CHECK(find(&nodes[0], 0, UI_EV_STATUS, NULL, NULL, "holding") != NULL);
	node_start(1, "bob");
	run_for(5000);
	r = find_text(&nodes[1], 0, UI_EV_MESSAGE, "for bob, when he comes");
	CHECK(r != NULL && r->msg == UI_MSG_PRIVATE);
	r = find_text(&nodes[1], 0, UI_EV_MESSAGE, "is waiting for bob");
	CHECK(r != NULL && r->msg == (UI_MSG_PRIVATE | UI_MSG_ACTION));
	CHECK_EQ(count(&nodes[2], UI_EV_MESSAGE, NULL), 0);
	mark = nodes[0].nev;
	say(0, "/msg carol /msg still works");
	run_for(500);
	CHECK(find_text(&nodes[2], 0, UI_EV_MESSAGE, "/msg still works") != NULL);
	CHECK(find(&nodes[0], mark, UI_EV_UNDELIVERED, NULL, NULL, NULL) == NULL);
	node_stop(0);
	node_stop(1);
	node_stop(2);
}

/* The first file event of n from index from with this what (and file when given). */
static const struct event_rec *
find_file(const struct node *n, unsigned from, const char *what, const char *file)
{
	unsigned i;

	for (i = from; i < n->nev; i++)
		if (n->ev[i].kind == UI_EV_FILE && strcmp(n->ev[i].what, what) == 0 &&
		    (file == NULL || strcmp(n->ev[i].file, file) == 0))
			return &n->ev[i];
	return NULL;
}

/* Whether the file at path holds exactly buf[0..len). */
static int
same_content(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	uint8_t b[4096];
	size_t off = 0, n;
	int same = f != NULL;

	while (same && (n = fread(b, 1, sizeof(b), f)) > 0) {
		same = off + n <= len && memcmp(b, buf + off, n) == 0;
		off += n;
	}
	if (f != NULL)
		fclose(f);
	return same && off == len;
}

static unsigned
count_entries(const char *dir)
{
	char cmd[160];
	FILE *p;
	unsigned n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
	if ((p = popen(cmd, "r")) != NULL) {
		if (fscanf(p, "%u", &n) != 1)
			n = 0;
		pclose(p);
	}
	return n;
}

static void
test_files(void)
{
	enum { SIZE = 3 << 20 };
	const struct event_rec *r;
	char src[128], line[192], report[1024];
	unsigned mark[NODES], n, i;
	uint8_t *content;
	FILE *f;

	reset_world();
	node_start(0, "alice");
	node_start(1, "bob");
	node_start(2, "carol");
	run_for(8000);
	for (i = 0; i < 3; i++)
		CHECK_EQ(count(&nodes[i], UI_EV_PATH_UP, "lan"), 2);

	content = malloc(SIZE);
	CHECK(content != NULL);
	if (content == NULL)
		return;
	randombytes_buf(content, SIZE);
	snprintf(src, sizeof(src), "%s/report 1.bin", nodes[0].dir);
	f = fopen(src, "wb");
	CHECK(f != NULL && fwrite(content, 1, SIZE, f) == SIZE);
	if (f != NULL)
		fclose(f);
	for (i = 0; i < 3; i++)
		mark[i] = nodes[i].nev;

	/* Offered to bob alone: carol sees nothing; bob's name, size, sender. */
	snprintf(line, sizeof(line), "/send \"%s\" bob", src);
	say(0, line);
	run_for(3000);
	r = find_file(&nodes[1], mark[1], "offered", "report 1.bin");
	CHECK_MSG(r != NULL, "bob was not offered the file");
	n = r != NULL ? r->xfer : 0;
	CHECK(r != NULL && r->size == SIZE && strcmp(r->nick, "alice") == 0 && strlen(r->fp) == 19);
	CHECK(find_file(&nodes[0], mark[0], "waiting", "report 1.bin") != NULL);
	CHECK(find(&nodes[2], mark[2], UI_EV_FILE, NULL, NULL, NULL) == NULL);

	/* Unaccepted: nothing arrives, nothing is written. */
	CHECK_EQ(count_entries(nodes[1].dl), 0);
	report_text(1, report, sizeof(report));
	CHECK_MSG(strstr(report, "files: data in 0,") != NULL, "bob's report: %s", report);

	/* Accepted: it arrives whole under its name; a line on the way arrives too. */
	snprintf(line, sizeof(line), "/accept %u", n);
	say(1, line);
	run_for(200);
	say(0, "while it flows");
	run_for(200);
	CHECK(find_text(&nodes[1], mark[1], UI_EV_MESSAGE, "while it flows") != NULL);
	run_for(60000);
	r = find_file(&nodes[1], mark[1], "done", "report 1.bin");
	CHECK_MSG(r != NULL, "bob did not get the file");
	if (r != NULL) {
		CHECK(strstr(r->saved, "/dl/report 1.bin") != NULL);
		CHECK(same_content(r->saved, content, SIZE));
	}
	CHECK(find_file(&nodes[0], mark[0], "done", "report 1.bin") != NULL);
	CHECK(find_file(&nodes[1], mark[1], "failed", NULL) == NULL);

	/* The same again: a new name, nothing overwritten. */
	mark[1] = nodes[1].nev;
	snprintf(line, sizeof(line), "/send \"%s\" bob", src);
	say(0, line);
	run_for(1000);
	r = find_file(&nodes[1], mark[1], "offered", NULL);
	CHECK(r != NULL);
	snprintf(line, sizeof(line), "/accept %u", r != NULL ? r->xfer : 0);
	say(1, line);
	run_for(60000);
	r = find_file(&nodes[1], mark[1], "done", NULL);
	CHECK(r != NULL && strstr(r->saved, "/dl/report 1 (1).bin") != NULL);
	CHECK(r != NULL && same_content(r->saved, content, SIZE));

	/* To the room: carol rejects, alice is told. */
	mark[0] = nodes[0].nev;
	mark[2] = nodes[2].nev;
	snprintf(line, sizeof(line), "/send '%s'", src);
	say(0, line);
	run_for(1000);
	r = find_file(&nodes[2], mark[2], "offered", NULL);
	CHECK(r != NULL && find_file(&nodes[1], mark[1], "offered", NULL) != NULL);
	snprintf(line, sizeof(line), "/reject %u", r != NULL ? r->xfer : 0);
	say(2, line);
	run_for(1000);
	r = find_file(&nodes[0], mark[0], "failed", NULL);
	CHECK(r != NULL && strcmp(r->nick, "carol") == 0);
	CHECK_EQ(count_entries(nodes[2].dl), 0);

	/* /files lists bob's waiting offer; what cannot be is an error, never a crash. */
	mark[1] = nodes[1].nev;
	say(1, "/files");
	CHECK(find_file(&nodes[1], mark[1], "offered", NULL) != NULL);
	mark[0] = nodes[0].nev;
	say(0, "/send");
	say(0, "/send \"unterminated");
	say(0, "/send a b c");
	say(0, "/send /nonexistent/file");
	say(0, "/send /etc");
	say(0, "/accept");
	say(0, "/accept x");
	say(0, "/accept 99");
	say(0, "/cancel 99");
	say(0, "/reject 0");
	for (n = 0, i = mark[0]; i < nodes[0].nev; i++)
		n += nodes[0].ev[i].kind == UI_EV_ERROR;
	CHECK_EQ(n, 10);
	CHECK(find(&nodes[0], mark[0], UI_EV_FILE, NULL, NULL, NULL) == NULL);
	free(content);
	node_stop(0);
	node_stop(1);
	node_stop(2);
}

static void
test_hard(void)
{
	static const char *const two_servers[] = { "198.18.0.1:3478", "198.18.0.2:3478", NULL };
	const struct event_rec *punch, *dht, *ns;
	int i;

	reset_world();
	set_cut(0, 1, 1);
	node_stun = two_servers;
	node_start(0, "alice");
	node_start(1, "bob");
	node_stun = no_stun;
	run_for(2000);
	for (i = 0; i < 2; i++) {
		ns = find(&nodes[i], 0, UI_EV_STATUS, NULL, NULL, "nat");
		CHECK_MSG(ns != NULL && strstr(ns->text, "IPv4 random") != NULL,
		    "node %d: %s", i, ns != NULL ? ns->text : "no nat status");
	}
	punch = find(&nodes[0], 0, UI_EV_PEER_PUNCHING, NULL, "bob", NULL);
	CHECK(punch != NULL);
	run_for(8000);
	dht = find(&nodes[0], 0, UI_EV_PATH_UP, "dht", "bob", NULL);
	CHECK_MSG(dht != NULL, "no DHT path within 10 s for a hard pair");
	if (dht != NULL && punch != NULL) {
		/* Not before the hard pair's short wait, and long before punching ends. */
		CHECK_MSG(dht->at_ms >= punch->at_ms + FALLBACK_HARD_DHT_MS &&
		    dht->at_ms < punch->at_ms + FALLBACK_HARD_DHT_MS + 1000,
		    "dht at %llu, punching at %llu", (unsigned long long)dht->at_ms,
		    (unsigned long long)punch->at_ms);
	}
	CHECK(find(&nodes[0], 0, UI_EV_PEER_FAILED, NULL, "bob", NULL) == NULL);
	say(0, "hard pair");
	run_for(3000);
	CHECK(find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "alice", NULL) != NULL);
	CHECK_EQ(count(&nodes[0], UI_EV_DELIVERED, NULL), 1);
	node_stop(0);
	node_stop(1);
}

/*
 * Members 0 .. NODES - 2, named PREFIX00 ..: the first on a DHT that keeps
 * its record, then one every 300 ms on a DHT that stores nothing (a put
 * reaches only the listens open at that moment); all up 5 s later.
 */
static void
pex_members(char names[NODES][8], char prefix)
{
	int i;

	for (i = 0; i < NODES; i++)
		snprintf(names[i], 8, "%c%02d", prefix, i);
	node_start(0, names[0]);
	run_for(1000);
	fake_runner_keep_nothing(true);
	for (i = 1; i < NODES - 1; i++) {
		node_start(i, names[i]);
		run_for(300);
	}
	run_for(5000);
}

/*
 * The pex case once: how many members the joiner (the last node) came up
 * with; *got: the values peer exchange brought it. old_members, old_joiner:
 * those nodes as before HAVE.
 */
static unsigned
pex_room(int no_pex, int old_members, int old_joiner, uint64_t *got)
{
	static char names[NODES][8];
	const struct event_rec *r;
	unsigned reached = 0;
	int i, j;

	reset_world();
	node_no_pex = no_pex;
	node_pex_old = old_members;
	pex_members(names, 'm');
	node_pex_old = old_joiner;
	node_start(NODES - 1, names[NODES - 1]);	/* the joiner */
	run_for(10000);
	node_no_pex = 0;
	node_pex_old = 0;
	*got = pex_values_in(nodes[NODES - 1].s);
	for (j = 0; j < NODES - 1; j++) {
		r = find(&nodes[NODES - 1], 0, UI_EV_PATH_UP, NULL, names[j], NULL);
		reached += r != NULL;
	}
	/* The one DHT hit: the first member is reached either way. */
	CHECK(find(&nodes[NODES - 1], 0, UI_EV_PATH_UP, NULL, names[0], NULL) != NULL);
	if (!no_pex && reached != NODES - 1)
		dump(&nodes[NODES - 1]);
	for (i = 0; i < NODES; i++)
		node_stop(i);
	return reached;
}

/*
 * A DHT that only the first member sees: the joiner's record reaches that
 * member alone, which hands it on (others' news, from the DHT, by the
 * first of us: here the only one). Returns how many of the 15 members
 * reached the joiner.
 */
static unsigned
pex_partial(int no_pex)
{
	static char names[NODES][8];
	unsigned reached = 0;
	int i, j;

	reset_world();
	node_no_pex = no_pex;
	pex_members(names, 'p');
	fake_runner_keep_nothing(false);
	fake_runner_deliver_only(nodes[0].s->runner);
	node_start(NODES - 1, names[NODES - 1]);	/* the joiner */
	run_for(10000);
	node_no_pex = 0;
	for (j = 0; j < NODES - 1; j++)
		reached += find(&nodes[NODES - 1], 0, UI_EV_PATH_UP, NULL, names[j], NULL) != NULL;
	for (i = 0; i < NODES; i++)
		node_stop(i);
	return reached;
}

/*
 * pex_forward_in(): others' news is handed on once. Two sources, one of
 * them the DHT, or two other members: never. Its owner first-hand: soon,
 * and one other member cannot stop it (a member from whom the DHT keeps
 * nothing cannot fake the DHT's copy either).
 */
static void
pex_rule(void)
{
	struct rendezvous_value e;
	const uint64_t never = UINT64_MAX;

	memset(&e, 0, sizeof(e));
	e.news = true;
	e.lot = 1100;
	e.dht_age_ms = 0, e.owner_age_ms = never, e.relay_age_ms = never;
	CHECK_EQ(pex_forward_in(&e), PEX_COALESCE_MS + 1100 % PEX_FORWARD_WAIT_MS);
	e.dht_age_ms = PEX_COALESCE_MS + 1100;
	CHECK_EQ(pex_forward_in(&e), 0);
	e.relays = 1, e.relay_age_ms = 10;
	CHECK_EQ(pex_forward_in(&e), -1);	/* the DHT and a member */
	e.relays = 0, e.relay_age_ms = never, e.owner_age_ms = 10;
	CHECK_EQ(pex_forward_in(&e), -1);	/* the DHT and its owner */

	e.dht_age_ms = never;
	e.owner_age_ms = 0;
	CHECK_EQ(pex_forward_in(&e), PEX_COALESCE_MS + 1100 % PEX_FORWARD_OWNER_MS);
	e.relays = 1, e.relay_age_ms = 0;	/* a member echoes it at once */
	CHECK_EQ(pex_forward_in(&e), PEX_COALESCE_MS + 1100 % PEX_FORWARD_OWNER_MS);
	e.owner_age_ms = PEX_COALESCE_MS + PEX_FORWARD_OWNER_MS;
	CHECK_EQ(pex_forward_in(&e), 0);
	e.relays = 2;				/* two members handed it on */
	CHECK_EQ(pex_forward_in(&e), -1);

	e.owner_age_ms = never;
	CHECK_EQ(pex_forward_in(&e), -1);	/* two other members */
	e.relays = 1, e.relay_age_ms = 400;
	CHECK_EQ(pex_forward_in(&e), PEX_COALESCE_MS + 1100 % PEX_FORWARD_WAIT_MS - 400);
}

/*
 * A room of NODES started in one second: every record is news to every
 * member, first from the DHT. Returns the values all members took in over
 * peer exchange (*mesh: the pairs up, of NODES * (NODES - 1)).
 */
static uint64_t
pex_mass_start(int old, unsigned *mesh, uint64_t *nick_in)
{
	static char names[NODES][8];
	uint64_t in = 0, after = 0;
	int i, j;

	reset_world();
	node_pex_old = old;
	for (i = 0; i < NODES; i++) {
		snprintf(names[i], sizeof(names[i]), "s%02d", i);
		node_start(i, names[i]);
		run_for(1000 / NODES);
	}
	run_for(15000);
	node_pex_old = 0;
	*mesh = 0;
	for (i = 0; i < NODES; i++) {
		in += pex_values_in(nodes[i].s);
		for (j = 0; j < NODES; j++)
			if (j != i && find(&nodes[i], 0, UI_EV_PATH_UP, NULL, names[j], NULL) != NULL)
				(*mesh)++;
	}
	/*
	 * Then one member changes its record (/nick) while the DHT shows the
	 * new one to nobody else yet: it pushes it to everyone itself.
	 */
	fake_runner_deliver_only(nodes[5].s->runner);
	say(5, "/nick renamed");
	run_for(3000);
	for (i = 0; i < NODES; i++)
		after += pex_values_in(nodes[i].s);
	*nick_in = after - in;
	for (i = 0; i < NODES; i++)
		node_stop(i);
	return in;
}

/*
 * bob hands alice, over peer exchange, the record of a member she has not
 * met: nothing is taken inside pex_input() (WireGuard's receive path of
 * bob's packet, where a new peer must not be added, nor one freed); it is,
 * as from the DHT, once the loop runs.
 */
static void
pex_deferred(void)
{
	uint8_t ih[ROOM_INFOHASH_LEN], v1[RECORD_MAX_VALUE], msg[PEX_MAX_MSG];
	uint8_t pk[32], sk[64];
	const uint8_t *vals[1];
	size_t lens[1];
	struct record rec;
	struct peer *p;
	uint64_t unix_s, epoch;
	int n1, n;

	reset_world();
	node_start(0, "alice");
	node_start(1, "bob");
	run_for(5000);
	p = peer_find_wg(nodes[0].s, nodes[1].s->wg_pub);
	CHECK(p != NULL && p->state == PEER_UP);
	if (p == NULL)
		goto out;
	crypto_sign_keypair(pk, sk);
	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, pk, 32);
	if (crypto_sign_ed25519_pk_to_curve25519(rec.wg, pk) != 0)	/* bound to the id */
		abort();
	strcpy(rec.nick, "dave");
	unix_s = fake_unix(NULL) / 1000;
	rec.seq = fake_unix(NULL);
	rec.exp = unix_s + RECORD_TTL;
	rec.ncand = 1;
	rec.cand[0] = (struct cand){ CAND_HOST, 4, { 127, 0, 0, 1 }, 50009 };
	epoch = room_epoch(unix_s);
	room_infohash(&nodes[0].s->keys, epoch, ih);
	n1 = record_seal(&rec, nodes[0].s->keys.record, ih, sk, v1, sizeof(v1));
	CHECK(n1 > 0);
	vals[0] = v1;
	lens[0] = n1 > 0 ? (size_t)n1 : 1;
	n = pex_msg_encode(epoch, vals, lens, 1, msg, sizeof(msg));
	CHECK(n > 0);
	if (n <= 0)
		goto out;
	pex_input(p, msg, (size_t)n);
	CHECK(peer_find_id(nodes[0].s, pk) == NULL);	/* not inside the receive path */
	run_for(100);
	CHECK(peer_find_id(nodes[0].s, pk) != NULL);	/* then as from the DHT */
	CHECK(find(&nodes[0], 0, UI_EV_PEER_FOUND, NULL, "dave", NULL) != NULL);
out:
	sodium_memzero(sk, sizeof(sk));
	node_stop(0);
	node_stop(1);
}

/* Records alice's rendezvous has looked at, for any verdict. */
static uint64_t
opened(const struct node *n)
{
	uint64_t c[REC__COUNT], sum = 0;
	int i;

	rendezvous_counters(n->s->rv, c);
	for (i = 0; i < REC__COUNT; i++)
		sum += c[i];
	return sum;
}

/* bob sends alice ROUNDS messages of PEX_MAX_VALUES junk values each, at once. */
static void
pex_junk(struct peer *bob, unsigned rounds)
{
	static uint8_t junk[PEX_MAX_VALUES][140];
	uint8_t msg[PEX_MAX_MSG];
	const uint8_t *vals[PEX_MAX_VALUES];
	size_t lens[PEX_MAX_VALUES];
	uint64_t epoch = room_epoch(fake_unix(NULL) / 1000);
	unsigned r, i;
	int n;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < PEX_MAX_VALUES; i++) {
			randombytes_buf(junk[i], sizeof(junk[i]));
			vals[i] = junk[i];
			lens[i] = sizeof(junk[i]);
		}
		n = pex_msg_encode(epoch, vals, lens, PEX_MAX_VALUES, msg, sizeof(msg));
		CHECK(n > 0);
		if (n > 0)
			pex_input(bob, msg, (size_t)n);
	}
}

static void
pex_flood(void)
{
	uint64_t before, first, second;
	struct peer *bob;

	reset_world();
	node_start(0, "alice");
	node_start(1, "bob");
	node_start(2, "carol");
	run_for(5000);
	bob = peer_find_wg(nodes[0].s, nodes[1].s->wg_pub);
	CHECK(bob != NULL && bob->state == PEER_UP);
	if (bob == NULL)
		goto out;
	before = opened(&nodes[0]);
	pex_junk(bob, 200);
	run_for(1000);
	first = opened(&nodes[0]) - before;
	CHECK_MSG(first <= PEX_BURST + PEX_RATE_PER_S, "opened %llu of a burst",
	    (unsigned long long)first);
	CHECK_MSG(first >= PEX_BURST, "opened %llu of a burst", (unsigned long long)first);
	run_for(10000);
	before = opened(&nodes[0]);
	pex_junk(bob, 200);
	run_for(1000);
	second = opened(&nodes[0]) - before;
	/* 10 s refill, plus the 1 s the loop takes them in. */
	CHECK_MSG(second <= 12 * PEX_RATE_PER_S, "opened %llu after 10 s", (unsigned long long)second);
	/* alice still talks to bob, and carol still comes up with both. */
	CHECK(peer_find_wg(nodes[0].s, nodes[2].s->wg_pub) != NULL);
	say(1, "after the flood");
	run_for(2000);
	CHECK(find_text(&nodes[0], 0, UI_EV_MESSAGE, "after the flood") != NULL);
out:
	node_stop(0);
	node_stop(1);
	node_stop(2);
}

static void
test_pex(void)
{
	unsigned with, without, old, mixed_a, mixed_b, mesh, mesh_old;
	uint64_t got, got_old, got_a, got_b, unused, mass, mass_old, nick, nick_old;

	pex_rule();
	pex_deferred();
	pex_flood();
	with = pex_room(0, 0, 0, &got);
	without = pex_room(1, 0, 0, &unused);
	CHECK_MSG(with == NODES - 1, "with peer exchange the joiner reached %u of %d", with,
	    NODES - 1);
	/* The proof that peer exchange did it: the same room without it. */
	CHECK_MSG(without == 1, "without peer exchange the joiner reached %u of %d", without,
	    NODES - 1);
	/*
	 * HAVE: the joiner learns the room from the first member; every other
	 * member it then meets sees from its HAVE that it holds everything. So
	 * about one value per member, not one per member per member (a room
	 * from before HAVE: the same check fails).
	 */
	old = pex_room(0, 1, 1, &got_old);
	CHECK_MSG(got <= 2 * (NODES - 1), "with HAVE the joiner took in %llu values", (unsigned long long)got);
	CHECK_MSG(old == NODES - 1 && got_old > 4 * (NODES - 1),
	    "a room from before HAVE: the joiner reached %u and took in %llu values", old,
	    (unsigned long long)got_old);
	/* Mixed rooms still work: each waits PEX_HAVE_WAIT_MS for a HAVE that never comes. */
	mixed_a = pex_room(0, 1, 0, &got_a);
	mixed_b = pex_room(0, 0, 1, &got_b);
	CHECK_MSG(mixed_a == NODES - 1 && mixed_b == NODES - 1,
	    "old members, new joiner: %u; new members, old joiner: %u", mixed_a, mixed_b);
	fprintf(stderr, "pex: the joiner took in %llu values with HAVE, %llu before it "
	    "(mixed: %llu, %llu)\n", (unsigned long long)got, (unsigned long long)got_old,
	    (unsigned long long)got_a, (unsigned long long)got_b);

	with = pex_partial(0);
	without = pex_partial(1);
	CHECK_MSG(with == NODES - 1 && without == 1,
	    "a DHT only the first member sees: the joiner reached %u of %d, %u without peer "
	    "exchange", with, NODES - 1, without);

	/*
	 * Others' news goes on once (settle_news): in a room starting at once,
	 * each record is handed on by about one member, not by every member to
	 * every other (NODES^3 in all).
	 */
	mass = pex_mass_start(0, &mesh, &nick);
	mass_old = pex_mass_start(1, &mesh_old, &nick_old);
	fprintf(stderr, "pex: a room of %d starting at once took in %llu values, %llu "
	    "forwarding all news at once; a new nick then %llu, %llu\n", NODES,
	    (unsigned long long)mass, (unsigned long long)mass_old, (unsigned long long)nick,
	    (unsigned long long)nick_old);
	CHECK_MSG(mesh == NODES * (NODES - 1) && mesh_old == NODES * (NODES - 1),
	    "mesh: %u and %u pairs up of %d", mesh, mesh_old, NODES * (NODES - 1));
	CHECK_MSG(mass <= 3 * NODES * (NODES - 1), "a room starting at once took in %llu values",
	    (unsigned long long)mass);
	/* A changed record its owner pushes to all: on from about two members, not from each. */
	CHECK_MSG(nick <= 5 * (NODES - 1), "a new nick: %llu values taken in",
	    (unsigned long long)nick);
}

/* --- port prediction ------------------------------------------------------------------ */

static void
nat_reset(enum nat_kind a, enum nat_kind b)
{
	memset(nat, 0, sizeof(nat));
	nat[0].kind = a;
	nat[1].kind = b;
	nat_world = a != NAT_OFF;
}

/* The "predict" info events of n (one per attempt, said when it is over). */
static unsigned
attempts_over(const struct node *n, const char *how, const struct event_rec **last)
{
	unsigned i, c = 0;

	for (i = 0; i < n->nev; i++)
		if (n->ev[i].kind == UI_EV_INFO && strcmp(n->ev[i].what, "predict") == 0 &&
		    strstr(n->ev[i].text, "port prediction") != NULL &&
		    (how == NULL || strstr(n->ev[i].text, how) != NULL)) {
			c++;
			if (last != NULL)
				*last = &n->ev[i];
		}
	return c;
}

/* The most probes node i sent to its peer's public address in any PREDICT window of 1 s. */
static unsigned
peak_rate(int i)
{
	unsigned a = 0, b, peak = 0;

	for (b = 0; b < nat[i].probes_out; b++) {
		while (nat[i].probe_at[b] >= nat[i].probe_at[a] + 1000)
			a++;
		if (b - a + 1 > peak)
			peak = b - a + 1;
	}
	return peak;
}

/* The budgets of one attempt, from what the fake wire saw. */
static void
check_budgets(const char *name)
{
	CHECK_MSG(nat[0].opened <= PREDICT_SOCKETS, "%s: %u sockets opened", name, nat[0].opened);
	CHECK_MSG(nat[0].max_open <= PREDICT_SOCKETS, "%s: %u open at once", name, nat[0].max_open);
	CHECK_MSG(nat[0].max_life_ms <= PREDICT_SOCKET_LIFE_MS + PREDICT_TICK_MS,
	    "%s: a socket lived %llu ms", name, (unsigned long long)nat[0].max_life_ms);
	CHECK_MSG(nat[0].max_sent_closed <= 1, "%s: a socket that closed sent %u datagrams", name,
	    nat[0].max_sent_closed);
	/* The easy side: its probes, plus punching's pings to the same address. */
	CHECK_MSG(nat[1].probes_out <= PREDICT_PROBES + PUNCH_MAX_PINGS,
	    "%s: %u probes", name, nat[1].probes_out);
	CHECK_MSG(peak_rate(1) <= PREDICT_RATE_PPS + PUNCH_MAX_PINGS, "%s: %u probes in a second",
	    name, peak_rate(1));
	printf("test_session: %s: hard side %u sockets (%u open at most, each at most %llu ms, "
	    "%u datagrams from closed ones at most each), easy side %u probes (%u in the busiest "
	    "second)\n", name, nat[0].opened, nat[0].max_open,
	    (unsigned long long)nat[0].max_life_ms, nat[0].max_sent_closed, nat[1].probes_out,
	    peak_rate(1));
}

/*
 * A symmetric NAT (random ports) against a port-restricted one: plain
 * punching cannot work (each side's pings hit the other's filter), the
 * birthday attempt goes direct with P = 98 %. A miss is a legitimate
 * outcome of one attempt, so fresh pairs are tried up to three times
 * (P(three misses) ~ 5e-6); each attempt is held to the budgets either way.
 */
static void
test_predict_hit(void)
{
	static const char *const two_servers[] = { "198.18.0.1:3478", "198.18.0.2:3478", NULL };
	const struct event_rec *up0, *up1, *nat0, *nat1;
	int run, hit = 0;

	for (run = 0; run < 3 && !hit; run++) {
		reset_world();
		nat_reset(NAT_SYM, NAT_PRC);
		node_stun = two_servers;
		node_start(0, "hard");
		node_start(1, "easy");
		node_stun = no_stun;
		run_for(6000);
		nat0 = find(&nodes[0], 0, UI_EV_STATUS, NULL, NULL, "nat");
		nat1 = find(&nodes[1], 0, UI_EV_STATUS, NULL, NULL, "nat");
		CHECK_MSG(nat0 != NULL && strstr(nat0->text, "IPv4 random") != NULL, "hard: %s",
		    nat0 != NULL ? nat0->text : "no nat status");
		CHECK_MSG(nat1 != NULL && strstr(nat1->text, "IPv4 endpoint-independent") != NULL,
		    "easy: %s", nat1 != NULL ? nat1->text : "no nat status");
		if (attempts_over(&nodes[0], NULL, NULL) != 1 ||
		    attempts_over(&nodes[1], NULL, NULL) != 1) {
			dump(&nodes[0]);
			dump(&nodes[1]);
		}
		CHECK_EQ(attempts_over(&nodes[0], NULL, NULL), 1);
		CHECK_EQ(attempts_over(&nodes[1], NULL, NULL), 1);
		check_budgets("prc");
		hit = attempts_over(&nodes[0], ": hit", NULL) == 1;
		if (!hit) {
			printf("test_session: prediction run %d missed (P ~ 2 %%)\n", run + 1);
		} else {
			up0 = find(&nodes[0], 0, UI_EV_PATH_UP, "direct", "easy", NULL);
			up1 = find(&nodes[1], 0, UI_EV_PATH_UP, "direct", "hard", NULL);
			CHECK_MSG(up0 != NULL && strcmp(up0->strategy, "predict") == 0,
			    "hard: no direct path by prediction");
			CHECK_MSG(up1 != NULL && strcmp(up1->strategy, "predict") == 0,
			    "easy: no direct path by prediction");
			CHECK_EQ(attempts_over(&nodes[1], ": hit", NULL), 1);
			/* The one socket kept is the path; every other closed. */
			CHECK_EQ(nat[0].nopen, 1);
			say(0, "over the predicted socket");
			say(1, "and back");
			run_for(2000);
			CHECK(find(&nodes[1], 0, UI_EV_MESSAGE, NULL, "hard", NULL) != NULL);
			CHECK(find(&nodes[0], 0, UI_EV_MESSAGE, NULL, "easy", NULL) != NULL);
			/* Past the adopted socket's check: kept while it is the path, at most one. */
			run_for(20000);
			CHECK(nat[0].nopen <= 1);
			say(0, "still direct");
			run_for(2000);
			CHECK_EQ(count(&nodes[1], UI_EV_MESSAGE, NULL), 2);
			CHECK_EQ(count(&nodes[0], UI_EV_PATH_DOWN, NULL), 0);
			CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, "dht", NULL, NULL) == NULL);
			if (up0 == NULL || up1 == NULL || strcmp(up0->strategy, "predict") != 0 ||
			    strcmp(up1->strategy, "predict") != 0 ||
			    find(&nodes[0], 0, UI_EV_PATH_UP, "dht", NULL, NULL) != NULL) {
				dump(&nodes[0]);
				dump(&nodes[1]);
			}
		}
		node_stop(0);
		node_stop(1);
		CHECK_MSG(nat[0].nopen == 0, "%u extra sockets left open after the session",
		    nat[0].nopen);
	}
	CHECK_MSG(hit, "three prediction attempts in a row missed");
	nat_reset(NAT_OFF, NAT_OFF);
}

/*
 * A pair that cannot be predicted (the hard NAT maps onto another address
 * than STUN sees): the attempt stops after its budget, every socket
 * closed; the chat goes over the DHT mailbox; no second attempt before
 * PREDICT_BACKOFF_MS although the policy keeps asking; one after it.
 */
static void
test_predict_backoff(void)
{
	static const char *const two_servers[] = { "198.18.0.1:3478", "198.18.0.2:3478", NULL };
	const struct event_rec *first = NULL, *second = NULL;
	uint64_t t0;
	unsigned opened;

	reset_world();
	nat_reset(NAT_MULTI, NAT_PRC);
	node_stun = two_servers;
	node_start(0, "hard");
	node_start(1, "easy");
	node_stun = no_stun;
	t0 = now_ms();
	run_for(10000);
	CHECK_EQ(attempts_over(&nodes[0], ": no hit", &first), 1);
	CHECK_EQ(attempts_over(&nodes[1], ": no hit", NULL), 1);
	CHECK(first != NULL && first->at_ms <= t0 + 2000 + PREDICT_ATTEMPT_MS);
	check_budgets("unpredictable");
	CHECK_EQ(nat[0].opened, PREDICT_SOCKETS);	/* the whole budget, then nothing */
	CHECK_EQ(nat[0].nopen, 0);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, "dht", "easy", NULL) != NULL);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, "direct", NULL, NULL) == NULL);
	opened = nat[0].opened;
	/* The policy asks again and again (punching retries on the DHT path): no attempt. */
	run_until(first->at_ms - PREDICT_ATTEMPT_MS + PREDICT_BACKOFF_MS - 1000);
	CHECK_EQ(nat[0].opened, opened);
	CHECK_EQ(attempts_over(&nodes[0], NULL, NULL), 1);
	CHECK_EQ(attempts_over(&nodes[1], NULL, NULL), 1);
	/* After the back-off: one more attempt each, as bounded as the first. */
	run_for(1000 + FALLBACK_RETRY_MS + 2 * PREDICT_ATTEMPT_MS);
	CHECK_EQ(attempts_over(&nodes[0], ": no hit", &second), 2);
	CHECK_MSG(nat[0].opened == 2 * PREDICT_SOCKETS, "%u sockets over two attempts",
	    nat[0].opened);
	CHECK_EQ(nat[0].nopen, 0);
	CHECK(second != NULL && first != NULL &&
	    second->at_ms >= first->at_ms + PREDICT_BACKOFF_MS - PREDICT_ATTEMPT_MS);
	node_stop(0);
	node_stop(1);
	CHECK_EQ(nat[0].nopen, 0);
	nat_reset(NAT_OFF, NAT_OFF);
}

/*
 * The bootstrap ping lost on every try (a lossy link) while the DHT works:
 * no error once a member's record came (test_chat_loss saw one, in the
 * middle of a chat); the error when the DHT showed nothing either.
 */
static void
test_boot_lost(void)
{
	const struct event_rec *e;

	reset_world();
	fake_runner_boot_pending(true);
	node_start(0, "bl0");
	node_start(1, "bl1");
	run_for(3000);
	CHECK(find(&nodes[0], 0, UI_EV_PATH_UP, NULL, "bl1", NULL) != NULL);
	fake_runner_boot_answer(nodes[0].s->runner, false);
	run_for(1000);
	e = find(&nodes[0], 0, UI_EV_STATUS, NULL, NULL, "dht");
	CHECK(e != NULL && strstr(e->text, "0 of 1 bootstrap address reached") != NULL);
	e = find(&nodes[0], 0, UI_EV_ERROR, NULL, NULL, NULL);
	CHECK_MSG(e == NULL, "%u errors, the first: %s", count(&nodes[0], UI_EV_ERROR, NULL),
	    e != NULL ? e->text : "");
	node_stop(0);
	node_stop(1);

	/* Alone, and no DHT node takes our record: the bootstrap error stays. */
	reset_world();
	fake_runner_refuse_puts(true);
	fake_runner_boot_pending(true);
	node_start(0, "bl2");
	run_for(SESSION_BOOT_WAIT_MS + 1000);
	CHECK_MSG(find_text(&nodes[0], 0, UI_EV_ERROR, "no DHT bootstrap node answered: peers can "
	    "only be found once one does") != NULL, "alone with no DHT: no bootstrap error");
	session_report(nodes[0].s);
	e = find(&nodes[0], 0, UI_EV_INFO, NULL, NULL, "rendezvous");
	{
		static const char taken0[] = "; puts taken 0, failed ";
		const char *f = e != NULL ? strstr(e->text, taken0) : NULL;

		CHECK_MSG(f != NULL && f[sizeof(taken0) - 1] >= '1' && f[sizeof(taken0) - 1] <= '9',
		    "the report of refused puts: %s", e != NULL ? e->text : "none");
	}
	node_stop(0);
	reset_world();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	harness_init(net_deliver);
	test_meet();
	test_crossed();
	test_relay();
	test_dht();
	test_direct();
	test_wait();
	test_files();
	test_hard();
	test_replay();
	test_starve();
	test_bind();
	test_pex();
	test_predict_hit();
	test_predict_backoff();
	test_boot_lost();
	CHECK_EQ(timers_next(timers), UINT64_MAX);	/* every timer went with its session */
	CHECK_MSG(probes_seen > 500, "only %llu probe-family datagrams", probes_seen);
	CHECK_MSG(keys_in_clear == 0, "%llu of %llu probe-family datagrams showed a WireGuard key",
	    keys_in_clear, probes_seen);
	timers_free(timers);
	printf("test_session: %llu datagrams, %llu cut\n", sent_total, cut_total);
	return check_exit("test_session");
}
