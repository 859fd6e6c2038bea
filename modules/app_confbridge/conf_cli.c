/*
 * modules/app_confbridge/conf_cli.c - console commands, as Asterisk's:
 *   confbridge list [conference]
 *   confbridge kick <conference> <channel|all|participants>
 *   confbridge mute|unmute <conference> <channel|all|participants>
 *   confbridge lock|unlock <conference>
 *   confbridge record start <conference> [file] / record stop <conference>
 *   confbridge show mixer            (the mixer's time per tick)
 *   confbridge reset mixer           (its figures start again)
 *   confbridge show profiles         (bridge and user profiles, menus)
 * "participants" means everyone but the admins.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "confbridge.h"

static bool selected(const struct cb_user *u, const char *who)
{
	return strcmp(who, "all") == 0 || (strcmp(who, "participants") == 0 && !u->prof.admin) ||
	       strcmp(ly_chan_name(u->chan), who) == 0;
}

unsigned cb_conf_kick(struct cb_conf *c, const char *who)
{
	unsigned n = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_users; i++)
		if (selected(c->users[i], who)) {
			c->users[i]->kicked = true;
			cb_user_poke(c->users[i]);
			n++;
		}
	pthread_mutex_unlock(&c->lock);
	return n;
}

unsigned cb_conf_mute(struct cb_conf *c, const char *who, bool mute)
{
	unsigned n = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_users; i++)
		if (selected(c->users[i], who)) {
			c->users[i]->muted = mute;
			n++;
		}
	pthread_mutex_unlock(&c->lock);
	return n;
}

void cb_conf_set_locked(struct cb_conf *c, bool locked)
{
	pthread_mutex_lock(&c->lock);
	c->locked = locked;
	pthread_mutex_unlock(&c->lock);
}

/* The conference named by argument i, or NULL with a message. */
static struct cb_conf *conf_arg(struct ly_cli_args *a, int i)
{
	struct cb_conf *c = a->argc > i ? cb_conf_find(a->argv[i]) : NULL;

	if (!c && a->argc > i)
		ly_cli_print(a, "No conference '%s'\n", a->argv[i]);
	return c;
}

static void list_users(struct ly_cli_args *a, struct cb_conf *c)
{
	uint64_t now = ly_now_ms();

	ly_cli_print(a, "%-32s %-16s %-6s %-7s %s\n", "Channel", "User profile", "Flags",
		     "Format", "Time");
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_users; i++) {
		const struct cb_user *u = c->users[i];
		char flags[8];
		int n = 0;

		if (u->prof.admin)
			flags[n++] = 'A';
		if (u->prof.marked)
			flags[n++] = 'M';
		if (u->waiting)
			flags[n++] = 'W';
		if (u->muted)
			flags[n++] = 'm';
		if (u->talking)
			flags[n++] = 'T';
		if (u->away)
			flags[n++] = 'D';
		flags[n] = '\0';
		ly_cli_print(a, "%-32s %-16s %-6s %-7s %llu\n", ly_chan_name(u->chan),
			     u->prof.name, flags, u->fmt ? u->fmt->name : "-",
			     (unsigned long long)((now - u->join_ms) / 1000));
	}
	pthread_mutex_unlock(&c->lock);
}

static enum ly_cli_result list_cmd(struct ly_cli_args *a)
{
	struct cb_conf **v, *c;
	size_t n;

	if (a->argc > a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	if (a->argc == a->cmd_words + 1) {
		if (!(c = conf_arg(a, a->cmd_words)))
			return LY_CLI_FAILURE;
		list_users(a, c);
		cb_conf_put(c);
		return LY_CLI_SUCCESS;
	}
	v = cb_conf_all(&n);
	ly_cli_print(a, "%-24s %6s %6s %6s %6s %s\n", "Conference", "Users", "Marked", "Locked",
		     "Rate", "Recording");
	for (size_t i = 0; i < n; i++) {
		c = v[i];
		pthread_mutex_lock(&c->lock);
		ly_cli_print(a, "%-24s %6zu %6u %6s %6u %s\n", c->name, c->n_users, c->marked,
			     c->locked ? "yes" : "no", c->rate, c->rec ? c->rec_path : "-");
		pthread_mutex_unlock(&c->lock);
	}
	ly_cli_print(a, "%zu conference%s\n", n, n == 1 ? "" : "s");
	cb_conf_all_free(v, n);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result kick_cmd(struct ly_cli_args *a)
{
	struct cb_conf *c;
	unsigned n;

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	if (!(c = conf_arg(a, a->cmd_words)))
		return LY_CLI_FAILURE;
	n = cb_conf_kick(c, a->argv[a->cmd_words + 1]);
	cb_conf_put(c);
	ly_cli_print(a, "Kicked %u from '%s'\n", n, a->argv[a->cmd_words]);
	return n ? LY_CLI_SUCCESS : LY_CLI_FAILURE;
}

static enum ly_cli_result mute_common(struct ly_cli_args *a, bool mute)
{
	struct cb_conf *c;
	unsigned n;

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	if (!(c = conf_arg(a, a->cmd_words)))
		return LY_CLI_FAILURE;
	n = cb_conf_mute(c, a->argv[a->cmd_words + 1], mute);
	cb_conf_put(c);
	ly_cli_print(a, "%s %u in '%s'\n", mute ? "Muted" : "Unmuted", n, a->argv[a->cmd_words]);
	return n ? LY_CLI_SUCCESS : LY_CLI_FAILURE;
}

static enum ly_cli_result mute_cmd(struct ly_cli_args *a)
{
	return mute_common(a, true);
}

static enum ly_cli_result unmute_cmd(struct ly_cli_args *a)
{
	return mute_common(a, false);
}

static enum ly_cli_result lock_common(struct ly_cli_args *a, bool lock)
{
	struct cb_conf *c;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	if (!(c = conf_arg(a, a->cmd_words)))
		return LY_CLI_FAILURE;
	cb_conf_set_locked(c, lock);
	ly_cli_print(a, "Conference '%s' %s\n", c->name, lock ? "locked" : "unlocked");
	cb_conf_put(c);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result lock_cmd(struct ly_cli_args *a)
{
	return lock_common(a, true);
}

static enum ly_cli_result unlock_cmd(struct ly_cli_args *a)
{
	return lock_common(a, false);
}

static enum ly_cli_result record_start_cmd(struct ly_cli_args *a)
{
	struct cb_conf *c;
	int err;

	if (a->argc < a->cmd_words + 1 || a->argc > a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	if (!(c = conf_arg(a, a->cmd_words)))
		return LY_CLI_FAILURE;
	pthread_mutex_lock(&c->lock);
	err = cb_record_start_locked(c, a->argc > a->cmd_words + 1 ? a->argv[a->cmd_words + 1]
								  : "");
	if (!err)
		ly_cli_print(a, "Recording '%s' to %s\n", c->name, c->rec_path);
	else
		ly_cli_print(a, "Cannot record '%s': %s\n", c->name,
			     err == EALREADY ? "already recording" : strerror(err));
	pthread_mutex_unlock(&c->lock);
	cb_conf_put(c);
	return err ? LY_CLI_FAILURE : LY_CLI_SUCCESS;
}

static enum ly_cli_result record_stop_cmd(struct ly_cli_args *a)
{
	struct cb_conf *c;
	bool was;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	if (!(c = conf_arg(a, a->cmd_words)))
		return LY_CLI_FAILURE;
	pthread_mutex_lock(&c->lock);
	was = c->rec != NULL;
	cb_record_stop_locked(c);
	pthread_mutex_unlock(&c->lock);
	ly_cli_print(a, was ? "Recording of '%s' stopped\n" : "'%s' was not recording\n",
		     c->name);
	cb_conf_put(c);
	return was ? LY_CLI_SUCCESS : LY_CLI_FAILURE;
}

static enum ly_cli_result show_mixer_cmd(struct ly_cli_args *a)
{
	struct cb_conf **v;
	size_t n;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	v = cb_conf_all(&n);
	ly_cli_print(a, "%-24s %6s %9s %8s %8s %8s %8s %7s\n", "Conference", "Users", "Ticks",
		     "Avg us", "Last us", "Max us", "Overrun", "Talking");
	for (size_t i = 0; i < n; i++) {
		struct cb_conf *c = v[i];
		const struct cb_mixstats *s = &c->stats;

		pthread_mutex_lock(&c->lock);
		ly_cli_print(a, "%-24s %6zu %9llu %8.1f %8llu %8llu %8llu %7u\n", c->name,
			     c->n_users, (unsigned long long)s->ticks,
			     s->ticks ? (double)s->total_us / (double)s->ticks : 0.0,
			     (unsigned long long)s->last_us, (unsigned long long)s->max_us,
			     (unsigned long long)s->overruns, s->last_talkers);
		pthread_mutex_unlock(&c->lock);
	}
	cb_conf_all_free(v, n);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result reset_mixer_cmd(struct ly_cli_args *a)
{
	struct cb_conf **v;
	size_t n;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	v = cb_conf_all(&n);
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&v[i]->lock);
		v[i]->stats = (struct cb_mixstats){ 0 };
		pthread_mutex_unlock(&v[i]->lock);
	}
	cb_conf_all_free(v, n);
	ly_cli_print(a, "Mixer figures of %zu conference%s reset\n", n, n == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result show_profiles_cmd(struct ly_cli_args *a)
{
	struct cb_config *cfg;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	cfg = cb_config_get();
	for (size_t i = 0; i < cfg->n_bridges; i++) {
		const struct cb_bridge_profile *b = &cfg->bridges[i];

		ly_cli_print(a, "bridge %s: max_members=%u mixing_interval=%u "
				"internal_sample_rate=%s%.0u record_conference=%s\n",
			     b->name, b->max_members, b->mixing_interval,
			     b->internal_rate ? "" : "auto", b->internal_rate,
			     b->record_conference ? "yes" : "no");
	}
	for (size_t i = 0; i < cfg->n_users; i++) {
		const struct cb_user_profile *u = &cfg->users[i];

		ly_cli_print(a, "user %s:%s%s%s%s%s%s%s%s\n", u->name, u->admin ? " admin" : "",
			     u->marked ? " marked" : "", u->startmuted ? " startmuted" : "",
			     u->wait_marked ? " wait_marked" : "",
			     u->end_marked ? " end_marked" : "", u->pin[0] ? " pin" : "",
			     u->quiet ? " quiet" : "",
			     u->music_on_hold_when_empty ? " music_on_hold_when_empty" : "");
	}
	for (size_t i = 0; i < cfg->n_menus; i++) {
		const struct cb_menu *m = &cfg->menus[i];

		ly_cli_print(a, "menu %s:", m->name);
		for (size_t j = 0; j < m->n; j++)
			ly_cli_print(a, " %s=%s", m->entries[j].dtmf,
				     cb_action_name(m->entries[j].actions[0].type));
		ly_cli_print(a, "\n");
	}
	cb_config_put(cfg);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command cmds[] = {
	{ "confbridge list", "List conferences or a conference's participants",
	  "Usage: confbridge list [conference]\n"
	  "  Without a name: each conference, its participants, marked users, lock, mixing\n"
	  "  rate and recording.  With one: its participants; flags A admin, M marked,\n"
	  "  W waiting for a marked user, m muted, T talking,\n"
	  "  D running the dialplan (a menu's dialplan_exec).\n",
	  list_cmd, NULL },
	{ "confbridge kick", "Kick participants from a conference",
	  "Usage: confbridge kick <conference> <channel|all|participants>\n"
	  "  participants: everyone but the admins.\n", kick_cmd, NULL },
	{ "confbridge mute", "Mute participants",
	  "Usage: confbridge mute <conference> <channel|all|participants>\n", mute_cmd, NULL },
	{ "confbridge unmute", "Unmute participants",
	  "Usage: confbridge unmute <conference> <channel|all|participants>\n", unmute_cmd,
	  NULL },
	{ "confbridge lock", "Lock a conference (only admins may join)",
	  "Usage: confbridge lock <conference>\n", lock_cmd, NULL },
	{ "confbridge unlock", "Unlock a conference",
	  "Usage: confbridge unlock <conference>\n", unlock_cmd, NULL },
	{ "confbridge record start", "Start recording a conference",
	  "Usage: confbridge record start <conference> [file]\n"
	  "  file: as record_file (relative: under the spool's monitor folder).\n",
	  record_start_cmd, NULL },
	{ "confbridge record stop", "Stop recording a conference",
	  "Usage: confbridge record stop <conference>\n", record_stop_cmd, NULL },
	{ "confbridge show mixer", "The mixer's time per tick, per conference",
	  "Usage: confbridge show mixer\n"
	  "  Ticks run, average, last and longest time per tick in microseconds, ticks that\n"
	  "  overran their interval or were skipped, and talkers in the last tick.\n",
	  show_mixer_cmd, NULL },
	{ "confbridge reset mixer", "Zero the mixer's figures",
	  "Usage: confbridge reset mixer\n  Starts `confbridge show mixer`'s counts again.\n",
	  reset_mixer_cmd, NULL },
	{ "confbridge show profiles", "Bridge and user profiles and menus",
	  "Usage: confbridge show profiles\n", show_profiles_cmd, NULL },
};

int cb_cli_register(struct ly_module *self)
{
	return ly_cli_register_multiple(self, cmds, sizeof(cmds) / sizeof(cmds[0]));
}
