/* modules/codec_g722/g722_qmf.c - the G.722 quadrature mirror filters: one 16 kHz stream to two 8 kHz sub-bands and back (Recommendation sections 3.1 and 4.4). */
#include <string.h>

#include "g722.h"

/*
 * The 24 coefficients h0..h23 (Table 12), times 2^13.  They are
 * symmetric (h[i] == h[23 - i]) and the even ones sum to 2^12, as do the
 * odd ones, which fixes the gains below.
 */
static const int qmf_h[G722_QMF_TAPS] = {
	3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876,
	3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
};

static int sat16(int v)
{
	return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

static void push_pair(struct g722_qmf *q, int older, int newer)
{
	memmove(&q->x[2], &q->x[0], (G722_QMF_TAPS - 2) * sizeof(q->x[0]));
	q->x[1] = older;
	q->x[0] = newer;
}

/*
 * Transmit QMF: with x[k] the input k samples back,
 *   XA = sum h(2i) x(j - 2i),  XB = sum h(2i+1) x(j - 2i - 1),
 *   XL = XA + XB (the low-pass output), XH = XA - XB (the high-pass one),
 * both decimated to 8 kHz by computing them once per pair.  Taking the
 * whole 16-bit sample (rather than the Recommendation's 14-bit input)
 * and shifting by 14 puts XL on the 15-bit scale the sub-band coders
 * expect: a DC input c gives XL = c / 2.
 */
void g722_qmf_split(struct g722_qmf *q, int older, int newer, int *xl, int *xh)
{
	int xa = 0, xb = 0;

	push_pair(q, older, newer);
	for (int k = 0; k < G722_QMF_TAPS; k += 2) {
		xa += qmf_h[k] * q->x[k];
		xb += qmf_h[k + 1] * q->x[k + 1];
	}
	*xl = (xa + xb) >> 14;
	*xh = (xa - xb) >> 14;
}

/*
 * Receive QMF: XD = RL - RH and XS = RL + RH go through the even and the
 * odd coefficients respectively,
 *   xout(j) = 2 sum h(2i) XD(i),  xout(j+1) = 2 sum h(2i+1) XS(i),
 * which undoes the split up to a delay of 23 samples.  The shift by 11
 * takes the factor 2, the 2^13 of the coefficients and the 15-bit scale
 * back to 16-bit samples.  Here the delay line holds XD at even and XS
 * at odd positions.
 */
void g722_qmf_merge(struct g722_qmf *q, int rl, int rh, int16_t out[2])
{
	int even = 0, odd = 0;

	push_pair(q, rl + rh, rl - rh);	/* x[0] = XD, x[1] = XS */
	for (int k = 0; k < G722_QMF_TAPS; k += 2) {
		even += qmf_h[k] * q->x[k];
		odd += qmf_h[k + 1] * q->x[k + 1];
	}
	out[0] = (int16_t)sat16(even >> 11);
	out[1] = (int16_t)sat16(odd >> 11);
}
