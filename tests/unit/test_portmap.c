/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_portmap.c — PCP / NAT-PMP messages (tunnel/portmap/pmp_msg.h) and
 * the client schedule (tunnel/portmap/portmap.h) on a fake clock: request
 * bytes, every parse error, a silent gateway given up within the budget, a
 * NAT-PMP-only gateway, renewal, expiry, delete.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/portmap/gateway.h"
#include "tunnel/portmap/portmap.h"
#include "tests/check.h"

static const uint8_t NONCE[PCP_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint8_t CLIENT[4] = { 192, 168, 7, 10 };
static const uint8_t PUB[4] = { 198, 51, 100, 17 };

static void
req_init(struct pmp_request *r, uint32_t lifetime)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->nonce, NONCE, sizeof(NONCE));
	memcpy(r->client_ip, CLIENT, 4);
	r->internal_port = 40000;
	r->suggested_port = 40000;
	r->lifetime_s = lifetime;
}

static size_t
hex(const char *h, uint8_t *out, size_t outlen)
{
	size_t n = 0;

	if (sodium_hex2bin(out, outlen, h, strlen(h), " ", &n, NULL) != 0)
		abort();
	return n;
}

/* A PCP MAP success for our request, as a gateway would send it. */
static size_t
pcp_answer(uint8_t *b, uint8_t result, uint32_t lifetime, const uint8_t ip[4], uint16_t port)
{
	memset(b, 0, PCP_MAP_REQUEST_LEN);
	b[0] = 2;
	b[1] = 0x81;
	b[3] = result;
	b[4] = (uint8_t)(lifetime >> 24); b[5] = (uint8_t)(lifetime >> 16);
	b[6] = (uint8_t)(lifetime >> 8); b[7] = (uint8_t)lifetime;
	b[11] = 9;					/* epoch */
	memcpy(b + 24, NONCE, 12);
	b[36] = 17;
	b[40] = 40000 >> 8; b[41] = 40000 & 0xff;
	b[42] = (uint8_t)(port >> 8); b[43] = (uint8_t)port;
	b[54] = b[55] = 0xff;
	memcpy(b + 56, ip, 4);
	return PCP_MAP_REQUEST_LEN;
}

static void
test_build(void)
{
	struct pmp_request r;
	uint8_t out[128], want[128];
	size_t n;

	req_init(&r, 7200);
	n = pcp_build_map(&r, out, sizeof(out));
	CHECK_EQ(n, 60);
	/* ver 2, MAP, lifetime 7200, ::ffff:192.168.7.10, nonce, UDP, 40000 -> 40000, ::ffff:0.0.0.0 */
	hex("02010000 00001c20 00000000000000000000ffff c0a8070a"
	    "0102030405060708090a0b0c 11000000 9c40 9c40 00000000000000000000ffff00000000",
	    want, sizeof(want));
	CHECK_MEM(out, want, 60);
	CHECK_EQ(pcp_build_map(&r, out, 59), 0);
	n = natpmp_build_map(&r, out, sizeof(out));
	CHECK_EQ(n, 12);
	hex("0001 0000 9c40 9c40 00001c20", want, sizeof(want));
	CHECK_MEM(out, want, 12);
	CHECK_EQ(natpmp_build_addr(out, sizeof(out)), 2);
	CHECK(out[0] == 0 && out[1] == 0);
	/* A NAT-PMP delete suggests no port (RFC 6886 3.4). */
	r.lifetime_s = 0;
	natpmp_build_map(&r, out, sizeof(out));
	hex("0001 0000 9c40 0000 00000000", want, sizeof(want));
	CHECK_MEM(out, want, 12);
}

static void
test_parse_pcp(void)
{
	struct pmp_request r;
	struct pmp_response res;
	uint8_t b[1200];
	size_t n;

	req_init(&r, 7200);
	n = pcp_answer(b, 0, 3600, PUB, 40000);
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_OK);
	CHECK(res.have_ip && memcmp(res.external_ip, PUB, 4) == 0 && res.external_port == 40000 &&
	    res.lifetime_s == 3600 && res.epoch_s == 9);
	/* Options: one of 5 bytes (padded to 8) is walked over; a runaway one is not. */
	memcpy(b + n, "\x80\x00\x00\x05" "abcde\0\0\0", 12);
	CHECK_EQ(pcp_parse_map(b, n + 12, &r, &res), PMP_OK);
	memcpy(b + n, "\x80\x00\x00\x09" "abcdefgh", 12);
	CHECK_EQ(pcp_parse_map(b, n + 12, &r, &res), PMP_ERR_OPTION);
	memset(b + n, 0, 4 * (PCP_OPTIONS_MAX + 1));
	CHECK_EQ(pcp_parse_map(b, n + 4 * (PCP_OPTIONS_MAX + 1), &r, &res), PMP_ERR_OPTION);
	CHECK_EQ(pcp_parse_map(b, n + 4 * PCP_OPTIONS_MAX, &r, &res), PMP_OK);
	/* Lengths. */
	CHECK_EQ(pcp_parse_map(b, 3, &r, &res), PMP_ERR_SHORT);
	CHECK_EQ(pcp_parse_map(b, 59, &r, &res), PMP_ERR_SHORT);
	CHECK_EQ(pcp_parse_map(b, 62, &r, &res), PMP_ERR_LENGTH);
	memset(b + n, 0, sizeof(b) - n);
	CHECK_EQ(pcp_parse_map(b, 1104, &r, &res), PMP_ERR_LENGTH);
	/* Not ours. */
	n = pcp_answer(b, 0, 3600, PUB, 40000);
	b[24] ^= 1;
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_NONCE);
	n = pcp_answer(b, 0, 3600, PUB, 40000);
	b[36] = 6;
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_MISMATCH);
	n = pcp_answer(b, 0, 3600, PUB, 40000);
	b[41] ^= 1;
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_MISMATCH);
	n = pcp_answer(b, 0, 3600, PUB, 40000);
	b[1] = 0x01;				/* a request (our own echo) */
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_NOT_RESPONSE);
	b[1] = 0x82;				/* PEER */
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_OPCODE);
	b[1] = 0x81;
	b[0] = 3;
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_VERSION);
	/* Error answers and unusable addresses. */
	n = pcp_answer(b, 2, 0, PUB, 0);	/* NOT_AUTHORIZED */
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_RESULT);
	CHECK_EQ(res.result, 2);
	n = pcp_answer(b, 0, 3600, (const uint8_t[]){ 0, 0, 0, 0 }, 40000);
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_ADDRESS);
	n = pcp_answer(b, 0, 3600, (const uint8_t[]){ 239, 1, 1, 1 }, 40000);
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_ADDRESS);
	n = pcp_answer(b, 0, 3600, PUB, 0);
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_ADDRESS);
	n = pcp_answer(b, 0, 3600, PUB, 40000);
	b[45] = 1;				/* not v4-mapped */
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_ADDRESS);
	/* A NAT-PMP gateway's answer to a PCP request. */
	n = hex("0081 0001 00000009 0000000000000000", b, sizeof(b));
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_VERSION);
	n = hex("0081 0000 00000009", b, sizeof(b));
	CHECK_EQ(pcp_parse_map(b, n, &r, &res), PMP_ERR_OPCODE);
}

static void
test_parse_natpmp(void)
{
	struct pmp_request r;
	struct pmp_response res;
	uint8_t b[64];
	size_t n;

	req_init(&r, 7200);
	n = hex("0080 0000 00000009 c6336411", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_OK);
	CHECK(res.opcode == 0 && res.have_ip && memcmp(res.external_ip, PUB, 4) == 0);
	CHECK_EQ(natpmp_parse(b, n - 1, &r, &res), PMP_ERR_SHORT);
	CHECK_EQ(natpmp_parse(b, n + 1, &r, &res), PMP_ERR_LENGTH);
	n = hex("0080 0000 00000009 7f000001", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_ADDRESS);
	n = hex("0080 0003 00000009 00000000", b, sizeof(b));	/* network failure */
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_RESULT);
	n = hex("0081 0000 00000009 9c40 9c41 00000e10", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_OK);
	CHECK(res.opcode == 1 && res.external_port == 40001 && res.lifetime_s == 3600);
	CHECK_EQ(natpmp_parse(b, 15, &r, &res), PMP_ERR_SHORT);
	n = hex("0081 0000 00000009 9c41 9c41 00000e10", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_MISMATCH);
	n = hex("0081 0000 00000009 9c40 0000 00000e10", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_ADDRESS);
	n = hex("0082 0000 00000009 9c40 9c41 00000e10", b, sizeof(b));	/* TCP */
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_OPCODE);
	n = hex("0001 0000 9c40 9c40 00001c20", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_NOT_RESPONSE);
	n = hex("0281 0000", b, sizeof(b));
	CHECK_EQ(natpmp_parse(b, n, &r, &res), PMP_ERR_VERSION);
	CHECK_STR(pmp_err_name(PMP_ERR_NONCE), "nonce");
}

/* Run the client to now; returns the datagrams it sent, kinds in *pcp / *pmp. */
static unsigned
pump(struct portmap *pm, uint64_t now, unsigned *pcp, unsigned *pmp)
{
	uint8_t out[128];
	unsigned n = 0;
	size_t len;

	while ((len = portmap_on_timer(pm, now, out, sizeof(out))) > 0) {
		n++;
		if (out[0] == 2)
			(*pcp)++;
		else
			(*pmp)++;
	}
	return n;
}

/* Drive a silent gateway on a 1 ms clock: how long and how many datagrams. */
static void
test_silent(void)
{
	struct portmap pm;
	unsigned pcp = 0, pmp = 0;
	uint64_t t, gave_up = 0;

	memset(&pm, 0, sizeof(pm));
	portmap_start(&pm, CLIENT, 40000, NONCE, 1000);
	for (t = 1000; t <= 3000; t++) {
		pump(&pm, t, &pcp, &pmp);
		if (pm.state == PORTMAP_FAILED && gave_up == 0)
			gave_up = t;
	}
	CHECK_MSG(gave_up != 0 && gave_up - 1000 <= PORTMAP_GIVE_UP_MS, "gave up at %llu",
	    (unsigned long long)gave_up);
	CHECK_EQ(pcp, PORTMAP_PCP_SENDS);
	CHECK_EQ(pmp, 2 * PORTMAP_NATPMP_SENDS);
	CHECK_EQ(portmap_next(&pm), UINT64_MAX);
	/* Refused at once (ICMP): straight to NAT-PMP, then FAILED. */
	portmap_start(&pm, CLIENT, 40000, NONCE, 5000);
	pump(&pm, 5000, &pcp, &pmp);
	portmap_refused(&pm, 5001);
	CHECK_EQ(pm.state, PORTMAP_NATPMP);
	portmap_refused(&pm, 5002);
	CHECK_EQ(pm.state, PORTMAP_FAILED);
}

static void
test_pcp_flow(void)
{
	struct portmap pm;
	uint8_t b[128];
	unsigned pcp = 0, pmp = 0;
	size_t n;

	memset(&pm, 0, sizeof(pm));
	portmap_start(&pm, CLIENT, 40000, NONCE, 0);
	pump(&pm, 0, &pcp, &pmp);
	CHECK_EQ(pcp, 1);
	n = pcp_answer(b, 0, 120, PUB, 40002);
	CHECK_EQ(portmap_input(&pm, b, n, 10), PORTMAP_EV_MAPPED);
	CHECK(pm.state == PORTMAP_MAPPED && pm.proto == PORTMAP_PROTO_PCP && pm.ext_port == 40002);
	CHECK_EQ(portmap_input(&pm, b, n, 11), PORTMAP_EV_NONE);	/* the same again */
	/* Renewal at half the lifetime (60 s), on PCP. */
	CHECK_EQ(portmap_next(&pm), 11 + 60000);	/* every answer re-arms it */
	pcp = 0;
	CHECK_EQ(pump(&pm, 59000, &pcp, &pmp), 0);
	CHECK_EQ(pump(&pm, 60011, &pcp, &pmp), 1);
	CHECK_EQ(pcp, 1);
	CHECK_EQ(portmap_input(&pm, b, n, 60020), PORTMAP_EV_NONE);
	CHECK_EQ(portmap_next(&pm), 60020 + 60000);
	/* Renewals nobody answers: the mapping ends at its expiry. */
	pump(&pm, 120020, &pcp, &pmp);
	pump(&pm, 120400, &pcp, &pmp);
	pump(&pm, 170000, &pcp, &pmp);
	CHECK_EQ(pm.state, PORTMAP_MAPPED);
	pump(&pm, 180020, &pcp, &pmp);
	pump(&pm, 180020, &pcp, &pmp);
	CHECK_EQ(pm.state, PORTMAP_FAILED);
	/* Delete: the same request with lifetime 0. */
	portmap_start(&pm, CLIENT, 40000, NONCE, 0);
	pump(&pm, 0, &pcp, &pmp);
	portmap_input(&pm, b, n, 1);
	n = portmap_build_delete(&pm, b, sizeof(b));
	CHECK_EQ(n, 60);
	CHECK(b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0 && memcmp(b + 24, NONCE, 12) == 0);
	CHECK_EQ(pm.state, PORTMAP_IDLE);
	CHECK_EQ(portmap_build_delete(&pm, b, sizeof(b)), 0);
	/* A gateway that says no. */
	portmap_start(&pm, CLIENT, 40000, NONCE, 0);
	pump(&pm, 0, &pcp, &pmp);
	n = pcp_answer(b, 2, 0, PUB, 0);
	CHECK_EQ(portmap_input(&pm, b, n, 1), PORTMAP_EV_FAILED);
	CHECK_EQ(pm.last_result, 2);
}

static void
test_natpmp_flow(void)
{
	struct portmap pm;
	uint8_t b[64];
	unsigned pcp = 0, pmp = 0;
	size_t n;

	memset(&pm, 0, sizeof(pm));
	portmap_start(&pm, CLIENT, 40000, NONCE, 0);
	pump(&pm, 0, &pcp, &pmp);
	/* UNSUPP_VERSION: NAT-PMP at once, both questions. */
	n = hex("0081 0001 00000009 0000000000000000", b, sizeof(b));
	CHECK_EQ(portmap_input(&pm, b, n, 3), PORTMAP_EV_NONE);
	CHECK_EQ(pm.state, PORTMAP_NATPMP);
	CHECK_EQ(pump(&pm, 3, &pcp, &pmp), 2);
	CHECK_EQ(pmp, 2);
	/* The map answer first, then the address. */
	n = hex("0081 0000 00000009 9c40 9c41 00000e10", b, sizeof(b));
	CHECK_EQ(portmap_input(&pm, b, n, 4), PORTMAP_EV_NONE);
	n = hex("0080 0000 00000009 c6336411", b, sizeof(b));
	CHECK_EQ(portmap_input(&pm, b, n, 5), PORTMAP_EV_MAPPED);
	CHECK(pm.proto == PORTMAP_PROTO_NATPMP && pm.ext_port == 40001 &&
	    memcmp(pm.ext_ip, PUB, 4) == 0);
	n = portmap_build_delete(&pm, b, sizeof(b));
	CHECK_EQ(n, 12);
	CHECK(b[1] == 1 && b[10] == 0 && b[11] == 0);
	/* Junk is counted, never acted on. */
	portmap_start(&pm, CLIENT, 40000, NONCE, 0);
	CHECK_EQ(portmap_input(&pm, (const uint8_t *)"\x02", 1, 1), PORTMAP_EV_NONE);
	CHECK_EQ(pm.dropped[PMP_ERR_SHORT], 1);
	CHECK_EQ(pm.state, PORTMAP_PCP);
}

static void
test_gateway(void)
{
	static const char table[] =
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t0007A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
	    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
	    "eth0\t00000000\t0107A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	    "tun0\t00000000\t0202A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n";	/* not up */
	static const char none[] =
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t0007A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
	uint8_t gw[4];

	/* The lowest metric among up gateway routes to 0/0: eth0's 192.168.7.1. */
	CHECK_EQ(portmap_gateway_parse(table, sizeof(table) - 1, gw), 0);
	CHECK(gw[0] == 192 && gw[1] == 168 && gw[2] == 7 && gw[3] == 1);
	CHECK_EQ(portmap_gateway_parse(none, sizeof(none) - 1, gw), -1);
	CHECK_EQ(portmap_gateway_parse("", 0, gw), -1);
	CHECK_EQ(portmap_gateway_parse("x\ny y y y\n\n", 12, gw), -1);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_build();
	test_parse_pcp();
	test_parse_natpmp();
	test_silent();
	test_pcp_flow();
	test_natpmp_flow();
	test_gateway();
	return check_exit("test_portmap");
}
