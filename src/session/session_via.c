/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session_via.c — synthetic endpoints for paths through something else: a
 * TURN allocation of ours (the peer's packets arrive wrapped by the server)
 * or a peer relay (another room member forwards them).
 *
 * WireGuard's endpoint is a sockaddr and roaming moves it to the source of
 * any authenticated packet. So a packet that arrives through a relay is
 * handed to wg_device_input() with a synthetic source that names the path:
 *
 *   0100:0000:0000:0000 | 67 76 | kind | gen | slot (2 bytes) | 00 00, port 1
 *
 * in 100::/64 (RFC 6666, discard-only: nothing real is ever there). The
 * peer's endpoint moves there like for any roaming peer, and every send to
 * it (wg_io_send, session_send for pongs) comes through session_via_send(),
 * which wraps the packet for the server or the relay. A better path found
 * later moves the endpoint away again (punching, or roaming to a direct
 * source). gen makes a reused slot's old endpoints dead instead of wrong.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "src/session/session_impl.h"

enum {
	VIA_TAG0 = 0x67,		/* "gv" */
	VIA_TAG1 = 0x76
};

static void
encode(const struct session_via *v, unsigned slot, struct endpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->family = ENDPOINT_V6;
	out->addr[0] = 0x01;
	out->addr[8] = VIA_TAG0;
	out->addr[9] = VIA_TAG1;
	out->addr[10] = v->kind;
	out->addr[11] = v->gen;
	out->addr[12] = (uint8_t)(slot >> 8);
	out->addr[13] = (uint8_t)slot;
	out->port = 1;
}

int
session_via_get(struct session *s, enum via_kind kind, unsigned link,
    const struct endpoint *remote, const uint8_t target[32], struct endpoint *out)
{
	static const uint8_t zero[32];
	struct session_via *v, *victim = NULL;
	unsigned i;

	if (target == NULL)
		target = zero;
	for (i = 0; i < SESSION_VIA_MAX; i++) {
		v = &s->via[i];
		if (v->kind == kind && v->link == link && endpoint_equal(&v->remote, remote) &&
		    memcmp(v->target, target, 32) == 0) {
			v->used_ms = session_mono_ms();
			encode(v, i, out);
			return 0;
		}
		if (victim == NULL || v->kind == VIA_NONE ||
		    (victim->kind != VIA_NONE && v->used_ms < victim->used_ms))
			victim = v;
	}
	/* Full: the least recently used path is forgotten (its endpoints go dead). */
	v = victim;
	v->gen++;
	v->kind = (uint8_t)kind;
	v->link = link;
	v->remote = *remote;
	memcpy(v->target, target, 32);
	v->used_ms = session_mono_ms();
	encode(v, (unsigned)(v - s->via), out);
	return 0;
}

struct session_via *
session_via_find(struct session *s, const struct endpoint *ep)
{
	struct session_via *v;
	unsigned slot;

	if (ep->family != ENDPOINT_V6 || ep->addr[0] != 0x01 || ep->addr[8] != VIA_TAG0 ||
	    ep->addr[9] != VIA_TAG1)
		return NULL;
	slot = (unsigned)ep->addr[12] << 8 | ep->addr[13];
	if (slot >= SESSION_VIA_MAX)
		return NULL;
	v = &s->via[slot];
	if (v->kind == VIA_NONE || v->kind != ep->addr[10] || v->gen != ep->addr[11])
		return NULL;
	return v;
}

enum via_kind
session_via_kind(const struct session *s, const struct endpoint *ep)
{
	const struct session_via *v = session_via_find((struct session *)s, ep);

	return v != NULL ? (enum via_kind)v->kind : VIA_NONE;
}

int
session_via_send(struct session *s, const struct endpoint *ep, const uint8_t *buf, size_t len)
{
	struct session_via *v = session_via_find(s, ep);

	if (v == NULL)
		return -EINVAL;
	v->used_ms = session_mono_ms();
	switch ((enum via_kind)v->kind) {
	case VIA_TURN:
		return session_turn_send(s, v->link, &v->remote, buf, len);
	case VIA_RELAY:
		return relay_send(s, &v->remote, v->target, buf, len);
	case VIA_NONE:
		break;
	}
	return -EINVAL;
}

void
session_via_drop_relay(struct session *s, const struct endpoint *relay)
{
	unsigned i;

	for (i = 0; i < SESSION_VIA_MAX; i++) {
		struct session_via *v = &s->via[i];

		if (v->kind == VIA_RELAY && endpoint_equal(&v->remote, relay)) {
			v->kind = VIA_NONE;
			v->gen++;
		}
	}
}
