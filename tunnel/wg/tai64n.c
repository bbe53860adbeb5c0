/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tai64n.c — TAI64N timestamps: 8 bytes big-endian 2^62 + 10 + seconds, 4 bytes big-endian ns. */
#include "config.h"

#include <string.h>

#include "tunnel/wg/tai64n.h"

enum {
	TAI64N_WHITENING = 1 << 24	/* largest power of two <= 1e9 / 50 */
};

void
wg_tai64n_encode(uint8_t out[NOISE_TIMESTAMP_LEN], const struct timespec *ts)
{
	uint64_t	 secs = UINT64_C(0x400000000000000a) + (uint64_t)ts->tv_sec;
	uint32_t	 nsec = (uint32_t)ts->tv_nsec;
	int		 i;

	nsec -= nsec % TAI64N_WHITENING;
	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(secs >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}

int
wg_tai64n_after(const uint8_t a[NOISE_TIMESTAMP_LEN], const uint8_t b[NOISE_TIMESTAMP_LEN])
{
	/* Big-endian fields: byte order is numeric order. */
	return memcmp(a, b, NOISE_TIMESTAMP_LEN) > 0;
}
