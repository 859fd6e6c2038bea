/* modules/codec_g722/g722.c - the G.722 encoder and decoder: QMF plus the two sub-band ADPCM coders, one byte per pair of samples (mode 1, 64 kbit/s). */
#include "g722.h"

static int limit15(int v)
{
	return v > 16383 ? 16383 : v < -16384 ? -16384 : v;
}

static int sat16(int v)
{
	return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

void g722_init(struct g722_codec *c)
{
	*c = (struct g722_codec){ 0 };
	g722_band_init(&c->low, 32);
	g722_band_init(&c->high, 8);
}

/* Lower band: a 6-bit code is sent, but the coder's own loop (inverse
 * quantiser, adaptation, predictor) runs on its 4 most significant bits,
 * so a decoder that receives fewer bits (modes 2 and 3) stays in step. */
static int encode_low(struct g722_band *b, int xl)
{
	int il = g722_low_quantise(b, sat16(xl - b->s));	/* SUBTRA, QUANTL */
	int dlt = g722_low_dequantise4(b, il);

	g722_low_adapt(b, il);
	g722_predict(b, dlt);
	return il;
}

static int encode_high(struct g722_band *b, int xh)
{
	int ih = g722_high_quantise(b, sat16(xh - b->s));	/* SUBTRA, QUANTH */
	int dh = g722_high_dequantise(b, ih);

	g722_high_adapt(b, ih);
	g722_predict(b, dh);
	return ih;
}

size_t g722_encode(struct g722_codec *c, const int16_t *pcm, size_t n, uint8_t *out)
{
	size_t bytes = n / 2;

	for (size_t i = 0; i < bytes; i++) {
		int xl, xh;

		g722_qmf_split(&c->qmf, pcm[2 * i], pcm[2 * i + 1], &xl, &xh);
		out[i] = (uint8_t)(encode_high(&c->high, xh) << 6 | encode_low(&c->low, xl));
	}
	return bytes;
}

/* Mode 1: the output uses all 6 bits (INVQBL), the predictor the top 4. */
static int decode_low(struct g722_band *b, int il)
{
	int rl = limit15(b->s + g722_low_dequantise6(b, il));	/* RECONS, LIMIT */
	int dlt = g722_low_dequantise4(b, il);

	g722_low_adapt(b, il);
	g722_predict(b, dlt);
	return rl;
}

static int decode_high(struct g722_band *b, int ih)
{
	int dh = g722_high_dequantise(b, ih);
	int rh = limit15(b->s + dh);

	g722_high_adapt(b, ih);
	g722_predict(b, dh);
	return rh;
}

size_t g722_decode(struct g722_codec *c, const uint8_t *in, size_t len, int16_t *pcm)
{
	for (size_t i = 0; i < len; i++) {
		int rl = decode_low(&c->low, in[i] & 0x3F);
		int rh = decode_high(&c->high, in[i] >> 6);

		g722_qmf_merge(&c->qmf, rl, rh, &pcm[2 * i]);
	}
	return 2 * len;
}
