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
 * FAILED (or a frame from the peer through our DHT mailbox while it has no
 * path) puts its chat on the DHT mailbox until a path comes up: p->dht,
 * path "dht" (session_mailbox.c, which also re-punches every 30 s).
 *
 * A WireGuard session that comes up from the peer's side (its initiation)
 * moves any state to UP. The side with the smaller WireGuard public key
 * initiates; the other initiates at once when none of the peer's pings has
 * reached it (the peer's packets cannot reach us before we write to it),
 * else after PEER_RESPONDER_GRACE_MS (WireGuard sorts out crossed
 * initiations). So a peer that restarted reconnects by itself without the
 * other side noticing anything first.
 *
 * Liveness: the time of the last authenticated packet is kept (WireGuard
 * input attributed to the peer, HANDSHAKE_DONE). Idle PEER_IDLE_PROBE_MS, we
 * send a HELLO (data: WireGuard answers data within KEEPALIVE_TIMEOUT);
 * silent PEER_DEAD_MS, the path is down and punching restarts from the
 * newest record. One timer per peer covers the handshake deadlines, HELLO
 * repeats, liveness and record expiry; it is re-armed after each change, and
 * packets only update a timestamp (the timer re-checks when it fires).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "tunnel/net/ip.h"
#include "src/identity/pins.h"
#include "src/session/session_impl.h"
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

int
peer_is_up(const struct peer *p)
{
	return p->state == PEER_UP;
}

void
peer_ui(const struct peer *p, struct ui_event *ev, enum ui_event_kind kind)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->nick = p->nick;
	ev->fp = p->fp;
	ev->flagged = p->flagged;
	ev->rtt_ms = -1;
	ev->last_seen_s = -1;
}

struct peer *
peer_find_wg(struct session *s, const uint8_t wg[32])
{
	struct peer *p;

	for (p = s->peers; p != NULL; p = p->next)
		if (memcmp(p->rec.wg, wg, 32) == 0)
			return p;
	return NULL;
}

static struct peer *
find_id(struct session *s, const uint8_t id[RECORD_ID_LEN])
{
	struct peer *p;

	for (p = s->peers; p != NULL; p = p->next)
		if (memcmp(p->rec.id, id, RECORD_ID_LEN) == 0)
			return p;
	return NULL;
}

/* Unix seconds on the rendezvous clock, which record expiry is measured on. */
static uint64_t
record_now_s(const struct session *s)
{
	return clock_unix_ms(&s->clock) / 1000;
}

/* --- the timer ------------------------------------------------------------------------ */

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void
peer_rearm(struct peer *p)
{
	uint64_t now = session_mono_ms(), d = UINT64_MAX, unow;

	switch (p->state) {
	case PEER_UP:
		if (p->hello_reply_due)
			d = now;
		if (!p->hello_received)
			d = min_u64(d, p->hello_next_ms);
		d = min_u64(d, p->last_rx_ms + (p->idle_probe_sent ? PEER_DEAD_MS : PEER_IDLE_PROBE_MS));
		if (path_is_relayed(p))
			d = min_u64(d, p->reprobe_ms + PATH_REPROBE_MS);
		break;
	case PEER_HANDSHAKE:
		if (!p->initiator && !p->fallback_done)
			d = p->selected_ms + PEER_RESPONDER_GRACE_MS;
		d = min_u64(d, p->selected_ms + PEER_HANDSHAKE_TIMEOUT_MS);
		/* FALLTHROUGH */
	default:
		/* Not up: forget the peer when its record expires. */
		unow = record_now_s(p->s);
		d = min_u64(d, now + (p->rec.exp > unow ? (p->rec.exp - unow) * 1000 : 0));
		break;
	}
	session_timer_at(p->timer, d);
}

static void
endpoint_str(const struct peer *p, char *buf, size_t len)
{
	const struct session_via *v = session_via_find(p->s, &p->ep);

	if (p->ep.family == ENDPOINT_NONE)
		snprintf(buf, len, "-");
	else if (v != NULL)
		endpoint_format(&v->remote, buf, len);	/* the relay, or the peer at the TURN server */
	else
		endpoint_format(&p->ep, buf, len);
}

/* path "relay": name the relaying peer. */
static void
set_via(const struct peer *p, struct ui_event *ev)
{
	const struct peer *r = relay_via_peer(p);

	if (r != NULL) {
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
	    endpoint_from_sockaddr(&p->ep, (struct sockaddr *)&ss, len) != 0)
		return;
	p->ep_type = -1;
	p->rtt_ms = -1;
	for (i = 0; i < p->punch.n; i++) {
		const struct punch_pair *pp = &p->punch.pairs[i];

		if (pp->state == PUNCH_PAIR_WORKING && endpoint_equal(&pp->from, &p->ep)) {
			p->ep_type = (int)pp->pair.remote_type;
			p->rtt_ms = pp->rtt_ms;
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
	ev.path = path_kind(p);
	ev.endpoint = ep;
	ev.rtt_ms = p->rtt_ms;
	set_via(p, &ev);
	session_emit(p->s, &ev);
}

static void
path_up(struct peer *p)
{
	uint64_t now = session_mono_ms();

	p->state = PEER_UP;
	p->dht = 0;			/* any path beats the DHT mailbox */
	p->last_rx_ms = now;
	p->reprobe_ms = now;
	p->idle_probe_sent = 0;
	wg_peer_set_persistent_keepalive(p->wg, SESSION_KEEPALIVE_S);
	refresh_endpoint(p);
	emit_path_up(p, NULL);
	p->hello_received = 0;
	p->hello_interval_ms = PEER_HELLO_FIRST_MS;
	peer_chat_hello(p);
	peer_chat_path_changed(p);
	peer_rearm(p);
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
	path_start(p, NULL);
	peer_rearm(p);
	relay_peer_gone(p);		/* peers relayed through it lost their path too */
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

	p->state = PEER_FAILED;
	path_stop(p);
	peer_rearm(p);
	if (p->dht)
		return;		/* a retry from the DHT path failed: nothing new */
	peer_ui(p, &ev, UI_EV_PEER_FAILED);
	ev.reason = reason;
	ev.text = text;
	ev.hint = hint;
	session_emit(p->s, &ev);
	session_mailbox_use(p);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	struct session *s = p->s;
	uint64_t now = session_mono_ms();
	struct ui_event ev;

	(void)fd;
	(void)what;
	switch (p->state) {
	case PEER_UP:
		if (now >= p->last_rx_ms + PEER_DEAD_MS) {
			path_down(p, "timeout", "nothing heard for 40 s");
			break;
		}
		if (p->hello_reply_due || (!p->hello_received && now >= p->hello_next_ms) ||
		    (!p->idle_probe_sent && now >= p->last_rx_ms + PEER_IDLE_PROBE_MS)) {
			if (now >= p->last_rx_ms + PEER_IDLE_PROBE_MS)
				p->idle_probe_sent = 1;
			peer_chat_hello(p);
		}
		/* Probing goes on: a direct pair replaces the relay as soon as one works. */
		if (path_is_relayed(p) && now >= p->reprobe_ms + PATH_REPROBE_MS)
			path_reprobe(p);
		break;
	case PEER_HANDSHAKE:
		if (now >= p->selected_ms + PEER_HANDSHAKE_TIMEOUT_MS) {
			fail(p, "handshake", "a path works but the WireGuard handshake did not complete",
			    "the peer may run an incompatible version");
			break;
		}
		if (!p->initiator && !p->fallback_done &&
		    now >= p->selected_ms + PEER_RESPONDER_GRACE_MS) {
			p->fallback_done = 1;
			(void)wg_peer_initiate(p->wg);
		}
		/* FALLTHROUGH */
	default:
		if (record_now_s(s) >= p->rec.exp) {
			if (p->state != PEER_LEFT) {
				peer_ui(p, &ev, UI_EV_PEER_LEFT);
				ev.reason = "expired";
				ev.text = "its record expired";
				session_emit(s, &ev);
			}
			peer_free(p);
			return;
		}
		break;
	}
	peer_rearm(p);
}

/* --- life cycle ----------------------------------------------------------------------- */

static struct peer *
peer_new(struct session *s, const struct record *rec)
{
	struct peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->s = s;
	p->rec = *rec;
	identity_fingerprint(rec->id, p->fp);
	snprintf(p->nick, sizeof(p->nick), "%s", rec->nick);
	p->initiator = memcmp(s->wg_pub, rec->wg, 32) < 0;
	p->ep_type = -1;
	p->rtt_ms = -1;
	p->state = PEER_NEW;
	if (ip_tunnel_addr(rec->wg, p->tunnel_addr) != 0)
		goto fail;
	/* Refused for our own key or one another peer already uses. */
	if ((p->wg = wg_peer_new(s->wg, rec->wg, s->keys.psk)) == NULL)
		goto fail;
	wg_peer_set_user(p->wg, p);
	if (wg_peer_allow_ip(p->wg, AF_INET6, p->tunnel_addr, 128) != 0)
		goto fail;
	if ((p->timer = evtimer_new(s->base, on_timer, p)) == NULL)
		goto fail;
	if (peer_chat_new(p) != 0)
		goto fail;
	p->next = s->peers;
	s->peers = p;
	return p;
fail:
	if (p->timer != NULL)
		event_free(p->timer);
	wg_peer_free(p->wg);
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
			break;
		}
	}
	path_stop(p);
	if (p->punch_timer != NULL)
		event_free(p->punch_timer);
	if (p->timer != NULL)
		event_free(p->timer);
	peer_chat_free(p);		/* reports what is still pending as undelivered */
	wg_peer_free(p->wg);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

static int
cands_equal(const struct record *a, const struct record *b)
{
	return a->ncand == b->ncand && memcmp(a->cand, b->cand, a->ncand * sizeof(a->cand[0])) == 0;
}

static void
found(struct session *s, const struct record *rec)
{
	struct ui_event ev;
	struct peer *p;

	if ((p = peer_new(s, rec)) == NULL) {
		session_error(s, "cannot add a peer (its WireGuard key is ours or another peer's)");
		return;
	}
	p->flagged = pins_check(s->cfg->cache_dir, p->nick, p->fp);
	peer_ui(p, &ev, UI_EV_PEER_FOUND);
	ev.count = rec->ncand;
	session_emit(s, &ev);
	path_start(p, NULL);
	peer_rearm(p);
}

void
peer_on_record(struct session *s, const struct record *rec)
{
	struct peer *p = find_id(s, rec->id);
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
		p->flagged = pins_check(s->cfg->cache_dir, p->nick, p->fp);
		peer_ui(p, &ev, UI_EV_NICK);
		ev.old = old;
		session_emit(s, &ev);
	}
	p->rec = *rec;
	switch (p->state) {
	case PEER_NEW:
	case PEER_FAILED:
	case PEER_LEFT:
		path_start(p, NULL);
		break;
	case PEER_PUNCHING:
		if (moved)
			path_start(p, NULL);
		break;
	case PEER_HANDSHAKE:
	case PEER_UP:
		break;		/* kept for when the path goes down */
	}
	peer_rearm(p);
}

/* --- events ----------------------------------------------------------------------------- */

void
peer_on_rx(struct peer *p)
{
	uint64_t now = session_mono_ms();

	/*
	 * Heard again after a silence: the path may have been broken (a NAT
	 * forgot its mapping) and our retransmissions backed off meanwhile.
	 * Resend what is pending now instead of at the next backed-off timeout.
	 */
	if (p->state == PEER_UP && p->chat != NULL && now >= p->last_rx_ms + PEER_RX_GAP_MS &&
	    chat_peer_pending(p->chat) > 0)
		peer_chat_path_changed(p);
	p->last_rx_ms = now;
	p->idle_probe_sent = 0;
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
		break;
	case WG_EV_HANDSHAKE_FAILED:
		if (p->state == PEER_HANDSHAKE)
			fail(p, "handshake", "the WireGuard handshake timed out", NULL);
		break;
	case WG_EV_HANDSHAKE_SENT:
	case WG_EV_KEYS_ZEROED:
		break;
	}
}

void
peer_on_ping(struct peer *p, const struct endpoint *from)
{
	p->peer_pinged = 1;
	if (path_running(p)) {
		path_on_peer_ping(p, from);
		return;
	}
	/* It is punching towards us while we gave up on it: it is back. */
	if (p->state == PEER_NEW || p->state == PEER_FAILED || p->state == PEER_LEFT) {
		path_start(p, from);
		peer_rearm(p);
	}
}

void
peer_path_selected(struct peer *p)
{
	const struct punch_pair *pp = punch_selected(&p->punch);
	struct sockaddr_storage ss;
	socklen_t len;
	int first = !p->punch_had_selection;

	if (pp == NULL || (len = endpoint_to_sockaddr(&pp->from, &ss)) == 0)
		return;
	p->punch_had_selection = 1;
	if (p->state == PEER_UP) {
		/*
		 * Up already (the peer's handshake came first): keep WireGuard's
		 * endpoint, unless it goes through a relay and this pair is direct.
		 */
		if ((first && (session_via_kind(p->s, &p->ep) == VIA_NONE ||
		    pp->pair.remote_type == CAND_TYPE_RELAY)) || endpoint_equal(&pp->from, &p->ep)) {
			refresh_endpoint(p);
			return;
		}
		wg_peer_set_endpoint(p->wg, (struct sockaddr *)&ss, len);
		refresh_endpoint(p);
		emit_path_up(p, "better");
		peer_chat_path_changed(p);
		return;
	}
	wg_peer_set_endpoint(p->wg, (struct sockaddr *)&ss, len);
	p->ep = pp->from;
	p->ep_type = (int)pp->pair.remote_type;
	p->rtt_ms = pp->rtt_ms;
	if (p->state != PEER_HANDSHAKE) {
		p->state = PEER_HANDSHAKE;
		p->selected_ms = session_mono_ms();
		p->fallback_done = 0;
	}
	/*
	 * The smaller key initiates. The other side waits for it only if the
	 * peer's pings reach us: if none did, its packets cannot get to us
	 * unless we write first, so it cannot initiate; we do, now.
	 */
	if (p->initiator || !p->peer_pinged) {
		if (!p->initiator)
			p->fallback_done = 1;
		(void)wg_peer_initiate(p->wg);
	}
	peer_rearm(p);
}

void
peer_path_failed(struct peer *p)
{
	char text[128];

	if (p->state != PEER_PUNCHING)
		return;		/* a pair worked, or the peer's handshake reached us */
	snprintf(text, sizeof(text), "no candidate pair answered (%u tried for %u s)", p->punch.n,
	    PUNCH_END_MS / 1000);
	fail(p, "punch", text, path_failure_hint(p));
}

void
peer_who(struct peer *p)
{
	char ep[ENDPOINT_STR_MAX];
	struct ui_event ev;

	endpoint_str(p, ep, sizeof(ep));
	peer_ui(p, &ev, UI_EV_WHO);
	ev.path = p->state == PEER_UP ? path_kind(p) : p->dht && p->state != PEER_LEFT ? "dht" :
	    peer_state_name(p->state);
	ev.endpoint = ep;
	ev.rtt_ms = p->rtt_ms;
	if (p->state == PEER_UP)
		set_via(p, &ev);
	if (p->last_rx_ms != 0)
		ev.last_seen_s = (int64_t)((session_mono_ms() - p->last_rx_ms) / 1000);
	session_emit(p->s, &ev);
}
