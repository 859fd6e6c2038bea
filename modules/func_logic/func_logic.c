/*
 * modules/func_logic/func_logic.c - conditional functions: IF, IFTIME,
 * ISNULL, EXISTS and SET, with Asterisk's syntax.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

static const char *chan_label(const struct ly_channel *chan)
{
	return chan ? ly_chan_name(chan) : "(no channel)";
}

/*
 * "cond?true[:false]" split as Asterisk's AST_NONSTANDARD_APP_ARGS does
 * (a '?' or ':' inside quotes or brackets does not split), each part
 * stripped of surrounding spaces.  false when the '?' is missing.
 */
static bool split_choice(char *s, char **cond, const char **yes, const char **no)
{
	char *q[2], *c[2] = { NULL, NULL };

	if (ly_app_split_args_sep(s, '?', q, 2) < 2)
		return false;
	if (ly_app_split_args_sep(q[1], ':', c, 2) < 1)
		c[0] = NULL;
	*cond = ly_strstrip(q[0]);
	*yes = c[0] ? ly_strstrip(c[0]) : "";
	*no = c[1] ? ly_strstrip(c[1]) : "";
	return true;
}

/* IF(expression?[true][:false]) */
static int if_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *cond;
	const char *yes, *no;

	if (!split_choice(copy, &cond, &yes, &no) || !*cond) {
		ly_warning("%s: Syntax IF(<expr>?[<true>][:<false>]) (expr must be non-null, and "
			   "either <true> or <false> must be non-null)", chan_label(chan));
		free(copy);
		return EINVAL;
	}
	ly_strlcpy(buf, ly_pbx_checkcondition(cond) ? yes : no, len);
	free(copy);
	return 0;
}

/* IFTIME(times,weekdays,mdays,months[,tz]?[true][:false]) on the dialplan clock. */
static int iftime_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *spec;
	const char *yes, *no;
	struct ly_timing timing;
	struct ly_buf err;
	int rc = 0;

	ly_buf_init(&err);
	if (!split_choice(copy, &spec, &yes, &no) || !*spec) {
		ly_warning("%s: Syntax IFTIME(<timespec>?[<true>][:<false>])", chan_label(chan));
		rc = EINVAL;
	} else if (ly_timing_parse(spec, &timing, &err)) {
		ly_warning("%s: IFTIME: invalid time specification '%s': %s", chan_label(chan),
			   spec, ly_buf_str(&err));
		rc = EINVAL;
	} else {
		ly_strlcpy(buf, ly_timing_match(&timing, ly_pbx_now()) ? yes : no, len);
	}
	ly_buf_free(&err);
	free(copy);
	return rc;
}

static int isnull_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	(void)chan;
	ly_strlcpy(buf, *args ? "0" : "1", len);
	return 0;
}

static int exists_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	(void)chan;
	ly_strlcpy(buf, *args ? "1" : "0", len);
	return 0;
}

/* SET(varname=[value]): sets the variable (through Set's rules: _X, __X,
 * FUNC()) and returns the value, so it can be used inside an expression. */
static int set_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args);
	char *eq = strchr(copy, '=');
	char *name;
	int rc;

	if (eq)
		*eq = '\0';
	name = ly_strstrip(copy);
	if (!eq || !*name) {
		ly_warning("%s: Syntax SET(<varname>=[<value>])", chan_label(chan));
		free(copy);
		return EINVAL;
	}
	rc = ly_pbx_var_set(chan, name, ly_strstrip(eq + 1));
	ly_strlcpy(buf, ly_strstrip(eq + 1), len);
	free(copy);
	return rc;
}

static struct ly_func logic_funcs[] = {
	{ .name = "IF", .synopsis = "Check for an expression", .read = if_read },
	{ .name = "IFTIME", .synopsis = "Temporal Conditional", .read = iftime_read },
	{ .name = "ISNULL", .synopsis = "Check if a value is NULL", .read = isnull_read },
	{ .name = "EXISTS", .synopsis = "Test the existence of a value", .read = exists_read },
	{ .name = "SET", .synopsis = "SET assigns a value to a channel variable",
	  .read = set_read },
};

static int load(struct ly_module *self)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(logic_funcs); i++) {
		int rc = ly_func_register(self, &logic_funcs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

LYRE_MODULE(func_logic,
	.description = "Logical dialplan functions",
	.load = load);
