/*
 * modules/app_milliwatt/app_milliwatt.c - Milliwatt(): the 1004 Hz test
 * tone at 0 dBm0 until the caller hangs up, as Asterisk's Milliwatt does
 * by default (1004 Hz, not 1000, so that it does not alias with the 8 kHz
 * sampling into a repeating pattern of a few codes: ITU-T O.133 test
 * tones avoid submultiples of the sample rate).
 *
 * 0 dBm0 is the level of G.711's digital milliwatt (ITU-T G.711 Table 5/6:
 * the mu-law sequence 1E 0B 0B 1E 9E 8B 8B 9E), a sine whose peak is
 * 3.17 dB below the codec's overload: about 22600 in 16-bit linear.
 * Frames are made on demand by the media timers (ly_play_generator), 20 ms
 * of 8 kHz signed linear at a time.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#define RATE 8000
#define TONE_HZ 1004.0
#define PEAK 22600.0
#define FRAME_SAMPLES 160	/* 20 ms */

struct tone {
	const struct ly_format *fmt;
	double phase;	/* radians, kept in [0, 2 pi) */
};

static struct ly_frame *tone_gen(void *arg)
{
	struct tone *t = arg;
	int16_t buf[FRAME_SAMPLES];
	const double step = 2 * M_PI * TONE_HZ / RATE;

	for (int i = 0; i < FRAME_SAMPLES; i++) {
		buf[i] = (int16_t)lrint(PEAK * sin(t->phase));
		t->phase = fmod(t->phase + step, 2 * M_PI);
	}
	return ly_frame_voice_new(t->fmt, FRAME_SAMPLES, buf, sizeof(buf));
}

static int milliwatt_exec(struct ly_channel *c, const char *args)
{
	struct tone t = { .fmt = ly_format_find("slin") };
	char digit;
	int err;

	(void)args;	/* Asterisk's 'o' (the old 1000 Hz pattern) is not offered */
	if (!t.fmt) {
		ly_warning("%s: Milliwatt needs codec_slin loaded", ly_chan_name(c));
		return 0;
	}
	if (ly_chan_state(c) != LY_STATE_UP)
		ly_chan_answer(c);
	err = ly_play_generator(c, t.fmt, tone_gen, &t, NULL, &digit);
	/* The tone never ends by itself: only a hangup (EPIPE) gets here. */
	return err == EPIPE ? -1 : 0;
}

static struct ly_app milliwatt_app = {
	.name = "Milliwatt",
	.synopsis = "Generate a 1004 Hz test tone at 0 dBm0",
	.description = "Milliwatt(): see app_milliwatt.xml.",
	.exec = milliwatt_exec,
};

static int load(struct ly_module *self)
{
	return ly_app_register(self, &milliwatt_app);
}

LYRE_MODULE(app_milliwatt,
	.description = "Milliwatt: the 1004 Hz 0 dBm0 test tone",
	.load = load);
