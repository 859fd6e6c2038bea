/* core/dp_expr.c - parses and evaluates $[...] with the grammar and precedence of Asterisk's ast_expr2.y. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dp_expr.h"
#include "dp_expr_int.h"

/*
 * Binding strength, weakest first, from ast_expr2.y's %left/%right lines:
 *   ?:: < | < & < comparisons < + - < * / % < unary - ! < : =~ ~~
 * All binary operators are left-associative, the ternary included:
 * "a ? b :: c ? d :: e" is "(a ? b :: c) ? d :: e", as bison builds it.
 */
enum ex_level {
	LV_NONE, LV_COND, LV_OR, LV_AND, LV_CMP, LV_ADD, LV_MUL, LV_UNARY, LV_MATCH
};

/*
 * Work allowed for all the regular-expression matches of one expression
 * (see dp_expr_regex.c): about a tenth of a second of glibc's matcher,
 * enough for a 1,000-character subject and a pattern costing 250.
 */
#define EX_REGEX_BUDGET ((size_t)1 << 28)

struct ex_parser {
	struct ex_lexer lex;
	struct ex_token tok;	/* the lookahead */
	struct ex_ctx ctx;
	unsigned depth;
	/* Inside the branch of ?:: that is not taken, or the right side of a
	 * | or & that cannot change the result: parse, but compute nothing,
	 * so "${B} = 0 ? 0 :: ${A} / ${B}" is no division-by-zero error. */
	bool skip;
};

static int parse_expr(struct ex_parser *p, enum ex_level min, struct ex_val **out);

static enum ex_level binary_level(enum ex_tok kind)
{
	switch (kind) {
	case TK_COND: return LV_COND;
	case TK_OR: return LV_OR;
	case TK_AND: return LV_AND;
	case TK_EQ: case TK_NE: case TK_LT: case TK_GT: case TK_LE: case TK_GE: return LV_CMP;
	case TK_PLUS: case TK_MINUS: return LV_ADD;
	case TK_MUL: case TK_DIV: case TK_MOD: return LV_MUL;
	case TK_COLON: case TK_EQTILDE: case TK_CONCAT: return LV_MATCH;
	default: return LV_NONE;
	}
}

static int advance(struct ex_parser *p)
{
	return ex_lex_next(&p->lex, &p->tok, p->ctx.err);
}

static int syntax_error(struct ex_parser *p, const char *expected)
{
	size_t column = (size_t)(p->tok.start - p->lex.text) + 1;

	if (p->tok.kind == TK_END)
		ly_buf_printf(p->ctx.err, "syntax error: %s at the end", expected);
	else
		ly_buf_printf(p->ctx.err, "syntax error at column %zu: %s, found '%.*s'%s", column,
			      expected, p->tok.len > 40 ? 40 : (int)p->tok.len, p->tok.start,
			      p->tok.len > 40 ? "..." : "");
	return EINVAL;
}

/* Run an operator, or stand in for it while skipping. */
static int apply_binary(struct ex_parser *p, enum ex_tok op, struct ex_val *a,
			struct ex_val *b, struct ex_val **out)
{
	if (!p->skip)
		return ex_binary(&p->ctx, op, a, b, out);
	ex_free(a);
	ex_free(b);
	*out = ex_number(0);
	return 0;
}

/* Parse at min with skipping forced on when `skip` (nested skips stay). */
static int parse_maybe_skipped(struct ex_parser *p, bool skip, enum ex_level min,
			       struct ex_val **out)
{
	bool saved = p->skip;
	int rc;

	p->skip = saved || skip;
	rc = parse_expr(p, min, out);
	p->skip = saved;
	return rc;
}

/* `|` and `&`: is the right side's value irrelevant once the left is known? */
static int right_irrelevant(struct ex_parser *p, enum ex_tok op, struct ex_val *left,
			    bool *irrelevant)
{
	bool zero;
	int rc;

	*irrelevant = false;
	if (p->skip || (op != TK_OR && op != TK_AND))
		return 0;
	if ((rc = ex_is_zero_or_null(&p->ctx, left, &zero)) != 0)
		return rc;
	*irrelevant = op == TK_OR ? !zero : zero;
	return 0;
}

/* left OP right, for every binary operator but ?:: */
static int parse_binary(struct ex_parser *p, enum ex_level level, struct ex_val **left)
{
	enum ex_tok op = p->tok.kind;
	struct ex_val *right = NULL;
	bool irrelevant;
	int rc;

	if ((rc = right_irrelevant(p, op, *left, &irrelevant)) != 0 || (rc = advance(p)) != 0)
		return rc;
	/* level + 1: an operator of the same level after the right operand
	 * belongs to the outer loop, which makes them left-associative */
	if ((rc = parse_maybe_skipped(p, irrelevant, (enum ex_level)(level + 1), &right)) != 0)
		return rc;
	return apply_binary(p, op, *left, right, left);
}

/* cond ? a :: b.  Asterisk evaluates all three; only the chosen branch's
 * errors matter here. */
static int parse_ternary(struct ex_parser *p, struct ex_val **left)
{
	struct ex_val *yes = NULL, *no = NULL;
	bool truth = false;
	int rc;

	if (!p->skip && (rc = ex_cond_true(&p->ctx, *left, &truth)) != 0)
		return rc;
	if ((rc = advance(p)) != 0 || (rc = parse_maybe_skipped(p, !truth, LV_COND, &yes)) != 0)
		return rc;
	if (p->tok.kind != TK_ELSE) {
		rc = syntax_error(p, "'::' expected after '?'");
	} else if ((rc = advance(p)) == 0) {
		/* the else branch stops at the next ?, which then applies to the
		 * whole ternary (left association) */
		rc = parse_maybe_skipped(p, truth, LV_OR, &no);
	}
	if (rc == 0) {
		ex_free(*left);
		*left = truth ? yes : no;
		ex_free(truth ? no : yes);
	} else {
		ex_free(yes);
		ex_free(no);
	}
	return rc;
}

static int parse_prefix(struct ex_parser *p, struct ex_val **out)
{
	enum ex_tok op = p->tok.kind;
	struct ex_val *operand = NULL;
	int rc;

	/* the operand binds only : =~ ~~ more tightly: -a:b is -(a:b) */
	if ((rc = advance(p)) != 0 || (rc = parse_expr(p, LV_UNARY, &operand)) != 0)
		return rc;
	if (p->skip) {
		ex_free(operand);
		*out = ex_number(0);
		return 0;
	}
	return ex_unary(&p->ctx, op, operand, out);
}

static int parse_group(struct ex_parser *p, struct ex_val **out)
{
	int rc;

	if ((rc = advance(p)) != 0 || (rc = parse_expr(p, LV_COND, out)) != 0)
		return rc;
	if (p->tok.kind != TK_RP)
		return syntax_error(p, "')' expected");
	return advance(p);
}

static int parse_word(struct ex_parser *p, struct ex_val **out)
{
	struct ex_token word = p->tok;
	int rc;

	if ((rc = advance(p)) != 0)
		return rc;
	if (p->tok.kind == TK_LP) {
		/* Asterisk's NAME(args) calls its math functions (COS, SQRT...)
		 * or a dialplan function; Lyre has ${FUNC()} for the latter. */
		ly_buf_printf(p->ctx.err, "function call %.*s() is not supported inside $[...]",
			      word.len > 40 ? 40 : (int)word.len, word.start);
		return EINVAL;
	}
	*out = ex_text(word.start, word.len, word.numeric ? EX_NUMSTR : EX_STRING);
	return 0;
}

static int parse_operand(struct ex_parser *p, struct ex_val **out)
{
	switch (p->tok.kind) {
	case TK_WORD:
		return parse_word(p, out);
	case TK_MINUS:
	case TK_NOT:
		return parse_prefix(p, out);
	case TK_LP:
		return parse_group(p, out);
	default:
		return syntax_error(p, "operand expected");
	}
}

/* Precedence climbing: an operand, then every operator binding at least
 * as tightly as min, each with its right side parsed one level up. */
static int parse_expr(struct ex_parser *p, enum ex_level min, struct ex_val **out)
{
	struct ex_val *left = NULL;
	enum ex_level level;
	int rc;

	*out = NULL;
	if (++p->depth > LY_EXPR_MAX_DEPTH) {
		ly_buf_printf(p->ctx.err, "expression nested more than %d deep", LY_EXPR_MAX_DEPTH);
		return EINVAL;
	}
	rc = parse_operand(p, &left);
	while (rc == 0 && (level = binary_level(p->tok.kind)) != LV_NONE && level >= min) {
		if (level == LV_COND)
			rc = parse_ternary(p, &left);
		else
			rc = parse_binary(p, level, &left);
	}
	p->depth--;
	if (rc != 0) {
		ex_free(left);
		return rc;
	}
	*out = left;
	return 0;
}

static int evaluate(struct ex_parser *p, struct ly_buf *out)
{
	struct ex_val *result = NULL;
	int rc;

	if ((rc = advance(p)) != 0)
		return rc;
	/* $[] and $[   ] are "", like Asterisk's empty start rule */
	if (p->tok.kind == TK_END)
		return 0;
	if ((rc = parse_expr(p, LV_COND, &result)) != 0)
		return rc;
	if (p->tok.kind != TK_END)
		rc = syntax_error(p, "operator expected");
	else
		ex_print(result, out);
	ex_free(result);
	return rc;
}

int ly_expr_eval(const char *expr, struct ly_buf *out, struct ly_buf *err)
{
	struct ex_parser p = { .skip = false };
	/* strnlen: a runaway string costs no more than the limit to refuse */
	size_t len = strnlen(expr, EX_MAX_INPUT + 1);

	if (len > EX_MAX_INPUT) {
		ly_buf_printf(err, "expression longer than %zu bytes", EX_MAX_INPUT);
		return EINVAL;
	}
	p.lex.text = expr;
	p.lex.len = len;
	p.ctx.err = err;
	p.ctx.regex_budget = EX_REGEX_BUDGET;
	return evaluate(&p, out);
}
