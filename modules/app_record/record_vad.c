/* modules/app_record/record_vad.c - speexdsp's voice activity detector, as Record's option 'v'. */
/*
 * The energy detector (lyre/silence.h) hears any sound as talk: a fan, a
 * hum, line noise above -38 dBFS keep a recording going for ever.  speexdsp's
 * preprocessor estimates the noise floor as it goes and judges each 20 ms
 * block by how likely it holds speech, so steady noise ends the recording as
 * silence would.  The price: it takes a second or so to learn a line's
 * noise (and two or three to learn it again after speech), and a steady
 * tone is noise to it.
 *
 * The decision is ours, from the preprocessor's speech probability
 * (SPEEX_PREPROCESS_GET_PROB), with hysteresis: speech starts above
 * PROB_START % and goes on above PROB_CONTINUE %.  speexdsp's own VAD flag
 * does the same with 35 % and 20 %, which called white noise at -60 dBFS
 * speech (its probability for noise runs 25-90 %, for speech 90-99 %), and
 * prints a warning on every use ("replaced by a hack").
 *
 * The preprocessor changes the block it judges (denoising), so it runs on a
 * copy: the file gets the audio as heard.
 */
#include <speex/speex_preprocess.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/utils.h>

#include "record_int.h"

#define BLOCK_MS 20
#define PROB_START 95
#define PROB_CONTINUE 70

struct record_vad {
	SpeexPreprocessState *st;
	unsigned block;		/* samples a block */
	unsigned fill;		/* samples in buf */
	unsigned silent_ms;	/* since the last speech (or the start) */
	bool speech;		/* the verdict on the last block */
	int16_t buf[];		/* one block */
};

struct record_vad *record_vad_new(unsigned rate)
{
	unsigned block = rate / 1000 * BLOCK_MS;
	struct record_vad *v = ly_calloc(1, sizeof(*v) + block * sizeof(int16_t));
	int off = 0;

	v->block = block;
	v->st = speex_preprocess_state_init((int)block, (int)rate);
	speex_preprocess_ctl(v->st, SPEEX_PREPROCESS_SET_AGC, &off);
	speex_preprocess_ctl(v->st, SPEEX_PREPROCESS_SET_DEREVERB, &off);
	return v;
}

unsigned record_vad_feed(struct record_vad *v, const int16_t *x, size_t n)
{
	int prob;

	while (n > 0) {
		size_t take = v->block - v->fill;

		if (take > n)
			take = n;
		memcpy(v->buf + v->fill, x, take * sizeof(*x));
		v->fill += (unsigned)take;
		x += take;
		n -= take;
		if (v->fill < v->block)
			break;
		v->fill = 0;
		/* buf is our copy: the preprocessor may denoise it in place */
		speex_preprocess_run(v->st, v->buf);
		speex_preprocess_ctl(v->st, SPEEX_PREPROCESS_GET_PROB, &prob);
		v->speech = prob >= (v->speech ? PROB_CONTINUE : PROB_START);
		if (v->speech)
			v->silent_ms = 0;
		else
			v->silent_ms += BLOCK_MS;
	}
	return v->silent_ms;
}

unsigned record_vad_silent_ms(const struct record_vad *v)
{
	return v->silent_ms;
}

void record_vad_free(struct record_vad *v)
{
	if (!v)
		return;
	speex_preprocess_state_destroy(v->st);
	free(v);
}
