/*
 * lyre/thread.h - named threads, listed by `core show threads`.
 */
#ifndef LYRE_THREAD_H
#define LYRE_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Start a joinable thread named `name` (shown in the console and logs). */
int ly_thread_create(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg);
/* Same, detached. */
int ly_thread_create_detached(const char *name, void *(*fn)(void *), void *arg);
/*
 * Same, for a thread that moves media on a clock (RTP workers, the
 * conference mixer, the media timer): it always runs SCHED_OTHER, even
 * when its creator runs SCHED_BATCH (ly_thread_batch); a caller may raise
 * it to real time after.  tid NULL: detached.
 */
int ly_thread_create_media(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg);
/*
 * Run the calling thread SCHED_BATCH (on: lyre.conf batchsched) or
 * SCHED_OTHER; threads it starts later inherit the policy.  0 or errno.
 */
int ly_thread_batch(bool on);
/* Register the calling thread (the main thread registers itself). */
void ly_thread_register_self(const char *name);
/* The kernel thread id of the caller (as in log lines). */
int ly_thread_tid(void);

#endif
