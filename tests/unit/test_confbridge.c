/* tests/unit/test_confbridge.c - app_confbridge's mixer (N-1 sums, clipping, silent participants left out, one encoding per codec, resampling) and its confbridge.conf parser. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "lyre/cli.h"
#include "lyre/config.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "cli_int.h"
#include "media_int.h"
#include "tap.h"
#include "module_link.h"

#include "../../modules/app_confbridge/confbridge.h"

#define N8 160	/* 20 ms at 8 kHz */

static char top[PATH_MAX], dir[PATH_MAX], moduledir[PATH_MAX + 16];

static void link_module(const char *name)
{
	unit_link_module(top, moduledir, name);
}

static void test_setup(void)
{
	CHECK(realpath(getenv("top_builddir") ? getenv("top_builddir") : ".", top) != NULL);
	ly_log_init();
	CHECK_INT(ly_cli_init(), 0);
	CHECK_INT(ly_media_core_init(), 0);
	strcpy(dir, "/tmp/lyre-confbridge-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(moduledir, sizeof(moduledir), "%s/modules", dir);
	CHECK_INT(mkdir(moduledir, 0700), 0);
	CHECK_INT(ly_loader_init(moduledir), 0);
	link_module("codec_slin");
	link_module("codec_g711");
}

static void sine(int16_t *s, size_t n, double hz, unsigned rate, double amp)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)(amp * 32767 * sin(2 * M_PI * hz * (double)i / rate));
}

/* Amplitude of hz in s (Goertzel), as a fraction of full scale. */
static double level(const int16_t *s, size_t n, double hz, unsigned rate)
{
	double k = 2 * cos(2 * M_PI * hz / rate), s1 = 0, s2 = 0, p;

	for (size_t i = 0; i < n; i++) {
		double s0 = s[i] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	p = s1 * s1 + s2 * s2 - k * s1 * s2;
	return 2 * sqrt(p > 0 ? p : 0) / (double)n / 32768;
}

/* ---- arithmetic ---- */

static void test_n_minus_one(void)
{
	int16_t a[N8], b[N8], c[N8], out[N8];
	int32_t sum[N8] = { 0 };

	sine(a, N8, 400, 8000, 0.3);
	sine(b, N8, 700, 8000, 0.3);
	sine(c, N8, 1100, 8000, 0.3);
	cb_sum_add(sum, a, N8);
	cb_sum_add(sum, b, N8);
	cb_sum_add(sum, c, N8);
	cb_clip_minus(out, sum, a, N8);
	for (size_t i = 0; i < N8; i++)
		CHECK_INT(out[i], b[i] + c[i]);
	cb_clip(out, sum, N8);
	for (size_t i = 0; i < N8; i++)
		CHECK_INT(out[i], a[i] + b[i] + c[i]);
}

static void test_clipping(void)
{
	int16_t a[N8], b[N8], out[N8];
	int32_t sum[N8] = { 0 };

	for (size_t i = 0; i < N8; i++) {
		a[i] = (int16_t)(i & 1 ? 30000 : -30000);
		b[i] = a[i];
	}
	cb_sum_add(sum, a, N8);
	cb_sum_add(sum, b, N8);
	cb_clip(out, sum, N8);
	for (size_t i = 0; i < N8; i++)
		CHECK_INT(out[i], i & 1 ? 32767 : -32768);
	/* The 32-bit sum keeps each talker exact: N-1 is not distorted by
	 * the clipping of the full mix. */
	cb_clip_minus(out, sum, a, N8);
	for (size_t i = 0; i < N8; i++)
		CHECK_INT(out[i], b[i]);
	/* Volume steps clip too. */
	cb_volume(a, N8, 4);
	CHECK_INT(a[1], 32767);
	CHECK_INT(a[0], -32768);
	sine(a, N8, 400, 8000, 0.2);
	memcpy(b, a, sizeof(b));
	cb_volume(b, N8, -2);	/* -6 dB: about half */
	CHECK(fabs(level(b, N8, 400, 8000) - 0.1) < 0.005);
}

static void test_vad(void)
{
	int16_t quiet[N8], loud[N8];
	struct cb_vad v = { .threshold = 160, .hangover_ms = 100 };

	for (size_t i = 0; i < N8; i++)
		quiet[i] = (int16_t)((i * 37) % 200 - 100);	/* mean |x| about 50 */
	sine(loud, N8, 400, 8000, 0.3);
	CHECK(cb_energy(quiet, N8) < 160);
	CHECK(cb_energy(loud, N8) > 5000);
	CHECK(!cb_vad_update(&v, quiet, N8, 20));
	CHECK(!v.talking);
	CHECK(cb_vad_update(&v, loud, N8, 20));
	CHECK(v.talking);
	/* The hangover keeps it talking through short pauses. */
	for (int i = 0; i < 4; i++)
		CHECK(!cb_vad_update(&v, quiet, N8, 20) && v.talking);
	CHECK(cb_vad_update(&v, quiet, N8, 20));
	CHECK(!v.talking);
}

static void test_resampler(void)
{
	int16_t in[320], out[700], back[400];
	struct cb_resampler *up = cb_resampler_new(8000, 16000), *down;
	size_t n = 0, m;

	CHECK(up != NULL);
	/* Several blocks, as a participant's frames come, so the filter's
	 * delay is filled. */
	for (int b = 0; b < 5; b++) {
		for (size_t i = 0; i < N8; i++)
			in[i] = (int16_t)(0.3 * 32767 * sin(2 * M_PI * 1000 * (double)(b * N8 + i) / 8000));
		n = cb_resample(up, in, N8, out, 700);
		CHECK_INT(n, 320);
	}
	CHECK(level(out, n, 1000, 16000) > 0.25);
	CHECK(level(out, n, 3000, 16000) < 0.01);
	down = cb_resampler_new(16000, 8000);
	for (int b = 0; b < 3; b++)
		m = cb_resample(down, out, n, back, 400);
	CHECK_INT(m, 160);
	CHECK(level(back, m, 1000, 8000) > 0.25);
	cb_resampler_free(up);
	cb_resampler_free(down);
}

static void test_ring(void)
{
	struct cb_ring r;
	int16_t in[10], out[10];

	for (int i = 0; i < 10; i++)
		in[i] = (int16_t)i;
	cb_ring_init(&r, 8);
	cb_ring_push(&r, in, 5);
	CHECK(!cb_ring_take(&r, out, 6));
	CHECK(cb_ring_take(&r, out, 3));
	CHECK_INT(out[0], 0);
	CHECK_INT(out[2], 2);
	cb_ring_push(&r, in, 10);	/* overflows: the newest 8 stay */
	CHECK_INT(r.len, 8);
	CHECK(cb_ring_take(&r, out, 1));
	CHECK_INT(out[0], 2);
	cb_ring_trim(&r, 2);
	CHECK(cb_ring_take(&r, out, 2));
	CHECK_INT(out[0], 8);
	CHECK_INT(out[1], 9);
	cb_ring_free(&r);
}

/* ---- a whole tick ---- */

static struct cb_user *user(struct cb_conf *c, const char *fmt)
{
	struct cb_user *u = ly_calloc(1, sizeof(*u));

	pthread_mutex_init(&u->in_lock, NULL);
	cb_ring_init(&u->in, 4000);
	u->fmt = ly_format_find(fmt);
	u->in_rate = c->rate;
	u->hear = true;
	u->conf = c;
	return u;
}

static void feed(struct cb_user *u, const int16_t *s, size_t n, bool talking)
{
	cb_ring_push(&u->in, s, n);
	u->talking = talking;
}

/* The newest packet u was sent (a participant without RTP keeps them). */
static const struct ly_frame *last(const struct cb_user *u)
{
	return u->n_pending ? u->pending[u->n_pending - 1] : NULL;
}

static const int16_t *heard(struct cb_user *u)
{
	return last(u) ? (const int16_t *)last(u)->data : NULL;
}

static void drain(struct cb_user *u)
{
	while (u->n_pending)
		ly_frame_free(u->pending[--u->n_pending]);
}

static void tick(struct cb_conf *c)
{
	pthread_mutex_lock(&c->lock);
	cb_mix_tick_locked(c);
	pthread_mutex_unlock(&c->lock);
}

static void test_tick(void)
{
	struct cb_bridge_profile b;
	struct cb_conf *c;
	struct cb_user *u[5];
	int16_t s0[N8], s1[N8], s2[N8];
	const int16_t *h;

	cb_bridge_defaults(&b, "test");
	b.internal_rate = 8000;
	c = cb_conf_get("tick", &b);
	CHECK_INT(c->rate, 8000);
	for (int i = 0; i < 4; i++)
		u[i] = user(c, "slin");
	u[4] = user(c, "slin16");	/* a wideband listener: resampled */
	c->users = ly_calloc(5, sizeof(*c->users));
	memcpy(c->users, u, sizeof(u));
	c->n_users = c->cap_users = 5;

	sine(s0, N8, 400, 8000, 0.3);
	sine(s1, N8, 700, 8000, 0.3);
	sine(s2, N8, 1100, 8000, 0.3);
	for (int t = 0; t < 3; t++) {
		feed(u[0], s0, N8, true);
		feed(u[1], s1, N8, true);
		feed(u[2], s2, N8, false);	/* loud samples, but flagged silent */
		pthread_mutex_lock(&c->lock);
		cb_mix_tick_locked(c);
		pthread_mutex_unlock(&c->lock);
	}
	CHECK_INT(c->stats.last_talkers, 2);
	/* N-1: each talker hears the other, exactly. */
	CHECK((h = heard(u[0])) != NULL && memcmp(h, s1, sizeof(s1)) == 0);
	CHECK((h = heard(u[1])) != NULL && memcmp(h, s0, sizeof(s0)) == 0);
	/* The silent participant is left out of the sum and hears both. */
	CHECK((h = heard(u[2])) != NULL);
	for (size_t i = 0; h && i < N8; i++)
		CHECK_INT(h[i], s0[i] + s1[i]);
	/* Listeners who hear the full mix in one codec share one encoding. */
	CHECK(heard(u[3]) && h && memcmp(heard(u[3]), h, sizeof(s0)) == 0);
	CHECK(cb_conf_group_locked(c, u[3]->fmt)->frame != NULL);
	/* The wideband listener gets 16 kHz audio holding both tones. */
	CHECK(last(u[4]) && last(u[4])->samples == 2 * N8);
	CHECK_STR(last(u[4]) ? last(u[4])->format->name : "", "slin16");
	if (last(u[4])) {
		const int16_t *w = (const int16_t *)last(u[4])->data;

		CHECK(level(w, 2 * N8, 400, 16000) > 0.2);
		CHECK(level(w, 2 * N8, 700, 16000) > 0.2);
		CHECK(level(w, 2 * N8, 1100, 16000) < 0.02);
	}

	/* A muted talker is not heard. */
	u[1]->muted = true;
	feed(u[0], s0, N8, true);
	feed(u[1], s1, N8, true);
	pthread_mutex_lock(&c->lock);
	cb_mix_tick_locked(c);
	pthread_mutex_unlock(&c->lock);
	CHECK_INT(c->stats.last_talkers, 1);
	CHECK((h = heard(u[3])) != NULL && memcmp(h, s0, sizeof(s0)) == 0);
	u[1]->muted = false;

	/* Nobody talks: everyone gets the codec's silence, nothing summed. */
	for (int i = 0; i < 3; i++)
		feed(u[i], s0, N8, false);
	pthread_mutex_lock(&c->lock);
	cb_mix_tick_locked(c);
	pthread_mutex_unlock(&c->lock);
	CHECK_INT(c->stats.last_talkers, 0);
	CHECK((h = heard(u[0])) != NULL);
	for (size_t i = 0; h && i < N8; i++)
		CHECK_INT(h[i], 0);

	pthread_mutex_lock(&c->lock);
	cb_conf_groups_free_locked(c);
	c->n_users = 0;
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < 5; i++) {
		drain(u[i]);
		cb_ring_free(&u[i]->in);
		pthread_mutex_destroy(&u[i]->in_lock);
		free(u[i]);
	}
	cb_conf_put(c);
	CHECK_INT(cb_conf_count(), 0);
}

/* ---- packets of 20 ms whatever the mixing interval ---- */

static struct cb_conf *room(const char *name, unsigned interval, struct cb_user **u, int nu,
			    const char *const *fmts)
{
	struct cb_bridge_profile b;
	struct cb_conf *c;

	cb_bridge_defaults(&b, "test");
	b.internal_rate = 8000;
	b.mixing_interval = interval;
	c = cb_conf_get(name, &b);
	for (int i = 0; i < nu; i++)
		u[i] = user(c, fmts[i]);
	c->users = ly_calloc((size_t)nu, sizeof(*c->users));
	memcpy(c->users, u, (size_t)nu * sizeof(*u));
	c->n_users = c->cap_users = (size_t)nu;
	return c;
}

static void room_free(struct cb_conf *c, struct cb_user **u, int nu)
{
	pthread_mutex_lock(&c->lock);
	cb_conf_groups_free_locked(c);
	c->n_users = 0;
	pthread_mutex_unlock(&c->lock);
	for (int i = 0; i < nu; i++) {
		drain(u[i]);
		cb_resampler_free(u[i]->own ? u[i]->own->rs : NULL);
		if (u[i]->own) {
			ly_trans_path_free(u[i]->own->enc);
			ly_frame_free(u[i]->own->frame);
			ly_frame_free(u[i]->own->silence);
			free(u[i]->own);
		}
		cb_ring_free(&u[i]->in);
		pthread_mutex_destroy(&u[i]->in_lock);
		free(u[i]);
	}
	cb_conf_put(c);
}

static void test_ptime(void)
{
	static const char *const fmts[] = { "slin", "slin", "slin", "ulaw" };
	struct cb_user *u[4];
	struct cb_conf *c;
	int16_t s0[2 * N8], s1[2 * N8], zero[N8 / 2] = { 0 };
	const int16_t *h;

	sine(s0, 2 * N8, 400, 8000, 0.3);
	sine(s1, 2 * N8, 700, 8000, 0.3);

	/* mixing_interval=10: two ticks make one 20 ms packet. */
	c = room("p10", 10, u, 4, fmts);
	feed(u[0], s0, N8 / 2, true);
	feed(u[1], s1, N8 / 2, true);
	tick(c);
	for (int i = 0; i < 4; i++)
		CHECK_INT(u[i]->n_pending, 0);	/* half a packet: nothing sent yet */
	/* Second tick: u[0] is quiet now, u[1] the lone talker. */
	feed(u[0], s0 + N8 / 2, N8 / 2, false);
	feed(u[1], s1 + N8 / 2, N8 / 2, true);
	tick(c);
	for (int i = 0; i < 4; i++) {
		CHECK_INT(u[i]->n_pending, 1);
		CHECK_INT(last(u[i]) ? last(u[i])->samples : 0, N8);
	}
	/* u[0]: bob's voice in both halves (N-1, then the full mix). */
	CHECK((h = heard(u[0])) != NULL && memcmp(h, s1, N8 * sizeof(*h)) == 0);
	/* u[1]: alice's first 10 ms, then silence (the lone talker). */
	CHECK((h = heard(u[1])) != NULL && memcmp(h, s0, N8 / 2 * sizeof(*h)) == 0 &&
	      memcmp(h + N8 / 2, zero, sizeof(zero)) == 0);
	/* u[2], a listener: both, then bob alone. */
	if ((h = heard(u[2])) != NULL) {
		for (size_t i = 0; i < N8 / 2; i++)
			CHECK_INT(h[i], s0[i] + s1[i]);
		CHECK(memcmp(h + N8 / 2, s1 + N8 / 2, N8 / 2 * sizeof(*h)) == 0);
	}
	/* The mu-law phone gets a 20 ms packet: 160 bytes. */
	CHECK_STR(last(u[3]) ? last(u[3])->format->name : "", "ulaw");
	CHECK_INT(last(u[3]) ? last(u[3])->datalen : 0, N8);
	room_free(c, u, 4);

	/* mixing_interval=40: one tick sends two 20 ms packets. */
	c = room("p40", 40, u, 4, fmts);
	feed(u[0], s0, 2 * N8, true);
	feed(u[1], s1, 2 * N8, true);
	tick(c);
	for (int i = 0; i < 4; i++) {
		CHECK_INT(u[i]->n_pending, 2);
		for (unsigned k = 0; k < u[i]->n_pending; k++)
			CHECK_INT(u[i]->pending[k]->samples, N8);
	}
	CHECK(u[0]->n_pending == 2 &&
	      memcmp(u[0]->pending[0]->data, s1, N8 * sizeof(int16_t)) == 0 &&
	      memcmp(u[0]->pending[1]->data, s1 + N8, N8 * sizeof(int16_t)) == 0);
	CHECK(u[3]->n_pending == 2 && u[3]->pending[0]->datalen == N8 &&
	      u[3]->pending[1]->datalen == N8);
	/* Nobody talks: two silence packets of 20 ms each. */
	for (int i = 0; i < 4; i++)
		drain(u[i]);
	tick(c);
	CHECK(u[2]->n_pending == 2 && u[2]->pending[1]->samples == N8);
	room_free(c, u, 4);
	CHECK_INT(cb_conf_count(), 0);
}

/* ---- recorded names are deleted ---- */

/* A 16-bit 8 kHz mono WAV of n samples of a 500 Hz tone. */
static void write_wav(const char *path, size_t n)
{
	FILE *f = fopen(path, "wb");
	int16_t s[N8];
	uint32_t v32;
	uint16_t v16;

	CHECK(f != NULL);
	if (!f)
		return;
	fwrite("RIFF", 1, 4, f);
	v32 = (uint32_t)(36 + n * 2);
	fwrite(&v32, 4, 1, f);
	fwrite("WAVEfmt ", 1, 8, f);
	v32 = 16;
	fwrite(&v32, 4, 1, f);
	v16 = 1;
	fwrite(&v16, 2, 1, f);	/* PCM */
	fwrite(&v16, 2, 1, f);	/* mono */
	v32 = 8000;
	fwrite(&v32, 4, 1, f);
	v32 = 16000;
	fwrite(&v32, 4, 1, f);
	v16 = 2;
	fwrite(&v16, 2, 1, f);
	v16 = 16;
	fwrite(&v16, 2, 1, f);
	fwrite("data", 1, 4, f);
	v32 = (uint32_t)(n * 2);
	fwrite(&v32, 4, 1, f);
	sine(s, N8, 500, 8000, 0.3);
	for (size_t done = 0; done < n; done += N8)
		fwrite(s, 2, n - done < N8 ? n - done : N8, f);
	fclose(f);
}

static void test_names_deleted(void)
{
	static const char *const fmts[] = { "slin", "slin" };
	char base[PATH_MAX + 16], wav[PATH_MAX + 24];
	struct cb_user *u[2];
	struct cb_conf *c;
	bool loud = false;

	/* Played: deleted as soon as the mixer opened it, still heard. */
	snprintf(base, sizeof(base), "%s/name-1", dir);
	snprintf(wav, sizeof(wav), "%s.wav", base);
	write_wav(wav, 4 * N8);
	c = room("names", 20, u, 2, fmts);
	cb_conf_announce_name(c, base);
	CHECK_INT(access(wav, F_OK), 0);
	tick(c);
	CHECK(access(wav, F_OK) != 0);
	for (int t = 0; t < 3; t++) {
		const int16_t *h = heard(u[0]);

		loud |= h && level(h, N8, 500, 8000) > 0.2;
		drain(u[0]);
		tick(c);
	}
	CHECK(loud);
	room_free(c, u, 2);

	/* Queued when the conference ends: deleted too. */
	write_wav(wav, 4 * N8);
	c = room("names2", 20, u, 2, fmts);
	cb_conf_announce(c, "beep");	/* ahead of it: the name is never opened */
	cb_conf_announce_name(c, base);
	room_free(c, u, 2);
	CHECK(access(wav, F_OK) != 0);
	CHECK_INT(cb_conf_count(), 0);
}

/* ---- confbridge.conf ---- */

static const char conf_text[] =
	"[general]\n"
	"[big](!)\n"
	"type = bridge\n"
	"max_members = 50\n"
	"[room](big)\n"
	"mixing_interval = 40\n"
	"internal_sample_rate = 16000\n"
	"record_conference = yes\n"
	"record_file = rooms/r.wav\n"
	"sound_join = custom-join\n"
	"[badroom]\n"
	"type = bridge\n"
	"mixing_interval = 30\n"
	"internal_sample_rate = 22050\n"
	"bogus = 1\n"
	"[boss]\n"
	"type = user\n"
	"admin = yes\n"
	"marked = yes\n"
	"pin = 1234\n"
	"music_on_hold_when_empty = yes\n"
	"dsp_talking_threshold = 300\n"
	"pin = 12ab\n"
	"[default_user]\n"
	"type = user\n"
	"quiet = yes\n"
	"[m]\n"
	"type = menu\n"
	"1 = toggle_mute\n"
	"*1 = toggle_mute, playback(conf-muted&beep)\n"
	"*2 = dialplan_exec(ctx,100,1)\n"
	"*# = leave_conference\n"
	"9 = no_such_action\n"
	"8 = playback\n"
	"x1 = toggle_mute\n"
	"[typeless]\n"
	"foo = bar\n";

static void test_config(void)
{
	struct ly_cfg_error err;
	struct ly_config *cfg = NULL;
	struct cb_config *c;
	const struct cb_bridge_profile *b;
	const struct cb_user_profile *u;
	const struct cb_menu *m;
	const struct cb_menu_entry *e;
	bool longer;

	CHECK_INT(ly_config_parse_buffer(NULL, "confbridge.conf", conf_text, sizeof(conf_text) - 1,
					 &cfg, &err), 0);
	c = cb_config_build(cfg);
	ly_config_free(cfg);

	CHECK((b = cb_config_bridge(c, "default_bridge")) != NULL);
	CHECK(b && b->mixing_interval == 20 && b->internal_rate == 0 && !b->record_conference);
	CHECK(cb_config_bridge(c, "big") == NULL);	/* a template */
	CHECK((b = cb_config_bridge(c, "ROOM")) != NULL);	/* names: any case */
	CHECK(b && b->max_members == 50 && b->mixing_interval == 40 &&
	      b->internal_rate == 16000 && b->record_conference);
	CHECK(b && strcmp(b->record_file, "rooms/r.wav") == 0);
	CHECK(b && strcmp(b->sounds[CB_SND_JOIN], "custom-join") == 0 && !b->sounds[CB_SND_LEAVE][0]);
	/* Bad values keep the defaults. */
	CHECK((b = cb_config_bridge(c, "badroom")) != NULL);
	CHECK(b && b->mixing_interval == 20 && b->internal_rate == 0);

	CHECK((u = cb_config_user(c, "boss")) != NULL);
	CHECK(u && u->admin && u->marked && !u->startmuted && u->music_on_hold_when_empty);
	CHECK(u && strcmp(u->pin, "1234") == 0);	/* "12ab" refused */
	CHECK(u && u->talking_threshold == 300 && u->silence_threshold_ms == 2500);
	CHECK(u && u->announce_only_user);	/* Asterisk's default */
	CHECK((u = cb_config_user(c, "default_user")) != NULL && u->quiet);
	CHECK(cb_config_user(c, "typeless") == NULL);

	CHECK((m = cb_config_menu(c, "m")) != NULL);
	CHECK_INT(m ? m->n : 0, 4);	/* bad action, missing argument, bad key skipped */
	e = cb_menu_match(m, "1", &longer);
	CHECK(e && e->actions[0].type == CB_ACT_TOGGLE_MUTE && !longer);
	e = cb_menu_match(m, "*", &longer);
	CHECK(!e && longer);
	e = cb_menu_match(m, "*1", &longer);
	CHECK(e && e->n_actions == 2 && e->actions[1].type == CB_ACT_PLAYBACK);
	CHECK(e && strcmp(e->actions[1].arg, "conf-muted&beep") == 0);
	e = cb_menu_match(m, "*2", &longer);
	CHECK(e && e->actions[0].type == CB_ACT_DIALPLAN_EXEC &&
	      strcmp(e->actions[0].arg, "ctx,100,1") == 0);
	CHECK(cb_menu_match(m, "9", &longer) == NULL && !longer);
	cb_config_free(c);

	/* No file at all: the built-in profiles. */
	c = cb_config_build(NULL);
	CHECK(cb_config_bridge(c, "default_bridge") && cb_config_user(c, "default_user"));
	CHECK(c->n_menus == 0);
	cb_config_free(c);
}

static void test_profile_set(void)
{
	struct cb_bridge_profile b;
	struct cb_user_profile u;

	cb_bridge_defaults(&b, "x");
	cb_user_defaults(&u, "x");
	CHECK_INT(cb_profile_set(&b, &u, "user", "startmuted", "yes"), 0);
	CHECK(u.startmuted);
	CHECK_INT(cb_profile_set(&b, &u, "bridge", "max_members", "3"), 0);
	CHECK_INT(b.max_members, 3);
	CHECK(cb_profile_set(&b, &u, "user", "nonsense", "1") != 0);
	CHECK(cb_profile_set(&b, &u, "menu", "1", "toggle_mute") != 0);
}

static void test_safe_name(void)
{
	char out[64];

	cb_safe_name("../../evil/x", out, sizeof(out));
	CHECK(strchr(out, '/') == NULL && strstr(out, "..") == NULL && out[0] != '.');
	cb_safe_name("room-1.a_b", out, sizeof(out));
	CHECK_STR(out, "room-1.a_b");
	cb_safe_name("", out, sizeof(out));
	CHECK_STR(out, "_");
}

TAP_MAIN(TAP(test_setup), TAP(test_n_minus_one), TAP(test_clipping), TAP(test_vad),
	 TAP(test_resampler), TAP(test_ring), TAP(test_tick), TAP(test_ptime),
	 TAP(test_names_deleted), TAP(test_config),
	 TAP(test_profile_set), TAP(test_safe_name))
