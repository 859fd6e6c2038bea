/*
 * lyre/thread.h - named threads, listed by `core show threads`.
 */
#ifndef LYRE_THREAD_H
#define LYRE_THREAD_H

#include <pthread.h>

/* Start a joinable thread named `name` (shown in the console and logs). */
int ly_thread_create(pthread_t *tid, const char *name, void *(*fn)(void *), void *arg);
/* Same, detached. */
int ly_thread_create_detached(const char *name, void *(*fn)(void *), void *arg);
/* Register the calling thread (the main thread registers itself). */
void ly_thread_register_self(const char *name);
/* The kernel thread id of the caller (as in log lines). */
int ly_thread_tid(void);

#endif
