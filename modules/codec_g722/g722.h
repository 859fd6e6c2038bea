/*
 * modules/codec_g722/g722.h - ITU-T G.722 sub-band ADPCM at 64 kbit/s
 * (mode 1), written from the Recommendation's block description.
 *
 * Plain C with no Lyre dependency, so the fuzz target can link it alone.
 * 16-bit linear PCM at 16 kHz in, one byte per pair of samples out:
 * bits 7-6 the higher sub-band code IH, bits 5-0 the lower sub-band code
 * IL (G.722 section 1.4.4, "multiplexer").
 */
#ifndef LYRE_CODEC_G722_H
#define LYRE_CODEC_G722_H

#include <stddef.h>
#include <stdint.h>

#define G722_QMF_TAPS 24

/* The state of one sub-band's ADPCM coder; the Recommendation's names
 * (lower band: ...L, higher band: ...H) in the comments.  Index 0 of the
 * delay lines holds the value of the current sample while it is being
 * updated; 1.. hold the past. */
struct g722_band {
	int det;	/* DETL / DETH: quantiser scale factor */
	int nb;		/* NBL / NBH: logarithmic scale factor */
	int s;		/* SL / SH: signal estimate */
	int sz;		/* SZL / SZH: the zero section's share of the estimate */
	int a[3];	/* AL1, AL2 / AH1, AH2: pole predictor coefficients */
	int b[7];	/* BL1..BL6 / BH1..BH6: zero predictor coefficients */
	int d[7];	/* DLT / DH: quantised difference signal, now and past 6 */
	int p[3];	/* PLT / PH: partially reconstructed signal, now and past 2 */
	int r[3];	/* RLT / RH: reconstructed signal, now and past 2 */
};

/* The QMF delay line, newest sample first (x[0]). */
struct g722_qmf {
	int x[G722_QMF_TAPS];
};

struct g722_codec {
	struct g722_qmf qmf;
	struct g722_band low;
	struct g722_band high;
};

/* Reset to the Recommendation's initial state (section 6.2.1: all zero,
 * DETL = 32, DETH = 8).  Encoder and decoder use the same state. */
void g722_init(struct g722_codec *c);

/* Encode n samples (n even) into n / 2 bytes; returns the byte count. */
size_t g722_encode(struct g722_codec *c, const int16_t *pcm, size_t n, uint8_t *out);

/* Decode len bytes into 2 * len samples; returns the sample count.
 * Every byte value is a valid input. */
size_t g722_decode(struct g722_codec *c, const uint8_t *in, size_t len, int16_t *pcm);

/* ---- the building blocks, shared by g722.c and the tests ---- */

/* Transmit QMF: the newest two samples in, XL and XH (15-bit scale) out. */
void g722_qmf_split(struct g722_qmf *q, int older, int newer, int *xl, int *xh);
/* Receive QMF: RL and RH in, two output samples (older first) out. */
void g722_qmf_merge(struct g722_qmf *q, int rl, int rh, int16_t out[2]);

void g722_band_init(struct g722_band *b, int det);
int g722_low_quantise(const struct g722_band *b, int el);	/* QUANTL */
int g722_high_quantise(const struct g722_band *b, int eh);	/* QUANTH */
int g722_low_dequantise4(const struct g722_band *b, int il);	/* INVQAL */
int g722_low_dequantise6(const struct g722_band *b, int il);	/* INVQBL, mode 1 */
int g722_high_dequantise(const struct g722_band *b, int ih);	/* INVQAH */
void g722_low_adapt(struct g722_band *b, int il);		/* LOGSCL, SCALEL */
void g722_high_adapt(struct g722_band *b, int ih);		/* LOGSCH, SCALEH */
void g722_predict(struct g722_band *b, int d);	/* RECONS ... PREDIC */

#endif
