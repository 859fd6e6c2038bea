/*
 * lyre/loop.h - the core event loop (epoll) and its scheduler.
 *
 * One loop thread owns signalling: it waits on the file descriptors
 * registered here and runs due scheduler entries.  Callbacks run on that
 * thread and must not block.  Other threads hand it work with ly_loop_call
 * or schedule with ly_sched_add on the loop's scheduler (both thread-safe).
 */
#ifndef LYRE_LOOP_H
#define LYRE_LOOP_H

#include <stdint.h>

#include "sched.h"

struct ly_loop;

enum {
	LY_FD_READ = 1 << 0,
	LY_FD_WRITE = 1 << 1,
	LY_FD_ERROR = 1 << 2,	/* passed to callbacks only: hang-up or error */
};

typedef void (*ly_fd_cb)(int fd, unsigned events, void *arg);
typedef void (*ly_call_cb)(void *arg);

struct ly_loop *ly_loop_new(void);
void ly_loop_free(struct ly_loop *loop);
/* Run until ly_loop_stop; returns 0 or an errno value. */
int ly_loop_run(struct ly_loop *loop);
/* Thread-safe; the loop returns after the current callback. */
void ly_loop_stop(struct ly_loop *loop);

/* Watch fd (not owned) for LY_FD_READ and/or LY_FD_WRITE. */
int ly_loop_add_fd(struct ly_loop *loop, int fd, unsigned events, ly_fd_cb cb, void *arg);
int ly_loop_mod_fd(struct ly_loop *loop, int fd, unsigned events);
/* Safe from inside any callback of this loop, including fd's own. */
int ly_loop_del_fd(struct ly_loop *loop, int fd);

/* Run fn(arg) on the loop thread soon; thread-safe; 0 or an errno value. */
int ly_loop_call(struct ly_loop *loop, ly_call_cb fn, void *arg);
/* True when called from the thread running this loop. */
int ly_loop_is_current(const struct ly_loop *loop);

/* The loop's scheduler; entries run on the loop thread. */
struct ly_sched *ly_loop_sched(struct ly_loop *loop);

/* The daemon's main loop (NULL before the core created it). */
struct ly_loop *ly_main_loop(void);

#endif
