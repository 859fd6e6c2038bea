/*
 * modules/app_playtones/app_playtones.c - PlayTones()/StopPlayTones() and
 * the tone zones of indications.conf (Asterisk's syntax):
 *   [general]
 *   country=us             ; the zone of channels that name none
 *   [us]
 *   description=United States
 *   ringcadence=2000,4000
 *   dial=350+440
 *   ring=440+480/2000,0/4000
 * PlayTones(arg): arg is a tone name of the zone (dial, ring, busy, ...)
 * or a tone list ("440", "!950/330,!1400/330,!1800/330,0"); the tones play
 * in the background until StopPlayTones() or another sound.  The zone is
 * the channel variable TONEZONE when set, else [general] country.
 * `indication show [zone...]` lists zones.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_config *zones;	/* indications.conf as read */
static char country[32] = "us";

static int load_zones(void)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	const char *c;
	int rc = ly_config_load(ly_dirs()->confdir, "indications.conf", &cfg, &cerr);

	if (rc) {
		if (rc == ENOENT)
			ly_warning("indications.conf not found: PlayTones takes tone lists only");
		else
			ly_error("indications.conf: %s", cerr.msg);
		return rc == ENOENT ? 0 : rc;
	}
	/* Check every tone once, so a typo is reported at load, not mid-call. */
	for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next)
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
			struct ly_tone_list l;

			if (strcmp(s->name, "general") && !ly_strcaseeq(v->name, "description") &&
			    !ly_strcaseeq(v->name, "ringcadence") && !ly_strcaseeq(v->name, "alias") &&
			    ly_tone_parse(v->value, &l))
				ly_warning("%s:%d: tone '%s' cannot be parsed: %s", v->file, v->line,
					   v->name, v->value);
		}
	pthread_mutex_lock(&lock);
	ly_config_free(zones);
	zones = cfg;
	if ((c = ly_cfg_get(cfg, "general", "country")) != NULL)
		ly_strlcpy(country, c, sizeof(country));
	pthread_mutex_unlock(&lock);
	return 0;
}

/* The tone list named `name` in c's zone into buf; false if none. */
static bool zone_tone(struct ly_channel *c, const char *name, char *buf, size_t len)
{
	char zone[32];
	const char *v;

	if (!ly_chan_var_get(c, "TONEZONE", zone, sizeof(zone)) || !zone[0])
		ly_strlcpy(zone, country, sizeof(zone));
	pthread_mutex_lock(&lock);
	v = zones ? ly_cfg_get(zones, zone, name) : NULL;
	if (v)
		ly_strlcpy(buf, v, len);
	pthread_mutex_unlock(&lock);
	return v != NULL;
}

static int playtones_exec(struct ly_channel *c, const char *data)
{
	char tones[256];

	if (!data || !*data) {
		ly_warning("%s: PlayTones requires an argument (a tone name or a list)",
			   ly_chan_name(c));
		return 0;
	}
	if (!zone_tone(c, data, tones, sizeof(tones)))
		ly_strlcpy(tones, data, sizeof(tones));
	if (ly_tones_start(c, tones) == 0)
		ly_verbose(3, "%s: playing tones '%s'", ly_chan_name(c), tones);
	return 0;
}

static int stopplaytones_exec(struct ly_channel *c, const char *data)
{
	(void)data;
	ly_tones_stop(c);
	return 0;
}

static struct ly_app apps[] = {
	{ .name = "PlayTones", .synopsis = "Play a tone list",
	  .description = "PlayTones(arg): a tone of the channel's zone (dial, busy, ...) or "
			 "a tone list f1[+f2][/ms],...; plays until StopPlayTones().",
	  .exec = playtones_exec },
	{ .name = "StopPlayTones", .synopsis = "Stop playing a tone list",
	  .description = "StopPlayTones(): stops what PlayTones started.",
	  .exec = stopplaytones_exec },
};

static enum ly_cli_result show_cmd(struct ly_cli_args *a)
{
	pthread_mutex_lock(&lock);
	ly_cli_print(a, "Default zone: %s\n", country);
	for (const struct ly_cfg_section *s = zones ? zones->sections : NULL; s; s = s->next) {
		bool want = a->argc == a->cmd_words;

		if (!strcmp(s->name, "general"))
			continue;
		for (int i = a->cmd_words; i < a->argc; i++)
			want |= ly_strcaseeq(a->argv[i], s->name);
		if (!want)
			continue;
		ly_cli_print(a, "[%s]\n", s->name);
		for (const struct ly_cfg_var *v = s->vars; v; v = v->next)
			ly_cli_print(a, "  %-12s %s\n", v->name, v->value);
	}
	pthread_mutex_unlock(&lock);
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command cli[] = {
	{ "indication show", "List tone zones",
	  "Usage: indication show [zone ...]\n  Lists the tone zones of indications.conf.\n",
	  show_cmd, NULL },
};

static int load(struct ly_module *self)
{
	int err = load_zones();

	for (size_t i = 0; !err && i < sizeof(apps) / sizeof(apps[0]); i++)
		err = ly_app_register(self, &apps[i]);
	return err ? err : ly_cli_register_multiple(self, cli, 1);
}

static void unload(struct ly_module *self)
{
	(void)self;
	pthread_mutex_lock(&lock);
	ly_config_free(zones);
	zones = NULL;
	pthread_mutex_unlock(&lock);
}

static int reload(struct ly_module *self)
{
	(void)self;
	return load_zones();
}

LYRE_MODULE(app_playtones,
	.description = "PlayTones and StopPlayTones with indications.conf tone zones",
	.load = load, .unload = unload, .reload = reload);
