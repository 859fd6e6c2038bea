/*
 * modules/app_confbridge/conf_user.c - ConfBridge(): a participant's life
 * on its own channel thread.
 *
 *   ConfBridge(conference[,bridge_profile[,user_profile[,menu]]])
 *
 * Before joining: profiles looked up (an unknown name is refused, as in
 * Asterisk: CONFBRIDGE_RESULT=FAILED and the channel hangs up), the PIN
 * asked (3 tries), the name recorded (announce_join_leave).  Joining may
 * be refused by a locked or full conference (sound_locked, FAILED).  In the
 * conference the thread reads its channel: each voice frame is decoded,
 * resampled to the mixing rate and pushed into the participant's FIFO for
 * the mixer (conf_mixer.c); digits go to the menu (conf_menu.c).  It also
 * starts and stops music on hold as the conference changes (alone with
 * music_on_hold_when_empty, waiting for a marked user), and leaves on
 * hangup, kick, a menu's leave_conference or the end of the marked users.
 * CONFBRIDGE_RESULT: FAILED, HANGUP, KICKED, ENDMARKED or DTMF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <speex/speex_preprocess.h>

#include <lyre/lyre.h>

#include "confbridge.h"

#define PIN_TRIES 3
#define PIN_DIGIT_MS 5000
/* A participant's FIFO: 200 ms at the highest rate. */
#define RING_SAMPLES (CB_MAX_RATE / 5)

enum result { R_FAILED, R_HANGUP, R_KICKED, R_ENDMARKED, R_DTMF };
static const char *const result_names[] = { "FAILED", "HANGUP", "KICKED", "ENDMARKED", "DTMF" };

/* ---- small helpers ---- */

unsigned cb_conf_active_locked(const struct cb_conf *c)
{
	return (unsigned)c->n_users - c->waiting;
}

void cb_user_poke(struct cb_user *u)
{
	ly_chan_queue_frame(u->chan, ly_frame_new(LY_FRAME_NULL, 0));
}

static struct ly_rtp *chan_rtp(struct ly_channel *c)
{
	const struct ly_chan_tech *t = ly_chan_tech(c);

	return t && t->get_rtp ? t->get_rtp(c) : NULL;
}

/* ---- input: decode, resample, flag, push ---- */

static void denoise(struct cb_user *u, int16_t *s, size_t n, unsigned rate)
{
	int on = 1;

	if (!u->prof.denoise)
		return;
	if (u->denoise && u->denoise_rate != rate) {
		speex_preprocess_state_destroy(u->denoise);
		u->denoise = NULL;
	}
	if (!u->denoise) {
		u->denoise = speex_preprocess_state_init((int)n, (int)rate);
		u->denoise_rate = rate;
		speex_preprocess_ctl(u->denoise, SPEEX_PREPROCESS_SET_DENOISE, &on);
	}
	/* speexdsp's preprocessor works on the frame size it was made for. */
	if (u->denoise && n == (size_t)rate / 50)
		speex_preprocess_run(u->denoise, s);
}

static void push_input(struct cb_user *u, const struct ly_frame *f)
{
	int16_t buf[CB_MAX_RATE / 50 * 2 + 64], rs[CB_MAX_RATE / 50 * 6 + 64];
	struct ly_frame *dec = NULL;
	const int16_t *s;
	size_t n;
	unsigned rate, to;
	bool changed;

	if (strncmp(f->format->name, "slin", 4) != 0) {
		if (u->dec_src != f->format) {
			ly_trans_path_free(u->dec);
			u->dec_dst = ly_format_find(cb_slin_name(f->format->rate));
			u->dec = u->dec_dst ? ly_trans_path_new(f->format, u->dec_dst) : NULL;
			u->dec_src = f->format;
		}
		if (!u->dec || !(dec = ly_trans_path_run(u->dec, f)))
			return;
		f = dec;
	}
	n = f->datalen / 2;
	if (n > sizeof(buf) / sizeof(buf[0]))
		n = sizeof(buf) / sizeof(buf[0]);
	memcpy(buf, f->data, n * 2);
	rate = f->format->rate;
	ly_frame_free(dec);
	denoise(u, buf, n, rate);
	cb_volume(buf, n, u->talk_vol);

	pthread_mutex_lock(&u->in_lock);
	to = u->in_rate;
	pthread_mutex_unlock(&u->in_lock);
	s = buf;
	if (rate != to) {
		if (u->in_rs && (u->in_rs_from != rate || u->in_rs_to != to)) {
			cb_resampler_free(u->in_rs);
			u->in_rs = NULL;
		}
		if (!u->in_rs) {
			u->in_rs = cb_resampler_new(rate, to);
			u->in_rs_from = rate;
			u->in_rs_to = to;
		}
		n = u->in_rs ? cb_resample(u->in_rs, buf, n, rs, sizeof(rs) / sizeof(rs[0])) : 0;
		s = rs;
	}
	pthread_mutex_lock(&u->in_lock);
	changed = cb_vad_update(&u->vad, s, n, (unsigned)(n * 1000 / to));
	u->talking = u->vad.talking;
	/* dsp_drop_silence: a quiet block is not even queued. */
	if (u->in_rate == to && (!u->prof.dsp_drop_silence || cb_energy(s, n) >= u->vad.threshold))
		cb_ring_push(&u->in, s, n);
	pthread_mutex_unlock(&u->in_lock);
	if (changed && u->prof.talk_detection_events)
		ly_verbose(3, "ConfbridgeTalking: %s in '%s' %s talking", ly_chan_name(u->chan),
			   u->conf->name, u->vad.talking ? "started" : "stopped");
}

/* ---- prompts to one participant ---- */

const char *cb_sound(const struct cb_conf *c, enum cb_sound s)
{
	return c && c->prof.sounds[s][0] ? c->prof.sounds[s] : cb_sound_default(s);
}

/* What the participant should hear now; lock held. */
static bool wants_moh_locked(const struct cb_user *u)
{
	return u->waiting ||
	       (u->prof.music_on_hold_when_empty && cb_conf_active_locked(u->conf) <= 1);
}

static void set_hear(struct cb_user *u, bool hear)
{
	pthread_mutex_lock(&u->conf->lock);
	u->hear = hear;
	pthread_mutex_unlock(&u->conf->lock);
}

/* A prompt nobody can interrupt; EPIPE on hangup. */
static int play_plain(struct ly_channel *chan, const char *name)
{
	char digit;

	return ly_file_play(chan, name, NULL, &digit);
}

bool cb_user_play(struct cb_user *u, const char *name, const char *stop, char *digit)
{
	char scratch;

	if (!digit)
		digit = &scratch;
	*digit = 0;
	if (!name || !name[0])
		return true;
	set_hear(u, false);
	return ly_file_play(u->chan, name, stop, digit) != EPIPE;
}

static bool say_number(struct cb_user *u, unsigned n)
{
	char num[32];
	struct ly_app *app = ly_app_acquire("SayNumber");

	snprintf(num, sizeof(num), "%u", n);
	set_hear(u, false);
	if (app) {	/* app_say is loaded */
		ly_app_release(app);
		return ly_app_exec(u->chan, "SayNumber", num) == 0;
	}
	snprintf(num, sizeof(num), "digits/%u", n);
	return cb_user_play(u, num, NULL, NULL);
}

bool cb_user_say_count(struct cb_user *u)
{
	unsigned others;

	pthread_mutex_lock(&u->conf->lock);
	others = cb_conf_active_locked(u->conf) - (u->waiting ? 0 : 1);
	pthread_mutex_unlock(&u->conf->lock);
	if (others == 0)
		return cb_user_play(u, cb_sound(u->conf, CB_SND_ONLY_PERSON), NULL, NULL);
	if (others == 1)
		return cb_user_play(u, cb_sound(u->conf, CB_SND_ONLY_ONE), NULL, NULL);
	return cb_user_play(u, cb_sound(u->conf, CB_SND_THERE_ARE), NULL, NULL) &&
	       say_number(u, others) &&
	       cb_user_play(u, cb_sound(u->conf, CB_SND_OTHER_IN_PARTY), NULL, NULL);
}

/* ---- before joining ---- */

/* PIN_TRIES attempts; true when the PIN was right. */
static bool ask_pin(struct cb_user *u, const struct cb_bridge_profile *b)
{
	const char *get = b->sounds[CB_SND_GET_PIN][0] ? b->sounds[CB_SND_GET_PIN]
						      : cb_sound_default(CB_SND_GET_PIN);
	const char *bad = b->sounds[CB_SND_INVALID_PIN][0] ? b->sounds[CB_SND_INVALID_PIN]
							   : cb_sound_default(CB_SND_INVALID_PIN);

	for (int t = 0; t < PIN_TRIES; t++) {
		char guess[CB_NAME_LEN] = "", d = 0;
		size_t n = 0;

		if (ly_file_play(u->chan, get, "0123456789*#", &d) == EPIPE)
			return false;
		for (;;) {
			int got = d ? d : ly_pbx_wait_digit(u->chan, PIN_DIGIT_MS);

			d = 0;
			if (got < 0)
				return false;
			if (got == 0 || got == '#' || n + 1 >= sizeof(guess))
				break;
			guess[n++] = (char)got;
			guess[n] = '\0';
		}
		if (strcmp(guess, u->prof.pin) == 0)
			return true;
		ly_verbose(3, "%s: wrong conference PIN (try %d of %d)", ly_chan_name(u->chan),
			   t + 1, PIN_TRIES);
		if (play_plain(u->chan, bad) == EPIPE)
			return false;
	}
	ly_notice("%s: conference PIN refused after %d tries", ly_chan_name(u->chan), PIN_TRIES);
	return false;
}

/* announce_join_leave: the caller's name, recorded with Record(). */
static void record_name(struct cb_user *u)
{
	const char *spool = ly_dirs()->spooldir;
	char dir[CB_PATH_LEN], safe[CB_NAME_LEN], args[CB_PATH_LEN * 2];

	cb_safe_name(ly_chan_uniqueid(u->chan), safe, sizeof(safe));
	/* Too long a spool path: no name, rather than a cut one. */
	if ((size_t)snprintf(dir, sizeof(dir), "%s/confbridge", spool) >= sizeof(dir) ||
	    (size_t)snprintf(u->name_rec, sizeof(u->name_rec), "%s/name-%s", dir, safe) >=
		    sizeof(u->name_rec) - 8) {
		u->name_rec[0] = '\0';
		return;
	}
	mkdir(dir, 0750);
	play_plain(u->chan, "vm-rec-name");
	snprintf(args, sizeof(args), "%s.wav,2,5,q", u->name_rec);
	if (ly_app_exec(u->chan, "Record", args) != 0) {
		u->name_rec[0] = '\0';
		return;
	}
	/* The file is then played by its full path without extension. */
	snprintf(args, sizeof(args), "%s.wav", u->name_rec);
	if (access(args, R_OK) != 0)
		u->name_rec[0] = '\0';
}

/* A recorded name nobody will play (quiet, refused, PIN failed) is deleted now. */
static void drop_name(struct cb_user *u)
{
	char path[CB_PATH_LEN + 8];

	if (!u->name_rec[0])
		return;
	snprintf(path, sizeof(path), "%s.wav", u->name_rec);
	unlink(path);
	u->name_rec[0] = '\0';
}

/* ---- joining and leaving ---- */

static void add_user_locked(struct cb_conf *c, struct cb_user *u)
{
	if (c->n_users == c->cap_users) {
		c->cap_users = c->cap_users ? c->cap_users * 2 : 8;
		c->users = ly_realloc(c->users, c->cap_users * sizeof(*c->users));
	}
	c->users[c->n_users++] = u;
}

static void remove_user_locked(struct cb_conf *c, struct cb_user *u)
{
	for (size_t i = 0; i < c->n_users; i++)
		if (c->users[i] == u) {
			memmove(&c->users[i], &c->users[i + 1],
				(c->n_users - i - 1) * sizeof(*c->users));
			c->n_users--;
			return;
		}
}

/* Join, unless locked or full (admins still get in).  0 or EACCES. */
static int join(struct cb_conf *c, struct cb_user *u)
{
	pthread_mutex_lock(&c->lock);
	if (!u->prof.admin &&
	    (c->locked || (c->prof.max_members && cb_conf_active_locked(c) >= c->prof.max_members))) {
		pthread_mutex_unlock(&c->lock);
		return EACCES;
	}
	u->conf = c;
	u->muted = u->prof.startmuted;
	u->fmt = ly_chan_native_format(u->chan);
	u->rtp = chan_rtp(u->chan);
	u->waiting = u->prof.wait_marked && !u->prof.marked && c->marked == 0;
	if (u->prof.marked && c->marked++ == 0) {
		/* The first marked user: those waiting come in. */
		for (size_t i = 0; i < c->n_users; i++)
			if (c->users[i]->waiting) {
				c->users[i]->waiting = false;
				c->waiting--;
				cb_user_poke(c->users[i]);
			}
	}
	c->waiting += u->waiting;
	u->join_ms = ly_now_ms();
	add_user_locked(c, u);
	cb_conf_update_rate_locked(c);
	pthread_mutex_lock(&u->in_lock);
	u->in_rate = c->rate;
	pthread_mutex_unlock(&u->in_lock);
	/* Others' music on hold may have to stop now. */
	for (size_t i = 0; i < c->n_users; i++)
		if (c->users[i] != u)
			cb_user_poke(c->users[i]);
	pthread_mutex_unlock(&c->lock);
	ly_verbose(3, "%s joined conference '%s' (%s%s%s%s)", ly_chan_name(u->chan), c->name,
		   u->prof.name, u->prof.admin ? ", admin" : "", u->prof.marked ? ", marked" : "",
		   u->waiting ? ", waiting for a marked user" : "");
	return 0;
}

static void leave(struct cb_conf *c, struct cb_user *u)
{
	pthread_mutex_lock(&c->lock);
	remove_user_locked(c, u);
	c->waiting -= u->waiting;
	if (u->prof.marked && --c->marked == 0) {
		/* The last marked user left: end_marked users go, wait_marked
		 * users wait again. */
		for (size_t i = 0; i < c->n_users; i++) {
			struct cb_user *o = c->users[i];

			if (o->prof.end_marked) {
				o->kicked = o->end_marked_kick = true;
			} else if (o->prof.wait_marked && !o->prof.marked && !o->waiting) {
				o->waiting = true;
				c->waiting++;
			}
			cb_user_poke(o);
		}
	}
	for (size_t i = 0; i < c->n_users; i++)
		cb_user_poke(c->users[i]);
	if (u->own) {
		cb_resampler_free(u->own->rs);
		ly_trans_path_free(u->own->enc);
		ly_frame_free(u->own->frame);
		ly_frame_free(u->own->silence);
		free(u->own);
		u->own = NULL;
	}
	while (u->n_pending)
		ly_frame_free(u->pending[--u->n_pending]);
	cb_conf_update_rate_locked(c);
	pthread_mutex_unlock(&c->lock);
	ly_verbose(3, "%s left conference '%s'", ly_chan_name(u->chan), c->name);
}

/* ---- in the conference ---- */

static void tap_audio(void *arg, const struct ly_frame *f);

/* dtmf_passthrough (Asterisk: the digits no menu entry took go to the
 * bridge): each other participant's thread sends them on its channel, in
 * its own way (RFC 4733, in-band or SIP INFO, as its dtmfmode says). */
void cb_conf_pass_digits(struct cb_user *u, const char *digits)
{
	struct cb_conf *c = u->conf;
	size_t len = strlen(digits);

	if (!u->prof.dtmf_passthrough || !len)
		return;
	ly_verbose(3, "%s: DTMF '%s' passed to conference '%s'", ly_chan_name(u->chan), digits,
		   c->name);
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_users; i++) {
		struct cb_user *o = c->users[i];

		if (o == u || o->away)
			continue;
		if (o->n_dtmf_out + len >= sizeof(o->dtmf_out))	/* not sent yet: drop */
			continue;
		memcpy(o->dtmf_out + o->n_dtmf_out, digits, len);
		o->n_dtmf_out += len;
		cb_user_poke(o);
	}
	pthread_mutex_unlock(&c->lock);
}

/* On the participant's thread: the digits others passed to it. */
static void send_digits(struct cb_user *u, const char *digits)
{
	for (; *digits; digits++) {
		struct ly_frame *f = ly_frame_dtmf_new(LY_FRAME_DTMF_END, *digits, 100);

		ly_chan_write(u->chan, f);
		ly_frame_free(f);
	}
}

void cb_user_step_out(struct cb_user *u)
{
	if (u->tapped)	/* the dialplan's applications read the channel */
		ly_rtp_set_audio_tap(u->rtp, NULL, NULL);
	pthread_mutex_lock(&u->conf->lock);
	u->away = true;
	u->hear = false;
	while (u->n_pending)
		ly_frame_free(u->pending[--u->n_pending]);
	u->n_dtmf_out = 0;
	pthread_mutex_unlock(&u->conf->lock);
	pthread_mutex_lock(&u->in_lock);
	u->in.len = 0;
	u->talking = u->vad.talking = false;
	pthread_mutex_unlock(&u->in_lock);
	ly_verbose(3, "%s left the mix of conference '%s' for the dialplan", ly_chan_name(u->chan),
		   u->conf->name);
}

void cb_user_step_in(struct cb_user *u)
{
	pthread_mutex_lock(&u->conf->lock);
	u->away = false;
	pthread_mutex_unlock(&u->conf->lock);
	if (u->tapped && ly_rtp_set_audio_tap(u->rtp, tap_audio, u) != 0)
		u->tapped = false;	/* its thread reads the audio again */
	ly_verbose(3, "%s is back in the mix of conference '%s'", ly_chan_name(u->chan),
		   u->conf->name);
}

/* Start or stop music on hold as the conference asks; keeps `hear` right. */
static void follow_state(struct cb_user *u, bool *moh, bool *was_waiting)
{
	bool want, waiting, hear;

	pthread_mutex_lock(&u->conf->lock);
	want = wants_moh_locked(u);
	waiting = u->waiting;
	pthread_mutex_unlock(&u->conf->lock);
	if (*was_waiting && !waiting && !u->prof.quiet)
		cb_user_play(u, cb_sound(u->conf, CB_SND_PLACE_INTO_CONFERENCE), NULL, NULL);
	*was_waiting = waiting;
	if (want && !*moh) {
		set_hear(u, false);
		*moh = ly_moh_start(u->chan, u->prof.moh_class[0] ? u->prof.moh_class : NULL) == 0;
	} else if (!want && *moh) {
		ly_moh_stop(u->chan);
		*moh = false;
	}
	/* A prompt may have replaced the music: start it again. */
	if (want && *moh && !ly_chan_gen_active(u->chan, NULL))
		*moh = ly_moh_start(u->chan, u->prof.moh_class[0] ? u->prof.moh_class : NULL) == 0;
	/* Only this thread changes `hear`, so it may read it unlocked. */
	hear = !*moh && !waiting;
	if (hear != u->hear)
		set_hear(u, hear);
}

/* On the RTP worker: the participant's audio, jitter-buffered. */
static void tap_audio(void *arg, const struct ly_frame *f)
{
	struct cb_user *u = arg;
	struct cb_conf *c = u->conf;

	/* Nobody hears a participant alone in an unrecorded conference: skip
	 * the decoding, so a room of one costs next to nothing.  Read without
	 * the conference lock (the worker must not wait on the mixer): at
	 * worst one frame is decoded for nothing or missed as someone joins. */
	if (__atomic_load_n(&c->n_users, __ATOMIC_RELAXED) <= 1 &&
	    !__atomic_load_n(&c->rec, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&c->ann_head, __ATOMIC_RELAXED))
		return;
	if (f->type == LY_FRAME_VOICE)
		push_input(u, f);
}

/* How long the thread may sleep: with the tap only digits, controls and
 * pokes wake it (and a menu's wait); without, it reads the audio. */
static int wait_ms(const struct cb_user *u, const struct cb_menu_state *menu)
{
	uint64_t now;

	if (!u->tapped)
		return (int)u->conf->prof.mixing_interval;
	if (!menu->deadline_ms)
		return 1000;
	now = ly_now_ms();
	return menu->deadline_ms > now ? (int)(menu->deadline_ms - now) + 1 : 0;
}

static enum result run(struct cb_user *u)
{
	struct cb_menu_state menu = { 0 };
	bool moh = false, was_waiting = u->waiting;

	for (;;) {
		struct ly_frame *f, *pending[CB_PENDING_MAX];
		char digits[CB_DTMF_LEN];
		unsigned n_pending;
		bool kicked, endm;

		follow_state(u, &moh, &was_waiting);
		f = ly_chan_read(u->chan, wait_ms(u, &menu));
		if (ly_chan_check_hangup(u->chan) ||
		    (f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP)) {
			ly_frame_free(f);
			return R_HANGUP;
		}
		pthread_mutex_lock(&u->conf->lock);
		kicked = u->kicked;
		endm = u->end_marked_kick;
		n_pending = u->n_pending;
		memcpy(pending, u->pending, n_pending * sizeof(pending[0]));
		u->n_pending = 0;
		memcpy(digits, u->dtmf_out, u->n_dtmf_out);
		digits[u->n_dtmf_out] = '\0';
		u->n_dtmf_out = 0;
		pthread_mutex_unlock(&u->conf->lock);
		for (unsigned i = 0; i < n_pending; i++) {	/* no RTP: this thread writes the mix */
			ly_chan_write(u->chan, pending[i]);
			ly_frame_free(pending[i]);
		}
		send_digits(u, digits);
		if (kicked) {
			ly_frame_free(f);
			if (moh)
				ly_moh_stop(u->chan);
			cb_user_play(u, cb_sound(u->conf, endm ? CB_SND_LEADER_HAS_LEFT : CB_SND_KICKED),
				     NULL, NULL);
			return endm ? R_ENDMARKED : R_KICKED;
		}
		if (f && f->type == LY_FRAME_VOICE && !u->tapped)
			push_input(u, f);
		else if (f && f->type == LY_FRAME_DTMF_END && u->menu) {
			if (!cb_menu_digit(u, &menu, f->digit)) {
				ly_frame_free(f);
				return ly_chan_check_hangup(u->chan) ? R_HANGUP : R_DTMF;
			}
		} else if (f && f->type == LY_FRAME_DTMF_END && u->prof.dtmf_passthrough) {
			char d[2] = { f->digit, '\0' };

			cb_conf_pass_digits(u, d);
		}
		ly_frame_free(f);
		if (!cb_menu_timeout(u, &menu))
			return ly_chan_check_hangup(u->chan) ? R_HANGUP : R_DTMF;
	}
}

/* ---- the application ---- */

static void user_free(struct cb_user *u)
{
	pthread_mutex_destroy(&u->in_lock);
	cb_ring_free(&u->in);
	ly_trans_path_free(u->dec);
	cb_resampler_free(u->in_rs);
	if (u->denoise)
		speex_preprocess_state_destroy(u->denoise);
	cb_config_put(u->cfg);
	free(u);
}

static int finish(struct ly_channel *chan, enum result r)
{
	ly_chan_var_set(chan, "CONFBRIDGE_RESULT", result_names[r]);
	return r == R_HANGUP || r == R_FAILED ? -1 : 0;
}

int cb_confbridge_exec(struct ly_channel *chan, const char *args)
{
	char *copy = ly_strdup(args ? args : ""), *argv[4] = { 0 };
	int argc = ly_app_split_args(copy, argv, 4);
	const char *bname = argc > 1 && argv[1][0] ? argv[1] : "default_bridge";
	const char *uname = argc > 2 && argv[2][0] ? argv[2] : "default_user";
	const char *mname = argc > 3 && argv[3][0] ? argv[3] : NULL;
	struct cb_config *cfg = cb_config_get();
	const struct cb_bridge_profile *bp = cb_config_bridge(cfg, bname);
	const struct cb_user_profile *up = cb_config_user(cfg, uname);
	const struct cb_menu *menu = mname ? cb_config_menu(cfg, mname) : NULL;
	struct cb_bridge_profile bprof;
	struct cb_user *u;
	struct cb_conf *c;
	enum result r;

	if (argc < 1 || !argv[0][0] || strlen(argv[0]) >= CB_NAME_LEN) {
		ly_warning("%s: ConfBridge requires a conference name (at most %d characters)",
			   ly_chan_name(chan), CB_NAME_LEN - 1);
		r = R_FAILED;
	} else if (!bp || !up || (mname && !menu)) {
		ly_warning("%s: ConfBridge: conference %s profile '%s' does not exist",
			   ly_chan_name(chan), !bp ? "bridge" : !up ? "user" : "menu",
			   !bp ? bname : !up ? uname : mname);
		r = R_FAILED;
	} else {
		r = R_HANGUP;
	}
	if (r == R_FAILED) {
		cb_config_put(cfg);
		free(copy);
		return finish(chan, r);
	}
	bprof = *bp;
	u = ly_calloc(1, sizeof(*u));
	u->chan = chan;
	u->prof = *up;
	u->menu = menu;
	u->cfg = cfg;
	cb_func_apply(chan, &bprof, &u->prof);
	pthread_mutex_init(&u->in_lock, NULL);
	cb_ring_init(&u->in, RING_SAMPLES);
	u->vad = (struct cb_vad){ .threshold = u->prof.talking_threshold,
				  .hangover_ms = u->prof.silence_threshold_ms };
	if (ly_chan_state(chan) != LY_STATE_UP)
		ly_chan_answer(chan);

	if (u->prof.pin[0] && !ask_pin(u, &bprof)) {
		r = ly_chan_check_hangup(chan) ? R_HANGUP : R_FAILED;
		goto out;
	}
	if (u->prof.announce_join_leave)
		record_name(u);
	c = cb_conf_get(argv[0], &bprof);
	if (join(c, u)) {
		ly_notice("%s: conference '%s' is %s: refused", ly_chan_name(chan), c->name,
			  c->locked ? "locked" : "full");
		play_plain(chan, cb_sound(c, CB_SND_LOCKED));
		cb_conf_put(c);
		r = R_FAILED;
		goto out;
	}
	if (!u->prof.quiet) {
		unsigned active;

		pthread_mutex_lock(&c->lock);
		active = cb_conf_active_locked(c);
		pthread_mutex_unlock(&c->lock);
		if (u->waiting)
			cb_user_play(u, cb_sound(c, CB_SND_WAIT_FOR_LEADER), NULL, NULL);
		else if (active <= 1 && u->prof.announce_only_user)
			cb_user_play(u, cb_sound(c, CB_SND_ONLY_PERSON), NULL, NULL);
		else if (u->prof.announce_user_count)
			cb_user_say_count(u);
		if (u->name_rec[0]) {
			cb_conf_announce(c, u->name_rec);
			cb_conf_announce(c, cb_sound(c, CB_SND_HAS_JOINED));
		} else if (active > 1) {
			cb_conf_announce(c, cb_sound(c, CB_SND_JOIN));
		}
	}
	if (c->prof.record_conference) {	/* the profile that made the conference */
		pthread_mutex_lock(&c->lock);
		cb_record_start_locked(c, "");
		pthread_mutex_unlock(&c->lock);
	}
	/* The RTP worker decodes this participant's audio from now on. */
	u->tapped = u->rtp && ly_rtp_set_audio_tap(u->rtp, tap_audio, u) == 0;
	r = run(u);
	if (u->tapped)
		ly_rtp_set_audio_tap(u->rtp, NULL, NULL);	/* idle once it returns */
	ly_moh_stop(chan);
	leave(c, u);
	if (!u->prof.quiet) {
		if (u->name_rec[0]) {
			/* The mixer deletes the name once it opened it to play. */
			cb_conf_announce_name(c, u->name_rec);
			u->name_rec[0] = '\0';
			cb_conf_announce(c, cb_sound(c, CB_SND_HAS_LEFT));
		} else {
			cb_conf_announce(c, cb_sound(c, CB_SND_LEAVE));
		}
	}
	cb_conf_put(c);
out:
	drop_name(u);
	free(copy);
	user_free(u);
	return finish(chan, r);
}
