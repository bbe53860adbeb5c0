/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_target.c — src/session/target.c: the TARGET of /msg and --to
 * (NICK, NICK@FP, @FP), as a table of words and what they parse to, and
 * which peers each matches.
 */
#include "config.h"

#include <string.h>

#include "src/session/target.h"
#include "tests/check.h"

static const struct parse_case {
	const char *word;
	enum target_error want;
	const char *nick, *fp;
} parses[] = {
	{ "bob", TARGET_OK, "bob", "" },
	{ "bob@3f2a", TARGET_OK, "bob", "3f2a" },
	{ "bob@3F2A", TARGET_OK, "bob", "3f2a" },
	{ "bob@3f2a-91c0", TARGET_OK, "bob", "3f2a91c0" },
	{ "bob@3f2a91c07be40d15", TARGET_OK, "bob", "3f2a91c07be40d15" },
	{ "bob@3f2a-91c0-7be4-0d15", TARGET_OK, "bob", "3f2a91c07be40d15" },
	{ "bob@3f2a91c07be40d150", TARGET_OK, "bob@3f2a91c07be40d150", "" },	/* 17 digits: a nick */
	{ "@3f2a", TARGET_OK, "", "3f2a" },
	{ "bob@3f2", TARGET_OK, "bob@3f2", "" },		/* 3 digits: not an FP */
	{ "a@b", TARGET_OK, "a@b", "" },
	{ "x@cafe@3f2a", TARGET_OK, "x@cafe", "3f2a" },
	{ "bob@", TARGET_OK, "bob@", "" },
	{ "@zz", TARGET_OK, "@zz", "" },
	{ "@", TARGET_OK, "@", "" },
	{ "@----", TARGET_OK, "@----", "" },
	{ "", TARGET_EMPTY, "", "" },
	{ "0123456789012345678901234567890123", TARGET_NICK_LONG, "", "" },
	{ "01234567890123456789012345678901@abcd", TARGET_OK,
	  "01234567890123456789012345678901", "abcd" },
};

static void
test_parse(void)
{
	struct target t;
	size_t i;

	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		const struct parse_case *c = &parses[i];
		enum target_error e = target_parse(c->word, strlen(c->word), &t);

		CHECK_MSG(e == c->want, "\"%s\": %s", c->word, target_strerror(e));
		if (e == TARGET_OK)
			CHECK_MSG(strcmp(t.nick, c->nick) == 0 && strcmp(t.fp, c->fp) == 0,
			    "\"%s\": nick \"%s\" fp \"%s\"", c->word, t.nick, t.fp);
	}
	/* Length is honoured: no NUL needed. */
	CHECK(target_parse("bob@3f2a and more", 8, &t) == TARGET_OK &&
	    strcmp(t.nick, "bob") == 0 && strcmp(t.fp, "3f2a") == 0);
}

static void
test_match(void)
{
	static const char *fp_bob = "3f2a-91c0-7be4-0d15", *fp_bob2 = "3f2b-0000-0000-0000";
	struct target t;
	char buf[64];

	target_parse("bob", 3, &t);
	CHECK(target_match(&t, "bob", fp_bob) && target_match(&t, "bob", fp_bob2));
	CHECK(!target_match(&t, "Bob", fp_bob) && !target_match(&t, "bobby", fp_bob));
	target_parse("bob@3f2a", 8, &t);
	CHECK(target_match(&t, "bob", fp_bob) && !target_match(&t, "bob", fp_bob2));
	CHECK(!target_match(&t, "carol", fp_bob));
	target_parse("@3f2a91c0", 9, &t);
	CHECK(target_match(&t, "anyone", fp_bob) && !target_match(&t, "anyone", fp_bob2));
	target_parse("@3f2a-91c0-7be4-0d15", 20, &t);
	CHECK(target_match(&t, "", fp_bob));
	target_parse("@3f2a-91c0-7be4-0d16", 20, &t);
	CHECK(!target_match(&t, "", fp_bob));
	/* A prefix longer than a (malformed) fingerprint never matches past its end. */
	target_parse("@3f2a91c0", 9, &t);
	CHECK(!target_match(&t, "x", "3f2a-91"));
	target_parse("bob@3f2a", 8, &t);
	target_format(&t, buf, sizeof(buf));
	CHECK_STR(buf, "bob@3f2a");
	target_parse("@3f2a", 5, &t);
	target_format(&t, buf, sizeof(buf));
	CHECK_STR(buf, "@3f2a");
}

int
main(void)
{
	test_parse();
	test_match();
	return check_exit("test_target");
}
