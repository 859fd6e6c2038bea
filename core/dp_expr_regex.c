/* core/dp_expr_regex.c - the `:` and `=~` regular-expression match of $[...], with its cost bounded. */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "dp_expr_int.h"
#include "lyre/pbx.h"

/*
 * glibc's regcomp copies the operand of a+ once and of a{m,n} n times,
 * and copies of copies multiply: "a++++...+" is 2^n nodes.  Its matcher
 * does work for every node and every group at every position, and an
 * unanchored search restarts at each position, so a match costs up to
 * (subject length)^2 x nodes x groups; measured, a 40 KB subject took
 * seconds.  A pattern's cost is nodes x (groups + 1); above
 * EX_REGEX_MAX_COST it is refused, and so is a match once the
 * expression's matches together exceed the budget the parser gives each
 * expression.  A dialplan pattern such as "^([0-9]{3})-([0-9]{4})$"
 * costs about 60, so kilobyte subjects still match.
 */
#define EX_REGEX_MAX_COST ((size_t)16 * 1024)
#define EX_BOUND_CAP ((size_t)1 << 20)

static size_t sat_mul(size_t a, size_t b)
{
	return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

static size_t sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Past a bracket expression starting at p ('['), where ']' first is a
 * member and [:class:] [.coll.] [=equiv=] hold their own ']'. */
static size_t skip_bracket(const char *re, size_t p)
{
	p++;
	if (re[p] == '^')
		p++;
	if (re[p] == ']')
		p++;
	while (re[p] && re[p] != ']') {
		if (re[p] == '[' && re[p + 1] && strchr(":.=", re[p + 1])) {
			const char close[3] = { re[p + 1], ']', '\0' };
			const char *end = strstr(re + p + 2, close);

			p = end ? (size_t)(end - re) + 2 : strlen(re);
		} else {
			p++;
		}
	}
	return re[p] ? p + 1 : p;
}

static size_t read_bound(const char *re, size_t *p)
{
	size_t n = 0;

	while (re[*p] >= '0' && re[*p] <= '9') {
		n = n * 10 + (size_t)(re[*p] - '0');
		if (n > EX_BOUND_CAP)
			n = EX_BOUND_CAP;
		(*p)++;
	}
	return n;
}

/* How many copies of its operand the interval {m}, {m,} or {m,n} at p
 * ('{') makes, at most; p moves past it. */
static size_t interval_copies(const char *re, size_t *p)
{
	size_t lo, hi;

	(*p)++;
	lo = read_bound(re, p);
	hi = lo;
	if (re[*p] == ',') {
		(*p)++;
		if (re[*p] >= '0' && re[*p] <= '9')
			hi = read_bound(re, p);
	}
	if (re[*p] == '}')
		(*p)++;
	return (hi > lo ? hi : lo) + 1;
}

/* One open group of the pattern: the size of what it holds so far, and
 * of its last atom, which a following + or {m,n} multiplies. */
struct re_level {
	size_t done;
	size_t last;
};

struct re_walk {
	struct re_level *levels;
	size_t depth;
};

static void atom(struct re_walk *w, size_t size)
{
	struct re_level *l = &w->levels[w->depth];

	l->done = sat_add(l->done, l->last);
	l->last = size;
}

static void close_group(struct re_walk *w)
{
	struct re_level *inner = &w->levels[w->depth];
	size_t size = sat_add(sat_add(inner->done, inner->last), 1);

	w->depth--;
	atom(w, size);
}

/* Walk the pattern as glibc would build it, without recursion (the
 * nesting is as deep as the pattern is long). */
static size_t tree_size(const char *re, struct re_walk *w)
{
	size_t p = 0;

	while (re[p]) {
		char ch = re[p];

		if (ch == '(') {
			w->levels[++w->depth] = (struct re_level){ 0, 0 };
			p++;
		} else if (ch == ')' && w->depth > 0) {
			close_group(w);
			p++;
		} else if (ch == '|') {
			atom(w, 0);
			p++;
		} else if (ch == '+') {
			w->levels[w->depth].last = sat_mul(w->levels[w->depth].last, 2);
			p++;
		} else if (ch == '{') {
			w->levels[w->depth].last = sat_mul(w->levels[w->depth].last,
							   interval_copies(re, &p));
		} else if (ch == '*' || ch == '?') {
			p++;
		} else {
			atom(w, 1);
			p = ch == '[' ? skip_bracket(re, p) : p + (ch == '\\' && re[p + 1] ? 2 : 1);
		}
	}
	while (w->depth > 0)
		close_group(w);
	return sat_add(w->levels[0].done, w->levels[0].last);
}

static int refuse(struct ex_ctx *c, const char *what)
{
	ly_buf_printf(c->err, "%s in a regular expression is not supported", what);
	return EINVAL;
}

/*
 * Refuse what glibc cannot match in bounded time: a back-reference (it
 * backtracks), and repetitions of a repetition ("a+*", "a??", "a{2}+"),
 * whose result POSIX leaves undefined and whose epsilon closures glibc
 * computes in exponential time.
 */
static int check_constructs(struct ex_ctx *c, const char *re)
{
	bool after_repeat = false;
	size_t p = 0;

	while (re[p]) {
		char ch = re[p];
		bool repeat = ch == '*' || ch == '+' || ch == '?' || ch == '{';

		if (repeat && after_repeat)
			return refuse(c, "a repetition of a repetition");
		if (ch == '\\' && re[p + 1] >= '1' && re[p + 1] <= '9')
			return refuse(c, "a back-reference");
		if (ch == '\\')
			p += re[p + 1] ? 2 : 1;
		else if (ch == '[')
			p = skip_bracket(re, p);
		else if (ch == '{')
			(void)interval_copies(re, &p);
		else
			p++;
		after_repeat = repeat;
	}
	return 0;
}

static int pattern_cost(struct ex_ctx *c, const char *re, size_t *cost)
{
	size_t groups = 0;
	struct re_walk w = { .depth = 0 };
	int rc;

	if ((rc = check_constructs(c, re)) != 0)
		return rc;
	for (const char *q = re; *q; q++)
		groups += *q == '(';
	w.levels = ly_calloc(groups + 1, sizeof(*w.levels));
	*cost = sat_mul(sat_add(tree_size(re, &w), 1), groups + 1);
	free(w.levels);
	return 0;
}

static int charge(struct ex_ctx *c, const char *subject, const char *re)
{
	size_t cost, work;
	int rc;

	if ((rc = pattern_cost(c, re, &cost)) != 0)
		return rc;
	if (cost > EX_REGEX_MAX_COST) {
		ly_buf_printf(c->err, "regular expression too complex (%zu bytes)", strlen(re));
		return EINVAL;
	}
	work = sat_mul(sat_mul(strlen(subject) + 1, strlen(subject) + 1), cost);
	if (work > c->regex_budget) {
		ly_buf_puts(c->err, "regular expressions too costly for one expression");
		return EINVAL;
	}
	c->regex_budget -= work;
	return 0;
}

static int compile(struct ex_ctx *c, regex_t *rx, const char *re)
{
	char msg[128];
	int rc = regcomp(rx, re, REG_EXTENDED);

	if (rc == 0)
		return 0;
	/* Asterisk logs this and gives "", which is the result of an error here */
	regerror(rc, rx, msg, sizeof(msg));
	ly_buf_printf(c->err, "bad regular expression \"%.60s\": %s", re, msg);
	return EINVAL;
}

/*
 * Asterisk's op_colon / op_eqtilde: on a match, the first capture group's
 * text if the pattern has one (and it took part), else the number of
 * characters matched; without a match "" if the pattern has a group, else
 * 0.  `:` matches only at the start: Asterisk searches and then requires
 * the match to begin at offset 0, which is the same as anchoring because
 * POSIX returns the leftmost match.
 */
static struct ex_val *match_result(const regex_t *rx, const char *subject, bool anchored)
{
	regmatch_t m[2];

	if (regexec(rx, subject, 2, m, 0) != 0 || (anchored && m[0].rm_so != 0))
		return rx->re_nsub == 0 ? ex_number(0) : ex_text("", 0, EX_STRING);
	if (m[1].rm_so >= 0)
		return ex_result_text(subject + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
	return ex_number((long double)(m[0].rm_eo - m[0].rm_so));
}

int ex_match(struct ex_ctx *c, bool anchored, struct ex_val *a, struct ex_val *b,
	     struct ex_val **out)
{
	regex_t rx;
	int rc;

	ex_to_string(a);
	ex_to_string(b);
	ex_strip_quotes(a);
	ex_strip_quotes(b);
	rc = charge(c, a->str, b->str);
	if (rc == 0)
		rc = compile(c, &rx, b->str);
	if (rc == 0) {
		*out = match_result(&rx, a->str, anchored);
		regfree(&rx);
	}
	ex_free(a);
	ex_free(b);
	return rc;
}

/* The same rules for REGEX() and any other regular expression a dialplan
 * supplies (lyre/pbx.h). */
int ly_regex_match(const char *pattern, const char *subject, bool *matched, struct ly_buf *err)
{
	struct ex_ctx c = { .err = err, .regex_budget = (size_t)1 << 28 };
	regex_t rx;
	int rc;

	*matched = false;
	if ((rc = charge(&c, subject, pattern)) != 0 || (rc = compile(&c, &rx, pattern)) != 0)
		return rc;
	*matched = regexec(&rx, subject, 0, NULL, 0) == 0;
	regfree(&rx);
	return 0;
}
