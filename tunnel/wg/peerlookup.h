/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * peerlookup.h — the device's peers by static public key, after Linux's
 * peerlookup.c (its pubkey table; our index table is index.c). A plain list
 * linked through wg_peer.next: gonet devices have a handful of peers. Every
 * peer is on it from wg_peer_new() to wg_peer_free(), and it is also the
 * list the device walks for timers and teardown.
 */
#ifndef GONET_TUNNEL_PEERLOOKUP_H
#define GONET_TUNNEL_PEERLOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/wg/messages.h"

struct wg_peer;

struct wg_pubkey_table {
	struct wg_peer	*head;
	size_t		 count;
};

void wg_pubkey_table_init(struct wg_pubkey_table *t);
/* peer must not be on the table yet; it goes first. */
void wg_pubkey_table_add(struct wg_pubkey_table *t, struct wg_peer *peer);
/* Does nothing if peer is not on the table. */
void wg_pubkey_table_remove(struct wg_pubkey_table *t, struct wg_peer *peer);
/* The peer with this static key (each compared in constant time), or NULL. */
struct wg_peer *wg_pubkey_table_lookup(const struct wg_pubkey_table *t,
    const uint8_t public_key[NOISE_PUBLIC_KEY_LEN]);

#endif
