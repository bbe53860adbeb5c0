/* SPDX-License-Identifier: GPL-3.0-or-later */
/* peerlookup.c — the device's peers by static public key (see peerlookup.h). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/wg/peer.h"
#include "tunnel/wg/peerlookup.h"

void
wg_pubkey_table_init(struct wg_pubkey_table *t)
{
	memset(t, 0, sizeof *t);
}

void
wg_pubkey_table_add(struct wg_pubkey_table *t, struct wg_peer *peer)
{
	peer->next = t->head;
	t->head = peer;
	t->count++;
}

void
wg_pubkey_table_remove(struct wg_pubkey_table *t, struct wg_peer *peer)
{
	struct wg_peer	**pp;

	for (pp = &t->head; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == peer) {
			*pp = peer->next;
			t->count--;
			return;
		}
	}
}

struct wg_peer *
wg_pubkey_table_lookup(const struct wg_pubkey_table *t,
    const uint8_t public_key[NOISE_PUBLIC_KEY_LEN])
{
	struct wg_peer	*peer;

	for (peer = t->head; peer != NULL; peer = peer->next) {
		if (sodium_memcmp(peer->public_key, public_key, NOISE_PUBLIC_KEY_LEN) == 0)
			return peer;
	}
	return NULL;
}
