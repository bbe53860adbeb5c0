/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pmp_msg.c — PCP MAP and NAT-PMP messages (pmp_msg.h). */
#include "config.h"

#include <string.h>

#include "tunnel/net/bytes.h"
#include "tunnel/portmap/pmp_msg.h"

static const char *const err_names[PMP_ERR__COUNT] = {
	[PMP_OK] = "ok",
	[PMP_ERR_SHORT] = "short",
	[PMP_ERR_LENGTH] = "length",
	[PMP_ERR_VERSION] = "version",
	[PMP_ERR_NOT_RESPONSE] = "not-response",
	[PMP_ERR_OPCODE] = "opcode",
	[PMP_ERR_NONCE] = "nonce",
	[PMP_ERR_MISMATCH] = "mismatch",
	[PMP_ERR_OPTION] = "option",
	[PMP_ERR_ADDRESS] = "address",
	[PMP_ERR_RESULT] = "result",
};

const char *
pmp_err_name(enum pmp_err e)
{
	return (unsigned)e < PMP_ERR__COUNT ? err_names[e] : "unknown";
}

/* ::ffff:a.b.c.d */
static void
put_v4_mapped(uint8_t *p, const uint8_t ip[4])
{
	memset(p, 0, 10);
	p[10] = p[11] = 0xff;
	memcpy(p + 12, ip, 4);
}

/* An external IPv4 address worth publishing: not 0/8, 127/8, 169.254/16, 224/3. */
static int
v4_usable(const uint8_t a[4])
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224 && !(a[0] == 169 && a[1] == 254);
}

size_t
pcp_build_map(const struct pmp_request *req, uint8_t *out, size_t outlen)
{
	uint8_t *m = out + PCP_HEADER_LEN;

	if (outlen < PCP_MAP_REQUEST_LEN)
		return 0;
	memset(out, 0, PCP_MAP_REQUEST_LEN);
	out[0] = PCP_VERSION;
	out[1] = PCP_OP_MAP;
	bytes_put32(out + 4, req->lifetime_s);
	put_v4_mapped(out + 8, req->client_ip);
	memcpy(m, req->nonce, PCP_NONCE_LEN);
	m[12] = PMP_PROTO_UDP;
	bytes_put16(m + 16, req->internal_port);
	bytes_put16(m + 18, req->suggested_port);
	/* Suggested external address: none, as the IPv4 "unspecified" ::ffff:0.0.0.0. */
	m[30] = m[31] = 0xff;
	return PCP_MAP_REQUEST_LEN;
}

size_t
natpmp_build_addr(uint8_t *out, size_t outlen)
{
	if (outlen < NATPMP_ADDR_REQUEST_LEN)
		return 0;
	out[0] = NATPMP_VERSION;
	out[1] = NATPMP_OP_ADDR;
	return NATPMP_ADDR_REQUEST_LEN;
}

size_t
natpmp_build_map(const struct pmp_request *req, uint8_t *out, size_t outlen)
{
	if (outlen < NATPMP_MAP_REQUEST_LEN)
		return 0;
	memset(out, 0, NATPMP_MAP_REQUEST_LEN);
	out[0] = NATPMP_VERSION;
	out[1] = NATPMP_OP_MAP_UDP;
	bytes_put16(out + 4, req->internal_port);
	bytes_put16(out + 6, req->lifetime_s != 0 ? req->suggested_port : 0);	/* RFC 6886 3.4 */
	bytes_put32(out + 8, req->lifetime_s);
	return NATPMP_MAP_REQUEST_LEN;
}

/* PCP options after the MAP payload: walked, bounded, not used. */
static enum pmp_err
skip_options(const uint8_t *p, size_t left)
{
	unsigned n = 0;

	while (left > 0) {
		size_t olen, padded;

		if (left < 4 || ++n > PCP_OPTIONS_MAX)
			return PMP_ERR_OPTION;
		olen = bytes_get16(p + 2);
		padded = bytes_pad4(olen);
		if (padded > left - 4)
			return PMP_ERR_OPTION;
		p += 4 + padded;
		left -= 4 + padded;
	}
	return PMP_OK;
}

enum pmp_err
pcp_parse_map(const uint8_t *buf, size_t len, const struct pmp_request *req,
    struct pmp_response *res)
{
	const uint8_t *m;
	enum pmp_err e;

	memset(res, 0, sizeof(*res));
	if (len < 4)
		return PMP_ERR_SHORT;
	/* A NAT-PMP gateway answers a version it does not know in its own format. */
	if (buf[0] == NATPMP_VERSION) {
		if (buf[1] >= NATPMP_RESP && bytes_get16(buf + 2) == PMP_RESULT_UNSUPP_VERSION)
			return PMP_ERR_VERSION;
		return buf[1] >= NATPMP_RESP ? PMP_ERR_OPCODE : PMP_ERR_NOT_RESPONSE;
	}
	if (buf[0] != PCP_VERSION)
		return PMP_ERR_VERSION;
	if (!(buf[1] & PCP_R_BIT))
		return PMP_ERR_NOT_RESPONSE;
	res->opcode = buf[1] & (uint8_t)~PCP_R_BIT;
	if (res->opcode != PCP_OP_MAP)
		return PMP_ERR_OPCODE;
	if (len < PCP_MAP_REQUEST_LEN)
		return PMP_ERR_SHORT;
	if (len > PCP_MSG_MAX || len % 4 != 0)
		return PMP_ERR_LENGTH;
	res->result = buf[3];
	res->lifetime_s = bytes_get32(buf + 4);
	res->epoch_s = bytes_get32(buf + 8);
	m = buf + PCP_HEADER_LEN;
	if (memcmp(m, req->nonce, PCP_NONCE_LEN) != 0)
		return PMP_ERR_NONCE;
	res->internal_port = bytes_get16(m + 16);
	if (m[12] != PMP_PROTO_UDP || res->internal_port != req->internal_port)
		return PMP_ERR_MISMATCH;
	if ((e = skip_options(buf + PCP_MAP_REQUEST_LEN, len - PCP_MAP_REQUEST_LEN)) != PMP_OK)
		return e;
	if (res->result != PMP_RESULT_SUCCESS)
		return PMP_ERR_RESULT;
	res->external_port = bytes_get16(m + 18);
	/* A delete's answer carries no address worth checking. */
	if (req->lifetime_s == 0)
		return PMP_OK;
	if (memcmp(m + 20, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0)
		return PMP_ERR_ADDRESS;		/* we asked for IPv4 */
	memcpy(res->external_ip, m + 32, 4);
	if (!v4_usable(res->external_ip) || res->external_port == 0 || res->lifetime_s == 0)
		return PMP_ERR_ADDRESS;
	res->have_ip = 1;
	return PMP_OK;
}

enum pmp_err
natpmp_parse(const uint8_t *buf, size_t len, const struct pmp_request *req,
    struct pmp_response *res)
{
	memset(res, 0, sizeof(*res));
	if (len < 4)
		return PMP_ERR_SHORT;
	if (buf[0] != NATPMP_VERSION)
		return PMP_ERR_VERSION;
	if (buf[1] < NATPMP_RESP)
		return PMP_ERR_NOT_RESPONSE;
	res->opcode = (uint8_t)(buf[1] - NATPMP_RESP);
	/* The result is 16 bits in NAT-PMP; codes above 255 are errors all the same. */
	res->result = bytes_get16(buf + 2) > 255 ? 255 : (uint8_t)bytes_get16(buf + 2);
	switch (res->opcode) {
	case NATPMP_OP_ADDR:
		if (len != NATPMP_ADDR_RESPONSE_LEN)
			return len < NATPMP_ADDR_RESPONSE_LEN ? PMP_ERR_SHORT : PMP_ERR_LENGTH;
		res->epoch_s = bytes_get32(buf + 4);
		if (bytes_get16(buf + 2) != PMP_RESULT_SUCCESS)
			return PMP_ERR_RESULT;
		memcpy(res->external_ip, buf + 8, 4);
		if (!v4_usable(res->external_ip))
			return PMP_ERR_ADDRESS;
		res->have_ip = 1;
		return PMP_OK;
	case NATPMP_OP_MAP_UDP:
		if (len != NATPMP_MAP_RESPONSE_LEN)
			return len < NATPMP_MAP_RESPONSE_LEN ? PMP_ERR_SHORT : PMP_ERR_LENGTH;
		res->epoch_s = bytes_get32(buf + 4);
		res->internal_port = bytes_get16(buf + 8);
		res->external_port = bytes_get16(buf + 10);
		res->lifetime_s = bytes_get32(buf + 12);
		if (res->internal_port != req->internal_port)
			return PMP_ERR_MISMATCH;
		if (bytes_get16(buf + 2) != PMP_RESULT_SUCCESS)
			return PMP_ERR_RESULT;
		if (req->lifetime_s != 0 && (res->external_port == 0 || res->lifetime_s == 0))
			return PMP_ERR_ADDRESS;
		return PMP_OK;
	default:
		return PMP_ERR_OPCODE;
	}
}
