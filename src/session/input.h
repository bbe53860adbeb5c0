/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * input.h — what arrives on the data socket: every datagram goes to the
 * links first (a TURN server's traffic, peer relay messages), then is
 * classified (tunnel/net/demux.h) and handed to WireGuard, the STUN servers
 * or the probes; anything else is dropped and counted. A datagram that came
 * through a link comes back here with the link's synthetic endpoint as its
 * source, so WireGuard roams onto that path like onto any address.
 *
 * Verified pings are answered whoever sent them (the MAC proves room
 * membership; the pong carries the source address, so every peer is a STUN
 * server for the others). Pongs go to the punching of the peer whose
 * WireGuard key sent them.
 */
#ifndef GONET_SESSION_INPUT_H
#define GONET_SESSION_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct endpoint;
struct session;

/* One datagram; buf is scratch (WireGuard decrypts in place). */
void input_datagram(struct session *s, const struct endpoint *from, uint8_t *buf, size_t len);

#endif
