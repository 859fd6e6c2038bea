/* core/media_timer.h - the core's 20 ms media timer for channels without an RTP session (core-private). */
#ifndef LYRE_CORE_MEDIA_TIMER_H
#define LYRE_CORE_MEDIA_TIMER_H

#include <stdatomic.h>

struct ly_channel;

/*
 * A channel with an RTP session is paced by its media worker.  One without
 * (a Local channel) joins this timer: every 20 ms it credits each entry a
 * frame and, when the credit was zero, queues a NULL frame on the channel
 * to wake its driving thread, which then writes the frames due itself
 * (only the driving thread writes to a channel).  One thread serves every
 * entry, so no thread sleeps per channel.
 */
struct media_timer_entry {
	struct ly_channel *c;		/* woken when credit goes from 0 to 1 */
	atomic_uint credit;		/* frames due */
	struct media_timer_entry *next;	/* the timer's list */
};

/* 0 or an errno value (the timer thread could not start). */
int media_timer_join(struct media_timer_entry *e);
/* Once this returns, the timer no longer touches e. */
void media_timer_leave(struct media_timer_entry *e);
/* The frames due since the last call, and the credit back to zero. */
unsigned media_timer_take(struct media_timer_entry *e);

#endif
