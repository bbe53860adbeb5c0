/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sock.h — the data socket: one UDP socket per address family, bound to the
 * same port, carrying STUN, WireGuard and probes (everything but the DHT).
 * Reading is the caller's: it polls sock_fd() and calls sock_recv().
 */
#ifndef GONET_SOCK_H
#define GONET_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
	SOCK_V4,
	SOCK_V6,
	SOCK__COUNT,
	SOCK_DGRAM_MAX = 65535
};

struct sock {
	int fd[SOCK__COUNT];		/* -1 when that family is unavailable */
	uint16_t port;			/* host byte order */
	uint64_t tx_errors;
};

/*
 * Open both families on port (0: any free port, the same for both when
 * possible). bind4/bind6 restrict the bound address (NULL: any). Returns 0,
 * or -errno when no family could be opened.
 */
int sock_open(struct sock *s, uint16_t port, const char *bind4, const char *bind6);
void sock_close(struct sock *s);
/*
 * One more non-blocking UDP socket of family (AF_INET or AF_INET6) on any
 * free port, for short-lived uses beside the data socket (port prediction,
 * src/session/link/predict.c). Returns the fd, or -errno.
 */
int sock_open_extra(int family);
/* One datagram from fd index i; returns its length, 0 if none is waiting, -errno. */
ssize_t sock_recv(struct sock *s, int i, uint8_t *buf, size_t len, struct sockaddr_storage *from,
    socklen_t *fromlen);
/* Send to addr on the socket of its family; v4-mapped IPv6 goes out on IPv4. */
int sock_send(struct sock *s, const struct sockaddr *addr, socklen_t len, const uint8_t *buf,
    size_t n);
/* "1.2.3.4:5" or "[::1]:5" into buf. */
const char *sock_addr_str(const struct sockaddr *addr, char *buf, size_t len);

#endif
