/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mailboxc — a chat over the DHT mailbox only, for tests/test_mailbox_dht.sh.
 *
 *   mailboxc id SEED
 *	print the Ed25519 public key (hex) of a 32-byte hex seed
 *   mailboxc send BOOT ROOM SEED PEER COUNT LONG_EVERY TIMEOUT
 *	send COUNT messages to PEER through chat_reliable over the mailbox
 *	("msg 1", "msg 2", ...; every LONG_EVERY-th one 1000 bytes long, 0:
 *	none), then BYE; exit 0 when all were acknowledged
 *   mailboxc recv BOOT ROOM SEED PEER COUNT TIMEOUT
 *	receive from PEER; exit 0 when COUNT messages arrived, each once and
 *	in order (after a BYE, or a short linger so our ACKs get out)
 *   mailboxc flood BOOT ROOM SEED VICTIM MEMBER SECONDS
 *	put hostile values under VICTIM's mailbox for SECONDS: junk, another
 *	room's, forged (from MEMBER, signed by SEED), from a non-member (SEED),
 *	for someone else, expired, oversized, malformed; and re-put every
 *	value it sees there (replays)
 *
 * One JSON object per line on stdout. The chat side is exactly what the
 * session will do: a chat_peer whose transmit callback is mailbox_send()
 * and a mailbox whose deliver callback is chat_peer_input().
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "src/chat/chat_reliable.h"
#include "src/clock/clock.h"
#include "dht/mailbox/mailbox.h"
#include "dht/mailbox/mailbox_codec.h"
#include "src/clock/timer.h"
#include "src/session/link/mailbox.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "tunnel/net/endpoint.h"

enum {
	MAX_COUNT = 10000,
	START_DELAY_MS = 1000,		/* after the first bootstrap answer */
	LINGER_MS = 4000,		/* receiver: after the last message, for our ACKs */
	BYE_LINGER_MS = 1500,		/* sender: after BYE, for the puts */
	FLOOD_PER_TICK = 8,
	FLOOD_TICK_MS = 100,
	REPLAYS_MAX = 200
};

enum mode {
	MODE_SEND,
	MODE_RECV,
	MODE_FLOOD
};

static struct event_base *base;
static struct timers *timers;		/* the mailbox's, on the loop */
static struct runner *runner;
static struct mailbox *mb;
static struct chat_peer *chat;
static struct event *chat_timer, *start_timer, *end_timer, *flood_timer;
static struct room_keys keys, other_keys;
static enum mode mode;
static uint8_t pk[32], sk[64], peer[32], member[32];
static unsigned count, long_every;
static int exit_code = 1;
static bool started;

/* sender */
static uint64_t sent_ms[MAX_COUNT + 1], ack_ms[MAX_COUNT + 1], t_start;
static unsigned nacked, nundelivered;
/* receiver */
static unsigned ndelivered, nout_of_order;
static uint64_t lat[MAX_COUNT], t_first, t_last;
/* flood */
static uint64_t flood_until, flooded[16], nreplayed;
static struct runner_op *flood_listen;

static struct clock clk;		/* the real clock */

static uint64_t
mono_ms(void)
{
	return clock_mono_ms(&clk);
}

static uint64_t
unix_ms(void)
{
	return clock_unix_ms(&clk);
}

static int
unhex(const char *h, uint8_t *out, size_t len)
{
	size_t n = 0;

	return sodium_hex2bin(out, len, h, strlen(h), NULL, &n, NULL) == 0 && n == len ? 0 : -1;
}

static void
set_timer(struct event *ev, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
print_stats(const char *event)
{
	struct mailbox_stats st;
	int i;

	mailbox_get_stats(mb, &st);
	printf("{\"event\":\"%s\",\"frames_in\":%llu,\"frames_out\":%llu,\"values_out\":%llu,"
	    "\"puts_ok\":%llu,\"puts_failed\":%llu,\"deduped\":%llu,\"dropped\":%llu,"
	    "\"senders\":%zu,\"rejects\":{", event, (unsigned long long)st.frames_in,
	    (unsigned long long)st.frames_out, (unsigned long long)st.values_out,
	    (unsigned long long)st.puts_ok, (unsigned long long)st.puts_failed,
	    (unsigned long long)st.frames_deduped, (unsigned long long)st.frames_dropped,
	    st.senders);
	for (i = 0; i < MBX__COUNT; i++)
		printf("%s\"%s\":%llu", i ? "," : "", mailbox_reject_name((enum mailbox_reject)i),
		    (unsigned long long)st.rejects[i]);
	printf("}}\n");
	fflush(stdout);
}

/* --- chat_peer <-> mailbox ----------------------------------------------------------- */

static void
chat_rearm(void)
{
	uint64_t d = chat_peer_next_deadline(chat), now = mono_ms();

	if (d == UINT64_MAX) {
		evtimer_del(chat_timer);
		return;
	}
	set_timer(chat_timer, d > now ? d - now : 0);
}

static void
on_chat_timer(evutil_socket_t fd, short what, void *arg)
{
	chat_peer_on_timer(chat);
	chat_rearm();
}

static void
chat_transmit(void *arg, const uint8_t *frame, size_t len)
{
	int r = mailbox_send(mb, peer, frame, len);

	if (r != 0)
		printf("{\"event\":\"send_refused\",\"error\":%d}\n", r);
}

static void
finish(void)
{
	if (!evtimer_pending(end_timer, NULL))
		set_timer(end_timer, mode == MODE_SEND ? BYE_LINGER_MS : 0);
}

static void
chat_deliver(void *arg, const struct chat_delivery *d)
{
	uint64_t t = unix_ms();
	unsigned n = 0;
	char num[16];
	size_t k;

	/* "msg N ..." (the text is not NUL-terminated) */
	if (d->len >= 5 && memcmp(d->text, "msg ", 4) == 0) {
		for (k = 0; k + 4 < d->len && k < sizeof(num) - 1 && d->text[4 + k] != ' '; k++)
			num[k] = (char)d->text[4 + k];
		num[k] = '\0';
		n = (unsigned)strtoul(num, NULL, 10);
	}
	if (n != ndelivered + 1)
		nout_of_order++;
	if (ndelivered < MAX_COUNT)
		lat[ndelivered] = t > d->unix_ms ? t - d->unix_ms : 0;
	if (ndelivered == 0)
		t_first = t;
	t_last = t;
	ndelivered++;
	printf("{\"event\":\"deliver\",\"n\":%u,\"len\":%zu,\"lat_ms\":%llu}\n", n, d->len,
	    (unsigned long long)(t > d->unix_ms ? t - d->unix_ms : 0));
	fflush(stdout);
	if (ndelivered == count)
		set_timer(end_timer, LINGER_MS);	/* BYE may end it sooner */
}

static void
chat_acked(void *arg, uint64_t id)
{
	if (id <= MAX_COUNT && ack_ms[id] == 0) {
		ack_ms[id] = mono_ms();
		nacked++;
	}
	if (nacked == count) {
		chat_peer_send_bye(chat);
		mailbox_flush(mb);
		finish();
	}
}

static void
chat_undelivered(void *arg, uint64_t id, const uint8_t *text, size_t len)
{
	nundelivered++;
	printf("{\"event\":\"undelivered\",\"id\":%llu}\n", (unsigned long long)id);
}

static void
chat_bye(void *arg)
{
	printf("{\"event\":\"bye\"}\n");
	if (mode == MODE_RECV && ndelivered >= count)
		finish();
}

static bool
is_member(void *arg, const uint8_t id[32])
{
	return memcmp(id, peer, 32) == 0;
}

static void
mailbox_deliver(void *arg, const uint8_t from[32], const uint8_t *frame, size_t len)
{
	enum chat_drop r = chat_peer_input(chat, frame, len);

	if (r != CHAT_DROP_NONE && r != CHAT_DROP_DUPLICATE)
		printf("{\"event\":\"chat_drop\",\"reason\":\"%s\"}\n", chat_drop_name(r));
	chat_rearm();
}

/* --- sender and receiver ------------------------------------------------------------- */

static void
start_sending(void)
{
	static char text[CHAT_TEXT_MAX + 1];
	uint64_t id;
	unsigned i;
	int n;

	t_start = mono_ms();
	chat_peer_send_hello(chat, (const uint8_t *)"mailboxc", 8);
	for (i = 1; i <= count; i++) {
		n = snprintf(text, sizeof(text), "msg %u ", i);
		if (long_every != 0 && i % long_every == 0) {
			memset(text + n, 'x', 1000 - (size_t)n);
			n = 1000;
		}
		if (chat_peer_send(chat, (const uint8_t *)text, (size_t)n, &id) != 0 || id > MAX_COUNT) {
			printf("{\"event\":\"error\",\"what\":\"chat_peer_send\"}\n");
			exit(1);
		}
		sent_ms[id] = mono_ms();
	}
	chat_rearm();
}

static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	if (started)
		return;
	started = true;
	printf("{\"event\":\"start\",\"boots_ok\":%zu}\n", runner_boots_ok(runner));
	fflush(stdout);
	if (mode == MODE_SEND)
		start_sending();
}

static void
on_boot(void *arg, bool ok)
{
	if (ok && !started && !evtimer_pending(start_timer, NULL))
		set_timer(start_timer, START_DELAY_MS);
}

static void
report_sender(void)
{
	static uint64_t rtt[MAX_COUNT];
	uint64_t total = 0;
	unsigned i, n = 0;

	for (i = 1; i <= count; i++)
		if (ack_ms[i] != 0) {
			rtt[n++] = ack_ms[i] - sent_ms[i];
			if (ack_ms[i] - t_start > total)
				total = ack_ms[i] - t_start;
		}
	qsort(rtt, n, sizeof(rtt[0]), cmp_u64);
	printf("{\"event\":\"done\",\"mode\":\"send\",\"acked\":%u,\"undelivered\":%u,"
	    "\"total_ms\":%llu,\"ms_per_msg\":%.1f,\"median_send_to_ack_ms\":%llu}\n", nacked,
	    nundelivered, (unsigned long long)total, n ? (double)total / n : 0.0,
	    (unsigned long long)(n ? rtt[n / 2] : 0));
	exit_code = nacked == count && nundelivered == 0 ? 0 : 1;
}

static void
report_receiver(void)
{
	unsigned n = ndelivered < MAX_COUNT ? ndelivered : MAX_COUNT;

	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	printf("{\"event\":\"done\",\"mode\":\"recv\",\"delivered\":%u,\"out_of_order\":%u,"
	    "\"median_latency_ms\":%llu,\"max_latency_ms\":%llu,\"first_to_last_ms\":%llu}\n",
	    ndelivered, nout_of_order, (unsigned long long)(n ? lat[n / 2] : 0),
	    (unsigned long long)(n ? lat[n - 1] : 0), (unsigned long long)(t_last - t_first));
	exit_code = ndelivered == count && nout_of_order == 0 ? 0 : 1;
}

static void
on_end(evutil_socket_t fd, short what, void *arg)
{
	if (mode == MODE_SEND)
		report_sender();
	else if (mode == MODE_RECV)
		report_receiver();
	else
		exit_code = 0;
	if (mb != NULL)
		print_stats("stats");
	event_base_loopexit(base, NULL);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	printf("{\"event\":\"timeout\"}\n");
	if (mode == MODE_SEND)
		report_sender();
	else if (mode == MODE_RECV)
		report_receiver();
	if (mb != NULL)
		print_stats("stats");
	exit_code = mode == MODE_FLOOD ? 0 : 1;
	event_base_loopexit(base, NULL);
}

/* --- flood ----------------------------------------------------------------------------------- */

enum junk {
	J_MAGIC, J_DECRYPT, J_ROOM, J_FORGED, J_NONMEMBER, J_TO, J_EXP, J_SIZE, J_SHAPE, J__COUNT
};

static const char *const junk_name[J__COUNT] = {
	"magic", "decrypt", "room", "forged", "nonmember", "to", "exp", "size", "shape"
};

static void
flood_put(const uint8_t ih[20], const uint8_t *v, size_t len)
{
	runner_put_once(runner, ih, v, len, NULL, NULL);
}

static void
flood_one(enum junk j, const uint8_t ih[20], uint64_t now)
{
	static const uint8_t frame[] = { 0x94, 0x02, 0x01, 0x00, 0xa0 };
	uint8_t v[MAILBOX_MAX_VALUE + 200], other_key[32], ad[23], env[8];
	uint8_t msg[16 + 20 + MAILBOX_MAX_VALUE], sig[64], body[MAILBOX_MAX_VALUE];
	struct mailbox_letter l;
	size_t bl = 0, el = 0;
	int n = -1;

	memset(&l, 0, sizeof(l));
	memcpy(l.from, pk, 32);
	memcpy(l.to, peer, 32);
	randombytes_buf(&l.seq, sizeof(l.seq));
	l.exp = now + MAILBOX_TTL;
	l.nframes = 1;
	l.frame[0] = frame;
	l.frame_len[0] = sizeof(frame);
	switch (j) {
	case J_MAGIC:
		randombytes_buf(v, 100);
		v[0] = 0x00;
		n = 100;
		break;
	case J_DECRYPT:
		memcpy(v, MAILBOX_MAGIC, 3);
		randombytes_buf(v + 3, 200);
		n = 203;
		break;
	case J_ROOM:
		mailbox_key(other_keys.record, other_key);
		n = mailbox_seal(&l, other_key, ih, sk, v, sizeof(v));
		break;
	case J_FORGED:				/* from the member, signed by us */
		memcpy(l.from, member, 32);
		if (mailbox_encode_body(&l, body, sizeof(body), &bl) != 0)
			return;
		memcpy(msg, MAILBOX_LABEL, 16);
		memcpy(msg + 16, ih, 20);
		memcpy(msg + 36, body, bl);
		crypto_sign_detached(sig, NULL, msg, 36 + bl, sk);
		if (mailbox_encode_envelope(body, bl, sig, msg, sizeof(msg), &el) != 0)
			return;
		goto seal_raw;
	case J_NONMEMBER:
		mailbox_key(keys.record, other_key);
		n = mailbox_seal(&l, other_key, ih, sk, v, sizeof(v));
		break;
	case J_TO:
		memcpy(l.to, pk, 32);
		mailbox_key(keys.record, other_key);
		n = mailbox_seal(&l, other_key, ih, sk, v, sizeof(v));
		break;
	case J_EXP:
		l.exp = now - 10;
		mailbox_key(keys.record, other_key);
		n = mailbox_seal(&l, other_key, ih, sk, v, sizeof(v));
		break;
	case J_SIZE:
		memcpy(v, MAILBOX_MAGIC, 3);
		randombytes_buf(v + 3, MAILBOX_MAX_VALUE + 100 - 3);
		n = MAILBOX_MAX_VALUE + 100;
		break;
	case J_SHAPE:
		env[0] = 0x92;		/* [nil, nil] */
		env[1] = 0xc0;
		env[2] = 0xc0;
		memcpy(msg, env, 3);
		el = 3;
		goto seal_raw;
	case J__COUNT:
		return;
	}
	if (n > 0) {
		flood_put(ih, v, (size_t)n);
		flooded[j]++;
	}
	return;
seal_raw:
	mailbox_key(keys.record, other_key);
	memcpy(ad, MAILBOX_MAGIC, 3);
	memcpy(ad + 3, ih, 20);
	memcpy(v, MAILBOX_MAGIC, 3);
	randombytes_buf(v + 3, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(v + 27, NULL, msg, el, ad, sizeof(ad), NULL,
	    v + 3, other_key);
	flood_put(ih, v, 27 + el + 16);
	flooded[j]++;
}

static void
on_flood_tick(evutil_socket_t fd, short what, void *arg)
{
	static unsigned k;
	uint64_t now = unix_ms() / 1000;
	uint8_t ih[20];
	int i;

	mailbox_infohash(keys.locator, peer, room_epoch(now), ih);
	for (i = 0; i < FLOOD_PER_TICK; i++)
		flood_one((enum junk)(k++ % J__COUNT), ih, now);
	if (mono_ms() < flood_until) {
		set_timer(flood_timer, FLOOD_TICK_MS);
		return;
	}
	printf("{\"event\":\"flooded\"");
	for (i = 0; i < J__COUNT; i++)
		printf(",\"%s\":%llu", junk_name[i], (unsigned long long)flooded[i]);
	printf(",\"replayed\":%llu}\n", (unsigned long long)nreplayed);
	fflush(stdout);
	exit_code = 0;
	/* Give the last puts a moment to leave. */
	set_timer(end_timer, 1000);
}

/*
 * The member's values under the victim's mailbox, put again as they are
 * (until REPLAYS_MAX): the flooder has the room key, so it can tell them.
 */
static void
on_flood_value(void *arg, const uint8_t *data, size_t len, uint64_t id, bool expired)
{
	const uint8_t *ih = arg;
	struct mailbox_letter l;
	uint8_t k[32];

	if (expired || nreplayed >= REPLAYS_MAX)
		return;
	mailbox_key(keys.record, k);
	if (mailbox_open(data, len, k, ih, peer, unix_ms() / 1000, &l) == MBX_OK &&
	    memcmp(l.from, member, 32) == 0) {
		flood_put(ih, data, len);
		nreplayed++;
	}
	mailbox_letter_wipe(&l);
	sodium_memzero(k, sizeof(k));
}

static void
start_flood(unsigned seconds)
{
	static uint8_t ih[20];
	uint64_t now = unix_ms() / 1000;

	mailbox_infohash(keys.locator, peer, room_epoch(now), ih);
	flood_listen = runner_listen(runner, ih, on_flood_value, ih);
	flood_until = mono_ms() + (uint64_t)seconds * 1000;
	flood_timer = evtimer_new(base, on_flood_tick, NULL);
	set_timer(flood_timer, 0);
}

/* --- main ------------------------------------------------------------------------------------------ */

static int
usage(void)
{
	fprintf(stderr, "usage: mailboxc id SEED\n"
	    "       mailboxc send BOOT ROOM SEED PEER COUNT LONG_EVERY TIMEOUT\n"
	    "       mailboxc recv BOOT ROOM SEED PEER COUNT TIMEOUT\n"
	    "       mailboxc flood BOOT ROOM SEED VICTIM MEMBER SECONDS\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct runner_host boot;
	char boot_host[256];
	struct runner_config rc;
	struct mailbox_config mc;
	struct chat_peer_ops ops;
	struct event *timeout;
	uint8_t seed[32];
	char hex[65], other_room[ROOM_MAX_LEN + 8];
	unsigned limit;

	if (sodium_init() < 0)
		return 1;
	clk = clock_real(NULL);
	if (argc == 3 && strcmp(argv[1], "id") == 0) {
		if (unhex(argv[2], seed, 32) != 0)
			return usage();
		crypto_sign_seed_keypair(pk, sk, seed);
		printf("%s\n", sodium_bin2hex(hex, sizeof(hex), pk, 32));
		return 0;
	}
	if (argc == 9 && strcmp(argv[1], "send") == 0)
		mode = MODE_SEND;
	else if (argc == 8 && strcmp(argv[1], "recv") == 0)
		mode = MODE_RECV;
	else if (argc == 8 && strcmp(argv[1], "flood") == 0)
		mode = MODE_FLOOD;
	else
		return usage();
	if (endpoint_parse_hostport(argv[2], boot_host, sizeof(boot_host), RUNNER_DEFAULT_PORT,
	    &boot.port) != 0) {
		fprintf(stderr, "bad bootstrap node %s\n", argv[2]);
		return 2;
	}
	boot.host = boot_host;
	if (unhex(argv[4], seed, 32) != 0 || unhex(argv[5], peer, 32) != 0)
		return usage();
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
	snprintf(other_room, sizeof(other_room), "%s-not", argv[3]);
	if (room_derive(argv[3], strlen(argv[3]), &keys) != ROOM_OK ||
	    room_derive(other_room, strlen(other_room), &other_keys) != ROOM_OK) {
		fprintf(stderr, "mailboxc: bad room\n");
		return 2;
	}
	if (mode == MODE_FLOOD) {
		if (unhex(argv[6], member, 32) != 0)
			return usage();
		limit = (unsigned)strtoul(argv[7], NULL, 10) + 30;
	} else {
		count = (unsigned)strtoul(argv[6], NULL, 10);
		if (count == 0 || count > MAX_COUNT)
			return usage();
		if (mode == MODE_SEND)
			long_every = (unsigned)strtoul(argv[7], NULL, 10);
		limit = (unsigned)strtoul(argv[mode == MODE_SEND ? 8 : 7], NULL, 10);
	}

	evthread_use_pthreads();
	base = event_base_new();
	timers = timers_new(base, &clk);
	memset(&rc, 0, sizeof(rc));
	rc.bootstrap = &boot;
	rc.nbootstrap = 1;
	if ((runner = runner_new(base, &rc)) == NULL)
		return 1;
	end_timer = evtimer_new(base, on_end, NULL);
	start_timer = evtimer_new(base, on_start, NULL);
	timeout = evtimer_new(base, on_timeout, NULL);
	set_timer(timeout, (uint64_t)limit * 1000);

	if (mode == MODE_FLOOD) {
		start_flood((unsigned)strtoul(argv[7], NULL, 10));
	} else {
		memset(&ops, 0, sizeof(ops));
		ops.transmit = chat_transmit;
		ops.deliver = chat_deliver;
		ops.acked = chat_acked;
		ops.undelivered = chat_undelivered;
		ops.bye = chat_bye;
		if ((chat = chat_peer_new(&clk, &ops, NULL)) == NULL)
			return 1;
		chat_timer = evtimer_new(base, on_chat_timer, NULL);
		memset(&mc, 0, sizeof(mc));
		mc.timers = timers;
		mc.runner = runner;
		mc.keys = &keys;
		mc.sign_sk = sk;
		mc.is_member = is_member;
		mc.deliver = mailbox_deliver;
		if ((mb = mailbox_new(&mc)) == NULL) {
			fprintf(stderr, "mailboxc: mailbox_new failed\n");
			return 1;
		}
		runner_set_boot_cb(runner, on_boot, NULL);
		/* No bootstrap answer at all: start anyway after a while. */
		set_timer(start_timer, 5000);
	}
	printf("{\"event\":\"run\",\"mode\":\"%s\",\"id\":\"%s\"}\n", argv[1],
	    sodium_bin2hex(hex, sizeof(hex), pk, 32));
	fflush(stdout);
	event_base_dispatch(base);

	if (chat != NULL) {
		/* Ours are all acknowledged or reported; nothing to report again. */
		chat_peer_free(chat);
		event_free(chat_timer);
	}
	mailbox_free(mb);
	if (flood_listen != NULL)
		runner_cancel_listen(runner, flood_listen);
	runner_free(runner);
	if (flood_timer != NULL)
		event_free(flood_timer);
	event_free(end_timer);
	event_free(start_timer);
	event_free(timeout);
	timers_free(timers);
	event_base_free(base);
	room_keys_wipe(&keys);
	room_keys_wipe(&other_keys);
	sodium_memzero(sk, sizeof(sk));
	return exit_code;
}
