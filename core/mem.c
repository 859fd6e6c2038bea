/* core/mem.c - memory back to the system once a load is over. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "lyre/thread.h"
#include "lyre/utils.h"
#include "mem.h"

/*
 * glibc gives each new thread an arena of its own, up to 8 per core (a
 * thread that ends leaves its arena to the next one), and never frees one.
 * pbx threads come and go with calls, so after a load every one of those
 * arenas exists and holds its top chunk resident: malloc_trim returns
 * free pages from the middle of every arena but the top only of the main
 * heap, and a free() trims an arena's top only above glibc's trim
 * threshold, which a load raises to 1 MB (it doubles the largest freed
 * mmap block).  15 arenas kept 530 kB that way, 60 s after 12,000 calls.
 * One arena per core is enough for the threads that can run at once (the
 * loop thread, the busiest, always allocates from the main heap).
 * MALLOC_ARENA_MAX in the environment still wins.
 */
void ly_mem_init(void)
{
#ifdef __GLIBC__
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, cores > 1 ? (int)cores : 1);
#endif
}

#ifdef __GLIBC__
/*
 * glibc keeps each thread's last freed small blocks in a cache of its own
 * (the tcache: up to 7 blocks per 16-byte size class, for blocks up to
 * 1032 bytes), and to malloc_trim those blocks are in use.  After a load
 * the loop thread's cache holds the blocks it freed last, scattered over
 * the whole heap the load grew: 450 blocks of 64 classes, each keeping its
 * own page or two resident and splitting the free space around it (1.6 MB
 * of a 2.4 MB heap after 12,000 calls, 60 s on).  glibc has no call to
 * empty a thread's cache; it empties it when the thread ends.  So the
 * caller takes its cached blocks out with malloc (the cache serves those
 * first) and a short-lived thread frees them and ends, which puts them
 * back in the free lists where they merge with their free neighbours.
 */
#define CACHE_MAX_REQ 1032	/* largest request the cache holds */
#define CACHE_STEP 16		/* one size class per 16 bytes */
#define DRAIN_PER_CLASS 8	/* glibc keeps 7 unless glibc.malloc.tcache_count says more */
#define DRAIN_MAX ((CACHE_MAX_REQ / CACHE_STEP + 1) * DRAIN_PER_CLASS)

struct drained {
	unsigned n;
	void *blocks[DRAIN_MAX];
};

static void *free_drained(void *arg)
{
	struct drained *d = arg;

	for (unsigned i = 0; i < d->n; i++)
		free(d->blocks[i]);
	/* this thread's end hands its cache (now those blocks) to the heap */
	return NULL;
}

static void drain_thread_cache(void)
{
	/* bigger than the cache's largest class, so it never comes from it */
	struct drained *d = ly_malloc(sizeof(*d));
	pthread_t t;

	d->n = 0;
	/* request 24 + 16k is the largest of its 16-byte class */
	for (size_t size = 24; size <= CACHE_MAX_REQ; size += CACHE_STEP)
		for (unsigned k = 0; k < DRAIN_PER_CLASS; k++)
			d->blocks[d->n++] = ly_malloc(size);
	if (ly_thread_create(&t, "mem-release", free_drained, d) == 0)
		pthread_join(t, NULL);
	else
		free_drained(d);	/* back into our own cache: no worse than before */
	free(d);
}
#endif

void ly_mem_release_cache(void)
{
#ifdef __GLIBC__
	drain_thread_cache();
#endif
}

void ly_mem_release(void)
{
#ifdef __GLIBC__
	drain_thread_cache();
	/* every free page wherever it lies, in every arena */
	malloc_trim(0);
#endif
}
