/* SPDX-License-Identifier: GPL-3.0-or-later */
/* upnp.c — UPnP IGD port mapping on a worker thread (upnp.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "src/session/upnp.h"

#ifndef HAVE_MINIUPNPC

struct upnp *
upnp_start(struct event_base *base, uint16_t port, upnp_cb *cb, void *arg)
{
	(void)base;
	(void)port;
	(void)cb;
	(void)arg;
	return NULL;
}

void
upnp_stop(struct upnp *u)
{
	(void)u;
}

int
upnp_available(void)
{
	return 0;
}

#else

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <arpa/inet.h>

#include <event2/event.h>
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <sodium.h>

#include "tunnel/net/endpoint.h"

enum {
	UPNP_ERR_CONFLICT = 718,	/* ConflictInMappingEntry: someone else has that port */
	UPNP_ERR_PERMANENT_ONLY = 725	/* OnlyPermanentLeasesSupported */
};

enum upnp_state {
	UPNP_WORKING,
	UPNP_MAPPED,
	UPNP_FAILED
};

/*
 * Shared by the loop and the worker; every field below lock is read and
 * written under it. refs counts the two; the last one out frees it.
 */
struct upnp {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* stop asked, or the worker done */
	pthread_t thread;
	int refs;
	int stop;			/* the loop wants the mapping gone and the worker out */
	int done;			/* the worker deleted what it held and is leaving */
	int loop_gone;			/* no more event_active: the event is being freed */
	enum upnp_state state;
	struct endpoint ext;
	/* set before the worker starts, then read-only */
	uint16_t port;
	struct event *ev;		/* fd-less, made active by the worker */
	upnp_cb *cb;
	void *arg;
};

int
upnp_available(void)
{
	return 1;
}

static void
unref(struct upnp *u)
{
	int last;

	pthread_mutex_lock(&u->lock);
	last = --u->refs == 0;
	pthread_mutex_unlock(&u->lock);
	if (!last)
		return;
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/* Worker: hand the outcome to the loop. */
static void
report(struct upnp *u, enum upnp_state st, const struct endpoint *ext)
{
	pthread_mutex_lock(&u->lock);
	u->state = st;
	if (ext != NULL)
		u->ext = *ext;
	if (!u->loop_gone)
		event_active(u->ev, EV_READ, 0);
	pthread_mutex_unlock(&u->lock);
}

/* Worker: map ext -> lan:port; returns the UPnP result (0 success). */
static int
add(const struct UPNPUrls *urls, const struct IGDdatas *data, const char *lan, uint16_t ext,
    uint16_t port, const char *lease)
{
	char e[8], i[8];

	snprintf(e, sizeof(e), "%u", ext);
	snprintf(i, sizeof(i), "%u", port);
	return UPNP_AddPortMapping(urls->controlURL, data->first.servicetype, e, i, lan, "gonet",
	    "UDP", NULL, lease);
}

static void *
worker(void *arg)
{
	struct upnp *u = arg;
	struct UPNPDev *devs;
	struct UPNPUrls urls;
	struct IGDdatas data;
	struct endpoint ext;
	struct timespec until;
	char lan[64], extip[40], del[8];
	const char *lease = "3600";
	uint8_t ip[4];
	uint16_t eport = 0;
	int err = 0, igd = 0, r = -1, k, stop;

	_Static_assert(UPNP_LEASE_S == 3600, "lease string");
	memset(&urls, 0, sizeof(urls));
	memset(&data, 0, sizeof(data));
	lan[0] = '\0';
	devs = upnpDiscover(UPNP_DISCOVER_MS, NULL, NULL, UPNP_LOCAL_PORT_ANY, 0, 2, &err);
	if (devs != NULL) {
		igd = UPNP_GetValidIGD(devs, &urls, &data, lan, sizeof(lan));
		freeUPNPDevlist(devs);
	}
	/* 2: an IGD that calls itself not connected (a private or reserved WAN address). */
	if ((igd == 1 || igd == 2) &&
	    UPNP_GetExternalIPAddress(urls.controlURL, data.first.servicetype, extip) == 0 &&
	    inet_pton(AF_INET, extip, ip) == 1) {
		for (k = 0; k < UPNP_PORT_TRIES; k++) {
			eport = k == 0 ? u->port : (uint16_t)(1024 + randombytes_uniform(64512));
			r = add(&urls, &data, lan, eport, u->port, lease);
			if (r == UPNP_ERR_PERMANENT_ONLY) {
				lease = "0";
				r = add(&urls, &data, lan, eport, u->port, lease);
			}
			if (r != UPNP_ERR_CONFLICT)
				break;
		}
	}
	if (r != 0) {
		report(u, UPNP_FAILED, NULL);
	} else {
		endpoint_set(&ext, ENDPOINT_V4, ip, eport);
		report(u, UPNP_MAPPED, &ext);
	}
	/* Hold the mapping: renew at half the lease until the loop says stop. */
	for (stop = 0; r == 0 && !stop;) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += UPNP_LEASE_S / 2;
		pthread_mutex_lock(&u->lock);
		while (!u->stop && pthread_cond_timedwait(&u->cond, &u->lock, &until) != ETIMEDOUT)
			;
		stop = u->stop;
		pthread_mutex_unlock(&u->lock);
		if (!stop)
			(void)add(&urls, &data, lan, eport, u->port, lease);
	}
	if (r == 0) {
		snprintf(del, sizeof(del), "%u", eport);
		(void)UPNP_DeletePortMapping(urls.controlURL, data.first.servicetype, del, "UDP", NULL);
	}
	if (igd != 0)
		FreeUPNPUrls(&urls);
	pthread_mutex_lock(&u->lock);
	u->done = 1;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
	unref(u);
	return NULL;
}

/* Loop: the worker has an outcome. */
static void
on_result(evutil_socket_t fd, short what, void *arg)
{
	struct upnp *u = arg;
	enum upnp_state st;
	struct endpoint ext;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&u->lock);
	st = u->state;
	ext = u->ext;
	pthread_mutex_unlock(&u->lock);
	if (st != UPNP_WORKING)
		u->cb(u->arg, st == UPNP_MAPPED ? &ext : NULL);
}

struct upnp *
upnp_start(struct event_base *base, uint16_t port, upnp_cb *cb, void *arg)
{
	pthread_condattr_t ca;
	struct upnp *u;

	if (base == NULL || port == 0 || (u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->port = port;
	u->cb = cb;
	u->arg = arg;
	u->refs = 2;
	if (pthread_condattr_init(&ca) != 0)
		goto err_free;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&u->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto err_free;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_mutex_init(&u->lock, NULL) != 0)
		goto err_cond;
	if ((u->ev = event_new(base, -1, 0, on_result, u)) == NULL)
		goto err_lock;
	if (pthread_create(&u->thread, NULL, worker, u) != 0)
		goto err_event;
	return u;

err_event:
	event_free(u->ev);
err_lock:
	pthread_mutex_destroy(&u->lock);
err_cond:
	pthread_cond_destroy(&u->cond);
err_free:
	free(u);
	return NULL;
}

void
upnp_stop(struct upnp *u)
{
	struct timespec until;
	int done;

	if (u == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)UPNP_STOP_WAIT_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&u->lock);
	u->stop = 1;
	u->loop_gone = 1;
	pthread_cond_broadcast(&u->cond);
	while (!u->done && pthread_cond_timedwait(&u->cond, &u->lock, &until) != ETIMEDOUT)
		;
	done = u->done;
	pthread_mutex_unlock(&u->lock);
	event_free(u->ev);		/* the worker no longer touches it (loop_gone) */
	if (done)
		pthread_join(u->thread, NULL);
	else
		pthread_detach(u->thread);	/* still talking to a slow gateway: it frees alone */
	unref(u);
}

#endif
