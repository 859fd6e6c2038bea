/* core/pbx_cli.c - `channel originate`: place a call from the console to an application or the dialplan. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/cli.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "lyre/thread.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"

/* How long the called channel may take to answer (Asterisk's default). */
#define ORIGINATE_ANSWER_MS 30000

struct originate {
	char *type;		/* "Local" */
	char *dest;		/* "100@office" */
	char *app;		/* application mode: the application and its data */
	char *appdata;
	char *exten;		/* extension mode: where the answered channel goes */
	char *context;
};

static void originate_free(struct originate *o)
{
	free(o->type);
	free(o->dest);
	free(o->app);
	free(o->appdata);
	free(o->exten);
	free(o->context);
	free(o);
}

static int failed(const char **why, const char *reason, int err)
{
	*why = reason;
	return err;
}

/* Read the channel until it answers: 0, or the reason it did not. */
static int wait_answer(struct ly_channel *c, const char **why)
{
	uint64_t deadline = ly_now_ms() + ORIGINATE_ANSWER_MS;

	for (;;) {
		uint64_t now = ly_now_ms();
		struct ly_frame *f;
		enum ly_control ctl;

		if (ly_chan_check_hangup(c))
			return failed(why, "hung up", EPIPE);
		if (now >= deadline)
			return failed(why, "no answer", ETIMEDOUT);
		f = ly_chan_read(c, (int)(deadline - now));
		if (!f || f->type != LY_FRAME_CONTROL) {
			ly_frame_free(f);
			continue;
		}
		ctl = f->control;
		ly_frame_free(f);
		if (ctl == LY_CONTROL_ANSWER)
			return 0;
		if (ctl == LY_CONTROL_BUSY)
			return failed(why, "busy", EBUSY);
		if (ctl == LY_CONTROL_CONGESTION || ctl == LY_CONTROL_HANGUP)
			return failed(why, "congestion", ECONNREFUSED);
	}
}

static void run_answered(struct ly_channel *c, const struct originate *o)
{
	ly_chan_set_state(c, LY_STATE_UP);
	if (o->app) {
		ly_app_exec(c, o->app, o->appdata ? o->appdata : "");
		ly_chan_hangup(c);
		return;
	}
	ly_pbx_set_position(c, o->context, o->exten, 1);
	ly_pbx_run(c);
}

static void *originate_thread(void *arg)
{
	struct originate *o = arg;
	const struct ly_chan_tech *tech;
	const char *why = "";
	struct ly_channel *c;
	int cause = 0, err;

	c = ly_chan_request(o->type, o->dest, NULL, &cause);
	if (!c) {
		ly_warning("Originate to %s/%s failed: %s", o->type, o->dest, ly_cause_name(cause));
		originate_free(o);
		return NULL;
	}
	ly_log_set_callid(ly_chan_callid(c));
	tech = ly_chan_tech(c);
	err = tech->call ? tech->call(c, o->dest, ORIGINATE_ANSWER_MS) : ENOSYS;
	if (err)
		why = strerror(err);
	else
		err = wait_answer(c, &why);
	if (err) {
		ly_notice("Originate to %s failed: %s", ly_chan_name(c), why);
		ly_chan_hangup(c);
	} else {
		run_answered(c, o);
	}
	ly_log_set_callid(NULL);
	originate_free(o);
	return NULL;
}

/* The application's data may have been typed as several words. */
static char *join_words(const char *const *words, int n)
{
	struct ly_buf b;
	char *s;

	ly_buf_init(&b);
	for (int i = 0; i < n; i++)
		ly_buf_printf(&b, "%s%s", i ? " " : "", words[i]);
	s = ly_strdup(ly_buf_str(&b));
	ly_buf_free(&b);
	return s;
}

/* "channel originate <tech/data> application <app> [data]" or
 * "channel originate <tech/data> extension [exten@]context". */
static struct originate *originate_parse(const struct ly_cli_args *a)
{
	const char *target = a->argv[2], *slash = strchr(target, '/');
	struct originate *o;

	if (!slash || slash == target || !slash[1])
		return NULL;
	o = ly_calloc(1, sizeof(*o));
	o->type = ly_strndup(target, (size_t)(slash - target));
	o->dest = ly_strdup(slash + 1);
	if (ly_strcaseeq(a->argv[3], "application")) {
		o->app = ly_strdup(a->argv[4]);
		o->appdata = join_words(a->argv + 5, a->argc - 5);
	} else if (ly_strcaseeq(a->argv[3], "extension") && a->argc == 5) {
		const char *at = strchr(a->argv[4], '@');

		o->exten = at ? ly_strndup(a->argv[4], (size_t)(at - a->argv[4])) : ly_strdup("s");
		o->context = ly_strdup(at ? at + 1 : a->argv[4]);
		if (!o->exten[0] || !o->context[0]) {
			originate_free(o);
			return NULL;
		}
	} else {
		originate_free(o);
		return NULL;
	}
	return o;
}

static enum ly_cli_result cli_originate(struct ly_cli_args *a)
{
	struct originate *o;
	int err;

	if (a->argc < 5 || !(o = originate_parse(a)))
		return LY_CLI_SHOWUSAGE;
	ly_cli_print(a, "Originating %s/%s...\n", o->type, o->dest);
	err = ly_thread_create_detached("originate", originate_thread, o);
	if (err) {
		ly_cli_print(a, "Cannot start the originate thread: %s\n", strerror(err));
		originate_free(o);
		return LY_CLI_FAILURE;
	}
	return LY_CLI_SUCCESS;
}

static void complete_originate(const struct ly_cli_args *a, int pos, const char *word,
			       struct ly_cli_completion *c)
{
	(void)a;
	if (pos != 3)
		return;
	if (ly_str_startswith("application", word))
		ly_cli_complete_add(c, "application");
	if (ly_str_startswith("extension", word))
		ly_cli_complete_add(c, "extension");
}

static const struct ly_cli_command originate_cmd = {
	.command = "channel originate",
	.summary = "Call a channel and connect it to an application or an extension",
	.usage = "Usage: channel originate <tech/data> application <app> [data]\n"
		 "       channel originate <tech/data> extension [exten@]context\n"
		 "  Calls tech/data (e.g. Local/100@office) and, once it answers, runs the\n"
		 "  application on it or sends it to the extension (s by default).\n"
		 "  Returns at once; the call goes on in the background.\n",
	.handler = cli_originate,
	.complete = complete_originate,
};

int pbx_cli_register(void)
{
	return ly_cli_register(NULL, &originate_cmd);
}

void pbx_cli_unregister(void)
{
	ly_cli_unregister(&originate_cmd);
}
