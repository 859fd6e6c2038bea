/* tests/unit/test_dsp.c - the in-band DTMF detector and generator (lyre/dsp.h) on generated signals. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/dsp.h"
#include "tap.h"

#define MS(n) ((size_t)(n) * 8)
#define MAXS MS(4000)

static int16_t sig[MAXS];

/* A deterministic pseudo-random source, so a failure can be repeated. */
static uint32_t rng = 12345;
static double noise(void)
{
	rng = rng * 1103515245u + 12345u;
	return ((double)(rng >> 8) / (1u << 24)) * 2.0 - 1.0;
}

static size_t add_tone(size_t at, char digit, unsigned ms, double dbfs)
{
	struct ly_dtmf_gen g;

	CHECK_INT(ly_dtmf_gen_init(&g, digit, dbfs), 0);
	ly_dtmf_gen_fill(&g, sig + at, MS(ms));
	return at + MS(ms);
}

static size_t add_silence(size_t at, unsigned ms)
{
	memset(sig + at, 0, MS(ms) * sizeof(*sig));
	return at + MS(ms);
}

/* Run the detector over sig[0..n) in 20 ms frames; the END digits in order. */
static void detect(size_t n, char *digits, size_t size, unsigned *begins)
{
	struct ly_dtmf_detector d;
	struct ly_dtmf_ev ev[8];
	size_t k = 0;

	*begins = 0;
	ly_dtmf_detector_init(&d);
	for (size_t at = 0; at < n; at += MS(20)) {
		size_t len = n - at < MS(20) ? n - at : MS(20);
		size_t m = ly_dtmf_detect(&d, sig + at, len, ev, 8);

		for (size_t i = 0; i < m; i++) {
			if (ev[i].type == LY_DTMF_BEGIN)
				(*begins)++;
			else if (ev[i].type == LY_DTMF_END && k + 1 < size)
				digits[k++] = ev[i].digit;
		}
	}
	digits[k] = '\0';
}

static void test_all_sixteen_digits(void)
{
	const char *all = "0123456789*#ABCD";
	char got[32];
	unsigned begins;
	size_t at = 0;

	for (const char *p = all; *p; p++) {
		at = add_tone(at, *p, 70, -12);
		at = add_silence(at, 50);
	}
	detect(at, got, sizeof(got), &begins);
	CHECK_STR(got, all);
	CHECK_INT(begins, 16);
}

static void test_duration_reported(void)
{
	struct ly_dtmf_detector d;
	struct ly_dtmf_ev ev[64];
	size_t at = add_tone(0, '5', 200, -10), n;

	at = add_silence(at, 60);
	ly_dtmf_detector_init(&d);
	n = ly_dtmf_detect(&d, sig, at, ev, 64);
	CHECK_INT(n, 2);
	CHECK(ev[0].type == LY_DTMF_BEGIN && ev[0].digit == '5');
	CHECK(ev[1].type == LY_DTMF_END && ev[1].digit == '5');
	CHECK(ev[1].duration_ms >= 170 && ev[1].duration_ms <= 230);
}

/* Q.24: 40 ms must be accepted; well under it (20 ms) must not. */
static void test_minimum_duration(void)
{
	char got[32];
	unsigned begins;
	size_t at;

	for (unsigned off = 0; off < LY_DTMF_BLOCK; off += 17) {
		/* every alignment of the tone against the 102-sample blocks */
		memset(sig, 0, off * sizeof(*sig));
		at = add_tone(off, '7', 40, -12);
		at = add_silence(at, 60);
		detect(at, got, sizeof(got), &begins);
		CHECK_STR(got, "7");
	}
	at = add_tone(0, '7', 20, -12);
	at = add_silence(at, 100);
	at = add_tone(at, '8', 20, -12);
	at = add_silence(at, 100);
	detect(at, got, sizeof(got), &begins);
	CHECK_STR(got, "");
	CHECK_INT(begins, 0);
}

static void test_noise_rejected(void)
{
	char got[32];
	unsigned begins;

	for (size_t i = 0; i < MS(3000); i++)
		sig[i] = (int16_t)(8000 * noise());
	detect(MS(3000), got, sizeof(got), &begins);
	CHECK_STR(got, "");
	/* digits in moderate noise (20 dB below) still come through */
	for (size_t i = 0; i < MS(1000); i++)
		sig[i] = (int16_t)(300 * noise());
	{
		struct ly_dtmf_gen g;
		int16_t t[MS(100)];

		ly_dtmf_gen_init(&g, '9', -14);
		ly_dtmf_gen_fill(&g, t, MS(100));
		for (size_t i = 0; i < MS(100); i++)
			sig[MS(300) + i] = (int16_t)(sig[MS(300) + i] + t[i]);
	}
	detect(MS(1000), got, sizeof(got), &begins);
	CHECK_STR(got, "9");
}

/* Talk-off: a 1 kHz test tone, and a voice-like buzz rich in harmonics
 * (a 140 Hz glottal pulse train through two formants, sweeping). */
static void test_talk_off(void)
{
	char got[32];
	unsigned begins;
	double ph = 0;

	for (size_t i = 0; i < MS(2000); i++)
		sig[i] = (int16_t)(12000 * sin(2 * M_PI * 1000.0 * (double)i / 8000));
	detect(MS(2000), got, sizeof(got), &begins);
	CHECK_STR(got, "");
	for (size_t i = 0; i < MS(4000); i++) {
		double f0 = 120 + 60 * sin(2 * M_PI * 0.7 * (double)i / 8000), v = 0;

		ph += 2 * M_PI * f0 / 8000;
		for (int h = 1; h * f0 < 3800; h++) {
			double f = h * f0;
			/* formants near 700 Hz and 1200 Hz, where DTMF tones live */
			double gain = 1.0 / (1 + pow((f - 700) / 150, 2)) +
				      0.8 / (1 + pow((f - 1250) / 200, 2)) + 0.05;

			v += gain * sin(h * ph);
		}
		sig[i] = (int16_t)fmax(-32768, fmin(32767, 2000 * v));
	}
	detect(MS(4000), got, sizeof(got), &begins);
	CHECK_STR(got, "");
}

/* Twist: 4 dB reverse passes, 10 dB reverse does not. */
static void test_twist(void)
{
	unsigned row, col;
	int16_t b[LY_DTMF_BLOCK];

	CHECK(ly_dtmf_freqs('5', &row, &col));
	for (int i = 0; i < LY_DTMF_BLOCK; i++)
		b[i] = (int16_t)(3000 * sin(2 * M_PI * row * i / 8000.0) +
				 4500 * sin(2 * M_PI * col * i / 8000.0));
	CHECK_INT(ly_dtmf_block_digit(b), '5');
	for (int i = 0; i < LY_DTMF_BLOCK; i++)
		b[i] = (int16_t)(1000 * sin(2 * M_PI * row * i / 8000.0) +
				 3200 * sin(2 * M_PI * col * i / 8000.0));
	CHECK_INT(ly_dtmf_block_digit(b), 0);
	/* too quiet: -60 dBFS */
	for (int i = 0; i < LY_DTMF_BLOCK; i++)
		b[i] = (int16_t)(33 * sin(2 * M_PI * row * i / 8000.0) +
				 33 * sin(2 * M_PI * col * i / 8000.0));
	CHECK_INT(ly_dtmf_block_digit(b), 0);
}

static void test_generator_level(void)
{
	struct ly_dtmf_gen g;
	double peak = 0;

	CHECK_INT(ly_dtmf_gen_init(&g, 'x', -10), EINVAL);
	CHECK_INT(ly_dtmf_gen_init(&g, '#', -10), 0);
	ly_dtmf_gen_fill(&g, sig, MS(1000));
	for (size_t i = 0; i < MS(1000); i++)
		peak = fmax(peak, fabs((double)sig[i]));
	/* two tones of -10 dBFS each: peaks near twice 10362 */
	CHECK(peak > 19000 && peak < 21000);
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_all_sixteen_digits),
		TAP(test_duration_reported),
		TAP(test_minimum_duration),
		TAP(test_noise_rejected),
		TAP(test_talk_off),
		TAP(test_twist),
		TAP(test_generator_level),
	};

	return tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
