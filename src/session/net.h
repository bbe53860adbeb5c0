/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * net.h — sending on the data socket, as the session sees it (the socket
 * itself is the caller's: struct session_wire). A real address goes out on
 * the wire; a synthetic one (via.h) goes through the link it names.
 */
#ifndef GONET_SESSION_NET_H
#define GONET_SESSION_NET_H

#include <stddef.h>
#include <stdint.h>

struct endpoint;
struct session;

/* To any endpoint: real, or a path through a link. 0 or -errno. */
int net_send(struct session *s, const struct endpoint *to, const uint8_t *buf, size_t len);
/* To a real address only (a link reaching its server or relay). 0 or -errno. */
int net_send_wire(struct session *s, const struct endpoint *to, const uint8_t *buf, size_t len);
/* The data socket's port for an endpoint family (4 or 6); 0 when that family is absent. */
uint16_t net_port(const struct session *s, unsigned family);
/* CAND_GATHER_V4 | CAND_GATHER_V6 for the families the data socket has. */
unsigned net_families(const struct session *s);

#endif
