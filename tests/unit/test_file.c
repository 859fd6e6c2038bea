/* tests/unit/test_file.c - sound files: the WAV header parser, prompt lookup (folders, language, least cost, refused names), reading in frames, and playing to a channel paced by the shared timer. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "lyre/channel.h"
#include "lyre/cli.h"
#include "lyre/config.h"
#include "lyre/file.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "cli_int.h"
#include "file_cache.h"
#include "media_int.h"
#include "settings.h"
#include "tap.h"
#include "module_link.h"

/* ---- building WAV headers ---- */

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
	return 4;
}

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
	return 2;
}

static size_t chunk(uint8_t *p, const char *id, uint32_t size)
{
	memcpy(p, id, 4);
	return 4 + put32(p + 4, size);
}

/* RIFF + fmt (tag, channels, rate, bits) + data of `data_len` declared bytes. */
static size_t wav(uint8_t *p, unsigned tag, unsigned ch, unsigned rate, unsigned bits,
		  uint32_t data_len)
{
	size_t n = chunk(p, "RIFF", 36 + data_len);
	unsigned align = ch * bits / 8;

	memcpy(p + n, "WAVE", 4), n += 4;
	n += chunk(p + n, "fmt ", 16);
	n += put16(p + n, tag), n += put16(p + n, ch), n += put32(p + n, rate);
	n += put32(p + n, rate * align), n += put16(p + n, align), n += put16(p + n, bits);
	n += chunk(p + n, "data", data_len);
	return n;	/* 44 */
}

static int parse(const uint8_t *b, size_t len, size_t file, struct ly_wav_info *i)
{
	const char *why = NULL;
	int err = ly_wav_parse(b, len, file, i, &why);

	CHECK(err == 0 || why != NULL);	/* a refusal always says why */
	return err;
}

static void test_wav_good(void)
{
	static const struct { unsigned tag, rate, bits; const char *fmt; } good[] = {
		{ 1, 8000, 16, "slin" }, { 1, 16000, 16, "slin16" },
		{ 7, 8000, 8, "ulaw" }, { 6, 8000, 8, "alaw" },
	};
	uint8_t b[256] = { 0 };
	struct ly_wav_info i;

	for (size_t k = 0; k < 4; k++) {
		size_t n = wav(b, good[k].tag, 1, good[k].rate, good[k].bits, 320);

		CHECK_INT(n, 44);
		CHECK_INT(parse(b, n, n + 320, &i), 0);
		CHECK_STR(i.format, good[k].fmt);
		CHECK_INT(i.rate, good[k].rate);
		CHECK_INT(i.data_off, 44);
		CHECK_INT(i.data_len, 320);
	}
	/* A streamed WAV (size 0xFFFFFFFF) and a short file: clamped, whole samples. */
	wav(b, 1, 1, 8000, 16, 0xFFFFFFFFu);
	CHECK_INT(parse(b, 44, 44 + 101, &i), 0);
	CHECK_INT(i.data_len, 100);
}

static void test_wav_chunks(void)
{
	uint8_t b[256] = { 0 }, out[256];
	struct ly_wav_info i;
	size_t n = wav(b, 7, 1, 8000, 8, 8), m = 12;

	/* An odd-sized LIST chunk (padded) before fmt, and a fact chunk after. */
	memcpy(out, b, 12);
	m += chunk(out + m, "LIST", 3), memcpy(out + m, "abc", 3), m += 4;
	memcpy(out + m, b + 12, 24), m += 24;	/* fmt */
	m += chunk(out + m, "fact", 4), m += put32(out + m, 8);
	memcpy(out + m, b + 36, 8), m += 8;	/* data header */
	CHECK_INT(parse(out, m, m + 8, &i), 0);
	CHECK_STR(i.format, "ulaw");
	CHECK_INT(i.data_off, m);
	CHECK_INT(i.data_len, 8);

	/* WAVE_FORMAT_EXTENSIBLE carrying 16-bit PCM at 16 kHz. */
	m = chunk(out, "RIFF", 0);
	memcpy(out + m, "WAVE", 4), m += 4;
	m += chunk(out + m, "fmt ", 40);
	m += put16(out + m, 0xFFFE), m += put16(out + m, 1), m += put32(out + m, 16000);
	m += put32(out + m, 32000), m += put16(out + m, 2), m += put16(out + m, 16);
	m += put16(out + m, 22), m += put16(out + m, 16), m += put32(out + m, 4);
	memset(out + m, 0, 16), put16(out + m, 1), m += 16;
	m += chunk(out + m, "data", 64);
	CHECK_INT(parse(out, m, m + 64, &i), 0);
	CHECK_STR(i.format, "slin16");
	(void)n;
}

static void test_wav_malformed(void)
{
	uint8_t b[256] = { 0 }, c[256];
	struct ly_wav_info i;
	size_t n = wav(b, 1, 1, 8000, 16, 16);

	CHECK_INT(parse(b, 11, 100, &i), EINVAL);		/* too short */
	memcpy(c, b, n), memcpy(c, "RIFX", 4);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* not RIFF */
	memcpy(c, b, n), memcpy(c + 8, "AVI ", 4);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* not WAVE */
	memcpy(c, b, n), put32(c + 16, 12);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* fmt too short */
	memcpy(c, b, n), put32(c + 16, 5000);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* fmt past the end */
	memcpy(c, b, n), put16(c + 32, 4);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* lying block align */
	memcpy(c, b, n), put32(c + 28, 1234);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* lying byte rate */
	memcpy(c, b, n), put16(c + 22, 0);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* zero channels */
	CHECK_INT(parse(b, 36, 36, &i), EINVAL);		/* no data chunk */
	memcpy(c, b, 12), memcpy(c + 12, b + 36, 8), memcpy(c + 20, b + 12, 24);
	CHECK_INT(parse(c, n, n + 16, &i), EINVAL);		/* data before fmt */
	memcpy(c, b, 12), memcpy(c + 12, b + 36, 8);
	CHECK_INT(parse(c, 20, 36, &i), EINVAL);		/* no fmt at all */
	wav(c, 1, 2, 8000, 16, 16);
	CHECK_INT(parse(c, n, n + 16, &i), ENOTSUP);		/* stereo */
	wav(c, 1, 1, 8000, 24, 15);
	CHECK_INT(parse(c, n, n + 15, &i), ENOTSUP);		/* 24-bit */
	wav(c, 1, 1, 44100, 16, 16);
	CHECK_INT(parse(c, n, n + 16, &i), ENOTSUP);		/* 44.1 kHz */
	wav(c, 7, 1, 16000, 8, 16);
	CHECK_INT(parse(c, n, n + 16, &i), ENOTSUP);		/* 16 kHz mu-law */
	wav(c, 3, 1, 8000, 32, 16);
	CHECK_INT(parse(c, n, n + 16, &i), ENOTSUP);		/* float */
}

/* ---- files on disk ---- */

#define FILE_CACHE_LIMIT_TEST FILE_CACHE_MAX_BYTES

static char top[PATH_MAX], moduledir[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX], outside[PATH_MAX];

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (f) {
		CHECK_INT(fwrite(data, 1, len, f), len);
		fclose(f);
	}
}

/* A WAV of `samples` 8 kHz 16-bit samples at path. */
static void write_wav(const char *path, unsigned samples)
{
	uint8_t *b = ly_calloc(1, 44 + samples * 2);

	wav(b, 1, 1, 8000, 16, samples * 2);
	for (unsigned k = 0; k < samples; k++)
		put16(b + 44 + 2 * k, (k % 16) * 1000);
	write_file(path, b, 44 + samples * 2);
	free(b);
}

static void write_raw(const char *path, size_t len)
{
	uint8_t *b = ly_calloc(1, len);

	write_file(path, b, len);
	free(b);
}

/* mkdir dir/sub (sub "": dir itself). */
static void mkdirs(const char *dir, const char *sub)
{
	char *p = ly_asprintf("%s%s%s", dir, sub[0] ? "/" : "", sub);

	CHECK_INT(mkdir(p, 0755), 0);
	free(p);
}

static char *at(const char *dir, const char *rest)
{
	return ly_asprintf("%s/%s", dir, rest);
}

static void put(const char *dir, const char *rest, size_t raw_len)
{
	char *p = at(dir, rest);

	if (strstr(rest, ".wav"))
		write_wav(p, 1000);
	else
		write_raw(p, raw_len);
	free(p);
}

static void link_module(const char *name)
{
	unit_link_module(top, moduledir, name);
}

static void test_setup(void)
{
	char base[] = "/tmp/lyre-file-XXXXXX", *conf;
	struct ly_cfg_error err = { 0 };

	CHECK(realpath(getenv("top_builddir") ? getenv("top_builddir") : ".", top) != NULL);
	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_media_core_init(), 0);
	CHECK(mkdtemp(base) != NULL);
	snprintf(moduledir, sizeof(moduledir), "%s/modules", base);
	snprintf(d1, sizeof(d1), "%s/sounds", base);
	snprintf(d2, sizeof(d2), "%s/debian", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdirs(moduledir, ""), mkdirs(d1, ""), mkdirs(d2, ""), mkdirs(outside, "");
	mkdirs(d1, "en"), mkdirs(d1, "fr"), mkdirs(d2, "en");
	CHECK_INT(ly_loader_init(moduledir), 0);
	link_module("codec_slin");
	link_module("codec_g711");
	link_module("codec_g722");
	/* d1: x in three formats at the top, only WAV in en/; z in fr/ only. */
	put(d1, "x.wav", 0), put(d1, "x.g722", 800), put(d1, "x.ulaw", 800);
	put(d1, "en/x.wav", 0), put(d1, "fr/z.ulaw", 80), put(d1, "en/bad.wav", 0);
	write_raw(conf = at(d1, "en/bad.wav"), 100);	/* all zeros: not RIFF */
	free(conf);
	put(d1, "en/bad.ulaw", 80);
	put(d2, "en/y.alaw", 80), put(outside, "secret.wav", 0);
	/* lyre.conf so that ly_dirs()->sounddir is d1 */
	conf = at(base, "lyre.conf");
	{
		char *text = ly_asprintf("[directories]\nsounddir = %s\n", d1);

		write_file(conf, text, strlen(text));
		free(text);
	}
	free(conf);
	CHECK_INT(ly_settings_load(base, &err), 0);
	CHECK_STR(ly_dirs()->sounddir, d1);
}

static const char *find(const char *name, const char *lang, const char *want, int *err)
{
	static char path[PATH_MAX];
	const char *dirs[] = { d1, d2, NULL };

	*err = ly_file_find(dirs, name, lang, want ? ly_format_find(want) : NULL, path,
			    sizeof(path));
	return *err ? "" : path + strlen(d1) - strlen("sounds");	/* "sounds/..." */
}

static void test_lookup_order(void)
{
	int err;

	/* The language folder wins even when the top has cheaper formats. */
	CHECK_STR(find("x", "en", "ulaw", &err), "sounds/en/x.wav");
	/* Unknown language: the top folder. */
	CHECK_STR(find("x", "de", "ulaw", &err), "sounds/x.ulaw");
	CHECK_STR(find("z", "fr", NULL, &err), "sounds/fr/z.ulaw");
	CHECK_STR(find("z", "en", NULL, &err), "");
	CHECK_INT(err, ENOENT);
	/* The second folder (Debian's set), in its language folder. */
	CHECK_STR(find("y", "en", "ulaw", &err), "debian/en/y.alaw");
	CHECK_INT(err, 0);
	/* A broken WAV is passed over for a good file beside it. */
	CHECK_STR(find("bad", "en", "slin", &err), "sounds/en/bad.ulaw");
	CHECK_STR(find("nothing", "en", NULL, &err), "");
	CHECK_INT(err, ENOENT);
	/* A language is one folder name, never a path. */
	CHECK_STR(find("x", "../sounds/en", "ulaw", &err), "sounds/x.ulaw");
}

static void test_least_cost(void)
{
	int err;

	CHECK_STR(find("x", NULL, "ulaw", &err), "sounds/x.ulaw");
	CHECK_STR(find("x", NULL, "g722", &err), "sounds/x.g722");
	CHECK_STR(find("x", NULL, "slin", &err), "sounds/x.wav");
	/* 16 kHz: the wideband file beats 8 kHz ones (no rate-loss penalty). */
	CHECK_STR(find("x", NULL, "slin16", &err), "sounds/x.g722");
}

static void test_refused_names(void)
{
	char *p;
	int err;

	CHECK_STR(find("../outside/secret", NULL, NULL, &err), "");
	CHECK_INT(err, EACCES);
	CHECK_STR(find("en/../../outside/secret", NULL, NULL, &err), "");
	CHECK_INT(err, EACCES);
	CHECK_STR(find("..", NULL, NULL, &err), "");
	CHECK_INT(err, EACCES);
	p = at(outside, "secret");
	CHECK_STR(find(p, NULL, NULL, &err), "");
	CHECK_INT(err, EACCES);
	free(p);
	p = at(outside, "no-such-file");	/* refused alike: existence is no hint */
	find(p, NULL, NULL, &err);
	CHECK_INT(err, EACCES);
	free(p);
	CHECK_STR(find("/etc/passwd", NULL, NULL, &err), "");
	CHECK_INT(err, EACCES);
	/* An absolute path inside a sound folder is fine. */
	p = at(d1, "en/x");
	CHECK_STR(find(p, NULL, NULL, &err), "sounds/en/x.wav");
	CHECK_INT(err, 0);
	free(p);
	/* "..." and "a..b" are ordinary names (ENOENT, not EACCES). */
	find("a..b", NULL, NULL, &err);
	CHECK_INT(err, ENOENT);
}

static void test_read_frames(void)
{
	struct ly_file *f;
	struct ly_frame *fr;
	unsigned frames = 0, samples = 0;

	CHECK_INT(ly_file_open("x", "en", ly_format_find("slin"), &f), 0);
	CHECK_STR(ly_file_format(f)->name, "slin");
	while ((fr = ly_file_read(f, 20)) != NULL) {
		CHECK(fr->samples == 160 || !ly_file_read(f, 0));
		if (frames == 0) {	/* the samples as written, little-endian */
			CHECK_INT(fr->datalen, 320);
			CHECK_INT(fr->data[2] | fr->data[3] << 8, 1000);
		}
		samples += fr->samples;
		frames++;
		ly_frame_free(fr);
	}
	CHECK_INT(samples, 1000);
	CHECK_INT(frames, 7);	/* 6 x 160 + 40 */
	ly_file_close(f);

	CHECK_INT(ly_file_open("x", NULL, ly_format_find("g722"), &f), 0);
	fr = ly_file_read(f, 20);
	CHECK(fr != NULL);
	if (fr) {
		CHECK_INT(fr->datalen, 160);	/* 8000 bytes a second */
		CHECK_INT(fr->samples, 320);	/* of 16 kHz audio */
	}
	ly_frame_free(fr);
	ly_file_close(f);
	CHECK_INT(ly_file_open("../outside/secret", NULL, NULL, &f), EACCES);
	CHECK(f == NULL);
}

/* ControlPlayback's seeking: positions in ms, clamped, samples whole. */
static void test_seek(void)
{
	struct ly_file *f;
	struct ly_frame *fr;

	CHECK_INT(ly_file_open("x", "en", ly_format_find("slin"), &f), 0);
	CHECK_INT(ly_file_tell(f), 0);
	CHECK_INT(ly_file_seek(f, 51, SEEK_SET), 0);	/* sample 408: (408 % 16) * 1000 */
	CHECK_INT(ly_file_tell(f), 51);
	fr = ly_file_read(f, 20);
	CHECK(fr != NULL);
	if (fr)
		CHECK_INT(fr->data[0] | fr->data[1] << 8, 8000);
	ly_frame_free(fr);
	CHECK_INT(ly_file_tell(f), 71);
	CHECK_INT(ly_file_seek(f, -1000, SEEK_CUR), 0);	/* clamped to the start */
	CHECK_INT(ly_file_tell(f), 0);
	CHECK_INT(ly_file_seek(f, 5000, SEEK_CUR), 0);	/* clamped to the end */
	CHECK_INT(ly_file_tell(f), 125);
	CHECK(ly_file_read(f, 20) == NULL);
	CHECK_INT(ly_file_seek(f, -25, SEEK_END), 0);
	CHECK_INT(ly_file_tell(f), 100);
	ly_file_close(f);
}

/* The first sample of the next 20 ms frame (-1 at the end). */
static int next_sample(struct ly_file *f)
{
	struct ly_frame *fr = ly_file_read(f, 20);
	int v = fr ? (int16_t)(fr->data[0] | fr->data[1] << 8) : -1;

	ly_frame_free(fr);
	return v;
}

/* Streams of one prompt share its audio in memory (core/file_cache.c);
 * a file replaced on disk is read anew for new streams while the old ones
 * go on with what they started; a file over the cache's limit is read
 * ahead from disk, and reads and seeks the same. */
static void test_shared_and_streamed(void)
{
	char *p = at(d1, "shared.wav"), *big = at(d1, "big.wav");
	struct ly_file *a, *b, *c;
	unsigned big_samples = (FILE_CACHE_LIMIT_TEST / 2) + 8000;

	write_wav(p, 8000);	/* frame k starts with sample 160k: (160k % 16) * 1000 = 0 */
	CHECK_INT(ly_file_open_path(p, &a), 0);
	CHECK_INT(ly_file_open_path(p, &b), 0);
	CHECK_INT(ly_file_seek(a, 30, SEEK_SET), 0);	/* sample 240: 0 */
	CHECK_INT(next_sample(a), 0);
	CHECK_INT(ly_file_seek(b, 31, SEEK_SET), 0);	/* sample 248: 8000 */
	CHECK_INT(next_sample(b), 8000);
	/* replaced (a new inode): a goes on with the old audio, c gets the new */
	{
		uint8_t *w = ly_calloc(1, 44 + 16000);
		char *tmp = at(d1, "shared.tmp");

		wav(w, 1, 1, 8000, 16, 16000);
		for (unsigned k = 0; k < 8000; k++)
			put16(w + 44 + 2 * k, 1234);
		write_file(tmp, w, 44 + 16000);
		CHECK_INT(rename(tmp, p), 0);
		free(w);
		free(tmp);
	}
	CHECK_INT(ly_file_open_path(p, &c), 0);
	CHECK_INT(next_sample(c), 1234);
	CHECK_INT(ly_file_seek(a, 31, SEEK_SET), 0);
	CHECK_INT(next_sample(a), 8000);
	ly_file_close(a);
	ly_file_close(b);
	ly_file_close(c);

	/* over the limit: streamed with read-ahead, whole samples, seekable */
	write_wav(big, big_samples);
	CHECK_INT(ly_file_open_path(big, &a), 0);
	for (unsigned k = 0; k < 100; k++)	/* across several read-ahead refills */
		CHECK_INT(next_sample(a), 0);
	CHECK_INT(ly_file_tell(a), 2000);
	CHECK_INT(ly_file_seek(a, 31, SEEK_SET), 0);
	CHECK_INT(next_sample(a), 8000);
	CHECK_INT(ly_file_seek(a, -20, SEEK_END), 0);
	CHECK(next_sample(a) >= 0);
	CHECK_INT(next_sample(a), -1);
	ly_file_close(a);
	free(p);
	free(big);
}

/* One slin sample as the slin -> ulaw path encodes it. */
static int ulaw_of(int16_t v)
{
	struct ly_trans_path *path = ly_trans_path_new(ly_format_find("slin"), ly_format_find("ulaw"));
	uint8_t le[2] = { (uint8_t)v, (uint8_t)((uint16_t)v >> 8) };
	struct ly_frame *in = ly_frame_voice_new(ly_format_find("slin"), 1, le, 2);
	struct ly_frame *out = ly_trans_path_run(path, in);
	int b = out && out->datalen == 1 ? out->data[0] : -1;

	ly_frame_free(out);
	ly_frame_free(in);
	ly_trans_path_free(path);
	return b;
}

/* Readers of a prompt on G.711 channels share one translated copy
 * (ly_file_use_format): frames in the new format, the position kept,
 * and what cannot be shared refused so the caller translates itself. */
static void test_shared_translation(void)
{
	const struct ly_format *ulaw = ly_format_find("ulaw");
	struct ly_file *a, *b;
	struct ly_frame *fr;
	unsigned samples = 0;

	CHECK_INT(ly_file_open("x", "en", ly_format_find("slin"), &a), 0);
	CHECK_INT(ly_file_open("x", "en", ly_format_find("slin"), &b), 0);
	CHECK_INT(ly_file_seek(b, 51, SEEK_SET), 0);	/* sample 408: 8000 */
	CHECK_INT(ly_file_use_format(a, ulaw), 0);
	CHECK_INT(ly_file_use_format(b, ulaw), 0);
	CHECK_INT(ly_file_use_format(b, ulaw), 0);	/* already: nothing to do */
	CHECK_STR(ly_file_format(a)->name, "ulaw");
	CHECK_INT(ly_file_tell(b), 51);
	fr = ly_file_read(b, 20);
	CHECK(fr && fr->format == ulaw && fr->datalen == 160);
	if (fr)
		CHECK_INT(fr->data[0], ulaw_of(8000));
	ly_frame_free(fr);
	while ((fr = ly_file_read(a, 20)) != NULL) {
		if (samples == 0)	/* samples 0, 1000, 2000: (k % 16) * 1000 */
			CHECK(fr->data[0] == ulaw_of(0) && fr->data[2] == ulaw_of(2000));
		samples += fr->samples;
		ly_frame_free(fr);
	}
	CHECK_INT(samples, 1000);
	CHECK_INT(ly_file_use_format(a, ly_format_find("g722")), ENOTSUP);	/* not a byte a sample */
	ly_file_close(a);
	ly_file_close(b);
}

/* ---- playing to a channel without RTP: the shared timer ---- */

static unsigned written, written_samples;
static uint64_t first_ms, last_ms;

static int test_write(struct ly_channel *c, const struct ly_frame *f)
{
	(void)c;
	if (f->type != LY_FRAME_VOICE)
		return 0;
	if (!written++)
		first_ms = ly_now_ms();
	last_ms = ly_now_ms();
	written_samples += f->samples;
	return 0;
}

static int test_hangup(struct ly_channel *c)
{
	(void)c;
	return 0;
}

static struct ly_chan_tech test_tech = {
	.type = "FileTest", .description = "unit test channels",
	.write = test_write, .hangup = test_hangup,
};

static void *press_digit(void *arg)
{
	usleep(70 * 1000);
	ly_chan_queue_frame(arg, ly_frame_dtmf_new(LY_FRAME_DTMF_END, '5', 100));
	return NULL;
}

static void test_play_paced(void)
{
	struct ly_channel *c;
	pthread_t t;
	uint64_t start;
	char digit = 'x';

	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	c = ly_chan_alloc(&test_tech, NULL, "FileTest/1");
	ly_chan_set_native_format(c, ly_format_find("ulaw"));
	/* 1000 samples (125 ms) of slin, translated to ulaw: 7 frames, 20 ms apart. */
	start = ly_now_ms();
	CHECK_INT(ly_file_play(c, "x", NULL, &digit), 0);
	CHECK_INT(digit, 0);
	CHECK_INT(written, 7);
	CHECK_INT(written_samples, 1000);
	CHECK(last_ms - first_ms >= 100 && last_ms - first_ms <= 200);
	CHECK(ly_now_ms() - start >= 100);

	/* A stop digit ends it early and is reported. */
	written = written_samples = 0;
	pthread_create(&t, NULL, press_digit, c);
	CHECK_INT(ly_file_play(c, "x", "5", &digit), 0);
	pthread_join(t, NULL);
	CHECK_INT(digit, '5');
	CHECK(written >= 2 && written < 7);

	/* Missing and refused names. */
	CHECK_INT(ly_file_play(c, "no-such-prompt", NULL, &digit), ENOENT);
	CHECK_INT(ly_file_play(c, "../outside/secret", NULL, &digit), EACCES);

	/* Hang-up while playing. */
	ly_chan_softhangup(c, LY_CAUSE_NORMAL_CLEARING);
	CHECK_INT(ly_file_play(c, "x", NULL, &digit), EPIPE);
	ly_chan_hangup(c);
	ly_chan_tech_unregister(&test_tech);
}

TAP_MAIN(TAP(test_wav_good),
	 TAP(test_wav_chunks),
	 TAP(test_wav_malformed),
	 TAP(test_setup),
	 TAP(test_lookup_order),
	 TAP(test_least_cost),
	 TAP(test_refused_names),
	 TAP(test_read_frames),
	 TAP(test_seek),
	 TAP(test_shared_and_streamed),
	 TAP(test_shared_translation),
	 TAP(test_play_paced))
