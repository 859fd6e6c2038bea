/* core/log.h - core-private control of the logger (lyre/log.h is the public side). */
#ifndef LYRE_CORE_LOG_H
#define LYRE_CORE_LOG_H

#include <stdbool.h>

#include "lyre/config.h"
#include "lyre/log.h"

/* Before any config: errors, warnings and notices go to stderr. */
void ly_log_init(void);
/*
 * Read logger.conf from confdir and open its files under logdir.  On a
 * parse error returns EINVAL with err filled and keeps the current setup.
 * A missing logger.conf means the built-in default (console only).
 */
int ly_log_configure(const char *confdir, const char *logdir, struct ly_cfg_error *err);
/* Close files, remove sinks. */
void ly_log_shutdown(void);

/* The daemon's verbose and debug levels (lyre -v/-d, core set verbose). */
void ly_log_set_verbose(int level);
int ly_log_get_verbose(void);
void ly_log_set_debug(int level);
int ly_log_get_debug(void);

/* Write the console channel's lines to stdout (foreground without an
 * interactive console) or not (daemon, or an interactive console that
 * receives them through a sink). */
void ly_log_set_stdout(bool on);

/*
 * Extra destinations (remote consoles): fn is called for each line that
 * passes the console channel's filter, from the thread that logged, with
 * the formatted line (no trailing newline).  fn must not log.
 */
typedef void (*ly_log_sink_fn)(void *arg, enum ly_log_level level, const char *line);
void ly_log_add_sink(ly_log_sink_fn fn, void *arg);
void ly_log_remove_sink(ly_log_sink_fn fn, void *arg);

/*
 * Also copy the text of every error and warning this thread logs into buf
 * (one line each) until called again with the previous value, which it
 * returns.  The loader wraps a module's load() and reload() with it, so
 * `module reload x` shows the module's own reason ("x.conf:3: ...").
 */
struct ly_buf *ly_log_capture(struct ly_buf *buf);

/* Register logger reload|rotate|show channels|set level, core set verbose|debug. */
int ly_log_cli_register(void);

#endif
