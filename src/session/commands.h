/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * commands.h — what the user types. A line is a message for everyone in the
 * room (or, with --to, for that peer), unless it starts with '/': then it is
 * a command (/who, /nick NEW, /msg NICK TEXT, /me TEXT, /quit, /help). "//"
 * at the start sends a line beginning with one '/'.
 */
#ifndef GONET_SESSION_COMMANDS_H
#define GONET_SESSION_COMMANDS_H

#include <stddef.h>

struct session;

void commands_line(struct session *s, const char *line, size_t len);

#endif
