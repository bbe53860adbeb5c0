/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_recfmt.c — src/cli/recfmt.c: a record as --dht-dump shows it, as text
 * and as JSON. A record's nick comes from anyone who knows the room string,
 * so the text line must neutralise it like every other string shown
 * (src/ui/sanitize.h): ESC, C1, bidi overrides and isolates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "src/cli/recfmt.h"
#include "src/ui/json.h"
#include "dht/record/record.h"
#include "dht/wire/utf8.h"
#include "tests/check.h"

/* RLO, LRI, NEL (C1) and "ESC [ 2 J": 15 bytes, under RECORD_MAX_NICK. */
#define EVIL_NICK "\xe2\x80\xae" "x\xe2\x81\xa6" "y\xc2\x85" "z\x1b[2J"

/* No C0, DEL, C1, bidi override or isolate, LS or PS; well-formed UTF-8. */
static int
safe(const char *s, size_t len)
{
	size_t off = 0;
	uint32_t cp;

	if (!utf8_valid((const uint8_t *)s, len))
		return 0;
	while (off < len) {
		utf8_next((const uint8_t *)s, len, &off, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
		    cp == 0x2028 || cp == 0x2029)
			return 0;
	}
	return 1;
}

static void
make_record(struct record *rec, const char *nick, uint64_t now)
{
	static const uint8_t addr4[4] = { 192, 0, 2, 1 };

	memset(rec, 0, sizeof(*rec));		/* the all-zero key: 89eb-0d6a-8a69-1dae */
	snprintf(rec->nick, sizeof(rec->nick), "%s", nick);
	rec->seq = 7;
	rec->exp = now + RECORD_TTL - 5;	/* published 5 s ago */
	rec->ncand = 1;
	rec->cand[0].kind = CAND_HOST;
	rec->cand[0].family = 4;
	memcpy(rec->cand[0].addr, addr4, sizeof(addr4));
	rec->cand[0].port = 4242;
}

/* recfmt_record_text into a string the caller frees. */
static char *
text_of(const struct record *rec, uint64_t now, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL) {
		check_failures++;
		return NULL;
	}
	recfmt_record_text(f, rec, now);
	fclose(f);
	return buf;
}

static void
test_text(void)
{
	static const struct {
		const char *nick;
		const char *shown;
		const char *what;
	} cases[] = {
		{ "alice", "alice", "plain" },
		{ "gr\xc3\xbc\xc3\x9f \xe4\xbd\xa0", "gr\xc3\xbc\xc3\x9f \xe4\xbd\xa0", "UTF-8 kept" },
		{ "\xe2\x80\xae" "gpj.exe", "\\u202egpj.exe", "RLO" },
		{ "a\xe2\x81\xa6" "b\xe2\x81\xa9", "a\\u2066b\\u2069", "LRI, PDI" },
		{ "\xc2\x9b" "2J", "\\u009b2J", "C1 CSI" },
		{ "\x1b]0;t\x07", "^[]0;t^G", "ESC, BEL" },
		{ "a\tb\x7f", "a b^?", "TAB, DEL" },
		{ "a\xe2\x80\xa8" "b", "a\\u2028b", "LS" },
		{ EVIL_NICK, "\\u202ex\\u2066y\\u0085z^[[2J", "all at once" },
	};
	const uint64_t now = 1700000000;
	struct record rec;
	char want[256], *got;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_record(&rec, cases[i].nick, now);
		if ((got = text_of(&rec, now, &len)) == NULL)
			return;
		snprintf(want, sizeof(want),
		    "89eb-0d6a-8a69-1dae \"%s\" seq 7 age 5s host 192.0.2.1:4242", cases[i].shown);
		CHECK_MSG(strcmp(got, want) == 0, "nick %zu (%s): got '%s'", i, cases[i].what, got);
		CHECK_MSG(safe(got, len), "nick %zu (%s) reaches the terminal raw", i,
		    cases[i].what);
		free(got);
	}
}

static void
test_json(void)
{
	const uint64_t now = 1700000000;
	struct record rec;
	struct json j;
	const char *got;

	make_record(&rec, EVIL_NICK, now);
	json_begin(&j);
	recfmt_record_json(&j, &rec, now);
	got = json_end(&j);
	CHECK(strstr(got, "\"nick\":\"\\u202ex\\u2066y\\u0085z\\u001b[2J\"") != NULL);
	CHECK(safe(got, strlen(got)));
	CHECK(strstr(got, "\"fp\":\"89eb-0d6a-8a69-1dae\"") != NULL);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_text();
	test_json();
	return check_exit("test_recfmt");
}
