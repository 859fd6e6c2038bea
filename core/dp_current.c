/* core/dp_current.c - the running dialplan: loading it at start-up, swapping it on reload, its globals. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "dp_int.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"

#define DP_FILE "extensions.conf"

/*
 * Readers take a reference under the lock and search without it: the
 * lock covers only the pointer swap, so a reload never waits for calls
 * and a call never sees a half-built plan.  A plan dies when the last
 * channel that was using it lets go.
 */
static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dp_plan *current;
static char *current_confdir;

struct dp_plan *dp_current(void)
{
	struct dp_plan *plan;

	pthread_mutex_lock(&current_lock);
	plan = dp_plan_ref(current);
	pthread_mutex_unlock(&current_lock);
	return plan;
}

static struct dp_plan *swap_current(struct dp_plan *plan)
{
	struct dp_plan *old;

	pthread_mutex_lock(&current_lock);
	old = current;
	current = plan;
	pthread_mutex_unlock(&current_lock);
	return old;
}

/* ---- globals ---- */

/* Values may use globals set above them ("PATH=${BASE}/x"), as Asterisk
 * substitutes each [globals] line when it loads it. */
static void set_global(const char *name, const char *value, void *arg)
{
	struct ly_buf *b = arg;

	ly_buf_reset(b);
	ly_pbx_substitute(NULL, value, b);
	ly_global_set(name, ly_buf_str(b));
}

/*
 * clearglobalvars = yes: a reload forgets every global, those of the old
 * file and those set while running (Set(GLOBAL(x)=...)), as Asterisk does.
 * With no (the default) they stay and the new file's values overwrite them.
 */
static void apply_globals(const struct dp_plan *old, const struct dp_plan *plan)
{
	struct ly_buf b;

	if (old && plan->general.clearglobalvars)
		ly_global_clear();
	ly_buf_init(&b);
	dp_plan_foreach_global(plan, set_global, &b);
	ly_buf_free(&b);
}

void dp_install(struct dp_plan *plan)
{
	struct dp_plan *old;

	pthread_mutex_lock(&current_lock);
	old = dp_plan_ref(current);
	pthread_mutex_unlock(&current_lock);
	apply_globals(old, plan);
	dp_plan_unref(old);
	dp_plan_unref(swap_current(plan));
}

/* ---- loading ---- */

static void log_warning(const char *msg, void *arg)
{
	(void)arg;
	ly_warning("%s", msg);
}

static struct dp_plan *empty_plan(void)
{
	struct dp_plan *plan = dp_plan_new();

	dp_plan_finish(plan);
	return plan;
}

int dp_init(const char *confdir)
{
	struct ly_cfg_error err;
	struct dp_plan *plan;
	int rc;

	free(current_confdir);
	current_confdir = ly_strdup(confdir);
	rc = dp_plan_load(confdir, DP_FILE, &plan, &err);
	if (rc == ENOENT) {
		ly_notice("No %s in %s: running an empty dialplan", DP_FILE, confdir);
		plan = empty_plan();
	} else if (rc) {
		ly_error("%s (running an empty dialplan)", err.msg);
		plan = empty_plan();
	} else {
		dp_plan_foreach_warning(plan, log_warning, NULL);
		ly_verbose(1, "Dialplan loaded: %u contexts, %u extensions",
			   dp_plan_context_count(plan), dp_plan_exten_count(plan));
	}
	dp_install(plan);
	return dp_cli_register();
}

int dp_reload(struct ly_buf *why)
{
	struct ly_cfg_error err;
	struct dp_plan *plan;
	int rc;

	if (!current_confdir) {
		ly_buf_puts(why, "the dialplan was never loaded");
		return EINVAL;
	}
	rc = dp_plan_load(current_confdir, DP_FILE, &plan, &err);
	if (rc == ENOENT) {
		/* A vanished file is more likely an accident than a wish for
		 * an empty dialplan: keep what runs. */
		ly_notice("No %s in %s: the running dialplan stays", DP_FILE, current_confdir);
		ly_buf_printf(why, "No %s: the running dialplan stays\n", DP_FILE);
		return 0;
	}
	if (rc) {
		ly_error("Dialplan reload failed, the running dialplan stays: %s", err.msg);
		ly_buf_puts(why, err.msg);
		return rc;
	}
	dp_plan_foreach_warning(plan, log_warning, NULL);
	ly_verbose(1, "Dialplan reloaded: %u contexts, %u extensions",
		   dp_plan_context_count(plan), dp_plan_exten_count(plan));
	dp_install(plan);
	return 0;
}

void dp_shutdown(void)
{
	dp_cli_unregister();
	dp_plan_unref(swap_current(NULL));
	free(current_confdir);
	current_confdir = NULL;
}
