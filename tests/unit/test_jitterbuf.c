/* tests/unit/test_jitterbuf.c - the jitter buffer (lyre/jitterbuf.h) on simulated arrival patterns. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/jitterbuf.h"
#include "tap.h"

#define STEP 160	/* 20 ms at 8 kHz */
#define N 300
#define MAX_MS 200

static unsigned slin_samples(const void *data, size_t len)
{
	(void)data;
	return (unsigned)(len / 2);
}

static struct ly_format slin = { .name = "slin", .rate = 8000, .samples = slin_samples };

/* Packet i: timestamp t0 + i * STEP, every sample 1000 + i (so a frame
 * out says which packet it was, and a concealment frame is its half). */
static struct ly_frame *packet(uint32_t t0, unsigned i)
{
	int16_t s[STEP];
	struct ly_frame *f;

	for (int k = 0; k < STEP; k++)
		s[k] = (int16_t)(1000 + i);
	f = ly_frame_voice_new(&slin, STEP, s, sizeof(s));
	f->ts = t0 + i * STEP;
	f->seqno = (uint16_t)i;
	return f;
}

static int sample0(const struct ly_frame *f)
{
	return ((const int16_t *)(const void *)f->data)[0];
}

/* One run: packet i arrives at arrive[i] ms (-1: lost); a get every 20 ms.
 * out[] gets the packet number of each real frame handed out, in order
 * (conceal counts concealment frames between them). */
struct run {
	int out[N * 2];
	size_t nout;
	unsigned conceal;
	int put_err[N];
	struct ly_jb_stats st;
};

static void simulate(const int *arrive, uint32_t t0, struct run *r)
{
	struct ly_jitterbuf *jb = ly_jb_new(8000, STEP, MAX_MS);

	unsigned pending = 0;	/* concealment frames not yet followed by audio */

	memset(r, 0, sizeof(*r));
	for (int tick = 0; tick < N + 40; tick++) {
		struct ly_frame *f;

		/* Packets that arrived during this 20 ms, in arrival order. */
		for (int ms = tick * 20; ms < tick * 20 + 20; ms++)
			for (unsigned i = 0; i < N; i++)
				if (arrive[i] == ms)
					r->put_err[i] = ly_jb_put(jb, packet(t0, i), STEP);
		f = ly_jb_get(jb);
		if (!f)
			continue;
		if (sample0(f) >= 1000 && (size_t)sample0(f) - 1000 < N &&
		    f->ts == t0 + (uint32_t)(sample0(f) - 1000) * STEP) {
			r->out[r->nout++] = sample0(f) - 1000;
			r->conceal += pending;	/* those after the end don't count */
			pending = 0;
		} else {
			pending++;
		}
		ly_frame_free(f);
	}
	ly_jb_stats(jb, &r->st);
	ly_jb_free(jb);
}

static bool strictly_increasing(const struct run *r)
{
	for (size_t i = 1; i < r->nout; i++)
		if (r->out[i] <= r->out[i - 1])
			return false;
	return true;
}

static void test_in_order(void)
{
	int arrive[N];
	struct run r;

	for (int i = 0; i < N; i++)
		arrive[i] = 20 * i + 5;
	simulate(arrive, 1234, &r);
	CHECK_INT(r.nout, N);
	CHECK(strictly_increasing(&r));
	CHECK_INT(r.conceal, 0);
	CHECK_INT(r.st.late, 0);
	CHECK_INT(r.st.frames_out, N);
}

static void test_reordering(void)
{
	int arrive[N];
	struct run r;

	/* Every pair swapped: 1 before 0, 3 before 2, ... */
	for (int i = 0; i < N; i++)
		arrive[i] = 20 * i + 5 + (i % 2 ? -20 : 1);
	arrive[1] = 4;
	simulate(arrive, 99, &r);
	CHECK(strictly_increasing(&r));
	CHECK(r.nout >= N - 2);	/* at most the start is lost to learning */
	CHECK_INT(r.st.frames_in, N);
}

static void test_loss_concealed(void)
{
	int arrive[N];
	struct ly_jitterbuf *jb = ly_jb_new(8000, STEP, MAX_MS);
	struct ly_frame *f;
	struct run r;

	for (int i = 0; i < N; i++)
		arrive[i] = 20 * i + 5;
	arrive[10] = arrive[50] = arrive[51] = -1;
	simulate(arrive, 5000, &r);
	CHECK_INT(r.nout, N - 3);
	CHECK_INT(r.conceal, 3);
	CHECK(strictly_increasing(&r));

	/* The concealment frame is the last one faded by half, then again. */
	ly_jb_put(jb, packet(0, 0), STEP);
	f = ly_jb_get(jb);
	CHECK(f && sample0(f) == 1000);
	ly_frame_free(f);
	f = ly_jb_get(jb);
	CHECK(f && sample0(f) == 500);
	ly_frame_free(f);
	f = ly_jb_get(jb);
	CHECK(f && sample0(f) == 250);
	ly_frame_free(f);
	f = ly_jb_get(jb);
	CHECK(f && sample0(f) == 125);
	ly_frame_free(f);
	CHECK(ly_jb_get(jb) == NULL);	/* LY_JB_MAX_CONCEAL, then quiet */
	ly_jb_free(jb);
}

static void test_jitter_up_to_max(void)
{
	uint32_t rng = 42;
	int arrive[N];
	size_t late_half = 0;
	struct run r;

	/* Up to 150 ms of jitter, uniformly: the buffer must grow to hold it. */
	for (int i = 0; i < N; i++) {
		rng = rng * 1103515245u + 12345u;
		arrive[i] = 20 * i + (int)((rng >> 8) % 150);
	}
	simulate(arrive, 777, &r);
	CHECK(strictly_increasing(&r));
	/* After the first 100 packets the delay has adapted: almost all of
	 * the rest play. */
	for (size_t i = 0; i < r.nout; i++)
		if (r.out[i] >= 100)
			late_half++;
	printf("# jitter 0-150 ms: %zu of %d played, %llu late, %llu concealed, %u resyncs\n",
	       r.nout, N, (unsigned long long)r.st.late, (unsigned long long)r.st.concealed,
	       (unsigned)r.st.resyncs);
	CHECK(late_half >= (N - 100) * 95 / 100);
	CHECK_INT(r.st.resyncs, 0);
}

static void test_late_dropped(void)
{
	int arrive[N];
	struct run r;

	for (int i = 0; i < N; i++)
		arrive[i] = 20 * i + 5;
	arrive[40] = 20 * 60 + 5;	/* 400 ms late: its turn is long gone */
	simulate(arrive, 0, &r);
	CHECK_INT(r.put_err[40], ETIME);
	CHECK_INT(r.st.late, 1);
	CHECK_INT(r.nout, N - 1);
	CHECK(strictly_increasing(&r));
}

static void test_timestamp_wrap(void)
{
	int arrive[N];
	struct run r;

	for (int i = 0; i < N; i++)
		arrive[i] = 20 * i + 5;
	arrive[21] = arrive[20] - 1;	/* and reordered right at the wrap */
	simulate(arrive, 0xFFFFFFFFu - 20 * STEP, &r);
	CHECK_INT(r.nout, N);
	CHECK(strictly_increasing(&r));
	CHECK_INT(r.st.late, 0);
	CHECK_INT(r.st.resyncs, 0);
}

static void test_jump_resyncs(void)
{
	struct ly_jitterbuf *jb = ly_jb_new(8000, STEP, MAX_MS);
	struct ly_jb_stats st;
	struct ly_frame *f;

	for (unsigned i = 0; i < 10; i++) {
		ly_jb_put(jb, packet(0, i), STEP);
		ly_frame_free(ly_jb_get(jb));
	}
	/* A jump of 200 packets (4 s): past max, so it plays at once. */
	ly_jb_put(jb, packet(0, 210), STEP);
	f = ly_jb_get(jb);
	CHECK(f && sample0(f) == 1210);
	ly_frame_free(f);
	ly_jb_stats(jb, &st);
	CHECK_INT(st.resyncs, 1);
	ly_jb_free(jb);
}

int main(void)
{
	return tap_run((struct tap_test[]){
			       TAP(test_in_order),
			       TAP(test_reordering),
			       TAP(test_loss_concealed),
			       TAP(test_jitter_up_to_max),
			       TAP(test_late_dropped),
			       TAP(test_timestamp_wrap),
			       TAP(test_jump_resyncs),
		       },
		       7);
}
