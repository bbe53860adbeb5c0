/* SPDX-License-Identifier: GPL-3.0-or-later */
/* turn_uri.c — parse turn:USER:PASS@HOST[:PORT]; see turn_uri.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "tunnel/turn/turn_uri.h"

const char *
turn_uri_err_str(enum turn_uri_err e)
{
	static const char *const msgs[TURN_URI__COUNT] = {
		[TURN_URI_OK] = "ok",
		[TURN_URI_SCHEME] = "TURN URI must start with turn:",
		[TURN_URI_TLS] = "turns: (TURN over TLS) is not supported, use turn:",
		[TURN_URI_NO_CREDENTIALS] = "TURN URI needs USER:PASS@ before the host",
		[TURN_URI_USER] = "TURN user name is empty, too long or has control characters",
		[TURN_URI_PASSWORD] = "TURN password is missing (USER:PASS), too long or has control characters",
		[TURN_URI_ESCAPE] = "bad %XX escape in the TURN user or password",
		[TURN_URI_HOST] = "TURN host is empty, too long or malformed (an IPv6 address goes in [brackets])",
		[TURN_URI_PORT] = "TURN port must be a number from 1 to 65535",
		[TURN_URI_TRANSPORT] = "only ?transport=udp is supported in a TURN URI",
	};

	if ((unsigned)e < TURN_URI__COUNT && msgs[e] != NULL)
		return msgs[e];
	return "bad TURN URI";
}

void
turn_uri_wipe(struct turn_uri *u)
{
	sodium_memzero(u, sizeof(*u));
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decode s[0..n) with %XX escapes into out (NUL-terminated); max bytes before the NUL. */
static enum turn_uri_err
decode(const char *s, size_t n, char *out, size_t max, enum turn_uri_err bad)
{
	size_t i, o = 0;
	int hi, lo;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ch == '%') {
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return TURN_URI_ESCAPE;
			ch = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (ch < 0x20 || ch == 0x7F || o >= max)
			return bad;
		out[o++] = (char)ch;
	}
	if (o == 0)
		return bad;
	out[o] = '\0';
	return TURN_URI_OK;
}

static int
host_char(char ch, int bracketed)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '.')
		return 1;
	return bracketed ? ch == ':' : ch == '-';
}

static enum turn_uri_err
parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return TURN_URI_PORT;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TURN_URI_PORT;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return TURN_URI_PORT;
	*port = (uint16_t)v;
	return TURN_URI_OK;
}

static enum turn_uri_err
parse(const char *s, struct turn_uri *u)
{
	const char *rest, *at, *colon, *hp, *q, *end, *h, *hend, *p;
	enum turn_uri_err e;
	size_t i;

	if (strncasecmp(s, "turns:", 6) == 0)
		return TURN_URI_TLS;
	if (strncasecmp(s, "turn:", 5) != 0)
		return TURN_URI_SCHEME;
	rest = s + 5;
	/* The password may hold '@': the host starts after the last one. */
	if ((at = strrchr(rest, '@')) == NULL)
		return TURN_URI_NO_CREDENTIALS;
	if ((colon = memchr(rest, ':', (size_t)(at - rest))) == NULL)
		return at == rest ? TURN_URI_USER : TURN_URI_PASSWORD;
	if ((e = decode(rest, (size_t)(colon - rest), u->user, TURN_USERNAME_MAX, TURN_URI_USER)) != 0)
		return e;
	if ((e = decode(colon + 1, (size_t)(at - colon - 1), u->password, TURN_PASSWORD_MAX,
	    TURN_URI_PASSWORD)) != 0)
		return e;

	hp = at + 1;
	end = hp + strlen(hp);
	if ((q = strchr(hp, '?')) != NULL) {
		if (strcasecmp(q + 1, "transport=udp") != 0)
			return TURN_URI_TRANSPORT;
		end = q;
	}
	if (end <= hp)
		return TURN_URI_HOST;
	u->port = TURN_DEFAULT_PORT;
	if (*hp == '[') {
		h = hp + 1;
		if ((hend = memchr(h, ']', (size_t)(end - h))) == NULL || hend == h)
			return TURN_URI_HOST;
		p = hend + 1;
		if (p < end && *p != ':')
			return TURN_URI_HOST;
		for (i = 0; h + i < hend; i++)
			if (!host_char(h[i], 1))
				return TURN_URI_HOST;
	} else {
		h = hp;
		hend = memchr(h, ':', (size_t)(end - h));
		if (hend == NULL)
			hend = end;
		p = hend;
		if (hend == h)
			return TURN_URI_HOST;
		for (i = 0; h + i < hend; i++)
			if (!host_char(h[i], 0))
				return TURN_URI_HOST;	/* also a second ':' of an unbracketed IPv6 */
	}
	if ((size_t)(hend - h) > TURN_HOST_MAX)
		return TURN_URI_HOST;
	if (p < end) {
		/* p points at ':' */
		if ((e = parse_port(p + 1, (size_t)(end - p - 1), &u->port)) != 0) {
			/* "host:a:b" is an unbracketed IPv6 address, not a bad port */
			return memchr(p + 1, ':', (size_t)(end - p - 1)) != NULL ? TURN_URI_HOST : e;
		}
	}
	memcpy(u->host, h, (size_t)(hend - h));
	u->host[hend - h] = '\0';
	return TURN_URI_OK;
}

enum turn_uri_err
turn_uri_parse(const char *s, struct turn_uri *u)
{
	enum turn_uri_err e;

	memset(u, 0, sizeof(*u));
	if (s == NULL)
		return TURN_URI_SCHEME;
	if ((e = parse(s, u)) != TURN_URI_OK)
		turn_uri_wipe(u);
	return e;
}
