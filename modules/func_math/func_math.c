/*
 * modules/func_math/func_math.c - MATH(number1 op number2[,type]), RAND,
 * INC and DEC, with Asterisk's func_math syntax.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>

static const char *chan_label(const struct ly_channel *chan)
{
	return chan ? ly_chan_name(chan) : "(no channel)";
}

/* ---- MATH ---- */

enum math_op {
	OP_MUL, OP_DIV, OP_MOD, OP_POW, OP_AND, OP_XOR, OP_OR,
	OP_GT, OP_GE, OP_SHR, OP_LT, OP_LE, OP_SHL, OP_EQ, OP_ADD, OP_SUB, OP_NONE
};

enum math_type { TYPE_FLOAT, TYPE_INT, TYPE_HEX, TYPE_CHAR };

/* An operator token and where to look for it. */
struct op_token {
	const char *text;
	enum math_op op;
};

/*
 * Asterisk looks for the operators in this fixed order, not by position:
 * the first kind found splits the expression.  Subtraction comes last so
 * that "5*-3" multiplies by -3; a leading '-' belongs to number1.
 * The two-character forms are checked at the match of their first
 * character (">=" at the first '>').
 */
static const struct op_token op_order[] = {
	{ "*", OP_MUL }, { "/", OP_DIV }, { "%", OP_MOD }, { "^", OP_POW },
	{ "AND", OP_AND }, { "XOR", OP_XOR }, { "OR", OP_OR },
	{ ">", OP_GT }, { "<", OP_LT }, { "==", OP_EQ }, { "+", OP_ADD }, { "-", OP_SUB },
};

/* Split "n1 op n2" in place; the operator, and n2 through *rhs. */
static enum math_op split_expression(char *expr, char **rhs)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(op_order); i++) {
		char *at = strstr(expr, op_order[i].text);
		enum math_op op = op_order[i].op;
		size_t skip = strlen(op_order[i].text);

		if (!at)
			continue;
		if (op == OP_GT && (at[1] == '=' || at[1] == '>')) {
			op = at[1] == '=' ? OP_GE : OP_SHR;
			skip = 2;
		} else if (op == OP_LT && (at[1] == '=' || at[1] == '<')) {
			op = at[1] == '=' ? OP_LE : OP_SHL;
			skip = 2;
		}
		*at = '\0';
		*rhs = at + skip;
		return op;
	}
	return OP_NONE;
}

static bool parse_type(const char *s, enum math_type *type)
{
	static const struct { const char *a, *b; enum math_type t; } names[] = {
		{ "f", "float", TYPE_FLOAT }, { "i", "int", TYPE_INT },
		{ "h", "hex", TYPE_HEX }, { "c", "char", TYPE_CHAR },
	};

	*type = TYPE_FLOAT;
	if (!s || !*s)
		return true;
	for (size_t i = 0; i < LY_ARRAY_LEN(names); i++) {
		if (strcasecmp(s, names[i].a) == 0 || strcasecmp(s, names[i].b) == 0) {
			*type = names[i].t;
			return true;
		}
	}
	return false;
}

static bool parse_number(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	while (end != s && (*end == ' ' || *end == '\t'))
		end++;
	return end != s && *end == '\0';
}

/* Integer view of an operand: truncated toward zero and clamped, because
 * converting an out-of-range double to an integer is undefined in C. */
static int64_t to_int(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9.2e18)
		return INT64_MAX;
	if (v <= -9.2e18)
		return INT64_MIN;
	return (int64_t)v;
}

/* Shifts by a negative count or by the width or more are undefined in C;
 * they give 0 (left) or the sign (right), as an unbounded shift would. */
static double shift(int64_t v, int64_t n, bool left)
{
	if (n < 0 || n > 62)
		return left ? 0 : (v < 0 ? -1 : 0);
	return left ? (double)(int64_t)((uint64_t)v << n) : (double)(v >> n);
}

static bool is_comparison(enum math_op op)
{
	return op == OP_GT || op == OP_GE || op == OP_LT || op == OP_LE || op == OP_EQ;
}

static bool compare(enum math_op op, double a, double b)
{
	switch (op) {
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	default: return a == b;
	}
}

/* Division and modulus by zero give 0 with a warning, as Asterisk gives 0. */
static double calculate(enum math_op op, double a, double b, const char *who)
{
	switch (op) {
	case OP_ADD: return a + b;
	case OP_SUB: return a - b;
	case OP_MUL: return a * b;
	case OP_POW: return pow(a, b);
	case OP_DIV:
		if (b == 0) {
			ly_warning("%s: MATH: division by zero", who);
			return 0;
		}
		return a / b;
	case OP_MOD:
		if (to_int(b) == 0) {
			ly_warning("%s: MATH: modulus by zero", who);
			return 0;
		}
		if (to_int(b) == -1)	/* INT64_MIN % -1 traps */
			return 0;
		return (double)(to_int(a) % to_int(b));
	case OP_SHL: return shift(to_int(a), to_int(b), true);
	case OP_SHR: return shift(to_int(a), to_int(b), false);
	case OP_AND: return (double)(to_int(a) & to_int(b));
	case OP_XOR: return (double)(to_int(a) ^ to_int(b));
	case OP_OR: return (double)(to_int(a) | to_int(b));
	default: return 0;
	}
}

static void format_result(double v, enum math_type type, char *buf, size_t len)
{
	switch (type) {
	case TYPE_FLOAT: snprintf(buf, len, "%f", v); break;
	case TYPE_INT: snprintf(buf, len, "%lld", (long long)to_int(v)); break;
	case TYPE_HEX: snprintf(buf, len, "%x", (unsigned)(uint32_t)to_int(v)); break;
	case TYPE_CHAR: snprintf(buf, len, "%c", (unsigned char)to_int(v)); break;
	}
}

static int math_eval(struct ly_channel *chan, char *expr, char *type_arg, char *buf,
		     size_t len)
{
	const char *who = chan_label(chan);
	char *lhs = ly_strstrip(expr), *rhs = NULL;
	bool negative = *lhs == '-';
	enum math_type type;
	enum math_op op;
	double a, b;

	if (negative)
		lhs++;
	op = split_expression(lhs, &rhs);
	if (!parse_type(type_arg ? ly_strstrip(type_arg) : NULL, &type)) {
		ly_warning("%s: MATH: unknown type of result requested '%s'", who, type_arg);
		return EINVAL;
	}
	if (op == OP_NONE) {
		ly_warning("%s: Syntax: MATH(<number1><op><number2>[,<type_of_result>])", who);
		return EINVAL;
	}
	if (!parse_number(lhs, &a) || !parse_number(rhs, &b)) {
		ly_warning("%s: MATH: '%s' is not a valid number", who,
			   parse_number(lhs, &a) ? rhs : lhs);
		return EINVAL;
	}
	if (negative)
		a = -a;
	if (is_comparison(op))
		ly_strlcpy(buf, compare(op, a, b) ? "TRUE" : "FALSE", len);
	else
		format_result(calculate(op, a, b, who), type, buf, len);
	return 0;
}

static int math_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[2] = { NULL, NULL };
	int rc;

	buf[0] = '\0';
	if (ly_app_split_args(copy, argv, 2) < 1 || !*argv[0]) {
		ly_warning("%s: Syntax: MATH(<number1><op><number2>[,<type_of_result>]) - missing "
			   "argument", chan_label(chan));
		free(copy);
		return EINVAL;
	}
	rc = math_eval(chan, argv[0], argv[1], buf, len);
	free(copy);
	return rc;
}

/* ---- INC, DEC: change an integer variable and return the new value ---- */

static int crement(struct ly_channel *chan, const char *name, long delta, char *buf, size_t len)
{
	char value[64], text[32];
	long v;

	if (!*name || !ly_pbx_var_get(chan, name, value, sizeof(value)) ||
	    ly_parse_int(ly_strstrip(value), -2147483647L, 2147483647L, &v)) {
		ly_warning("%s: %s: ${%s} is not set to an integer", chan_label(chan),
			   delta > 0 ? "INC" : "DEC", name);
		return EINVAL;
	}
	snprintf(text, sizeof(text), "%ld", v + delta);
	ly_strlcpy(buf, text, len);
	return ly_pbx_var_set(chan, name, text);
}

static int inc_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	return crement(chan, args, 1, buf, len);
}

static int dec_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	return crement(chan, args, -1, buf, len);
}

/* ---- RAND([min][,max]) ---- */

/* 64 random bits from the kernel's CSPRNG; random(3) (seeded at load)
 * only if getrandom fails, which it does not on Linux >= 3.17. */
static uint64_t random_bits(void)
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 2 ^ (uint64_t)random();
}

/* Uniform in [0, n) without modulo bias: reject the top partial range. */
static uint64_t uniform(uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = random_bits();
	while (v >= limit);
	return v % n;
}

static bool parse_bound(const char *s, long dflt, long *out)
{
	if (!s || !*s) {
		*out = dflt;
		return true;
	}
	return ly_parse_int(s, -2147483647L - 1, 2147483647L, out) == 0;
}

static int rand_read(struct ly_channel *chan, const char *args, char *buf, size_t len)
{
	char *copy = ly_strdup(args), *argv[2] = { NULL, NULL };
	long lo, hi;

	ly_app_split_args(copy, argv, 2);
	if (!parse_bound(argv[0] ? ly_strstrip(argv[0]) : NULL, 0, &lo) ||
	    !parse_bound(argv[1] ? ly_strstrip(argv[1]) : NULL, RAND_MAX, &hi)) {
		ly_warning("%s: RAND: min and max must be integers", chan_label(chan));
		free(copy);
		return EINVAL;
	}
	if (lo > hi) {	/* Asterisk swaps them */
		long t = lo;

		lo = hi;
		hi = t;
	}
	snprintf(buf, len, "%lld", (long long)lo + (long long)uniform((uint64_t)(hi - lo) + 1));
	free(copy);
	return 0;
}

static struct ly_func math_funcs[] = {
	{ .name = "MATH", .synopsis = "Performs Mathematical Functions", .read = math_read },
	{ .name = "RAND", .synopsis = "Choose a random number in a range", .read = rand_read },
	{ .name = "INC", .synopsis = "Increments the value of a variable and returns it",
	  .read = inc_read },
	{ .name = "DEC", .synopsis = "Decrements the value of a variable and returns it",
	  .read = dec_read },
};

static int load(struct ly_module *self)
{
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	for (size_t i = 0; i < LY_ARRAY_LEN(math_funcs); i++) {
		int rc = ly_func_register(self, &math_funcs[i]);

		if (rc)
			return rc;
	}
	return 0;
}

LYRE_MODULE(func_math,
	.description = "Mathematical dialplan functions",
	.load = load);
