/* core/app_vars.c - setting variables: Set, MSet, ImportVar. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "app_int.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"

static void warn_spaces(struct ly_channel *c, const char *name, const char *value)
{
	char where[256];

	if (strchr(name, ' '))
		ly_warning("%s: avoid spaces around variable names ('%s' set to '%s')",
			   app_where(c, where, sizeof(where)), name, value);
}

/* Set(name=value): one assignment; the value is everything after the
 * first '=', commas and further '=' included (Asterisk's Set). */
static int set_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *eq = strchr(copy, '=');
	char where[256];

	if (!eq) {
		ly_warning("%s: Set requires an '=' to be a valid assignment ('%s')",
			   app_where(c, where, sizeof(where)), args);
		free(copy);
		return 0;
	}
	*eq = '\0';
	warn_spaces(c, copy, eq + 1);
	ly_pbx_var_set(c, copy, eq + 1);
	free(copy);
	return 0;
}

/* MSet(name1=value1[,name2=value2...]): arguments split as usual, so
 * quotes protect commas in a value. */
static int mset_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), **argv, where[256];
	int max = 1, argc;

	for (const char *p = args; *p; p++)
		max += *p == ',';
	argv = ly_calloc((size_t)max, sizeof(*argv));
	argc = ly_app_split_args(copy, argv, max);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			if (argv[i][0])
				ly_warning("%s: MSet: ignoring entry '%s' with no '='",
					   app_where(c, where, sizeof(where)), argv[i]);
			continue;
		}
		*eq = '\0';
		warn_spaces(c, argv[i], eq + 1);
		ly_pbx_var_set(c, argv[i], eq + 1);
	}
	free(argv);
	free(copy);
	return 0;
}

/* ${variable} as channel `name` sees it; "" when there is no such channel. */
static void read_from_channel(const char *name, const char *variable, struct ly_buf *out)
{
	struct ly_channel *other = ly_chan_find(name);
	char *expr;

	if (!other)
		return;
	expr = ly_asprintf("${%s}", variable);
	ly_pbx_substitute(other, expr, out);
	free(expr);
	ly_unref(other);
}

/* ImportVar(newvar=channelname,variable): newvar gets ${variable} of the
 * other channel (functions included), empty when it does not exist. */
static int importvar_exec(struct ly_channel *c, const char *args)
{
	char *copy = ly_strdup(args), *eq = strchr(copy, '='), *argv[2], where[256];
	struct ly_buf value;
	int argc;

	if (!eq) {
		ly_warning("%s: ImportVar requires newvar=channelname,variable",
			   app_where(c, where, sizeof(where)));
		free(copy);
		return 0;
	}
	*eq = '\0';
	argc = ly_app_split_args(eq + 1, argv, 2);
	if (argc < 2 || !argv[1][0]) {
		ly_warning("%s: ImportVar requires newvar=channelname,variable",
			   app_where(c, where, sizeof(where)));
		free(copy);
		return 0;
	}
	ly_buf_init(&value);
	if (argv[0][0])
		read_from_channel(argv[0], argv[1], &value);
	ly_pbx_var_set(c, ly_strstrip(copy), ly_buf_str(&value));
	ly_buf_free(&value);
	free(copy);
	return 0;
}

static struct ly_app set_app = { .name = "Set", .exec = set_exec,
	.synopsis = "Set channel variable or function value" };
static struct ly_app mset_app = { .name = "MSet", .exec = mset_exec,
	.synopsis = "Set channel variable(s) or function value(s)" };
static struct ly_app importvar_app = { .name = "ImportVar", .exec = importvar_exec,
	.synopsis = "Import a variable from a channel into a new variable" };

struct ly_app *const app_vars_list[] = { &set_app, &mset_app, &importvar_app, NULL };
