/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * recfmt.h — endpoint records as text, for --dht-dump and the --batch JSON
 * lines. Strings from the network are untrusted: JSON output goes through
 * json_strn() (which escapes them), human output through sanitize_fputs();
 * both neutralise what src/ui/sanitize.h classifies as dangerous.
 */
#ifndef GONET_RECFMT_H
#define GONET_RECFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dht/record/record.h"

struct json;

enum {
	RECFMT_ADDR_LEN = 64,		/* "[v6]:port" fits */
	RECFMT_CANDS_LEN = 1024		/* the JSON array of RECORD_MAX_CANDIDATES fits */
};

/* "host", "srflx", "dht", "mapped", "relay" or "unknown". */
const char *recfmt_cand_kind(unsigned kind);
/* "1.2.3.4:5" or "[::1]:5". */
void recfmt_cand_addr(const struct cand *c, char out[RECFMT_ADDR_LEN]);
/* A sockaddr's address only (no port). */
void recfmt_sockaddr(const struct sockaddr *sa, char out[RECFMT_ADDR_LEN]);
/* Adds "fp", "nick", "wg", "seq", "exp", "age_s", "candidates" to j. now: unix s. */
void recfmt_record_json(struct json *j, const struct record *rec, uint64_t now);
/* fingerprint, nick, seq, age, candidates on one line (no newline). */
void recfmt_record_text(FILE *f, const struct record *rec, uint64_t now);

#endif
