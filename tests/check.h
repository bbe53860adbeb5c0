/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * check.h — the check machinery every unit test shares: CHECK and friends
 * count each check, print "FAIL file:line: ..." with the values on a
 * failure, and check_exit() ends main:
 *
 *	CHECK(n > 0);
 *	CHECK_EQ(len, 20);			(both shown as unsigned long long)
 *	CHECK_MEM(out, want, sizeof want);	(the first differing byte, in hex)
 *	CHECK_STR(got, "ok");
 *	CHECK_MSG(r == want, "reject %zu: got %d", i, r);   (adds a context line)
 *	return check_exit("test_foo");
 *
 * A test with a check of its own (a table macro, a helper that prints
 * context) builds it on these; check_failures++ marks a failure in setup.
 */
#ifndef GONET_TESTS_CHECK_H
#define GONET_TESTS_CHECK_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define CHECK_UNUSED __attribute__((unused))

static int check_count, check_failures;

#define CHECK(cond) do {						\
	check_count++;							\
	if (!(cond))							\
		check_fail_(__FILE__, __LINE__, #cond);			\
} while (0)

/* CHECK with a context line (printf arguments) printed on a failure. */
#define CHECK_MSG(cond, ...) do {					\
	check_count++;							\
	if (!(cond)) {							\
		check_fail_(__FILE__, __LINE__, #cond);			\
		fprintf(stderr, "  " __VA_ARGS__);			\
		fputc('\n', stderr);					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	unsigned long long check_a_ = (unsigned long long)(a);		\
	unsigned long long check_b_ = (unsigned long long)(b);		\
	check_count++;							\
	if (check_a_ != check_b_) {					\
		check_fail_(__FILE__, __LINE__, #a " == " #b);		\
		fprintf(stderr, "  %llu != %llu (0x%llx != 0x%llx)\n",	\
		    check_a_, check_b_, check_a_, check_b_);		\
	}								\
} while (0)

#define CHECK_MEM(a, b, n)						\
	check_mem_(__FILE__, __LINE__, #a, #b, (a), (b), (n))

#define CHECK_STR(a, b)							\
	check_str_(__FILE__, __LINE__, #a, #b, (a), (b))

static CHECK_UNUSED void
check_fail_(const char *file, int line, const char *what)
{
	check_failures++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

static CHECK_UNUSED void
check_mem_(const char *file, int line, const char *sa, const char *sb,
    const void *a, const void *b, size_t n)
{
	const unsigned char	*pa = a, *pb = b;
	char			 what[256];
	size_t			 i;

	check_count++;
	for (i = 0; i < n && pa[i] == pb[i]; i++)
		;
	if (i == n)
		return;
	snprintf(what, sizeof what, "%s == %s (%zu bytes)", sa, sb, n);
	check_fail_(file, line, what);
	fprintf(stderr, "  first difference at byte %zu: 0x%02x != 0x%02x\n",
	    i, pa[i], pb[i]);
}

static CHECK_UNUSED void
check_str_(const char *file, int line, const char *sa, const char *sb,
    const char *a, const char *b)
{
	char			 what[256];

	check_count++;
	if (a != NULL && b != NULL && strcmp(a, b) == 0)
		return;
	snprintf(what, sizeof what, "%s == %s", sa, sb);
	check_fail_(file, line, what);
	fprintf(stderr, "  \"%s\" != \"%s\"\n", a != NULL ? a : "(null)",
	    b != NULL ? b : "(null)");
}

/* Prints the tally; returns main's exit status. */
static CHECK_UNUSED int
check_exit(const char *name)
{
	if (check_failures != 0) {
		fprintf(stderr, "%s: %d of %d checks FAILED\n", name,
		    check_failures, check_count);
		return 1;
	}
	printf("%s: %d checks, ok\n", name, check_count);
	return 0;
}

#endif
