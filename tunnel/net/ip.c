/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ip.c — inner IPv6/IPv4 UDP packets. The UDP checksum covers a pseudo-header
 * (RFC 8200 8.1 for IPv6: src, dst, upper-layer length, next header; RFC 768
 * for IPv4: src, dst, zero, protocol, UDP length) followed by the UDP header
 * and payload. The parser trusts no length field: each one is compared with
 * the bytes actually present before anything behind it is read.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "tunnel/net/bytes.h"
#include "tunnel/net/ip.h"

const uint8_t ip_tunnel_prefix[IP_TUNNEL_PREFIX_LEN] = { 0xfd, 0x67, 0x6f, 0x6e, 0x65, 0x74 };

static const char *const err_names[IP_ERR__COUNT] = {
	[IP_OK] = "ok",
	[IP_ERR_SHORT] = "short",
	[IP_ERR_VERSION] = "version",
	[IP_ERR_HEADER] = "header",
	[IP_ERR_LENGTH] = "length",
	[IP_ERR_FRAGMENT] = "fragment",
	[IP_ERR_PROTO] = "proto",
	[IP_ERR_UDP_LENGTH] = "udp-length",
	[IP_ERR_CHECKSUM] = "checksum",
	[IP_ERR_PORT] = "port",
};

const char *
ip_err_name(enum ip_err e)
{
	if ((unsigned)e >= IP_ERR__COUNT)
		return "unknown";
	return err_names[e];
}

/* Sum 16-bit big-endian words; an odd final byte is padded with zero. Only
 * the last chunk of a running sum may have an odd length. */
uint32_t
ip_checksum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len & 1)
		s += (uint32_t)buf[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
ip_checksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the pseudo-header for a UDP segment of udp_len bytes. */
static uint32_t
pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, size_t udp_len)
{
	uint8_t tail[8];
	uint32_t sum;

	if (family == AF_INET6) {
		/* upper-layer length (32 bits), 3 zero bytes, next header */
		sum = ip_checksum_add(0, src, 16);
		sum = ip_checksum_add(sum, dst, 16);
		tail[0] = (uint8_t)(udp_len >> 24);
		tail[1] = (uint8_t)(udp_len >> 16);
		tail[2] = (uint8_t)(udp_len >> 8);
		tail[3] = (uint8_t)udp_len;
		tail[4] = tail[5] = tail[6] = 0;
		tail[7] = IP_PROTO_UDP;
		return ip_checksum_add(sum, tail, 8);
	}
	/* zero, protocol, UDP length (16 bits) */
	sum = ip_checksum_add(0, src, 4);
	sum = ip_checksum_add(sum, dst, 4);
	tail[0] = 0;
	tail[1] = IP_PROTO_UDP;
	tail[2] = (uint8_t)(udp_len >> 8);
	tail[3] = (uint8_t)udp_len;
	return ip_checksum_add(sum, tail, 4);
}

/* The checksum field value for a UDP segment whose checksum field is zero. */
static uint16_t
udp_checksum(int family, const uint8_t *src, const uint8_t *dst, const uint8_t *udp, size_t udp_len)
{
	uint16_t c;

	c = (uint16_t)~ip_checksum_fold(ip_checksum_add(pseudo_sum(family, src, dst, udp_len),
	    udp, udp_len));
	/* A computed zero is sent as all ones: zero means "no checksum" (RFC 768). */
	return c == 0 ? 0xffff : c;
}

long
ip_udp_build(uint8_t *buf, size_t cap, const struct ip_udp *u)
{
	struct udp_header uh;
	size_t hlen, udp_len, total;
	uint8_t *udp;

	if (u->family == AF_INET6)
		hlen = IP6_HEADER_LEN;
	else if (u->family == AF_INET)
		hlen = IP4_HEADER_LEN;
	else
		return -EAFNOSUPPORT;
	if (u->payload_len > IP_PACKET_MAX - UDP_HEADER_LEN - IP4_HEADER_LEN)
		return -EMSGSIZE;
	udp_len = UDP_HEADER_LEN + u->payload_len;
	total = hlen + udp_len;
	if (total > cap)
		return -EMSGSIZE;
	/* First, and memmove: the payload may already sit in buf (built in place). */
	if (u->payload_len > 0)
		memmove(buf + hlen + UDP_HEADER_LEN, u->payload, u->payload_len);

	if (u->family == AF_INET6) {
		struct ip6_header h;

		memset(&h, 0, sizeof(h));
		h.vtc_flow[0] = 6 << 4;
		bytes_put16(h.payload_len, (uint16_t)udp_len);
		h.next_header = IP_PROTO_UDP;
		h.hop_limit = IP_HOP_LIMIT;
		memcpy(h.src, u->src, 16);
		memcpy(h.dst, u->dst, 16);
		memcpy(buf, &h, sizeof(h));
	} else {
		struct ip4_header h;

		memset(&h, 0, sizeof(h));
		h.ver_ihl = 4 << 4 | IP4_HEADER_LEN / 4;
		bytes_put16(h.total_len, (uint16_t)total);
		bytes_put16(h.frag, 0x4000);	/* DF: the outer path fragments, not us */
		h.ttl = IP_HOP_LIMIT;
		h.protocol = IP_PROTO_UDP;
		memcpy(h.src, u->src, 4);
		memcpy(h.dst, u->dst, 4);
		bytes_put16(h.checksum, (uint16_t)~ip_checksum_fold(
		    ip_checksum_add(0, (const uint8_t *)&h, sizeof(h))));
		memcpy(buf, &h, sizeof(h));
	}

	udp = buf + hlen;
	bytes_put16(uh.sport, u->sport);
	bytes_put16(uh.dport, u->dport);
	bytes_put16(uh.len, (uint16_t)udp_len);
	bytes_put16(uh.checksum, 0);
	memcpy(udp, &uh, sizeof(uh));
	bytes_put16(uh.checksum, udp_checksum(u->family, u->src, u->dst, udp, udp_len));
	memcpy(udp, &uh, sizeof(uh));
	return (long)total;
}

/* IPv6: fixed header, UDP directly behind it (no extension headers). */
static enum ip_err
parse6(const uint8_t *pkt, size_t len, struct ip_udp *out, const uint8_t **udp, size_t *udp_len)
{
	struct ip6_header h;
	size_t plen;

	if (len < IP6_HEADER_LEN)
		return IP_ERR_SHORT;
	memcpy(&h, pkt, sizeof(h));
	plen = bytes_get16(h.payload_len);
	/* Zero would be a jumbogram (RFC 2675): never ours. */
	if (plen > len - IP6_HEADER_LEN || plen < UDP_HEADER_LEN)
		return IP_ERR_LENGTH;
	if (h.next_header != IP_PROTO_UDP)
		return IP_ERR_PROTO;
	out->family = AF_INET6;
	memcpy(out->src, h.src, 16);
	memcpy(out->dst, h.dst, 16);
	*udp = pkt + IP6_HEADER_LEN;
	*udp_len = plen;
	return IP_OK;
}

/* IPv4: header checksum, options skipped, fragments refused. */
static enum ip_err
parse4(const uint8_t *pkt, size_t len, struct ip_udp *out, const uint8_t **udp, size_t *udp_len)
{
	struct ip4_header h;
	size_t hlen, total;

	if (len < IP4_HEADER_LEN)
		return IP_ERR_SHORT;
	memcpy(&h, pkt, sizeof(h));
	hlen = (size_t)(h.ver_ihl & 0x0f) * 4;
	if (hlen < IP4_HEADER_LEN || hlen > len)
		return IP_ERR_HEADER;
	if (ip_checksum_fold(ip_checksum_add(0, pkt, hlen)) != 0xffff)
		return IP_ERR_HEADER;
	total = bytes_get16(h.total_len);
	if (total > len || total < hlen + UDP_HEADER_LEN)
		return IP_ERR_LENGTH;
	if (bytes_get16(h.frag) & 0x3fff)		/* MF or a fragment offset */
		return IP_ERR_FRAGMENT;
	if (h.protocol != IP_PROTO_UDP)
		return IP_ERR_PROTO;
	out->family = AF_INET;
	memset(out->src, 0, sizeof(out->src));
	memset(out->dst, 0, sizeof(out->dst));
	memcpy(out->src, h.src, 4);
	memcpy(out->dst, h.dst, 4);
	*udp = pkt + hlen;
	*udp_len = total - hlen;
	return IP_OK;
}

enum ip_err
ip_udp_parse(const uint8_t *pkt, size_t len, struct ip_udp *out)
{
	struct udp_header uh;
	const uint8_t *udp = NULL;
	size_t udp_len = 0;
	uint16_t csum;
	enum ip_err e;

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return IP_ERR_SHORT;
	switch (pkt[0] >> 4) {
	case 6:
		e = parse6(pkt, len, out, &udp, &udp_len);
		break;
	case 4:
		e = parse4(pkt, len, out, &udp, &udp_len);
		break;
	default:
		return IP_ERR_VERSION;
	}
	if (e != IP_OK)
		goto fail;

	/* udp_len >= UDP_HEADER_LEN and udp + udp_len <= pkt + len: checked above. */
	memcpy(&uh, udp, sizeof(uh));
	if (bytes_get16(uh.len) != udp_len) {
		/* The datagram is reporting a size other than the one the IP layer carried. */
		e = IP_ERR_UDP_LENGTH;
		goto fail;
	}
	csum = bytes_get16(uh.checksum);
	if (csum == 0) {
		/* "No checksum": legal over IPv4 (RFC 768), forbidden over IPv6 (RFC 8200). */
		if (out->family == AF_INET6) {
			e = IP_ERR_CHECKSUM;
			goto fail;
		}
	} else if (ip_checksum_fold(ip_checksum_add(pseudo_sum(out->family, out->src, out->dst,
	    udp_len), udp, udp_len)) != 0xffff) {
		e = IP_ERR_CHECKSUM;
		goto fail;
	}
	out->sport = bytes_get16(uh.sport);
	out->dport = bytes_get16(uh.dport);
	if (out->dport == 0) {
		e = IP_ERR_PORT;
		goto fail;
	}
	out->payload = udp + UDP_HEADER_LEN;
	out->payload_len = udp_len - UDP_HEADER_LEN;
	return IP_OK;

fail:
	memset(out, 0, sizeof(*out));
	return e;
}

int
ip_tunnel_addr(const uint8_t public_key[32], uint8_t out[16])
{
	uint8_t h[32];

	/* BLAKE2b with a 256-bit output length, not a truncated BLAKE2b-512. */
	if (crypto_generichash(h, sizeof(h), public_key, 32, NULL, 0) != 0)
		return -1;
	memcpy(out, ip_tunnel_prefix, IP_TUNNEL_PREFIX_LEN);
	memcpy(out + IP_TUNNEL_PREFIX_LEN, h, IP_TUNNEL_HASH_LEN);
	sodium_memzero(h, sizeof(h));
	return 0;
}
