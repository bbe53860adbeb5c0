/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wg.h — a userspace WireGuard (Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s), as a
 * library driven by the caller: the caller owns the UDP socket, the clock and
 * the event loop. The library never blocks, never reads a socket and never
 * arms a timer itself:
 *
 *   - every datagram read from the data socket that demuxes as WireGuard goes
 *     to wg_device_input();
 *   - every inner IP packet the caller wants to send goes to wg_peer_send();
 *   - the caller keeps one timer at wg_device_next_timer() and calls
 *     wg_device_run_timers() when it fires; wg_io.timer_armed tells it when
 *     a call armed something earlier (or it asks again after every call).
 *
 * Time comes only from struct wg_io (now, wall), so tests drive every timer
 * with a fake clock and no sleeps. Not thread-safe: one thread owns a device.
 */
#ifndef GONET_WG_H
#define GONET_WG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

enum {
	WG_KEY_LEN = 32,
	WG_MTU = 1420,			/* inner packet limit, as wg-quick's default */
	WG_NS_PER_SEC = 1000000000
};

struct wg_device;
struct wg_peer;

/* What happened to a peer; passed to wg_io.event. */
enum wg_event {
	WG_EV_HANDSHAKE_SENT,		/* an initiation went out */
	WG_EV_HANDSHAKE_DONE,		/* a new session is usable (either role) */
	WG_EV_HANDSHAKE_FAILED,		/* REKEY_ATTEMPT_TIME passed without a session */
	WG_EV_ENDPOINT_CHANGED,		/* roaming: an authenticated packet came from a new address */
	WG_EV_KEYS_ZEROED,		/* 3 x REJECT_AFTER_TIME idle: all key material wiped */
	/*
	 * The peer's initiation arrived while ours was in flight and replaced
	 * it (both initiated at once): each side now holds a responder's keys
	 * the other cannot confirm, and the responses are dropped, so nothing
	 * moves until a retransmission REKEY_TIMEOUT later unless one side
	 * (and only one) initiates again now; more than 1/INITIATIONS_PER_SECOND
	 * after the crossing, or the peer drops it as a flood.
	 */
	WG_EV_HANDSHAKE_CROSSED
};

/*
 * The caller's side. All callbacks are called synchronously from inside the
 * wg_* call that caused them; they may call wg_peer_send() but must not free
 * the device or the peer.
 */
struct wg_io {
	/* Send one complete WireGuard message to addr. Returns 0 or -errno. */
	int (*send)(void *arg, const struct sockaddr *addr, socklen_t addrlen,
	    const uint8_t *buf, size_t len);
	/* A decrypted, allowed-IPs-checked inner IPv4/IPv6 packet from peer. */
	void (*deliver)(void *arg, struct wg_peer *peer, const uint8_t *pkt, size_t len);
	/* Optional (may be NULL). */
	void (*event)(void *arg, struct wg_peer *peer, enum wg_event ev);
	/* Monotonic clock in nanoseconds. */
	uint64_t (*now)(void *arg);
	/* Wall clock (CLOCK_REALTIME), for TAI64N timestamps. */
	void (*wall)(void *arg, struct timespec *ts);
	void *arg;
	/*
	 * Optional (may be NULL): a timer was armed for deadline (monotonic
	 * ns). Move the caller's timer earlier if it is later than that; never
	 * called when a timer is disarmed (firing early costs one
	 * wg_device_run_timers() that finds nothing due).
	 */
	void (*timer_armed)(void *arg, uint64_t deadline);
};

/* Why a datagram was dropped; each has a counter in struct wg_stats. */
enum wg_drop {
	WG_DROP_SHORT,			/* shorter than its type's fixed size, or wrong size */
	WG_DROP_TYPE,			/* unknown message type or nonzero reserved bytes */
	WG_DROP_MAC1,			/* mac1 does not verify */
	WG_DROP_MAC2,			/* under load and mac2 missing/invalid: cookie sent */
	WG_DROP_RATELIMIT,		/* handshake rate limit exceeded */
	WG_DROP_HANDSHAKE,		/* handshake failed to decrypt/verify (incl. wrong psk) */
	WG_DROP_UNKNOWN_PEER,		/* static key of no configured peer */
	WG_DROP_REPLAY_TAI64N,		/* initiation timestamp not newer than the last */
	WG_DROP_FLOOD,			/* initiation less than REKEY_TIMEOUT/... after the last (flood) */
	WG_DROP_UNKNOWN_INDEX,		/* receiver index names no session */
	WG_DROP_DECRYPT,		/* transport or cookie AEAD failure */
	WG_DROP_REPLAY,			/* transport counter outside or seen in the window */
	WG_DROP_EXPIRED,		/* keypair past REJECT_AFTER_TIME / REJECT_AFTER_MESSAGES */
	WG_DROP_INNER,			/* inner packet malformed or source not in allowed IPs */
	WG_DROP_STATE,			/* message not expected in the current handshake state */
	WG_DROP__COUNT
};

struct wg_stats {
	uint64_t rx_packets, rx_bytes;		/* authenticated transport data */
	uint64_t tx_packets, tx_bytes;
	uint64_t handshakes_initiated, handshakes_completed;
	uint64_t cookies_sent, cookies_received;
	uint64_t keepalives_sent, keepalives_received;
	uint64_t dropped[WG_DROP__COUNT];
};

/* What wg_device_input did with a datagram. */
enum wg_rx {
	WG_RX_DATA,			/* transport data: delivered (or a keepalive) */
	WG_RX_HANDSHAKE,		/* handshake or cookie message consumed */
	WG_RX_DROPPED			/* dropped and counted; see stats */
};

const char *wg_drop_name(enum wg_drop d);

/* Device: our static X25519 key. The key is copied; the caller wipes its copy. */
struct wg_device *wg_device_new(const uint8_t private_key[WG_KEY_LEN], const struct wg_io *io);
void wg_device_free(struct wg_device *dev);		/* wipes all keys; NULL ok */
void wg_device_public_key(const struct wg_device *dev, uint8_t out[WG_KEY_LEN]);
const struct wg_stats *wg_device_stats(const struct wg_device *dev);
/* Tests: force the "under load" state (mac2/cookie path) on (1), off (0), or automatic (-1). */
void wg_device_force_under_load(struct wg_device *dev, int mode);

/* Peers. psk may be NULL (all-zero psk, as WireGuard without one). */
struct wg_peer *wg_peer_new(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
    const uint8_t psk[WG_KEY_LEN]);
void wg_peer_free(struct wg_peer *peer);		/* wipes; NULL ok */
struct wg_peer *wg_device_peer_lookup(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN]);
void wg_peer_public_key(const struct wg_peer *peer, uint8_t out[WG_KEY_LEN]);
void wg_peer_set_endpoint(struct wg_peer *peer, const struct sockaddr *addr, socklen_t len);
/* Returns the length copied into out (0 when the peer has no endpoint yet). */
socklen_t wg_peer_endpoint(const struct wg_peer *peer, struct sockaddr_storage *out);
/* Persistent keepalive interval in seconds; 0 disables. */
void wg_peer_set_persistent_keepalive(struct wg_peer *peer, unsigned seconds);
/* Allowed source addresses of inner packets from this peer (family AF_INET/AF_INET6). */
int wg_peer_allow_ip(struct wg_peer *peer, int family, const void *addr, unsigned cidr);
void wg_peer_set_user(struct wg_peer *peer, void *user);
void *wg_peer_user(const struct wg_peer *peer);
/* Monotonic ns of the last completed handshake, 0 if none. */
uint64_t wg_peer_last_handshake(const struct wg_peer *peer);
int wg_peer_has_session(const struct wg_peer *peer);

/*
 * Send an inner packet (IPv4/IPv6, len <= WG_MTU). Without a usable session the
 * packet is queued (bounded, oldest dropped) and a handshake is started.
 * Returns 0, or -errno (-EMSGSIZE, -ENOTCONN without endpoint).
 */
int wg_peer_send(struct wg_peer *peer, const uint8_t *pkt, size_t len);
/* Start a handshake now (e.g. a forced rekey), as the initiator. */
int wg_peer_initiate(struct wg_peer *peer);

/* One datagram from the socket. buf is scratch: it may be decrypted in place. */
enum wg_rx wg_device_input(struct wg_device *dev, const struct sockaddr *from, socklen_t fromlen,
    uint8_t *buf, size_t len);

/*
 * The peer the last datagram given to wg_device_input() authenticated as
 * (a handshake message or transport data), NULL if it was dropped or a
 * cookie reply: the caller's O(1) way from a datagram to its peer.
 */
struct wg_peer *wg_device_input_peer(const struct wg_device *dev);

/* Earliest timer deadline (monotonic ns) over all peers, UINT64_MAX if none. */
uint64_t wg_device_next_timer(const struct wg_device *dev);
/* Run every timer due at io->now(). */
void wg_device_run_timers(struct wg_device *dev);

#endif
