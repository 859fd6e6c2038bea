/* core/pbx_pool.c - the threads that run channels' dialplans: one per channel, reused when a call ends. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "lyre/thread.h"
#include "lyre/utils.h"
#include "mem.h"

/*
 * As in Asterisk every channel walks its dialplan on a thread of its own,
 * since applications block (Dial waits, Playback streams).  Unlike
 * Asterisk, a thread whose channel hung up waits a while for the next
 * channel instead of exiting: at thousands of calls a second, creating
 * and tearing down a thread per call cost more than the SIP work itself.
 * At most POOL_MAX_IDLE threads wait, each for POOL_IDLE_S at most, so an
 * idle system goes back to no pbx thread at all.
 */
#define POOL_MAX_IDLE 64
#define POOL_IDLE_S 20

struct handoff {
	struct ly_channel *chan;
	struct handoff *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct handoff *head, *tail;
	unsigned idle;		/* threads waiting in wait_for_channel */
	unsigned queued;	/* channels handed over, not yet taken */
	unsigned threads;	/* alive */
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0 };

static struct ly_channel *take_locked(void)
{
	struct handoff *h = pool.head;
	struct ly_channel *c = h->chan;

	pool.head = h->next;
	if (!pool.head)
		pool.tail = NULL;
	pool.queued--;
	free(h);
	return c;
}

/* The next channel for this thread, or NULL when it should end. */
static struct ly_channel *wait_for_channel(void)
{
	struct ly_channel *c = NULL;
	struct timespec until;
	bool last = false;
	int rc = 0;

	pthread_mutex_lock(&pool.lock);
	if (pool.idle >= POOL_MAX_IDLE && !pool.head) {
		pool.threads--;
		pthread_mutex_unlock(&pool.lock);
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POOL_IDLE_S;
	pool.idle++;
	while (!pool.head && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&pool.work, &pool.lock, &until);
	pool.idle--;
	if (pool.head)
		c = take_locked();
	else
		last = --pool.threads == 0;
	pthread_mutex_unlock(&pool.lock);
	/* The last thread of a load leaves: what the pbx threads freed sits
	 * in their arena, free but resident (core/mem.c); give it back. */
	if (last)
		ly_mem_release();
	return c;
}

static void *pbx_thread(void *arg)
{
	struct ly_channel *c = arg;

	while (c) {
		ly_pbx_run(c);
		ly_unref(c);
		c = wait_for_channel();
	}
	return NULL;
}

/* Give c to a waiting thread; false when none is free. */
static bool hand_to_idle(struct ly_channel *c)
{
	bool taken = false;

	pthread_mutex_lock(&pool.lock);
	if (pool.idle > pool.queued) {
		struct handoff *h = ly_malloc(sizeof(*h));

		h->chan = c;
		h->next = NULL;
		if (pool.tail)
			pool.tail->next = h;
		else
			pool.head = h;
		pool.tail = h;
		pool.queued++;
		taken = true;
	}
	pthread_mutex_unlock(&pool.lock);
	/* Signalled after the unlock: a thread woken while we still held the
	 * lock would only go back to sleep on it. */
	if (taken)
		pthread_cond_signal(&pool.work);
	return taken;
}

int ly_pbx_start(struct ly_channel *c)
{
	int err;

	/* The thread's own reference: the channel outlives its hangup until
	 * the thread is done with it. */
	ly_ref(c);
	if (hand_to_idle(c))
		return 0;
	pthread_mutex_lock(&pool.lock);
	pool.threads++;
	pthread_mutex_unlock(&pool.lock);
	err = ly_thread_create_detached("pbx", pbx_thread, c);
	if (err) {
		pthread_mutex_lock(&pool.lock);
		pool.threads--;
		pthread_mutex_unlock(&pool.lock);
		ly_error("Cannot start the dialplan of '%s': %s", ly_chan_name(c), strerror(err));
		ly_unref(c);
	}
	return err;
}
