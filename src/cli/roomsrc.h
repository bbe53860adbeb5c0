/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * roomsrc.h — where the room string comes from. On the command line it is
 * visible to every user of the machine (ps, /proc/PID/cmdline), and the
 * room string is the room's only secret; so it may also come from:
 *
 *	gonet [options]			no ROOM: standard input, as below
 *	gonet [options] -		the same
 *	gonet --room-file FILE		the first line of FILE
 *
 * From standard input: on a terminal, a prompt with echo off (on stderr);
 * otherwise its first line, read a byte at a time so that nothing after
 * the newline is consumed (with --batch the lines after it are the
 * messages). A room file must be a regular file that group and others
 * cannot read, holding one line (one final newline allowed; CRLF too).
 *
 * The string read is checked later like a ROOM argument (room_validate);
 * these only bound it: at most ROOM_MAX_LEN bytes, no NUL.
 */
#ifndef GONET_ROOMSRC_H
#define GONET_ROOMSRC_H

#include <stddef.h>

#include "dht/room/room.h"

enum {
	ROOMSRC_LEN = ROOM_MAX_LEN + 1,	/* a buffer for one room string and its NUL */
	ROOMSRC_FILE_MAX = 4096,	/* a room file is one short line */
	ROOMSRC_ERR_LEN = 256
};

/*
 * The first line of fd into room (ROOMSRC_LEN bytes), a byte at a time.
 * 0, or -1 with a sentence in err (end of input before any byte, a line
 * too long, a NUL, a read error).
 */
int roomsrc_line(int fd, char room[ROOMSRC_LEN], char *err, size_t errlen);

/*
 * Ask on the terminal fd: prompt written to fd, echo off while the user
 * types, restored after (also when SIGINT, SIGTERM or SIGHUP arrive: then
 * -1, err says so, and the signal is raised again once the terminal is
 * restored). 0 or -1 as roomsrc_line.
 */
int roomsrc_prompt(int fd, const char *prompt, char room[ROOMSRC_LEN], char *err,
    size_t errlen);

/* The room from FILE (see above). 0, or -1 with a sentence in err. */
int roomsrc_file(const char *path, char room[ROOMSRC_LEN], char *err, size_t errlen);

#endif
