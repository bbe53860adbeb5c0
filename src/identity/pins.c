/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pins.c — identity pinning, trust on first use: the first
 * fingerprint seen with a nick is remembered in $XDG_CACHE_HOME/gonet/
 * known_peers, and a later peer using that nick with another fingerprint is
 * flagged to the user (struct ui_event.flagged). Nicks are not unique or
 * authenticated; fingerprints are. A nick is pinned by what it looks like
 * (sanitize_nick: no bidi control, no invisible character, ASCII lower
 * case), so a look-alike with another key is flagged too. To accept a new key for a nick, delete
 * its line.
 *
 * File: one "FINGERPRINT NICK" per line; in NICK, bytes up to 0x20, '%'
 * and 0x7f are written as %XX so a line is always two words; a nick whose
 * escaping would not fit is not pinned (never truncated: two nicks must
 * not share a line). At most PINS_MAX lines.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dht/record/record.h"
#include "src/identity/identity.h"
#include "src/identity/pins.h"
#include "src/ui/sanitize.h"

enum {
	PIN_LINE_MAX = 3 * RECORD_MAX_NICK + IDENTITY_FINGERPRINT_LEN + 8
};

/* 0, or -1 when in does not fit out escaped (len counts the NUL). */
static int
escape(const char *in, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;

		if (c <= 0x20 || c == '%' || c == 0x7f) {
			if (o + 3 >= len)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= len)
				return -1;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return 0;
}

static int
pins_path(const char *cache_dir, char *buf, size_t len)
{
	if (cache_dir == NULL)
		return -1;
	return snprintf(buf, len, "%s/known_peers", cache_dir) < (int)len ? 0 : -1;
}

int
pins_check(const char *cache_dir, const char *nick, const char *fp)
{
	char path[1100], line[PIN_LINE_MAX + 2], want[3 * RECORD_MAX_NICK + 1];
	char lfp[IDENTITY_FINGERPRINT_LEN + 1], lnick[3 * RECORD_MAX_NICK + 1];
	char norm[SANITIZE_MAX(RECORD_MAX_NICK)];
	FILE *f;
	int flagged = 0, found = 0;
	size_t lines = 0;

	if (nick == NULL || pins_path(cache_dir, path, sizeof(path)) == -1)
		return 0;
	/*
	 * Pinned by what the nick looks like: bidi controls and invisible
	 * characters dropped, ASCII case folded, so "b<U+200B>ob" or "Bob" with
	 * another key is flagged against bob's pin. A nick whose escaping does
	 * not fit is not pinned rather than truncated into another's.
	 */
	sanitize_nick(norm, sizeof(norm), (const uint8_t *)nick, strnlen(nick, RECORD_MAX_NICK), 1);
	if (norm[0] == '\0' || escape(norm, want, sizeof(want)) == -1)
		return 0;
	if ((f = fopen(path, "r")) != NULL) {
		while (!found && fgets(line, sizeof(line), f) != NULL) {
			lines++;
			if (sscanf(line, "%19s %96s", lfp, lnick) != 2 || strcmp(lnick, want) != 0)
				continue;
			found = 1;
			flagged = strcmp(lfp, fp) != 0;
		}
		fclose(f);
	}
	if (!found && lines < PINS_MAX && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s %s\n", fp, want);
		fclose(f);
	}
	return flagged;
}
