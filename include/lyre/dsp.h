/*
 * lyre/dsp.h - in-band DTMF: a detector for 8 kHz signed linear audio and
 * a tone generator.
 *
 * The detector runs the Goertzel algorithm on blocks of 102 samples
 * (12.75 ms) for the eight DTMF frequencies and accepts a block as a digit
 * only when the strongest row and column tone pass four checks, the ones
 * every telephone-grade detector makes (ITU-T Q.24):
 *   - level: each tone is at least about -40 dB below full scale;
 *   - twist: the column tone is at most 4 dB above the row tone (reverse
 *     twist) and at most 8 dB below it (normal twist);
 *   - relative peak: each tone stands 8 dB above the other tones of its
 *     group, which rejects chords, speech and music;
 *   - energy: the two tones hold most of the block's energy, which rejects
 *     a DTMF-like pair buried in speech or noise ("talk-off").
 * A digit begins when two blocks in a row agree (25.5 ms: a 40 ms tone,
 * the shortest Q.24 requires be accepted, always holds two whole blocks)
 * and ends after two blocks without it.
 *
 * One detector serves one audio stream on one thread; it allocates nothing.
 */
#ifndef LYRE_DSP_H
#define LYRE_DSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LY_DTMF_RATE 8000
#define LY_DTMF_BLOCK 102

/* What ly_dtmf_detect reports after a call. */
enum ly_dtmf_event {
	LY_DTMF_NONE,
	LY_DTMF_BEGIN,	/* ev->digit was pressed */
	LY_DTMF_END,	/* ev->digit was released after ev->duration_ms */
};

struct ly_dtmf_ev {
	enum ly_dtmf_event type;
	char digit;
	unsigned duration_ms;
};

struct ly_dtmf_detector {
	int16_t block[LY_DTMF_BLOCK];
	unsigned fill;		/* samples in block */
	char last;		/* the last block's verdict, 0 for none */
	char current;		/* the digit held down, 0 for none */
	unsigned misses;	/* blocks without `current` since it was held */
	unsigned held_blocks;	/* blocks since `current` began */
};

void ly_dtmf_detector_init(struct ly_dtmf_detector *d);
/*
 * Feed n samples.  Up to `max` events are written to ev (in order: a
 * release, then a new press); returns how many.  Two events at most come
 * from any one block, so max >= 2 * (n / LY_DTMF_BLOCK + 1) never loses one.
 */
size_t ly_dtmf_detect(struct ly_dtmf_detector *d, const int16_t *samples, size_t n,
		      struct ly_dtmf_ev *ev, size_t max);
/* The digit one block shows, or 0: the four checks above, without timing. */
char ly_dtmf_block_digit(const int16_t *block);

/* A DTMF tone pair at 8 kHz. */
struct ly_dtmf_gen {
	double c_row, c_col;	/* 2 cos(w) of each tone */
	double r1, r2, k1, k2;	/* the two oscillators' last two outputs */
	double amp;
};

/*
 * digit: 0-9 * # A-D; level_dbfs: each tone's peak relative to full scale
 * (-10 is loud and clear; Asterisk's generator sits near -8).  EINVAL for
 * any other digit.
 */
int ly_dtmf_gen_init(struct ly_dtmf_gen *g, char digit, double level_dbfs);
void ly_dtmf_gen_fill(struct ly_dtmf_gen *g, int16_t *out, size_t n);

/* The row and column frequency of a digit; false when it is none. */
bool ly_dtmf_freqs(char digit, unsigned *row_hz, unsigned *col_hz);

#endif
