/* core/loader_cli.c - the `module show|load|unload|reload` console commands. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "lyre/cli.h"
#include "lyre/utils.h"

struct show_row {
	const char *name;
	const char *description;
	unsigned users;
};

struct show_rows {
	struct show_row *v;
	size_t n;
	const char *like;
};

static void collect_row(void *arg, const char *name, const char *description, unsigned users)
{
	struct show_rows *rows = arg;

	if (rows->like && !strstr(name, rows->like))
		return;
	rows->v = ly_realloc(rows->v, (rows->n + 1) * sizeof(*rows->v));
	rows->v[rows->n++] = (struct show_row){ name, description, users };
}

static int compare_rows(const void *a, const void *b)
{
	return strcmp(((const struct show_row *)a)->name, ((const struct show_row *)b)->name);
}

/* The strings stay valid: handlers run on the loop thread, the only one
 * that unloads modules. */
static enum ly_cli_result handle_show(struct ly_cli_args *a)
{
	struct show_rows rows = { 0 };

	if (a->argc == 4 && !strcmp(a->argv[2], "like"))
		rows.like = a->argv[3];
	else if (a->argc != 2)
		return LY_CLI_SHOWUSAGE;
	ly_module_foreach(collect_row, &rows);
	if (rows.n)
		qsort(rows.v, rows.n, sizeof(*rows.v), compare_rows);
	ly_cli_print(a, "%-30s %-40s %-10s %s\n", "Module", "Description", "Use Count", "Status");
	for (size_t i = 0; i < rows.n; i++)
		ly_cli_print(a, "%-30s %-40.40s %-10u %s\n", rows.v[i].name,
			     rows.v[i].description, rows.v[i].users, "Running");
	ly_cli_print(a, "%zu module%s loaded\n", rows.n, rows.n == 1 ? "" : "s");
	free(rows.v);
	return LY_CLI_SUCCESS;
}

static enum ly_cli_result run(struct ly_cli_args *a, int (*fn)(const char *, struct ly_buf *))
{
	struct ly_buf why;
	int err;

	ly_buf_init(&why);
	err = fn(a->argv[2], &why);
	ly_cli_print(a, "%s", ly_buf_str(&why));
	ly_buf_free(&why);
	return err ? LY_CLI_FAILURE : LY_CLI_SUCCESS;
}

static enum ly_cli_result handle_load(struct ly_cli_args *a)
{
	return a->argc == 3 ? run(a, ly_module_load) : LY_CLI_SHOWUSAGE;
}

static enum ly_cli_result handle_unload(struct ly_cli_args *a)
{
	return a->argc == 3 ? run(a, ly_module_unload) : LY_CLI_SHOWUSAGE;
}

static enum ly_cli_result handle_reload(struct ly_cli_args *a)
{
	struct ly_buf why;
	int err;

	if (a->argc == 3)
		return run(a, ly_module_reload);
	if (a->argc != 2)
		return LY_CLI_SHOWUSAGE;
	ly_buf_init(&why);
	err = ly_module_reload_all(&why);
	ly_cli_print(a, "%s", why.len ? ly_buf_str(&why) : "No module has anything to reload\n");
	ly_buf_free(&why);
	return err ? LY_CLI_FAILURE : LY_CLI_SUCCESS;
}

/* Offer each line of `list` that starts with `word`. */
static void complete_lines(const struct ly_buf *list, const char *word,
			   struct ly_cli_completion *c)
{
	char *copy = ly_strdup(ly_buf_str(list));
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (ly_str_startswith(line, word))
			ly_cli_complete_add(c, line);
	free(copy);
}

static void complete_available(const struct ly_cli_args *a, int pos, const char *word,
			       struct ly_cli_completion *c)
{
	struct ly_buf list;

	if (pos != 2)
		return;
	ly_buf_init(&list);
	ly_module_available(&list);
	complete_lines(&list, word, c);
	ly_buf_free(&list);
}

static void complete_loaded(const struct ly_cli_args *a, int pos, const char *word,
			    struct ly_cli_completion *c)
{
	struct ly_buf list;

	if (pos != 2)
		return;
	ly_buf_init(&list);
	ly_module_names(&list);
	complete_lines(&list, word, c);
	ly_buf_free(&list);
}

static void complete_show(const struct ly_cli_args *a, int pos, const char *word,
			  struct ly_cli_completion *c)
{
	if (pos == 2 && ly_str_startswith("like", word))
		ly_cli_complete_add(c, "like");
	else if (pos == 3)
		complete_loaded(a, 2, word, c);
}

static const struct ly_cli_command module_commands[] = {
	{ "module show", "List loaded modules",
	  "Usage: module show [like <text>]\n"
	  "  Lists the loaded modules, or those whose name contains <text>.\n",
	  handle_show, complete_show },
	{ "module load", "Load a module",
	  "Usage: module load <name>\n"
	  "  Loads a module from the module directory, with the modules it needs.\n",
	  handle_load, complete_available },
	{ "module unload", "Unload a module",
	  "Usage: module unload <name>\n"
	  "  Unloads a module and removes what it registered.  Refused while the\n"
	  "  module is in use or another loaded module needs it.\n",
	  handle_unload, complete_loaded },
	{ "module reload", "Reload a module's configuration",
	  "Usage: module reload [<name>]\n"
	  "  Has one module, or every module, re-read its configuration.\n",
	  handle_reload, complete_loaded },
};

int ly_loader_cli_register(void)
{
	return ly_cli_register_multiple(NULL, module_commands, LY_ARRAY_LEN(module_commands));
}

void ly_loader_cli_unregister(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(module_commands); i++)
		ly_cli_unregister(&module_commands[i]);
}
