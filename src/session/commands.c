/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * commands.c — what the user types (commands.h).
 *
 * A message must be 1..CHAT_TEXT_MAX bytes of well-formed UTF-8; anything
 * else is refused with an error and never sent. It goes to every peer (full
 * mesh) that has not left; a peer without a path yet keeps it queued until
 * the path is up or CHAT_UNDELIVERED_MS pass.
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
#include "src/session/peer.h"
#include "src/session/peer_chat.h"
#include "src/session/rendezvous.h"
#include "src/session/tell.h"
#include "src/ui/sanitize.h"
#include "src/ui/ui.h"

static void
send_text(struct session *s, const char *text, size_t len)
{
	struct ui_event ev;
	struct peer *p;
	uint64_t id;
	unsigned n = 0;

	if (len > CHAT_TEXT_MAX) {
		session_error(s, "message is %zu bytes, over the limit of %d: not sent", len,
		    CHAT_TEXT_MAX);
		return;
	}
	if (!utf8_valid((const uint8_t *)text, len)) {
		session_error(s, "message is not valid UTF-8: not sent");
		return;
	}
	id = ++s->next_msg_id;
	for (p = s->peers; p != NULL; p = p->next)
		n += p->state != PEER_LEFT;
	memset(&ev, 0, sizeof(ev));
	ev.text = text;
	ev.text_len = len;
	ev.seq = id;
	ev.rtt_ms = -1;
	ev.last_seen_s = -1;
	if (n == 0) {
		ev.kind = UI_EV_UNDELIVERED;
		ev.reason = "no-peers";
		ev.hint = "nobody else is in the room yet";
		session_emit(s, &ev);
		return;
	}
	ev.kind = UI_EV_SENT;
	ev.count = n;
	session_emit(s, &ev);
	for (p = s->peers; p != NULL; p = p->next) {
		int r;

		if (p->state == PEER_LEFT)
			continue;
		if ((r = peer_chat_send(p, (const uint8_t *)text, len, id)) != 0) {
			peer_ui(p, &ev, UI_EV_UNDELIVERED);
			ev.seq = id;
			ev.text = text;
			ev.text_len = len;
			ev.reason = r == -ENOBUFS ? "queue-full" : "error";
			session_emit(s, &ev);
		}
	}
	ending_input_flow(s);
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
		"/nick NEW     change your nick (everyone sees it at once)",
		"/quit         leave (also Ctrl-D)",
		"/help         this text",
		"//text        send a line starting with \"/\"",
		"anything else is sent to everyone in the room"
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
