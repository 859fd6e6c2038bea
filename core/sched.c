/* core/sched.c - the scheduler: a min-heap of timed callbacks (see lyre/sched.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "lyre/sched.h"
#include "lyre/utils.h"

/*
 * Where an entry is.  QUEUED entries sit in the heap.  RUNNING and PARKED
 * entries are held by a ly_sched_run_due call that will put them back or
 * free them; ly_sched_del only flags those, because that call still holds
 * a pointer to them.
 */
enum entry_state {
	ENTRY_QUEUED,
	ENTRY_FAR,	/* in the far wheel: due seconds from now, moved to the heap before */
	ENTRY_RUNNING,
	ENTRY_PARKED,	/* added during a run_due call, waits for the next one */
};

/* The far wheel's windows (see "far wheel" below). */
#define FAR_GRAIN_MS 1024u
#define FAR_SLOTS 64u

struct sched_entry {
	uint64_t id;
	uint64_t due_ms;
	/* Tie-break for equal due times, so they run in the order added. */
	uint64_t seq;
	ly_sched_cb cb;
	void *arg;
	size_t slot;			/* index in the heap while QUEUED */
	struct sched_entry *far_prev, *far_next;	/* the wheel slot's list while FAR */
	struct sched_entry *next_in_bucket;
	enum entry_state state;
	bool cancelled;			/* deleted while RUNNING or PARKED */
};

struct ly_sched {
	pthread_mutex_t lock;
	struct sched_entry **heap;
	size_t heap_len;
	size_t heap_cap;
	/* id -> entry, so ly_sched_del finds the heap slot without a scan. */
	struct sched_entry **buckets;
	size_t bucket_mask;		/* bucket count - 1 (a power of two) */
	size_t mapped;			/* entries in the map */
	size_t parked;			/* PARKED entries, still pending */
	/* The far wheel (see "far wheel" below): FAR_SLOTS lists of entries
	 * due in one FAR_GRAIN_MS window each, slot k at wheel[k % FAR_SLOTS]. */
	struct sched_entry *wheel[FAR_SLOTS];
	size_t far_len;			/* entries in the wheel */
	uint64_t far_base;		/* first window not yet moved to the heap */
	uint64_t far_min;		/* no entry sits in a window before this */
	uint64_t clock_ms;		/* the latest now_ms given to run_due / wait_ms */
	uint64_t next_id;		/* never reused, so a stale id cannot hit a new entry */
	uint64_t next_seq;
	void (*notify)(void *arg);
	void *notify_arg;
};

/* Tables never shrink below these (ly_sched_new's and the first push's sizes). */
#define MAP_MIN_BUCKETS 16
#define HEAP_MIN_CAP 16

/* ---- id map: chained hash on the id ---- */

static size_t bucket_of(const struct ly_sched *s, uint64_t id)
{
	/* Fibonacci hashing spreads the sequential ids over the buckets. */
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & s->bucket_mask;
}

static void map_resize(struct ly_sched *s, size_t new_n)
{
	size_t old_n = s->bucket_mask + 1;
	struct sched_entry **old = s->buckets;

	s->buckets = ly_calloc(new_n, sizeof(*s->buckets));
	s->bucket_mask = new_n - 1;
	for (size_t i = 0; i < old_n; i++) {
		while (old[i]) {
			struct sched_entry *e = old[i];
			size_t b = bucket_of(s, e->id);

			old[i] = e->next_in_bucket;
			e->next_in_bucket = s->buckets[b];
			s->buckets[b] = e;
		}
	}
	free(old);
}

static void map_insert(struct ly_sched *s, struct sched_entry *e)
{
	size_t b;

	if (s->mapped >= s->bucket_mask + 1)
		map_resize(s, (s->bucket_mask + 1) * 2);
	b = bucket_of(s, e->id);
	e->next_in_bucket = s->buckets[b];
	s->buckets[b] = e;
	s->mapped++;
}

static struct sched_entry *map_find(const struct ly_sched *s, uint64_t id)
{
	struct sched_entry *e = s->buckets[bucket_of(s, id)];

	while (e && e->id != id)
		e = e->next_in_bucket;
	return e;
}

static void map_remove(struct ly_sched *s, const struct sched_entry *e)
{
	struct sched_entry **pp = &s->buckets[bucket_of(s, e->id)];

	while (*pp && *pp != e)
		pp = &(*pp)->next_in_bucket;
	if (*pp) {
		*pp = e->next_in_bucket;
		s->mapped--;
	}
	/* A load's peak (tens of thousands of SIP timers) is given back
	 * once it is over: halve at one eighth full. */
	if (s->bucket_mask + 1 > MAP_MIN_BUCKETS && s->mapped < (s->bucket_mask + 1) / 8)
		map_resize(s, (s->bucket_mask + 1) / 2);
}

/* ---- binary min-heap on (due_ms, seq) ---- */

static bool entry_before(const struct sched_entry *a, const struct sched_entry *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_place(struct ly_sched *s, size_t slot, struct sched_entry *e)
{
	s->heap[slot] = e;
	e->slot = slot;
}

static void sift_up(struct ly_sched *s, size_t slot)
{
	struct sched_entry *e = s->heap[slot];

	while (slot > 0) {
		size_t parent = (slot - 1) / 2;

		if (!entry_before(e, s->heap[parent]))
			break;
		heap_place(s, slot, s->heap[parent]);
		slot = parent;
	}
	heap_place(s, slot, e);
}

static void sift_down(struct ly_sched *s, size_t slot)
{
	struct sched_entry *e = s->heap[slot];

	for (;;) {
		size_t child = 2 * slot + 1;

		if (child >= s->heap_len)
			break;
		if (child + 1 < s->heap_len && entry_before(s->heap[child + 1], s->heap[child]))
			child++;
		if (!entry_before(s->heap[child], e))
			break;
		heap_place(s, slot, s->heap[child]);
		slot = child;
	}
	heap_place(s, slot, e);
}

static void heap_push(struct ly_sched *s, struct sched_entry *e)
{
	if (s->heap_len == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : HEAP_MIN_CAP;
		s->heap = ly_realloc(s->heap, s->heap_cap * sizeof(*s->heap));
	}
	e->state = ENTRY_QUEUED;
	heap_place(s, s->heap_len++, e);
	sift_up(s, e->slot);
}

static void heap_shrink(struct ly_sched *s)
{
	if (s->heap_cap > HEAP_MIN_CAP && s->heap_len < s->heap_cap / 8) {
		s->heap_cap /= 2;
		s->heap = ly_realloc(s->heap, s->heap_cap * sizeof(*s->heap));
	}
}

static void heap_remove(struct ly_sched *s, struct sched_entry *e)
{
	size_t slot = e->slot;
	struct sched_entry *last = s->heap[--s->heap_len];

	heap_shrink(s);
	if (last == e)
		return;
	/* The last entry fills the hole; it may belong above or below it. */
	heap_place(s, slot, last);
	if (slot > 0 && entry_before(last, s->heap[(slot - 1) / 2]))
		sift_up(s, slot);
	else
		sift_down(s, slot);
}

/* ---- far wheel ----
 *
 * Most timers of a busy SIP stack wait 32 s (Timers B, F, H, J, L, M: 64*T1)
 * and most of those are cancelled long before: a binary heap of a million
 * of them made every cancellation a walk of twenty levels of cache misses
 * (heap_remove was 5 % of the SIP thread at 3,000 calls/s).  An entry due
 * at least two windows ahead waits instead in a list per window of
 * FAR_GRAIN_MS (added and removed in O(1)), and its whole window moves into
 * the heap one window before it is due, so the heap still decides the
 * exact order (due time, then order added) and holds only what is due
 * within about two seconds.  Windows beyond the wheel (over a minute away:
 * registration expiries, session timers) go to the heap directly.
 */
static uint64_t window_of(uint64_t due_ms)
{
	return due_ms / FAR_GRAIN_MS;
}

static bool far_fits(const struct ly_sched *s, uint64_t due_ms)
{
	uint64_t w = window_of(due_ms);

	return s->far_base && due_ms >= s->clock_ms + 2 * FAR_GRAIN_MS && w >= s->far_base &&
	       w < s->far_base + FAR_SLOTS;
}

/* Returns true when the wheel's earliest window moved earlier (the loop's
 * timer may have to wake sooner, to move it). */
static bool far_insert(struct ly_sched *s, struct sched_entry *e)
{
	uint64_t w = window_of(e->due_ms);
	struct sched_entry **head = &s->wheel[w % FAR_SLOTS];
	bool earlier = !s->far_len || w < s->far_min;

	e->state = ENTRY_FAR;
	e->far_prev = NULL;
	e->far_next = *head;
	if (*head)
		(*head)->far_prev = e;
	*head = e;
	s->far_len++;
	if (earlier)
		s->far_min = w;
	return earlier;
}

static void far_remove(struct ly_sched *s, struct sched_entry *e)
{
	if (e->far_prev)
		e->far_prev->far_next = e->far_next;
	else
		s->wheel[window_of(e->due_ms) % FAR_SLOTS] = e->far_next;
	if (e->far_next)
		e->far_next->far_prev = e->far_prev;
	s->far_len--;
}

/* Move every window that starts within one window of now into the heap. */
static void far_advance(struct ly_sched *s, uint64_t now_ms)
{
	uint64_t until = window_of(now_ms + FAR_GRAIN_MS) + 1;

	if (now_ms > s->clock_ms)
		s->clock_ms = now_ms;
	if (!s->far_base || !s->far_len) {
		if (until > s->far_base)
			s->far_base = until;
		return;
	}
	for (; s->far_base < until; s->far_base++) {
		struct sched_entry **head = &s->wheel[s->far_base % FAR_SLOTS];

		while (*head) {
			struct sched_entry *e = *head;

			*head = e->far_next;
			s->far_len--;
			heap_push(s, e);
		}
	}
	if (s->far_min < s->far_base)
		s->far_min = s->far_base;
	while (s->far_len && !s->wheel[s->far_min % FAR_SLOTS])
		s->far_min++;
}

/* When far_advance must run next: the earliest window's start, less one
 * window; UINT64_MAX with the wheel empty. */
static uint64_t far_next_move_ms(const struct ly_sched *s)
{
	if (!s->far_len)
		return UINT64_MAX;
	return s->far_min * FAR_GRAIN_MS - FAR_GRAIN_MS;
}

/* ---- public API ---- */

struct ly_sched *ly_sched_new(void)
{
	struct ly_sched *s = ly_calloc(1, sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	s->bucket_mask = MAP_MIN_BUCKETS - 1;
	s->buckets = ly_calloc(s->bucket_mask + 1, sizeof(*s->buckets));
	s->next_id = 1;
	return s;
}

/* Entries held by a run_due call in progress are that call's to free, so
 * the scheduler must not be freed while one runs (the loop frees it only
 * after ly_loop_run returned). */
void ly_sched_free(struct ly_sched *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->heap_len; i++)
		free(s->heap[i]);
	for (size_t i = 0; i < FAR_SLOTS; i++)
		while (s->wheel[i]) {
			struct sched_entry *e = s->wheel[i];

			s->wheel[i] = e->far_next;
			free(e);
		}
	free(s->heap);
	free(s->buckets);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

uint64_t ly_sched_add(struct ly_sched *s, unsigned delay_ms, ly_sched_cb cb, void *arg)
{
	return ly_sched_add_at(s, ly_now_ms() + delay_ms, cb, arg);
}

uint64_t ly_sched_add_at(struct ly_sched *s, uint64_t due_ms, ly_sched_cb cb, void *arg)
{
	struct sched_entry *e = ly_calloc(1, sizeof(*e));
	void (*notify)(void *) = NULL;
	void *notify_arg = NULL;
	uint64_t id;

	e->due_ms = due_ms;
	e->cb = cb;
	e->arg = arg;
	pthread_mutex_lock(&s->lock);
	id = e->id = s->next_id++;
	e->seq = s->next_seq++;
	map_insert(s, e);
	if (far_fits(s, due_ms) ? far_insert(s, e) : (heap_push(s, e), e->slot == 0)) {
		notify = s->notify;
		notify_arg = s->notify_arg;
	}
	pthread_mutex_unlock(&s->lock);
	/* Outside the lock: the hook may ask us for the new wait time. */
	if (notify)
		notify(notify_arg);
	return id;
}

int ly_sched_del(struct ly_sched *s, uint64_t id)
{
	struct sched_entry *e;
	int err = 0;

	pthread_mutex_lock(&s->lock);
	e = map_find(s, id);
	if (!e) {
		err = ENOENT;
	} else if (e->state == ENTRY_QUEUED || e->state == ENTRY_FAR) {
		map_remove(s, e);
		if (e->state == ENTRY_FAR)
			far_remove(s, e);
		else
			heap_remove(s, e);
		free(e);
	} else {
		/* The run_due call holding it sees the flag and frees it. */
		map_remove(s, e);
		e->cancelled = true;
		if (e->state == ENTRY_PARKED)
			s->parked--;
		else
			err = ENOENT;	/* it is running: too late, but no repeat */
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* After a run (lock held): re-arm a repeating entry or drop it. */
static void finish_entry(struct ly_sched *s, struct sched_entry *e, int again_ms,
			 uint64_t now_ms)
{
	if (e->cancelled || again_ms <= 0) {
		if (!e->cancelled)
			map_remove(s, e);
		free(e);
		return;
	}
	/* Relative to the due time so a periodic timer does not drift; but
	 * when more than a period behind (a stalled loop, a suspended host),
	 * restart from now instead of firing a burst of catch-up runs. */
	if (now_ms > e->due_ms && now_ms - e->due_ms > (uint64_t)again_ms)
		e->due_ms = now_ms + (uint64_t)again_ms;
	else
		e->due_ms += (uint64_t)again_ms;
	e->seq = s->next_seq++;
	heap_push(s, e);
}

/* Entries that were parked go back into the heap (lock held). */
static void unpark(struct ly_sched *s, struct sched_entry **parked, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (parked[i]->cancelled) {
			free(parked[i]);
			continue;
		}
		s->parked--;
		heap_push(s, parked[i]);
	}
}

/*
 * Work per call is bounded by the entries that existed when it started
 * (their seq is below the limit).  Anything added or re-armed during the
 * call gets a newer seq and, even when already due, is parked until the
 * next call, so a callback that keeps re-adding itself cannot keep the
 * loop from its file descriptors.
 */
int ly_sched_run_due(struct ly_sched *s, uint64_t now_ms)
{
	struct sched_entry **parked = NULL;
	size_t n_parked = 0, cap_parked = 0;
	int ran = 0;

	pthread_mutex_lock(&s->lock);
	far_advance(s, now_ms);
	uint64_t seq_limit = s->next_seq;

	while (s->heap_len > 0 && s->heap[0]->due_ms <= now_ms) {
		struct sched_entry *e = s->heap[0];

		heap_remove(s, e);
		if (e->seq >= seq_limit) {
			if (n_parked == cap_parked) {
				cap_parked = cap_parked ? cap_parked * 2 : 8;
				parked = ly_realloc(parked, cap_parked * sizeof(*parked));
			}
			e->state = ENTRY_PARKED;
			parked[n_parked++] = e;
			s->parked++;
			continue;
		}
		e->state = ENTRY_RUNNING;
		/* Unlocked, so the callback may add and delete entries. */
		pthread_mutex_unlock(&s->lock);
		int again_ms = e->cb(e->arg);
		pthread_mutex_lock(&s->lock);
		ran++;
		finish_entry(s, e, again_ms, now_ms);
	}
	unpark(s, parked, n_parked);
	pthread_mutex_unlock(&s->lock);
	free(parked);
	return ran;
}

int64_t ly_sched_wait_ms(struct ly_sched *s, uint64_t now_ms)
{
	int64_t wait = -1;

	pthread_mutex_lock(&s->lock);
	far_advance(s, now_ms);
	uint64_t next = far_next_move_ms(s);

	if (s->heap_len > 0 && s->heap[0]->due_ms < next)
		next = s->heap[0]->due_ms;
	if (next != UINT64_MAX)
		wait = next <= now_ms ? 0 : (int64_t)(next - now_ms);
	pthread_mutex_unlock(&s->lock);
	return wait;
}

/* Pending entries: queued or parked; a running entry is not pending. */
unsigned ly_sched_count(struct ly_sched *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = (unsigned)(s->heap_len + s->far_len + s->parked);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void ly_sched_set_notify(struct ly_sched *s, void (*notify)(void *arg), void *arg)
{
	pthread_mutex_lock(&s->lock);
	s->notify = notify;
	s->notify_arg = arg;
	pthread_mutex_unlock(&s->lock);
}
