/* core/dp_expr_val.c - $[...] values and the arithmetic, comparison and logic operators, after ast_expr2. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_expr_int.h"

/* Asterisk prints numbers with "%.18Lg": integers look like integers, and
 * 1/3 is 0.333333333333333333. */
#define EX_NUMBER_FORMAT "%.18Lg"

struct ex_val *ex_number(long double n)
{
	struct ex_val *v = ly_calloc(1, sizeof(*v));

	v->kind = EX_NUMBER;
	v->num = n;
	return v;
}

struct ex_val *ex_text(const char *s, size_t len, enum ex_kind kind)
{
	struct ex_val *v = ly_calloc(1, sizeof(*v));

	v->kind = kind;
	v->str = ly_strndup(s, len);
	return v;
}

/* Asterisk's make_str: all digits and dots (at least one character) is a
 * numeric string; a leading '-' is not accepted. */
struct ex_val *ex_result_text(const char *s, size_t len)
{
	bool numeric = len > 0;

	for (size_t i = 0; i < len && numeric; i++)
		numeric = (s[i] >= '0' && s[i] <= '9') || s[i] == '.';
	return ex_text(s, len, numeric ? EX_NUMSTR : EX_STRING);
}

void ex_free(struct ex_val *v)
{
	if (!v)
		return;
	free(v->str);
	free(v);
}

void ex_print(const struct ex_val *v, struct ly_buf *out)
{
	if (v->kind == EX_NUMBER)
		ly_buf_printf(out, EX_NUMBER_FORMAT, v->num);
	else
		ly_buf_puts(out, v->str);
}

void ex_to_string(struct ex_val *v)
{
	if (v->kind != EX_NUMBER)
		return;
	v->str = ly_asprintf(EX_NUMBER_FORMAT, v->num);
	v->kind = EX_STRING;
}

/* Asterisk strips the quotes of both operands of : =~ and ~~ (and only
 * there): when the text starts and ends with '"', every '"' in it goes. */
void ex_strip_quotes(struct ex_val *v)
{
	size_t len = strlen(v->str), to = 0;

	if (len == 0 || v->str[0] != '"' || v->str[len - 1] != '"')
		return;
	for (size_t from = 0; from < len; from++)
		if (v->str[from] != '"')
			v->str[to++] = v->str[from];
	v->str[to] = '\0';
}

/*
 * Asterisk's to_number: a number stays, a string is not a number, a
 * numeric string becomes one in place.  Asterisk gives up on a conversion
 * that overflows and leaves a broken value behind; here it is an error.
 */
static int to_number(struct ex_ctx *c, struct ex_val *v, bool *numeric)
{
	long double n;
	char *text = v->str;

	*numeric = v->kind != EX_STRING;
	if (v->kind != EX_NUMSTR)
		return 0;
	errno = 0;
	n = strtold(text, NULL);
	if (errno != 0) {
		ly_buf_printf(c->err, "number out of range: %.40s%s", text,
			      strlen(text) > 40 ? "..." : "");
		return EINVAL;
	}
	free(text);
	v->str = NULL;
	v->kind = EX_NUMBER;
	v->num = n;
	return 0;
}

int ex_is_zero_or_null(struct ex_ctx *c, struct ex_val *v, bool *zero)
{
	bool numeric;
	int rc;

	if (v->kind == EX_NUMBER) {
		*zero = v->num == 0;
		return 0;
	}
	if (v->str[0] == '\0') {
		*zero = true;
		return 0;
	}
	if ((rc = to_number(c, v, &numeric)) != 0)
		return rc;
	*zero = numeric && v->num == 0;
	return 0;
}

/* A string is true unless empty, the two characters "" or "0"; anything
 * else is true unless it is the number 0. */
int ex_cond_true(struct ex_ctx *c, struct ex_val *v, bool *truth)
{
	bool numeric;
	int rc;

	if (v->kind == EX_STRING) {
		*truth = v->str[0] != '\0' && strcmp(v->str, "\"\"") != 0 && strcmp(v->str, "0") != 0;
		return 0;
	}
	if ((rc = to_number(c, v, &numeric)) != 0)
		return rc;
	*truth = v->num != 0;
	return 0;
}

/*
 * `!`: Asterisk's op_compl reads a text operand with atoi(), so "0.5",
 * "abc" and "00" are all false and !x gives 1 for them (its documentation
 * says otherwise; the code is what dialplans met).  strtol replaces atoi
 * to avoid its undefined overflow.
 */
static struct ex_val *op_not(const struct ex_val *a)
{
	bool truth;

	if (a->kind == EX_NUMBER)
		truth = a->num != 0;
	else
		truth = strtol(a->str, NULL, 10) != 0;
	return ex_number(!truth);
}

int ex_unary(struct ex_ctx *c, enum ex_tok op, struct ex_val *a, struct ex_val **out)
{
	bool numeric;
	int rc = 0;

	if (op == TK_NOT) {
		*out = op_not(a);
	} else if ((rc = to_number(c, a, &numeric)) == 0) {
		/* like every arithmetic operator, a non-number counts as 0 */
		*out = ex_number(numeric ? -a->num : 0);
	}
	ex_free(a);
	return rc;
}

/* Comparisons are numeric when neither side is a (non-numeric) string,
 * else by the locale's collation, as Asterisk's op_eq and friends. */
static int compare(struct ex_ctx *c, struct ex_val *a, struct ex_val *b, int *cmp)
{
	bool na, nb;
	int rc;

	if (a->kind == EX_STRING || b->kind == EX_STRING) {
		ex_to_string(a);
		ex_to_string(b);
		*cmp = strcoll(a->str, b->str);
		return 0;
	}
	if ((rc = to_number(c, a, &na)) != 0 || (rc = to_number(c, b, &nb)) != 0)
		return rc;
	*cmp = (a->num > b->num) - (a->num < b->num);
	/* NaN compares unequal to everything, 0 would say equal */
	if (isnan(a->num) || isnan(b->num))
		*cmp = 2;
	return 0;
}

static long double comparison(enum ex_tok op, int cmp)
{
	bool unordered = cmp == 2;

	switch (op) {
	case TK_EQ: return cmp == 0;
	case TK_NE: return cmp != 0;
	case TK_LT: return !unordered && cmp < 0;
	case TK_GT: return !unordered && cmp > 0;
	case TK_LE: return !unordered && cmp <= 0;
	default:    return !unordered && cmp >= 0;	/* TK_GE */
	}
}

/*
 * + - * / % when an operand is not a number: Asterisk logs "non-numeric
 * argument" and carries on.  a + x and x + a give a, a - x gives a, x - a
 * gives -a, and * / % give 0.  Division by a non-number (INT_MAX in
 * Asterisk) is refused here like division by zero.
 */
static int arith_non_numeric(struct ex_ctx *c, enum ex_tok op, const struct ex_val *a,
			     bool na, const struct ex_val *b, bool nb, long double *r)
{
	if (op == TK_DIV && na && !nb) {
		ly_buf_printf(c->err, "division by a non-number: '%.40s%s'", b->str,
			      strlen(b->str) > 40 ? "..." : "");
		return EINVAL;
	}
	*r = 0;
	if (op == TK_PLUS)
		*r = na ? a->num : nb ? b->num : 0;
	else if (op == TK_MINUS)
		*r = na ? a->num : nb ? -b->num : 0;
	return 0;
}

static int arith(struct ex_ctx *c, enum ex_tok op, struct ex_val *a, struct ex_val *b,
		 long double *r)
{
	bool na, nb;
	int rc;

	if ((rc = to_number(c, a, &na)) != 0 || (rc = to_number(c, b, &nb)) != 0)
		return rc;
	if (!na || !nb)
		return arith_non_numeric(c, op, a, na, b, nb, r);
	/* Asterisk answers INT_MAX (for /) or 0 (for %) with a warning; a
	 * made-up number would flow on through the dialplan, so this is a bad
	 * expression: logged with file:line, and the result is empty. */
	if ((op == TK_DIV || op == TK_MOD) && b->num == 0) {
		ly_buf_puts(c->err, "division by zero");
		return EINVAL;
	}
	switch (op) {
	case TK_PLUS:  *r = a->num + b->num; break;
	case TK_MINUS: *r = a->num - b->num; break;
	case TK_MUL:   *r = a->num * b->num; break;
	case TK_DIV:   *r = a->num / b->num; break;
	default:       *r = fmodl(a->num, b->num); break;	/* TK_MOD */
	}
	return 0;
}

/* `~~`: both sides as text without their quotes, joined. */
static struct ex_val *concat(struct ex_val *a, struct ex_val *b)
{
	struct ly_buf joined;
	struct ex_val *v;

	ex_to_string(a);
	ex_to_string(b);
	ex_strip_quotes(a);
	ex_strip_quotes(b);
	ly_buf_init(&joined);
	ly_buf_puts(&joined, a->str);
	ly_buf_puts(&joined, b->str);
	v = ex_result_text(ly_buf_str(&joined), joined.len);
	ly_buf_free(&joined);
	return v;
}

/* `|` gives a unless it is empty or zero, then b; `&` gives a when both
 * are true, else 0.  The parser has already looked at a (and skipped b
 * when it cannot matter), so here only the choice is made. */
static int logic(struct ex_ctx *c, enum ex_tok op, struct ex_val **a, struct ex_val **b,
		 struct ex_val **out)
{
	bool zero_a, zero_b;
	int rc;

	if ((rc = ex_is_zero_or_null(c, *a, &zero_a)) != 0)
		return rc;
	if (op == TK_OR) {
		*out = zero_a ? *b : *a;
		*(zero_a ? b : a) = NULL;
		return 0;
	}
	if (!zero_a && (rc = ex_is_zero_or_null(c, *b, &zero_b)) != 0)
		return rc;
	if (zero_a || zero_b) {
		*out = ex_number(0);
	} else {
		*out = *a;
		*a = NULL;
	}
	return 0;
}

static int binary_dispatch(struct ex_ctx *c, enum ex_tok op, struct ex_val **a,
			   struct ex_val **b, struct ex_val **out)
{
	long double r;
	int cmp, rc;

	switch (op) {
	case TK_OR:
	case TK_AND:
		return logic(c, op, a, b, out);
	case TK_EQ: case TK_NE: case TK_LT: case TK_GT: case TK_LE: case TK_GE:
		if ((rc = compare(c, *a, *b, &cmp)) == 0)
			*out = ex_number(comparison(op, cmp));
		return rc;
	case TK_COLON:
	case TK_EQTILDE:
		rc = ex_match(c, op == TK_COLON, *a, *b, out);
		*a = *b = NULL;	/* ex_match consumed them */
		return rc;
	case TK_CONCAT:
		*out = concat(*a, *b);
		return 0;
	default:
		if ((rc = arith(c, op, *a, *b, &r)) == 0)
			*out = ex_number(r);
		return rc;
	}
}

int ex_binary(struct ex_ctx *c, enum ex_tok op, struct ex_val *a, struct ex_val *b,
	      struct ex_val **out)
{
	int rc;

	*out = NULL;
	rc = binary_dispatch(c, op, &a, &b, out);
	ex_free(a);
	ex_free(b);
	return rc;
}
