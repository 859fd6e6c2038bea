/* modules/codec_g722/g722_band.c - G.722 sub-band ADPCM: quantisers, scale factor adaptation and the adaptive predictor (Recommendation section 6.2). */
#include "g722.h"

/*
 * Fixed-point conventions of the Recommendation: values are 16-bit two's
 * complement, products of two such values are taken >> 15 (rounding
 * towards minus infinity, i.e. an arithmetic shift), and the blocks that
 * say "limited" saturate to 16 bits.
 */
static int sat16(int v)
{
	return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* (a * b) >> 15 with the arithmetic shift the Recommendation means. */
static int mul15(int a, int b)
{
	return (a * b) >> 15;
}

/* The sign bit (1 for negative): zero counts as positive. */
static int sign_of(int v)
{
	return v < 0;
}

/* Magnitude as the quantisers see it: for a negative value the ones'
 * complement (-(v + 1)), so the decision levels serve both signs. */
static int quant_magnitude(int v)
{
	return v >= 0 ? v : -(v + 1);
}

/* ---- lower sub-band: the 6-bit quantiser (QUANTL, Table 6) ---- */

/* Upper decision levels of the 30 magnitude intervals, normalised
 * (times DETL / 2^12); the last interval has no upper bound. */
static const int ll6[29] = {
	35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
	786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
};

/* IL for magnitude interval m (0 = smallest), positive and negative EL.
 * Codes 0-3 are never sent; negative intervals 0 and 1 use 63 and 62. */
static int il_code(int m, int negative)
{
	if (!negative)
		return 61 - m;
	return m < 2 ? 63 - m : 33 - m;
}

int g722_low_quantise(const struct g722_band *b, int el)
{
	int wd = quant_magnitude(el);
	int m = 0;

	while (m < 29 && wd >= ((ll6[m] * b->det) >> 12))
		m++;
	return il_code(m, sign_of(el));
}

/* ---- inverse quantisers (INVQAL, INVQBL, INVQAH: Tables 7, 8, 9) ---- */

/* The 6-bit output levels, indexed by IL (times DETL / 2^15). */
static const int qm6[64] = {
	-136, -136, -136, -136, -24808, -21904, -19008, -16704,
	-14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
	-7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
	-3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
	24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
	10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
	4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
	1688, 1360, 1040, 728, 432, 136, -432, -136,
};

/* The 4-bit levels the predictor runs on, indexed by IL >> 2 (the two
 * least significant bits of IL dropped, section 3.3). */
static const int qm4[16] = {
	0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
	20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
};

/* The higher band's 2-bit levels, indexed by IH. */
static const int qm2[4] = { -7408, -1616, 7408, 1616 };

int g722_low_dequantise4(const struct g722_band *b, int il)
{
	return mul15(b->det, qm4[(il >> 2) & 15]);
}

int g722_low_dequantise6(const struct g722_band *b, int il)
{
	return mul15(b->det, qm6[il & 63]);
}

int g722_high_dequantise(const struct g722_band *b, int ih)
{
	return mul15(b->det, qm2[ih & 3]);
}

/* ---- higher sub-band: the 2-bit quantiser (QUANTH, Table 5) ---- */

int g722_high_quantise(const struct g722_band *b, int eh)
{
	/* One decision level, 564 / 2^12 of DETH, splits small from large:
	 * negative large 0, negative small 1, positive large 2, small 3. */
	int large = quant_magnitude(eh) >= ((564 * b->det) >> 12);

	return (sign_of(eh) ? 0 : 2) + !large;
}

/* ---- scale factor adaptation (LOGSCL/SCALEL, LOGSCH/SCALEH) ---- */

/* 2^(i/32) for the 5 fractional bits of the log scale factor, times 2^11. */
static const int ilb[32] = {
	2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543,
	2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228,
	3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
};

/* Lower band: the log multiplier for each magnitude class of the 4-bit
 * code (RIL = IL >> 2 mapped to IL4 by Table 10's RL42). */
static const int rl42[16] = { 0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0 };
static const int wl[8] = { -60, -30, 58, 172, 334, 538, 1198, 3042 };

/* Higher band: RH2 and WH (Table 11). */
static const int rh2[4] = { 2, 1, 2, 1 };
static const int wh[3] = { 0, -214, 798 };

/* SCALEL / SCALEH: the linear scale factor from the log one.  `bias` is
 * 8 for the lower band and 10 for the higher; the result is shifted up
 * by 2 to the 15-bit scale of DET. */
static int scale_from_log(int nb, int bias)
{
	int frac = (nb >> 6) & 31;
	int shift = bias - (nb >> 11);
	int lin = shift < 0 ? ilb[frac] << -shift : ilb[frac] >> shift;

	return lin << 2;
}

/* Leakage 127/128 then the multiplier (LOGSCL), limited to [0, 18432]. */
void g722_low_adapt(struct g722_band *b, int il)
{
	b->nb = clamp(((b->nb * 127) >> 7) + wl[rl42[(il >> 2) & 15]], 0, 18432);
	b->det = scale_from_log(b->nb, 8);
}

/* LOGSCH: the same with the higher band's table, limited to [0, 22528]. */
void g722_high_adapt(struct g722_band *b, int ih)
{
	b->nb = clamp(((b->nb * 127) >> 7) + wh[rh2[ih & 3]], 0, 22528);
	b->det = scale_from_log(b->nb, 10);
}

/* ---- the adaptive predictor (section 6.2.2: two poles, six zeros) ---- */

/* UPPOL2: the second pole coefficient from the signs of the partially
 * reconstructed signal now and one and two samples back. */
static int uppol2(const struct g722_band *b)
{
	int wd1 = sat16(b->a[1] * 4);
	int wd2 = sign_of(b->p[0]) == sign_of(b->p[1]) ? -wd1 : wd1;
	int wd3;

	if (wd2 > 32767)
		wd2 = 32767;
	wd3 = (wd2 >> 7) + (sign_of(b->p[0]) == sign_of(b->p[2]) ? 128 : -128);
	wd3 += mul15(b->a[2], 32512);	/* leakage 1 - 2^-7 */
	return clamp(wd3, -12288, 12288);
}

/* UPPOL1: the first pole coefficient, kept inside the stability triangle
 * |A1| <= 1 - 2^-4 - A2 (with the new A2). */
static int uppol1(const struct g722_band *b, int a2)
{
	int step = sign_of(b->p[0]) == sign_of(b->p[1]) ? 192 : -192;
	int a1 = sat16(step + mul15(b->a[1], 32640));	/* leakage 1 - 2^-8 */
	int lim = sat16(15360 - a2);

	return clamp(a1, -lim, lim);
}

/* UPZERO: sign-sign update of the six zero coefficients; no step at all
 * when the new difference is zero. */
static void upzero(struct g722_band *b)
{
	int step = b->d[0] == 0 ? 0 : 128;

	for (int i = 1; i <= 6; i++) {
		int same = sign_of(b->d[0]) == sign_of(b->d[i]);

		b->b[i] = sat16((same ? step : -step) + mul15(b->b[i], 32640));
	}
}

/* DELAYA: move the delay lines one sample on. */
static void shift_delays(struct g722_band *b)
{
	for (int i = 6; i > 0; i--)
		b->d[i] = b->d[i - 1];
	for (int i = 2; i > 0; i--) {
		b->p[i] = b->p[i - 1];
		b->r[i] = b->r[i - 1];
	}
}

/* FILTEP + FILTEZ + PREDIC: the estimate for the next sample. */
static void estimate(struct g722_band *b)
{
	int sp = mul15(b->a[1], sat16(2 * b->r[1])) + mul15(b->a[2], sat16(2 * b->r[2]));
	int sz = 0;

	for (int i = 1; i <= 6; i++)
		sz += mul15(b->b[i], sat16(2 * b->d[i]));
	b->sz = sat16(sz);
	b->s = sat16(sat16(sp) + b->sz);
}

void g722_predict(struct g722_band *b, int d)
{
	int a2;

	b->d[0] = d;
	b->r[0] = sat16(b->s + d);	/* RECONS */
	b->p[0] = sat16(b->sz + d);	/* PARREC */
	a2 = uppol2(b);
	b->a[1] = uppol1(b, a2);
	b->a[2] = a2;
	upzero(b);
	shift_delays(b);
	estimate(b);
}

void g722_band_init(struct g722_band *b, int det)
{
	*b = (struct g722_band){ .det = det };
}
