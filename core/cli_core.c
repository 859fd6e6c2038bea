/* core/cli_core.c - console commands about the daemon itself: version, uptime, settings, threads, stop, reload. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lyre/lyre.h"
#include "cli_int.h"
#include "loader.h"
#include "log.h"
#include "settings.h"
#include "shutdown.h"
#include "threads.h"

static enum ly_cli_result show_version(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_cli_print(a, "Lyre %s (module API %d.%d), built %s %s\n", PACKAGE_VERSION,
		     LYRE_MODULE_API_MAJOR, LYRE_MODULE_API_MINOR, __DATE__, __TIME__);
	return LY_CLI_SUCCESS;
}

/* "1 day, 2 hours, 5 minutes, 3 seconds", as Asterisk prints durations. */
static void print_duration(struct ly_cli_args *a, long secs)
{
	static const struct { const char *unit; long size; } units[] = {
		{ "week", 604800 }, { "day", 86400 }, { "hour", 3600 }, { "minute", 60 },
	};
	bool any = false;

	for (size_t i = 0; i < LY_ARRAY_LEN(units); i++) {
		long n = secs / units[i].size;
		if (!n)
			continue;
		ly_cli_print(a, "%s%ld %s%s", any ? ", " : "", n, units[i].unit, n == 1 ? "" : "s");
		secs %= units[i].size;
		any = true;
	}
	if (secs || !any)
		ly_cli_print(a, "%s%ld second%s", any ? ", " : "", secs, secs == 1 ? "" : "s");
	ly_cli_print(a, "\n");
}

static enum ly_cli_result show_uptime(struct ly_cli_args *a)
{
	time_t now = time(NULL);
	bool seconds = a->argc == a->cmd_words + 1 && ly_strcaseeq(a->argv[a->cmd_words], "seconds");

	if (a->argc > a->cmd_words + 1 || (a->argc == a->cmd_words + 1 && !seconds))
		return LY_CLI_SHOWUSAGE;
	if (seconds) {
		ly_cli_print(a, "System uptime: %ld\nLast reload: %ld\n",
			     (long)(now - ly_start_time()), (long)(now - ly_last_reload_time()));
		return LY_CLI_SUCCESS;
	}
	ly_cli_print(a, "System uptime: ");
	print_duration(a, (long)(now - ly_start_time()));
	ly_cli_print(a, "Last reload: ");
	print_duration(a, (long)(now - ly_last_reload_time()));
	return LY_CLI_SUCCESS;
}

static void print_time(struct ly_cli_args *a, const char *label, time_t t)
{
	char buf[64];
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%F %T", &tm);
	ly_cli_print(a, "  %-24s %s\n", label, buf);
}

/* What the process really runs as (lyre.conf, -U/-G or neither). */
static void print_identity(struct ly_cli_args *a)
{
	struct passwd *pw = getpwuid(geteuid());
	struct group *gr = getgrgid(getegid());

	ly_cli_print(a, "  %-24s %s (%u)\n", "Running as user:", pw ? pw->pw_name : "?",
		     (unsigned)geteuid());
	ly_cli_print(a, "  %-24s %s (%u)\n", "Running as group:", gr ? gr->gr_name : "?",
		     (unsigned)getegid());
}

static enum ly_cli_result show_settings(struct ly_cli_args *a)
{
	const struct ly_settings *s = ly_settings();
	const struct ly_dirs *d = &s->dirs;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_cli_print(a, "\nPBX Core settings\n-----------------\n");
	ly_cli_print(a, "  %-24s %s\n", "Version:", PACKAGE_VERSION);
	ly_cli_print(a, "  %-24s %d.%d\n", "Module API:", LYRE_MODULE_API_MAJOR, LYRE_MODULE_API_MINOR);
	ly_cli_print(a, "  %-24s %ld\n", "Process id:", (long)getpid());
	print_identity(a);
	ly_cli_print(a, "  %-24s %d\n", "Verbosity:", ly_log_get_verbose());
	ly_cli_print(a, "  %-24s %d\n", "Debug level:", ly_log_get_debug());
	ly_cli_print(a, "  %-24s %u%s\n", "Maximum calls:", s->maxcalls, s->maxcalls ? "" : " (no limit)");
	print_time(a, "Started:", ly_start_time());
	print_time(a, "Last reload:", ly_last_reload_time());
	ly_cli_print(a, "  %-24s %u\n", "Modules loaded:", ly_module_count());
	ly_cli_print(a, "  %-24s %u\n", "Active channels:", ly_chan_count());
	ly_cli_print(a, "  %-24s %s\n", "Shutting down:", ly_shutting_down() ? "yes" : "no");
	ly_cli_print(a, "\nDirectories\n-----------\n");
	ly_cli_print(a, "  %-24s %s\n", "Configuration:", d->confdir);
	ly_cli_print(a, "  %-24s %s\n", "Modules:", d->moduledir);
	ly_cli_print(a, "  %-24s %s\n", "Sounds:", d->sounddir);
	ly_cli_print(a, "  %-24s %s\n", "Spool:", d->spooldir);
	ly_cli_print(a, "  %-24s %s\n", "State:", d->statedir);
	ly_cli_print(a, "  %-24s %s\n", "Logs:", d->logdir);
	ly_cli_print(a, "  %-24s %s\n", "Run (console socket):", d->rundir);
	ly_cli_print(a, "  %-24s %s\n", "Console socket:", ly_settings_socket_path());
	ly_cli_print(a, "  %-24s %s\n", "Pid file:", ly_settings_pidfile());
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result show_threads(struct ly_cli_args *a)
{
	struct ly_buf list;
	unsigned n;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_buf_init(&list);
	n = ly_threads_list(&list);
	ly_cli_print(a, "%-8s %-24s %s\n%s%u threads listed.\n", "TID", "Name", "State",
		     ly_buf_str(&list), n);
	ly_buf_free(&list);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result stop_now(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_shutdown_request(LY_SHUTDOWN_NOW);
	ly_cli_print(a, "Stopping now.\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result stop_gracefully(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_shutdown_request(LY_SHUTDOWN_GRACEFULLY);
	ly_cli_print(a, "Refusing new calls; stopping when %u active channel%s end.\n",
		     ly_chan_count(), ly_chan_count() == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result stop_when_convenient(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_shutdown_request(LY_SHUTDOWN_WHEN_CONVENIENT);
	ly_cli_print(a, "Stopping as soon as no call is up (%u active now).\n", ly_chan_count());
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result abort_shutdown(struct ly_cli_args *a)
{
	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	if (ly_shutdown_abort()) {
		ly_cli_print(a, "No shutdown to abort.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Shutdown aborted.\n");
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result core_reload(struct ly_cli_args *a)
{
	int rc;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	rc = ly_reload_all(a->out);
	if (rc) {
		ly_cli_print(a, "Reload failed; the running configuration was kept where it did.\n");
		return LY_CLI_FAILURE;
	}
	ly_cli_print(a, "Configuration reloaded.\n");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command core_commands[] = {
	{ "core show version", "Show the Lyre version",
	  "Usage: core show version\n  Shows the version and the module API version.\n", show_version, NULL },
	{ "core show uptime", "Show how long Lyre has been running",
	  "Usage: core show uptime [seconds]\n  Time since start and since the last reload.\n", show_uptime, NULL },
	{ "core show settings", "Show the running settings and directories",
	  "Usage: core show settings\n", show_settings, NULL },
	{ "core show threads", "List the daemon's threads",
	  "Usage: core show threads\n", show_threads, NULL },
	{ "core stop now", "Hang up every call and stop Lyre",
	  "Usage: core stop now\n", stop_now, NULL },
	{ "core stop gracefully", "Refuse new calls; stop when the last call ends",
	  "Usage: core stop gracefully\n", stop_gracefully, NULL },
	{ "core stop when convenient", "Stop as soon as no call is up",
	  "Usage: core stop when convenient\n", stop_when_convenient, NULL },
	{ "core abort shutdown", "Cancel a graceful or when-convenient stop",
	  "Usage: core abort shutdown\n", abort_shutdown, NULL },
	{ "core reload", "Reload logger.conf and every module's configuration",
	  "Usage: core reload\n  A file that fails to parse keeps the running configuration.\n", core_reload, NULL },
};

int ly_cli_core_register(void)
{
	int rc = ly_cli_register_multiple(NULL, core_commands, LY_ARRAY_LEN(core_commands));

	return rc ? rc : ly_mwi_cli_register();
}
