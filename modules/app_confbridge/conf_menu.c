/*
 * modules/app_confbridge/conf_menu.c - DTMF menus: digits collected into a
 * sequence and matched against the menu's entries, then the entry's
 * actions run on the participant's thread.
 *
 * Matching, as Asterisk's: a sequence that is an entry and the start of no
 * longer entry runs at once; one that starts longer entries waits up to
 * MENU_WAIT_MS for the next digit and then runs if it is an entry itself;
 * a sequence that starts no entry is dropped (with sound_error_menu), or
 * with dtmf_passthrough handed to the other participants.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "confbridge.h"

#define MENU_WAIT_MS 1500
#define ANY_DIGIT "0123456789*#ABCD"

static void reset(struct cb_menu_state *st)
{
	st->n = 0;
	st->digits[0] = '\0';
	st->deadline_ms = 0;
}

static bool toggle_mute(struct cb_user *u)
{
	bool muted;

	pthread_mutex_lock(&u->conf->lock);
	muted = u->muted = !u->muted;
	pthread_mutex_unlock(&u->conf->lock);
	ly_verbose(3, "%s is now %s in conference '%s'", ly_chan_name(u->chan),
		   muted ? "muted" : "unmuted", u->conf->name);
	return cb_user_play(u, cb_sound(u->conf, muted ? CB_SND_MUTED : CB_SND_UNMUTED), NULL,
			    NULL);
}

/* The admin kicks the last participant who joined (never itself or an admin). */
static void kick_last(struct cb_user *u)
{
	struct cb_conf *c = u->conf;

	pthread_mutex_lock(&c->lock);
	for (size_t i = c->n_users; i-- > 0;) {
		struct cb_user *o = c->users[i];

		if (o != u && !o->prof.admin) {
			o->kicked = true;
			cb_user_poke(o);
			ly_verbose(3, "%s kicked %s from conference '%s'", ly_chan_name(u->chan),
				   ly_chan_name(o->chan), c->name);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

static bool toggle_lock(struct cb_user *u)
{
	bool locked;

	pthread_mutex_lock(&u->conf->lock);
	locked = u->conf->locked = !u->conf->locked;
	pthread_mutex_unlock(&u->conf->lock);
	ly_verbose(3, "Conference '%s' %s by %s", u->conf->name, locked ? "locked" : "unlocked",
		   ly_chan_name(u->chan));
	return cb_user_play(u, cb_sound(u->conf, locked ? CB_SND_LOCKED_NOW
							: CB_SND_UNLOCKED_NOW), NULL, NULL);
}

static void volume(struct cb_user *u, int *v, int delta)
{
	pthread_mutex_lock(&u->conf->lock);
	*v = delta ? *v + delta : 0;
	*v = *v < -4 ? -4 : *v > 4 ? 4 : *v;
	pthread_mutex_unlock(&u->conf->lock);
}

/* Prompts joined by '&'; with `cont` a digit stops them and is returned. */
static bool playback(struct cb_user *u, const char *list, bool cont, char *digit)
{
	char *copy = ly_strdup(list), *names[16];
	int n = ly_app_split_args_sep(copy, '&', names, 16);
	bool ok = true;

	*digit = 0;
	for (int i = 0; i < n && ok && !*digit; i++)
		ok = cb_user_play(u, names[i], cont ? ANY_DIGIT : NULL, digit);
	free(copy);
	return ok;
}

/*
 * dialplan_exec(context,exten,priority), as Asterisk's: the participant
 * leaves the mix, its channel runs that place in the dialplan until the
 * priorities run out (or it hangs up), then it is back in the conference.
 * Missing parts default to the channel's context and extension and
 * priority 1.
 */
static void dialplan_exec(struct cb_user *u, const char *arg)
{
	char *copy = ly_strdup(arg), *v[3] = { 0 };
	char ctx[LY_MAX_CONTEXT], ext[LY_MAX_EXTEN];
	int n = ly_app_split_args(copy, v, 3), prio = 1;
	const char *context = n > 0 && v[0][0] ? v[0] : ly_pbx_context(u->chan, ctx, sizeof(ctx));
	const char *exten = n > 1 && v[1][0] ? v[1] : ly_pbx_exten(u->chan, ext, sizeof(ext));

	if (n > 2 && v[2][0]) {
		prio = atoi(v[2]);
		if (prio <= 0)
			prio = ly_exten_find_label(context, exten, v[2], NULL);
	}
	if (prio <= 0 || !ly_exten_exists(context, exten, prio, NULL)) {
		ly_warning("%s: menu action dialplan_exec(%s): no such place in the dialplan",
			   ly_chan_name(u->chan), arg);
		free(copy);
		return;
	}
	cb_user_step_out(u);
	/* An application that ends the call (-1) ends it here too, as the
	 * dialplan runner would. */
	if (ly_pbx_exec_sub(u->chan, context, exten, prio) == EPIPE &&
	    !ly_chan_check_hangup(u->chan))
		ly_chan_softhangup(u->chan, LY_CAUSE_NORMAL_CLEARING);
	cb_user_step_in(u);
	free(copy);
}

/* Run one entry.  False: the participant leaves.  *next: a digit pressed
 * during playback_and_continue, to be taken as new menu input. */
static bool run_entry(struct cb_user *u, const struct cb_menu_entry *e, char *next)
{
	*next = 0;
	for (unsigned i = 0; i < e->n_actions; i++) {
		const struct cb_action *a = &e->actions[i];
		bool ok = true;

		ly_debug(1, "%s: menu '%s' %s: %s(%s)", ly_chan_name(u->chan), u->menu->name,
			 e->dtmf, cb_action_name(a->type), a->arg);
		switch (a->type) {
		case CB_ACT_TOGGLE_MUTE:
			ok = toggle_mute(u);
			break;
		case CB_ACT_LEAVE:
			return false;
		case CB_ACT_ADMIN_KICK_LAST:
			if (u->prof.admin)
				kick_last(u);
			break;
		case CB_ACT_ADMIN_TOGGLE_LOCK:
			if (u->prof.admin)
				ok = toggle_lock(u);
			break;
		case CB_ACT_INC_LISTEN:
			volume(u, &u->listen_vol, 1);
			break;
		case CB_ACT_DEC_LISTEN:
			volume(u, &u->listen_vol, -1);
			break;
		case CB_ACT_RESET_LISTEN:
			volume(u, &u->listen_vol, 0);
			break;
		case CB_ACT_INC_TALK:
			volume(u, &u->talk_vol, 1);
			break;
		case CB_ACT_DEC_TALK:
			volume(u, &u->talk_vol, -1);
			break;
		case CB_ACT_RESET_TALK:
			volume(u, &u->talk_vol, 0);
			break;
		case CB_ACT_PARTICIPANT_COUNT:
			ok = cb_user_say_count(u);
			break;
		case CB_ACT_PLAYBACK:
			ok = playback(u, a->arg, false, next);
			break;
		case CB_ACT_PLAYBACK_AND_CONTINUE:
			ok = playback(u, a->arg, true, next);
			break;
		case CB_ACT_DIALPLAN_EXEC:
			dialplan_exec(u, a->arg);
			break;
		case CB_ACT_NOOP:
			break;
		}
		if (!ok || ly_chan_check_hangup(u->chan))
			return false;
	}
	return true;
}

static bool run_and_follow(struct cb_user *u, struct cb_menu_state *st,
			   const struct cb_menu_entry *e)
{
	char next = 0;

	reset(st);
	if (!run_entry(u, e, &next))
		return false;
	return next ? cb_menu_digit(u, st, next) : true;
}

bool cb_menu_digit(struct cb_user *u, struct cb_menu_state *st, char digit)
{
	const struct cb_menu_entry *e;
	bool longer;

	if (st->n + 1 >= sizeof(st->digits))
		reset(st);
	st->digits[st->n++] = digit;
	st->digits[st->n] = '\0';
	e = cb_menu_match(u->menu, st->digits, &longer);
	if (e && !longer)
		return run_and_follow(u, st, e);
	if (!e && !longer) {
		ly_debug(1, "%s: no menu entry '%s'", ly_chan_name(u->chan), st->digits);
		if (u->prof.dtmf_passthrough) {	/* the others get them instead */
			cb_conf_pass_digits(u, st->digits);
			reset(st);
			return true;
		}
		reset(st);
		return cb_user_play(u, cb_sound(u->conf, CB_SND_ERROR_MENU), NULL, NULL) ||
		       !ly_chan_check_hangup(u->chan);
	}
	st->deadline_ms = ly_now_ms() + MENU_WAIT_MS;
	return true;
}

bool cb_menu_timeout(struct cb_user *u, struct cb_menu_state *st)
{
	const struct cb_menu_entry *e;
	bool longer;

	if (!st->deadline_ms || ly_now_ms() < st->deadline_ms)
		return true;
	e = cb_menu_match(u->menu, st->digits, &longer);
	if (!e) {	/* the start of longer entries only, and no more came */
		cb_conf_pass_digits(u, st->digits);
		reset(st);
		return true;
	}
	return run_and_follow(u, st, e);
}
