/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_abuse.c — what a room member who publishes forged records can make
 * an honest session do (issue 12, finding 2), on the manual clock, the fake
 * DHT (tests/unit/fake_runner.c) and a fake network as test_session.c's:
 * datagrams to a node's 127.0.0.1 port reach it 1 ms later, every other
 * destination is counted and dropped.
 *
 *   flood   200 records sealed under the room key, each with 8 candidates:
 *           4 on one victim address (203.0.113.77, ports of its own), 3 on
 *           addresses of their own (198.18.k.j), 1 on a private network
 *           none of this host's interfaces is on. Honest A sees them all at
 *           once: pings to the victim stay within BUDGET_DEST_BURST +
 *           BUDGET_DEST_RATE x t over 20 s and over 5 min, all pings within
 *           BUDGET_BURST + BUDGET_RATE x t, none to the foreign private
 *           network, at most PEERS_MAX peers, memory within PEERS_MAX peers'
 *           worth, and the pings per record fall after the first 20 s (the
 *           back-off). Honest B joins 6 s in (the table full of forged peers
 *           still punched): A and B meet and chat, and
 *           more lines than a send queue holds go to B without the forged
 *           peers (which never acknowledge) holding A's --batch input up.
 *
 * Before the fix (no budget, no cap): 200 peers, 200 x 4 x 14 pings at the
 * victim in 20 s, again every 30 s.
 *
 *   observed  members that answer A's pings themselves (finding 4): one
 *           reporting a victim as A's address is not believed; 24 from one
 *           address each reporting another are not either, and do not stop
 *           A from learning the address two members at different addresses
 *           agree on, nor one whose IP is A's own; with no report for
 *           CANDS_OBSERVED_TTL_MS it is gone. Before the fix the victim was
 *           published at once and after six reports nothing more was learnt.
 *
 *   turn    A, with a (fake) TURN server, sees 20 short-lived records fill
 *           its permission table; once they are gone, B joins and gets a
 *           permission, and no gone address is refreshed (finding 5).
 *
 *   room64  64 honest members start at once on 127.0.0.1 (one address for
 *           every budget): all 63 x 64 paths come up and a line reaches
 *           everyone. The budgets and PEERS_MAX leave a 64-member room
 *           alone. (Slow: 64 Argon2id derivations.)
 */
#include "config.h"

#include <ifaddrs.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "dht/record/record.h"
#include "dht/room/room.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/session.h"
#include "src/ui/ui.h"
#include "src/ui/ui_impl.h"
#include "src/chat/chatproto.h"
#include "tests/check.h"
#include "tests/unit/fake_runner.h"
#include "tests/unit/session_harness.h"
#include "tunnel/nat/budget.h"
#include "tunnel/nat/probe.h"
#include "tunnel/nat/punch.h"
#include "tunnel/net/endpoint.h"
#include "tunnel/turn/turn_msg.h"
#include "tests/unit/turnfake.h"

enum {
	NODES = 64,			/* room64; the other cases use the first two */
	MEMBERS = 32,			/* members the test plays itself, at MEMBER_PORT + k */
	MEMBER_PORT = 50100,
	FORGED = 200,
	VICTIM_PORTS = 4,		/* candidates per record on the victim */
	OWN_ADDRS = 3,			/* on addresses of the record's own */
	/* What one peer may cost (struct peer, its WireGuard peer, chat, timers): ~11 KB. */
	PEER_BYTES_MAX = 16 * 1024
};

static const char *const room = "test/abuse/room";
static const uint8_t victim[4] = { 203, 0, 113, 77 };
static struct room_keys keys;		/* the room's, as every member knows them */

/* --- nodes --------------------------------------------------------------------------- */

struct node {
	char dir[64], idpath[96];
	struct session_config cfg;
	struct session *s;
	struct {
		struct ui ui;
		struct node *n;
	} ui;
	uint16_t port;
	unsigned found, up, messages, delivered;
	int paused;			/* --batch input held (flow control) */
	unsigned pauses;
	char last_msg[64];
};

static struct node nodes[NODES];

/* A member the test plays: it answers pings to its port with what it likes. */
struct member {
	struct record rec;
	uint8_t wg_priv[32];		/* its pongs carry the pairwise tag A checks */
	uint8_t ip[4];			/* its pongs come from ip:port */
	struct endpoint observed;	/* what they say A's address is */
	int answer;
	unsigned pongs;
};

static struct member members[MEMBERS];

static void
rec_emit(struct ui *ui, const struct ui_event *e)
{
	struct node *n = ((struct node **)(ui + 1))[0];

	switch (e->kind) {
	case UI_EV_PEER_FOUND:
		n->found++;
		break;
	case UI_EV_PATH_UP:
		n->up++;
		break;
	case UI_EV_MESSAGE:
		n->messages++;
		snprintf(n->last_msg, sizeof(n->last_msg), "%s", e->text != NULL ? e->text : "");
		break;
	case UI_EV_DELIVERED:
		n->delivered++;
		break;
	default:
		break;
	}
}

static void
rec_pause(struct ui *ui, int on)
{
	struct node *n = ((struct node **)(ui + 1))[0];

	n->pauses += on && !n->paused;
	n->paused = on;
}

static void
rec_free(struct ui *ui)
{
	(void)ui;
}

static const struct ui_ops rec_ops = { rec_emit, NULL, rec_pause, rec_free };

/* --- the network: what A sends where ------------------------------------------------- */

/* A's datagrams: to the victim (all, per record), to the records' own addresses, elsewhere. */
static unsigned long long to_victim, to_own, to_private, to_nodes, to_other;
static unsigned long long per_record[FORGED];
static uint8_t private_net[4];		/* a /16 none of our interfaces is on */

static int
is_node(const struct endpoint *to)
{
	return to->family == ENDPOINT_V4 && to->addr[0] == 127 && to->addr[1] == 0 &&
	    to->addr[2] == 0 && to->addr[3] == 1;
}

/* --- a fake TURN server for node 0 (192.0.2.200:3478, user u, password p) --------------- */

static const uint8_t turn_ip[4] = { 192, 0, 2, 200 };
static unsigned long long perm_requests;	/* CreatePermission requests */
static uint8_t permitted[64][4];		/* IPv4 peers asked for, in order, since the mark */
static unsigned npermitted;

static int
turn_server(const struct endpoint *to, const uint8_t *buf, size_t len)
{
	static struct fake_msg reply;
	struct fake_msg *f = &reply;
	struct endpoint relayed, mapped;
	struct turn_msg m;
	struct dgram *d;
	uint8_t key[16];

	if (to->family != ENDPOINT_V4 || memcmp(to->addr, turn_ip, 4) != 0)
		return 0;
	if (turn_msg_parse(buf, len, &m) != TURN_MSG_OK || m.cls != TURN_CLASS_REQUEST ||
	    (d = queue_put()) == NULL)
		return 1;
	d->from_server = 1;		/* from the fake TURN server (to node 0) */
	d->to_port = nodes[0].port;
	if (m.integrity_off == 0) {
		fake_begin(f, turn_msg_type(m.method, TURN_CLASS_ERROR), m.txid);
		fake_error(f, 401, "Unauthorized");
		fake_attr(f, STUN_ATTR_REALM, "gonet.test", 10);
		fake_attr(f, STUN_ATTR_NONCE, "nonce", 5);
	} else {
		fake_key(key, "u", "gonet.test", "p");
		fake_begin(f, turn_msg_type(m.method, TURN_CLASS_SUCCESS), m.txid);
		if (m.method == TURN_METHOD_ALLOCATE) {
			uint8_t r[4] = { 192, 0, 2, 201 }, p[4] = { 198, 51, 100, 9 };

			endpoint_set(&relayed, ENDPOINT_V4, r, 50000);
			endpoint_set(&mapped, ENDPOINT_V4, p, 40000);
			fake_xor_addr(f, TURN_ATTR_XOR_RELAYED_ADDRESS, &relayed);
			fake_xor_addr(f, STUN_ATTR_XOR_MAPPED_ADDRESS, &mapped);
		}
		if (m.method == TURN_METHOD_ALLOCATE || m.method == TURN_METHOD_REFRESH)
			fake_u32(f, TURN_ATTR_LIFETIME, 600);
		if (m.method == TURN_METHOD_CREATE_PERMISSION && m.have_peer &&
		    m.peer.family == ENDPOINT_V4) {
			perm_requests++;
			if (npermitted < 64)
				memcpy(permitted[npermitted++], m.peer.addr, 4);
		}
		fake_integrity(f, key);
	}
	fake_fingerprint(f);
	d->len = f->len;
	memcpy(d->data, f->buf, f->len);
	return 1;
}

static int
was_permitted(const uint8_t ip[4])
{
	unsigned i;

	for (i = 0; i < npermitted; i++)
		if (memcmp(permitted[i], ip, 4) == 0)
			return 1;
	return 0;
}

static int
wire_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct node *n = arg;
	struct dgram *d;

	if (n == &nodes[0] && turn_server(to, buf, len))
		return 0;

	if (n == &nodes[0]) {
		if (to->family == ENDPOINT_V4 && memcmp(to->addr, victim, 4) == 0) {
			to_victim++;
			if (to->port >= 10000 && to->port < 10000 + FORGED * VICTIM_PORTS)
				per_record[(to->port - 10000) / VICTIM_PORTS]++;
		} else if (to->family == ENDPOINT_V4 && to->addr[0] == 198 && to->addr[1] == 18) {
			to_own++;
			if (to->addr[2] < FORGED)
				per_record[to->addr[2]]++;
		} else if (to->family == ENDPOINT_V4 && memcmp(to->addr, private_net, 2) == 0) {
			to_private++;
		} else if (is_node(to)) {
			to_nodes++;
		} else {
			to_other++;
		}
	}
	if (!is_node(to))
		return 0;
	if (len > DGRAM || (d = queue_put()) == NULL)
		return -1;
	d->from = (int)(n - nodes);
	d->to_port = to->port;
	d->len = len;
	memcpy(d->data, buf, len);
	return 0;
}

static void
member_input(struct member *m, const uint8_t *buf, size_t len)
{
	uint8_t out[PROBE_MAX_LEN];
	struct probe_msg msg;
	struct endpoint from;
	uint8_t pk[32];
	size_t n;

	if (!m->answer || probe_parse(buf, len, keys.probe, m->rec.wg, &msg) != PROBE_OK ||
	    msg.type != PROBE_PING ||
	    probe_pair_key(pk, keys.probe, m->wg_priv, m->rec.wg, msg.sender) != 0)
		return;
	/* Stamped on the session's clock, one ms apart, so none looks replayed. */
	n = probe_answer(out, sizeof(out), keys.probe, pk, &msg, &m->observed,
	    fake_unix(NULL) + m->pongs);
	sodium_memzero(pk, sizeof(pk));
	if (n == 0)
		return;
	endpoint_set(&from, ENDPOINT_V4, m->ip, (uint16_t)(MEMBER_PORT + (m - members)));
	m->pongs++;
	session_input(nodes[0].s, &from, out, n);
}

static unsigned
net_deliver(void)
{
	struct dgram d;
	unsigned done = 0;

	while (queue_take_due(&d)) {
		struct endpoint from;
		uint8_t lo[4] = { 127, 0, 0, 1 };
		int i, to = -1;

		if (d.from_server) {
			struct endpoint server;

			endpoint_set(&server, ENDPOINT_V4, turn_ip, 3478);
			if (nodes[0].s != NULL)
				session_input(nodes[0].s, &server, d.data, d.len);
			done++;
			continue;
		}
		if (d.to_port >= MEMBER_PORT && d.to_port < MEMBER_PORT + MEMBERS) {
			member_input(&members[d.to_port - MEMBER_PORT], d.data, d.len);
			done++;
			continue;
		}
		for (i = 0; i < NODES; i++)
			if (nodes[i].s != NULL && nodes[i].port == d.to_port)
				to = i;
		if (to < 0 || nodes[d.from].s == NULL)
			continue;
		endpoint_set(&from, ENDPOINT_V4, lo, nodes[d.from].port);
		session_input(nodes[to].s, &from, d.data, d.len);
		done++;
	}
	return done;
}

static void
on_done(void *arg, unsigned delay_ms)
{
	(void)arg;
	(void)delay_ms;
}

static const char *const *node_turn;	/* the next node_start's --turn */

static void
node_start(int i, const char *name)
{
	struct node *n = &nodes[i];
	struct session_env env;

	memset(n, 0, sizeof(*n));
	node_dir_make(n->dir, n->idpath, "test_abuse");
	n->cfg.batch = 1;
	n->cfg.room = room;
	n->cfg.identity_path = n->idpath;
	n->cfg.nick = name;
	n->cfg.loopback = 1;		/* the nodes meet on 127.0.0.1 */
	n->cfg.turn = node_turn;
	n->cfg.download_dir = n->dir;
	n->port = (uint16_t)(50000 + i);
	n->ui.ui.ops = &rec_ops;
	n->ui.n = n;
	node_env(&env, &n->ui.ui, wire_send, n, n->port, on_done);
	n->s = session_new(&n->cfg, &env);
	CHECK_MSG(n->s != NULL, "session %s did not start", name);
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

/* --- the forged records ---------------------------------------------------------------- */

/* A private /16 that none of this host's IPv4 addresses is in. */
static void
pick_private_net(void)
{
	static const uint8_t choice[][2] = { { 10, 213 }, { 172, 29 }, { 192, 168 } };
	struct ifaddrs *ifa, *i;
	size_t c;

	if (getifaddrs(&ifa) != 0)
		ifa = NULL;
	for (c = 0; c < sizeof(choice) / sizeof(choice[0]); c++) {
		int mine = 0;

		for (i = ifa; i != NULL; i = i->ifa_next) {
			const uint8_t *a;

			if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
				continue;
			a = (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
			mine |= a[0] == choice[c][0] && a[1] == choice[c][1];
		}
		if (!mine)
			break;
	}
	freeifaddrs(ifa);
	CHECK(c < sizeof(choice) / sizeof(choice[0]));
	private_net[0] = choice[c][0];
	private_net[1] = choice[c][1];
}

static uint64_t
unix_now(void)
{
	return (unix_base_ms + now_ns / 1000000u) / 1000;
}

/* rec, signed with sk, under the room's current epochs (the fake DHT hands it out). */
static void
publish(const struct record *rec, const uint8_t sk[64])
{
	uint8_t ih[ROOM_INFOHASH_LEN], v[RECORD_MAX_VALUE];
	uint64_t epochs[2];
	int e, n;

	room_listen_epochs(unix_now(), epochs);
	for (e = 0; e < 2; e++) {
		room_infohash(&keys, epochs[e], ih);
		n = record_seal(rec, keys.record, ih, sk, v, sizeof(v));
		CHECK(n > 0 && fake_nstore < FAKE_MAX_VALUES);
		if (n <= 0 || fake_nstore >= FAKE_MAX_VALUES)
			continue;
		memcpy(fake_store[fake_nstore].hash, ih, RUNNER_HASH_LEN);
		memcpy(fake_store[fake_nstore].data, v, (size_t)n);
		fake_store[fake_nstore].len = (size_t)n;
		fake_store[fake_nstore].dropped = false;
		fake_nstore++;
	}
}

/*
 * A record for a new identity; its WireGuard key is the one bound to it
 * (doc/PROTOCOL.md "binding"), as any member can make for an identity of
 * its own.
 */
static void
new_record(struct record *rec, uint8_t sk[64], const char *nick)
{
	uint8_t pk[32];
	uint64_t unow = unix_now();

	crypto_sign_keypair(pk, sk);
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->id, pk, 32);
	CHECK(crypto_sign_ed25519_pk_to_curve25519(rec->wg, pk) == 0);
	snprintf(rec->nick, sizeof(rec->nick), "%s", nick);
	rec->seq = unow * 1000;
	rec->exp = unow + RECORD_TTL;
}

/* FORGED records under the room's current epochs, as a member knowing the room string can. */
static void
forge(void)
{
	uint8_t sk[64];
	struct record rec;
	char nick[16];
	int k, j;

	for (k = 0; k < FORGED; k++) {
		snprintf(nick, sizeof(nick), "forged%d", k);
		new_record(&rec, sk, nick);
		for (j = 0; j < VICTIM_PORTS; j++)
			rec.cand[rec.ncand++] = (struct cand){ .kind = j % 2 ? CAND_SRFLX : CAND_HOST,
			    .family = 4, .addr = { 203, 0, 113, 77 },
			    .port = (uint16_t)(10000 + VICTIM_PORTS * k + j) };
		for (j = 0; j < OWN_ADDRS; j++)
			rec.cand[rec.ncand++] = (struct cand){ .kind = CAND_SRFLX, .family = 4,
			    .addr = { 198, 18, (uint8_t)k, (uint8_t)(j + 1) }, .port = 4000 };
		rec.cand[rec.ncand++] = (struct cand){ .kind = CAND_HOST, .family = 4,
		    .addr = { private_net[0], private_net[1], 1, 2 }, .port = 4000 };
		publish(&rec, sk);
		sodium_memzero(sk, sizeof(sk));
	}
}

/* Member k answers from ip, saying A is at observed. */
static void
member_join(int k, const uint8_t ip[4], const uint8_t obs[4], uint16_t obs_port)
{
	struct member *m = &members[k];
	uint8_t sk[64];
	char nick[16];

	snprintf(nick, sizeof(nick), "member%d", k);
	new_record(&m->rec, sk, nick);
	CHECK(crypto_sign_ed25519_sk_to_curve25519(m->wg_priv, sk) == 0);
	m->rec.ncand = 1;
	m->rec.cand[0] = (struct cand){ .kind = CAND_HOST, .family = 4, .addr = { 127, 0, 0, 1 },
	    .port = (uint16_t)(MEMBER_PORT + k) };
	memcpy(m->ip, ip, 4);
	endpoint_set(&m->observed, ENDPOINT_V4, obs, obs_port);
	m->answer = 1;
	m->pongs = 0;
	publish(&m->rec, sk);
	sodium_memzero(sk, sizeof(sk));
}

/* A publishes addr:port as a candidate. */
static int
a_publishes(const uint8_t addr[4], uint16_t port)
{
	struct cand c[RECORD_MAX_CANDIDATES];
	unsigned i, n = cands_record(nodes[0].s, c);

	for (i = 0; i < n; i++)
		if (c[i].family == 4 && memcmp(c[i].addr, addr, 4) == 0 && c[i].port == port)
			return 1;
	return 0;
}

static void
test_observed(void)
{
	static const uint8_t lo1[4] = { 127, 0, 0, 1 }, lo2[4] = { 127, 0, 0, 2 },
	    lo3[4] = { 127, 0, 0, 3 }, lo4[4] = { 127, 0, 0, 4 };
	static const uint8_t victim2[4] = { 203, 0, 113, 99 }, real[4] = { 198, 51, 100, 50 };
	struct cand c[RECORD_MAX_CANDIDATES];
	uint8_t own[4] = { 0 }, fake[4] = { 203, 0, 113, 0 };
	unsigned i, n, pongs = 0;
	int k, have_own = 0;

	fake_runner_reset();
	memset(members, 0, sizeof(members));
	node_start(0, "alice");
	run_for(2000);
	n = cands_record(nodes[0].s, c);
	for (i = 0; i < n && !have_own; i++) {
		if (c[i].kind == CAND_HOST && c[i].family == 4) {
			memcpy(own, c[i].addr, 4);
			have_own = 1;
		}
	}
	CHECK(have_own);

	/* One member says A is at a victim's address: not believed. */
	member_join(0, lo1, victim2, 7777);
	run_for(3000);
	CHECK(members[0].pongs > 0);
	CHECK_MSG(!a_publishes(victim2, 7777), "one member's word put a victim in A's record");

	/* 24 members behind one address, each with another story: none believed. */
	for (k = 1; k <= 24; k++) {
		fake[3] = (uint8_t)(100 + k);
		member_join(k, lo1, fake, 7777);
	}
	run_for(3000);
	for (k = 1; k <= 24; k++) {
		fake[3] = (uint8_t)(100 + k);
		pongs += members[k].pongs;
		CHECK_MSG(!a_publishes(fake, 7777), "member %d's word was believed", k);
	}
	CHECK(pongs >= 24);

	/* Two members at different addresses agree: learnt, the flood notwithstanding. */
	member_join(25, lo2, real, 6000);
	member_join(26, lo3, real, 6000);
	run_for(3000);
	CHECK(members[25].pongs > 0 && members[26].pongs > 0);
	CHECK_MSG(a_publishes(real, 6000), "two agreeing sources were not believed");
	/* One member, but the IP is A's own (its NAT chose another port): learnt. */
	member_join(27, lo4, own, 40001);
	run_for(3000);
	CHECK(members[27].pongs > 0);
	CHECK_MSG(a_publishes(own, 40001), "A's own address with a new port was not learnt");

	/* Nobody says so any more: gone after CANDS_OBSERVED_TTL_MS. */
	for (k = 0; k < MEMBERS; k++)
		members[k].answer = 0;
	run_for(CANDS_OBSERVED_TTL_MS + 60000);
	CHECK_MSG(!a_publishes(real, 6000), "a learnt address outlived its reports");
	CHECK(!a_publishes(own, 40001));
	CHECK(!a_publishes(victim2, 7777));
	node_stop(0);
}

/*
 * Issue 12 finding 5: TURN permissions are pruned when peers go. A (with a
 * TURN server) sees 20 records that expire after 60 s, each naming its
 * own address: the permission table (TURN_MAX_PEERS) fills. Once they are
 * gone, B joins: A asks a permission for B's address, and none of the gone
 * addresses is refreshed in the next 5 minutes. Before: the table stayed
 * full of the gone peers' addresses, refreshed for ever, and B got none.
 */
static void
test_turn_prune(void)
{
	static const char *const turn[] = { "turn:u:p@192.0.2.200:3478", NULL };
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	uint8_t sk[64], ip[4];
	struct record rec;
	unsigned before, k, stale = 0;
	char nick[16];

	fake_runner_reset();
	npermitted = 0;
	perm_requests = 0;
	node_turn = turn;
	node_start(0, "alice");
	node_turn = NULL;
	run_for(2000);
	for (k = 0; k < 20; k++) {
		snprintf(nick, sizeof(nick), "brief%u", k);
		new_record(&rec, sk, nick);
		rec.exp = unix_now() + 60;
		rec.ncand = 1;
		rec.cand[0] = (struct cand){ .kind = CAND_SRFLX, .family = 4,
		    .addr = { 198, 18, (uint8_t)(100 + k), 1 }, .port = 4000 };
		publish(&rec, sk);
		sodium_memzero(sk, sizeof(sk));
	}
	run_for(5000);
	before = npermitted;
	CHECK_MSG(before >= 16, "%u permissions asked for the 20 records", before);
	run_for(90000);			/* their records expire: the peers go */
	npermitted = 0;
	node_start(1, "bob");
	run_for(5000);
	CHECK_MSG(was_permitted(lo), "no permission for bob's address (%u asked)", npermitted);
	run_for(300000);
	for (k = 0; k < 20; k++) {
		memcpy(ip, (uint8_t[4]){ 198, 18, (uint8_t)(100 + k), 1 }, 4);
		stale += was_permitted(ip);
	}
	printf("turn: %u permissions for 20 short-lived records; after they went, bob's "
	    "address %s, %u of theirs refreshed in 5 min\n", before,
	    was_permitted(lo) ? "permitted" : "NOT permitted", stale);
	CHECK_EQ(stale, 0);
	node_stop(1);
	node_stop(0);
}

/*
 * 64 honest members start at once, all on 127.0.0.1 (one destination
 * address for every budget): each brings 63 paths up and a line reaches
 * the 63 others, acknowledged by each.
 */
static void
test_room64(void)
{
	unsigned long long refused = 0;
	char name[16];
	int i, ok_up = 0, ok_msg = 0;

	fake_runner_reset();
	for (i = 0; i < NODES; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		node_start(i, name);
	}
	run_for(30000);
	for (i = 0; i < NODES; i++) {
		ok_up += nodes[i].s->ptab.n == NODES - 1 && nodes[i].up >= NODES - 1;
		refused += nodes[i].s->budget.counts[BUDGET_GLOBAL] +
		    nodes[i].s->budget.counts[BUDGET_DEST];
	}
	/*
	 * 20 s, not 5: with peer exchange a mass start still syncs records at
	 * 30 s, and a line that meets a full fake queue is retransmitted.
	 */
	say(0, "hello room");
	run_for(20000);
	for (i = 1; i < NODES; i++)
		ok_msg += nodes[i].messages == 1 && strcmp(nodes[i].last_msg, "hello room") == 0;
	printf("room64: %d of %d members up with all the others, %d got the line, "
	    "%u acknowledged it; pings held back by the budgets: %llu\n", ok_up, NODES, ok_msg,
	    nodes[0].delivered, refused);
	CHECK_EQ(ok_up, NODES);
	CHECK_EQ(ok_msg, NODES - 1);
	CHECK_EQ(nodes[0].delivered, NODES - 1);
	for (i = 0; i < NODES; i++)
		node_stop(i);
}

/* --- the case ---------------------------------------------------------------------------- */

static unsigned long long
all_pings(void)
{
	return to_victim + to_own + to_private + to_other;
}

static void
test_flood(void)
{
	unsigned long long victim20, all20, rec_first = 0, rec_later = 0, most = 0;
	size_t mem0, mem1;
	uint64_t t0;
	unsigned i;
	int k;

	fake_runner_reset();
	pick_private_net();
	node_start(0, "alice");
	run_for(2000);
	mem0 = mallinfo2().uordblks;
	forge();
	t0 = now_ms();
	/*
	 * A real member joins while the table is full of forged peers still
	 * being punched: it takes the place of one that had PEERS_TRY_MS.
	 */
	run_for(PEERS_TRY_MS + 1000);
	mem1 = mallinfo2().uordblks;	/* the forged peers' cost, before bob's session */
	node_start(1, "bob");
	run_until(t0 + PUNCH_END_MS);
	victim20 = to_victim;
	all20 = all_pings();
	for (k = 0; k < FORGED; k++) {
		rec_first += per_record[k];
		most = per_record[k] > most ? per_record[k] : most;
	}
	printf("20 s: %llu pings to the victim, %llu in all, at most %llu for one record; "
	    "%zu peers (%u found), %zu KB more memory\n", victim20, all20, most,
	    nodes[0].s->ptab.n, nodes[0].found, mem1 > mem0 ? (mem1 - mem0) / 1024 : 0);

	CHECK_MSG(victim20 <= BUDGET_DEST_BURST + BUDGET_DEST_RATE * PUNCH_END_MS / 1000,
	    "%llu pings to one victim address in 20 s", victim20);
	CHECK_MSG(all20 <= BUDGET_BURST + BUDGET_RATE * PUNCH_END_MS / 1000,
	    "%llu pings in 20 s", all20);
	CHECK_MSG(most <= (VICTIM_PORTS + OWN_ADDRS) * PUNCH_MAX_PINGS,
	    "%llu pings for one record in 20 s", most);
	CHECK_EQ(to_private, 0);
	CHECK_MSG(nodes[0].s->ptab.n <= PEERS_MAX, "%zu peers", nodes[0].s->ptab.n);
	CHECK_MSG(mem1 <= mem0 + (size_t)PEERS_MAX * PEER_BYTES_MAX,
	    "%zu bytes for the forged peers", mem1 - mem0);

	CHECK_MSG(nodes[0].up >= 1 && nodes[1].up >= 1, "alice and bob did not meet (%u, %u)",
	    nodes[0].up, nodes[1].up);
	say(0, "hello bob");
	say(1, "hi alice");
	run_for(3000);
	CHECK(nodes[1].messages == 1 && strcmp(nodes[1].last_msg, "hello bob") == 0);
	CHECK(nodes[0].messages == 1 && strcmp(nodes[0].last_msg, "hi alice") == 0);
	CHECK_EQ(nodes[0].delivered, 1);

	/*
	 * A script pipes more lines than a send queue holds, one every 10 ms
	 * while input is not held: the forged peers never acknowledge, but
	 * must not hold A's input up (bob acknowledges within 2 ms). Within
	 * 10 s, not after the 60 s that ends their messages.
	 */
	for (k = 0, i = 0; k < CHAT_SEND_QUEUE_MAX + 20 && i < 1000; i++) {
		char line[32];

		if (!nodes[0].paused) {		/* as the batch reader does */
			snprintf(line, sizeof(line), "line %d", k++);
			say(0, line);
		}
		run_for(10);
	}
	run_for(2000);
	printf("flow: %d lines read in %u ms (%u pauses), bob got %u\n", k, i * 10,
	    nodes[0].pauses, nodes[1].messages);
	CHECK_MSG(k == CHAT_SEND_QUEUE_MAX + 20, "peers never heard from held A's input up: "
	    "%d lines read in %u s", k, i / 100);
	CHECK_EQ(nodes[1].messages, 1 + CHAT_SEND_QUEUE_MAX + 20);

	/* Minutes on: the victim's budget holds, and the records cost less and less. */
	run_until(t0 + 300000);
	most = 0;
	for (k = 0; k < FORGED; k++) {
		rec_later += per_record[k];
		most = per_record[k] > most ? per_record[k] : most;
	}
	rec_later -= rec_first;
	printf("300 s: %llu pings to the victim, %llu in all; %llu for the records after the "
	    "first 20 s, at most %llu for one record; %zu peers (%u found); budget refused %llu global, %llu destination, "
	    "%llu table\n", to_victim, all_pings(), rec_later, most, nodes[0].s->ptab.n, nodes[0].found,
	    (unsigned long long)nodes[0].s->budget.counts[BUDGET_GLOBAL],
	    (unsigned long long)nodes[0].s->budget.counts[BUDGET_DEST],
	    (unsigned long long)nodes[0].s->budget.counts[BUDGET_TABLE]);
	CHECK_MSG(to_victim <= BUDGET_DEST_BURST + BUDGET_DEST_RATE * 300,
	    "%llu pings to one victim address in 300 s", to_victim);
	/*
	 * Punched at 0 s, then (never heard from) 30, 60, 120 s after each
	 * failure: 4 rounds in 300 s, not the 10 of a retry every 30 s.
	 */
	CHECK_MSG(most <= 4 * (VICTIM_PORTS + OWN_ADDRS) * PUNCH_MAX_PINGS,
	    "%llu pings for one record in 300 s", most);
	CHECK_MSG(all_pings() <= BUDGET_BURST + BUDGET_RATE * 300, "%llu pings in 300 s",
	    all_pings());
	CHECK_EQ(to_private, 0);
	CHECK_MSG(nodes[0].s->ptab.n <= PEERS_MAX, "%zu peers", nodes[0].s->ptab.n);
	node_stop(1);
	node_stop(0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	harness_init(net_deliver);
	CHECK(room_derive(room, strlen(room), &keys) == ROOM_OK);
	test_flood();
	test_observed();
	test_turn_prune();
	test_room64();
	room_keys_wipe(&keys);
	CHECK_EQ(timers_next(timers), UINT64_MAX);
	timers_free(timers);
	return check_exit("test_abuse");
}
