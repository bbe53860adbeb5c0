/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_cookie.c — the DoS defences (tunnel/wg/cookie.c, tunnel/wg/ratelimiter.c
 * and the load rules of receive.c): under load an initiation without a valid
 * mac2 gets a cookie reply; the initiator stores the cookie and its
 * retransmission, now with mac2, is accepted; bad mac1 is dropped silently;
 * cookies are bound to the source address and die with the secret (120 s);
 * the per-source token bucket; automatic load detection, whose threshold
 * grows with the number of peers (a big room starting at once is not a
 * flood).
 */
#include "config.h"

#include "tests/unit/wgtest.h"
#include "tunnel/wg/cookie.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/ratelimiter.h"

#define SEC	1000000000ULL
#define MS	1000000ULL

static const struct wg_stats *s0, *s1;

static void
setup(void)
{
	uint8_t		 k[WG_KEY_LEN];

	wgt_flush();
	wgt_key(k, 1);
	wgt_node_new(0, k);
	wgt_key(k, 33);
	wgt_node_new(1, k);
	wgt_link(0, 1, NULL, NULL);
	s0 = wg_device_stats(wgt_nodes[0].dev);
	s1 = wg_device_stats(wgt_nodes[1].dev);
}

static void
teardown(void)
{
	wgt_flush();
	wgt_node_free(0);
	wgt_node_free(1);
}

static void
test_cookie_exchange(void)
{
	struct wgt_dgram	 init, reply, d;
	uint8_t			 zero[16] = { 0 };

	setup();
	wg_device_force_under_load(wgt_nodes[1].dev, 1);
	CHECK_EQ(wg_peer_initiate(wgt_nodes[0].peer), 0);
	CHECK(wgt_pop(&init));
	CHECK(memcmp(init.buf + 132, zero, 16) == 0);		/* no cookie yet */

	/* Bad mac1 under load: dropped, no cookie (mac1 proves the sender knows our key). */
	d = init;
	d.buf[120] ^= 1;
	CHECK_EQ(wgt_input(1, &d), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC1), 1);
	CHECK_EQ(wgt_qlen, 0);

	/* Valid mac1, no mac2: a cookie reply. */
	CHECK_EQ(wgt_input(1, &init), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC2), 1);
	CHECK_EQ(s1->cookies_sent, 1);
	CHECK(wgt_pop(&reply));
	CHECK_EQ(reply.len, 64);
	CHECK_EQ(reply.buf[0], 3);
	CHECK(memcmp(reply.buf + 4, init.buf + 4, 4) == 0);	/* receiver = initiation's sender */

	/* A tampered reply does not decrypt; the real one does. */
	d = reply;
	d.buf[40] ^= 1;
	CHECK_EQ(wgt_input(0, &d), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(0, WG_DROP_DECRYPT), 1);
	d = reply;
	d.buf[4] ^= 1;
	CHECK_EQ(wgt_input(0, &d), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(0, WG_DROP_UNKNOWN_INDEX), 1);
	CHECK_EQ(wgt_input(0, &reply), WG_RX_HANDSHAKE);
	CHECK_EQ(s0->cookies_received, 1);
	/* The same reply again: the cookie was for a mac1 already answered. */
	CHECK_EQ(wgt_input(0, &reply), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(0, WG_DROP_DECRYPT), 2);
	CHECK(!wg_peer_has_session(wgt_nodes[0].peer));

	/* The retransmission carries mac2 and is accepted under load. */
	wgt_advance(6 * SEC, 100 * MS, 0);
	CHECK(wgt_pop(&init));
	CHECK(memcmp(init.buf + 132, zero, 16) != 0);
	/* From another port the cookie is not valid: another cookie reply. */
	d = init;
	d.from.sin_port = htons(9);
	CHECK_EQ(wgt_input(1, &d), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC2), 2);
	wgt_flush();
	CHECK_EQ(wgt_input(1, &init), WG_RX_HANDSHAKE);
	wgt_pump();
	CHECK(wg_peer_has_session(wgt_nodes[0].peer));
	CHECK(wg_peer_has_session(wgt_nodes[1].peer));
	teardown();
}

static void
test_ratelimit(void)
{
	struct wgt_dgram	 init;
	int			 i;

	setup();
	wg_device_force_under_load(wgt_nodes[1].dev, 1);
	CHECK_EQ(wg_peer_initiate(wgt_nodes[0].peer), 0);
	wgt_pump();				/* cookie reply consumed */
	CHECK_EQ(s0->cookies_received, 1);
	CHECK_EQ(wg_peer_initiate(wgt_nodes[0].peer), 0);
	CHECK(wgt_pop(&init));
	wgt_flush();
	/* Burst of 5 from one source, then 20 per second. */
	for (i = 0; i < 10; i++)
		wgt_input(1, &init);
	CHECK_EQ(wgt_drops(1, WG_DROP_RATELIMIT), 5);
	CHECK_EQ(wgt_drops(1, WG_DROP_REPLAY_TAI64N), 4);	/* passed the limiter, then replay */
	wgt_advance_ns(50 * MS);
	wgt_input(1, &init);
	wgt_input(1, &init);
	CHECK_EQ(wgt_drops(1, WG_DROP_RATELIMIT), 6);
	CHECK_EQ(wgt_drops(1, WG_DROP_REPLAY_TAI64N), 5);
	teardown();
}

static void
test_ratelimiter_unit(void)
{
	struct wg_ratelimiter	 rl;
	struct sockaddr_in	 a4;
	struct sockaddr_in6	 a6, b6;
	uint64_t		 now = 5 * SEC;
	int			 i, ok;

	CHECK_EQ(wg_ratelimiter_init(&rl, now), 0);
	memset(&a4, 0, sizeof a4);
	a4.sin_family = AF_INET;
	a4.sin_addr.s_addr = htonl(0x01020304);
	for (ok = 0, i = 0; i < 100; i++)
		ok += wg_ratelimiter_allow(&rl, (struct sockaddr *)&a4, now);
	CHECK_EQ(ok, 5);
	/* One second refills 20 packets, capped at the burst of 5. */
	for (ok = 0, i = 0; i < 100; i++)
		ok += wg_ratelimiter_allow(&rl, (struct sockaddr *)&a4, now + SEC);
	CHECK_EQ(ok, 5);
	/* 20 per second sustained: one every 50 ms. */
	for (ok = 0, i = 1; i <= 200; i++)
		ok += wg_ratelimiter_allow(&rl, (struct sockaddr *)&a4, now + SEC + (uint64_t)i * 10 * MS);
	CHECK(ok >= 40 && ok <= 41);

	/* IPv6 sources in one /64 share a bucket; another /64 does not. */
	memset(&a6, 0, sizeof a6);
	a6.sin6_family = AF_INET6;
	a6.sin6_addr.s6_addr[0] = 0x20;
	b6 = a6;
	b6.sin6_addr.s6_addr[15] = 1;
	for (ok = 0, i = 0; i < 10; i++) {
		ok += wg_ratelimiter_allow(&rl, (struct sockaddr *)&a6, now);
		ok += wg_ratelimiter_allow(&rl, (struct sockaddr *)&b6, now);
	}
	CHECK_EQ(ok, 5);
	b6.sin6_addr.s6_addr[7] = 1;
	CHECK(wg_ratelimiter_allow(&rl, (struct sockaddr *)&b6, now));

	/* The table is bounded: beyond it new sources are refused, until collected. */
	for (ok = 0, i = 0; i < RATELIMITER_MAX_ENTRIES + 10; i++) {
		a4.sin_addr.s_addr = htonl(0x0a000000 + (uint32_t)i);
		ok += wg_ratelimiter_allow(&rl, (struct sockaddr *)&a4, now + 3 * SEC);
	}
	CHECK(ok < RATELIMITER_MAX_ENTRIES + 10);
	CHECK(rl.count <= RATELIMITER_MAX_ENTRIES);
	a4.sin_addr.s_addr = htonl(0x0b000000);
	CHECK(wg_ratelimiter_allow(&rl, (struct sockaddr *)&a4, now + 5 * SEC));
	wg_ratelimiter_uninit(&rl);
}

static void
test_secret_rotation(void)
{
	struct wg_cookie_checker	 checker;
	struct wg_cookie		 cookie;
	struct message_handshake_cookie	 reply;
	struct sockaddr_in		 from;
	uint8_t				 pub[32], msg[MESSAGE_INITIATION_LEN];
	uint64_t			 now = 10 * SEC;

	memset(pub, 7, sizeof pub);
	memset(msg, 0x33, sizeof msg);
	memset(&from, 0, sizeof from);
	from.sin_family = AF_INET;
	from.sin_port = htons(1234);
	wg_cookie_checker_init(&checker, pub);
	wg_cookie_init(&cookie, pub);

	wg_cookie_add_mac_to_packet(msg, sizeof msg, &cookie, now);
	CHECK_EQ(wg_cookie_validate_packet(&checker, msg, sizeof msg, (struct sockaddr *)&from, 1, now),
	    WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	wg_cookie_message_create(&reply, msg, sizeof msg, 1, &checker, (struct sockaddr *)&from, now);
	CHECK_EQ(wg_cookie_message_consume(&reply, &cookie, now), 0);
	wg_cookie_add_mac_to_packet(msg, sizeof msg, &cookie, now);
	CHECK_EQ(wg_cookie_validate_packet(&checker, msg, sizeof msg, (struct sockaddr *)&from, 1, now),
	    WG_COOKIE_VALID_MAC_WITH_COOKIE);
	/* Still valid just before the secret's 120 s... */
	CHECK_EQ(wg_cookie_validate_packet(&checker, msg, sizeof msg, (struct sockaddr *)&from, 1,
	    now + 119 * SEC), WG_COOKIE_VALID_MAC_WITH_COOKIE);
	/* ...not after: the secret rotated. */
	CHECK_EQ(wg_cookie_validate_packet(&checker, msg, sizeof msg, (struct sockaddr *)&from, 1,
	    now + 121 * SEC), WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* The initiator stops using a cookie older than 120 - 5 s (mac2 zero). */
	wg_cookie_add_mac_to_packet(msg, sizeof msg, &cookie, now + 116 * SEC);
	{
		uint8_t zero[16] = { 0 };

		CHECK(memcmp(msg + sizeof msg - 16, zero, 16) == 0);
	}
	/* mac1 over a changed byte fails. */
	msg[10] ^= 1;
	CHECK_EQ(wg_cookie_validate_packet(&checker, msg, sizeof msg, (struct sockaddr *)&from, 0, now),
	    WG_COOKIE_INVALID_MAC);
	wg_cookie_checker_clear(&checker);
	wg_cookie_clear(&cookie);
}

static void
test_auto_load(void)
{
	struct wgt_dgram	 init, junk;
	int			 i;

	setup();
	CHECK_EQ(wg_peer_initiate(wgt_nodes[0].peer), 0);
	CHECK(wgt_pop(&init));
	junk = init;
	junk.buf[20] ^= 1;
	/* A burst of handshake messages in one second puts the device under load. */
	for (i = 0; i < 70; i++)
		wgt_input(1, &junk);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC1), 70);
	CHECK_EQ(wgt_input(1, &init), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC2), 1);
	/* Quiet for a while: no longer under load. */
	wgt_flush();
	wgt_advance_ns(2 * SEC);
	CHECK_EQ(wgt_input(1, &init), WG_RX_HANDSHAKE);
	/* Forced off, the same burst never requires mac2. */
	wg_device_force_under_load(wgt_nodes[1].dev, 0);
	for (i = 0; i < 100; i++)
		wgt_input(1, &junk);
	wgt_advance_ns(6 * SEC);
	wgt_flush();
	CHECK_EQ(wg_peer_initiate(wgt_nodes[0].peer), 0);
	CHECK(wgt_pop(&init));
	CHECK_EQ(wgt_input(1, &init), WG_RX_HANDSHAKE);
	teardown();
}

/* 64 handshake messages a second, or UNDER_LOAD_PER_PEER per peer when more. */
static void
test_load_scales(void)
{
	struct wg_peer		*extra[63];
	struct wgt_dgram	 init, junk;
	uint8_t			 k[WG_KEY_LEN], psk[WG_KEY_LEN] = { 0 };
	int			 i;

	setup();
	/* Node 1 in a room of 64: itself, node 0 and 62 more. */
	for (i = 0; i < 62; i++) {
		wgt_key(k, (uint8_t)(100 + i));
		extra[i] = wg_peer_new(wgt_nodes[1].dev, k, psk);
		CHECK(extra[i] != NULL);
	}
	CHECK_EQ(wg_peer_initiate(wgt_nodes[0].peer), 0);
	CHECK(wgt_pop(&init));
	junk = init;
	junk.buf[20] ^= 1;
	/* 2 x 63 in a second is a room's start, not a load: still no mac2. */
	for (i = 0; i < 2 * 63; i++)
		wgt_input(1, &junk);
	CHECK_EQ(wgt_input(1, &init), WG_RX_HANDSHAKE);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC2), 0);
	/* Past 4 per peer it is. */
	for (i = 0; i < 4 * 63; i++)
		wgt_input(1, &junk);
	CHECK_EQ(wgt_input(1, &init), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(1, WG_DROP_MAC2), 1);
	for (i = 0; i < 62; i++)
		wg_peer_free(extra[i]);
	teardown();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_cookie_exchange();
	test_ratelimit();
	test_ratelimiter_unit();
	test_secret_rotation();
	test_auto_load();
	test_load_scales();
	return check_exit("test_cookie");
}
