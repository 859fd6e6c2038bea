/* core/file_cache.c - prompts' audio held in memory once, shared by every stream playing them. */
/*
 * Why: a media worker pulls a 20 ms frame per stream per tick.  Read from
 * the file, that was a read() per frame (a tenth of the worker's time at a
 * thousand streams); read ahead into a buffer per stream, it was a copy out
 * of thousands of separate buffers that no cache holds.  Thousands of
 * callers mostly hear the same few prompts, so their audio is read once
 * and every stream copies its frames from the same memory.
 *
 * An entry lives while a stream holds it: nothing is kept for a prompt
 * nobody plays, so memory is bounded by the prompts playing at once
 * (each at most FILE_CACHE_MAX_BYTES).  A file changed on disk (other
 * inode, size or mtime) gets a new entry; streams already playing keep the
 * audio they started with.  The lock is taken only to open and close.
 *
 * An entry can also hold its audio already translated (a variant per
 * target format, file_cache_variant): callers hearing a 16-bit WAV on a
 * G.711 channel then share one translation instead of each running its
 * own every 20 ms.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "lyre/utils.h"

#include "file_cache.h"

struct variant {
	const void *key;
	uint8_t *data;
	size_t len;
	struct variant *next;
};

struct file_cache_ent {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	off_t start;
	size_t len;
	uint8_t *data;
	unsigned refs;
	struct variant *variants;	/* under cache_lock; freed with the entry */
	struct file_cache_ent *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct file_cache_ent *cache;

static bool same(const struct file_cache_ent *e, const struct stat *st, off_t start, size_t len)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	       e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       e->start == start && e->len == len;
}

static int read_all(int fd, off_t start, size_t len, uint8_t *buf)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, start + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;	/* shorter than its fstat said */
		got += (size_t)n;
	}
	return 0;
}

int file_cache_get(int fd, const struct stat *st, off_t start, size_t len,
		   const uint8_t **data, struct file_cache_ent **ent)
{
	struct file_cache_ent *e, *o;
	int err;

	if (len > FILE_CACHE_MAX_BYTES)
		return EFBIG;
	pthread_mutex_lock(&cache_lock);
	for (e = cache; e && !same(e, st, start, len); e = e->next)
		;
	if (e) {
		e->refs++;
		pthread_mutex_unlock(&cache_lock);
		*data = e->data;
		*ent = e;
		return 0;
	}
	pthread_mutex_unlock(&cache_lock);
	/* Read without the lock; two first openers may both read, and the
	 * second then drops its copy for the first's. */
	e = ly_calloc(1, sizeof(*e));
	e->data = ly_malloc(len ? len : 1);
	if ((err = read_all(fd, start, len, e->data)) != 0) {
		free(e->data);
		free(e);
		return err;
	}
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->start = start;
	e->len = len;
	e->refs = 1;
	pthread_mutex_lock(&cache_lock);
	for (o = cache; o && !same(o, st, start, len); o = o->next)
		;
	if (o) {
		o->refs++;
	} else {
		e->next = cache;
		cache = e;
	}
	pthread_mutex_unlock(&cache_lock);
	if (o) {
		free(e->data);
		free(e);
		e = o;
	}
	*data = e->data;
	*ent = e;
	return 0;
}

void file_cache_put(struct file_cache_ent *ent)
{
	if (!ent)
		return;
	pthread_mutex_lock(&cache_lock);
	if (--ent->refs == 0) {
		for (struct file_cache_ent **p = &cache; *p; p = &(*p)->next)
			if (*p == ent) {
				*p = ent->next;
				break;
			}
	} else {
		ent = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
	if (ent) {
		while (ent->variants) {
			struct variant *v = ent->variants;

			ent->variants = v->next;
			free(v->data);
			free(v);
		}
		free(ent->data);
		free(ent);
	}
}

static struct variant *find_variant(const struct file_cache_ent *ent, const void *key)
{
	struct variant *v = ent->variants;

	while (v && v->key != key)
		v = v->next;
	return v;
}

int file_cache_variant(struct file_cache_ent *ent, const void *key, file_cache_build_fn build,
		       void *arg, const uint8_t **data, size_t *len)
{
	struct variant *v, *o;
	int err;

	pthread_mutex_lock(&cache_lock);
	v = find_variant(ent, key);
	pthread_mutex_unlock(&cache_lock);
	if (!v) {
		/* Built without the lock, as file_cache_get reads: the loser
		 * of a race drops its copy. */
		v = ly_calloc(1, sizeof(*v));
		v->key = key;
		if ((err = build(ent->data, ent->len, arg, &v->data, &v->len)) != 0) {
			free(v);
			return err;
		}
		pthread_mutex_lock(&cache_lock);
		if ((o = find_variant(ent, key)) == NULL) {
			v->next = ent->variants;
			ent->variants = v;
		}
		pthread_mutex_unlock(&cache_lock);
		if (o) {
			free(v->data);
			free(v);
			v = o;
		}
	}
	*data = v->data;
	*len = v->len;
	return 0;
}
