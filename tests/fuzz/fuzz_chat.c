/* fuzz-sources: src/chat/chat_codec.c src/chat/chat_reliable.c src/ui/sanitize.c dht/wire/utf8.c dht/wire/mpack.c dht/wire/mpack_writer.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_chat.c — the chat frame decoder, a chat_peer fed with what it decodes,
 * and the sanitizer, on one input.
 *
 * The input is a sequence of records: one control byte, a 2-byte big-endian
 * length, that many bytes of frame. The control byte advances the fake clock
 * (low 6 bits, in 64 ms steps, so timers and the 60 s expiry are reached),
 * and its top bits ask for a send, a path change or a timer run. Checked:
 * decode -> encode -> decode is stable for accepted frames, every delivery is
 * well-formed UTF-8 within limits, and sanitized text holds no control.
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "src/chat/chat_codec.h"
#include "src/chat/chat_reliable.h"
#include "src/ui/sanitize.h"
#include "dht/wire/utf8.h"

static uint64_t fake_now;

static uint64_t
mono(void *arg)
{
	return fake_now * 1000000u;
}

static uint64_t
wall(void *arg)
{
	return UINT64_C(1700000000000) + fake_now;
}

static void
check_safe(const uint8_t *s, size_t len)
{
	static char out[SANITIZE_MAX(CHAT_FRAME_MAX)];
	size_t n, off = 0;
	uint32_t cp;

	assert(len <= CHAT_FRAME_MAX);
	n = sanitize_text(out, sizeof(out), s, len);
	assert(n + 1 <= SANITIZE_MAX(len) && out[n] == '\0' && strlen(out) == n);
	assert(utf8_valid((const uint8_t *)out, n));
	while (off < n) {
		assert(utf8_next((const uint8_t *)out, n, &off, &cp) == 0);
		assert(cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f));
		assert(!(cp >= 0x202a && cp <= 0x202e) && !(cp >= 0x2066 && cp <= 0x2069));
		assert(cp != 0x2028 && cp != 0x2029);
	}
}

static void
on_transmit(void *arg, const uint8_t *frame, size_t len)
{
	struct chat_frame f;

	/* What we send must be what we accept. */
	assert(chat_decode(&f, frame, len) == CHAT_DROP_NONE);
}

static void
on_deliver(void *arg, const struct chat_delivery *d)
{
	assert(d->len >= 1 && d->len <= CHAT_TEXT_MAX);
	assert(d->text != NULL);
	assert(utf8_valid(d->text, d->len));
	check_safe(d->text, d->len);
}

static void
on_hello(void *arg, const uint8_t *nick, size_t len, uint64_t version)
{
	assert(len <= CHAT_NICK_MAX);
	check_safe(nick, len);
}

static const struct chat_peer_ops ops = {
	.transmit = on_transmit,
	.deliver = on_deliver,
	.hello = on_hello,
};

static void
roundtrip(const struct chat_frame *f)
{
	uint8_t buf[CHAT_FRAME_MAX];
	struct chat_frame g;
	size_t len;

	len = chat_encode(buf, sizeof(buf), f);
	assert(len > 0);
	assert(chat_decode(&g, buf, len) == CHAT_DROP_NONE);
	assert(g.type == f->type && g.seq == f->seq && g.unix_ms == f->unix_ms &&
	    g.version == f->version && g.flags == f->flags && g.nick_len == f->nick_len &&
	    g.text_len == f->text_len);
	assert(g.nick_len == 0 || memcmp(g.nick, f->nick, g.nick_len) == 0);
	assert(g.text_len == 0 || memcmp(g.text, f->text, g.text_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clock clock = { mono, wall, NULL };
	struct chat_peer *p;
	struct chat_frame f;
	size_t len;
	uint8_t ctl;

	/* The whole input as one frame, and as text. */
	if (chat_decode(&f, data, size) == CHAT_DROP_NONE)
		roundtrip(&f);
	if (size <= CHAT_FRAME_MAX)
		check_safe(data, size);

	fake_now = 1000;
	if ((p = chat_peer_new(&clock, &ops, NULL)) == NULL)
		return 0;
	while (size >= 3) {
		ctl = data[0];
		len = (size_t)data[1] << 8 | data[2];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		fake_now += (uint64_t)(ctl & 0x3f) * 64;
		switch (ctl >> 6) {
		case 0:
			if (chat_decode(&f, data, len) == CHAT_DROP_NONE) {
				roundtrip(&f);
				chat_peer_input_frame(p, &f);
			}
			break;
		case 1:
			chat_peer_input(p, data, len);
			break;
		case 2:
			/* Odd control bytes send with flags (an XMSG). */
			chat_peer_send_flags(p, data, len, ctl & 1 ? CHAT_FLAG_PRIVATE : 0, NULL);
			break;
		case 3:
			if (len & 1)
				chat_peer_path_changed(p);
			else if (chat_peer_next_deadline(p) <= fake_now)
				chat_peer_on_timer(p);
			break;
		}
		data += len;
		size -= len;
	}
	fake_now += 3600 * 1000;
	chat_peer_on_timer(p);
	assert(chat_peer_pending(p) == 0);
	chat_peer_free(p);
	return 0;
}
