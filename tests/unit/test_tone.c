/* tests/unit/test_tone.c - tone lists in indications.conf syntax (parser) and the tone generator (frequencies by Goertzel, cadences, '!' parts), and every tone of the shipped indications.conf.sample. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/config.h"
#include "lyre/moh.h"
#include "tap.h"

/* Power of `hz` in n samples at 8 kHz (Goertzel), normalised to the
 * signal's total power: near 1 for a pure tone at hz, near 0 otherwise. */
static double share(const int16_t *s, size_t n, double hz)
{
	double k = 2 * cos(2 * M_PI * hz / 8000), s1 = 0, s2 = 0, total = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = s[i] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
		total += (double)s[i] * s[i];
	}
	return total > 0 ? (s1 * s1 + s2 * s2 - k * s1 * s2) / (total * n / 2) : 0;
}

static double rms(const int16_t *s, size_t n)
{
	double t = 0;

	for (size_t i = 0; i < n; i++)
		t += (double)s[i] * s[i];
	return sqrt(t / n);
}

static void test_parse(void)
{
	struct ly_tone_list l;

	CHECK(ly_tone_parse("350+440", &l) == 0);
	CHECK(l.n == 1 && l.part[0].f1 == 350 && l.part[0].f2 == 440 && l.part[0].ms == 0);
	CHECK(ly_tone_parse("440+480/2000,0/4000", &l) == 0);
	CHECK(l.n == 2 && l.part[0].ms == 2000 && l.part[1].f1 == 0 && l.part[1].ms == 4000);
	CHECK(ly_tone_parse("!950/330, !1400/330,0", &l) == 0);
	CHECK(l.n == 3 && l.part[0].once && l.part[1].once && !l.part[2].once);
	CHECK(ly_tone_parse("425*50/500", &l) == 0 && l.part[0].f2 == 50);
	CHECK(ly_tone_parse("", &l) != 0);
	CHECK(ly_tone_parse("abc", &l) != 0);
	CHECK(ly_tone_parse("440/", &l) != 0);
	CHECK(ly_tone_parse("440/0", &l) != 0);
	CHECK(ly_tone_parse("440+", &l) != 0);
	CHECK(ly_tone_parse("9000", &l) != 0);
	CHECK(ly_tone_parse("440x", &l) != 0);
	CHECK(ly_tone_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &l) != 0);
}

static void test_single_frequency(void)
{
	struct ly_tone_list l;
	struct ly_tone_gen g;
	int16_t buf[8000];

	CHECK(ly_tone_parse("440", &l) == 0);
	ly_tone_gen_init(&g, &l);
	CHECK(ly_tone_gen_fill(&g, buf, 8000));
	CHECK(share(buf, 8000, 440) > 0.95);
	CHECK(share(buf, 8000, 480) < 0.05);
	CHECK(rms(buf, 8000) > 4000 && rms(buf, 8000) < 6000);	/* about -13 dBFS */
}

static void test_two_frequencies(void)
{
	struct ly_tone_list l;
	struct ly_tone_gen g;
	int16_t buf[8000];
	double a, b;

	CHECK(ly_tone_parse("350+440", &l) == 0);
	ly_tone_gen_init(&g, &l);
	ly_tone_gen_fill(&g, buf, 8000);
	a = share(buf, 8000, 350);
	b = share(buf, 8000, 440);
	CHECK(a > 0.45 && a < 0.55 && b > 0.45 && b < 0.55);
	CHECK(share(buf, 8000, 1000) < 0.01);
}

static void test_cadence(void)
{
	struct ly_tone_list l;
	struct ly_tone_gen g;
	int16_t buf[3200];

	/* 100 ms of 1 kHz, 100 ms of silence, repeated */
	CHECK(ly_tone_parse("1000/100,0/100", &l) == 0);
	ly_tone_gen_init(&g, &l);
	CHECK(ly_tone_gen_fill(&g, buf, 3200));
	CHECK(rms(buf, 800) > 4000);
	CHECK(rms(buf + 800, 800) == 0);
	CHECK(rms(buf + 1600, 800) > 4000);
	CHECK(rms(buf + 2400, 800) == 0);
}

static void test_once_parts(void)
{
	struct ly_tone_list l;
	struct ly_tone_gen g;
	int16_t buf[4000];

	/* The '!' part plays once; then the 500 Hz part repeats for ever. */
	CHECK(ly_tone_parse("!1000/100,500/100", &l) == 0);
	ly_tone_gen_init(&g, &l);
	CHECK(ly_tone_gen_fill(&g, buf, 4000));
	CHECK(share(buf, 800, 1000) > 0.9);
	CHECK(share(buf + 800, 3200, 500) > 0.9);
	/* Only '!' parts: the generator ends. */
	CHECK(ly_tone_parse("!1000/100,!0/100", &l) == 0);
	ly_tone_gen_init(&g, &l);
	CHECK(!ly_tone_gen_fill(&g, buf, 4000));
	CHECK(rms(buf, 800) > 4000 && rms(buf + 1600, 2400) == 0);
}

/* Every tone in the shipped sample parses, and the four zones are there. */
static void test_sample_conf(void)
{
	struct ly_config *cfg = NULL;
	struct ly_cfg_error err;
	int tones = 0, bad = 0;

	CHECK(ly_config_load(SRCDIR "/modules/app_playtones", "indications.conf.sample", &cfg,
			     &err) == 0);
	if (!cfg)
		return;
	for (const char *const *z = (const char *const[]){ "us", "uk", "de", "fr", NULL }; *z; z++)
		CHECK(ly_cfg_get(cfg, *z, "ring") && ly_cfg_get(cfg, *z, "busy") &&
		      ly_cfg_get(cfg, *z, "dial") && ly_cfg_get(cfg, *z, "congestion"));
	for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next)
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
			struct ly_tone_list l;

			if (!strcmp(s->name, "general") || !strcmp(v->name, "description") ||
			    !strcmp(v->name, "ringcadence"))
				continue;
			tones++;
			if (ly_tone_parse(v->value, &l)) {
				bad++;
				printf("# cannot parse [%s] %s=%s\n", s->name, v->name, v->value);
			}
		}
	CHECK(tones > 20 && bad == 0);
	ly_config_free(cfg);
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_parse),
		TAP(test_single_frequency),
		TAP(test_two_frequencies),
		TAP(test_cadence),
		TAP(test_once_parts),
		TAP(test_sample_conf),
	};

	return tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
