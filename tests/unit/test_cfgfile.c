/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_cfgfile.c — src/cli/cfgfile.c: the configuration file's parser, as a
 * table of files and what each gives or why (with the line) it is refused;
 * the checks on the file itself (type, owner, group/other write, TURN
 * credentials readable by others, size); what --print-config writes (the
 * TURN password masked) reads back the same.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/cli/cfgfile.h"
#include "tests/check.h"

static const struct parse_case {
	const char *text;
	const char *err;		/* NULL: accepted; else a substring of the error */
} cases[] = {
	{ "", NULL },
	{ "\n\n# only comments\n   # indented\n\t\n", NULL },
	{ "nick = alice\n", NULL },
	{ "  nick=alice  \r\n", NULL },
	{ "nick = alice", NULL },				/* no final newline */
	{ "nick = alice\nnick = bob\n", "t:2: nick given twice (first on line 1)" },
	{ "nick = \n", "t:1: nick: no value" },
	{ "nick\n", "t:1: expected KEY = VALUE" },
	{ "= x\n", "t:1: expected KEY = VALUE" },
	{ "Nick = alice\n", "t:1: unknown key \"Nick\"" },
	{ "nick: alice\n", "t:1: expected KEY = VALUE" },
	{ "nick_name = x\n", "t:1: unknown key \"nick_name\"" },
	{ "ni\x1b" "ck = x\n", "t:1: expected KEY = VALUE" },
	{ "nick\xc3\xa9 = x\n", "t:1: expected KEY = VALUE" },
	{ "\n\nfoo = bar\n", "t:3: unknown key \"foo\"" },
	{ "nick = 012345678901234567890123456789012\n", "t:1: nick: a nick is at most 32 bytes" },
	{ "nick = al\x1b[2Jice\n", "t:1: nick: value has a control" },
	{ "nick = ev\xe2\x80\xaelive\n", "t:1: nick: value has a control or bidirectional" },
	{ "nick = \xff\n", "t:1: nick: value is not UTF-8" },
	{ "nick = a\tb\n", "t:1: nick: value has a control" },
	{ "nick = caf\xc3\xa9 # not a comment\n", NULL },
	{ "bootstrap = a.example:4222\nbootstrap = [2001:db8::1]:4222\nbootstrap = b\n", NULL },
	{ "bootstrap = none\n", NULL },
	{ "bootstrap = none\nbootstrap = a\n", "t:2: bootstrap: \"none\" cannot be given with others" },
	{ "bootstrap = a\nbootstrap = none\n", "t:2: bootstrap: \"none\" cannot be given with others" },
	{ "bootstrap = a:0\n", "t:1: bootstrap: want HOST[:PORT]" },
	{ "bootstrap = a:65536\n", "t:1: bootstrap: want HOST[:PORT]" },
	{ "bootstrap = a b\n", "t:1: bootstrap: want HOST[:PORT]" },
	{ "stun = s:3478\nstun = t\nstun = u\nstun = v\nstun = w\nstun = x\nstun = y\nstun = z\n", NULL },
	{ "stun = s\nstun = t\nstun = u\nstun = v\nstun = w\nstun = x\nstun = y\nstun = z\nstun = q\n",
	  "t:9: stun: more than 8" },
	{ "turn = turn:gonet:s3cret@127.0.0.1:3478\n", NULL },
	{ "turn = turn:127.0.0.1\n", "t:1: turn: TURN URI needs USER:PASS@" },
	{ "turn = turns:u:p@h\n", "t:1: turn:" },
	{ "port = 0\ndht-port = 65535\n", NULL },
	{ "port = 65536\n", "t:1: port: a port is a number" },
	{ "port = -1\n", "t:1: port: a port is a number" },
	{ "port = 0x10\n", "t:1: port: a port is a number" },
	{ "port = 000001\n", "t:1: port: a port is a number" },
	{ "port = 1\nport = 2\n", "t:2: port given twice" },
	{ "dht-proxy = https://proxy.example:8080/path?x=1\n", NULL },
	{ "dht-proxy = http://p\n", NULL },
	{ "dht-proxy = ftp://p\n", "t:1: dht-proxy: want an http:// or https:// URL" },
	{ "dht-proxy = http://\n", "t:1: dht-proxy: want an http:// or https:// URL" },
	{ "dht-proxy = http://p q\n", "t:1: dht-proxy: want an http:// or https:// URL" },
	{ "download-dir = /srv/in\n", NULL },
	{ "download-dir = ~/Downloads/gonet\n", NULL },
	{ "download-dir = Downloads\n", "t:1: download-dir: want an absolute path" },
	{ "download-dir = ~alice/x\n", "t:1: download-dir: want an absolute path" },
	{ "dht-hybrid = yes\n", NULL },
	{ "dht-hybrid = no\n", NULL },
	{ "dht-hybrid = Yes\n", "t:1: dht-hybrid: want yes or no" },
	{ "dht-hybrid = yess\n", "t:1: dht-hybrid: want yes or no" },
	{ "dht-hybrid = none\n", "t:1: dht-hybrid: want yes or no" },
	{ "dht-hybrid = no\ndht-hybrid = yes\n", "t:2: dht-hybrid given twice" },
	{ "nick = a\n\0nick = b\n", "t:2: a NUL byte" },
	{ "0123456789012345678901234567890123 = x\n", "t:1: key longer than 32 bytes" },
};

static void
test_parse(void)
{
	char err[CFGFILE_ERR_LEN];
	struct cfgfile c;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		size_t len = strlen(t);

		if (cases[i].err != NULL && strstr(cases[i].err, "NUL") != NULL)
			len += 1 + strlen(t + len + 1);	/* the bytes past the NUL too */
		err[0] = '\0';
		r = cfgfile_parse(&c, t, len, "t", err, sizeof(err));
		if (cases[i].err == NULL)
			CHECK_MSG(r == 0, "case %zu refused: %s", i, err);
		else
			CHECK_MSG(r == -1 && strstr(err, cases[i].err) != NULL,
			    "case %zu: got \"%s\", want \"%s\"", i, r == 0 ? "accepted" : err,
			    cases[i].err);
	}

	/* What one file gives. */
	{
		static const char all[] = "nick = alice\nbootstrap = a:1\nbootstrap = b\n"
		    "stun = none\nturn = turn:u:p@h\nport = 7\ndht-port = 8\ndht-proxy = http://x\n"
		    "download-dir = ~/in\ndht-hybrid = yes\n";

		r = cfgfile_parse(&c, all, sizeof(all) - 1, "t", err, sizeof(err));
	}
	CHECK(r == 0);
	CHECK_STR(c.nick, "alice");
	CHECK(c.nbootstrap == 2 && strcmp(c.bootstrap[0], "a:1") == 0 &&
	    strcmp(c.bootstrap[1], "b") == 0);
	CHECK(c.nstun == 1 && strcmp(c.stun[0], "none") == 0);
	CHECK(c.nturn == 1 && strcmp(c.turn[0], "turn:u:p@h") == 0 && cfgfile_has_secrets(&c));
	CHECK(c.port == 7 && c.dht_port == 8);
	CHECK_STR(c.dht_proxy, "http://x");
	CHECK_STR(c.download_dir, "~/in");
	CHECK(c.dht_hybrid == 1);
	CHECK(c.have == (1u << CFG__COUNT) - 1);
	CHECK(cfgfile_parse(&c, "dht-hybrid = no\n", 16, "t", err, sizeof(err)) == 0 &&
	    c.dht_hybrid == 0 && c.have == 1u << CFG_DHT_HYBRID);

	/* A refused file leaves nothing behind (no credential either). */
	r = cfgfile_parse(&c, "turn = turn:u:p@h\nbad\n", 22, "t", err, sizeof(err));
	CHECK(r == -1 && c.nturn == 0 && c.turn[0][0] == '\0' && c.have == 0);

	/* A line of exactly the limit is read; one more byte is refused. */
	{
		char *big = malloc(CFGFILE_LINE_MAX + 2);

		memset(big, ' ', CFGFILE_LINE_MAX + 1);
		memcpy(big, "nick = x", 8);
		CHECK(cfgfile_parse(&c, big, CFGFILE_LINE_MAX, "t", err, sizeof(err)) == 0);
		CHECK(cfgfile_parse(&c, big, CFGFILE_LINE_MAX + 1, "t", err, sizeof(err)) == -1 &&
		    strstr(err, "line longer") != NULL);
		free(big);
	}
}

/* --print-config's output reads back as the same settings, the password masked. */
static void
test_write(void)
{
	static const char text[] = "nick = alice\nbootstrap = [2001:db8::1]:4222\nstun = s:1\n"
	    "turn = turn:us%3Aer:pa%40ss@[2001:db8::2]:3478\nturn = turn:u:p@h\nport = 9\n"
	    "dht-proxy = https://p\ndht-hybrid = yes\n";
	char err[CFGFILE_ERR_LEN], *out = NULL;
	struct cfgfile c, d;
	size_t len = 0;
	FILE *f;

	CHECK(cfgfile_parse(&c, text, sizeof(text) - 1, "t", err, sizeof(err)) == 0);
	f = open_memstream(&out, &len);
	cfgfile_write(f, &c);
	fclose(f);
	CHECK(strstr(out, "pa%40ss") == NULL && strstr(out, "p@h") == NULL);
	CHECK(strstr(out, "turn = turn:us%3Aer:" CFGFILE_MASK "@[2001:db8::2]:3478\n") != NULL);
	CHECK(strstr(out, "turn = turn:u:" CFGFILE_MASK "@h:3478\n") != NULL);
	CHECK(cfgfile_parse(&d, out, len, "out", err, sizeof(err)) == 0);
	CHECK(d.have == c.have && d.nturn == 2 && strcmp(d.nick, c.nick) == 0 &&
	    strcmp(d.bootstrap[0], c.bootstrap[0]) == 0 && d.port == 9 &&
	    strcmp(d.dht_proxy, c.dht_proxy) == 0 && d.dht_hybrid == 1);
	free(out);
	cfgfile_wipe(&c);
	cfgfile_wipe(&d);
}

static char dir[64];

static void
write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int
load(const char *name, int required, int *found, char *err)
{
	char path[128];
	struct cfgfile c;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err[0] = '\0';
	r = cfgfile_load(&c, path, required, found, err, CFGFILE_ERR_LEN);
	cfgfile_wipe(&c);
	return r;
}

static void
test_load(void)
{
	static const char creds[] = "turn = turn:gonet:s3cret@127.0.0.1\n";
	char err[CFGFILE_ERR_LEN], path[128], *big;
	int found;

	strcpy(dir, "/tmp/test_cfgfile.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();

	CHECK(load("missing", 0, &found, err) == 0 && !found);
	CHECK(load("missing", 1, &found, err) == -1 && strstr(err, "cannot open") != NULL);

	write_file("plain", "nick = alice\n", 0644);
	CHECK(load("plain", 1, &found, err) == 0 && found);		/* no secret: 0644 is fine */
	write_file("creds", creds, 0600);
	CHECK(load("creds", 1, &found, err) == 0);
	write_file("creds", creds, 0640);
	CHECK(load("creds", 1, &found, err) == -1 &&
	    strstr(err, "holds TURN credentials and group or others can read it") != NULL);
	write_file("creds", creds, 0604);
	CHECK(load("creds", 1, &found, err) == -1 && strstr(err, "chmod 600") != NULL);
	write_file("plain", "nick = alice\n", 0620);
	CHECK(load("plain", 1, &found, err) == -1 && strstr(err, "writable by group or others") != NULL);
	write_file("plain", "nick = alice\n", 0602);
	CHECK(load("plain", 1, &found, err) == -1 && strstr(err, "writable") != NULL);
	write_file("bad", "nick = alice\nwhat = ever\n", 0600);
	CHECK(load("bad", 1, &found, err) == -1 && strstr(err, "/bad:2: unknown key \"what\"") != NULL);

	/* Another user's file (we are root in CI: chown works; else skipped). */
	write_file("theirs", "nick = mallory\n", 0600);
	snprintf(path, sizeof(path), "%s/theirs", dir);
	if (chown(path, 12345, 12345) == 0)
		CHECK(load("theirs", 1, &found, err) == -1 && strstr(err, "another user") != NULL);

	/* Not a regular file: a directory, a FIFO (refused without blocking). */
	snprintf(path, sizeof(path), "%s/adir", dir);
	mkdir(path, 0700);
	CHECK(load("adir", 1, &found, err) == -1 && strstr(err, "not a regular file") != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	mkfifo(path, 0600);
	CHECK(load("fifo", 1, &found, err) == -1 && strstr(err, "not a regular file") != NULL);

	/* Too large. */
	big = malloc(CFGFILE_SIZE_MAX + 2);
	memset(big, '#', CFGFILE_SIZE_MAX + 1);
	big[CFGFILE_SIZE_MAX + 1] = '\0';
	write_file("big", big, 0600);
	CHECK(load("big", 1, &found, err) == -1 && strstr(err, "larger than") != NULL);
	free(big);

	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(void)
{
	test_parse();
	test_write();
	test_load();
	return check_exit("test_cfgfile");
}
