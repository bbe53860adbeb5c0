/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_json.c — JSON lines: escaping of untrusted strings, overflow; and
 * that JSON escapes exactly the code points the terminal neutralises
 * (sanitize_classify), each as \uXXXX.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/ui/json.h"
#include "src/ui/sanitize.h"
#include "tests/check.h"

static void
expect_str(const char *in, size_t n, const char *want)
{
	struct json j;
	const char *got;

	json_begin(&j);
	json_strn(&j, "t", in, n);
	got = json_end(&j);
	CHECK_STR(got, want);
}

/* UTF-8 of cp (not a surrogate) into b; returns its length. */
static size_t
encode(uint32_t cp, char b[4])
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | cp >> 18);
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * One code point: escaped as \uXXXX when the classifier says it is not
 * plain (and then also changed on the terminal), else copied as it came
 * (but '"' and '\\', JSON's own).
 */
static int
agrees(uint32_t cp)
{
	struct json j;
	char b[4], want[16], term[SANITIZE_MAX(4)];
	const char *got;
	size_t n, tn;

	n = encode(cp, b);
	json_begin(&j);
	json_strn(&j, NULL, b, n);
	got = json_end(&j);
	tn = sanitize_text(term, sizeof(term), (const uint8_t *)b, n);
	/* Invisible characters are text like any other: shown, not escaped. */
	if (sanitize_classify(cp) != SANITIZE_PLAIN && sanitize_classify(cp) != SANITIZE_INVISIBLE) {
		snprintf(want, sizeof(want), "{\"\\u%04x\"}", (unsigned)cp);
		return strcmp(got, want) == 0 && !(tn == n && memcmp(term, b, n) == 0);
	}
	if (cp == '"' || cp == '\\')
		return strlen(got) == 6 && got[2] == '\\' && got[3] == (char)cp;
	return strlen(got) == n + 4 && memcmp(got + 2, b, n) == 0 &&
	    tn == n && memcmp(term, b, n) == 0;
}

static void
test_classifier(void)
{
	uint32_t cp;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;		/* not encodable */
		if (!agrees(cp)) {
			CHECK_MSG(0, "U+%04x: JSON and terminal disagree with the classifier",
			    (unsigned)cp);
			return;
		}
	}
}

int
main(void)
{
	struct json j;
	char big[20000];

	expect_str("hi", 2, "{\"t\":\"hi\"}");
	expect_str("a\"b\\c", 5, "{\"t\":\"a\\\"b\\\\c\"}");
	expect_str("\x1b]0;x\x07", 6, "{\"t\":\"\\u001b]0;x\\u0007\"}");
	expect_str("\x7f", 1, "{\"t\":\"\\u007f\"}");
	expect_str("\xc2\x9b" "2J", 4, "{\"t\":\"\\u009b2J\"}");		/* C1 CSI */
	expect_str("\x9b", 1, "{\"t\":\"\\ufffd\"}");			/* raw 8-bit CSI */
	expect_str("a\xe2\x80\xae" "b", 5, "{\"t\":\"a\\u202eb\"}");	/* RLO */
	expect_str("\xe2\x81\xa6\xe2\x80\xa8", 6, "{\"t\":\"\\u2066\\u2028\"}");
	expect_str("\xe2\x80\x94", 3, "{\"t\":\"\xe2\x80\x94\"}");	/* em dash kept */
	expect_str("\xc3\xa9", 2, "{\"t\":\"\xc3\xa9\"}");		/* é kept */
	expect_str("\xed\xa0\x80", 3, "{\"t\":\"\\ufffd\\ufffd\\ufffd\"}");	/* surrogate */
	expect_str("\xc0\xaf", 2, "{\"t\":\"\\ufffd\\ufffd\"}");		/* overlong */
	expect_str("\xf0\x9f\x98", 3, "{\"t\":\"\\ufffd\"}");	/* truncated: one maximal subpart */
	expect_str("a\0b", 3, "{\"t\":\"a\\u0000b\"}");
	expect_str("a\tb\n", 4, "{\"t\":\"a\\u0009b\\u000a\"}");		/* TAB, LF */
	expect_str("\xc2\x80\xc2\x9f\xc2\xa0", 6, "{\"t\":\"\\u0080\\u009f\xc2\xa0\"}");	/* C1 ends */
	expect_str("\xe2\x80\xaa\xe2\x80\xa9\xe2\x81\xa9", 9,
	    "{\"t\":\"\\u202a\\u2029\\u2069\"}");			/* LRE, PS, PDI */
	expect_str("\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa", 9,
	    "{\"t\":\"\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\"}");	/* neighbours kept */
	expect_str("\xef\xbf\xbd", 3, "{\"t\":\"\xef\xbf\xbd\"}");	/* a real U+FFFD kept */
	expect_str("\xf0\x9f\x91\x8b", 4, "{\"t\":\"\xf0\x9f\x91\x8b\"}");	/* 4 bytes kept */
	test_classifier();

	json_begin(&j);
	json_str(&j, "event", "x");
	json_uint(&j, "n", 18446744073709551615ULL);
	json_int(&j, "i", -5);
	json_bool(&j, "b", 1);
	json_raw(&j, "a", "[1,2]");
	CHECK(strcmp(json_end(&j),
	    "{\"event\":\"x\",\"n\":18446744073709551615,\"i\":-5,\"b\":true,\"a\":[1,2]}") == 0);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_begin(&j);
	json_str(&j, "big", big);
	CHECK(strcmp(json_end(&j), "{\"event\":\"error\",\"what\":\"json-overflow\"}") == 0);

	return check_exit("test_json");
}
