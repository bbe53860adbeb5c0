/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ip.h — inner packets: one UDP datagram in an IPv6 (RFC 8200) or IPv4
 * (RFC 791) packet, built and parsed with every length and checksum checked,
 * and the tunnel address a WireGuard public key maps to.
 *
 * Nothing here allocates or keeps state; all buffers belong to the caller.
 */
#ifndef GONET_IP_H
#define GONET_IP_H

#include <stddef.h>
#include <stdint.h>

enum {
	IP_ADDR_MAX = 16,		/* an IPv4 address uses the first 4 bytes */
	IP6_HEADER_LEN = 40,
	IP4_HEADER_LEN = 20,		/* without options; we never send options */
	IP4_HEADER_MAX = 60,
	UDP_HEADER_LEN = 8,
	IP_PROTO_UDP = 17,
	IP_HOP_LIMIT = 64,
	IP_PACKET_MAX = 65535,		/* IPv4 total length / IPv6 payload length field */
	IP_TUNNEL_PREFIX_LEN = 6,	/* fd67:6f6e:6574::/48 */
	IP_TUNNEL_HASH_LEN = 10		/* the rest of the address */
};

/* The /48 every tunnel address lives in: "fd" + "gonet" in ASCII-ish hex. */
extern const uint8_t ip_tunnel_prefix[IP_TUNNEL_PREFIX_LEN];

/* Wire layout of the headers, all fields big-endian byte arrays (no alignment). */
struct ip6_header {
	uint8_t vtc_flow[4];		/* version 6, traffic class, flow label */
	uint8_t payload_len[2];		/* bytes after this header */
	uint8_t next_header;
	uint8_t hop_limit;
	uint8_t src[16];
	uint8_t dst[16];
};

struct ip4_header {
	uint8_t ver_ihl;		/* version 4, header length in 32-bit words */
	uint8_t tos;
	uint8_t total_len[2];		/* header + payload */
	uint8_t id[2];
	uint8_t frag[2];		/* flags (reserved, DF, MF) and fragment offset */
	uint8_t ttl;
	uint8_t protocol;
	uint8_t checksum[2];
	uint8_t src[4];
	uint8_t dst[4];
};

struct udp_header {
	uint8_t sport[2];
	uint8_t dport[2];
	uint8_t len[2];			/* header + payload */
	uint8_t checksum[2];
};

/* One UDP datagram and its addressing. Ports are in host byte order. */
struct ip_udp {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t src[IP_ADDR_MAX];
	uint8_t dst[IP_ADDR_MAX];
	uint16_t sport;
	uint16_t dport;
	const uint8_t *payload;		/* parse: points into the packet */
	size_t payload_len;
};

/* Why ip_udp_parse rejected a packet. */
enum ip_err {
	IP_OK = 0,
	IP_ERR_SHORT,			/* shorter than the fixed headers */
	IP_ERR_VERSION,			/* not 4 or 6 */
	IP_ERR_HEADER,			/* IPv4 header length < 20 or past the packet, or header checksum */
	IP_ERR_LENGTH,			/* IP length field larger than the packet or too small for UDP */
	IP_ERR_FRAGMENT,		/* IPv4 fragment (MF or offset set) */
	IP_ERR_PROTO,			/* not UDP (IPv6 extension headers included) */
	IP_ERR_UDP_LENGTH,		/* UDP length field disagrees with the IP length */
	IP_ERR_CHECKSUM,		/* UDP checksum wrong (or zero over IPv6) */
	IP_ERR_PORT,			/* destination port 0 */
	IP_ERR__COUNT
};

const char *ip_err_name(enum ip_err e);

/*
 * Build one IPv4 or IPv6 UDP packet for u (u->payload, u->payload_len) into
 * buf. Returns the packet length, or -EMSGSIZE when it does not fit in cap or
 * in the length fields, or -EAFNOSUPPORT for another family.
 */
long ip_udp_build(uint8_t *buf, size_t cap, const struct ip_udp *u);

/*
 * Parse and validate one packet. On IP_OK, out describes it and out->payload
 * points into pkt. Bytes past the IP length field are ignored (WireGuard pads
 * inner packets to a multiple of 16 bytes); a length field past len is an error.
 */
enum ip_err ip_udp_parse(const uint8_t *pkt, size_t len, struct ip_udp *out);

/* The Internet checksum (RFC 1071) of buf, folded, not complemented, added to sum. */
uint32_t ip_checksum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t ip_checksum_fold(uint32_t sum);

/*
 * The tunnel address of a WireGuard public key: fd67:6f6e:6574::/48 followed
 * by the first 10 bytes of BLAKE2b-256(public key). Returns 0, -1 on failure.
 */
int ip_tunnel_addr(const uint8_t public_key[32], uint8_t out[16]);

#endif
