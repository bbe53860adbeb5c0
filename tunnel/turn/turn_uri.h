/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * turn_uri.h — the `--turn` argument: turn:USER:PASS@HOST[:PORT], default
 * port 3478, an IPv6 literal in brackets ([2001:db8::1]:3478). USER ends
 * at the first ':', PASS at the last '@', so a password may hold ':' and
 * '@'; %XX escapes are decoded in both (write %25 for a literal '%'). An
 * optional "?transport=udp" suffix is accepted, any other transport (and the
 * "turns:" scheme) refused: gonet relays UDP over UDP only. HOST is not
 * resolved here.
 */
#ifndef GONET_TURN_URI_H
#define GONET_TURN_URI_H

#include <stddef.h>
#include <stdint.h>

#include "tunnel/turn/turn_msg.h"

enum {
	TURN_DEFAULT_PORT = 3478,
	TURN_HOST_MAX = 253		/* a DNS name; an IPv6 literal is shorter */
};

enum turn_uri_err {
	TURN_URI_OK = 0,
	TURN_URI_SCHEME,		/* not "turn:" */
	TURN_URI_TLS,			/* "turns:" */
	TURN_URI_NO_CREDENTIALS,	/* no USER:PASS@ */
	TURN_URI_USER,			/* empty, too long, or a control character */
	TURN_URI_PASSWORD,		/* empty, too long, or a control character */
	TURN_URI_ESCAPE,		/* a '%' not followed by two hex digits */
	TURN_URI_HOST,			/* empty, too long, bad brackets or characters */
	TURN_URI_PORT,			/* not a number in 1..65535 */
	TURN_URI_TRANSPORT,		/* ?transport= other than udp, or another query */
	TURN_URI__COUNT
};

struct turn_uri {
	char user[TURN_USERNAME_MAX + 1];
	char password[TURN_PASSWORD_MAX + 1];
	char host[TURN_HOST_MAX + 1];		/* without brackets */
	uint16_t port;
};

/* Parse s into u (wiped first, and wiped again on failure). */
enum turn_uri_err turn_uri_parse(const char *s, struct turn_uri *u);
/* A sentence for the user, e.g. "TURN URI needs USER:PASS@ before the host". */
const char *turn_uri_err_str(enum turn_uri_err e);
void turn_uri_wipe(struct turn_uri *u);

#endif
