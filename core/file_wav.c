/* core/file_wav.c - the WAV (RIFF WAVE) header: chunks walked one by one, every length checked against the bytes at hand. */
/*
 * A WAV file is a RIFF container: "RIFF" <size> "WAVE", then chunks of
 * <id:4> <size:4, little-endian> <payload>, each padded to an even length.
 * We need "fmt " (the WAVEFORMAT(EX/EXTENSIBLE) structure) and, after it,
 * "data".  Other chunks (LIST, fact, ...) are skipped.  This file does no
 * I/O and no logging, so the fuzz target links it alone.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lyre/file.h"

#define TAG_PCM 0x0001
#define TAG_ALAW 0x0006
#define TAG_MULAW 0x0007
#define TAG_EXTENSIBLE 0xFFFE

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

struct wav_fmt {
	unsigned tag, channels, rate, byte_rate, block_align, bits;
};

static int fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* The fmt chunk's payload (size bytes at p). */
static int parse_fmt(const uint8_t *p, uint32_t size, struct wav_fmt *f, const char **why)
{
	if (size < 16)
		return fail(why, "fmt chunk shorter than 16 bytes", EINVAL);
	f->tag = le16(p);
	f->channels = le16(p + 2);
	f->rate = le32(p + 4);
	f->byte_rate = le32(p + 8);
	f->block_align = le16(p + 12);
	f->bits = le16(p + 14);
	if (f->tag == TAG_EXTENSIBLE) {
		/* cbSize, valid bits, channel mask, then the sub-format GUID,
		 * whose first two bytes are the real format tag. */
		if (size < 40 || le16(p + 16) < 22)
			return fail(why, "WAVE_FORMAT_EXTENSIBLE fmt chunk too short", EINVAL);
		f->tag = le16(p + 24);
	}
	if (f->channels == 0 || f->bits == 0 || f->rate == 0)
		return fail(why, "fmt chunk with zero channels, rate or sample size", EINVAL);
	if (f->block_align != f->channels * ((f->bits + 7) / 8))
		return fail(why, "fmt block align does not match channels and sample size", EINVAL);
	if (f->byte_rate != f->rate * f->block_align)
		return fail(why, "fmt byte rate does not match rate and block align", EINVAL);
	return 0;
}

/* What Lyre can play: mono, 16-bit PCM at 8/16 kHz, G.711 at 8 kHz. */
static int fmt_to_info(const struct wav_fmt *f, struct ly_wav_info *out, const char **why)
{
	if (f->channels != 1)
		return fail(why, "only mono WAV files are played", ENOTSUP);
	if (f->tag == TAG_PCM && f->bits == 16 && (f->rate == 8000 || f->rate == 16000))
		out->format = f->rate == 8000 ? "slin" : "slin16";
	else if ((f->tag == TAG_MULAW || f->tag == TAG_ALAW) && f->bits == 8 && f->rate == 8000)
		out->format = f->tag == TAG_MULAW ? "ulaw" : "alaw";
	else
		return fail(why, "WAV encoding other than 16-bit PCM 8/16 kHz or G.711 8 kHz",
			    ENOTSUP);
	out->rate = f->rate;
	return 0;
}

int ly_wav_parse(const uint8_t *buf, size_t len, size_t file_size, struct ly_wav_info *out,
		 const char **why)
{
	struct wav_fmt f;
	bool have_fmt = false;
	size_t off = 12;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > file_size)
		len = file_size;
	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return fail(why, "not a RIFF WAVE file", EINVAL);
	while (off <= len && len - off >= 8) {
		const uint8_t *chunk = buf + off;
		uint32_t size = le32(chunk + 4);

		off += 8;
		if (memcmp(chunk, "data", 4) == 0) {
			if (!have_fmt)
				return fail(why, "data chunk before the fmt chunk", EINVAL);
			/* Streamed WAVs carry 0 or 0xFFFFFFFF: take what the file has. */
			out->data_off = off;
			out->data_len = size < file_size - off ? size : file_size - off;
			out->data_len -= out->data_len % f.block_align;
			return 0;
		}
		if (size > len - off)
			return fail(why, "chunk runs past the end of the header", EINVAL);
		if (memcmp(chunk, "fmt ", 4) == 0) {
			if (have_fmt)
				return fail(why, "two fmt chunks", EINVAL);
			if ((err = parse_fmt(chunk + 8, size, &f, why)) != 0 ||
			    (err = fmt_to_info(&f, out, why)) != 0)
				return err;
			have_fmt = true;
		}
		off += size + (size & 1);	/* RIFF pads chunks to even sizes */
	}
	return fail(why, have_fmt ? "no data chunk" : "no fmt chunk", EINVAL);
}
