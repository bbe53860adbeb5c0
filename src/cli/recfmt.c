/* SPDX-License-Identifier: GPL-3.0-or-later */
/* recfmt.c — endpoint records as text (recfmt.h). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "src/identity/b64key.h"
#include "src/identity/identity.h"
#include "src/ui/json.h"
#include "src/ui/sanitize.h"
#include "src/cli/recfmt.h"
#include "dht/record/record.h"

const char *
recfmt_cand_kind(unsigned kind)
{
	switch (kind) {
	case CAND_HOST:		return "host";
	case CAND_SRFLX:	return "srflx";
	case CAND_DHT:		return "dht";
	case CAND_MAPPED:	return "mapped";
	case CAND_RELAY:	return "relay";
	}
	return "unknown";
}

void
recfmt_cand_addr(const struct cand *c, char out[RECFMT_ADDR_LEN])
{
	char a[INET6_ADDRSTRLEN];

	if (c->family == 4) {
		inet_ntop(AF_INET, c->addr, a, sizeof(a));
		snprintf(out, RECFMT_ADDR_LEN, "%s:%u", a, c->port);
	} else {
		inet_ntop(AF_INET6, c->addr, a, sizeof(a));
		snprintf(out, RECFMT_ADDR_LEN, "[%s]:%u", a, c->port);
	}
}

void
recfmt_sockaddr(const struct sockaddr *sa, char out[RECFMT_ADDR_LEN])
{
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, RECFMT_ADDR_LEN);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, RECFMT_ADDR_LEN);
	else
		snprintf(out, RECFMT_ADDR_LEN, "?");
}

/* Seconds since the record was published, assuming the publisher's RECORD_TTL. */
static int64_t
record_age(const struct record *rec, uint64_t now)
{
	return (int64_t)now - ((int64_t)rec->exp - RECORD_TTL);
}

void
recfmt_record_json(struct json *j, const struct record *rec, uint64_t now)
{
	char fp[IDENTITY_FINGERPRINT_LEN + 1], wg[B64KEY_LEN + 1];
	char arr[RECFMT_CANDS_LEN];
	size_t len = 0;
	unsigned i;

	identity_fingerprint(rec->id, fp);
	b64key_encode(rec->wg, wg);
	json_str(j, "fp", fp);
	json_strn(j, "nick", rec->nick, strlen(rec->nick));
	json_str(j, "wg", wg);
	json_uint(j, "seq", rec->seq);
	json_uint(j, "exp", rec->exp);
	json_int(j, "age_s", record_age(rec, now));

	arr[len++] = '[';
	for (i = 0; i < rec->ncand; i++) {
		struct json c;
		const char *s;
		char a[INET6_ADDRSTRLEN];

		inet_ntop(rec->cand[i].family == 4 ? AF_INET : AF_INET6, rec->cand[i].addr, a,
		    sizeof(a));
		json_begin(&c);
		json_str(&c, "kind", recfmt_cand_kind(rec->cand[i].kind));
		json_str(&c, "addr", a);
		json_uint(&c, "port", rec->cand[i].port);
		s = json_end(&c);
		if (len + strlen(s) + 3 > sizeof(arr))
			break;
		if (i > 0)
			arr[len++] = ',';
		memcpy(arr + len, s, strlen(s));
		len += strlen(s);
	}
	arr[len++] = ']';
	arr[len] = '\0';
	json_raw(j, "candidates", arr);
}

void
recfmt_record_text(FILE *f, const struct record *rec, uint64_t now)
{
	char fp[IDENTITY_FINGERPRINT_LEN + 1], addr[RECFMT_ADDR_LEN];
	unsigned i;

	identity_fingerprint(rec->id, fp);
	fprintf(f, "%s \"", fp);
	sanitize_fputs(rec->nick, f);
	fprintf(f, "\" seq %llu age %llds", (unsigned long long)rec->seq,
	    (long long)record_age(rec, now));
	if (rec->ncand == 0)
		fprintf(f, " no candidates");
	for (i = 0; i < rec->ncand; i++) {
		recfmt_cand_addr(&rec->cand[i], addr);
		fprintf(f, "%s %s %s", i == 0 ? "" : ",", recfmt_cand_kind(rec->cand[i].kind), addr);
	}
}
