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
