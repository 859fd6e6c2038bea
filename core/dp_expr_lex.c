/* core/dp_expr_lex.c - splits a $[...] expression into tokens as Asterisk's ast_expr2.fl does. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dp_expr_int.h"

struct ex_op_text {
	const char *text;
	enum ex_tok kind;
};

/* Two-character operators first: the scanner takes the longest match,
 * so "==" is one token and "=~" is not "=" followed by "~". */
static const struct ex_op_text ops[] = {
	{ "||", TK_OR }, { "&&", TK_AND }, { "==", TK_EQ }, { "=~", TK_EQTILDE },
	{ "~~", TK_CONCAT }, { ">=", TK_GE }, { "<=", TK_LE }, { "!=", TK_NE },
	{ "::", TK_ELSE },
	{ "|", TK_OR }, { "&", TK_AND }, { "=", TK_EQ }, { ">", TK_GT },
	{ "<", TK_LT }, { "+", TK_PLUS }, { ",", TK_COMMA }, { "-", TK_MINUS },
	{ "*", TK_MUL }, { "/", TK_DIV }, { "%", TK_MOD }, { "?", TK_COND },
	{ "!", TK_NOT }, { ":", TK_COLON }, { "(", TK_LP }, { ")", TK_RP },
};

/* The characters of an unquoted word, byte by byte so that the locale
 * cannot change what a token is: ASCII letters and digits, . ' ; \ _ ^ # @,
 * and every byte >= 0x80 (UTF-8 text). */
static bool is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || (c != '\0' && strchr(".';\\_^#@", c) != NULL);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* After a ${...}, a word continues up to one of these (Asterisk's <trail>). */
static bool ends_trail(char c)
{
	return c == '\0' || is_space(c) || strchr("-$():?%/+=*<>!|&", c) != NULL;
}

static bool at_var(const struct ex_lexer *lx, size_t pos)
{
	return pos + 1 < lx->len && lx->text[pos] == '$' && lx->text[pos + 1] == '{';
}

static int lex_error(struct ex_lexer *lx, struct ly_buf *err, const char *what)
{
	unsigned char c = (unsigned char)lx->text[lx->pos];

	if (c >= 0x20 && c < 0x7f)
		ly_buf_printf(err, "%s '%c' at column %zu", what, c, lx->pos + 1);
	else
		ly_buf_printf(err, "%s (byte 0x%02x) at column %zu", what, c, lx->pos + 1);
	return EINVAL;
}

/* Skip a ${...} with nested braces, then the text glued to it, and any
 * further ${...} in that text: Asterisk keeps all of it as one word. */
static int scan_vars(struct ex_lexer *lx, size_t *pos, struct ly_buf *err)
{
	size_t p = *pos;

	while (at_var(lx, p)) {
		size_t open = p;
		int depth = 0;

		for (p += 2; p < lx->len && depth >= 0; p++) {
			if (lx->text[p] == '{')
				depth++;
			else if (lx->text[p] == '}')
				depth--;
		}
		if (depth >= 0) {
			lx->pos = open;
			return lex_error(lx, err, "unterminated");
		}
		while (p < lx->len && !ends_trail(lx->text[p]))
			p++;
	}
	*pos = p;
	return 0;
}

/* A word: word characters, and '$' with whatever follows it unless that
 * is '{', which starts a ${...} that belongs to the same word. */
static size_t scan_word(const struct ex_lexer *lx, size_t p)
{
	while (p < lx->len) {
		unsigned char c = (unsigned char)lx->text[p];

		if (is_word_char(c))
			p++;
		else if (c == '$' && p + 1 < lx->len && lx->text[p + 1] != '{')
			p += 2;
		else
			break;
	}
	return p;
}

/* [0-9]+(\.[0-9]+)? exactly: the words Asterisk reads as numbers. */
static bool is_number(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_digit(s[i]))
		i++;
	if (i == 0)
		return false;
	if (i == len)
		return true;
	if (s[i] != '.' || ++i == len)
		return false;
	while (i < len && is_digit(s[i]))
		i++;
	return i == len;
}

static bool lex_operator(struct ex_lexer *lx, struct ex_token *tok)
{
	const char *s = lx->text + lx->pos;

	for (size_t i = 0; i < LY_ARRAY_LEN(ops); i++) {
		size_t n = strlen(ops[i].text);

		if (lx->len - lx->pos >= n && memcmp(s, ops[i].text, n) == 0) {
			tok->kind = ops[i].kind;
			tok->len = n;
			lx->pos += n;
			return true;
		}
	}
	return false;
}

static int lex_quoted(struct ex_lexer *lx, struct ex_token *tok, struct ly_buf *err)
{
	const char *close = memchr(lx->text + lx->pos + 1, '"', lx->len - lx->pos - 1);

	if (!close)
		return lex_error(lx, err, "unterminated quoted string starting with");
	/* the quotes stay part of the value, as in Asterisk */
	tok->kind = TK_WORD;
	tok->len = (size_t)(close - tok->start) + 1;
	lx->pos += tok->len;
	return 0;
}

static int lex_word(struct ex_lexer *lx, struct ex_token *tok, struct ly_buf *err)
{
	size_t end = scan_word(lx, lx->pos);
	size_t word_end = end;
	int rc;

	if (end == lx->pos && !at_var(lx, end))
		return lex_error(lx, err, "unexpected character");
	if ((rc = scan_vars(lx, &end, err)) != 0)
		return rc;
	tok->kind = TK_WORD;
	tok->len = end - lx->pos;
	tok->numeric = end == word_end && is_number(tok->start, tok->len);
	lx->pos = end;
	return 0;
}

int ex_lex_next(struct ex_lexer *lx, struct ex_token *tok, struct ly_buf *err)
{
	while (lx->pos < lx->len && is_space(lx->text[lx->pos]))
		lx->pos++;
	tok->start = lx->text + lx->pos;
	tok->len = 0;
	tok->numeric = false;
	if (lx->pos == lx->len) {
		tok->kind = TK_END;
		return 0;
	}
	if (lx->text[lx->pos] == '"')
		return lex_quoted(lx, tok, err);
	if (lex_operator(lx, tok))
		return 0;
	return lex_word(lx, tok, err);
}
