/* core/log_conf.c - logger.conf: parse it into a channel table, open its files and swap it in. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "lyre/config.h"
#include "lyre/log.h"
#include "log.h"
#include "log_int.h"

#ifdef LY_DEFAULT_LOGDIR
#define FALLBACK_LOGDIR LY_DEFAULT_LOGDIR
#else
#define FALLBACK_LOGDIR "."
#endif

/* syslog(3) needs a name that outlives every call. */
#define SYSLOG_IDENT "lyre"

/* Of the last good configure, for `logger reload`; under the reconf lock. */
static char *conf_dir, *log_dir;

/* ---- building tables ---- */

static struct log_channel *table_find(struct log_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ch[i].name, name) == 0)
			return &t->ch[i];
	return NULL;
}

static struct log_channel *table_add(struct log_table *t, const char *name, const char *path)
{
	struct log_channel *c;

	t->ch = ly_realloc(t->ch, (t->n + 1) * sizeof(*t->ch));
	c = &t->ch[t->n++];
	c->name = ly_strdup(name);
	c->path = path ? ly_strdup(path) : NULL;
	c->fd = -1;
	c->facility = -1;
	c->levels = 0;
	c->verbose_cap = LY_LOG_NO_CAP;
	c->debug_cap = LY_LOG_NO_CAP;
	return c;
}

static struct log_table *table_new(const char *dateformat)
{
	struct log_table *t = ly_calloc(1, sizeof(*t));

	t->dateformat = ly_strdup(dateformat);
	table_add(t, LY_LOG_CONSOLE, NULL);
	return t;
}

/* A copy without open files, for `logger rotate`. */
static void table_clone(struct log_table *src, void *arg)
{
	struct log_table **out = arg, *t;

	if (!src)
		return;
	t = ly_calloc(1, sizeof(*t));
	t->dateformat = ly_strdup(src->dateformat);
	for (size_t i = 0; i < src->n; i++) {
		struct log_channel *c = table_add(t, src->ch[i].name, src->ch[i].path);

		c->facility = src->ch[i].facility;
		c->levels = src->ch[i].levels;
		c->verbose_cap = src->ch[i].verbose_cap;
		c->debug_cap = src->ch[i].debug_cap;
	}
	*out = t;
}

/*
 * Open the files and the syslog connection.  Failures become warnings in
 * `why`, logged once the table is live: a log file we cannot write must
 * not stop the PBX.
 */
static void table_open(struct log_table *t, struct ly_buf *why)
{
	bool syslog_open = false;

	for (size_t i = 0; i < t->n; i++) {
		struct log_channel *c = &t->ch[i];

		if (c->facility >= 0 && !syslog_open) {
			/* Each line names its own facility; this one is only
			 * the default for lines that would name none. */
			openlog(SYSLOG_IDENT, LOG_PID, c->facility);
			syslog_open = true;
		}
		if (!c->path)
			continue;
		c->fd = open(c->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (c->fd < 0)
			ly_buf_printf(why, "Cannot open log file %s: %s\n", c->path, strerror(errno));
	}
}

static void log_warnings(const struct ly_buf *why)
{
	const char *s = ly_buf_str(why);

	while (*s) {
		const char *nl = strchr(s, '\n');
		int len = nl ? (int)(nl - s) : (int)strlen(s);

		ly_warning("%.*s", len, s);
		s += len + (nl ? 1 : 0);
	}
}

/* ---- syslog channels ---- */

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
	{ "daemon", LOG_DAEMON }, { "ftp", LOG_FTP }, { "kern", LOG_KERN },
	{ "lpr", LOG_LPR }, { "mail", LOG_MAIL }, { "news", LOG_NEWS },
	/* Asterisk's name for the auth facility. */
	{ "security", LOG_AUTH }, { "syslog", LOG_SYSLOG }, { "user", LOG_USER },
	{ "uucp", LOG_UUCP }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* Asterisk reads "syslog" alone as syslog.local0, so Lyre does too. */
int ly_log_syslog_facility(const char *channel, int *facility)
{
	const char *name;

	if (strncasecmp(channel, "syslog", 6) != 0 || (channel[6] && channel[6] != '.'))
		return ENOENT;
	name = channel[6] ? channel + 7 : "local0";
	for (size_t i = 0; i < LY_ARRAY_LEN(facilities); i++) {
		if (strcasecmp(name, facilities[i].name) == 0) {
			*facility = facilities[i].facility;
			return 0;
		}
	}
	return EINVAL;
}

/* ---- logger.conf ---- */

static void set_error(struct ly_cfg_error *err, const struct ly_cfg_var *v,
		      const char *fmt, ...) LY_PRINTF(3, 4);
static void set_error(struct ly_cfg_error *err, const struct ly_cfg_var *v, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", v->file ? v->file : "logger.conf",
		 v->line, what);
}

/* "verbose(3)" -> cap 3; "verbose" -> LY_LOG_NO_CAP.  0 or EINVAL. */
static int parse_cap(const char *word, size_t name_len, int *cap)
{
	const char *open = word + name_len;
	long v;
	char num[16];

	if (!*open) {
		*cap = LY_LOG_NO_CAP;
		return 0;
	}
	size_t len = strlen(open);
	if (*open != '(' || open[len - 1] != ')' || len - 2 >= sizeof(num))
		return EINVAL;
	memcpy(num, open + 1, len - 2);
	num[len - 2] = '\0';
	if (ly_parse_int(ly_strstrip(num), 0, INT_MAX, &v))
		return EINVAL;
	*cap = (int)v;
	return 0;
}

static bool is_level_word(const char *word, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(word, name, n) == 0 && (word[n] == '\0' || word[n] == '(');
}

/* One word of a levels list; true if understood. */
static bool apply_level(struct log_channel *c, const char *word)
{
	if (strcmp(word, "*") == 0) {
		c->levels = LY_LOG_ALL_LEVELS;
		c->verbose_cap = c->debug_cap = LY_LOG_NO_CAP;
		return true;
	}
	for (int l = 0; l < LY_LOG_LEVELS; l++) {
		const char *name = ly_log_level_name(l);
		size_t n = strlen(name);
		int cap = LY_LOG_NO_CAP;

		if (!is_level_word(word, name))
			continue;
		if (parse_cap(word, n, &cap) || (l <= LY_LOG_NOTICE && word[n]))
			return false;
		c->levels |= LY_LOG_BIT(l);
		if (l == LY_LOG_VERBOSE)
			c->verbose_cap = cap;
		if (l == LY_LOG_DEBUG)
			c->debug_cap = cap;
		return true;
	}
	/* Asterisk levels Lyre does not have: accepted so an Asterisk
	 * logger.conf works unchanged, and carry nothing. */
	return is_level_word(word, "dtmf") || is_level_word(word, "fax") ||
	       is_level_word(word, "security");
}

static int parse_levels(struct log_channel *c, const struct ly_cfg_var *v,
			struct ly_cfg_error *err)
{
	char *list = ly_strdup(v->value ? v->value : ""), *save = NULL;
	int rc = 0;

	c->levels = 0;
	c->verbose_cap = c->debug_cap = LY_LOG_NO_CAP;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		ly_strstrip(w);
		if (*w && !apply_level(c, w)) {
			set_error(err, v, "unknown log level '%s'", w);
			rc = EINVAL;
			break;
		}
	}
	free(list);
	return rc;
}

static char *channel_path(const char *name, const char *logdir)
{
	if (name[0] == '/')
		return ly_strdup(name);
	return ly_asprintf("%s/%s", logdir, name);
}

/* A new channel for v: a syslog facility or a file under logdir. */
static int new_channel(struct log_table *t, const struct ly_cfg_var *v, const char *logdir,
		       struct log_channel **cp, struct ly_cfg_error *err)
{
	int facility = -1, rc = ly_log_syslog_facility(v->name, &facility);
	char *path;

	if (rc == EINVAL) {
		set_error(err, v, "unknown syslog facility in '%s'", v->name);
		return EINVAL;
	}
	if (rc == 0) {
		*cp = table_add(t, v->name, NULL);
		(*cp)->facility = facility;
		return 0;
	}
	path = channel_path(v->name, logdir);
	*cp = table_add(t, v->name, path);
	free(path);
	return 0;
}

static int add_configured_channel(struct log_table *t, const struct ly_cfg_var *v,
				  const char *logdir, struct ly_cfg_error *err)
{
	struct log_channel *c = table_find(t, v->name);
	int rc;

	if (!*v->name) {
		set_error(err, v, "a log channel needs a file name");
		return EINVAL;
	}
	if (!c && (rc = new_channel(t, v, logdir, &c, err)) != 0)
		return rc;
	return parse_levels(c, v, err);
}

static struct log_table *default_table(void)
{
	struct log_table *t = table_new(LY_LOG_DEFAULT_DATEFORMAT);

	t->ch[0].levels = LY_LOG_BIT(LY_LOG_ERROR) | LY_LOG_BIT(LY_LOG_WARNING) |
			  LY_LOG_BIT(LY_LOG_NOTICE) | LY_LOG_BIT(LY_LOG_VERBOSE);
	return t;
}

static int table_from_config(const struct ly_config *cfg, const char *logdir,
			     struct log_table **tp, struct ly_cfg_error *err)
{
	const char *datefmt = ly_cfg_get(cfg, "general", "dateformat");
	const struct ly_cfg_section *files = ly_cfg_section(cfg, "logfiles");
	struct log_table *t = table_new(datefmt && *datefmt ? datefmt : LY_LOG_DEFAULT_DATEFORMAT);

	for (const struct ly_cfg_var *v = files ? files->vars : NULL; v; v = v->next) {
		int rc = add_configured_channel(t, v, logdir, err);

		if (rc) {
			ly_log_table_free(t);
			return rc;
		}
	}
	*tp = t;
	return 0;
}

static int load_table(const char *confdir, const char *logdir, struct log_table **tp,
		      struct ly_cfg_error *err)
{
	struct ly_config *cfg = NULL;
	int rc = ly_config_load(confdir, "logger.conf", &cfg, err);

	if (rc == ENOENT) {
		*tp = default_table();
		return 0;
	}
	if (rc)
		return rc;
	rc = table_from_config(cfg, logdir, tp, err);
	ly_config_free(cfg);
	return rc;
}

/* ---- reconfiguration ---- */

static void remember_dirs(const char *confdir, const char *logdir)
{
	char *c = ly_strdup(confdir ? confdir : "."), *l = ly_strdup(logdir);

	free(conf_dir);
	free(log_dir);
	conf_dir = c;
	log_dir = l;
}

int ly_log_configure(const char *confdir, const char *logdir, struct ly_cfg_error *err)
{
	struct ly_cfg_error local = { { 0 } };
	struct log_table *t = NULL;
	struct ly_buf why;
	int rc;

	if (!err)
		err = &local;
	if (!logdir)
		logdir = FALLBACK_LOGDIR;
	ly_buf_init(&why);
	ly_log_reconf_lock();
	rc = load_table(confdir, logdir, &t, err);
	if (!rc) {
		/* Creates only the last component, as the daemon's log dir
		 * normally exists; a failure shows up when a file will not open. */
		mkdir(logdir, 0750);
		table_open(t, &why);
		ly_log_table_install(t);
		remember_dirs(confdir, logdir);
	}
	ly_log_reconf_unlock();
	log_warnings(&why);
	ly_buf_free(&why);
	return rc;
}

/* So that logrotate can move the old files away. */
int ly_log_reopen(void)
{
	struct log_table *t = NULL;
	struct ly_buf why;

	ly_buf_init(&why);
	ly_log_reconf_lock();
	ly_log_table_use(table_clone, &t);
	if (t) {
		table_open(t, &why);
		ly_log_table_install(t);
	}
	ly_log_reconf_unlock();
	log_warnings(&why);
	ly_buf_free(&why);
	return t ? 0 : ENOENT;
}

bool ly_log_conf_dirs(char **confdir, char **logdir)
{
	ly_log_reconf_lock();
	*confdir = conf_dir ? ly_strdup(conf_dir) : NULL;
	*logdir = log_dir ? ly_strdup(log_dir) : NULL;
	ly_log_reconf_unlock();
	return *confdir != NULL;
}

void ly_log_conf_forget(void)
{
	ly_log_reconf_lock();
	ly_log_table_install(NULL);
	free(conf_dir);
	free(log_dir);
	conf_dir = log_dir = NULL;
	ly_log_reconf_unlock();
}
