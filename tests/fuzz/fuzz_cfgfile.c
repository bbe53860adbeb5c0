/* fuzz-sources: src/cli/cfgfile.c src/ui/sanitize.c dht/wire/utf8.c tunnel/net/endpoint.c tunnel/turn/turn_uri.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_cfgfile.c — the configuration file parser (src/cli/cfgfile.c) on
 * arbitrary bytes. Checked: every string it keeps is NUL-terminated within
 * its field, counts within their limits, a refused file leaves the struct
 * zeroed, and an accepted one written back (--print-config, passwords
 * masked) parses to the same settings.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli/cfgfile.h"

static void
check_str(const char *s, size_t cap)
{
	assert(memchr(s, '\0', cap) != NULL);
}

static void
check(const struct cfgfile *c)
{
	unsigned i;

	assert(c->nbootstrap <= CFGFILE_MAX_BOOTSTRAP && c->nstun <= CFGFILE_MAX_STUN &&
	    c->nturn <= CFGFILE_MAX_TURN);
	assert(c->have < 1u << CFG__COUNT);
	check_str(c->nick, sizeof(c->nick));
	check_str(c->dht_proxy, sizeof(c->dht_proxy));
	for (i = 0; i < c->nbootstrap; i++)
		check_str(c->bootstrap[i], sizeof(c->bootstrap[i]));
	for (i = 0; i < c->nstun; i++)
		check_str(c->stun[i], sizeof(c->stun[i]));
	for (i = 0; i < c->nturn; i++)
		check_str(c->turn[i], sizeof(c->turn[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfgfile c, d, zero;
	char err[CFGFILE_ERR_LEN], *out = NULL;
	size_t len = 0;
	unsigned i;
	FILE *f;

	if (cfgfile_parse(&c, (const char *)data, size, "fuzz", err, sizeof(err)) != 0) {
		assert(memcmp(&c, &zero, sizeof(c)) == 0);
		assert(strncmp(err, "fuzz:", 5) == 0);
		return 0;
	}
	check(&c);
	if ((f = open_memstream(&out, &len)) == NULL)
		return 0;
	cfgfile_write(f, &c);
	fclose(f);
	if (cfgfile_parse(&d, out, len, "out", err, sizeof(err)) != 0) {
		fprintf(stderr, "written back, refused: %s\n%s", err, out);
		abort();
	}
	assert(d.have == c.have && d.nbootstrap == c.nbootstrap && d.nstun == c.nstun &&
	    d.nturn == c.nturn && d.port == c.port && d.dht_port == c.dht_port);
	assert(strcmp(d.nick, c.nick) == 0 && strcmp(d.dht_proxy, c.dht_proxy) == 0);
	for (i = 0; i < c.nbootstrap; i++)
		assert(strcmp(d.bootstrap[i], c.bootstrap[i]) == 0);
	for (i = 0; i < c.nstun; i++)
		assert(strcmp(d.stun[i], c.stun[i]) == 0);
	for (i = 0; i < d.nturn; i++)
		assert(strstr(d.turn[i], CFGFILE_MASK "@") != NULL);
	free(out);
	cfgfile_wipe(&c);
	cfgfile_wipe(&d);
	return 0;
}
