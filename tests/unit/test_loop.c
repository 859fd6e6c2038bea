/* tests/unit/test_loop.c - the epoll event loop: fds, cross-thread calls, timers, stop. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "lyre/loop.h"
#include "lyre/utils.h"
#include "loop_int.h"
#include "tap.h"

/* Every test arms this guard, so a broken loop fails instead of hanging. */
static bool timed_out;

static int guard_fired(void *arg)
{
	timed_out = true;
	ly_loop_stop(arg);
	return 0;
}

static struct ly_loop *loop_with_guard(void)
{
	struct ly_loop *loop = ly_loop_new();

	timed_out = false;
	ly_sched_add(ly_loop_sched(loop), 2000, guard_fired, loop);
	return loop;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- fds ---- */

struct reader {
	struct ly_loop *loop;
	unsigned events;
	char got;
	int calls;
};

static void read_and_stop(int fd, unsigned events, void *arg)
{
	struct reader *r = arg;

	r->calls++;
	r->events = events;
	if (read(fd, &r->got, 1) != 1)
		r->got = 0;
	ly_loop_stop(r->loop);
}

static void test_pipe_readable(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct reader r = { .loop = loop };
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(ly_loop_add_fd(loop, p[0], LY_FD_READ, read_and_stop, &r), 0);
	CHECK_INT(ly_loop_add_fd(loop, p[0], LY_FD_READ, read_and_stop, &r), EEXIST);
	CHECK_INT(write(p[1], "x", 1), 1);
	CHECK_INT(ly_loop_run(loop), 0);
	CHECK(!timed_out);
	CHECK_INT(r.calls, 1);
	CHECK_INT(r.events, LY_FD_READ);
	CHECK_INT(r.got, 'x');
	CHECK_INT(ly_loop_del_fd(loop, p[0]), 0);
	CHECK_INT(ly_loop_del_fd(loop, p[0]), ENOENT);
	close(p[0]);
	close(p[1]);
	ly_loop_free(loop);
}

static void test_hangup_reports_error_and_read(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct reader r = { .loop = loop };
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(ly_loop_add_fd(loop, p[0], LY_FD_READ, read_and_stop, &r), 0);
	close(p[1]);
	CHECK_INT(ly_loop_run(loop), 0);
	CHECK(!timed_out);
	CHECK_INT(r.calls, 1);
	CHECK_INT(r.events, LY_FD_READ | LY_FD_ERROR);
	close(p[0]);
	ly_loop_free(loop);	/* frees the watch still registered */
}

static void write_ready(int fd, unsigned events, void *arg)
{
	struct reader *r = arg;

	r->calls++;
	r->events = events;
	ly_loop_stop(r->loop);
}

static void test_mod_fd_switches_to_write(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct reader r = { .loop = loop };
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(ly_loop_add_fd(loop, p[1], 0, write_ready, &r), 0);
	CHECK_INT(ly_loop_mod_fd(loop, p[1], LY_FD_WRITE), 0);
	CHECK_INT(ly_loop_mod_fd(loop, p[0], LY_FD_WRITE), ENOENT);
	CHECK_INT(ly_loop_mod_fd(loop, p[1], 0x80), EINVAL);
	CHECK_INT(ly_loop_run(loop), 0);
	CHECK(!timed_out);
	CHECK_INT(r.calls, 1);
	CHECK_INT(r.events, LY_FD_WRITE);
	CHECK_INT(ly_loop_add_fd(loop, -1, LY_FD_READ, write_ready, &r), EBADF);
	CHECK_INT(ly_loop_del_fd(loop, p[1]), 0);
	close(p[0]);
	close(p[1]);
	ly_loop_free(loop);
}

struct self_deleter {
	struct ly_loop *loop;
	int calls;
	int del_result;
};

static int stop_loop(void *arg)
{
	ly_loop_stop(arg);
	return 0;
}

static void delete_self(int fd, unsigned events, void *arg)
{
	struct self_deleter *d = arg;

	/* Does not read: a watch that survived would fire again at once. */
	d->calls++;
	d->del_result = ly_loop_del_fd(d->loop, fd);
}

static void test_del_fd_inside_own_callback(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct self_deleter d = { .loop = loop, .del_result = -1 };
	int p[2];

	CHECK_INT(pipe(p), 0);
	CHECK_INT(ly_loop_add_fd(loop, p[0], LY_FD_READ, delete_self, &d), 0);
	CHECK_INT(write(p[1], "x", 1), 1);
	ly_sched_add(ly_loop_sched(loop), 30, stop_loop, loop);
	CHECK_INT(ly_loop_run(loop), 0);
	CHECK(!timed_out);
	CHECK_INT(d.calls, 1);
	CHECK_INT(d.del_result, 0);
	close(p[0]);
	close(p[1]);
	ly_loop_free(loop);
}

/* Two ready pipes in one epoll batch: whichever runs first deletes the
 * other, whose event is already in the batch and must be skipped. */
struct pair {
	struct ly_loop *loop;
	int fds[2];
	int calls;
};

static void delete_partner(int fd, unsigned events, void *arg)
{
	struct pair *pr = arg;

	pr->calls++;
	ly_loop_del_fd(pr->loop, fd == pr->fds[0] ? pr->fds[1] : pr->fds[0]);
	ly_loop_del_fd(pr->loop, fd);
}

static void test_del_fd_of_another_in_same_batch(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct pair pr = { .loop = loop };
	int a[2], b[2];

	CHECK_INT(pipe(a), 0);
	CHECK_INT(pipe(b), 0);
	pr.fds[0] = a[0];
	pr.fds[1] = b[0];
	CHECK_INT(ly_loop_add_fd(loop, a[0], LY_FD_READ, delete_partner, &pr), 0);
	CHECK_INT(ly_loop_add_fd(loop, b[0], LY_FD_READ, delete_partner, &pr), 0);
	CHECK_INT(write(a[1], "x", 1), 1);
	CHECK_INT(write(b[1], "y", 1), 1);
	ly_sched_add(ly_loop_sched(loop), 30, stop_loop, loop);
	CHECK_INT(ly_loop_run(loop), 0);
	CHECK(!timed_out);
	CHECK_INT(pr.calls, 1);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	ly_loop_free(loop);
}

/* ---- ly_loop_call from other threads ---- */

#define CALLS_PER_THREAD 1000

struct producer {
	struct ly_loop *loop;
	int index;
	int next_expected;	/* touched on the loop thread only */
	int out_of_order;
	int not_on_loop;
	int call_errors;
	int was_current;	/* ly_loop_is_current in the producer */
};

static struct producer producers[2];
static int calls_done;

struct call_arg {
	struct producer *p;
	int seq;
};

static void on_loop_call(void *arg)
{
	struct call_arg *c = arg;
	struct producer *p = c->p;

	if (c->seq != p->next_expected)
		p->out_of_order++;
	p->next_expected = c->seq + 1;
	if (!ly_loop_is_current(p->loop))
		p->not_on_loop++;
	if (++calls_done == 2 * CALLS_PER_THREAD)
		ly_loop_stop(p->loop);
}

static struct call_arg call_args[2][CALLS_PER_THREAD];

static void *produce(void *arg)
{
	struct producer *p = arg;

	p->was_current = ly_loop_is_current(p->loop);
	for (int i = 0; i < CALLS_PER_THREAD; i++) {
		struct call_arg *c = &call_args[p->index][i];

		c->p = p;
		c->seq = i;
		if (ly_loop_call(p->loop, on_loop_call, c) != 0)
			p->call_errors++;
	}
	return NULL;
}

static void test_calls_from_two_threads_run_fifo(void)
{
	struct ly_loop *loop = loop_with_guard();
	pthread_t tids[2];

	calls_done = 0;
	for (int i = 0; i < 2; i++) {
		memset(&producers[i], 0, sizeof(producers[i]));
		producers[i].loop = loop;
		producers[i].index = i;
		CHECK_INT(pthread_create(&tids[i], NULL, produce, &producers[i]), 0);
	}
	CHECK_INT(ly_loop_run(loop), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(tids[i], NULL);
	CHECK(!timed_out);
	CHECK_INT(calls_done, 2 * CALLS_PER_THREAD);
	for (int i = 0; i < 2; i++) {
		CHECK_INT(producers[i].next_expected, CALLS_PER_THREAD);
		CHECK_INT(producers[i].out_of_order, 0);
		CHECK_INT(producers[i].not_on_loop, 0);
		CHECK_INT(producers[i].call_errors, 0);
		CHECK_INT(producers[i].was_current, 0);
	}
	CHECK(!ly_loop_is_current(loop));	/* the loop has returned */
	ly_loop_free(loop);
}

static void set_flag(void *arg)
{
	*(bool *)arg = true;
}

static void test_free_drops_queued_calls(void)
{
	struct ly_loop *loop = ly_loop_new();
	bool ran = false;

	CHECK_INT(ly_loop_call(loop, set_flag, &ran), 0);
	CHECK_INT(ly_loop_call(loop, NULL, NULL), EINVAL);
	ly_loop_free(loop);	/* LeakSanitizer checks the call was freed */
	CHECK(!ran);
}

/* ---- scheduler on the loop ---- */

struct timing {
	struct ly_loop *loop;
	uint64_t start;
	uint64_t elapsed;
};

static int note_elapsed(void *arg)
{
	struct timing *t = arg;

	t->elapsed = ly_now_ms() - t->start;
	ly_loop_stop(t->loop);
	return 0;
}

static void test_sched_entry_fires_on_time(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct timing t = { .loop = loop, .start = ly_now_ms() };

	ly_sched_add(ly_loop_sched(loop), 30, note_elapsed, &t);
	CHECK_INT(ly_loop_run(loop), 0);
	CHECK(!timed_out);
	CHECK(t.elapsed >= 25 && t.elapsed <= 200);
	ly_loop_free(loop);
}

struct adder {
	struct ly_loop *loop;
	struct timing *t;
};

static void *add_from_thread(void *arg)
{
	struct adder *a = arg;

	/* The loop is already asleep on the 2 s guard; this earlier entry
	 * must re-arm its timer through the notify hook. */
	sleep_ms(10);
	a->t->start = ly_now_ms();
	ly_sched_add(ly_loop_sched(a->loop), 20, note_elapsed, a->t);
	return NULL;
}

static void test_sched_add_from_other_thread_rearms(void)
{
	struct ly_loop *loop = loop_with_guard();
	struct timing t = { .loop = loop };
	struct adder a = { .loop = loop, .t = &t };
	pthread_t tid;

	CHECK_INT(pthread_create(&tid, NULL, add_from_thread, &a), 0);
	CHECK_INT(ly_loop_run(loop), 0);
	pthread_join(tid, NULL);
	CHECK(!timed_out);
	CHECK(t.elapsed >= 15 && t.elapsed <= 200);
	ly_loop_free(loop);
}

/* ---- stopping ---- */

static void *stop_soon(void *arg)
{
	sleep_ms(20);
	ly_loop_stop(arg);
	return NULL;
}

static void test_stop_from_other_thread(void)
{
	struct ly_loop *loop = loop_with_guard();
	uint64_t start = ly_now_ms();
	pthread_t tid;

	CHECK_INT(pthread_create(&tid, NULL, stop_soon, loop), 0);
	CHECK_INT(ly_loop_run(loop), 0);
	pthread_join(tid, NULL);
	CHECK(!timed_out);
	CHECK(ly_now_ms() - start < 1000);
	ly_loop_free(loop);
}

static void test_main_loop_pointer(void)
{
	struct ly_loop *loop = ly_loop_new();

	CHECK(ly_main_loop() == NULL);
	ly_main_loop_set(loop);
	CHECK(ly_main_loop() == loop);
	ly_loop_free(loop);
	CHECK(ly_main_loop() == NULL);
}

TAP_MAIN(
	TAP(test_pipe_readable),
	TAP(test_hangup_reports_error_and_read),
	TAP(test_mod_fd_switches_to_write),
	TAP(test_del_fd_inside_own_callback),
	TAP(test_del_fd_of_another_in_same_batch),
	TAP(test_calls_from_two_threads_run_fifo),
	TAP(test_free_drops_queued_calls),
	TAP(test_sched_entry_fires_on_time),
	TAP(test_sched_add_from_other_thread_rearms),
	TAP(test_stop_from_other_thread),
	TAP(test_main_loop_pointer),
)
