/* tests/unit/test_media.c - frames, G.711, translation paths, channels and applications. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "loader.h"
#include "log.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/cli.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "lyre/obj.h"
#include "media_int.h"
#include "shutdown.h"
#include "tap.h"

/* ---- set-up: the real loader on a folder of links to the built codecs ---- */

static char moduledir[64];

static void link_module(const char *top, const char *name)
{
	char *target = ly_asprintf("%s/modules/%s/.libs/%s.so", top, name, name);
	char *link = ly_asprintf("%s/%s.so", moduledir, name);

	CHECK_INT(symlink(target, link), 0);
	free(target);
	free(link);
}

static void load_module(const char *name)
{
	struct ly_buf why;

	ly_buf_init(&why);
	CHECK_INT(ly_module_load(name, &why), 0);
	ly_buf_free(&why);
}

static struct ly_module *owner_of(const char *format)
{
	const struct ly_format *f = ly_format_find(format);

	return f ? f->owner : NULL;
}

static void test_setup_loads_codecs(void)
{
	const char *top = getenv("top_builddir");

	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_media_core_init(), 0);
	strcpy(moduledir, "/tmp/lyre-media-XXXXXX");
	CHECK(mkdtemp(moduledir) != NULL);
	link_module(top ? top : ".", "codec_slin");
	link_module(top ? top : ".", "codec_g711");
	CHECK_INT(ly_loader_init(moduledir), 0);
	load_module("codec_slin");
	load_module("codec_g711");
	for (const char *const *n = (const char *const[]){ "slin", "slin16", "ulaw", "alaw", NULL };
	     *n; n++)
		CHECK(ly_format_find(*n) != NULL);
	CHECK_INT(ly_format_find("slin16")->rate, 16000);
	CHECK_INT(ly_format_find("alaw")->rate, 8000);
	CHECK_STR(ly_module_name(owner_of("ulaw")), "codec_g711");
	CHECK_STR(ly_module_name(owner_of("slin")), "codec_slin");
	CHECK_INT(ly_module_usecount(owner_of("ulaw")), 0);
}

/* ---- frames ---- */

static void test_frames(void)
{
	static const struct ly_format fake = { .name = "fake", .rate = 8000 };
	struct ly_frame *f, *d;
	uint8_t audio[4] = { 1, 2, 3, 4 };

	f = ly_frame_voice_new(&fake, 4, audio, sizeof(audio));
	f->ts = 1234;
	f->seqno = 7;
	d = ly_frame_dup(f);
	CHECK(d->data != f->data);
	CHECK_INT(d->type, LY_FRAME_VOICE);
	CHECK(d->format == &fake);
	CHECK_INT(d->samples, 4);
	CHECK_INT(d->ts, 1234);
	CHECK_INT(d->seqno, 7);
	CHECK_INT(d->datalen, 4);
	CHECK(memcmp(d->data, audio, 4) == 0);
	ly_frame_free(f);
	ly_frame_free(d);

	f = ly_frame_dtmf_new(LY_FRAME_DTMF_END, '#', 120);
	d = ly_frame_dup(f);
	CHECK_INT(d->digit, '#');
	CHECK_INT(d->duration_ms, 120);
	CHECK(d->data == NULL);
	CHECK_STR(ly_frame_type_name(d->type), "DTMF_END");
	ly_frame_free(f);
	ly_frame_free(d);

	f = ly_frame_control_new(LY_CONTROL_BUSY);
	CHECK_STR(ly_control_name(f->control), "BUSY");
	CHECK_STR(ly_frame_type_name(f->type), "CONTROL");
	ly_frame_free(f);

	f = ly_frame_text_new("hello");
	d = ly_frame_dup(f);
	CHECK_INT(d->datalen, 5);
	CHECK(memcmp(d->data, "hello", 5) == 0);
	ly_frame_free(f);
	ly_frame_free(d);

	f = ly_frame_new(LY_FRAME_NULL, 0);
	CHECK_STR(ly_frame_type_name(f->type), "NULL");
	CHECK(f->next == NULL);
	ly_frame_free(f);
	ly_frame_free(NULL);
	CHECK_STR(ly_control_name(LY_CONTROL_UNHOLD), "UNHOLD");
	CHECK_STR(ly_frame_type_name((enum ly_frame_type)99), "UNKNOWN");
}

static void test_causes(void)
{
	CHECK_STR(ly_cause_name(LY_CAUSE_NORMAL_CLEARING), "NORMAL_CLEARING");
	CHECK_STR(ly_cause_name(17), "USER_BUSY");
	CHECK_STR(ly_cause_name(127), "INTERWORKING");
	CHECK_STR(ly_cause_name(66), "CHAN_NOT_IMPLEMENTED");
	CHECK_STR(ly_cause_name(4), "UNKNOWN");
	CHECK_INT(ly_cause_from_name("user_busy"), 17);
	CHECK_INT(ly_cause_from_name("AST_CAUSE_NO_ANSWER"), 19);
	CHECK_INT(ly_cause_from_name("34"), 34);
	CHECK_INT(ly_cause_from_name("NOT_A_CAUSE"), -1);
	CHECK_INT(ly_cause_from_name(NULL), -1);
	/* Every enumerator in channel.h has a name that maps back to it. */
	for (int c = 1; c <= 127; c++) {
		const char *name = ly_cause_name(c);

		if (strcmp(name, "UNKNOWN") != 0)
			CHECK_INT(ly_cause_from_name(name), c);
	}
	CHECK_STR(ly_cause_name(LY_CAUSE_RECOVERY_ON_TIMER_EXPIRE), "RECOVERY_ON_TIMER_EXPIRE");
}

/* ---- G.711 against the standard ---- */

/* G.711 Table 2a: the decoder output for a mu-law code, computed from the
 * standard's formula on its 14-bit scale (value = (2m+33)*2^s - 33), then
 * shifted to 16 bits.  Written independently of the module's tables. */
static int ulaw_reference(unsigned code)
{
	unsigned u = ~code & 0xFF;
	int seg = (u >> 4) & 7, m = u & 15;
	int mag = ((2 * m + 33) << seg) - 33;

	return (u & 0x80 ? -mag : mag) * 4;
}

/* G.711 Table 1a: A-law on its 13-bit scale, segment 0 is 2m+1, segment s
 * (2m+33)*2^(s-1); even bits inverted on the line, sign bit 1 positive. */
static int alaw_reference(unsigned code)
{
	unsigned a = code ^ 0x55;
	int seg = (a >> 4) & 7, m = a & 15;
	int mag = seg ? (2 * m + 33) << (seg - 1) : 2 * m + 1;

	return (a & 0x80 ? mag : -mag) * 8;
}

/* Run one frame through src->dst and return the result. */
static struct ly_frame *convert(const char *src, const char *dst, const void *data, size_t len)
{
	const struct ly_format *from = ly_format_find(src);
	struct ly_trans_path *p = ly_trans_path_new(from, ly_format_find(dst));
	struct ly_frame *in, *out;

	if (!p)
		return NULL;
	in = ly_frame_voice_new(from, from->samples(data, len), data, len);
	out = ly_trans_path_run(p, in);
	ly_frame_free(in);
	ly_trans_path_free(p);
	return out;
}

static int16_t *decode_all(const char *law)
{
	uint8_t codes[256];
	struct ly_frame *f;
	int16_t *pcm;

	for (int i = 0; i < 256; i++)
		codes[i] = (uint8_t)i;
	f = convert(law, "slin", codes, sizeof(codes));
	if (!f)
		return NULL;
	pcm = ly_malloc(256 * sizeof(*pcm));
	memcpy(pcm, f->data, 256 * sizeof(*pcm));
	CHECK_INT(f->samples, 256);
	CHECK(f->format == ly_format_find("slin"));
	ly_frame_free(f);
	return pcm;
}

static uint8_t *encode_all(const char *law, const int16_t *pcm, size_t n)
{
	struct ly_frame *f = convert("slin", law, pcm, n * sizeof(*pcm));
	uint8_t *codes;

	if (!f)
		return NULL;
	CHECK_INT(f->datalen, n);
	codes = ly_malloc(n);
	memcpy(codes, f->data, n);
	ly_frame_free(f);
	return codes;
}

/* negzero: the code that comes back as poszero after the round trip, or
 * -1 when every code comes back as itself. */
static void check_law(const char *law, int (*reference)(unsigned), int negzero, int poszero)
{
	int16_t *pcm = decode_all(law);
	uint8_t *codes;

	CHECK(pcm != NULL);
	if (!pcm)
		return;
	for (unsigned c = 0; c < 256; c++)
		if (pcm[c] != reference(c)) {
			printf("#   %s code 0x%02X decodes to %d, G.711 says %d\n", law, c,
			       pcm[c], reference(c));
			CHECK(pcm[c] == reference(c));
		}
	/* decode -> encode gives the code back, except a negative zero
	 * (mu-law only), which comes back as the positive one. */
	codes = encode_all(law, pcm, 256);
	for (unsigned c = 0; codes && c < 256; c++) {
		int want = (int)c == negzero ? poszero : (int)c;

		CHECK_INT(codes[c], want);
	}
	free(codes);
	free(pcm);
}

static void test_ulaw_reference(void)
{
	int16_t probe[] = { 0, 32767, -32768, 1, -1 };
	int16_t *pcm = decode_all("ulaw");
	uint8_t *codes = encode_all("ulaw", probe, LY_ARRAY_LEN(probe));

	CHECK(pcm && codes);
	if (pcm) {
		CHECK_INT(pcm[0x00], -32124);
		CHECK_INT(pcm[0x80], 32124);
		CHECK_INT(pcm[0xFF], 0);
		CHECK_INT(pcm[0x7F], 0);
		CHECK_INT(pcm[0xFE], 8);	/* segment 0, step 1 on the 14-bit scale */
	}
	if (codes) {
		CHECK_INT(codes[0], 0xFF);
		CHECK_INT(codes[1], 0x80);	/* clipped to the largest positive code */
		CHECK_INT(codes[2], 0x00);
		CHECK_INT(codes[3], 0xFF);	/* below the first decision level */
		CHECK_INT(codes[4], 0x7F);
	}
	free(pcm);
	free(codes);
	check_law("ulaw", ulaw_reference, 0x7F, 0xFF);
}

static void test_alaw_reference(void)
{
	int16_t probe[] = { 0, 32767, -32768, -1 };
	int16_t *pcm = decode_all("alaw");
	uint8_t *codes = encode_all("alaw", probe, LY_ARRAY_LEN(probe));

	CHECK(pcm && codes);
	if (pcm) {
		CHECK_INT(pcm[0xD5], 8);
		CHECK_INT(pcm[0x55], -8);
		CHECK_INT(pcm[0x80], 5504);	/* sign bit set = positive; seg 5, m 5 */
		CHECK_INT(pcm[0x00], -5504);
		CHECK_INT(pcm[0xAA], 32256);
		CHECK_INT(pcm[0x2A], -32256);
	}
	if (codes) {
		CHECK_INT(codes[0], 0xD5);
		CHECK_INT(codes[1], 0xAA);
		CHECK_INT(codes[2], 0x2A);
		CHECK_INT(codes[3], 0x55);
	}
	free(pcm);
	free(codes);
	check_law("alaw", alaw_reference, -1, -1);
}

/* Every 16-bit input lands in its G.711 interval: the decoded code lies
 * within half a step of the input (a step is 1/16 of the segment's lower
 * bound), and a larger input never gets a smaller output. */
static void test_g711_encode_every_sample(void)
{
	int16_t *pcm = ly_malloc(65536 * sizeof(*pcm));
	uint8_t *ucodes, *acodes;
	int16_t ulin[256], alin[256];
	int16_t *u = decode_all("ulaw"), *a = decode_all("alaw");
	long bad_u = 0, bad_a = 0, prev_u = -40000, prev_a = -40000;

	for (long i = 0; i < 65536; i++)
		pcm[i] = (int16_t)(i - 32768);
	ucodes = encode_all("ulaw", pcm, 65536);
	acodes = encode_all("alaw", pcm, 65536);
	CHECK(u && a && ucodes && acodes);
	if (u && a && ucodes && acodes) {
		memcpy(ulin, u, sizeof(ulin));
		memcpy(alin, a, sizeof(alin));
		for (long i = 0; i < 65536; i++) {
			long x = i - 32768, mag = labs(x);
			long eu = labs(x - ulin[ucodes[i]]), ea = labs(x - alin[acodes[i]]);

			if (mag <= 32635 && eu * 32 > mag + 132)
				bad_u++;
			if (mag <= 32255 && ea > mag / 32 + 8)
				bad_a++;
			if (ulin[ucodes[i]] < prev_u || alin[acodes[i]] < prev_a)
				bad_u += 1000000;
			prev_u = ulin[ucodes[i]];
			prev_a = alin[acodes[i]];
		}
	}
	CHECK_INT(bad_u, 0);
	CHECK_INT(bad_a, 0);
	free(u);
	free(a);
	free(ucodes);
	free(acodes);
	free(pcm);
}

/* ---- translation paths ---- */

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

static unsigned wide_samples(const void *data, size_t len)
{
	(void)data;
	return (unsigned)(len / 2);
}

static struct ly_frame *never_called(void *pvt, const struct ly_frame *in)
{
	(void)pvt;
	(void)in;
	return NULL;
}

static void test_path_search(void)
{
	const struct ly_format *ulaw = ly_format_find("ulaw"), *alaw = ly_format_find("alaw");
	const struct ly_format *slin = ly_format_find("slin"), *slin16 = ly_format_find("slin16");
	static struct ly_format lonely = { .name = "lonely", .rate = 8000, .samples = wide_samples };
	static struct ly_format wide = { .name = "wide", .rate = 16000, .samples = wide_samples };
	static struct ly_format dup_ulaw = { .name = "ulaw", .rate = 8000, .samples = wide_samples };
	static struct ly_translator via_wb = { .name = "slin16towide", .src = "slin16",
		.dst = "wide", .cost = 5000, .translate = never_called };
	static struct ly_translator via_nb = { .name = "slintowide", .src = "slin",
		.dst = "wide", .cost = 10, .translate = never_called };
	static struct ly_translator dup_t = { .name = "ulawtolin", .src = "ulaw",
		.dst = "slin", .cost = 1, .translate = never_called };
	unsigned steps = 99;

	CHECK_INT(ly_trans_cost(ulaw, alaw, &steps), 80);
	CHECK_INT(steps, 1);
	CHECK_PATH("ulaw", "alaw", "ulaw -> alaw");
	CHECK_INT(ly_trans_cost(ulaw, slin16, &steps), 2100);
	CHECK_INT(steps, 2);
	CHECK_PATH("ulaw", "slin16", "ulaw -> slin -> slin16");
	CHECK_PATH("slin16", "alaw", "slin16 -> slin -> alaw");
	/* Narrowing 16 -> 8 kHz carries the rate-loss penalty. */
	CHECK(ly_trans_cost(slin16, slin, NULL) > 100000);
	CHECK_INT(ly_trans_cost(slin, slin16, NULL), 2000);
	CHECK_INT(ly_trans_cost(ulaw, ulaw, &steps), 0);
	CHECK_INT(steps, 0);
	CHECK(ly_trans_path_new(ulaw, ulaw) == NULL);

	CHECK_INT(ly_format_register(NULL, &dup_ulaw), EEXIST);
	CHECK_INT(ly_translator_register(NULL, &dup_t), EEXIST);
	CHECK_INT(ly_format_register(NULL, &lonely), 0);
	CHECK_INT(ly_trans_cost(ulaw, &lonely, &steps), -1);
	CHECK(ly_trans_path_new(&lonely, ulaw) == NULL);
	CHECK_PATH("lonely", "slin", "(none)");
	ly_format_unregister(&lonely);
	CHECK(ly_format_find("lonely") == NULL);

	/* A translator to a format nobody registered is no edge at all. */
	CHECK_INT(ly_translator_register(NULL, &via_wb), 0);
	CHECK_INT(ly_translator_register(NULL, &via_nb), 0);
	CHECK(ly_trans_path_new(slin16, &wide) == NULL);
	CHECK_INT(ly_format_register(NULL, &wide), 0);
	/* Through slin costs 2010 before the penalty; keeping 16 kHz wins. */
	CHECK_INT(ly_trans_cost(slin16, &wide, &steps), 5000);
	CHECK_INT(steps, 1);
	/* From ulaw both ways start at 8 kHz: the cheap route wins. */
	CHECK_PATH("ulaw", "wide", "ulaw -> slin -> wide");
	ly_translator_unregister(&via_wb);
	ly_translator_unregister(&via_nb);
	ly_format_unregister(&wide);
	CHECK_INT(ly_trans_cost(slin16, &wide, NULL), -1);
}

#define CHAIN_LEN 10

/* c0 -> c1 -> ... -> c9: nine steps, one more than a path may hold. */
static void test_path_too_long_is_none(void)
{
	static struct ly_format fmts[CHAIN_LEN];
	static struct ly_translator steps[CHAIN_LEN - 1];
	static char names[CHAIN_LEN][8], tnames[CHAIN_LEN - 1][16];
	struct ly_trans_path *p;
	unsigned nsteps = 99;
	char buf[128];

	for (int i = 0; i < CHAIN_LEN; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		fmts[i] = (struct ly_format){ .name = names[i], .rate = 8000,
					      .samples = wide_samples };
		CHECK_INT(ly_format_register(NULL, &fmts[i]), 0);
	}
	for (int i = 0; i < CHAIN_LEN - 1; i++) {
		snprintf(tnames[i], sizeof(tnames[i]), "c%dtoc%d", i, i + 1);
		steps[i] = (struct ly_translator){ .name = tnames[i], .src = names[i],
			.dst = names[i + 1], .cost = 1, .translate = never_called };
		CHECK_INT(ly_translator_register(NULL, &steps[i]), 0);
	}
	CHECK_INT(ly_trans_cost(&fmts[0], &fmts[9], &nsteps), -1);
	CHECK_INT(nsteps, 0);
	CHECK(ly_trans_path_new(&fmts[0], &fmts[9]) == NULL);
	/* Eight steps still make a path, and it starts at the source. */
	CHECK_INT(ly_trans_cost(&fmts[0], &fmts[8], &nsteps), 8);
	CHECK_INT(nsteps, 8);
	p = ly_trans_path_new(&fmts[0], &fmts[8]);
	CHECK(p != NULL);
	CHECK_STR(ly_trans_path_describe(p, buf, sizeof(buf)),
		  "c0 -> c1 -> c2 -> c3 -> c4 -> c5 -> c6 -> c7 -> c8");
	ly_trans_path_free(p);
	CHECK_INT(ly_trans_cost(&fmts[1], &fmts[9], &nsteps), 8);
	for (int i = 0; i < CHAIN_LEN - 1; i++)
		ly_translator_unregister(&steps[i]);
	for (int i = 0; i < CHAIN_LEN; i++)
		ly_format_unregister(&fmts[i]);
}

static void test_path_holds_modules(void)
{
	struct ly_module *g711 = owner_of("ulaw"), *slinmod = owner_of("slin");
	struct ly_trans_path *p = ly_trans_path_new(ly_format_find("ulaw"),
						    ly_format_find("slin16"));
	struct ly_buf why;

	CHECK(p != NULL);
	CHECK(ly_module_usecount(g711) > 0);
	CHECK(ly_module_usecount(slinmod) > 0);
	ly_buf_init(&why);
	CHECK_INT(ly_module_unload("codec_g711", &why), EBUSY);
	CHECK(strstr(ly_buf_str(&why), "in use") != NULL);
	ly_buf_free(&why);
	CHECK(ly_format_find("ulaw") != NULL);
	ly_trans_path_free(p);
	CHECK_INT(ly_module_usecount(g711), 0);
	CHECK_INT(ly_module_usecount(slinmod), 0);
}

/* Energy at `hz` (Goertzel) relative to the whole signal, and the RMS. */
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

/* A 1 kHz tone through ulaw -> slin -> slin16 -> slin -> alaw keeps its
 * level and its pitch. */
static void test_tone_through_paths(void)
{
	enum { FRAMES = 25, N = 160 };
	const struct ly_format *slin = ly_format_find("slin");
	struct ly_trans_path *enc = ly_trans_path_new(slin, ly_format_find("ulaw"));
	struct ly_trans_path *up = ly_trans_path_new(ly_format_find("ulaw"), ly_format_find("slin16"));
	struct ly_trans_path *down = ly_trans_path_new(ly_format_find("slin16"), ly_format_find("alaw"));
	struct ly_trans_path *dec = ly_trans_path_new(ly_format_find("alaw"), slin);
	static int16_t in[FRAMES * N], out[FRAMES * N];
	double rms_in, rms_out, purity;
	size_t got = 0;

	CHECK(enc && up && down && dec);
	if (!(enc && up && down && dec))
		goto done;
	for (size_t i = 0; i < FRAMES * N; i++)
		in[i] = (int16_t)lrint(10000.0 * sin(2.0 * M_PI * 1000.0 * i / 8000.0));
	for (int fr = 0; fr < FRAMES; fr++) {
		struct ly_frame *f = ly_frame_voice_new(slin, N, &in[fr * N], N * 2);
		struct ly_frame *g;

		f->ts = (uint32_t)(fr * N);
		g = ly_trans_path_run(enc, f);
		ly_frame_free(f);
		f = ly_trans_path_run(up, g);
		ly_frame_free(g);
		CHECK(f && f->samples == 2 * N && f->ts == (uint32_t)(2 * fr * N));
		g = f ? ly_trans_path_run(down, f) : NULL;
		ly_frame_free(f);
		CHECK(g && g->samples == N && g->format == ly_format_find("alaw"));
		f = g ? ly_trans_path_run(dec, g) : NULL;
		ly_frame_free(g);
		if (f && got + f->samples <= FRAMES * N) {
			memcpy(&out[got], f->data, f->samples * 2);
			got += f->samples;
		}
		ly_frame_free(f);
	}
	CHECK_INT(got, FRAMES * N);
	/* Skip the first 5 frames: the resamplers' filters are still filling. */
	tone_purity(&in[5 * N], (FRAMES - 5) * N, 8000, 1000, &rms_in);
	purity = tone_purity(&out[5 * N], (FRAMES - 5) * N, 8000, 1000, &rms_out);
	printf("# rms in %.0f out %.0f, %.3f of the energy at 1 kHz\n", rms_in, rms_out, purity);
	CHECK(rms_out > 0.9 * rms_in && rms_out < 1.1 * rms_in);
	CHECK(purity > 0.95);
done:
	ly_trans_path_free(enc);
	ly_trans_path_free(up);
	ly_trans_path_free(down);
	ly_trans_path_free(dec);
}

/* ---- channels ---- */

static struct ly_frame *last_written;
static int hangups;

static int test_write(struct ly_channel *c, const struct ly_frame *f)
{
	(void)c;
	ly_frame_free(last_written);
	last_written = ly_frame_dup(f);
	return 0;
}

static int test_hangup(struct ly_channel *c)
{
	(void)c;
	hangups++;
	return 0;
}

static struct ly_channel *test_request(const char *dest, const struct ly_channel *requestor,
				       int *cause);

static struct ly_chan_tech test_tech = {
	.type = "Test",
	.description = "unit test channels",
	.request = test_request,
	.write = test_write,
	.hangup = test_hangup,
};

static struct ly_channel *test_request(const char *dest, const struct ly_channel *requestor,
				       int *cause)
{
	if (strcmp(dest, "busy") == 0) {
		*cause = LY_CAUSE_USER_BUSY;
		return NULL;
	}
	return ly_chan_alloc(&test_tech, NULL, "Test/%s-%08x", dest, 1u);
}

static void collect_var(const char *name, const char *value, void *arg)
{
	ly_buf_printf(arg, "%s=%s;", name, value);
}

static void test_channel_basics(void)
{
	struct ly_channel *c, *found;
	char buf[64], uid[32];
	unsigned before = ly_chan_count();
	struct ly_buf vars;
	unsigned long a, b;
	int n = 0;

	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), EEXIST);
	CHECK(ly_chan_tech_find("test") == &test_tech);
	c = ly_chan_alloc(&test_tech, NULL, "Test/%s-%04d", "alice", 7);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(ly_chan_name(c), "Test/alice-0007");
	CHECK(sscanf(ly_chan_uniqueid(c), "%lu.%lu%n", &a, &b, &n) == 2);
	CHECK_INT(n, strlen(ly_chan_uniqueid(c)));
	snprintf(buf, sizeof(buf), "C-%08lx", b);
	CHECK_STR(ly_chan_callid(c), buf);
	CHECK_INT(ly_chan_count(), before + 1);
	CHECK_INT(ly_chan_state(c), LY_STATE_DOWN);
	ly_chan_set_state(c, LY_STATE_RING);
	CHECK_STR(ly_chan_state_name(ly_chan_state(c)), "Ring");
	CHECK_INT(ly_chan_answer(c), 0);
	CHECK_INT(ly_chan_state(c), LY_STATE_UP);

	ly_chan_set_callerid(c, "Alice", "100");
	CHECK_STR(ly_chan_callerid_name(c, buf, sizeof(buf)), "Alice");
	CHECK_STR(ly_chan_callerid_num(c, buf, sizeof(buf)), "100");
	ly_chan_set_callerid(c, NULL, "200");
	CHECK_STR(ly_chan_callerid_name(c, buf, sizeof(buf)), "");

	ly_chan_var_set(c, "A", "1");
	ly_chan_var_set(c, "B", "2");
	ly_chan_var_set(c, "C", "3");
	ly_chan_var_set(c, "A", "one");
	ly_chan_var_set(c, "B", NULL);
	CHECK_STR(ly_chan_var_get(c, "A", buf, sizeof(buf)), "one");
	CHECK(ly_chan_var_get(c, "B", buf, sizeof(buf)) == NULL);
	CHECK(ly_chan_var_get(c, "a", buf, sizeof(buf)) == NULL);
	ly_buf_init(&vars);
	ly_chan_var_foreach(c, collect_var, &vars);
	CHECK_STR(ly_buf_str(&vars), "A=one;C=3;");
	ly_buf_free(&vars);

	found = ly_chan_find("Test/alice-0007");
	CHECK(found == c);
	CHECK(ly_chan_find("Test/nobody") == NULL);
	ly_strlcpy(uid, ly_chan_uniqueid(c), sizeof(uid));
	hangups = 0;
	ly_chan_hangup(c);
	CHECK_INT(hangups, 1);
	/* Our reference from ly_chan_find keeps it readable after hangup. */
	CHECK_INT(ly_chan_state(found), LY_STATE_HANGUP);
	CHECK_INT(ly_chan_hangupcause(found), LY_CAUSE_NORMAL_CLEARING);
	CHECK_STR(ly_chan_uniqueid(found), uid);
	CHECK_INT(ly_obj_refs(found), 1);
	CHECK_INT(ly_chan_count(), before);
	ly_unref(found);
	ly_chan_tech_unregister(&test_tech);
	CHECK(ly_chan_tech_find("Test") == NULL);
}

static void test_channel_request(void)
{
	struct ly_channel *c;
	int cause = 0;

	CHECK(ly_chan_request("Nope", "x", NULL, &cause) == NULL);
	CHECK_INT(cause, 66);
	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	CHECK(ly_chan_request("Test", "busy", NULL, &cause) == NULL);
	CHECK_INT(cause, LY_CAUSE_USER_BUSY);
	c = ly_chan_request("Test", "bob", NULL, &cause);
	CHECK(c != NULL);
	if (c) {
		CHECK_STR(ly_chan_name(c), "Test/bob-00000001");
		CHECK(ly_chan_tech(c) == &test_tech);
		ly_chan_hangup(c);
	}
	ly_chan_tech_unregister(&test_tech);
}

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static void *hangup_later(void *arg)
{
	usleep(50 * 1000);
	ly_chan_softhangup(arg, LY_CAUSE_USER_BUSY);
	return NULL;
}

static void test_channel_queue(void)
{
	struct ly_channel *c;
	struct ly_frame *f;
	pthread_t tid;
	uint64_t t0;

	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	c = ly_chan_alloc(&test_tech, NULL, "Test/queue");
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(!fd_readable(ly_chan_alert_fd(c)));
	ly_chan_queue_control(c, LY_CONTROL_RINGING);
	ly_chan_queue_frame(c, ly_frame_dtmf_new(LY_FRAME_DTMF_BEGIN, '5', 0));
	CHECK_INT(ly_chan_queue_len(c), 2);
	CHECK(fd_readable(ly_chan_alert_fd(c)));
	f = ly_chan_read(c, 0);
	CHECK(f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_RINGING);
	ly_frame_free(f);
	CHECK(fd_readable(ly_chan_alert_fd(c)));
	f = ly_chan_read(c, 100);
	CHECK(f && f->type == LY_FRAME_DTMF_BEGIN && f->digit == '5');
	ly_frame_free(f);
	CHECK(!fd_readable(ly_chan_alert_fd(c)));
	CHECK_INT(ly_chan_queue_len(c), 0);

	t0 = ly_now_ms();
	CHECK(ly_chan_read(c, 60) == NULL);
	CHECK(ly_now_ms() - t0 >= 55);
	CHECK(!ly_chan_check_hangup(c));

	/* A reader blocked forever wakes when another thread asks for hangup. */
	ly_chan_queue_frame(c, ly_frame_text_new("left behind"));
	f = ly_chan_read(c, 0);
	CHECK(f && f->type == LY_FRAME_TEXT && f->datalen == 11);
	ly_frame_free(f);
	pthread_create(&tid, NULL, hangup_later, c);
	t0 = ly_now_ms();
	CHECK(ly_chan_read(c, -1) == NULL);
	CHECK(ly_now_ms() - t0 < 2000);
	pthread_join(tid, NULL);
	CHECK(ly_chan_check_hangup(c));
	CHECK(fd_readable(ly_chan_alert_fd(c)));
	CHECK_INT(ly_chan_hangupcause(c), LY_CAUSE_USER_BUSY);
	f = ly_frame_text_new("x");
	CHECK_INT(ly_chan_write(c, f), EPIPE);
	ly_frame_free(f);
	ly_chan_queue_frame(c, ly_frame_new(LY_FRAME_NULL, 0));	/* freed with the channel */
	ly_chan_hangup(c);
	ly_chan_tech_unregister(&test_tech);
}

#define ALERT_WRITERS 4
#define ALERT_FRAMES (ALERT_WRITERS * 20000)

static void *queue_many(void *arg)
{
	for (int i = 0; i < ALERT_FRAMES / ALERT_WRITERS; i++) {
		ly_chan_queue_control(arg, LY_CONTROL_RINGING);
		if (i % 7 == 0)
			sched_yield();
	}
	return NULL;
}

/* The alert fd is written after the channel lock is dropped, racing with
 * a reader emptying the queue: a reader that polls as Dial and the bridge
 * do may see it readable once with nothing to read, never again and again
 * (a spin that lasted until the next frame), and an empty queue leaves it
 * quiet at the end. */
static void test_channel_alert_race(void)
{
	struct ly_channel *c;
	unsigned got = 0, empty = 0;
	pthread_t tid[ALERT_WRITERS];

	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	c = ly_chan_alloc(&test_tech, NULL, "Test/alert");
	CHECK(c != NULL);
	if (!c)
		return;
	/* More threads than cores, so the reader is often preempted between
	 * its read of the fd and what follows. */
	for (int i = 0; i < ALERT_WRITERS; i++)
		pthread_create(&tid[i], NULL, queue_many, c);
	while (got < ALERT_FRAMES && empty <= 4u * ALERT_FRAMES) {
		struct pollfd p = { .fd = ly_chan_alert_fd(c), .events = POLLIN };
		struct ly_frame *f;

		if (poll(&p, 1, 2000) != 1)
			break;
		while ((f = ly_chan_read(c, 0)) != NULL) {
			got++;
			ly_frame_free(f);
		}
		empty++;
	}
	for (int i = 0; i < ALERT_WRITERS; i++)
		pthread_join(tid[i], NULL);
	CHECK_INT(got, ALERT_FRAMES);
	/* Each wake-up read something, or came from a write that landed after
	 * the queue was emptied: at most one such per frame. */
	CHECK(empty <= 2u * ALERT_FRAMES);
	CHECK(ly_chan_read(c, 0) == NULL);
	CHECK(!fd_readable(ly_chan_alert_fd(c)));
	ly_chan_hangup(c);
	ly_chan_tech_unregister(&test_tech);
}

/* A channel of a module's technology holds that module in use, and writes
 * in a foreign format reach the driver translated to its native one. */
static void test_channel_holds_module(void)
{
	struct ly_module *g711 = owner_of("ulaw");
	const struct ly_format *slin = ly_format_find("slin");
	int16_t pcm[160] = { 0 };
	struct ly_frame *f;
	struct ly_channel *c;
	struct ly_buf why;

	CHECK_INT(ly_chan_tech_register(g711, &test_tech), 0);
	CHECK(test_tech.owner == g711);
	c = ly_chan_alloc(&test_tech, NULL, "Test/g711");
	CHECK(c != NULL);
	if (!c)
		goto out;
	CHECK_INT(ly_module_usecount(g711), 1);
	ly_buf_init(&why);
	CHECK_INT(ly_module_unload("codec_g711", &why), EBUSY);
	ly_buf_free(&why);

	ly_chan_set_native_format(c, ly_format_find("ulaw"));
	f = ly_frame_voice_new(slin, 160, pcm, sizeof(pcm));
	CHECK_INT(ly_chan_write(c, f), 0);
	ly_frame_free(f);
	CHECK(last_written && last_written->format == ly_format_find("ulaw"));
	CHECK(last_written && last_written->datalen == 160 && last_written->data[0] == 0xFF);
	ly_frame_free(last_written);
	last_written = NULL;
	ly_chan_hangup(c);
	CHECK_INT(ly_module_usecount(g711), 0);
out:
	ly_chan_tech_unregister(&test_tech);
}

static void test_alloc_refused_while_shutting_down(void)
{
	ly_shutdown_request(LY_SHUTDOWN_GRACEFULLY);
	CHECK(ly_chan_alloc(&test_tech, NULL, "Test/late") == NULL);
	CHECK_INT(ly_shutdown_abort(), 0);
	CHECK_INT(ly_chan_count(), 0);
}

/* ---- applications and functions ---- */

static char app_args_seen[64];

static int echo_exec(struct ly_channel *chan, const char *args)
{
	(void)chan;
	ly_strlcpy(app_args_seen, args, sizeof(app_args_seen));
	return strcmp(args, "fail") == 0 ? -1 : 0;
}

static int answer_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	(void)chan;
	snprintf(buf, len, "42%s", args);
	return 0;
}

static struct ly_app echo_app = { .name = "Echo", .synopsis = "Echo audio back",
	.description = "Sends every frame back.", .exec = echo_exec };
static struct ly_app echo_dup = { .name = "ECHO", .exec = echo_exec };
static struct ly_func answer_func = { .name = "ANSWER", .synopsis = "The answer",
	.read = answer_read };

static void test_apps_and_funcs(void)
{
	struct ly_module *g711 = owner_of("ulaw");
	struct ly_app *app;
	struct ly_func *fn;
	char buf[16];

	CHECK_INT(ly_app_register(g711, &echo_app), 0);
	CHECK_INT(ly_app_register(NULL, &echo_dup), EEXIST);
	app = ly_app_acquire("echo");
	CHECK(app == &echo_app);
	CHECK_INT(ly_module_usecount(g711), 1);
	ly_app_release(app);
	CHECK_INT(ly_module_usecount(g711), 0);
	CHECK_INT(ly_app_exec(NULL, "Echo", "a,b"), 0);
	CHECK_STR(app_args_seen, "a,b");
	CHECK_INT(ly_app_exec(NULL, "Echo", "fail"), -1);
	CHECK_INT(ly_app_exec(NULL, "NoSuchApp", ""), -1);
	CHECK(ly_app_acquire("NoSuchApp") == NULL);

	CHECK_INT(ly_func_register(NULL, &answer_func), 0);
	CHECK_INT(ly_func_register(NULL, &answer_func), EEXIST);
	fn = ly_func_acquire("answer");
	CHECK(fn == &answer_func);
	if (fn) {
		CHECK_INT(fn->read(NULL, "!", buf, sizeof(buf)), 0);
		CHECK_STR(buf, "42!");
		ly_func_release(fn);
	}
	ly_func_unregister(&answer_func);
	CHECK(ly_func_acquire("ANSWER") == NULL);
	/* echo_app stays registered to codec_g711: the unload test checks the
	 * loader removes it. */
}

/* ---- console commands ---- */

static bool cli_has(const char *line, const char *text)
{
	struct ly_buf out;
	bool ok;

	ly_buf_init(&out);
	ok = ly_cli_execute(line, &out) == LY_CLI_SUCCESS && strstr(ly_buf_str(&out), text);
	if (!ok)
		printf("#   '%s' gave: %s\n", line, ly_buf_str(&out));
	ly_buf_free(&out);
	return ok;
}

static bool completes(const char *line, const char *word)
{
	struct ly_buf out;
	bool ok;

	ly_buf_init(&out);
	ly_cli_completions(line, &out);
	ok = strstr(ly_buf_str(&out), word) != NULL;
	if (!ok)
		printf("#   completing '%s' gave: %s\n", line, ly_buf_str(&out));
	ly_buf_free(&out);
	return ok;
}

static void test_cli(void)
{
	struct ly_channel *c;
	struct ly_buf out;

	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	c = ly_chan_alloc(&test_tech, NULL, "Test/cli-1");
	CHECK(c != NULL);
	if (!c)
		return;
	ly_chan_set_callerid(c, "Carol", "300");
	ly_chan_var_set(c, "COLOR", "blue");
	CHECK(cli_has("core show channels", "Test/cli-1"));
	CHECK(cli_has("core show channels", "1 active channel\n"));
	CHECK(cli_has("core show channels count", "1 active channel"));
	CHECK(cli_has("core show channels concise", "Test/cli-1!Down!300!Carol!"));
	CHECK(cli_has("core show channel Test/cli-1", "COLOR=blue"));
	CHECK(cli_has("core show channel Test/cli-1", ly_chan_uniqueid(c)));
	CHECK(completes("core show channel Test/c", "Test/cli-1"));
	CHECK(completes("channel request hangup ", "all"));
	CHECK(cli_has("channel request hangup Test/cli-1", "Requested Hangup"));
	CHECK(ly_chan_check_hangup(c));
	ly_buf_init(&out);
	CHECK_INT(ly_cli_execute("channel request hangup Test/none", &out), LY_CLI_FAILURE);
	ly_buf_free(&out);
	ly_chan_hangup(c);
	ly_chan_tech_unregister(&test_tech);

	CHECK(cli_has("core show codecs", "codec_g711"));
	CHECK(cli_has("core show translation", "slin16"));
	CHECK(cli_has("core show translation path ulaw slin16", "ulaw -> slin -> slin16"));
	CHECK(cli_has("core show applications", "Echo: Echo audio back"));
	CHECK(cli_has("core show applications like ch", "1 Application Matching"));
	CHECK(cli_has("core show application echo", "Sends every frame back."));
	CHECK(completes("core show application E", "Echo"));
	CHECK(cli_has("core show functions", "0 custom functions installed."));
}

/* ---- unload removes every registration ---- */

static void test_unload_removes_registrations(void)
{
	struct ly_buf why;

	ly_buf_init(&why);
	CHECK_INT(ly_module_unload("codec_slin", &why), EBUSY);	/* codec_g711 needs it */
	ly_buf_reset(&why);
	CHECK_INT(ly_module_unload("codec_g711", &why), 0);
	CHECK(ly_format_find("ulaw") == NULL);
	CHECK(ly_app_acquire("Echo") == NULL);
	CHECK(ly_format_find("slin") != NULL);
	CHECK_INT(ly_module_unload("codec_slin", &why), 0);
	CHECK(ly_format_find("slin") == NULL);
	ly_buf_free(&why);

	ly_loader_shutdown();
	ly_media_core_shutdown();
	ly_cli_shutdown();
	for (const char *const *n = (const char *const[]){ "codec_slin", "codec_g711", NULL };
	     *n; n++) {
		char *link = ly_asprintf("%s/%s.so", moduledir, *n);

		unlink(link);
		free(link);
	}
	CHECK_INT(rmdir(moduledir), 0);
}

/* A channel nobody reads keeps at most 128 voice frames (the newest) and
 * every control frame. */
static void test_channel_queue_bound(void)
{
	const struct ly_format *ulaw = ly_format_find("ulaw");
	uint8_t audio[160] = { 0 };
	struct ly_channel *c;
	struct ly_frame *f;
	unsigned voice = 0, controls = 0, first_seq = 0;

	CHECK(ulaw != NULL);
	CHECK_INT(ly_chan_tech_register(NULL, &test_tech), 0);
	c = ly_chan_alloc(&test_tech, NULL, "Test/bound");
	CHECK(c != NULL);
	if (!c || !ulaw) {
		ly_chan_tech_unregister(&test_tech);
		return;
	}
	for (unsigned i = 0; i < 300; i++) {
		f = ly_frame_voice_new(ulaw, 160, audio, sizeof(audio));
		f->seqno = (uint16_t)i;
		ly_chan_queue_frame(c, f);
		if (i == 100)
			ly_chan_queue_control(c, LY_CONTROL_HOLD);
	}
	CHECK_INT(ly_chan_queue_len(c), 129);
	while ((f = ly_chan_read(c, 0)) != NULL) {
		if (f->type == LY_FRAME_VOICE && voice++ == 0)
			first_seq = f->seqno;
		if (f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HOLD)
			controls++;
		ly_frame_free(f);
	}
	CHECK_INT(voice, 128);
	CHECK_INT(controls, 1);
	CHECK_INT(first_seq, 300 - 128);
	ly_chan_hangup(c);
	ly_chan_tech_unregister(&test_tech);	/* later tests register it their own way */
}

TAP_MAIN(TAP(test_setup_loads_codecs),
	 TAP(test_frames),
	 TAP(test_causes),
	 TAP(test_ulaw_reference),
	 TAP(test_alaw_reference),
	 TAP(test_g711_encode_every_sample),
	 TAP(test_path_search),
	 TAP(test_path_too_long_is_none),
	 TAP(test_path_holds_modules),
	 TAP(test_tone_through_paths),
	 TAP(test_channel_basics),
	 TAP(test_channel_request),
	 TAP(test_channel_queue),
	 TAP(test_channel_alert_race),
	 TAP(test_channel_queue_bound),
	 TAP(test_channel_holds_module),
	 TAP(test_alloc_refused_while_shutting_down),
	 TAP(test_apps_and_funcs),
	 TAP(test_cli),
	 TAP(test_unload_removes_registrations))
