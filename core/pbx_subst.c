/* core/pbx_subst.c - ${VAR}, ${VAR:offset:length}, ${FUNC(args)} and $[expr] substitution. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_expr.h"
#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"

/* Bounds, so a hostile or broken dialplan costs a log line, never the
 * process: ${...} nesting, one value (Asterisk's VAR_BUF_SIZE is 4096),
 * and the whole result. */
#define SUBST_MAX_DEPTH 32
#define SUBST_VALUE_MAX LY_MAX_VALUE
#define SUBST_OUT_MAX (256 * 1024)

struct subst {
	struct ly_channel *c;
	struct ly_buf *out;	/* the caller's buffer: the size cap applies to it */
	size_t out_start;
	bool stopped;		/* a bound was hit and logged: copy nothing more */
};

static void subst_slice(struct subst *s, const char *p, const char *end, struct ly_buf *to,
			int depth);

/* A problem in the dialplan's text: say where it was written. */
static void subst_warn(const struct subst *s, const char *what, const char *detail)
{
	char where[300];

	ly_pbx_location(s->c, where, sizeof(where));
	ly_warning("%s%s%s%s%s%s", where, where[0] ? ": " : "", what, detail ? " '" : "",
		   detail ? detail : "", detail ? "'" : "");
}

static void emit(struct subst *s, struct ly_buf *to, const char *text, size_t len)
{
	if (s->stopped)
		return;
	if (to == s->out && to->len - s->out_start + len > SUBST_OUT_MAX) {
		subst_warn(s, "Substitution result too long, truncated", NULL);
		s->stopped = true;
		return;
	}
	ly_buf_append(to, text, len);
}

/* ---- ${name:offset:length} ---- */

/* Asterisk's parse_variable_name: the first ':' outside parentheses
 * starts "offset[:length]", read with sscanf so "${X::3}" keeps the whole
 * value exactly as Asterisk does.  True when a range was given. */
static bool split_range(char *name, int *offset, int *length)
{
	int parens = 0;

	*offset = 0;
	*length = INT_MAX;
	for (char *p = name; *p; p++) {
		if (*p == '(')
			parens++;
		else if (*p == ')')
			parens--;
		else if (*p == ':' && parens == 0) {
			*p = '\0';
			if (sscanf(p + 1, "%30d:%30d", offset, length) < 1)
				*offset = 0;
			return true;
		}
	}
	return false;
}

/* Asterisk's substring(): a negative offset counts from the end, a
 * negative length drops that many characters from the end. */
static void substring(const char *value, int offset, int length, const char **start,
		      size_t *len)
{
	int lr = (int)strnlen(value, SUBST_VALUE_MAX);

	/* Offsets and lengths beyond the value mean the same as its length;
	 * clamping first keeps the arithmetic below far from int overflow
	 * (${X:0:-2147483648}). */
	if (offset > SUBST_VALUE_MAX)
		offset = SUBST_VALUE_MAX;
	if (offset < -SUBST_VALUE_MAX)
		offset = -SUBST_VALUE_MAX;
	if (length > SUBST_VALUE_MAX)
		length = SUBST_VALUE_MAX;
	if (length < -SUBST_VALUE_MAX)
		length = -SUBST_VALUE_MAX;
	*start = value;
	*len = (size_t)lr;
	if (offset == 0 && length >= lr)
		return;
	if (offset < 0)
		offset = lr + offset < 0 ? 0 : lr + offset;
	if (offset >= lr) {
		*len = 0;
		return;
	}
	*start = value + offset;
	if (length >= 0)
		*len = (size_t)(length < lr - offset ? length : lr - offset);
	else
		*len = lr > offset - length ? (size_t)(lr + length - offset) : 0;
}

static const char *lookup(struct subst *s, const char *name, char *buf, size_t len)
{
	char *fname;
	int rc;

	if (!strchr(name, '('))
		return ly_pbx_var_get(s->c, name, buf, len);
	rc = pbx_func_read(s->c, name, buf, len);
	if (rc == ENOENT) {
		fname = ly_strndup(name, strcspn(name, "("));
		subst_warn(s, ly_strcaseeq(fname, "SHELL")
			   ? "Not offered, as running shell commands from the dialplan is a security risk:"
			   : "No function named", fname);
		free(fname);
	}
	return rc ? NULL : buf;
}

static void expand_var(struct subst *s, char *name, struct ly_buf *to)
{
	char value[SUBST_VALUE_MAX];
	int offset, length;
	bool ranged = split_range(name, &offset, &length);
	const char *start;
	size_t len;

	if (!lookup(s, ly_strstrip(name), value, sizeof(value)))
		return;
	if (!ranged) {
		emit(s, to, value, strlen(value));
		return;
	}
	substring(value, offset, length, &start, &len);
	emit(s, to, start, len);
}

static void expand_expr(struct subst *s, const char *expr, struct ly_buf *to)
{
	struct ly_buf result, err;

	ly_buf_init(&result);
	ly_buf_init(&err);
	if (ly_expr_eval(expr, &result, &err) == 0) {
		emit(s, to, ly_buf_str(&result), result.len);
	} else {
		struct ly_buf msg;

		ly_buf_init(&msg);
		ly_buf_printf(&msg, "$[%s]: %s", expr, ly_buf_str(&err));
		subst_warn(s, "Error in expression", ly_buf_str(&msg));
		ly_buf_free(&msg);
	}
	ly_buf_free(&result);
	ly_buf_free(&err);
}

/* ---- scanning ---- */

/* The '}' or ']' closing the construct whose opener is at p (p[0] is '{'
 * or '['), counting nested openers and skipping escaped characters, as
 * Asterisk's bracket counting does; NULL when unbalanced. */
static const char *find_close(const char *p, const char *end)
{
	char open = *p, close = open == '{' ? '}' : ']';
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == open)
			depth++;
		else if (*p == close && --depth == 0)
			return p;
	}
	return NULL;
}

/*
 * ${...} or $[...] at p: substitute the inside first (so names, function
 * arguments and expressions may themselves contain ${...}), then expand.
 * Returns where scanning continues.
 */
static const char *expand_construct(struct subst *s, const char *p, const char *end,
				    struct ly_buf *to, int depth)
{
	const char *close = find_close(p + 1, end);
	struct ly_buf inner;

	if (!close) {
		subst_warn(s, p[1] == '{' ? "Missing '}' in" : "Missing ']' in", p);
		emit(s, to, p, (size_t)(end - p));
		return end;
	}
	if (depth >= SUBST_MAX_DEPTH) {
		subst_warn(s, "Substitution nested too deeply, dropped", NULL);
		return close + 1;
	}
	ly_buf_init(&inner);
	ly_buf_puts(&inner, "");
	subst_slice(s, p + 2, close, &inner, depth + 1);
	if (p[1] == '{')
		expand_var(s, inner.data, to);
	else
		expand_expr(s, inner.data, to);
	ly_buf_free(&inner);
	return close + 1;
}

/*
 * A backslash protects the next character: "\$" is a literal '$' and
 * "\\" a literal backslash.  Before any other character the backslash is
 * kept, because the application's argument splitter (ly_app_split_args)
 * is the one that gives "\," its meaning.
 */
static const char *escape(struct subst *s, const char *p, struct ly_buf *to)
{
	if (p[1] == '$' || p[1] == '\\')
		emit(s, to, p + 1, 1);
	else
		emit(s, to, p, 2);
	return p + 2;
}

static void subst_slice(struct subst *s, const char *p, const char *end, struct ly_buf *to,
			int depth)
{
	while (p < end && !s->stopped) {
		const char *run = p;

		if (*p == '\\' && p + 1 < end) {
			p = escape(s, p, to);
			continue;
		}
		if (*p == '$' && p + 1 < end && (p[1] == '{' || p[1] == '[')) {
			p = expand_construct(s, p, end, to, depth);
			continue;
		}
		p++;
		while (p < end && *p != '$' && *p != '\\')
			p++;
		emit(s, to, run, (size_t)(p - run));
	}
}

void ly_pbx_substitute(struct ly_channel *c, const char *in, struct ly_buf *out)
{
	struct subst s = { .c = c, .out = out, .out_start = out->len };

	ly_buf_puts(out, "");	/* the result is a string even when empty */
	if (in)
		subst_slice(&s, in, in + strlen(in), out, 0);
}
