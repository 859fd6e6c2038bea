/* modules/chan_sip/sip_chars.h - RFC 3261's character classes (§25.1), ASCII only, for the parsers. */
#ifndef LYRE_SIP_CHARS_H
#define LYRE_SIP_CHARS_H

#include <stdbool.h>

/*
 * The grammar is ASCII: a byte above 0x7f is never alphanumeric here,
 * whatever the locale says.  Written as ranges and switches (which the
 * compiler turns into bit tests) because the parsers ask for every byte
 * of every message; isalnum plus strchr over a set was several percent
 * of a call's instructions.
 */
static inline bool sip_char_alnum(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26u || (unsigned)(c - '0') < 10u;
}

/* token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
static inline bool sip_char_token(unsigned char c)
{
	if (sip_char_alnum(c))
		return true;
	switch (c) {
	case '-': case '.': case '!': case '%': case '*': case '_': case '+': case '`': case '\'': case '~':
		return true;
	default:
		return false;
	}
}

/* unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
static inline bool sip_char_unreserved(unsigned char c)
{
	if (sip_char_alnum(c))
		return true;
	switch (c) {
	case '-': case '_': case '.': case '!': case '~': case '*': case '\'': case '(': case ')':
		return true;
	default:
		return false;
	}
}

#endif
