/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * allowedips.h — a peer's allowed source prefixes for inner packets. A plain
 * list: gonet peers have one or two prefixes each.
 */
#ifndef GONET_TUNNEL_ALLOWEDIPS_H
#define GONET_TUNNEL_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct wg_allowedip {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned	 cidr;
	uint8_t		 addr[16];	/* masked to cidr */
};

struct wg_allowedips {
	struct wg_allowedip	*v;
	size_t			 n;
};

enum {
	WG_ALLOWEDIPS_MAX = 1024
};

void wg_allowedips_init(struct wg_allowedips *a);
void wg_allowedips_free(struct wg_allowedips *a);
/* Returns 0, -EINVAL (family or cidr) or -ENOMEM. */
int wg_allowedips_add(struct wg_allowedips *a, int family, const void *addr, unsigned cidr);
/* 1 if addr (4 or 16 bytes by family) lies inside one of the prefixes. */
int wg_allowedips_match(const struct wg_allowedips *a, int family, const uint8_t *addr);

#endif
