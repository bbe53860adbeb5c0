/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * identity.c — load, create and parse the identity file (doc/PROTOCOL.md
 * "Identity").
 *
 * File handling follows ssh's habits: the file is opened with O_NOFOLLOW and
 * checked on the open descriptor (regular file, ours, no group/other bits);
 * it is created under a temporary name with O_EXCL and mode 0600, synced, and
 * linked into place without ever replacing an existing file, so two gonets
 * starting at once end up with the same identity.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "src/identity/b64key.h"
#include "src/identity/identity.h"

struct identity {
	uint8_t sign_seed[IDENTITY_KEY_LEN];
	uint8_t sign_pk[IDENTITY_KEY_LEN];
	uint8_t sign_sk[IDENTITY_SIGN_SK_LEN];
	uint8_t wg_private[IDENTITY_KEY_LEN];
	uint8_t wg_public[IDENTITY_KEY_LEN];
	int legacy;			/* the file's PrivateKey was not the derived one */
	char notice[IDENTITY_ERR_LEN];	/* what loading changed, for the user; "" if nothing */
};

#define IDENTITY_HEADER \
	"# gonet identity: keep this file secret.\n" \
	"# SigningKey is the Ed25519 seed that signs your endpoint records;\n" \
	"# PrivateKey is your WireGuard key, derived from it (`wg pubkey` reads it).\n"

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- keys -------------------------------------------------------------- */

static struct identity *
identity_alloc(char *err, size_t errlen)
{
	struct identity *id;

	if (sodium_init() < 0) {
		seterr(err, errlen, "libsodium could not be initialised");
		return NULL;
	}
	if ((id = sodium_malloc(sizeof(*id))) == NULL) {
		seterr(err, errlen, "out of memory for the identity keys");
		return NULL;
	}
	sodium_memzero(id, sizeof(*id));
	return id;
}

void
identity_free(struct identity *id)
{
	if (id != NULL)
		sodium_free(id);	/* wipes before releasing */
}

/*
 * Everything from sign_seed: the Ed25519 pair, and the WireGuard key as
 * libsodium's Ed25519 -> X25519 conversion (doc/PROTOCOL.md "Identity"):
 * the private key is the clamped first half of SHA-512(seed), so its public
 * key is the Montgomery form of the Ed25519 public key, which is what every
 * receiver checks a record's wg against. 0 or -1.
 */
static int
identity_complete(struct identity *id)
{
	uint8_t check[IDENTITY_KEY_LEN];
	int r = -1;

	if (crypto_sign_seed_keypair(id->sign_pk, id->sign_sk, id->sign_seed) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(id->wg_private, id->sign_sk) != 0)
		goto out;
	/* Fails only for a result of all zeros, which no clamped key gives. */
	if (crypto_scalarmult_base(id->wg_public, id->wg_private) != 0)
		goto out;
	/* The binding receivers check: never publish a key they would refuse. */
	if (crypto_sign_ed25519_pk_to_curve25519(check, id->sign_pk) != 0 ||
	    sodium_memcmp(check, id->wg_public, IDENTITY_KEY_LEN) != 0)
		goto out;
	r = 0;
out:
	return r;
}

struct identity *
identity_generate(char *err, size_t errlen)
{
	struct identity *id;

	if ((id = identity_alloc(err, errlen)) == NULL)
		return NULL;
	randombytes_buf(id->sign_seed, sizeof(id->sign_seed));
	if (identity_complete(id) != 0) {
		seterr(err, errlen, "could not derive public keys");
		identity_free(id);
		return NULL;
	}
	return id;
}

const uint8_t *
identity_sign_pk(const struct identity *id)
{
	return id->sign_pk;
}

const uint8_t *
identity_sign_sk(const struct identity *id)
{
	return id->sign_sk;
}

const uint8_t *
identity_wg_private(const struct identity *id)
{
	return id->wg_private;
}

const uint8_t *
identity_wg_public(const struct identity *id)
{
	return id->wg_public;
}

const char *
identity_notice(const struct identity *id)
{
	return id->notice[0] != '\0' ? id->notice : NULL;
}

int
identity_wg_of(uint8_t wg_public[IDENTITY_KEY_LEN], const uint8_t sign_pk[IDENTITY_KEY_LEN])
{
	return crypto_sign_ed25519_pk_to_curve25519(wg_public, sign_pk) == 0 ? 0 : -1;
}

void
identity_fingerprint(const uint8_t sign_pk[IDENTITY_KEY_LEN], char out[IDENTITY_FINGERPRINT_LEN + 1])
{
	uint8_t h[32];
	char hex[2 * 8 + 1];

	crypto_generichash(h, sizeof(h), sign_pk, IDENTITY_KEY_LEN, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, 8);		/* the first 8 bytes */
	snprintf(out, IDENTITY_FINGERPRINT_LEN + 1, "%.4s-%.4s-%.4s-%.4s", hex, hex + 4, hex + 8,
	    hex + 12);
}

/* ---- text -------------------------------------------------------------- */

int
identity_format(const struct identity *id, char *buf, size_t len)
{
	char sk[B64KEY_LEN + 1], wk[B64KEY_LEN + 1];
	int n;

	b64key_encode(id->sign_seed, sk);
	b64key_encode(id->wg_private, wk);
	n = snprintf(buf, len, IDENTITY_HEADER "SigningKey = %s\nPrivateKey = %s\n", sk, wk);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(wk, sizeof(wk));
	if (n < 0 || (size_t)n >= len) {
		sodium_memzero(buf, len);
		return -1;
	}
	return n;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

struct identity *
identity_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct identity *id;
	uint8_t file_wg[IDENTITY_KEY_LEN];
	size_t pos = 0;
	unsigned line = 0;
	int have_sign = 0, have_wg = 0;

	if (len > IDENTITY_MAX_FILE) {
		seterr(err, errlen, "identity file is larger than %d bytes", IDENTITY_MAX_FILE);
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		seterr(err, errlen, "identity file contains a NUL byte");
		return NULL;
	}
	if ((id = identity_alloc(err, errlen)) == NULL)
		return NULL;
	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - l) : len - pos;
		size_t a = 0, b = n, k0, k1;
		uint8_t *dst;
		int *have;
		const char *name;

		pos += n + (nl != NULL);
		line++;
		while (a < b && is_blank(l[a]))
			a++;
		while (b > a && is_blank(l[b - 1]))
			b--;
		if (a == b || l[a] == '#')
			continue;		/* blank or comment */
		k0 = a;
		while (a < b && ((l[a] >= 'A' && l[a] <= 'Z') || (l[a] >= 'a' && l[a] <= 'z')))
			a++;
		k1 = a;
		while (a < b && is_blank(l[a]))
			a++;
		if (k0 == k1 || a == b || l[a] != '=') {
			seterr(err, errlen, "identity file line %u: expected \"Key = value\"", line);
			goto fail;
		}
		a++;
		while (a < b && is_blank(l[a]))
			a++;
		if (k1 - k0 == 10 && memcmp(l + k0, "SigningKey", 10) == 0) {
			name = "SigningKey";
			dst = id->sign_seed;
			have = &have_sign;
		} else if (k1 - k0 == 10 && memcmp(l + k0, "PrivateKey", 10) == 0) {
			name = "PrivateKey";
			dst = file_wg;
			have = &have_wg;
		} else {
			seterr(err, errlen, "identity file line %u: unknown key (only SigningKey "
			    "and PrivateKey are allowed)", line);
			goto fail;
		}
		if (*have) {
			seterr(err, errlen, "identity file line %u: %s given twice", line, name);
			goto fail;
		}
		if (b64key_decode(l + a, b - a, dst) != 0) {
			seterr(err, errlen, "identity file line %u: %s is not a 32-byte key in "
			    "base64 (44 characters)", line, name);
			goto fail;
		}
		*have = 1;
	}
	if (!have_sign) {
		seterr(err, errlen, "identity file has no SigningKey line");
		goto fail;
	}
	if (identity_complete(id) != 0) {
		seterr(err, errlen, "identity file: could not derive public keys");
		goto fail;
	}
	/*
	 * PrivateKey is optional and, when there, the derived key. A file made
	 * before keys were bound has a random one: it is replaced (legacy), never
	 * used, so no two identities can claim one WireGuard key.
	 */
	id->legacy = have_wg && sodium_memcmp(file_wg, id->wg_private, IDENTITY_KEY_LEN) != 0;
	sodium_memzero(file_wg, sizeof(file_wg));
	return id;
fail:
	sodium_memzero(file_wg, sizeof(file_wg));
	identity_free(id);
	return NULL;
}

/* ---- files ------------------------------------------------------------- */

int
identity_default_path(char *buf, size_t len, char *err, size_t errlen)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;
	int n;

	/* The XDG spec says a relative value is invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/gonet/identity", xdg);
	} else {
		if (home == NULL || home[0] != '/') {
			if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
			    pw->pw_dir[0] != '/') {
				seterr(err, errlen, "cannot find the home directory: set HOME "
				    "or use --identity FILE");
				return -1;
			}
			home = pw->pw_dir;
		}
		n = snprintf(buf, len, "%s/.config/gonet/identity", home);
	}
	if (n < 0 || (size_t)n >= len) {
		seterr(err, errlen, "identity path is too long");
		return -1;
	}
	return 0;
}

/* mkdir -p for the directory part of path, each new directory 0700. */
static int
make_parents(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir)) {
		seterr(err, errlen, "identity path is too long");
		return -1;
	}
	memcpy(dir, path, n + 1);
	for (i = n; i > 0 && dir[i] != '/'; i--)
		;
	if (i == 0)
		return 0;			/* "/identity" or a bare name: nothing to make */
	dir[i] = '\0';				/* the parent directory */
	for (i = 1; ; i++) {
		if (dir[i] == '/' || dir[i] == '\0') {
			char c = dir[i];

			dir[i] = '\0';
			if (dir[0] != '\0' && mkdir(dir, 0700) != 0 && errno != EEXIST) {
				seterr(err, errlen, "cannot create directory %s: %s", dir,
				    strerror(errno));
				return -1;
			}
			dir[i] = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

/*
 * The directory holding path must not let others swap the file: not writable
 * by group or others unless sticky (like /tmp).
 */
static int
check_parent(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t n;

	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			seterr(err, errlen, "identity path is too long");
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (stat(dir, &st) != 0) {
		seterr(err, errlen, "cannot use directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		seterr(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
		seterr(err, errlen, "directory %s is writable by group or others: refusing to "
		    "keep an identity there (chmod go-w %s)", dir, dir);
		return -1;
	}
	return 0;
}

/* Read an open identity file after ssh-style checks on the descriptor. */
static struct identity *
load_fd(int fd, const char *path, char *err, size_t errlen)
{
	char buf[IDENTITY_MAX_FILE + 1];
	struct identity *id = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t r;

	if (fstat(fd, &st) != 0) {
		seterr(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "identity %s is not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		seterr(err, errlen, "identity %s is owned by uid %lu, not by you (uid %lu)", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		seterr(err, errlen, "permissions %04o for identity %s are too open: it must not "
		    "be accessible by group or others (chmod 600 %s)",
		    (unsigned)(st.st_mode & 07777), path, path);
		goto out;
	}
	for (;;) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == sizeof(buf)) {
			seterr(err, errlen, "identity %s is larger than %d bytes", path,
			    IDENTITY_MAX_FILE);
			goto out;
		}
	}
	if ((id = identity_parse(buf, n, err, errlen)) == NULL) {
		/* Prefix the path: "identity /x: identity file line 3: ..." reads badly. */
		char msg[IDENTITY_ERR_LEN];

		if (err != NULL && errlen > 0) {
			snprintf(msg, sizeof(msg), "%s", err);
			seterr(err, errlen, "%s: %s", path, msg);
		}
	}
out:
	sodium_memzero(buf, sizeof(buf));
	return id;
}

/* Open for reading without following a final symlink or blocking on a FIFO. */
static int
open_existing(const char *path)
{
	return open(path, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

static struct identity *
open_and_load(const char *path, char *err, size_t errlen)
{
	struct identity *id;
	int fd;

	if ((fd = open_existing(path)) < 0) {
		if (errno == ELOOP)
			seterr(err, errlen, "identity %s is a symbolic link: refusing it (give the "
			    "real file with --identity)", path);
		else
			seterr(err, errlen, "cannot open identity %s: %s", path, strerror(errno));
		return NULL;
	}
	id = load_fd(fd, path, err, errlen);
	close(fd);
	return id;
}

struct identity *
identity_load(const char *path, char *err, size_t errlen)
{
	return open_and_load(path, err, errlen);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir))
			return;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);	/* best effort: the file itself is already synced */
		close(fd);
	}
}

/*
 * Write fresh keys to path without replacing anything there. Returns the new
 * identity; *raced is set if another process created path first (then NULL
 * is returned and the caller loads that file).
 */
static struct identity *
create_file(const char *path, int *raced, char *err, size_t errlen)
{
	char tmp[PATH_MAX], text[1024];
	struct identity *id = NULL;
	int fd = -1, n, tmp_made = 0;

	*raced = 0;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		seterr(err, errlen, "identity path is too long");
		goto out;
	}
	if ((id = identity_generate(err, errlen)) == NULL)
		goto out;
	if ((n = identity_format(id, text, sizeof(text))) < 0) {
		seterr(err, errlen, "internal error formatting the identity");
		goto fail;
	}
	/* mkostemp: O_CREAT | O_EXCL, mode 0600, a name nobody could pre-create. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		seterr(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto fail;
	}
	tmp_made = 1;
	if (fchmod(fd, 0600) != 0 || write_all(fd, text, (size_t)n) != 0 || fsync(fd) != 0) {
		seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	/* link() never replaces an existing file, unlike rename(). */
	if (link(tmp, path) != 0) {
		if (errno == EEXIST) {
			*raced = 1;
			goto fail;
		}
		if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK) {
			seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
			goto fail;
		}
		/* No hard links on this file system: rename, after one last look. */
		if (access(path, F_OK) == 0) {
			*raced = 1;
			goto fail;
		}
		if (rename(tmp, path) != 0) {
			seterr(err, errlen, "cannot create %s: %s", path, strerror(errno));
			goto fail;
		}
		tmp_made = 0;
	}
	sync_parent(path);
	goto out;
fail:
	identity_free(id);
	id = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		(void)unlink(tmp);
	sodium_memzero(text, sizeof(text));
	return id;
}

/*
 * A file whose PrivateKey is not the one derived from its SigningKey (made
 * before the two were bound) is rewritten with the derived key: a fresh
 * temporary file in the same directory, synced, renamed over the old one.
 * The fingerprint (the Ed25519 key) stays; the WireGuard key changes. The
 * outcome is one line in id->notice either way: the derived key is used
 * even when the file cannot be rewritten.
 */
static void
migrate(const char *path, struct identity *id)
{
	char tmp[PATH_MAX], text[1024], fp[IDENTITY_FINGERPRINT_LEN + 1];
	const char *fail = NULL;
	int fd = -1, n, saved = 0;

	identity_fingerprint(id->sign_pk, fp);
	n = snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fail = "path too long";
		goto out;
	}
	if ((n = identity_format(id, text, sizeof(text))) < 0) {
		fail = "internal error";
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		fail = strerror(errno);
		goto out;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, text, (size_t)n) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0) {
		fail = strerror(errno);
		fd = -1;
		(void)unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		fail = strerror(errno);
		(void)unlink(tmp);
		goto out;
	}
	sync_parent(path);
	saved = 1;
out:
	if (fd >= 0) {
		close(fd);
		(void)unlink(tmp);
	}
	sodium_memzero(text, sizeof(text));
	if (saved)
		snprintf(id->notice, sizeof(id->notice), "identity %s migrated: the WireGuard key "
		    "is now derived from the signing key (fingerprint %s unchanged, WireGuard "
		    "public key changed; peers running an older gonet will not accept it)", path, fp);
	else
		snprintf(id->notice, sizeof(id->notice), "identity %s: its PrivateKey is not derived "
		    "from its SigningKey and the file could not be rewritten (%s): using the "
		    "derived key anyway (fingerprint %s unchanged)", path, fail, fp);
	id->legacy = 0;
}

struct identity *
identity_load_or_create(const char *path, int *created, char *err, size_t errlen)
{
	char def[PATH_MAX];
	struct identity *id;
	int fd, raced;

	if (created != NULL)
		*created = 0;
	if (path == NULL) {
		if (identity_default_path(def, sizeof(def), err, errlen) != 0 ||
		    make_parents(def, err, errlen) != 0)
			return NULL;
		path = def;
	}
	if (check_parent(path, err, errlen) != 0)
		return NULL;
	if ((fd = open_existing(path)) >= 0) {
		id = load_fd(fd, path, err, errlen);
		close(fd);
		if (id != NULL && id->legacy)
			migrate(path, id);
		return id;
	}
	if (errno != ENOENT)
		return open_and_load(path, err, errlen);	/* for its message */
	id = create_file(path, &raced, err, errlen);
	if (id == NULL && raced) {
		if ((id = open_and_load(path, err, errlen)) != NULL && id->legacy)
			migrate(path, id);
		return id;
	}
	if (id != NULL && created != NULL)
		*created = 1;
	return id;
}
