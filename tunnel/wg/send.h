/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * send.h — everything that leaves a peer: handshake messages, cookie
 * replies, transport data (ChaCha20-Poly1305, padded to 16) and keepalives.
 */
#ifndef GONET_TUNNEL_SEND_H
#define GONET_TUNNEL_SEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct wg_device;
struct wg_peer;

/*
 * Rate limited to one per REKEY_TIMEOUT. is_retry keeps the attempt count.
 * Returns 0 when sent, -EAGAIN when rate limited, or -errno.
 */
int wg_send_handshake_initiation(struct wg_peer *peer, int is_retry);
void wg_send_handshake_response(struct wg_peer *peer);
/* Reply to the handshake message msg (sender index index) with a cookie. */
void wg_send_handshake_cookie(struct wg_device *dev, const uint8_t *msg, size_t len,
    uint32_t index, const struct sockaddr *to, socklen_t tolen);
/* Sends the staged packets, or a keepalive if none are staged. */
void wg_send_keepalive(struct wg_peer *peer);
/* Encrypts and sends the staged packets if there is a usable session, else starts a handshake. */
void wg_send_staged_packets(struct wg_peer *peer);
/* Adds a copy of pkt to the staged ring (dropping the oldest when full). Returns 0 or -ENOMEM. */
int wg_send_stage(struct wg_peer *peer, const uint8_t *pkt, size_t len);
void wg_send_purge_staged_packets(struct wg_peer *peer);

#endif
