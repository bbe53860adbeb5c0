/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bytes.h — big-endian (network order) loads and stores and the 4-byte
 * padding of STUN attributes, for the binary wire codecs (STUN, TURN, IP,
 * file transfer). Unaligned-safe: bytes only, no casts.
 */
#ifndef GONET_BYTES_H
#define GONET_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t
bytes_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
bytes_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
bytes_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
bytes_put32(uint8_t *p, uint32_t v)
{
	bytes_put16(p, (uint16_t)(v >> 16));
	bytes_put16(p + 2, (uint16_t)v);
}

static inline uint64_t
bytes_get64(const uint8_t *p)
{
	return (uint64_t)bytes_get32(p) << 32 | bytes_get32(p + 4);
}

static inline void
bytes_put64(uint8_t *p, uint64_t v)
{
	bytes_put32(p, (uint32_t)(v >> 32));
	bytes_put32(p + 4, (uint32_t)v);
}

/* n rounded up to a multiple of 4 (RFC 8489 section 14: attribute padding). */
static inline size_t
bytes_pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

#endif
