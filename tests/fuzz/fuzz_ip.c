/* fuzz-sources: tunnel/net/ip.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_ip.c — ip_udp_parse on arbitrary bytes. Whatever it accepts must
 * describe a payload inside the input, and rebuilding the datagram from the
 * parsed fields must parse back to the same fields and payload.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tunnel/net/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[IP_PACKET_MAX + 64];
	struct ip_udp u, v;
	uint8_t *copy;
	long n;

	/* An exact-size heap copy, so any read past the end is an ASan report. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (ip_udp_parse(copy, size, &u) == IP_OK) {
		assert(u.family == AF_INET || u.family == AF_INET6);
		assert(u.payload >= copy && u.payload + u.payload_len <= copy + size);
		assert(u.dport != 0);
		n = ip_udp_build(out, sizeof(out), &u);
		assert(n > 0);
		assert(ip_udp_parse(out, (size_t)n, &v) == IP_OK);
		assert(v.family == u.family && v.sport == u.sport && v.dport == u.dport);
		assert(memcmp(v.src, u.src, sizeof(u.src)) == 0);
		assert(memcmp(v.dst, u.dst, sizeof(u.dst)) == 0);
		assert(v.payload_len == u.payload_len);
		assert(memcmp(v.payload, u.payload, u.payload_len) == 0);
	}
	free(copy);
	return 0;
}
