/* core/shutdown.h - stopping and reloading the daemon. */
#ifndef LYRE_CORE_SHUTDOWN_H
#define LYRE_CORE_SHUTDOWN_H

#include "lyre/utils.h"

enum ly_shutdown_mode {
	LY_SHUTDOWN_NONE,
	LY_SHUTDOWN_NOW,		/* hang up every call and stop */
	LY_SHUTDOWN_GRACEFULLY,		/* refuse new calls, stop when none are left */
	LY_SHUTDOWN_WHEN_CONVENIENT,	/* accept calls, stop the moment none are up */
};

/* Ask for a shutdown (thread-safe); the loop stops when the mode allows. */
void ly_shutdown_request(enum ly_shutdown_mode mode);
/* Cancel a pending graceful or when-convenient shutdown. */
int ly_shutdown_abort(void);
enum ly_shutdown_mode ly_shutdown_mode(void);
/* The channel layer calls this whenever a channel goes away. */
void ly_shutdown_channel_gone(void);

/* Reload logger.conf and every module (core reload, SIGHUP). */
int ly_reload_all(struct ly_buf *why);
void ly_set_reload_time(void);

#endif
