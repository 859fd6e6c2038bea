/* tests/unit/test_expr.c - the $[...] evaluator against a table of expressions and Asterisk's answers. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp_expr.h"
#include "lyre/utils.h"
#include "tap.h"

struct expr_case {
	const char *expr;
	const char *result;
};

/* Evaluate, print a diagnostic on mismatch, and report whether it matched. */
static int check_expr(const char *expr, const char *want)
{
	struct ly_buf out, err;
	int rc, ok;

	ly_buf_init(&out);
	ly_buf_init(&err);
	rc = ly_expr_eval(expr, &out, &err);
	ok = rc == 0 && strcmp(ly_buf_str(&out), want) == 0 && err.len == 0;
	if (!ok)
		printf("#   $[%s]: rc %d, got \"%s\", want \"%s\" (%s)\n", expr, rc,
		       ly_buf_str(&out), want, ly_buf_str(&err));
	ly_buf_free(&out);
	ly_buf_free(&err);
	return ok;
}

/* The expression must fail with EINVAL, a message containing `reason`,
 * and nothing in the result. */
static int check_error(const char *expr, const char *reason)
{
	struct ly_buf out, err;
	int rc, ok;

	ly_buf_init(&out);
	ly_buf_init(&err);
	rc = ly_expr_eval(expr, &out, &err);
	ok = rc == EINVAL && out.len == 0 && strstr(ly_buf_str(&err), reason) != NULL;
	if (!ok)
		printf("#   $[%.60s]: rc %d, result \"%s\", message \"%s\", want \"%s\"\n", expr, rc,
		       ly_buf_str(&out), ly_buf_str(&err), reason);
	ly_buf_free(&out);
	ly_buf_free(&err);
	return ok;
}

static void run_table(const struct expr_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK(check_expr(cases[i].expr, cases[i].result));
}

#define RUN_TABLE(t) run_table((t), LY_ARRAY_LEN(t))

static void test_precedence(void)
{
	static const struct expr_case t[] = {
		{ "1+2*3", "7" },
		{ "(1+2)*3", "9" },
		{ "2*3=6", "1" },
		{ "1|0&0", "1" },		/* & before | */
		{ "0|0&1", "0" },
		{ "2 * 3 + 4 * 5", "26" },
		{ "2 * (3 + 4) * 5", "70" },
		{ "10 - 2 - 3", "5" },		/* left-associative */
		{ "100 / 10 / 5", "2" },
		{ "1 + 2 = 3", "1" },		/* arithmetic before comparison */
		{ "3 = 1 + 2", "1" },
		{ "1 < 2 & 2 < 3", "1" },	/* comparison before & */
		{ "1 = 1 | 0", "1" },
		{ "!1 + 1", "1" },		/* (!1) + 1 */
		{ "-3 : 3", "-1" },		/* -(3 : 3): : binds tighter than - */
		{ "- 2 : 2", "-1" },
		{ "\"abc123\" =~ \"([0-9]+)\" + 1", "124" },
		{ "1 ~~ 2 + 1", "13" },		/* ~~ before + */
		{ "3 : 3 : 1", "1" },
		{ "(((((1)))))", "1" },
		{ "2 + 3 ? x :: y", "x" },	/* ?:: weakest */
		{ "1 | 0 ? x :: y", "x" },
		{ "1 ? a :: b | c", "a" },
	};

	RUN_TABLE(t);
}

static void test_arithmetic(void)
{
	static const struct expr_case t[] = {
		{ "3+4", "7" },
		{ "1+1", "2" },
		{ "7/2", "3.5" },		/* floating-point division since Asterisk 1.6 */
		{ "1/3", "0.333333333333333333" },
		{ "2/3", "0.666666666666666667" },
		{ "10 % 3", "1" },
		{ "-7 % 3", "-1" },
		{ "7.5 % 2", "1.5" },
		{ "1.5 + 1.5", "3" },
		{ "0.1 + 0.2", "0.3" },
		{ "0.5 * 4", "2" },
		{ "1.25 * 2", "2.5" },
		{ "4 / 2.0", "2" },
		{ "99999999999 + 1", "100000000000" },
		{ "123456789012345678 + 1", "123456789012345679" },
		{ "1000000000000000000000 + 0", "1e+21" },
		{ "2.50 + 0", "2.5" },
		{ "abc + 1", "1" },		/* non-numeric: the other operand */
		{ "5 - abc", "5" },
		{ "abc - 3", "-3" },
		{ "abc * 2", "0" },
		{ "abc / 2", "0" },
		{ "\"5\" + 1", "1" },		/* a quoted string is not a number */
		{ ".5 + 1", "1" },		/* nor is .5 (Asterisk wants 0.5) */
		{ "1.2.3 + 0", "0" },
	};

	RUN_TABLE(t);
}

static void test_negative_numbers(void)
{
	static const struct expr_case t[] = {
		{ "-1 + 3", "2" },
		{ "3 - -1", "4" },
		{ "3--1", "4" },
		{ "- 5", "-5" },
		{ "-(2+3)", "-5" },
		{ "--5", "5" },
		{ "-2 * -3", "6" },
		{ "-0", "-0" },			/* "%Lg" of negative zero, as Asterisk */
		{ "-abc", "0" },
	};

	RUN_TABLE(t);
}

static void test_comparisons(void)
{
	static const struct expr_case t[] = {
		{ "10 < 9", "0" },		/* numbers: numeric */
		{ "2 > 10", "0" },
		{ "10 >= 10", "1" },
		{ "9 <= 10", "1" },
		{ "1.0 = 1", "1" },
		{ "01 = 1", "1" },
		{ "(1+1) = 2", "1" },
		{ "\"10\" < \"9\"", "1" },	/* quoted: strings, quotes included */
		{ "abc < abd", "1" },
		{ "abc = abc", "1" },
		{ "abc == abc", "1" },
		{ "abc != abd", "1" },
		{ "x2 > x10", "1" },
		{ "a > B", "1" },
		{ "\"\" = \"\"", "1" },
		{ "\"a\" = a", "0" },		/* Asterisk compares "a" with the quotes */
		{ "foo${X}bar = foo${X}bar", "1" },
	};

	RUN_TABLE(t);
}

static void test_logic(void)
{
	static const struct expr_case t[] = {
		{ "5 & 3", "5" },
		{ "0 & 3", "0" },
		{ "5 & 0", "0" },
		{ "abc & def", "abc" },
		{ "0 | def", "def" },
		{ "abc | def", "abc" },
		{ "00 | 7", "7" },
		{ "007 | 5", "7" },		/* looking at it made it a number */
		{ "\"\" | def", "\"\"" },	/* "" with its quotes is not empty */
		{ "5 && 3", "5" },
		{ "0 || 4", "4" },
		{ "!0", "1" },
		{ "!1", "0" },
		{ "!!5", "1" },
		{ "!(1/2)", "0" },
		{ "!abc", "1" },		/* Asterisk's atoi(): text is 0 */
		{ "!0.5", "1" },
	};

	RUN_TABLE(t);
}

static void test_ternary(void)
{
	static const struct expr_case t[] = {
		{ "1 ? yes :: no", "yes" },
		{ "0 ? yes :: no", "no" },
		{ "\"\" ? yes :: no", "no" },
		{ "abc ? yes :: no", "yes" },
		{ "1 ? 1+1 :: 3", "2" },
		{ "1 ? 2 ? a :: b :: c", "a" },
		{ "0 ? a :: 1 ? b :: c", "b" },	/* (0 ? a :: 1) ? b :: c */
		{ "1 ? a :: 0 ? b :: c", "b" },	/* left-associative, as bison */
		{ "1 = 1 ? \"yes\" :: \"no\"", "\"yes\"" },
		{ "0 ? 1 / 0 :: 5", "5" },	/* the branch not taken is not computed */
		{ "1 ? 5 :: 1 / 0", "5" },
		{ "1 | 1 / 0", "1" },
		{ "0 & 1 / 0", "0" },
	};

	RUN_TABLE(t);
}

static void test_regex(void)
{
	static const struct expr_case t[] = {
		{ "abcdef : abc", "3" },	/* no group: characters matched */
		{ "abcdef : bcd", "0" },	/* : is anchored at the start */
		{ "abcdef =~ bcd", "3" },	/* =~ is not */
		{ "abc : x", "0" },
		{ "\"abcdef\" : \"(abc)\"", "abc" },
		{ "\"abc123\" : \"[a-z]+([0-9]+)\"", "123" },
		{ "\"abc\" : \"x(y)\"", "" },	/* no match, has a group */
		{ "\"hello world\" =~ \"o w\"", "3" },
		{ "\"hello world\" =~ \"(w.*)\"", "world" },
		{ "5551234 : 555", "3" },
		{ "\"5551234\" : \"^([0-9]{3})\"", "555" },
		{ "\"x\" : \"(a)|x\"", "1" },	/* the group took no part */
		{ "\"a]b\" : \"[]a]+\"", "2" },
		{ "\"a1\" =~ \"[[:digit:]]\"", "1" },
	};

	RUN_TABLE(t);
}

static void test_tokens_and_spaces(void)
{
	static const struct expr_case t[] = {
		{ "", "" },
		{ "   ", "" },
		{ "abc", "abc" },
		{ "\"quoted\"", "\"quoted\"" },	/* Asterisk keeps the quotes */
		{ "\"a b\" ~~ c", "a bc" },	/* ~~ drops them */
		{ "a ~~ b", "ab" },
		{ "  1   +   1  ", "2" },
		{ "\t1\n+\r1", "2" },
		{ "2.50", "2.50" },		/* a number as written stays as written */
		{ "12abc", "12abc" },
		{ "1.2.3", "1.2.3" },
		{ "${X}", "${X}" },
		{ "a${X}-1", "-1" },		/* the word ends at '-': a${X} - 1 */
		{ "$a", "$a" },
		{ "caf\xc3\xa9 = caf\xc3\xa9", "1" },
	};

	RUN_TABLE(t);
}

static void test_errors(void)
{
	CHECK(check_error("= 1", "operand expected"));
	CHECK(check_error("1 +", "operand expected at the end"));
	CHECK(check_error("1 + + 2", "column 5"));
	CHECK(check_error("1 2", "operator expected"));
	CHECK(check_error("abc def", "found 'def'"));
	CHECK(check_error("(1", "')' expected"));
	CHECK(check_error("1)", "operator expected"));
	CHECK(check_error("()", "operand expected"));
	CHECK(check_error("1 ? 2", "'::' expected"));
	CHECK(check_error("1 :: 2", "operator expected"));
	CHECK(check_error("1 , 2", "operator expected"));
	CHECK(check_error("5 / 0", "division by zero"));
	CHECK(check_error("5 % 0", "division by zero"));
	CHECK(check_error("5 / 0.0", "division by zero"));
	CHECK(check_error("5 / abc", "division by a non-number"));
	CHECK(check_error("1 & 1 / 0", "division by zero"));
	CHECK(check_error("\"abc", "unterminated quoted string"));
	CHECK(check_error("1 ~ 2", "unexpected character '~'"));
	CHECK(check_error("[1]", "unexpected character '['"));
	CHECK(check_error("1 + $", "unexpected character '$'"));
	CHECK(check_error("1 + ${X", "unterminated '$'"));
	CHECK(check_error("1 + \x01", "byte 0x01"));
	CHECK(check_error("abc : \"(\"", "bad regular expression"));
	CHECK(check_error("aa : \"(a)\\1\"", "back-reference"));
	CHECK(check_error("a : \"a+*\"", "repetition of a repetition"));
	CHECK(check_error("a : \"(a{2}){3}+\"", "repetition of a repetition"));
	CHECK(check_expr("\"a\\1\" : \"a\\\\1\"", "3"));	/* \\ is no back-reference */
	CHECK(check_error("a : \"((a{200}){200}){200}\"", "too complex"));
	CHECK(check_error("COS(1)", "function call COS()"));
	CHECK(check_error("1 ? (2 :: 3", "')' expected"));
}

/* Limits: nesting, length and regex work are refused, never a crash. */
static void test_limits(void)
{
	struct ly_buf big;
	char deep[2 * (LY_EXPR_MAX_DEPTH + 1) + 2];
	size_t n = 0;

	for (int i = 0; i < LY_EXPR_MAX_DEPTH - 1; i++)
		deep[n++] = '(';
	deep[n++] = '1';
	for (int i = 0; i < LY_EXPR_MAX_DEPTH - 1; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	CHECK(check_expr(deep, "1"));
	memmove(deep + 1, deep, n + 1);
	deep[0] = '(';
	strcat(deep, ")");
	CHECK(check_error(deep, "nested more than"));

	ly_buf_init(&big);
	for (int i = 0; i < 40000; i++)
		ly_buf_puts(&big, "!");
	CHECK(check_error(ly_buf_str(&big), "nested more than"));
	ly_buf_reset(&big);
	for (int i = 0; i < 30000; i++)
		ly_buf_puts(&big, "1+");
	ly_buf_puts(&big, "1");
	CHECK(check_expr(ly_buf_str(&big), "30001"));
	for (int i = 0; i < 3000; i++)
		ly_buf_puts(&big, "+1");
	CHECK(check_error(ly_buf_str(&big), "longer than"));
	ly_buf_reset(&big);
	for (int i = 0; i < 1000; i++)	/* a long subject still matches */
		ly_buf_puts(&big, "a");
	ly_buf_puts(&big, " : \"a*\"");
	CHECK(check_expr(ly_buf_str(&big), "1000"));
	ly_buf_reset(&big);
	ly_buf_puts(&big, "\"");
	for (int i = 0; i < 30000; i++)
		ly_buf_puts(&big, "a");
	ly_buf_puts(&big, "\"");
	/* each match costs 5 x 30001; a few hundred of them are refused */
	for (int i = 0; i < 300; i++)
		ly_buf_puts(&big, " : \"(.*)\"");
	CHECK(check_error(ly_buf_str(&big), "too costly"));
	ly_buf_free(&big);
}

/* Results are appended to what the buffer already holds. */
static void test_appends(void)
{
	struct ly_buf out, err;

	ly_buf_init(&out);
	ly_buf_init(&err);
	ly_buf_puts(&out, "x=");
	CHECK_INT(ly_expr_eval("6*7", &out, &err), 0);
	CHECK_STR(ly_buf_str(&out), "x=42");
	CHECK_INT(ly_expr_eval("1/0", &out, &err), EINVAL);
	CHECK_STR(ly_buf_str(&out), "x=42");
	ly_buf_free(&out);
	ly_buf_free(&err);
}

TAP_MAIN(TAP(test_precedence), TAP(test_arithmetic), TAP(test_negative_numbers),
	 TAP(test_comparisons), TAP(test_logic), TAP(test_ternary), TAP(test_regex),
	 TAP(test_tokens_and_spaces), TAP(test_errors), TAP(test_limits), TAP(test_appends))
