/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * direct.c — the direct path kind: our data socket to one of the peer's own
 * addresses, found by punching (path.c). It has no synthetic endpoints; the
 * policy seeks it again (every FALLBACK_RETRY_MS) while the peer is reached
 * only through a relay, TURN or the DHT mailbox.
 */
#include "config.h"

#include "src/session/link.h"
#include "src/session/peer.h"

static void
seek(struct link *l, struct peer *p)
{
	(void)l;
	peer_retry_direct(p);
}

const struct link_ops link_direct_ops = {
	.kind = LINK_DIRECT,
	.name = LINK_NAME_DIRECT,
	.cost = LINK_COST_DIRECT,
	.seek = seek
};
