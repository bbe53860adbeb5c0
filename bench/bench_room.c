/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_room.c — room key derivation time (median of N), against raw
 * libsodium Argon2id with the same parameters in the same run: the
 * derivation is one Argon2id plus five small BLAKE2b calls, so the ratio
 * shows what gonet adds. Not a test; run by `make bench`.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dht/room/room.h"

enum { RUNS = 7 };

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(void)
{
	static const char room[] = "lobby/room/key";
	uint8_t out[32], salt[crypto_pwhash_SALTBYTES] = { 0 };
	double raw[RUNS], gonet[RUNS], t;
	struct room_keys keys;
	int i;

	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < RUNS; i++) {
		t = now_ms();
		if (crypto_pwhash(out, sizeof(out), room, strlen(room), salt,
		    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
		    crypto_pwhash_ALG_ARGON2ID13) != 0)
			return 1;
		raw[i] = now_ms() - t;
		t = now_ms();
		if (room_derive(room, strlen(room), &keys) != ROOM_OK)
			return 1;
		gonet[i] = now_ms() - t;
		room_keys_wipe(&keys);
	}
	qsort(raw, RUNS, sizeof(raw[0]), cmp);
	qsort(gonet, RUNS, sizeof(gonet[0]), cmp);
	printf("room key derivation: gonet %.1f ms, raw Argon2id (interactive) %.1f ms, "
	    "ratio %.3f (median of %d)\n", gonet[RUNS / 2], raw[RUNS / 2],
	    gonet[RUNS / 2] / raw[RUNS / 2], RUNS);
	return 0;
}
