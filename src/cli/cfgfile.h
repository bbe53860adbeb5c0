/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cfgfile.h — the configuration file, $XDG_CONFIG_HOME/gonet/config (else
 * ~/.config/gonet/config). (Not "config.h": that name is autoconf's, and a
 * quoted include finds the file next to the includer first.)
 *
 * The format, one setting a line:
 *
 *	# a comment (only on a line of its own: values may hold '#')
 *	nick = alice
 *	bootstrap = dht.example.org:4222	repeatable, up to CFGFILE_MAX_BOOTSTRAP; "none"
 *	stun = stun.example.org:3478		repeatable, up to CFGFILE_MAX_STUN; "none"
 *	turn = turn:USER:PASS@HOST[:PORT]	repeatable, up to CFGFILE_MAX_TURN
 *	port = 41641				the data socket's UDP port
 *	dht-port = 4222
 *	dht-proxy = https://proxy.example.org:8080   as --dht-proxy
 *	dht-hybrid = yes			as --dht-hybrid; "yes" or "no"
 *	download-dir = ~/Downloads/gonet	where received files go (/ or ~/ first)
 *
 * Blanks around the key, the '=' and the value are ignored; a CR before
 * the newline is too. The parser is strict and bounded, since the file may
 * hold what an attacker wrote into a shared home: at most CFGFILE_SIZE_MAX
 * bytes, CFGFILE_LINE_MAX a line, keys of [a-z0-9-] up to CFGFILE_KEY_MAX,
 * values of 1 to CFGFILE_VALUE_MAX bytes of UTF-8 with no control or
 * bidirectional formatting character, no NUL anywhere. Each value is
 * checked as its option would be (a nick as --nick, a TURN URI as --turn,
 * ...). Any error (an unknown key, a key given twice, too many of a
 * repeatable one, a bad value) refuses the whole file, naming the line.
 *
 * Loading also checks the file itself: a regular file owned by us (or
 * root), not writable by group or others (they could point us at their
 * DHT nodes or TURN server), and not readable by them when it holds TURN
 * credentials.
 */
#ifndef GONET_CFGFILE_H
#define GONET_CFGFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dht/record/record.h"

enum {
	CFGFILE_SIZE_MAX = 64 * 1024,	/* a real one is a few hundred bytes */
	CFGFILE_LINE_MAX = 2048,	/* bytes, without the newline */
	CFGFILE_KEY_MAX = 32,
	/* The longest value is a TURN URI: 508-byte user, 256-byte password, host, %XX escapes. */
	CFGFILE_VALUE_MAX = 1536,
	CFGFILE_HOSTPORT_MAX = 300,	/* a 253-byte DNS name, or [IPv6]:port */
	CFGFILE_MAX_BOOTSTRAP = 16,	/* as --bootstrap (RUNNER_MAX_BOOTSTRAP) */
	CFGFILE_MAX_STUN = 8,		/* as --stun (SESSION_MAX_STUN) */
	CFGFILE_MAX_TURN = 4,		/* as --turn (SESSION_MAX_TURN) */
	CFGFILE_ERR_LEN = 384
};

/* Which settings a file gave (bit per key), so that options can override them. */
enum cfgfile_key {
	CFG_NICK,
	CFG_BOOTSTRAP,
	CFG_STUN,
	CFG_TURN,
	CFG_PORT,
	CFG_DHT_PORT,
	CFG_DHT_PROXY,
	CFG_DOWNLOAD_DIR,
	CFG_DHT_HYBRID,
	CFG__COUNT
};

struct cfgfile {
	unsigned have;			/* 1u << enum cfgfile_key, for each key given */
	char nick[RECORD_MAX_NICK + 1];
	char bootstrap[CFGFILE_MAX_BOOTSTRAP][CFGFILE_HOSTPORT_MAX + 1];	/* or one "none" */
	unsigned nbootstrap;
	char stun[CFGFILE_MAX_STUN][CFGFILE_HOSTPORT_MAX + 1];		/* or one "none" */
	unsigned nstun;
	char turn[CFGFILE_MAX_TURN][CFGFILE_VALUE_MAX + 1];	/* secret: wipe with cfgfile_wipe */
	unsigned nturn;
	uint16_t port, dht_port;
	char dht_proxy[CFGFILE_VALUE_MAX + 1];
	int dht_hybrid;				/* "yes": 1, "no": 0 */
	char download_dir[CFGFILE_VALUE_MAX + 1];	/* as written: "~/" not expanded */
};

/*
 * Parse buf[0..len) (the file's bytes; name only for messages) into c,
 * zeroed first. 0, or -1 with "NAME:LINE: why" in err (c then wiped).
 */
int cfgfile_parse(struct cfgfile *c, const char *buf, size_t len, const char *name, char *err,
    size_t errlen);

/* The default path into buf: 0, or -1 when there is no home to put it in. */
int cfgfile_default_path(char *buf, size_t len);

/*
 * Read path into c. A missing file is no error when !required (c is then
 * empty, *found 0). 0, or -1 with a sentence in err.
 */
int cfgfile_load(struct cfgfile *c, const char *path, int required, int *found, char *err,
    size_t errlen);

/* Whether c holds credentials (a TURN URI). */
int cfgfile_has_secrets(const struct cfgfile *c);

/*
 * Write c in the file's own format (only the keys in c->have), every TURN
 * password replaced by CFGFILE_MASK: what --print-config shows.
 */
#define CFGFILE_MASK "********"
void cfgfile_write(FILE *f, const struct cfgfile *c);

/* Zero c, credentials included. */
void cfgfile_wipe(struct cfgfile *c);

const char *cfgfile_key_name(enum cfgfile_key k);

#endif
