/* core/thread.c - named threads, so `core show threads` can list them. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lyre/thread.h"
#include "lyre/utils.h"
#include "threads.h"

struct thread_entry {
	struct thread_entry *next;
	pthread_t self;
	int tid;
	time_t started;
	char name[32];
};

struct thread_start {
	char name[32];
	void *(*fn)(void *);
	void *arg;
};

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread_entry *threads;

int ly_thread_tid(void)
{
	static __thread int tid;

	if (!tid)
		tid = (int)syscall(SYS_gettid);
	return tid;
}

static void thread_add(const char *name)
{
	struct thread_entry *e = ly_calloc(1, sizeof(*e));

	e->self = pthread_self();
	e->tid = ly_thread_tid();
	e->started = time(NULL);
	ly_strlcpy(e->name, name, sizeof(e->name));
	/* The kernel name (15 chars) shows in top and gdb. */
	char kname[16];
	ly_strlcpy(kname, name, sizeof(kname));
	pthread_setname_np(e->self, kname);

	pthread_mutex_lock(&threads_lock);
	e->next = threads;
	threads = e;
	pthread_mutex_unlock(&threads_lock);
}

static void thread_remove(void)
{
	pthread_t self = pthread_self();

	pthread_mutex_lock(&threads_lock);
	for (struct thread_entry **pp = &threads; *pp; pp = &(*pp)->next) {
		if (pthread_equal((*pp)->self, self)) {
			struct thread_entry *e = *pp;
			*pp = e->next;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&threads_lock);
}

void ly_thread_register_self(const char *name)
{
	thread_add(name);
}

void ly_thread_unregister_self(void)
{
	thread_remove();
}

static void thread_remove_cb(void *arg)
{
	(void)arg;
	thread_remove();
}

static void *thread_trampoline(void *p)
{
	struct thread_start st = *(struct thread_start *)p;
	void *ret;

	free(p);
	thread_add(st.name);
	/* The entry also goes when the thread ends with pthread_exit. */
	pthread_cleanup_push(thread_remove_cb, NULL);
	ret = st.fn(st.arg);
	pthread_cleanup_pop(1);
	return ret;
}

static int start(pthread_t *tid, bool detached, bool media, const char *name, void *(*fn)(void *),
		 void *arg)
{
	struct thread_start *st = ly_calloc(1, sizeof(*st));
	pthread_attr_t attr;
	pthread_t local;
	int err;

	ly_strlcpy(st->name, name, sizeof(st->name));
	st->fn = fn;
	st->arg = arg;
	pthread_attr_init(&attr);
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (media) {
		/* Set at creation, not by the thread itself: a creator raising
		 * it to real time right after must not be undone. */
		struct sched_param sp = { .sched_priority = 0 };

		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
		pthread_attr_setschedparam(&attr, &sp);
	}
	err = pthread_create(tid ? tid : &local, &attr, thread_trampoline, st);
	pthread_attr_destroy(&attr);
	if (err)
		free(st);
	return err;
}

int ly_thread_create(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg)
{
	if (!tid)
		return EINVAL;	/* a joinable thread nobody can join would leak */
	return start(tid, false, false, name, fn, arg);
}

int ly_thread_create_detached(const char *name, void *(*fn)(void *), void *arg)
{
	return start(NULL, true, false, name, fn, arg);
}

int ly_thread_create_media(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg)
{
	int err = start(tid, tid == NULL, true, name, fn, arg);

	/* A policy the process may not set: the thread as its creator runs. */
	if (err == EPERM)
		err = start(tid, tid == NULL, false, name, fn, arg);
	return err;
}

/*
 * Why SCHED_BATCH: at thousands of calls a second every call wakes other
 * threads several times (the SIP thread wakes a dialplan thread, which
 * queues work back; the SIP thread wakes for the peers' datagrams).  A
 * SCHED_OTHER thread woken on a busy CPU preempts the running one at once,
 * so each hand-over cost two context switches and a cold cache, and a
 * woken SIP thread read one datagram at a time.  A woken SCHED_BATCH
 * thread does not preempt: it runs when the CPU's current slice ends or
 * on an idle CPU.  Signalling waits a few milliseconds at most under
 * load; at 3,000 calls/s the context switches per call fell by a quarter
 * (the CPU per call by less than the spread of this VM; bench/README.md).
 * Media threads (ly_thread_create_media) stay SCHED_OTHER, and so still
 * preempt the others when their 20 ms clock wakes them.
 */
int ly_thread_batch(bool on)
{
	struct sched_param sp = { .sched_priority = 0 };

	return pthread_setschedparam(pthread_self(), on ? SCHED_BATCH : SCHED_OTHER, &sp);
}

unsigned ly_threads_list(struct ly_buf *out)
{
	unsigned n = 0;
	time_t now = time(NULL);

	pthread_mutex_lock(&threads_lock);
	for (struct thread_entry *e = threads; e; e = e->next, n++)
		ly_buf_printf(out, "%-8d %-24s running %lds\n", e->tid, e->name,
			      (long)(now - e->started));
	pthread_mutex_unlock(&threads_lock);
	return n;
}

void ly_threads_cleanup(void)
{
	pthread_mutex_lock(&threads_lock);
	while (threads) {
		struct thread_entry *e = threads;
		threads = e->next;
		free(e);
	}
	pthread_mutex_unlock(&threads_lock);
}
