/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.c — JSON object lines with strict escaping of untrusted strings. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "src/ui/json.h"
#include "src/ui/sanitize.h"

static void
put(struct json *j, const char *s, size_t n)
{
	/* Keep room for the closing brace and the NUL. */
	if (j->overflow || n > sizeof(j->buf) - 2 - j->len) {
		j->overflow = 1;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void
putf(struct json *j, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		j->overflow = 1;
		return;
	}
	put(j, tmp, (size_t)n);
}

static void
key(struct json *j, const char *k)
{
	if (j->fields++)
		put(j, ",", 1);
	json_strn(j, NULL, k, strlen(k));
	put(j, ":", 1);
}

void
json_begin(struct json *j)
{
	j->len = 0;
	j->fields = 0;
	j->overflow = 0;
	put(j, "{", 1);
}

/*
 * Which characters are escaped is sanitize_classify()'s decision, the same
 * as for the terminal: every class but SANITIZE_PLAIN and SANITIZE_INVISIBLE
 * becomes \uXXXX (an ill-formed sequence \ufffd), so a terminal showing
 * this line neither acts nor reorders. '"' and '\\' are JSON's own.
 */
void
json_strn(struct json *j, const char *k, const char *val, size_t n)
{
	const uint8_t *s = (const uint8_t *)val;
	enum sanitize_class c;
	size_t i, off = 0;
	uint32_t cp;

	if (k != NULL)
		key(j, k);
	put(j, "\"", 1);
	while (off < n) {
		i = off;
		c = sanitize_next(s, n, &off, &cp);
		if (c != SANITIZE_PLAIN && c != SANITIZE_INVISIBLE)	/* those reorder nothing */
			putf(j, "\\u%04x", cp);
		else if (cp == '"' || cp == '\\') {
			put(j, "\\", 1);
			put(j, val + i, 1);
		} else
			put(j, val + i, off - i);
	}
	put(j, "\"", 1);
}

void
json_str(struct json *j, const char *k, const char *val)
{
	json_strn(j, k, val, strlen(val));
}

void
json_int(struct json *j, const char *k, int64_t val)
{
	key(j, k);
	putf(j, "%" PRId64, val);
}

void
json_uint(struct json *j, const char *k, uint64_t val)
{
	key(j, k);
	putf(j, "%" PRIu64, val);
}

void
json_bool(struct json *j, const char *k, int val)
{
	key(j, k);
	put(j, val ? "true" : "false", val ? 4 : 5);
}

void
json_double(struct json *j, const char *k, double val)
{
	key(j, k);
	if (val != val || val > 1e300 || val < -1e300)
		put(j, "null", 4);
	else
		putf(j, "%.3f", val);
}

void
json_raw(struct json *j, const char *k, const char *raw)
{
	key(j, k);
	put(j, raw, strlen(raw));
}

const char *
json_end(struct json *j)
{
	static const char err[] = "{\"event\":\"error\",\"what\":\"json-overflow\"}";

	if (j->overflow) {
		memcpy(j->buf, err, sizeof(err));
		j->len = sizeof(err) - 1;
		return j->buf;
	}
	j->buf[j->len++] = '}';
	j->buf[j->len] = '\0';
	return j->buf;
}

void
json_print(struct json *j, FILE *f)
{
	fputs(json_end(j), f);
	fputc('\n', f);
	fflush(f);
}
