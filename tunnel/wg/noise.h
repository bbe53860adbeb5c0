/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * noise.h — the Noise_IKpsk2 handshake of WireGuard and the keypairs it
 * derives. A peer has one handshake and up to three keypairs: current (used
 * to send), previous (still accepted on receive) and next (a responder's new
 * keypair, waiting for key confirmation).
 */
#ifndef GONET_TUNNEL_NOISE_H
#define GONET_TUNNEL_NOISE_H

#include <stdint.h>

#include "tunnel/wg/index.h"
#include "tunnel/wg/messages.h"
#include "tunnel/wg/replay.h"
#include "tunnel/wg/wg.h"

struct wg_device;
struct wg_peer;

/* Each transition checks the state it leaves. */
enum wg_noise_handshake_state {
	HANDSHAKE_ZEROED,
	HANDSHAKE_CREATED_INITIATION,
	HANDSHAKE_CONSUMED_INITIATION,
	HANDSHAKE_CREATED_RESPONSE,
	HANDSHAKE_CONSUMED_RESPONSE
};

struct wg_noise_static_identity {
	uint8_t		 static_public[NOISE_PUBLIC_KEY_LEN];
	uint8_t		 static_private[NOISE_PUBLIC_KEY_LEN];
};

struct wg_noise_handshake {
	struct wg_index_entry		 entry;
	const struct wg_noise_static_identity *static_identity;
	enum wg_noise_handshake_state	 state;
	uint64_t			 last_initiation_consumption;
	int				 has_consumed_initiation;
	int				 crossed;	/* the last initiation consumed replaced one of ours */
	uint32_t			 remote_index;

	uint8_t		 ephemeral_private[NOISE_PUBLIC_KEY_LEN];
	uint8_t		 remote_static[NOISE_PUBLIC_KEY_LEN];
	uint8_t		 remote_ephemeral[NOISE_PUBLIC_KEY_LEN];
	uint8_t		 precomputed_static_static[NOISE_PUBLIC_KEY_LEN];
	uint8_t		 preshared_key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t		 hash[NOISE_HASH_LEN];
	uint8_t		 chaining_key[NOISE_HASH_LEN];
	uint8_t		 latest_timestamp[NOISE_TIMESTAMP_LEN];
};

struct wg_noise_symmetric_key {
	uint8_t		 key[NOISE_SYMMETRIC_KEY_LEN];
	uint64_t	 birthdate;
	int		 is_valid;
};

struct wg_noise_keypair {
	struct wg_index_entry		 entry;
	struct wg_noise_symmetric_key	 sending;
	uint64_t			 sending_counter;
	struct wg_noise_symmetric_key	 receiving;
	struct wg_replay		 receiving_counter;
	uint32_t			 remote_index;
	int				 i_am_the_initiator;
};

struct wg_noise_keypairs {
	struct wg_noise_keypair	*current_keypair;
	struct wg_noise_keypair	*previous_keypair;
	struct wg_noise_keypair	*next_keypair;
};

/* Precomputes the static-static DH; a low-order peer key leaves it zero (and every handshake fails). */
void wg_noise_handshake_init(struct wg_noise_handshake *hs,
    const struct wg_noise_static_identity *id, struct wg_peer *peer,
    const uint8_t peer_public[NOISE_PUBLIC_KEY_LEN], const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN]);
/* Forgets the handshake in progress (not the peer's identity or latest timestamp). */
void wg_noise_handshake_clear(struct wg_noise_handshake *hs, struct wg_index_table *t);

/* -> e, es, s, ss, {t}. Returns 0, or -1 (state unchanged). macs are left to cookie.c. */
int wg_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
    struct wg_noise_handshake *hs, struct wg_device *dev);
/* Returns the peer, or NULL with *why set. */
struct wg_peer *wg_noise_handshake_consume_initiation(const struct message_handshake_initiation *src,
    struct wg_device *dev, enum wg_drop *why);
/* <- e, ee, se, psk, {} */
int wg_noise_handshake_create_response(struct message_handshake_response *dst,
    struct wg_noise_handshake *hs, struct wg_device *dev);
struct wg_peer *wg_noise_handshake_consume_response(const struct message_handshake_response *src,
    struct wg_device *dev, enum wg_drop *why);
/* Derives the transport keys; the new keypair takes the handshake's index. */
int wg_noise_handshake_begin_session(struct wg_noise_handshake *hs,
    struct wg_noise_keypairs *keypairs, struct wg_device *dev);

/*
 * Should be called after a transport packet authenticated with kp. Returns 1
 * when kp was the responder's next keypair, which it now makes current (key
 * confirmation).
 */
int wg_noise_received_with_keypair(struct wg_noise_keypairs *keypairs,
    struct wg_noise_keypair *kp, struct wg_index_table *t);
/*
 * 1 if kp may still send at now: valid, younger than REJECT_AFTER_TIME and
 * its counter below REJECT_AFTER_MESSAGES. kp may be NULL.
 */
int wg_noise_keypair_can_send(const struct wg_noise_keypair *kp, uint64_t now);
void wg_noise_keypairs_clear(struct wg_noise_keypairs *keypairs, struct wg_index_table *t);
void wg_noise_keypair_free(struct wg_noise_keypair *kp, struct wg_index_table *t);

/*
 * Tests only: the next ephemeral key generated is this private key (one shot),
 * so known-answer tests can fix a handshake. NULL cancels.
 */
void wg_noise_test_set_ephemeral(const uint8_t private_key[NOISE_PUBLIC_KEY_LEN]);

#endif
