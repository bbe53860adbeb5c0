/* SPDX-License-Identifier: GPL-3.0-or-later */
/* portmap.c — the PCP / NAT-PMP client schedule (portmap.h). */
#include "config.h"

#include <string.h>

#include "tunnel/portmap/portmap.h"

static const char *const state_names[] = {
	[PORTMAP_IDLE] = "idle",
	[PORTMAP_PCP] = "pcp",
	[PORTMAP_NATPMP] = "nat-pmp",
	[PORTMAP_MAPPED] = "mapped",
	[PORTMAP_FAILED] = "failed",
};

const char *
portmap_state_name(enum portmap_state st)
{
	return (unsigned)st <= PORTMAP_FAILED ? state_names[st] : "?";
}

const char *
portmap_proto_name(enum portmap_proto p)
{
	return p == PORTMAP_PROTO_PCP ? "PCP" : p == PORTMAP_PROTO_NATPMP ? "NAT-PMP" : "none";
}

static void
begin(struct portmap *pm, enum portmap_state st, uint64_t now)
{
	pm->state = st;
	pm->start_ms = now;
	pm->next_ms = now;
	pm->sent = 0;
	pm->have_natpmp_ip = 0;
}

void
portmap_start(struct portmap *pm, const uint8_t client_ip[4], uint16_t internal_port,
    const uint8_t nonce[PCP_NONCE_LEN], uint64_t now_ms)
{
	uint64_t dropped[PMP_ERR__COUNT];

	memcpy(dropped, pm->dropped, sizeof(dropped));	/* counters outlive attempts */
	memset(pm, 0, sizeof(*pm));
	memcpy(pm->dropped, dropped, sizeof(dropped));
	memcpy(pm->req.nonce, nonce, PCP_NONCE_LEN);
	memcpy(pm->req.client_ip, client_ip, 4);
	pm->req.internal_port = internal_port;
	pm->req.suggested_port = internal_port;
	pm->req.lifetime_s = PORTMAP_LIFETIME_S;
	begin(pm, PORTMAP_PCP, now_ms);
}

uint64_t
portmap_next(const struct portmap *pm)
{
	return pm->state == PORTMAP_IDLE || pm->state == PORTMAP_FAILED ? UINT64_MAX : pm->next_ms;
}

static void
fail(struct portmap *pm)
{
	pm->state = PORTMAP_FAILED;
	pm->renewing = 0;
	pm->next_ms = UINT64_MAX;
}

/* The renewal is due at half the lifetime; the mapping ends at its end. */
static void
arm_renewal(struct portmap *pm, uint64_t now)
{
	uint32_t life = pm->lifetime_s < PORTMAP_MIN_LIFETIME_S ? PORTMAP_MIN_LIFETIME_S : pm->lifetime_s;

	pm->renewing = 0;
	pm->expires_ms = now + (uint64_t)pm->lifetime_s * 1000;
	pm->next_ms = now + (uint64_t)life * 500;
}

/* One step of an attempt (PCP, NAT-PMP, or a renewal on the protocol that worked). */
static size_t
attempt(struct portmap *pm, enum portmap_proto proto, unsigned sends, uint64_t now,
    uint8_t *out, size_t outlen)
{
	size_t n;

	if (proto == PORTMAP_PROTO_PCP) {
		if ((n = pcp_build_map(&pm->req, out, outlen)) == 0)
			return 0;
		pm->sent++;
		pm->next_ms = pm->sent < sends ? now + PORTMAP_RESEND_MS : pm->start_ms + PORTMAP_GIVE_UP_MS / 2;
		return n;
	}
	/* NAT-PMP: the address question, then the mapping, both each round. */
	n = pm->sent % 2 == 0 ? natpmp_build_addr(out, outlen) : natpmp_build_map(&pm->req, out, outlen);
	if (n == 0)
		return 0;
	pm->sent++;
	if (pm->sent % 2 == 1)
		pm->next_ms = now;		/* the map request goes right after */
	else
		pm->next_ms = pm->sent < 2 * sends ? now + PORTMAP_RESEND_MS : pm->start_ms + PORTMAP_GIVE_UP_MS / 2;
	return n;
}

size_t
portmap_on_timer(struct portmap *pm, uint64_t now, uint8_t *out, size_t outlen)
{
	if (now < pm->next_ms)
		return 0;
	switch (pm->state) {
	case PORTMAP_PCP:
		if (pm->sent < PORTMAP_PCP_SENDS)
			return attempt(pm, PORTMAP_PROTO_PCP, PORTMAP_PCP_SENDS, now, out, outlen);
		begin(pm, PORTMAP_NATPMP, now);	/* PCP stayed silent: NAT-PMP */
		return attempt(pm, PORTMAP_PROTO_NATPMP, PORTMAP_NATPMP_SENDS, now, out, outlen);
	case PORTMAP_NATPMP:
		if (pm->sent < 2 * PORTMAP_NATPMP_SENDS)
			return attempt(pm, PORTMAP_PROTO_NATPMP, PORTMAP_NATPMP_SENDS, now, out, outlen);
		fail(pm);
		return 0;
	case PORTMAP_MAPPED:
		if (now >= pm->expires_ms) {
			fail(pm);		/* no renewal came through */
			return 0;
		}
		if (!pm->renewing) {
			pm->renewing = 1;
			pm->start_ms = now;
			pm->sent = 0;
		}
		{
			unsigned sends = pm->proto == PORTMAP_PROTO_PCP ? PORTMAP_PCP_SENDS :
			    2 * PORTMAP_NATPMP_SENDS;
			size_t n;

			if (pm->sent < sends) {
				n = attempt(pm, pm->proto, pm->proto == PORTMAP_PROTO_PCP ?
				    PORTMAP_PCP_SENDS : PORTMAP_NATPMP_SENDS, now, out, outlen);
				if (pm->sent >= sends && pm->proto == PORTMAP_PROTO_NATPMP)
					pm->next_ms = now + PORTMAP_GIVE_UP_MS;
				return n;
			}
			/* Unanswered: try again at the next half of what is left. */
			pm->renewing = 0;
			pm->next_ms = now + (pm->expires_ms - now) / 2;
			if (pm->next_ms < now + PORTMAP_GIVE_UP_MS)
				pm->next_ms = pm->expires_ms;
		}
		return 0;
	case PORTMAP_IDLE:
	case PORTMAP_FAILED:
		break;
	}
	return 0;
}

/* A mapping granted: keep it, report it if it is new or moved. */
static enum portmap_event
mapped(struct portmap *pm, enum portmap_proto proto, const uint8_t ip[4], uint16_t port,
    uint32_t lifetime_s, uint64_t now)
{
	int changed = pm->state != PORTMAP_MAPPED || memcmp(pm->ext_ip, ip, 4) != 0 ||
	    pm->ext_port != port;

	pm->state = PORTMAP_MAPPED;
	pm->proto = proto;
	memcpy(pm->ext_ip, ip, 4);
	pm->ext_port = port;
	pm->lifetime_s = lifetime_s;
	arm_renewal(pm, now);
	return changed ? PORTMAP_EV_MAPPED : PORTMAP_EV_NONE;
}

static enum portmap_event
drop(struct portmap *pm, enum pmp_err e)
{
	pm->dropped[e]++;
	return PORTMAP_EV_NONE;
}

enum portmap_event
portmap_input(struct portmap *pm, const uint8_t *buf, size_t len, uint64_t now)
{
	struct pmp_response res;
	enum portmap_proto proto;
	enum pmp_err e;

	if (pm->state == PORTMAP_IDLE || pm->state == PORTMAP_FAILED)
		return drop(pm, PMP_ERR_OPCODE);	/* nothing asked */
	proto = pm->state == PORTMAP_MAPPED ? pm->proto :
	    pm->state == PORTMAP_PCP ? PORTMAP_PROTO_PCP : PORTMAP_PROTO_NATPMP;
	/* A late NAT-PMP answer while still on PCP is an UNSUPP_VERSION, or not ours. */
	if (proto == PORTMAP_PROTO_PCP) {
		e = pcp_parse_map(buf, len, &pm->req, &res);
		if (e == PMP_ERR_VERSION && pm->state == PORTMAP_PCP) {
			pm->dropped[e]++;
			begin(pm, PORTMAP_NATPMP, now);
			return PORTMAP_EV_NONE;
		}
		if (e == PMP_OK)
			return mapped(pm, PORTMAP_PROTO_PCP, res.external_ip, res.external_port,
			    res.lifetime_s, now);
	} else {
		e = natpmp_parse(buf, len, &pm->req, &res);
		if (e == PMP_OK && res.opcode == NATPMP_OP_ADDR) {
			memcpy(pm->natpmp_ip, res.external_ip, 4);
			pm->have_natpmp_ip = 1;
			/* Moved outside, or the map answer came first: (re)announce. */
			if ((pm->state == PORTMAP_MAPPED && memcmp(pm->ext_ip, res.external_ip, 4) != 0) ||
			    (pm->state == PORTMAP_NATPMP && pm->ext_port != 0))
				return mapped(pm, PORTMAP_PROTO_NATPMP, res.external_ip, pm->ext_port,
				    pm->lifetime_s, now);
			return PORTMAP_EV_NONE;
		}
		if (e == PMP_OK) {
			const uint8_t *ip = pm->have_natpmp_ip ? pm->natpmp_ip : pm->ext_ip;

			if (!pm->have_natpmp_ip && pm->state != PORTMAP_MAPPED) {
				/* The map answer came first: wait for the address (next send). */
				pm->ext_port = res.external_port;
				pm->lifetime_s = res.lifetime_s;
				return PORTMAP_EV_NONE;
			}
			return mapped(pm, PORTMAP_PROTO_NATPMP, ip, res.external_port, res.lifetime_s, now);
		}
	}
	if (e == PMP_ERR_RESULT && pm->state != PORTMAP_MAPPED) {
		pm->dropped[e]++;
		pm->last_result = res.result;
		fail(pm);
		return PORTMAP_EV_FAILED;
	}
	return drop(pm, e);
}

void
portmap_refused(struct portmap *pm, uint64_t now)
{
	if (pm->state == PORTMAP_PCP)
		begin(pm, PORTMAP_NATPMP, now);
	else if (pm->state == PORTMAP_NATPMP)
		fail(pm);
}

size_t
portmap_build_delete(struct portmap *pm, uint8_t *out, size_t outlen)
{
	struct pmp_request del = pm->req;
	size_t n = 0;

	if (pm->state != PORTMAP_MAPPED)
		return 0;
	del.lifetime_s = 0;
	del.suggested_port = 0;
	if (pm->proto == PORTMAP_PROTO_PCP)
		n = pcp_build_map(&del, out, outlen);
	else
		n = natpmp_build_map(&del, out, outlen);
	pm->state = PORTMAP_IDLE;
	pm->next_ms = UINT64_MAX;
	return n;
}
