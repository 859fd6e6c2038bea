/*
 * core/log_int.h - what the logger's three files share: the channel table,
 * the locks around it, and the syslog mappings.
 *
 * log.c formats lines and writes them to the live table and the sinks;
 * log_conf.c builds tables from logger.conf and swaps them in; log_cli.c
 * holds the `logger ...` and `core set ...` commands.
 *
 * Locks, in the order they may be taken:
 *
 *   reconf lock  serialises whole reconfigurations (configure, rotate,
 *                `logger set level`, shutdown) so that none undoes another.
 *   log lock     a read-write lock: a line is written to the channels under
 *                it shared, a change of the live table takes it alone.  It is
 *                a leaf: nothing that takes another lock or logs runs under
 *                it (but syslog(3), whose own lock is a leaf), so a
 *                reconfiguration builds its new table (opens files) outside
 *                it and only swaps the pointer under it.
 *   sinks lock   (log.c only) guards the sink list; never held while a sink
 *                runs and never together with the log lock.
 */
#ifndef LYRE_CORE_LOG_INT_H
#define LYRE_CORE_LOG_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lyre/log.h"

#define LY_LOG_DEFAULT_DATEFORMAT "%F %T"
#define LY_LOG_NO_CAP INT_MAX		/* a level without a verbose(N)/debug(N) cap */
#define LY_LOG_BIT(l) (1u << (l))
#define LY_LOG_ALL_LEVELS (LY_LOG_BIT(LY_LOG_LEVELS) - 1u)
#define LY_LOG_CONSOLE "console"

struct log_channel {
	char *name;		/* as written in logger.conf */
	char *path;		/* a file's path; NULL for the console and syslog */
	int fd;			/* -1 unless an open file */
	int facility;		/* syslog(3) facility (LOG_LOCAL0...), or -1 */
	unsigned levels;	/* LY_LOG_BIT mask */
	int verbose_cap;	/* verbose(N): sublevels above N are dropped */
	int debug_cap;
};

/* Channel 0 is always the console, so `logger set level` has a target even
 * when logger.conf does not name it. */
struct log_table {
	char *dateformat;
	struct log_channel *ch;
	size_t n;
};

/* ---- log.c ---- */

void ly_log_reconf_lock(void);
void ly_log_reconf_unlock(void);
/* Under the reconf lock: make t (NULL: the stderr fallback) the live table
 * and free the one it replaces. */
void ly_log_table_install(struct log_table *t);
/* Run fn on the live table (NULL before configure) under the log lock, then
 * recompute which levels anyone takes, as fn may have changed them.  fn
 * must not log or take a lock. */
void ly_log_table_use(void (*fn)(struct log_table *t, void *arg), void *arg);
void ly_log_table_free(struct log_table *t);
/* The syslog(3) priority for a level: ERROR -> LOG_ERR, WARNING ->
 * LOG_WARNING, NOTICE -> LOG_NOTICE, VERBOSE -> LOG_INFO, DEBUG -> LOG_DEBUG. */
int ly_log_syslog_priority(enum ly_log_level level);

/* ---- log_conf.c ---- */

/* The facility of an Asterisk-style channel name: "syslog" (local0) or
 * "syslog.<facility>".  0; ENOENT when the name is no syslog channel;
 * EINVAL when the facility is unknown. */
int ly_log_syslog_facility(const char *channel, int *facility);
/* `logger rotate`: the same channels with freshly opened files.
 * 0, or ENOENT when the logger is not configured. */
int ly_log_reopen(void);
/* Copies of the directories of the last good configure; false (and NULLs)
 * when there was none. */
bool ly_log_conf_dirs(char **confdir, char **logdir);
/* At shutdown: back to the stderr fallback, forget the directories. */
void ly_log_conf_forget(void);

#endif
