/* core/dp_cli.c - console commands: dialplan show, dialplan reload, dialplan set trace. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dp_int.h"
#include "lyre/cli.h"
#include "lyre/utils.h"
#include "pbx_int.h"

/* ---- dialplan show [[exten@]context] ---- */

/*
 * The layout is Asterisk's (pbx.c show_dialplan_helper), so that people
 * and scripts used to it read it the same; the right column names the
 * file and line each entry came from.
 */
struct show {
	struct ly_cli_args *a;
	const char *exten;	/* only extensions matching it, or NULL */
	unsigned contexts, extens, prios;
	const struct dp_context *visited[DP_MAX_SEARCH];
	unsigned nvisited;
	bool follow_includes;	/* a context was named: show what it includes too */
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void print_row(struct show *sh, const char *left, const char *middle,
		      const char *file, int line)
{
	ly_cli_print(sh->a, "  %-17s %-45s [%s:%d]\n", left, middle, base_name(file), line);
}

static void show_exten(struct show *sh, const struct dp_exten *e)
{
	char left[128], middle[512];

	if (e->cid)
		snprintf(left, sizeof(left), "'%s' (CID match '%s') =>", e->name, e->cid);
	else
		snprintf(left, sizeof(left), "'%s' =>", e->name);
	if (e->hint) {
		snprintf(middle, sizeof(middle), "hint: %s", e->hint);
		print_row(sh, left, middle, e->hint_file, e->hint_line);
		left[0] = '\0';
	}
	for (unsigned i = 0; i < e->nprio; i++) {
		const struct dp_prio *p = &e->prios[i];

		if (i > 0 || e->hint) {
			if (p->label)
				snprintf(left, sizeof(left), "   [%s]", p->label);
			else
				left[0] = '\0';
		}
		snprintf(middle, sizeof(middle), "%d. %s(%s)", p->priority, p->app, p->args);
		print_row(sh, left, middle, p->file, p->line);
	}
	sh->extens++;
	sh->prios += e->nprio;
}

static bool exten_shown(const struct show *sh, const struct dp_exten *e)
{
	if (!sh->exten)
		return true;
	if (strcmp(e->name, sh->exten) == 0)
		return true;
	return dp_pattern_match(e->name, sh->exten, DP_MATCH_EXISTS);
}

static void show_header(struct show *sh, const struct dp_context *ctx, bool included)
{
	ly_cli_print(sh->a, "[ %sontext '%s' created by 'pbx_config' ]\n",
		     included ? "Included c" : "C", ctx->name);
	sh->contexts++;
}

/* The context's extensions in lookup order: literals, then patterns. */
static bool show_extens(struct show *sh, const struct dp_context *ctx, bool included)
{
	bool header = !sh->exten;

	if (header)
		show_header(sh, ctx, included);
	for (unsigned pass = 0; pass < 2; pass++) {
		struct dp_exten *const *list = pass ? ctx->patterns : ctx->literals;
		unsigned n = pass ? ctx->npat : ctx->nlit;

		for (unsigned i = 0; i < n; i++) {
			if (!exten_shown(sh, list[i]))
				continue;
			if (!header)
				show_header(sh, ctx, included);
			header = true;
			show_exten(sh, list[i]);
		}
	}
	return header;
}

static void show_context(struct show *sh, const struct dp_context *ctx, bool included);

/* The include lines; the included contexts themselves follow the
 * context (show_context), as Asterisk prints them. */
static void show_includes(struct show *sh, const struct dp_context *ctx)
{
	for (unsigned i = 0; i < ctx->ninclude && !sh->exten; i++) {
		const struct dp_include *inc = &ctx->includes[i];
		char name[256];

		snprintf(name, sizeof(name), "'%s%s%s'", inc->name, inc->spec ? "," : "",
			 inc->spec ? inc->spec : "");
		ly_cli_print(sh->a, "  Include =>        %-45s [%s:%d]\n", name,
			     base_name(inc->file), inc->line);
	}
}

static void show_ignorepats(struct show *sh, const struct dp_context *ctx)
{
	char name[256];

	for (unsigned i = 0; i < ctx->nignore && !sh->exten; i++) {
		snprintf(name, sizeof(name), "'%s'", ctx->ignorepats[i].pattern);
		ly_cli_print(sh->a, "  Ignore pattern => %-45s [%s:%d]\n", name,
			     base_name(ctx->ignorepats[i].file), ctx->ignorepats[i].line);
	}
}

static void show_context(struct show *sh, const struct dp_context *ctx, bool included)
{
	bool printed;

	for (unsigned i = 0; i < sh->nvisited; i++)
		if (sh->visited[i] == ctx)
			return;	/* include loops print once */
	if (sh->nvisited == DP_MAX_SEARCH)
		return;
	sh->visited[sh->nvisited++] = ctx;
	printed = show_extens(sh, ctx, included);
	show_includes(sh, ctx);
	show_ignorepats(sh, ctx);
	if (printed)
		ly_cli_print(sh->a, "\n");
	/* Asterisk: naming a context (or an extension) also shows the
	 * contexts it includes, each headed "[ Included context ... ]". */
	for (unsigned i = 0; sh->follow_includes && i < ctx->ninclude; i++)
		if (ctx->includes[i].ctx)
			show_context(sh, ctx->includes[i].ctx, true);
}

static void show_summary(struct show *sh)
{
	ly_cli_print(sh->a, "-= %u %s (%u %s) in %u %s. =-\n", sh->extens,
		     sh->extens == 1 ? "extension" : "extensions", sh->prios,
		     sh->prios == 1 ? "priority" : "priorities", sh->contexts,
		     sh->contexts == 1 ? "context" : "contexts");
}

/* "100@ctx", "ctx", "100@" (every context): split into exten and context. */
static void split_target(char *arg, const char **exten, const char **context)
{
	char *at = arg ? strchr(arg, '@') : NULL;

	*exten = NULL;
	*context = arg && *arg ? arg : NULL;
	if (at) {
		*at = '\0';
		*exten = *arg ? arg : NULL;
		*context = at[1] ? at + 1 : NULL;
	}
}

static enum ly_cli_result show_plan(struct show *sh, const struct dp_plan *plan,
				    const char *context)
{
	const struct dp_context *ctx = context ? dp_context_find(plan, context) : NULL;

	if (context && !ctx) {
		ly_cli_print(sh->a, "There is no existence of '%s' context\n", context);
		return LY_CLI_FAILURE;
	}
	sh->follow_includes = ctx != NULL || sh->exten != NULL;
	if (ctx)
		show_context(sh, ctx, false);
	for (unsigned i = 0; !ctx && i < plan->ncontext; i++) {
		sh->nvisited = 0;	/* every context shows in full */
		show_context(sh, plan->contexts[i], false);
	}
	if (sh->exten && !sh->extens) {
		ly_cli_print(sh->a, "There is no existence of %s@%s extension\n", sh->exten,
			     context ? context : "");
		return LY_CLI_FAILURE;
	}
	show_summary(sh);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result handle_show(struct ly_cli_args *a)
{
	struct show sh = { .a = a };
	const char *context;
	enum ly_cli_result r;
	struct dp_plan *plan;
	char arg[256];

	if (a->argc > a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	ly_strlcpy(arg, a->argc > a->cmd_words ? a->argv[a->cmd_words] : "", sizeof(arg));
	split_target(arg, &sh.exten, &context);
	plan = dp_current();
	if (!plan) {
		ly_cli_print(a, "The dialplan is not loaded\n");
		return LY_CLI_FAILURE;
	}
	r = show_plan(&sh, plan, context);
	dp_plan_unref(plan);
	return r;
}

/* Context names, also after "exten@". */
static void complete_show(const struct ly_cli_args *a, int pos, const char *word,
			  struct ly_cli_completion *c)
{
	const char *at = strchr(word, '@');
	struct dp_plan *plan;
	char buf[512];

	if (pos != a->cmd_words)
		return;
	plan = dp_current();
	for (unsigned i = 0; plan && i < plan->ncontext; i++) {
		const char *name = plan->contexts[i]->name;

		if (at)
			snprintf(buf, sizeof(buf), "%.*s@%s", (int)(at - word), word, name);
		ly_cli_complete_add(c, at ? buf : name);
	}
	dp_plan_unref(plan);
}

/* ---- dialplan reload ---- */

static enum ly_cli_result handle_reload(struct ly_cli_args *a)
{
	struct ly_buf why;
	int rc;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_buf_init(&why);
	rc = dp_reload(&why);
	if (rc)
		ly_cli_print(a, "Dialplan reload failed; the running dialplan stays.\n%s\n",
			     ly_buf_str(&why));
	else
		ly_cli_print(a, "Dialplan reloaded.\n");
	ly_buf_free(&why);
	return rc ? LY_CLI_FAILURE : LY_CLI_SUCCESS;
}

/* ---- dialplan set trace on|off ---- */

static enum ly_cli_result handle_trace(struct ly_cli_args *a)
{
	const char *arg = a->argc == a->cmd_words + 1 ? a->argv[a->cmd_words] : NULL;

	if (!arg || (!ly_strcaseeq(arg, "on") && !ly_strcaseeq(arg, "off")))
		return LY_CLI_SHOWUSAGE;
	ly_pbx_trace_set(ly_strcaseeq(arg, "on"));
	ly_cli_print(a, "Dialplan trace %s.\n", ly_pbx_trace_get() ? "on" : "off");
	return LY_CLI_SUCCESS;
}

static void complete_trace(const struct ly_cli_args *a, int pos, const char *word,
			   struct ly_cli_completion *c)
{
	(void)word;
	if (pos != a->cmd_words)
		return;
	ly_cli_complete_add(c, "on");
	ly_cli_complete_add(c, "off");
}

static const struct ly_cli_command dp_commands[] = {
	{
		.command = "dialplan show",
		.summary = "Show the dialplan",
		.usage = "Usage: dialplan show [[exten@]context]\n"
			 "  Shows the running dialplan: every context, one context, or the\n"
			 "  extensions of a context (and of its includes) that match exten.\n",
		.handler = handle_show,
		.complete = complete_show,
	},
	{
		.command = "dialplan reload",
		.summary = "Reload extensions.conf",
		.usage = "Usage: dialplan reload\n"
			 "  Reads extensions.conf again.  If it has an error the running\n"
			 "  dialplan stays, and the error is shown with its file:line.\n",
		.handler = handle_reload,
	},
	{
		.command = "dialplan set trace",
		.summary = "Log each priority executed",
		.usage = "Usage: dialplan set trace on|off\n"
			 "  Logs every priority run, with its substituted arguments.\n",
		.handler = handle_trace,
		.complete = complete_trace,
	},
};

int dp_cli_register(void)
{
	return ly_cli_register_multiple(NULL, dp_commands, LY_ARRAY_LEN(dp_commands));
}

void dp_cli_unregister(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(dp_commands); i++)
		ly_cli_unregister(&dp_commands[i]);
}
