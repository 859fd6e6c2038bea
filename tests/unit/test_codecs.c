/* tests/unit/test_codecs.c - codec_g722 against ffmpeg's G.722, codec_opus, slin48 and the translation paths between every codec. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "loader.h"
#include "log.h"
#include "lyre/cli.h"
#include "lyre/config.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "media_int.h"
#include "settings.h"
#include "tap.h"

/* The QMF pair's delay (23 taps, two samples per step), in 16 kHz samples. */
#define G722_DELAY 22

static char moduledir[64], confdir[64];
static const char *const modules[] = { "codec_slin", "codec_g711", "codec_g722", "codec_opus",
				       NULL };
static const char *const all_formats[] = { "ulaw", "alaw", "g722", "opus", "slin", "slin16",
					   "slin48", NULL };

/* ---- helpers ---- */

static void write_codecs_conf(const char *text)
{
	char *path = ly_asprintf("%s/codecs.conf", confdir);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* A file from tests/data/g722, whole; NULL (and a failed check) if absent. */
static void *read_data(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char *path = ly_asprintf("%s/tests/data/g722/%s", top ? top : "..", name);
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	CHECK(f != NULL);
	if (!f)
		printf("#   cannot open %s\n", path);
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0) {
		rewind(f);
		buf = ly_malloc((size_t)n);
		*len = fread(buf, 1, (size_t)n, f);
	}
	if (f)
		fclose(f);
	free(path);
	return buf;
}

/* Energy at `hz` (Goertzel) as a share of the whole signal, and the RMS. */
static double tone_purity(const int16_t *x, size_t n, unsigned rate, double hz, double *rms)
{
	double k = 2.0 * cos(2.0 * M_PI * hz / rate), s1 = 0, s2 = 0, total = 0, power;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
		total += (double)x[i] * x[i];
	}
	power = s1 * s1 + s2 * s2 - k * s1 * s2;
	*rms = sqrt(total / n);
	return total > 0 ? 2.0 * power / (n * total) : 0;
}

/* SNR in dB of y against x (y delayed by `lag` samples). */
static double snr_db(const int16_t *x, const int16_t *y, size_t n, size_t lag)
{
	double sig = 0, noise = 0;

	for (size_t i = 0; i + lag < n; i++) {
		double e = (double)y[i + lag] - x[i];

		sig += (double)x[i] * x[i];
		noise += e * e;
	}
	return noise > 0 ? 10.0 * log10(sig / noise) : 200.0;
}

/* The codec's delay: the lag (0..max) at which y best matches x. */
static size_t best_lag(const int16_t *x, const int16_t *y, size_t n, size_t max)
{
	size_t best = 0;
	double best_snr = -1e9;

	for (size_t lag = 0; lag <= max; lag++) {
		double s = snr_db(x, y, n, lag);

		if (s > best_snr) {
			best_snr = s;
			best = lag;
		}
	}
	return best;
}

static void tone(int16_t *x, size_t n, unsigned rate, double hz, double amp)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (int16_t)lrint(amp * sin(2.0 * M_PI * hz * (double)i / rate));
}

/*
 * Push `n` samples (or bytes) of `in` in frames of `chunk` through the
 * path src -> dst and append every output to `out` (room for `max` bytes);
 * returns the bytes written.  Frames carry sequence numbers from 0.
 */
static size_t run_path(const char *src, const char *dst, const void *in, size_t inlen,
		       size_t chunk, void *out, size_t max)
{
	const struct ly_format *from = ly_format_find(src);
	struct ly_trans_path *p = ly_trans_path_new(from, ly_format_find(dst));
	size_t got = 0;
	uint16_t seq = 0;

	CHECK(p != NULL);
	for (size_t off = 0; p && off < inlen; off += chunk) {
		size_t len = inlen - off < chunk ? inlen - off : chunk;
		const uint8_t *data = (const uint8_t *)in + off;
		struct ly_frame *f = ly_frame_voice_new(from, from->samples(data, len), data, len);
		struct ly_frame *g;

		f->seqno = seq++;
		g = ly_trans_path_run(p, f);
		ly_frame_free(f);
		if (g && got + g->datalen <= max) {
			memcpy((uint8_t *)out + got, g->data, g->datalen);
			got += g->datalen;
		}
		ly_frame_free(g);
	}
	ly_trans_path_free(p);
	return got;
}

/* ---- set-up ---- */

static void test_setup_loads_codecs(void)
{
	const char *top = getenv("top_builddir");
	struct ly_cfg_error err;
	struct ly_buf why;

	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_media_core_init(), 0);
	strcpy(moduledir, "/tmp/lyre-codecmod-XXXXXX");
	strcpy(confdir, "/tmp/lyre-codecconf-XXXXXX");
	CHECK(mkdtemp(moduledir) != NULL);
	CHECK(mkdtemp(confdir) != NULL);
	write_codecs_conf("[plc]\ngenericplc = true\n\n[opus]\ntype = opus\nfec = yes\n"
			  "dtx = no\ncomplexity = 10\npacket_loss = 10\n");
	CHECK_INT(ly_settings_load(confdir, &err), 0);
	for (const char *const *m = modules; *m; m++) {
		char *target = ly_asprintf("%s/modules/%s/.libs/%s.so", top ? top : ".", *m, *m);
		char *link = ly_asprintf("%s/%s.so", moduledir, *m);

		CHECK_INT(symlink(target, link), 0);
		free(target);
		free(link);
	}
	CHECK_INT(ly_loader_init(moduledir), 0);
	ly_buf_init(&why);
	for (const char *const *m = modules; *m; m++) {
		CHECK_INT(ly_module_load(*m, &why), 0);
		ly_buf_reset(&why);
	}
	ly_buf_free(&why);
	for (const char *const *n = all_formats; *n; n++)
		CHECK(ly_format_find(*n) != NULL);
}

static void test_formats(void)
{
	const struct ly_format *g722 = ly_format_find("g722"), *opus = ly_format_find("opus");
	const struct ly_format *slin48 = ly_format_find("slin48");
	/* An Opus TOC byte: config 1 (SILK NB 20 ms), mono, one frame. */
	const uint8_t silk20[3] = { 1 << 3, 0xAA, 0x55 };
	const uint8_t bad[2] = { 0x03, 0xFF };	/* code 3 without a frame count */

	if (!g722 || !opus || !slin48)
		return;
	CHECK_INT(g722->rate, 16000);
	CHECK_INT(g722->samples("x", 160), 320);
	CHECK_INT(opus->rate, 48000);
	CHECK_INT(slin48->rate, 48000);
	CHECK_INT(slin48->samples(NULL, 1920), 960);
	CHECK_INT(opus->samples(silk20, sizeof(silk20)), 960);
	CHECK_INT(opus->samples(bad, 1), 0);
	CHECK_INT(opus->samples(bad, 0), 0);
	CHECK_STR(ly_module_name(g722->owner), "codec_g722");
	CHECK_STR(ly_module_name(opus->owner), "codec_opus");
	CHECK_STR(ly_module_name(slin48->owner), "codec_slin");
}

/* ---- G.722 against ffmpeg's adpcm_g722 (tests/data/g722) ---- */

/* Our encoder, fed 20 ms frames, must give ffmpeg's bitstream byte for
 * byte: both implement the Recommendation's plain (non-trellis) coder. */
static void test_g722_encoder_matches_ffmpeg(void)
{
	size_t in_len = 0, ref_len = 0, diff = 0, first = 0;
	int16_t *in = read_data("input.s16", &in_len);
	uint8_t *ref = read_data("ffmpeg.g722", &ref_len);
	uint8_t *out;
	size_t got;

	if (!in || !ref)
		goto done;
	out = ly_malloc(in_len);
	got = run_path("slin16", "g722", in, in_len, 640, out, in_len);
	CHECK_INT(got, ref_len);
	for (size_t i = 0; i < got && i < ref_len; i++)
		if (out[i] != ref[i] && !diff++)
			first = i;
	printf("# %zu of %zu bytes differ from ffmpeg's encoding (first at %zu)\n", diff,
	       ref_len, first);
	CHECK_INT(diff, 0);
	free(out);
done:
	free(in);
	free(ref);
}

/* Our decoder on ffmpeg's bitstream gives ffmpeg's samples (within +-1),
 * and our own encode+decode is as good as ffmpeg's (> 30 dB apart). */
static void test_g722_decoder_matches_ffmpeg(void)
{
	size_t in_len = 0, g_len = 0, ref_len = 0, got, own_len, maxdiff = 0;
	int16_t *in = read_data("input.s16", &in_len);
	uint8_t *g = read_data("ffmpeg.g722", &g_len);
	int16_t *ref = read_data("ffmpeg-dec.s16", &ref_len);
	int16_t *dec, *own;
	uint8_t *enc;

	if (!in || !g || !ref)
		goto done;
	dec = ly_malloc(4 * g_len);
	got = run_path("g722", "slin16", g, g_len, 160, dec, 4 * g_len);
	CHECK_INT(got, ref_len);
	for (size_t i = 0; i < got / 2 && i < ref_len / 2; i++) {
		size_t d = (size_t)abs(dec[i] - ref[i]);

		if (d > maxdiff)
			maxdiff = d;
	}
	printf("# decoding ffmpeg's stream: largest difference from ffmpeg's samples %zu\n",
	       maxdiff);
	CHECK(maxdiff <= 1);

	enc = ly_malloc(in_len / 4);
	own_len = run_path("slin16", "g722", in, in_len, 640, enc, in_len / 4);
	own = ly_malloc(4 * own_len);
	own_len = run_path("g722", "slin16", enc, own_len, 160, own, 4 * own_len);
	CHECK_INT(own_len, ref_len);
	{
		double snr = snr_db(ref, own, own_len / 2, 0);
		/* The first second is speech: it comes back G722_DELAY late. */
		size_t lag = best_lag(in, own, 16000, 64);

		printf("# our encode+decode vs ffmpeg's: SNR %.1f dB; speech back after %zu "
		       "samples at %.1f dB\n", snr, lag, snr_db(in, own, 16000, lag));
		CHECK(snr > 30.0);
		CHECK_INT(lag, G722_DELAY);
		CHECK(snr_db(in, own, 16000, lag) > 20.0);
	}
	free(enc);
	free(own);
	free(dec);
done:
	free(in);
	free(g);
	free(ref);
}

/* 1 kHz through encode and decode: same pitch, same level, SNR > 30 dB
 * once the QMF pair's delay is taken out. */
static void test_g722_tone(void)
{
	enum { N = 16000 };
	static int16_t in[N], out[N];
	static uint8_t code[N / 2];
	size_t n;
	double rms_in, rms_out, purity, snr;

	tone(in, N, 16000, 1000, 12000);
	n = run_path("slin16", "g722", in, sizeof(in), 640, code, sizeof(code));
	CHECK_INT(n, N / 2);
	n = run_path("g722", "slin16", code, n, 160, out, sizeof(out));
	CHECK_INT(n, sizeof(out));
	snr = snr_db(&in[1600], &out[1600], N - 1600 - G722_DELAY, G722_DELAY);
	tone_purity(&in[1600], N - 1600, 16000, 1000, &rms_in);
	purity = tone_purity(&out[1600], N - 1600, 16000, 1000, &rms_out);
	printf("# SNR %.1f dB, rms in %.0f out %.0f, %.4f of the energy at 1 kHz\n", snr,
	       rms_in, rms_out, purity);
	CHECK(snr > 30.0);
	CHECK(purity > 0.99);
	CHECK(rms_out > 0.95 * rms_in && rms_out < 1.05 * rms_in);
}

/* Odd frame lengths: the odd sample waits for the next frame, so the
 * bitstream is the one a single whole encode gives. */
static void test_g722_odd_frames(void)
{
	enum { N = 3200 };
	static int16_t in[N];
	static uint8_t whole[N / 2], pieces[N / 2];
	size_t a, b;

	tone(in, N, 16000, 440, 8000);
	a = run_path("slin16", "g722", in, sizeof(in), sizeof(in), whole, sizeof(whole));
	b = run_path("slin16", "g722", in, sizeof(in), 2 * 161, pieces, sizeof(pieces));
	CHECK_INT(a, N / 2);
	CHECK_INT(b, N / 2);
	CHECK(memcmp(whole, pieces, N / 2) == 0);
}

/* ---- Opus ---- */

#define OPUS_FRAME 960	/* 20 ms at 48 kHz */

/* Encode `frames` 20 ms frames of x into packets[i] (NULL when the
 * encoder sent nothing, as with DTX). */
static void opus_encode_frames(const int16_t *x, int frames, struct ly_frame **packets)
{
	const struct ly_format *slin48 = ly_format_find("slin48");
	struct ly_trans_path *enc = ly_trans_path_new(slin48, ly_format_find("opus"));

	CHECK(enc != NULL);
	for (int i = 0; i < frames; i++) {
		struct ly_frame *f = ly_frame_voice_new(slin48, OPUS_FRAME, &x[i * OPUS_FRAME],
							OPUS_FRAME * 2);

		f->seqno = (uint16_t)i;
		f->ts = (uint32_t)(i * OPUS_FRAME);
		packets[i] = enc ? ly_trans_path_run(enc, f) : NULL;
		ly_frame_free(f);
	}
	ly_trans_path_free(enc);
}

static void free_frames(struct ly_frame **f, int n)
{
	for (int i = 0; i < n; i++)
		ly_frame_free(f[i]);
}

/* Decode packets (skipping NULLs) into out; returns samples written. */
static size_t opus_decode_frames(struct ly_frame **packets, int n, int16_t *out, size_t max)
{
	struct ly_trans_path *dec = ly_trans_path_new(ly_format_find("opus"),
						      ly_format_find("slin48"));
	size_t got = 0;

	CHECK(dec != NULL);
	for (int i = 0; dec && i < n; i++) {
		struct ly_frame *g = packets[i] ? ly_trans_path_run(dec, packets[i]) : NULL;

		if (g && got + g->samples <= max) {
			memcpy(&out[got], g->data, g->datalen);
			got += g->samples;
		}
		ly_frame_free(g);
	}
	ly_trans_path_free(dec);
	return got;
}

static void test_opus_tone(void)
{
	enum { FRAMES = 50, N = FRAMES * OPUS_FRAME };
	static int16_t in[N], out[N];
	struct ly_frame *packets[FRAMES];
	double rms_in, rms_out, purity;
	size_t got;

	tone(in, N, 48000, 440, 8000);
	opus_encode_frames(in, FRAMES, packets);
	for (int i = 0; i < FRAMES; i++) {
		CHECK(packets[i] && packets[i]->samples == OPUS_FRAME);
		CHECK(packets[i] && packets[i]->format == ly_format_find("opus"));
	}
	got = opus_decode_frames(packets, FRAMES, out, N);
	CHECK_INT(got, N);
	/* Skip 100 ms: the encoder's look-ahead and its rate control settle. */
	tone_purity(&in[5 * OPUS_FRAME], N - 5 * OPUS_FRAME, 48000, 440, &rms_in);
	purity = tone_purity(&out[5 * OPUS_FRAME], N - 5 * OPUS_FRAME, 48000, 440, &rms_out);
	printf("# opus: %zu bytes in the first packet, rms in %.0f out %.0f, %.4f of the "
	       "energy at 440 Hz\n", packets[0] ? packets[0]->datalen : 0, rms_in, rms_out, purity);
	CHECK(purity > 0.95);
	CHECK(rms_out > 0.85 * rms_in && rms_out < 1.15 * rms_in);
	free_frames(packets, FRAMES);
}

/* A packet missing from the sequence is made up from the next packet's
 * in-band FEC: the output keeps its length and the tone its pitch. */
static void test_opus_loss(void)
{
	enum { FRAMES = 40, N = FRAMES * OPUS_FRAME, LOST = 25 };
	static int16_t in[N], out[N + 3 * OPUS_FRAME];
	struct ly_frame *packets[FRAMES + 2];
	const uint8_t junk[5] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	double rms_in, rms_lost, purity;
	size_t got;

	tone(in, N, 48000, 440, 8000);
	opus_encode_frames(in, FRAMES, packets);
	ly_frame_free(packets[LOST]);
	packets[LOST] = NULL;
	/* Then an empty frame (lost, said outright) and a packet of junk. */
	packets[FRAMES] = ly_frame_voice_new(ly_format_find("opus"), 0, NULL, 0);
	packets[FRAMES]->seqno = FRAMES;
	packets[FRAMES + 1] = ly_frame_voice_new(ly_format_find("opus"), 0, junk, sizeof(junk));
	packets[FRAMES + 1]->seqno = FRAMES + 1;
	got = opus_decode_frames(packets, FRAMES + 2, out, N + 3 * OPUS_FRAME);
	CHECK_INT(got, N + 2 * OPUS_FRAME);
	tone_purity(&in[10 * OPUS_FRAME], 10 * OPUS_FRAME, 48000, 440, &rms_in);
	purity = tone_purity(&out[LOST * OPUS_FRAME], OPUS_FRAME, 48000, 440, &rms_lost);
	printf("# lost packet made up: rms %.0f (tone %.0f), %.3f of its energy at 440 Hz\n",
	       rms_lost, rms_in, purity);
	CHECK(rms_lost > 0.5 * rms_in);
	CHECK(purity > 0.8);
	free_frames(packets, FRAMES + 2);
}

static int count_packets(struct ly_frame **p, int n)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += p[i] != NULL;
	return c;
}

/* codecs.conf [opus] dtx: with it, silence sends (almost) nothing; a
 * broken file on reload keeps the running settings. */
static void test_opus_dtx_setting(void)
{
	enum { FRAMES = 50 };
	static int16_t silence[FRAMES * OPUS_FRAME];
	struct ly_frame *packets[FRAMES];
	struct ly_buf why;
	int sent;

	ly_buf_init(&why);
	write_codecs_conf("[opus]\ndtx = yes\nfec = yes\nbitrate = 24000\n");
	CHECK_INT(ly_module_reload("codec_opus", &why), 0);
	opus_encode_frames(silence, FRAMES, packets);
	sent = count_packets(packets, FRAMES);
	printf("# dtx=yes: %d of %d silent frames sent\n", sent, FRAMES);
	CHECK(sent < FRAMES / 2);
	free_frames(packets, FRAMES);

	write_codecs_conf("[opus]\ndtx = no\ncomplexity = 11\n");
	ly_buf_reset(&why);
	CHECK(ly_module_reload("codec_opus", &why) != 0);
	opus_encode_frames(silence, FRAMES, packets);
	CHECK(count_packets(packets, FRAMES) < FRAMES / 2);	/* still dtx = yes */
	free_frames(packets, FRAMES);

	write_codecs_conf("[opus]\ndtx = no\n");
	ly_buf_reset(&why);
	CHECK_INT(ly_module_reload("codec_opus", &why), 0);
	opus_encode_frames(silence, FRAMES, packets);
	CHECK_INT(count_packets(packets, FRAMES), FRAMES);
	free_frames(packets, FRAMES);
	ly_buf_free(&why);
}

/* Frames of 30 ms become 20 and 40 ms packets; no audio is lost. */
static void test_opus_odd_ptime(void)
{
	enum { CHUNK = 1440, FRAMES = 20, N = CHUNK * FRAMES };
	static int16_t in[N], out[2 * N];
	static uint8_t packets[64 * 1024];
	const struct ly_format *opus = ly_format_find("opus");
	struct ly_trans_path *enc = ly_trans_path_new(ly_format_find("slin48"), opus);
	struct ly_frame *pk[FRAMES] = { 0 };
	size_t total = 0, got;

	(void)packets;
	tone(in, N, 48000, 440, 8000);
	for (int i = 0; enc && i < FRAMES; i++) {
		struct ly_frame *f = ly_frame_voice_new(ly_format_find("slin48"), CHUNK,
							&in[i * CHUNK], CHUNK * 2);

		f->seqno = (uint16_t)i;
		pk[i] = ly_trans_path_run(enc, f);
		ly_frame_free(f);
		if (pk[i]) {
			CHECK(pk[i]->samples % OPUS_FRAME == 0);
			CHECK_INT(opus->samples(pk[i]->data, pk[i]->datalen), pk[i]->samples);
			total += pk[i]->samples;
		}
	}
	ly_trans_path_free(enc);
	CHECK_INT(total, N);
	/* Number the packets consecutively, as RTP would. */
	for (int i = 0, seq = 0; i < FRAMES; i++)
		if (pk[i])
			pk[i]->seqno = (uint16_t)seq++;
	got = opus_decode_frames(pk, FRAMES, out, 2 * N);
	CHECK_INT(got, N);
	free_frames(pk, FRAMES);
}

/* ---- translation paths between every pair ---- */

static char *describe(const char *src, const char *dst)
{
	struct ly_trans_path *p = ly_trans_path_new(ly_format_find(src), ly_format_find(dst));
	char buf[128];
	char *s;

	if (!p)
		return ly_strdup("(none)");
	s = ly_strdup(ly_trans_path_describe(p, buf, sizeof(buf)));
	ly_trans_path_free(p);
	return s;
}

#define CHECK_PATH(src, dst, expected) \
	do { char *d_ = describe(src, dst); CHECK_STR(d_, expected); free(d_); } while (0)

/* In `core show translation`, the number of "-" cells in the row of
 * `name` (the line starting with that word and holding numbers); -1 when
 * there is no such row. */
static int matrix_row_dashes(const char *text, const char *name)
{
	char *copy = ly_strdup(text), *save = NULL;
	int found = -1;

	for (char *line = strtok_r(copy, "\n", &save); line && found < 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *words = NULL, *w = strtok_r(line, " ", &words);
		int dashes = 0, numbers = 0;

		if (!w || strcmp(w, name) != 0)
			continue;
		while ((w = strtok_r(NULL, " ", &words)) != NULL) {
			dashes += strcmp(w, "-") == 0;
			numbers += w[0] >= '0' && w[0] <= '9';
		}
		if (numbers)
			found = dashes;
	}
	free(copy);
	return found;
}

static void test_paths(void)
{
	struct ly_buf out;

	CHECK_PATH("ulaw", "g722", "ulaw -> slin -> slin16 -> g722");
	CHECK_PATH("g722", "ulaw", "g722 -> slin16 -> slin -> ulaw");
	CHECK_PATH("opus", "ulaw", "opus -> slin48 -> slin -> ulaw");
	CHECK_PATH("ulaw", "opus", "ulaw -> slin -> slin48 -> opus");
	CHECK_PATH("alaw", "opus", "alaw -> slin -> slin48 -> opus");
	CHECK_PATH("g722", "opus", "g722 -> slin16 -> slin48 -> opus");
	CHECK_PATH("opus", "g722", "opus -> slin48 -> slin16 -> g722");
	CHECK_PATH("slin", "slin48", "slin -> slin48");
	for (const char *const *a = all_formats; *a; a++)
		for (const char *const *b = all_formats; *b; b++)
			if (a != b && ly_trans_cost(ly_format_find(*a), ly_format_find(*b), NULL) < 0) {
				printf("#   no path %s -> %s\n", *a, *b);
				CHECK(!"every pair has a path");
			}
	/* The matrix: every format a row, and "-" only on the diagonal. */
	ly_buf_init(&out);
	CHECK_INT(ly_cli_execute("core show translation", &out), LY_CLI_SUCCESS);
	for (const char *const *a = all_formats; *a; a++)
		CHECK_INT(matrix_row_dashes(ly_buf_str(&out), *a), 1);
	ly_buf_free(&out);
}

/* A mu-law phone to a G.722 phone: 1 kHz at 8 kHz arrives at 1 kHz. */
static void test_tone_ulaw_to_g722(void)
{
	enum { N = 8000 };
	static int16_t in[N], wide[2 * N];
	static uint8_t ulaw[N], g722[N];
	size_t n;
	double rms_in, rms_out, purity;

	tone(in, N, 8000, 1000, 10000);
	n = run_path("slin", "ulaw", in, sizeof(in), 320, ulaw, sizeof(ulaw));
	CHECK_INT(n, N);
	n = run_path("ulaw", "g722", ulaw, n, 160, g722, sizeof(g722));
	CHECK_INT(n, N);
	n = run_path("g722", "slin16", g722, n, 160, wide, sizeof(wide));
	CHECK_INT(n, sizeof(wide));
	tone_purity(in, N, 8000, 1000, &rms_in);
	purity = tone_purity(&wide[3200], 2 * N - 3200, 16000, 1000, &rms_out);
	printf("# ulaw -> g722: rms in %.0f out %.0f, %.4f of the energy at 1 kHz\n", rms_in,
	       rms_out, purity);
	CHECK(purity > 0.98);
	CHECK(rms_out > 0.9 * rms_in && rms_out < 1.1 * rms_in);
}

/* An Opus phone to a G.711 trunk: 1 kHz from Opus arrives as 1 kHz. */
static void test_tone_opus_to_ulaw(void)
{
	enum { FRAMES = 50, N = FRAMES * OPUS_FRAME };
	static int16_t in[N], narrow[N];
	static uint8_t ulaw[N];
	struct ly_frame *packets[FRAMES];
	struct ly_trans_path *p = ly_trans_path_new(ly_format_find("opus"), ly_format_find("ulaw"));
	size_t got = 0, n;
	double rms_in, rms_out, purity;

	tone(in, N, 48000, 1000, 10000);
	opus_encode_frames(in, FRAMES, packets);
	CHECK(p != NULL);
	for (int i = 0; p && i < FRAMES; i++) {
		struct ly_frame *g = packets[i] ? ly_trans_path_run(p, packets[i]) : NULL;

		CHECK(g && g->format == ly_format_find("ulaw") && g->samples == 160);
		if (g && got + g->datalen <= sizeof(ulaw)) {
			memcpy(&ulaw[got], g->data, g->datalen);
			got += g->datalen;
		}
		ly_frame_free(g);
	}
	ly_trans_path_free(p);
	CHECK_INT(got, FRAMES * 160);
	n = run_path("ulaw", "slin", ulaw, got, 160, narrow, sizeof(narrow)) / 2;
	CHECK_INT(n, FRAMES * 160);
	tone_purity(in, N, 48000, 1000, &rms_in);
	purity = tone_purity(&narrow[800], n - 800, 8000, 1000, &rms_out);
	printf("# opus -> ulaw: rms in %.0f out %.0f, %.4f of the energy at 1 kHz\n", rms_in,
	       rms_out, purity);
	CHECK(purity > 0.95);
	CHECK(rms_out > 0.8 * rms_in && rms_out < 1.2 * rms_in);
	free_frames(packets, FRAMES);
}

/* ---- teardown ---- */

static void test_teardown(void)
{
	ly_loader_shutdown();
	ly_media_core_shutdown();
	ly_cli_shutdown();
	for (const char *const *m = modules; *m; m++) {
		char *link = ly_asprintf("%s/%s.so", moduledir, *m);

		unlink(link);
		free(link);
	}
	CHECK_INT(rmdir(moduledir), 0);
	{
		char *conf = ly_asprintf("%s/codecs.conf", confdir);

		unlink(conf);
		free(conf);
	}
	CHECK_INT(rmdir(confdir), 0);
	ly_settings_free();
}

TAP_MAIN(TAP(test_setup_loads_codecs),
	 TAP(test_formats),
	 TAP(test_g722_encoder_matches_ffmpeg),
	 TAP(test_g722_decoder_matches_ffmpeg),
	 TAP(test_g722_tone),
	 TAP(test_g722_odd_frames),
	 TAP(test_opus_tone),
	 TAP(test_opus_loss),
	 TAP(test_opus_dtx_setting),
	 TAP(test_opus_odd_ptime),
	 TAP(test_paths),
	 TAP(test_tone_ulaw_to_g722),
	 TAP(test_tone_opus_to_ulaw),
	 TAP(test_teardown))
