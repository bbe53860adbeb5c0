/* SPDX-License-Identifier: GPL-3.0-or-later */
/* net.c — sending on the data socket (net.h). */
#include "config.h"

#include <errno.h>

#include "src/session/core.h"
#include "src/session/net.h"
#include "tunnel/nat/cand.h"

int
net_send_wire(struct session *s, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	if (endpoint_addr_len(to->family) == 0 || via_find(s, to) != NULL)
		return -EINVAL;
	return s->env.wire.send(s->env.wire.arg, to, buf, len);
}

int
net_send(struct session *s, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct via *v = via_find(s, to);

	if (v == NULL)
		return net_send_wire(s, to, buf, len);
	v->used_ms = session_now_ms(s);
	if (v->link->ops->send == NULL)
		return -EINVAL;
	return v->link->ops->send(v->link, v, buf, len);
}

uint16_t
net_port(const struct session *s, unsigned family)
{
	unsigned want = family == ENDPOINT_V4 ? SESSION_WIRE_V4 :
	    family == ENDPOINT_V6 ? SESSION_WIRE_V6 : 0;

	return (s->env.wire.families & want) != 0 ? s->env.wire.port : 0;
}

unsigned
net_families(const struct session *s)
{
	unsigned f = 0;

	if (s->env.wire.families & SESSION_WIRE_V4)
		f |= CAND_GATHER_V4;
	if (s->env.wire.families & SESSION_WIRE_V6)
		f |= CAND_GATHER_V6;
	return f;
}
