/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * commands.c — what the user types (commands.h).
 *
 * A message must be 1..CHAT_TEXT_MAX bytes of well-formed UTF-8 (an action
 * POST_ACTION_MAX); anything else is refused with an error and never sent.
 * Where it goes and what the user is told is post.c's; in --batch it may
 * first wait for its peer in the outbox.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dht/wire/utf8.h"
#include "src/chat/chatproto.h"
#include "src/identity/pins.h"
#include "src/session/commands.h"
#include "src/session/core.h"
#include "src/session/ending.h"
#include "src/session/files.h"
#include "src/session/outbox.h"
#include "src/session/peer.h"
#include "src/session/post.h"
#include "src/session/rendezvous.h"
#include "src/session/target.h"
#include "src/session/tell.h"
#include "src/ui/sanitize.h"
#include "src/ui/ui.h"

/*
 * Our message: to the room (to NULL) or to one peer, plain or an action.
 * With --batch --wait it may wait in the outbox for its peer; otherwise a
 * line for the room goes to every peer present (each keeps it until its path
 * is up) and a line for one peer needs that peer connected now.
 */
static void
post_line(struct session *s, const struct target *to, uint64_t flags, const char *text,
    size_t len)
{
	size_t max = (flags & CHAT_FLAG_ACTION) ? POST_ACTION_MAX : CHAT_TEXT_MAX;
	enum post_result r;
	struct peer *p;
	struct post m;

	if (len > max) {
		session_error(s, "message is %zu bytes, over the limit of %zu: not sent", len, max);
		return;
	}
	if (!utf8_valid((const uint8_t *)text, len)) {
		session_error(s, "message is not valid UTF-8: not sent");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.id = ++s->next_msg_id;
	m.flags = flags | (to != NULL ? CHAT_FLAG_PRIVATE : 0);
	m.to = to;
	m.text = text;
	m.len = len;
	if (outbox_active(s)) {
		outbox_put(s, &m);
	} else {
		r = post_check(s, &m, &p);
		if (r == POST_OK || (to == NULL && r == POST_NOT_CONNECTED))
			post_send(s, &m, p);
		else
			post_refuse(s, &m, r, NULL);
	}
	ending_input_flow(s);
}

/* A line that is not a command: to the room, or to --to's peer. */
static void
send_text(struct session *s, const char *text, size_t len)
{
	post_line(s, s->to, 0, text, len);
}

/* The first word of arg[0..len) ends at *w; the rest starts at *rest. */
static void
split_word(const char *arg, size_t len, size_t *w, size_t *rest)
{
	size_t i = 0;

	while (i < len && arg[i] != ' ' && arg[i] != '\t')
		i++;
	*w = i;
	while (i < len && (arg[i] == ' ' || arg[i] == '\t'))
		i++;
	*rest = i;
}

static void
cmd_msg(struct session *s, const char *arg, size_t len)
{
	struct target t;
	enum target_error e;
	size_t w, rest;

	split_word(arg, len, &w, &rest);
	if (w == 0 || rest == len) {
		session_error(s, "usage: /msg NICK TEXT (or NICK@FP, @FP: a fingerprint prefix)");
		return;
	}
	if ((e = target_parse(arg, w, &t)) != TARGET_OK) {
		session_error(s, "/msg: %s", target_strerror(e));
		return;
	}
	post_line(s, &t, 0, arg + rest, len - rest);
}

static void
cmd_me(struct session *s, const char *arg, size_t len)
{
	if (len == 0) {
		session_error(s, "usage: /me TEXT (an action: \"* %s TEXT\")", s->nick);
		return;
	}
	post_line(s, s->to, CHAT_FLAG_ACTION, arg, len);
}

/*
 * One word of arg[0..len) as a shell would read it: 'single' and "double"
 * quotes, and a backslash that takes the next byte as it is, so a file name
 * may hold blanks. The word goes to out (NUL-terminated); *used is how much
 * of arg it took, blanks after it included. -1 when unterminated or too long.
 */
static int
shell_word(const char *arg, size_t len, char *out, size_t cap, size_t *used)
{
	size_t i = 0, o = 0;
	char q = 0;

	for (; i < len; i++) {
		char c = arg[i];

		if (q == 0 && (c == ' ' || c == '\t'))
			break;
		if (q == 0 && (c == '\'' || c == '"')) {
			q = c;
			continue;
		}
		if (q != 0 && c == q) {
			q = 0;
			continue;
		}
		if (c == '\\' && q != '\'') {
			if (++i == len)
				return -1;
			c = arg[i];
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	if (q != 0)
		return -1;
	out[o] = '\0';
	while (i < len && (arg[i] == ' ' || arg[i] == '\t'))
		i++;
	*used = i;
	return 0;
}

/* /send PATH [TARGET]: to that peer, or to --to's, or to everyone. */
static void
cmd_send(struct session *s, const char *arg, size_t len)
{
	char path[4096];
	struct target t;
	enum target_error e;
	size_t used, w, rest;

	if (len == 0 || shell_word(arg, len, path, sizeof(path), &used) != 0 || path[0] == '\0') {
		session_error(s, "usage: /send FILE [NICK] (quote a name with blanks: "
		    "/send \"my file.txt\" bob)");
		return;
	}
	if (used == len) {
		files_offer(s, s->to, path);
		return;
	}
	split_word(arg + used, len - used, &w, &rest);
	if (used + rest != len) {
		session_error(s, "/send: one file and at most one NICK (quote a name with blanks)");
		return;
	}
	if ((e = target_parse(arg + used, w, &t)) != TARGET_OK) {
		session_error(s, "/send: %s", target_strerror(e));
		return;
	}
	files_offer(s, &t, path);
}

/* /accept N, /reject N, /cancel N: N is the number shown with the transfer. */
static void
cmd_file(struct session *s, const char *name, void (*fn)(struct session *, unsigned),
    const char *arg, size_t len)
{
	unsigned long n = 0;
	size_t i;

	while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
		len--;
	for (i = 0; i < len && arg[i] >= '0' && arg[i] <= '9' && n < 100000000; i++)
		n = n * 10 + (unsigned long)(arg[i] - '0');
	if (len == 0 || i != len || n == 0) {
		session_error(s, "usage: /%s N (N: the transfer's number, /files lists them)", name);
		return;
	}
	fn(s, (unsigned)n);
}

static void
cmd_who(struct session *s)
{
	struct peer *p;

	if (s->peers == NULL) {
		session_info(s, "who", "nobody else is in the room yet");
		return;
	}
	for (p = s->peers; p != NULL; p = p->next)
		peer_who(p);
}

static void
cmd_nick(struct session *s, const char *arg, size_t len)
{
	struct peer *p;

	while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
		len--;
	if (len == 0) {
		session_info(s, "nick", "you are \"%s\"; /nick NEW changes it", s->nick);
		return;
	}
	if (len > RECORD_MAX_NICK || !utf8_valid((const uint8_t *)arg, len)) {
		session_error(s, "a nick is 1 to %d bytes of UTF-8", RECORD_MAX_NICK);
		return;
	}
	if (!sanitize_is_plain((const uint8_t *)arg, len)) {
		session_error(s, "a nick cannot contain control or bidirectional formatting characters");
		return;
	}
	memcpy(s->nick, arg, len);
	s->nick[len] = '\0';
	snprintf(s->prompt, sizeof(s->prompt), "%s> ", s->nick);
	ui_set_prompt(s->ui, s->prompt);
	(void)pins_check(s->cfg->cache_dir, s->nick, s->fp);
	rendezvous_republish(s->rv);
	for (p = s->peers; p != NULL; p = p->next)
		if (p->state == PEER_UP)
			peer_hello(p);
	session_info(s, "nick", "you are now %s", s->nick);
}

static void
cmd_help(struct session *s)
{
	static const char *const lines[] = {
		"/who          who is in the room: nick, fingerprint, path, endpoint, rtt",
		"/msg NICK TEXT  to that peer alone, shown as private on both sides;",
		"              NICK@3f2a (a fingerprint prefix) when several share a nick",
		"/me TEXT      an action: \"* nick TEXT\"",
		"/nick NEW     change your nick (everyone sees it at once)",
		"/send FILE [NICK]  offer a file to the room or to one peer",
		"/accept N     take file N (saved in the download directory)",
		"/reject N     decline file N; /cancel N stops a transfer",
		"/files        every transfer and where it stands",
		"/quit         leave (also Ctrl-D)",
		"/help         this text",
		"//text        send a line starting with \"/\"",
		"anything else is sent to everyone in the room (with --to: to that peer)"
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		session_info(s, "help", "%s", lines[i]);
}

static void
command(struct session *s, const char *line, size_t len)
{
	size_t w = 1, a;

	while (w < len && line[w] != ' ' && line[w] != '\t')
		w++;
	for (a = w; a < len && (line[a] == ' ' || line[a] == '\t'); a++)
		;
#define IS(name) (w - 1 == sizeof(name) - 1 && memcmp(line + 1, name, w - 1) == 0)
	if (IS("who"))
		cmd_who(s);
	else if (IS("nick"))
		cmd_nick(s, line + a, len - a);
	else if (IS("msg"))
		cmd_msg(s, line + a, len - a);
	else if (IS("me"))
		cmd_me(s, line + a, len - a);
	else if (IS("send"))
		cmd_send(s, line + a, len - a);
	else if (IS("accept"))
		cmd_file(s, "accept", files_accept, line + a, len - a);
	else if (IS("reject"))
		cmd_file(s, "reject", files_reject, line + a, len - a);
	else if (IS("cancel"))
		cmd_file(s, "cancel", files_cancel, line + a, len - a);
	else if (IS("files"))
		files_list(s);
	else if (IS("quit") || IS("exit"))
		session_quit(s);
	else if (IS("help") || IS("?"))
		cmd_help(s);
	else
		session_error(s, "unknown command \"%.*s\" (try /help)", (int)(w < 64 ? w : 64),
		    line);
#undef IS
}

void
commands_line(struct session *s, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;			/* a CRLF script */
	if (len == 0)
		return;
	if (line[0] == '/' && !(len > 1 && line[1] == '/')) {
		command(s, line, len);
		return;
	}
	if (line[0] == '/')
		line++, len--;		/* "//..." sends "/..." */
	send_text(s, line, len);
}
