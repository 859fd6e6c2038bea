/* modules/codec_opus/opus_dec.c - Opus decoding that makes up for lost packets with in-band FEC or concealment (no Lyre dependency, so the fuzz target links it alone). */
#include <errno.h>

#include "codec_opus.h"

int opus_dec_init(struct opus_dec *d)
{
	int err = OPUS_OK;

	*d = (struct opus_dec){ .last_samples = OPUS_RATE / 50 };
	d->dec = opus_decoder_create(OPUS_RATE, 1, &err);
	return d->dec && err == OPUS_OK ? 0 : ENOMEM;
}

void opus_dec_destroy(struct opus_dec *d)
{
	if (d->dec)
		opus_decoder_destroy(d->dec);
	d->dec = NULL;
}

unsigned opus_dec_samples(const uint8_t *data, size_t len)
{
	int n;

	if (!data || len == 0 || len > INT32_MAX)
		return 0;
	n = opus_packet_get_nb_samples(data, (opus_int32)len, OPUS_RATE);
	return n > 0 && n <= OPUS_MAX_FRAME ? (unsigned)n : 0;
}

/* Packet loss concealment for one packet's worth of audio.  libopus
 * wants a multiple of 2.5 ms; last_samples always is one. */
static size_t conceal(struct opus_dec *d, int16_t *pcm)
{
	int n = opus_decode(d->dec, NULL, 0, pcm, d->last_samples, 0);

	return n > 0 ? (size_t)n : 0;
}

/* The lost packet just before this one, from this packet's LBRR data
 * (decode_fec = 1, frame size exactly the missing duration).  Without
 * LBRR in the packet libopus falls back to concealment by itself. */
static size_t recover(struct opus_dec *d, const uint8_t *data, size_t len, int16_t *pcm)
{
	int n = opus_decode(d->dec, data, (opus_int32)len, pcm, d->last_samples, 1);

	return n > 0 ? (size_t)n : conceal(d, pcm);
}

/* How many packets went missing between the last one and seq: 0 for the
 * next in order, a duplicate, a reordered one or a jump too long to be
 * loss (a new stream). */
static unsigned lost_before(const struct opus_dec *d, uint16_t seq)
{
	uint16_t gap = (uint16_t)(seq - d->last_seq);

	if (!d->started || gap < 2 || gap > OPUS_DEC_MAX_LOST + 1)
		return 0;
	return gap - 1u;
}

size_t opus_dec_packet(struct opus_dec *d, const uint8_t *data, size_t len, uint16_t seq,
		       int16_t *pcm)
{
	unsigned lost = lost_before(d, seq), n = opus_dec_samples(data, len);
	size_t out = 0;
	int got;

	d->started = true;
	d->last_seq = seq;
	if (!n)		/* lost, or not Opus: conceal its place */
		return conceal(d, pcm);
	for (unsigned i = 0; i + 1 < lost; i++)
		out += conceal(d, pcm + out);
	if (lost)
		out += recover(d, data, len, pcm + out);
	got = opus_decode(d->dec, data, (opus_int32)len, pcm + out, OPUS_MAX_FRAME, 0);
	if (got > 0) {
		out += (size_t)got;
		d->last_samples = got;
	} else {
		out += conceal(d, pcm + out);
	}
	return out;
}
