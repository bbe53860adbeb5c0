/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store.h — where received files go, safely.
 *
 *   the download directory   $XDG_DOWNLOAD_DIR/gonet, else ~/Downloads/gonet
 *                            (created 0700; a directory we open once, then
 *                            every name is relative to it)
 *   a transfer in progress   .gonet-<id>.part (the content, written where
 *                            it belongs as it arrives) and .gonet-<id>.meta
 *                            (what it is and how much has arrived, so either
 *                            side may restart), both 0600
 *   the final name           the offered name made safe (store_safe_name)
 *                            and, when that is taken, "name (1).ext",
 *                            "name (2).ext", ...; a file gets it only after
 *                            its BLAKE2b-256 matched the offer, moved with
 *                            renameat2(RENAME_NOREPLACE): nothing is ever
 *                            overwritten, and a partial file never appears
 *                            under a final name
 *
 * Names are opened relative to the directory with O_NOFOLLOW and created
 * with O_EXCL: no path traversal, no symlink followed, no special file
 * written to. All functions return 0 or -errno.
 */
#ifndef GONET_XFER_STORE_H
#define GONET_XFER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "src/xfer/xfer_msg.h"

enum {
	STORE_NAME_MAX = 240,		/* the safe name, before " (N)" */
	STORE_DUP_MAX = 999,		/* "name (999).ext" is the last try */
	STORE_SCAN_MAX = 1024,		/* directory entries looked at for a resumable part */
	STORE_FP_MAX = 32
};

struct store {
	int dirfd;
	char path[1024];
};

/* What a part is: the offer, its sender, and how much of it is safely on disk. */
struct store_part {
	int fd;				/* the .part file, -1 when closed */
	uint8_t id[XFER_ID_LEN];
	uint64_t size;
	uint8_t hash[XFER_HASH_LEN];
	char name[STORE_NAME_MAX + 1];	/* the safe name */
	char from[STORE_FP_MAX + 1];	/* the sender's fingerprint */
	uint64_t have;			/* [0, have) is on disk */
};

/* dir NULL: the default. err gets a sentence for the user on failure. */
int store_open(struct store *st, const char *dir, char *err, size_t errlen);
void store_close(struct store *st);

/*
 * The last path component of name, with every character that is not plain
 * text (sanitize_is_plain's sense), '/' and '\\' made '_', no leading dot,
 * at most STORE_NAME_MAX bytes of whole characters; "file" when nothing is
 * left. out holds STORE_NAME_MAX + 1 bytes.
 */
void store_safe_name(const uint8_t *name, size_t len, char out[STORE_NAME_MAX + 1]);

/* Free space for size more bytes: 0, -ENOSPC, or -errno. */
int store_room_for(struct store *st, uint64_t size);

/* A new part for this offer (the .part and .meta files, created). */
int store_part_create(struct store *st, struct store_part *p);
/* A part from an earlier run for the same sender, content and size; -ENOENT if none. */
int store_part_find(struct store *st, const char *from, const uint8_t hash[XFER_HASH_LEN],
    uint64_t size, struct store_part *p);
int store_part_write(struct store_part *p, uint64_t offset, const uint8_t *buf, size_t len);
/* Record that [0, have) is on disk (synced first), for a restart. */
int store_part_save(struct store *st, struct store_part *p, uint64_t have);
/*
 * Check the content's BLAKE2b-256 against the offer and move it to its
 * final name, written to final (STORE_NAME_MAX + 16 bytes). -EBADMSG when
 * the hash does not match (the part is removed).
 */
int store_part_finish(struct store *st, struct store_part *p, char *final, size_t cap);
/* Remove the part and its meta. */
void store_part_remove(struct store *st, struct store_part *p);
void store_part_close(struct store_part *p);

#endif
