/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record_codec.c — msgpack encode (msgpack-c) and strict decode (our own
 * bounded reader) of the record body and envelope.
 *
 * Decoder rules (doc/PROTOCOL.md "Endpoint record"):
 *  - every length is checked against the bytes left before it is used, so
 *    no count can make us loop or read past the buffer;
 *  - an integer is any msgpack int format holding a value in range; nil,
 *    bool and float are not integers; str and bin are not interchangeable;
 *  - the seven known keys must appear exactly once; other keys (str or not)
 *    are skipped, but a str key repeated anywhere is a duplicate;
 *  - nothing may follow the top-level value.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <msgpack.h>

#include "record_codec.h"
#include "utf8.h"

/* ---- encoder ---------------------------------------------------------- */

static int
pack_key(msgpack_packer *pk, const char *key)
{
	return msgpack_pack_str_with_body(pk, key, strlen(key));
}

int
record_encode_body(const struct record *rec, uint8_t *out, size_t outlen, size_t *written)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t nick_len = strnlen(rec->nick, sizeof(rec->nick));
	unsigned i;
	int r = -1;

	if (nick_len > RECORD_MAX_NICK || !utf8_valid((const uint8_t *)rec->nick, nick_len) ||
	    rec->ncand > RECORD_MAX_CANDIDATES)
		return -1;
	for (i = 0; i < rec->ncand; i++)
		if (rec->cand[i].family != 4 && rec->cand[i].family != 6)
			return -1;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_map(&pk, 7) != 0 ||
	    pack_key(&pk, "v") != 0 || msgpack_pack_uint64(&pk, RECORD_VERSION) != 0 ||
	    pack_key(&pk, "id") != 0 || msgpack_pack_bin_with_body(&pk, rec->id, RECORD_ID_LEN) != 0 ||
	    pack_key(&pk, "wg") != 0 || msgpack_pack_bin_with_body(&pk, rec->wg, RECORD_WG_LEN) != 0 ||
	    pack_key(&pk, "nick") != 0 || msgpack_pack_str_with_body(&pk, rec->nick, nick_len) != 0 ||
	    pack_key(&pk, "seq") != 0 || msgpack_pack_uint64(&pk, rec->seq) != 0 ||
	    pack_key(&pk, "exp") != 0 || msgpack_pack_uint64(&pk, rec->exp) != 0 ||
	    pack_key(&pk, "c") != 0 || msgpack_pack_array(&pk, rec->ncand) != 0)
		goto out;
	for (i = 0; i < rec->ncand; i++) {
		const struct cand *c = &rec->cand[i];

		if (msgpack_pack_array(&pk, 3) != 0 ||
		    msgpack_pack_uint64(&pk, c->kind) != 0 ||
		    msgpack_pack_bin_with_body(&pk, c->addr, c->family == 4 ? 4 : 16) != 0 ||
		    msgpack_pack_uint64(&pk, c->port) != 0)
			goto out;
	}
	if (sb.size > outlen)
		goto out;
	memcpy(out, sb.data, sb.size);
	*written = sb.size;
	r = 0;
out:
	msgpack_sbuffer_destroy(&sb);
	return r;
}

int
record_encode_envelope(const uint8_t *body, size_t body_len, const uint8_t sig[RECORD_SIG_LEN],
    uint8_t *out, size_t outlen, size_t *written)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int r = -1;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_array(&pk, 2) != 0 ||
	    msgpack_pack_bin_with_body(&pk, body, body_len) != 0 ||
	    msgpack_pack_bin_with_body(&pk, sig, RECORD_SIG_LEN) != 0)
		goto out;
	if (sb.size > outlen)
		goto out;
	memcpy(out, sb.data, sb.size);
	*written = sb.size;
	r = 0;
out:
	msgpack_sbuffer_destroy(&sb);
	return r;
}

/* ---- strict reader ---------------------------------------------------- */

struct mp_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
	const char *why;		/* first failure, for the caller */
};

/* Records the first failure; always returns -1 so callers can `return fail()`. */
static int
fail(struct mp_reader *r, const char *why)
{
	if (r->why == NULL)
		r->why = why;
	return -1;
}

static size_t
left(const struct mp_reader *r)
{
	return r->len - r->off;
}

static int
take(struct mp_reader *r, size_t n, const uint8_t **out)
{
	if (left(r) < n)
		return fail(r, "truncated");
	if (out != NULL)
		*out = r->p + r->off;
	r->off += n;
	return 0;
}

static int
peek(struct mp_reader *r, uint8_t *b)
{
	if (left(r) < 1)
		return fail(r, "truncated");
	*b = r->p[r->off];
	return 0;
}

static int
be(struct mp_reader *r, size_t n, uint64_t *v)
{
	const uint8_t *q;
	size_t i;

	if (take(r, n, &q) != 0)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = (*v << 8) | q[i];
	return 0;
}

/* Any msgpack integer with a non-negative value. */
static int
read_uint(struct mp_reader *r, uint64_t *v, const char *what)
{
	uint8_t t;
	uint64_t u;

	if (peek(r, &t) != 0)
		return -1;
	if (t <= 0x7f) {
		r->off++;
		*v = t;
		return 0;
	}
	if (t >= 0xcc && t <= 0xcf) {		/* uint 8/16/32/64 */
		r->off++;
		return be(r, (size_t)1 << (t - 0xcc), v);
	}
	if (t >= 0xd0 && t <= 0xd3) {		/* int 8/16/32/64 */
		size_t n = (size_t)1 << (t - 0xd0);

		r->off++;
		if (be(r, n, &u) != 0)
			return -1;
		if (u >> (8 * n - 1))		/* sign bit: negative */
			return fail(r, what);
		*v = u;
		return 0;
	}
	return fail(r, what);			/* negative fixint, nil, bool, float, ... */
}

static int
read_str(struct mp_reader *r, const uint8_t **s, size_t *n, const char *what)
{
	uint8_t t;
	uint64_t len;

	if (peek(r, &t) != 0)
		return -1;
	if (t >= 0xa0 && t <= 0xbf) {
		r->off++;
		len = t & 0x1f;
	} else if (t >= 0xd9 && t <= 0xdb) {
		r->off++;
		if (be(r, (size_t)1 << (t - 0xd9), &len) != 0)
			return -1;
	} else {
		return fail(r, what);
	}
	if (len > left(r))
		return fail(r, "truncated");
	*n = (size_t)len;
	return take(r, *n, s);
}

static int
read_bin(struct mp_reader *r, const uint8_t **s, size_t *n, const char *what)
{
	uint8_t t;
	uint64_t len;

	if (peek(r, &t) != 0)
		return -1;
	if (t < 0xc4 || t > 0xc6)
		return fail(r, what);
	r->off++;
	if (be(r, (size_t)1 << (t - 0xc4), &len) != 0)
		return -1;
	if (len > left(r))
		return fail(r, "truncated");
	*n = (size_t)len;
	return take(r, *n, s);
}

/* Array or map header; each element needs at least one more byte. */
static int
read_container(struct mp_reader *r, int map, uint64_t *count, const char *what)
{
	uint8_t t, fix = map ? 0x80 : 0x90, f16 = map ? 0xde : 0xdc;

	if (peek(r, &t) != 0)
		return -1;
	if ((t & 0xf0) == fix) {
		r->off++;
		*count = t & 0x0f;
	} else if (t == f16 || t == f16 + 1) {
		r->off++;
		if (be(r, t == f16 ? 2 : 4, count) != 0)
			return -1;
	} else {
		return fail(r, what);
	}
	if (*count > left(r) / (map ? 2 : 1))
		return fail(r, "truncated");
	return 0;
}

/* Skip one value of any type (for ignored keys), at most RECORD_MAX_DEPTH deep. */
static int
skip(struct mp_reader *r, int depth)
{
	uint8_t t;
	uint64_t n, i;

	if (depth > RECORD_MAX_DEPTH)
		return fail(r, "nested too deep");
	if (peek(r, &t) != 0)
		return -1;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return take(r, 1, NULL);	/* fixints, nil, bool */
	if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
		const uint8_t *s;
		size_t len;

		return read_str(r, &s, &len, "bad value");
	}
	if (t >= 0xc4 && t <= 0xc6) {
		const uint8_t *s;
		size_t len;

		return read_bin(r, &s, &len, "bad value");
	}
	if ((t & 0xf0) == 0x90 || t == 0xdc || t == 0xdd || (t & 0xf0) == 0x80 ||
	    t == 0xde || t == 0xdf) {
		int map = (t & 0xf0) == 0x80 || t == 0xde || t == 0xdf;

		if (read_container(r, map, &n, "bad value") != 0)
			return -1;
		for (i = 0; i < n * (map ? 2 : 1); i++)
			if (skip(r, depth + 1) != 0)
				return -1;
		return 0;
	}
	r->off++;
	switch (t) {
	case 0xca: return take(r, 4, NULL);	/* float 32 */
	case 0xcb: return take(r, 8, NULL);	/* float 64 */
	case 0xcc: case 0xd0: return take(r, 1, NULL);
	case 0xcd: case 0xd1: return take(r, 2, NULL);
	case 0xce: case 0xd2: return take(r, 4, NULL);
	case 0xcf: case 0xd3: return take(r, 8, NULL);
	case 0xd4: return take(r, 2, NULL);	/* fixext 1: type + data */
	case 0xd5: return take(r, 3, NULL);
	case 0xd6: return take(r, 5, NULL);
	case 0xd7: return take(r, 9, NULL);
	case 0xd8: return take(r, 17, NULL);
	case 0xc7: case 0xc8: case 0xc9: {	/* ext 8/16/32: len, type, data */
		uint64_t len;

		if (be(r, (size_t)1 << (t - 0xc7), &len) != 0)
			return -1;
		if (len > left(r))
			return fail(r, "truncated");
		return take(r, (size_t)len + 1, NULL);
	}
	default:
		return fail(r, "bad value");	/* 0xc1, never used */
	}
}

/* ---- envelope ---------------------------------------------------------- */

enum record_reject
record_decode_envelope(const uint8_t *buf, size_t len, const uint8_t **body, size_t *body_len,
    const uint8_t **sig, const char **why)
{
	struct mp_reader r = { buf, len, 0, NULL };
	const uint8_t *s;
	size_t n;
	uint64_t count;

	if (read_container(&r, 0, &count, "envelope is not an array") != 0)
		goto shape;
	if (count != 2) {
		fail(&r, "envelope is not an array of 2");
		goto shape;
	}
	if (read_bin(&r, body, body_len, "body is not bin") != 0 ||
	    read_bin(&r, &s, &n, "sig is not bin") != 0)
		goto shape;
	if (n != RECORD_SIG_LEN) {
		fail(&r, "sig is not 64 bytes");
		goto shape;
	}
	if (left(&r) != 0) {
		fail(&r, "trailing bytes after envelope");
		goto shape;
	}
	*sig = s;
	if (why != NULL)
		*why = NULL;
	return REC_OK;
shape:
	*body = NULL;
	*body_len = 0;
	*sig = NULL;
	if (why != NULL)
		*why = r.why;
	return REC_SHAPE;
}

/* ---- body -------------------------------------------------------------- */

enum body_key {
	KEY_V,
	KEY_ID,
	KEY_WG,
	KEY_NICK,
	KEY_SEQ,
	KEY_EXP,
	KEY_C,
	KEY__COUNT,
	KEY_UNKNOWN = KEY__COUNT
};

static const char *const body_key_names[KEY__COUNT] = {
	"v", "id", "wg", "nick", "seq", "exp", "c"
};

static enum body_key
body_key_lookup(const uint8_t *s, size_t n)
{
	int k;

	for (k = 0; k < KEY__COUNT; k++)
		if (strlen(body_key_names[k]) == n && memcmp(body_key_names[k], s, n) == 0)
			return (enum body_key)k;
	return KEY_UNKNOWN;
}

static int
addr_is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static int
v4_usable(const uint8_t a[4])
{
	if (a[0] == 0)				/* 0.0.0.0/8: unspecified, "this network" */
		return 0;
	if (a[0] >= 224)			/* 224/4 multicast, 240/4 reserved, broadcast */
		return 0;
	if (a[0] == 169 && a[1] == 254)		/* 169.254/16 link-local */
		return 0;
	return 1;
}

int
record_cand_usable(const struct cand *c)
{
	static const uint8_t zero[16];

	if (c->kind > CAND_RELAY || c->port == 0)
		return 0;
	if (c->family == 4)
		return v4_usable(c->addr);
	if (c->family != 6)
		return 0;
	if (memcmp(c->addr, zero, 16) == 0)	/* :: unspecified */
		return 0;
	if (c->addr[0] == 0xff)			/* ff00::/8 multicast */
		return 0;
	if (c->addr[0] == 0xfe && (c->addr[1] & 0xc0) == 0x80)	/* fe80::/10 */
		return 0;
	if (addr_is_v4_mapped(c->addr))
		return v4_usable(c->addr + 12);
	return 1;
}

/* One [kind, addr, port]; *usable says whether to keep it. */
static int
read_candidate(struct mp_reader *r, struct cand *c, int *usable)
{
	uint64_t n, kind, port;
	const uint8_t *a;
	size_t alen;

	if (read_container(r, 0, &n, "candidate is not an array") != 0)
		return -1;
	if (n != 3)
		return fail(r, "candidate is not an array of 3");
	if (read_uint(r, &kind, "candidate kind is not a uint") != 0 ||
	    read_bin(r, &a, &alen, "candidate addr is not bin") != 0 ||
	    read_uint(r, &port, "candidate port is not a uint") != 0)
		return -1;
	if (alen != 4 && alen != 16)
		return fail(r, "candidate addr is not 4 or 16 bytes");
	if (port > 65535)
		return fail(r, "candidate port over 65535");
	memset(c, 0, sizeof(*c));
	c->kind = kind > 255 ? 255 : (uint8_t)kind;	/* > CAND_RELAY: skipped below */
	c->family = alen == 4 ? 4 : 6;
	memcpy(c->addr, a, alen);
	c->port = (uint16_t)port;
	*usable = kind <= CAND_RELAY && record_cand_usable(c);
	return 0;
}

static int
read_candidates(struct mp_reader *r, struct record *rec)
{
	uint64_t n, i;
	struct cand c;
	int usable;

	if (read_container(r, 0, &n, "c is not an array") != 0)
		return -1;
	if (n > RECORD_MAX_CANDIDATES)
		return fail(r, "more than 8 candidates");
	rec->ncand = 0;
	for (i = 0; i < n; i++) {
		if (read_candidate(r, &c, &usable) != 0)
			return -1;
		if (usable)
			rec->cand[rec->ncand++] = c;
	}
	return 0;
}

static int
read_bin_exact(struct mp_reader *r, uint8_t *out, size_t want, const char *what)
{
	const uint8_t *s;
	size_t n;

	if (read_bin(r, &s, &n, what) != 0)
		return -1;
	if (n != want)
		return fail(r, what);
	memcpy(out, s, n);
	return 0;
}

static int
read_field(struct mp_reader *r, enum body_key k, struct record *rec)
{
	const uint8_t *s;
	size_t n;
	uint64_t v;

	switch (k) {
	case KEY_V:
		if (read_uint(r, &v, "v is not a uint") != 0)
			return -1;
		if (v != RECORD_VERSION)
			return fail(r, "v is not 1");
		return 0;
	case KEY_ID:
		return read_bin_exact(r, rec->id, RECORD_ID_LEN, "id is not bin 32");
	case KEY_WG:
		return read_bin_exact(r, rec->wg, RECORD_WG_LEN, "wg is not bin 32");
	case KEY_NICK:
		if (read_str(r, &s, &n, "nick is not str") != 0)
			return -1;
		if (n > RECORD_MAX_NICK)
			return fail(r, "nick over 32 bytes");
		if (!utf8_valid(s, n))
			return fail(r, "nick is not valid UTF-8");
		memcpy(rec->nick, s, n);
		rec->nick[n] = '\0';
		return 0;
	case KEY_SEQ:
		return read_uint(r, &rec->seq, "seq is not a uint");
	case KEY_EXP:
		return read_uint(r, &rec->exp, "exp is not a uint");
	case KEY_C:
		return read_candidates(r, rec);
	case KEY_UNKNOWN:
		break;
	}
	return skip(r, 1);
}

enum record_reject
record_decode_body(const uint8_t *buf, size_t len, struct record *rec, const char **why)
{
	/* Every entry is >= 2 bytes, so a value within RECORD_MAX_VALUE has fewer. */
	struct key_span {
		const uint8_t *p;
		size_t n;
	} keys[RECORD_MAX_VALUE / 2];
	struct mp_reader r = { buf, len, 0, NULL };
	struct record out;
	unsigned seen = 0;
	uint64_t count, i, j, nkeys = 0;

	memset(&out, 0, sizeof(out));
	if (read_container(&r, 1, &count, "body is not a map") != 0)
		goto shape;
	if (count > sizeof(keys) / sizeof(keys[0])) {
		fail(&r, "too many keys");
		goto shape;
	}
	for (i = 0; i < count; i++) {
		enum body_key k = KEY_UNKNOWN;
		uint8_t t;

		if (peek(&r, &t) != 0)
			goto shape;
		if ((t & 0xe0) == 0xa0 || (t >= 0xd9 && t <= 0xdb)) {
			const uint8_t *s;
			size_t n;

			if (read_str(&r, &s, &n, "bad key") != 0)
				goto shape;
			for (j = 0; j < nkeys; j++)
				if (keys[j].n == n && memcmp(keys[j].p, s, n) == 0) {
					fail(&r, "duplicate key");
					goto shape;
				}
			keys[nkeys].p = s;
			keys[nkeys].n = n;
			nkeys++;
			k = body_key_lookup(s, n);
		} else if (skip(&r, 1) != 0) {	/* a non-str key: ignored with its value */
			goto shape;
		}
		if (read_field(&r, k, &out) != 0)
			goto shape;
		if (k != KEY_UNKNOWN)
			seen |= 1u << k;
	}
	if (seen != (1u << KEY__COUNT) - 1) {
		fail(&r, "missing key");
		goto shape;
	}
	if (left(&r) != 0) {
		fail(&r, "trailing bytes after body");
		goto shape;
	}
	memcpy(rec, &out, sizeof(*rec));
	if (why != NULL)
		*why = NULL;
	return REC_OK;
shape:
	memset(rec, 0, sizeof(*rec));
	if (why != NULL)
		*why = r.why;
	return REC_SHAPE;
}
