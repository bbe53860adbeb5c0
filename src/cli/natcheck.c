/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * natcheck.c — `gonet --nat-check`, RFC 5780 behaviour discovery (see
 * natcheck.h). A one-shot command: it runs the tests in order on its own
 * data socket, each bounded in time, prints the report and exits.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tunnel/net/endpoint.h"
#include "src/ui/json.h"
#include "tunnel/nat/natclass.h"
#include "src/cli/natcheck.h"
#include "src/clock/clock.h"
#include "tunnel/net/sock.h"
#include "tunnel/nat/stun.h"

enum {
	NATCHECK_RTO_MS = 200,
	NATCHECK_DEFAULT_TIMEOUT_MS = 3000,
	STUN_DEFAULT_PORT = 3478
};

struct natcheck {
	struct sock sock;
	struct endpoint local;		/* our address toward the server, data port */
	uint8_t buf[2048];
};

struct natcheck_result {
	struct endpoint server, other, m1, m2, m3;
	int have_other;
	enum nat_behaviour mapping, filtering;
	int hairpin;			/* 1 yes, 0 no, -1 not tested */
	struct nat_verdict cls;		/* what gonet publishes (record key "nat") */
};

static const char *const behaviour_names[] = {
	[NAT_UNKNOWN] = "unknown",
	[NAT_NONE] = "none",
	[NAT_INDEPENDENT] = "endpoint-independent",
	[NAT_ADDRESS] = "address-dependent",
	[NAT_ADDRESS_PORT] = "address-and-port-dependent"
};

const char *
nat_behaviour_name(enum nat_behaviour b)
{
	return b <= NAT_ADDRESS_PORT ? behaviour_names[b] : "unknown";
}

static uint64_t
now_ms(void)
{
	const struct clock c = clock_real(NULL);

	return clock_mono_ms(&c);
}

/* "HOST[:PORT]" into an endpoint (blocking resolve, once at start). */
static int
resolve(const char *spec, struct endpoint *ep)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	uint16_t port;
	int rc;

	if (endpoint_parse_hostport(spec, host, sizeof(host), STUN_DEFAULT_PORT, &port) != 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
		return -1;
	rc = endpoint_from_sockaddr(ep, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc != 0)
		return -1;
	ep->port = port;
	return 0;
}

/* Our own address toward to (the kernel's route choice), with the data port. */
static int
local_toward(const struct natcheck *nc, const struct endpoint *to, struct endpoint *out)
{
	struct sockaddr_storage ss, me;
	socklen_t len = endpoint_to_sockaddr(to, &ss), mlen = sizeof(me);
	int fd, rc = -1;

	if (len == 0 || (fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&me, &mlen) == 0 &&
	    endpoint_from_sockaddr(out, (struct sockaddr *)&me, mlen) == 0) {
		out->port = nc->sock.port;
		rc = 0;
	}
	close(fd);
	return rc;
}

/*
 * Wait up to deadline for a datagram; returns its length (in nc->buf), 0 on
 * timeout. The source goes to *from.
 */
static ssize_t
wait_datagram(struct natcheck *nc, uint64_t deadline, struct endpoint *from)
{
	struct pollfd pfd[SOCK__COUNT];
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint64_t now;
	ssize_t n;
	int i, np = 0;

	for (i = 0; i < SOCK__COUNT; i++) {
		pfd[i].fd = nc->sock.fd[i];
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	while ((now = now_ms()) < deadline) {
		np = poll(pfd, SOCK__COUNT, (int)(deadline - now));
		if (np < 0 && errno != EINTR)
			return -errno;
		for (i = 0; np > 0 && i < SOCK__COUNT; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			n = sock_recv(&nc->sock, i, nc->buf, sizeof(nc->buf), &ss, &sslen);
			if (n > 0 && endpoint_from_sockaddr(from, (struct sockaddr *)&ss, sslen) == 0)
				return n;
		}
	}
	return 0;
}

static int
send_to(struct natcheck *nc, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = endpoint_to_sockaddr(to, &ss);

	if (sslen == 0)
		return -EINVAL;
	return sock_send(&nc->sock, (struct sockaddr *)&ss, sslen, buf, len);
}

/*
 * One Binding transaction to `to` with CHANGE-REQUEST flags `change`, on a
 * short retransmission schedule bounded by timeout_ms. Returns 0 with *res
 * filled, or -1 when nothing usable came back in time.
 */
static int
transact(struct natcheck *nc, const struct endpoint *to, unsigned change, unsigned timeout_ms,
    struct stun_response *res)
{
	struct stun_rto_config cfg = { NATCHECK_RTO_MS, 7, 4, timeout_ms };
	uint8_t txid[STUN_TXID_LEN], req[STUN_REQUEST_MAX];
	struct stun_txn t;
	struct endpoint from;
	size_t reqlen;
	ssize_t n;

	stun_txid_random(txid);
	if ((reqlen = stun_build_binding_request(req, sizeof(req), txid, change, 1)) == 0)
		return -1;
	stun_txn_start(&t, &cfg, txid, now_ms());
	for (;;) {
		switch (stun_txn_on_timer(&t, now_ms())) {
		case STUN_ACT_SEND:
			send_to(nc, to, req, reqlen);
			break;
		case STUN_ACT_TIMEOUT:
			return -1;
		case STUN_ACT_NONE:
			break;
		}
		if (t.state != STUN_TXN_RUNNING)
			return -1;
		n = wait_datagram(nc, stun_txn_next_deadline(&t), &from);
		if (n < 0)
			return -1;
		/* Answers to CHANGE-REQUEST come from elsewhere: match on txid only. */
		if (n > 0 && stun_parse_response(nc->buf, (size_t)n, txid, res) == STUN_OK)
			return 0;
	}
}

/* Does a Binding request sent to our own mapped address come back to us? */
static int
hairpin(struct natcheck *nc, const struct endpoint *mapped, unsigned timeout_ms)
{
	uint8_t txid[STUN_TXID_LEN], req[STUN_REQUEST_MAX];
	struct stun_header h;
	struct endpoint from;
	uint64_t deadline = now_ms() + timeout_ms, next = 0;
	size_t reqlen;
	ssize_t n;

	stun_txid_random(txid);
	if ((reqlen = stun_build_binding_request(req, sizeof(req), txid, 0, 1)) == 0)
		return -1;
	while (now_ms() < deadline) {
		if (now_ms() >= next) {
			send_to(nc, mapped, req, reqlen);
			next = now_ms() + 4 * NATCHECK_RTO_MS;
		}
		n = wait_datagram(nc, next < deadline ? next : deadline, &from);
		if (n < 0)
			return -1;
		if ((size_t)n >= sizeof(h)) {
			memcpy(&h, nc->buf, sizeof(h));
			if (h.type[0] == 0 && h.type[1] == STUN_BINDING_REQUEST &&
			    memcmp(h.txid, txid, STUN_TXID_LEN) == 0)
				return 1;
		}
	}
	return 0;
}

static const char *
nat_type(const struct natcheck_result *r)
{
	if (r->mapping == NAT_NONE)
		return r->filtering == NAT_INDEPENDENT ? "none (public address)" :
		    "none (public address, filtering firewall)";
	if (r->mapping == NAT_UNKNOWN)
		return "unknown";
	if (r->mapping != NAT_INDEPENDENT)
		return "symmetric";
	switch (r->filtering) {
	case NAT_INDEPENDENT:
		return "full cone";
	case NAT_ADDRESS:
		return "restricted cone";
	case NAT_ADDRESS_PORT:
		return "port-restricted cone";
	default:
		return "cone (filtering unknown)";
	}
}

/* The class the session would publish, from the answers in the order they were asked. */
static void
classify(const struct natcheck *nc, struct natcheck_result *r)
{
	struct nat_sample s[3];
	unsigned n = 0;

	if (r->m1.family != ENDPOINT_NONE)
		s[n++] = (struct nat_sample){ r->server, r->m1 };
	if (r->m2.family != ENDPOINT_NONE) {
		s[n] = (struct nat_sample){ r->other, r->m2 };
		s[n++].server.port = r->server.port;
	}
	if (r->m3.family != ENDPOINT_NONE)
		s[n++] = (struct nat_sample){ r->other, r->m3 };
	(void)nat_classify(s, n, r->server.family, &nc->local, 1, &r->cls);
}

/* "+1 +1": the port steps seen, or "" */
static void
steps(const struct natcheck_result *r, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < r->cls.ndeltas && pos < len; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%+d", i ? " " : "",
		    (int)r->cls.deltas[i]);
}

static void
run(struct natcheck *nc, const struct endpoint *server, unsigned timeout_ms,
    struct natcheck_result *r)
{
	struct stun_response res;
	struct endpoint to;

	memset(r, 0, sizeof(*r));
	r->server = *server;
	r->hairpin = -1;
	if (transact(nc, server, 0, timeout_ms, &res) != 0)
		return;
	r->m1 = res.mapped;
	r->have_other = res.have_other && res.other.family == server->family &&
	    memcmp(res.other.addr, server->addr, endpoint_addr_len(server->family)) != 0;
	r->other = res.other;

	/* Mapping. */
	if (endpoint_equal(&r->m1, &nc->local)) {
		r->mapping = NAT_NONE;
	} else if (r->have_other) {
		to = r->other;
		to.port = server->port;
		if (transact(nc, &to, 0, timeout_ms, &res) == 0) {
			r->m2 = res.mapped;
			if (endpoint_equal(&r->m1, &r->m2)) {
				r->mapping = NAT_INDEPENDENT;
			} else if (transact(nc, &r->other, 0, timeout_ms, &res) == 0) {
				r->m3 = res.mapped;
				r->mapping = endpoint_equal(&r->m2, &r->m3) ? NAT_ADDRESS :
				    NAT_ADDRESS_PORT;
			}
		}
	}

	/* Filtering: only meaningful when the server can answer from elsewhere. */
	if (r->have_other) {
		if (transact(nc, server, STUN_CHANGE_IP | STUN_CHANGE_PORT, timeout_ms, &res) == 0)
			r->filtering = NAT_INDEPENDENT;
		else if (transact(nc, server, STUN_CHANGE_PORT, timeout_ms, &res) == 0)
			r->filtering = NAT_ADDRESS;
		else
			r->filtering = NAT_ADDRESS_PORT;
	}

	if (r->mapping != NAT_NONE)
		r->hairpin = hairpin(nc, &r->m1, timeout_ms);
	classify(nc, r);
}

static void
report_text(const struct natcheck *nc, const struct natcheck_result *r)
{
	char a[ENDPOINT_STR_MAX], b[ENDPOINT_STR_MAX];

	printf("stun server  %s", endpoint_format(&r->server, a, sizeof(a)));
	if (r->have_other)
		printf(" (other address %s)", endpoint_format(&r->other, b, sizeof(b)));
	printf("\nlocal        %s\n", endpoint_format(&nc->local, a, sizeof(a)));
	if (r->m1.family == ENDPOINT_NONE) {
		printf("mapped       no answer\n");
		return;
	}
	printf("mapped       %s\n", endpoint_format(&r->m1, a, sizeof(a)));
	printf("mapping      %s\n", nat_behaviour_name(r->mapping));
	printf("filtering    %s\n", r->have_other ? nat_behaviour_name(r->filtering) :
	    "unknown (server has no OTHER-ADDRESS)");
	printf("hairpin      %s\n", r->hairpin < 0 ? "not tested" : r->hairpin ? "yes" : "no");
	printf("nat type     %s\n", nat_type(r));
	steps(r, b, sizeof(b));
	printf("nat class    %s%s%s%s\n", nat_class_name(r->cls.cls), b[0] ? " (port steps " : "", b,
	    b[0] ? ")" : "");
	printf("candidates   host %s, srflx %s\n", endpoint_format(&nc->local, a, sizeof(a)),
	    endpoint_format(&r->m1, b, sizeof(b)));
}

static void
report_json(const struct natcheck *nc, const struct natcheck_result *r)
{
	char a[ENDPOINT_STR_MAX];
	struct json j;

	json_begin(&j);
	json_str(&j, "type", "nat-check");
	json_str(&j, "server", endpoint_format(&r->server, a, sizeof(a)));
	if (r->have_other)
		json_str(&j, "other", endpoint_format(&r->other, a, sizeof(a)));
	json_str(&j, "local", endpoint_format(&nc->local, a, sizeof(a)));
	json_bool(&j, "answered", r->m1.family != ENDPOINT_NONE);
	if (r->m1.family != ENDPOINT_NONE)
		json_str(&j, "mapped", endpoint_format(&r->m1, a, sizeof(a)));
	json_str(&j, "mapping", nat_behaviour_name(r->mapping));
	json_str(&j, "filtering", nat_behaviour_name(r->filtering));
	if (r->hairpin >= 0)
		json_bool(&j, "hairpin", r->hairpin);
	json_str(&j, "nat_type", nat_type(r));
	json_str(&j, "nat_class", nat_class_name(r->cls.cls));
	steps(r, a, sizeof(a));
	json_str(&j, "port_steps", a);
	json_print(&j, stdout);
}

int
natcheck_main(const struct natcheck_opts *o)
{
	struct natcheck nc;
	struct natcheck_result r;
	struct endpoint server;
	unsigned timeout = o->timeout_ms ? o->timeout_ms : NATCHECK_DEFAULT_TIMEOUT_MS;
	unsigned i;
	int rc, answered = 0;

	if (o->nstun == 0) {
		fprintf(stderr, "gonet: --nat-check needs a STUN server (--stun HOST[:PORT]) "
		    "that offers OTHER-ADDRESS\n");
		return 2;
	}
	memset(&nc, 0, sizeof(nc));
	if ((rc = sock_open(&nc.sock, o->port, NULL, NULL)) != 0) {
		fprintf(stderr, "gonet: cannot open the data socket on port %u: %s\n", o->port,
		    strerror(-rc));
		return 1;
	}
	for (i = 0; i < o->nstun; i++) {
		if (resolve(o->stun[i], &server) != 0) {
			fprintf(stderr, "gonet: cannot resolve STUN server %s\n", o->stun[i]);
			continue;
		}
		if (local_toward(&nc, &server, &nc.local) != 0) {
			fprintf(stderr, "gonet: no route to STUN server %s\n", o->stun[i]);
			continue;
		}
		run(&nc, &server, timeout, &r);
		if (o->json)
			report_json(&nc, &r);
		else
			report_text(&nc, &r);
		answered += r.m1.family != ENDPOINT_NONE;
	}
	sock_close(&nc.sock);
	return answered > 0 ? 0 : 1;
}
