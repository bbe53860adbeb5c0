/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ui.h — what the session tells the user, and the lines the user types.
 * Two front ends: ui_term (readline on the libevent loop; incoming lines never
 * garble the line being typed) and ui_batch (stdin lines in, one JSON object
 * per line out, for scripts and tests). The session emits struct ui_event and
 * never formats text itself; every string from the network is untrusted and
 * is neutralised by the front end.
 */
#ifndef GONET_UI_H
#define GONET_UI_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct ui;

enum ui_event_kind {
	UI_EV_STATUS,		/* start-up progress: what = step, text = detail */
	UI_EV_ERROR,		/* text = message for the user */
	UI_EV_PEER_FOUND,	/* peer's record accepted: nick, fp, count = candidates */
	UI_EV_PEER_PUNCHING,	/* count = candidate pairs tried */
	UI_EV_PATH_UP,		/* path = kind, endpoint, rtt_ms */
	UI_EV_PATH_DOWN,	/* text = why */
	UI_EV_PEER_FAILED,	/* text = why, hint = what would help */
	UI_EV_PEER_LEFT,	/* BYE received or record expired */
	UI_EV_NICK,		/* peer changed nick: nick = new, old = old */
	UI_EV_MESSAGE,		/* text from nick/fp at unix_ms; msg flags */
	UI_EV_SENT,		/* our line accepted for delivery: seq, text, msg flags; private: to nick/fp */
	UI_EV_DELIVERED,	/* seq acknowledged by nick/fp */
	UI_EV_UNDELIVERED,	/* seq not acknowledged in time by nick/fp: text */
	UI_EV_WHO,		/* one row of /who: nick, fp, path, endpoint, rtt_ms, last_seen_s */
	UI_EV_INFO,		/* plain reply to a command: text */
	UI_EV_FILE		/* a file transfer: what = offered, waiting, started, progress,
				   stalled, done, failed; xfer, file, size, done, rate, eta_s */
};

/* What kind of message (UI_EV_MESSAGE, UI_EV_SENT, UI_EV_UNDELIVERED). */
enum ui_msg_flag {
	UI_MSG_PRIVATE = 1 << 0,	/* to one peer only (/msg, --to) */
	UI_MSG_ACTION = 1 << 1		/* /me: "* nick text" */
};

struct ui_event {
	enum ui_event_kind kind;
	const char *what;		/* UI_EV_STATUS step name; INFO topic; PATH_UP "better", "roamed" */
	const char *reason;		/* short machine-readable cause (path-down, peer-failed, ...) */
	const char *nick;		/* untrusted, may be NULL */
	const char *old;		/* untrusted, may be NULL */
	const char *fp;			/* fingerprint, "3f2a-91c0-7be4-0d15" */
	const char *text;		/* untrusted unless from us, may be NULL */
	size_t text_len;		/* bytes of text (0: strlen) */
	const char *path;		/* "direct", "lan", "relay", ... */
	const char *endpoint;		/* "1.2.3.4:5678" */
	const char *via;		/* path "relay": the relaying peer's nick (untrusted) */
	const char *via_fp;		/* ... and fingerprint */
	const char *hint;
	const char *nat;		/* the peer's NAT class ("random", ...), or ours */
	const char *strategy;		/* what made the path ("punch", "portmap", "ipv6", "fallback") */
	int64_t count;
	int64_t rtt_ms;			/* -1 unknown */
	int64_t last_seen_s;		/* -1 unknown */
	uint64_t seq;
	uint64_t unix_ms;
	uint64_t epoch;			/* DHT epoch (published, reject); 0: none */
	int flagged;			/* identity pinning: a known nick with a new key */
	unsigned msg;			/* enum ui_msg_flag */
	/* UI_EV_FILE */
	unsigned xfer;			/* the transfer's number (/accept N) */
	int outgoing;			/* 1: we send it */
	const char *file;		/* its name (made safe already) */
	const char *saved;		/* done, incoming: where it is now */
	uint64_t size, done;		/* bytes */
	int64_t rate;			/* bytes a second, -1 unknown */
	int64_t eta_s;			/* -1 unknown */
};

struct ui_input {
	/* One line typed (or read in batch mode), without its newline. */
	void (*line)(void *arg, const char *line, size_t len);
	/* End of input (Ctrl-D, or EOF on stdin in batch mode). */
	void (*eof)(void *arg);
	void *arg;
};

struct ui *ui_term_new(struct event_base *base, const struct ui_input *in, const char *prompt);
struct ui *ui_batch_new(struct event_base *base, const struct ui_input *in);
void ui_emit(struct ui *ui, const struct ui_event *ev);
/* Change the prompt (after /nick). */
void ui_set_prompt(struct ui *ui, const char *prompt);
/*
 * Stop (1) or resume (0) handing over input lines. Batch mode stops reading
 * stdin (so a script's writes block: flow control); the terminal keeps
 * reading, so /quit always works.
 */
void ui_pause_input(struct ui *ui, int pause);
void ui_free(struct ui *ui);		/* restores the terminal; NULL ok */

#endif
