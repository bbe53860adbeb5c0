/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.h — building one JSON object per line for --batch and --json output. */
#ifndef GONET_JSON_H
#define GONET_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A line under construction. Appends never fail: on overflow the object is
 * marked truncated and json_end() emits {"event":"error","what":"json-overflow"}
 * instead, so a consumer never sees half an object.
 */
struct json {
	char buf[8192];
	size_t len;
	int fields;
	int overflow;
};

void json_begin(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
/*
 * Untrusted bytes: invalid UTF-8 becomes \ufffd, and every character that
 * sanitize_classify() (src/ui/sanitize.h) does not call plain is \u-escaped.
 */
void json_strn(struct json *j, const char *key, const char *val, size_t len);
void json_int(struct json *j, const char *key, int64_t val);
void json_uint(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, int val);
void json_double(struct json *j, const char *key, double val);
/* A value that is already JSON (an array or object built with another struct json). */
void json_raw(struct json *j, const char *key, const char *raw);
/* Terminates the object; returns the NUL-terminated line (no newline). */
const char *json_end(struct json *j);
/* json_end, then write it and a newline to f and flush. */
void json_print(struct json *j, FILE *f);

#endif
