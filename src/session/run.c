/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run.c — the process around a session (session_run): the libevent loop,
 * the clock and its timers, SIGINT and SIGTERM, the terminal or --batch
 * front end, and the real data socket (tunnel/net/sock.h) read on the loop
 * and handed to session_input(). Everything the session itself does is
 * session.c's and its parts'.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "src/clock/clock.h"
#include "src/clock/timer.h"
#include "src/session/session.h"
#include "src/ui/ui.h"
#include "tunnel/net/endpoint.h"
#include "tunnel/net/sock.h"

enum {
	RUN_BURST = 64			/* datagrams per wake-up, so timers are not starved */
};

struct run {
	const struct session_config *cfg;
	struct event_base *base;
	struct clock clock;
	struct timers *timers;
	struct ui *ui;
	struct session *s;
	struct sock sock;
	struct event *sock_ev[SOCK__COUNT];
	struct aux {			/* extra sockets (session_wire aux_open); fd -1: free */
		struct run *r;
		int fd;
		struct event *ev;
	} aux[SESSION_AUX_MAX];
	struct event *sigint, *sigterm;
	char prompt[64];
};

/* --- the data socket ------------------------------------------------------------ */

static int
wire_send(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct run *r = arg;
	struct sockaddr_storage ss;
	socklen_t sl;

	if ((sl = endpoint_to_sockaddr(to, &ss)) == 0)
		return -EINVAL;
	return sock_send(&r->sock, (struct sockaddr *)&ss, sl, buf, len);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t buf[SOCK_DGRAM_MAX];
	struct run *r = arg;
	struct sockaddr_storage from;
	struct endpoint ep;
	socklen_t fromlen;
	ssize_t n;
	int i, k;

	(void)what;
	i = fd == r->sock.fd[SOCK_V4] ? SOCK_V4 : SOCK_V6;
	for (k = 0; k < RUN_BURST && r->s != NULL; k++) {
		n = sock_recv(&r->sock, i, buf, sizeof(buf), &from, &fromlen);
		if (n == 0)
			break;
		if (n < 0 && n != -EMSGSIZE)
			break;
		/* A truncated datagram, or an address we cannot use, counts as unreadable. */
		if (n < 0 || endpoint_from_sockaddr(&ep, (struct sockaddr *)&from, fromlen) != 0)
			memset(&ep, 0, sizeof(ep));
		session_input(r->s, &ep, buf, n < 0 ? 0 : (size_t)n);
	}
}

/* --- the extra sockets (port prediction) ------------------------------------------ */

static void
on_aux_readable(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t buf[SOCK_DGRAM_MAX];
	struct aux *a = arg;
	struct run *r = a->r;
	struct sockaddr_storage from;
	struct endpoint ep;
	socklen_t fromlen;
	ssize_t n;
	int k, h = (int)(a - r->aux);

	(void)what;
	for (k = 0; k < RUN_BURST && r->s != NULL && a->fd == fd; k++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			break;		/* EAGAIN, or an ICMP error: nothing to read */
		if ((size_t)n > sizeof(buf) ||
		    endpoint_from_sockaddr(&ep, (struct sockaddr *)&from, fromlen) != 0)
			memset(&ep, 0, sizeof(ep));
		session_input_aux(r->s, h, &ep, buf, (size_t)n > sizeof(buf) ? 0 : (size_t)n);
	}
}

static void
aux_close(void *arg, int h)
{
	struct run *r = arg;
	struct aux *a;

	if (h < 0 || h >= SESSION_AUX_MAX || r->aux[h].fd < 0)
		return;
	a = &r->aux[h];
	event_free(a->ev);
	close(a->fd);
	a->ev = NULL;
	a->fd = -1;
}

static int
aux_open(void *arg, unsigned family)
{
	struct run *r = arg;
	struct aux *a = NULL;
	int h, fd;

	for (h = 0; h < SESSION_AUX_MAX; h++)
		if (r->aux[h].fd < 0) {
			a = &r->aux[h];
			break;
		}
	if (a == NULL)
		return -EMFILE;
	if ((fd = sock_open_extra(family == ENDPOINT_V6 ? AF_INET6 : AF_INET)) < 0)
		return fd;
	a->r = r;
	a->fd = fd;
	if ((a->ev = event_new(r->base, fd, EV_READ | EV_PERSIST, on_aux_readable, a)) == NULL ||
	    event_add(a->ev, NULL) != 0) {
		if (a->ev != NULL)
			event_free(a->ev);
		a->ev = NULL;
		close(fd);
		a->fd = -1;
		return -ENOMEM;
	}
	return h;
}

static int
aux_send(void *arg, int h, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct run *r = arg;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (h < 0 || h >= SESSION_AUX_MAX || r->aux[h].fd < 0)
		return -EBADF;
	if ((sl = endpoint_to_sockaddr(to, &ss)) == 0)
		return -EINVAL;
	if (sendto(r->aux[h].fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

/* Whatever the session left open (it closes its own; this is the backstop). */
static void
close_aux(struct run *r)
{
	int h;

	for (h = 0; h < SESSION_AUX_MAX; h++)
		aux_close(r, h);
}

/* A start-up failure: the UI, and stderr in batch mode. */
static void
fatal(struct run *r, const char *text)
{
	struct ui_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = UI_EV_ERROR;
	ev.text = text;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	ui_emit(r->ui, &ev);
	if (r->cfg->batch)
		fprintf(stderr, "gonet: %s\n", text);
}

static int
open_socket(struct run *r)
{
	char text[256];
	int e, i;

	if ((e = sock_open(&r->sock, r->cfg->port, NULL, NULL)) != 0) {
		snprintf(text, sizeof(text), "cannot open the data socket on UDP port %u: %s",
		    r->cfg->port, strerror(-e));
		fatal(r, text);
		return -1;
	}
	for (i = 0; i < SOCK__COUNT; i++) {
		if (r->sock.fd[i] < 0)
			continue;
		r->sock_ev[i] = event_new(r->base, r->sock.fd[i], EV_READ | EV_PERSIST, on_readable, r);
		if (r->sock_ev[i] == NULL || event_add(r->sock_ev[i], NULL) != 0) {
			fatal(r, "cannot watch the data socket");
			return -1;
		}
	}
	return 0;
}

static void
close_socket(struct run *r)
{
	int i;

	for (i = 0; i < SOCK__COUNT; i++) {
		if (r->sock_ev[i] != NULL)
			event_free(r->sock_ev[i]);
		r->sock_ev[i] = NULL;
	}
	sock_close(&r->sock);
}

/* --- the user and the signals ---------------------------------------------------- */

static void
on_line(void *arg, const char *line, size_t len)
{
	struct run *r = arg;

	if (r->s != NULL)
		session_line(r->s, line, len);
}

static void
on_eof(void *arg)
{
	struct run *r = arg;

	if (r->s != NULL)
		session_eof(r->s);
	else
		event_base_loopexit(r->base, NULL);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	(void)what;
	if (r->s != NULL)
		session_interrupt(r->s, sig == SIGINT ? "interrupted" : "terminated");
	else
		event_base_loopexit(r->base, NULL);
}

static void
on_done(void *arg, unsigned delay_ms)
{
	struct run *r = arg;
	struct timeval tv = { (time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000 };

	event_base_loopexit(r->base, delay_ms > 0 ? &tv : NULL);
}

static int
start_signals(struct run *r)
{
	signal(SIGPIPE, SIG_IGN);
	r->sigint = evsignal_new(r->base, SIGINT, on_signal, r);
	r->sigterm = evsignal_new(r->base, SIGTERM, on_signal, r);
	if (r->sigint == NULL || r->sigterm == NULL ||
	    evsignal_add(r->sigint, NULL) != 0 || evsignal_add(r->sigterm, NULL) != 0)
		return -1;
	return 0;
}

static void
stop_signals(struct run *r)
{
	if (r->sigint != NULL)
		event_free(r->sigint);
	if (r->sigterm != NULL)
		event_free(r->sigterm);
}

int
session_run(const struct session_config *cfg)
{
	struct ui_input in;
	struct session_env env;
	struct run r;
	int status = 1;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.sock.fd[SOCK_V4] = r.sock.fd[SOCK_V6] = -1;
	for (int h = 0; h < SESSION_AUX_MAX; h++)
		r.aux[h].fd = -1;
	r.clock = cfg->clock != NULL ? *cfg->clock : clock_real(NULL);
	evthread_use_pthreads();
	if ((r.base = event_base_new()) == NULL)
		return 1;
	if ((r.timers = timers_new(r.base, &r.clock)) == NULL)
		goto err_base;
	in.line = on_line;
	in.eof = on_eof;
	in.arg = &r;
	snprintf(r.prompt, sizeof(r.prompt), "%s> ", cfg->nick != NULL ? cfg->nick : "");
	r.ui = cfg->batch ? ui_batch_new(r.base, &in) : ui_term_new(r.base, &in, r.prompt);
	if (r.ui == NULL) {
		fprintf(stderr, "gonet: cannot start the %s interface\n",
		    cfg->batch ? "batch" : "terminal");
		goto err_timers;
	}
	if (start_signals(&r) == -1 || open_socket(&r) == -1)
		goto err_socket;

	memset(&env, 0, sizeof(env));
	env.base = r.base;
	env.timers = r.timers;
	env.ui = r.ui;
	env.wire.send = wire_send;
	env.wire.arg = &r;
	env.wire.port = r.sock.port;
	env.wire.families = (r.sock.fd[SOCK_V4] >= 0 ? SESSION_WIRE_V4 : 0) |
	    (r.sock.fd[SOCK_V6] >= 0 ? SESSION_WIRE_V6 : 0);
	env.wire.aux_open = aux_open;
	env.wire.aux_send = aux_send;
	env.wire.aux_close = aux_close;
	env.done = on_done;
	env.done_arg = &r;
	if ((r.s = session_new(cfg, &env)) == NULL)
		goto err_socket;

	event_base_dispatch(r.base);
	status = 0;
	session_report(r.s);
	session_free(r.s);
	r.s = NULL;

err_socket:
	close_aux(&r);
	close_socket(&r);
	stop_signals(&r);
	ui_free(r.ui);
err_timers:
	timers_free(r.timers);
err_base:
	event_base_free(r.base);
	return status;
}
