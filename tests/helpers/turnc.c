/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turnc.c — drive the TURN client (tunnel/turn/turn.h) against a real server
 * from one UDP socket with a poll loop: the test program behind
 * tests/test_turn_coturn.sh, and a handy diagnostic.
 *
 *   turnc [-b BIND_IP] [-l LIFETIME_S] [-P PERM_S] [-C CHAN_S] [-t RUN_MS]
 *         [-r MIN_REFRESHES] SERVER_IP PORT USER PASS
 *
 * Allocates, then makes two local UDP "peers" on BIND_IP: one reached by
 * Send/Data indications (no channel), one by ChannelData. Every 250 ms each
 * peer sends a numbered datagram to the relayed address and the client sends
 * one to each peer through the server; every one must arrive, through the
 * right framing, until RUN_MS is over. Then it deallocates. Prints
 * "key value" lines; exits 0 when everything arrived and at least
 * MIN_REFRESHES refreshes succeeded, 1 on a TURN or data failure, 2 on usage
 * or socket errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "tunnel/turn/turn.h"

enum {
	ROUND_MS = 250,
	N_PEERS = 2,
	SETUP_MS = 10000		/* allocation, permissions and channel must be up by then */
};

struct peer {
	int fd;
	struct endpoint addr;
	int channel;			/* reached by ChannelData (else indications) */
	unsigned sent_to, got_from_client;	/* client -> peer */
	unsigned sent_from, got_at_client;	/* peer -> client */
	unsigned bad;
};

struct state {
	int fd;
	struct turn_client c;
	struct peer peers[N_PEERS];
	int ready;
	unsigned events_failed;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
parse_ep(struct endpoint *ep, const char *ip, long port)
{
	uint8_t a[16];

	if (port < 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, ip, a) == 1)
		return endpoint_set(ep, ENDPOINT_V4, a, (uint16_t)port);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return endpoint_set(ep, ENDPOINT_V6, a, (uint16_t)port);
	return -1;
}

static int
udp_socket(const char *ip, struct endpoint *bound)
{
	struct sockaddr_storage ss;
	struct endpoint ep;
	socklen_t sl;
	int fd;

	if (parse_ep(&ep, ip, 0) != 0)
		return -1;
	if ((fd = socket(ep.family == ENDPOINT_V4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0)) < 0)
		return -1;
	sl = endpoint_to_sockaddr(&ep, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
	    endpoint_from_sockaddr(bound, (struct sockaddr *)&ss, sl) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int
send_to(int fd, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = endpoint_to_sockaddr(to, &ss);

	if (sl == 0 || sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	return 0;
}

static int
send_udp(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len)
{
	return send_to(*(int *)arg, to, buf, len);
}

static ssize_t
recv_from(int fd, uint8_t *buf, size_t cap, struct endpoint *from)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);

	if (n >= 0 && endpoint_from_sockaddr(from, (struct sockaddr *)&ss, sl) != 0)
		return -1;
	return n;
}

static void
on_event(void *arg, enum turn_event ev, const struct endpoint *peer)
{
	struct state *st = arg;
	char s[ENDPOINT_STR_MAX];
	static const char *const names[] = {
		"allocated", "refreshed", "failed", "closed", "permission", "channel", "peer-failed"
	};

	printf("event %s%s%s\n", names[ev], peer ? " " : "", peer ? endpoint_format(peer, s, sizeof(s)) : "");
	if (ev == TURN_EV_PEER_FAILED) {
		const struct turn_peer *tp = turn_client_peer(&st->c, peer);

		printf("peer-failed %s (last error code %u)\n",
		    tp != NULL ? turn_fail_name(tp->last_fail) : "?", st->c.last_error_code);
	}
	if (ev == TURN_EV_PEER_FAILED || ev == TURN_EV_FAILED)
		st->events_failed++;
	fflush(stdout);
}

/* A datagram on the client socket: the TURN client first, as the data socket does. */
static void
client_input(struct state *st, uint64_t now)
{
	struct turn_datagram d;
	struct endpoint from;
	uint8_t buf[65536];
	unsigned i, seq;
	ssize_t n;

	while ((n = recv_from(st->fd, buf, sizeof(buf), &from)) >= 0) {
		switch (turn_unwrap(&st->c, &from, buf, (size_t)n, now, &d)) {
		case TURN_UNWRAP_DATA:
			for (i = 0; i < N_PEERS; i++) {
				struct peer *p = &st->peers[i];
				char want[32], text[32];

				if (!endpoint_equal(&d.peer, &p->addr))
					continue;
				/* The framing must be the one this peer should get. */
				if ((buf[0] == 0x40) != p->channel) {
					printf("peer%u: wrong framing (first byte %02x) at %llu ms\n", i, buf[0],
					    (unsigned long long)now);
					p->bad++;
					break;
				}
				/* The payload is not terminated (ChannelData may be padded): copy it. */
				memset(text, 0, sizeof(text));
				memcpy(text, d.payload, d.len < sizeof(text) - 1 ? d.len : sizeof(text) - 1);
				if (d.len > 4 && d.len < sizeof(text) && memcmp(text, "p2c ", 4) == 0 &&
				    sscanf(text + 4, "%u", &seq) == 1 &&
				    (size_t)snprintf(want, sizeof(want), "p2c %u", seq) == d.len &&
				    memcmp(want, d.payload, d.len) == 0)
					p->got_at_client++;
				else
					p->bad++;
				break;
			}
			if (i == N_PEERS)
				printf("data from an unknown peer\n");
			break;
		case TURN_UNWRAP_NOT_OURS:
			printf("not-turn datagram (%zd bytes)\n", n);
			break;
		default:
			break;
		}
	}
}

static void
peer_input(struct state *st, struct peer *p)
{
	struct endpoint from, relayed;
	uint8_t buf[2048];
	ssize_t n;

	while ((n = recv_from(p->fd, buf, sizeof(buf), &from)) >= 0) {
		/* Everything must come from the relayed address. */
		if (turn_client_relayed(&st->c, &relayed, NULL) != 0 || !endpoint_equal(&from, &relayed) ||
		    n < 5 || memcmp(buf, "c2p ", 4) != 0) {
			char f[ENDPOINT_STR_MAX];

			printf("peer: unexpected %zd bytes from %s: %.*s\n", n, endpoint_format(&from, f, sizeof(f)),
			    (int)(n < 16 ? n : 16), (const char *)buf);
			p->bad++;
		} else {
			p->got_from_client++;
		}
	}
}

static void
round_send(struct state *st, unsigned round, uint64_t now)
{
	struct endpoint relayed;
	char msg[32];
	uint8_t out[256];
	size_t len, n;
	unsigned i;

	if (turn_client_relayed(&st->c, &relayed, NULL) != 0)
		return;
	for (i = 0; i < N_PEERS; i++) {
		struct peer *p = &st->peers[i];

		n = (size_t)snprintf(msg, sizeof(msg), "p2c %u", round);
		if (send_to(p->fd, &relayed, (const uint8_t *)msg, n) == 0)
			p->sent_from++;
		n = (size_t)snprintf(msg, sizeof(msg), "c2p %u", round);
		len = turn_wrap(&st->c, &p->addr, (const uint8_t *)msg, n, out, sizeof(out));
		if (len > 0 && send_to(st->fd, &st->c.server, out, len) == 0)
			p->sent_to++;
	}
	(void)now;
}

static int
peers_ready(const struct state *st)
{
	unsigned i;

	for (i = 0; i < N_PEERS; i++) {
		const struct turn_peer *tp = turn_client_peer(&st->c, &st->peers[i].addr);

		if (tp == NULL || tp->perm != TURN_PERM_OK ||
		    (st->peers[i].channel && tp->chan != TURN_PERM_OK))
			return 0;
	}
	return 1;
}

/* Poll the sockets until deadline or the client needs its timer. */
static void
pump(struct state *st, uint64_t until)
{
	struct stun_send io = { send_udp, &st->fd };
	struct pollfd pfd[1 + N_PEERS];
	uint64_t now = now_ms(), dl;
	unsigned i;
	int timeout;

	dl = turn_client_next_deadline(&st->c);
	if (dl > until)
		dl = until;
	timeout = dl > now ? (int)(dl - now) : 0;
	pfd[0].fd = st->fd;
	pfd[0].events = POLLIN;
	for (i = 0; i < N_PEERS; i++) {
		pfd[1 + i].fd = st->peers[i].fd;
		pfd[1 + i].events = POLLIN;
	}
	if (poll(pfd, 1 + N_PEERS, timeout) > 0) {
		now = now_ms();
		if (pfd[0].revents & POLLIN)
			client_input(st, now);
		for (i = 0; i < N_PEERS; i++)
			if (pfd[1 + i].revents & POLLIN)
				peer_input(st, &st->peers[i]);
	}
	now = now_ms();
	if (turn_client_next_deadline(&st->c) <= now)
		(void)turn_client_on_timer(&st->c, now, &io);
}

int
main(int argc, char **argv)
{
	struct turn_config cfg;
	struct state st;
	struct endpoint server, local, relayed, mapped;
	const char *bind_ip = "127.0.0.1";
	char s[ENDPOINT_STR_MAX];
	uint64_t start, t_ready = 0, next_round, end, run_ms = 12000;
	unsigned i, round = 0, min_refreshes = 0, lost = 0, bad = 0;
	int opt, rc = 1;

	memset(&st, 0, sizeof(st));
	memset(&cfg, 0, sizeof(cfg));
	stun_rto_config_default(&cfg.rto);
	cfg.rto.budget_ms = 5000;
	while ((opt = getopt(argc, argv, "b:l:P:C:t:r:")) != -1) {
		switch (opt) {
		case 'b':
			bind_ip = optarg;
			break;
		case 'l':
			cfg.lifetime_s = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			cfg.perm_lifetime_s = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'C':
			cfg.chan_lifetime_s = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 't':
			run_ms = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			min_refreshes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 4 || parse_ep(&server, argv[optind], strtol(argv[optind + 1], NULL, 10)) != 0)
		goto usage;
	if (sodium_init() < 0)
		return 2;
	st.fd = -1;
	for (i = 0; i < N_PEERS; i++)
		st.peers[i].fd = -1;
	if ((st.fd = udp_socket(bind_ip, &local)) < 0) {
		perror("turnc: client socket");
		rc = 2;
		goto out;
	}
	for (i = 0; i < N_PEERS; i++) {
		if ((st.peers[i].fd = udp_socket(bind_ip, &st.peers[i].addr)) < 0) {
			perror("turnc: peer socket");
			rc = 2;
			goto out;
		}
		st.peers[i].channel = i == 1;
	}
	cfg.on_event = on_event;
	cfg.arg = &st;
	if (turn_client_init(&st.c, &cfg, &server, argv[optind + 2], argv[optind + 3]) != 0) {
		fprintf(stderr, "turnc: bad server or credentials\n");
		rc = 2;
		goto out;
	}
	sodium_memzero(argv[optind + 3], strlen(argv[optind + 3]));
	printf("local %s\n", endpoint_format(&local, s, sizeof(s)));
	for (i = 0; i < N_PEERS; i++)
		printf("peer%u %s %s\n", i, endpoint_format(&st.peers[i].addr, s, sizeof(s)),
		    st.peers[i].channel ? "channel" : "indication");
	fflush(stdout);

	start = now_ms();
	turn_client_start(&st.c, start);
	/* Setup: allocation, then one peer without and one with a channel. */
	while (now_ms() < start + SETUP_MS) {
		enum turn_state state = turn_client_state(&st.c);

		if (state == TURN_FAILED)
			break;
		if (state == TURN_ALLOCATED && !st.ready) {
			turn_client_relayed(&st.c, &relayed, &mapped);
			printf("relayed %s\n", endpoint_format(&relayed, s, sizeof(s)));
			printf("mapped %s\n", endpoint_format(&mapped, s, sizeof(s)));
			printf("lifetime %u\n", st.c.lifetime_s);
			for (i = 0; i < N_PEERS; i++) {
				/* use_channels is read when a peer is added. */
				st.c.cfg.use_channels = st.peers[i].channel;
				if (turn_client_add_peer(&st.c, &st.peers[i].addr, now_ms()) < 0)
					goto out;
			}
			st.ready = 1;
		}
		if (st.ready && peers_ready(&st)) {
			t_ready = now_ms();
			break;
		}
		pump(&st, now_ms() + 100);
	}
	if (turn_client_state(&st.c) == TURN_FAILED) {
		printf("failed %s %u\n", turn_fail_name(turn_client_failure(&st.c)), st.c.last_error_code);
		printf("setup-ms %llu\n", (unsigned long long)(now_ms() - start));
		goto out;
	}
	if (t_ready == 0) {
		printf("failed setup-timeout\n");
		goto out;
	}
	printf("ready-ms %llu\n", (unsigned long long)(t_ready - start));
	fflush(stdout);

	/* Data both ways, both framings, every ROUND_MS across the refreshes. */
	end = t_ready + run_ms;
	next_round = t_ready;
	while (now_ms() < end && turn_client_state(&st.c) == TURN_ALLOCATED) {
		if (now_ms() >= next_round) {
			round_send(&st, round++, now_ms());
			next_round += ROUND_MS;
		}
		pump(&st, next_round < end ? next_round : end);
	}
	/* Let the last round land. */
	end = now_ms() + 300;
	while (now_ms() < end && turn_client_state(&st.c) == TURN_ALLOCATED)
		pump(&st, end);

	printf("state %s\n", turn_state_name(turn_client_state(&st.c)));
	if (turn_client_state(&st.c) != TURN_ALLOCATED)
		printf("failed %s %u\n", turn_fail_name(turn_client_failure(&st.c)), st.c.last_error_code);
	printf("rounds %u\n", round);
	for (i = 0; i < N_PEERS; i++) {
		struct peer *p = &st.peers[i];

		printf("peer%u to-peer %u/%u to-client %u/%u bad %u\n", i, p->got_from_client, p->sent_to,
		    p->got_at_client, p->sent_from, p->bad);
		lost += (p->sent_to - p->got_from_client) + (p->sent_from - p->got_at_client);
		bad += p->bad;
		if (p->sent_to != round || p->sent_from != round)
			lost++;		/* a round that could not even be sent */
	}
	printf("refreshes %llu\n", (unsigned long long)st.c.refreshes);
	printf("stale-nonces %llu\n", (unsigned long long)st.c.stale_nonces);
	for (i = 0; i < TURN_DROP__COUNT; i++)
		if (st.c.dropped[i] > 0)
			printf("dropped %s %llu\n", turn_drop_name(i), (unsigned long long)st.c.dropped[i]);
	printf("peer-failures %u\n", st.events_failed);
	if (turn_client_state(&st.c) == TURN_ALLOCATED && lost == 0 && bad == 0 && round > 0 &&
	    st.c.refreshes >= min_refreshes && st.events_failed == 0)
		rc = 0;

	/* Deallocate and wait for the answer. */
	turn_client_close(&st.c, now_ms());
	end = now_ms() + TURN_CLOSE_BUDGET_MS + 500;
	while (turn_client_state(&st.c) == TURN_CLOSING && now_ms() < end)
		pump(&st, end);
	printf("closed %s\n", turn_state_name(turn_client_state(&st.c)));
	if (turn_client_state(&st.c) != TURN_CLOSED)
		rc = 1;
	printf("result %s\n", rc == 0 ? "ok" : "fail");
out:
	turn_client_wipe(&st.c);
	if (st.fd >= 0)
		close(st.fd);
	for (i = 0; i < N_PEERS; i++)
		if (st.peers[i].fd >= 0)
			close(st.peers[i].fd);
	return rc;
usage:
	fprintf(stderr, "usage: turnc [-b BIND_IP] [-l LIFETIME_S] [-P PERM_S] [-C CHAN_S] [-t RUN_MS] "
	    "[-r MIN_REFRESHES] SERVER_IP PORT USER PASS\n");
	return 2;
}
