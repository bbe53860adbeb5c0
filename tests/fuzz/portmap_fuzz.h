/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * portmap_fuzz.h — the body of the two port mapping fuzz targets, which
 * differ only in the response parser they call: fuzz_natpmp.c (NAT-PMP,
 * RFC 6886) and fuzz_pcp.c (PCP MAP, RFC 6887) define PORTMAP_FUZZ_PARSE
 * and include this. The parser runs alone and through the client
 * (tunnel/portmap/portmap.h) in every state. The first byte picks the
 * request's lifetime (0: a delete) and the client's state; the rest is the
 * datagram from the "gateway".
 */
#ifndef PORTMAP_FUZZ_PARSE
#error "define PORTMAP_FUZZ_PARSE (natpmp_parse or pcp_parse_map) before including portmap_fuzz.h"
#endif

#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tunnel/portmap/portmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t nonce[PCP_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint8_t client[4] = { 192, 168, 7, 10 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmp_request req;
	struct pmp_response res;
	struct portmap pm;
	uint8_t out[PCP_MSG_MAX];
	enum pmp_err e;
	unsigned i;

	if (size < 1)
		return 0;
	memset(&req, 0, sizeof(req));
	memcpy(req.nonce, nonce, sizeof(nonce));
	memcpy(req.client_ip, client, 4);
	req.internal_port = 40000;
	req.suggested_port = 40000;
	req.lifetime_s = (data[0] & 1) ? 7200 : 0;

	e = PORTMAP_FUZZ_PARSE(data + 1, size - 1, &req, &res);
	assert((unsigned)e < PMP_ERR__COUNT);
	if (e == PMP_OK && res.have_ip)
		assert(res.external_ip[0] != 0 && res.external_ip[0] < 224);

	/* Through the client: started, moved on by the clock, then fed the datagram. */
	memset(&pm, 0, sizeof(pm));
	portmap_start(&pm, client, 40000, nonce, 0);
	for (i = 0; i < (unsigned)(data[0] >> 1 & 7); i++)
		while (portmap_on_timer(&pm, (uint64_t)i * PORTMAP_RESEND_MS, out, sizeof(out)) > 0)
			;
	(void)portmap_input(&pm, data + 1, size - 1, 1000);
	assert(pm.state <= PORTMAP_FAILED);
	if (pm.state == PORTMAP_MAPPED)
		assert(pm.ext_ip[0] != 0 && pm.ext_port != 0 && portmap_next(&pm) != UINT64_MAX);
	(void)portmap_input(&pm, data + 1, size - 1, 1001);
	(void)portmap_build_delete(&pm, out, sizeof(out));
	return 0;
}
