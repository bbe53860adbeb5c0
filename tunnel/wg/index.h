/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * index.h — the device's table of local session indexes: random 32-bit
 * values, unique within the device, each naming either a handshake in
 * progress or a keypair. Entries are embedded in their owners.
 */
#ifndef GONET_TUNNEL_INDEX_H
#define GONET_TUNNEL_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct wg_peer;

enum wg_index_type {
	WG_INDEX_HANDSHAKE = 1 << 0,
	WG_INDEX_KEYPAIR = 1 << 1
};

enum {
	WG_INDEX_BUCKETS = 1 << 12
};

struct wg_index_entry {
	struct wg_index_entry	*next;		/* bucket chain */
	struct wg_peer		*peer;
	uint32_t		 index;
	enum wg_index_type	 type;
	int			 hashed;
};

struct wg_index_table {
	struct wg_index_entry	*buckets[WG_INDEX_BUCKETS];
	size_t			 count;
};

void wg_index_table_init(struct wg_index_table *t);
/* Gives entry a fresh random index (removing its old one first); returns it. */
uint32_t wg_index_table_insert(struct wg_index_table *t, struct wg_index_entry *entry);
/* new takes over old's index; old leaves the table. */
void wg_index_table_replace(struct wg_index_table *t, struct wg_index_entry *old,
    struct wg_index_entry *new);
void wg_index_table_remove(struct wg_index_table *t, struct wg_index_entry *entry);
/* types is a mask of enum wg_index_type. */
struct wg_index_entry *wg_index_table_lookup(const struct wg_index_table *t, unsigned types,
    uint32_t index);

#endif
