/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peer.c — one room member, keyed by the Ed25519 id of its record (the
 * newest record wins). States and what moves them:
 *
 *   NEW ──record──► PUNCHING ──pair selected──► HANDSHAKE ──HANDSHAKE_DONE──► UP
 *                      │  ▲                         │                          │
 *        no pair works │  │ newer record, its ping   │ 15 s without a session   │ 40 s silent
 *                      │  │ (PUNCHING: a newer record with other candidates restarts)
 *                      ▼  │                         ▼                          ▼
 *                    FAILED ◄──────────────────── FAILED            PUNCHING (path-down)
 *   any state ──BYE──► LEFT ──newer record or its ping──► PUNCHING
 *
 * Every transition goes through set_state(), which tells the fallback
 * policy (fallback.c): it asks for a peer relay, puts the chat on the DHT
 * mailbox (p->fb.frames, path "dht") or probes direct pairs again as its
 * table says. A relay offer (peer_use_via) moves any state but UP to
 * HANDSHAKE; a WireGuard session that comes up from the peer's side moves
 * any state to UP.
 *
 * The side with the smaller WireGuard public key initiates (ROLE_INITIATOR);
 * the other initiates at once when none of the peer's pings has reached it
 * (the peer's packets cannot reach us before we write to it), else after
 * PEER_RESPONDER_GRACE_MS (WireGuard sorts out crossed initiations). So a
 * peer that restarted reconnects by itself without the other side noticing
 * anything first; behind a NAT that filters by address and port it needs
 * the other side to write to its new mapping, which that side does when the
 * new record arrives (an UP peer's new candidates are reprobed).
 *
 * One timer per deadline: hs_timer (the responder's grace, the handshake's
 * timeout), live_timer (HELLO repeats and answers, idle probe, death),
 * expire_timer (the record's exp, when not up). Packets only update
 * timestamps; a timer re-checks them when it fires.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/chat/chatproto.h"
#include "src/identity/pins.h"
#include "src/session/core.h"
#include "src/session/fallback.h"
#include "src/session/path.h"
#include "src/session/peer.h"
#include "src/session/files.h"
#include "src/session/peer_chat.h"
#include "src/session/pex.h"
#include "src/session/tell.h"
#include "src/xfer/xfer_msg.h"
#include "dht/record/pex_msg.h"
#include "src/identity/identity.h"
#include "tunnel/nat/probe.h"
#include "tunnel/net/ip.h"
#include "tunnel/wg/wg.h"

static const char *const state_names[] = {
	[PEER_NEW] = "new",
	[PEER_PUNCHING] = "punching",
	[PEER_HANDSHAKE] = "handshake",
	[PEER_UP] = "up",
	[PEER_FAILED] = "failed",
	[PEER_LEFT] = "left"
};

const char *
peer_state_name(enum peer_state st)
{
	return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void
set_state(struct peer *p, enum peer_state st)
{
	p->state = st;
	fallback_update(p);
	links_peer_state(p->s, p);
}

struct peer *
peer_find_wg(struct session *s, const uint8_t wg[32])
{
	return peer_table_find_wg(&s->ptab, wg);
}

const uint8_t *
peer_pair_key(void *s, const uint8_t wg[32])
{
	struct peer *p = peer_find_wg(s, wg);

	return p != NULL ? p->pair_key : NULL;
}

struct peer *
peer_find_id(struct session *s, const uint8_t id[RECORD_ID_LEN])
{
	return peer_table_find_id(&s->ptab, id);
}

const char *
peer_path_name(const struct peer *p)
{
	if (p->state == PEER_UP)
		return path_kind_name(p, &p->path.ep, p->path.ep_type);
	if (p->fb.frames != NULL && p->state != PEER_LEFT)
		return p->fb.frames->ops->name;
	return peer_state_name(p->state);
}

static void
pin(struct peer *p)
{
	p->pin = pins_check(p->s->cfg->cache_dir, p->nick, p->fp) ? PIN_OTHER_KEY : PIN_OK;
}

/* --- timers ----------------------------------------------------------------------------- */

/* Not up: the peer is forgotten when its record expires (on the rendezvous clock). */
static void
arm_expiry(struct peer *p)
{
	uint64_t unow = session_unix_s(p->s);

	if (p->state == PEER_UP) {
		timer_stop(p->expire_timer);
		return;
	}
	timer_at(p->expire_timer, session_now_ms(p->s) +
	    (p->rec.exp > unow ? (p->rec.exp - unow) * 1000 : 0));
}

static void
arm_handshake(struct peer *p)
{
	uint64_t d = p->path.selected_ms + PEER_HANDSHAKE_TIMEOUT_MS;

	if (p->state != PEER_HANDSHAKE) {
		timer_stop(p->hs_timer);
		return;
	}
	if (p->role == ROLE_RESPONDER && p->path.hs == HS_WAITING)
		d = p->path.selected_ms + PEER_RESPONDER_GRACE_MS;
	if (p->path.recross_ms != 0 && p->path.recross_ms < d)
		d = p->path.recross_ms;
	timer_at(p->hs_timer, d);
}

static void
arm_live(struct peer *p)
{
	uint64_t d;

	if (p->state != PEER_UP) {
		timer_stop(p->live_timer);
		return;
	}
	d = p->live.last_rx_ms + (p->live.probe == LIVE_PROBED ? PEER_DEAD_MS : PEER_IDLE_PROBE_MS);
	if (p->hello.state == HELLO_REPLY_DUE)
		d = session_now_ms(p->s);
	else if (p->hello.state == HELLO_SENDING)
		d = min_u64(d, p->hello.next_ms);
	timer_at(p->live_timer, d);
}

/* Our HELLO, repeated with back-off until the peer's arrives. */
static void
send_hello(struct peer *p)
{
	uint64_t now = session_now_ms(p->s);

	peer_chat_hello(p);
	p->hello.sent_ms = now;
	if (p->hello.state == HELLO_REPLY_DUE)
		p->hello.state = HELLO_HEARD;
	if (p->hello.state == HELLO_SENDING) {
		p->hello.next_ms = now + p->hello.interval_ms;
		p->hello.interval_ms = p->hello.interval_ms * 2 < PEER_HELLO_MAX_MS ?
		    p->hello.interval_ms * 2 : PEER_HELLO_MAX_MS;
	}
	arm_live(p);
}

void
peer_hello(struct peer *p)
{
	send_hello(p);
}

static void
hello_restart(struct peer *p)
{
	p->hello.state = HELLO_SENDING;
	p->hello.interval_ms = PEER_HELLO_FIRST_MS;
	send_hello(p);
}

/* --- the path ---------------------------------------------------------------------------- */

static void
endpoint_str(const struct peer *p, char *buf, size_t len)
{
	const struct via *v = via_find(p->s, &p->path.ep);

	if (p->path.ep.family == ENDPOINT_NONE)
		snprintf(buf, len, "-");
	else if (v != NULL)
		endpoint_format(&v->remote, buf, len);	/* the relay, or the peer at the TURN server */
	else
		endpoint_format(&p->path.ep, buf, len);
}

/* path "relay": name the relaying member. */
static void
set_via(const struct peer *p, struct ui_event *ev)
{
	const struct via *v = via_find(p->s, &p->path.ep);
	const struct peer *r;

	if (v == NULL || v->link->ops->via_peer == NULL)
		return;
	if ((r = v->link->ops->via_peer(v->link, v)) != NULL) {
		ev->via = r->nick;
		ev->via_fp = r->fp;
	}
}

/* The endpoint WireGuard uses now, and what punching knows about it. */
static void
refresh_endpoint(struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned i;

	if ((len = wg_peer_endpoint(p->wg, &ss)) == 0 ||
	    endpoint_from_sockaddr(&p->path.ep, (struct sockaddr *)&ss, len) != 0)
		return;
	p->path.ep_type = -1;
	p->path.rtt_ms = -1;
	for (i = 0; i < p->punching.punch.n; i++) {
		const struct punch_pair *pp = &p->punching.punch.pairs[i];

		if (pp->state == PUNCH_PAIR_WORKING && endpoint_equal(&pp->from, &p->path.ep)) {
			p->path.ep_type = (int)pp->pair.remote_type;
			p->path.rtt_ms = pp->rtt_ms;
			break;
		}
	}
}

static void
emit_path_up(struct peer *p, const char *what)
{
	char ep[ENDPOINT_STR_MAX];
	struct ui_event ev;

	endpoint_str(p, ep, sizeof(ep));
	peer_ui(p, &ev, UI_EV_PATH_UP);
	ev.what = what;
	ev.path = peer_path_name(p);
	ev.endpoint = ep;
	ev.rtt_ms = p->path.rtt_ms;
	set_via(p, &ev);
	ev.nat = fallback_peer_nat(p);
	ev.strategy = fallback_strategy_name(p);
	session_emit(p->s, &ev);
}

static void path_failed(struct peer *p);

/* Punch every pair of the record (plus extra: where its ping came from). */
static void
start_punching(struct peer *p, const struct endpoint *extra)
{
	enum path_outcome o;
	struct ui_event ev;

	/* Links that must let its addresses in do it first (TURN permissions). */
	links_punching(p->s, p);
	o = path_start(p, extra);
	set_state(p, PEER_PUNCHING);
	arm_handshake(p);
	arm_live(p);
	arm_expiry(p);
	/* On the DHT path punching is retried every 30 s: not news each time. */
	if (p->fb.frames == NULL) {
		peer_ui(p, &ev, UI_EV_PEER_PUNCHING);
		ev.count = p->punching.punch.n;
		session_emit(p->s, &ev);
	}
	if (o == PATH_FAILED)
		path_failed(p);
}

static void
path_up(struct peer *p)
{
	uint64_t now = session_now_ms(p->s);

	set_state(p, PEER_UP);
	p->fb.frames = NULL;		/* any path beats the DHT mailbox */
	p->fb.reprobe_ms = now;
	p->live.last_rx_ms = now;
	p->live.probe = LIVE_HEARD;
	wg_peer_set_persistent_keepalive(p->wg, PEER_KEEPALIVE_S);
	refresh_endpoint(p);
	emit_path_up(p, NULL);
	arm_handshake(p);
	arm_expiry(p);
	hello_restart(p);
	peer_chat_path_changed(p);
	files_peer_up(p);
	pex_peer_up(p);
}

static void
path_down(struct peer *p, const char *reason, const char *text)
{
	struct ui_event ev;

	peer_ui(p, &ev, UI_EV_PATH_DOWN);
	ev.reason = reason;
	ev.text = text;
	session_emit(p->s, &ev);
	wg_peer_set_persistent_keepalive(p->wg, 0);
	start_punching(p, NULL);
	links_peer_gone(p->s, p);	/* paths through it died too */
}

void
peer_path_lost(struct peer *p, const char *reason, const char *text)
{
	if (p->state == PEER_UP || p->state == PEER_HANDSHAKE)
		path_down(p, reason, text);
}

static void
fail(struct peer *p, const char *reason, const char *text, const char *hint)
{
	struct ui_event ev;

	path_stop(p);
	set_state(p, PEER_FAILED);
	arm_handshake(p);
	arm_expiry(p);
	if (p->fb.frames != NULL)
		return;		/* a retry from the DHT path failed: nothing new */
	peer_ui(p, &ev, UI_EV_PEER_FAILED);
	ev.reason = reason;
	ev.text = text;
	ev.hint = hint;
	session_emit(p->s, &ev);
}

static void
path_failed(struct peer *p)
{
	char text[128];

	if (p->state != PEER_PUNCHING)
		return;		/* a pair worked, or the peer's handshake reached us */
	snprintf(text, sizeof(text), "no candidate pair answered (%u tried for %u s)",
	    p->punching.punch.n, PUNCH_END_MS / 1000);
	fail(p, "punch", text, path_failure_hint(p));
}

/* Punching chose (or replaced) the pair to use. */
static void
path_selected(struct peer *p)
{
	const struct punch_pair *pp = punch_selected(&p->punching.punch);
	struct sockaddr_storage ss;
	socklen_t len;
	int first = p->punching.select == SELECT_FIRST;

	if (pp == NULL || (len = endpoint_to_sockaddr(&pp->from, &ss)) == 0)
		return;
	p->punching.select = SELECT_UPGRADE;
	if (p->state == PEER_UP) {
		/*
		 * Up already (the peer's handshake came first, or a relay): keep
		 * WireGuard's endpoint unless the pair costs less. An upgrade
		 * (probing beside a relayed path) always moves.
		 */
		if (endpoint_equal(&pp->from, &p->path.ep) || (first &&
		    path_cost(p, &pp->from, (int)pp->pair.remote_type) >=
		    path_cost(p, &p->path.ep, p->path.ep_type))) {
			refresh_endpoint(p);
			return;
		}
		wg_peer_set_endpoint(p->wg, (struct sockaddr *)&ss, len);
		refresh_endpoint(p);
		emit_path_up(p, "better");
		peer_chat_path_changed(p);
		fallback_update(p);
		return;
	}
	wg_peer_set_endpoint(p->wg, (struct sockaddr *)&ss, len);
	p->path.ep = pp->from;
	p->path.ep_type = (int)pp->pair.remote_type;
	p->path.rtt_ms = pp->rtt_ms;
	if (p->state != PEER_HANDSHAKE) {
		set_state(p, PEER_HANDSHAKE);
		p->path.selected_ms = session_now_ms(p->s);
		p->path.hs = HS_WAITING;
		p->path.recross_ms = 0;
	}
	/*
	 * The smaller key initiates. The other side waits for it only if the
	 * peer's pings reach us: if none did, its packets cannot get to us
	 * unless we write first, so it cannot initiate; we do, now.
	 */
	if (p->role == ROLE_INITIATOR || p->punching.theirs == THEIRS_UNHEARD) {
		if (p->role == ROLE_RESPONDER)
			p->path.hs = HS_INITIATED;
		(void)wg_peer_initiate(p->wg);
	}
	arm_handshake(p);
	arm_expiry(p);
}

void
peer_use_via(struct peer *p, const struct endpoint *via)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (p->state == PEER_UP || (len = endpoint_to_sockaddr(via, &ss)) == 0)
		return;
	/* Punching goes on, if it runs: a direct pair that works replaces the relay. */
	wg_peer_set_endpoint(p->wg, (struct sockaddr *)&ss, len);
	p->path.ep = *via;
	p->path.ep_type = -1;
	p->path.rtt_ms = -1;
	set_state(p, PEER_HANDSHAKE);
	p->path.selected_ms = session_now_ms(p->s);
	p->path.recross_ms = 0;
	/*
	 * Both sides usually find the relay at the same moment: if both
	 * initiated, each would consume the other's initiation and drop the
	 * response to its own, and neither could send until a retransmission
	 * 5 s later (again crossed, now and then). The smaller key initiates;
	 * the other answers, or initiates itself after the grace.
	 */
	if (p->role == ROLE_INITIATOR) {
		p->path.hs = HS_INITIATED;
		(void)wg_peer_initiate(p->wg);
	} else {
		p->path.hs = HS_WAITING;
	}
	arm_handshake(p);
	arm_expiry(p);
}

void
peer_use_frames(struct peer *p, struct link *l)
{
	struct ui_event ev;

	if (p->fb.frames != NULL || p->state == PEER_UP || p->state == PEER_HANDSHAKE ||
	    p->state == PEER_LEFT)
		return;
	p->fb.frames = l;
	p->fb.frames_ms = session_now_ms(p->s);
	peer_ui(p, &ev, UI_EV_PATH_UP);
	ev.path = l->ops->name;
	ev.nat = fallback_peer_nat(p);
	ev.strategy = fallback_strategy_name(p);
	session_emit(p->s, &ev);
	p->hello.state = HELLO_SENDING;
	p->hello.interval_ms = PEER_HELLO_FIRST_MS;
	peer_chat_hello(p);
	p->hello.sent_ms = session_now_ms(p->s);
	peer_chat_path_changed(p);	/* what is pending goes out now, this way */
	fallback_update(p);
}

void
peer_frames_arrived(struct peer *p, struct link *l)
{
	if (p->state == PEER_UP || p->state == PEER_HANDSHAKE || p->state == PEER_LEFT)
		return;
	p->live.last_rx_ms = session_now_ms(p->s);
	peer_use_frames(p, l);
}

void
peer_retry_direct(struct peer *p)
{
	if (p->state == PEER_UP)
		path_reprobe(p);
	else if (p->state == PEER_FAILED)
		start_punching(p, NULL);
}

void
peer_on_predicted(struct peer *p, const struct endpoint *ep)
{
	if (p->state == PEER_LEFT)
		return;
	/* Punching from the record first (it pings only addresses of our families). */
	if (!path_running(p) && p->state != PEER_UP && p->state != PEER_HANDSHAKE)
		start_punching(p, NULL);
	(void)path_add(p, ep);
}

/* --- timer callbacks ---------------------------------------------------------------------- */

static void
on_hs_timer(void *arg)
{
	struct peer *p = arg;
	uint64_t now = session_now_ms(p->s);

	if (p->state != PEER_HANDSHAKE)
		return;
	if (now >= p->path.selected_ms + PEER_HANDSHAKE_TIMEOUT_MS) {
		fail(p, "handshake", "a path works but the WireGuard handshake did not complete",
		    "the peer may run an incompatible version");
		return;
	}
	if (p->path.recross_ms != 0 && now >= p->path.recross_ms) {
		p->path.recross_ms = 0;
		(void)wg_peer_initiate(p->wg);
	}
	if (p->role == ROLE_RESPONDER && p->path.hs == HS_WAITING &&
	    now >= p->path.selected_ms + PEER_RESPONDER_GRACE_MS) {
		p->path.hs = HS_INITIATED;
		(void)wg_peer_initiate(p->wg);
	}
	arm_handshake(p);
}

static void
on_live_timer(void *arg)
{
	struct peer *p = arg;
	uint64_t now = session_now_ms(p->s);

	if (p->state != PEER_UP)
		return;
	if (now >= p->live.last_rx_ms + PEER_DEAD_MS) {
		path_down(p, "timeout", "nothing heard for 40 s");
		return;
	}
	if (p->hello.state == HELLO_REPLY_DUE ||
	    (p->hello.state == HELLO_SENDING && now >= p->hello.next_ms) ||
	    (p->live.probe == LIVE_HEARD && now >= p->live.last_rx_ms + PEER_IDLE_PROBE_MS)) {
		if (now >= p->live.last_rx_ms + PEER_IDLE_PROBE_MS)
			p->live.probe = LIVE_PROBED;
		send_hello(p);
		return;
	}
	arm_live(p);
}

static void
on_expire_timer(void *arg)
{
	struct peer *p = arg;
	struct ui_event ev;

	if (p->state == PEER_UP)
		return;
	if (session_unix_s(p->s) < p->rec.exp) {
		arm_expiry(p);
		return;
	}
	if (p->state != PEER_LEFT) {
		peer_ui(p, &ev, UI_EV_PEER_LEFT);
		ev.reason = "expired";
		ev.text = "its record expired";
		session_emit(p->s, &ev);
	}
	peer_free(p);
}

static void
on_punch_timer(void *arg)
{
	struct peer *p = arg;

	if (path_tick(p) == PATH_FAILED)
		path_failed(p);
}

/* --- chat events ---------------------------------------------------------------------------- */

static void
on_hello(struct peer *p, const uint8_t *nick, size_t len)
{
	char old[RECORD_MAX_NICK + 1];
	struct ui_event ev;

	if (len > RECORD_MAX_NICK)
		len = RECORD_MAX_NICK;
	p->hello.state = session_now_ms(p->s) >= p->hello.sent_ms + PEER_HELLO_REPLY_GUARD_MS ?
	    HELLO_REPLY_DUE : HELLO_HEARD;
	if (len != strlen(p->nick) || memcmp(nick, p->nick, len) != 0) {
		memcpy(old, p->nick, sizeof(old));
		memcpy(p->nick, nick, len);
		p->nick[len] = '\0';
		pin(p);
		peer_ui(p, &ev, UI_EV_NICK);
		ev.old = old;
		session_emit(p->s, &ev);
	}
	arm_live(p);
}

static void
on_bye(struct peer *p)
{
	struct ui_event ev;

	if (p->state == PEER_LEFT)
		return;
	set_state(p, PEER_LEFT);
	links_peer_gone(p->s, p);	/* peers relayed through it must find another path */
	path_stop(p);
	wg_peer_set_persistent_keepalive(p->wg, 0);
	peer_ui(p, &ev, UI_EV_PEER_LEFT);
	ev.reason = "bye";
	ev.text = "said goodbye";
	session_emit(p->s, &ev);
	arm_handshake(p);
	arm_live(p);
	arm_expiry(p);
}

static const struct peer_chat_hooks chat_hooks = { on_hello, on_bye };

/* --- life cycle ----------------------------------------------------------------------------- */

static struct peer *
peer_new(struct session *s, const struct record *rec)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->s = s;
	p->rec = *rec;
	p->found_ms = session_now_ms(s);
	identity_fingerprint(rec->id, p->fp);
	snprintf(p->nick, sizeof(p->nick), "%s", rec->nick);
	p->role = memcmp(s->wg_pub, rec->wg, 32) < 0 ? ROLE_INITIATOR : ROLE_RESPONDER;
	p->path.ep_type = -1;
	p->path.rtt_ms = -1;
	p->state = PEER_NEW;
	if (ip_tunnel_addr(rec->wg, p->tunnel_addr) != 0)
		goto fail;
	/* One X25519 per peer, here: every probe and relay message to or from it uses the key. */
	if (probe_pair_key(p->pair_key, s->keys.probe, identity_wg_private(s->id), s->wg_pub,
	    rec->wg) != 0)
		goto fail;
	/* Refused for our own key or one another peer already uses. */
	if ((p->wg = wg_peer_new(s->wg, rec->wg, s->keys.psk)) == NULL)
		goto fail;
	wg_peer_set_user(p->wg, p);
	if (wg_peer_allow_ip(p->wg, AF_INET6, p->tunnel_addr, 128) != 0)
		goto fail;
	if ((p->hs_timer = timer_new(s->timers, on_hs_timer, p)) == NULL ||
	    (p->live_timer = timer_new(s->timers, on_live_timer, p)) == NULL ||
	    (p->expire_timer = timer_new(s->timers, on_expire_timer, p)) == NULL ||
	    (p->punch_timer = timer_new(s->timers, on_punch_timer, p)) == NULL ||
	    fallback_new(p) != 0)
		goto fail;
	if (peer_chat_new(p, &chat_hooks) != 0)
		goto fail;
	p->next = s->peers;
	s->peers = p;
	peer_table_add(&s->ptab, p);
	return p;
fail:
	fallback_free(p);
	timer_free(p->punch_timer);
	timer_free(p->expire_timer);
	timer_free(p->live_timer);
	timer_free(p->hs_timer);
	wg_peer_free(p->wg);
	sodium_memzero(p->pair_key, sizeof(p->pair_key));
	free(p);
	return NULL;
}

void
peer_free(struct peer *p)
{
	struct peer **pp;

	if (p == NULL)
		return;
	for (pp = &p->s->peers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			peer_table_remove(&p->s->ptab, p);
			break;
		}
	}
	links_peer_gone(p->s, p);
	files_peer_gone(p);
	pex_peer_gone(p);
	path_stop(p);
	peer_chat_free(p);		/* reports what is still pending as undelivered */
	fallback_free(p);
	timer_free(p->punch_timer);
	timer_free(p->expire_timer);
	timer_free(p->live_timer);
	timer_free(p->hs_timer);
	wg_peer_free(p->wg);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

void
peer_free_all(struct session *s)
{
	while (s->peers != NULL)
		peer_free(s->peers);	/* unlinks itself */
}

static int
cands_equal(const struct record *a, const struct record *b)
{
	return a->ncand == b->ncand && memcmp(a->cand, b->cand, a->ncand * sizeof(a->cand[0])) == 0;
}

/*
 * The table is full (PEERS_MAX): the oldest peer never heard from (no
 * authenticated packet, no signed mailbox frame) that had PEERS_TRY_MS to
 * answer makes room; NULL when every peer is heard from or new.
 */
static struct peer *
replaceable(struct session *s)
{
	uint64_t now = session_now_ms(s);
	struct peer *p, *best = NULL;

	for (p = s->peers; p != NULL; p = p->next) {
		if (peer_heard(p) || p->state == PEER_UP || p->state == PEER_HANDSHAKE ||
		    now < p->found_ms + PEERS_TRY_MS)
			continue;
		if (best == NULL || p->found_ms < best->found_ms)
			best = p;
	}
	return best;
}

static void
found(struct session *s, const struct record *rec)
{
	struct ui_event ev;
	struct peer *p;

	if (s->ptab.n >= PEERS_MAX) {
		if ((p = replaceable(s)) == NULL) {
			/* Its publisher republishes within RENDEZVOUS_REPUBLISH s: it comes back. */
			if (s->ptab.full++ == 0)
				session_info(s, "peers-full", "%d peers: a new member waits for "
				    "a place (records are dropped and counted)", PEERS_MAX);
			return;
		}
		s->ptab.replaced++;
		peer_free(p);
	}
	if ((p = peer_new(s, rec)) == NULL) {
		session_error(s, "cannot add a peer (its WireGuard key is ours or another peer's)");
		return;
	}
	pin(p);
	peer_ui(p, &ev, UI_EV_PEER_FOUND);
	ev.count = rec->ncand;
	session_emit(s, &ev);
	start_punching(p, NULL);
}

void
peer_on_record(struct session *s, const struct record *rec)
{
	struct peer *p = peer_find_id(s, rec->id);
	struct ui_event ev;
	char old[RECORD_MAX_NICK + 1];
	int moved;

	if (p == NULL) {
		found(s, rec);
		return;
	}
	if (rec->seq <= p->rec.seq)
		return;
	if (memcmp(rec->wg, p->rec.wg, RECORD_WG_LEN) != 0) {
		/* Same person, new WireGuard key: start over with it. */
		session_info(s, "rekeyed", "%s changed its WireGuard key", p->fp);
		peer_free(p);
		found(s, rec);
		return;
	}
	moved = !cands_equal(rec, &p->rec);
	if (strcmp(rec->nick, p->rec.nick) != 0 && strcmp(rec->nick, p->nick) != 0) {
		snprintf(old, sizeof(old), "%s", p->nick);
		snprintf(p->nick, sizeof(p->nick), "%s", rec->nick);
		pin(p);
		peer_ui(p, &ev, UI_EV_NICK);
		ev.old = old;
		session_emit(s, &ev);
	}
	p->rec = *rec;
	switch (p->state) {
	case PEER_NEW:
	case PEER_FAILED:
	case PEER_LEFT:
		start_punching(p, NULL);
		break;
	case PEER_PUNCHING:
		if (moved)
			start_punching(p, NULL);
		break;
	case PEER_UP:
		/*
		 * New candidates while our path still seems to work: the peer
		 * may have restarted behind a NAT that filters by address and
		 * port, whose new mapping lets in nothing until we write to it.
		 * Ping them beside the path in use (in place of a probe of the
		 * old ones still running); a pong moves WireGuard there
		 * ("better"), silence changes nothing.
		 */
		if (moved) {
			path_stop(p);
			path_reprobe(p);
		}
		break;
	case PEER_HANDSHAKE:
		break;		/* kept for when the path goes down */
	}
	arm_expiry(p);
	fallback_update(p);	/* its NAT class may be new: the strategy may change */
}

/* --- events --------------------------------------------------------------------------------- */

void
peer_on_rx(struct peer *p)
{
	uint64_t now = session_now_ms(p->s);

	/*
	 * Heard again after a silence: the path may have been broken (a NAT
	 * forgot its mapping) and our retransmissions backed off meanwhile.
	 * Resend what is pending now instead of at the next backed-off timeout.
	 */
	if (p->state == PEER_UP && now >= p->live.last_rx_ms + PEER_RX_GAP_MS &&
	    peer_chat_pending(p) > 0)
		peer_chat_path_changed(p);
	p->live.last_rx_ms = now;
	p->live.probe = LIVE_HEARD;
}

/* An inner IPv6/UDP packet from p's tunnel address to ours, same port at both ends. */
void
peer_on_inner(struct peer *p, const uint8_t *pkt, size_t len)
{
	struct session *s = p->s;
	struct ip_udp u;

	peer_on_rx(p);
	if (ip_udp_parse(pkt, len, &u) != IP_OK || u.family != AF_INET6) {
		s->drops[SDROP_INNER]++;
		return;
	}
	if (u.sport != u.dport || memcmp(u.dst, s->tunnel_addr, 16) != 0 ||
	    memcmp(u.src, p->tunnel_addr, 16) != 0) {
		s->drops[SDROP_INNER_PORT]++;
		return;
	}
	switch (u.dport) {
	case CHAT_PORT:
		peer_chat_frame(p, u.payload, u.payload_len);
		break;
	case XFER_PORT:
		files_input(p, u.payload, u.payload_len);
		break;
	case PEX_PORT:
		pex_input(p, u.payload, u.payload_len);
		break;
	default:
		s->drops[SDROP_INNER_PORT]++;
		break;
	}
}

void
peer_on_wg_event(struct peer *p, int ev)
{
	switch ((enum wg_event)ev) {
	case WG_EV_HANDSHAKE_DONE:
		peer_on_rx(p);
		if (p->state != PEER_UP)
			path_up(p);
		break;
	case WG_EV_ENDPOINT_CHANGED:
		if (p->state != PEER_UP)
			break;		/* path_up reads it */
		refresh_endpoint(p);
		emit_path_up(p, "roamed");
		peer_chat_path_changed(p);
		files_peer_up(p);
		fallback_update(p);
		break;
	case WG_EV_HANDSHAKE_FAILED:
		if (p->state == PEER_HANDSHAKE)
			fail(p, "handshake", "the WireGuard handshake timed out", NULL);
		break;
	case WG_EV_HANDSHAKE_CROSSED:
		/* Only one side may initiate again, or they cross once more. */
		if (p->state == PEER_HANDSHAKE && p->role == ROLE_INITIATOR) {
			p->path.recross_ms = session_now_ms(p->s) + PEER_CROSSED_RETRY_MS;
			arm_handshake(p);
		}
		break;
	case WG_EV_HANDSHAKE_SENT:
	case WG_EV_KEYS_ZEROED:
		break;
	}
}

void
peer_on_ping(struct peer *p, const struct endpoint *from)
{
	p->punching.theirs = THEIRS_HEARD;
	if (path_running(p)) {
		path_on_peer_ping(p, from);
		return;
	}
	/* It is punching towards us while we gave up on it: it is back. */
	if (p->state == PEER_NEW || p->state == PEER_FAILED || p->state == PEER_LEFT)
		start_punching(p, from);
}

void
peer_on_pong(struct peer *p, const struct probe_msg *m, const struct endpoint *from)
{
	switch (path_on_pong(p, m, from)) {
	case PATH_SELECTED:
		path_selected(p);
		break;
	case PATH_FAILED:
		path_failed(p);
		break;
	case PATH_NONE:
		break;
	}
}

void
peer_who(struct peer *p)
{
	char ep[ENDPOINT_STR_MAX];
	struct ui_event ev;

	endpoint_str(p, ep, sizeof(ep));
	peer_ui(p, &ev, UI_EV_WHO);
	ev.path = peer_path_name(p);
	ev.endpoint = ep;
	ev.rtt_ms = p->path.rtt_ms;
	if (p->state == PEER_UP)
		set_via(p, &ev);
	if (p->live.last_rx_ms != 0)
		ev.last_seen_s = (int64_t)((session_now_ms(p->s) - p->live.last_rx_ms) / 1000);
	ev.nat = fallback_peer_nat(p);
	ev.strategy = fallback_strategy_name(p);
	session_emit(p->s, &ev);
}
