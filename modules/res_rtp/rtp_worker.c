/* modules/res_rtp/rtp_worker.c - media worker threads: each serves its sessions' sockets. */
/*
 * A worker is a thread with its own epoll set, an eventfd to be woken and
 * a timerfd that ticks every 20 ms while any of its sessions generates
 * media.  Sessions are spread over the workers (fewest sessions first) and
 * stay on theirs for life, so one session's packets are handled in order
 * by one thread.  A relay from a session on one worker to a session on
 * another just sends on the other's socket: sendto is thread-safe.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "res_rtp.h"

#define MAX_WORKERS 64
#define EVENTS_PER_WAIT 64
#define TICK_NS (20 * 1000000L)

struct removal {
	struct rtp_session *s;
	int fds[3];
};

struct rtp_worker {
	pthread_t tid;
	unsigned index;
	int epfd;
	int wakefd;
	int timerfd;
	atomic_uint sessions;
	pthread_mutex_t lock;		/* guards the removal queue and stop */
	struct removal *removals;
	size_t nremovals, capremovals;
	bool stop;
	pthread_mutex_t tick_lock;	/* guards ticking; before any session lock */
	struct rtp_session **ticking;
	size_t nticking, capticking;
	uint8_t buf[RTP_BUF_SIZE];	/* scratch for one datagram */
};

/* Distinct addresses tell the worker's own fds from sessions' sockets. */
static char wake_tag, timer_tag;

static struct rtp_worker *workers[MAX_WORKERS];
static unsigned nworkers;

static void drain_fd(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

static void wake(struct rtp_worker *w)
{
	uint64_t one = 1;

	if (write(w->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		ly_warning("Cannot wake RTP worker %u: %s", w->index, strerror(errno));
}

/* Take the queued removals; returns true when the worker should stop. */
static bool process_removals(struct rtp_worker *w)
{
	struct removal *list;
	size_t n;
	bool stop;

	pthread_mutex_lock(&w->lock);
	list = w->removals;
	n = w->nremovals;
	w->removals = NULL;
	w->nremovals = w->capremovals = 0;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 3; k++)
			if (list[i].fds[k] >= 0)
				epoll_ctl(w->epfd, EPOLL_CTL_DEL, list[i].fds[k], NULL);
		atomic_fetch_sub(&w->sessions, 1);
		ly_unref(list[i].s);	/* may run the destructor, here */
	}
	free(list);
	return stop;
}

static void run_ticks(struct rtp_worker *w)
{
	drain_fd(w->timerfd);
	pthread_mutex_lock(&w->tick_lock);
	for (size_t i = 0; i < w->nticking; i++)
		rtp_session_on_tick(w->ticking[i]);
	pthread_mutex_unlock(&w->tick_lock);
}

static void *worker_main(void *arg)
{
	struct rtp_worker *w = arg;
	struct epoll_event ev[EVENTS_PER_WAIT];

	for (;;) {
		int n = epoll_wait(w->epfd, ev, EVENTS_PER_WAIT, -1);

		if (n < 0 && errno != EINTR) {
			ly_error("RTP worker %u: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &wake_tag)
				drain_fd(w->wakefd);
			else if (ev[i].data.ptr == &timer_tag)
				run_ticks(w);
			else
				rtp_session_readable(ev[i].data.ptr, w->buf);
		}
		/* Removals only after the batch: every pointer in ev[] stays
		 * valid because this thread still holds its reference. */
		if (process_removals(w))
			break;
	}
	return NULL;
}

static int watch(struct rtp_worker *w, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) ? errno : 0;
}

static void worker_free(struct rtp_worker *w)
{
	for (int *fd = (int[]){ w->epfd, w->wakefd, w->timerfd }, k = 0; k < 3; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->tick_lock);
	free(w->ticking);
	free(w);
}

static int worker_new(unsigned index, struct rtp_worker **out)
{
	struct rtp_worker *w = ly_calloc(1, sizeof(*w));
	char name[32];
	int err = 0;

	w->index = index;
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->tick_lock, NULL);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0 || w->timerfd < 0)
		err = errno;
	if (!err)
		err = watch(w, w->wakefd, &wake_tag);
	if (!err)
		err = watch(w, w->timerfd, &timer_tag);
	snprintf(name, sizeof(name), "rtp-worker-%u", index);
	if (!err)
		err = ly_thread_create(&w->tid, name, worker_main, w);
	if (err) {
		ly_error("Cannot start RTP worker %u: %s", index, strerror(err));
		worker_free(w);
		return err;
	}
	*out = w;
	return 0;
}

static void worker_stop(struct rtp_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_mutex_unlock(&w->lock);
	wake(w);
	pthread_join(w->tid, NULL);
	process_removals(w);	/* anything queued after the thread's last look */
	worker_free(w);
}

int rtp_workers_start(unsigned n)
{
	if (n == 0 || n > MAX_WORKERS)
		return EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int err = worker_new(i + 1, &workers[i]);

		if (err) {
			rtp_workers_stop();
			return err;
		}
		nworkers = i + 1;
	}
	return 0;
}

void rtp_workers_stop(void)
{
	for (unsigned i = 0; i < nworkers; i++) {
		worker_stop(workers[i]);
		workers[i] = NULL;
	}
	nworkers = 0;
}

unsigned rtp_workers_count(void)
{
	return nworkers;
}

struct rtp_worker *rtp_worker_pick(void)
{
	struct rtp_worker *best = NULL;

	for (unsigned i = 0; i < nworkers; i++)
		if (!best || atomic_load(&workers[i]->sessions) < atomic_load(&best->sessions))
			best = workers[i];
	return best;
}

int rtp_worker_add(struct rtp_worker *w, struct rtp_session *s, struct rtp_sock *rtp,
		   struct rtp_sock *rtcp)
{
	int err = watch(w, rtp->fd, rtp);

	if (!err)
		err = watch(w, rtcp->fd, rtcp);
	if (err) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, rtp->fd, NULL);
		return err;
	}
	atomic_fetch_add(&w->sessions, 1);
	ly_ref(s);
	return 0;
}

int rtp_worker_watch(struct rtp_worker *w, struct rtp_sock *sock)
{
	return watch(w, sock->fd, sock);
}

void rtp_worker_remove(struct rtp_worker *w, struct rtp_session *s, int rtp_fd, int rtcp_fd,
		       int timer_fd)
{
	pthread_mutex_lock(&w->lock);
	if (w->nremovals == w->capremovals) {
		w->capremovals = w->capremovals ? w->capremovals * 2 : 16;
		w->removals = ly_realloc(w->removals, w->capremovals * sizeof(*w->removals));
	}
	w->removals[w->nremovals++] = (struct removal){ s, { rtp_fd, rtcp_fd, timer_fd } };
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

static void arm_timer(struct rtp_worker *w, bool on)
{
	struct itimerspec its = { 0 };

	if (on) {
		its.it_interval.tv_nsec = TICK_NS;
		its.it_value.tv_nsec = TICK_NS;
	}
	if (timerfd_settime(w->timerfd, 0, &its, NULL))
		ly_error("RTP worker %u: timerfd_settime: %s", w->index, strerror(errno));
}

void rtp_worker_tick(struct rtp_worker *w, struct rtp_session *s, bool on)
{
	size_t i;

	pthread_mutex_lock(&w->tick_lock);
	for (i = 0; i < w->nticking && w->ticking[i] != s; i++)
		;
	if (on && i == w->nticking) {
		if (w->nticking == w->capticking) {
			w->capticking = w->capticking ? w->capticking * 2 : 8;
			w->ticking = ly_realloc(w->ticking, w->capticking * sizeof(*w->ticking));
		}
		w->ticking[w->nticking++] = s;
		if (w->nticking == 1)
			arm_timer(w, true);
	} else if (!on && i < w->nticking) {
		w->ticking[i] = w->ticking[--w->nticking];
		if (w->nticking == 0)
			arm_timer(w, false);	/* an idle worker sleeps */
	}
	pthread_mutex_unlock(&w->tick_lock);
}
