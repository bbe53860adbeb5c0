/* fuzz-sources: dht/record/pex_msg.c dht/record/record.c dht/record/record_codec.c dht/record/record_seen.c dht/wire/mpack.c dht/wire/mpack_map.c dht/wire/mpack_writer.c dht/wire/envelope.c dht/wire/utf8.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_pex.c — libFuzzer target for the peer exchange message
 * (dht/record/pex_msg.h): the input is a datagram to port 7778. A decoded
 * message must re-encode to one that decodes to the same message (the
 * encoder writes the shortest forms, so the bytes may differ: int16 and
 * uint16 take as many), and every value in it goes through record_open()
 * and record_accept() as the receiver does. A HAVE must re-encode to the
 * same message too, its digests inside the input.
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dht/record/pex_msg.h"
#include "dht/record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t NOW = 493000ull * 3600 + 100;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record_seen *seen;
	uint8_t key[32], ih[20], out[PEX_MAX_MSG];
	struct pex_msg m, again;
	struct record rec;
	enum pex_msg_error e;
	unsigned i;
	int n;

	if (seen == NULL)
		seen = record_seen_new(NULL);
	memset(key, 0x42, sizeof(key));
	memset(ih, 0x24, sizeof(ih));
	e = pex_msg_decode(data, size, &m);
	assert((unsigned)e < PEX_MSG__COUNT);
	if (e != PEX_MSG_OK) {
		assert(m.n == 0 && m.type == 0 && m.ndigests == 0);
		return 0;
	}
	if (m.type == PEX_TYPE_HAVE) {
		assert(m.n == 0 && m.ndigests <= PEX_HAVE_MAX);
		assert(m.salt >= data && m.salt + PEX_HAVE_SALT <= data + size);
		assert(m.digests >= data && m.digests + (size_t)m.ndigests * PEX_HAVE_DIGEST <= data + size);
		n = pex_have_encode(m.salt, m.digests, m.ndigests, out, sizeof(out));
		assert(n > 0 && (size_t)n <= size);
		assert(pex_msg_decode(out, (size_t)n, &again) == PEX_MSG_OK);
		assert(again.type == PEX_TYPE_HAVE && again.ndigests == m.ndigests &&
		    memcmp(again.salt, m.salt, PEX_HAVE_SALT) == 0 &&
		    memcmp(again.digests, m.digests, (size_t)m.ndigests * PEX_HAVE_DIGEST) == 0);
		return 0;
	}
	assert(m.type == PEX_TYPE_RECORDS && m.n >= 1 && m.n <= PEX_MAX_VALUES && size <= PEX_MAX_MSG);
	for (i = 0; i < m.n; i++) {
		assert(m.len[i] >= 1 && m.len[i] <= RECORD_MAX_VALUE);
		assert(m.value[i] >= data && m.value[i] + m.len[i] <= data + size);
		if (record_open(m.value[i], m.len[i], key, ih, NOW, &rec) == REC_OK)
			(void)record_accept(seen, &rec, NOW);
	}
	n = pex_msg_encode(m.epoch, m.value, m.len, m.n, out, sizeof(out));
	assert(n > 0 && (size_t)n <= size && (size_t)n <= pex_msg_size(m.len, m.n));
	/* Re-encoded (shortest forms; int16 and uint16 are the same size): the same message. */
	assert(pex_msg_decode(out, (size_t)n, &again) == PEX_MSG_OK);
	assert(again.epoch == m.epoch && again.n == m.n);
	for (i = 0; i < m.n; i++)
		assert(again.len[i] == m.len[i] && memcmp(again.value[i], m.value[i], m.len[i]) == 0);
	return 0;
}
