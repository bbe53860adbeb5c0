/* SPDX-License-Identifier: GPL-3.0-or-later */
/* roomsrc.c — the room string from standard input, a prompt or a file (roomsrc.h). */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "src/cli/roomsrc.h"

static volatile sig_atomic_t prompt_signal;

/*
 * A line of fd, a byte at a time, into room. A read interrupted by a
 * signal is retried unless prompt_signal says one of ours arrived. With
 * waitmask (the prompt, our signals blocked), each read waits in ppoll()
 * under waitmask: a signal that came before the wait cuts it short at once
 * instead of being handled just before a read() that then blocks for ever.
 */
static int
read_line(int fd, char room[ROOMSRC_LEN], char *err, size_t errlen, const sigset_t *waitmask)
{
	char line[ROOM_MAX_LEN + 2];	/* a room, and the '\r' of a CRLF */
	size_t len = 0;
	ssize_t n;
	char c;
	int r = -1;

	for (;;) {
		if (waitmask != NULL) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (prompt_signal != 0 || (ppoll(&pfd, 1, NULL, waitmask) < 0 && errno == EINTR)) {
				if (prompt_signal == 0)
					continue;
				snprintf(err, errlen, "interrupted");
				goto out;
			}
		}
		if ((n = read(fd, &c, 1)) < 0) {
			if (errno == EINTR && prompt_signal == 0)
				continue;
			snprintf(err, errlen, "%s", errno == EINTR ? "interrupted" :
			    "cannot read the room");
			goto out;
		}
		if (n == 0) {
			if (len == 0) {
				snprintf(err, errlen, "no room given (end of input before a room line)");
				goto out;
			}
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0') {
			snprintf(err, errlen, "the room line holds a NUL byte");
			goto out;
		}
		if (len == sizeof(line) - 1) {
			snprintf(err, errlen, "the room is longer than %d bytes", ROOM_MAX_LEN);
			goto out;
		}
		line[len++] = c;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > ROOM_MAX_LEN) {
		snprintf(err, errlen, "the room is longer than %d bytes", ROOM_MAX_LEN);
		goto out;
	}
	memcpy(room, line, len);
	room[len] = '\0';
	r = 0;
out:
	sodium_memzero(line, sizeof(line));
	if (r != 0)
		sodium_memzero(room, ROOMSRC_LEN);
	return r;
}

int
roomsrc_line(int fd, char room[ROOMSRC_LEN], char *err, size_t errlen)
{
	prompt_signal = 0;
	return read_line(fd, room, err, errlen, NULL);
}

static void
on_prompt_signal(int sig)
{
	prompt_signal = sig;
}

int
roomsrc_prompt(int fd, const char *prompt, char room[ROOMSRC_LEN], char *err, size_t errlen)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[3];
	struct termios saved, quiet;
	sigset_t block, orig, waitmask;
	int r = -1, i, sig;

	if (tcgetattr(fd, &saved) == -1) {
		snprintf(err, errlen, "cannot prompt for the room: %s", strerror(errno));
		return -1;
	}
	/* No SA_RESTART: a signal interrupts the read, and the terminal is restored first. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prompt_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	/* Blocked until the wait: then ppoll() lets them in atomically (read_line). */
	sigprocmask(SIG_BLOCK, &block, &orig);
	waitmask = orig;
	for (i = 0; i < 3; i++)
		sigdelset(&waitmask, sigs[i]);
	prompt_signal = 0;
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		snprintf(err, errlen, "cannot turn echo off to ask for the room: %s", strerror(errno));
		goto out;
	}
	(void)!write(fd, prompt, strlen(prompt));
	r = read_line(fd, room, err, errlen, &waitmask);
	(void)tcsetattr(fd, TCSAFLUSH, &saved);
	(void)!write(fd, "\n", 1);	/* the user's Enter was not echoed */
out:
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if ((sig = prompt_signal) != 0) {
		prompt_signal = 0;
		raise(sig);		/* the terminal is itself again: now the default action */
	}
	/* The mask as it was: a raised signal acts here. */
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return r;
}

int
roomsrc_file(const char *path, char room[ROOMSRC_LEN], char *err, size_t errlen)
{
	char buf[ROOMSRC_FILE_MAX + 1];
	struct stat st;
	size_t len = 0, line;
	ssize_t n;
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		snprintf(err, errlen, "cannot open the room file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the room file %s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		snprintf(err, errlen, "the room file %s can be read by group or others: refused "
		    "(chmod 600 %s)", path, path);
		goto out;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read the room file %s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len > ROOMSRC_FILE_MAX) {
		snprintf(err, errlen, "the room file %s is larger than %d bytes", path, ROOMSRC_FILE_MAX);
		goto out;
	}
	for (line = 0; line < len && buf[line] != '\n'; line++)
		;
	if (line + 1 < len) {
		snprintf(err, errlen, "the room file %s holds more than one line", path);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "the room file %s holds a NUL byte", path);
		goto out;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "the room file %s is empty", path);
		goto out;
	}
	if (len > ROOM_MAX_LEN) {
		snprintf(err, errlen, "the room in %s is longer than %d bytes", path, ROOM_MAX_LEN);
		goto out;
	}
	memcpy(room, buf, len);
	room[len] = '\0';
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}
