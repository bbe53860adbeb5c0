/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn.h — a TURN client (RFC 8656) for one allocation on one server, over
 * UDP from the data socket. No sockets and no clock inside, like the STUN
 * client: the caller sends what turn_client_on_timer() and turn_wrap() hand
 * it to the server, gives every datagram from the server's address to
 * turn_unwrap() first, and passes monotonic milliseconds in. Not
 * thread-safe; one thread owns a client.
 *
 * Life of an allocation:
 *   turn_client_start      Allocate (no credentials) -> 401 with REALM and
 *                          NONCE -> Allocate with USERNAME, NONCE, REALM,
 *                          MESSAGE-INTEGRITY -> XOR-RELAYED-ADDRESS,
 *                          XOR-MAPPED-ADDRESS, LIFETIME. 438 Stale Nonce:
 *                          retry with the new nonce (any request).
 *   (timer)                Refresh at max(lifetime / 2, lifetime - 60 s).
 *   turn_client_add_peer   CreatePermission, and a ChannelBind; both
 *                          refreshed before they expire on the server.
 *   turn_wrap/turn_unwrap  ChannelData once the channel is bound, Send/Data
 *                          indications while only the permission is.
 *   turn_client_close      Refresh with LIFETIME 0, then CLOSED.
 *
 * Every response must match an outstanding transaction id and come from
 * the server; success responses to authenticated requests must carry a
 * MESSAGE-INTEGRITY that verifies; any MESSAGE-INTEGRITY present must
 * verify. Error responses without it are believed (the RFC lets 400, 401,
 * 420 and 438 go unsigned, and whoever sees our transaction ids can drop
 * our packets anyway).
 */
#ifndef GONET_TURN_H
#define GONET_TURN_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"
#include "tunnel/nat/stun.h"
#include "tunnel/turn/turn_msg.h"

enum {
	TURN_MAX_PEERS = 16,
	TURN_DEFAULT_LIFETIME_S = 600,		/* asked for in Allocate and Refresh */
	TURN_PERMISSION_LIFETIME_S = 300,	/* RFC 8656 section 9: fixed by the server */
	TURN_CHANNEL_LIFETIME_S = 600,		/* RFC 8656 section 12 */
	TURN_REFRESH_MARGIN_MS = 60000,		/* refresh this long before expiry (or at half) */
	TURN_AUTH_RETRIES = 3,			/* consecutive 438s before giving up */
	TURN_CLOSE_BUDGET_MS = 3000,		/* the deallocating Refresh */
	TURN_PEER_RETRY_MS = 30000		/* a failed permission or channel is tried again */
};

enum turn_state {
	TURN_IDLE = 0,		/* not started */
	TURN_ALLOCATING,	/* Allocate in flight */
	TURN_ALLOCATED,		/* relayed address valid; refreshes run */
	TURN_CLOSING,		/* Refresh LIFETIME 0 in flight */
	TURN_CLOSED,		/* deallocated (or given up closing) */
	TURN_FAILED		/* see turn_client_failure() */
};

/* Why an allocation failed (turn_client_failure) or a peer's request did. */
enum turn_fail {
	TURN_FAIL_NONE = 0,
	TURN_FAIL_TIMEOUT,		/* no answer within the retransmission schedule */
	TURN_FAIL_UNAUTHORIZED,		/* 401 although we sent credentials: wrong user or password */
	TURN_FAIL_CHALLENGE,		/* 401 without a usable REALM and NONCE */
	TURN_FAIL_STALE_NONCE,		/* 438 again and again */
	TURN_FAIL_FORBIDDEN,		/* 403 */
	TURN_FAIL_MISMATCH,		/* 437 allocation mismatch (or gone, on Refresh) */
	TURN_FAIL_WRONG_CREDENTIALS,	/* 441 */
	TURN_FAIL_TRANSPORT,		/* 442 unsupported transport */
	TURN_FAIL_FAMILY,		/* 440, 443 address family */
	TURN_FAIL_QUOTA,		/* 486 */
	TURN_FAIL_CAPACITY,		/* 508 */
	TURN_FAIL_ALTERNATE,		/* 300 try alternate: not supported */
	TURN_FAIL_BAD_REQUEST,		/* 400, 420: the server did not like our request */
	TURN_FAIL_SERVER,		/* 500 and any other error code */
	TURN_FAIL_RESPONSE,		/* success without the attributes it needs */
	TURN_FAIL_EXPIRED,		/* the allocation's lifetime ran out unrefreshed */
	TURN_FAIL__COUNT
};

/* Why turn_unwrap or turn_wrap refused a datagram (counted in dropped[]). */
enum turn_drop {
	TURN_DROP_MALFORMED = 0,	/* the STUN or ChannelData framing is broken */
	TURN_DROP_TXID,			/* a response to no transaction of ours */
	TURN_DROP_INTEGRITY,		/* MESSAGE-INTEGRITY missing where required, or wrong */
	TURN_DROP_UNEXPECTED,		/* a method or class the client has no use for */
	TURN_DROP_CHANNEL,		/* ChannelData on a channel not bound by us */
	TURN_DROP_PEER,			/* Data indication from a peer without permission */
	TURN_DROP_STATE,		/* data while no allocation is up */
	TURN_DROP__COUNT
};

/* What turn_unwrap made of a datagram. */
enum turn_unwrap_result {
	TURN_UNWRAP_NOT_OURS = 0,	/* not from the server, or STUN that is no TURN of ours: demux it as usual */
	TURN_UNWRAP_DATA,		/* relayed data: peer and payload are set */
	TURN_UNWRAP_CONTROL,		/* a response, consumed */
	TURN_UNWRAP_DROPPED		/* consumed and dropped; counted under a turn_drop */
};

enum turn_perm_state {
	TURN_PERM_NONE = 0,		/* nothing installed (or it failed) */
	TURN_PERM_PENDING,		/* first request in flight */
	TURN_PERM_OK			/* installed; refreshes keep it */
};

/* Things the owner wants to hear about (e.g. to publish the relay candidate). */
enum turn_event {
	TURN_EV_ALLOCATED,		/* relayed address known (first time) */
	TURN_EV_REFRESHED,		/* lifetime extended */
	TURN_EV_FAILED,			/* the allocation is gone; turn_client_failure() says why */
	TURN_EV_CLOSED,			/* deallocation finished */
	TURN_EV_PERMISSION,		/* peer: permission installed (Send indications work) */
	TURN_EV_CHANNEL,		/* peer: channel bound (ChannelData works) */
	TURN_EV_PEER_FAILED		/* peer: permission or channel lost */
};

struct turn_config {
	struct stun_rto_config rto;	/* per transaction; budget_ms caps each one */
	uint32_t lifetime_s;		/* LIFETIME asked for; 0: TURN_DEFAULT_LIFETIME_S */
	uint32_t perm_lifetime_s;	/* what the server gives a permission; 0: 300 */
	uint32_t chan_lifetime_s;	/* what the server gives a channel; 0: 600 */
	int use_channels;		/* bind a channel per peer (else indications only) */
	void (*on_event)(void *arg, enum turn_event ev, const struct endpoint *peer);
	void *arg;
};

/* One request/response exchange the client runs (allocation, refresh, permission, channel). */
struct turn_op {
	struct stun_txn txn;
	int authed;			/* the request in flight carries credentials */
	unsigned stale;			/* consecutive 438s */
	uint64_t due_ms;		/* when to start the next request; UINT64_MAX: none */
};

struct turn_peer {
	int used;
	struct endpoint addr;
	enum turn_perm_state perm;
	uint64_t perm_expires_ms;
	struct turn_op perm_op;
	uint16_t channel;		/* 0: none assigned */
	enum turn_perm_state chan;
	uint64_t chan_expires_ms;
	struct turn_op chan_op;
	enum turn_fail last_fail;
};

struct turn_client {
	enum turn_state state;
	enum turn_fail failure;
	uint16_t last_error_code;	/* the last error response's code */
	struct turn_config cfg;
	struct endpoint server;
	char username[TURN_USERNAME_MAX + 1];
	size_t username_len;
	char password[TURN_PASSWORD_MAX + 1];	/* for new challenges; wiped by turn_client_wipe */
	size_t password_len;
	int have_auth;
	struct turn_auth auth;		/* after the first 401 */
	struct endpoint relayed;
	struct endpoint mapped;		/* XOR-MAPPED-ADDRESS: our server-reflexive address */
	uint32_t lifetime_s;		/* granted */
	uint64_t expires_ms;
	struct turn_op alloc_op;	/* Allocate, then Refresh */
	uint16_t next_channel;
	struct turn_peer peers[TURN_MAX_PEERS];
	uint64_t dropped[TURN_DROP__COUNT];
	uint64_t refreshes;		/* successful Refresh transactions */
	uint64_t stale_nonces;		/* 438s answered */
};

const char *turn_fail_name(enum turn_fail f);
const char *turn_drop_name(enum turn_drop d);
const char *turn_state_name(enum turn_state s);

/* cfg NULL: defaults. Credentials are copied; wipe yours. Returns 0, -1 on bad input. */
int turn_client_init(struct turn_client *c, const struct turn_config *cfg,
    const struct endpoint *server, const char *username, const char *password);
/* Wipe every secret (call it when done, after the client is CLOSED or FAILED). */
void turn_client_wipe(struct turn_client *c);

/* Send the first Allocate at now (from IDLE, CLOSED or FAILED). */
void turn_client_start(struct turn_client *c, uint64_t now_ms);
/* Deallocate: Refresh LIFETIME 0 within TURN_CLOSE_BUDGET_MS; CLOSED straight away unless allocated. */
void turn_client_close(struct turn_client *c, uint64_t now_ms);

/* Monotonic ms at which turn_client_on_timer must run next; UINT64_MAX if never. */
uint64_t turn_client_next_deadline(const struct turn_client *c);
/* Send whatever is due (to c->server, through io). Returns the number of messages handed to io. */
unsigned turn_client_on_timer(struct turn_client *c, uint64_t now_ms, const struct stun_send *io);

/*
 * Permission (and, with cfg.use_channels, a channel) for a peer; requests go
 * out at the next turn_client_on_timer. Returns the peer index, -1 when full,
 * the address is unusable or of the wrong family for the relay.
 */
int turn_client_add_peer(struct turn_client *c, const struct endpoint *peer, uint64_t now_ms);
/* Forget a peer (its permission and channel expire on the server). */
void turn_client_remove_peer(struct turn_client *c, const struct endpoint *peer);
/*
 * Forget every peer keep(arg, addr) says 0 for: permissions are refreshed
 * (and the table holds TURN_MAX_PEERS) only while someone still needs
 * them. Returns how many went.
 */
unsigned turn_client_prune(struct turn_client *c,
    int (*keep)(void *arg, const struct endpoint *addr), void *arg);
/* The peer's state, or NULL. */
const struct turn_peer *turn_client_peer(const struct turn_client *c, const struct endpoint *peer);

enum turn_state turn_client_state(const struct turn_client *c);
enum turn_fail turn_client_failure(const struct turn_client *c);
/* 0 and the relayed (and mapped, may be NULL) address when ALLOCATED; -1 otherwise. */
int turn_client_relayed(const struct turn_client *c, struct endpoint *relayed,
    struct endpoint *mapped);

/*
 * Payload for a peer, as the bytes to send to the server: ChannelData when
 * its channel is bound, else a Send indication when its permission is
 * installed (or, for an address:port never added, when a permission for
 * its IP address is: a NAT may map the peer to another port). Returns the length written to out, 0 when the peer cannot be
 * reached (yet), out is too small (TURN_SEND_OVERHEAD + len always
 * suffices) or payload overlaps out.
 */
size_t turn_wrap(struct turn_client *c, const struct endpoint *peer, const uint8_t *payload,
    size_t len, uint8_t *out, size_t outlen);

/* What turn_unwrap hands back for TURN_UNWRAP_DATA; payload points into the datagram. */
struct turn_datagram {
	struct endpoint peer;
	const uint8_t *payload;
	size_t len;
};

/*
 * A datagram that arrived on the data socket from "from". Anything not from
 * the server is TURN_UNWRAP_NOT_OURS; so is STUN from the server that answers
 * none of our transactions (a Binding response to the STUN client).
 */
enum turn_unwrap_result turn_unwrap(struct turn_client *c, const struct endpoint *from,
    const uint8_t *buf, size_t len, uint64_t now_ms, struct turn_datagram *out);

#endif
