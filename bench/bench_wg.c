/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_wg.c — WireGuard data path and handshake speed, each as a ratio to a
 * baseline measured in the same run:
 *
 *   transport: gonet encrypt (wg_peer_send) + decrypt (wg_device_input) of
 *              1420-byte inner packets, against raw libsodium
 *              ChaCha20-Poly1305-IETF encrypt + decrypt of the same packets;
 *   handshake: complete initiation + response, against the X25519 bound:
 *              one handshake needs 2 ephemeral key generations (fixed-base
 *              X25519) and 6 variable-base X25519 operations (es, ee, se on
 *              each side; ss is precomputed per peer, as Linux does).
 *
 * Not a test: it asserts nothing about time. Run by `make bench`.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunnel/wg/wg.h"

enum {
	PKT_LEN = 1420,
	KEYGEN_PER_HANDSHAKE = 2,
	DH_PER_HANDSHAKE = 6
};

struct side {
	struct wg_device *dev;
	struct wg_peer *peer;
	struct side *other;
	uint64_t delivered;
};

static uint64_t fake_ns;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
clock_now(void *arg)
{
	(void)arg;
	return fake_ns;
}

static void
clock_wall(void *arg, struct timespec *ts)
{
	(void)arg;
	clock_gettime(CLOCK_REALTIME, ts);
	/* Strictly increasing TAI64N even when handshakes are nanoseconds apart. */
	ts->tv_sec += fake_ns / 1000000000;
	ts->tv_nsec = fake_ns % 1000000000;
}

/*
 * Datagrams are queued and pumped after each call, never fed back re-entrantly
 * into a device that is still inside the call that sent them.
 */
enum { QLEN = 64 };
static struct { struct side *to; size_t len; uint8_t buf[2048]; } q[QLEN];
static unsigned qhead, qtail;

static int
side_send(void *arg, const struct sockaddr *addr, socklen_t len, const uint8_t *buf, size_t n)
{
	struct side *s = arg;

	(void)addr;
	(void)len;
	if (n > sizeof(q[0].buf) || qtail - qhead == QLEN)
		return -1;
	q[qtail % QLEN].to = s->other;
	q[qtail % QLEN].len = n;
	memcpy(q[qtail % QLEN].buf, buf, n);
	qtail++;
	return 0;
}

static void
pump(void)
{
	struct sockaddr_in6 from = { .sin6_family = AF_INET6, .sin6_port = htons(51820) };

	from.sin6_addr = in6addr_loopback;
	while (qhead != qtail) {
		unsigned i = qhead++ % QLEN;
		wg_device_input(q[i].to->dev, (struct sockaddr *)&from, sizeof(from),
		    q[i].buf, q[i].len);
	}
}

static void
side_deliver(void *arg, struct wg_peer *peer, const uint8_t *pkt, size_t len)
{
	struct side *s = arg;

	(void)peer;
	(void)pkt;
	(void)len;
	s->delivered++;
}

static void
tunnel_addr(const uint8_t pub[WG_KEY_LEN], uint8_t addr[16])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), pub, WG_KEY_LEN, NULL, 0);
	addr[0] = 0xfd; addr[1] = 0x67; addr[2] = 0x6f;
	addr[3] = 0x6e; addr[4] = 0x65; addr[5] = 0x74;
	memcpy(addr + 6, h, 10);
}

static void
pair_up(struct side *a, struct side *b, const uint8_t psk[32])
{
	uint8_t ska[32], skb[32], pka[32], pkb[32], addr[16];
	struct wg_io ioa = { .send = side_send, .deliver = side_deliver, .now = clock_now,
	    .wall = clock_wall, .arg = a };
	struct wg_io iob = { .send = side_send, .deliver = side_deliver, .now = clock_now,
	    .wall = clock_wall, .arg = b };
	struct sockaddr_in6 ep = { .sin6_family = AF_INET6, .sin6_port = htons(51820) };

	randombytes_buf(ska, sizeof(ska));
	randombytes_buf(skb, sizeof(skb));
	a->dev = wg_device_new(ska, &ioa);
	b->dev = wg_device_new(skb, &iob);
	sodium_memzero(ska, sizeof(ska));
	sodium_memzero(skb, sizeof(skb));
	wg_device_public_key(a->dev, pka);
	wg_device_public_key(b->dev, pkb);
	a->peer = wg_peer_new(a->dev, pkb, psk);
	b->peer = wg_peer_new(b->dev, pka, psk);
	a->other = b;
	b->other = a;
	ep.sin6_addr = in6addr_loopback;
	wg_peer_set_endpoint(a->peer, (struct sockaddr *)&ep, sizeof(ep));
	wg_peer_set_endpoint(b->peer, (struct sockaddr *)&ep, sizeof(ep));
	tunnel_addr(pkb, addr);
	wg_peer_allow_ip(a->peer, AF_INET6, addr, 128);
	tunnel_addr(pka, addr);
	wg_peer_allow_ip(b->peer, AF_INET6, addr, 128);
}

/* A 1420-byte IPv6/UDP packet from a to b (checksum irrelevant to WireGuard). */
static void
make_packet(const struct side *a, const struct side *b, uint8_t pkt[PKT_LEN])
{
	uint8_t pk[32];
	unsigned plen = PKT_LEN - 40;

	memset(pkt, 0xa5, PKT_LEN);
	memset(pkt, 0, 48);
	pkt[0] = 0x60;
	pkt[4] = plen >> 8;
	pkt[5] = plen & 0xff;
	pkt[6] = 17;
	pkt[7] = 64;
	wg_device_public_key(a->dev, pk);
	tunnel_addr(pk, pkt + 8);
	wg_device_public_key(b->dev, pk);
	tunnel_addr(pk, pkt + 24);
	pkt[40] = 0x1e; pkt[41] = 0x61;	/* 7777 */
	pkt[42] = 0x1e; pkt[43] = 0x61;
	pkt[44] = plen >> 8;
	pkt[45] = plen & 0xff;
}

static double
bench_libsodium(unsigned n)
{
	static uint8_t pkt[PKT_LEN], ct[PKT_LEN + 16 + 16], out[PKT_LEN + 16];
	uint8_t key[32], nonce[12] = { 0 };
	unsigned long long clen, mlen;
	double t0, t;
	unsigned i;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(pkt, sizeof(pkt));
	t0 = now_s();
	for (i = 0; i < n; i++) {
		memcpy(nonce + 4, &i, sizeof(i));
		crypto_aead_chacha20poly1305_ietf_encrypt(ct, &clen, pkt, PKT_LEN, NULL, 0, NULL,
		    nonce, key);
		if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct, clen, NULL, 0,
		    nonce, key) != 0)
			abort();
	}
	t = now_s() - t0;
	return n / t;
}

static double
bench_transport(unsigned n)
{
	struct side a = { 0 }, b = { 0 };
	uint8_t psk[32], pkt[PKT_LEN];
	double t0, t;
	unsigned i;

	randombytes_buf(psk, sizeof(psk));
	pair_up(&a, &b, psk);
	make_packet(&a, &b, pkt);
	wg_peer_send(a.peer, pkt, PKT_LEN);	/* handshake, then the queued packet */
	pump();
	if (!wg_peer_has_session(a.peer) || b.delivered != 1) {
		fprintf(stderr, "bench: handshake did not complete\n");
		exit(1);
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		wg_peer_send(a.peer, pkt, PKT_LEN);
		pump();
	}
	t = now_s() - t0;
	if (b.delivered != n + 1) {
		fprintf(stderr, "bench: %llu of %u delivered\n", (unsigned long long)b.delivered, n);
		exit(1);
	}
	wg_peer_free(a.peer);
	wg_peer_free(b.peer);
	wg_device_free(a.dev);
	wg_device_free(b.dev);
	return n / t;
}

/* Seconds per X25519 operation: variable base (base == 0) or fixed base. */
static double
bench_x25519(unsigned n, int fixed_base)
{
	uint8_t sk[32], pk[32], out[32];
	double t0;
	unsigned i;

	randombytes_buf(sk, sizeof(sk));
	crypto_scalarmult_base(pk, sk);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (fixed_base)
			crypto_scalarmult_base(out, sk);
		else if (crypto_scalarmult(out, sk, pk) != 0)
			abort();
		sk[0] ^= out[0];
	}
	return (now_s() - t0) / n;
}

static double
bench_handshake(unsigned n)
{
	struct side a = { 0 }, b = { 0 };
	uint8_t psk[32];
	uint64_t before;
	double t0, t;
	unsigned i;

	randombytes_buf(psk, sizeof(psk));
	pair_up(&a, &b, psk);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		fake_ns += 10ULL * WG_NS_PER_SEC;	/* past the initiation flood limit */
		before = wg_device_stats(a.dev)->handshakes_completed;
		wg_peer_initiate(a.peer);
		pump();
		if (wg_device_stats(a.dev)->handshakes_completed != before + 1) {
			fprintf(stderr, "bench: handshake %u did not complete\n", i);
			exit(1);
		}
	}
	t = now_s() - t0;
	wg_peer_free(a.peer);
	wg_peer_free(b.peer);
	wg_device_free(a.dev);
	wg_device_free(b.dev);
	return n / t;
}

int
main(int argc, char **argv)
{
	unsigned npkt = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	unsigned nhs = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
	double raw, wg, t_dh, t_base, bound, hs;

	if (sodium_init() < 0)
		return 1;
	fake_ns = 1000ULL * WG_NS_PER_SEC;
	raw = bench_libsodium(npkt);
	wg = bench_transport(npkt);
	t_dh = bench_x25519(nhs * 4, 0);
	t_base = bench_x25519(nhs * 4, 1);
	bound = 1 / (KEYGEN_PER_HANDSHAKE * t_base + DH_PER_HANDSHAKE * t_dh);
	hs = bench_handshake(nhs);
	printf("transport 1420 B encrypt+decrypt: gonet %.0f pkt/s, libsodium %.0f pkt/s, "
	    "ratio %.3f (goal >= 0.85)\n", wg, raw, wg / raw);
	printf("handshakes: gonet %.0f/s; X25519 bound %.0f/s (%d fixed-base at %.1f us, "
	    "%d variable-base at %.1f us); ratio %.3f\n", hs, bound, KEYGEN_PER_HANDSHAKE,
	    t_base * 1e6, DH_PER_HANDSHAKE, t_dh * 1e6, hs / bound);
	return 0;
}
