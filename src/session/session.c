/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.c — a session's set-up and tear-down, and the hub between the
 * parts: what WireGuard, the DHT and the user bring goes to the part it is
 * for. Nothing calls back into this file; it is the top (core.h has the
 * map).
 *
 * Start-up, one status line each: DHT bootstrap, room keys (Argon2id,
 * timed), identity, data socket, candidates, published, waiting. The DHT
 * node starts first: OpenDHT bootstraps and fills its routing table on its
 * own thread while Argon2id runs on ours, and the room's searches start the
 * moment the keys exist. Tear-down runs in reverse order through goto
 * labels named for what they undo.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dht/runner/runner.h"
#include "src/identity/pins.h"
#include "src/session/cands.h"
#include "src/session/commands.h"
#include "src/session/core.h"
#include "src/session/ending.h"
#include "src/session/files.h"
#include "src/session/input.h"
#include "src/session/net.h"
#include "src/session/outbox.h"
#include "src/session/portmapping.h"
#include "src/session/peer.h"
#include "src/session/peer_chat.h"
#include "src/session/pex.h"
#include "src/session/rendezvous.h"
#include "src/session/resolve.h"
#include "src/session/stun_servers.h"
#include "src/session/target.h"
#include "src/session/tell.h"
#include "src/ui/ui.h"
#include "tunnel/nat/fresh.h"
#include "tunnel/net/ip.h"
#include "tunnel/wg/wg.h"

/*
 * The path kinds, in the order they start (and stop in reverse). A new kind
 * is a file under link/ and one line here; when it is tried is fallback.c's.
 */
static const struct link_ops *const link_kinds[] = {
	&link_direct_ops,
	&link_relay_ops,
	&link_turn_ops,
	&link_dht_ops,
	&link_predict_ops
};

static const char *const drop_names[SDROP__COUNT] = {
	[SDROP_OTHER] = "other",
	[SDROP_RECV] = "recv",
	[SDROP_PROBE] = "probe",
	[SDROP_PONG_PEER] = "pong-peer",
	[SDROP_PONG_TXID] = "pong-txid",
	[SDROP_STUN] = "stun",
	[SDROP_INNER] = "inner",
	[SDROP_INNER_PORT] = "inner-port",
	[SDROP_CHAT] = "chat",
	[SDROP_NOT_UP] = "not-up",
	[SDROP_AUX] = "aux"
};

const char *
session_drop_name(enum session_drop d)
{
	return (unsigned)d < SDROP__COUNT ? drop_names[d] : "unknown";
}

/* --- WireGuard's side ------------------------------------------------------------ */

static int
wg_io_send(void *arg, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf,
    size_t len)
{
	struct endpoint ep;

	if (endpoint_from_sockaddr(&ep, addr, addrlen) != 0)
		return -1;
	return net_send(arg, &ep, buf, len);
}

static void
wg_io_deliver(void *arg, struct wg_peer *wp, const uint8_t *pkt, size_t len)
{
	struct peer *p = wg_peer_user(wp);

	(void)arg;
	if (p != NULL)
		peer_on_inner(p, pkt, len);
}

static void
wg_io_event(void *arg, struct wg_peer *wp, enum wg_event ev)
{
	struct peer *p = wg_peer_user(wp);

	(void)arg;
	if (p != NULL)
		peer_on_wg_event(p, (int)ev);
}

static uint64_t
wg_io_now(void *arg)
{
	struct session *s = arg;

	return clock_mono_ns(s->clock);
}

static void
wg_io_wall(void *arg, struct timespec *ts)
{
	struct session *s = arg;

	clock_wall(s->clock, ts);
}

/* A WireGuard timer was armed: make ours fire by then. */
static void
wg_io_timer_armed(void *arg, uint64_t deadline)
{
	struct session *s = arg;

	if (s->wg_timer != NULL && deadline < timer_deadline_ns(s->wg_timer))
		timer_at_ns(s->wg_timer, deadline);
}

static void
on_wg_timer(void *arg)
{
	struct session *s = arg;

	wg_device_run_timers(s->wg);
	timer_at_ns(s->wg_timer, wg_device_next_timer(s->wg));
}

static int
start_wireguard(struct session *s)
{
	struct wg_io io = {
		.send = wg_io_send, .deliver = wg_io_deliver, .event = wg_io_event,
		.now = wg_io_now, .wall = wg_io_wall, .timer_armed = wg_io_timer_armed, .arg = s
	};

	if ((s->wg_timer = timer_new(s->timers, on_wg_timer, s)) == NULL ||
	    (s->fresh = fresh_new()) == NULL ||
	    (s->wg = wg_device_new(identity_wg_private(s->id), &io)) == NULL) {
		session_fatal(s, "cannot set up WireGuard");
		return -1;
	}
	session_status(s, "socket", "data socket on UDP port %u (%s)", s->env.wire.port,
	    s->env.wire.families == (SESSION_WIRE_V4 | SESSION_WIRE_V6) ? "IPv4 and IPv6" :
	    s->env.wire.families == SESSION_WIRE_V4 ? "IPv4 only" : "IPv6 only");
	return 0;
}

static void
stop_wireguard(struct session *s)
{
	wg_device_free(s->wg);
	s->wg = NULL;
	timer_free(s->wg_timer);
	s->wg_timer = NULL;
	fresh_free(s->fresh);
	s->fresh = NULL;
}

/* --- the DHT's side ------------------------------------------------------------------- */

static void
report_boot(struct session *s)
{
	const struct runner_boot *b;
	size_t n, i, ok = 0, pending = 0;

	if (s->boot_reported)
		return;
	b = runner_boots(s->runner, &n);
	for (i = 0; i < n; i++) {
		ok += b[i].state == RUNNER_BOOT_OK;
		pending += b[i].state == RUNNER_BOOT_PENDING;
	}
	pending += runner_boots_resolving(s->runner);
	if (pending > 0 && timer_armed(s->boot_timer))
		return;		/* wait for the rest, or the timer */
	s->boot_reported = 1;
	timer_stop(s->boot_timer);
	if (s->cfg->dht_proxy != NULL && !s->cfg->dht_hybrid)
		session_status(s, "dht", "through the DHT proxy %s", s->cfg->dht_proxy);
	else if (n == 0)
		session_status(s, "dht", "node on port %u, no bootstrap node%s%s%s",
		    runner_bound_port(s->runner, AF_INET),
		    s->cfg->lan_discovery ? " (LAN discovery only)" : "",
		    s->cfg->dht_proxy != NULL ? "; and through the DHT proxy " : "",
		    s->cfg->dht_proxy != NULL ? s->cfg->dht_proxy : "");
	else
		session_status(s, "dht", "node on port %u, %zu of %zu bootstrap address%s reached%s%s",
		    runner_bound_port(s->runner, AF_INET), ok, n, n == 1 ? "" : "es",
		    s->cfg->dht_proxy != NULL ? "; and through the DHT proxy " : "",
		    s->cfg->dht_proxy != NULL ? s->cfg->dht_proxy : "");
	/*
	 * No bootstrap address answered its ping: an error only while the
	 * DHT has not shown otherwise. On a lossy link every try of a ping
	 * can be lost while our record is taken and members' records come.
	 */
	if (s->cfg->dht_proxy == NULL && n > 0 && ok == 0 && !s->published_reported &&
	    s->peers == NULL)
		session_error(s, "no DHT bootstrap node answered: peers can only be found once one does");
}

static void
on_boot(void *arg, bool ok)
{
	struct session *s = arg;

	(void)ok;
	report_boot(s);
	cands_check_dht(s);
}

static void
on_boot_timer(void *arg)
{
	report_boot(arg);
}

static void
on_peer(void *arg, const struct record *rec, uint64_t epoch)
{
	struct session *s = arg;

	(void)epoch;
	if (!s->end.quitting)
		peer_on_record(s, rec);
}

static void
on_reject(void *arg, enum record_reject why, size_t len, uint64_t epoch)
{
	struct session *s = arg;
	char text[128];
	struct ui_event ev;

	/* Every republish under two epochs makes these: counted, not shown. */
	if (why == REC_DUPLICATE || why == REC_OWNID || !session_counting(s))
		return;
	snprintf(text, sizeof(text), "ignored a DHT value (%s, %zu bytes)", record_reject_name(why),
	    len);
	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_INFO;
	ev.what = "reject";
	ev.reason = record_reject_name(why);
	ev.text = text;
	ev.count = (int64_t)len;
	ev.epoch = epoch;
	session_emit(s, &ev);
}

static void
on_kept(void *arg)
{
	pex_changed(arg);
}

static void
on_published(void *arg, uint64_t epoch, uint64_t seq, bool ok)
{
	struct session *s = arg;
	char text[128];
	struct ui_event ev;

	cands_check_dht(s);
	if (!ok) {
		/* Once until a publication works again: republishing repeats it every 300 s. */
		if (!s->publish_failed)
			session_error(s, "could not publish our record under epoch %llu "
			    "(no DHT node took it; retrying)", (unsigned long long)epoch);
		s->publish_failed = 1;
		return;
	}
	s->publish_failed = 0;
	if (s->published_reported && !session_counting(s))
		return;
	snprintf(text, sizeof(text), "our record (seq %llu) is on the DHT under epoch %llu",
	    (unsigned long long)seq, (unsigned long long)epoch);
	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_STATUS;
	ev.what = "published";
	ev.text = text;
	ev.seq = seq;
	ev.epoch = epoch;
	session_emit(s, &ev);
	if (!s->published_reported) {
		s->published_reported = 1;
		session_status(s, "waiting", "waiting for peers in the room");
	}
}

/* The runner's warnings (a bootstrap host that does not resolve) are the UI's, JSON in --batch. */
static void
on_runner_warn(void *arg, const char *text)
{
	struct session *s = arg;
	struct ui_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_ERROR;
	ev.what = "dht";
	ev.text = text;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	session_emit(s, &ev);
}

static int
start_dht(struct session *s)
{
	struct runner_config rc;

	memset(&rc, 0, sizeof(rc));
	rc.port = s->cfg->dht_port;
	rc.cache_dir = s->cfg->cache_dir;
	rc.bootstrap = s->cfg->bootstrap;
	rc.nbootstrap = s->cfg->nbootstrap;
	rc.lan_discovery = s->cfg->lan_discovery;
	rc.proxy = s->cfg->dht_proxy;
	rc.proxy_and_udp = s->cfg->dht_hybrid;
	rc.log = s->cfg->verbose >= 2 && !s->cfg->batch;	/* OpenDHT's log is not JSON */
	rc.log_path = s->cfg->dht_log;
	rc.warn = on_runner_warn;
	rc.warn_arg = s;
	if ((s->runner = runner_new(s->env.base, &rc)) == NULL) {
		session_fatal(s, "cannot start the DHT node (port %u taken?)", s->cfg->dht_port);
		return -1;
	}
	if ((s->boot_timer = timer_new(s->timers, on_boot_timer, s)) == NULL) {
		runner_free(s->runner);
		s->runner = NULL;
		return -1;
	}
	timer_in(s->boot_timer, SESSION_BOOT_WAIT_MS);
	runner_set_boot_cb(s->runner, on_boot, s);
	report_boot(s);
	return 0;
}

static void
stop_dht(struct session *s)
{
	runner_free(s->runner);
	s->runner = NULL;
	timer_free(s->boot_timer);
	s->boot_timer = NULL;
}

static int
start_rendezvous(struct session *s)
{
	struct rendezvous_config rc;
	struct cand cand[RECORD_MAX_CANDIDATES];

	memset(&rc, 0, sizeof(rc));
	rc.timers = s->timers;
	rc.runner = s->runner;
	rc.keys = &s->keys;
	rc.self.sign_sk = identity_sign_sk(s->id);
	rc.self.id = identity_sign_pk(s->id);
	rc.self.wg = s->wg_pub;
	rc.self.nick = s->nick;		/* /nick changes it in place, then republishes */
	rc.state_dir = s->cfg->cache_dir;
	rc.ncand = cands_record(s, cand);
	rc.cand = cand;
	rc.on_peer = on_peer;
	rc.on_reject = on_reject;
	rc.on_published = on_published;
	rc.on_kept = on_kept;
	rc.arg = s;
	if ((s->rv = rendezvous_new(&rc)) == NULL) {
		session_fatal(s, "cannot start the rendezvous");
		return -1;
	}
	return 0;
}

/* --- who we are ------------------------------------------------------------------------- */

static int
derive_keys(struct session *s)
{
	uint64_t t0 = session_now_ms(s);
	enum room_error re;

	re = room_derive(s->cfg->room, strlen(s->cfg->room), &s->keys);
	if (re != ROOM_OK) {
		session_fatal(s, "%s", room_strerror(re));
		return -1;
	}
	session_status(s, "room", "room keys derived (Argon2id) in %llu ms",
	    (unsigned long long)(session_now_ms(s) - t0));
	return 0;
}

static int
load_identity(struct session *s)
{
	char err[IDENTITY_ERR_LEN], text[256];
	struct ui_event ev;
	int created = 0;

	s->id = identity_load_or_create(s->cfg->identity_path, &created, err, sizeof(err));
	if (s->id == NULL) {
		session_fatal(s, "%s", err);
		return -1;
	}
	if (identity_notice(s->id) != NULL)
		session_status(s, "identity", "%s", identity_notice(s->id));
	identity_fingerprint(identity_sign_pk(s->id), s->fp);
	memcpy(s->wg_pub, identity_wg_public(s->id), sizeof(s->wg_pub));
	if (ip_tunnel_addr(s->wg_pub, s->tunnel_addr) != 0) {
		session_fatal(s, "cannot compute our tunnel address");
		return -1;
	}
	(void)pins_check(s->cfg->cache_dir, s->nick, s->fp);
	snprintf(text, sizeof(text), "%s identity %s", created ? "created a new" : "loaded", s->fp);
	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_STATUS;
	ev.what = "identity";
	ev.fp = s->fp;
	ev.nick = s->nick;
	ev.text = text;
	session_emit(s, &ev);
	return 0;
}

/* --to: checked by the caller; a bad one is a start-up error here. */
static int
parse_to(struct session *s)
{
	enum target_error e;

	if (s->cfg->to == NULL)
		return 0;
	if ((s->to = calloc(1, sizeof(*s->to))) == NULL)
		return -1;
	if ((e = target_parse(s->cfg->to, strlen(s->cfg->to), s->to)) != TARGET_OK) {
		session_fatal(s, "--to: %s", target_strerror(e));
		return -1;
	}
	return 0;
}

/* --- the interface ------------------------------------------------------------------------- */

struct session *
session_new(const struct session_config *cfg, const struct session_env *env)
{
	struct session *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->cfg = cfg;
	s->env = *env;
	s->timers = env->timers;
	s->clock = timers_clock(env->timers);
	s->ui = env->ui;
	snprintf(s->nick, sizeof(s->nick), "%s", cfg->nick != NULL ? cfg->nick : "");
	snprintf(s->prompt, sizeof(s->prompt), "%s> ", s->nick);
	peer_table_init(&s->ptab);
	budget_init(&s->budget, session_now_ms(s));

	if (ending_start(s) == -1)
		goto err_ending;
	if (parse_to(s) == -1 || outbox_start(s) == -1)
		goto err_outbox;
	if (start_dht(s) == -1)
		goto err_outbox;
	if (derive_keys(s) == -1)
		goto err_dht;
	if (load_identity(s) == -1)
		goto err_keys;
	if (start_wireguard(s) == -1)
		goto err_identity;
	if (files_start(s) == -1)
		goto err_wireguard;
	if (pex_start(s) == -1)
		goto err_files;
	if (cands_new(s) == -1)
		goto err_pex;
	cands_gather(s);
	if ((s->dns = resolver_new(env->base)) == NULL)
		goto err_cands;
	/* From here on resolver_free() comes first: lookups point into STUN and the links. */
	if (stun_servers_start(s) == -1)
		goto err_resolver;
	if (links_start(s, link_kinds, sizeof(link_kinds) / sizeof(link_kinds[0])) == -1)
		goto err_resolver;
	if (start_rendezvous(s) == -1)
		goto err_resolver;
	portmapping_start(s);		/* never fatal */
	return s;

err_resolver:
	resolver_free(s->dns);
	links_stop(s);
	stun_servers_stop(s);
	files_stop(s);
	peer_free_all(s);
err_cands:
	cands_free(s);
err_pex:
	pex_stop(s);
err_files:
	files_stop(s);
err_wireguard:
	stop_wireguard(s);
err_identity:
	identity_free(s->id);
err_keys:
	room_keys_wipe(&s->keys);
err_dht:
	stop_dht(s);
err_outbox:
	outbox_stop(s);
	free(s->to);
err_ending:
	ending_stop(s);
	sodium_memzero(s, sizeof(*s));
	free(s);
	return NULL;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	portmapping_stop(s);		/* the gateway forgets the mapping */
	rendezvous_free(s->rv);
	outbox_stop(s);			/* reports what still waits, while the peers can name it */
	resolver_free(s->dns);		/* cancels lookups that point into the links and STUN */
	links_stop(s);			/* the mailbox before the runner */
	stun_servers_stop(s);
	files_stop(s);			/* a receiver's parts stay for a resume */
	peer_free_all(s);		/* reports what is pending as undelivered */
	pex_stop(s);
	stop_dht(s);
	cands_free(s);
	stop_wireguard(s);
	identity_free(s->id);
	room_keys_wipe(&s->keys);
	free(s->to);
	ending_stop(s);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

void
session_input(struct session *s, const struct endpoint *from, uint8_t *buf, size_t len)
{
	input_datagram(s, from, buf, len);
}

void
session_input_aux(struct session *s, int h, const struct endpoint *from, uint8_t *buf, size_t len)
{
	struct endpoint ep = *from;

	switch (links_aux_input(s, h, &ep, buf, len)) {
	case 0:
		input_datagram(s, &ep, buf, len);	/* from the path's synthetic endpoint */
		break;
	case 1:
		break;
	default:
		s->drops[SDROP_AUX]++;
		break;
	}
}

void
session_line(struct session *s, const char *line, size_t len)
{
	if (!s->end.quitting)
		commands_line(s, line, len);
}

void
session_eof(struct session *s)
{
	ending_eof(s);
}

void
session_interrupt(struct session *s, const char *why)
{
	session_status(s, "signal", "%s", why);
	session_quit(s);
}

/* What the DHT brought and took: a room that never met shows where it stopped. */
static void
report_dht(struct session *s)
{
	struct tell_line l = { .pos = 0 };
	uint64_t got[REC__COUNT], puts[2], n = 0;
	int i;

	if (s->rv == NULL)
		return;
	rendezvous_dht_counts(s->rv, got, puts);
	for (i = 0; i < REC__COUNT; i++) {
		n += got[i];
		tell_count(&l, "", i == REC_OWNID ? "ours" : record_reject_name(i), got[i]);
	}
	session_info(s, "rendezvous", "rendezvous: %llu record%s from the DHT's gets and listens"
	    "%s%s%s; puts taken %llu, failed %llu", (unsigned long long)n, n == 1 ? "" : "s", l.pos ? " (" : "",
	    l.pos ? l.text : "", l.pos ? ")" : "", (unsigned long long)puts[1],
	    (unsigned long long)puts[0]);
}

/* What the session dropped, by reason (batch and -v): named, never silent. */
void
session_report(struct session *s)
{
	struct tell_line l = { .pos = 0 };
	int i;

	if (!session_counting(s))
		return;
	for (i = 0; i < SDROP__COUNT; i++)
		tell_count(&l, "", session_drop_name(i), s->drops[i]);
	/* The probes' own reasons (probe.h): replays, old versions, other rooms. */
	for (i = 1; i < PROBE_REJ__COUNT; i++)
		tell_count(&l, "probe-", probe_reject_name((enum probe_reject)i), s->probes.rejected[i]);
	session_info(s, "drops", "dropped: %s", l.pos ? l.text : "nothing");
	report_dht(s);
	session_info(s, "budget", "punching pings: %llu sent; over budget: %llu global, "
	    "%llu destination, %llu table; records dropped with %d peers: %llu, peers replaced: %llu",
	    (unsigned long long)s->budget.counts[BUDGET_OK],
	    (unsigned long long)s->budget.counts[BUDGET_GLOBAL],
	    (unsigned long long)s->budget.counts[BUDGET_DEST],
	    (unsigned long long)s->budget.counts[BUDGET_TABLE], PEERS_MAX,
	    (unsigned long long)s->ptab.full, (unsigned long long)s->ptab.replaced);
	for (struct peer *p = s->peers; p != NULL; p = p->next)
		peer_chat_report(p);
	links_report(s);
	files_report(s);
	pex_report(s);
}
