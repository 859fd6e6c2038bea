/* core/media_timer.c - the core's 20 ms media timer for channels without an RTP session. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "lyre/channel.h"
#include "lyre/frame.h"
#include "lyre/thread.h"

#include "media_timer.h"

#define FRAME_NS (20 * 1000000L)

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond = PTHREAD_COND_INITIALIZER;
static struct media_timer_entry *timer_list;
static bool timer_running;

static void tick_all(void)
{
	for (struct media_timer_entry *e = timer_list; e; e = e->next)
		if (atomic_fetch_add(&e->credit, 1) == 0)	/* one wake-up in flight at most */
			ly_chan_queue_frame(e->c, ly_frame_new(LY_FRAME_NULL, 0));
}

static void *timer_main(void *arg)
{
	struct timespec next;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&timer_lock);
	for (;;) {
		while (!timer_list) {
			pthread_cond_wait(&timer_cond, &timer_lock);
			clock_gettime(CLOCK_MONOTONIC, &next);
		}
		pthread_mutex_unlock(&timer_lock);
		/* Absolute deadlines, so the ticks do not drift. */
		next.tv_nsec += FRAME_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		pthread_mutex_lock(&timer_lock);
		tick_all();
	}
	return NULL;
}

int media_timer_join(struct media_timer_entry *e)
{
	int err = 0;

	pthread_mutex_lock(&timer_lock);
	if (!timer_running && (err = ly_thread_create_media(NULL, "media-timer", timer_main, NULL)) == 0)
		timer_running = true;
	if (!err) {
		atomic_store(&e->credit, 0);
		e->next = timer_list;
		timer_list = e;
		pthread_cond_signal(&timer_cond);
	}
	pthread_mutex_unlock(&timer_lock);
	return err;
}

void media_timer_leave(struct media_timer_entry *e)
{
	pthread_mutex_lock(&timer_lock);
	for (struct media_timer_entry **p = &timer_list; *p; p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			break;
		}
	pthread_mutex_unlock(&timer_lock);
}

unsigned media_timer_take(struct media_timer_entry *e)
{
	return atomic_exchange(&e->credit, 0);
}
