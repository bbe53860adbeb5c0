/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_roomsrc.c — src/cli/roomsrc.c: the room from standard input (a pipe:
 * the first line only, nothing after it consumed), from a prompt on a
 * pseudo-terminal (echo off while typed, the room never echoed, the
 * terminal restored, also when SIGINT arrives mid-prompt), and from a file
 * (mode, one line, limits).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "src/cli/roomsrc.h"
#include "tests/check.h"

/* The first line of a pipe holding text[0..len). */
static int
from_pipe(const char *text, size_t len, char room[ROOMSRC_LEN], char *err, char *rest,
    size_t restcap)
{
	int fds[2], r;
	ssize_t n;

	if (pipe(fds) != 0 || write(fds[1], text, len) != (ssize_t)len)
		abort();
	close(fds[1]);
	r = roomsrc_line(fds[0], room, err, ROOMSRC_ERR_LEN);
	n = read(fds[0], rest, restcap - 1);
	rest[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	return r;
}

static void
test_line(void)
{
	char room[ROOMSRC_LEN], err[ROOMSRC_ERR_LEN], rest[512], big[600];

	CHECK(from_pipe("lobby/room/key\nhello\nworld\n", 27, room, err, rest, sizeof(rest)) == 0);
	CHECK_STR(room, "lobby/room/key");
	CHECK_STR(rest, "hello\nworld\n");		/* the messages are still there */
	CHECK(from_pipe("crlf\r\nx", 7, room, err, rest, sizeof(rest)) == 0);
	CHECK_STR(room, "crlf");
	CHECK(from_pipe("no newline", 10, room, err, rest, sizeof(rest)) == 0);
	CHECK_STR(room, "no newline");
	CHECK(from_pipe("\n", 1, room, err, rest, sizeof(rest)) == 0);
	CHECK_STR(room, "");				/* room_validate says "empty" later */
	CHECK(from_pipe("", 0, room, err, rest, sizeof(rest)) == -1 &&
	    strstr(err, "no room given") != NULL);
	CHECK(from_pipe("a\0b\n", 4, room, err, rest, sizeof(rest)) == -1 &&
	    strstr(err, "NUL") != NULL);
	/* 256 bytes is a room, with or without CR; 257 is not. */
	memset(big, 'r', sizeof(big));
	big[256] = '\n';
	CHECK(from_pipe(big, 257, room, err, rest, sizeof(rest)) == 0 && strlen(room) == 256);
	big[256] = '\r';
	big[257] = '\n';
	CHECK(from_pipe(big, 258, room, err, rest, sizeof(rest)) == 0 && strlen(room) == 256);
	big[256] = 'r';
	big[257] = '\n';
	CHECK(from_pipe(big, 258, room, err, rest, sizeof(rest)) == -1 &&
	    strstr(err, "longer than 256") != NULL);
	CHECK(room[0] == '\0');				/* wiped */
	CHECK(from_pipe(big, 500, room, err, rest, sizeof(rest)) == -1);
}

/* --- the prompt on a pseudo-terminal ------------------------------------------------- */

struct typist {
	int master;
	const char *line;
	char seen[1024];		/* everything the terminal showed */
	size_t nseen;
	int interrupt;			/* send SIGINT to pid instead of typing */
	pid_t pid;
};

/* Read what the terminal shows until want appears (30 s at most: a loaded machine). */
static int
wait_for(struct typist *t, const char *want)
{
	struct pollfd pfd = { .fd = t->master, .events = POLLIN };
	ssize_t n;
	int i;

	for (i = 0; i < 300; i++) {
		t->seen[t->nseen] = '\0';
		if (strstr(t->seen, want) != NULL)
			return 0;
		if (poll(&pfd, 1, 100) > 0 &&
		    (n = read(t->master, t->seen + t->nseen, sizeof(t->seen) - 1 - t->nseen)) > 0)
			t->nseen += (size_t)n;
	}
	return -1;
}

static void *
type_room(void *arg)
{
	struct typist *t = arg;

	/* The prompt is written once echo is off: only then does the user type. */
	if (wait_for(t, "Room: ") == 0 && !t->interrupt) {
		if (write(t->master, t->line, strlen(t->line)) < 0)
			abort();
	}
	/* Interrupt even without a prompt seen: the check fails, nothing hangs. */
	if (t->interrupt)
		kill(t->pid, SIGINT);
	(void)wait_for(t, "\n");	/* the newline printed after the hidden line */
	return NULL;
}

static int
open_pty(int *master, int *slave)
{
	char *name;

	if ((*master = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(*master) != 0 ||
	    unlockpt(*master) != 0 || (name = ptsname(*master)) == NULL ||
	    (*slave = open(name, O_RDWR | O_NOCTTY)) < 0)
		return -1;
	return 0;
}

static void
test_prompt(void)
{
	char room[ROOMSRC_LEN], err[ROOMSRC_ERR_LEN];
	struct typist t;
	struct termios tio;
	pthread_t th;
	int master, slave, st;

	if (open_pty(&master, &slave) != 0) {
		fprintf(stderr, "test_roomsrc: no pseudo-terminal, prompt not tested\n");
		return;
	}
	memset(&t, 0, sizeof(t));
	t.master = master;
	t.line = "secret/room/key\n";
	pthread_create(&th, NULL, type_room, &t);
	CHECK(roomsrc_prompt(slave, "Room: ", room, err, sizeof(err)) == 0);
	pthread_join(th, NULL);
	CHECK_STR(room, "secret/room/key");
	CHECK_MSG(strstr(t.seen, "secret") == NULL, "the room was echoed: \"%s\"", t.seen);
	CHECK(strstr(t.seen, "Room: ") != NULL);
	CHECK(tcgetattr(slave, &tio) == 0 && (tio.c_lflag & ECHO));	/* restored */

	/* SIGINT while the prompt waits: the terminal is restored, then the signal acts. */
	memset(&t, 0, sizeof(t));
	t.master = master;
	t.interrupt = 1;
	if ((t.pid = fork()) == 0) {
		/* A shell's background job starts with SIGINT ignored: the test needs the default. */
		signal(SIGINT, SIG_DFL);
		alarm(40);
		roomsrc_prompt(slave, "Room: ", room, err, sizeof(err));
		_exit(3);		/* not reached: SIGINT's default action ends us */
	}
	pthread_create(&th, NULL, type_room, &t);
	CHECK(waitpid(t.pid, &st, 0) == t.pid);
	pthread_join(th, NULL);
	CHECK_MSG(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, "status %#x", st);
	CHECK(tcgetattr(slave, &tio) == 0 && (tio.c_lflag & ECHO));
	close(slave);
	close(master);
}

/* --- the room file ----------------------------------------------------------------------- */

static char dir[64];

static int
from_file(const char *text, size_t len, mode_t mode, char room[ROOMSRC_LEN], char *err)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/room", dir);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    write(fd, text, len) != (ssize_t)len)
		abort();
	close(fd);
	chmod(path, mode);
	return roomsrc_file(path, room, err, ROOMSRC_ERR_LEN);
}

static void
test_file(void)
{
	char room[ROOMSRC_LEN], err[ROOMSRC_ERR_LEN], path[96], big[5000];

	strcpy(dir, "/tmp/test_roomsrc.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	CHECK(from_file("lobby/room/key\n", 15, 0600, room, err) == 0);
	CHECK_STR(room, "lobby/room/key");
	CHECK(from_file("lobby/room/key", 14, 0400, room, err) == 0);
	CHECK(from_file("crlf\r\n", 6, 0600, room, err) == 0);
	CHECK_STR(room, "crlf");
	CHECK(from_file("k\n", 2, 0640, room, err) == -1 && strstr(err, "chmod 600") != NULL);
	CHECK(from_file("k\n", 2, 0604, room, err) == -1 && strstr(err, "group or others") != NULL);
	CHECK(from_file("a\nb\n", 4, 0600, room, err) == -1 && strstr(err, "more than one line") != NULL);
	CHECK(from_file("a\n\n", 3, 0600, room, err) == -1);
	CHECK(from_file("\n", 1, 0600, room, err) == -1 && strstr(err, "empty") != NULL);
	CHECK(from_file("", 0, 0600, room, err) == -1 && strstr(err, "empty") != NULL);
	CHECK(from_file("a\0b", 3, 0600, room, err) == -1 && strstr(err, "NUL") != NULL);
	memset(big, 'r', sizeof(big));
	CHECK(from_file(big, 256, 0600, room, err) == 0 && strlen(room) == 256);
	CHECK(from_file(big, 257, 0600, room, err) == -1 && strstr(err, "longer than 256") != NULL);
	CHECK(from_file(big, sizeof(big), 0600, room, err) == -1 && strstr(err, "larger") != NULL);
	snprintf(path, sizeof(path), "%s/none", dir);
	CHECK(roomsrc_file(path, room, err, sizeof(err)) == -1 && strstr(err, "cannot open") != NULL);
	CHECK(roomsrc_file(dir, room, err, sizeof(err)) == -1 &&
	    strstr(err, "not a regular file") != NULL);
	snprintf(path, sizeof(path), "%s/room", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	/* Bounded: a prompt that never returns fails the test instead of hanging it. */
	alarm(120);
	signal(SIGPIPE, SIG_IGN);
	test_line();
	test_prompt();
	test_file();
	return check_exit("test_roomsrc");
}
