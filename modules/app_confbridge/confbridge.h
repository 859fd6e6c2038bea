/*
 * modules/app_confbridge/confbridge.h - what the files of app_confbridge
 * share: profiles and menus (conf_config.c), the mixing arithmetic
 * (conf_mix.c), conferences and their registry (conf_registry.c), the
 * mixer thread (conf_mixer.c), participants (conf_user.c), menus
 * (conf_menu.c), recording (conf_record.c), the console (conf_cli.c) and
 * the dialplan functions (conf_func.c).  README.md explains the design.
 *
 * Locks, in this order: the registry lock, then a conference's lock, then
 * a participant's input lock.  The mixer takes a conference's lock for one
 * tick; a participant's thread takes its own input lock for each frame it
 * pushes, and the conference lock only to join, leave or change state.
 */
#ifndef APP_CONFBRIDGE_H
#define APP_CONFBRIDGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ly_channel;
struct ly_config;
struct ly_format;
struct ly_frame;
struct ly_trans_path;
struct ly_rtp;
struct ly_file;
struct ly_file_writer;
struct ly_module;

#define CB_NAME_LEN 80
#define CB_PATH_LEN 256
#define CB_MAX_RATE 48000
/* The longest block one tick mixes: 40 ms at 48 kHz. */
#define CB_MAX_BLOCK (CB_MAX_RATE / 25)
/*
 * The packet time every participant receives, whatever the mixing
 * interval: Lyre's SIP legs offer a=ptime:20 and their RTP workers send
 * 20 ms, so 20 ms is what each one negotiated.  A 40 ms tick is sent as
 * two packets (back to back, as Asterisk's RTP smoother does), two 10 ms
 * ticks as one.
 */
#define CB_PTIME_MS 20
/* Frames kept for a participant without an RTP session (Local). */
#define CB_PENDING_MAX 4

/* ---- profiles and menus (conf_config.c) ---- */

enum cb_sound {
	CB_SND_JOIN, CB_SND_LEAVE, CB_SND_HAS_JOINED, CB_SND_HAS_LEFT, CB_SND_KICKED,
	CB_SND_MUTED, CB_SND_UNMUTED, CB_SND_ONLY_PERSON, CB_SND_ONLY_ONE, CB_SND_THERE_ARE,
	CB_SND_OTHER_IN_PARTY, CB_SND_PLACE_INTO_CONFERENCE, CB_SND_WAIT_FOR_LEADER,
	CB_SND_LEADER_HAS_LEFT, CB_SND_GET_PIN, CB_SND_INVALID_PIN, CB_SND_LOCKED,
	CB_SND_LOCKED_NOW, CB_SND_UNLOCKED_NOW, CB_SND_ERROR_MENU, CB_SND_BEGIN,
	CB_SND_COUNT
};
/* "sound_join" -> CB_SND_JOIN; -1 when unknown. */
int cb_sound_by_option(const char *option);
const char *cb_sound_option(enum cb_sound s);
const char *cb_sound_default(enum cb_sound s);

struct cb_bridge_profile {
	char name[CB_NAME_LEN];
	unsigned max_members;		/* 0: no limit */
	unsigned mixing_interval;	/* ms: 10, 20 or 40 */
	unsigned internal_rate;		/* 0: auto (the best rate among participants) */
	bool record_conference;
	char record_file[CB_PATH_LEN];	/* "": confbridge-<name>-<time>.wav */
	char sounds[CB_SND_COUNT][CB_PATH_LEN];	/* "": the default prompt */
};

struct cb_user_profile {
	char name[CB_NAME_LEN];
	bool admin, marked, startmuted, wait_marked, end_marked;
	bool music_on_hold_when_empty, quiet, announce_user_count, announce_only_user;
	bool announce_join_leave, dsp_drop_silence, denoise, talk_detection_events;
	bool dtmf_passthrough;
	char pin[CB_NAME_LEN];
	char moh_class[CB_NAME_LEN];	/* "": the channel's class */
	unsigned talking_threshold;	/* mean |sample| that counts as talking */
	unsigned silence_threshold_ms;	/* quiet this long: no longer talking */
};

enum cb_action_type {
	CB_ACT_TOGGLE_MUTE, CB_ACT_LEAVE, CB_ACT_ADMIN_KICK_LAST, CB_ACT_ADMIN_TOGGLE_LOCK,
	CB_ACT_INC_LISTEN, CB_ACT_DEC_LISTEN, CB_ACT_RESET_LISTEN,
	CB_ACT_INC_TALK, CB_ACT_DEC_TALK, CB_ACT_RESET_TALK,
	CB_ACT_PARTICIPANT_COUNT, CB_ACT_PLAYBACK, CB_ACT_PLAYBACK_AND_CONTINUE,
	CB_ACT_DIALPLAN_EXEC, CB_ACT_NOOP,
};

struct cb_action {
	enum cb_action_type type;
	char arg[CB_PATH_LEN];		/* files ('&'), or context,exten,priority */
};

#define CB_MENU_MAX_ACTIONS 4
#define CB_DTMF_LEN 16

struct cb_menu_entry {
	char dtmf[CB_DTMF_LEN];
	struct cb_action actions[CB_MENU_MAX_ACTIONS];
	unsigned n_actions;
};

struct cb_menu {
	char name[CB_NAME_LEN];
	struct cb_menu_entry *entries;
	size_t n;
};

/* A parsed confbridge.conf: immutable once built, swapped whole on reload
 * and reference counted (lookups copy profiles, menus are shared). */
struct cb_config {
	unsigned refs;			/* app_confbridge.c's lock */
	struct cb_bridge_profile *bridges;
	size_t n_bridges;
	struct cb_user_profile *users;
	size_t n_users;
	struct cb_menu *menus;
	size_t n_menus;
};

void cb_bridge_defaults(struct cb_bridge_profile *b, const char *name);
void cb_user_defaults(struct cb_user_profile *u, const char *name);
/*
 * Build profiles and menus from a parsed file (NULL: none; the built-in
 * default_bridge and default_user are always there).  Problems are logged
 * with file:line and the entry skipped; never fails.
 */
struct cb_config *cb_config_build(const struct ly_config *cfg);
void cb_config_free(struct cb_config *c);	/* NULL-safe */
const struct cb_bridge_profile *cb_config_bridge(const struct cb_config *c, const char *name);
const struct cb_user_profile *cb_config_user(const struct cb_config *c, const char *name);
const struct cb_menu *cb_config_menu(const struct cb_config *c, const char *name);
/* Parse one menu value ("toggle_mute,playback(a&b)") into e's actions; 0 or EINVAL. */
int cb_menu_parse_actions(const char *value, struct cb_menu_entry *e);
const char *cb_action_name(enum cb_action_type t);
/* One option set by CONFBRIDGE(type,option)=value on b (type "bridge") or
 * u ("user"); 0 or EINVAL (logged). */
int cb_profile_set(struct cb_bridge_profile *b, struct cb_user_profile *u, const char *type,
		   const char *option, const char *value);

/* Menu matching: the entry for exactly `digits`, and whether some longer
 * entry starts with them. */
const struct cb_menu_entry *cb_menu_match(const struct cb_menu *m, const char *digits,
					  bool *longer);

/* The running configuration (app_confbridge.c); a reference. */
struct cb_config *cb_config_get(void);
void cb_config_put(struct cb_config *c);

/* ---- mixing arithmetic (conf_mix.c) ---- */

/* Mean |sample| of a block: the cheap energy the talking flag uses. */
unsigned cb_energy(const int16_t *s, size_t n);
void cb_sum_add(int32_t *sum, const int16_t *s, size_t n);
/* out = clip16(sum); out = clip16(sum - own) (the N-1 mix). */
void cb_clip(int16_t *out, const int32_t *sum, size_t n);
void cb_clip_minus(int16_t *out, const int32_t *sum, const int16_t *own, size_t n);
/* Scale in place by `step` volume steps (3 dB each, -4..4), clipped. */
void cb_volume(int16_t *s, size_t n, int step);

/* The talking flag with hangover: true while the energy is at or above
 * the threshold, and for hangover_ms after. */
struct cb_vad {
	unsigned threshold;
	unsigned hangover_ms;
	unsigned quiet_ms;
	bool talking;
};
/* Feed one block of ms milliseconds; true when the flag changed. */
bool cb_vad_update(struct cb_vad *v, const int16_t *s, size_t n, unsigned ms);

/* speexdsp resampling between one rate and another (mono, int16). */
struct cb_resampler;
struct cb_resampler *cb_resampler_new(unsigned from, unsigned to);
void cb_resampler_free(struct cb_resampler *r);	/* NULL-safe */
/* Resample n samples into out (room for cap); returns samples written. */
size_t cb_resample(struct cb_resampler *r, const int16_t *in, size_t n, int16_t *out,
		   size_t cap);

/* A FIFO of int16 samples (a participant's decoded input). */
struct cb_ring {
	int16_t *buf;
	size_t cap, head, len;
};
void cb_ring_init(struct cb_ring *r, size_t cap);
void cb_ring_free(struct cb_ring *r);
/* Append; when full the oldest samples go (the mixer is behind). */
void cb_ring_push(struct cb_ring *r, const int16_t *s, size_t n);
/* Take n samples into out when that many are there; false otherwise. */
bool cb_ring_take(struct cb_ring *r, int16_t *out, size_t n);
/* Drop the oldest samples beyond `keep` (bounds the added delay). */
void cb_ring_trim(struct cb_ring *r, size_t keep);

/* The slin format for a rate ("slin", "slin16", "slin48"). */
const char *cb_slin_name(unsigned rate);

/* ---- conferences (conf_registry.c) ---- */

struct cb_user;
struct cb_conf;

/* Output for one codec: the full mix encoded once for every listener in
 * this format who hears it (the non-talkers). */
struct cb_outgroup {
	struct cb_outgroup *next;
	const struct ly_format *fmt;
	const struct ly_format *slin;	/* slin at fmt's rate (looked up once) */
	struct cb_resampler *rs;	/* internal rate -> fmt's rate; NULL when equal */
	struct ly_trans_path *enc;	/* slin at fmt's rate -> fmt; NULL when slin */
	struct ly_frame *frame;		/* this tick's encoding, or NULL */
	struct ly_frame *silence;	/* an encoded quiet block, reused */
	unsigned idle_ticks;
};

/* One prompt played into the whole conference (join/leave, count). */
struct cb_announce {
	struct cb_announce *next;
	char name[CB_PATH_LEN];
	bool remove;			/* a recorded name: deleted once opened or dropped */
};

struct cb_mixstats {
	uint64_t ticks, overruns;
	uint64_t last_us, max_us, total_us;
	unsigned last_talkers;
};

struct cb_conf {
	unsigned refs;			/* registry lock */
	char name[CB_NAME_LEN];
	struct cb_bridge_profile prof;
	pthread_mutex_t lock;
	struct cb_user **users;		/* joined, in join order */
	size_t n_users, cap_users;
	unsigned marked, waiting;	/* marked users present; users waiting for one */
	bool locked;
	bool ended;			/* taken out of the registry */
	unsigned rate;			/* the mixing rate now */
	uint64_t next_due_us;		/* mixer clock */
	uint64_t started;		/* wall clock, s */
	int32_t sum[CB_MAX_BLOCK];
	int16_t full[CB_MAX_BLOCK];
	/* the packet being assembled (CB_PTIME_MS at the mixing rate) */
	int16_t out_full[CB_MAX_BLOCK];
	size_t out_len;			/* samples in it so far */
	bool out_loud;			/* some tick of it was not silence */
	struct cb_outgroup *groups;
	/* announcements into the mix */
	struct cb_announce *ann_head, **ann_tail;
	struct ly_file *ann_file;
	struct ly_trans_path *ann_dec;
	const struct ly_format *ann_src;
	struct cb_resampler *ann_rs;
	unsigned ann_rs_from;
	struct cb_ring ann_ring;
	/* recording (conf_record.c) */
	struct ly_file_writer *rec;
	struct cb_resampler *rec_rs;
	unsigned rec_rate;
	char rec_path[CB_PATH_LEN * 2];
	struct cb_mixstats stats;
};

/* Find or create (with profile b) and hold a reference. */
struct cb_conf *cb_conf_get(const char *name, const struct cb_bridge_profile *b);
/* A reference to an existing conference, or NULL. */
struct cb_conf *cb_conf_find(const char *name);
void cb_conf_put(struct cb_conf *c);
/* Every conference, each with a reference, into a new array; *n set. */
struct cb_conf **cb_conf_all(size_t *n);
void cb_conf_all_free(struct cb_conf **v, size_t n);
size_t cb_conf_count(void);
/* Sleep while there is no conference and keep_going() is true. */
void cb_registry_wait(bool (*keep_going)(void));
void cb_registry_wake(void);
void cb_registry_shutdown(void);

/* Conference lock held: the mixing rate from the profile or participants. */
void cb_conf_update_rate_locked(struct cb_conf *c);
/* Queue a prompt into the whole conference (takes the lock). */
void cb_conf_announce(struct cb_conf *c, const char *name);
/* The same for a recorded name (a full path without ".wav"), which is
 * deleted once it has been opened for playing, or when the conference
 * ends before playing it. */
void cb_conf_announce_name(struct cb_conf *c, const char *path);
/* Delete a's file when it is a recorded name (after opening it: the open
 * file stays readable). */
void cb_announce_remove(const struct cb_announce *a);
/* Lock held: the output group for fmt (created when missing). */
struct cb_outgroup *cb_conf_group_locked(struct cb_conf *c, const struct ly_format *fmt);
void cb_conf_groups_free_locked(struct cb_conf *c);
void cb_conf_announce_free_locked(struct cb_conf *c);

/* ---- the mixer thread (conf_mixer.c) ---- */

int cb_mixer_start(void);
void cb_mixer_stop(void);
/* One tick of conference c at mixing time; lock held.  Public for tests
 * and the benchmark. */
void cb_mix_tick_locked(struct cb_conf *c);

/* ---- participants (conf_user.c) ---- */

struct cb_user {
	struct ly_channel *chan;
	struct cb_conf *conf;
	struct cb_user_profile prof;
	const struct cb_menu *menu;	/* in cfg; NULL: none */
	struct cb_config *cfg;		/* held for the menu */
	uint64_t join_ms;
	char name_rec[CB_PATH_LEN];	/* announce_join_leave recording, or "" */
	/* state, under the conference lock */
	bool muted, waiting, hear, kicked, end_marked_kick;
	bool away;			/* in dialplan_exec: out of the mix */
	char dtmf_out[CB_DTMF_LEN];	/* others' digits (dtmf_passthrough) to send */
	size_t n_dtmf_out;
	int listen_vol, talk_vol;
	/* input, under in_lock */
	pthread_mutex_t in_lock;
	struct cb_ring in;
	struct cb_vad vad;
	bool talking;
	unsigned in_rate;		/* the rate `in` holds */
	/* decoding state: the RTP worker's while tapped, else the thread's */
	bool tapped;			/* audio comes from the RTP session's tap */
	struct ly_trans_path *dec;
	const struct ly_format *dec_src;
	const struct ly_format *dec_dst;
	struct cb_resampler *in_rs;
	unsigned in_rs_from, in_rs_to;
	void *denoise;			/* SpeexPreprocessState */
	unsigned denoise_rate;
	/* mixer-only state (conference lock) */
	struct ly_rtp *rtp;		/* output path; NULL: written by the thread */
	const struct ly_format *fmt;	/* what the channel speaks */
	int16_t blk[CB_MAX_BLOCK];	/* this tick's input */
	bool contributes;		/* in this tick's sum */
	unsigned quiet_ticks;		/* alone: packets since the last keep-alive */
	struct cb_outgroup *own;	/* individual mix: own resampler/encoder */
	/* the packet being assembled when it differs from the full mix */
	int16_t out[CB_MAX_BLOCK];
	bool out_own, out_loud;
	/* for channels without RTP: the newest packets, written by the thread */
	struct ly_frame *pending[CB_PENDING_MAX];
	unsigned n_pending;
};

/* The ConfBridge application. */
int cb_confbridge_exec(struct ly_channel *chan, const char *args);
/* Lock held: users counted as in the conference (not waiting). */
unsigned cb_conf_active_locked(const struct cb_conf *c);
/* Wake a participant's thread (kick, state change). */
void cb_user_poke(struct cb_user *u);
/* Kick: by channel name, "all", or "participants" (not admins); returns how many. */
unsigned cb_conf_kick(struct cb_conf *c, const char *who);
/* Mute or unmute by channel name, "all" or "participants"; returns how many. */
unsigned cb_conf_mute(struct cb_conf *c, const char *who, bool mute);
/* Lock or unlock; 0. */
void cb_conf_set_locked(struct cb_conf *c, bool locked);
/* dialplan_exec: take the participant out of the mix (others no longer
 * hear it, it hears nothing, its channel gets its audio back) and put it
 * back. */
void cb_user_step_out(struct cb_user *u);
void cb_user_step_in(struct cb_user *u);
/* dtmf_passthrough: digits from u for every other participant. */
void cb_conf_pass_digits(struct cb_user *u, const char *digits);
/* Lock held: the frames a participant without RTP is due (the mixer
 * appends, its thread takes); takes ownership of f. */
void cb_user_pending_add_locked(struct cb_user *u, struct ly_frame *f);

/* ---- menus (conf_menu.c) ---- */

struct cb_menu_state {
	char digits[CB_DTMF_LEN];
	size_t n;
	uint64_t deadline_ms;		/* 0: not collecting */
};
/* A digit from the participant; may run actions.  Returns false when the
 * participant must leave. */
bool cb_menu_digit(struct cb_user *u, struct cb_menu_state *st, char digit);
/* Call on every wake-up: runs a pending exact match whose wait ran out. */
bool cb_menu_timeout(struct cb_user *u, struct cb_menu_state *st);
/* Play a prompt (sound override applied) to one participant, out of the mix
 * while it plays; returns false on hangup. */
bool cb_user_play(struct cb_user *u, const char *name, const char *stop, char *digit);
const char *cb_sound(const struct cb_conf *c, enum cb_sound s);
/* The participant count prompts ("conf-thereare N conf-otherinparty"). */
bool cb_user_say_count(struct cb_user *u);

/* ---- recording (conf_record.c) ---- */

/* Start recording to `file` ("" the profile's or a default name); 0, EALREADY or errno. */
int cb_record_start_locked(struct cb_conf *c, const char *file);
void cb_record_stop_locked(struct cb_conf *c);
/* Lock held: write this tick's full mix. */
void cb_record_write_locked(struct cb_conf *c, const int16_t *mix, size_t n);
/* A conference name made safe for a file name (path characters become '_'). */
void cb_safe_name(const char *in, char *out, size_t len);

/* ---- console and functions ---- */

int cb_cli_register(struct ly_module *self);
int cb_func_register(struct ly_module *self);
/* Apply the channel's CONFBRIDGE() settings on top of the chosen profiles. */
void cb_func_apply(struct ly_channel *chan, struct cb_bridge_profile *b,
		   struct cb_user_profile *u);

/* The module, held by the mixer's work (app_confbridge.c). */
extern struct ly_module *cb_self;

#endif
