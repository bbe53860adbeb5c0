/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * delayer — the NAT lab's link delay: this kernel has no sch_netem, so hold
 * packets queued to userspace with iptables -j NFQUEUE and let them go D ms
 * later.
 *
 *   delayer --queue N --delay MS [--max PKTS]
 *
 * Run it in the namespace whose iptables rule names queue N (queues are per
 * network namespace). Prints "ready" once bound to the queue; add the
 * iptables rule after that, since a queue nobody listens on drops packets.
 *
 * Every packet waits the same time, so a FIFO keeps the order and verdicts
 * leave in the order packets came. The queue is bounded (--max, default
 * 4096, like a router's buffer): a packet that finds it full is dropped and
 * counted. Only the packet id travels to userspace (NFQNL_COPY_META).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

enum { MAX_DEFAULT = 4096, MAX_LIMIT = 1 << 20 };

struct held {
	uint32_t id;
	uint64_t due_us;
};

static struct held *ring;
static size_t cap, head, len;
static uint64_t delay_us, dropped, passed;
static volatile sig_atomic_t stop;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int
on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t id;

	(void)msg;
	(void)data;
	if (ph == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	if (len == cap) {
		dropped++;
		return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
	}
	ring[(head + len) % cap] = (struct held){ .id = id, .due_us = now_us() + delay_us };
	len++;
	return 0;
}

/* Let every packet whose time has come go, oldest first. */
static void
release_due(struct nfq_q_handle *qh)
{
	uint64_t t = now_us();

	while (len > 0 && ring[head].due_us <= t) {
		nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
		head = (head + 1) % cap;
		len--;
		passed++;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	char buf[65536] __attribute__((aligned));
	long queue = -1, delay_ms = -1, max = MAX_DEFAULT;
	int i, fd;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--queue") == 0)
			queue = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--delay") == 0)
			delay_ms = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--max") == 0)
			max = atol(argv[i + 1]);
		else
			break;
	}
	if (i != argc || queue < 0 || queue > 65535 || delay_ms < 0 || max < 1 || max > MAX_LIMIT) {
		fprintf(stderr, "usage: delayer --queue N --delay MS [--max PKTS]\n");
		return 2;
	}
	delay_us = (uint64_t)delay_ms * 1000u;
	cap = (size_t)max;
	if ((ring = calloc(cap, sizeof(*ring))) == NULL)
		return 2;

	if ((h = nfq_open()) == NULL) {
		perror("delayer: nfq_open");
		return 2;
	}
	if ((qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL)) == NULL) {
		perror("delayer: nfq_create_queue (queue taken? not root?)");
		return 2;
	}
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) == -1) {
		perror("delayer: nfq_set_mode");
		return 2;
	}
	/* The kernel's own bound; ours decides first. */
	nfq_set_queue_maxlen(qh, (uint32_t)cap + 64);
	fd = nfq_fd(h);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("ready queue %ld delay %ld ms\n", queue, delay_ms);
	fflush(stdout);

	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait_ms = -1;
		ssize_t n;

		if (len > 0) {
			uint64_t t = now_us(), due = ring[head].due_us;

			wait_ms = due > t ? (int)((due - t + 999) / 1000) : 0;
		}
		if (poll(&p, 1, wait_ms) > 0) {
			/* Drain what is there without blocking. */
			while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
				nfq_handle_packet(h, buf, (int)n);
			if (n == -1 && errno == ENOBUFS)
				dropped++;	/* the kernel lost some: count, go on */
		}
		release_due(qh);
	}
	/* Let what we hold go rather than drop it. */
	while (len > 0) {
		nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
		head = (head + 1) % cap;
		len--;
	}
	fprintf(stderr, "delayer: passed %llu dropped %llu\n", (unsigned long long)passed,
	    (unsigned long long)dropped);
	nfq_destroy_queue(qh);
	nfq_close(h);
	free(ring);
	return 0;
}
