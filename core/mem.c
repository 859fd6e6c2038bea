/* core/mem.c - memory back to the system once a load is over. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "lyre/thread.h"
#include "lyre/utils.h"
#include "mem.h"

/* A sanitizer's allocator replaces glibc's and has no thread cache to
 * drain (taking 256 blocks per class from it would only cost time). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LY_MEM_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LY_MEM_SANITIZED 1
#endif

/*
 * glibc gives each new thread an arena of its own, up to 8 per core (a
 * thread that ends leaves its arena to the next one), and never frees one.
 * pbx threads come and go with calls, so after a load every one of those
 * arenas exists and holds its top chunk resident: malloc_trim returns
 * free pages from the middle of every arena but the top only of the main
 * heap, and a free() trims an arena's top only above glibc's trim
 * threshold, which a load raises to 1 MB or more (it doubles the largest
 * freed mmap block).  15 arenas kept 530 kB that way, 60 s after 12,000
 * calls.  One arena per core is enough for the threads that can run at
 * once (the loop thread, the busiest, always allocates from the main
 * heap), and a fixed trim threshold of 128 kB (glibc's default before a
 * load moves it) makes the last free into an arena's top give all of it
 * back but glibc's 128 kB pad: the one other arena on a 2-core box kept
 * 280-360 kB of top resident a minute after 60,000 calls, and 100 kB with
 * it, at the same CPU per call.  Fixing it also fixes the mmap threshold
 * at 128 kB, so big blocks (a grown table) are mapped and unmapped on
 * their own.  MALLOC_ARENA_MAX, MALLOC_TRIM_THRESHOLD_ and GLIBC_TUNABLES
 * in the environment still win.
 */
#define TRIM_THRESHOLD (128 * 1024)

void ly_mem_init(void)
{
#ifdef __GLIBC__
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	const char *tunables = getenv("GLIBC_TUNABLES");

	if (!getenv("MALLOC_ARENA_MAX"))
		mallopt(M_ARENA_MAX, cores > 1 ? (int)cores : 1);
	if (!getenv("MALLOC_TRIM_THRESHOLD_") && !(tunables && strstr(tunables, "trim_threshold")))
		mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
#endif
}

#if defined(__GLIBC__) && !defined(LY_MEM_SANITIZED)
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
#define CACHE_CLASSES (CACHE_MAX_REQ / CACHE_STEP + 1)
#define CACHE_COUNT 7		/* blocks per class (glibc.malloc.tcache_count) */
#define TAKE_MAX 256		/* blocks taken per class at most */
#define DRAIN_MAX (CACHE_CLASSES * TAKE_MAX)

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

/* glibc's chunk for a request: 8 bytes of header, 16-byte steps, 32 least */
static size_t chunk_of(size_t req)
{
	size_t c = (req + 8 + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}

/*
 * Take every cached block of the class of `req`.  The cache serves its
 * blocks first; once it is empty, a malloc served from a free list of
 * exactly that size refills it from the same list (glibc stashes up to 7
 * more of the same size while it is there), and those blocks are as
 * scattered as the first ones.  So keep taking until two blocks in a row
 * lie side by side: they were cut from one larger free block or the top,
 * so no list of that size was left to refill the cache from.  (Not among
 * the first CACHE_COUNT: blocks freed one after the other may sit side by
 * side in the cache itself.)  A short-lived thread frees them: they
 * merge with their free neighbours, which the cached blocks kept apart.
 */
static void take_class(struct drained *d, size_t req)
{
	uintptr_t prev = 0;
	size_t step = chunk_of(req);

	for (unsigned k = 0; k < TAKE_MAX; k++) {
		void *b = malloc(req);

		if (!b)
			return;
		d->blocks[d->n++] = b;
		if (k >= CACHE_COUNT && (uintptr_t)b == prev + step)
			return;
		prev = (uintptr_t)b;
	}
}

static void drain_thread_cache(void)
{
	/* 130 kB, mapped on its own (only the part used is touched): never
	 * from the cache, nor from the free lists being emptied */
	struct drained *d = malloc(sizeof(*d));
	pthread_t t;

	if (!d)
		return;
	d->n = 0;
	/* request 24 + 16k is the largest of its 16-byte class */
	for (size_t size = 24; size <= CACHE_MAX_REQ; size += CACHE_STEP)
		take_class(d, size);
	if (ly_thread_create(&t, "mem-release", free_drained, d) == 0)
		pthread_join(t, NULL);
	else
		free_drained(d);	/* back into our own cache: no worse than before */
	free(d);
}
#else
#define drain_thread_cache() ((void)0)
#endif

void ly_mem_release_own(void)
{
#ifdef __GLIBC__
	drain_thread_cache();
	/* every free page wherever it lies, in every arena */
	malloc_trim(0);
#endif
}

/*
 * Threads that live long and free much (the RTP workers) keep a malloc
 * cache of their own that nobody else can empty, and draining it while a
 * load is still being freed is not enough: glibc refills an emptied cache
 * from its free lists, which are long then.  So when a load is over (the
 * SIP transactions' tail, the last pbx thread) they are asked to empty it
 * again and give the pages back.
 */
struct mem_notify {
	void (*fn)(void *arg);
	void *arg;
	struct mem_notify *next;
};

static pthread_mutex_t notify_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mem_notify *notifies;

void ly_mem_notify_add(void (*fn)(void *arg), void *arg)
{
	struct mem_notify *n = ly_malloc(sizeof(*n));

	n->fn = fn;
	n->arg = arg;
	pthread_mutex_lock(&notify_lock);
	n->next = notifies;
	notifies = n;
	pthread_mutex_unlock(&notify_lock);
}

void ly_mem_notify_remove(void (*fn)(void *arg), void *arg)
{
	struct mem_notify **pp, *gone = NULL;

	pthread_mutex_lock(&notify_lock);
	for (pp = &notifies; *pp; pp = &(*pp)->next) {
		if ((*pp)->fn == fn && (*pp)->arg == arg) {
			gone = *pp;
			*pp = gone->next;
			break;
		}
	}
	pthread_mutex_unlock(&notify_lock);
	free(gone);
}

void ly_mem_release(void)
{
	ly_mem_release_own();
	pthread_mutex_lock(&notify_lock);
	for (struct mem_notify *n = notifies; n; n = n->next)
		n->fn(n->arg);
	pthread_mutex_unlock(&notify_lock);
}
