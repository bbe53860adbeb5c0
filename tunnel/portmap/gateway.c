/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gateway.c — the default gateway from /proc/net/route's text (gateway.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/portmap/gateway.h"

enum {
	RTF_UP_ = 0x1,
	RTF_GATEWAY_ = 0x2
};

/* One line: Iface Destination Gateway Flags RefCnt Use Metric Mask ...; 0 if a default route. */
static int
parse_line(const char *line, uint32_t *gw, unsigned long *metric)
{
	char ifname[32];
	unsigned long dst, gwv, flags, refcnt, use, met, mask;

	if (sscanf(line, "%31s %lx %lx %lx %lu %lu %lu %lx", ifname, &dst, &gwv, &flags, &refcnt,
	    &use, &met, &mask) != 8)
		return -1;
	if (dst != 0 || mask != 0 || (flags & (RTF_UP_ | RTF_GATEWAY_)) != (RTF_UP_ | RTF_GATEWAY_) ||
	    gwv == 0 || gwv > 0xffffffffUL)
		return -1;
	*gw = (uint32_t)gwv;
	*metric = met;
	return 0;
}

int
portmap_gateway_parse(const char *text, size_t len, uint8_t gw[4])
{
	char line[GATEWAY_LINE_MAX];
	unsigned long best_metric = 0, metric;
	size_t pos = 0, n;
	unsigned lines = 0;
	uint32_t v, best = 0;
	int found = 0;

	while (pos < len && lines++ < GATEWAY_LINES_MAX) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		n = (nl != NULL ? (size_t)(nl - (text + pos)) : len - pos);
		if (n < sizeof(line) && lines > 1) {	/* the first line is the header */
			memcpy(line, text + pos, n);
			line[n] = '\0';
			if (parse_line(line, &v, &metric) == 0 && (!found || metric < best_metric)) {
				best = v;
				best_metric = metric;
				found = 1;
			}
		}
		pos += n + 1;
	}
	if (!found)
		return -1;
	/* The kernel prints the address as a host-order word of network-order bytes (little-endian). */
	gw[0] = (uint8_t)best;
	gw[1] = (uint8_t)(best >> 8);
	gw[2] = (uint8_t)(best >> 16);
	gw[3] = (uint8_t)(best >> 24);
	return 0;
}
