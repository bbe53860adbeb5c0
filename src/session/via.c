/* SPDX-License-Identifier: GPL-3.0-or-later */
/* via.c — synthetic endpoints for paths through a link (via.h). */
#include "config.h"

#include <string.h>

#include "src/session/core.h"
#include "src/session/via.h"

enum {
	VIA_TAG0 = 0x67,		/* "gv" */
	VIA_TAG1 = 0x76
};

static void
encode(const struct via *v, unsigned slot, struct endpoint *out)
{
	memset(out, 0, sizeof(*out));
	out->family = ENDPOINT_V6;
	out->addr[0] = 0x01;
	out->addr[8] = VIA_TAG0;
	out->addr[9] = VIA_TAG1;
	out->addr[10] = (uint8_t)v->link->index;
	out->addr[11] = v->gen;
	out->addr[12] = (uint8_t)(slot >> 8);
	out->addr[13] = (uint8_t)slot;
	out->port = 1;
}

int
via_get(struct session *s, struct link *l, const struct endpoint *remote,
    const uint8_t target[VIA_TARGET_LEN], struct endpoint *out)
{
	static const uint8_t zero[VIA_TARGET_LEN];
	struct via *v, *victim = NULL;
	unsigned i;

	if (target == NULL)
		target = zero;
	for (i = 0; i < VIA_MAX; i++) {
		v = &s->via[i];
		if (v->link == l && endpoint_equal(&v->remote, remote) &&
		    memcmp(v->target, target, VIA_TARGET_LEN) == 0) {
			v->used_ms = session_now_ms(s);
			encode(v, i, out);
			return 0;
		}
		if (victim == NULL || v->link == NULL ||
		    (victim->link != NULL && v->used_ms < victim->used_ms))
			victim = v;
	}
	/* Full: the least recently used path is forgotten (its endpoints go dead). */
	v = victim;
	v->gen++;
	v->link = l;
	v->remote = *remote;
	memcpy(v->target, target, VIA_TARGET_LEN);
	v->used_ms = session_now_ms(s);
	encode(v, (unsigned)(v - s->via), out);
	return 0;
}

struct via *
via_find(struct session *s, const struct endpoint *ep)
{
	struct via *v;
	unsigned slot;

	if (ep->family != ENDPOINT_V6 || ep->addr[0] != 0x01 || ep->addr[8] != VIA_TAG0 ||
	    ep->addr[9] != VIA_TAG1)
		return NULL;
	slot = (unsigned)ep->addr[12] << 8 | ep->addr[13];
	if (slot >= VIA_MAX)
		return NULL;
	v = &s->via[slot];
	if (v->link == NULL || v->link->index != ep->addr[10] || v->gen != ep->addr[11])
		return NULL;
	return v;
}

void
via_drop(struct session *s, const struct link *l, const struct endpoint *remote)
{
	unsigned i;

	for (i = 0; i < VIA_MAX; i++) {
		struct via *v = &s->via[i];

		if (v->link == l && endpoint_equal(&v->remote, remote)) {
			v->link = NULL;
			v->gen++;
		}
	}
}
