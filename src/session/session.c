/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session.c — set-up and tear-down of a session (session.h), its clocks and
 * timer helpers, what it tells the user, and how it ends.
 *
 * Start-up, one status line each: room keys (Argon2id, timed), identity,
 * data socket, DHT bootstrap, candidates, published, waiting. Tear-down runs
 * in reverse order through goto labels.
 *
 * Ending: /quit, Ctrl-D (terminal), SIGINT and SIGTERM send BYE to every peer
 * that is up and stop the loop. In batch mode EOF on stdin first lingers
 * (--linger), then drains: it waits until every pending message is
 * acknowledged or reported undelivered (CHAT_UNDELIVERED_MS bounds it), then
 * ends the same way.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "tunnel/net/ip.h"
#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/rendezvous.h"
#include "dht/runner/runner.h"
#include "src/identity/pins.h"
#include "src/session/session_impl.h"
#include "tunnel/wg/wg.h"

/* --- clocks and timers ---------------------------------------------------------- */

uint64_t
session_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
session_mono_ms(void)
{
	return session_mono_ns() / 1000000u;
}

uint64_t
session_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
session_timer_at(struct event *ev, uint64_t deadline_ms)
{
	uint64_t now = session_mono_ms(), d;
	struct timeval tv;

	if (deadline_ms == UINT64_MAX) {
		event_del(ev);
		return;
	}
	d = deadline_ms > now ? deadline_ms - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* --- telling the user ------------------------------------------------------------ */

void
session_emit(struct session *s, struct ui_event *ev)
{
	ui_emit(s->ui, ev);
}

static void
emitv(struct session *s, enum ui_event_kind kind, const char *what, const char *fmt, va_list ap)
{
	char text[1024];
	struct ui_event ev;

	vsnprintf(text, sizeof(text), fmt, ap);
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.what = what;
	ev.text = text;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	ui_emit(s->ui, &ev);
}

void
session_status(struct session *s, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(s, UI_EV_STATUS, what, fmt, ap);
	va_end(ap);
}

void
session_error(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(s, UI_EV_ERROR, NULL, fmt, ap);
	va_end(ap);
}

void
session_info(struct session *s, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emitv(s, UI_EV_INFO, what, fmt, ap);
	va_end(ap);
}

/* In batch mode (or before the UI exists) start-up failures go to stderr too. */
void
session_fatal(struct session *s, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (s->ui != NULL)
		session_error(s, "%s", text);
	if (s->ui == NULL || s->cfg->batch)
		fprintf(stderr, "gonet: %s\n", text);
}

/* --- ending ------------------------------------------------------------------------ */

void
session_quit(struct session *s)
{
	/* A BYE through the DHT mailbox needs the loop a moment for its put. */
	struct timeval put_wait = { 1, 0 };
	struct peer *p;
	unsigned n = 0, ndht = 0;

	if (s->quitting)
		return;
	s->quitting = 1;
	for (p = s->peers; p != NULL; p = p->next) {
		if (peer_is_up(p)) {
			peer_chat_bye(p);
			n++;
		} else if (p->dht && p->state != PEER_LEFT) {
			peer_chat_bye(p);
			ndht++;
		}
	}
	session_mailbox_flush(s);
	n += ndht;
	session_status(s, "bye", "leaving the room (said goodbye to %u peer%s)", n, n == 1 ? "" : "s");
	event_base_loopexit(s->base, ndht > 0 ? &put_wait : NULL);
}

static size_t
pending_total(const struct session *s)
{
	const struct peer *p;
	size_t n = 0;

	for (p = s->peers; p != NULL; p = p->next)
		n += peer_chat_pending(p);
	return n;
}

static void
on_drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (s->draining && !s->quitting && pending_total(s) == 0)
		session_quit(s);
}

/* Called from chat callbacks, which must not send (BYE): look from the loop. */
void
session_check_drain(struct session *s)
{
	if (s->draining && !s->quitting && s->drain_check != NULL)
		event_active(s->drain_check, EV_TIMEOUT, 0);
}

/*
 * --batch: while some peer's send queue is full, stop taking input lines,
 * so a script piping a long file is slowed down instead of having lines
 * refused. The terminal is never paused (/quit must work); there a line
 * that does not fit is reported undelivered ("queue-full").
 */
static void
on_flow_check(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct peer *p;
	int full = 0;

	(void)fd;
	(void)what;
	for (p = s->peers; p != NULL && !full; p = p->next)
		full = p->state != PEER_LEFT && peer_chat_pending(p) >= CHAT_SEND_QUEUE_MAX;
	ui_pause_input(s->ui, full);
}

void
session_input_flow(struct session *s)
{
	if (!s->cfg->batch || s->flow_check == NULL)
		return;
	/*
	 * Now, so the line after the one that filled a queue waits; and again
	 * from the loop, once chat callbacks (a peer being freed reports its
	 * queue while still counted) have settled.
	 */
	on_flow_check(-1, 0, s);
	event_active(s->flow_check, EV_TIMEOUT, 0);
}

static void
start_drain(struct session *s)
{
	size_t n = pending_total(s);

	s->draining = 1;
	if (n > 0)
		session_status(s, "draining", "end of input: waiting for %zu pending message%s", n,
		    n == 1 ? "" : "s");
	session_timer_at(s->drain_timer, session_mono_ms() + SESSION_DRAIN_MAX_MS);
	session_check_drain(s);
}

static void
on_drain_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (!s->draining)
		start_drain(s);		/* the linger is over */
	else
		session_quit(s);	/* cannot happen: the 60 s rule ends every message */
}

static void
on_line(void *arg, const char *line, size_t len)
{
	struct session *s = arg;

	if (s->quitting)
		return;
	commands_line(s, line, len);
}

static void
on_eof(void *arg)
{
	struct session *s = arg;

	if (s->eof)
		return;
	s->eof = 1;
	if (!s->cfg->batch) {
		session_quit(s);
		return;
	}
	if (s->cfg->linger_s > 0)
		session_timer_at(s->drain_timer, session_mono_ms() + (uint64_t)s->cfg->linger_s * 1000);
	else
		start_drain(s);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct session *s = arg;

	(void)what;
	session_status(s, "signal", "%s", sig == SIGINT ? "interrupted" : "terminated");
	session_quit(s);
}

/* --- the DHT side ------------------------------------------------------------------- */

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
	if (pending > 0 && event_pending(s->boot_timer, EV_TIMEOUT, NULL))
		return;		/* wait for the rest, or the timer */
	s->boot_reported = 1;
	event_del(s->boot_timer);
	if (n == 0)
		session_status(s, "dht", "node on port %u, no bootstrap node%s",
		    runner_bound_port(s->runner, AF_INET),
		    s->cfg->lan_discovery ? " (LAN discovery only)" : "");
	else
		session_status(s, "dht", "node on port %u, %zu of %zu bootstrap address%s reached",
		    runner_bound_port(s->runner, AF_INET), ok, n, n == 1 ? "" : "es");
	if (n > 0 && ok == 0)
		session_error(s, "no DHT bootstrap node answered: peers can only be found once one does");
}

static void
on_boot(void *arg, bool ok)
{
	struct session *s = arg;

	(void)ok;
	report_boot(s);
	session_cand_check_dht(s);
}

static void
on_boot_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	report_boot(s);
}

static void
on_peer(void *arg, const struct record *rec, uint64_t epoch)
{
	struct session *s = arg;

	(void)epoch;
	if (s->quitting)
		return;
	peer_on_record(s, rec);
}

static void
on_reject(void *arg, enum record_reject why, size_t len, uint64_t epoch)
{
	struct session *s = arg;
	char text[128];
	struct ui_event ev;

	/* Every republish under two epochs makes these: counted, not shown. */
	if (why == REC_DUPLICATE || why == REC_OWNID)
		return;
	if (!s->cfg->batch && s->cfg->verbose < 1)
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
on_published(void *arg, uint64_t epoch, uint64_t seq, bool ok)
{
	struct session *s = arg;
	char text[128];
	struct ui_event ev;

	session_cand_check_dht(s);
	if (!ok) {
		/* Once until a publication works again: republishing repeats it every 300 s. */
		if (!s->publish_failed)
			session_error(s, "could not publish our record under epoch %llu "
			    "(no DHT node took it; retrying)", (unsigned long long)epoch);
		s->publish_failed = 1;
		return;
	}
	s->publish_failed = 0;
	if (s->published_reported && !s->cfg->batch && s->cfg->verbose < 1)
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

void
session_republish(struct session *s)
{
	rendezvous_republish(s->rv);
}

/* --- set-up -------------------------------------------------------------------------- */

static int
derive_keys(struct session *s)
{
	uint64_t t0 = session_mono_ms();
	enum room_error re;

	re = room_derive(s->cfg->room, strlen(s->cfg->room), &s->keys);
	if (re != ROOM_OK) {
		session_fatal(s, "%s", room_strerror(re));
		return -1;
	}
	session_status(s, "room", "room keys derived (Argon2id) in %llu ms",
	    (unsigned long long)(session_mono_ms() - t0));
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
	rc.log = s->cfg->verbose >= 2;
	if ((s->runner = runner_new(s->base, &rc)) == NULL) {
		session_fatal(s, "cannot start the DHT node (port %u taken?)", s->cfg->dht_port);
		return -1;
	}
	if ((s->boot_timer = evtimer_new(s->base, on_boot_timer, s)) == NULL)
		return -1;
	session_timer_at(s->boot_timer, session_mono_ms() + SESSION_BOOT_WAIT_MS);
	runner_set_boot_cb(s->runner, on_boot, s);
	report_boot(s);
	return 0;
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
	rc.ncand = session_cand_record(s, cand);
	rc.cand = cand;
	rc.on_peer = on_peer;
	rc.on_reject = on_reject;
	rc.on_published = on_published;
	rc.arg = s;
	if ((s->rv = rendezvous_new(&rc)) == NULL) {
		session_fatal(s, "cannot start the rendezvous");
		return -1;
	}
	return 0;
}

static int
start_ui(struct session *s)
{
	struct ui_input in = { on_line, on_eof, s };

	snprintf(s->prompt, sizeof(s->prompt), "%s> ", s->nick);
	s->ui = s->cfg->batch ? ui_batch_new(s->base, &in) : ui_term_new(s->base, &in, s->prompt);
	if (s->ui == NULL) {
		fprintf(stderr, "gonet: cannot start the %s interface\n",
		    s->cfg->batch ? "batch" : "terminal");
		return -1;
	}
	return 0;
}

static int
start_signals(struct session *s)
{
	signal(SIGPIPE, SIG_IGN);
	s->sigint = evsignal_new(s->base, SIGINT, on_signal, s);
	s->sigterm = evsignal_new(s->base, SIGTERM, on_signal, s);
	if (s->sigint == NULL || s->sigterm == NULL ||
	    evsignal_add(s->sigint, NULL) != 0 || evsignal_add(s->sigterm, NULL) != 0)
		return -1;
	return 0;
}

/* What the session dropped, by reason (batch and -v): named, never silent. */
static void
report_drops(struct session *s)
{
	char text[512];
	size_t pos = 0;
	int i;

	if (!s->cfg->batch && s->cfg->verbose < 1)
		return;
	text[0] = '\0';
	for (i = 0; i < SDROP__COUNT && pos < sizeof(text); i++)
		if (s->drops[i] != 0)
			pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%s%s %llu",
			    pos ? ", " : "", session_drop_name(i), (unsigned long long)s->drops[i]);
	session_info(s, "drops", "dropped: %s", pos ? text : "nothing");
}

static void
free_peers(struct session *s)
{
	while (s->peers != NULL)
		peer_free(s->peers);	/* unlinks itself */
}

int
session_run(const struct session_config *cfg)
{
	struct session *s;
	int status = 1;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return 1;
	s->cfg = cfg;
	s->sock.fd[SOCK_V4] = s->sock.fd[SOCK_V6] = -1;
	snprintf(s->nick, sizeof(s->nick), "%s", cfg->nick != NULL ? cfg->nick : "");
	cand_list_init(&s->cands.list);

	s->clock = cfg->clock != NULL ? *cfg->clock : clock_real(NULL);
	evthread_use_pthreads();
	if ((s->base = event_base_new()) == NULL)
		goto out;
	if ((s->timers = timers_new(s->base, &s->clock)) == NULL)
		goto out_base;
	if (start_ui(s) == -1)
		goto out_base;
	if (start_signals(s) == -1)
		goto out_ui;
	if ((s->drain_timer = evtimer_new(s->base, on_drain_timer, s)) == NULL ||
	    (s->drain_check = event_new(s->base, -1, 0, on_drain_check, s)) == NULL ||
	    (s->flow_check = event_new(s->base, -1, 0, on_flow_check, s)) == NULL)
		goto out_ui;
	if (derive_keys(s) == -1)
		goto out_ui;
	if (load_identity(s) == -1)
		goto out_keys;
	if (session_net_open(s) == -1)
		goto out_id;
	if (start_dht(s) == -1)
		goto out_net;
	session_cand_gather(s);
	if (session_stun_start(s) == -1)
		goto out_dht;
	if (session_turn_start(s) == -1 || relay_start(s) == -1)
		goto out_turn;
	if (start_rendezvous(s) == -1)
		goto out_turn;
	if (session_mailbox_start(s) == -1)
		goto out_rv;

	event_base_dispatch(s->base);
	status = 0;
	report_drops(s);
	session_turn_report(s);
	relay_report(s);
	session_mailbox_report(s);

	session_mailbox_stop(s);
out_rv:
	rendezvous_free(s->rv);
out_turn:
	session_turn_stop(s);
	relay_stop(s);
	session_stun_stop(s);
out_dht:
	free_peers(s);
	runner_free(s->runner);
	if (s->boot_timer != NULL)
		event_free(s->boot_timer);
out_net:
	free_peers(s);
	session_net_close(s);
out_id:
	identity_free(s->id);
out_keys:
	room_keys_wipe(&s->keys);
out_ui:
	ui_free(s->ui);
	if (s->drain_timer != NULL)
		event_free(s->drain_timer);
	if (s->drain_check != NULL)
		event_free(s->drain_check);
	if (s->flow_check != NULL)
		event_free(s->flow_check);
	if (s->sigint != NULL)
		event_free(s->sigint);
	if (s->sigterm != NULL)
		event_free(s->sigterm);
out_base:
	timers_free(s->timers);
	event_base_free(s->base);
out:
	sodium_memzero(s, sizeof(*s));
	free(s);
	return status;
}
