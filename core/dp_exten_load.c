/* core/dp_exten_load.c - one `exten => name[/cid],priority[(label)],App(args)` or `same =>` line of extensions.conf. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "dp_int.h"
#include "dp_load.h"
#include "lyre/utils.h"

/*
 * The syntax is Asterisk's (pbx_config.c), stricter where Asterisk would
 * load a line that can never run: a missing application, an unbalanced
 * "App(...", a bad priority or a duplicate one stop the load with the
 * line's file:line, so a reload keeps the running plan instead.
 */

struct exten_line {
	const char *file;	/* the plan's copy */
	int line;
	const char *name;	/* extension for messages: `raw` once cleaned, or same's */
	char *raw;		/* the extension part of the line, cleaned in place */
	char *cid;		/* after '/', or NULL */
	char *pri;		/* "1", "n", "n(label)", "hint", "label+1" */
	char *rest;		/* App(args), App,args or the hint's devices */
};

/* ---- extension name ---- */

/* Asterisk's ext_strncpy: spaces go, except inside a pattern's [set]. */
static void remove_spaces(char *s)
{
	bool pattern = s[0] == '_', in_set = false;
	char *d = s;

	for (; *s; s++) {
		if (*s == '[' && pattern)
			in_set = true;
		else if (*s == ']')
			in_set = false;
		else if (*s == ' ' && !in_set)
			continue;
		*d++ = *s;
	}
	*d = '\0';
}

/* Asterisk's ast_shrink_phone_number for the caller-id part: drop
 * "( )" and spaces, '-' outside sets and a '.' that is not the last. */
static void shrink_cid(char *s)
{
	int depth = 0;
	char *d = s;

	for (; *s; s++) {
		if (*s == '[')
			depth++;
		else if (*s == ']')
			depth--;
		else if ((*s == '-' && depth <= 0) || (*s == '.' && s[1]) || strchr("( )\t", *s))
			continue;
		*d++ = *s;
	}
	*d = '\0';
}

static int check_name(struct dp_load *ld, const struct exten_line *x, const char *what,
		      const char *name)
{
	char key[DP_MAX_KEY];
	const char *why = NULL;

	if (dp_pattern_check(name, &why))
		return dp_load_fail(ld, x->file, x->line, "%s '%s': %s", what, name, why);
	if (!dp_key_copy(name, key, sizeof(key)))
		return dp_load_fail(ld, x->file, x->line, "%s '%.40s...' is longer than %d characters",
				    what, name, DP_MAX_KEY - 1);
	return 0;
}

static int split_name(struct dp_load *ld, struct exten_line *x)
{
	char *slash = strchr(x->raw, '/');
	int rc;

	if (slash) {
		*slash = '\0';
		x->cid = slash + 1;
		shrink_cid(x->cid);
	}
	remove_spaces(x->raw);
	x->name = x->raw;
	if (!*x->name || strcmp(x->name, "_") == 0)
		return dp_load_fail(ld, x->file, x->line, "missing extension name");
	rc = check_name(ld, x, "extension", x->name);
	if (!rc && x->cid)
		rc = check_name(ld, x, "caller-id pattern", x->cid);
	if (!rc && (strcmp(x->name, "_.") == 0 || strcmp(x->name, "_!") == 0))
		dp_plan_warn(ld->plan, x->file, x->line,
			     "'%s' also matches the special extensions (h, i, t...): '_X.' is safer",
			     x->name);
	return rc;
}

/* ---- priority ---- */

struct priority {
	bool hint;
	int number;
	char *label;		/* NULL when none */
};

static int parse_label(struct dp_load *ld, const struct exten_line *x, char *open,
		       struct priority *p)
{
	char *close = strchr(open, ')');

	*open = '\0';
	if (!close)
		return dp_load_fail(ld, x->file, x->line, "priority label '(%s' has no closing ')'",
				    open + 1);
	if (*ly_strstrip(close + 1))
		return dp_load_fail(ld, x->file, x->line, "text after the label of priority '%s'",
				    x->pri);
	*close = '\0';
	p->label = ly_strstrip(open + 1);
	if (!*p->label)
		return dp_load_fail(ld, x->file, x->line, "empty priority label '()'");
	return 0;
}

/* "n" and "s" continue from the previous line of the same extension: in
 * Asterisk they follow whatever line came before, even another
 * extension's, which only ever produces an extension with no priority 1. */
static int relative_base(struct dp_load *ld, const struct exten_line *x, struct dp_exten *e,
			 const char *base, int *out)
{
	if (ld->last_exten != e || ld->lastpri < 1)
		return dp_load_fail(ld, x->file, x->line,
				    "priority '%s' of '%s' has no numbered priority before it",
				    base, x->name);
	*out = ly_strcaseeq(base, "n") || ly_strcaseeq(base, "next") ? ld->lastpri + 1 : ld->lastpri;
	return 0;
}

static int base_priority(struct dp_load *ld, const struct exten_line *x, struct dp_exten *e,
			 const char *base, int *out)
{
	long n;

	if (ly_strcaseeq(base, "n") || ly_strcaseeq(base, "next") || ly_strcaseeq(base, "s") ||
	    ly_strcaseeq(base, "same"))
		return relative_base(ld, x, e, base, out);
	if (ly_parse_int(base, 1, INT_MAX / 2, &n) == 0) {
		*out = (int)n;
		return 0;
	}
	/* a label of this extension stands for its priority ("start+1") */
	*out = *base ? dp_exten_label(e, base) : -1;
	if (*out < 1)
		return dp_load_fail(ld, x->file, x->line, "bad priority '%s': not a number, "
				    "n, hint, or a label of '%s'", x->pri, x->name);
	return 0;
}

static int parse_priority(struct dp_load *ld, const struct exten_line *x, struct dp_exten *e,
			  struct priority *p)
{
	char *base = ly_strstrip(x->pri);
	char *open = strchr(base, '('), *plus;
	long offset = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if (open && (rc = parse_label(ld, x, open, p)))
		return rc;
	plus = strchr(base, '+');
	if (plus) {
		*plus = '\0';
		if (ly_parse_int(ly_strstrip(plus + 1), 0, 100000, &offset))
			return dp_load_fail(ld, x->file, x->line, "bad priority offset in '%s'",
					    x->pri);
	}
	ly_strstrip(base);
	if (ly_strcaseeq(base, "hint") && !p->label && !plus) {
		p->hint = true;
		return 0;
	}
	rc = base_priority(ld, x, e, base, &p->number);
	p->number += (int)offset;
	return rc;
}

/* ---- application ---- */

static char closing_of(char c)
{
	return c == '(' ? ')' : c == '[' ? ']' : '}';
}

/*
 * Brackets in the arguments must pair up, or the line is a typo that
 * would fail at run time: (), [] and {} nest, a backslash escapes the
 * next character, and text in double quotes is not counted.
 */
static const char *unbalanced(const char *s)
{
	char stack[64];
	int depth = 0;
	bool quoted = false;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
		} else if (*s == '"') {
			quoted = !quoted;
		} else if (quoted) {
			continue;
		} else if (strchr("([{", *s)) {
			if (depth == (int)sizeof(stack))
				return "brackets nested too deeply";
			stack[depth++] = closing_of(*s);
		} else if (strchr(")]}", *s)) {
			if (!depth || stack[--depth] != *s)
				return "unbalanced brackets";
		}
	}
	return depth ? "unbalanced brackets" : NULL;
}

static bool valid_app_name(const char *app)
{
	if (!*app)
		return false;
	for (; *app; app++)
		if (strchr(" \t()[]{},\"", *app))
			return false;
	return true;
}

/* App(args) up to the last ')', or the old App,args. */
static int split_app(struct dp_load *ld, const struct exten_line *x, char **app, char **args)
{
	char *s = x->rest, *paren = strchr(s, '('), *comma = strchr(s, ','), *close;
	const char *why;

	*args = s + strlen(s);
	if (comma && (!paren || comma < paren)) {
		*comma = '\0';
		*args = comma + 1;
	} else if (paren) {
		close = strrchr(paren, ')');
		if (!close)
			return dp_load_fail(ld, x->file, x->line, "'%s' has no closing ')'", s);
		if (close[1])
			return dp_load_fail(ld, x->file, x->line, "text '%s' after the ')' of '%s'",
					    close + 1, s);
		*paren = '\0';
		*close = '\0';
		*args = paren + 1;
	}
	*app = ly_strstrip(s);
	if (!**app)
		return dp_load_fail(ld, x->file, x->line, "missing application");
	if (!valid_app_name(*app))
		return dp_load_fail(ld, x->file, x->line, "bad application name '%s'", *app);
	why = unbalanced(*args);
	if (why)
		return dp_load_fail(ld, x->file, x->line, "%s in the arguments of %s: '%s'", why,
				    *app, *args);
	return 0;
}

/* ---- storing ---- */

static int add_hint(struct dp_load *ld, const struct exten_line *x, struct dp_exten *e)
{
	char *devices = ly_strstrip(x->rest);

	if (!*devices)
		return dp_load_fail(ld, x->file, x->line, "hint of '%s' names no device", x->name);
	if (e->hint)
		return dp_load_fail(ld, x->file, x->line, "'%s' already has a hint (%s:%d)",
				    x->name, e->hint_file, e->hint_line);
	e->hint = dp_arena_strdup(ld->plan, devices);
	e->hint_file = x->file;
	e->hint_line = x->line;
	return 0;
}

static int add_priority(struct dp_load *ld, const struct exten_line *x, struct dp_exten *e,
			const struct priority *p)
{
	struct dp_prio prio = { .priority = p->number, .file = x->file, .line = x->line };
	const struct dp_prio *clash;
	char *app = NULL, *args = NULL;
	int rc = split_app(ld, x, &app, &args);

	if (rc)
		return rc;
	if (p->label && dp_exten_label(e, p->label) > 0)
		return dp_load_fail(ld, x->file, x->line, "label '%s' of '%s' is already priority %d",
				    p->label, x->name, dp_exten_label(e, p->label));
	prio.label = p->label ? dp_arena_strdup(ld->plan, p->label) : NULL;
	prio.app = dp_arena_strdup(ld->plan, app);
	prio.args = dp_arena_strdup(ld->plan, args);
	if (dp_exten_add_prio(e, &prio, &clash) == EEXIST)
		return dp_load_fail(ld, x->file, x->line,
				    "priority %d of '%s' in [%s] is already defined at %s:%d",
				    p->number, x->name, ld->ctx->name, clash->file, clash->line);
	ld->lastpri = p->number;
	return 0;
}

/* Cut "ext,pri,rest" (or "pri,rest" after same =>) into x. */
static int split_line(struct dp_load *ld, struct exten_line *x, char *text, bool same)
{
	char *comma;

	if (!same) {
		comma = strchr(text, ',');
		if (!comma)
			return dp_load_fail(ld, x->file, x->line,
					    "expected 'exten => extension,priority,Application(args)'");
		*comma = '\0';
		x->raw = text;
		text = comma + 1;
	}
	comma = strchr(text, ',');
	if (!comma)
		return dp_load_fail(ld, x->file, x->line, "missing application after priority '%s'",
				    ly_strstrip(text));
	*comma = '\0';
	x->pri = text;
	x->rest = comma + 1;
	return 0;
}

static int load_line(struct dp_load *ld, struct exten_line *x, char *text, bool same)
{
	struct dp_exten *e;
	struct priority p;
	int rc = split_line(ld, x, text, same);

	if (rc)
		return rc;
	if (same) {
		if (!ld->last_exten)
			return dp_load_fail(ld, x->file, x->line,
					    "'same =>' with no 'exten =>' before it in [%s]",
					    ld->ctx->name);
		e = ld->last_exten;
		x->name = e->name;
	} else {
		rc = split_name(ld, x);
		if (rc)
			return rc;
		e = dp_exten_get_or_add(ld->plan, ld->ctx, x->name, x->cid, x->file, x->line);
	}
	rc = parse_priority(ld, x, e, &p);
	if (!rc)
		rc = p.hint ? add_hint(ld, x, e) : add_priority(ld, x, e, &p);
	if (!rc && ld->last_exten != e) {
		ld->last_exten = e;
		if (p.hint)
			ld->lastpri = 0;
	}
	return rc;
}

int dp_load_exten(struct dp_load *ld, const struct ly_cfg_var *v, bool same)
{
	struct exten_line x = { .file = dp_load_file(ld, v->file), .line = v->line };
	char *text = ly_strdup(v->value);
	int rc = load_line(ld, &x, text, same);

	free(text);
	return rc;
}
