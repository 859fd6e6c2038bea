/* core/app_basic.c - call state and logging: Answer, Hangup, NoOp, Verbose, Log, Wait, Busy, ... */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app_int.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"

/* Answer([delay[,options]]): answer, then wait delay milliseconds (only
 * when the channel was not already up, as Asterisk does). */
static int answer_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *argv[2];
	long delay = 0;
	bool was_up = ly_chan_state(c) == LY_STATE_UP;
	int res;

	ly_app_split_args(copy, argv, 2);
	if (argv[0][0] && ly_parse_int(argv[0], 0, 3600000, &delay) != 0) {
		ly_warning("Answer: invalid delay '%s' on %s, answering at once", argv[0],
			   ly_chan_name(c));
		delay = 0;
	}
	free(copy);
	res = ly_chan_answer(c);
	if (res) {
		ly_warning("Answer: could not answer %s", ly_chan_name(c));
		return -1;
	}
	if (!was_up && delay > 0)
		return app_wait_ms(c, delay);
	return 0;
}

/* Hangup([cause]): the cause by Q.850 number or name; without one the
 * channel keeps the cause it has, or NORMAL_CLEARING. */
static int hangup_exec(struct ly_channel *c, const char *args)
{
	int cause = 0;

	if (args[0]) {
		cause = ly_cause_from_name(args);
		if (cause <= 0) {
			ly_warning("Invalid cause given to Hangup(): \"%s\"", args);
			cause = 0;
		}
	}
	if (cause <= 0)
		cause = ly_chan_hangupcause(c);
	if (cause <= 0)
		cause = LY_CAUSE_NORMAL_CLEARING;
	ly_chan_set_hangupcause(c, cause);
	ly_chan_softhangup(c, cause);
	return -1;
}

static int noop_exec(struct ly_channel *c, const char *args)
{
	(void)c;
	(void)args;
	return 0;
}

/* Verbose([level,]message): a leading integer is the level; the rest of
 * the text, commas included, is the message. */
static int verbose_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *msg = app_split_top(copy, ',');
	long level = 0;

	(void)c;
	if (!msg || ly_parse_int(ly_strstrip(copy), 0, 10, &level) != 0) {
		level = 0;
		msg = (char *)args;
	}
	ly_verbose((int)level, "%s", msg);
	free(copy);
	return 0;
}

static int log_level_from_name(const char *name, enum ly_log_level *out)
{
	static const struct {
		const char *name;
		enum ly_log_level level;
	} levels[] = {
		{ "ERROR", LY_LOG_ERROR }, { "WARNING", LY_LOG_WARNING },
		{ "NOTICE", LY_LOG_NOTICE }, { "VERBOSE", LY_LOG_VERBOSE },
		{ "DEBUG", LY_LOG_DEBUG },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(levels); i++) {
		if (strcasecmp(name, levels[i].name) == 0) {
			*out = levels[i].level;
			return 0;
		}
	}
	return -1;
}

/* Log(level,message): the line carries the dialplan file:line and the
 * extension, where Asterisk puts "Ext. 100:3 @ ctx". */
static int log_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *msg = app_split_top(copy, ',');
	char where[256], ctx[LY_MAX_CONTEXT], ext[LY_MAX_EXTEN];
	char func[LY_MAX_CONTEXT + LY_MAX_EXTEN + 16];
	enum ly_log_level level;
	char *colon;
	int line = 0;

	if (!msg || log_level_from_name(ly_strstrip(copy), &level) != 0) {
		ly_warning("Log: unknown level in '%s' (ERROR, WARNING, NOTICE, VERBOSE or DEBUG)",
			   args);
		free(copy);
		return 0;
	}
	ly_pbx_location(c, where, sizeof(where));
	colon = strrchr(where, ':');
	if (colon) {
		*colon = '\0';
		line = atoi(colon + 1);
	}
	snprintf(func, sizeof(func), "%s@%s:%d", ly_pbx_exten(c, ext, sizeof(ext)),
		 ly_pbx_context(c, ctx, sizeof(ctx)), ly_pbx_priority(c));
	ly_log(level, level >= LY_LOG_VERBOSE ? 1 : 0, where[0] ? where : "dialplan", line, func,
	       "%s", msg);
	free(copy);
	return 0;
}

static int progress_exec(struct ly_channel *c, const char *args)
{
	(void)args;
	ly_chan_indicate(c, LY_CONTROL_PROGRESS);
	return 0;
}

static int ringing_exec(struct ly_channel *c, const char *args)
{
	(void)args;
	ly_chan_indicate(c, LY_CONTROL_RINGING);
	return 0;
}

/*
 * Busy and Congestion: indicate, and unless the call is already up set
 * the state to busy and the cause (Asterisk: AST_CAUSE_BUSY,
 * AST_CAUSE_CONGESTION); then wait the timeout, or for the hangup.
 * Always -1: the call ends here.
 */
static int indicate_and_wait(struct ly_channel *c, const char *args, enum ly_control control,
			     int cause)
{
	long ms = args[0] ? app_seconds_to_ms(args) : -1;

	ly_chan_indicate(c, control);
	if (ly_chan_state(c) != LY_STATE_UP) {
		ly_chan_set_hangupcause(c, cause);
		ly_chan_set_state(c, LY_STATE_BUSY);
	}
	app_wait_ms(c, ms);
	return -1;
}

static int busy_exec(struct ly_channel *c, const char *args)
{
	return indicate_and_wait(c, args, LY_CONTROL_BUSY, LY_CAUSE_USER_BUSY);
}

static int congestion_exec(struct ly_channel *c, const char *args)
{
	return indicate_and_wait(c, args, LY_CONTROL_CONGESTION,
				 LY_CAUSE_NORMAL_CIRCUIT_CONGESTION);
}

/* Wait(seconds): fractions allowed; -1 when the channel hangs up. */
static int wait_exec(struct ly_channel *c, const char *args)
{
	long ms = app_seconds_to_ms(args);

	if (ms < 0) {
		ly_warning("Wait: invalid time '%s' on %s", args, ly_chan_name(c));
		return 0;
	}
	return ms > 0 ? app_wait_ms(c, ms) : 0;
}

static struct ly_app answer_app = { .name = "Answer", .exec = answer_exec,
	.synopsis = "Answer a channel if ringing" };
static struct ly_app hangup_app = { .name = "Hangup", .exec = hangup_exec,
	.synopsis = "Hang up the calling channel" };
static struct ly_app noop_app = { .name = "NoOp", .exec = noop_exec,
	.synopsis = "Do Nothing (No Operation)" };
static struct ly_app verbose_app = { .name = "Verbose", .exec = verbose_exec,
	.synopsis = "Send arbitrary text to verbose output" };
static struct ly_app log_app = { .name = "Log", .exec = log_exec,
	.synopsis = "Send arbitrary text to a selected log level" };
static struct ly_app progress_app = { .name = "Progress", .exec = progress_exec,
	.synopsis = "Indicate progress" };
static struct ly_app ringing_app = { .name = "Ringing", .exec = ringing_exec,
	.synopsis = "Indicate ringing tone" };
static struct ly_app busy_app = { .name = "Busy", .exec = busy_exec,
	.synopsis = "Indicate the Busy condition" };
static struct ly_app congestion_app = { .name = "Congestion", .exec = congestion_exec,
	.synopsis = "Indicate the Congestion condition" };
static struct ly_app wait_app = { .name = "Wait", .exec = wait_exec,
	.synopsis = "Waits for some time" };

struct ly_app *const app_basic_list[] = {
	&answer_app, &hangup_app, &noop_app, &verbose_app, &log_app, &progress_app,
	&ringing_app, &busy_app, &congestion_app, &wait_app, NULL
};
