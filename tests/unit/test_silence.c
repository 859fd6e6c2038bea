/* tests/unit/test_silence.c - the energy silence detector with hysteresis (lyre/silence.h) on generated signals. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/silence.h"
#include "tap.h"

#define RATE 8000
#define MS(n) ((size_t)(n) * RATE / 1000)

static int16_t sig[MS(10000)];

static uint32_t rng = 4242;
static double noise(void)
{
	rng = rng * 1103515245u + 12345u;
	return ((double)(rng >> 8) / (1u << 24)) * 2.0 - 1.0;
}

/* A sine of `hz` at `dbfs` RMS (a sine's peak is 3 dB above its RMS). */
static size_t tone(size_t at, unsigned ms, unsigned hz, double dbfs)
{
	double amp = 32767.0 * pow(10, dbfs / 20) * sqrt(2.0);

	for (size_t i = 0; i < MS(ms); i++)
		sig[at + i] = (int16_t)(amp * sin(2 * M_PI * hz * (double)(at + i) / RATE));
	return at + MS(ms);
}

/* White noise of about `dbfs` RMS (uniform noise: RMS = peak / sqrt 3). */
static size_t hiss(size_t at, unsigned ms, double dbfs)
{
	double amp = 32767.0 * pow(10, dbfs / 20) * sqrt(3.0);

	for (size_t i = 0; i < MS(ms); i++)
		sig[at + i] = (int16_t)(amp * noise());
	return at + MS(ms);
}

/* Feed sig[0..n) in 20 ms frames; the silence clock after each frame into out. */
static void run(size_t n, unsigned *out, struct ly_silence *s)
{
	ly_silence_init(s, RATE, LY_SILENCE_ON_DBFS, LY_SILENCE_OFF_DBFS);
	for (size_t i = 0; i < n / MS(20); i++)
		out[i] = ly_silence_feed(s, sig + i * MS(20), MS(20));
}

static unsigned clock_at[500];

static void test_level(void)
{
	tone(0, 100, 700, -20);
	CHECK(fabs(ly_silence_level(sig, MS(100)) - -20) < 0.5);
	memset(sig, 0, MS(100) * 2);
	CHECK(ly_silence_level(sig, MS(100)) <= -119);
}

/* Digital silence counts from the start, in 20 ms steps. */
static void test_silence_counts(void)
{
	struct ly_silence s;

	memset(sig, 0, MS(3000) * 2);
	run(MS(3000), clock_at, &s);
	CHECK_INT(clock_at[0], 20);
	CHECK_INT(clock_at[149], 3000);
	CHECK(!s.heard);
}

/* A tone is sound; the clock restarts when it stops. */
static void test_tone_then_silence(void)
{
	struct ly_silence s;
	size_t n = tone(0, 1000, 700, -20);

	memset(sig + n, 0, MS(2000) * 2);
	run(n + MS(2000), clock_at, &s);
	CHECK(s.heard);
	CHECK_INT(clock_at[49], 0);	/* the tone's last frame */
	CHECK_INT(clock_at[50], 20);	/* the first silent frame */
	CHECK_INT(clock_at[149], 2000);
}

/* Line noise below the lower threshold is silence; a single 20 ms click
 * is not enough to count as sound. */
static void test_noise_and_clicks(void)
{
	struct ly_silence s;
	size_t n = hiss(0, 1000, -50);

	n = tone(n, 20, 1000, -10);	/* one loud block: a click */
	n = hiss(n, 1000, -50);
	run(n, clock_at, &s);
	CHECK(!s.heard);
	CHECK_INT(clock_at[n / MS(20) - 1], 2020);
}

/* Hysteresis: speech at -20 that fades to -40 (between the thresholds)
 * is still sound; only below -43 does silence begin. */
static void test_hysteresis(void)
{
	struct ly_silence s;
	size_t n = tone(0, 500, 700, -20);

	n = tone(n, 500, 700, -40);
	n = hiss(n, 500, -50);
	run(n, clock_at, &s);
	CHECK_INT(clock_at[49], 0);	/* the -40 stretch: still sound */
	CHECK_INT(clock_at[74], 500);	/* the noise: silence */
	/* But -40 from the start never begins sound. */
	n = hiss(0, 1000, -60);
	n = tone(n, 1000, 700, -40);
	run(n, clock_at, &s);
	CHECK(!s.heard);
	CHECK_INT(clock_at[99], 2000);
}

/* The 16 kHz rate uses 20 ms blocks too. */
static void test_wideband(void)
{
	struct ly_silence s;
	int16_t wb[320 * 10] = { 0 };

	ly_silence_init(&s, 16000, LY_SILENCE_ON_DBFS, LY_SILENCE_OFF_DBFS);
	CHECK_INT(s.block, 320);
	CHECK_INT(ly_silence_feed(&s, wb, 320 * 10), 200);
}

TAP_MAIN(TAP(test_level),
	 TAP(test_silence_counts),
	 TAP(test_tone_then_silence),
	 TAP(test_noise_and_clicks),
	 TAP(test_hysteresis),
	 TAP(test_wideband))
