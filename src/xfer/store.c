/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store.c — received files, safely (store.h). */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "src/ui/sanitize.h"
#include "src/xfer/store.h"

enum {
	META_MAX = 2048,		/* a meta file is never larger */
	HASH_CHUNK = 65536,
	ROOM_MARGIN = 16 << 20		/* leave this much free besides the file */
};

#define PART_PREFIX ".gonet-"

static int
mkdir_one(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -errno;
}

int
store_open(struct store *st, const char *dir, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_DOWNLOAD_DIR"), *home = getenv("HOME");
	char parent[1024];
	int r;

	st->dirfd = -1;
	if (dir != NULL) {
		snprintf(st->path, sizeof(st->path), "%s", dir);
	} else {
		if (xdg != NULL && xdg[0] == '/')
			snprintf(parent, sizeof(parent), "%s", xdg);
		else if (home != NULL && home[0] == '/')
			snprintf(parent, sizeof(parent), "%s/Downloads", home);
		else {
			snprintf(err, errlen, "no download directory: set XDG_DOWNLOAD_DIR or HOME");
			return -ENOENT;
		}
		if ((r = mkdir_one(parent)) != 0) {
			snprintf(err, errlen, "cannot create %s: %s", parent, strerror(-r));
			return r;
		}
		if (snprintf(st->path, sizeof(st->path), "%s/gonet", parent) >= (int)sizeof(st->path)) {
			snprintf(err, errlen, "download directory path too long");
			return -ENAMETOOLONG;
		}
	}
	if ((r = mkdir_one(st->path)) != 0 ||
	    (st->dirfd = open(st->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = r != 0 ? r : -errno;
		snprintf(err, errlen, "cannot use %s: %s", st->path, strerror(-r));
		return r;
	}
	return 0;
}

void
store_close(struct store *st)
{
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->dirfd = -1;
}

void
store_safe_name(const uint8_t *name, size_t len, char out[STORE_NAME_MAX + 1])
{
	size_t i, start = 0, off, o = 0;
	uint32_t cp;

	/* The last path component, whatever the separator. */
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\')
			start = i + 1;
	/* "." and ".." name directories, never a file. */
	if ((len - start == 1 && name[start] == '.') ||
	    (len - start == 2 && name[start] == '.' && name[start + 1] == '.')) {
		snprintf(out, STORE_NAME_MAX + 1, "file");
		return;
	}
	for (off = start; off < len;) {
		size_t at = off;
		enum sanitize_class c = sanitize_next(name, len, &off, &cp);
		size_t n = off - at;

		if (c != SANITIZE_PLAIN || cp == ':' || (o == 0 && cp == '.')) {
			/* Controls, bidi, bad bytes, ':' and a leading dot: one '_'. */
			if (o + 1 > STORE_NAME_MAX)
				break;
			out[o++] = '_';
			continue;
		}
		if (o + n > STORE_NAME_MAX)
			break;
		memcpy(out + o, name + at, n);
		o += n;
	}
	/* No trailing dots or blanks (they confuse other systems and people). */
	while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ' '))
		o--;
	if (o == 0) {
		snprintf(out, STORE_NAME_MAX + 1, "file");
		return;
	}
	out[o] = '\0';
}

int
store_room_for(struct store *st, uint64_t size)
{
	struct statvfs v;

	if (fstatvfs(st->dirfd, &v) != 0)
		return -errno;
	if ((uint64_t)v.f_bavail * v.f_frsize < size + ROOM_MARGIN)
		return -ENOSPC;
	return 0;
}

static void
part_names(const struct store_part *p, char part[64], char meta[64])
{
	char hex[2 * XFER_ID_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), p->id, XFER_ID_LEN);
	snprintf(part, 64, PART_PREFIX "%s.part", hex);
	snprintf(meta, 64, PART_PREFIX "%s.meta", hex);
}

/* The meta file, written whole to a temporary name and renamed over. */
static int
meta_write(struct store *st, const struct store_part *p)
{
	char part[64], meta[64], tmp[72], id[2 * XFER_ID_LEN + 1], hash[2 * XFER_HASH_LEN + 1];
	char name[2 * STORE_NAME_MAX + 1], buf[META_MAX];
	int fd, n, r = 0;

	part_names(p, part, meta);
	snprintf(tmp, sizeof(tmp), "%s.tmp", meta);
	sodium_bin2hex(id, sizeof(id), p->id, XFER_ID_LEN);
	sodium_bin2hex(hash, sizeof(hash), p->hash, XFER_HASH_LEN);
	sodium_bin2hex(name, sizeof(name), (const uint8_t *)p->name, strlen(p->name));
	n = snprintf(buf, sizeof(buf), "gonet-part 1\nid %s\nsize %llu\nhash %s\nfrom %s\n"
	    "have %llu\nname %s\n", id, (unsigned long long)p->size, hash, p->from,
	    (unsigned long long)p->have, name);
	if (n < 0 || n >= (int)sizeof(buf))
		return -EOVERFLOW;
	(void)unlinkat(st->dirfd, tmp, 0);
	if ((fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0)
		r = errno != 0 ? -errno : -EIO;
	close(fd);
	if (r == 0 && renameat(st->dirfd, tmp, st->dirfd, meta) != 0)
		r = -errno;
	if (r != 0)
		(void)unlinkat(st->dirfd, tmp, 0);
	return r;
}

static int
hex_field(const char *line, const char *key, uint8_t *out, size_t len)
{
	size_t klen = strlen(key), got = 0;
	const char *end;

	if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
		return -1;
	if (sodium_hex2bin(out, len, line + klen + 1, strcspn(line + klen + 1, "\n"), NULL, &got,
	    &end) != 0)
		return -1;
	return (int)got;
}

static int
u64_field(const char *line, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	char *end;

	if (strncmp(line, key, klen) != 0 || line[klen] != ' ' || line[klen + 1] < '0' ||
	    line[klen + 1] > '9')
		return -1;
	errno = 0;
	*out = strtoull(line + klen + 1, &end, 10);
	return errno == 0 && (*end == '\n' || *end == '\0') ? 0 : -1;
}

/* Parse one meta file (paranoid: it is ours, but the disk is not). */
static int
meta_read(struct store *st, const char *meta, struct store_part *p)
{
	char buf[META_MAX + 1], *line, *next;
	uint8_t name[STORE_NAME_MAX];
	unsigned have_fields = 0;
	ssize_t n;
	int fd, k;

	if ((fd = openat(st->dirfd, meta, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, META_MAX);
	close(fd);
	if (n <= 0 || n == META_MAX)
		return -EINVAL;
	buf[n] = '\0';
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			next++;
		if (strncmp(line, "gonet-part 1\n", 13) == 0)
			have_fields |= 1;
		else if (hex_field(line, "id", p->id, XFER_ID_LEN) == XFER_ID_LEN)
			have_fields |= 2;
		else if (u64_field(line, "size", &p->size) == 0)
			have_fields |= 4;
		else if (hex_field(line, "hash", p->hash, XFER_HASH_LEN) == XFER_HASH_LEN)
			have_fields |= 8;
		else if (strncmp(line, "from ", 5) == 0 &&
		    (k = (int)strcspn(line + 5, "\n")) > 0 && k <= STORE_FP_MAX) {
			memcpy(p->from, line + 5, (size_t)k);
			p->from[k] = '\0';
			have_fields |= 16;
		} else if (u64_field(line, "have", &p->have) == 0)
			have_fields |= 32;
		else if ((k = hex_field(line, "name", name, sizeof(name))) > 0) {
			store_safe_name(name, (size_t)k, p->name);
			have_fields |= 64;
		}
	}
	return have_fields == 127 && p->have <= p->size ? 0 : -EINVAL;
}

int
store_part_create(struct store *st, struct store_part *p)
{
	char part[64], meta[64];
	int r;

	part_names(p, part, meta);
	p->have = 0;
	if ((p->fd = openat(st->dirfd, part, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0)
		return -errno;
	if ((r = meta_write(st, p)) != 0) {
		close(p->fd);
		p->fd = -1;
		(void)unlinkat(st->dirfd, part, 0);
	}
	return r;
}

int
store_part_find(struct store *st, const char *from, const uint8_t hash[XFER_HASH_LEN],
    uint64_t size, struct store_part *p)
{
	struct dirent *d;
	struct stat sb;
	char part[64], meta[64];
	unsigned seen = 0;
	int fd, found = 0;
	DIR *dir;

	if ((fd = dup(st->dirfd)) < 0)
		return -errno;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return -errno;
	}
	rewinddir(dir);
	while (!found && seen++ < STORE_SCAN_MAX && (d = readdir(dir)) != NULL) {
		size_t len = strlen(d->d_name);

		if (strncmp(d->d_name, PART_PREFIX, strlen(PART_PREFIX)) != 0 || len < 5 ||
		    strcmp(d->d_name + len - 5, ".meta") != 0)
			continue;
		if (meta_read(st, d->d_name, p) != 0 || strcmp(p->from, from) != 0 ||
		    p->size != size || sodium_memcmp(p->hash, hash, XFER_HASH_LEN) != 0)
			continue;
		part_names(p, part, meta);
		if (strcmp(meta, d->d_name) != 0)
			continue;
		p->fd = openat(st->dirfd, part, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (p->fd < 0 || fstat(p->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			if (p->fd >= 0)
				close(p->fd);
			p->fd = -1;
			continue;
		}
		if ((uint64_t)sb.st_size < p->have)
			p->have = (uint64_t)sb.st_size;
		found = 1;
	}
	closedir(dir);
	return found ? 0 : -ENOENT;
}

int
store_part_write(struct store_part *p, uint64_t offset, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (offset > p->size || len > p->size - offset)
		return -ERANGE;
	while (len > 0) {
		n = pwrite(p->fd, buf, len, (off_t)offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

int
store_part_save(struct store *st, struct store_part *p, uint64_t have)
{
	if (have > p->size)
		return -ERANGE;
	if (fdatasync(p->fd) != 0)
		return -errno;
	p->have = have;
	return meta_write(st, p);
}

/* BLAKE2b-256 of the part's whole content. */
static int
part_hash(struct store_part *p, uint8_t out[XFER_HASH_LEN])
{
	crypto_generichash_state h;
	uint8_t *buf;
	uint64_t off = 0;
	ssize_t n;

	if ((buf = malloc(HASH_CHUNK)) == NULL)
		return -ENOMEM;
	crypto_generichash_init(&h, NULL, 0, XFER_HASH_LEN);
	while (off < p->size) {
		size_t want = p->size - off < HASH_CHUNK ? (size_t)(p->size - off) : HASH_CHUNK;

		if ((n = pread(p->fd, buf, want, (off_t)off)) <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		crypto_generichash_update(&h, buf, (size_t)n);
		off += (uint64_t)n;
	}
	free(buf);
	crypto_generichash_final(&h, out, XFER_HASH_LEN);
	return 0;
}

/* "name.ext" -> "name (k).ext" (k > 0). */
static void
numbered(const char *name, unsigned k, char *out, size_t cap)
{
	const char *dot = strrchr(name, '.');
	int stem = dot != NULL && dot != name ? (int)(dot - name) : (int)strlen(name);

	if (k == 0)
		snprintf(out, cap, "%s", name);
	else
		snprintf(out, cap, "%.*s (%u)%s", stem, name, k, name + stem);
}

int
store_part_finish(struct store *st, struct store_part *p, char *final, size_t cap)
{
	char part[64], meta[64], cand[STORE_NAME_MAX + 16];
	uint8_t got[XFER_HASH_LEN];
	unsigned k;
	int r;

	part_names(p, part, meta);
	if (fsync(p->fd) != 0)
		return -errno;
	if ((r = part_hash(p, got)) != 0)
		return r;
	if (sodium_memcmp(got, p->hash, XFER_HASH_LEN) != 0) {
		store_part_remove(st, p);
		return -EBADMSG;
	}
	for (k = 0; k <= STORE_DUP_MAX; k++) {
		numbered(p->name, k, cand, sizeof(cand));
		if (renameat2(st->dirfd, part, st->dirfd, cand, RENAME_NOREPLACE) == 0) {
			(void)unlinkat(st->dirfd, meta, 0);
			store_part_close(p);
			snprintf(final, cap, "%s", cand);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

void
store_part_remove(struct store *st, struct store_part *p)
{
	char part[64], meta[64];

	part_names(p, part, meta);
	store_part_close(p);
	(void)unlinkat(st->dirfd, part, 0);
	(void)unlinkat(st->dirfd, meta, 0);
}

void
store_part_close(struct store_part *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
