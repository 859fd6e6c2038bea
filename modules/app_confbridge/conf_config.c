/*
 * modules/app_confbridge/conf_config.c - confbridge.conf: bridge and user
 * profiles and DTMF menus, in Asterisk's syntax.
 *
 *   [name]  type=bridge | type=user | type=menu   (templates work as anywhere)
 *
 * default_bridge and default_user always exist (built in; a section of that
 * name replaces the built-in one).  An unknown option, a bad value or a bad
 * menu entry is logged with file:line and skipped, so one typo never costs
 * the whole file; a section without a known type is skipped the same way.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "confbridge.h"

static const struct {
	const char *option, *dflt;
} sounds[CB_SND_COUNT] = {
	[CB_SND_JOIN] = { "sound_join", "confbridge-join" },
	[CB_SND_LEAVE] = { "sound_leave", "confbridge-leave" },
	[CB_SND_HAS_JOINED] = { "sound_has_joined", "conf-hasjoin" },
	[CB_SND_HAS_LEFT] = { "sound_has_left", "conf-hasleft" },
	[CB_SND_KICKED] = { "sound_kicked", "conf-kicked" },
	[CB_SND_MUTED] = { "sound_muted", "conf-muted" },
	[CB_SND_UNMUTED] = { "sound_unmuted", "conf-unmuted" },
	[CB_SND_ONLY_PERSON] = { "sound_only_person", "conf-onlyperson" },
	[CB_SND_ONLY_ONE] = { "sound_only_one", "conf-onlyone" },
	[CB_SND_THERE_ARE] = { "sound_there_are", "conf-thereare" },
	[CB_SND_OTHER_IN_PARTY] = { "sound_other_in_party", "conf-otherinparty" },
	[CB_SND_PLACE_INTO_CONFERENCE] = { "sound_place_into_conference", "conf-placeintoconf" },
	[CB_SND_WAIT_FOR_LEADER] = { "sound_wait_for_leader", "conf-waitforleader" },
	[CB_SND_LEADER_HAS_LEFT] = { "sound_leader_has_left", "conf-leaderhasleft" },
	[CB_SND_GET_PIN] = { "sound_get_pin", "conf-getpin" },
	[CB_SND_INVALID_PIN] = { "sound_invalid_pin", "conf-invalidpin" },
	[CB_SND_LOCKED] = { "sound_locked", "conf-locked" },
	[CB_SND_LOCKED_NOW] = { "sound_locked_now", "conf-lockednow" },
	[CB_SND_UNLOCKED_NOW] = { "sound_unlocked_now", "conf-unlockednow" },
	[CB_SND_ERROR_MENU] = { "sound_error_menu", "conf-errormenu" },
	[CB_SND_BEGIN] = { "sound_begin", "confbridge-conf-begin" },
};

int cb_sound_by_option(const char *option)
{
	for (int i = 0; i < CB_SND_COUNT; i++)
		if (ly_strcaseeq(option, sounds[i].option))
			return i;
	return -1;
}

const char *cb_sound_option(enum cb_sound s)
{
	return sounds[s].option;
}

const char *cb_sound_default(enum cb_sound s)
{
	return sounds[s].dflt;
}

void cb_bridge_defaults(struct cb_bridge_profile *b, const char *name)
{
	*b = (struct cb_bridge_profile){ .mixing_interval = 20 };
	ly_strlcpy(b->name, name, sizeof(b->name));
}

void cb_user_defaults(struct cb_user_profile *u, const char *name)
{
	/* Asterisk's defaults: announce_only_user=yes, talking threshold 160,
	 * silence threshold 2500 ms. */
	*u = (struct cb_user_profile){ .announce_only_user = true, .talking_threshold = 160,
				       .silence_threshold_ms = 2500 };
	ly_strlcpy(u->name, name, sizeof(u->name));
}

/* Problems logged on this thread (CONFBRIDGE() tells its caller). */
static __thread unsigned bad_count;

static void bad(const struct ly_cfg_var *v, const char *why)
{
	bad_count++;
	ly_warning("%s:%d: confbridge: '%s = %s': %s; ignored", v->file, v->line, v->name,
		   v->value, why);
}

static bool num(const struct ly_cfg_var *v, long min, long max, unsigned *out)
{
	long n;

	if (ly_parse_int(v->value, min, max, &n)) {
		bad(v, "not a number in range");
		return false;
	}
	*out = (unsigned)n;
	return true;
}

static void bridge_option(struct cb_bridge_profile *b, const struct ly_cfg_var *v)
{
	int snd = cb_sound_by_option(v->name);
	unsigned n;

	if (ly_strcaseeq(v->name, "type"))
		return;
	if (snd >= 0) {
		ly_strlcpy(b->sounds[snd], v->value, sizeof(b->sounds[snd]));
	} else if (ly_strcaseeq(v->name, "max_members")) {
		if (num(v, 0, 100000, &n))
			b->max_members = n;
	} else if (ly_strcaseeq(v->name, "mixing_interval")) {
		if (num(v, 10, 40, &n) && (n == 10 || n == 20 || n == 40))
			b->mixing_interval = n;
		else
			bad(v, "mixing_interval is 10, 20 or 40");
	} else if (ly_strcaseeq(v->name, "internal_sample_rate")) {
		if (ly_strcaseeq(v->value, "auto"))
			b->internal_rate = 0;
		else if (num(v, 8000, 48000, &n) && (n == 8000 || n == 16000 || n == 48000))
			b->internal_rate = n;
		else
			bad(v, "internal_sample_rate is auto, 8000, 16000 or 48000");
	} else if (ly_strcaseeq(v->name, "record_conference")) {
		b->record_conference = ly_true(v->value);
	} else if (ly_strcaseeq(v->name, "record_file")) {
		ly_strlcpy(b->record_file, v->value, sizeof(b->record_file));
	} else {
		bad(v, "unknown bridge profile option");
	}
}

/* Boolean user options, by name. */
#define UBOOL(opt) { #opt, offsetof(struct cb_user_profile, opt) }
static const struct {
	const char *name;
	size_t off;
} user_bools[] = {
	UBOOL(admin), UBOOL(marked), UBOOL(startmuted), UBOOL(wait_marked), UBOOL(end_marked),
	UBOOL(music_on_hold_when_empty), UBOOL(quiet), UBOOL(announce_user_count),
	UBOOL(announce_only_user), UBOOL(announce_join_leave), UBOOL(dsp_drop_silence),
	UBOOL(denoise), UBOOL(talk_detection_events), UBOOL(dtmf_passthrough),
};

static void user_option(struct cb_user_profile *u, const struct ly_cfg_var *v)
{
	unsigned n;

	if (ly_strcaseeq(v->name, "type"))
		return;
	for (size_t i = 0; i < sizeof(user_bools) / sizeof(user_bools[0]); i++)
		if (ly_strcaseeq(v->name, user_bools[i].name)) {
			*(bool *)((char *)u + user_bools[i].off) = ly_true(v->value);
			return;
		}
	if (ly_strcaseeq(v->name, "pin")) {
		if (strspn(v->value, "0123456789*#") != strlen(v->value))
			bad(v, "a PIN is digits");
		else
			ly_strlcpy(u->pin, v->value, sizeof(u->pin));
	} else if (ly_strcaseeq(v->name, "music_on_hold_class")) {
		ly_strlcpy(u->moh_class, v->value, sizeof(u->moh_class));
	} else if (ly_strcaseeq(v->name, "dsp_talking_threshold")) {
		if (num(v, 0, 32767, &n))
			u->talking_threshold = n;
	} else if (ly_strcaseeq(v->name, "dsp_silence_threshold")) {
		if (num(v, 0, 60000, &n))
			u->silence_threshold_ms = n;
	} else {
		bad(v, "unknown user profile option");
	}
}

int cb_profile_set(struct cb_bridge_profile *b, struct cb_user_profile *u, const char *type,
		   const char *option, const char *value)
{
	struct ly_cfg_var v = { .name = (char *)option, .value = (char *)value,
				.file = "CONFBRIDGE()", .line = 0 };
	unsigned before = bad_count;

	if (ly_strcaseeq(type, "bridge"))
		bridge_option(b, &v);
	else if (ly_strcaseeq(type, "user"))
		user_option(u, &v);
	else
		return EINVAL;
	return bad_count == before ? 0 : EINVAL;
}

/* ---- menus ---- */

static const struct {
	const char *name;
	enum cb_action_type type;
	int args;	/* 0 none, 1 required */
} actions[] = {
	{ "toggle_mute", CB_ACT_TOGGLE_MUTE, 0 },
	{ "leave_conference", CB_ACT_LEAVE, 0 },
	{ "admin_kick_last", CB_ACT_ADMIN_KICK_LAST, 0 },
	{ "admin_toggle_conference_lock", CB_ACT_ADMIN_TOGGLE_LOCK, 0 },
	{ "increase_listening_volume", CB_ACT_INC_LISTEN, 0 },
	{ "decrease_listening_volume", CB_ACT_DEC_LISTEN, 0 },
	{ "reset_listening_volume", CB_ACT_RESET_LISTEN, 0 },
	{ "increase_talking_volume", CB_ACT_INC_TALK, 0 },
	{ "decrease_talking_volume", CB_ACT_DEC_TALK, 0 },
	{ "reset_talking_volume", CB_ACT_RESET_TALK, 0 },
	{ "participant_count", CB_ACT_PARTICIPANT_COUNT, 0 },
	{ "playback", CB_ACT_PLAYBACK, 1 },
	{ "playback_and_continue", CB_ACT_PLAYBACK_AND_CONTINUE, 1 },
	{ "dialplan_exec", CB_ACT_DIALPLAN_EXEC, 1 },
	{ "no_op", CB_ACT_NOOP, 0 },
};

const char *cb_action_name(enum cb_action_type t)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].type == t)
			return actions[i].name;
	return "?";
}

/* One action "name" or "name(arg)" of len bytes at s. */
static int parse_action(const char *s, size_t len, struct cb_action *out)
{
	const char *open = memchr(s, '(', len);
	size_t nlen = open ? (size_t)(open - s) : len;
	char name[64];

	while (nlen && s[nlen - 1] == ' ')
		nlen--;
	if (!nlen || nlen >= sizeof(name))
		return EINVAL;
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (!ly_strcaseeq(name, actions[i].name))
			continue;
		*out = (struct cb_action){ .type = actions[i].type };
		if (open) {
			const char *close = s + len - 1;

			while (close > open && *close == ' ')
				close--;
			if (*close != ')' || (size_t)(close - open - 1) >= sizeof(out->arg))
				return EINVAL;
			memcpy(out->arg, open + 1, (size_t)(close - open - 1));
			out->arg[close - open - 1] = '\0';
		}
		return actions[i].args && !out->arg[0] ? EINVAL : 0;
	}
	return EINVAL;
}

int cb_menu_parse_actions(const char *value, struct cb_menu_entry *e)
{
	const char *p = value, *start;
	int depth = 0;

	e->n_actions = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		/* A comma inside parentheses belongs to the argument
		 * (dialplan_exec(ctx,exten,1)). */
		for (depth = 0; *p && (depth || *p != ','); p++)
			depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		if (depth || e->n_actions == CB_MENU_MAX_ACTIONS ||
		    parse_action(start, (size_t)(p - start), &e->actions[e->n_actions]))
			return EINVAL;
		e->n_actions++;
		if (*p == ',')
			p++;
	}
	return e->n_actions ? 0 : EINVAL;
}

static void menu_option(struct cb_menu *m, const struct ly_cfg_var *v)
{
	struct cb_menu_entry e = { 0 };

	if (ly_strcaseeq(v->name, "type"))
		return;
	if (!v->name[0] || strlen(v->name) >= sizeof(e.dtmf) ||
	    strspn(v->name, "0123456789*#ABCDabcd") != strlen(v->name)) {
		bad(v, "a menu entry is a DTMF sequence");
		return;
	}
	if (cb_menu_parse_actions(v->value, &e)) {
		bad(v, "unknown action or bad arguments");
		return;
	}
	ly_strlcpy(e.dtmf, v->name, sizeof(e.dtmf));
	for (char *d = e.dtmf; *d; d++)
		if (*d >= 'a' && *d <= 'd')
			*d = (char)(*d - 'a' + 'A');
	/* A later entry for the same sequence replaces the earlier one. */
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->entries[i].dtmf, e.dtmf) == 0) {
			m->entries[i] = e;
			return;
		}
	m->entries = ly_realloc(m->entries, (m->n + 1) * sizeof(*m->entries));
	m->entries[m->n++] = e;
}

const struct cb_menu_entry *cb_menu_match(const struct cb_menu *m, const char *digits,
					  bool *longer)
{
	const struct cb_menu_entry *exact = NULL;
	size_t n = strlen(digits);

	*longer = false;
	for (size_t i = 0; m && i < m->n; i++) {
		if (strncmp(m->entries[i].dtmf, digits, n) != 0)
			continue;
		if (m->entries[i].dtmf[n] == '\0')
			exact = &m->entries[i];
		else
			*longer = true;
	}
	return exact;
}

/* ---- the whole file ---- */

static struct cb_bridge_profile *bridge_slot(struct cb_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_bridges; i++)
		if (ly_strcaseeq(c->bridges[i].name, name))
			return &c->bridges[i];
	c->bridges = ly_realloc(c->bridges, (c->n_bridges + 1) * sizeof(*c->bridges));
	return &c->bridges[c->n_bridges++];
}

static struct cb_user_profile *user_slot(struct cb_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_users; i++)
		if (ly_strcaseeq(c->users[i].name, name))
			return &c->users[i];
	c->users = ly_realloc(c->users, (c->n_users + 1) * sizeof(*c->users));
	return &c->users[c->n_users++];
}

static void section(struct cb_config *c, const struct ly_cfg_section *s)
{
	const char *type = ly_cfg_section_get(s, "type");

	if (!type) {
		ly_warning("%s:%d: confbridge: [%s] has no type (bridge, user or menu); skipped",
			   s->file, s->line, s->name);
	} else if (ly_strcaseeq(type, "bridge")) {
		struct cb_bridge_profile *b = bridge_slot(c, s->name);

		cb_bridge_defaults(b, s->name);
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next)
			bridge_option(b, v);
	} else if (ly_strcaseeq(type, "user")) {
		struct cb_user_profile *u = user_slot(c, s->name);

		cb_user_defaults(u, s->name);
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next)
			user_option(u, v);
	} else if (ly_strcaseeq(type, "menu")) {
		struct cb_menu *m;

		c->menus = ly_realloc(c->menus, (c->n_menus + 1) * sizeof(*c->menus));
		m = &c->menus[c->n_menus++];
		*m = (struct cb_menu){ 0 };
		ly_strlcpy(m->name, s->name, sizeof(m->name));
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next)
			menu_option(m, v);
	} else {
		ly_warning("%s:%d: confbridge: [%s] has an unknown type '%s'; skipped", s->file,
			   s->line, s->name, type);
	}
}

struct cb_config *cb_config_build(const struct ly_config *cfg)
{
	struct cb_config *c = ly_calloc(1, sizeof(*c));

	cb_bridge_defaults(bridge_slot(c, "default_bridge"), "default_bridge");
	cb_user_defaults(user_slot(c, "default_user"), "default_user");
	for (const struct ly_cfg_section *s = cfg ? cfg->sections : NULL; s; s = s->next)
		if (!s->is_template && !ly_strcaseeq(s->name, "general"))
			section(c, s);
	return c;
}

void cb_config_free(struct cb_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_menus; i++)
		free(c->menus[i].entries);
	free(c->menus);
	free(c->bridges);
	free(c->users);
	free(c);
}

const struct cb_bridge_profile *cb_config_bridge(const struct cb_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_bridges; i++)
		if (ly_strcaseeq(c->bridges[i].name, name))
			return &c->bridges[i];
	return NULL;
}

const struct cb_user_profile *cb_config_user(const struct cb_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_users; i++)
		if (ly_strcaseeq(c->users[i].name, name))
			return &c->users[i];
	return NULL;
}

const struct cb_menu *cb_config_menu(const struct cb_config *c, const char *name)
{
	for (size_t i = 0; i < c->n_menus; i++)
		if (ly_strcaseeq(c->menus[i].name, name))
			return &c->menus[i];
	return NULL;
}
