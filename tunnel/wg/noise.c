/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * noise.c — this implements Noise_IKpsk2 as WireGuard uses it (paper 5.4):
 *
 *   <- s
 *   ******
 *   -> e, es, s, ss, {t}
 *   <- e, ee, se, psk, {}
 *
 * with Curve25519 (libsodium), ChaCha20-Poly1305 with a zero nonce for the
 * handshake AEADs, and BLAKE2s (kdf.c). Each step below is tagged with its
 * token. Every temporary key is wiped under out:, on success and failure.
 */
#include "config.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/wg/device.h"
#include "tunnel/wg/kdf.h"
#include "tunnel/wg/noise.h"
#include "tunnel/wg/peer.h"
#include "tunnel/wg/peerlookup.h"
#include "tunnel/wg/tai64n.h"
#include "tunnel/wg/timers.h"

static const char handshake_name[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier_name[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

static uint8_t	 init_chaining_key[NOISE_HASH_LEN];
static uint8_t	 init_hash[NOISE_HASH_LEN];
static int	 init_done;

static uint8_t	 test_ephemeral[NOISE_PUBLIC_KEY_LEN];
static int	 test_ephemeral_set;

static void
noise_precompute(void)
{
	if (init_done)
		return;
	wg_kdf_hash(init_chaining_key, handshake_name, sizeof handshake_name - 1);
	wg_kdf_hash2(init_hash, init_chaining_key, NOISE_HASH_LEN,
	    identifier_name, sizeof identifier_name - 1);
	init_done = 1;
}

void
wg_noise_test_set_ephemeral(const uint8_t private_key[NOISE_PUBLIC_KEY_LEN])
{
	if (private_key == NULL) {
		sodium_memzero(test_ephemeral, sizeof test_ephemeral);
		test_ephemeral_set = 0;
		return;
	}
	memcpy(test_ephemeral, private_key, sizeof test_ephemeral);
	test_ephemeral_set = 1;
}

static void
generate_ephemeral(uint8_t priv[NOISE_PUBLIC_KEY_LEN], uint8_t pub[NOISE_PUBLIC_KEY_LEN])
{
	if (test_ephemeral_set) {
		memcpy(priv, test_ephemeral, NOISE_PUBLIC_KEY_LEN);
		wg_noise_test_set_ephemeral(NULL);
	} else
		randombytes_buf(priv, NOISE_PUBLIC_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	crypto_scalarmult_base(pub, priv);
}

void
wg_noise_handshake_init(struct wg_noise_handshake *hs,
    const struct wg_noise_static_identity *id, struct wg_peer *peer,
    const uint8_t peer_public[NOISE_PUBLIC_KEY_LEN], const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN])
{
	noise_precompute();
	memset(hs, 0, sizeof *hs);
	hs->entry.peer = peer;
	hs->entry.type = WG_INDEX_HANDSHAKE;
	hs->static_identity = id;
	hs->state = HANDSHAKE_ZEROED;
	memcpy(hs->remote_static, peer_public, NOISE_PUBLIC_KEY_LEN);
	if (psk != NULL)
		memcpy(hs->preshared_key, psk, NOISE_SYMMETRIC_KEY_LEN);
	/* ss, once: a zero result (low-order point) makes mix_precomputed_dh fail. */
	if (crypto_scalarmult(hs->precomputed_static_static, id->static_private, peer_public) != 0)
		sodium_memzero(hs->precomputed_static_static, NOISE_PUBLIC_KEY_LEN);
}

void
wg_noise_handshake_clear(struct wg_noise_handshake *hs, struct wg_index_table *t)
{
	wg_index_table_remove(t, &hs->entry);
	sodium_memzero(hs->ephemeral_private, NOISE_PUBLIC_KEY_LEN);
	sodium_memzero(hs->remote_ephemeral, NOISE_PUBLIC_KEY_LEN);
	sodium_memzero(hs->hash, NOISE_HASH_LEN);
	sodium_memzero(hs->chaining_key, NOISE_HASH_LEN);
	hs->remote_index = 0;
	hs->state = HANDSHAKE_ZEROED;
}

static void
handshake_start(uint8_t ck[NOISE_HASH_LEN], uint8_t h[NOISE_HASH_LEN],
    const uint8_t remote_static[NOISE_PUBLIC_KEY_LEN])
{
	noise_precompute();
	memcpy(ck, init_chaining_key, NOISE_HASH_LEN);
	memcpy(h, init_hash, NOISE_HASH_LEN);
	wg_kdf_hash2(h, h, NOISE_HASH_LEN, remote_static, NOISE_PUBLIC_KEY_LEN);
}

/* The public ephemeral goes in clear: h = HASH(h || e), ck = KDF1(ck, e). */
static void
message_ephemeral(uint8_t dst[NOISE_PUBLIC_KEY_LEN], const uint8_t src[NOISE_PUBLIC_KEY_LEN],
    uint8_t ck[NOISE_HASH_LEN], uint8_t h[NOISE_HASH_LEN])
{
	if (dst != src)
		memcpy(dst, src, NOISE_PUBLIC_KEY_LEN);
	wg_kdf_hash2(h, h, NOISE_HASH_LEN, src, NOISE_PUBLIC_KEY_LEN);
	wg_kdf(ck, NULL, NULL, ck, src, NOISE_PUBLIC_KEY_LEN);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)); fails on an all-zero shared secret. key may be NULL. */
static int
mix_dh(uint8_t ck[NOISE_HASH_LEN], uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
    const uint8_t priv[NOISE_PUBLIC_KEY_LEN], const uint8_t pub[NOISE_PUBLIC_KEY_LEN])
{
	uint8_t		 dh[NOISE_PUBLIC_KEY_LEN];
	int		 ret = -1;

	if (crypto_scalarmult(dh, priv, pub) != 0)
		goto out;
	wg_kdf(ck, key, NULL, ck, dh, sizeof dh);
	ret = 0;
out:
	sodium_memzero(dh, sizeof dh);
	return ret;
}

static int
mix_precomputed_dh(uint8_t ck[NOISE_HASH_LEN], uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
    const uint8_t precomputed[NOISE_PUBLIC_KEY_LEN])
{
	static const uint8_t zero[NOISE_PUBLIC_KEY_LEN];

	if (sodium_memcmp(precomputed, zero, NOISE_PUBLIC_KEY_LEN) == 0)
		return -1;
	wg_kdf(ck, key, NULL, ck, precomputed, NOISE_PUBLIC_KEY_LEN);
	return 0;
}

/* (ck, tau, key) = KDF3(ck, psk); h = HASH(h || tau). */
static void
mix_psk(uint8_t ck[NOISE_HASH_LEN], uint8_t h[NOISE_HASH_LEN], uint8_t key[NOISE_SYMMETRIC_KEY_LEN],
    const uint8_t psk[NOISE_SYMMETRIC_KEY_LEN])
{
	uint8_t		 tau[NOISE_HASH_LEN];

	wg_kdf(ck, tau, key, ck, psk, NOISE_SYMMETRIC_KEY_LEN);
	wg_kdf_hash2(h, h, NOISE_HASH_LEN, tau, sizeof tau);
	sodium_memzero(tau, sizeof tau);
}

/* AEAD(key, 0, plain, h); h = HASH(h || ciphertext). */
static void
message_encrypt(uint8_t *dst, const uint8_t *plain, size_t len,
    const uint8_t key[NOISE_SYMMETRIC_KEY_LEN], uint8_t h[NOISE_HASH_LEN])
{
	static const uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, plain, len, h, NOISE_HASH_LEN,
	    NULL, nonce, key);
	wg_kdf_hash2(h, h, NOISE_HASH_LEN, dst, noise_encrypted_len(len));
}

static int
message_decrypt(uint8_t *dst, const uint8_t *ct, size_t ctlen,
    const uint8_t key[NOISE_SYMMETRIC_KEY_LEN], uint8_t h[NOISE_HASH_LEN])
{
	static const uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	if (crypto_aead_chacha20poly1305_ietf_decrypt(dst, NULL, NULL, ct, ctlen, h,
	    NOISE_HASH_LEN, nonce, key) != 0)
		return -1;
	wg_kdf_hash2(h, h, NOISE_HASH_LEN, ct, ctlen);
	return 0;
}

int
wg_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
    struct wg_noise_handshake *hs, struct wg_device *dev)
{
	struct timespec	 wall;
	uint8_t		 timestamp[NOISE_TIMESTAMP_LEN];
	uint8_t		 key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t		 ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN];
	uint8_t		 e_priv[NOISE_PUBLIC_KEY_LEN];
	int		 ret = -1;

	memset(dst, 0, sizeof *dst);
	dst->header.type = htole32(MESSAGE_HANDSHAKE_INITIATION);

	handshake_start(ck, h, hs->remote_static);

	/* e */
	generate_ephemeral(e_priv, dst->unencrypted_ephemeral);
	message_ephemeral(dst->unencrypted_ephemeral, dst->unencrypted_ephemeral, ck, h);

	/* es */
	if (mix_dh(ck, key, e_priv, hs->remote_static) != 0)
		goto out;

	/* s */
	message_encrypt(dst->encrypted_static, hs->static_identity->static_public,
	    NOISE_PUBLIC_KEY_LEN, key, h);

	/* ss */
	if (mix_precomputed_dh(ck, key, hs->precomputed_static_static) != 0)
		goto out;

	/* {t} */
	wg_device_wall(dev, &wall);
	wg_tai64n_encode(timestamp, &wall);
	message_encrypt(dst->encrypted_timestamp, timestamp, NOISE_TIMESTAMP_LEN, key, h);

	/* Commit: only now does the handshake state change. */
	memcpy(hs->ephemeral_private, e_priv, sizeof e_priv);
	memcpy(hs->chaining_key, ck, sizeof ck);
	memcpy(hs->hash, h, sizeof h);
	dst->sender_index = htole32(wg_index_table_insert(&dev->index_table, &hs->entry));
	hs->state = HANDSHAKE_CREATED_INITIATION;
	ret = 0;
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(h, sizeof h);
	sodium_memzero(e_priv, sizeof e_priv);
	return ret;
}

struct wg_peer *
wg_noise_handshake_consume_initiation(const struct message_handshake_initiation *src,
    struct wg_device *dev, enum wg_drop *why)
{
	const struct wg_noise_static_identity *id = &dev->static_identity;
	struct wg_peer		*peer = NULL, *ret = NULL;
	struct wg_noise_handshake *hs;
	uint8_t			 key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t			 ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN];
	uint8_t			 s[NOISE_PUBLIC_KEY_LEN], e[NOISE_PUBLIC_KEY_LEN];
	uint8_t			 t[NOISE_TIMESTAMP_LEN];
	uint64_t		 now;
	int			 replay, flood;

	*why = WG_DROP_HANDSHAKE;
	handshake_start(ck, h, id->static_public);

	/* e */
	message_ephemeral(e, src->unencrypted_ephemeral, ck, h);

	/* es */
	if (mix_dh(ck, key, id->static_private, e) != 0)
		goto out;

	/* s */
	if (message_decrypt(s, src->encrypted_static, sizeof src->encrypted_static, key, h) != 0)
		goto out;

	/* Is this a peer we know? */
	if ((peer = wg_pubkey_table_lookup(&dev->peers, s)) == NULL) {
		*why = WG_DROP_UNKNOWN_PEER;
		goto out;
	}
	hs = &peer->handshake;

	/* ss */
	if (mix_precomputed_dh(ck, key, hs->precomputed_static_static) != 0)
		goto out;

	/* {t} */
	if (message_decrypt(t, src->encrypted_timestamp, sizeof src->encrypted_timestamp, key, h) != 0)
		goto out;

	now = wg_device_now(dev);
	replay = !wg_tai64n_after(t, hs->latest_timestamp);
	flood = hs->has_consumed_initiation &&
	    !wg_time_has_passed(hs->last_initiation_consumption,
	    WG_NS_PER_SEC / INITIATIONS_PER_SECOND, now);
	if (replay) {
		*why = WG_DROP_REPLAY_TAI64N;
		goto out;
	}
	if (flood) {
		*why = WG_DROP_FLOOD;
		goto out;
	}

	/* Success: this initiation replaces whatever handshake was in progress. */
	memcpy(hs->remote_ephemeral, e, sizeof e);
	memcpy(hs->latest_timestamp, t, sizeof t);
	memcpy(hs->hash, h, sizeof h);
	memcpy(hs->chaining_key, ck, sizeof ck);
	sodium_memzero(hs->ephemeral_private, sizeof hs->ephemeral_private);
	hs->remote_index = le32toh(src->sender_index);
	hs->last_initiation_consumption = now;
	hs->has_consumed_initiation = 1;
	/* Both sides initiated at once: the response to ours will find no match. */
	hs->crossed = hs->state == HANDSHAKE_CREATED_INITIATION;
	hs->state = HANDSHAKE_CONSUMED_INITIATION;
	ret = peer;
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(h, sizeof h);
	sodium_memzero(s, sizeof s);
	sodium_memzero(e, sizeof e);
	sodium_memzero(t, sizeof t);
	return ret;
}

int
wg_noise_handshake_create_response(struct message_handshake_response *dst,
    struct wg_noise_handshake *hs, struct wg_device *dev)
{
	uint8_t		 key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t		 ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN];
	uint8_t		 e_priv[NOISE_PUBLIC_KEY_LEN];
	int		 ret = -1;

	memset(dst, 0, sizeof *dst);
	if (hs->state != HANDSHAKE_CONSUMED_INITIATION)
		goto out;
	memcpy(ck, hs->chaining_key, sizeof ck);
	memcpy(h, hs->hash, sizeof h);

	dst->header.type = htole32(MESSAGE_HANDSHAKE_RESPONSE);
	dst->receiver_index = htole32(hs->remote_index);

	/* e */
	generate_ephemeral(e_priv, dst->unencrypted_ephemeral);
	message_ephemeral(dst->unencrypted_ephemeral, dst->unencrypted_ephemeral, ck, h);

	/* ee */
	if (mix_dh(ck, NULL, e_priv, hs->remote_ephemeral) != 0)
		goto out;

	/* se */
	if (mix_dh(ck, NULL, e_priv, hs->remote_static) != 0)
		goto out;

	/* psk */
	mix_psk(ck, h, key, hs->preshared_key);

	/* {} */
	message_encrypt(dst->encrypted_nothing, NULL, 0, key, h);

	memcpy(hs->ephemeral_private, e_priv, sizeof e_priv);
	memcpy(hs->chaining_key, ck, sizeof ck);
	memcpy(hs->hash, h, sizeof h);
	dst->sender_index = htole32(wg_index_table_insert(&dev->index_table, &hs->entry));
	hs->state = HANDSHAKE_CREATED_RESPONSE;
	ret = 0;
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(h, sizeof h);
	sodium_memzero(e_priv, sizeof e_priv);
	return ret;
}

struct wg_peer *
wg_noise_handshake_consume_response(const struct message_handshake_response *src,
    struct wg_device *dev, enum wg_drop *why)
{
	const struct wg_noise_static_identity *id = &dev->static_identity;
	struct wg_index_entry	*entry;
	struct wg_noise_handshake *hs;
	struct wg_peer		*ret = NULL;
	uint8_t			 key[NOISE_SYMMETRIC_KEY_LEN];
	uint8_t			 ck[NOISE_HASH_LEN], h[NOISE_HASH_LEN];
	uint8_t			 e[NOISE_PUBLIC_KEY_LEN];

	*why = WG_DROP_UNKNOWN_INDEX;
	entry = wg_index_table_lookup(&dev->index_table, WG_INDEX_HANDSHAKE,
	    le32toh(src->receiver_index));
	if (entry == NULL)
		return NULL;
	hs = &entry->peer->handshake;
	*why = WG_DROP_STATE;
	if (hs->state != HANDSHAKE_CREATED_INITIATION)
		return NULL;

	*why = WG_DROP_HANDSHAKE;
	memcpy(ck, hs->chaining_key, sizeof ck);
	memcpy(h, hs->hash, sizeof h);

	/* e */
	message_ephemeral(e, src->unencrypted_ephemeral, ck, h);

	/* ee */
	if (mix_dh(ck, NULL, hs->ephemeral_private, e) != 0)
		goto out;

	/* se */
	if (mix_dh(ck, NULL, id->static_private, e) != 0)
		goto out;

	/* psk */
	mix_psk(ck, h, key, hs->preshared_key);

	/* {} */
	if (message_decrypt(NULL, src->encrypted_nothing, sizeof src->encrypted_nothing, key, h) != 0)
		goto out;

	memcpy(hs->remote_ephemeral, e, sizeof e);
	memcpy(hs->chaining_key, ck, sizeof ck);
	memcpy(hs->hash, h, sizeof h);
	hs->remote_index = le32toh(src->sender_index);
	hs->state = HANDSHAKE_CONSUMED_RESPONSE;
	ret = entry->peer;
out:
	sodium_memzero(key, sizeof key);
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(h, sizeof h);
	sodium_memzero(e, sizeof e);
	return ret;
}

int
wg_noise_handshake_begin_session(struct wg_noise_handshake *hs,
    struct wg_noise_keypairs *keypairs, struct wg_device *dev)
{
	struct wg_noise_keypair	*kp, *old;
	uint64_t		 now = wg_device_now(dev);

	if (hs->state != HANDSHAKE_CREATED_RESPONSE && hs->state != HANDSHAKE_CONSUMED_RESPONSE)
		return -1;
	if ((kp = malloc(sizeof *kp)) == NULL)
		return -1;
	memset(kp, 0, sizeof *kp);
	kp->entry.peer = hs->entry.peer;
	kp->entry.type = WG_INDEX_KEYPAIR;
	kp->i_am_the_initiator = hs->state == HANDSHAKE_CONSUMED_RESPONSE;
	kp->remote_index = hs->remote_index;
	wg_replay_init(&kp->receiving_counter);

	/* Transport keys: (T_send_i, T_recv_i) = KDF2(ck, empty), the responder swapped. */
	if (kp->i_am_the_initiator)
		wg_kdf(kp->sending.key, kp->receiving.key, NULL, hs->chaining_key, NULL, 0);
	else
		wg_kdf(kp->receiving.key, kp->sending.key, NULL, hs->chaining_key, NULL, 0);
	kp->sending.birthdate = kp->receiving.birthdate = now;
	kp->sending.is_valid = kp->receiving.is_valid = 1;

	wg_index_table_replace(&dev->index_table, &hs->entry, &kp->entry);
	wg_noise_handshake_clear(hs, &dev->index_table);

	if (kp->i_am_the_initiator) {
		/*
		 * The initiator can use the new keypair at once. An unconfirmed
		 * next keypair becomes previous; otherwise current does.
		 */
		if (keypairs->next_keypair != NULL) {
			old = keypairs->next_keypair;
			keypairs->next_keypair = NULL;
			wg_noise_keypair_free(keypairs->previous_keypair, &dev->index_table);
			keypairs->previous_keypair = old;
			wg_noise_keypair_free(keypairs->current_keypair, &dev->index_table);
		} else {
			wg_noise_keypair_free(keypairs->previous_keypair, &dev->index_table);
			keypairs->previous_keypair = keypairs->current_keypair;
		}
		keypairs->current_keypair = kp;
	} else {
		/*
		 * The responder must not send with the new keypair before the
		 * initiator has proved it has it (first transport packet).
		 */
		wg_noise_keypair_free(keypairs->next_keypair, &dev->index_table);
		keypairs->next_keypair = kp;
		wg_noise_keypair_free(keypairs->previous_keypair, &dev->index_table);
		keypairs->previous_keypair = NULL;
	}
	return 0;
}

int
wg_noise_received_with_keypair(struct wg_noise_keypairs *keypairs,
    struct wg_noise_keypair *kp, struct wg_index_table *t)
{
	if (kp == NULL || kp != keypairs->next_keypair)
		return 0;
	/* Confirmed: next slides into current, current into previous. */
	wg_noise_keypair_free(keypairs->previous_keypair, t);
	keypairs->previous_keypair = keypairs->current_keypair;
	keypairs->current_keypair = keypairs->next_keypair;
	keypairs->next_keypair = NULL;
	return 1;
}

int
wg_noise_keypair_can_send(const struct wg_noise_keypair *kp, uint64_t now)
{
	return kp != NULL && kp->sending.is_valid &&
	    !wg_time_has_passed(kp->sending.birthdate,
	    (uint64_t)REJECT_AFTER_TIME * WG_NS_PER_SEC, now) &&
	    kp->sending_counter < (uint64_t)REJECT_AFTER_MESSAGES;
}

void
wg_noise_keypair_free(struct wg_noise_keypair *kp, struct wg_index_table *t)
{
	if (kp == NULL)
		return;
	wg_index_table_remove(t, &kp->entry);
	sodium_memzero(kp, sizeof *kp);
	free(kp);
}

void
wg_noise_keypairs_clear(struct wg_noise_keypairs *keypairs, struct wg_index_table *t)
{
	wg_noise_keypair_free(keypairs->current_keypair, t);
	wg_noise_keypair_free(keypairs->previous_keypair, t);
	wg_noise_keypair_free(keypairs->next_keypair, t);
	keypairs->current_keypair = keypairs->previous_keypair = keypairs->next_keypair = NULL;
}
