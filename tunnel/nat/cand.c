/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cand.c — candidate lists, host gathering and punch pairs; see cand.h. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>

#include "tunnel/nat/cand.h"

const char *
cand_type_name(enum cand_type t)
{
	switch (t) {
	case CAND_TYPE_HOST:
		return "host";
	case CAND_TYPE_SRFLX:
		return "srflx";
	case CAND_TYPE_DHT:
		return "dht";
	case CAND_TYPE_MAPPED:
		return "mapped";
	case CAND_TYPE_RELAY:
		return "relay";
	case CAND_TYPE__COUNT:
		break;
	}
	return "?";
}

unsigned
cand_type_preference(enum cand_type t)
{
	switch (t) {
	case CAND_TYPE_HOST:
		return 5;
	case CAND_TYPE_MAPPED:
		return 4;
	case CAND_TYPE_SRFLX:
		return 3;
	case CAND_TYPE_DHT:
		return 2;
	case CAND_TYPE_RELAY:
		return 1;
	case CAND_TYPE__COUNT:
		break;
	}
	return 0;
}

/* Negative when a sorts before b. */
static int
cand_compare(const struct cand_entry *a, const struct cand_entry *b)
{
	unsigned pa = cand_type_preference(a->type), pb = cand_type_preference(b->type);

	if (pa != pb)
		return pa > pb ? -1 : 1;
	if (a->ep.family != b->ep.family)
		return a->ep.family == ENDPOINT_V6 ? -1 : 1;
	return endpoint_compare(&a->ep, &b->ep);
}

void
cand_list_init(struct cand_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
cand_list_sort(struct cand_list *l)
{
	unsigned i, j;

	/* Insertion sort: a few dozen entries at most. */
	for (i = 1; i < l->n; i++) {
		struct cand_entry x = l->c[i];

		for (j = i; j > 0 && cand_compare(&x, &l->c[j - 1]) < 0; j--)
			l->c[j] = l->c[j - 1];
		l->c[j] = x;
	}
}

int
cand_list_add(struct cand_list *l, enum cand_type type, const struct endpoint *ep,
    int allow_loopback)
{
	unsigned i;

	if ((unsigned)type >= CAND_TYPE__COUNT || !endpoint_is_usable(ep, allow_loopback))
		return -1;
	for (i = 0; i < l->n; i++) {
		if (!endpoint_equal(&l->c[i].ep, ep))
			continue;
		if (cand_type_preference(type) > cand_type_preference(l->c[i].type)) {
			l->c[i].type = type;	/* e.g. a DHT-seen address that is a port mapping */
			cand_list_sort(l);
			return 1;
		}
		return 0;
	}
	if (l->n >= CAND_LIST_MAX)
		return -1;
	l->c[l->n].type = type;
	l->c[l->n].ep = *ep;
	l->n++;
	cand_list_sort(l);
	return 1;
}

/* Bytes of the private network's prefix (IPv4 /16, IPv6 /48), 0 if not private. */
static size_t
private_prefix(const struct endpoint *ep)
{
	const uint8_t *a = ep->addr;

	if (ep->family == ENDPOINT_V4 && (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64)))
		return 2;
	if (ep->family == ENDPOINT_V6 && (a[0] & 0xfe) == 0xfc)
		return 6;
	return 0;
}

int
cand_remote_plausible(const struct endpoint *remote, const struct cand_list *ours,
    int allow_loopback)
{
	size_t pfx;
	unsigned i;

	if (!endpoint_is_usable(remote, allow_loopback))
		return 0;
	if (endpoint_is_loopback(remote) || (pfx = private_prefix(remote)) == 0)
		return 1;
	for (i = 0; i < ours->n; i++) {
		const struct endpoint *o = &ours->c[i].ep;

		if (ours->c[i].type == CAND_TYPE_HOST && o->family == remote->family &&
		    memcmp(o->addr, remote->addr, pfx) == 0)
			return 1;
	}
	return 0;
}

void
cand_list_remove_type(struct cand_list *l, enum cand_type type)
{
	unsigned i, j = 0;

	for (i = 0; i < l->n; i++)
		if (l->c[i].type != type)
			l->c[j++] = l->c[i];
	l->n = j;
}

unsigned
cand_list_select(const struct cand_list *l, struct cand_entry *out, unsigned max)
{
	unsigned i, n = 0, nonhost = 0, host_room;
	struct cand_list tmp;

	for (i = 0; i < l->n; i++)
		if (l->c[i].type != CAND_TYPE_HOST)
			nonhost++;
	host_room = max > nonhost ? max - nonhost : 0;
	tmp.n = 0;
	for (i = 0; i < l->n; i++) {
		if (l->c[i].type == CAND_TYPE_HOST) {
			if (host_room == 0)
				continue;
			host_room--;
		}
		tmp.c[tmp.n++] = l->c[i];
	}
	/* l is sorted, so tmp is too; non-host beyond max drop from the tail (relay last). */
	for (i = 0; i < tmp.n && n < max; i++)
		out[n++] = tmp.c[i];
	return n;
}

int
cand_list_equal(const struct cand_list *a, const struct cand_list *b)
{
	unsigned i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->c[i].type != b->c[i].type || !endpoint_equal(&a->c[i].ep, &b->c[i].ep))
			return 0;
	return 1;
}

int
cand_gather_host(struct cand_list *l, uint16_t port4, uint16_t port6, unsigned flags)
{
	struct ifaddrs *ifa0, *ifa;
	struct endpoint ep;
	int added = 0, allow_lo = (flags & CAND_GATHER_LOOPBACK) != 0;

	if (getifaddrs(&ifa0) != 0)
		return -errno;
	for (ifa = ifa0; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP))
			continue;
		if ((ifa->ifa_flags & IFF_LOOPBACK) && !allow_lo)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET) {
			if (!(flags & CAND_GATHER_V4) || port4 == 0)
				continue;
			if (endpoint_from_sockaddr(&ep, ifa->ifa_addr, sizeof(struct sockaddr_in)) != 0)
				continue;
			ep.port = port4;
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			if (!(flags & CAND_GATHER_V6) || port6 == 0)
				continue;
			if (endpoint_from_sockaddr(&ep, ifa->ifa_addr, sizeof(struct sockaddr_in6)) != 0 ||
			    ep.family != ENDPOINT_V6)
				continue;
			ep.port = port6;
		} else {
			continue;
		}
		/* cand_list_add skips unspecified, multicast, link-local and (unless asked) loopback. */
		if (cand_list_add(l, CAND_TYPE_HOST, &ep, allow_lo) == 1)
			added++;
	}
	freeifaddrs(ifa0);
	return added;
}

unsigned
cand_pairs_build(const struct cand_entry *remote, unsigned nremote, unsigned families,
    struct cand_pair *out, unsigned max)
{
	struct cand_list sorted;
	unsigned i, j, n = 0;

	/* Sort a copy so the pairs come in the remote's preference order. */
	cand_list_init(&sorted);
	for (i = 0; i < nremote && sorted.n < CAND_LIST_MAX; i++)
		sorted.c[sorted.n++] = remote[i];
	cand_list_sort(&sorted);
	for (i = 0; i < sorted.n && n < max; i++) {
		const struct cand_entry *r = &sorted.c[i];

		if (r->ep.family == ENDPOINT_V4 && !(families & CAND_GATHER_V4))
			continue;
		if (r->ep.family == ENDPOINT_V6 && !(families & CAND_GATHER_V6))
			continue;
		if ((unsigned)r->type >= CAND_TYPE__COUNT || endpoint_addr_len(r->ep.family) == 0 ||
		    r->ep.port == 0)
			continue;
		for (j = 0; j < n; j++)
			if (endpoint_equal(&out[j].remote, &r->ep))
				break;
		if (j < n)
			continue;	/* the same address under two kinds: one pair */
		out[n].remote_type = r->type;
		out[n].remote = r->ep;
		n++;
	}
	return n;
}
