/*
 * core/dp_expr.h - the $[...] expression evaluator, with the operators and
 * precedence of Asterisk's expression parser (ast_expr2).
 */
#ifndef LYRE_CORE_DP_EXPR_H
#define LYRE_CORE_DP_EXPR_H

#include "lyre/utils.h"

/* Recursion bound: deeper parentheses are an error, not a crash. */
#define LY_EXPR_MAX_DEPTH 100

/*
 * Evaluate `expr` (the text between $[ and ], already substituted) and
 * append the result to out.  0, or EINVAL with the reason appended to err
 * (the caller adds file:line and logs; the result is then empty, as in
 * Asterisk).  Never crashes or reads past the string, whatever the input.
 */
int ly_expr_eval(const char *expr, struct ly_buf *out, struct ly_buf *err);

#endif
