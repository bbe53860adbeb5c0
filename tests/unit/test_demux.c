/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_demux.c — the data socket's first-byte table (tunnel/net/demux.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/net/demux.h"
#include "tests/check.h"

static enum demux_kind
classify_hex(const char *hex)
{
	uint8_t buf[256];
	size_t n = 0;
	unsigned v;

	while (*hex != '\0' && n < sizeof(buf)) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1)
			abort();
		buf[n++] = (uint8_t)v;
		hex += 2;
	}
	return demux_classify(buf, n);
}

int
main(void)
{
	struct demux_stats st;
	uint8_t buf[148];
	unsigned t;

	/* The table, row by row. */
	CHECK(classify_hex("0001 0000 2112A442 000102030405060708090a0b") == DEMUX_STUN);
	CHECK(classify_hex("0101 000c 2112A442 000102030405060708090a0b 00200008 0001a147 e112a643") == DEMUX_STUN);
	CHECK(classify_hex("0111 0000 2112A442 000102030405060708090a0b") == DEMUX_STUN);
	CHECK(classify_hex("0001 0000 2112A442 0001020304050607080910") == DEMUX_OTHER);	/* 19 bytes */
	CHECK(classify_hex("4001 0000 2112A442 000102030405060708090a0b") == DEMUX_OTHER);	/* top bits */
	CHECK(classify_hex("8001 0000 2112A442 000102030405060708090a0b") == DEMUX_OTHER);
	CHECK(classify_hex("0001 0000 2112A443 000102030405060708090a0b") == DEMUX_OTHER);	/* cookie */
	for (t = 1; t <= 4; t++) {
		memset(buf, 0xAB, sizeof(buf));
		buf[0] = (uint8_t)t;
		buf[1] = buf[2] = buf[3] = 0;
		CHECK(demux_classify(buf, sizeof(buf)) == DEMUX_WG);
		CHECK(demux_classify(buf, 4) == DEMUX_WG);
		CHECK(demux_classify(buf, 3) == DEMUX_OTHER);
		buf[2] = 1;
		CHECK(demux_classify(buf, sizeof(buf)) == DEMUX_OTHER);
	}
	CHECK(classify_hex("00000000 11111111") == DEMUX_OTHER);	/* type 0 */
	CHECK(classify_hex("05000000 11111111") == DEMUX_OTHER);	/* type 5 */
	/* A WireGuard message whose index happens to be the STUN cookie stays WireGuard. */
	CHECK(classify_hex("04000000 2112A442 0000000000000000 00000000000000000000000000000000") == DEMUX_WG);
	CHECK(classify_hex("F0") == DEMUX_PROBE);
	CHECK(classify_hex("F001") == DEMUX_PROBE);
	CHECK(classify_hex("F0 02 0000 2112A442") == DEMUX_PROBE);
	CHECK(classify_hex("F1 01") == DEMUX_OTHER);
	CHECK(demux_classify(NULL, 0) == DEMUX_OTHER);
	CHECK(demux_classify(buf, 0) == DEMUX_OTHER);
	CHECK(classify_hex("17 03 03 00 10") == DEMUX_OTHER);	/* TLS record */

	memset(&st, 0, sizeof(st));
	buf[0] = 0xF0;
	CHECK(demux_input(&st, buf, 100) == DEMUX_PROBE);
	buf[0] = 0x07;
	CHECK(demux_input(&st, buf, 10) == DEMUX_OTHER);
	CHECK(demux_input(&st, buf, 5) == DEMUX_OTHER);
	CHECK(st.packets[DEMUX_PROBE] == 1 && st.bytes[DEMUX_PROBE] == 100);
	CHECK(st.packets[DEMUX_OTHER] == 2 && st.bytes[DEMUX_OTHER] == 15);
	CHECK(strcmp(demux_kind_name(DEMUX_STUN), "stun") == 0);
	CHECK(strcmp(demux_kind_name(DEMUX_WG), "wg") == 0);

	return check_exit("test_demux");
}
