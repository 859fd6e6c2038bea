/* modules/codec_g711/codec_g711.c - ITU-T G.711 mu-law and A-law, table driven. */
#include <errno.h>
#include <stdint.h>

#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/module.h"

/*
 * Tables built at load: a decode table per law (256 codes) and an encode
 * table per law indexed by the whole 16-bit sample, so encoding is exact
 * for every input (a 14- or 13-bit index would round negative samples the
 * other way from positive ones).  128 KiB buys one load per sample.
 */
static int16_t ulaw_to_lin[256];
static int16_t alaw_to_lin[256];
static uint8_t lin_to_ulaw[65536];
static uint8_t lin_to_alaw[65536];
static uint8_t ulaw_to_alaw[256];
static uint8_t alaw_to_ulaw[256];

#define ULAW_BIAS 0x84		/* 33 on G.711's 14-bit scale, shifted to 16 bits */
#define ULAW_CLIP 32635		/* largest magnitude that still fits after the bias */

/* The segment (0-7) holding magnitude v, when segment 0 ends at first_end
 * and each later segment is twice as wide as the one before (G.711 Tables
 * 1a and 2a).  Callers clip v, so 8 never comes back. */
static int segment_of(int v, int first_end)
{
	int seg = 0;

	for (int end = first_end; seg < 8 && v > end; end = (end << 1) | 1)
		seg++;
	return seg;
}

/* G.711 section 3.3 / Table 2a: sign-magnitude, magnitude plus the bias
 * 33 (0x84 at 16 bits) so segment boundaries fall on powers of two, then
 * the whole code complemented (transmitted with all bits inverted). */
static uint8_t ulaw_encode(int pcm)
{
	int mask = pcm < 0 ? 0x7F : 0xFF;
	int mag = pcm < 0 ? -pcm : pcm;
	int seg;

	if (mag > ULAW_CLIP)
		mag = ULAW_CLIP;
	mag += ULAW_BIAS;
	seg = segment_of(mag, 0xFF);
	return (uint8_t)(((seg << 4) | ((mag >> (seg + 3)) & 0x0F)) ^ mask);
}

static int16_t ulaw_decode(uint8_t code)
{
	int u = ~code & 0xFF;
	int t = (((u & 0x0F) << 3) + ULAW_BIAS) << ((u >> 4) & 0x07);

	return (int16_t)((u & 0x80) ? ULAW_BIAS - t : t - ULAW_BIAS);
}

/* G.711 section 3.2 / Table 1a: 13-bit sign-magnitude (the 16-bit sample
 * >> 3), segment 0 and 1 share one step size, and the even bits are
 * inverted on the line (XOR 0x55).  The sign bit is 1 for positive. */
static uint8_t alaw_encode(int pcm)
{
	int mask = pcm < 0 ? 0x55 : 0xD5;
	int mag = (pcm < 0 ? -pcm : pcm) >> 3;
	int seg, mant;

	if (mag > 0xFFF)
		mag = 0xFFF;
	seg = segment_of(mag, 0x1F);
	mant = seg < 2 ? (mag >> 1) & 0x0F : (mag >> seg) & 0x0F;
	return (uint8_t)(((seg << 4) | mant) ^ mask);
}

static int16_t alaw_decode(uint8_t code)
{
	int a = code ^ 0x55;
	int seg = (a >> 4) & 0x07;
	int t = ((a & 0x0F) << 4) + (seg ? 0x108 : 8);

	if (seg > 1)
		t <<= seg - 1;
	return (int16_t)((a & 0x80) ? t : -t);
}

static void build_tables(void)
{
	for (int i = 0; i < 256; i++) {
		ulaw_to_lin[i] = ulaw_decode((uint8_t)i);
		alaw_to_lin[i] = alaw_decode((uint8_t)i);
	}
	for (int i = 0; i < 65536; i++) {
		int16_t pcm = (int16_t)(uint16_t)i;

		lin_to_ulaw[i] = ulaw_encode(pcm);
		lin_to_alaw[i] = alaw_encode(pcm);
	}
	/* Via the linear value: G.711 Tables 3 and 4 map the two laws the
	 * same way, up to the rounding of the few codes one law lacks. */
	for (int i = 0; i < 256; i++) {
		ulaw_to_alaw[i] = lin_to_alaw[(uint16_t)ulaw_to_lin[i]];
		alaw_to_ulaw[i] = lin_to_ulaw[(uint16_t)alaw_to_lin[i]];
	}
}

static unsigned g711_samples(const void *data, size_t len)
{
	(void)data;
	return (unsigned)len;
}

static struct ly_format ulaw_fmt = {
	.name = "ulaw",
	.description = "G.711 mu-law",
	.rate = 8000,
	.samples = g711_samples,
};

static struct ly_format alaw_fmt = {
	.name = "alaw",
	.description = "G.711 A-law",
	.rate = 8000,
	.samples = g711_samples,
};

static const struct ly_format *slin_fmt;	/* codec_slin's, found at load */

static struct ly_frame *decode_frame(const struct ly_frame *in, const int16_t *table)
{
	struct ly_frame *out = ly_frame_new(LY_FRAME_VOICE, in->datalen * sizeof(int16_t));
	int16_t *pcm = (int16_t *)out->data;

	for (size_t i = 0; i < in->datalen; i++)
		pcm[i] = table[in->data[i]];
	out->format = slin_fmt;
	out->samples = (unsigned)in->datalen;
	return out;
}

static struct ly_frame *encode_frame(const struct ly_frame *in, const uint8_t *table,
				     const struct ly_format *fmt)
{
	size_t n = in->datalen / sizeof(int16_t);
	struct ly_frame *out = ly_frame_new(LY_FRAME_VOICE, n);
	const int16_t *pcm = (const int16_t *)in->data;

	for (size_t i = 0; i < n; i++)
		out->data[i] = table[(uint16_t)pcm[i]];
	out->format = fmt;
	out->samples = (unsigned)n;
	return out;
}

static struct ly_frame *map_frame(const struct ly_frame *in, const uint8_t *table,
				  const struct ly_format *fmt)
{
	struct ly_frame *out = ly_frame_new(LY_FRAME_VOICE, in->datalen);

	for (size_t i = 0; i < in->datalen; i++)
		out->data[i] = table[in->data[i]];
	out->format = fmt;
	out->samples = (unsigned)in->datalen;
	return out;
}

static struct ly_frame *ulaw_to_slin(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	return decode_frame(in, ulaw_to_lin);
}

static struct ly_frame *alaw_to_slin(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	return decode_frame(in, alaw_to_lin);
}

static struct ly_frame *slin_to_ulaw(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	return encode_frame(in, lin_to_ulaw, &ulaw_fmt);
}

static struct ly_frame *slin_to_alaw(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	return encode_frame(in, lin_to_alaw, &alaw_fmt);
}

static struct ly_frame *ulaw_to_alaw_frame(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	return map_frame(in, ulaw_to_alaw, &alaw_fmt);
}

static struct ly_frame *alaw_to_ulaw_frame(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	return map_frame(in, alaw_to_ulaw, &ulaw_fmt);
}

/* Costs in rough microseconds per second of audio: one table load per
 * sample; the direct law-to-law map does one load instead of two. */
static struct ly_translator translators[] = {
	{ .name = "ulawtolin", .src = "ulaw", .dst = "slin", .cost = 100,
	  .translate = ulaw_to_slin },
	{ .name = "lintoulaw", .src = "slin", .dst = "ulaw", .cost = 100,
	  .translate = slin_to_ulaw },
	{ .name = "alawtolin", .src = "alaw", .dst = "slin", .cost = 100,
	  .translate = alaw_to_slin },
	{ .name = "lintoalaw", .src = "slin", .dst = "alaw", .cost = 100,
	  .translate = slin_to_alaw },
	{ .name = "ulawtoalaw", .src = "ulaw", .dst = "alaw", .cost = 80,
	  .translate = ulaw_to_alaw_frame },
	{ .name = "alawtoulaw", .src = "alaw", .dst = "ulaw", .cost = 80,
	  .translate = alaw_to_ulaw_frame },
};

/* Anything registered before a failure is removed by the loader. */
static int load(struct ly_module *self)
{
	int err;

	slin_fmt = ly_format_find("slin");
	if (!slin_fmt) {
		ly_error("codec_g711 needs the 'slin' format from codec_slin");
		return ENOENT;
	}
	build_tables();
	if ((err = ly_format_register(self, &ulaw_fmt)) != 0 ||
	    (err = ly_format_register(self, &alaw_fmt)) != 0)
		return err;
	for (size_t i = 0; i < sizeof(translators) / sizeof(translators[0]); i++)
		if ((err = ly_translator_register(self, &translators[i])) != 0)
			return err;
	return 0;
}

static const char *const needs[] = { "codec_slin", NULL };

LYRE_MODULE(codec_g711,
	    .description = "ITU-T G.711 mu-law and A-law",
	    .load = load,
	    .needs = needs);
