/* modules/res_rtp/rtp_header.c - RTP header checks (RFC 3550 §5.1, §A.1) and payload types (RFC 3551). */
#include <errno.h>
#include <string.h>

#include <lyre/lyre.h>

#include "res_rtp.h"

/* RFC 3551 §6 tables 4 and 5: the static payload types with their clock
 * rates; 0 marks a type that is reserved or unassigned. */
static const unsigned static_clock[96] = {
	[0] = 8000,	/* PCMU */
	[3] = 8000,	/* GSM */
	[4] = 8000,	/* G723 */
	[5] = 8000,	/* DVI4 */
	[6] = 16000,	/* DVI4 */
	[7] = 8000,	/* LPC */
	[8] = 8000,	/* PCMA */
	[9] = 8000,	/* G722: 8000 by RFC 3551 §4.5.2, though sampled at 16 kHz */
	[10] = 44100,	/* L16 stereo */
	[11] = 44100,	/* L16 mono */
	[12] = 8000,	/* QCELP */
	[13] = 8000,	/* CN */
	[14] = 90000,	/* MPA */
	[15] = 8000,	/* G728 */
	[16] = 11025,	/* DVI4 */
	[17] = 22050,	/* DVI4 */
	[18] = 8000,	/* G729 */
	[25] = 90000,	/* CelB */
	[26] = 90000,	/* JPEG */
	[28] = 90000,	/* nv */
	[31] = 90000,	/* H261 */
	[32] = 90000,	/* MPV */
	[33] = 90000,	/* MP2T */
	[34] = 90000,	/* H263 */
};

bool rtp_pt_acceptable(unsigned pt)
{
	if (pt >= 96 && pt <= 127)
		return true;	/* dynamic: whatever SDP said */
	/* 72-76 are unassigned, so they stay 0 here: RFC 5761 §4 keeps them
	 * free because such an RTP packet would look like RTCP SR/RR. */
	return pt < 96 && static_clock[pt] != 0;
}

unsigned rtp_pt_clock(unsigned pt)
{
	return pt < 96 && static_clock[pt] ? static_clock[pt] : 8000;
}

unsigned rtp_format_clock(const struct ly_format *fmt)
{
	if (!fmt)
		return 8000;
	if (strcmp(fmt->name, "g722") == 0)
		return 8000;	/* RFC 3551 §4.5.2: an error kept for compatibility */
	return fmt->rate;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The checks of RFC 3550 §A.1, each tied to a field of §5.1: version 2;
 * the CSRC list fits; an extension (§5.3.1) has its 4-byte header and its
 * declared length fits; padding, when flagged, is at least one byte and no
 * longer than what follows the header.  The payload type must be one RTP
 * may carry (rtp_pt_acceptable); RTCP (PT 200-204 with the marker bit
 * set reads as RTP PT 72-76) is refused by that test.
 */
int rtp_header_parse(const uint8_t *p, size_t len, struct rtp_header *h)
{
	size_t off = RTP_HEADER_LEN;
	size_t pad = 0;

	if (len < RTP_HEADER_LEN || p[0] >> 6 != 2)
		return EINVAL;
	off += 4u * (p[0] & 0x0f);
	if (off > len)
		return EINVAL;
	if (p[0] & 0x10) {
		if (off + 4 > len)
			return EINVAL;
		off += 4 + 4u * get16(p + off + 2);
		if (off > len)
			return EINVAL;
	}
	if (p[0] & 0x20) {
		pad = p[len - 1];
		if (pad == 0 || pad > len - off)
			return EINVAL;
	}
	h->marker = p[1] >> 7;
	h->pt = p[1] & 0x7f;
	if (!rtp_pt_acceptable(h->pt))
		return EINVAL;
	h->seq = get16(p + 2);
	h->ts = get32(p + 4);
	h->ssrc = get32(p + 8);
	h->payload_off = off;
	h->payload_len = len - off - pad;
	return 0;
}

void rtp_header_write(uint8_t *p, bool marker, unsigned pt, uint16_t seq, uint32_t ts,
		      uint32_t ssrc)
{
	p[0] = 2 << 6;	/* version 2, no padding, extension or CSRC */
	rtp_header_restamp(p, marker, pt, seq, ts, ssrc);
}

void rtp_header_restamp(uint8_t *p, bool marker, unsigned pt, uint16_t seq, uint32_t ts,
			uint32_t ssrc)
{
	p[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	put16(p + 2, seq);
	put32(p + 4, ts);
	put32(p + 8, ssrc);
}
