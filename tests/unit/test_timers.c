/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_timers.c — every WireGuard timer (tunnel/wg/timers.c) on a fake clock:
 * handshake retransmission with jitter, giving up after REKEY_ATTEMPT_TIME,
 * passive keepalive (and its repeat), new handshake when unanswered,
 * persistent keepalive, rekey after REKEY_AFTER_TIME / messages, reject after
 * REJECT_AFTER_TIME, the initiator's early rekey on receive, and zeroing keys
 * after 540 s.
 */
#include "config.h"

#include "tests/unit/wgtest.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/peer.h"

#define SEC	1000000000ULL
#define MS	1000000ULL

static const struct wg_stats *s0, *s1;

static void
setup(void)
{
	uint8_t		 k[WG_KEY_LEN];

	wgt_flush();
	wgt_drop_all = 0;
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
	wgt_drop_all = 0;
	wgt_node_free(0);
	wgt_node_free(1);
}

static int
send_data(int from)
{
	uint8_t		 pkt[64];

	wgt_ipv4(pkt, sizeof pkt, from, 0x42);
	return wg_peer_send(wgt_nodes[from].peer, pkt, sizeof pkt);
}

/* Node 0 initiates; both have a confirmed session. Returns the time. */
static uint64_t
establish(void)
{
	CHECK_EQ(send_data(0), 0);
	wgt_pump();
	CHECK(wg_peer_has_session(wgt_nodes[0].peer));
	CHECK(wg_peer_has_session(wgt_nodes[1].peer));
	return wgt_clock;
}

static void
test_retransmit_and_give_up(void)
{
	uint64_t	 t0, prev, next;
	int		 n;

	setup();
	wgt_drop_all = 1;
	t0 = wgt_clock;
	CHECK_EQ(send_data(0), 0);
	CHECK_EQ(send_data(0), 0);
	CHECK_EQ(wgt_nodes[0].sent_type[1], 1);
	prev = t0;
	for (n = 1; n < 40; n++) {
		next = wg_device_next_timer(wgt_nodes[0].dev);
		if (wgt_count_events(&wgt_nodes[0], WG_EV_HANDSHAKE_FAILED) > 0)
			break;
		/* REKEY_TIMEOUT + jitter in [0, 333 ms). */
		CHECK(next >= prev + 5 * SEC && next < prev + 5 * SEC + 333 * MS);
		wgt_clock = next - 1;
		wg_device_run_timers(wgt_nodes[0].dev);
		CHECK_EQ(wgt_nodes[0].sent_type[1], n);		/* not early */
		wgt_clock = next;
		wg_device_run_timers(wgt_nodes[0].dev);
		prev = next;
	}
	/* MAX_TIMER_HANDSHAKES initiations in all, then the give-up at ~90 s. */
	CHECK_EQ(wgt_nodes[0].sent_type[1], MAX_TIMER_HANDSHAKES);
	CHECK_EQ(wgt_count_events(&wgt_nodes[0], WG_EV_HANDSHAKE_FAILED), 1);
	CHECK(wgt_clock >= t0 + 90 * SEC && wgt_clock < t0 + 90 * SEC + 18 * 333 * MS);
	CHECK_EQ(wgt_nodes[0].peer->staged.count, 0);	/* queued packets dropped */
	CHECK(!wg_timers_pending(wgt_nodes[0].peer, WG_TIMER_RETRANSMIT_HANDSHAKE));
	/* Nothing more is sent afterwards, and the residue is wiped at 3 x 180 s. */
	wgt_drop_all = 0;
	wgt_advance(100 * SEC, SEC, 1);
	CHECK_EQ(wgt_nodes[0].sent_type[1], MAX_TIMER_HANDSHAKES);
	CHECK_EQ(wgt_nodes[1].delivered, 0);
	wgt_advance(3 * 180 * SEC, 10 * SEC, 1);
	CHECK_EQ(wgt_count_events(&wgt_nodes[0], WG_EV_KEYS_ZEROED), 1);
	/* A new packet starts over and succeeds. */
	CHECK_EQ(send_data(0), 0);
	wgt_pump();
	CHECK_EQ(wgt_nodes[1].delivered, 1);
	teardown();
}

static void
test_passive_keepalive(void)
{
	uint64_t	 t;

	setup();
	t = establish();
	CHECK_EQ(s1->keepalives_sent, 0);
	/* Node 1 got data and sent nothing: a keepalive at exactly 10 s. */
	CHECK_EQ(wg_device_next_timer(wgt_nodes[1].dev), t + 10 * SEC);
	wgt_advance(10 * SEC - 1, 100 * MS, 1);
	CHECK_EQ(s1->keepalives_sent, 0);
	wgt_advance(1, 1, 1);
	CHECK_EQ(s1->keepalives_sent, 1);
	CHECK_EQ(s0->keepalives_received, 1);
	/* The keepalive answered node 0's data: no new handshake at 15 s. */
	wgt_advance(20 * SEC, SEC, 1);
	CHECK_EQ(s0->handshakes_initiated, 1);
	CHECK_EQ(s1->keepalives_sent, 1);
	teardown();

	/* A reply with data within 10 s makes the keepalive unnecessary. */
	setup();
	establish();
	wgt_advance(3 * SEC, SEC, 1);
	CHECK_EQ(send_data(1), 0);
	wgt_advance(20 * SEC, SEC, 1);
	CHECK_EQ(s1->keepalives_sent, 0);
	teardown();
}

static void
test_passive_keepalive_again(void)
{
	uint64_t	 t;

	setup();
	t = establish();
	/* More data while node 1's keepalive is pending: one more, 10 s after the first. */
	wgt_advance(3 * SEC, SEC, 1);
	CHECK_EQ(send_data(0), 0);
	wgt_pump();
	CHECK_EQ(wgt_nodes[1].delivered, 2);
	wgt_advance(t + 10 * SEC - wgt_clock, 100 * MS, 1);
	CHECK_EQ(s1->keepalives_sent, 1);
	CHECK_EQ(wg_device_next_timer(wgt_nodes[1].dev), t + 20 * SEC);
	wgt_advance(10 * SEC - 1, 100 * MS, 1);
	CHECK_EQ(s1->keepalives_sent, 1);
	wgt_advance(1, 1, 1);
	CHECK_EQ(s1->keepalives_sent, 2);
	/* Then no more: nothing new came in. */
	wgt_advance(30 * SEC, SEC, 1);
	CHECK_EQ(s1->keepalives_sent, 2);
	teardown();
}

static void
test_new_handshake_when_unanswered(void)
{
	uint64_t	 t;

	setup();
	establish();
	wgt_drop_all = 1;
	wgt_advance(SEC, SEC, 0);
	t = wgt_clock;
	CHECK_EQ(send_data(0), 0);
	/* KEEPALIVE_TIMEOUT + REKEY_TIMEOUT (+ jitter) without any reply. */
	wgt_advance(15 * SEC - 1, 100 * MS, 0);
	CHECK_EQ(s0->handshakes_initiated, 1);
	wgt_advance(333 * MS + 1, MS, 0);
	CHECK_EQ(s0->handshakes_initiated, 2);
	(void)t;
	teardown();
}

static void
test_persistent_keepalive(void)
{
	uint64_t	 before;

	setup();
	establish();
	/* Past node 1's passive keepalive (10 s), which would re-arm ours. */
	wgt_advance(11 * SEC, SEC, 1);
	before = s0->keepalives_sent;
	wg_peer_set_persistent_keepalive(wgt_nodes[0].peer, 25);
	CHECK_EQ(s0->keepalives_sent, before + 1);	/* at once, as Linux */
	wgt_advance(25 * SEC - 1, SEC, 1);
	CHECK_EQ(s0->keepalives_sent, before + 1);
	wgt_advance(1, 1, 1);
	CHECK_EQ(s0->keepalives_sent, before + 2);
	wgt_advance(25 * SEC, SEC, 1);
	CHECK_EQ(s0->keepalives_sent, before + 3);
	wg_peer_set_persistent_keepalive(wgt_nodes[0].peer, 0);
	wgt_advance(60 * SEC, SEC, 1);
	CHECK_EQ(s0->keepalives_sent, before + 3);
	teardown();
}

static void
test_rekey_after_time(void)
{
	uint64_t	 t;

	setup();
	t = establish();
	wgt_advance(119 * SEC, 10 * SEC, 1);
	CHECK_EQ(send_data(0), 0);
	wgt_pump();
	CHECK_EQ(s0->handshakes_initiated, 1);
	wgt_advance(t + 120 * SEC - wgt_clock, SEC, 1);
	CHECK_EQ(send_data(0), 0);	/* sent with the old key, and a rekey starts */
	CHECK_EQ(s0->handshakes_initiated, 2);
	wgt_pump();
	CHECK_EQ(s0->handshakes_completed, 2);
	CHECK_EQ(wgt_nodes[1].delivered, 3);
	/* The responder never rekeys on time. */
	CHECK_EQ(s1->handshakes_initiated, 0);
	teardown();
}

static void
test_reject_after_time(void)
{
	struct wgt_dgram	 d;
	uint64_t		 t;

	setup();
	t = establish();
	wgt_advance(t + 179 * SEC - wgt_clock, 10 * SEC, 1);
	CHECK(wg_peer_has_session(wgt_nodes[0].peer));
	CHECK_EQ(send_data(0), 0);
	CHECK(wgt_pop(&d));
	wgt_advance(2 * SEC, SEC, 0);
	CHECK_EQ(wgt_input(1, &d), WG_RX_DROPPED);
	CHECK_EQ(wgt_drops(1, WG_DROP_EXPIRED), 1);
	CHECK(!wg_peer_has_session(wgt_nodes[0].peer));
	CHECK(!wg_peer_has_session(wgt_nodes[1].peer));
	/* Sending now queues and starts a new handshake, which delivers it. */
	CHECK_EQ(send_data(0), 0);
	CHECK_EQ(s0->handshakes_initiated, 2);
	wgt_pump();
	CHECK_EQ(wgt_nodes[1].delivered, 2);
	teardown();
}

static void
test_rekey_on_receive(void)
{
	uint64_t	 t;

	setup();
	t = establish();
	/* Before 180 - 10 - 5 = 165 s, receiving does not rekey... */
	wgt_advance(t + 164 * SEC - wgt_clock, 10 * SEC, 1);
	CHECK_EQ(send_data(1), 0);
	wgt_pump();
	CHECK_EQ(s0->handshakes_initiated, 1);
	/* ...after it, the initiator starts one when data arrives. */
	wgt_advance(2 * SEC, SEC, 1);
	CHECK_EQ(send_data(1), 0);
	wgt_pump();
	CHECK_EQ(s0->handshakes_initiated, 2);
	CHECK_EQ(s0->handshakes_completed, 2);
	teardown();
}

static void
test_message_limits(void)
{
	setup();
	establish();
	wgt_advance(6 * SEC, SEC, 0);	/* initiations are limited to one per REKEY_TIMEOUT */
	wgt_flush();
	wgt_nodes[0].peer->keypairs.current_keypair->sending_counter = (uint64_t)REKEY_AFTER_MESSAGES;
	CHECK_EQ(send_data(0), 0);
	CHECK_EQ(s0->handshakes_initiated, 2);	/* counter passed REKEY_AFTER_MESSAGES */
	wgt_flush();
	wgt_advance(6 * SEC, SEC, 0);
	wgt_flush();
	wgt_nodes[0].peer->keypairs.current_keypair->sending_counter = (uint64_t)REJECT_AFTER_MESSAGES;
	CHECK(!wg_peer_has_session(wgt_nodes[0].peer));
	CHECK_EQ(send_data(0), 0);	/* queued, new handshake */
	CHECK_EQ(wgt_nodes[0].peer->staged.count, 1);
	CHECK(s0->handshakes_initiated >= 3);
	/* The pending retransmission completes a handshake, which flushes the queue. */
	wgt_advance(10 * SEC, SEC, 1);
	CHECK_EQ(wgt_nodes[0].peer->staged.count, 0);
	CHECK(wg_peer_has_session(wgt_nodes[0].peer));
	teardown();
}

static void
test_zero_keys(void)
{
	uint64_t	 t;

	setup();
	t = establish();
	wgt_advance(t + 540 * SEC - 1 - wgt_clock, 10 * SEC, 1);
	CHECK_EQ(wgt_count_events(&wgt_nodes[0], WG_EV_KEYS_ZEROED), 0);
	CHECK(wgt_nodes[0].peer->keypairs.current_keypair != NULL);
	wgt_advance(1, 1, 1);
	CHECK_EQ(wgt_count_events(&wgt_nodes[0], WG_EV_KEYS_ZEROED), 1);
	CHECK_EQ(wgt_count_events(&wgt_nodes[1], WG_EV_KEYS_ZEROED), 1);
	CHECK(wgt_nodes[0].peer->keypairs.current_keypair == NULL);
	CHECK(wgt_nodes[0].peer->keypairs.previous_keypair == NULL);
	CHECK(wgt_nodes[1].peer->keypairs.current_keypair == NULL);
	CHECK_EQ(wg_device_next_timer(wgt_nodes[0].dev), UINT64_MAX);
	teardown();
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_retransmit_and_give_up();
	test_passive_keepalive();
	test_passive_keepalive_again();
	test_new_handshake_when_unanswered();
	test_persistent_keepalive();
	test_rekey_after_time();
	test_reject_after_time();
	test_rekey_on_receive();
	test_message_limits();
	test_zero_keys();
	/* Every timer the library armed was announced through wg_io.timer_armed. */
	CHECK_EQ(wgt_hook_misses, 0);
	return check_exit("test_timers");
}
