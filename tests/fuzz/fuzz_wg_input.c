/* fuzz-sources: tunnel/wg/kdf.c tunnel/wg/tai64n.c tunnel/wg/replay.c tunnel/wg/index.c tunnel/wg/noise.c tunnel/wg/cookie.c tunnel/wg/ratelimiter.c tunnel/wg/timers.c tunnel/wg/allowedips.c tunnel/wg/send.c tunnel/wg/receive.c tunnel/wg/peerlookup.c tunnel/wg/peer.c tunnel/wg/device.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_wg_input.c — libFuzzer target for wg_device_input(): arbitrary
 * datagrams into device A, which has one peer B (a second in-process
 * device). Everything is deterministic: a fake clock, and libsodium's
 * randombytes replaced by a seeded generator reset for every input.
 *
 * Input: one mode byte, then records [op][len lo][len hi][len bytes]:
 *   mode bit 0: complete a real A<->B handshake first (A has a session)
 *   mode bit 1: force A under load (mac2/cookie path)
 *   op 0: the bytes as a raw datagram into A (from B's address, or a
 *         roaming address if op bit 4 is set)
 *   op 1: B encrypts the bytes as an inner packet; the datagram goes to A
 *   op 2: advance the clock by len * 100 ms and run both devices' timers
 *   op 3: B initiates; its initiation goes to A (the bytes are ignored)
 *   op 4: A sends the bytes to B (staging, handshakes)
 * Datagrams A sends to B are delivered to B; B's go to A, bounded.
 *
 * Built with -DWG_FUZZ_SEEDS and no libFuzzer, main() writes seed files
 * into the directory given as argv[1].
 *
 * Speed (issue 12: it ran 75 k inputs a minute, two whole devices per
 * input): the two devices are built once, and each input starts from the
 * same state by freeing and re-adding both peers (which drops every
 * session, handshake, index and timer) and resetting what the devices keep
 * themselves (cookie secret, rate limiter, load state, counters; the
 * rate limiter's 8192 entries are rebuilt only after an input used them).
 * And X25519 is replaced, in this target only, by a stand-in that agrees
 * the same way (public = clamped private, DH(a, B) = a XOR B, so DH(a, pub
 * b) = DH(b, pub a); an all-zero result fails, as a low-order point does):
 * the curve is libsodium's and tested elsewhere, while every byte this
 * target is about (parsing, MACs, AEAD, BLAKE2s, state machines, timers)
 * runs for real. tests/unit/test_noise.c checks the real DH.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <sodium.h>

#include "tunnel/wg/device.h"
#include "tunnel/wg/wg.h"

enum {
	QUEUE_MAX = 64,
	DGRAM_MAX = 2048,
	OPS_MAX = 64
};

struct dgram {
	int		 to;		/* 0 = A, 1 = B */
	size_t		 len;
	uint8_t		 buf[DGRAM_MAX];
};

static uint64_t			 clock_ns;
static uint64_t			 rng_state;
static struct dgram		 queue[QUEUE_MAX];	/* a ring: qhead, qlen */
static int			 qhead, qlen;
static struct sockaddr_in	 addr_a, addr_b, addr_roam;
static struct wg_device		*dev_a, *dev_b;
static struct wg_peer		*peer_a, *peer_b;	/* A's view of B, B's view of A */
static FILE			*capture;		/* seed generation: B's datagrams to A */

/* splitmix64: deterministic "randomness" for libsodium during fuzzing. */
static uint32_t
rng_random(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static const char *
rng_name(void)
{
	return "fuzz";
}

static void
rng_stir(void)
{
}

static uint32_t
rng_uniform(const uint32_t upper)
{
	return upper < 2 ? 0 : rng_random() % upper;
}

static void
rng_buf(void *const buf, const size_t size)
{
	uint8_t		*p = buf;
	size_t		 i;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)rng_random();
}

static int
rng_close(void)
{
	return 0;
}

static randombytes_implementation rng_impl = {
	rng_name, rng_random, rng_stir, rng_uniform, rng_buf, rng_close
};

/*
 * The X25519 stand-in (see the top): these definitions take the place of
 * libsodium's for every call made from this program's own objects.
 */
int
crypto_scalarmult_base(unsigned char *q, const unsigned char *n)
{
	memcpy(q, n, 32);
	q[0] &= 248;
	q[31] = (q[31] & 127) | 64;
	return 0;
}

int
crypto_scalarmult(unsigned char *q, const unsigned char *n, const unsigned char *p)
{
	unsigned char	 k[32], acc = 0;
	int		 i;

	crypto_scalarmult_base(k, n);
	for (i = 0; i < 32; i++) {
		q[i] = k[i] ^ p[i];
		acc |= q[i];
	}
	return acc == 0 ? -1 : 0;
}

static uint64_t
io_now(void *arg)
{
	(void)arg;
	return clock_ns;
}

static void
io_wall(void *arg, struct timespec *ts)
{
	(void)arg;
	ts->tv_sec = 1700000000 + (time_t)(clock_ns / 1000000000ULL);
	ts->tv_nsec = (long)(clock_ns % 1000000000ULL);
}

static int
io_send(void *arg, const struct sockaddr *addr, socklen_t addrlen, const uint8_t *buf, size_t len)
{
	struct dgram	*d;

	(void)addr;
	(void)addrlen;
	if (qlen == QUEUE_MAX || len > DGRAM_MAX)
		return -105;
	d = &queue[(qhead + qlen++) % QUEUE_MAX];
	d->to = arg == (void *)&dev_a ? 1 : 0;
	d->len = len;
	memcpy(d->buf, buf, len);
	return 0;
}

static void
io_deliver(void *arg, struct wg_peer *peer, const uint8_t *pkt, size_t len)
{
	volatile uint8_t sink = 0;
	size_t		 i;

	(void)arg;
	(void)peer;
	for (i = 0; i < len; i++)
		sink ^= pkt[i];
	(void)sink;
}

static void
pump(int budget)
{
	static struct dgram d;		/* a copy: delivering may queue more */

	while (qlen > 0 && budget-- > 0) {
		struct dgram *q = &queue[qhead];

		d.to = q->to;
		d.len = q->len;
		memcpy(d.buf, q->buf, q->len);
		qhead = (qhead + 1) % QUEUE_MAX;
		qlen--;
		if (d.to == 0) {
			if (capture != NULL) {
				uint8_t h[3] = { 0, (uint8_t)d.len, (uint8_t)(d.len >> 8) };

				fwrite(h, 1, 3, capture);
				fwrite(d.buf, 1, d.len, capture);
			}
			wg_device_input(dev_a, (struct sockaddr *)&addr_b, sizeof addr_b, d.buf, d.len);
		} else
			wg_device_input(dev_b, (struct sockaddr *)&addr_a, sizeof addr_a, d.buf, d.len);
	}
}

/* The two devices, once per process. */
static void
devices_new(void)
{
	struct wg_io	 io;
	uint8_t		 k[32];
	int		 i;

	memset(&io, 0, sizeof io);
	io.send = io_send;
	io.deliver = io_deliver;
	io.now = io_now;
	io.wall = io_wall;
	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)(1 + i);
	io.arg = &dev_a;
	dev_a = wg_device_new(k, &io);
	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)(33 + i);
	io.arg = &dev_b;
	dev_b = wg_device_new(k, &io);
	if (dev_a == NULL || dev_b == NULL)
		abort();
}

/* What a device keeps outside its peers, as wg_device_new() left it, at clock_ns. */
static void
device_reset(struct wg_device *dev)
{
	if (dev->ratelimiter.count != 0 || dev->ratelimiter.entries == NULL) {
		wg_ratelimiter_uninit(&dev->ratelimiter);
		if (wg_ratelimiter_init(&dev->ratelimiter, clock_ns) != 0)
			abort();
	}
	dev->ratelimiter.last_gc = clock_ns;
	wg_cookie_checker_init(&dev->cookie_checker, dev->static_identity.static_public);
	memset(&dev->stats, 0, sizeof dev->stats);
	dev->force_under_load = -1;
	dev->load_window_start = clock_ns;
	dev->load_window_count = 0;
	dev->last_under_load = 0;
	dev->was_under_load = 0;
}

static void
setup(void)
{
	uint8_t		 pub[32], psk[32];
	uint8_t		 net[4] = { 10, 9, 0, 0 };
	int		 i;

	rng_state = 0x676f6e6574ULL;
	clock_ns = 1000ULL * 1000000000ULL;
	qhead = qlen = 0;
	memset(&addr_a, 0, sizeof addr_a);
	addr_a.sin_family = AF_INET;
	addr_a.sin_addr.s_addr = htonl(0x0a000001);
	addr_a.sin_port = htons(51820);
	addr_b = addr_a;
	addr_b.sin_addr.s_addr = htonl(0x0a000002);
	addr_roam = addr_b;
	addr_roam.sin_port = htons(4444);

	for (i = 0; i < 32; i++)
		psk[i] = 0x70;
	if (dev_a == NULL)
		devices_new();
	device_reset(dev_a);
	device_reset(dev_b);
	wg_device_public_key(dev_b, pub);
	peer_a = wg_peer_new(dev_a, pub, psk);
	wg_device_public_key(dev_a, pub);
	peer_b = wg_peer_new(dev_b, pub, psk);
	if (peer_a == NULL || peer_b == NULL)
		abort();
	wg_peer_set_endpoint(peer_a, (struct sockaddr *)&addr_b, sizeof addr_b);
	wg_peer_set_endpoint(peer_b, (struct sockaddr *)&addr_a, sizeof addr_a);
	net[3] = 2;
	wg_peer_allow_ip(peer_a, AF_INET, net, 32);
	net[3] = 1;
	wg_peer_allow_ip(peer_b, AF_INET, net, 32);
}

/* The peers go (and with them every session, index and timer); the devices stay. */
static void
teardown(void)
{
	wg_peer_free(peer_a);
	wg_peer_free(peer_b);
	peer_a = peer_b = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 initialised;
	uint8_t		 buf[DGRAM_MAX];
	size_t		 off = 1, len;
	uint8_t		 mode, op;
	int		 ops = 0;

	if (!initialised) {
		randombytes_set_implementation(&rng_impl);
		if (sodium_init() < 0)
			abort();
		initialised = 1;
	}
	if (size < 1)
		return 0;
	mode = data[0];
	setup();
	if (mode & 1) {
		wg_peer_initiate(peer_b);
		pump(16);
	}
	if (mode & 2)
		wg_device_force_under_load(dev_a, 1);

	while (off + 3 <= size && ops++ < OPS_MAX) {
		op = data[off];
		len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > sizeof buf)
			len = sizeof buf;
		memcpy(buf, data + off, len);
		off += len;
		switch (op & 0x0f) {
		case 0:
			if (op & 0x10)
				wg_device_input(dev_a, (struct sockaddr *)&addr_roam, sizeof addr_roam,
				    buf, len);
			else
				wg_device_input(dev_a, (struct sockaddr *)&addr_b, sizeof addr_b, buf, len);
			break;
		case 1:
			wg_peer_send(peer_b, buf, len);
			break;
		case 2:
			clock_ns += (uint64_t)len * 100000000ULL;
			wg_device_run_timers(dev_a);
			wg_device_run_timers(dev_b);
			break;
		case 3:
			wg_peer_initiate(peer_b);
			break;
		case 4:
			wg_peer_send(peer_a, buf, len);
			break;
		default:
			break;
		}
		pump(16);
		(void)wg_device_next_timer(dev_a);
		(void)wg_drop_name((enum wg_drop)(op % (WG_DROP__COUNT + 1)));
	}
	teardown();
	return 0;
}

#ifdef WG_FUZZ_SEEDS
/* Seeds: replay what B sent A during a few scripted exchanges, as op-0 records. */
static void
seed(const char *dir, const char *name, uint8_t mode, const uint8_t *script, size_t n)
{
	char		 path[512];
	uint8_t		 m = mode & ~1;	/* the captured handshake replaces mode bit 0 */

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((capture = fopen(path, "wb")) == NULL)
		exit(1);
	fwrite(&m, 1, 1, capture);
	{
		uint8_t tmp[4096];

		tmp[0] = mode;
		memcpy(tmp + 1, script, n);
		LLVMFuzzerTestOneInput(tmp, n + 1);
	}
	fclose(capture);
	capture = NULL;
}

int
main(int argc, char **argv)
{
	static const uint8_t ipv4[] = {
		1, 28, 0,
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 9, 0, 2, 10, 9, 0, 1,
		0x30, 0x39, 0x1e, 0x61, 0, 8, 0, 0
	};
	static const uint8_t timers[] = { 2, 200, 0, 2, 200, 0, 1, 0, 0 };

	if (argc < 2)
		return 2;
	seed(argv[1], "handshake", 1, NULL, 0);
	seed(argv[1], "handshake_data", 1, ipv4, sizeof ipv4);
	seed(argv[1], "handshake_timers", 1, timers, sizeof timers);
	seed(argv[1], "under_load", 3, NULL, 0);
	return 0;
}
#endif
