/* tests/unit/test_sched.c - the scheduler driven by hand with a fake clock. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lyre/sched.h"
#include "lyre/utils.h"
#include "tap.h"

/* What ran, in order: each callback appends its tag. */
static int ran_log[64];
static int ran_len;

static void log_reset(void)
{
	ran_len = 0;
}

static int record(void *arg)
{
	if (ran_len < (int)LY_ARRAY_LEN(ran_log))
		ran_log[ran_len++] = (int)(intptr_t)arg;
	return 0;
}

static void *tag(int n)
{
	return (void *)(intptr_t)n;
}

static void test_runs_in_due_order(void)
{
	struct ly_sched *s = ly_sched_new();

	log_reset();
	ly_sched_add_at(s, 30, record, tag(3));
	ly_sched_add_at(s, 10, record, tag(1));
	ly_sched_add_at(s, 20, record, tag(2));
	ly_sched_add_at(s, 40, record, tag(4));
	CHECK_INT(ly_sched_count(s), 4);
	CHECK_INT(ly_sched_run_due(s, 5), 0);
	CHECK_INT(ly_sched_run_due(s, 30), 3);
	CHECK_INT(ran_len, 3);
	CHECK_INT(ran_log[0], 1);
	CHECK_INT(ran_log[1], 2);
	CHECK_INT(ran_log[2], 3);
	CHECK_INT(ly_sched_count(s), 1);
	ly_sched_free(s);	/* frees the entry due at 40 */
}

static void test_equal_due_times_run_fifo(void)
{
	struct ly_sched *s = ly_sched_new();

	log_reset();
	for (int i = 0; i < 20; i++)
		ly_sched_add_at(s, 100, record, tag(i));
	CHECK_INT(ly_sched_run_due(s, 100), 20);
	for (int i = 0; i < 20; i++)
		CHECK_INT(ran_log[i], i);
	ly_sched_free(s);
}

static void test_ids_are_unique_and_positive(void)
{
	struct ly_sched *s = ly_sched_new();
	uint64_t a = ly_sched_add_at(s, 1, record, NULL);

	CHECK(a > 0);
	CHECK_INT(ly_sched_del(s, a), 0);
	uint64_t b = ly_sched_add_at(s, 1, record, NULL);
	CHECK(b > a);	/* a deleted id is never handed out again */
	CHECK_INT(ly_sched_del(s, a), ENOENT);
	ly_sched_free(s);
}

static void test_cancel_before_and_after_run(void)
{
	struct ly_sched *s = ly_sched_new();
	uint64_t early, late;

	log_reset();
	early = ly_sched_add_at(s, 10, record, tag(1));
	late = ly_sched_add_at(s, 20, record, tag(2));
	CHECK_INT(ly_sched_del(s, late), 0);
	CHECK_INT(ly_sched_del(s, late), ENOENT);
	CHECK_INT(ly_sched_run_due(s, 50), 1);
	CHECK_INT(ran_len, 1);
	CHECK_INT(ran_log[0], 1);
	CHECK_INT(ly_sched_del(s, early), ENOENT);
	CHECK_INT(ly_sched_del(s, 0), ENOENT);
	CHECK_INT(ly_sched_del(s, 12345), ENOENT);
	CHECK_INT(ly_sched_count(s), 0);
	ly_sched_free(s);
}

struct deleter {
	struct ly_sched *s;
	uint64_t self;
	uint64_t other;
	int del_self;
	int del_other;
	int runs;
};

static int delete_both(void *arg)
{
	struct deleter *d = arg;

	d->runs++;
	d->del_self = ly_sched_del(d->s, d->self);
	d->del_other = ly_sched_del(d->s, d->other);
	return 50;	/* would repeat, but it deleted itself */
}

static void test_delete_from_inside_callback(void)
{
	struct ly_sched *s = ly_sched_new();
	struct deleter d = { .s = s };

	log_reset();
	d.self = ly_sched_add_at(s, 10, delete_both, &d);
	d.other = ly_sched_add_at(s, 10, record, tag(7));	/* same time, runs after */
	ly_sched_add_at(s, 10, record, tag(8));
	CHECK_INT(ly_sched_run_due(s, 10), 2);
	CHECK_INT(d.runs, 1);
	CHECK_INT(d.del_self, ENOENT);		/* running: too late, but ... */
	CHECK_INT(d.del_other, 0);		/* pending: will not run */
	CHECK_INT(ran_len, 1);
	CHECK_INT(ran_log[0], 8);
	CHECK_INT(ly_sched_count(s), 0);	/* ... no repeat either */
	CHECK_INT(ly_sched_run_due(s, 1000), 0);
	ly_sched_free(s);
}

struct repeater {
	struct ly_sched *s;
	uint64_t id;
	int runs;
	int stop_after;
};

static int repeat_every_10(void *arg)
{
	struct repeater *r = arg;

	if (++r->runs == r->stop_after)
		ly_sched_del(r->s, r->id);
	return 10;
}

static void test_repeating_entry(void)
{
	struct ly_sched *s = ly_sched_new();
	struct repeater r = { .s = s, .stop_after = 4 };

	r.id = ly_sched_add_at(s, 100, repeat_every_10, &r);
	CHECK_INT(ly_sched_run_due(s, 100), 1);
	CHECK_INT(ly_sched_wait_ms(s, 100), 10);
	CHECK_INT(ly_sched_run_due(s, 105), 0);
	/* 3 ms late: next run stays on the 10 ms grid (120, not 123). */
	CHECK_INT(ly_sched_run_due(s, 113), 1);
	CHECK_INT(ly_sched_wait_ms(s, 113), 7);
	/* 25 ms late, more than a period: restart from now (145 + 10). */
	CHECK_INT(ly_sched_run_due(s, 145), 1);
	CHECK_INT(ly_sched_wait_ms(s, 145), 10);
	CHECK_INT(r.runs, 3);
	/* The fourth run deletes itself: no fifth. */
	CHECK_INT(ly_sched_run_due(s, 155), 1);
	CHECK_INT(r.runs, 4);
	CHECK_INT(ly_sched_count(s), 0);
	CHECK_INT(ly_sched_wait_ms(s, 155), -1);
	CHECK_INT(ly_sched_del(s, r.id), ENOENT);
	ly_sched_free(s);
}

static void test_repeat_exactly_one_period_late(void)
{
	struct ly_sched *s = ly_sched_new();
	struct repeater r = { .s = s, .stop_after = -1 };

	r.id = ly_sched_add_at(s, 100, repeat_every_10, &r);
	/* Due again at 110 == now; it runs in the next call, not this one. */
	CHECK_INT(ly_sched_run_due(s, 110), 1);
	CHECK_INT(ly_sched_wait_ms(s, 110), 0);
	CHECK_INT(ly_sched_run_due(s, 110), 1);
	CHECK_INT(ly_sched_run_due(s, 110), 0);
	CHECK_INT(ly_sched_del(s, r.id), 0);
	ly_sched_free(s);
}

static void test_wait_ms(void)
{
	struct ly_sched *s = ly_sched_new();
	uint64_t id;

	CHECK_INT(ly_sched_wait_ms(s, 0), -1);
	id = ly_sched_add_at(s, 50, record, NULL);
	ly_sched_add_at(s, 80, record, NULL);
	CHECK_INT(ly_sched_wait_ms(s, 20), 30);
	CHECK_INT(ly_sched_wait_ms(s, 50), 0);
	CHECK_INT(ly_sched_wait_ms(s, 70), 0);
	CHECK_INT(ly_sched_del(s, id), 0);
	CHECK_INT(ly_sched_wait_ms(s, 20), 60);
	ly_sched_free(s);
}

static void test_add_uses_monotonic_clock(void)
{
	struct ly_sched *s = ly_sched_new();

	ly_sched_add(s, 1000, record, NULL);
	int64_t wait = ly_sched_wait_ms(s, ly_now_ms());
	CHECK(wait > 900 && wait <= 1000);
	ly_sched_free(s);
}

struct readder {
	struct ly_sched *s;
	uint64_t now;
	int runs;
};

static int readd_now(void *arg)
{
	struct readder *r = arg;

	r->runs++;
	ly_sched_add_at(r->s, r->now, readd_now, r);
	return 0;
}

static void test_work_per_call_is_bounded(void)
{
	struct ly_sched *s = ly_sched_new();
	struct readder r = { .s = s, .now = 500 };

	ly_sched_add_at(s, 500, readd_now, &r);
	for (int i = 1; i <= 5; i++) {
		CHECK_INT(ly_sched_run_due(s, 500), 1);
		CHECK_INT(r.runs, i);
		CHECK_INT(ly_sched_count(s), 1);
	}
	ly_sched_free(s);
}

struct parker {
	struct ly_sched *s;
	uint64_t parked_id;
	int del_result;
};

static int add_past_entry(void *arg)
{
	struct parker *p = arg;

	p->parked_id = ly_sched_add_at(p->s, 5, record, tag(99));
	return 0;
}

static int del_parked_entry(void *arg)
{
	struct parker *p = arg;

	p->del_result = ly_sched_del(p->s, p->parked_id);
	return 0;
}

static void test_delete_entry_added_during_same_run(void)
{
	struct ly_sched *s = ly_sched_new();
	struct parker p = { .s = s, .del_result = -1 };

	log_reset();
	ly_sched_add_at(s, 10, add_past_entry, &p);
	ly_sched_add_at(s, 20, del_parked_entry, &p);
	ly_sched_add_at(s, 25, record, tag(1));
	CHECK_INT(ly_sched_run_due(s, 30), 3);
	CHECK_INT(p.del_result, 0);
	CHECK_INT(ly_sched_del(s, p.parked_id), ENOENT);
	CHECK_INT(ly_sched_run_due(s, 30), 0);
	CHECK_INT(ran_len, 1);
	CHECK_INT(ran_log[0], 1);
	CHECK_INT(ly_sched_count(s), 0);
	ly_sched_free(s);
}

static int notified;

static void count_notify(void *arg)
{
	(void)arg;
	notified++;
}

static void test_notify_when_earliest_moves_earlier(void)
{
	struct ly_sched *s = ly_sched_new();

	notified = 0;
	ly_sched_set_notify(s, count_notify, NULL);
	ly_sched_add_at(s, 100, record, NULL);
	CHECK_INT(notified, 1);
	ly_sched_add_at(s, 200, record, NULL);
	CHECK_INT(notified, 1);
	ly_sched_add_at(s, 50, record, NULL);
	CHECK_INT(notified, 2);
	ly_sched_free(s);
}

/* ---- random operations against a reference model ---- */

#define MODEL_MAX 300

struct model_entry {
	uint64_t id;
	uint64_t due;
	uint64_t order;		/* add order, the tie-break */
};

static struct model_entry model[MODEL_MAX];
static int model_len;
static uint64_t model_ran[MODEL_MAX];
static int model_ran_len;

static int record_id(void *arg)
{
	if (model_ran_len < MODEL_MAX)
		model_ran[model_ran_len++] = (uint64_t)(uintptr_t)arg;
	return 0;
}

static int model_cmp(const void *a, const void *b)
{
	const struct model_entry *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Checks one run_due against the model; returns how many mismatched. */
static int model_run(struct ly_sched *s, uint64_t now)
{
	int bad = 0, expect = 0;

	qsort(model, (size_t)model_len, sizeof(model[0]), model_cmp);
	while (expect < model_len && model[expect].due <= now)
		expect++;
	model_ran_len = 0;
	if (ly_sched_run_due(s, now) != expect || model_ran_len != expect)
		bad++;
	for (int i = 0; i < expect && i < model_ran_len; i++)
		if (model_ran[i] != model[i].id)
			bad++;
	memmove(model, model + expect, (size_t)(model_len - expect) * sizeof(model[0]));
	model_len -= expect;
	return bad;
}

/* The scheduler never asks to sleep past the earliest pending entry. */
static int wait_too_long(struct ly_sched *s, uint64_t now)
{
	int64_t wait = ly_sched_wait_ms(s, now);
	uint64_t first = UINT64_MAX;

	for (int i = 0; i < model_len; i++)
		if (model[i].due < first)
			first = model[i].due;
	if (!model_len)
		return wait != -1;
	return wait < 0 || (first > now && (uint64_t)wait > first - now);
}

/* Random adds (due up to due_span ms ahead), deletes and clock steps (up
 * to step_span ms) checked against a plain list. */
static void random_model(unsigned seed, unsigned due_span, unsigned step_span)
{
	struct ly_sched *s = ly_sched_new();
	uint64_t now = 1000, order = 0, last_id = 0;
	int bad = 0;

	srand(seed);
	model_len = 0;
	for (int op = 0; op < 20000; op++) {
		int r = rand() % 10;

		if (r < 5 && model_len < MODEL_MAX) {
			uint64_t due = now + (uint64_t)(rand() % (int)due_span);
			/* The id is only known after the add, so the callback
			 * gets the id the scheduler will hand out next. */
			struct model_entry *m = &model[model_len++];
			m->id = last_id + 1;
			m->due = due;
			m->order = order++;
			last_id = ly_sched_add_at(s, due, record_id, (void *)(uintptr_t)m->id);
			bad += last_id != m->id;
		} else if (r < 8 && model_len > 0) {
			int i = rand() % model_len;
			bad += ly_sched_del(s, model[i].id) != 0;
			model[i] = model[--model_len];
		} else if (r < 9) {
			/* A stale or never-issued id. */
			bad += ly_sched_del(s, last_id + 1 + (uint64_t)(rand() % 5)) != ENOENT;
		} else {
			now += (uint64_t)(rand() % (int)step_span);
			bad += model_run(s, now);
			bad += wait_too_long(s, now);
		}
		bad += ly_sched_count(s) != (unsigned)model_len;
	}
	bad += model_run(s, now + due_span + 100);
	CHECK_INT(bad, 0);
	CHECK_INT(ly_sched_count(s), 0);
	ly_sched_free(s);
}

static void test_random_against_model(void)
{
	random_model(12345, 60, 20);
}

/* Entries due seconds to minutes ahead (the far wheel, and past it) with
 * the clock moving by up to 3 s: same order, nothing late or lost. */
static void test_random_far_against_model(void)
{
	random_model(4242, 90000, 3000);
	random_model(777, 8000, 600);
}

/* A far entry alone still wakes the loop in time: the wait is until its
 * window moves to the heap, then until it is due; deleting it works in
 * the wheel; it runs after an entry due at the same time added earlier. */
static void test_far_entry(void)
{
	struct ly_sched *s = ly_sched_new();
	int64_t wait;
	uint64_t gone;

	log_reset();
	CHECK_INT(ly_sched_run_due(s, 100000), 0);	/* the clock: 100 s */
	ly_sched_add_at(s, 110000, record, tag(1));
	gone = ly_sched_add_at(s, 110000, record, tag(9));
	ly_sched_add_at(s, 110000, record, tag(2));
	CHECK_INT(ly_sched_count(s), 3);
	wait = ly_sched_wait_ms(s, 100000);
	CHECK(wait > 0 && wait <= 10000);
	CHECK_INT(ly_sched_del(s, gone), 0);
	CHECK_INT(ly_sched_del(s, gone), ENOENT);
	CHECK_INT(ly_sched_count(s), 2);
	CHECK_INT(ly_sched_run_due(s, 109000), 0);
	ly_sched_add_at(s, 110000, record, tag(3));	/* near now: the heap */
	CHECK_INT(ly_sched_wait_ms(s, 109000), 1000);
	CHECK_INT(ly_sched_run_due(s, 109999), 0);
	CHECK_INT(ly_sched_run_due(s, 110000), 3);
	CHECK_INT(ran_len, 3);
	CHECK_INT(ran_log[0], 1);
	CHECK_INT(ran_log[1], 2);
	CHECK_INT(ran_log[2], 3);
	CHECK_INT(ly_sched_wait_ms(s, 110000), -1);
	ly_sched_add_at(s, 200000, record, tag(4));	/* far, then freed with s */
	ly_sched_free(s);
}

/* A peak of entries, then nearly all deleted: the tables shrink back
 * (core/sched.c) and what is left still runs in order and is found. */
static void test_grow_then_shrink(void)
{
	enum { N = 5000, KEEP = 10 };
	struct ly_sched *s = ly_sched_new();
	uint64_t *ids = ly_calloc(N, sizeof(*ids));
	int bad = 0;

	log_reset();
	for (int i = 0; i < N; i++)
		ids[i] = ly_sched_add_at(s, 1000 + (uint64_t)((i * 7919) % N), record, tag(i % 64));
	CHECK_INT(ly_sched_count(s), N);
	/* delete all but every (N / KEEP)th, in a scattered order */
	for (int k = 0; k < N; k++) {
		int i = (k * 2477) % N;

		if (i % (N / KEEP) != 0)
			bad += ly_sched_del(s, ids[i]) != 0;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(ly_sched_count(s), KEEP);
	for (int i = 0; i < N; i++)
		bad += (ly_sched_del(s, ids[i]) == 0) != (i % (N / KEEP) == 0);	/* deletes the kept too */
	CHECK_INT(bad, 0);
	CHECK_INT(ly_sched_count(s), 0);
	for (int i = 0; i < KEEP; i++)
		ly_sched_add_at(s, 2000 - (uint64_t)i, record, tag(i));
	CHECK_INT(ly_sched_run_due(s, 3000), KEEP);
	CHECK_INT(ran_log[0], KEEP - 1);
	CHECK_INT(ran_log[KEEP - 1], 0);
	free(ids);
	ly_sched_free(s);
}

TAP_MAIN(
	TAP(test_grow_then_shrink),
	TAP(test_runs_in_due_order),
	TAP(test_equal_due_times_run_fifo),
	TAP(test_ids_are_unique_and_positive),
	TAP(test_cancel_before_and_after_run),
	TAP(test_delete_from_inside_callback),
	TAP(test_repeating_entry),
	TAP(test_repeat_exactly_one_period_late),
	TAP(test_wait_ms),
	TAP(test_add_uses_monotonic_clock),
	TAP(test_work_per_call_is_bounded),
	TAP(test_delete_entry_added_during_same_run),
	TAP(test_notify_when_earliest_moves_earlier),
	TAP(test_random_against_model),
	TAP(test_random_far_against_model),
	TAP(test_far_entry),
)
