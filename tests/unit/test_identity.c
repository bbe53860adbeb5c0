/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_identity.c — src/identity/identity.c and src/identity/b64key.c: creation (mode 0600,
 * directories 0700), reload, refusal of loose permissions and symlinks,
 * paranoid parsing, the fingerprint format, and `wg pubkey` agreement when
 * wg is installed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "src/identity/b64key.h"
#include "src/identity/identity.h"
#include "tests/check.h"

static char dir[] = "/tmp/gonet-test-identity-XXXXXX";
static char err[IDENTITY_ERR_LEN];

static void
path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	unlink(path);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static void
test_b64key(void)
{
	uint8_t k[32], k2[32];
	char s[B64KEY_LEN + 1];
	size_t i;

	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 7);
	b64key_encode(k, s);
	CHECK(strlen(s) == 44 && s[43] == '=');
	CHECK(b64key_decode(s, 44, k2) == 0 && memcmp(k, k2, 32) == 0);
	/* all zeros: the WireGuard spelling */
	memset(k, 0, 32);
	b64key_encode(k, s);
	CHECK(strcmp(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") == 0);
	CHECK(b64key_decode(s, 43, k2) != 0);				/* short */
	CHECK(b64key_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=", 44, k2) != 0);	/* bits */
	CHECK(b64key_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 44, k2) != 0);	/* 31 B */
	CHECK(b64key_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 44, k2) != 0);	/* pad */
	CHECK(b64key_decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-=", 44, k2) != 0);	/* url */
	CHECK(b64key_decode("AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA=", 44, k2) != 0);	/* space */
	CHECK(sodium_is_zero(k2, 32));
}

static void
test_fingerprint(void)
{
	uint8_t pk[32], h[32];
	char fp[IDENTITY_FINGERPRINT_LEN + 1], want[20];
	size_t i;

	memset(pk, 0, sizeof(pk));
	identity_fingerprint(pk, fp);
	/* BLAKE2b-256 of 32 zero bytes begins 89eb0d6a8a691dae (Python hashlib) */
	CHECK(strcmp(fp, "89eb-0d6a-8a69-1dae") == 0);
	for (i = 0; i < 32; i++)
		pk[i] = (uint8_t)i;
	identity_fingerprint(pk, fp);
	crypto_generichash(h, 32, pk, 32, NULL, 0);
	snprintf(want, sizeof(want), "%02x%02x-%02x%02x-%02x%02x-%02x%02x", h[0], h[1], h[2], h[3],
	    h[4], h[5], h[6], h[7]);
	CHECK(strcmp(fp, want) == 0);
	CHECK(strlen(fp) == 19 && fp[4] == '-' && fp[9] == '-' && fp[14] == '-');
	for (i = 0; i < 19; i++)
		CHECK(fp[i] == '-' || (fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f'));
}

/* `wg pubkey` must print our X25519 public key for our PrivateKey line. */
static void
check_wg_pubkey(const struct identity *id)
{
	char cmd[256], b64[B64KEY_LEN + 1], out[128] = "", want[B64KEY_LEN + 1];
	FILE *p;

	if (system("command -v wg >/dev/null 2>&1") != 0) {
		printf("test_identity: wg not installed, skipping the wg pubkey check\n");
		return;
	}
	b64key_encode(identity_wg_private(id), b64);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | wg pubkey", b64);
	if ((p = popen(cmd, "r")) == NULL) {
		CHECK(!"popen wg pubkey");
		return;
	}
	if (fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	CHECK(pclose(p) == 0);
	out[strcspn(out, "\n")] = '\0';
	b64key_encode(identity_wg_public(id), want);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  wg pubkey: %s\n  ours:      %s\n", out, want);
	CHECK(strcmp(out, want) == 0);
}

static void
test_create_reload(void)
{
	char path[256], xdg[256], text[1024];
	struct identity *a, *b;
	struct stat st;
	int created = -1;
	FILE *f;
	size_t n;

	/* default path under $XDG_CONFIG_HOME, directories made 0700 */
	path_in(xdg, sizeof(xdg), "xdg");
	setenv("XDG_CONFIG_HOME", xdg, 1);
	CHECK(identity_default_path(path, sizeof(path), err, sizeof(err)) == 0);
	CHECK(strcmp(path + strlen(dir), "/xdg/gonet/identity") == 0);
	a = identity_load_or_create(NULL, &created, err, sizeof(err));
	CHECK(a != NULL && created == 1);
	if (a == NULL) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600);
	path_in(xdg, sizeof(xdg), "xdg/gonet");
	CHECK(stat(xdg, &st) == 0 && (st.st_mode & 07777) == 0700);
	path_in(xdg, sizeof(xdg), "xdg");
	CHECK(stat(xdg, &st) == 0 && (st.st_mode & 07777) == 0700);

	/* the file has exactly the two key lines (plus comments) */
	f = fopen(path, "r");
	CHECK(f != NULL);
	n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	CHECK(strstr(text, "\nSigningKey = ") != NULL && strstr(text, "\nPrivateKey = ") != NULL);

	/* the X25519 key is clamped like wg genkey */
	CHECK((identity_wg_private(a)[0] & 7) == 0);
	CHECK((identity_wg_private(a)[31] & 0xc0) == 0x40);

	/* reload: same keys, not created again */
	b = identity_load_or_create(NULL, &created, err, sizeof(err));
	CHECK(b != NULL && created == 0);
	if (b != NULL) {
		CHECK(memcmp(identity_sign_pk(a), identity_sign_pk(b), 32) == 0);
		CHECK(memcmp(identity_sign_sk(a), identity_sign_sk(b), 64) == 0);
		CHECK(memcmp(identity_wg_private(a), identity_wg_private(b), 32) == 0);
		CHECK(memcmp(identity_wg_public(a), identity_wg_public(b), 32) == 0);
	}
	identity_free(b);
	b = identity_load(path, err, sizeof(err));
	CHECK(b != NULL && memcmp(identity_sign_pk(a), identity_sign_pk(b), 32) == 0);
	identity_free(b);

	/* the signing key works and matches its public half */
	{
		uint8_t sig[64];
		static const uint8_t m[] = "hello";

		crypto_sign_detached(sig, NULL, m, sizeof(m), identity_sign_sk(a));
		CHECK(crypto_sign_verify_detached(sig, m, sizeof(m), identity_sign_pk(a)) == 0);
	}
	check_wg_pubkey(a);

	/* an explicit path is created too; its directory must exist */
	path_in(path, sizeof(path), "explicit");
	b = identity_load_or_create(path, &created, err, sizeof(err));
	CHECK(b != NULL && created == 1);
	CHECK(b == NULL || memcmp(identity_sign_pk(a), identity_sign_pk(b), 32) != 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	identity_free(b);
	path_in(path, sizeof(path), "nodir/identity");
	CHECK(identity_load_or_create(path, &created, err, sizeof(err)) == NULL);
	identity_free(a);

	/* no temporary files left behind */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "{ ls -A %s; ls -A %s/xdg/gonet; } | grep -q '[.]tmp-'",
		    dir, dir);
		CHECK(system(cmd) != 0);
	}
}

#define SK "SigningKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
#define PK "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"

/*
 * A file from before the keys were bound (a random PrivateKey) is rewritten
 * with the derived key and says so once; the fingerprint does not move.
 */
static void
test_migrate(void)
{
	static const char old[] = "# gonet identity\n" SK PK;
	char path[256], text[1024], fp_a[IDENTITY_FINGERPRINT_LEN + 1];
	char fp_b[IDENTITY_FINGERPRINT_LEN + 1];
	struct identity *a, *b;
	struct stat st;
	int created = -1;
	FILE *f;
	size_t n;

	path_in(path, sizeof(path), "legacy");
	CHECK(write_file(path, old, 0600) == 0);
	a = identity_load_or_create(path, &created, err, sizeof(err));
	CHECK(a != NULL && created == 0);
	if (a == NULL)
		return;
	CHECK(identity_notice(a) != NULL && strstr(identity_notice(a), "migrated") != NULL &&
	    strstr(identity_notice(a), path) != NULL && strchr(identity_notice(a), '\n') == NULL);
	identity_fingerprint(identity_sign_pk(a), fp_a);
	CHECK(strstr(identity_notice(a), fp_a) != NULL);
	f = fopen(path, "r");
	n = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	text[n] = '\0';
	CHECK(strstr(text, "\nSigningKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n") != NULL);
	CHECK(strstr(text, "\nPrivateKey = OJTupJxYCu+BaTV2K+BJVZ1tFEDe3hLmoSXxhB//jm8=\n") != NULL);
	CHECK(strstr(text, "yAnz5TF") == NULL);	/* the old key is gone */
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* loaded again: nothing to say, same keys */
	b = identity_load_or_create(path, &created, err, sizeof(err));
	CHECK(b != NULL && identity_notice(b) == NULL);
	if (b != NULL) {
		identity_fingerprint(identity_sign_pk(b), fp_b);
		CHECK(strcmp(fp_a, fp_b) == 0);
		CHECK(memcmp(identity_wg_public(a), identity_wg_public(b), 32) == 0);
	}
	check_wg_pubkey(a);
	identity_free(a);
	identity_free(b);
}

static void
test_refuse(void)
{
	char path[256], link_path[256], text[1024];
	struct identity *id;
	int created;

	id = identity_generate(err, sizeof(err));
	CHECK(id != NULL);
	if (id == NULL)
		return;
	CHECK(identity_format(id, text, sizeof(text)) > 0);
	CHECK(identity_format(id, text, 50) == -1);
	CHECK(identity_format(id, text, sizeof(text)) > 0);
	path_in(path, sizeof(path), "loose");

	CHECK(write_file(path, text, 0644) == 0);
	CHECK(identity_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "permissions 0644") != NULL && strstr(err, "too open") != NULL &&
	    strstr(err, "chmod 600") != NULL);
	CHECK(identity_load_or_create(path, &created, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "too open") != NULL);
	CHECK(chmod(path, 0640) == 0 && identity_load(path, err, sizeof(err)) == NULL);
	CHECK(chmod(path, 0604) == 0 && identity_load(path, err, sizeof(err)) == NULL);
	CHECK(chmod(path, 0601) == 0 && identity_load(path, err, sizeof(err)) == NULL);
	CHECK(chmod(path, 0610) == 0 && identity_load(path, err, sizeof(err)) == NULL);
	CHECK(chmod(path, 0400) == 0);
	identity_free(identity_load(path, err, sizeof(err)));
	CHECK(chmod(path, 0600) == 0);
	{
		struct identity *b = identity_load(path, err, sizeof(err));

		CHECK(b != NULL && memcmp(identity_sign_pk(b), identity_sign_pk(id), 32) == 0);
		identity_free(b);
	}

	/* a symlink is refused, even to a good file */
	path_in(link_path, sizeof(link_path), "link");
	CHECK(symlink(path, link_path) == 0);
	CHECK(identity_load(link_path, err, sizeof(err)) == NULL && strstr(err, "symbolic link"));
	CHECK(identity_load_or_create(link_path, &created, err, sizeof(err)) == NULL);
	/* a dangling symlink is not "missing": nothing is created through it */
	path_in(path, sizeof(path), "dangling");
	path_in(link_path, sizeof(link_path), "target-not-there");
	CHECK(symlink(link_path, path) == 0);
	CHECK(identity_load_or_create(path, &created, err, sizeof(err)) == NULL);
	CHECK(access(link_path, F_OK) != 0);

	/* a directory */
	path_in(path, sizeof(path), "adir");
	CHECK(mkdir(path, 0700) == 0);
	CHECK(identity_load(path, err, sizeof(err)) == NULL && strstr(err, "not a regular file"));

	/* a group-writable directory is not a safe home for it */
	path_in(path, sizeof(path), "gw");
	CHECK(mkdir(path, 0700) == 0 && chmod(path, 0770) == 0);
	path_in(path, sizeof(path), "gw/identity");
	CHECK(identity_load_or_create(path, &created, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "writable by group or others") != NULL);

	identity_free(id);
}

struct parse_case {
	const char *text;
	const char *err;		/* substring; NULL: must parse */
};


static void
test_parse(void)
{
	static const struct parse_case cases[] = {
		{ SK PK, NULL },
		{ "# comment\n\n" PK "  \t\n" SK, NULL },			/* order, blanks */
		{ "SigningKey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n" PK, NULL },
		{ SK PK "Foo = bar\n", "line 3: unknown key" },
		{ SK "signingkey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n" PK,
		  "line 2: unknown key" },
		{ SK SK PK, "line 2: SigningKey given twice" },
		{ SK PK PK, "line 3: PrivateKey given twice" },
		{ SK, NULL },		/* PrivateKey is derived; the line is optional */
		{ "PrivateKey = OJTupJxYCu+BaTV2K+BJVZ1tFEDe3hLmoSXxhB//jm8=\n" SK, NULL },
		{ PK, "no SigningKey line" },
		{ "", "no SigningKey line" },
		{ SK "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm=\n",
		  "line 2: PrivateKey is not a 32-byte key" },			/* 43 chars */
		{ SK "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmkA\n",
		  "line 2: PrivateKey is not a 32-byte key" },			/* no pad */
		{ SK "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3f!mk=\n",
		  "line 2: PrivateKey is not a 32-byte key" },			/* bad char */
		{ SK "PrivateKey = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIj\n",
		  "line 2: PrivateKey is not a 32-byte key" },			/* 36 bytes */
		{ SK "PrivateKey = \n", "line 2: PrivateKey is not a 32-byte key" },
		{ SK "PrivateKey\n", "line 2: expected \"Key = value\"" },
		{ SK "= x\n", "line 2: expected \"Key = value\"" },
		{ "[Interface]\n" SK PK, "line 1: expected \"Key = value\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct identity *id;

		err[0] = '\0';
		id = identity_parse(cases[i].text, strlen(cases[i].text), err, sizeof(err));
		if (cases[i].err == NULL) {
			if (id == NULL)
				fprintf(stderr, "  case %zu: %s\n", i, err);
			CHECK(id != NULL);
		} else {
			if (id != NULL || strstr(err, cases[i].err) == NULL)
				fprintf(stderr, "  case %zu: got \"%s\", want \"%s\"\n", i, err,
				    cases[i].err);
			CHECK(id == NULL && strstr(err, cases[i].err) != NULL);
		}
		identity_free(id);
	}
	/* NUL byte, oversize */
	{
		static const char nul[] = SK "\0" PK;
		char *big = malloc(IDENTITY_MAX_FILE + 2);

		CHECK(identity_parse(nul, sizeof(nul) - 1, err, sizeof(err)) == NULL &&
		    strstr(err, "NUL"));
		if (big != NULL) {
			memset(big, '#', IDENTITY_MAX_FILE + 1);
			CHECK(identity_parse(big, IDENTITY_MAX_FILE + 1, err, sizeof(err)) == NULL &&
			    strstr(err, "larger"));
			free(big);
		}
	}
	/* seed 00..1f gives the Ed25519 key of test_record.c's vector */
	{
		static const char both[] = SK PK;
		struct identity *id = identity_parse(both, sizeof(both) - 1, err, sizeof(err));
		char hex[65];
		uint8_t pk_x[32];

		CHECK(id != NULL);
		if (id != NULL) {
			sodium_bin2hex(hex, sizeof(hex), identity_sign_pk(id), 32);
			CHECK(strcmp(hex, "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8") == 0);
			/*
			 * doc/PROTOCOL.md "Identity" vector: the WireGuard key is
			 * derived from the seed, whatever PrivateKey says (here a
			 * random one from `wg genkey`, as files before 0.x had).
			 */
			{
				char pub[B64KEY_LEN + 1];

				sodium_bin2hex(hex, sizeof(hex), identity_wg_private(id), 32);
				CHECK(strcmp(hex, "3894eea49c580aef816935762be049559d6d1440dede12e6a125f1841fff8e6f") == 0);
				sodium_bin2hex(hex, sizeof(hex), identity_wg_public(id), 32);
				CHECK(strcmp(hex, "4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01") == 0);
				b64key_encode(identity_wg_public(id), pub);
				CHECK(strcmp(pub, "RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE=") == 0);
				if (strcmp(pub, "RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE=") != 0)
					fprintf(stderr, "  pub %s\n", pub);
				CHECK(identity_wg_of(pk_x, identity_sign_pk(id)) == 0 &&
				    memcmp(pk_x, identity_wg_public(id), 32) == 0);
				CHECK(identity_notice(id) == NULL);	/* parsing rewrites nothing */
			}
			check_wg_pubkey(id);
		}
		identity_free(id);
	}
	/* a malformed file on disk names the file and the line */
	{
		char path[256];

		path_in(path, sizeof(path), "bad");
		CHECK(write_file(path, SK "Bogus = 1\n", 0600) == 0);
		CHECK(identity_load(path, err, sizeof(err)) == NULL);
		CHECK(strstr(err, path) != NULL && strstr(err, "line 2") != NULL);
	}
}

int
main(void)
{
	char cmd[256];
	int rc;

	if (sodium_init() < 0)
		return 99;
	umask(022);			/* creation must not depend on a strict umask */
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_b64key();
	test_fingerprint();
	test_create_reload();
	test_refuse();
	test_parse();
	test_migrate();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = system(cmd);
	(void)rc;
	return check_exit("test_identity");
}
