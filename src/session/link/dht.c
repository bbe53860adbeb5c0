/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dht.c — the DHT mailbox as the last-resort path kind ("dht",
 * doc/PROTOCOL.md "DHT mailbox"): chat frames for a peer we have no path to
 * are put on the DHT (mailbox.c), and frames from our own mailbox go to the
 * sender's chat, which acknowledges, orders and deduplicates them as it does
 * for any path. Values are sealed with the room's key and signed with the
 * sender's Ed25519 key, so no WireGuard session is needed for them.
 *
 * When: the fallback policy seeks it once punching failed, and a frame from
 * a peer we have no path to puts it on this path at once (it has none to us
 * either, and its ACKs must come back the same way). Leaving it: any path
 * that comes up is better (peer.c); the policy punches again every
 * FALLBACK_RETRY_MS meanwhile. Absent with --no-dht-fallback.
 *
 * Our own mailbox is listened on only while some member is neither up nor
 * gone (state NEW, PUNCHING, HANDSHAKE or FAILED): only such a member can
 * be writing to it (one that is up has a path to us, and a frame from one
 * whose record we do not hold is refused anyway). An idle peer whose
 * members are all up thus keeps no mailbox listen: each costs a refresh to
 * each of its DHT nodes every 20 s. A member's record arrives before its
 * frames can count (is_member), and it makes the member NEW then PUNCHING,
 * which starts the listen; values put before then are still on the DHT
 * and come with the listen.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/identity/identity.h"
#include "src/session/core.h"
#include "src/session/link.h"
#include "src/session/link/mailbox.h"
#include "src/session/peer.h"
#include "src/session/peer_chat.h"
#include "src/session/tell.h"

/* A member: a peer whose record we accepted (never us: we have no peer entry). */
static bool
is_member(void *arg, const uint8_t id[MAILBOX_ID_LEN])
{
	struct link *l = arg;

	return memcmp(id, identity_sign_pk(l->s->id), MAILBOX_ID_LEN) != 0 &&
	    peer_find_id(l->s, id) != NULL;
}

static void
deliver(void *arg, const uint8_t from[MAILBOX_ID_LEN], const uint8_t *frame, size_t len)
{
	struct link *l = arg;
	struct peer *p = peer_find_id(l->s, from);

	if (p == NULL || p->chat == NULL || l->s->end.quitting)
		return;
	peer_frames_arrived(p, l);
	peer_chat_frame(p, frame, len);
}

/* Listen on our mailbox while some member may be writing to it. */
static void
update(struct link *l)
{
	const struct peer *p;
	bool want = false;

	if (l->priv == NULL)
		return;
	for (p = l->s->peers; p != NULL && !want; p = p->next)
		want = p->state != PEER_UP && p->state != PEER_LEFT;
	mailbox_set_listening(l->priv, want);
}

static void
peer_changed(struct link *l, struct peer *p)
{
	(void)p;
	update(l);
}

static int
start(struct link *l)
{
	struct session *s = l->s;
	struct mailbox_config mc;

	if (s->cfg->no_dht_fallback)
		return 0;
	memset(&mc, 0, sizeof(mc));
	mc.timers = s->timers;
	mc.runner = s->runner;
	mc.keys = &s->keys;
	mc.sign_sk = identity_sign_sk(s->id);
	mc.is_member = is_member;
	mc.deliver = deliver;
	mc.arg = l;
	mc.deaf = true;		/* no member yet: update() */
	if ((l->priv = mailbox_new(&mc)) == NULL) {
		session_fatal(s, "cannot start the DHT mailbox");
		return -1;
	}
	return 0;
}

/* Before runner_free(). */
static void
stop(struct link *l)
{
	mailbox_free(l->priv);
	l->priv = NULL;
}

static void
seek(struct link *l, struct peer *p)
{
	if (l->priv != NULL)
		peer_use_frames(p, l);
}

static int
send_frame(struct link *l, struct peer *p, const uint8_t *frame, size_t len)
{
	if (l->priv == NULL)
		return -1;
	return mailbox_send(l->priv, p->rec.id, frame, len);
}

/* Put what waits now (BYEs at the end). */
static void
flush(struct link *l)
{
	if (l->priv != NULL)
		mailbox_flush(l->priv);
}

/* "mailbox: frames in 3, out 5, ...; accepted 2, magic 0, ..." (batch and -v). */
static void
report(struct link *l)
{
	struct mailbox_stats st;
	struct tell_line t = { .pos = 0 };
	int i;

	if (l->priv == NULL || !session_counting(l->s))
		return;
	mailbox_get_stats(l->priv, &st);
	tell_add(&t, "frames in %llu, out %llu, deduped %llu, dropped %llu; values out %llu, "
	    "puts ok %llu, failed %llu; accepted %llu",
	    (unsigned long long)st.frames_in, (unsigned long long)st.frames_out,
	    (unsigned long long)st.frames_deduped, (unsigned long long)st.frames_dropped,
	    (unsigned long long)st.values_out, (unsigned long long)st.puts_ok,
	    (unsigned long long)st.puts_failed, (unsigned long long)st.rejects[MBX_OK]);
	for (i = MBX_OK + 1; i < MBX__COUNT; i++)
		tell_add(&t, ", %s %llu", mailbox_reject_name((enum mailbox_reject)i),
		    (unsigned long long)st.rejects[i]);
	session_info(l->s, "mailbox", "mailbox: %s", t.text);
}

const struct link_ops link_dht_ops = {
	.kind = LINK_DHT,
	.name = LINK_NAME_DHT,
	.cost = LINK_COST_DHT,
	.start = start,
	.stop = stop,
	.send_frame = send_frame,
	.seek = seek,
	.peer_gone = peer_changed,
	.peer_state = peer_changed,
	.flush = flush,
	.report = report
};
