/* core/app_cli.c - `core show applications|application|functions|function`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lyre/app.h"
#include "lyre/cli.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "media_int.h"
#include "xmldoc.h"

/* Matching is a case-insensitive substring test, as Asterisk's "like". */
static bool name_like(const char *name, const char *pattern)
{
	size_t plen = strlen(pattern);

	for (const char *p = name; *p; p++)
		if (strncasecmp(p, pattern, plen) == 0)
			return true;
	return plen == 0;
}

/* The optional "like X" after the command words, or NULL; false when the
 * arguments are anything else. */
static bool parse_like(const struct ly_cli_args *a, const char **pattern)
{
	*pattern = NULL;
	if (a->argc == a->cmd_words)
		return true;
	if (a->argc == a->cmd_words + 2 && ly_strcaseeq(a->argv[a->cmd_words], "like")) {
		*pattern = a->argv[a->cmd_words + 1];
		return true;
	}
	return false;
}

static int compare_app_names(const void *x, const void *y)
{
	const struct ly_app *a = *(const struct ly_app *const *)x;
	const struct ly_app *b = *(const struct ly_app *const *)y;

	return strcasecmp(a->name, b->name);
}

static int compare_func_names(const void *x, const void *y)
{
	const struct ly_func *a = *(const struct ly_func *const *)x;
	const struct ly_func *b = *(const struct ly_func *const *)y;

	return strcasecmp(a->name, b->name);
}

static void collect_app(const struct ly_app *app, void *arg)
{
	ly_ptrvec_push(arg, (void *)app);
}

static void collect_func(const struct ly_func *fn, void *arg)
{
	ly_ptrvec_push(arg, (void *)fn);
}

static const char *owner_name(const struct ly_module *owner)
{
	return owner ? ly_module_name(owner) : "core";
}

/* The one-line synopsis: the module's XML documentation first, then the
 * text the registration carries. */
static void print_synopsis(struct ly_cli_args *a, const char *kind, const char *name,
			   const struct ly_module *owner, const char *fallback)
{
	struct ly_buf syn;

	ly_buf_init(&syn);
	if (!ly_xmldoc_synopsis(kind, name, owner ? ly_module_name(owner) : NULL, &syn))
		ly_buf_puts(&syn, fallback ? fallback : "");
	ly_cli_print(a, "%s\n", ly_buf_str(&syn));
	ly_buf_free(&syn);
}

static enum ly_cli_result show_applications(struct ly_cli_args *a)
{
	struct ly_ptrvec v = { 0 };
	const char *like;
	size_t shown = 0;

	if (!parse_like(a, &like))
		return LY_CLI_SHOWUSAGE;
	ly_app_foreach(collect_app, &v);
	if (v.n)
		qsort(v.items, v.n, sizeof(*v.items), compare_app_names);
	ly_cli_print(a, "    -= %s Lyre Applications =-\n", like ? "Matching" : "Registered");
	for (size_t i = 0; i < v.n; i++) {
		const struct ly_app *app = v.items[i];

		if (like && !name_like(app->name, like))
			continue;
		ly_cli_print(a, "%25s: ", app->name);
		print_synopsis(a, "application", app->name, app->owner, app->synopsis);
		shown++;
	}
	ly_cli_print(a, "    -= %zu Application%s%s =-\n", shown, shown == 1 ? "" : "s",
		     like ? " Matching" : "");
	ly_ptrvec_free(&v);
	return LY_CLI_SUCCESS;
}

/* The module's XML documentation when it ships one (Asterisk's layout:
 * synopsis, description, syntax, arguments, see also); otherwise the
 * synopsis and description the registration carries. */
static void print_doc(struct ly_cli_args *a, const char *kind, const char *name,
		      const char *synopsis, const char *description,
		      const struct ly_module *owner)
{
	struct ly_buf doc;

	ly_buf_init(&doc);
	if (ly_xmldoc_format(kind, name, owner ? ly_module_name(owner) : NULL, &doc)) {
		ly_cli_print(a, "%s", ly_buf_str(&doc));
	} else {
		ly_cli_print(a, "\n  -= Info about %s '%s' =-\n\n",
			     strcmp(kind, "application") == 0 ? "Application" : "Function", name);
		ly_cli_print(a, "[Synopsis]\n%s\n\n", synopsis ? synopsis : "Not available");
		ly_cli_print(a, "[Description]\n%s\n", description ? description : "Not available");
	}
	ly_cli_print(a, "\n[Module]\n%s\n", owner_name(owner));
	ly_buf_free(&doc);
}

static enum ly_cli_result show_application(struct ly_cli_args *a)
{
	struct ly_app *app;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	app = ly_app_acquire(a->argv[a->cmd_words]);
	if (!app) {
		ly_cli_print(a, "Your application '%s' was not found\n", a->argv[a->cmd_words]);
		return LY_CLI_FAILURE;
	}
	print_doc(a, "application", app->name, app->synopsis, app->description, app->owner);
	ly_app_release(app);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result show_functions(struct ly_cli_args *a)
{
	struct ly_ptrvec v = { 0 };
	const char *like;
	size_t shown = 0;

	if (!parse_like(a, &like))
		return LY_CLI_SHOWUSAGE;
	ly_func_foreach(collect_func, &v);
	if (v.n)
		qsort(v.items, v.n, sizeof(*v.items), compare_func_names);
	ly_cli_print(a, "%s Custom Functions:\n", like ? "Matching" : "Installed");
	ly_cli_print(a, "--------------------------------------------------------------------------------\n");
	for (size_t i = 0; i < v.n; i++) {
		const struct ly_func *fn = v.items[i];

		if (like && !name_like(fn->name, like))
			continue;
		ly_cli_print(a, "%-20s %-10s ", fn->name, fn->write ? "read/write" : "read-only");
		print_synopsis(a, "function", fn->name, fn->owner, fn->synopsis);
		shown++;
	}
	ly_cli_print(a, "%zu %scustom function%s installed.\n", shown, like ? "matching " : "",
		     shown == 1 ? "" : "s");
	ly_ptrvec_free(&v);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result show_function(struct ly_cli_args *a)
{
	struct ly_func *fn;

	if (a->argc != a->cmd_words + 1)
		return LY_CLI_SHOWUSAGE;
	fn = ly_func_acquire(a->argv[a->cmd_words]);
	if (!fn) {
		ly_cli_print(a, "No function by that name registered.\n");
		return LY_CLI_FAILURE;
	}
	print_doc(a, "function", fn->name, fn->synopsis, fn->description, fn->owner);
	ly_func_release(fn);
	return LY_CLI_SUCCESS;
}

static void add_app_name(const struct ly_app *app, void *arg)
{
	ly_cli_complete_add(arg, app->name);
}

static void add_func_name(const struct ly_func *fn, void *arg)
{
	ly_cli_complete_add(arg, fn->name);
}

static void complete_app(const struct ly_cli_args *a, int pos, const char *word,
			 struct ly_cli_completion *c)
{
	if (pos == a->cmd_words)
		ly_app_foreach(add_app_name, c);
}

static void complete_func(const struct ly_cli_args *a, int pos, const char *word,
			  struct ly_cli_completion *c)
{
	if (pos == a->cmd_words)
		ly_func_foreach(add_func_name, c);
}

static void complete_like(const struct ly_cli_args *a, int pos, const char *word,
			  struct ly_cli_completion *c)
{
	if (pos == a->cmd_words)
		ly_cli_complete_add(c, "like");
}

static const struct ly_cli_command app_commands[] = {
	{
		.command = "core show applications",
		.summary = "Show the registered dialplan applications",
		.usage = "Usage: core show applications [like <text>]\n"
			 "  Lists applications, or those whose name contains <text>.\n",
		.handler = show_applications,
		.complete = complete_like,
	},
	{
		.command = "core show application",
		.summary = "Describe a dialplan application",
		.usage = "Usage: core show application <name>\n"
			 "  Shows the synopsis and description of an application.\n",
		.handler = show_application,
		.complete = complete_app,
	},
	{
		.command = "core show functions",
		.summary = "Show the registered dialplan functions",
		.usage = "Usage: core show functions [like <text>]\n"
			 "  Lists functions, or those whose name contains <text>.\n",
		.handler = show_functions,
		.complete = complete_like,
	},
	{
		.command = "core show function",
		.summary = "Describe a dialplan function",
		.usage = "Usage: core show function <name>\n"
			 "  Shows the synopsis and description of a function.\n",
		.handler = show_function,
		.complete = complete_func,
	},
};

int ly_app_cli_register(void)
{
	return ly_cli_register_multiple(NULL, app_commands, LY_ARRAY_LEN(app_commands));
}

void ly_app_cli_unregister(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(app_commands); i++)
		ly_cli_unregister(&app_commands[i]);
}
