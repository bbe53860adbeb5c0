/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mpack_map.c — the table-driven map reader (mpack_map.h).
 */
#include "config.h"

#include <string.h>

#include "dht/wire/mpack_map.h"
#include "dht/wire/utf8.h"

/* A str key already seen in this map. */
struct seen_key {
	const uint8_t *p;
	size_t n;
};

/*
 * One map key. A str key must differ from seen[0..*nseen) ("duplicate key")
 * and is appended to seen; *key points to it. Any other key is skipped
 * (nesting bounded by levels) and *key is NULL.
 */
static int
read_key(struct mpack_reader *r, struct seen_key *seen, size_t *nseen, const uint8_t **key,
    size_t *keylen, int levels)
{
	const uint8_t *s;
	size_t n, j;
	uint8_t t;

	*key = NULL;
	*keylen = 0;
	if (mpack_peek(r, &t) != 0)
		return -1;
	if (!mpack_is_str(t))
		return mpack_skip(r, levels);	/* a non-str key: ignored with its value */
	if (mpack_read_str(r, &s, &n, "bad key") != 0)
		return -1;
	for (j = 0; j < *nseen; j++)
		if (seen[j].n == n && memcmp(seen[j].p, s, n) == 0)
			return mpack_fail(r, "duplicate key");
	seen[*nseen].p = s;
	seen[*nseen].n = n;
	(*nseen)++;
	*key = s;
	*keylen = n;
	return 0;
}

/* The field named key, or NULL. */
static const struct mpack_field *
find_field(const struct mpack_map *m, const uint8_t *key, size_t keylen)
{
	unsigned k;

	for (k = 0; k < m->nfields; k++)
		if (strlen(m->fields[k].key) == keylen &&
		    memcmp(m->fields[k].key, key, keylen) == 0)
			return &m->fields[k];
	return NULL;
}

static int
read_value(struct mpack_reader *r, const struct mpack_field *f, void *obj)
{
	uint8_t *dst = (uint8_t *)obj + f->offset;
	const uint8_t *s;
	uint64_t v;
	size_t n;

	switch (f->type) {
	case MPACK_FIELD_CONST:
		if (mpack_read_uint(r, &v, f->bad_type) != 0)
			return -1;
		return v == f->n ? 0 : mpack_fail(r, f->bad_value);
	case MPACK_FIELD_UINT:
		if (mpack_read_uint(r, &v, f->bad_type) != 0)
			return -1;
		memcpy(dst, &v, sizeof(v));
		return 0;
	case MPACK_FIELD_BIN:
		return mpack_read_bin_exact(r, dst, (size_t)f->n, f->bad_type);
	case MPACK_FIELD_STR:
		if (mpack_read_str(r, &s, &n, f->bad_type) != 0)
			return -1;
		if (n > f->n)
			return mpack_fail(r, f->bad_value);
		if (!utf8_valid(s, n))
			return mpack_fail(r, f->bad_utf8);
		memcpy(dst, s, n);
		dst[n] = '\0';
		return 0;
	case MPACK_FIELD_CUSTOM:
		return f->read(r, obj);
	}
	return mpack_fail(r, "bad field");		/* a table error, not input */
}

int
mpack_read_fields(struct mpack_reader *r, const struct mpack_map *m, void *obj)
{
	struct seen_key seen[MPACK_MAP_MAX_KEYS];
	const struct mpack_field *f;
	uint32_t found = 0, all;
	uint64_t count, i;
	size_t nseen = 0;

	if (m->nfields == 0 || m->nfields > MPACK_MAP_MAX_FIELDS ||
	    m->max_keys > MPACK_MAP_MAX_KEYS)
		return mpack_fail(r, "bad map");		/* a table error, not input */
	for (all = 0, i = 0; i < m->nfields; i++)	/* the required fields */
		if (!m->fields[i].optional)
			all |= UINT32_C(1) << i;
	if (mpack_read_map(r, &count, m->not_map) != 0)
		return -1;
	if (count > m->max_keys)
		return mpack_fail(r, "too many keys");
	for (i = 0; i < count; i++) {
		const uint8_t *key;
		size_t keylen;

		if (read_key(r, seen, &nseen, &key, &keylen, m->levels) != 0)
			return -1;
		f = key != NULL ? find_field(m, key, keylen) : NULL;
		if (f == NULL) {
			if (mpack_skip(r, m->levels) != 0)
				return -1;
			continue;
		}
		if (read_value(r, f, obj) != 0)
			return -1;
		found |= UINT32_C(1) << (f - m->fields);
	}
	if ((found & all) != all)
		return mpack_fail(r, "missing key");
	return 0;
}
