/* core/jitterbuf.c - the adaptive jitter buffer (lyre/jitterbuf.h), on speexdsp's JitterBuffer. */
/*
 * speexdsp keeps the packets and picks the playout delay: it watches how
 * late each packet arrives relative to the consumer's ticks and grows the
 * delay (an INSERTION: one step with nothing to play) when too many would
 * be late, shrinks it when they all come early.  What this file adds:
 * ownership of ly_frame objects (speexdsp's destroy callback frees what it
 * drops), counting late packets, the max_ms limit (a jump past it restarts
 * the buffer instead of waiting for it) and concealment frames.
 *
 * Timestamps are given to speexdsp relative to the first one after a
 * reset, and speexdsp compares them modulo 2^32, so an RTP timestamp
 * wrapping around 0 is just the next frame (RFC 3550 §5.1: it starts at a
 * random value, so a wrap within a call is common).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <speex/speex_jitter.h>

#include <lyre/format.h>
#include <lyre/frame.h>
#include <lyre/jitterbuf.h>
#include <lyre/utils.h>

/* After this many steps with nothing to play the stream has stopped (hold,
 * silence suppression): start over with the next packet instead of making
 * it wait for a delay learnt before. */
#define QUIET_RESET_STEPS 50

struct ly_jitterbuf {
	JitterBuffer *sjb;
	unsigned clock, step;
	uint32_t max_units;
	bool started;		/* a frame went in since the last reset */
	bool playing;		/* and one came out: speexdsp's pointer is real */
	uint32_t base;		/* RTP timestamp that speexdsp sees as 0 */
	struct ly_frame *last;	/* the last frame handed out, to conceal with */
	unsigned misses;	/* steps in a row without a real frame */
	struct ly_jb_stats stats;
};

static void destroy_frame(void *data)
{
	ly_frame_free(data);
}

struct ly_jitterbuf *ly_jb_new(unsigned clock, unsigned step, unsigned max_ms)
{
	struct ly_jitterbuf *jb = ly_calloc(1, sizeof(*jb));
	spx_int32_t late_rate = 5;	/* percent: speexdsp grows the delay above it */

	jb->clock = clock ? clock : 8000;
	jb->step = step ? step : jb->clock / 50;
	jb->max_units = (uint32_t)((uint64_t)max_ms * jb->clock / 1000);
	jb->sjb = jitter_buffer_init((int)jb->step);
	if (!jb->sjb)
		abort();	/* out of memory, as ly_malloc would */
	jitter_buffer_ctl(jb->sjb, JITTER_BUFFER_SET_DESTROY_CALLBACK, (void *)destroy_frame);
	jitter_buffer_ctl(jb->sjb, JITTER_BUFFER_SET_MAX_LATE_RATE, &late_rate);
	return jb;
}

void ly_jb_free(struct ly_jitterbuf *jb)
{
	if (!jb)
		return;
	jitter_buffer_destroy(jb->sjb);	/* frees the frames it holds */
	ly_frame_free(jb->last);
	free(jb);
}

void ly_jb_reset(struct ly_jitterbuf *jb)
{
	jitter_buffer_reset(jb->sjb);
	jb->started = false;
	jb->playing = false;
	jb->misses = 0;
	ly_frame_free(jb->last);
	jb->last = NULL;
}

/* Where speexdsp plays now, in our (relative) units. */
static uint32_t pointer(const struct ly_jitterbuf *jb)
{
	return (uint32_t)jitter_buffer_get_pointer_timestamp(jb->sjb);
}

int ly_jb_put(struct ly_jitterbuf *jb, struct ly_frame *f, uint32_t span)
{
	JitterBufferPacket p = { 0 };
	uint32_t rel;
	int err = 0;

	jb->stats.frames_in++;
	if (!jb->started) {
		jb->started = true;
		jb->base = f->ts;
	}
	rel = f->ts - jb->base;
	/* Signed differences: RFC 3550 timestamps compare modulo 2^32. */
	{
		int32_t ahead = (int32_t)(rel - pointer(jb));

		/* A late packet's timing still goes to speexdsp, which learns
		 * from it to grow the delay; its audio (no data: an empty
		 * slot to speexdsp, which would not always free it) does not.
		 * Checked before the first frame came out too: speexdsp's
		 * pointer moves from its first get on, and a packet it finds
		 * hopelessly late it neither keeps nor frees. */
		if (ahead + (int32_t)(span ? span : jb->step) <= 0) {
			jb->stats.late++;
			err = ETIME;
		} else if (jb->playing && ahead > (int32_t)jb->max_units) {
			/* Further ahead than the buffer may hold: a jump in the
			 * stream (or jitter past max), so play from here on. */
			jb->stats.resyncs++;
			ly_jb_reset(jb);
			jb->started = true;
			jb->base = f->ts;
			rel = 0;
		}
	}
	if (err) {
		ly_frame_free(f);
		f = NULL;
	}
	p.data = (char *)f;
	p.len = f ? (spx_uint32_t)f->datalen : 0;
	p.timestamp = rel;
	p.span = span ? span : jb->step;
	p.sequence = f ? f->seqno : 0;
	jitter_buffer_put(jb->sjb, &p);
	return err;
}

/* The last frame again, faded by half if we know how (signed linear). */
static struct ly_frame *conceal(struct ly_jitterbuf *jb)
{
	struct ly_frame *f;

	if (!jb->last || jb->misses > LY_JB_MAX_CONCEAL)
		return NULL;
	f = ly_frame_dup(jb->last);
	if (f->format && !strncmp(f->format->name, "slin", 4)) {
		int16_t *s = (int16_t *)(void *)f->data;

		for (size_t i = 0; i < f->datalen / 2; i++)
			s[i] = (int16_t)(s[i] / 2);
		ly_frame_free(jb->last);
		jb->last = ly_frame_dup(f);	/* the next one fades further */
	}
	jb->stats.concealed++;
	return f;
}

struct ly_frame *ly_jb_get(struct ly_jitterbuf *jb)
{
	JitterBufferPacket p = { 0 };
	spx_int32_t offset = 0;
	struct ly_frame *f = NULL;
	int rc;

	if (!jb->started)
		return NULL;
	rc = jitter_buffer_get(jb->sjb, &p, (spx_int32_t)jb->step, &offset);
	jitter_buffer_tick(jb->sjb);
	if (rc == JITTER_BUFFER_OK && p.data) {
		f = (struct ly_frame *)(void *)p.data;
		jb->misses = 0;
		jb->playing = true;
		jb->stats.frames_out++;
		ly_frame_free(jb->last);
		jb->last = ly_frame_dup(f);
		return f;
	}
	/* MISSING (lost or not here yet) or INSERTION (speexdsp adds delay). */
	jb->misses++;
	if (jb->misses >= QUIET_RESET_STEPS && jitter_buffer_ctl(jb->sjb,
		JITTER_BUFFER_GET_AVAILABLE_COUNT, &offset) == 0 && offset == 0) {
		ly_jb_reset(jb);	/* the stream stopped; the next packet restarts */
		return NULL;
	}
	return conceal(jb);
}

void ly_jb_stats(const struct ly_jitterbuf *jb, struct ly_jb_stats *out)
{
	spx_int32_t margin = 0;

	*out = jb->stats;
	/* What sits between arrival and playout: the packets waiting. */
	if (jb->started && jitter_buffer_ctl(jb->sjb, JITTER_BUFFER_GET_AVAILABLE_COUNT,
					     &margin) == 0)
		out->delay_ms = (unsigned)((uint64_t)(unsigned)margin * jb->step * 1000 / jb->clock);
}
