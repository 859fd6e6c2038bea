/*
 * lyre/silence.h - an energy silence detector with hysteresis, for
 * Record() and anything else that must tell talk from silence.
 *
 * The audio (signed linear, any rate) is cut into 20 ms blocks and each
 * block's RMS level is compared with two thresholds, so a level hovering
 * at one threshold does not flip the verdict every block:
 *   - sound begins when two blocks in a row (40 ms) are above `on_dbfs`
 *     (a single click or a burst of line noise does not count);
 *   - sound ends at the first block below `off_dbfs`;
 *   - between the two, the verdict stays what it was.
 * The defaults (-38 and -43 dBFS RMS) sit near Asterisk's silence
 * threshold of 256 (average amplitude), above the noise of a quiet line
 * and well below speech (about -20 dBFS).
 *
 * One detector serves one stream on one thread; it allocates nothing.
 */
#ifndef LYRE_SILENCE_H
#define LYRE_SILENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LY_SILENCE_ON_DBFS (-38.0)
#define LY_SILENCE_OFF_DBFS (-43.0)
#define LY_SILENCE_BLOCK_MS 20

struct ly_silence {
	double on_dbfs, off_dbfs;
	unsigned block;		/* samples a block */
	unsigned fill;		/* samples in the current block */
	double sum;		/* of squares in the current block */
	bool sound;		/* the verdict */
	unsigned loud_blocks;	/* blocks above on_dbfs in a row */
	unsigned silent_ms;	/* silence since the last sound (or the start) */
	bool heard;		/* any sound at all */
};

/* rate: samples per second (8000, 16000, ...). */
void ly_silence_init(struct ly_silence *s, unsigned rate, double on_dbfs, double off_dbfs);
/* Feed n samples; returns how many ms of silence have run until now. */
unsigned ly_silence_feed(struct ly_silence *s, const int16_t *x, size_t n);
/* The RMS level of n samples in dBFS (-120 for digital silence). */
double ly_silence_level(const int16_t *x, size_t n);

#endif
