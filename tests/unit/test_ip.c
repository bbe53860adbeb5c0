/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_ip.c — tunnel/net/ip.c: known-answer checksums, round trips, and
 * rejection of every malformed shape the parser names.
 *
 * The known packets were captured from the Linux stack on lo in a network
 * namespace (python socket sendto, AF_PACKET capture). lo uses checksum
 * offload, so the captured UDP checksum fields held only the pseudo-header
 * partial sum (0x0020 and 0xfe22); the complete values below were computed by
 * hand, RFC 1071 style, and cross-checked with an independent Python sum:
 *
 *   IPv6 ::1.4242 -> ::1.7777 "gonet":
 *     pseudo  0001 + 0001 + 000d (length) + 0011 (next header)      = 0020
 *     udp     1092 + 1e61 + 000d + 0000                              = 2f00
 *     data    676f + 6e65 + 7400                                     = 149d4 -> 49d5
 *     sum     0020 + 2f00 + 49d5 = 78f5; ~78f5                       = 870a
 *   IPv4 127.0.0.1.4242 -> 127.0.0.1.7777 "hello!!":
 *     pseudo  7f00 + 0001 + 7f00 + 0001 + 0011 + 000f                = fe22
 *     udp     1092 + 1e61 + 000f + 0000                              = 2f02
 *     data    6865 + 6c6c + 6f21 + 2100                              = 164f2
 *     sum     fe22 + 2f02 + 164f2 = 29216 -> 9218; ~9218             = 6de7
 *   The IPv4 header checksum 44b6 is the kernel's own (computed in software).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <sodium.h>

#include "tunnel/net/ip.h"
#include "tests/check.h"

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (hex[0] && hex[1] && n < cap) {
		if (sscanf(hex, "%2x", &v) != 1)
			abort();
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static const char kernel6[] =
    "600d4d81000d1140"
    "00000000000000000000000000000001"
    "00000000000000000000000000000001"
    "10921e61000d870a"
    "676f6e6574";
static const char kernel4[] =
    "45000023f8114000401144b67f0000017f000001"
    "10921e61000f6de7"
    "68656c6c6f2121";

static void
test_known_ipv6(void)
{
	uint8_t pkt[128], built[128];
	struct ip_udp u;
	size_t n = unhex(kernel6, pkt, sizeof(pkt));
	long m;

	CHECK(ip_udp_parse(pkt, n, &u) == IP_OK);
	CHECK(u.family == AF_INET6);
	CHECK(u.sport == 4242 && u.dport == 7777);
	CHECK(u.payload_len == 5 && memcmp(u.payload, "gonet", 5) == 0);
	CHECK(u.src[15] == 1 && u.dst[15] == 1);

	/* Our builder sends flow label 0; everything else, checksum included, matches. */
	m = ip_udp_build(built, sizeof(built), &u);
	CHECK(m == (long)n);
	CHECK(built[0] == 0x60 && built[1] == 0 && built[2] == 0 && built[3] == 0);
	CHECK(memcmp(built + 4, pkt + 4, n - 4) == 0);
	CHECK(built[46] == 0x87 && built[47] == 0x0a);
}

static void
test_known_ipv4(void)
{
	uint8_t pkt[128], built[128];
	struct ip_udp u;
	size_t n = unhex(kernel4, pkt, sizeof(pkt));
	long m;

	CHECK(ip_udp_parse(pkt, n, &u) == IP_OK);
	CHECK(u.family == AF_INET);
	CHECK(u.sport == 4242 && u.dport == 7777);
	CHECK(u.payload_len == 7 && memcmp(u.payload, "hello!!", 7) == 0);
	CHECK(memcmp(u.src, "\x7f\0\0\x01", 4) == 0 && memcmp(u.dst, "\x7f\0\0\x01", 4) == 0);

	/* We send id 0, so the header checksum differs by exactly the id word. */
	m = ip_udp_build(built, sizeof(built), &u);
	CHECK(m == (long)n);
	CHECK(memcmp(built + 20, pkt + 20, n - 20) == 0);
	CHECK(built[4] == 0 && built[5] == 0);
	CHECK(ip_checksum_fold(ip_checksum_add(0, built, 20)) == 0xffff);
	/* ~(~0x44b6 - 0xf811) in one's complement: 0x44b6 + 0xf811 = 0x13cc7 -> 0x3cc8 */
	CHECK(built[10] == 0x3c && built[11] == 0xc8);
}

/* RFC 1071 and the textbook header (Wikipedia "IPv4 header checksum"): b861. */
static void
test_header_checksum(void)
{
	uint8_t h[20];
	uint16_t c;

	unhex("450000730000400040110000c0a80001c0a800c7", h, sizeof(h));
	c = (uint16_t)~ip_checksum_fold(ip_checksum_add(0, h, sizeof(h)));
	CHECK(c == 0xb861);
	/* Odd length: the last byte is padded with zero on the right. */
	CHECK(ip_checksum_fold(ip_checksum_add(0, (const uint8_t *)"\x01", 1)) == 0x0100);
	/* Carries wrap around. */
	CHECK(ip_checksum_fold(ip_checksum_add(0, (const uint8_t *)"\xff\xff\x00\x02", 4)) == 0x0002);
}

/* Deterministic payload, as the interop programs use. */
static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static void
test_round_trip(int family)
{
	static uint8_t payload[1500], pkt[1600];
	struct ip_udp u, v;
	size_t n;
	long m;

	for (n = 0; n <= 1400; n += (n < 40 ? 1 : 37)) {
		memset(&u, 0, sizeof(u));
		u.family = family;
		fill(u.src, 16, (unsigned)n);
		fill(u.dst, 16, (unsigned)n + 1);
		if (family == AF_INET) {
			memset(u.src + 4, 0, 12);
			memset(u.dst + 4, 0, 12);
		}
		u.sport = (uint16_t)(1000 + n);
		u.dport = 7777;
		fill(payload, n, (unsigned)n);
		u.payload = payload;
		u.payload_len = n;
		m = ip_udp_build(pkt, sizeof(pkt), &u);
		CHECK(m == (long)((family == AF_INET6 ? 48 : 28) + n));
		if (m < 0)
			return;
		CHECK(ip_udp_parse(pkt, (size_t)m, &v) == IP_OK);
		CHECK(v.family == family && v.sport == u.sport && v.dport == 7777);
		CHECK(memcmp(v.src, u.src, 16) == 0 && memcmp(v.dst, u.dst, 16) == 0);
		CHECK(v.payload_len == n && v.payload == pkt + m - n);
		CHECK(memcmp(v.payload, payload, n) == 0);

		/* WireGuard pads to 16 bytes: trailing bytes are ignored. */
		memset(pkt + m, 0, 15);
		CHECK(ip_udp_parse(pkt, (size_t)m + 15, &v) == IP_OK && v.payload_len == n);

		/* Every truncation is rejected, never read past. */
		if (n < 3 || n == 1400) {
			size_t t;

			for (t = 0; t < (size_t)m; t++) {
				uint8_t *copy = malloc(t ? t : 1);

				memcpy(copy, pkt, t);
				CHECK(ip_udp_parse(copy, t, &v) != IP_OK);
				free(copy);
			}
		}
		/* Every single-bit flip in addresses, ports, UDP length, checksum or
		 * payload is caught (some by the length checks, the rest by checksums). */
		{
			size_t i, first = family == AF_INET6 ? 8 : 12;

			size_t ck = (size_t)m - n - 2;

			for (i = first; i < (size_t)m; i++) {
				pkt[i] ^= 0x10;
				/* Over IPv4 a checksum field flipped to zero means "none". */
				if (!(family == AF_INET && (i == ck || i == ck + 1) &&
				    pkt[ck] == 0 && pkt[ck + 1] == 0))
					CHECK(ip_udp_parse(pkt, (size_t)m, &v) != IP_OK);
				pkt[i] ^= 0x10;
			}
		}
	}

	/* Built in place: payload already at its final position. */
	memset(&u, 0, sizeof(u));
	u.family = family;
	u.sport = 1;
	u.dport = 2;
	n = family == AF_INET6 ? 48 : 28;
	memcpy(pkt + n, "in place", 8);
	u.payload = pkt + n;
	u.payload_len = 8;
	m = ip_udp_build(pkt, sizeof(pkt), &u);
	CHECK(m == (long)n + 8);
	CHECK(ip_udp_parse(pkt, (size_t)m, &v) == IP_OK && memcmp(v.payload, "in place", 8) == 0);
}

static void
test_build_limits(void)
{
	static uint8_t big[70000];
	struct ip_udp u;

	memset(&u, 0, sizeof(u));
	u.family = AF_INET6;
	u.dport = 1;
	u.payload = big;
	u.payload_len = 10;
	CHECK(ip_udp_build(big, 57, &u) == -EMSGSIZE);
	CHECK(ip_udp_build(big, 58, &u) == 58);
	u.family = AF_UNIX;
	CHECK(ip_udp_build(big, sizeof(big), &u) == -EAFNOSUPPORT);
	u.family = AF_INET;
	u.payload_len = 65535 - 28;
	CHECK(ip_udp_build(big, sizeof(big), &u) == 65535);
	u.payload_len++;
	CHECK(ip_udp_build(big, sizeof(big), &u) == -EMSGSIZE);
}

/* Rewrite the UDP checksum after a deliberate header edit. */
static void
fix_udp6(uint8_t *pkt, size_t udp_len)
{
	uint8_t ph[40];
	uint16_t c;

	memcpy(ph, pkt + 8, 32);
	ph[32] = ph[33] = 0;
	ph[34] = (uint8_t)(udp_len >> 8);
	ph[35] = (uint8_t)udp_len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 17;
	pkt[46] = pkt[47] = 0;
	c = (uint16_t)~ip_checksum_fold(ip_checksum_add(ip_checksum_add(0, ph, 40), pkt + 40, udp_len));
	pkt[46] = c >> 8;
	pkt[47] = c & 0xff;
}

static void
fix_ip4(uint8_t *pkt)
{
	uint16_t c;
	size_t hlen = (size_t)(pkt[0] & 15) * 4;

	pkt[10] = pkt[11] = 0;
	c = (uint16_t)~ip_checksum_fold(ip_checksum_add(0, pkt, hlen));
	pkt[10] = c >> 8;
	pkt[11] = c & 0xff;
}

static void
test_rejects(void)
{
	uint8_t base6[128], base4[128], p[128];
	size_t n6 = unhex(kernel6, base6, sizeof(base6));
	size_t n4 = unhex(kernel4, base4, sizeof(base4));
	struct ip_udp u;

	CHECK(ip_udp_parse(base6, 0, &u) == IP_ERR_SHORT);
	CHECK(ip_udp_parse(base6, 39, &u) == IP_ERR_SHORT);
	CHECK(ip_udp_parse(base4, 19, &u) == IP_ERR_SHORT);

	memcpy(p, base6, n6);
	p[0] = 0x50;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_VERSION);

	/* IPv6 payload length larger than the packet, and too small for UDP. */
	memcpy(p, base6, n6);
	p[5] = 0x0e;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_LENGTH);
	p[5] = 7;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_LENGTH);
	p[5] = 0;		/* jumbogram */
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_LENGTH);
	/* Payload length shorter than the packet but UDP length says more. */
	p[5] = 0x0c;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_UDP_LENGTH);

	/* Next header not UDP (TCP; hop-by-hop options). */
	memcpy(p, base6, n6);
	p[6] = 6;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_PROTO);
	p[6] = 0;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_PROTO);

	/* UDP length field disagrees, checksum otherwise right. */
	memcpy(p, base6, n6);
	p[45] = 0x0c;
	fix_udp6(p, 13);
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_UDP_LENGTH);
	p[45] = 0x0e;
	fix_udp6(p, 13);
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_UDP_LENGTH);

	/* Zero UDP checksum: forbidden over IPv6. A wrong one. */
	memcpy(p, base6, n6);
	p[46] = p[47] = 0;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_CHECKSUM);
	memcpy(p, base6, n6);
	p[47] ^= 1;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_CHECKSUM);
	memcpy(p, base6, n6);
	p[n6 - 1] ^= 0x80;
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_CHECKSUM);
	CHECK(u.payload == NULL && u.payload_len == 0 && u.family == 0);

	/* Destination port 0. */
	memcpy(p, base6, n6);
	p[42] = p[43] = 0;
	fix_udp6(p, 13);
	CHECK(ip_udp_parse(p, n6, &u) == IP_ERR_PORT);

	/* IPv4: bad header length, header checksum, total length, fragment, proto. */
	memcpy(p, base4, n4);
	p[0] = 0x44;
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_HEADER);
	p[0] = 0x4f;		/* 60 bytes: more than the packet */
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_HEADER);
	memcpy(p, base4, n4);
	p[11] ^= 1;
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_HEADER);
	memcpy(p, base4, n4);
	p[3] = 0x24;		/* one byte more than we have */
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_LENGTH);
	p[3] = 27;		/* too small for a UDP header */
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_LENGTH);
	p[3] = 0x22;		/* shorter than UDP says */
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_UDP_LENGTH);
	memcpy(p, base4, n4);
	p[6] = 0x60;		/* DF|MF */
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_FRAGMENT);
	memcpy(p, base4, n4);
	p[6] = 0x40;
	p[7] = 0x01;		/* offset 8 */
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_FRAGMENT);
	memcpy(p, base4, n4);
	p[9] = 6;
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_PROTO);
	memcpy(p, base4, n4);
	p[27] ^= 1;
	CHECK(ip_udp_parse(p, n4, &u) == IP_ERR_CHECKSUM);
	/* Zero UDP checksum over IPv4 means "none" (RFC 768) and is accepted. */
	memcpy(p, base4, n4);
	p[26] = p[27] = 0;
	CHECK(ip_udp_parse(p, n4, &u) == IP_OK && u.payload_len == 7);

	/* IPv4 options are skipped: 24-byte header with one NOP word. */
	memcpy(p, base4, 20);
	p[0] = 0x46;
	p[3] = 0x27;
	p[20] = p[21] = p[22] = p[23] = 1;
	memcpy(p + 24, base4 + 20, n4 - 20);
	fix_ip4(p);
	CHECK(ip_udp_parse(p, n4 + 4, &u) == IP_OK && u.payload_len == 7 &&
	    memcmp(u.payload, "hello!!", 7) == 0);

	CHECK(strcmp(ip_err_name(IP_ERR_CHECKSUM), "checksum") == 0);
	CHECK(strcmp(ip_err_name(IP_ERR__COUNT), "unknown") == 0);
}

static void
test_tunnel_addr(void)
{
	uint8_t key[32], a[16], want[16];
	char s[INET6_ADDRSTRLEN];
	size_t i;

	/* BLAKE2b-256 (not BLAKE2b-512 truncated) of 00 01 .. 1f, per Python hashlib. */
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	CHECK(ip_tunnel_addr(key, a) == 0);
	inet_ntop(AF_INET6, a, s, sizeof(s));
	CHECK(strcmp(s, "fd67:6f6e:6574:cb2f:5160:fc1f:7e05:a55e") == 0);

	memset(key, 0, sizeof(key));
	CHECK(ip_tunnel_addr(key, a) == 0);
	inet_pton(AF_INET6, "fd67:6f6e:6574:89eb:d6a:8a69:1dae:2cd1", want);
	CHECK(memcmp(a, want, 16) == 0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_known_ipv6();
	test_known_ipv4();
	test_header_checksum();
	test_round_trip(AF_INET6);
	test_round_trip(AF_INET);
	test_build_limits();
	test_rejects();
	test_tunnel_addr();
	return check_exit("test_ip");
}
