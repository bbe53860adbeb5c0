/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gateway.h — the default IPv4 gateway, from the text of Linux's
 * /proc/net/route (the caller reads the file; this only parses): the up,
 * gateway-flagged route to 0.0.0.0/0 with the lowest metric.
 */
#ifndef GONET_PORTMAP_GATEWAY_H
#define GONET_PORTMAP_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

enum {
	GATEWAY_LINE_MAX = 256,		/* longer lines are skipped */
	GATEWAY_LINES_MAX = 4096	/* a routing table longer than this is not read further */
};

/* 0 and the gateway in gw (network order), or -1 when there is no default gateway. */
int portmap_gateway_parse(const char *text, size_t len, uint8_t gw[4]);

#endif
