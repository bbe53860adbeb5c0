/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cfgfile.c — the configuration file (cfgfile.h): a table of keys, one
 * bounded line parser, and the checks on the file before a byte of it is
 * believed.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "dht/wire/utf8.h"
#include "src/cli/cfgfile.h"
#include "src/ui/sanitize.h"
#include "tunnel/net/endpoint.h"
#include "tunnel/turn/turn_uri.h"

/* What a value is checked as; why is a sentence fragment on failure. */
typedef int (*check_fn)(const char *v, size_t len, const char **why);

struct key_def {
	const char *name;
	enum cfgfile_key key;
	unsigned max;			/* 1: once; more: repeatable up to this */
	check_fn check;
};

static int check_nick(const char *v, size_t len, const char **why);
static int check_hostport(const char *v, size_t len, const char **why);
static int check_turn(const char *v, size_t len, const char **why);
static int check_port(const char *v, size_t len, const char **why);
static int check_url(const char *v, size_t len, const char **why);
static int check_dir(const char *v, size_t len, const char **why);
static int check_yesno(const char *v, size_t len, const char **why);

static const struct key_def keys[CFG__COUNT] = {
	{ "nick", CFG_NICK, 1, check_nick },
	{ "bootstrap", CFG_BOOTSTRAP, CFGFILE_MAX_BOOTSTRAP, check_hostport },
	{ "stun", CFG_STUN, CFGFILE_MAX_STUN, check_hostport },
	{ "turn", CFG_TURN, CFGFILE_MAX_TURN, check_turn },
	{ "port", CFG_PORT, 1, check_port },
	{ "dht-port", CFG_DHT_PORT, 1, check_port },
	{ "dht-proxy", CFG_DHT_PROXY, 1, check_url },
	{ "download-dir", CFG_DOWNLOAD_DIR, 1, check_dir },
	{ "dht-hybrid", CFG_DHT_HYBRID, 1, check_yesno },
};

const char *
cfgfile_key_name(enum cfgfile_key k)
{
	return (unsigned)k < CFG__COUNT ? keys[k].name : "unknown";
}

/* --- value checks (the options' own rules) --------------------------------------- */

static int
check_nick(const char *v, size_t len, const char **why)
{
	if (len > RECORD_MAX_NICK) {
		*why = "a nick is at most 32 bytes";
		return -1;
	}
	return 0;		/* UTF-8 and plain: every value is */
}

static int
check_hostport(const char *v, size_t len, const char **why)
{
	char host[CFGFILE_HOSTPORT_MAX + 1];
	uint16_t port;

	if (len == 4 && memcmp(v, "none", 4) == 0)
		return 0;
	if (len > CFGFILE_HOSTPORT_MAX || memchr(v, ' ', len) != NULL ||
	    memchr(v, '\t', len) != NULL ||
	    endpoint_parse_hostport(v, host, sizeof(host), 1, &port) != 0) {
		*why = "want HOST[:PORT] (or none)";
		return -1;
	}
	return 0;
}

static int
check_turn(const char *v, size_t len, const char **why)
{
	struct turn_uri u;
	enum turn_uri_err e;

	(void)len;
	e = turn_uri_parse(v, &u);
	turn_uri_wipe(&u);
	if (e != TURN_URI_OK) {
		*why = turn_uri_err_str(e);
		return -1;
	}
	return 0;
}

static int
check_port(const char *v, size_t len, const char **why)
{
	unsigned long p = 0;
	size_t i;

	for (i = 0; i < len && i < 6; i++) {
		if (v[i] < '0' || v[i] > '9')
			break;
		p = p * 10 + (unsigned long)(v[i] - '0');
	}
	if (i != len || len > 5 || p > 65535) {
		*why = "a port is a number from 0 to 65535";
		return -1;
	}
	return 0;
}

/* http:// or https:// and printable ASCII: the DHT proxy (--dht-proxy). */
static int
check_url(const char *v, size_t len, const char **why)
{
	size_t i, skip;

	if (len > 7 && memcmp(v, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && memcmp(v, "https://", 8) == 0)
		skip = 8;
	else
		skip = 0;
	for (i = skip; skip > 0 && i < len; i++)
		if (v[i] <= ' ' || v[i] > '~')
			break;
	if (skip == 0 || i != len) {
		*why = "want an http:// or https:// URL";
		return -1;
	}
	return 0;
}

/* A directory: absolute, or under the home directory ("~/..."). */
static int
check_dir(const char *v, size_t len, const char **why)
{
	if (!(len >= 1 && v[0] == '/') && !(len >= 2 && v[0] == '~' && v[1] == '/')) {
		*why = "want an absolute path (or one starting with ~/)";
		return -1;
	}
	return 0;
}

static int
check_yesno(const char *v, size_t len, const char **why)
{
	if ((len == 3 && memcmp(v, "yes", 3) == 0) || (len == 2 && memcmp(v, "no", 2) == 0))
		return 0;
	*why = "want yes or no";
	return -1;
}

/* --- the parser ----------------------------------------------------------------------- */

struct parse {
	struct cfgfile *c;
	const char *name;
	unsigned line;
	unsigned first_line[CFG__COUNT];
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parse *ps, const char *fmt, ...)
{
	char why[CFGFILE_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->name, ps->line, why);
	return -1;
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * A key is read as printable ASCII up to a blank or '=' (so that a
 * misspelt one is named in the error, safely); only [a-z0-9-] can be known.
 */
static int
is_key_char(char ch)
{
	return ch > ' ' && ch <= '~' && ch != '=';
}

/* Where the value of key goes, and its room (NULL for a port). */
static char *
slot(struct cfgfile *c, enum cfgfile_key k, size_t *cap)
{
	switch (k) {
	case CFG_NICK:
		*cap = sizeof(c->nick);
		return c->nick;
	case CFG_BOOTSTRAP:
		*cap = sizeof(c->bootstrap[0]);
		return c->bootstrap[c->nbootstrap++];
	case CFG_STUN:
		*cap = sizeof(c->stun[0]);
		return c->stun[c->nstun++];
	case CFG_TURN:
		*cap = sizeof(c->turn[0]);
		return c->turn[c->nturn++];
	case CFG_DHT_PROXY:
		*cap = sizeof(c->dht_proxy);
		return c->dht_proxy;
	case CFG_DOWNLOAD_DIR:
		*cap = sizeof(c->download_dir);
		return c->download_dir;
	default:
		*cap = 0;
		return NULL;
	}
}

static unsigned
count_of(const struct cfgfile *c, enum cfgfile_key k)
{
	switch (k) {
	case CFG_BOOTSTRAP:
		return c->nbootstrap;
	case CFG_STUN:
		return c->nstun;
	case CFG_TURN:
		return c->nturn;
	default:
		return (c->have >> k) & 1;
	}
}

/* The first entry of a list, when it is "none". */
static int
list_is_none(const struct cfgfile *c, enum cfgfile_key k)
{
	return (k == CFG_BOOTSTRAP && c->nbootstrap > 0 && strcmp(c->bootstrap[0], "none") == 0) ||
	    (k == CFG_STUN && c->nstun > 0 && strcmp(c->stun[0], "none") == 0);
}

/* One setting: key[0..klen) = v[0..vlen), both already trimmed. */
static int
setting(struct parse *ps, const char *key, size_t klen, const char *v, size_t vlen)
{
	struct cfgfile *c = ps->c;
	const struct key_def *d = NULL;
	const char *why = NULL;
	char value[CFGFILE_VALUE_MAX + 1], *dst;
	size_t i, cap;
	int none;

	for (i = 0; i < CFG__COUNT; i++)
		if (strlen(keys[i].name) == klen && memcmp(keys[i].name, key, klen) == 0)
			d = &keys[i];
	if (d == NULL)
		return fail(ps, "unknown key \"%.*s\" (known: nick, bootstrap, stun, turn, port, "
		    "dht-port, dht-proxy, download-dir, dht-hybrid)", (int)klen, key);
	if (vlen == 0)
		return fail(ps, "%s: no value", d->name);
	if (vlen > CFGFILE_VALUE_MAX)
		return fail(ps, "%s: value longer than %d bytes", d->name, CFGFILE_VALUE_MAX);
	if (!utf8_valid((const uint8_t *)v, vlen))
		return fail(ps, "%s: value is not UTF-8", d->name);
	if (!sanitize_is_plain((const uint8_t *)v, vlen))
		return fail(ps, "%s: value has a control or bidirectional formatting character",
		    d->name);
	if (d->max == 1 && (c->have >> d->key & 1))
		return fail(ps, "%s given twice (first on line %u)", d->name,
		    ps->first_line[d->key]);
	if (count_of(c, d->key) == d->max)
		return fail(ps, "%s: more than %u", d->name, d->max);
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	none = vlen == 4 && memcmp(v, "none", 4) == 0;
	if ((none && count_of(c, d->key) > 0) || list_is_none(c, d->key)) {
		sodium_memzero(value, sizeof(value));
		return fail(ps, "%s: \"none\" cannot be given with others", d->name);
	}
	if (d->check(value, vlen, &why) != 0) {
		sodium_memzero(value, sizeof(value));
		return fail(ps, "%s: %s", d->name, why);
	}
	if (!(c->have >> d->key & 1))
		ps->first_line[d->key] = ps->line;
	c->have |= 1u << d->key;
	if (d->key == CFG_PORT || d->key == CFG_DHT_PORT) {
		*(d->key == CFG_PORT ? &c->port : &c->dht_port) = (uint16_t)strtoul(value, NULL, 10);
		return 0;
	}
	if (d->key == CFG_DHT_HYBRID) {
		c->dht_hybrid = strcmp(value, "yes") == 0;
		return 0;
	}
	dst = slot(c, d->key, &cap);
	memcpy(dst, value, vlen + 1);	/* vlen < cap: checked against each key's limit */
	sodium_memzero(value, sizeof(value));
	return 0;
}

static int
parse_line(struct parse *ps, const char *s, size_t len)
{
	size_t k, klen, v;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	for (k = 0; k < len && is_blank(s[k]); k++)
		;
	if (k == len || s[k] == '#')
		return 0;
	for (klen = 0; k + klen < len && is_key_char(s[k + klen]); klen++)
		;
	if (klen == 0)
		return fail(ps, "expected KEY = VALUE");
	if (klen > CFGFILE_KEY_MAX)
		return fail(ps, "key longer than %d bytes", CFGFILE_KEY_MAX);
	for (v = k + klen; v < len && is_blank(s[v]); v++)
		;
	if (v == len || s[v] != '=')
		return fail(ps, "expected KEY = VALUE");
	for (v++; v < len && is_blank(s[v]); v++)
		;
	return setting(ps, s + k, klen, s + v, len - v);
}

int
cfgfile_parse(struct cfgfile *c, const char *buf, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct parse ps;
	const char *nul, *nl;
	size_t off = 0, n;

	memset(c, 0, sizeof(*c));
	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	ps.name = name;
	ps.err = err;
	ps.errlen = errlen;
	if (len > CFGFILE_SIZE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", name, CFGFILE_SIZE_MAX);
		return -1;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		for (ps.line = 1, n = 0; n < (size_t)(nul - buf); n++)
			ps.line += buf[n] == '\n';
		fail(&ps, "a NUL byte");
		goto err;
	}
	while (off < len) {
		ps.line++;
		nl = memchr(buf + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		if (n > CFGFILE_LINE_MAX) {
			fail(&ps, "line longer than %d bytes", CFGFILE_LINE_MAX);
			goto err;
		}
		if (parse_line(&ps, buf + off, n) != 0)
			goto err;
		off += n + (nl != NULL);
	}
	return 0;
err:
	cfgfile_wipe(c);
	return -1;
}

/* --- the file ----------------------------------------------------------------------- */

int
cfgfile_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct passwd *pw;
	int n;

	/* As for the identity: a relative XDG_CONFIG_HOME is ignored. */
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/gonet/config", xdg);
	} else {
		if (home == NULL || home[0] != '/') {
			if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL ||
			    pw->pw_dir[0] != '/')
				return -1;
			home = pw->pw_dir;
		}
		n = snprintf(buf, len, "%s/.config/gonet/config", home);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
cfgfile_load(struct cfgfile *c, const char *path, int required, int *found, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r = -1;

	memset(c, 0, sizeof(*c));
	*found = 0;
	/* O_NONBLOCK: a FIFO put there must not hang us (it is refused below). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errlen, "cannot open the config file %s: %s", path, strerror(errno));
		return -1;
	}
	*found = 1;
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat the config file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "the config file %s is not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "the config file %s belongs to another user (uid %u)", path,
		    (unsigned)st.st_uid);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "the config file %s is writable by group or others: "
		    "refused (chmod go-w %s)", path, path);
		goto out;
	}
	if (st.st_size > CFGFILE_SIZE_MAX) {
		snprintf(err, errlen, "the config file %s is larger than %d bytes", path,
		    CFGFILE_SIZE_MAX);
		goto out;
	}
	/* One byte more than the limit: a file that grew since fstat is caught too. */
	if ((buf = malloc(CFGFILE_SIZE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (len <= CFGFILE_SIZE_MAX &&
	    (n = read(fd, buf + len, CFGFILE_SIZE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read the config file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (cfgfile_parse(c, buf, len, path, err, errlen) != 0)
		goto out;
	if (cfgfile_has_secrets(c) && (st.st_mode & (S_IRGRP | S_IROTH))) {
		cfgfile_wipe(c);
		snprintf(err, errlen, "the config file %s holds TURN credentials and group or others "
		    "can read it: refused (chmod 600 %s)", path, path);
		goto out;
	}
	r = 0;
out:
	if (buf != NULL) {
		sodium_memzero(buf, CFGFILE_SIZE_MAX + 1);
		free(buf);
	}
	close(fd);
	return r;
}

int
cfgfile_has_secrets(const struct cfgfile *c)
{
	return c->nturn > 0;
}

/* --- writing ------------------------------------------------------------------------ */

/* A TURN URI with its password masked: turn:USER:********@HOST:PORT. */
static void
write_turn(FILE *f, const char *uri)
{
	struct turn_uri u;
	const unsigned char *p;

	if (turn_uri_parse(uri, &u) != TURN_URI_OK) {
		fprintf(f, "turn = (unreadable)\n");
		return;
	}
	fprintf(f, "turn = turn:");
	for (p = (const unsigned char *)u.user; *p != '\0'; p++) {
		if (*p == '%' || *p == ':' || *p == '@' || *p <= ' ' || *p >= 0x7f)
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	}
	fprintf(f, ":" CFGFILE_MASK "@%s%s%s:%u\n", strchr(u.host, ':') != NULL ? "[" : "",
	    u.host, strchr(u.host, ':') != NULL ? "]" : "", u.port);
	turn_uri_wipe(&u);
}

void
cfgfile_write(FILE *f, const struct cfgfile *c)
{
	unsigned i;

	if (c->have & 1u << CFG_NICK)
		fprintf(f, "nick = %s\n", c->nick);
	for (i = 0; i < c->nbootstrap; i++)
		fprintf(f, "bootstrap = %s\n", c->bootstrap[i]);
	for (i = 0; i < c->nstun; i++)
		fprintf(f, "stun = %s\n", c->stun[i]);
	for (i = 0; i < c->nturn; i++)
		write_turn(f, c->turn[i]);
	if (c->have & 1u << CFG_PORT)
		fprintf(f, "port = %u\n", c->port);
	if (c->have & 1u << CFG_DHT_PORT)
		fprintf(f, "dht-port = %u\n", c->dht_port);
	if (c->have & 1u << CFG_DHT_PROXY)
		fprintf(f, "dht-proxy = %s\n", c->dht_proxy);
	if (c->have & 1u << CFG_DOWNLOAD_DIR)
		fprintf(f, "download-dir = %s\n", c->download_dir);
	if (c->have & 1u << CFG_DHT_HYBRID)
		fprintf(f, "dht-hybrid = %s\n", c->dht_hybrid ? "yes" : "no");
}

void
cfgfile_wipe(struct cfgfile *c)
{
	sodium_memzero(c, sizeof(*c));
}
