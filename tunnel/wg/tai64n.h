/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tai64n.h — the 12-byte TAI64N timestamp carried (encrypted) in every
 * initiation, which the responder requires to increase (replay protection).
 */
#ifndef GONET_TUNNEL_TAI64N_H
#define GONET_TUNNEL_TAI64N_H

#include <stdint.h>
#include <time.h>

#include "tunnel/wg/messages.h"

/*
 * Encode ts. The nanoseconds are rounded down to a power of two below
 * 1 s / INITIATIONS_PER_SECOND (as Linux and wireguard-go do) so the
 * timestamp does not leak a precise clock.
 */
void wg_tai64n_encode(uint8_t out[NOISE_TIMESTAMP_LEN], const struct timespec *ts);
/* Returns 1 if a is strictly later than b. */
int wg_tai64n_after(const uint8_t a[NOISE_TIMESTAMP_LEN], const uint8_t b[NOISE_TIMESTAMP_LEN]);

#endif
