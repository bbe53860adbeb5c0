/* fuzz-sources: tunnel/turn/turn.c tunnel/turn/turn_msg.c tunnel/turn/turn_uri.c tunnel/nat/stun_msg.c tunnel/nat/stun.c tunnel/net/endpoint.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_turn.c — libFuzzer target for the TURN client's parsers.
 *
 * Transaction ids, MESSAGE-INTEGRITY and FINGERPRINT stop random input
 * early, so the first byte picks a layer:
 *   0  the input is a datagram: turn_msg_parse(), turn_channel_parse(),
 *      turn_msg_check_integrity()
 *   1  the input is a datagram from the server to an allocated client with
 *      a permission and a bound channel: turn_unwrap(), then its timers
 *   2  the input is the attribute area of the answer to the client's
 *      authenticated Allocate, signed and fingerprinted by the server, so it
 *      reaches the response handling
 *   3  like 2, as the answer to a Refresh, a CreatePermission or a
 *      ChannelBind of an allocated client (byte 1 picks which)
 *   4  the input is a --turn argument: turn_uri_parse()
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/turn/turn.h"
#include "tunnel/turn/turn_uri.h"
#include "tests/unit/turnfake.h"

enum { KEEP = 4 };

static uint8_t sent[KEEP][TURN_CONTROL_MAX];
static size_t sent_len[KEEP];
static uint8_t *last_sent;
static size_t last_len;
static unsigned n_sent;

static int
capture(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	(void)arg;
	(void)to;
	assert(len <= TURN_CONTROL_MAX);
	memcpy(sent[n_sent % KEEP], buf, len);
	sent_len[n_sent % KEEP] = len;
	last_sent = sent[n_sent % KEEP];
	last_len = len;
	n_sent++;
	return 0;
}

static const struct stun_send io = { capture, NULL };
static uint8_t key[16];

static struct endpoint
ep4(uint8_t d, uint16_t port)
{
	struct endpoint ep;
	uint8_t a[4] = { 192, 0, 2, d };

	endpoint_set(&ep, ENDPOINT_V4, a, port);
	return ep;
}

static void
last_request(struct turn_msg *m)
{
	assert(turn_msg_parse(last_sent, last_len, m) == TURN_MSG_OK);
	assert(m->fingerprint);
}

static void
answer(struct turn_client *c, const struct fake_msg *f)
{
	struct turn_datagram d;

	assert(turn_unwrap(c, &c->server, f->buf, f->len, 0, &d) == TURN_UNWRAP_CONTROL);
}

/* A client waiting for the answer to its authenticated Allocate. */
static void
client_authed(struct turn_client *c)
{
	struct endpoint server = ep4(1, 3478);
	struct turn_config cfg;
	struct turn_msg m;
	struct fake_msg f;

	memset(&cfg, 0, sizeof(cfg));
	stun_rto_config_default(&cfg.rto);
	cfg.use_channels = 1;
	cfg.perm_lifetime_s = 600;	/* so that all three refreshes fall due at 540 s */
	assert(turn_client_init(c, &cfg, &server, "u", "p") == 0);
	turn_client_start(c, 0);
	assert(turn_client_on_timer(c, 0, &io) == 1);
	last_request(&m);
	fake_begin(&f, 0x0113, m.txid);
	fake_error(&f, 401, "Unauthorized");
	fake_attr(&f, STUN_ATTR_REALM, "r", 1);
	fake_attr(&f, STUN_ATTR_NONCE, "n", 1);
	answer(c, &f);
	assert(turn_client_on_timer(c, 0, &io) == 1);
}

static void
client_allocated(struct turn_client *c, const struct endpoint *peer)
{
	struct endpoint relayed = ep4(2, 50000);
	struct turn_msg m;
	struct fake_msg f;
	unsigned i, n;

	client_authed(c);
	last_request(&m);
	fake_begin(&f, 0x0103, m.txid);
	fake_xor_addr(&f, TURN_ATTR_XOR_RELAYED_ADDRESS, &relayed);
	fake_u32(&f, TURN_ATTR_LIFETIME, 600);
	fake_integrity(&f, key);
	answer(c, &f);
	assert(turn_client_state(c) == TURN_ALLOCATED);
	assert(turn_client_add_peer(c, peer, 0) == 0);
	n_sent = 0;
	n = turn_client_on_timer(c, 0, &io);
	assert(n == 2);
	for (i = 0; i < 2; i++) {
		last_sent = sent[i];
		last_len = sent_len[i];
		last_request(&m);
		fake_begin(&f, turn_msg_type(m.method, TURN_CLASS_SUCCESS), m.txid);
		fake_integrity(&f, key);
		answer(c, &f);
	}
	assert(turn_client_peer(c, peer)->perm == TURN_PERM_OK);
	assert(turn_client_peer(c, peer)->chan == TURN_PERM_OK);
}

static void
check_client(const struct turn_client *c)
{
	struct endpoint r;
	unsigned i;

	assert((unsigned)c->state <= TURN_FAILED);
	assert((unsigned)c->failure < TURN_FAIL__COUNT);
	if (turn_client_relayed(c, &r, NULL) == 0)
		assert(r.family == ENDPOINT_V4 || r.family == ENDPOINT_V6);
	for (i = 0; i < TURN_MAX_PEERS; i++)
		assert(!c->peers[i].used || c->peers[i].channel == 0 ||
		    (c->peers[i].channel >= TURN_CHANNEL_MIN && c->peers[i].channel <= TURN_CHANNEL_MAX));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct turn_client c;
	struct endpoint peer = ep4(9, 7000);
	struct turn_datagram d;
	struct turn_msg m, req;
	struct fake_msg f;
	struct turn_uri u;
	enum turn_unwrap_result r;
	const uint8_t *pl;
	uint16_t ch;
	size_t n;
	char *s;

	if (size < 1 || sodium_init() < 0)
		return 0;
	fake_key(key, "u", "r", "p");
	switch (data[0]) {
	case 0:
		if (turn_msg_parse(data + 1, size - 1, &m) == TURN_MSG_OK) {
			assert(m.realm_len <= TURN_REALM_MAX && m.nonce_len <= TURN_NONCE_MAX);
			assert(!m.have_data || m.data + m.data_len <= data + size);
			if (m.integrity_off != 0)
				(void)turn_msg_check_integrity(data + 1, size - 1, &m, key);
		}
		if (turn_channel_parse(data + 1, size - 1, &ch, &pl, &n)) {
			assert(ch >= TURN_CHANNEL_MIN && ch <= 0x4FFF);
			assert(pl == data + 5 && n <= size - 5);
		}
		break;
	case 1:
		client_allocated(&c, &peer);
		r = turn_unwrap(&c, &c.server, data + 1, size - 1, 10, &d);
		if (r == TURN_UNWRAP_DATA) {
			assert(d.payload >= data + 1 && d.payload + d.len <= data + size);
			assert(d.peer.family == ENDPOINT_V4 && memcmp(d.peer.addr, peer.addr, 4) == 0);
		}
		check_client(&c);
		(void)turn_client_on_timer(&c, turn_client_next_deadline(&c), &io);
		check_client(&c);
		turn_client_wipe(&c);
		break;
	case 2:
	case 3:
		if (size - 1 > FAKE_MAX - 64)
			return 0;
		if (data[0] == 2) {
			client_authed(&c);
		} else {
			client_allocated(&c, &peer);
			/* At 540 s the Refresh, CreatePermission and ChannelBind are all due; byte 1 picks one. */
			if (size < 2)
				goto out;
			n_sent = 0;
			(void)turn_client_on_timer(&c, 540000, &io);
			assert(n_sent == 3);
			last_sent = sent[data[1] % 3];
			last_len = sent_len[data[1] % 3];
			data++;
			size--;
		}
		last_request(&req);
		/* Class from the attribute bytes' parity: success or error. */
		fake_begin(&f, turn_msg_type(req.method, (size & 1) ? TURN_CLASS_ERROR : TURN_CLASS_SUCCESS),
		    req.txid);
		n = (size - 1) & ~(size_t)3;
		memcpy(f.buf + 20, data + 1, n);
		f.len = 20 + n;
		fake_set_length(&f, f.len);
		fake_integrity(&f, key);
		fake_fingerprint(&f);
		r = turn_unwrap(&c, &c.server, f.buf, f.len, 20, &d);
		assert(r == TURN_UNWRAP_CONTROL || r == TURN_UNWRAP_DROPPED);
		check_client(&c);
		(void)turn_client_on_timer(&c, turn_client_next_deadline(&c), &io);
		check_client(&c);
out:
		turn_client_wipe(&c);
		break;
	case 4:
		if ((s = malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		if (turn_uri_parse(s, &u) == TURN_URI_OK) {
			assert(u.user[0] != '\0' && u.password[0] != '\0' && u.host[0] != '\0');
			assert(u.port != 0);
		} else {
			assert(sodium_is_zero((const uint8_t *)&u, sizeof(u)));
		}
		free(s);
		break;
	default:
		break;
	}
	return 0;
}
