/* core/file_cache.h - prompts' audio held in memory once, shared by every stream playing them (core-private). */
#ifndef LYRE_CORE_FILE_CACHE_H
#define LYRE_CORE_FILE_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Files with more audio than this are streamed from disk instead. */
#define FILE_CACHE_MAX_BYTES (2u << 20)

struct file_cache_ent;

/*
 * The audio bytes [start, start + len) of the open file `fd` (`st` its
 * fstat), shared with every other opener of the same unchanged file
 * (device, inode, size and mtime): *data points at them until
 * file_cache_put(*ent).  0, EFBIG (too large to keep), or an errno from
 * reading (the caller then streams the file).
 */
int file_cache_get(int fd, const struct stat *st, off_t start, size_t len,
		   const uint8_t **data, struct file_cache_ent **ent);
void file_cache_put(struct file_cache_ent *ent);	/* NULL-safe */

/* Makes the entry's audio in another form: *out (malloc'ed) and *outlen. */
typedef int (*file_cache_build_fn)(const uint8_t *audio, size_t len, void *arg, uint8_t **out,
				   size_t *outlen);

/*
 * The entry's audio as `build` makes it for `key` (a format, say), made
 * once per entry and key and shared like the audio itself: *data stays
 * valid while the caller holds the entry.  0 or build's error.
 */
int file_cache_variant(struct file_cache_ent *ent, const void *key, file_cache_build_fn build,
		       void *arg, const uint8_t **data, size_t *len);

#endif
