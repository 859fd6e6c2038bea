/*
 * modules/app_confbridge/conf_mix.c - the arithmetic of mixing: 32-bit
 * sums, the N-1 mix with clipping, the energy flag that leaves silent
 * participants out, volume steps, speexdsp resampling and the sample FIFO.
 *
 * Why 32-bit sums: a 16-bit sum of two loud talkers overflows and wraps
 * into a loud click; an int32 holds 65536 full-scale participants, so the
 * sum is exact and only the final per-listener result is clipped.
 */
#include <stdlib.h>
#include <string.h>

#include <speex/speex_resampler.h>

#include <lyre/lyre.h>

#include "confbridge.h"

unsigned cb_energy(const int16_t *s, size_t n)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc += (uint64_t)(s[i] < 0 ? -(int32_t)s[i] : s[i]);
	return n ? (unsigned)(acc / n) : 0;
}

void cb_sum_add(int32_t *sum, const int16_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum[i] += s[i];
}

static inline int16_t clip16(int32_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

void cb_clip(int16_t *out, const int32_t *sum, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = clip16(sum[i]);
}

void cb_clip_minus(int16_t *out, const int32_t *sum, const int16_t *own, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = clip16(sum[i] - own[i]);
}

/* 3 dB steps as Q12 gains: 10^(3k/20) * 4096 for k = -4..4. */
static const int32_t gain_q12[9] = { 1029, 1453, 2053, 2899, 4096, 5786, 8173, 11544, 16306 };

void cb_volume(int16_t *s, size_t n, int step)
{
	int32_t g;

	if (step == 0)
		return;
	step = step < -4 ? -4 : step > 4 ? 4 : step;
	g = gain_q12[step + 4];
	for (size_t i = 0; i < n; i++)
		s[i] = clip16((s[i] * g) >> 12);
}

bool cb_vad_update(struct cb_vad *v, const int16_t *s, size_t n, unsigned ms)
{
	bool was = v->talking;

	if (cb_energy(s, n) >= v->threshold) {
		v->quiet_ms = 0;
		v->talking = true;
	} else if (v->talking) {
		v->quiet_ms += ms;
		if (v->quiet_ms >= v->hangover_ms)
			v->talking = false;
	}
	return v->talking != was;
}

/* ---- resampling ---- */

/* Quality 3: speexdsp's VoIP setting, a good trade of CPU for aliasing at
 * telephone bandwidths (codec_slin uses the same). */
#define RS_QUALITY 3

struct cb_resampler {
	SpeexResamplerState *st;
};

struct cb_resampler *cb_resampler_new(unsigned from, unsigned to)
{
	struct cb_resampler *r;
	int err = 0;
	SpeexResamplerState *st = speex_resampler_init(1, from, to, RS_QUALITY, &err);

	if (!st) {
		ly_error("confbridge: resampler %u -> %u Hz: %s", from, to,
			 speex_resampler_strerror(err));
		return NULL;
	}
	/* No speex_resampler_skip_zeros: it shortens the first block, and
	 * every block must come out whole (a frame's samples set the RTP
	 * timestamp); the filter's delay (under 1 ms) is harmless. */
	r = ly_calloc(1, sizeof(*r));
	r->st = st;
	return r;
}

void cb_resampler_free(struct cb_resampler *r)
{
	if (!r)
		return;
	speex_resampler_destroy(r->st);
	free(r);
}

size_t cb_resample(struct cb_resampler *r, const int16_t *in, size_t n, int16_t *out,
		   size_t cap)
{
	spx_uint32_t in_len = (spx_uint32_t)n, out_len = (spx_uint32_t)cap;

	speex_resampler_process_int(r->st, 0, in, &in_len, out, &out_len);
	return out_len;
}

/* ---- FIFO ---- */

void cb_ring_init(struct cb_ring *r, size_t cap)
{
	r->buf = ly_calloc(cap, sizeof(*r->buf));
	r->cap = cap;
	r->head = r->len = 0;
}

void cb_ring_free(struct cb_ring *r)
{
	free(r->buf);
	*r = (struct cb_ring){ 0 };
}

void cb_ring_push(struct cb_ring *r, const int16_t *s, size_t n)
{
	if (n >= r->cap) {	/* only the newest fit */
		s += n - r->cap;
		n = r->cap;
	}
	if (r->len + n > r->cap) {	/* drop the oldest */
		size_t drop = r->len + n - r->cap;

		r->head = (r->head + drop) % r->cap;
		r->len -= drop;
	}
	{
		/* At most two runs: up to the end of the buffer, then from its start. */
		size_t tail = (r->head + r->len) % r->cap, first = r->cap - tail;

		if (first > n)
			first = n;
		memcpy(r->buf + tail, s, first * sizeof(*s));
		memcpy(r->buf, s + first, (n - first) * sizeof(*s));
	}
	r->len += n;
}

bool cb_ring_take(struct cb_ring *r, int16_t *out, size_t n)
{
	size_t first = r->cap - r->head;

	if (r->len < n)
		return false;
	if (first > n)
		first = n;
	memcpy(out, r->buf + r->head, first * sizeof(*out));
	memcpy(out + first, r->buf, (n - first) * sizeof(*out));
	r->head = (r->head + n) % r->cap;
	r->len -= n;
	return true;
}

void cb_ring_trim(struct cb_ring *r, size_t keep)
{
	if (r->len <= keep)
		return;
	r->head = (r->head + r->len - keep) % r->cap;
	r->len = keep;
}

const char *cb_slin_name(unsigned rate)
{
	return rate >= 48000 ? "slin48" : rate >= 16000 ? "slin16" : "slin";
}
