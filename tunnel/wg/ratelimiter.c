/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ratelimiter.c — the token bucket of Linux's ratelimiter.c: tokens are
 * nanoseconds of credit, a packet costs 1 s / 20, the bucket holds 5 packets.
 * The bucket index is a keyed SipHash so a sender cannot aim at one chain.
 * Entries idle for a second are collected at most once a second.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <sodium.h>

#include "tunnel/wg/ratelimiter.h"
#include "tunnel/wg/timers.h"
#include "tunnel/wg/wg.h"

enum {
	PACKET_COST = WG_NS_PER_SEC / RATELIMITER_PACKETS_PER_SECOND,
	TOKEN_MAX = PACKET_COST * RATELIMITER_PACKETS_BURSTABLE
};

int
wg_ratelimiter_init(struct wg_ratelimiter *rl, uint64_t now)
{
	size_t		 i;

	memset(rl, 0, sizeof *rl);
	rl->entries = calloc(RATELIMITER_MAX_ENTRIES, sizeof *rl->entries);
	if (rl->entries == NULL)
		return -1;
	for (i = 0; i < RATELIMITER_MAX_ENTRIES; i++) {
		rl->entries[i].next = rl->free_list;
		rl->free_list = &rl->entries[i];
	}
	randombytes_buf(rl->hash_key, sizeof rl->hash_key);
	rl->last_gc = now;
	return 0;
}

void
wg_ratelimiter_uninit(struct wg_ratelimiter *rl)
{
	free(rl->entries);
	sodium_memzero(rl, sizeof *rl);
}

static void
gc_entries(struct wg_ratelimiter *rl, uint64_t now)
{
	struct wg_ratelimiter_entry	**pp, *e;
	size_t				 i;

	for (i = 0; i < RATELIMITER_BUCKETS; i++) {
		pp = &rl->buckets[i];
		while ((e = *pp) != NULL) {
			if (wg_time_has_passed(e->last_time_ns, WG_NS_PER_SEC, now)) {
				*pp = e->next;
				e->next = rl->free_list;
				rl->free_list = e;
				rl->count--;
			} else
				pp = &e->next;
		}
	}
	rl->last_gc = now;
}

static int
make_key(uint8_t key[9], const struct sockaddr *from)
{
	memset(key, 0, 9);
	if (from->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)from)->sin_addr, 4);
	} else if (from->sa_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)from)->sin6_addr, 8);
	} else
		return -1;
	return 0;
}

int
wg_ratelimiter_allow(struct wg_ratelimiter *rl, const struct sockaddr *from, uint64_t now)
{
	struct wg_ratelimiter_entry	*e;
	uint8_t				 key[9], h[crypto_shorthash_BYTES];
	uint64_t			 tokens, elapsed, b;

	if (make_key(key, from) != 0)
		return 0;
	if (wg_time_has_passed(rl->last_gc, WG_NS_PER_SEC, now))
		gc_entries(rl, now);

	crypto_shorthash(h, key, sizeof key, rl->hash_key);
	memcpy(&b, h, sizeof b);
	b %= RATELIMITER_BUCKETS;

	for (e = rl->buckets[b]; e != NULL; e = e->next) {
		if (memcmp(e->key, key, sizeof key) != 0)
			continue;
		elapsed = (int64_t)(now - e->last_time_ns) < 0 ? 0 : now - e->last_time_ns;
		tokens = e->tokens + elapsed;
		if (tokens > TOKEN_MAX || tokens < e->tokens)
			tokens = TOKEN_MAX;
		e->last_time_ns = now;
		if (tokens < PACKET_COST) {
			e->tokens = tokens;
			return 0;
		}
		e->tokens = tokens - PACKET_COST;
		return 1;
	}

	/* A new source; a full table refuses it rather than evicting. */
	if ((e = rl->free_list) == NULL)
		return 0;
	rl->free_list = e->next;
	memcpy(e->key, key, sizeof key);
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->last_time_ns = now;
	e->next = rl->buckets[b];
	rl->buckets[b] = e;
	rl->count++;
	return 1;
}
