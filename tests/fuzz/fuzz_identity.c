/* fuzz-sources: src/identity/identity.c src/identity/b64key.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_identity.c — identity_parse() on arbitrary file contents. Whatever it
 * accepts must format back to a file that parses to the same keys.
 */
#include "config.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "src/identity/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[IDENTITY_ERR_LEN], text[1024];
	struct identity *a, *b;
	int n;

	a = identity_parse((const char *)data, size, err, sizeof(err));
	if (a == NULL) {
		assert(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		return 0;
	}
	n = identity_format(a, text, sizeof(text));
	assert(n > 0);
	b = identity_parse(text, (size_t)n, err, sizeof(err));
	assert(b != NULL);
	assert(memcmp(identity_sign_sk(a), identity_sign_sk(b), 64) == 0);
	assert(memcmp(identity_wg_private(a), identity_wg_private(b), 32) == 0);
	assert(memcmp(identity_wg_public(a), identity_wg_public(b), 32) == 0);
	identity_free(a);
	identity_free(b);
	return 0;
}
