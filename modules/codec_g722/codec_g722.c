/* modules/codec_g722/codec_g722.c - the "g722" format and its translators to and from slin16. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/utils.h"

#include "g722.h"

/* One byte carries two 16 kHz samples.  (RTP's 8000 Hz clock for G.722,
 * RFC 3551 section 4.5.2, is the RTP layer's business: see README.md.) */
static unsigned g722_samples(const void *data, size_t len)
{
	(void)data;
	return (unsigned)(2 * len);
}

static struct ly_format g722_fmt = {
	.name = "g722",
	.description = "ITU-T G.722 64 kbit/s, 16 kHz",
	.rate = 16000,
	.samples = g722_samples,
};

static const struct ly_format *slin16_fmt;	/* codec_slin's, found at load */

struct g722_pvt {
	struct g722_codec codec;
	/* The encoder takes samples in pairs; an odd one waits here for the
	 * next frame, so odd frame lengths lose nothing. */
	int16_t held;
	bool has_held;
};

static int pvt_init(void *pvt)
{
	g722_init(&((struct g722_pvt *)pvt)->codec);
	return 0;
}

static struct ly_frame *decode_frame(void *pvt, const struct ly_frame *in)
{
	struct g722_pvt *p = pvt;
	struct ly_frame *out;

	if (!in->datalen)
		return NULL;
	out = ly_frame_new(LY_FRAME_VOICE, 2 * in->datalen * sizeof(int16_t));
	out->samples = (unsigned)g722_decode(&p->codec, in->data, in->datalen,
					     (int16_t *)out->data);
	out->format = slin16_fmt;
	return out;
}

static struct ly_frame *encode_frame(void *pvt, const struct ly_frame *in)
{
	struct g722_pvt *p = pvt;
	size_t n = in->datalen / sizeof(int16_t);
	size_t total = n + p->has_held;
	int16_t *pcm;
	struct ly_frame *out;

	if (total < 2) {
		if (n) {
			memcpy(&p->held, in->data, sizeof(p->held));
			p->has_held = true;
		}
		return NULL;
	}
	pcm = ly_malloc(total * sizeof(*pcm));
	pcm[0] = p->held;
	memcpy(pcm + p->has_held, in->data, n * sizeof(*pcm));
	p->has_held = total % 2;
	if (p->has_held)
		p->held = pcm[total - 1];
	out = ly_frame_new(LY_FRAME_VOICE, total / 2);
	g722_encode(&p->codec, pcm, total - total % 2, out->data);
	free(pcm);
	out->format = &g722_fmt;
	out->samples = (unsigned)(total - total % 2);
	return out;
}

/* Costs in rough microseconds per second of audio, measured with the unit
 * test's timing on the development machine (see README.md). */
static struct ly_translator translators[] = {
	{ .name = "g722tolin16", .src = "g722", .dst = "slin16", .cost = 1200,
	  .pvt_size = sizeof(struct g722_pvt), .init = pvt_init, .translate = decode_frame },
	{ .name = "lin16tog722", .src = "slin16", .dst = "g722", .cost = 1500,
	  .pvt_size = sizeof(struct g722_pvt), .init = pvt_init, .translate = encode_frame },
};

/* Anything registered before a failure is removed by the loader. */
static int load(struct ly_module *self)
{
	int err;

	slin16_fmt = ly_format_find("slin16");
	if (!slin16_fmt) {
		ly_error("codec_g722 needs the 'slin16' format from codec_slin");
		return ENOENT;
	}
	if ((err = ly_format_register(self, &g722_fmt)) != 0)
		return err;
	for (size_t i = 0; i < sizeof(translators) / sizeof(translators[0]); i++)
		if ((err = ly_translator_register(self, &translators[i])) != 0)
			return err;
	return 0;
}

static const char *const needs[] = { "codec_slin", NULL };

LYRE_MODULE(codec_g722,
	    .description = "ITU-T G.722 wideband audio (64 kbit/s)",
	    .load = load,
	    .needs = needs);
