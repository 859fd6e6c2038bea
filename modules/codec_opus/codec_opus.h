/*
 * modules/codec_opus/codec_opus.h - the private interface of codec_opus:
 * its settings (codecs.conf [opus]) and the decoder with loss handling.
 */
#ifndef LYRE_CODEC_OPUS_H
#define LYRE_CODEC_OPUS_H

#include <opus/opus.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPUS_RATE 48000
#define OPUS_MAX_FRAME 5760	/* 120 ms at 48 kHz, the longest Opus packet */

/* ---- settings (opus_conf.c) ---- */

struct opus_settings {
	bool fec;		/* in-band FEC (LBRR): OPUS_SET_INBAND_FEC */
	bool dtx;		/* discontinuous transmission */
	bool cbr;		/* constant rather than variable bit rate */
	int bitrate;		/* bits per second, or OPUS_AUTO */
	int complexity;		/* 0-10 */
	int packet_loss;	/* expected loss in percent, 0-100 */
	int application;	/* OPUS_APPLICATION_VOIP, _AUDIO or _RESTRICTED_LOWDELAY */
	int max_bandwidth;	/* OPUS_BANDWIDTH_* */
};

void opus_settings_defaults(struct opus_settings *s);
/* Read codecs.conf from confdir (a missing file or section: defaults).
 * 0, or EINVAL with a "file:line: what" message in err. */
int opus_conf_load(const char *confdir, struct opus_settings *out, char *err, size_t errlen);
void opus_settings_get(struct opus_settings *out);
void opus_settings_set(const struct opus_settings *s);

/* ---- decoding with loss concealment (opus_dec.c) ---- */

/* Lost packets made up for in one call; a longer gap is a new stream. */
#define OPUS_DEC_MAX_LOST 5
/* The most samples opus_dec_packet writes. */
#define OPUS_DEC_MAX_OUT ((OPUS_DEC_MAX_LOST + 1) * OPUS_MAX_FRAME)

struct opus_dec {
	OpusDecoder *dec;
	bool started;		/* a packet has been seen: last_seq is valid */
	uint16_t last_seq;
	int last_samples;	/* the last packet's length: a lost one's guess */
};

int opus_dec_init(struct opus_dec *d);	/* 0 or ENOMEM */
void opus_dec_destroy(struct opus_dec *d);
/*
 * Decode the packet that arrived with RTP sequence number seq into pcm
 * (room for OPUS_DEC_MAX_OUT samples); returns the samples written.  A
 * packet with len 0 means "this packet was lost".  Packets missing
 * before this one (a gap of 1 to OPUS_DEC_MAX_LOST in seq) come first in
 * pcm: the last of them from this packet's in-band FEC, any before it
 * from packet loss concealment.  Any byte string is safe to pass.
 */
size_t opus_dec_packet(struct opus_dec *d, const uint8_t *data, size_t len, uint16_t seq,
		       int16_t *pcm);
/* Samples in a packet at 48 kHz; 0 when it is not a valid Opus packet. */
unsigned opus_dec_samples(const uint8_t *data, size_t len);

#endif
