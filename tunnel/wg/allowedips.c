/* SPDX-License-Identifier: GPL-3.0-or-later */
/* allowedips.c — prefix list matching for inner source addresses. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tunnel/wg/allowedips.h"

static size_t
family_len(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

static int
prefix_match(const uint8_t *a, const uint8_t *b, unsigned cidr)
{
	unsigned	 bytes = cidr / 8, bits = cidr % 8;
	uint8_t		 mask;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

void
wg_allowedips_init(struct wg_allowedips *a)
{
	a->v = NULL;
	a->n = 0;
}

void
wg_allowedips_free(struct wg_allowedips *a)
{
	free(a->v);
	wg_allowedips_init(a);
}

int
wg_allowedips_add(struct wg_allowedips *a, int family, const void *addr, unsigned cidr)
{
	struct wg_allowedip	*v, *e;
	size_t			 len = family_len(family), i;

	if (len == 0 || cidr > len * 8 || addr == NULL)
		return -EINVAL;
	for (i = 0; i < a->n; i++) {
		if (a->v[i].family == family && a->v[i].cidr == cidr &&
		    prefix_match(a->v[i].addr, addr, cidr))
			return 0;	/* already there */
	}
	if (a->n >= WG_ALLOWEDIPS_MAX)
		return -ENOMEM;
	if ((v = realloc(a->v, (a->n + 1) * sizeof *v)) == NULL)
		return -ENOMEM;
	a->v = v;
	e = &a->v[a->n++];
	memset(e, 0, sizeof *e);
	e->family = family;
	e->cidr = cidr;
	memcpy(e->addr, addr, len);
	/* Keep the stored address masked. */
	for (i = 0; i < len; i++) {
		if (i * 8 >= cidr)
			e->addr[i] = 0;
		else if (i * 8 + 8 > cidr)
			e->addr[i] &= (uint8_t)(0xff << (8 - cidr % 8));
	}
	return 0;
}

int
wg_allowedips_match(const struct wg_allowedips *a, int family, const uint8_t *addr)
{
	size_t		 i;

	for (i = 0; i < a->n; i++) {
		if (a->v[i].family == family && prefix_match(a->v[i].addr, addr, a->v[i].cidr))
			return 1;
	}
	return 0;
}
