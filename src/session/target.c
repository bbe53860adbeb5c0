/* SPDX-License-Identifier: GPL-3.0-or-later */
/* target.c — the TARGET of a direct message (target.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/session/target.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s[0..len) as an FP prefix into out (lowercase, no '-'); 0, or -1 when it is not one. */
static int
parse_fp(const char *s, size_t len, char out[TARGET_FP_MAX + 1])
{
	size_t i, n = 0;
	int v;

	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			continue;
		if ((v = hexval(s[i])) < 0 || n == TARGET_FP_MAX)
			return -1;
		out[n++] = "0123456789abcdef"[v];
	}
	if (n < TARGET_FP_MIN)
		return -1;
	out[n] = '\0';
	return 0;
}

enum target_error
target_parse(const char *word, size_t len, struct target *t)
{
	size_t at = len;

	memset(t, 0, sizeof(*t));
	while (at > 0 && word[at - 1] != '@')
		at--;
	if (at > 0 && parse_fp(word + at, len - at, t->fp) == 0)
		len = at - 1;		/* NICK@FP, or @FP when len is now 0 */
	else
		t->fp[0] = '\0';
	if (len > RECORD_MAX_NICK)
		return TARGET_NICK_LONG;
	memcpy(t->nick, word, len);
	t->nick[len] = '\0';
	if (len == 0 && t->fp[0] == '\0')
		return TARGET_EMPTY;
	return TARGET_OK;
}

int
target_match(const struct target *t, const char *nick, const char *fp)
{
	size_t i, n = 0;

	if (t->nick[0] != '\0' && strcmp(t->nick, nick) != 0)
		return 0;
	for (i = 0; t->fp[n] != '\0'; i++) {
		if (fp[i] == '\0')
			return 0;
		if (fp[i] == '-')
			continue;
		if (fp[i] != t->fp[n++])
			return 0;
	}
	return 1;
}

void
target_format(const struct target *t, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s", t->nick, t->fp[0] != '\0' ? "@" : "", t->fp);
}

const char *
target_strerror(enum target_error e)
{
	switch (e) {
	case TARGET_OK:
		return "ok";
	case TARGET_EMPTY:
		return "no nick or fingerprint given (NICK, NICK@FP or @FP)";
	case TARGET_NICK_LONG:
		return "no nick is that long";
	default:
		return "bad target";
	}
}
