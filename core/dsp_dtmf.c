/* core/dsp_dtmf.c - in-band DTMF: a Goertzel detector and a tone generator (lyre/dsp.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "lyre/dsp.h"

static const unsigned row_hz[4] = { 697, 770, 852, 941 };
static const unsigned col_hz[4] = { 1209, 1336, 1477, 1633 };
static const char keypad[4][4] = {
	{ '1', '2', '3', 'A' },
	{ '4', '5', '6', 'B' },
	{ '7', '8', '9', 'C' },
	{ '*', '0', '#', 'D' },
};

/* The checks of lyre/dsp.h, as power ratios. */
#define REVERSE_TWIST 2.5	/* 4 dB: column over row */
#define NORMAL_TWIST 6.3	/* 8 dB: row over column */
#define RELATIVE_PEAK 6.3	/* 8 dB over the rest of the group */
#define ENERGY_SHARE 0.55	/* of the block's energy in the two tones */
#define MIN_AMPLITUDE 160.0	/* a tone's peak, about -46 dBFS */
#define BLOCKS_TO_BEGIN 2
#define BLOCKS_TO_END 2
#define BLOCK_MS(n) ((unsigned)((n) * LY_DTMF_BLOCK * 1000u / LY_DTMF_RATE))

bool ly_dtmf_freqs(char digit, unsigned *row, unsigned *col)
{
	for (unsigned r = 0; r < 4; r++) {
		for (unsigned c = 0; c < 4; c++) {
			if (keypad[r][c] == digit) {
				*row = row_hz[r];
				*col = col_hz[c];
				return true;
			}
		}
	}
	return false;
}

/* Goertzel power of one frequency over a block: |X(f)|^2. */
static double goertzel(const int16_t *x, unsigned hz)
{
	double coeff = 2.0 * cos(2.0 * M_PI * hz / LY_DTMF_RATE);
	double s1 = 0, s2 = 0;

	for (unsigned i = 0; i < LY_DTMF_BLOCK; i++) {
		double s0 = x[i] + coeff * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/* The strongest of four powers, if it stands RELATIVE_PEAK above the others. */
static int peak_of(const double p[4])
{
	int best = 0;

	for (int i = 1; i < 4; i++)
		if (p[i] > p[best])
			best = i;
	for (int i = 0; i < 4; i++)
		if (i != best && p[i] * RELATIVE_PEAK > p[best])
			return -1;
	return best;
}

char ly_dtmf_block_digit(const int16_t *block)
{
	double rp[4], cp[4], energy = 0, min_power;
	int r, c;

	for (unsigned i = 0; i < LY_DTMF_BLOCK; i++)
		energy += (double)block[i] * block[i];
	for (int i = 0; i < 4; i++) {
		rp[i] = goertzel(block, row_hz[i]);
		cp[i] = goertzel(block, col_hz[i]);
	}
	r = peak_of(rp);
	c = peak_of(cp);
	if (r < 0 || c < 0)
		return 0;
	/* A sine of peak A gives |X|^2 = (A N / 2)^2. */
	min_power = MIN_AMPLITUDE * LY_DTMF_BLOCK / 2.0;
	min_power *= min_power;
	if (rp[r] < min_power || cp[c] < min_power)
		return 0;
	if (cp[c] > rp[r] * REVERSE_TWIST || rp[r] > cp[c] * NORMAL_TWIST)
		return 0;
	/* |X|^2 = N/2 * (that tone's share of sum x^2) for a tone on its
	 * frequency, so 2 |X|^2 / N compares with the block's energy. */
	if (2.0 * (rp[r] + cp[c]) / LY_DTMF_BLOCK < ENERGY_SHARE * energy)
		return 0;
	return keypad[r][c];
}

void ly_dtmf_detector_init(struct ly_dtmf_detector *d)
{
	memset(d, 0, sizeof(*d));
}

static size_t emit(struct ly_dtmf_ev *ev, size_t n, size_t max, enum ly_dtmf_event type,
		   char digit, unsigned ms)
{
	if (n < max)
		ev[n] = (struct ly_dtmf_ev){ type, digit, ms };
	return n < max ? n + 1 : n;
}

/* One whole block's verdict through the begin/end timing of lyre/dsp.h. */
static size_t on_block(struct ly_dtmf_detector *d, char digit, struct ly_dtmf_ev *ev, size_t n,
		       size_t max)
{
	if (d->current) {
		d->held_blocks++;
		if (digit == d->current) {
			d->misses = 0;
		} else if (++d->misses >= BLOCKS_TO_END || (digit && digit == d->last)) {
			/* released, or a new digit already held for two blocks */
			n = emit(ev, n, max, LY_DTMF_END, d->current,
				 BLOCK_MS(d->held_blocks - d->misses + BLOCKS_TO_BEGIN));
			d->current = 0;
		}
	}
	if (!d->current && digit && digit == d->last) {
		d->current = digit;
		d->misses = 0;
		d->held_blocks = 0;
		n = emit(ev, n, max, LY_DTMF_BEGIN, digit, 0);
	}
	d->last = digit;
	return n;
}

size_t ly_dtmf_detect(struct ly_dtmf_detector *d, const int16_t *samples, size_t count,
		      struct ly_dtmf_ev *ev, size_t max)
{
	size_t n = 0;

	while (count) {
		size_t take = LY_DTMF_BLOCK - d->fill;

		if (take > count)
			take = count;
		memcpy(d->block + d->fill, samples, take * sizeof(*samples));
		d->fill += take;
		samples += take;
		count -= take;
		if (d->fill == LY_DTMF_BLOCK) {
			n = on_block(d, ly_dtmf_block_digit(d->block), ev, n, max);
			d->fill = 0;
		}
	}
	return n;
}

/* ---- the generator ---- */

int ly_dtmf_gen_init(struct ly_dtmf_gen *g, char digit, double level_dbfs)
{
	unsigned row, col;
	double wr, wc;

	if (!ly_dtmf_freqs(digit, &row, &col))
		return EINVAL;
	wr = 2.0 * M_PI * row / LY_DTMF_RATE;
	wc = 2.0 * M_PI * col / LY_DTMF_RATE;
	g->amp = 32767.0 * pow(10.0, level_dbfs / 20.0);
	g->c_row = 2.0 * cos(wr);
	g->c_col = 2.0 * cos(wc);
	/* y[n] = 2 cos(w) y[n-1] - y[n-2] gives sin(n w) from these two. */
	g->r1 = sin(-wr);
	g->r2 = sin(-2.0 * wr);
	g->k1 = sin(-wc);
	g->k2 = sin(-2.0 * wc);
	return 0;
}

void ly_dtmf_gen_fill(struct ly_dtmf_gen *g, int16_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double r = g->c_row * g->r1 - g->r2, k = g->c_col * g->k1 - g->k2;
		double v = g->amp * (r + k);

		g->r2 = g->r1;
		g->r1 = r;
		g->k2 = g->k1;
		g->k1 = k;
		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}
