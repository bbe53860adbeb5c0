/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pmp_msg.h — the messages of the two port mapping protocols that share
 * the gateway's UDP port 5351: PCP (RFC 6887, version 2, opcode MAP only)
 * and NAT-PMP (RFC 6886, version 0: external address and UDP mapping).
 * Pure code: build requests, parse responses. The parsers are the only
 * code here that reads bytes from the network, and they trust nothing:
 * every length checked before use, every field compared with what we
 * asked (nonce, protocol, internal port), every drop a named reason.
 *
 * A PCP request to a gateway that speaks only NAT-PMP comes back as a
 * NAT-PMP-format answer with result 1 (UNSUPP_VERSION, RFC 6887 section 9):
 * pcp_parse_map() says PMP_ERR_VERSION and the client falls back.
 *
 * Wire layouts (all big-endian):
 *   PCP request   ver 2 | op 1 | rsvd 2 | lifetime 4 | client ip 16
 *                 | nonce 12 | proto 1 | rsvd 3 | int port 2 | sugg ext port 2 | sugg ext ip 16
 *                 = 60 bytes (no options sent)
 *   PCP response  ver 2 | R|op 1 | rsvd 1 | result 1 | lifetime 4 | epoch 4 | rsvd 12
 *                 | nonce 12 | proto 1 | rsvd 3 | int port 2 | ext port 2 | ext ip 16
 *                 | options (code 1, rsvd 1, len 2, data padded to 4) ...
 *                 = 60..1100 bytes, a multiple of 4
 *   NAT-PMP       addr req   ver 0 | op 0                                  = 2
 *                 addr resp  ver 0 | op 128 | result 2 | epoch 4 | ip 4     = 12
 *                 map req    ver 0 | op 1 (UDP) | rsvd 2 | int 2 | ext 2 | lifetime 4 = 12
 *                 map resp   ver 0 | op 129 | result 2 | epoch 4 | int 2 | ext 2 | lifetime 4 = 16
 */
#ifndef GONET_PMP_MSG_H
#define GONET_PMP_MSG_H

#include <stddef.h>
#include <stdint.h>

enum {
	PMP_SERVER_PORT = 5351,
	PMP_CLIENT_PORT = 5350,		/* NAT-PMP/PCP announcements (not used) */
	PCP_VERSION = 2,
	NATPMP_VERSION = 0,
	PCP_OP_MAP = 1,
	PCP_R_BIT = 0x80,
	PCP_HEADER_LEN = 24,
	PCP_MAP_LEN = 36,
	PCP_MAP_REQUEST_LEN = PCP_HEADER_LEN + PCP_MAP_LEN,	/* 60 */
	PCP_MSG_MAX = 1100,		/* RFC 6887 section 7: no message is longer */
	PCP_NONCE_LEN = 12,
	PCP_OPTIONS_MAX = 16,		/* a response with more is not one we asked for */
	NATPMP_OP_ADDR = 0,
	NATPMP_OP_MAP_UDP = 1,
	NATPMP_RESP = 128,
	NATPMP_ADDR_REQUEST_LEN = 2,
	NATPMP_ADDR_RESPONSE_LEN = 12,
	NATPMP_MAP_REQUEST_LEN = 12,
	NATPMP_MAP_RESPONSE_LEN = 16,
	PMP_PROTO_UDP = 17,
	PMP_RESULT_SUCCESS = 0,
	PMP_RESULT_UNSUPP_VERSION = 1	/* the same code in both protocols */
};

/* Why a response was not used; each is counted. */
enum pmp_err {
	PMP_OK = 0,
	PMP_ERR_SHORT,			/* shorter than its fixed part */
	PMP_ERR_LENGTH,			/* PCP: over 1100 or not a multiple of 4; NAT-PMP: not its size */
	PMP_ERR_VERSION,		/* the gateway does not speak this version (fall back) */
	PMP_ERR_NOT_RESPONSE,		/* R bit clear / opcode below 128: a request, or our own echo */
	PMP_ERR_OPCODE,			/* a response to something we did not ask */
	PMP_ERR_NONCE,			/* PCP: not our mapping nonce */
	PMP_ERR_MISMATCH,		/* protocol or internal port not ours */
	PMP_ERR_OPTION,			/* PCP option runs past the end, or too many */
	PMP_ERR_ADDRESS,		/* external address unusable (0, multicast, v6 where v4 asked) */
	PMP_ERR_RESULT,			/* a well-formed error answer (result in the response) */
	PMP_ERR__COUNT
};

const char *pmp_err_name(enum pmp_err e);

/* What we ask: one UDP mapping of our socket's port. */
struct pmp_request {
	uint8_t nonce[PCP_NONCE_LEN];	/* PCP: random per mapping, kept for renewals and delete */
	uint8_t client_ip[4];		/* our address toward the gateway (PCP puts it v4-mapped) */
	uint16_t internal_port;
	uint16_t suggested_port;	/* 0: any */
	uint32_t lifetime_s;		/* 0: delete */
};

/* What a success said. */
struct pmp_response {
	uint8_t result;			/* PMP_RESULT_SUCCESS, or the error code (PMP_ERR_RESULT) */
	uint8_t opcode;			/* without the response bit */
	uint32_t lifetime_s;
	uint32_t epoch_s;
	uint16_t internal_port;
	uint16_t external_port;
	int have_ip;			/* PCP map, NAT-PMP address response */
	uint8_t external_ip[4];
};

/* Requests; each returns its length, or 0 when outlen is too small. */
size_t pcp_build_map(const struct pmp_request *req, uint8_t *out, size_t outlen);
size_t natpmp_build_addr(uint8_t *out, size_t outlen);
size_t natpmp_build_map(const struct pmp_request *req, uint8_t *out, size_t outlen);

/*
 * Parse a PCP MAP response to req. On PMP_OK and PMP_ERR_RESULT, res
 * holds what it said. An answer in NAT-PMP's format (version 0) with
 * result UNSUPP_VERSION is PMP_ERR_VERSION.
 */
enum pmp_err pcp_parse_map(const uint8_t *buf, size_t len, const struct pmp_request *req,
    struct pmp_response *res);
/*
 * Parse a NAT-PMP response: an external address answer (res->opcode 0,
 * have_ip) or a UDP mapping answer to req (opcode 1). On PMP_OK and
 * PMP_ERR_RESULT, res holds what it said.
 */
enum pmp_err natpmp_parse(const uint8_t *buf, size_t len, const struct pmp_request *req,
    struct pmp_response *res);

#endif
