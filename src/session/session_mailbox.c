/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_mailbox.c — the DHT mailbox (dht/mailbox/mailbox.h, doc/PROTOCOL.md "DHT
 * mailbox") as the last-resort path: chat frames for a peer we have no path
 * to are put on the DHT, and frames from our own mailbox go to the sender's
 * chat_peer, which acknowledges, orders and deduplicates them as it does
 * for any path. Values are sealed with the room's key and signed with the
 * sender's Ed25519 key, so no WireGuard session is needed for them.
 *
 * When (p->dht, path "dht"):
 *   - punching ended with no pair (peer.c fail(): PEER_FAILED), which
 *     includes a path that went down and did not come back; TURN relay
 *     candidates are among the pairs, and a peer relay is sought while
 *     punching, so neither works at that point;
 *   - or a frame from p arrives through our mailbox while we have no path
 *     to it: it has none to us either, and its ACKs must come back the same
 *     way.
 * Leaving it: any path that comes up (peer.c path_up) is better; punching is
 * retried every SESSION_DHT_REPUNCH_MS while on the DHT (besides newer
 * records and the peer's pings, which restart it anyway), and a peer relay
 * is sought as for any failed peer. BYE (state LEFT) ends it too.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "dht/mailbox/mailbox.h"
#include "src/session/session_impl.h"

enum {
	SESSION_DHT_TICK_MS = 5000
};

static struct peer *
find_id(struct session *s, const uint8_t id[MAILBOX_ID_LEN])
{
	struct peer *p;

	for (p = s->peers; p != NULL; p = p->next)
		if (memcmp(p->rec.id, id, MAILBOX_ID_LEN) == 0)
			return p;
	return NULL;
}

static uint64_t
mailbox_unix_ms(void *arg)
{
	struct session *s = arg;

	return clock_unix_ms(&s->clock);
}

/* A member: a peer whose record we accepted (never us: we have no peer entry). */
static bool
is_member(void *arg, const uint8_t id[MAILBOX_ID_LEN])
{
	struct session *s = arg;

	return memcmp(id, identity_sign_pk(s->id), MAILBOX_ID_LEN) != 0 && find_id(s, id) != NULL;
}

static int
has_path(const struct peer *p)
{
	return p->state == PEER_UP || p->state == PEER_HANDSHAKE;
}

static void
deliver(void *arg, const uint8_t from[MAILBOX_ID_LEN], const uint8_t *frame, size_t len)
{
	struct session *s = arg;
	struct peer *p = find_id(s, from);

	if (p == NULL || p->chat == NULL || s->quitting)
		return;
	/* It reached us this way: it has no path to us. Answer the same way. */
	if (!has_path(p) && p->state != PEER_LEFT) {
		p->last_rx_ms = session_mono_ms();
		session_mailbox_use(p);
	}
	if (chat_peer_input(p->chat, frame, len) != CHAT_DROP_NONE)
		s->drops[SDROP_CHAT]++;
	peer_chat_rearm(p);
}

/* Re-punch the peers on the DHT path now and then: a path may work again. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	uint64_t now = session_mono_ms();
	struct peer *p;

	(void)fd;
	(void)what;
	for (p = s->peers; p != NULL; p = p->next) {
		if (!p->dht || p->state != PEER_FAILED || now < p->dht_punch_ms + SESSION_DHT_REPUNCH_MS)
			continue;
		p->dht_punch_ms = now;
		path_start(p, NULL);
		peer_rearm(p);
	}
	session_timer_at(s->mailbox_timer, now + SESSION_DHT_TICK_MS);
}

int
session_mailbox_start(struct session *s)
{
	struct mailbox_config mc;

	if (s->cfg->no_dht_fallback)
		return 0;
	memset(&mc, 0, sizeof(mc));
	mc.base = s->base;
	mc.runner = s->runner;
	mc.keys = &s->keys;
	mc.sign_sk = identity_sign_sk(s->id);
	/* Epochs on the rendezvous clock, as records (tests shift it). */
	mc.clock.unix_ms = mailbox_unix_ms;
	mc.clock.arg = s;
	mc.is_member = is_member;
	mc.deliver = deliver;
	mc.arg = s;
	if ((s->mailbox = mailbox_new(&mc)) == NULL ||
	    (s->mailbox_timer = evtimer_new(s->base, on_tick, s)) == NULL) {
		session_fatal(s, "cannot start the DHT mailbox");
		session_mailbox_stop(s);
		return -1;
	}
	session_timer_at(s->mailbox_timer, session_mono_ms() + SESSION_DHT_TICK_MS);
	return 0;
}

/* Before runner_free(). */
void
session_mailbox_stop(struct session *s)
{
	mailbox_free(s->mailbox);
	s->mailbox = NULL;
	if (s->mailbox_timer != NULL)
		event_free(s->mailbox_timer);
	s->mailbox_timer = NULL;
}

void
session_mailbox_use(struct peer *p)
{
	struct ui_event ev;

	if (p->s->mailbox == NULL || p->dht || has_path(p) || p->state == PEER_LEFT)
		return;
	p->dht = 1;
	p->dht_punch_ms = session_mono_ms();
	peer_ui(p, &ev, UI_EV_PATH_UP);
	ev.path = "dht";
	session_emit(p->s, &ev);
	p->hello_received = 0;
	p->hello_interval_ms = PEER_HELLO_FIRST_MS;
	peer_chat_hello(p);
	peer_chat_path_changed(p);	/* what is pending goes out now, this way */
}

void
session_mailbox_send(struct peer *p, const uint8_t *frame, size_t len)
{
	if (p->s->mailbox == NULL || mailbox_send(p->s->mailbox, p->rec.id, frame, len) != 0)
		p->s->drops[SDROP_NOT_UP]++;
}

void
session_mailbox_flush(struct session *s)
{
	if (s->mailbox != NULL)
		mailbox_flush(s->mailbox);
}

/* "mailbox: frames in 3, out 5, ...; accepted 2, magic 0, ..." (batch and -v). */
void
session_mailbox_report(struct session *s)
{
	struct mailbox_stats st;
	char text[768];
	size_t pos;
	int i;

	if (s->mailbox == NULL || (!s->cfg->batch && s->cfg->verbose < 1))
		return;
	mailbox_get_stats(s->mailbox, &st);
	pos = (size_t)snprintf(text, sizeof(text),
	    "frames in %llu, out %llu, deduped %llu, dropped %llu; values out %llu, "
	    "puts ok %llu, failed %llu; accepted %llu",
	    (unsigned long long)st.frames_in, (unsigned long long)st.frames_out,
	    (unsigned long long)st.frames_deduped, (unsigned long long)st.frames_dropped,
	    (unsigned long long)st.values_out, (unsigned long long)st.puts_ok,
	    (unsigned long long)st.puts_failed, (unsigned long long)st.rejects[MBX_OK]);
	for (i = MBX_OK + 1; i < MBX__COUNT && pos < sizeof(text); i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, ", %s %llu",
		    mailbox_reject_name((enum mailbox_reject)i), (unsigned long long)st.rejects[i]);
	session_info(s, "mailbox", "mailbox: %s", text);
}
