/* core/format_cli.c - `core show codecs` and `core show translation`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/cli.h"
#include "lyre/format.h"
#include "lyre/module.h"
#include "lyre/utils.h"
#include "media_int.h"

static void collect_format(const struct ly_format *fmt, void *arg)
{
	ly_ptrvec_push(arg, (void *)fmt);
}

static enum ly_cli_result show_codecs(struct ly_cli_args *a)
{
	struct ly_ptrvec v = { 0 };

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_format_foreach(collect_format, &v);
	ly_cli_print(a, "%-10s %-6s %-14s %s\n", "Name", "Rate", "Module", "Description");
	ly_cli_print(a, "--------------------------------------------------------------------\n");
	for (size_t i = 0; i < v.n; i++) {
		const struct ly_format *f = v.items[i];

		ly_cli_print(a, "%-10s %-6u %-14s %s\n", f->name, f->rate,
			     f->owner ? ly_module_name(f->owner) : "core",
			     f->description ? f->description : "");
	}
	ly_cli_print(a, "%zu format%s registered.\n", v.n, v.n == 1 ? "" : "s");
	ly_ptrvec_free(&v);
	return LY_CLI_SUCCESS;
}

/* Wide enough for every format name and every cost in the matrix. */
static int matrix_width(const struct ly_ptrvec *v)
{
	int width = 4;

	for (size_t i = 0; i < v->n; i++) {
		const struct ly_format *src = v->items[i];
		int len = (int)strlen(src->name);

		if (len > width)
			width = len;
		for (size_t j = 0; j < v->n; j++) {
			char num[16];
			int cost = ly_trans_cost(src, v->items[j], NULL);

			len = snprintf(num, sizeof(num), "%d", cost);
			if (cost > 0 && len > width)
				width = len;
		}
	}
	return width;
}

/* Laid out as Asterisk's: one row per source, one column per destination,
 * "-" where no path exists or source and destination are the same. */
static enum ly_cli_result show_translation(struct ly_cli_args *a)
{
	struct ly_ptrvec v = { 0 };
	int w;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_format_foreach(collect_format, &v);
	w = matrix_width(&v);
	ly_cli_print(a, "         Translation times between formats (in microseconds) "
		     "for one second of data\n");
	ly_cli_print(a, "          Source Format (Rows) Destination Format (Columns)\n\n");
	ly_cli_print(a, "%*s", w, "");
	for (size_t j = 0; j < v.n; j++)
		ly_cli_print(a, " %*s", w, ((const struct ly_format *)v.items[j])->name);
	ly_cli_print(a, "\n");
	for (size_t i = 0; i < v.n; i++) {
		const struct ly_format *src = v.items[i];

		ly_cli_print(a, "%*s", w, src->name);
		for (size_t j = 0; j < v.n; j++) {
			int cost = i == j ? -1 : ly_trans_cost(src, v.items[j], NULL);

			if (cost < 0)
				ly_cli_print(a, " %*s", w, "-");
			else
				ly_cli_print(a, " %*d", w, cost);
		}
		ly_cli_print(a, "\n");
	}
	ly_ptrvec_free(&v);
	return LY_CLI_SUCCESS;
}

/* `core show translation path A B`: the chain the core would build. */
static enum ly_cli_result show_translation_path(struct ly_cli_args *a)
{
	const struct ly_format *src, *dst;
	struct ly_trans_path *p;
	unsigned steps;
	char desc[256];
	int cost;

	if (a->argc != a->cmd_words + 2)
		return LY_CLI_SHOWUSAGE;
	src = ly_format_find(a->argv[a->cmd_words]);
	dst = ly_format_find(a->argv[a->cmd_words + 1]);
	if (!src || !dst) {
		ly_cli_print(a, "Unknown format '%s'\n", !src ? a->argv[a->cmd_words] :
			     a->argv[a->cmd_words + 1]);
		return LY_CLI_FAILURE;
	}
	cost = ly_trans_cost(src, dst, &steps);
	p = ly_trans_path_new(src, dst);
	if (!p) {
		ly_cli_print(a, "No translation path from %s to %s\n", src->name, dst->name);
		return src == dst ? LY_CLI_SUCCESS : LY_CLI_FAILURE;
	}
	ly_cli_print(a, "%s (cost %d, %u step%s)\n", ly_trans_path_describe(p, desc, sizeof(desc)),
		     cost, steps, steps == 1 ? "" : "s");
	ly_trans_path_free(p);
	return LY_CLI_SUCCESS;
}

static void add_format_name(const struct ly_format *fmt, void *arg)
{
	ly_cli_complete_add(arg, fmt->name);
}

static void complete_formats(const struct ly_cli_args *a, int pos, const char *word,
			     struct ly_cli_completion *c)
{
	if (pos == a->cmd_words || pos == a->cmd_words + 1)
		ly_format_foreach(add_format_name, c);
}

static const struct ly_cli_command format_commands[] = {
	{
		.command = "core show codecs",
		.summary = "Display the registered media formats",
		.usage = "Usage: core show codecs\n"
			 "  Lists every registered format with its sample rate and module.\n",
		.handler = show_codecs,
	},
	{
		.command = "core show translation",
		.summary = "Display the translation cost matrix",
		.usage = "Usage: core show translation\n"
			 "  Shows the cost of the cheapest translation path between each pair\n"
			 "  of formats, in rough microseconds per second of audio.\n",
		.handler = show_translation,
	},
	{
		.command = "core show translation path",
		.summary = "Display the translation path between two formats",
		.usage = "Usage: core show translation path <from> <to>\n"
			 "  Shows the chain of translators the core would use.\n",
		.handler = show_translation_path,
		.complete = complete_formats,
	},
};

int ly_format_cli_register(void)
{
	return ly_cli_register_multiple(NULL, format_commands, LY_ARRAY_LEN(format_commands));
}

void ly_format_cli_unregister(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(format_commands); i++)
		ly_cli_unregister(&format_commands[i]);
}
