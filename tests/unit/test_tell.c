/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_tell.c — the exit report's line builder (src/session/tell.h):
 *   - counters of 0 are left out, the first shown one has no comma, a
 *     prefix goes before its name, an empty line stays "";
 *   - a line that grows past its buffer is cut there: always
 *     NUL-terminated, never written past (a guard after the struct stays
 *     intact), later additions do nothing.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "src/session/tell.h"
#include "tests/check.h"

static void
test_counts(void)
{
	struct tell_line l = { .pos = 0 };

	tell_count(&l, "", "zero", 0);
	CHECK_STR(l.text, "");
	CHECK_EQ(l.pos, 0);
	tell_count(&l, "", "seq", 3);
	tell_count(&l, "", "stale", 0);
	tell_count(&l, "probe-", "replay", 18446744073709551615ULL);
	CHECK_STR(l.text, "seq 3, probe-replay 18446744073709551615");
	CHECK_EQ(l.pos, strlen(l.text));

	memset(&l, 0, sizeof(l));
	tell_add(&l, "sent %d", 5);
	tell_count(&l, "", "window", 2);
	CHECK_STR(l.text, "sent 5, window 2");
}

static void
test_cut(void)
{
	struct {
		struct tell_line l;
		unsigned char guard[64];
	} g;
	size_t i, max = sizeof(g.l.text) - 1;
	char before[sizeof(g.l.text)];

	memset(&g, 0xa5, sizeof(g));
	g.l.pos = 0;
	for (i = 0; i < 200; i++)
		tell_count(&g.l, "prefix-", "a-fairly-long-reason", i + 1);
	CHECK_EQ(g.l.pos, max);
	CHECK_EQ(strlen(g.l.text), max);
	CHECK(strncmp(g.l.text, "prefix-a-fairly-long-reason 1, prefix-", 38) == 0);
	memcpy(before, g.l.text, sizeof(before));
	tell_add(&g.l, "%s", "more");
	tell_count(&g.l, "", "more", 1);
	CHECK_MEM(g.l.text, before, sizeof(before));
	CHECK_EQ(g.l.pos, max);
	for (i = 0; i < sizeof(g.guard); i++)
		CHECK_EQ(g.guard[i], 0xa5);

	/* One piece exactly filling the line, then one byte too many. */
	memset(&g.l, 0, sizeof(g.l));
	memset(before, 'x', max);
	before[max] = '\0';
	tell_add(&g.l, "%s", before);
	CHECK_EQ(g.l.pos, max);
	CHECK_STR(g.l.text, before);
	memset(&g.l, 0, sizeof(g.l));
	tell_add(&g.l, "%s", before + 1);
	CHECK_EQ(g.l.pos, max - 1);
	tell_add(&g.l, "yz");
	CHECK_EQ(g.l.pos, max);
	CHECK_EQ(g.l.text[max - 1], 'y');
	CHECK_EQ(g.l.text[max], '\0');
}

int
main(void)
{
	test_counts();
	test_cut();
	return check_exit("test_tell");
}
