/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_json.c — JSON lines: escaping of untrusted strings, overflow. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "src/ui/json.h"
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
