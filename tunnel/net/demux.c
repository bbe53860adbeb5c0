/* SPDX-License-Identifier: GPL-3.0-or-later */
/* demux.c — classify datagrams on the data socket; see demux.h for the table. */
#include "config.h"

#include "tunnel/net/demux.h"

static const uint8_t stun_cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };

enum demux_kind
demux_classify(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return DEMUX_OTHER;
	if (buf[0] == DEMUX_PROBE_MAGIC)
		return DEMUX_PROBE;
	if (len >= DEMUX_WG_MIN && buf[0] >= 1 && buf[0] <= DEMUX_WG_TYPE_MAX &&
	    buf[1] == 0 && buf[2] == 0 && buf[3] == 0)
		return DEMUX_WG;
	if (len >= DEMUX_STUN_MIN && (buf[0] & 0xC0) == 0 &&
	    buf[4] == stun_cookie[0] && buf[5] == stun_cookie[1] &&
	    buf[6] == stun_cookie[2] && buf[7] == stun_cookie[3])
		return DEMUX_STUN;
	return DEMUX_OTHER;
}

enum demux_kind
demux_input(struct demux_stats *st, const uint8_t *buf, size_t len)
{
	enum demux_kind k = demux_classify(buf, len);

	st->packets[k]++;
	st->bytes[k] += len;
	return k;
}

const char *
demux_kind_name(enum demux_kind k)
{
	switch (k) {
	case DEMUX_OTHER:
		return "other";
	case DEMUX_STUN:
		return "stun";
	case DEMUX_WG:
		return "wg";
	case DEMUX_PROBE:
		return "probe";
	case DEMUX__COUNT:
		break;
	}
	return "?";
}
