/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * demux.h — what a datagram on the data socket is, from its first bytes
 * (doc/PROTOCOL.md "Data socket, STUN and probes"):
 *
 *   byte 0 = F0                                       gonet probe
 *   byte 0 in 1..4, bytes 1..3 zero (len >= 4)        WireGuard
 *   len >= 20, bytes 4..7 = 21 12 A4 42,
 *     top two bits of byte 0 zero                     STUN (RFC 8489)
 *   anything else                                     other (dropped, counted)
 *
 * WireGuard is tested before STUN: a WireGuard message whose index happens to
 * be 0x2112A442 stays WireGuard, and no STUN Binding message can look like
 * WireGuard (its byte 1 has low nibble 1, the Binding method). The classes are
 * disjoint for every message gonet exchanges. Classifying checks no more than
 * this; each parser then checks its own message in full.
 */
#ifndef GONET_DEMUX_H
#define GONET_DEMUX_H

#include <stddef.h>
#include <stdint.h>

enum demux_kind {
	DEMUX_OTHER = 0,
	DEMUX_STUN,
	DEMUX_WG,
	DEMUX_PROBE,
	DEMUX__COUNT
};

enum {
	DEMUX_STUN_MIN = 20,		/* STUN header */
	DEMUX_WG_MIN = 4,		/* type byte and three reserved zero bytes */
	DEMUX_PROBE_MAGIC = 0xF0,
	DEMUX_WG_TYPE_MAX = 4
};

struct demux_stats {
	uint64_t packets[DEMUX__COUNT];
	uint64_t bytes[DEMUX__COUNT];
};

enum demux_kind demux_classify(const uint8_t *buf, size_t len);
/* demux_classify, and count the datagram under its kind. */
enum demux_kind demux_input(struct demux_stats *st, const uint8_t *buf, size_t len);
/* "other", "stun", "wg", "probe". */
const char *demux_kind_name(enum demux_kind k);

#endif
