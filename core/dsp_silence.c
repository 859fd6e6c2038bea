/* core/dsp_silence.c - the energy silence detector with hysteresis (lyre/silence.h). */
#include "config.h"

#include <math.h>

#include "lyre/silence.h"

/* Blocks above the upper threshold in a row before it counts as sound. */
#define LOUD_BLOCKS 2

void ly_silence_init(struct ly_silence *s, unsigned rate, double on_dbfs, double off_dbfs)
{
	*s = (struct ly_silence){ .on_dbfs = on_dbfs, .off_dbfs = off_dbfs };
	s->block = rate * LY_SILENCE_BLOCK_MS / 1000;
	if (s->block == 0)
		s->block = 1;
}

static double dbfs(double sum, unsigned n)
{
	double ms = n ? sum / n : 0;

	/* Full scale is a square wave at 32768; keep log() away from 0. */
	return ms > 1e-3 ? 10.0 * log10(ms / (32768.0 * 32768.0)) : -120.0;
}

double ly_silence_level(const int16_t *x, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)x[i] * x[i];
	return dbfs(sum, (unsigned)n);
}

/* One whole block: update the verdict and the silence clock. */
static void block_done(struct ly_silence *s)
{
	double level = dbfs(s->sum, s->block);

	s->loud_blocks = level > s->on_dbfs ? s->loud_blocks + 1 : 0;
	if (!s->sound && s->loud_blocks >= LOUD_BLOCKS)
		s->sound = s->heard = true;
	else if (s->sound && level < s->off_dbfs)
		s->sound = false;
	/* The first loud block of a possible start still counts as silence:
	 * if no second one follows, it was a click. */
	s->silent_ms = s->sound ? 0 : s->silent_ms + LY_SILENCE_BLOCK_MS;
	s->fill = 0;
	s->sum = 0;
}

unsigned ly_silence_feed(struct ly_silence *s, const int16_t *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->sum += (double)x[i] * x[i];
		if (++s->fill == s->block)
			block_done(s);
	}
	return s->silent_ms;
}
