/*
 * lyre/jitterbuf.h - an adaptive jitter buffer for audio Lyre consumes.
 *
 * Frames go in as they arrive off the network, in any order, each with its
 * RTP timestamp (frame->ts) and its length in timestamp units; a consumer
 * takes one frame every `step` units (20 ms) and gets them back in
 * timestamp order at a steady pace.  The playout delay adapts to the
 * jitter seen (speexdsp's JitterBuffer decides it), never past max_ms.
 * A frame that is missing when its turn comes is concealed: the last
 * frame again (signed linear: faded by half each time), for at most
 * LY_JB_MAX_CONCEAL turns, then nothing until audio comes back.
 *
 * Relay legs do not use it: a relayed packet goes out as it came.
 * Not thread-safe: the owner serialises calls (res_rtp: the session lock).
 */
#ifndef LYRE_JITTERBUF_H
#define LYRE_JITTERBUF_H

#include <stdbool.h>
#include <stdint.h>

struct ly_frame;
struct ly_jitterbuf;

/* Concealment frames in a row before the buffer goes quiet (60 ms). */
#define LY_JB_MAX_CONCEAL 3

struct ly_jb_stats {
	uint64_t frames_in;	/* taken by ly_jb_put */
	uint64_t frames_out;	/* real frames handed out */
	uint64_t concealed;	/* concealment frames handed out */
	uint64_t late;		/* arrived after their turn: dropped */
	uint64_t resyncs;	/* jumps past max_ms: buffer restarted */
	unsigned delay_ms;	/* current playout delay */
};

/* step: timestamp units per get (20 ms of the RTP clock); max_ms: the most
 * delay it may add.  Never NULL. */
struct ly_jitterbuf *ly_jb_new(unsigned clock, unsigned step, unsigned max_ms);
void ly_jb_free(struct ly_jitterbuf *jb);	/* NULL-safe; frees frames held */
/* Take f (the buffer owns it from now on, even on error); span is its
 * length in timestamp units.  0, or ETIME when it came too late (dropped). */
int ly_jb_put(struct ly_jitterbuf *jb, struct ly_frame *f, uint32_t span);
/* The frame for this step: a real one, a concealment one, or NULL (nothing
 * yet, or quiet after a gap).  Call once per step. */
struct ly_frame *ly_jb_get(struct ly_jitterbuf *jb);
/* Forget everything (a new SSRC or a re-INVITE); stats are kept. */
void ly_jb_reset(struct ly_jitterbuf *jb);
void ly_jb_stats(const struct ly_jitterbuf *jb, struct ly_jb_stats *out);

#endif
