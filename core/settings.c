/* core/settings.c - lyre.conf: where everything lives and how the daemon starts. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/config.h"
#include "lyre/utils.h"
#include "settings.h"

static struct ly_settings settings;
static char *socket_path;
static char *pid_path;

static void free_dirs(struct ly_dirs *d)
{
	free((char *)d->confdir);
	free((char *)d->moduledir);
	free((char *)d->sounddir);
	free((char *)d->spooldir);
	free((char *)d->statedir);
	free((char *)d->logdir);
	free((char *)d->rundir);
	free((char *)d->docdir);
	memset(d, 0, sizeof(*d));
}

void ly_settings_free(void)
{
	free_dirs(&settings.dirs);
	free(settings.runuser);
	free(settings.rungroup);
	free(socket_path);
	free(pid_path);
	memset(&settings, 0, sizeof(settings));
	socket_path = pid_path = NULL;
}

/* Relative directories are taken from the config directory, so a test or a
 * packaged system can keep its whole tree in one folder. */
static char *resolve_dir(const char *confdir, const char *value)
{
	if (value[0] == '/')
		return ly_strdup(value);
	return ly_asprintf("%s/%s", confdir, value);
}

static int set_dir(const char **slot, const char *confdir, const struct ly_cfg_var *v,
		   struct ly_cfg_error *err)
{
	if (!v->value[0]) {
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s needs a directory",
			 v->file, v->line, v->name);
		return EINVAL;
	}
	free((char *)*slot);
	*slot = resolve_dir(confdir, v->value);
	return 0;
}

static int read_directories(const struct ly_cfg_section *s, const char *confdir,
			    struct ly_settings *out, struct ly_cfg_error *err)
{
	static const struct {
		const char *name;
		size_t offset;
	} keys[] = {
		{ "moduledir", offsetof(struct ly_dirs, moduledir) },
		{ "sounddir", offsetof(struct ly_dirs, sounddir) },
		{ "spooldir", offsetof(struct ly_dirs, spooldir) },
		{ "statedir", offsetof(struct ly_dirs, statedir) },
		{ "logdir", offsetof(struct ly_dirs, logdir) },
		{ "rundir", offsetof(struct ly_dirs, rundir) },
		{ "docdir", offsetof(struct ly_dirs, docdir) },
	};

	for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
		size_t i;

		for (i = 0; i < LY_ARRAY_LEN(keys); i++)
			if (ly_strcaseeq(v->name, keys[i].name))
				break;
		if (i == LY_ARRAY_LEN(keys)) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s:%d: unknown directory '%s' (known: moduledir, sounddir, "
				 "spooldir, statedir, logdir, rundir, docdir)", v->file, v->line, v->name);
			return EINVAL;
		}
		const char **slot = (const char **)((char *)&out->dirs + keys[i].offset);
		int rc = set_dir(slot, confdir, v, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_level(const struct ly_cfg_var *v, int *out, struct ly_cfg_error *err)
{
	long n;

	if (ly_parse_int(v->value, 0, 100, &n)) {
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s must be a number 0-100, not '%s'",
			 v->file, v->line, v->name, v->value);
		return EINVAL;
	}
	*out = (int)n;
	return 0;
}

static int read_count(const struct ly_cfg_var *v, long min, long max, unsigned *out,
		      struct ly_cfg_error *err)
{
	long n;

	if (ly_parse_int(v->value, min, max, &n)) {
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s must be a number %ld-%ld, not '%s'",
			 v->file, v->line, v->name, min, max, v->value);
		return EINVAL;
	}
	*out = (unsigned)n;
	return 0;
}

static int read_option(const struct ly_cfg_var *v, struct ly_settings *out,
		       struct ly_cfg_error *err)
{
	long n;

	if (ly_strcaseeq(v->name, "verbose"))
		return read_level(v, &out->verbose, err);
	if (ly_strcaseeq(v->name, "debug"))
		return read_level(v, &out->debug, err);
	if (ly_strcaseeq(v->name, "runuser")) {
		free(out->runuser);
		out->runuser = v->value[0] ? ly_strdup(v->value) : NULL;
		return 0;
	}
	if (ly_strcaseeq(v->name, "rungroup")) {
		free(out->rungroup);
		out->rungroup = v->value[0] ? ly_strdup(v->value) : NULL;
		return 0;
	}
	if (ly_strcaseeq(v->name, "maxpriorities"))
		return read_count(v, 100, 100000000, &out->maxpriorities, err);
	if (ly_strcaseeq(v->name, "maxgosubdepth"))
		return read_count(v, 1, 100000, &out->maxgosubdepth, err);
	if (ly_strcaseeq(v->name, "maxfiles"))
		return read_count(v, 0, 16777216, &out->maxfiles, err);
	if (ly_strcaseeq(v->name, "batchsched")) {
		if (!ly_true(v->value) && !ly_false(v->value)) {
			snprintf(err->msg, sizeof(err->msg), "%s:%d: batchsched must be yes or no, not '%s'",
				 v->file, v->line, v->value);
			return EINVAL;
		}
		out->batchsched = ly_true(v->value);
		return 0;
	}
	if (ly_strcaseeq(v->name, "maxcalls")) {
		if (ly_parse_int(v->value, 0, 1000000, &n)) {
			snprintf(err->msg, sizeof(err->msg),
				 "%s:%d: maxcalls must be a number, not '%s'", v->file, v->line,
				 v->value);
			return EINVAL;
		}
		out->maxcalls = (unsigned)n;
		return 0;
	}
	snprintf(err->msg, sizeof(err->msg), "%s:%d: unknown option '%s' in [options]",
		 v->file, v->line, v->name);
	return EINVAL;
}

static int read_options(const struct ly_cfg_section *s, struct ly_settings *out,
			struct ly_cfg_error *err)
{
	for (const struct ly_cfg_var *v = s->vars; v; v = v->next) {
		int rc = read_option(v, out, err);
		if (rc)
			return rc;
	}
	return 0;
}

static void set_defaults(struct ly_settings *s, const char *confdir)
{
	s->dirs.confdir = ly_strdup(confdir);
	s->dirs.moduledir = ly_strdup(LY_DEFAULT_MODULEDIR);
	s->dirs.sounddir = ly_strdup(LY_DEFAULT_SOUNDDIR);
	s->dirs.spooldir = ly_strdup(LY_DEFAULT_SPOOLDIR);
	s->dirs.statedir = ly_strdup(LY_DEFAULT_STATEDIR);
	s->dirs.logdir = ly_strdup(LY_DEFAULT_LOGDIR);
	s->dirs.rundir = ly_strdup(LY_DEFAULT_RUNDIR);
	s->dirs.docdir = ly_strdup(LY_DEFAULT_DOCDIR);
	s->maxpriorities = 100000;
	s->maxgosubdepth = 500;
	s->batchsched = true;
}

static int apply_file(const struct ly_config *cfg, const char *confdir,
		      struct ly_settings *out, struct ly_cfg_error *err)
{
	for (const struct ly_cfg_section *s = cfg->sections; s; s = s->next) {
		int rc = 0;

		if (s->is_template)
			continue;
		if (ly_strcaseeq(s->name, "directories"))
			rc = read_directories(s, confdir, out, err);
		else if (ly_strcaseeq(s->name, "options"))
			rc = read_options(s, out, err);
		else {
			snprintf(err->msg, sizeof(err->msg),
				 "%s:%d: unknown section [%s] (lyre.conf has [directories] and "
				 "[options])", s->file, s->line, s->name);
			rc = EINVAL;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int ly_settings_load(const char *confdir, struct ly_cfg_error *err)
{
	struct ly_settings next = { 0 };
	struct ly_config *cfg = NULL;
	int rc;

	set_defaults(&next, confdir);
	rc = ly_config_load(confdir, "lyre.conf", &cfg, err);
	if (rc == 0) {
		rc = apply_file(cfg, confdir, &next, err);
		ly_config_free(cfg);
	} else if (rc == ENOENT) {
		rc = 0;	/* no lyre.conf: every default applies */
	}
	if (rc) {
		free_dirs(&next.dirs);
		free(next.runuser);
		free(next.rungroup);
		return rc;
	}
	ly_settings_free();
	settings = next;
	socket_path = ly_asprintf("%s/lyre.ctl", settings.dirs.rundir);
	pid_path = ly_asprintf("%s/lyre.pid", settings.dirs.rundir);
	return 0;
}

const struct ly_settings *ly_settings(void)
{
	return &settings;
}

const struct ly_dirs *ly_dirs(void)
{
	return &settings.dirs;
}

const char *ly_settings_socket_path(void)
{
	return socket_path;
}

const char *ly_settings_pidfile(void)
{
	return pid_path;
}
