/* modules/codec_slin/codec_slin.c - signed linear formats (8, 16 and 48 kHz) and resampling between them. */
#include <errno.h>
#include <speex/speex_resampler.h>
#include <stdint.h>

#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/module.h"

/* Quality 3 of 10: speexdsp's own VoIP default, clean at telephone
 * bandwidth for a fraction of the cost of the higher settings. */
#define RESAMPLE_QUALITY 3

static unsigned slin_samples(const void *data, size_t len)
{
	(void)data;
	return (unsigned)(len / sizeof(int16_t));
}

static struct ly_format slin_fmt = {
	.name = "slin",
	.description = "16-bit signed linear PCM, 8 kHz",
	.rate = 8000,
	.samples = slin_samples,
};

static struct ly_format slin16_fmt = {
	.name = "slin16",
	.description = "16-bit signed linear PCM, 16 kHz",
	.rate = 16000,
	.samples = slin_samples,
};

static struct ly_format slin48_fmt = {
	.name = "slin48",
	.description = "16-bit signed linear PCM, 48 kHz",
	.rate = 48000,
	.samples = slin_samples,
};

struct resample_pvt {
	SpeexResamplerState *st;
	const struct ly_format *out_fmt;
};

static int resample_init(struct resample_pvt *p, const struct ly_format *from,
			 const struct ly_format *to)
{
	int err = 0;

	p->st = speex_resampler_init(1, from->rate, to->rate, RESAMPLE_QUALITY, &err);
	if (!p->st) {
		ly_error("speex resampler %u -> %u Hz: %s", from->rate, to->rate,
			 speex_resampler_strerror(err));
		return ENOMEM;
	}
	/* No speex_resampler_skip_zeros(): keeping the filter's delay as
	 * leading silence gives a whole frame out for every frame in, so 20 ms
	 * packets stay 20 ms packets. */
	p->out_fmt = to;
	return 0;
}

/* One init per direction: the translator API passes only the state. */
#define RESAMPLE_INIT(fn, from, to) \
	static int fn(void *pvt) { return resample_init(pvt, &from, &to); }

RESAMPLE_INIT(up_init, slin_fmt, slin16_fmt)
RESAMPLE_INIT(down_init, slin16_fmt, slin_fmt)
RESAMPLE_INIT(slin_to_48_init, slin_fmt, slin48_fmt)
RESAMPLE_INIT(slin48_to_8_init, slin48_fmt, slin_fmt)
RESAMPLE_INIT(slin16_to_48_init, slin16_fmt, slin48_fmt)
RESAMPLE_INIT(slin48_to_16_init, slin48_fmt, slin16_fmt)

static void resample_destroy(void *pvt)
{
	struct resample_pvt *p = pvt;

	if (p->st)
		speex_resampler_destroy(p->st);
}

static struct ly_frame *resample(void *pvt, const struct ly_frame *in)
{
	struct resample_pvt *p = pvt;
	spx_uint32_t in_len = (spx_uint32_t)(in->datalen / sizeof(int16_t));
	spx_uint32_t in_rate, out_rate, out_len;
	struct ly_frame *out;

	speex_resampler_get_rate(p->st, &in_rate, &out_rate);
	/* Room for the ratio plus a few samples the filter may release early. */
	out_len = (spx_uint32_t)((uint64_t)in_len * out_rate / in_rate) + 16;
	out = ly_frame_new(LY_FRAME_VOICE, out_len * sizeof(int16_t));
	speex_resampler_process_int(p->st, 0, (const spx_int16_t *)in->data, &in_len,
				    (spx_int16_t *)out->data, &out_len);
	if (!out_len) {
		ly_frame_free(out);
		return NULL;
	}
	out->format = p->out_fmt;
	out->samples = out_len;
	out->datalen = out_len * sizeof(int16_t);
	return out;
}

#define RESAMPLER(tname, from, to, c, initfn) \
	{ .name = tname, .src = from, .dst = to, .cost = c, \
	  .pvt_size = sizeof(struct resample_pvt), .init = initfn, \
	  .destroy = resample_destroy, .translate = resample }

/* Costs: the 48 kHz side runs the filter at three to six times the
 * rate of the 8/16 kHz pair.  Direct 8 <-> 48 kHz steps exist so that
 * Opus to G.711 resamples once, not twice. */
static struct ly_translator translators[] = {
	RESAMPLER("slintoslin16", "slin", "slin16", 2000, up_init),
	RESAMPLER("slin16toslin", "slin16", "slin", 2000, down_init),
	RESAMPLER("slintoslin48", "slin", "slin48", 3000, slin_to_48_init),
	RESAMPLER("slin48toslin", "slin48", "slin", 3000, slin48_to_8_init),
	RESAMPLER("slin16toslin48", "slin16", "slin48", 3000, slin16_to_48_init),
	RESAMPLER("slin48toslin16", "slin48", "slin16", 3000, slin48_to_16_init),
};

/* Anything registered before a failure is removed by the loader. */
static int load(struct ly_module *self)
{
	int err;

	if ((err = ly_format_register(self, &slin_fmt)) != 0 ||
	    (err = ly_format_register(self, &slin16_fmt)) != 0 ||
	    (err = ly_format_register(self, &slin48_fmt)) != 0)
		return err;
	for (size_t i = 0; i < sizeof(translators) / sizeof(translators[0]); i++)
		if ((err = ly_translator_register(self, &translators[i])) != 0)
			return err;
	return 0;
}

LYRE_MODULE(codec_slin,
	    .description = "Signed linear PCM at 8, 16 and 48 kHz",
	    .load = load);
