/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * chatproto.h — the chat protocol that rides inner UDP port 7777: message
 * types, field limits, timers and the reasons a frame is dropped. The wire
 * format and its rationale are in doc/PROTOCOL.md, section "Chat".
 *
 * Frames are msgpack arrays:
 *	[1, nick, version]		HELLO
 *	[2, seq, unix_ms, text]		MSG
 *	[3, seq]			ACK (cumulative)
 *	[4]				BYE
 *	[5, seq, unix_ms, text, flags]	XMSG (version 2: a MSG with flags)
 *
 * XMSG is a type of its own, not a trailing element of MSG, because its
 * flags change what a message means: a version 1 receiver skips trailing
 * elements and would show a private message as one to the room, but drops
 * an unknown type unseen. XMSG shares MSG's sequence space; it is only sent
 * to a peer whose HELLO announced version 2 or later (doc/PROTOCOL.md
 * "Chat", "Flags").
 *
 * Don't forget to bump CHAT_VERSION if any of these change meaning!
 */
#ifndef GONET_CHATPROTO_H
#define GONET_CHATPROTO_H

enum chat_msg_type {
	CHAT_HELLO = 1,
	CHAT_MSG = 2,
	CHAT_ACK = 3,
	CHAT_BYE = 4,
	CHAT_XMSG = 5
};

/* XMSG flags. Unknown bits are ignored: a flag that must not be gets a new type. */
enum chat_flag {
	CHAT_FLAG_PRIVATE = 1 << 0,	/* to this receiver alone, not to the room */
	CHAT_FLAG_ACTION = 1 << 1	/* an action (/me): "* nick text" */
};

enum {
	CHAT_VERSION = 3,		/* the highest we speak, in our HELLO */
	CHAT_VERSION_XMSG = 2,		/* the first that understands XMSG */
	CHAT_VERSION_FILES = 3,		/* the first that takes files (inner port 7779) */
	CHAT_PORT = 7777,

	CHAT_TEXT_MAX = 1024,		/* bytes of UTF-8 in a MSG */
	CHAT_NICK_MAX = 32,		/* bytes of UTF-8 in a HELLO */
	/*
	 * A frame fits an inner IPv6/UDP packet of the IPv6 minimum MTU
	 * (1280 - 40 - 8), so it is never fragmented inside the tunnel. The
	 * largest v2 frame (XMSG with 1024 bytes of text and flags of 2^64-1)
	 * is 1056 bytes; the rest is room for trailing elements of later
	 * versions.
	 */
	CHAT_FRAME_MAX = 1232,
	CHAT_NEST_MAX = 8,		/* nesting depth of skipped trailing elements */

	/*
	 * seq = epoch << CHAT_SEQ_COUNTER_BITS | counter. The epoch is the
	 * sender's unix time in ms when its session began, the counter starts
	 * at 1 in every epoch, so a receiver always knows where a session
	 * starts (see doc/PROTOCOL.md "Sessions and restarts").
	 */
	CHAT_SEQ_COUNTER_BITS = 20,
	CHAT_SEQ_COUNTER_MAX = (1 << CHAT_SEQ_COUNTER_BITS) - 1,

	CHAT_SEND_WINDOW = 32,		/* messages in flight per peer */
	CHAT_RECV_WINDOW = 64,		/* out-of-order messages buffered per peer */
	CHAT_SEND_QUEUE_MAX = 256,	/* written but not yet acknowledged */

	/* RFC 6298, with a 200 ms floor as Linux uses, and a 10 s ceiling. */
	CHAT_RTO_INITIAL_MS = 1000,
	CHAT_RTO_MIN_MS = 200,
	CHAT_RTO_MAX_MS = 10000,
	CHAT_BACKOFF_MAX = 6,		/* doublings; 200 ms << 6 passes the ceiling */

	/* A message unacknowledged this long after it was written is reported. */
	CHAT_UNDELIVERED_MS = 60000,
	/*
	 * An ACK of counter 0 in our current epoch, arriving this long after
	 * the epoch's first real ACK, means the receiver lost its state (it
	 * restarted): our unacknowledged messages are renumbered. Younger ones
	 * may be a reordered ACK from before the first delivery.
	 */
	CHAT_RESYNC_GUARD_MS = 3000
};

/* Why a frame was dropped; every drop is counted under its reason. */
enum chat_drop {
	CHAT_DROP_NONE = 0,	/* accepted */
	/* chat_codec */
	CHAT_DROP_SIZE,		/* empty, or over CHAT_FRAME_MAX */
	CHAT_DROP_SHAPE,	/* not an array, too few elements, wrong type, truncated, trailing bytes */
	CHAT_DROP_TYPE,		/* unknown message type (a later version's) */
	CHAT_DROP_LIMIT,	/* text or nick too long */
	CHAT_DROP_UTF8,		/* text or nick not well-formed UTF-8 */
	/* chat_reliable */
	CHAT_DROP_SEQ,		/* MSG with counter 0, ACK of a message never sent */
	CHAT_DROP_STALE,	/* from an older session of the peer */
	CHAT_DROP_DUPLICATE,	/* already delivered or buffered; re-acknowledged */
	CHAT_DROP_WINDOW,	/* beyond the receive window */
	CHAT_DROP_NOMEM,
	CHAT_DROP_MAX
};

#endif
