/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_pins.c — identity pinning (src/identity/pins.c): the first
 * fingerprint seen with a nick is kept; the same nick with another key is
 * flagged; nicks with blanks, '%', control characters or newlines stay one
 * line and never collide with another nick's escaping, even 32 bytes long;
 * look-alikes (zero width, bidi marks, case) share the pin; the file stops
 * growing at PINS_MAX lines; no cache dir, no pins.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dht/record/record.h"
#include "src/identity/pins.h"
#include "tests/check.h"

static const char FP1[] = "1111-2222-3333-4444";
static const char FP2[] = "aaaa-bbbb-cccc-dddd";

int
main(void)
{
	char dir[] = "/tmp/test_pins.XXXXXX", path[256], line[256];
	char longa[RECORD_MAX_NICK + 1], longb[RECORD_MAX_NICK + 1], nick[32];
	FILE *f;
	int n, escaped = 0;
	unsigned i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	/*  first use pins, the same key is fine, another key is flagged */
	CHECK(pins_check(dir, "alice", FP1) == 0);
	CHECK(pins_check(dir, "alice", FP1) == 0);
	CHECK(pins_check(dir, "alice", FP2) == 1);
	CHECK(pins_check(dir, "bob", FP2) == 0);
	CHECK(pins_check(dir, "bob", FP1) == 1);
	/* an empty nick is never pinned */
	CHECK(pins_check(dir, "", FP1) == 0);
	CHECK(pins_check(dir, "", FP2) == 0);
	/* blanks, '%' and controls are escaped: one line, two words, distinct */
	CHECK(pins_check(dir, "a b%c", FP1) == 0);
	CHECK(pins_check(dir, "a%20b%25c", FP2) == 0);	/* its escaping differs */
	CHECK(pins_check(dir, "a b%c", FP2) == 1);
	CHECK(pins_check(dir, "x\ny", FP1) == 0);
	CHECK(pins_check(dir, "x\ny", FP2) == 1);
	CHECK(pins_check(dir, "y", FP2) == 0);		/* not split off "x\ny" */
	CHECK(pins_check(dir, "caf\xc3\xa9", FP1) == 0);	/* UTF-8 kept as is */
	CHECK(pins_check(dir, "caf\xc3\xa9", FP2) == 1);
	/*
	 * Look-alikes of a pinned nick (issue 12, finding 6): zero-width
	 * characters, bidi marks and overrides, case. Each with another key is
	 * flagged; with bob's key each is fine, and none adds a line.
	 */
	CHECK(pins_check(dir, "b\xe2\x80\x8b" "ob", FP1) == 1);		/* U+200B ZWSP */
	CHECK(pins_check(dir, "bob\xe2\x80\x8e", FP1) == 1);		/* U+200E LRM */
	CHECK(pins_check(dir, "\xe2\x80\x8f" "bob", FP1) == 1);		/* U+200F RLM */
	CHECK(pins_check(dir, "bo\xe2\x80\x8d" "b", FP1) == 1);		/* U+200D ZWJ */
	CHECK(pins_check(dir, "bob\xef\xbb\xbf", FP1) == 1);		/* U+FEFF */
	CHECK(pins_check(dir, "\xe2\x80\xae" "bob", FP1) == 1);		/* U+202E RLO */
	CHECK(pins_check(dir, "bob\xc2\xad", FP1) == 1);		/* U+00AD soft hyphen */
	CHECK(pins_check(dir, "BOB", FP1) == 1);
	CHECK(pins_check(dir, "B\xe2\x80\x8b" "o\xe2\x81\xa0" "B", FP2) == 0);	/* bob's own key */
	/* Nothing but invisible characters: no nick, no pin. */
	CHECK(pins_check(dir, "\xe2\x80\x8b\xe2\x80\x8e", FP1) == 0);
	CHECK(pins_check(dir, "\xe2\x80\x8b\xe2\x80\x8e", FP2) == 0);

	snprintf(path, sizeof(path), "%s/known_peers", dir);
	CHECK((f = fopen(path, "r")) != NULL);
	n = 0;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (n == 0)
			CHECK(strcmp(line, "1111-2222-3333-4444 alice\n") == 0);
		escaped += strcmp(line, "1111-2222-3333-4444 a%20b%25c\n") == 0;
		escaped += strcmp(line, "1111-2222-3333-4444 x^Jy\n") == 0;	/* as shown */
		n++;
	}
	if (f != NULL)
		fclose(f);
	CHECK(n == 7);
	CHECK(escaped == 2);		/* alice bob "a b%c" "a%20b%25c" "x\ny" y café */

	/*
	 * Issue 12 finding 5: 32 bytes that all need escaping fill the whole
	 * field; two nicks that differ in the last byte only are two pins.
	 */
	memset(longa, 0x01, RECORD_MAX_NICK);
	longa[RECORD_MAX_NICK - 1] = 'a';
	longa[RECORD_MAX_NICK] = '\0';
	memcpy(longb, longa, sizeof(longb));
	longb[RECORD_MAX_NICK - 1] = 'b';
	CHECK(pins_check(dir, longa, FP1) == 0);
	CHECK_MSG(pins_check(dir, longb, FP2) == 0, "two nicks share a pin");
	CHECK(pins_check(dir, longa, FP2) == 1);
	CHECK(pins_check(dir, longb, FP1) == 1);

	/* Bounded: a flood of new nicks stops at PINS_MAX lines; old pins hold. */
	for (i = 0; i < PINS_MAX + 50; i++) {
		snprintf(nick, sizeof(nick), "flood%u", i);
		(void)pins_check(dir, nick, FP2);
	}
	CHECK((f = fopen(path, "r")) != NULL);
	for (i = 0; f != NULL && fgets(line, sizeof(line), f) != NULL; i++)
		;
	if (f != NULL)
		fclose(f);
	CHECK_MSG(i == PINS_MAX, "%u lines", i);
	CHECK(pins_check(dir, "alice", FP2) == 1);
	CHECK(pins_check(dir, "newcomer", FP1) == 0 && pins_check(dir, "newcomer", FP2) == 0);

	/* without a cache dir nothing is pinned and nothing is flagged */
	CHECK(pins_check(NULL, "zed", FP1) == 0);
	CHECK(pins_check(NULL, "zed", FP2) == 0);

	unlink(path);
	rmdir(dir);
	return check_exit("test_pins");
}
