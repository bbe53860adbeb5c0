/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * stun.h — a STUN Binding client (RFC 8489), with the RFC 5780 attributes
 * (CHANGE-REQUEST, OTHER-ADDRESS, RESPONSE-ORIGIN). No sockets and no clock
 * inside: the caller sends what stun_client_on_timer() hands it, feeds every
 * datagram that demuxes as STUN to stun_client_input(), and passes the time
 * (monotonic milliseconds) in. Not thread-safe; one thread owns a client.
 *
 * No authentication: Binding needs none, and MESSAGE-INTEGRITY is neither
 * sent nor verified. FINGERPRINT is verified whenever present. A response is
 * only trusted as far as its 96-bit random transaction id is unguessable.
 *
 * Messages are parsed and built by the STUN codec, tunnel/nat/stun_msg.h
 * (included: the wire constants, stun_parse_address and stun_crc32 are there).
 */
#ifndef GONET_STUN_H
#define GONET_STUN_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/net/endpoint.h"
#include "tunnel/nat/stun_msg.h"

enum {
	STUN_REQUEST_MAX = 36,		/* header + CHANGE-REQUEST (8) + FINGERPRINT (8) */
	STUN_MAX_SERVERS = 8
};

/* Message types (method Binding = 0x001, with the class bits). */
enum stun_msg_type {
	STUN_BINDING_REQUEST = 0x0001,
	STUN_BINDING_INDICATION = 0x0011,
	STUN_BINDING_SUCCESS = 0x0101,
	STUN_BINDING_ERROR = 0x0111
};

/* CHANGE-REQUEST flags (RFC 5780 section 7.2). */
enum stun_change {
	STUN_CHANGE_PORT = 0x2,
	STUN_CHANGE_IP = 0x4
};

/* Why a response was not used. */
enum stun_err {
	STUN_OK = 0,
	STUN_ERR_SHORT,			/* shorter than the header */
	STUN_ERR_NOT_STUN,		/* top bits of byte 0 or magic cookie */
	STUN_ERR_LENGTH,		/* length field not a multiple of 4 or not the datagram's */
	STUN_ERR_TYPE,			/* not a Binding success or error response */
	STUN_ERR_TXID,			/* no transaction of ours has this id */
	STUN_ERR_SOURCE,		/* came from another address than the server asked */
	STUN_ERR_ATTR,			/* attribute runs past the end, follows FINGERPRINT, bad size or ERROR-CODE */
	STUN_ERR_ADDRESS,		/* malformed address attribute */
	STUN_ERR_FINGERPRINT,		/* FINGERPRINT malformed or does not match */
	STUN_ERR_UNKNOWN_ATTR,		/* unknown comprehension-required attribute in a success */
	STUN_ERR_NO_ADDRESS,		/* success without (XOR-)MAPPED-ADDRESS */
	STUN_ERR_ERROR_RESPONSE,	/* a well-formed error response (code in the response) */
	STUN_ERR__COUNT
};

/* What a Binding response said. */
struct stun_response {
	uint16_t type;			/* enum stun_msg_type */
	uint8_t txid[STUN_TXID_LEN];
	int have_mapped;		/* from XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
	int mapped_xor;			/* 1 if it came from XOR-MAPPED-ADDRESS */
	struct endpoint mapped;
	int have_other;			/* RFC 5780 OTHER-ADDRESS */
	struct endpoint other;
	int have_origin;		/* RFC 5780 RESPONSE-ORIGIN */
	struct endpoint origin;
	int fingerprint;		/* 1 if FINGERPRINT was present (and verified) */
	int integrity;			/* 1 if MESSAGE-INTEGRITY was present (not verified) */
	uint16_t error_code;		/* 300..699 for an error response, else 0 */
	unsigned n_unknown;		/* unknown comprehension-required attributes kept (the first ones) */
	uint16_t unknown[STUN_MAX_UNKNOWN];
};

const char *stun_err_name(enum stun_err e);

/* A fresh random transaction id (libsodium randombytes). */
void stun_txid_random(uint8_t txid[STUN_TXID_LEN]);

/*
 * A Binding request into out. change is 0 or enum stun_change flags (adds
 * CHANGE-REQUEST); fingerprint adds FINGERPRINT. Returns the length, 0 if
 * outlen is too small (STUN_REQUEST_MAX always suffices).
 */
size_t stun_build_binding_request(uint8_t *out, size_t outlen, const uint8_t txid[STUN_TXID_LEN],
    unsigned change, int fingerprint);

/*
 * Parse a Binding response. txid, if not NULL, must match. On STUN_OK or
 * STUN_ERR_ERROR_RESPONSE, res holds what the message said; on other errors
 * res is partly filled and must not be used.
 */
enum stun_err stun_parse_response(const uint8_t *buf, size_t len, const uint8_t *txid,
    struct stun_response *res);

/*
 * Retransmission (RFC 8489 section 6.2.1): send at 0, RTO, 3 RTO, 7 RTO, ...
 * (the interval doubles) for rc transmissions, then wait rm x RTO after the
 * last one. With RTO 500 ms, Rc 7, Rm 16: sends at 0, 0.5, 1.5, 3.5, 7.5,
 * 15.5, 31.5 s, timeout at 39.5 s. budget_ms, if nonzero, caps the whole
 * transaction: nothing is sent at or after start + budget, and it times out
 * there at the latest.
 */
struct stun_rto_config {
	uint32_t rto_ms;
	unsigned rc;
	unsigned rm;
	uint32_t budget_ms;
};

enum {
	STUN_RTO_DEFAULT_MS = 500,
	STUN_RC_DEFAULT = 7,
	STUN_RM_DEFAULT = 16
};

enum stun_txn_state {
	STUN_TXN_IDLE = 0,		/* not started */
	STUN_TXN_RUNNING,		/* waiting to send or for a response */
	STUN_TXN_DONE,			/* a valid response arrived */
	STUN_TXN_FAILED,		/* error response or unusable success response */
	STUN_TXN_TIMEOUT		/* no response within the schedule */
};

/* What the caller must do after stun_txn_on_timer. */
enum stun_txn_action {
	STUN_ACT_NONE = 0,		/* nothing due yet, or the transaction is over */
	STUN_ACT_SEND,			/* (re)transmit the request now */
	STUN_ACT_TIMEOUT		/* it just timed out */
};

struct stun_txn {
	enum stun_txn_state state;
	uint8_t txid[STUN_TXID_LEN];
	struct stun_rto_config cfg;
	unsigned sent;			/* transmissions so far */
	uint64_t start_ms;
	uint64_t last_sent_ms;
	uint64_t deadline_ms;		/* next send, or the timeout */
	uint32_t interval_ms;		/* wait after the next transmission */
	uint32_t rtt_ms;		/* when DONE after one transmission only (Karn) */
};

/* cfg NULL: the RFC 8489 defaults. */
void stun_rto_config_default(struct stun_rto_config *cfg);
/* Start with the given txid (or a random one if txid is NULL); first send is due at now. */
void stun_txn_start(struct stun_txn *t, const struct stun_rto_config *cfg, const uint8_t *txid,
    uint64_t now_ms);
/* Monotonic ms at which stun_txn_on_timer must run next; UINT64_MAX if never. */
uint64_t stun_txn_next_deadline(const struct stun_txn *t);
enum stun_txn_action stun_txn_on_timer(struct stun_txn *t, uint64_t now_ms);
/* A matching response arrived (ok: usable; otherwise the transaction failed). */
void stun_txn_on_response(struct stun_txn *t, int ok, uint64_t now_ms);

/*
 * A client asking several servers at once, each with its own transaction.
 * The mapped address is the first one learnt; the result says whether the
 * servers that answered agree (a NAT with endpoint-independent mapping) or
 * not (address-dependent mapping: srflx candidates are of little use).
 */
struct stun_server {
	struct endpoint addr;
	struct stun_txn txn;
	struct stun_response res;	/* valid when txn.state == STUN_TXN_DONE */
	enum stun_err last_err;		/* why the last response from it was dropped */
	uint64_t done_ms;
};

enum stun_result {
	STUN_RESULT_PENDING = 0,	/* nothing learnt yet, some still running */
	STUN_RESULT_MAPPED,		/* one server answered, others still running */
	STUN_RESULT_AGREE,		/* two or more answered, all with the same address */
	STUN_RESULT_DISAGREE,		/* answers differ */
	STUN_RESULT_SINGLE,		/* all over; exactly one answered */
	STUN_RESULT_FAILED		/* all over; none answered */
};

struct stun_client {
	struct stun_rto_config cfg;
	unsigned n;
	struct stun_server servers[STUN_MAX_SERVERS];
	int first;			/* index of the first server that answered, -1 */
	uint64_t dropped[STUN_ERR__COUNT];
};

/* Where requests go; returns 0 or -errno (a failed send is retried on schedule). */
struct stun_send {
	int (*send)(void *arg, const struct endpoint *to, const uint8_t *buf, size_t len);
	void *arg;
};

void stun_client_init(struct stun_client *c, const struct stun_rto_config *cfg);
/* Returns the server index, -1 when full or the address is unusable. */
int stun_client_add_server(struct stun_client *c, const struct endpoint *server);
/* (Re)start every server's transaction with fresh ids; the first sends are due at now. */
void stun_client_start(struct stun_client *c, uint64_t now_ms);
/* (Re)start server i's transaction alone (one added while a round runs). */
void stun_client_start_server(struct stun_client *c, unsigned i, uint64_t now_ms);
uint64_t stun_client_next_deadline(const struct stun_client *c);
/* Send whatever is due. Returns the number of requests handed to io. */
unsigned stun_client_on_timer(struct stun_client *c, uint64_t now_ms, const struct stun_send *io);
/* A datagram that demuxed as STUN, from "from". Counted in dropped[] unless STUN_OK. */
enum stun_err stun_client_input(struct stun_client *c, const struct endpoint *from,
    const uint8_t *buf, size_t len, uint64_t now_ms);
/* The result so far; mapped (may be NULL) gets the first learnt address. */
enum stun_result stun_client_result(const struct stun_client *c, struct endpoint *mapped);
/* Distinct mapped addresses learnt, in the order learnt; returns how many (<= max). */
unsigned stun_client_mapped(const struct stun_client *c, struct endpoint *out, unsigned max);

#endif
