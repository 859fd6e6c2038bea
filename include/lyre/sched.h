/*
 * lyre/sched.h - timers for timeouts, retransmissions and expiries.
 *
 * A scheduler is a min-heap of entries ordered by due time; entries due at
 * the same millisecond run in the order they were added.  It does not own
 * a thread: the event loop runs it (ly_loop_sched), and tests drive one by
 * hand with ly_sched_run_due and a clock of their choosing.
 *
 * All functions are thread-safe.  A callback may add or delete entries.
 */
#ifndef LYRE_SCHED_H
#define LYRE_SCHED_H

#include <stdint.h>

struct ly_sched;

/*
 * Callback: return 0 to finish, or a positive number of milliseconds to
 * run again that long after this run's due time (a repeating timer).
 */
typedef int (*ly_sched_cb)(void *arg);

struct ly_sched *ly_sched_new(void);
void ly_sched_free(struct ly_sched *s);

/* Schedule cb(arg) `delay_ms` after now (ly_now_ms).  Returns an id > 0. */
uint64_t ly_sched_add(struct ly_sched *s, unsigned delay_ms, ly_sched_cb cb, void *arg);
/* Same, relative to an explicit clock value (for tests and precise repeats). */
uint64_t ly_sched_add_at(struct ly_sched *s, uint64_t due_ms, ly_sched_cb cb, void *arg);
/*
 * Cancel an entry: 0 when it was pending and will not run, ENOENT when it
 * already ran, is running or never existed.  Deleting a repeating entry from
 * inside its own callback stops the repetition.
 */
int ly_sched_del(struct ly_sched *s, uint64_t id);

/* Run every entry due at or before now_ms; returns how many ran. */
int ly_sched_run_due(struct ly_sched *s, uint64_t now_ms);
/* Milliseconds from now_ms until the next entry is due: 0 if overdue,
 * -1 when nothing is scheduled. */
int64_t ly_sched_wait_ms(struct ly_sched *s, uint64_t now_ms);
unsigned ly_sched_count(struct ly_sched *s);

/* Called (from any thread) whenever the earliest due time may have moved
 * earlier; the loop uses it to re-arm its timer. */
void ly_sched_set_notify(struct ly_sched *s, void (*notify)(void *arg), void *arg);

#endif
