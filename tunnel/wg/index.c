/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * index.c — local index table. Indexes are random, so the low bits make a
 * fair hash; a chained table keeps removal O(chain).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/wg/index.h"

static struct wg_index_entry **
bucket(const struct wg_index_table *t, uint32_t index)
{
	return (struct wg_index_entry **)&t->buckets[index & (WG_INDEX_BUCKETS - 1)];
}

void
wg_index_table_init(struct wg_index_table *t)
{
	memset(t, 0, sizeof *t);
}

struct wg_index_entry *
wg_index_table_lookup(const struct wg_index_table *t, unsigned types, uint32_t index)
{
	struct wg_index_entry	*e;

	for (e = *bucket(t, index); e != NULL; e = e->next) {
		if (e->index == index)
			return (e->type & types) ? e : NULL;
	}
	return NULL;
}

static void
link_entry(struct wg_index_table *t, struct wg_index_entry *entry)
{
	struct wg_index_entry	**b = bucket(t, entry->index);

	entry->next = *b;
	*b = entry;
	entry->hashed = 1;
	t->count++;
}

void
wg_index_table_remove(struct wg_index_table *t, struct wg_index_entry *entry)
{
	struct wg_index_entry	**pp;

	if (!entry->hashed)
		return;
	for (pp = bucket(t, entry->index); *pp != NULL; pp = &(*pp)->next) {
		if (*pp == entry) {
			*pp = entry->next;
			t->count--;
			break;
		}
	}
	entry->next = NULL;
	entry->hashed = 0;
}

uint32_t
wg_index_table_insert(struct wg_index_table *t, struct wg_index_entry *entry)
{
	uint32_t	 index;

	wg_index_table_remove(t, entry);
	do
		index = randombytes_random();
	while (wg_index_table_lookup(t, WG_INDEX_HANDSHAKE | WG_INDEX_KEYPAIR, index) != NULL);
	entry->index = index;
	link_entry(t, entry);
	return index;
}

void
wg_index_table_replace(struct wg_index_table *t, struct wg_index_entry *old,
    struct wg_index_entry *new)
{
	wg_index_table_remove(t, new);
	if (!old->hashed)
		return;
	new->index = old->index;
	wg_index_table_remove(t, old);
	link_entry(t, new);
}
