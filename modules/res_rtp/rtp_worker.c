/* modules/res_rtp/rtp_worker.c - media worker threads: each serves its sessions' sockets. */
/*
 * A worker is a thread with its own epoll set, an eventfd to be woken, a
 * timerfd that ticks while any of its sessions generates media (or runs a
 * jitter buffer), and one more armed at the earliest RTCP report due among
 * its sessions (a heap orders them), instead of a timerfd per session: a
 * call that never carries audio then costs no timer system call at all.
 * Sessions are spread over the workers (fewest sessions first) and stay on
 * theirs for life, so one session's packets are handled in order by one
 * thread.  A relay from a session on one worker to a session on another
 * just sends on the other's socket: sendto is thread-safe.
 *
 * Pacing: each generating session is served every 20 ms, but not all in
 * one burst.  The 20 ms are cut into TICK_SLOTS slots of 2 ms; a session
 * joins the slot with the fewest sessions and stays in it, and each 2 ms
 * tick serves one slot.  With thousands of sessions one burst took several
 * milliseconds, so a stream at its end was sent late by however much
 * longer this burst took than the last one (a preemption, a slow send);
 * a tenth of the burst bounds that to a tenth of the jitter.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "res_rtp.h"
#include "rtp_rtcp_io.h"
#include "rtp_session_int.h"

#define MAX_WORKERS 64
#define EVENTS_PER_WAIT 64
#define TICK_SLOTS 10				/* slots in a 20 ms period */
#define TICK_NS (20 * 1000000L / TICK_SLOTS)	/* one slot */
/* Few sessions gain nothing from the slots but cost ten wake-ups per 20 ms
 * (80 one-person conferences spent most of their CPU on them): below
 * FINE_FROM ticking sessions (with hysteresis) one 20 ms tick serves every
 * slot in order - a burst of 200 sessions takes about 1.5 ms. */
#define FINE_FROM 200
/* How many sessions ahead a tick prefetches (a tick is about 2 us). */
#define PREFETCH_AHEAD 4
#define COARSE_BELOW 100
#define PARK_LOOK_MS 250	/* how often parked pairs are looked at for closing */

struct tick_slot {
	struct rtp_session **s;
	size_t n, cap;
};


struct rtp_worker {
	pthread_t tid;
	unsigned index;
	int epfd;
	int wakefd;
	int timerfd;
	atomic_uint sessions;
	atomic_bool idle_wait;		/* in epoll_wait with no timeout */
	pthread_mutex_t lock;		/* guards the removal queue and stop */
	struct rtp_session **removals;
	size_t nremovals, capremovals;
	bool stop;
	atomic_bool release;		/* a load is over: empty the malloc cache (core/mem.c) */
	struct rtp_park park;		/* pairs of ended sessions, still watched */
	uint64_t next_expiry_ms;	/* when the park is looked at next */
	pthread_mutex_t tick_lock;	/* guards the slots; before any session lock */
	struct tick_slot slots[TICK_SLOTS];
	size_t nticking;		/* sessions in all slots */
	unsigned next_slot;		/* the one the next tick serves */
	bool fine;			/* the timer ticks per slot (2 ms), not per 20 ms */
	/* RTCP reports: a min-heap on due time; see rtp_worker_report_at. */
	pthread_mutex_t report_lock;
	int reportfd;
	struct rtp_report **reports;
	size_t nreports, capreports;
	uint64_t report_armed_ns;	/* what reportfd is armed for; 0: nothing */
	uint8_t buf[RTP_BUF_SIZE];	/* scratch for one datagram */
};

/* Distinct addresses tell the worker's own fds from sessions' sockets. */
static char wake_tag, timer_tag, report_tag;

static struct rtp_worker *workers[MAX_WORKERS];
static unsigned nworkers;

/* The sum of the counters read (an eventfd's, or a timerfd's expirations). */
static uint64_t drain_fd(int fd)
{
	uint64_t v, sum = 0;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		sum += v;
	return sum;
}

static void wake(struct rtp_worker *w)
{
	uint64_t one = 1;

	if (write(w->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		ly_warning("Cannot wake RTP worker %u: %s", w->index, strerror(errno));
}

/* A pair nobody serves: keep it for the next session, or close it. */
static void park_or_close(struct rtp_worker *w, struct rtp_pair *p)
{
	if (!rtp_park_put(&w->park, p, ly_now_ms()))
		rtp_pair_close(p);	/* close() takes its sockets out of the epoll set */
}

/* Take the queued removals; returns true when the worker should stop. */
static bool process_removals(struct rtp_worker *w)
{
	struct rtp_session **list;
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
		struct rtp_session *s = list[i];

		ly_unref(s);	/* the driver's, handed over; ours remains */
		/* Our reference is the last one (nobody can take a new one to
		 * an object only we hold): the pair is ours alone, so it is
		 * parked as it is, still in the epoll set - no system call at
		 * all.  Otherwise another holder may still send on it: it
		 * leaves the set now and closes with the session. */
		if (ly_obj_refs(s) == 1) {
			struct rtp_pair *p = s->pair;

			s->pair = NULL;
			park_or_close(w, p);
		} else {
			for (int k = 0; k < 2; k++)
				epoll_ctl(w->epfd, EPOLL_CTL_DEL, s->pair->sock[k].fd, NULL);
		}
		atomic_fetch_sub(&w->sessions, 1);
		ly_unref(s);	/* may run the destructor, here */
	}
	free(list);
	return stop;
}

/* Close the parked pairs whose time is up (every one: all). */
static void expire_parked(struct rtp_worker *w, bool all)
{
	uint64_t now = ly_now_ms();
	struct rtp_pair *p, *next;

	if (!all && now < w->next_expiry_ms)
		return;
	w->next_expiry_ms = now + PARK_LOOK_MS;
	for (p = rtp_park_expired(&w->park, now, all); p; p = next) {
		next = p->next;
		rtp_pair_close(p);
	}
}

/* Serve one slot per 2 ms expired (every slot per 20 ms when coarse).  A worker that fell behind serves the
 * missed slots now, but at most one round: no session is ticked twice in a
 * row, since a session's jitter buffer ticked twice before its packets
 * were read would count them lost and then drop them as late (Record got
 * short files, in-band DTMF lost digits).  So after a stall a stream is
 * late by the stall, as with one 20 ms timer. */
static void run_ticks(struct rtp_worker *w)
{
	uint64_t due = drain_fd(w->timerfd);

	pthread_mutex_lock(&w->tick_lock);
	/* A coarse expiry is a whole round; a round is the most ever served. */
	if ((!w->fine && due) || due > TICK_SLOTS)
		due = TICK_SLOTS;
	for (; due > 0; due--) {
		struct tick_slot *sl = &w->slots[w->next_slot];

		w->next_slot = (w->next_slot + 1) % TICK_SLOTS;
		for (size_t i = 0; i < sl->n; i++) {
			/* Thousands of sessions do not stay in the cache from one
			 * tick to the next: ask for the next ones' lines early. */
			if (i + PREFETCH_AHEAD < sl->n)
				rtp_session_prefetch_hot(sl->s[i + PREFETCH_AHEAD]);
			rtp_session_on_tick(sl->s[i]);
		}
	}
	pthread_mutex_unlock(&w->tick_lock);
}

/* ---- the RTCP report schedule ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void heap_set(struct rtp_worker *w, size_t i, struct rtp_report *r)
{
	w->reports[i] = r;
	r->slot = i;
}

static void heap_up(struct rtp_worker *w, size_t i)
{
	struct rtp_report *r = w->reports[i];

	while (i > 0 && w->reports[(i - 1) / 2]->due_ns > r->due_ns) {
		heap_set(w, i, w->reports[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(w, i, r);
}

static void heap_down(struct rtp_worker *w, size_t i)
{
	struct rtp_report *r = w->reports[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= w->nreports)
			break;
		if (c + 1 < w->nreports && w->reports[c + 1]->due_ns < w->reports[c]->due_ns)
			c++;
		if (w->reports[c]->due_ns >= r->due_ns)
			break;
		heap_set(w, i, w->reports[c]);
		i = c;
	}
	heap_set(w, i, r);
}

static void heap_remove(struct rtp_worker *w, struct rtp_report *r)
{
	size_t i = r->slot;
	struct rtp_report *last = w->reports[--w->nreports];

	r->slot = RTP_REPORT_IDLE;
	if (last == r)
		return;
	heap_set(w, i, last);
	heap_up(w, i);
	heap_down(w, last->slot);
}

/* report_lock held.  Absolute, so a late arming never fires late. */
static void arm_report(struct rtp_worker *w, uint64_t due_ns)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(due_ns / 1000000000u);
	its.it_value.tv_nsec = (long)(due_ns % 1000000000u);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;	/* a zero it_value would disarm */
	if (timerfd_settime(w->reportfd, TFD_TIMER_ABSTIME, &its, NULL))
		ly_error("RTP worker %u: timerfd_settime: %s", w->index, strerror(errno));
	w->report_armed_ns = due_ns;
}

void rtp_worker_report_at(struct rtp_worker *w, struct rtp_report *r, uint64_t due_ns)
{
	pthread_mutex_lock(&w->report_lock);
	r->due_ns = due_ns;
	if (r->slot == RTP_REPORT_IDLE) {
		if (w->nreports == w->capreports) {
			w->capreports = w->capreports ? w->capreports * 2 : 16;
			w->reports = ly_realloc(w->reports, w->capreports * sizeof(*w->reports));
		}
		heap_set(w, w->nreports++, r);
	}
	heap_up(w, r->slot);
	heap_down(w, r->slot);
	/* Only a new earliest due re-arms: usually none at all. */
	if (w->reports[0] == r && (!w->report_armed_ns || due_ns < w->report_armed_ns))
		arm_report(w, due_ns);
	pthread_mutex_unlock(&w->report_lock);
}

/* The timer stays armed: firing for nothing is cheaper than re-arming. */
void rtp_worker_report_cancel(struct rtp_worker *w, struct rtp_report *r)
{
	pthread_mutex_lock(&w->report_lock);
	if (r->slot != RTP_REPORT_IDLE)
		heap_remove(w, r);
	pthread_mutex_unlock(&w->report_lock);
}

/* Every report due: the sessions are referenced while the lock is held
 * (a session leaves the heap before its last reference can go, see
 * rtp_session_close) and reported on without it. */
static void run_reports(struct rtp_worker *w)
{
	struct rtp_session *due[EVENTS_PER_WAIT];
	uint64_t now = mono_ns();
	size_t n = 0;

	drain_fd(w->reportfd);
	pthread_mutex_lock(&w->report_lock);
	w->report_armed_ns = 0;
	while (w->nreports && w->reports[0]->due_ns <= now && n < EVENTS_PER_WAIT) {
		struct rtp_report *r = w->reports[0];

		heap_remove(w, r);
		due[n++] = ly_ref(r->session);
	}
	if (w->nreports)
		arm_report(w, w->reports[0]->due_ns);	/* the past (more left due) fires at once */
	pthread_mutex_unlock(&w->report_lock);
	for (size_t i = 0; i < n; i++) {
		rtp_rtcp_on_timer(due[i]);
		ly_unref(due[i]);
	}
}

/*
 * Removals are not worth a wake-up each (at thousands of calls a second
 * that was a cross-CPU wake-up for every other call): a worker with
 * sessions looks at its removal queue at least every REMOVAL_SWEEP_MS, and
 * after every batch of packets anyway.  Only a worker about to sleep
 * without a timeout (no sessions when it looked) is woken by the first
 * removal, and any worker once its queue reaches REMOVAL_WAKE_AT.
 * idle_wait is set before sessions is read, and a remover reads it after
 * queueing: either the remover sees the flag, or the worker sees the
 * session (counted before it could be removed) and sleeps with a timeout.
 */
#define REMOVAL_SWEEP_MS 50
#define REMOVAL_WAKE_AT 256

static int wait_ms(struct rtp_worker *w)
{
	atomic_store(&w->idle_wait, true);
	if (atomic_load(&w->sessions) > 0) {
		atomic_store(&w->idle_wait, false);
		return REMOVAL_SWEEP_MS;
	}
	/* Idle but for parked pairs: a removal still wakes us (idle_wait
	 * stays set), and the parked pairs are closed in time. */
	return rtp_park_count(&w->park) ? PARK_LOOK_MS : -1;
}

static void *worker_main(void *arg)
{
	struct rtp_worker *w = arg;
	struct epoll_event ev[EVENTS_PER_WAIT];

	for (;;) {
		int n = epoll_wait(w->epfd, ev, EVENTS_PER_WAIT, wait_ms(w));

		atomic_store(&w->idle_wait, false);

		if (n < 0 && errno != EINTR) {
			ly_error("RTP worker %u: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		bool tick = false;

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &wake_tag)
				drain_fd(w->wakefd);
			else if (ev[i].data.ptr == &timer_tag)
				tick = true;
			else if (ev[i].data.ptr == &report_tag)
				run_reports(w);
			else
				rtp_session_readable(ev[i].data.ptr, w->buf);
		}
		/* Ticks after the packets of the same batch: a jitter buffer
		 * then has what arrived before its tick. */
		if (tick)
			run_ticks(w);
		/* Removals only after the batch: every pointer in ev[] stays
		 * valid because this thread still holds its reference (and
		 * parked pairs are closed only here too). */
		if (process_removals(w))
			break;
		expire_parked(w, false);
		/* A load is over (core/mem.c): only then, for while calls are
		 * freed the free lists are long and emptying the cache costs
		 * milliseconds and the heap's lock.  A plain load first: this
		 * runs on every wake-up, and a swap is a locked instruction. */
		if (atomic_load_explicit(&w->release, memory_order_relaxed) &&
		    atomic_exchange(&w->release, false))
			ly_mem_release_own();
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
	for (int *fd = (int[]){ w->epfd, w->wakefd, w->timerfd, w->reportfd }, k = 0; k < 4; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->report_lock);
	free(w->reports);
	pthread_mutex_destroy(&w->tick_lock);
	for (int k = 0; k < TICK_SLOTS; k++)
		free(w->slots[k].s);
	rtp_park_destroy(&w->park);
	free(w);
}

/*
 * realtime (rtp.conf): the worker runs SCHED_RR at `prio`.  Media is the
 * one thing on a PBX that must run on time: under CFS a worker that woke
 * for its tick waited behind whatever else the machine ran (on a loaded
 * 2-core box, up to a second of waiting per second at 3,000 streams, and
 * the packet spacing went from 20 ms to 14-28 ms at p1/p99).  The worker
 * cannot take over a CPU: it sleeps between ticks, and the kernel keeps 5 %
 * of each CPU for normal threads (sched_rt_runtime_us).  Without the
 * privilege (CAP_SYS_NICE) it stays a normal thread, with a warning.
 */
static void worker_realtime(struct rtp_worker *w, unsigned prio)
{
	struct sched_param sp = { .sched_priority = (int)prio };
	int err;

	if (prio == 0)
		return;
	err = pthread_setschedparam(w->tid, SCHED_RR, &sp);
	if (err)
		ly_warning("RTP worker %u: cannot run realtime (SCHED_RR %u): %s", w->index, prio,
			   strerror(err));
	else
		ly_verbose(2, "RTP worker %u runs SCHED_RR %u", w->index, prio);
}

static int worker_new(unsigned index, unsigned rt_priority, struct rtp_worker **out)
{
	struct rtp_worker *w = ly_calloc(1, sizeof(*w));
	char name[32];
	int err = 0;

	w->index = index;
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->tick_lock, NULL);
	pthread_mutex_init(&w->report_lock, NULL);
	rtp_park_init(&w->park);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->reportfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0 || w->timerfd < 0 || w->reportfd < 0)
		err = errno;
	if (!err)
		err = watch(w, w->wakefd, &wake_tag);
	if (!err)
		err = watch(w, w->timerfd, &timer_tag);
	if (!err)
		err = watch(w, w->reportfd, &report_tag);
	snprintf(name, sizeof(name), "rtp-worker-%u", index);
	if (!err)
		err = ly_thread_create_media(&w->tid, name, worker_main, w);
	if (err) {
		ly_error("Cannot start RTP worker %u: %s", index, strerror(err));
		worker_free(w);
		return err;
	}
	worker_realtime(w, rt_priority);
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
	expire_parked(w, true);
	worker_free(w);
}

/* ly_mem_release on another thread: the load is over, for us too. */
static void release_notified(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < nworkers; i++) {
		atomic_store(&workers[i]->release, true);
		wake(workers[i]);
	}
}

int rtp_workers_start(unsigned n, unsigned rt_priority)
{
	if (n == 0 || n > MAX_WORKERS)
		return EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int err = worker_new(i + 1, rt_priority, &workers[i]);

		if (err) {
			rtp_workers_stop();
			return err;
		}
		nworkers = i + 1;
	}
	ly_mem_notify_add(release_notified, NULL);
	return 0;
}

void rtp_workers_stop(void)
{
	ly_mem_notify_remove(release_notified, NULL);
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

int rtp_worker_pair(int family, const struct sockaddr *bind_addr, struct rtp_worker **wp,
		    struct rtp_pair **out)
{
	struct rtp_worker *w = rtp_worker_pick();
	uint64_t now = ly_now_ms();
	struct rtp_pair *p;
	int err = 0;

	if (!w)
		return ENXIO;
	p = rtp_park_take(&w->park, family, bind_addr, now, false);
	if (!p)
		err = rtp_pair_bind(family, bind_addr, &p);
	/* No port or file free: a parked pair, however recently parked,
	 * beats no call. */
	for (unsigned i = 0; (err == EADDRINUSE || err == EMFILE || err == ENFILE) && i < nworkers;
	     i++) {
		p = rtp_park_take(&workers[i]->park, family, bind_addr, now, true);
		if (p) {
			w = workers[i];
			err = 0;
		}
	}
	if (err)
		return err;
	*wp = w;
	*out = p;
	return 0;
}

int rtp_worker_add(struct rtp_worker *w, struct rtp_session *s, struct rtp_pair *p)
{
	int err = 0;

	/* The worker's reference first: the moment the pair names s, an
	 * event on a parked pair (already watched) may reach s. */
	ly_ref(s);
	atomic_fetch_add(&w->sessions, 1);
	for (int k = 0; k < 2; k++)
		atomic_store(&p->sock[k].session, s);
	for (int k = 0; k < 2 && !err && !p->watched; k++)
		err = watch(w, p->sock[k].fd, &p->sock[k]);
	if (err) {
		/* The session's destructor closes the pair: both leave the set. */
		for (int k = 0; k < 2; k++)
			atomic_store(&p->sock[k].session, NULL);
		atomic_fetch_sub(&w->sessions, 1);
		ly_unref(s);
		return err;
	}
	p->watched = true;
	return 0;
}

void rtp_worker_remove(struct rtp_worker *w, struct rtp_session *s)
{
	size_t queued;

	pthread_mutex_lock(&w->lock);
	if (w->nremovals == w->capremovals) {
		w->capremovals = w->capremovals ? w->capremovals * 2 : 16;
		w->removals = ly_realloc(w->removals, w->capremovals * sizeof(*w->removals));
	}
	w->removals[w->nremovals++] = s;
	queued = w->nremovals;
	pthread_mutex_unlock(&w->lock);
	/* See REMOVAL_SWEEP_MS: the worker takes the whole queue at once. */
	if ((queued == 1 && atomic_load(&w->idle_wait)) || queued == REMOVAL_WAKE_AT)
		wake(w);
}

size_t rtp_workers_parked(void)
{
	size_t n = 0;

	for (unsigned i = 0; i < nworkers; i++)
		n += rtp_park_count(&workers[i]->park);
	return n;
}

static void arm_timer(struct rtp_worker *w, bool on)
{
	struct itimerspec its = { 0 };

	if (on) {
		its.it_interval.tv_nsec = w->fine ? TICK_NS : TICK_NS * TICK_SLOTS;
		its.it_value.tv_nsec = its.it_interval.tv_nsec;
	}
	if (timerfd_settime(w->timerfd, 0, &its, NULL))
		ly_error("RTP worker %u: timerfd_settime: %s", w->index, strerror(errno));
}

/* The slot holding s (*at: its index there), or NULL. */
static struct tick_slot *slot_of(struct rtp_worker *w, const struct rtp_session *s, size_t *at)
{
	for (int k = 0; k < TICK_SLOTS; k++)
		for (size_t i = 0; i < w->slots[k].n; i++)
			if (w->slots[k].s[i] == s) {
				*at = i;
				return &w->slots[k];
			}
	return NULL;
}

static void slot_add(struct rtp_worker *w, struct rtp_session *s)
{
	struct tick_slot *sl = &w->slots[0];

	for (int k = 1; k < TICK_SLOTS; k++)
		if (w->slots[k].n < sl->n)
			sl = &w->slots[k];
	if (sl->n == sl->cap) {
		sl->cap = sl->cap ? sl->cap * 2 : 8;
		sl->s = ly_realloc(sl->s, sl->cap * sizeof(*sl->s));
	}
	sl->s[sl->n++] = s;
	if (++w->nticking == 1)
		arm_timer(w, true);
	else if (!w->fine && w->nticking >= FINE_FROM) {
		w->fine = true;
		arm_timer(w, true);
	}
}

void rtp_worker_tick(struct rtp_worker *w, struct rtp_session *s, bool on)
{
	struct tick_slot *sl;
	size_t i;

	pthread_mutex_lock(&w->tick_lock);
	sl = slot_of(w, s, &i);
	if (on && !sl) {
		slot_add(w, s);
	} else if (!on && sl) {
		/* Shift, not swap with the last: the others keep their order
		 * in the slot, so their send times do not jump. */
		memmove(&sl->s[i], &sl->s[i + 1], (sl->n - i - 1) * sizeof(*sl->s));
		sl->n--;
		if (--w->nticking == 0)
			arm_timer(w, false);	/* an idle worker sleeps */
		else if (w->fine && w->nticking < COARSE_BELOW) {
			w->fine = false;
			arm_timer(w, true);
		}
	}
	pthread_mutex_unlock(&w->tick_lock);
}
