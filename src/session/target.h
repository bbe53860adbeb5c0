/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * target.h — who a direct message is for: the TARGET of /msg TARGET TEXT
 * and of --to TARGET. Pure functions: no session, no allocation.
 *
 *	TARGET = NICK | NICK@FP | @FP
 *	FP     = 4 to 16 hex digits, '-' allowed anywhere and ignored, any case:
 *	         a prefix of the peer's fingerprint (3f2a-91c0-7be4-0d15)
 *
 * The split is at the last '@' when what follows it is an FP; otherwise the
 * whole word is the nick (a nick may hold '@': "a@b" is the nick "a@b", and
 * a nick that itself ends in "@cafe" is reached as "x@cafe@3f2a" or "@3f2a").
 * A nick matches byte for byte, as shown. A nick with a blank in it is only
 * reachable as @FP, since TARGET is one word.
 */
#ifndef GONET_SESSION_TARGET_H
#define GONET_SESSION_TARGET_H

#include <stddef.h>

#include "dht/record/record.h"

enum {
	TARGET_FP_MIN = 4,		/* one group of the fingerprint as shown */
	TARGET_FP_MAX = 16		/* the whole fingerprint */
};

enum target_error {
	TARGET_OK = 0,
	TARGET_EMPTY,			/* no nick and no fingerprint */
	TARGET_NICK_LONG,		/* nick over RECORD_MAX_NICK bytes: nobody can have it */
	TARGET__COUNT
};

struct target {
	char nick[RECORD_MAX_NICK + 1];	/* "" when only a fingerprint was given */
	char fp[TARGET_FP_MAX + 1];	/* lowercase hex digits, no '-'; "" when none */
};

/* Parse word[0..len) into t. */
enum target_error target_parse(const char *word, size_t len, struct target *t);
/* Whether the peer shown as nick with fingerprint fp ("3f2a-91c0-...") is t. */
int target_match(const struct target *t, const char *nick, const char *fp);
/* "bob", "bob@3f2a", "@3f2a" into buf (for messages to the user). */
void target_format(const struct target *t, char *buf, size_t cap);
const char *target_strerror(enum target_error e);

#endif
