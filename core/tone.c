/* core/tone.c - tone lists in indications.conf syntax ("350+440", "440+480/2000,0/4000") and a generator that plays them. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/channel.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/moh.h"
#include "lyre/utils.h"

#define RATE 8000
#define FRAME_SAMPLES 160
/* -13 dBFS per frequency, so two of them sum well below clipping
 * (Asterisk's playtones uses a similar level). */
#define AMP 7336

static int parse_freq(const char *s, char **end, unsigned *out)
{
	unsigned long v = strtoul(s, end, 10);

	if (*end == s || v > 4000)	/* above 4 kHz does not fit 8 kHz audio */
		return EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* One part: [!]f1[+|*f2][/ms] */
static int parse_part(const char *s, struct ly_tone_part *p)
{
	char *end;

	memset(p, 0, sizeof(*p));
	while (*s == ' ')
		s++;
	if (*s == '!') {
		p->once = true;
		s++;
	}
	if (parse_freq(s, &end, &p->f1))
		return EINVAL;
	if (*end == '+' || *end == '*') {	/* '*' (modulation) is played as a sum */
		if (parse_freq(end + 1, &end, &p->f2))
			return EINVAL;
	}
	if (*end == '/') {
		unsigned long ms = strtoul(end + 1, &end, 10);

		if (ms == 0 || ms > 600000)
			return EINVAL;
		p->ms = (unsigned)ms;
	}
	while (*end == ' ')
		end++;
	return *end ? EINVAL : 0;
}

int ly_tone_parse(const char *text, struct ly_tone_list *out)
{
	char *copy = ly_strdup(text ? text : ""), *save = NULL;
	int err = 0;

	out->n = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		if (out->n == LY_TONE_MAX_PARTS)
			err = EINVAL;
		else
			err = parse_part(tok, &out->part[out->n++]);
	}
	free(copy);
	return !err && out->n ? 0 : EINVAL;
}

void ly_tone_gen_init(struct ly_tone_gen *g, const struct ly_tone_list *list)
{
	memset(g, 0, sizeof(*g));
	g->list = *list;
	g->amp = AMP;
}

/* The next part after the current one ends: repeat from the first part
 * that is not '!', or end when every part is '!'. */
static void next_part(struct ly_tone_gen *g)
{
	g->pos = 0;
	if (++g->cur < g->list.n)
		return;
	for (g->cur = 0; g->cur < g->list.n && g->list.part[g->cur].once; g->cur++)
		;
	g->done = g->cur == g->list.n;
}

bool ly_tone_gen_fill(struct ly_tone_gen *g, int16_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ly_tone_part *p;
		double v = 0;

		while (!g->done && g->list.part[g->cur].ms &&
		       g->pos >= g->list.part[g->cur].ms * (RATE / 1000))
			next_part(g);
		if (g->done) {
			memset(out + i, 0, (n - i) * sizeof(*out));
			return false;
		}
		p = &g->list.part[g->cur];
		if (p->f1)
			v += sin(g->ph1);
		if (p->f2)
			v += sin(g->ph2);
		g->ph1 = fmod(g->ph1 + 2 * M_PI * p->f1 / RATE, 2 * M_PI);
		g->ph2 = fmod(g->ph2 + 2 * M_PI * p->f2 / RATE, 2 * M_PI);
		out[i] = (int16_t)lrint(v * g->amp);
		g->pos++;
	}
	return true;
}

/* ---- PlayTones: the generator as a channel's background audio ---- */

static struct ly_frame *tones_tick(void *arg)
{
	struct ly_tone_gen *g = arg;
	int16_t buf[FRAME_SAMPLES];

	if (g->done || !ly_tone_gen_fill(g, buf, FRAME_SAMPLES))
		return NULL;
	return ly_frame_voice_new(ly_format_find("slin"), FRAME_SAMPLES, buf, sizeof(buf));
}

int ly_tones_start(struct ly_channel *c, const char *text)
{
	struct ly_tone_list list;
	struct ly_tone_gen *g;

	if (ly_tone_parse(text, &list)) {
		ly_warning("%s: cannot parse tone list '%s'", ly_chan_name(c), text);
		return EINVAL;
	}
	g = ly_malloc(sizeof(*g));
	ly_tone_gen_init(g, &list);
	return ly_chan_gen_start(c, tones_tick, g, free);
}

void ly_tones_stop(struct ly_channel *c)
{
	ly_chan_gen_stop(c, tones_tick);
}
