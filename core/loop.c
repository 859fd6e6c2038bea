/* core/loop.c - the epoll event loop: watched fds, the scheduler timer, cross-thread calls. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "lyre/log.h"
#include "lyre/loop.h"
#include "lyre/utils.h"
#include "loop_int.h"

/* How many ready fds one epoll_wait hands back; more simply wait for the
 * next round, since epoll is level-triggered here. */
#define LOOP_BATCH 64

/*
 * One watched fd.  epoll_event.data.ptr points here, so a watch deleted
 * during a batch stays allocated (on the dead list, flagged) until the
 * batch is over: later events of the same batch then see the flag instead
 * of freed memory, even when the fd number was re-added meanwhile.
 */
struct watch {
	int fd;
	unsigned events;
	ly_fd_cb cb;
	void *arg;
	bool dead;
	struct watch *next_dead;
};

struct loop_call {
	ly_call_cb fn;
	void *arg;
	struct loop_call *next;
};

struct ly_loop {
	int epfd;
	struct ly_sched *sched;

	/* The timerfd fires at the scheduler's earliest due time; the timer
	 * lock makes "ask the scheduler, then arm" one step, so two threads
	 * adding entries cannot leave the later time armed. */
	struct watch timer;
	pthread_mutex_t timer_lock;

	/* eventfd written by ly_loop_call and ly_loop_stop; wake_pending is
	 * set by the first writer and cleared by the loop before it drains,
	 * so a burst of calls costs one write() and one wake-up, not one each. */
	struct watch wake;
	atomic_bool wake_pending;

	/* Watches by fd number, and watches waiting to be freed. */
	pthread_mutex_t fd_lock;
	struct watch **by_fd;
	size_t by_fd_len;
	struct watch *dead;
	bool running;			/* a thread is inside ly_loop_run */

	pthread_mutex_t call_lock;
	struct loop_call *calls_head, *calls_tail;

	atomic_bool stop;
};

static _Thread_local struct ly_loop *current_loop;
static _Atomic(struct ly_loop *) main_loop;

/* ---- scheduler timer ---- */

static void timer_arm(struct ly_loop *loop)
{
	struct itimerspec its;
	int64_t wait;

	memset(&its, 0, sizeof(its));
	pthread_mutex_lock(&loop->timer_lock);
	wait = ly_sched_wait_ms(loop->sched, ly_now_ms());
	if (wait > 0) {
		its.it_value.tv_sec = (time_t)(wait / 1000);
		its.it_value.tv_nsec = (long)(wait % 1000) * 1000000L;
	} else if (wait == 0) {
		its.it_value.tv_nsec = 1;	/* a zero it_value would disarm */
	}
	if (timerfd_settime(loop->timer.fd, 0, &its, NULL) < 0)
		ly_error("timerfd_settime: %s", strerror(errno));
	pthread_mutex_unlock(&loop->timer_lock);
}

/* Scheduler notify hook: an entry became the earliest, maybe from another thread. */
static void timer_notify(void *arg)
{
	timer_arm(arg);
}

static void drain_fd(int fd)
{
	uint64_t count;

	/* Both fds are non-blocking counters; EAGAIN just means a previous
	 * round already consumed it. */
	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN && errno != EINTR)
		ly_warning("read from loop fd %d: %s", fd, strerror(errno));
}

static void timer_fired(int fd, unsigned events, void *arg)
{
	struct ly_loop *loop = arg;

	drain_fd(fd);
	ly_sched_run_due(loop->sched, ly_now_ms());
	/* Entries left due (added during the run) make this 1 ns, so they run
	 * right after the fds that are ready now. */
	timer_arm(loop);
}

/* ---- cross-thread calls ---- */

static void wake_up(struct ly_loop *loop)
{
	uint64_t one = 1;

	if (atomic_exchange(&loop->wake_pending, true))
		return;	/* a wake-up is on its way; it will see our call */
	/* Only fails if the counter would overflow, which means the loop is
	 * already woken. */
	if (write(loop->wake.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		ly_error("eventfd write: %s", strerror(errno));
}

static struct loop_call *call_pop(struct ly_loop *loop)
{
	struct loop_call *c;

	pthread_mutex_lock(&loop->call_lock);
	c = loop->calls_head;
	if (c) {
		loop->calls_head = c->next;
		if (!c->next)
			loop->calls_tail = NULL;
	}
	pthread_mutex_unlock(&loop->call_lock);
	return c;
}

static size_t calls_pending(struct ly_loop *loop)
{
	size_t n = 0;

	pthread_mutex_lock(&loop->call_lock);
	for (struct loop_call *c = loop->calls_head; c; c = c->next)
		n++;
	pthread_mutex_unlock(&loop->call_lock);
	return n;
}

static void woken(int fd, unsigned events, void *arg)
{
	struct ly_loop *loop = arg;
	size_t n;

	/* Drain, then clear, then count: a call queued after the count finds
	 * the flag clear and writes the eventfd again.  (Clearing before the
	 * drain could swallow that write and leave the flag set for good.) */
	drain_fd(fd);
	atomic_store(&loop->wake_pending, false);
	/* Only the calls queued before now: calls queued by these calls wrote
	 * the eventfd again and run in the next round, after the fds. */
	n = calls_pending(loop);
	for (size_t i = 0; i < n; i++) {
		struct loop_call *c;

		if (atomic_load(&loop->stop)) {
			/* Keep the rest for the next ly_loop_run. */
			wake_up(loop);
			return;
		}
		c = call_pop(loop);
		if (!c)
			return;
		c->fn(c->arg);
		free(c);
	}
}

int ly_loop_call(struct ly_loop *loop, ly_call_cb fn, void *arg)
{
	struct loop_call *c;

	if (!loop || !fn)
		return EINVAL;
	c = ly_calloc(1, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	pthread_mutex_lock(&loop->call_lock);
	if (loop->calls_tail)
		loop->calls_tail->next = c;
	else
		loop->calls_head = c;
	loop->calls_tail = c;
	pthread_mutex_unlock(&loop->call_lock);
	wake_up(loop);
	return 0;
}

/* ---- creation ---- */

static int epoll_watch(struct ly_loop *loop, int op, struct watch *w)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	if (w->events & LY_FD_READ)
		ev.events |= EPOLLIN;
	if (w->events & LY_FD_WRITE)
		ev.events |= EPOLLOUT;
	ev.data.ptr = w;
	return epoll_ctl(loop->epfd, op, w->fd, &ev) < 0 ? errno : 0;
}

static int open_fds(struct ly_loop *loop)
{
	loop->timer.fd = -1;
	loop->wake.fd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return errno;
	loop->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->timer.fd < 0)
		return errno;
	loop->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wake.fd < 0)
		return errno;
	loop->timer.events = LY_FD_READ;
	loop->timer.cb = timer_fired;
	loop->timer.arg = loop;
	loop->wake.events = LY_FD_READ;
	loop->wake.cb = woken;
	loop->wake.arg = loop;
	int err = epoll_watch(loop, EPOLL_CTL_ADD, &loop->timer);
	return err ? err : epoll_watch(loop, EPOLL_CTL_ADD, &loop->wake);
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

struct ly_loop *ly_loop_new(void)
{
	struct ly_loop *loop = ly_calloc(1, sizeof(*loop));
	int err;

	pthread_mutex_init(&loop->timer_lock, NULL);
	pthread_mutex_init(&loop->fd_lock, NULL);
	pthread_mutex_init(&loop->call_lock, NULL);
	atomic_init(&loop->stop, false);
	loop->sched = ly_sched_new();
	err = open_fds(loop);
	if (err) {
		ly_error("cannot create the event loop: %s", strerror(err));
		ly_loop_free(loop);
		return NULL;
	}
	ly_sched_set_notify(loop->sched, timer_notify, loop);
	return loop;
}

static void free_dead(struct watch *w)
{
	while (w) {
		struct watch *next = w->next_dead;

		free(w);
		w = next;
	}
}

/*
 * Must not race with ly_loop_run (stop it and let it return first).  Calls
 * still queued are freed without running: their owners never get the
 * callback, so nothing queued may be the only owner of a reference.
 * Scheduler entries are dropped likewise; watched fds are not closed.
 */
void ly_loop_free(struct ly_loop *loop)
{
	struct loop_call *c;

	if (!loop)
		return;
	struct ly_loop *expected = loop;
	/* A freed main loop must not stay reachable through ly_main_loop. */
	atomic_compare_exchange_strong(&main_loop, &expected, NULL);
	while ((c = call_pop(loop)))
		free(c);
	for (size_t i = 0; i < loop->by_fd_len; i++)
		free(loop->by_fd[i]);
	free(loop->by_fd);
	free_dead(loop->dead);
	ly_sched_free(loop->sched);
	close_fd(loop->epfd);
	close_fd(loop->timer.fd);
	close_fd(loop->wake.fd);
	pthread_mutex_destroy(&loop->timer_lock);
	pthread_mutex_destroy(&loop->fd_lock);
	pthread_mutex_destroy(&loop->call_lock);
	free(loop);
}

/* ---- watched fds ---- */

static bool events_valid(unsigned events)
{
	return (events & ~(unsigned)(LY_FD_READ | LY_FD_WRITE)) == 0;
}

static struct watch *watch_at(const struct ly_loop *loop, int fd)
{
	return fd >= 0 && (size_t)fd < loop->by_fd_len ? loop->by_fd[fd] : NULL;
}

static void by_fd_reserve(struct ly_loop *loop, int fd)
{
	size_t need = (size_t)fd + 1, len = loop->by_fd_len ? loop->by_fd_len : 64;

	if (need <= loop->by_fd_len)
		return;
	while (len < need)
		len *= 2;
	loop->by_fd = ly_realloc(loop->by_fd, len * sizeof(*loop->by_fd));
	memset(loop->by_fd + loop->by_fd_len, 0, (len - loop->by_fd_len) * sizeof(*loop->by_fd));
	loop->by_fd_len = len;
}

int ly_loop_add_fd(struct ly_loop *loop, int fd, unsigned events, ly_fd_cb cb, void *arg)
{
	struct watch *w;
	int err;

	if (fd < 0)
		return EBADF;
	if (!cb || !events_valid(events))
		return EINVAL;
	pthread_mutex_lock(&loop->fd_lock);
	if (watch_at(loop, fd)) {
		pthread_mutex_unlock(&loop->fd_lock);
		return EEXIST;
	}
	w = ly_calloc(1, sizeof(*w));
	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	err = epoll_watch(loop, EPOLL_CTL_ADD, w);
	if (err) {
		free(w);
	} else {
		by_fd_reserve(loop, fd);
		loop->by_fd[fd] = w;
	}
	pthread_mutex_unlock(&loop->fd_lock);
	return err;
}

int ly_loop_mod_fd(struct ly_loop *loop, int fd, unsigned events)
{
	struct watch *w;
	unsigned old;
	int err;

	if (!events_valid(events))
		return EINVAL;
	pthread_mutex_lock(&loop->fd_lock);
	w = watch_at(loop, fd);
	if (!w) {
		pthread_mutex_unlock(&loop->fd_lock);
		return ENOENT;
	}
	old = w->events;
	w->events = events;
	err = epoll_watch(loop, EPOLL_CTL_MOD, w);
	if (err)
		w->events = old;
	pthread_mutex_unlock(&loop->fd_lock);
	return err;
}

int ly_loop_del_fd(struct ly_loop *loop, int fd)
{
	struct watch *w;

	pthread_mutex_lock(&loop->fd_lock);
	w = watch_at(loop, fd);
	if (!w) {
		pthread_mutex_unlock(&loop->fd_lock);
		return ENOENT;
	}
	loop->by_fd[fd] = NULL;
	/* Fails with EBADF when the caller closed the fd first, which already
	 * took it out of the epoll set; either way it is no longer watched. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (loop->running) {
		/* The running loop may hold an event pointing at it. */
		w->dead = true;
		w->next_dead = loop->dead;
		loop->dead = w;
	} else {
		free(w);
	}
	pthread_mutex_unlock(&loop->fd_lock);
	return 0;
}

/* ---- running ---- */

static unsigned events_from_epoll(uint32_t ev)
{
	unsigned events = 0;

	if (ev & EPOLLIN)
		events |= LY_FD_READ;
	if (ev & EPOLLOUT)
		events |= LY_FD_WRITE;
	/* With READ too, so a reader's read() meets the EOF or the error. */
	if (ev & (EPOLLERR | EPOLLHUP))
		events |= LY_FD_ERROR | LY_FD_READ;
	return events;
}

static void dispatch(struct ly_loop *loop, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n && !atomic_load(&loop->stop); i++) {
		struct watch *w = evs[i].data.ptr;
		ly_fd_cb cb;
		void *arg;
		int fd;

		pthread_mutex_lock(&loop->fd_lock);
		cb = w->dead ? NULL : w->cb;
		arg = w->arg;
		fd = w->fd;
		pthread_mutex_unlock(&loop->fd_lock);
		if (cb)
			cb(fd, events_from_epoll(evs[i].events), arg);
	}
}

static void reap_dead(struct ly_loop *loop)
{
	struct watch *dead;

	pthread_mutex_lock(&loop->fd_lock);
	dead = loop->dead;
	loop->dead = NULL;
	pthread_mutex_unlock(&loop->fd_lock);
	free_dead(dead);
}

static void set_running(struct ly_loop *loop, bool running)
{
	pthread_mutex_lock(&loop->fd_lock);
	loop->running = running;
	pthread_mutex_unlock(&loop->fd_lock);
}

static int run_rounds(struct ly_loop *loop)
{
	struct epoll_event evs[LOOP_BATCH];

	while (!atomic_load(&loop->stop)) {
		int n = epoll_wait(loop->epfd, evs, LOOP_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			ly_error("epoll_wait: %s", strerror(err));
			return err;
		}
		dispatch(loop, evs, n);
		reap_dead(loop);
	}
	return 0;
}

/* A stop requested before run makes run return at once; the flag is
 * cleared on the way out so the loop can be run again. */
int ly_loop_run(struct ly_loop *loop)
{
	int err;

	pthread_mutex_lock(&loop->fd_lock);
	if (loop->running) {
		pthread_mutex_unlock(&loop->fd_lock);
		return EBUSY;
	}
	loop->running = true;
	pthread_mutex_unlock(&loop->fd_lock);

	struct ly_loop *outer = current_loop;
	current_loop = loop;
	timer_arm(loop);
	err = run_rounds(loop);
	current_loop = outer;
	reap_dead(loop);
	set_running(loop, false);
	atomic_store(&loop->stop, false);
	return err;
}

void ly_loop_stop(struct ly_loop *loop)
{
	atomic_store(&loop->stop, true);
	wake_up(loop);
}

int ly_loop_is_current(const struct ly_loop *loop)
{
	return loop && current_loop == loop;
}

struct ly_sched *ly_loop_sched(struct ly_loop *loop)
{
	return loop->sched;
}

struct ly_loop *ly_main_loop(void)
{
	return atomic_load(&main_loop);
}

void ly_main_loop_set(struct ly_loop *loop)
{
	atomic_store(&main_loop, loop);
}
