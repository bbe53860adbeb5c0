/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_sanitize.c — src/ui/sanitize.c: a table of terminal injections and what
 * each must become, the UTF-8 decoder's edge cases, the worst-case expansion
 * bound, and the invariant that no output holds a control, checked over
 * every 1- and 2-byte input and random ones; the classifier at the edges of
 * every class, and sanitize_fputs() writing what sanitize_text() returns.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/ui/sanitize.h"
#include "dht/wire/utf8.h"
#include "tests/check.h"

#define FFFD "\xef\xbf\xbd"

static const struct injection {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *out;
	const char *what;
} table[] = {
	{ "hello, world", 0, "hello, world", "plain ASCII untouched" },
	{ "gr\xc3\xbc\xc3\x9f dich \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x91\x8b", 0,
	  "gr\xc3\xbc\xc3\x9f dich \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x91\x8b", "UTF-8 untouched" },
	{ "\x1b]0;pwned\x07", 0, "^[]0;pwned^G", "OSC 0 set title, BEL" },
	{ "\x1b]52;c;cm0gLXJmIH4=\x1b\\", 0, "^[]52;c;cm0gLXJmIH4=^[\\", "OSC 52 clipboard write, ST" },
	{ "\x1b[2J\x1b[H", 0, "^[[2J^[[H", "clear screen, home" },
	{ "\x1b[6n", 0, "^[[6n", "DSR: make the terminal type a reply" },
	{ "\x1bP+q544e\x1b\\", 0, "^[P+q544e^[\\", "DCS XTGETTCAP" },
	{ "a\rb\bc", 0, "a^Mb^Hc", "CR and BS cannot overwrite" },
	{ "line\nnext", 0, "line^Jnext", "LF shown, no second line" },
	{ "a\tb", 0, "a b", "TAB becomes a space" },
	{ "\x7f", 0, "^?", "DEL" },
	{ "a\0b", 3, "a^@b", "NUL" },
	{ "\x1f", 0, "^_", "last C0" },
	{ "\x9b" "2J", 0, FFFD "2J", "raw 8-bit CSI" },
	{ "\x9d" "0;t\x9c", 0, FFFD "0;t" FFFD, "raw 8-bit OSC ... ST" },
	{ "\xc2\x9b" "2J", 0, "\\u009b2J", "CSI encoded as UTF-8 U+009B" },
	{ "\xc2\x80\xc2\x85\xc2\x9f", 0, "\\u0080\\u0085\\u009f", "C1 range ends and NEL" },
	{ "\xc2\xa0", 0, "\xc2\xa0", "U+00A0 is not C1" },
	{ "\xc0\x9b", 0, FFFD FFFD, "overlong CSI" },
	{ "\xc1\xbf", 0, FFFD FFFD, "overlong DEL" },
	{ "\xe0\x80\x9b", 0, FFFD FFFD FFFD, "3-byte overlong CSI" },
	{ "\xed\xa0\x80", 0, FFFD FFFD FFFD, "surrogate U+D800" },
	{ "\xf4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD, "past U+10FFFF" },
	{ "\xf8\x88\x80\x80\x80", 0, FFFD FFFD FFFD FFFD FFFD, "5-byte form" },
	{ "\xe4\xbd", 0, FFFD, "truncated 3-byte: one U+FFFD" },
	{ "\xf0\x9f\x91" "A", 0, FFFD "A", "truncated 4-byte then ASCII" },
	{ "\xe2\x80\xae" "txt.exe", 0, "\\u202etxt.exe", "RLO (Trojan Source)" },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 0,
	  "\\u202a\\u202b\\u202c\\u202d", "LRE RLE PDF LRO" },
	{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 0,
	  "\\u2066\\u2067\\u2068\\u2069", "LRI RLI FSI PDI" },
	{ "a\xe2\x80\xa8" "b\xe2\x80\xa9", 0, "a\\u2028b\\u2029", "LS and PS" },
	{ "\xe2\x80\xa9\xe2\x80\xaf", 0, "\\u2029\xe2\x80\xaf", "U+202F is not bidi" },
	{ "\xef\xbf\xbd", 0, FFFD, "a real U+FFFD stays" },
	{ "a\xe2\x80\x8e" "b\xe2\x80\x8f" "c\xd8\x9c", 0, "a\\u200eb\\u200fc\\u061c", "bidi marks LRM RLM ALM" },
	{ "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa7", 0,
	  "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa7", "ZWJ kept in text (emoji)" },
};

/* The output contains no control and no bidi override, and is UTF-8. */
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
		    cp == 0x200e || cp == 0x200f || cp == 0x061c ||
		    cp == 0x2028 || cp == 0x2029)
			return 0;
	}
	return 1;
}

static void
test_table(void)
{
	char out[256];
	size_t i, len, n;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		len = table[i].len ? table[i].len : strlen(table[i].in);
		n = sanitize_text(out, sizeof(out), (const uint8_t *)table[i].in, len);
		CHECK_MSG(n == strlen(table[i].out) && strcmp(out, table[i].out) == 0,
		    "injection %zu (%s): got \"%s\"", i, table[i].what, out);
		CHECK(safe(out, n) && strlen(out) == n);
		CHECK(n + 1 <= SANITIZE_MAX(len));
	}
}

static void
test_truncation(void)
{
	char out[8];
	size_t n;

	/* Never cut a character or an escape in half. */
	n = sanitize_text(out, 4, (const uint8_t *)"ab\xe4\xbd\xa0", 5);
	CHECK(n == 2 && strcmp(out, "ab") == 0);
	n = sanitize_text(out, 6, (const uint8_t *)"abc\x1b", 4);
	CHECK(n == 5 && strcmp(out, "abc^[") == 0);
	n = sanitize_text(out, 5, (const uint8_t *)"abc\x1b", 4);
	CHECK(n == 3 && strcmp(out, "abc") == 0);
	n = sanitize_text(out, 1, (const uint8_t *)"abc", 3);
	CHECK(n == 0 && out[0] == '\0');
	CHECK(sanitize_text(out, 0, (const uint8_t *)"abc", 3) == 0);
}

static void
test_expansion(void)
{
	static uint8_t in[1024];
	static char out[SANITIZE_MAX(1024)];
	size_t n;

	/* Worst case: every byte alone and ill-formed. */
	memset(in, 0xff, sizeof(in));
	n = sanitize_text(out, sizeof(out), in, sizeof(in));
	CHECK(n == 3 * sizeof(in));
	CHECK(n + 1 == SANITIZE_MAX(sizeof(in)));
	memset(in, 0x1b, sizeof(in));
	CHECK(sanitize_text(out, sizeof(out), in, sizeof(in)) == 2 * sizeof(in));
}

static void
test_exhaustive(void)
{
	uint8_t in[8];
	char out[SANITIZE_MAX(8)];
	unsigned a, b, seed = 1;
	size_t n, i, len;

	for (a = 0; a < 256; a++) {
		in[0] = (uint8_t)a;
		n = sanitize_text(out, sizeof(out), in, 1);
		CHECK(safe(out, n) && strlen(out) == n);
		for (b = 0; b < 256; b++) {
			in[1] = (uint8_t)b;
			n = sanitize_text(out, sizeof(out), in, 2);
			CHECK_MSG(safe(out, n), "unsafe output for %02x %02x", a, b);
		}
	}
	for (i = 0; i < 200000; i++) {
		len = 1 + i % 8;
		for (a = 0; a < len; a++) {
			seed = seed * 1103515245 + 12345;
			/* bias to the interesting bytes */
			in[a] = (uint8_t)((seed >> 16) % 3 ? 0x80 | (seed >> 8) : (seed >> 8) & 0xff);
		}
		n = sanitize_text(out, sizeof(out), in, len);
		CHECK(n + 1 <= SANITIZE_MAX(len) && safe(out, n));
		/* Well-formed harmless input comes back unchanged. */
		if (utf8_valid(in, len) && safe((const char *)in, len) &&
		    memchr(in, 0, len) == NULL)
			CHECK(n == len && memcmp(out, in, len) == 0);
	}
}

static void
test_classify(void)
{
	static const struct {
		uint32_t cp;
		enum sanitize_class c;
	} cases[] = {
		{ 0x00, SANITIZE_C0 }, { 0x08, SANITIZE_C0 }, { 0x09, SANITIZE_TAB },
		{ 0x0a, SANITIZE_C0 }, { 0x1b, SANITIZE_C0 }, { 0x1f, SANITIZE_C0 },
		{ 0x20, SANITIZE_PLAIN }, { 0x7e, SANITIZE_PLAIN }, { 0x7f, SANITIZE_C0 },
		{ 0x80, SANITIZE_FORMAT }, { 0x9b, SANITIZE_FORMAT }, { 0x9f, SANITIZE_FORMAT },
		{ 0xa0, SANITIZE_PLAIN }, { 0x200e, SANITIZE_FORMAT }, { 0x200f, SANITIZE_FORMAT },
		{ 0x061c, SANITIZE_FORMAT }, { 0x200a, SANITIZE_PLAIN }, { 0x200b, SANITIZE_INVISIBLE },
		{ 0x200d, SANITIZE_INVISIBLE }, { 0x2010, SANITIZE_PLAIN }, { 0x2027, SANITIZE_PLAIN },
		{ 0xad, SANITIZE_INVISIBLE }, { 0xfeff, SANITIZE_INVISIBLE }, { 0xfe0f, SANITIZE_INVISIBLE },
		{ 0x2060, SANITIZE_INVISIBLE }, { 0xe0001, SANITIZE_INVISIBLE }, { 0x3164, SANITIZE_INVISIBLE },
		{ 0x2028, SANITIZE_FORMAT }, { 0x2029, SANITIZE_FORMAT }, { 0x202a, SANITIZE_FORMAT },
		{ 0x202e, SANITIZE_FORMAT }, { 0x202f, SANITIZE_PLAIN }, { 0x2065, SANITIZE_INVISIBLE },
		{ 0x2066, SANITIZE_FORMAT }, { 0x2069, SANITIZE_FORMAT }, { 0x206a, SANITIZE_INVISIBLE },
		{ 0x2070, SANITIZE_PLAIN },
		{ 0xfffd, SANITIZE_PLAIN }, { 0x10ffff, SANITIZE_PLAIN },
	};
	size_t i, off;
	uint32_t cp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(sanitize_classify(cases[i].cp) == cases[i].c, "U+%04x", cases[i].cp);
	off = 0;
	CHECK(sanitize_next((const uint8_t *)"\xe2\x80\xae!", 4, &off, &cp) == SANITIZE_FORMAT &&
	    cp == 0x202e && off == 3);
	off = 0;
	CHECK(sanitize_next((const uint8_t *)"\xe4\xbd" "A", 3, &off, &cp) == SANITIZE_INVALID &&
	    cp == 0xfffd && off == 2);
}

/* Nicks: look-alikes come out alike (issue 12, finding 6). */
static void
test_nick(void)
{
	static const struct {
		const char *in, *out, *folded;
	} cases[] = {
		{ "bob", "bob", "bob" },
		{ "b\xe2\x80\x8b" "ob", "bob", "bob" },			/* ZWSP */
		{ "bob\xe2\x80\x8e", "bob", "bob" },			/* LRM */
		{ "\xe2\x80\x8f" "bob", "bob", "bob" },			/* RLM */
		{ "\xe2\x80\xae" "bob", "bob", "bob" },			/* RLO */
		{ "\xe2\x81\xa6" "bob\xe2\x81\xa9", "bob", "bob" },	/* LRI .. PDI */
		{ "b\xc2\xad" "o\xef\xbb\xbf" "b\xe2\x81\xa0", "bob", "bob" },	/* SHY ZWNBSP WJ */
		{ "bo\xe2\x80\x8d" "b\xf3\xa0\x80\x81", "bob", "bob" },	/* ZWJ, tag */
		{ "Bob", "Bob", "bob" },
		{ "B\x1bob", "B^[ob", "b^[ob" },			/* controls still shown, not folded */
		{ "\xc3\x89t\xc3\xa9", "\xc3\x89t\xc3\xa9", "\xc3\x89t\xc3\xa9" },	/* ASCII folding only */
		{ "\xe2\x80\x8b", "", "" },
	};
	char out[SANITIZE_MAX(64)];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sanitize_nick(out, sizeof(out), (const uint8_t *)cases[i].in, strlen(cases[i].in), 0);
		CHECK_MSG(strcmp(out, cases[i].out) == 0, "nick %zu: got \"%s\"", i, out);
		sanitize_nick(out, sizeof(out), (const uint8_t *)cases[i].in, strlen(cases[i].in), 1);
		CHECK_MSG(strcmp(out, cases[i].folded) == 0, "nick %zu folded: got \"%s\"", i, out);
	}
	/* In text, invisible characters stay; bidi marks are shown escaped. */
	CHECK(sanitize_text(out, sizeof(out), (const uint8_t *)"b\xe2\x80\x8b" "ob", 6) == 6);
	CHECK(!sanitize_is_plain((const uint8_t *)"b\xe2\x80\x8b" "ob", 6));
}

/* sanitize_fputs(s) writes exactly sanitize_text(s), however long s is. */
static void
test_fputs(void)
{
	static char in[3000], want[SANITIZE_MAX(sizeof(in))];
	char *got = NULL;
	size_t i, len, n, gotlen;
	unsigned seed = 5;
	FILE *f;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].len != 0)
			continue;		/* a NUL inside: not a C string */
		if ((f = open_memstream(&got, &gotlen)) == NULL) {
			check_failures++;
			return;
		}
		sanitize_fputs(table[i].in, f);
		fclose(f);
		CHECK_MSG(strcmp(got, table[i].out) == 0, "injection %zu (%s): got \"%s\"", i,
		    table[i].what, got);
		free(got);
		got = NULL;
	}
	for (i = 0; i < sizeof(in) - 1; i++) {
		seed = seed * 1103515245 + 12345;
		in[i] = (char)((seed >> 16) % 3 ? 0x80 | (seed >> 8) : 1 + (seed >> 8) % 255);
	}
	len = strlen(in);
	n = sanitize_text(want, sizeof(want), (const uint8_t *)in, len);
	if ((f = open_memstream(&got, &gotlen)) == NULL) {
		check_failures++;
		return;
	}
	sanitize_fputs(in, f);
	fclose(f);
	CHECK(gotlen == n && memcmp(got, want, n) == 0);
	free(got);
}

static void
test_decoder(void)
{
	static const struct {
		const char *s;
		size_t len;
		int valid;
	} cases[] = {
		{ "", 0, 1 },
		{ "\x7f", 1, 1 },
		{ "\xc2\x80", 2, 1 },
		{ "\xdf\xbf", 2, 1 },
		{ "\xe0\xa0\x80", 3, 1 },
		{ "\xe0\x9f\xbf", 3, 0 },		/* overlong */
		{ "\xed\x9f\xbf", 3, 1 },		/* U+D7FF */
		{ "\xed\xbf\xbf", 3, 0 },		/* U+DFFF */
		{ "\xee\x80\x80", 3, 1 },		/* U+E000 */
		{ "\xef\xbf\xbf", 3, 1 },		/* U+FFFF, noncharacter but valid */
		{ "\xf0\x90\x80\x80", 4, 1 },
		{ "\xf0\x8f\xbf\xbf", 4, 0 },
		{ "\xf4\x8f\xbf\xbf", 4, 1 },
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\xc2", 1, 0 },
		{ "\xc2\x41", 2, 0 },
	};
	uint32_t cp;
	size_t i, off;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(utf8_valid((const uint8_t *)cases[i].s, cases[i].len) == cases[i].valid);
	off = 0;
	CHECK(utf8_next((const uint8_t *)"\xf4\x8f\xbf\xbf", 4, &off, &cp) == 0 &&
	    cp == 0x10ffff && off == 4);
	/* Maximal subpart: E4 BD then 'A' skips two bytes, not one or three. */
	off = 0;
	CHECK(utf8_next((const uint8_t *)"\xe4\xbd" "A", 3, &off, &cp) == -1 && off == 2);
	off = 0;
	CHECK(utf8_next((const uint8_t *)"\xed\xa0\x80", 3, &off, &cp) == -1 && off == 1);
}

int
main(void)
{
	test_table();
	test_truncation();
	test_expansion();
	test_exhaustive();
	test_decoder();
	test_classify();
	test_nick();
	test_fputs();
	return check_exit("test_sanitize");
}
