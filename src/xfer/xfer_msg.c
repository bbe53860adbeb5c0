/* SPDX-License-Identifier: GPL-3.0-or-later */
/* xfer_msg.c — the file transfer messages (xfer_msg.h). */
#include "config.h"

#include <string.h>

#include "dht/wire/utf8.h"
#include "src/xfer/xfer_msg.h"
#include "tunnel/net/bytes.h"

static const char *const drop_names[XFER_DROP__COUNT] = {
	[XFER_OK] = "ok",
	[XFER_DROP_SHORT] = "short",
	[XFER_DROP_VERSION] = "version",
	[XFER_DROP_TYPE] = "type",
	[XFER_DROP_RESERVED] = "reserved",
	[XFER_DROP_LENGTH] = "length",
	[XFER_DROP_NAME] = "name",
	[XFER_DROP_RANGE] = "range",
	[XFER_DROP_REASON] = "reason"
};

const char *
xfer_drop_name(enum xfer_drop d)
{
	return (unsigned)d < XFER_DROP__COUNT ? drop_names[d] : "unknown";
}

const char *
xfer_reason_name(enum xfer_reason r)
{
	switch (r) {
	case XFER_REASON_DECLINED:	return "rejected";
	case XFER_REASON_NO_SPACE:	return "no-space";
	case XFER_REASON_LIMIT:		return "too-many";
	case XFER_REASON_STOPPED:	return "cancelled";
	case XFER_REASON_SOURCE:	return "source-changed";
	case XFER_REASON_UNKNOWN:	return "no-such-transfer";
	}
	return "?";
}

static int
reason_known(uint8_t r)
{
	return r >= XFER_REASON_DECLINED && r <= XFER_REASON_UNKNOWN;
}

/* The fixed part after the header, by type; -1 for an unknown type. */
static long
fixed_len(unsigned type)
{
	switch (type) {
	case XFER_OFFER:	return 8 + XFER_HASH_LEN + 2;
	case XFER_ACCEPT:	return 8;
	case XFER_REJECT:	return 1;
	case XFER_DATA:		return 8 + 4;
	case XFER_ACK:		return 8 + 4 + 1;
	case XFER_DONE:		return 1;
	case XFER_CANCEL:	return 1;
	}
	return -1;
}

/* The SACK ranges: non-empty, ascending, above cum and apart (a gap between each). */
static int
sack_valid(uint64_t cum, const struct xfer_range *r, unsigned n)
{
	uint64_t floor = cum;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (r[i].start <= floor || r[i].end <= r[i].start)
			return 0;
		floor = r[i].end;
	}
	return 1;
}

enum xfer_drop
xfer_msg_parse(const uint8_t *buf, size_t len, struct xfer_msg *m)
{
	const uint8_t *p;
	size_t rest, need;
	long fixed;
	unsigned i;

	memset(m, 0, sizeof(*m));
	if (len < XFER_HEADER_LEN)
		return XFER_DROP_SHORT;
	if (buf[0] != XFER_VERSION)
		return XFER_DROP_VERSION;
	if ((fixed = fixed_len(buf[1])) < 0)
		return XFER_DROP_TYPE;
	if (buf[2] != 0 || buf[3] != 0)
		return XFER_DROP_RESERVED;
	m->type = (enum xfer_type)buf[1];
	memcpy(m->id, buf + 4, XFER_ID_LEN);
	p = buf + XFER_HEADER_LEN;
	rest = len - XFER_HEADER_LEN;
	if (rest < (size_t)fixed)
		return XFER_DROP_SHORT;

	switch (m->type) {
	case XFER_OFFER:
		m->size = bytes_get64(p);
		memcpy(m->hash, p + 8, XFER_HASH_LEN);
		m->name_len = bytes_get16(p + 8 + XFER_HASH_LEN);
		if (rest - (size_t)fixed < m->name_len)
			return XFER_DROP_SHORT;
		if (rest - (size_t)fixed > m->name_len)
			return XFER_DROP_LENGTH;
		m->name = p + fixed;
		if (m->name_len == 0 || m->name_len > XFER_NAME_MAX ||
		    !utf8_valid(m->name, m->name_len))
			return XFER_DROP_NAME;
		return XFER_OK;
	case XFER_ACCEPT:
		if (rest != (size_t)fixed)
			return XFER_DROP_LENGTH;
		m->offset = bytes_get64(p);
		return XFER_OK;
	case XFER_REJECT:
	case XFER_CANCEL:
		if (rest != (size_t)fixed)
			return XFER_DROP_LENGTH;
		m->code = p[0];
		return reason_known(m->code) ? XFER_OK : XFER_DROP_REASON;
	case XFER_DONE:
		if (rest != (size_t)fixed)
			return XFER_DROP_LENGTH;
		m->code = p[0];
		return m->code <= 1 ? XFER_OK : XFER_DROP_REASON;
	case XFER_DATA:
		m->offset = bytes_get64(p);
		m->ts = bytes_get32(p + 8);
		m->data = p + fixed;
		m->data_len = rest - (size_t)fixed;
		if (m->data_len == 0)
			return XFER_DROP_SHORT;
		if (m->data_len > XFER_DATA_MAX)
			return XFER_DROP_LENGTH;
		if (m->offset > UINT64_MAX - m->data_len)
			return XFER_DROP_RANGE;
		return XFER_OK;
	case XFER_ACK:
		m->offset = bytes_get64(p);
		m->ts = bytes_get32(p + 8);
		m->nsack = p[12];
		if (m->nsack > XFER_SACK_MAX)
			return XFER_DROP_RANGE;
		need = (size_t)fixed + m->nsack * 16u;
		if (rest < need)
			return XFER_DROP_SHORT;
		if (rest > need)
			return XFER_DROP_LENGTH;
		for (i = 0; i < m->nsack; i++) {
			m->sack[i].start = bytes_get64(p + fixed + 16 * i);
			m->sack[i].end = bytes_get64(p + fixed + 16 * i + 8);
		}
		return sack_valid(m->offset, m->sack, m->nsack) ? XFER_OK : XFER_DROP_RANGE;
	}
	return XFER_DROP_TYPE;
}

size_t
xfer_msg_build(uint8_t *buf, size_t cap, const struct xfer_msg *m)
{
	long fixed = fixed_len(m->type);
	size_t len;
	uint8_t *p;
	unsigned i;

	if (fixed < 0)
		return 0;
	len = XFER_HEADER_LEN + (size_t)fixed;
	switch (m->type) {
	case XFER_OFFER:
		if (m->name_len == 0 || m->name_len > XFER_NAME_MAX)
			return 0;
		len += m->name_len;
		break;
	case XFER_DATA:
		if (m->data_len == 0 || m->data_len > XFER_DATA_MAX)
			return 0;
		len += m->data_len;
		break;
	case XFER_ACK:
		if (m->nsack > XFER_SACK_MAX || !sack_valid(m->offset, m->sack, m->nsack))
			return 0;
		len += m->nsack * 16u;
		break;
	default:
		break;
	}
	if (len > cap)
		return 0;
	buf[0] = XFER_VERSION;
	buf[1] = (uint8_t)m->type;
	buf[2] = buf[3] = 0;
	memcpy(buf + 4, m->id, XFER_ID_LEN);
	p = buf + XFER_HEADER_LEN;
	switch (m->type) {
	case XFER_OFFER:
		bytes_put64(p, m->size);
		memcpy(p + 8, m->hash, XFER_HASH_LEN);
		bytes_put16(p + 8 + XFER_HASH_LEN, (uint16_t)m->name_len);
		memcpy(p + fixed, m->name, m->name_len);
		break;
	case XFER_ACCEPT:
		bytes_put64(p, m->offset);
		break;
	case XFER_REJECT:
	case XFER_CANCEL:
	case XFER_DONE:
		p[0] = m->code;
		break;
	case XFER_DATA:
		bytes_put64(p, m->offset);
		bytes_put32(p + 8, m->ts);
		memcpy(p + fixed, m->data, m->data_len);
		break;
	case XFER_ACK:
		bytes_put64(p, m->offset);
		bytes_put32(p + 8, m->ts);
		p[12] = (uint8_t)m->nsack;
		for (i = 0; i < m->nsack; i++) {
			bytes_put64(p + fixed + 16 * i, m->sack[i].start);
			bytes_put64(p + fixed + 16 * i + 8, m->sack[i].end);
		}
		break;
	}
	return len;
}
