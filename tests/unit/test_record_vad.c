/* tests/unit/test_record_vad.c - Record's option v (speexdsp's speech probability, modules/app_record/record_vad.c) against the energy detector, on generated speech-like audio, noise and silence. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/silence.h"
#include "../../modules/app_record/record_int.h"
#include "tap.h"

#define RATE 8000
#define MS(n) ((size_t)(n) * RATE / 1000)
#define FRAME MS(20)

static int16_t sig[MS(20000)];
static unsigned vad_at[1000], energy_at[1000];	/* silence clock after each 20 ms */

static uint32_t rng = 4242;
static double noise(void)
{
	rng = rng * 1103515245u + 12345u;
	return ((double)(rng >> 8) / (1u << 24)) * 2.0 - 1.0;
}

/* White noise of about `dbfs` RMS (uniform noise: RMS = peak / sqrt 3). */
static size_t hiss(size_t at, unsigned ms, double dbfs)
{
	double amp = 32767.0 * pow(10, dbfs / 20) * sqrt(3.0);

	for (size_t i = 0; i < MS(ms); i++)
		sig[at + i] = (int16_t)(amp * noise());
	return at + MS(ms);
}

static size_t tone(size_t at, unsigned ms, unsigned hz, double dbfs)
{
	double amp = 32767.0 * pow(10, dbfs / 20) * sqrt(2.0);

	for (size_t i = 0; i < MS(ms); i++)
		sig[at + i] = (int16_t)(amp * sin(2 * M_PI * hz * (double)(at + i) / RATE));
	return at + MS(ms);
}

/* A formant: a two-pole resonator at f Hz, bandwidth bw Hz. */
struct reso {
	double a1, a2, y1, y2;
};

static void reso_set(struct reso *r, double f, double bw)
{
	double rad = exp(-M_PI * bw / RATE);

	*r = (struct reso){ .a1 = 2 * rad * cos(2 * M_PI * f / RATE), .a2 = -rad * rad };
}

static double reso_run(struct reso *r, double x)
{
	double y = x + r->a1 * r->y1 + r->a2 * r->y2;

	r->y2 = r->y1;
	r->y1 = y;
	return y;
}

/* Speech-like audio: syllables of 150-250 ms with 40-80 ms pauses, each a
 * glottal pulse train (pitch gliding between 110 and 180 Hz) through two
 * formants that move from syllable to syllable, under a rising and
 * falling envelope peaking near `dbfs`. */
static size_t speech(size_t at, unsigned ms, double dbfs)
{
	static const double f1[] = { 700, 300, 500, 400, 650, 350 };
	static const double f2[] = { 1200, 2300, 1800, 900, 1700, 2000 };
	double peak = 32767.0 * pow(10, dbfs / 20) * 2.5;
	size_t end = at + MS(ms), i = at;

	for (unsigned syl = 0; i < end; syl++) {
		size_t len = MS(150 + 25 * (syl % 5)), gap = MS(40 + 20 * (syl % 3));
		static double y[MS(300)];
		struct reso a, b;
		double phase = 0, ymax = 1e-9;

		reso_set(&a, f1[syl % 6], 90);
		reso_set(&b, f2[syl % 6], 120);
		for (size_t k = 0; k < len; k++) {
			double x = 0.02 * noise();

			phase += (110 + 70 * sin(M_PI * (double)k / (double)len + syl)) / RATE;
			if (phase >= 1) {
				phase -= 1;
				x += 1;
			}
			y[k] = reso_run(&b, reso_run(&a, x));
			ymax = fmax(ymax, fabs(y[k]));
		}
		for (size_t k = 0; k < len && i < end; k++, i++)
			sig[i] = (int16_t)(peak * y[k] / ymax * sin(M_PI * (double)k / (double)len));
		for (size_t k = 0; k < gap && i < end; k++, i++)
			sig[i] = 0;
	}
	return end;
}

/* Both detectors over sig[0..n) in 20 ms frames. */
static void run(size_t n)
{
	struct record_vad *v = record_vad_new(RATE);
	struct ly_silence e;

	ly_silence_init(&e, RATE, LY_SILENCE_ON_DBFS, LY_SILENCE_OFF_DBFS);
	for (size_t i = 0; i < n / FRAME; i++) {
		vad_at[i] = record_vad_feed(v, sig + i * FRAME, FRAME);
		energy_at[i] = ly_silence_feed(&e, sig + i * FRAME, FRAME);
	}
	CHECK_INT(record_vad_silent_ms(v), vad_at[n / FRAME - 1]);
	record_vad_free(v);
}

static unsigned max_between(const unsigned *at, size_t from_ms, size_t to_ms)
{
	unsigned m = 0;

	for (size_t i = from_ms / 20; i < to_ms / 20; i++)
		m = at[i] > m ? at[i] : m;
	return m;
}

/* Speech is speech from its first half second on, loud or quiet. */
static void test_speech(void)
{
	size_t n = speech(0, 4000, -20);

	run(n);
	CHECK(max_between(vad_at, 500, 4000) <= 100);
	CHECK_INT(vad_at[n / FRAME - 1], 0);
	n = speech(0, 4000, -35);
	run(n);
	CHECK(max_between(vad_at, 500, 4000) <= 100);
}

/* Digital silence and a quiet line are silence to both, counted from the start. */
static void test_silence(void)
{
	memset(sig, 0, MS(3000) * 2);
	run(MS(3000));
	CHECK_INT(vad_at[149], 3000);
	CHECK_INT(energy_at[149], 3000);
	hiss(0, 3000, -60);
	run(MS(3000));
	CHECK(vad_at[149] >= 2900);
}

/* The point of option v: steady noise at -30 dBFS is sound to the energy
 * detector for ever, but silence to the VAD once it learnt the noise. */
static void test_steady_noise(void)
{
	size_t n = hiss(0, 8000, -30);

	run(n);
	CHECK_INT(energy_at[n / FRAME - 1], 0);
	CHECK(vad_at[n / FRAME - 1] >= 5000);
}

/* Noise, then speech, then noise again: speech ends the noise's silence,
 * and after it the noise becomes silence again (within about 3 s). */
static void test_noise_speech_noise(void)
{
	size_t n = hiss(0, 3000, -40);

	n = speech(n, 3000, -20);
	n = hiss(n, 8000, -40);
	run(n);
	CHECK(vad_at[2900 / 20] >= 1000);		/* the first noise: silence */
	CHECK(max_between(vad_at, 3500, 6000) <= 100);	/* the speech */
	CHECK(vad_at[n / FRAME - 1] >= 4000);		/* the last noise: silence again */
}

/* A steady tone is not speech (why v is not the default). */
static void test_tone(void)
{
	size_t n = tone(0, 6000, 1000, -20);

	run(n);
	CHECK_INT(energy_at[n / FRAME - 1], 0);
	CHECK(vad_at[n / FRAME - 1] >= 4000);
}

/* Slices of any size, and 16 kHz audio, in 20 ms blocks too. */
static void test_slices_and_wideband(void)
{
	struct record_vad *a = record_vad_new(RATE), *b = record_vad_new(RATE), *w;
	size_t n = speech(0, 2000, -20), i;
	int16_t zero[320 * 10] = { 0 };

	n = hiss(n, 2000, -60);
	for (i = 0; i + 7 <= n; i += 7)
		record_vad_feed(a, sig + i, 7);
	record_vad_feed(a, sig + i, n - i);
	for (i = 0; i < n; i += FRAME)
		record_vad_feed(b, sig + i, FRAME);
	CHECK_INT(record_vad_silent_ms(a), record_vad_silent_ms(b));
	record_vad_free(a);
	record_vad_free(b);
	w = record_vad_new(16000);
	CHECK_INT(record_vad_feed(w, zero, 320 * 10), 200);
	CHECK_INT(record_vad_feed(w, zero, 100), 200);	/* a partial block waits */
	record_vad_free(w);
	record_vad_free(NULL);
}

TAP_MAIN(TAP(test_speech),
	 TAP(test_silence),
	 TAP(test_steady_noise),
	 TAP(test_noise_speech_noise),
	 TAP(test_tone),
	 TAP(test_slices_and_wideband))
