/*
 * lyre/log.h - the logging macros every file uses.
 *
 * Levels, most to least severe: error, warning, notice, verbose N, debug N.
 * Verbose and debug messages carry a level N (1 = most important) and are
 * emitted only while the daemon's verbose/debug setting is >= N
 * (`core set verbose N`, `core set debug N`, lyre -v/-d).
 *
 * A line looks like
 *   [2026-11-26 03:20:11.123] NOTICE[4242][C-00000003] core/loader.c:88 module_load: Loaded app_hello
 * with the thread id and, when the thread works for a call, its call id
 * (set with ly_log_set_callid).  Destinations come from logger.conf.
 */
#ifndef LYRE_LOG_H
#define LYRE_LOG_H

#include "utils.h"

enum ly_log_level {
	LY_LOG_ERROR,
	LY_LOG_WARNING,
	LY_LOG_NOTICE,
	LY_LOG_VERBOSE,
	LY_LOG_DEBUG,
	LY_LOG_LEVELS	/* number of levels, not a level */
};

void ly_log(enum ly_log_level level, int sublevel, const char *file, int line,
	    const char *func, const char *fmt, ...) LY_PRINTF(6, 7);
void ly_vlog(enum ly_log_level level, int sublevel, const char *file, int line,
	     const char *func, const char *fmt, va_list ap) LY_PRINTF(6, 0);

/* True when a message of this level and sublevel would be written anywhere;
 * lets callers skip building expensive debug text. */
bool ly_log_enabled(enum ly_log_level level, int sublevel);

#define ly_error(...)   ly_log(LY_LOG_ERROR, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define ly_warning(...) ly_log(LY_LOG_WARNING, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define ly_notice(...)  ly_log(LY_LOG_NOTICE, 0, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define ly_verbose(n, ...) ly_log(LY_LOG_VERBOSE, (n), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define ly_debug(n, ...)   ly_log(LY_LOG_DEBUG, (n), __FILE__, __LINE__, __func__, __VA_ARGS__)

/* The call id shown in this thread's log lines ("C-0000002a"); NULL clears. */
void ly_log_set_callid(const char *callid);
const char *ly_log_get_callid(void);

const char *ly_log_level_name(enum ly_log_level level);

#endif
