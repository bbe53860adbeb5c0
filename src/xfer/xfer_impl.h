/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * xfer_impl.h — a transfer's state, for src/xfer/xfer*.c only:
 *
 *   xfer.c      the set of transfers: numbers, budgets, dispatch (the top)
 *   xfer_core.c what both sides share: the clock, sending, events, failing
 *   xfer_tx.c   sending: hashing, offering, the data pump (CUBIC, SACK,
 *              pacing, retransmission), stalls and resumes
 *   xfer_rx.c   receiving: offers, acceptance, writing, ACKs, verification
 */
#ifndef GONET_XFER_IMPL_H
#define GONET_XFER_IMPL_H

#include <stdint.h>

#include "src/xfer/cubic.h"
#include "src/xfer/store.h"
#include "src/xfer/xfer.h"
#include "src/xfer/xfer_msg.h"

struct timer;

enum xfer_state {
	/* sending */
	TX_HASHING,			/* reading the file once for its BLAKE2b */
	TX_OFFERING,			/* OFFER out, no answer yet */
	TX_SENDING,
	TX_WAIT_DONE,			/* every byte acknowledged; the receiver verifies */
	TX_STALLED,			/* no ACK for XFER_STALL_MS: offered again */
	/* receiving */
	RX_OFFERED,			/* waiting for the user */
	RX_RECEIVING,
	/* both */
	X_DONE,				/* kept a while to answer late messages */
	X_FAILED
};

enum {
	XFER_SEG = XFER_DATA_MAX,	/* bytes of file in a DATA */
	TX_RING = 16384,		/* >= CUBIC_MAX_WINDOW, a power of 2 */
	TX_DUPTHRESH = 3,		/* a segment with 3 acknowledged above it is lost (RFC 6675) */
	TX_HASH_CHUNK = 4 << 20,	/* hashing reads this much per loop turn */
	TX_OFFER_MAX_MS = 30000,	/* OFFER repeats 1, 2, 4 ... 30 s */
	RX_RANGES_MAX = 256,		/* out-of-order ranges kept; beyond, data is not stored */
	RX_ACK_EVERY = 8,		/* an ACK for every eighth DATA in order ... */
	RX_ACK_DELAY_MS = 2,		/* ... or this long after the first unacknowledged one */
	X_LINGER_MS = 60000		/* a finished transfer answers late messages this long */
};

enum tx_seg_flag {
	SEG_SENT = 1,
	SEG_SACKED = 2,
	SEG_LOST = 4,
	SEG_RETX = 8
};

struct tx_seg {
	uint64_t sent_ms;
	uint8_t flags;
};

struct xfer_tx {
	int fd;
	uint64_t mtime_ns;		/* the file must not change under us */
	uint64_t hashed;
	void *hash_state;		/* crypto_generichash_state while TX_HASHING */
	uint64_t una, nxt;		/* segments: first unacknowledged, next new */
	uint64_t high_sacked;		/* one past the highest SACKed segment */
	uint64_t lost_scan;		/* segments below this were checked for loss */
	uint64_t retx_from;		/* no lost segment waits below this */
	uint64_t recovery_end;		/* in recovery while una < this; 0: not */
	int after_rto;			/* that recovery follows a timeout: the window grows */
	unsigned rack_lost;		/* retransmissions found lost by RACK */
	unsigned pipe;			/* segments in flight (sent, not acked, not lost) */
	struct tx_seg ring[TX_RING];
	struct cubic cc;
	struct timer *pace;		/* the next token, or a full way out */
	double tokens;			/* pacing, bytes */
	uint64_t tokens_ns;
	uint64_t last_ack_ms;
	uint64_t last_fresh_ms;		/* an ACK last acknowledged new data (RTO base) */
	unsigned offer_ms;		/* the next OFFER's back-off */
	uint64_t offer_next_ms;
};

struct xfer_rx {
	struct store_part part;
	int have_part;
	uint64_t cum;			/* [0, cum) received */
	struct xfer_range ranges[RX_RANGES_MAX];	/* received above cum, ascending, apart */
	unsigned nranges;
	uint64_t saved;			/* cum at the last store_part_save */
	unsigned unacked;
	uint32_t last_ts;
	int ack_due;
	char fp[STORE_FP_MAX + 1];
};

struct xfer {
	struct xfer *next;
	struct xfers *x;
	unsigned n;
	int outgoing;
	void *peer;
	uint8_t id[XFER_ID_LEN];
	char name[STORE_NAME_MAX + 1];
	uint64_t size;
	uint8_t hash[XFER_HASH_LEN];
	enum xfer_state state;
	struct timer *timer;
	uint64_t created_ms, state_ms;
	/* progress */
	uint64_t progress_ms, progress_bytes, rate_ms, rate_bytes;
	double rate;
	uint64_t from;			/* where this run of it started */
	struct xfer_tx *tx;
	struct xfer_rx *rx;
};

struct xfers {
	struct xfer_env env;
	struct store store;
	int store_open;
	struct xfer *list;
	unsigned next_n;
	unsigned count;
	struct xfer_stats st;
	uint8_t buf[XFER_MSG_MAX];
};

/* xfer_core.c */
uint64_t xfer_now_ms(const struct xfers *x);
uint64_t xfer_now_ns(const struct xfers *x);
int xfer_send_to(struct xfers *x, void *peer, const struct xfer_msg *m);
int xfer_send_msg(struct xfer *t, const struct xfer_msg *m);
void xfer_event(struct xfer *t, enum xfer_event_kind kind, const char *reason, const char *path);
void xfer_progress(struct xfer *t, uint64_t done, int force);
void xfer_set_state(struct xfer *t, enum xfer_state st);
void xfer_fail(struct xfer *t, const char *reason);

/* xfer_tx.c */
int xfer_tx_start(struct xfer *t, const char *path);
void xfer_tx_input(struct xfer *t, const struct xfer_msg *m);
void xfer_tx_timer(struct xfer *t);
void xfer_tx_kick(struct xfer *t);
void xfer_tx_free(struct xfer *t);

/* xfer_rx.c */
/* t is new and incoming; 0, or -errno (the caller frees it). */
int xfer_rx_offer(struct xfer *t, const char *fp, const struct xfer_msg *m);
int xfer_rx_accept(struct xfer *t, char *err, size_t errlen);
void xfer_rx_input(struct xfer *t, const struct xfer_msg *m);
void xfer_rx_timer(struct xfer *t);
void xfer_rx_free(struct xfer *t);

#endif
