/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dhtjunk — put hostile values under a room's infohashes, for
 * tests/test_dht_rendezvous.sh.
 *
 *   dhtjunk HOST:PORT ROOM
 *
 * Under the current and the next epoch's infohash it puts one of each:
 *
 *   junk     expected reject   how
 *   size     size              701 bytes starting with the magic
 *   magic    magic             random bytes, first byte not 0x47
 *   decrypt  decrypt           the magic, then random bytes
 *   room     decrypt           a good record sealed with another room's key
 *   shape    shape             an envelope that is not [bin, bin 64], sealed properly
 *   forged   sig               id = our key A, signed with key B
 *   misbound binding           id = A, signed by A, wg not the key bound to A
 *   expired  exp               a good record with exp in the past
 *   good     ok                a good record from key A, seq S
 *   replay   seq               the same id with seq S - 1, signed properly
 *
 * and prints one JSON line per put: {"junk":..,"expect":..,"epoch":..,"size":..,"ok":..}.
 * Exits 0 when every put was acknowledged, 1 otherwise (bounded by PUT_TIMEOUT).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "dht/record/record.h"
#include "dht/record/record_codec.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "tunnel/net/endpoint.h"

enum {
	PUT_TIMEOUT = 15,
	MAX_PUTS = 32
};

struct junk_put {
	const char *junk, *expect;
	uint64_t epoch;
	size_t size;
	int acked;			/* -1 pending, 0 failed, 1 ok */
};

static struct junk_put jputs[MAX_PUTS];
static int nputs, pending;
static struct event_base *base;

static void
put_done(void *arg, bool ok)
{
	struct junk_put *p = arg;

	p->acked = ok;
	printf("{\"junk\":\"%s\",\"expect\":\"%s\",\"epoch\":%llu,\"size\":%zu,\"ok\":%s}\n",
	    p->junk, p->expect, (unsigned long long)p->epoch, p->size, ok ? "true" : "false");
	fflush(stdout);
	if (--pending == 0)
		event_base_loopexit(base, NULL);
}

static void
put(struct runner *r, const uint8_t ih[20], uint64_t epoch, const char *junk, const char *expect,
    const uint8_t *v, size_t len)
{
	struct junk_put *p = &jputs[nputs++];

	p->junk = junk;
	p->expect = expect;
	p->epoch = epoch;
	p->size = len;
	p->acked = -1;
	pending++;
	if (runner_put(r, ih, v, len, put_done, p) == NULL) {
		fprintf(stderr, "dhtjunk: put %s failed\n", junk);
		exit(1);
	}
}

/* AEAD-seal an arbitrary envelope the way record_seal() does. */
static size_t
seal_raw(const uint8_t *env, size_t env_len, const uint8_t key[32], const uint8_t ih[20],
    uint8_t *out)
{
	uint8_t ad[RECORD_MAGIC_LEN + 20];

	memcpy(ad, RECORD_MAGIC, RECORD_MAGIC_LEN);
	memcpy(ad + RECORD_MAGIC_LEN, ih, 20);
	memcpy(out, RECORD_MAGIC, RECORD_MAGIC_LEN);
	randombytes_buf(out + RECORD_MAGIC_LEN, RECORD_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + RECORD_MAGIC_LEN + RECORD_NONCE_LEN, NULL,
	    env, env_len, ad, sizeof(ad), NULL, out + RECORD_MAGIC_LEN, key);
	return RECORD_OVERHEAD + env_len;
}

/* rec signed with sign_sk whatever rec->id says (record_seal refuses that). */
static size_t
seal_forged(const struct record *rec, const uint8_t sign_sk[64], const uint8_t key[32],
    const uint8_t ih[20], uint8_t *out)
{
	uint8_t body[RECORD_MAX_VALUE], env[RECORD_MAX_VALUE], msg[RECORD_MAX_VALUE + 64];
	uint8_t sig[RECORD_SIG_LEN];
	size_t body_len, env_len;

	if (record_encode_body(rec, body, sizeof(body), &body_len) != 0)
		exit(1);
	memcpy(msg, RECORD_SIG_LABEL, RECORD_SIG_LABEL_LEN);
	memcpy(msg + RECORD_SIG_LABEL_LEN, ih, 20);
	memcpy(msg + RECORD_SIG_LABEL_LEN + 20, body, body_len);
	crypto_sign_detached(sig, NULL, msg, RECORD_SIG_LABEL_LEN + 20 + body_len, sign_sk);
	if (record_encode_envelope(body, body_len, sig, env, sizeof(env), &env_len) != 0)
		exit(1);
	return seal_raw(env, env_len, key, ih, out);
}

static void
junk_for_epoch(struct runner *r, const struct room_keys *keys, const struct room_keys *other,
    uint64_t epoch, uint64_t now, const uint8_t a_pk[32], const uint8_t a_sk[64],
    const uint8_t b_sk[64])
{
	static const uint8_t shape_env[] = { 0x92, 0xc0, 0xc0 };	/* [nil, nil] */
	uint8_t ih[20], v[800];
	struct record rec;
	size_t len;
	int n;

	room_infohash(keys, epoch, ih);

	memcpy(v, RECORD_MAGIC, RECORD_MAGIC_LEN);
	randombytes_buf(v + RECORD_MAGIC_LEN, 701 - RECORD_MAGIC_LEN);
	put(r, ih, epoch, "size", "size", v, 701);

	randombytes_buf(v, 64);
	v[0] = 0x00;
	put(r, ih, epoch, "magic", "magic", v, 64);

	memcpy(v, RECORD_MAGIC, RECORD_MAGIC_LEN);
	randombytes_buf(v + RECORD_MAGIC_LEN, 80);
	put(r, ih, epoch, "decrypt", "decrypt", v, RECORD_MAGIC_LEN + 80);

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.id, a_pk, 32);
	if (crypto_sign_ed25519_pk_to_curve25519(rec.wg, a_pk) != 0)	/* bound to A */
		exit(1);
	snprintf(rec.nick, sizeof(rec.nick), "junk");
	rec.seq = now * 1000;
	rec.exp = now + RECORD_TTL;
	rec.ncand = 1;
	rec.cand[0] = (struct cand){ .kind = CAND_HOST, .family = 4,
	    .addr = { 192, 0, 2, 7 }, .port = 4242 };

	if ((n = record_seal(&rec, other->record, ih, a_sk, v, sizeof(v))) < 0)
		exit(1);
	put(r, ih, epoch, "room", "decrypt", v, (size_t)n);

	len = seal_raw(shape_env, sizeof(shape_env), keys->record, ih, v);
	put(r, ih, epoch, "shape", "shape", v, len);

	len = seal_forged(&rec, b_sk, keys->record, ih, v);
	put(r, ih, epoch, "forged", "sig", v, len);

	rec.wg[0] ^= 0x40;		/* another member's WireGuard key, say */
	len = seal_forged(&rec, a_sk, keys->record, ih, v);
	put(r, ih, epoch, "misbound", "binding", v, len);
	rec.wg[0] ^= 0x40;

	rec.exp = now - 60;
	if ((n = record_seal(&rec, keys->record, ih, a_sk, v, sizeof(v))) < 0)
		exit(1);
	put(r, ih, epoch, "expired", "exp", v, (size_t)n);
	rec.exp = now + RECORD_TTL;

	if ((n = record_seal(&rec, keys->record, ih, a_sk, v, sizeof(v))) < 0)
		exit(1);
	put(r, ih, epoch, "good", "ok", v, (size_t)n);

	rec.seq--;
	if ((n = record_seal(&rec, keys->record, ih, a_sk, v, sizeof(v))) < 0)
		exit(1);
	put(r, ih, epoch, "replay", "seq", v, (size_t)n);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	fprintf(stderr, "dhtjunk: %d puts not acknowledged after %d s\n", pending, PUT_TIMEOUT);
	event_base_loopexit(base, NULL);
}

int
main(int argc, char **argv)
{
	uint8_t a_pk[32], a_sk[64], b_pk[32], b_sk[64];
	struct runner_host boot;
	char boot_host[256];
	struct room_keys keys, other;
	struct runner_config rc;
	struct timeval tv = { PUT_TIMEOUT, 0 };
	struct event *timeout;
	struct runner *r;
	uint64_t now, epochs[2];
	char other_room[ROOM_MAX_LEN + 2];
	int i, status;

	if (argc != 3) {
		fprintf(stderr, "usage: dhtjunk HOST:PORT ROOM\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	if (endpoint_parse_hostport(argv[1], boot_host, sizeof(boot_host), RUNNER_DEFAULT_PORT,
	    &boot.port) != 0) {
		fprintf(stderr, "bad bootstrap node %s\n", argv[1]);
		return 2;
	}
	boot.host = boot_host;
	snprintf(other_room, sizeof(other_room), "%s-not", argv[2]);
	if (room_derive(argv[2], strlen(argv[2]), &keys) != ROOM_OK ||
	    room_derive(other_room, strlen(other_room), &other) != ROOM_OK) {
		fprintf(stderr, "dhtjunk: bad room\n");
		return 2;
	}
	crypto_sign_keypair(a_pk, a_sk);
	crypto_sign_keypair(b_pk, b_sk);

	evthread_use_pthreads();
	base = event_base_new();
	memset(&rc, 0, sizeof(rc));
	rc.bootstrap = &boot;
	rc.nbootstrap = 1;
	if ((r = runner_new(base, &rc)) == NULL)
		return 1;
	now = (uint64_t)time(NULL);
	room_listen_epochs(now, epochs);
	for (i = 0; i < 2; i++)
		junk_for_epoch(r, &keys, &other, epochs[i], now, a_pk, a_sk, b_sk);
	timeout = evtimer_new(base, on_timeout, NULL);
	evtimer_add(timeout, &tv);
	event_base_dispatch(base);

	status = pending == 0 ? 0 : 1;
	for (i = 0; i < nputs; i++)
		if (jputs[i].acked != 1)
			status = 1;
	event_free(timeout);
	runner_free(r);
	event_base_free(base);
	room_keys_wipe(&keys);
	room_keys_wipe(&other);
	return status;
}
