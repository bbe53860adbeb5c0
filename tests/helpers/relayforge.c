/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * relayforge.c — a non-member's attack on a peer relay, for
 * test_peer_relay.sh: sends N relay data messages (F0 33) and N relay
 * queries (F0 34) with the given source and destination WireGuard keys
 * (base64) to HOST PORT, MACed with a key that is not the room's (a
 * non-member does not have it). Every one must be dropped as "mac".
 *
 *   relayforge HOST PORT SRC_B64 DST_B64 N
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "tunnel/nat/relay_msg.h"

static int
key_b64(const char *s, uint8_t out[32])
{
	size_t n;

	return sodium_base642bin(out, 32, s, strlen(s), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && n == 32 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	uint8_t key[32], pk[32], src[32], dst[32], payload[148], buf[RELAY_DATA_MAX];
	struct sockaddr_in sa;
	struct relay_msg m;
	int fd, i, n;
	size_t len;

	if (argc != 6 || sodium_init() < 0 || key_b64(argv[3], src) != 0 ||
	    key_b64(argv[4], dst) != 0 || (n = atoi(argv[5])) <= 0) {
		fprintf(stderr, "usage: relayforge HOST PORT SRC_B64 DST_B64 N\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 2;
	randombytes_buf(key, sizeof(key));	/* not the room's probe key */
	randombytes_buf(pk, sizeof(pk));	/* nor anybody's pair key */
	randombytes_buf(payload, sizeof(payload));
	payload[0] = 1;				/* looks like a WireGuard initiation */
	payload[1] = payload[2] = payload[3] = 0;
	for (i = 0; i < n; i++) {
		len = relay_build_data(buf, sizeof(buf), key, pk, src, dst, (uint64_t)time(NULL) * 1000 +
		    (uint64_t)i, payload, sizeof(payload), NULL);
		(void)sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
		memset(&m, 0, sizeof(m));
		memcpy(m.src, src, 32);
		memcpy(m.dst, dst, 32);	/* the relay's key would be needed to pass "receiver" */
		memcpy(m.target, src, 32);
		m.target[0] ^= 1;
		m.op = RELAY_OP_QUERY;
		m.ts = (uint64_t)time(NULL) * 1000 + (uint64_t)i;
		len = relay_build_ctl(buf, sizeof(buf), key, pk, &m, NULL);
		(void)sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
		usleep(1000);
	}
	close(fd);
	printf("sent %d forged data and %d forged queries\n", n, n);
	return 0;
}
