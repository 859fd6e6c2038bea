/* core/pbx_args.c - splitting application arguments as Asterisk's AST_STANDARD_APP_ARGS does. */
#include "config.h"

#include <stdbool.h>

#include "lyre/pbx.h"

/* Nesting of (), [] and {} outside quotes: separators inside do not split. */
struct nesting {
	int paren, bracket, brace;
	bool quote;
};

static void track(struct nesting *n, char ch)
{
	int *depth = NULL, delta = 0;

	switch (ch) {
	case '(': depth = &n->paren; delta = 1; break;
	case ')': depth = &n->paren; delta = -1; break;
	case '[': depth = &n->bracket; delta = 1; break;
	case ']': depth = &n->bracket; delta = -1; break;
	case '{': depth = &n->brace; delta = 1; break;
	case '}': depth = &n->brace; delta = -1; break;
	default: return;
	}
	/* An unbalanced closer is kept as text, as Asterisk does. */
	if (*depth + delta >= 0)
		*depth += delta;
}

static bool nested(const struct nesting *n)
{
	return n->quote || n->paren || n->bracket || n->brace;
}

/*
 * Rewrites args in place: the output never runs ahead of the input, since
 * quotes and escaping backslashes only ever remove characters.  Once max
 * arguments exist the rest of the text stays in the last one, separators
 * included (Asterisk gives the remainder to the last argument too).
 */
int ly_app_split_args_sep(char *args, char sep, char **argv, int max)
{
	struct nesting n = { 0 };
	char *out = args;
	int argc = 0;

	if (!args || max <= 0)
		return 0;
	argv[argc++] = out;
	for (const char *in = args; *in; in++) {
		if (*in == '\\' && in[1]) {
			*out++ = *++in;
			continue;
		}
		if (*in == '"' && sep != '"') {
			n.quote = !n.quote;
			continue;
		}
		if (!n.quote)
			track(&n, *in);
		if (*in == sep && !nested(&n) && argc < max) {
			*out++ = '\0';
			argv[argc++] = out;
			continue;
		}
		*out++ = *in;
	}
	*out = '\0';
	return argc;
}

int ly_app_split_args(char *args, char **argv, int max)
{
	return ly_app_split_args_sep(args, ',', argv, max);
}
