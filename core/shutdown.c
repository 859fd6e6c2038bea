/* core/shutdown.c - the three ways to stop (now, gracefully, when convenient) and reload. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "lyre/channel.h"
#include "lyre/core.h"
#include "lyre/log.h"
#include "lyre/loop.h"
#include "dialplan.h"
#include "loader.h"
#include "log.h"
#include "settings.h"
#include "shutdown.h"

static _Atomic int shutdown_mode = LY_SHUTDOWN_NONE;
static time_t start_time;
static _Atomic time_t reload_time;

time_t ly_start_time(void)
{
	if (!start_time)
		start_time = time(NULL);
	return start_time;
}

time_t ly_last_reload_time(void)
{
	time_t t = atomic_load(&reload_time);

	return t ? t : ly_start_time();
}

void ly_set_reload_time(void)
{
	atomic_store(&reload_time, time(NULL));
}

bool ly_shutting_down(void)
{
	int mode = atomic_load(&shutdown_mode);

	/* "when convenient" keeps taking calls: it only waits for a quiet moment. */
	return mode == LY_SHUTDOWN_NOW || mode == LY_SHUTDOWN_GRACEFULLY;
}

enum ly_shutdown_mode ly_shutdown_mode(void)
{
	return atomic_load(&shutdown_mode);
}

static void hangup_one(struct ly_channel *c, void *arg)
{
	(void)arg;
	ly_chan_softhangup(c, LY_CAUSE_NORMAL_CLEARING);
}

/* Runs on the loop thread, so the channel count it reads cannot race with
 * the loop deciding to stop. */
static void check_idle(void *arg)
{
	struct ly_loop *loop = ly_main_loop();
	int mode = atomic_load(&shutdown_mode);

	(void)arg;
	if (!loop || mode == LY_SHUTDOWN_NONE)
		return;
	if (mode == LY_SHUTDOWN_NOW) {
		ly_chan_foreach(hangup_one, NULL);
		ly_loop_stop(loop);
		return;
	}
	if (ly_chan_count() == 0) {
		ly_notice("No calls left: shutting down");
		ly_loop_stop(loop);
	}
}

void ly_shutdown_request(enum ly_shutdown_mode mode)
{
	struct ly_loop *loop = ly_main_loop();
	static const char *const what[] = {
		[LY_SHUTDOWN_NOW] = "now",
		[LY_SHUTDOWN_GRACEFULLY] = "gracefully: new calls are refused, stopping when the last call ends",
		[LY_SHUTDOWN_WHEN_CONVENIENT] = "when convenient: stopping when no call is up",
	};

	if (mode == LY_SHUTDOWN_NONE)
		return;
	atomic_store(&shutdown_mode, mode);
	ly_notice("Shutdown requested %s", what[mode]);
	if (loop)
		ly_loop_call(loop, check_idle, NULL);
}

int ly_shutdown_abort(void)
{
	int mode = atomic_exchange(&shutdown_mode, LY_SHUTDOWN_NONE);

	if (mode == LY_SHUTDOWN_NONE || mode == LY_SHUTDOWN_NOW) {
		atomic_store(&shutdown_mode, mode);
		return ENOENT;
	}
	ly_notice("Shutdown aborted");
	return 0;
}

void ly_shutdown_channel_gone(void)
{
	struct ly_loop *loop = ly_main_loop();

	/* Called from the channel destructor, perhaps under the channel list
	 * lock: hand the check to the loop instead of counting here. */
	if (loop && atomic_load(&shutdown_mode) != LY_SHUTDOWN_NONE)
		ly_loop_call(loop, check_idle, NULL);
}

int ly_reload_all(struct ly_buf *why)
{
	const struct ly_settings *s = ly_settings();
	struct ly_cfg_error err = { { 0 } };
	int rc, first = 0;

	rc = ly_log_configure(s->dirs.confdir, s->dirs.logdir, &err);
	if (rc) {
		ly_buf_printf(why, "logger.conf not reloaded: %s\n", err.msg);
		ly_error("logger.conf not reloaded, keeping the running configuration: %s",
			 err.msg);
		first = rc;
	}
	rc = ly_module_reload_all(why);
	if (rc && !first)
		first = rc;
	rc = dp_reload(why);
	if (rc && !first)
		first = rc;
	ly_set_reload_time();
	return first;
}
