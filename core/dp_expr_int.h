/*
 * core/dp_expr_int.h - what the three parts of the $[...] evaluator share:
 * the tokens (dp_expr_lex.c), the values and their operators
 * (dp_expr_val.c, dp_expr_regex.c) and the parser (dp_expr.c).
 *
 * The model is Asterisk's ast_expr2: every operand is one of three kinds,
 * and the kind decides how an operator treats it.
 *   EX_NUMBER  a computed number (long double, printed "%.18Lg"),
 *   EX_NUMSTR  text that looks like a number ("42", "1.5"): an operand of
 *              arithmetic, compared numerically, but printed as written,
 *   EX_STRING  anything else, a quoted string with its quotes included.
 */
#ifndef LYRE_CORE_DP_EXPR_INT_H
#define LYRE_CORE_DP_EXPR_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "lyre/utils.h"

/* Longest expression accepted; longer ones are refused, not truncated. */
#define EX_MAX_INPUT ((size_t)64 * 1024)

enum ex_tok {
	TK_END, TK_WORD,
	TK_OR, TK_AND,
	TK_EQ, TK_NE, TK_LT, TK_GT, TK_LE, TK_GE,
	TK_PLUS, TK_MINUS, TK_MUL, TK_DIV, TK_MOD,
	TK_NOT, TK_COLON, TK_EQTILDE, TK_CONCAT,
	TK_COND, TK_ELSE, TK_COMMA, TK_LP, TK_RP
};

struct ex_token {
	enum ex_tok kind;
	const char *start;	/* into the expression text */
	size_t len;
	bool numeric;		/* a TK_WORD that is [0-9]+(.[0-9]+)? */
};

struct ex_lexer {
	const char *text;
	size_t len;
	size_t pos;
};

/* The next token; EINVAL with the reason in err for a character that
 * starts no token, an unterminated "..." or ${...}. */
int ex_lex_next(struct ex_lexer *lx, struct ex_token *tok, struct ly_buf *err);

enum ex_kind { EX_NUMBER, EX_NUMSTR, EX_STRING };

struct ex_val {
	enum ex_kind kind;
	long double num;	/* EX_NUMBER */
	char *str;		/* the others; NUL-terminated, owned */
};

/* One evaluation: where errors go and how much regex work is left. */
struct ex_ctx {
	struct ly_buf *err;
	size_t regex_budget;
};

struct ex_val *ex_number(long double n);
/* Text of the given kind (a token: EX_NUMSTR or EX_STRING). */
struct ex_val *ex_text(const char *s, size_t len, enum ex_kind kind);
/* Text produced by an operator: EX_NUMSTR when it is all digits and dots,
 * as Asterisk's make_str decides. */
struct ex_val *ex_result_text(const char *s, size_t len);
void ex_free(struct ex_val *v);
/* The value as the expression's result text. */
void ex_print(const struct ex_val *v, struct ly_buf *out);

/* Asterisk's is_zero_or_null, which also turns a numeric string into a
 * number in place; the truth test of `|` and `&`. */
int ex_is_zero_or_null(struct ex_ctx *c, struct ex_val *v, bool *zero);
/* The truth test of `?:` (Asterisk's op_cond). */
int ex_cond_true(struct ex_ctx *c, struct ex_val *v, bool *truth);

/* Operators.  Each consumes its operands (also on error) and stores the
 * result in *out; 0 or EINVAL with the reason in c->err. */
int ex_unary(struct ex_ctx *c, enum ex_tok op, struct ex_val *a, struct ex_val **out);
int ex_binary(struct ex_ctx *c, enum ex_tok op, struct ex_val *a, struct ex_val *b,
	      struct ex_val **out);
/* `:` (anchored) and `=~` (not anchored), in dp_expr_regex.c. */
int ex_match(struct ex_ctx *c, bool anchored, struct ex_val *a, struct ex_val *b,
	     struct ex_val **out);

/* Helpers the operator files share. */
void ex_to_string(struct ex_val *v);
void ex_strip_quotes(struct ex_val *v);

#endif
