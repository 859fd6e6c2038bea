/* core/app_goto.c - jumps and conditions: Goto, GotoIf, GotoIfTime, ExecIf. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/timing.h"
#include "lyre/utils.h"
#include "pbx_int.h"

/* Goto([[context,]exten,]priority).  As in Asterisk, a target that does
 * not exist is still jumped to, so the 'i' extension handles it (a
 * mistyped IVR choice in Goto(menu,${DIGIT},1)); an unknown label ends
 * the call. */
static int goto_exec(struct ly_channel *c, const char *args)
{
	char where[256];

	if (!args[0]) {
		ly_warning("%s: Goto requires an argument ([[context,]exten,]priority)",
			   app_where(c, where, sizeof(where)));
		return -1;
	}
	return ly_pbx_goto_any(c, args) == 0 ? 0 : -1;
}

/* Take the branch chosen for cond?[true][:false]; an empty branch goes on
 * to the next priority. */
static int goto_branch(struct ly_channel *c, bool which, char *branches)
{
	char *iftrue = branches ? branches : "";
	char *iffalse = branches ? app_split_top(branches, ':') : NULL;
	char *target = which ? iftrue : iffalse;

	target = target ? ly_strstrip(target) : NULL;
	if (!target || !target[0])
		return 0;
	return goto_exec(c, target);
}

/* GotoIf(condition?[labeliftrue][:labeliffalse]) */
static int gotoif_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *branches = app_split_top(copy, '?');
	char where[256];
	int res;

	if (!branches) {
		ly_warning("%s: GotoIf requires an argument (condition?label1:label2)",
			   app_where(c, where, sizeof(where)));
		free(copy);
		return 0;
	}
	res = goto_branch(c, ly_pbx_checkcondition(copy), branches);
	free(copy);
	return res;
}

/* GotoIfTime(times,weekdays,mdays,months[,timezone]?[labeliftrue][:labeliffalse]);
 * an invalid range is logged and counts as false. */
static int gotoiftime_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *branches = app_split_top(copy, '?');
	struct ly_timing timing;
	struct ly_buf err;
	char where[256];
	bool match = false;
	int res;

	ly_buf_init(&err);
	if (!branches) {
		ly_warning("%s: GotoIfTime requires an argument "
			   "(times,weekdays,mdays,months[,timezone]?label1:label2)",
			   app_where(c, where, sizeof(where)));
		free(copy);
		return 0;
	}
	if (ly_timing_parse(copy, &timing, &err) == 0)
		match = ly_timing_match(&timing, ly_pbx_now());
	else
		ly_warning("%s: GotoIfTime: %s", app_where(c, where, sizeof(where)),
			   ly_buf_str(&err));
	ly_buf_free(&err);
	res = goto_branch(c, match, branches);
	free(copy);
	return res;
}

/* "App(args)" -> runs App with args (the closing parenthesis is the last
 * one in the text, so args may hold parentheses of their own). */
static int exec_app_call(struct ly_channel *c, char *call)
{
	char *open = strchr(call, '('), *args = "";

	if (open) {
		char *close = strrchr(open, ')');

		*open = '\0';
		args = open + 1;
		if (close)
			*close = '\0';
	}
	call = ly_strstrip(call);
	if (!call[0])
		return 0;
	return ly_app_exec(c, call, args);
}

/* ExecIf(expression?appiftrue(args)[:appiffalse(args)]): runs one
 * application and returns its result.  The arguments were substituted
 * with the rest of the line, so they are not substituted again. */
static int execif_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *apps = app_split_top(copy, '?'), *iffalse, *call;
	char where[256];
	int res;

	if (!apps) {
		ly_warning("%s: ExecIf requires an argument (expression?app(args)[:app(args)])",
			   app_where(c, where, sizeof(where)));
		free(copy);
		return 0;
	}
	iffalse = app_split_top(apps, ':');
	call = ly_pbx_checkcondition(copy) ? apps : iffalse;
	res = call ? exec_app_call(c, call) : 0;
	free(copy);
	return res;
}

static struct ly_app goto_app = { .name = "Goto", .exec = goto_exec,
	.synopsis = "Jump to a particular priority, extension, or context" };
static struct ly_app gotoif_app = { .name = "GotoIf", .exec = gotoif_exec,
	.synopsis = "Conditional goto" };
static struct ly_app gotoiftime_app = { .name = "GotoIfTime", .exec = gotoiftime_exec,
	.synopsis = "Conditional Goto based on the current time" };
static struct ly_app execif_app = { .name = "ExecIf", .exec = execif_exec,
	.synopsis = "Executes dialplan application, conditionally" };

struct ly_app *const app_goto_list[] = {
	&gotoif_app, &goto_app, &gotoiftime_app, &execif_app, NULL
};
