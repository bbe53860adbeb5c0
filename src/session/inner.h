/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * inner.h — the inner packets between our tunnel address and a peer's:
 * IPv6/UDP with the same port at both ends (7777 chat, 7778 peer
 * exchange, 7779 files), sent through the peer's WireGuard session.
 */
#ifndef GONET_SESSION_INNER_H
#define GONET_SESSION_INNER_H

#include <stddef.h>
#include <stdint.h>

struct peer;

/* payload to p's port (0, or -errno from WireGuard; -EMSGSIZE over the MTU). */
int inner_send(struct peer *p, uint16_t port, const uint8_t *payload, size_t len);

#endif
