/* tests/unit/dp_harness.c - run small dialplans on a test channel through the real runner. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "db_int.h"
#include "dialplan.h"
#include "dp_harness.h"
#include "loader.h"
#include "log.h"
#include "lyre/channel.h"
#include "lyre/frame.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "media_int.h"
#include "pbx_apps.h"
#include "pbx_int.h"

struct dph_var {
	char *name;	/* without the _ / __ inheritance prefix */
	char *value;
};

struct dph_call {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	bool done;		/* the run returned: the watchdog can stop */
	int timed_out;
	int hangupcause;
	struct ly_buf trace;
	struct dph_var *vars;
	size_t nvars;
};

static char tmpdir[64];		/* holds conf/, state/ and modules/ */
static char confdir[96];
static bool modules_loaded;
static char error_text[512];

/* ---- the Test technology ---- */

static void capture_var(const char *name, const char *value, void *arg)
{
	struct dph_call *call = arg;
	const char *bare = name;

	if (bare[0] == '_')
		bare += bare[1] == '_' ? 2 : 1;
	call->vars = ly_realloc(call->vars, (call->nvars + 1) * sizeof(*call->vars));
	call->vars[call->nvars].name = ly_strdup(bare);
	call->vars[call->nvars].value = ly_strdup(value);
	call->nvars++;
}

/* The last moment the channel's variables exist: copy them. */
static int test_hangup(struct ly_channel *c)
{
	struct dph_call *call = ly_chan_tech_pvt(c);

	if (!call)
		return 0;
	pthread_mutex_lock(&call->lock);
	call->hangupcause = ly_chan_hangupcause(c);
	pthread_mutex_unlock(&call->lock);
	ly_chan_var_foreach(c, capture_var, call);
	ly_chan_set_tech_pvt(c, NULL);
	return 0;
}

/* Whatever the dialplan sends to the caller goes nowhere. */
static int test_write(struct ly_channel *c, const struct ly_frame *f)
{
	(void)c;
	(void)f;
	return 0;
}

static int test_indicate(struct ly_channel *c, enum ly_control control)
{
	(void)c;
	(void)control;
	return 0;
}

static int test_answer(struct ly_channel *c)
{
	(void)c;
	return 0;
}

static int test_digit(struct ly_channel *c, char digit)
{
	(void)c;
	(void)digit;
	return 0;
}

static struct ly_chan_tech test_tech = {
	.type = "Test",
	.description = "Dialplan test harness channel",
	.answer = test_answer,
	.hangup = test_hangup,
	.write = test_write,
	.indicate = test_indicate,
	.send_digit_begin = test_digit,
};

static void trace_hook(struct ly_channel *c, const char *context, const char *exten,
		       int priority, const char *app, const char *args, void *arg)
{
	struct dph_call *call;

	(void)arg;
	if (ly_chan_tech(c) != &test_tech || !(call = ly_chan_tech_pvt(c)))
		return;
	pthread_mutex_lock(&call->lock);
	ly_buf_printf(&call->trace, "%s@%s:%d %s(%s)\n", exten, context, priority, app, args);
	pthread_mutex_unlock(&call->lock);
}

/* ---- set-up ---- */

/* Log lines go to stderr, as before logging was configured. */
static void stderr_sink(void *arg, enum ly_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "%s\n", line);
}

static int make_dir(const char *parent, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", parent, name);
	return mkdir(out, 0700) ? errno : 0;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return errno;
	fputs(text, f);
	return fclose(f) ? errno : 0;
}

/* Links to every func_* module built in this tree, loaded through the real
 * loader; none built yet is not an error. */
static int load_func_modules(const char *moduledir)
{
	const char *top = getenv("top_builddir");
	char modules[512];
	struct dirent *d;
	DIR *dir;
	int err = 0;

	snprintf(modules, sizeof(modules), "%s/modules", top ? top : ".");
	dir = opendir(modules);
	if (!dir)
		return 0;
	while (!err && (d = readdir(dir)) != NULL) {
		char *relative, *target, *link;
		struct ly_buf why;

		if (strncmp(d->d_name, "func_", 5) != 0)
			continue;
		relative = ly_asprintf("%s/%s/.libs/%s.so", modules, d->d_name, d->d_name);
		/* Absolute: a relative target would be read from the link's folder. */
		target = realpath(relative, NULL);
		free(relative);
		link = ly_asprintf("%s/%s.so", moduledir, d->d_name);
		if (target && symlink(target, link) == 0) {
			ly_buf_init(&why);
			err = ly_module_load(d->d_name, &why);
			if (err)
				fprintf(stderr, "dph_setup: %s: %s\n", d->d_name, ly_buf_str(&why));
			ly_buf_free(&why);
		}
		free(target);
		free(link);
	}
	closedir(dir);
	return err;
}

int dph_setup(void)
{
	char statedir[96], moduledir[96];
	struct ly_cfg_error cfg_err = { 0 };
	int err;

	ly_log_init();
	strcpy(tmpdir, "/tmp/lyre-dph-XXXXXX");
	if (!mkdtemp(tmpdir))
		return errno;
	if ((err = make_dir(tmpdir, "conf", confdir, sizeof(confdir))) ||
	    (err = make_dir(tmpdir, "state", statedir, sizeof(statedir))) ||
	    (err = make_dir(tmpdir, "modules", moduledir, sizeof(moduledir))) ||
	    (err = write_file(confdir, "extensions.conf", "")))
		return err;
	/* The default logging (console only), so that sinks see every line. */
	if ((err = ly_log_configure(confdir, tmpdir, &cfg_err)))
		return err;
	ly_log_add_sink(stderr_sink, NULL);
	if ((err = ly_cli_init()) || (err = ly_media_core_init()) || (err = ly_pbx_init()) ||
	    (err = ly_pbx_apps_init()) || (err = dp_init(confdir)) ||
	    (err = ly_db_init(statedir)) || (err = ly_loader_init(moduledir)))
		return err;
	modules_loaded = true;
	if ((err = ly_chan_tech_register(NULL, &test_tech)))
		return err;
	ly_pbx_set_trace_hook(trace_hook, NULL);
	return load_func_modules(moduledir);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Local channels end on their own threads: give them a moment. */
static void wait_channels_gone(void)
{
	for (int i = 0; i < 300 && ly_chan_count() > 0; i++)
		usleep(10 * 1000);
}

void dph_teardown(void)
{
	wait_channels_gone();
	ly_pbx_set_trace_hook(NULL, NULL);
	ly_pbx_set_clock(0);
	if (modules_loaded)
		ly_loader_shutdown();
	modules_loaded = false;
	ly_chan_tech_unregister(&test_tech);
	ly_db_shutdown();
	dp_shutdown();
	ly_pbx_apps_shutdown();
	ly_pbx_shutdown();
	ly_media_core_shutdown();
	ly_cli_shutdown();
	ly_log_remove_sink(stderr_sink, NULL);
	ly_log_shutdown();
	if (tmpdir[0])
		nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

int dph_load(const char *text)
{
	struct ly_cfg_error err = { 0 };
	struct dp_plan *plan = NULL;
	int rc;

	error_text[0] = '\0';
	rc = dp_plan_parse_buffer(confdir, "extensions.conf", text, strlen(text), &plan, &err);
	if (rc) {
		snprintf(error_text, sizeof(error_text), "%s", err.msg);
		return rc;
	}
	dp_install(plan);
	return 0;
}

const char *dph_error(void)
{
	return error_text;
}

void dph_set_clock(time_t when)
{
	ly_pbx_set_clock(when);
}

/* ---- one call ---- */

struct watchdog {
	struct dph_call *call;
	struct ly_channel *chan;	/* referenced */
	int timeout_ms;
};

/* Hangs the channel up if the run outlasts its time. */
static void *watchdog_thread(void *arg)
{
	struct watchdog *w = arg;
	struct dph_call *call = w->call;
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += w->timeout_ms / 1000;
	deadline.tv_nsec += (long)(w->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&call->lock);
	while (!call->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&call->done_cond, &call->lock, &deadline);
	if (!call->done)
		call->timed_out = 1;
	pthread_mutex_unlock(&call->lock);
	if (call->timed_out)
		ly_chan_softhangup(w->chan, LY_CAUSE_NORMAL_CLEARING);
	ly_unref(w->chan);
	return NULL;
}

static void queue_digits(struct ly_channel *c, const char *dtmf)
{
	for (; dtmf && *dtmf; dtmf++) {
		ly_chan_queue_frame(c, ly_frame_dtmf_new(LY_FRAME_DTMF_BEGIN, *dtmf, 0));
		ly_chan_queue_frame(c, ly_frame_dtmf_new(LY_FRAME_DTMF_END, *dtmf, 100));
	}
}

static struct dph_call *call_new(void)
{
	struct dph_call *call = ly_calloc(1, sizeof(*call));

	pthread_mutex_init(&call->lock, NULL);
	pthread_cond_init(&call->done_cond, NULL);
	ly_buf_init(&call->trace);
	ly_buf_puts(&call->trace, "");
	return call;
}

struct dph_call *dph_run(const char *context, const char *exten, const char *cid,
			 const char *dtmf, int timeout_ms)
{
	static unsigned seq;
	struct dph_call *call = call_new();
	struct watchdog w = { .call = call, .timeout_ms = timeout_ms };
	struct ly_channel *c;
	pthread_t tid;

	c = ly_chan_alloc(&test_tech, call, "Test/%u", ++seq);
	if (!c) {
		call->timed_out = 1;
		return call;
	}
	ly_chan_set_state(c, LY_STATE_RING);
	if (cid)
		ly_chan_set_callerid(c, NULL, cid);
	ly_pbx_set_position(c, context, exten, 1);
	queue_digits(c, dtmf);
	w.chan = ly_ref(c);
	if (pthread_create(&tid, NULL, watchdog_thread, &w) != 0) {
		ly_unref(w.chan);
		ly_chan_hangup(c);
		call->timed_out = 1;
		return call;
	}
	ly_pbx_run(c);
	pthread_mutex_lock(&call->lock);
	call->done = true;
	pthread_cond_signal(&call->done_cond);
	pthread_mutex_unlock(&call->lock);
	pthread_join(tid, NULL);
	return call;
}

const char *dph_trace(const struct dph_call *call)
{
	return ly_buf_str(&call->trace);
}

const char *dph_var(const struct dph_call *call, const char *name)
{
	for (size_t i = 0; i < call->nvars; i++)
		if (strcmp(call->vars[i].name, name) == 0)
			return call->vars[i].value;
	return NULL;
}

int dph_hangupcause(const struct dph_call *call)
{
	return call->hangupcause;
}

int dph_timed_out(const struct dph_call *call)
{
	return call->timed_out;
}

void dph_free(struct dph_call *call)
{
	if (!call)
		return;
	for (size_t i = 0; i < call->nvars; i++) {
		free(call->vars[i].name);
		free(call->vars[i].value);
	}
	free(call->vars);
	ly_buf_free(&call->trace);
	pthread_cond_destroy(&call->done_cond);
	pthread_mutex_destroy(&call->lock);
	free(call);
}
