/* core/log_cli.c - the `logger ...` and `core set verbose|debug` console commands. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lyre/cli.h"
#include "lyre/config.h"
#include "lyre/log.h"
#include "log.h"
#include "log_int.h"

static enum ly_cli_result cli_logger_reload(struct ly_cli_args *a)
{
	struct ly_cfg_error err = { { 0 } };
	char *confdir, *logdir;
	int rc;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (!ly_log_conf_dirs(&confdir, &logdir)) {
		ly_cli_print(a, "The logger is not configured yet.\n");
		return LY_CLI_FAILURE;
	}
	rc = ly_log_configure(confdir, logdir, &err);
	free(confdir);
	free(logdir);
	if (rc) {
		ly_cli_print(a, "Logger reload failed, the running channels stay: %s\n",
			     err.msg[0] ? err.msg : strerror(rc));
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Logger reloaded.\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result cli_logger_rotate(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (ly_log_reopen()) {
		ly_cli_print(a, "The logger is not configured yet.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Log files reopened.\n");
	return LY_CLI_SUCCESS;
}

static void print_levels(struct ly_cli_args *a, const struct log_channel *c)
{
	if (!c->levels)
		ly_cli_print(a, " (none)");
	for (int l = 0; l < LY_LOG_LEVELS; l++) {
		int cap = l == LY_LOG_VERBOSE ? c->verbose_cap : c->debug_cap;

		if (!(c->levels & LY_LOG_BIT(l)))
			continue;
		if (l >= LY_LOG_VERBOSE && cap != LY_LOG_NO_CAP)
			ly_cli_print(a, " %s(%d)", ly_log_level_name(l), cap);
		else
			ly_cli_print(a, " %s", ly_log_level_name(l));
	}
	ly_cli_print(a, "\n");
}

static const char *channel_type(const struct log_channel *c)
{
	if (c->facility >= 0)
		return "Syslog";
	return c->path ? "File" : "Console";
}

/* Runs under the log lock: prints into the reply buffer, never logs. */
static void show_table(struct log_table *t, void *arg)
{
	struct ly_cli_args *a = arg;

	if (!t) {
		ly_cli_print(a, "The logger is not configured yet (errors go to stderr).\n");
		return;
	}
	ly_cli_print(a, "Date format: %s   Verbose: %d   Debug: %d\n\n", t->dateformat,
		     ly_log_get_verbose(), ly_log_get_debug());
	ly_cli_print(a, "%-40s %-8s %-9s %s\n", "Channel", "Type", "Status", "Configuration");
	ly_cli_print(a, "%-40s %-8s %-9s %s\n", "-------", "----", "------", "-------------");
	for (size_t i = 0; i < t->n; i++) {
		const struct log_channel *c = &t->ch[i];

		ly_cli_print(a, "%-40s %-8s %-9s -", c->path ? c->path : c->name,
			     channel_type(c), c->path && c->fd < 0 ? "Disabled" : "Enabled");
		print_levels(a, c);
	}
}

static enum ly_cli_result cli_logger_show(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_log_table_use(show_table, a);
	return LY_CLI_SUCCESS;
}

static int level_by_name(const char *name)
{
	for (int l = 0; l < LY_LOG_LEVELS; l++)
		if (ly_strcaseeq(name, ly_log_level_name(l)))
			return l;
	return -1;
}

struct level_change {
	int level;
	bool on;
	bool done;
};

/* Toggle a level on the console channel, under the log lock. */
static void change_console_level(struct log_table *t, void *arg)
{
	struct level_change *lc = arg;
	struct log_channel *c;

	if (!t)
		return;
	c = &t->ch[0];
	if (lc->on && !(c->levels & LY_LOG_BIT(lc->level))) {
		c->levels |= LY_LOG_BIT(lc->level);
		if (lc->level == LY_LOG_VERBOSE)
			c->verbose_cap = LY_LOG_NO_CAP;
		if (lc->level == LY_LOG_DEBUG)
			c->debug_cap = LY_LOG_NO_CAP;
	} else if (!lc->on) {
		c->levels &= ~LY_LOG_BIT(lc->level);
	}
	lc->done = true;
}

static enum ly_cli_result cli_logger_set_level(struct ly_cli_args *a)
{
	struct level_change lc = { 0 };

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	lc.level = level_by_name(a->argv[a->cmd_words]);
	lc.on = ly_true(a->argv[a->cmd_words + 1]);
	if (lc.level < 0 || (!lc.on && !ly_false(a->argv[a->cmd_words + 1])))
		return LY_CLI_SHOWUSAGE;
	/* The reconf lock keeps a concurrent rotate from undoing the change. */
	ly_log_reconf_lock();
	ly_log_table_use(change_console_level, &lc);
	ly_log_reconf_unlock();
	if (!lc.done) {
		ly_cli_print(a, "The logger is not configured yet.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Console logging of %s is now %s.\n", ly_log_level_name(lc.level),
		     lc.on ? "on" : "off");
	return LY_CLI_SUCCESS;
}

/* Shared by `core set verbose` and `core set debug`: N or off. */
static enum ly_cli_result cli_set_number(struct ly_cli_args *a, const char *what,
					 int (*get)(void), void (*set)(int))
{
	const char *arg;
	long v;
	int was = get();

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	arg = a->argv[a->cmd_words];
	if (ly_false(arg))
		v = 0;
	else if (ly_parse_int(arg, 0, INT_MAX, &v))
		return LY_CLI_SHOWUSAGE;
	set((int)v);
	if (was == (int)v)
		ly_cli_print(a, "%s is at least %d\n", what, was);
	else
		ly_cli_print(a, "%s was %d and is now %d\n", what, was, (int)v);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result cli_set_verbose(struct ly_cli_args *a)
{
	return cli_set_number(a, "Verbosity", ly_log_get_verbose, ly_log_set_verbose);
}

static enum ly_cli_result cli_set_debug(struct ly_cli_args *a)
{
	return cli_set_number(a, "Core debug", ly_log_get_debug, ly_log_set_debug);
}

static void complete_word(const char *word, const char *typed, struct ly_cli_completion *c)
{
	if (strncasecmp(word, typed, strlen(typed)) == 0)
		ly_cli_complete_add(c, word);
}

static void complete_set_level(const struct ly_cli_args *a, int pos, const char *word,
			       struct ly_cli_completion *c)
{
	if (pos == a->cmd_words) {
		for (int l = 0; l < LY_LOG_LEVELS; l++)
			complete_word(ly_log_level_name(l), word, c);
	} else if (pos == a->cmd_words + 1) {
		complete_word("on", word, c);
		complete_word("off", word, c);
	}
}

static void complete_off(const struct ly_cli_args *a, int pos, const char *word,
			 struct ly_cli_completion *c)
{
	if (pos == a->cmd_words)
		complete_word("off", word, c);
}

static const struct ly_cli_command log_commands[] = {
	{ "logger reload", "Reopen log channels from logger.conf",
	  "Usage: logger reload\n"
	  "  Reads logger.conf again; when it does not parse, the running channels stay.\n",
	  cli_logger_reload, NULL },
	{ "logger rotate", "Reopen the log files",
	  "Usage: logger rotate\n"
	  "  Closes and reopens every log file, after logrotate moved them away.\n",
	  cli_logger_rotate, NULL },
	{ "logger show channels", "List the log channels",
	  "Usage: logger show channels\n"
	  "  Lists each log channel, whether it is open and the levels it takes.\n",
	  cli_logger_show, NULL },
	{ "logger set level", "Turn a level on or off on the console",
	  "Usage: logger set level {ERROR|WARNING|NOTICE|VERBOSE|DEBUG} {on|off}\n"
	  "  Turns a level on or off on the console channel until the next reload.\n",
	  cli_logger_set_level, complete_set_level },
	{ "core set verbose", "Set the verbose level",
	  "Usage: core set verbose {<level>|off}\n"
	  "  Verbose messages of level N are shown while N <= this setting.\n",
	  cli_set_verbose, complete_off },
	{ "core set debug", "Set the debug level",
	  "Usage: core set debug {<level>|off}\n"
	  "  Debug messages of level N are shown while N <= this setting.\n",
	  cli_set_debug, complete_off },
};

int ly_log_cli_register(void)
{
	return ly_cli_register_multiple(NULL, log_commands, LY_ARRAY_LEN(log_commands));
}
