/* SPDX-License-Identifier: GPL-3.0-or-later */
/* portmapping.c — asking the gateway to map our data port (portmapping.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <sodium.h>

#include "src/session/cands.h"
#include "src/session/core.h"
#include "src/session/net.h"
#include "src/session/portmapping.h"
#include "src/session/tell.h"
#include "src/session/upnp.h"
#include "tunnel/portmap/gateway.h"
#include "tunnel/portmap/portmap.h"

#define ROUTE_FILE "/proc/net/route"

enum {
	ROUTE_FILE_MAX = 65536		/* read no more of the routing table than this */
};

struct portmap_part {
	struct portmap pm;
	int fd;
	struct event *ev;
	struct timer *timer;
	uint8_t gateway[4];
	uint64_t retry_ms;		/* FAILED: start again then */
	int said_failure;
	/* UPnP IGD, the third way, tried once when PCP and NAT-PMP failed (upnp.h) */
	struct upnp *upnp;
	enum { UPNP_NOT_TRIED, UPNP_ASKING, UPNP_HOLDS, UPNP_NONE } upnp_state;
	struct endpoint upnp_ext;
};

static int
read_gateway(uint8_t gw[4])
{
	char *buf;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(ROUTE_FILE, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((buf = malloc(ROUTE_FILE_MAX)) != NULL) {
		n = read(fd, buf, ROUTE_FILE_MAX);
		if (n > 0)
			rc = portmap_gateway_parse(buf, (size_t)n, gw);
		free(buf);
	}
	close(fd);
	return rc;
}

static void
send_due(struct session *s)
{
	struct portmap_part *pp = s->portmap;
	uint8_t out[PCP_MSG_MAX];
	size_t n;

	while ((n = portmap_on_timer(&pp->pm, session_now_ms(s), out, sizeof(out))) > 0)
		(void)send(pp->fd, out, n, 0);	/* a lost send is a lost packet */
}

/* The UPnP worker's outcome (on the loop). */
static void
on_upnp(void *arg, const struct endpoint *ext)
{
	struct session *s = arg;
	struct portmap_part *pp = s->portmap;
	char addr[ENDPOINT_STR_MAX];

	if (pp == NULL)
		return;
	if (ext == NULL) {
		pp->upnp_state = UPNP_NONE;
		if (s->cfg->verbose >= 1)
			session_info(s, "portmap", "no UPnP IGD made a port mapping either");
		return;
	}
	pp->upnp_state = UPNP_HOLDS;
	pp->upnp_ext = *ext;
	if (pp->pm.state == PORTMAP_MAPPED)
		return;		/* PCP or NAT-PMP answered meanwhile: theirs is published */
	cands_learnt(s, CAND_TYPE_MAPPED, ext);
	session_status(s, "portmap", "the gateway forwards %s to us (UPnP IGD, %u s)",
	    endpoint_format(ext, addr, sizeof(addr)), (unsigned)UPNP_LEASE_S);
}

static void
rearm(struct session *s)
{
	struct portmap_part *pp = s->portmap;
	uint64_t next = portmap_next(&pp->pm);

	/* Neither PCP nor NAT-PMP: UPnP IGD on its worker, once (nothing waits for it). */
	if (pp->pm.state == PORTMAP_FAILED && pp->upnp_state == UPNP_NOT_TRIED) {
		pp->upnp = upnp_start(s->env.base, net_port(s, ENDPOINT_V4), on_upnp, s);
		pp->upnp_state = pp->upnp != NULL ? UPNP_ASKING : UPNP_NONE;
	}
	if (pp->pm.state == PORTMAP_FAILED) {
		if (!pp->said_failure && s->cfg->verbose >= 1)
			session_info(s, "portmap", "the gateway made no port mapping (%s)",
			    pp->pm.last_result != 0 ? "it said no" : "no PCP or NAT-PMP answer");
		pp->said_failure = 1;
		next = pp->retry_ms;
	}
	timer_at(pp->timer, next);
}

/* A new attempt: fresh nonce, our address toward the gateway, the data port. */
static void
begin(struct session *s)
{
	struct portmap_part *pp = s->portmap;
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	uint8_t nonce[PCP_NONCE_LEN];

	if (getsockname(pp->fd, (struct sockaddr *)&me, &len) != 0 || me.sin_family != AF_INET)
		return;
	randombytes_buf(nonce, sizeof(nonce));
	portmap_start(&pp->pm, (const uint8_t *)&me.sin_addr, net_port(s, ENDPOINT_V4), nonce,
	    session_now_ms(s));
	pp->retry_ms = session_now_ms(s) + PORTMAP_RETRY_MS;
}

static void
on_timer(void *arg)
{
	struct session *s = arg;
	struct portmap_part *pp = s->portmap;

	if (pp->pm.state == PORTMAP_FAILED && session_now_ms(s) >= pp->retry_ms)
		begin(s);
	send_due(s);
	rearm(s);
}

static void
announce(struct session *s)
{
	struct portmap_part *pp = s->portmap;
	char addr[ENDPOINT_STR_MAX];
	struct endpoint ep;

	if (portmapping_mapped(s, &ep) != 0)
		return;
	cands_learnt(s, CAND_TYPE_MAPPED, &ep);
	session_status(s, "portmap", "the gateway forwards %s to us (%s, %u s)",
	    endpoint_format(&ep, addr, sizeof(addr)), portmap_proto_name(pp->pm.proto),
	    (unsigned)pp->pm.lifetime_s);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct portmap_part *pp = s->portmap;
	uint8_t buf[PCP_MSG_MAX + 4];
	unsigned i;
	ssize_t n;

	(void)what;
	for (i = 0; i < 16; i++) {		/* a burst at most per wake-up */
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ECONNREFUSED)	/* ICMP: nobody on 5351 */
				portmap_refused(&pp->pm, session_now_ms(s));
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;
		}
		/* Connected: the kernel hands us only the gateway's port 5351. */
		if (portmap_input(&pp->pm, buf, (size_t)n, session_now_ms(s)) == PORTMAP_EV_MAPPED)
			announce(s);
	}
	send_due(s);
	rearm(s);
}

void
portmapping_start(struct session *s)
{
	struct portmap_part *pp;
	struct sockaddr_in gw;

	if (s->cfg->no_port_mapping || s->cfg->loopback || s->env.base == NULL ||
	    net_port(s, ENDPOINT_V4) == 0)
		return;
	if ((pp = calloc(1, sizeof(*pp))) == NULL)
		return;
	pp->fd = -1;
	s->portmap = pp;
	if (read_gateway(pp->gateway) != 0) {
		if (s->cfg->verbose >= 1)
			session_info(s, "portmap", "no default IPv4 gateway: no port mapping");
		return;
	}
	memset(&gw, 0, sizeof(gw));
	gw.sin_family = AF_INET;
	gw.sin_port = htons(PMP_SERVER_PORT);
	memcpy(&gw.sin_addr, pp->gateway, 4);
	if ((pp->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(pp->fd, (struct sockaddr *)&gw, sizeof(gw)) != 0 ||
	    (pp->timer = timer_new(s->timers, on_timer, s)) == NULL ||
	    (pp->ev = event_new(s->env.base, pp->fd, EV_READ | EV_PERSIST, on_readable, s)) == NULL ||
	    event_add(pp->ev, NULL) != 0) {
		if (s->cfg->verbose >= 1)
			session_info(s, "portmap", "cannot ask the gateway: %s", strerror(errno));
		portmapping_stop(s);
		return;
	}
	begin(s);
	send_due(s);
	rearm(s);
}

void
portmapping_stop(struct session *s)
{
	struct portmap_part *pp = s->portmap;
	uint8_t out[PCP_MSG_MAX];
	unsigned i;
	size_t n;

	if (pp == NULL)
		return;
	if (pp->fd >= 0 && (n = portmap_build_delete(&pp->pm, out, sizeof(out))) > 0)
		for (i = 0; i < PORTMAP_DELETE_SENDS; i++)
			(void)send(pp->fd, out, n, 0);
	upnp_stop(pp->upnp);		/* its worker deletes its mapping, bounded wait */
	if (pp->ev != NULL)
		event_free(pp->ev);
	timer_free(pp->timer);
	if (pp->fd >= 0)
		close(pp->fd);
	free(pp);
	s->portmap = NULL;
}

int
portmapping_mapped(const struct session *s, struct endpoint *out)
{
	const struct portmap_part *pp = s->portmap;

	if (pp == NULL)
		return -1;
	if (pp->pm.state == PORTMAP_MAPPED)
		return endpoint_set(out, ENDPOINT_V4, pp->pm.ext_ip, pp->pm.ext_port);
	if (pp->upnp_state == UPNP_HOLDS) {
		*out = pp->upnp_ext;
		return 0;
	}
	return -1;
}
