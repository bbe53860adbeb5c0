/* SPDX-License-Identifier: GPL-3.0-or-later */
/* peer_table.c — members by id and by WireGuard key (peer_table.h). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "src/session/peer.h"
#include "src/session/peer_table.h"

static size_t
bucket(const struct peer_table *t, const uint8_t k[32])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, k, 32, t->key);
	memcpy(&v, h, sizeof(v));
	return (size_t)(v & (PEER_TABLE_BUCKETS - 1));
}

void
peer_table_init(struct peer_table *t)
{
	memset(t, 0, sizeof(*t));
	randombytes_buf(t->key, sizeof(t->key));
}

void
peer_table_add(struct peer_table *t, struct peer *p)
{
	size_t i = bucket(t, p->rec.id), w = bucket(t, p->rec.wg);

	p->next_by_id = t->by_id[i];
	t->by_id[i] = p;
	p->next_by_wg = t->by_wg[w];
	t->by_wg[w] = p;
	t->n++;
}

void
peer_table_remove(struct peer_table *t, struct peer *p)
{
	struct peer **pp;
	int found = 0;

	for (pp = &t->by_id[bucket(t, p->rec.id)]; *pp != NULL; pp = &(*pp)->next_by_id) {
		if (*pp == p) {
			*pp = p->next_by_id;
			found = 1;
			break;
		}
	}
	for (pp = &t->by_wg[bucket(t, p->rec.wg)]; *pp != NULL; pp = &(*pp)->next_by_wg) {
		if (*pp == p) {
			*pp = p->next_by_wg;
			break;
		}
	}
	if (found)
		t->n--;
}

struct peer *
peer_table_find_id(const struct peer_table *t, const uint8_t id[32])
{
	struct peer *p;

	for (p = t->by_id[bucket(t, id)]; p != NULL; p = p->next_by_id)
		if (memcmp(p->rec.id, id, 32) == 0)
			return p;
	return NULL;
}

struct peer *
peer_table_find_wg(const struct peer_table *t, const uint8_t wg[32])
{
	struct peer *p;

	for (p = t->by_wg[bucket(t, wg)]; p != NULL; p = p->next_by_wg)
		if (memcmp(p->rec.wg, wg, 32) == 0)
			return p;
	return NULL;
}
