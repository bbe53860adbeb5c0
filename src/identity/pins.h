/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pins.h — identity pinning, trust on first use: the first fingerprint seen
 * with a nick is remembered in CACHE_DIR/known_peers; a later peer using that
 * nick with another fingerprint is flagged. Nicks are neither unique nor
 * authenticated; fingerprints are. Nicks are compared by what they look
 * like: bidi controls and invisible characters dropped, ASCII case folded.
 */
#ifndef GONET_PINS_H
#define GONET_PINS_H

enum {
	/*
	 * Lines in known_peers. Anyone in a room can publish records with new
	 * nicks: past this many, new nicks are no longer pinned (the ones
	 * pinned stay: dropping old pins would let a flood unpin a friend).
	 */
	PINS_MAX = 4096
};

/*
 * 1 when nick is pinned to a fingerprint other than fp; otherwise 0, and a
 * nick seen for the first time is pinned to fp. An empty nick, or no
 * cache_dir (NULL), pins nothing and flags nothing.
 */
int pins_check(const char *cache_dir, const char *nick, const char *fp);

#endif
