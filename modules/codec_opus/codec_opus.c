/* modules/codec_opus/codec_opus.c - the "opus" format (libopus, 48 kHz mono) and its translators to and from slin48. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/core.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/module.h"
#include "lyre/utils.h"

#include "codec_opus.h"

#define FRAME_20MS (OPUS_RATE / 50)
/* Input waiting for the encoder: up to three 20 ms frames' backlog plus
 * one more frame arriving. */
#define ENC_BUF (4 * 3 * FRAME_20MS)
/* libopus's recommended output room for one packet. */
#define MAX_PACKET 4000

static unsigned opus_samples(const void *data, size_t len)
{
	return opus_dec_samples(data, len);
}

static struct ly_format opus_fmt = {
	.name = "opus",
	.description = "Opus (RFC 6716), 48 kHz",
	.rate = OPUS_RATE,
	.samples = opus_samples,
};

static const struct ly_format *slin48_fmt;	/* codec_slin's, found at load */

/* ---- encoder: slin48 -> opus ---- */

struct enc_pvt {
	OpusEncoder *enc;
	size_t n;		/* samples waiting in buf */
	int16_t buf[ENC_BUF];
};

static void apply_settings(OpusEncoder *enc, const struct opus_settings *s)
{
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(s->bitrate));
	opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(s->complexity));
	opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(s->fec ? 1 : 0));
	opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(s->packet_loss));
	opus_encoder_ctl(enc, OPUS_SET_DTX(s->dtx ? 1 : 0));
	opus_encoder_ctl(enc, OPUS_SET_VBR(s->cbr ? 0 : 1));
	opus_encoder_ctl(enc, OPUS_SET_MAX_BANDWIDTH(s->max_bandwidth));
	opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
}

/* Settings are taken when a path starts, so a reload changes new calls. */
static int enc_init(void *pvt)
{
	struct enc_pvt *p = pvt;
	struct opus_settings s;
	int err = OPUS_OK;

	opus_settings_get(&s);
	p->enc = opus_encoder_create(OPUS_RATE, 1, s.application, &err);
	if (!p->enc || err != OPUS_OK) {
		ly_error("Opus encoder: %s", opus_strerror(err));
		return ENOMEM;
	}
	apply_settings(p->enc, &s);
	return 0;
}

static void enc_destroy(void *pvt)
{
	struct enc_pvt *p = pvt;

	if (p->enc)
		opus_encoder_destroy(p->enc);
}

static void enc_buffer(struct enc_pvt *p, const int16_t *pcm, size_t n)
{
	if (n > ENC_BUF) {	/* a frame over 240 ms: keep its end */
		pcm += n - ENC_BUF;
		n = ENC_BUF;
	}
	if (p->n + n > ENC_BUF) {	/* backlog: drop the oldest audio */
		size_t drop = p->n + n - ENC_BUF;

		ly_debug(1, "Opus encoder: dropping %zu samples of backlog", drop);
		memmove(p->buf, p->buf + drop, (p->n - drop) * sizeof(p->buf[0]));
		p->n -= drop;
	}
	memcpy(p->buf + p->n, pcm, n * sizeof(p->buf[0]));
	p->n += n;
}

/* One packet per call: 20 ms normally, 40 or 60 ms when input frames are
 * longer than 20 ms (or not a multiple of it), so the backlog never grows. */
static size_t packet_samples(size_t have)
{
	for (size_t ms20 = 3; ms20 > 0; ms20--)
		if (have >= ms20 * FRAME_20MS)
			return ms20 * FRAME_20MS;
	return 0;
}

static struct ly_frame *encode_frame(void *pvt, const struct ly_frame *in)
{
	struct enc_pvt *p = pvt;
	size_t n;
	struct ly_frame *out;
	opus_int32 len;

	enc_buffer(p, (const int16_t *)in->data, in->datalen / sizeof(int16_t));
	if (!(n = packet_samples(p->n)))
		return NULL;
	out = ly_frame_new(LY_FRAME_VOICE, MAX_PACKET);
	len = opus_encode(p->enc, p->buf, (int)n, out->data, MAX_PACKET);
	p->n -= n;
	memmove(p->buf, p->buf + n, p->n * sizeof(p->buf[0]));
	/* With DTX, a packet of 2 bytes or less is silence that need not be
	 * sent (opus_encode's documentation); nothing leaves the path. */
	if (len <= 2) {
		if (len < 0)
			ly_warning("Opus encoder: %s", opus_strerror(len));
		ly_frame_free(out);
		return NULL;
	}
	out->datalen = (size_t)len;
	out->samples = (unsigned)n;
	out->format = &opus_fmt;
	return out;
}

/* ---- decoder: opus -> slin48 ---- */

static int dec_init(void *pvt)
{
	if (opus_dec_init(pvt) != 0) {
		ly_error("Opus decoder: cannot create");
		return ENOMEM;
	}
	return 0;
}

static void dec_destroy(void *pvt)
{
	opus_dec_destroy(pvt);
}

/*
 * The frame's seqno is the RTP sequence number (res_rtp copies it), and
 * the gaps in it are how lost packets show: the frame API has no "lost"
 * flag.  An empty opus frame counts as a lost packet, for a jitter buffer
 * that wants to ask for concealment.  Concealed audio comes first in the
 * output frame, whose timestamp stays the input's.
 */
static struct ly_frame *decode_frame(void *pvt, const struct ly_frame *in)
{
	int16_t *pcm = ly_malloc(OPUS_DEC_MAX_OUT * sizeof(*pcm));
	size_t n = opus_dec_packet(pvt, in->data, in->datalen, in->seqno, pcm);
	struct ly_frame *out = NULL;

	if (n)
		out = ly_frame_voice_new(slin48_fmt, (unsigned)n, pcm, n * sizeof(*pcm));
	free(pcm);
	return out;
}

/* Costs in rough microseconds per second of audio, measured on the
 * development machine (README.md). */
static struct ly_translator translators[] = {
	{ .name = "opustolin48", .src = "opus", .dst = "slin48", .cost = 4000,
	  .pvt_size = sizeof(struct opus_dec), .init = dec_init, .destroy = dec_destroy,
	  .translate = decode_frame },
	{ .name = "lin48toopus", .src = "slin48", .dst = "opus", .cost = 27000,
	  .pvt_size = sizeof(struct enc_pvt), .init = enc_init, .destroy = enc_destroy,
	  .translate = encode_frame },
};

static int read_settings(void)
{
	struct opus_settings s;
	char err[600];

	if (opus_conf_load(ly_dirs()->confdir, &s, err, sizeof(err)) != 0) {
		ly_error("codecs.conf: %s", err);
		return EINVAL;
	}
	opus_settings_set(&s);
	ly_verbose(2, "Opus encoder: fec %s (loss %d%%), dtx %s, %s, complexity %d",
		   s.fec ? "on" : "off", s.packet_loss, s.dtx ? "on" : "off",
		   s.cbr ? "cbr" : "vbr", s.complexity);
	return 0;
}

/* Anything registered before a failure is removed by the loader. */
static int load(struct ly_module *self)
{
	int err;

	slin48_fmt = ly_format_find("slin48");
	if (!slin48_fmt) {
		ly_error("codec_opus needs the 'slin48' format from codec_slin");
		return ENOENT;
	}
	if ((err = read_settings()) != 0 || (err = ly_format_register(self, &opus_fmt)) != 0)
		return err;
	for (size_t i = 0; i < sizeof(translators) / sizeof(translators[0]); i++)
		if ((err = ly_translator_register(self, &translators[i])) != 0)
			return err;
	ly_verbose(2, "Opus codec: %s", opus_get_version_string());
	return 0;
}

/* A broken file keeps the running settings (read_settings swaps last). */
static int reload(struct ly_module *self)
{
	(void)self;
	return read_settings();
}

static const char *const needs[] = { "codec_slin", NULL };

LYRE_MODULE(codec_opus,
	    .description = "Opus audio (libopus), 48 kHz",
	    .load = load,
	    .reload = reload,
	    .needs = needs);
