/* modules/chan_sip/sip_uri.c - parse and compare SIP, SIPS, tel and other URIs (RFC 3261 §19.1). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/utils.h>

#include "sip_chars.h"
#include "sip_uri.h"

static bool is_hex(unsigned char c)
{
	return isxdigit(c) != 0;
}

static int hexval(unsigned char c)
{
	return isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
}

/* Characters allowed after escapes are checked: `extra` adds the
 * production's own unreserved set. */
static bool chars_ok(const char *s, size_t len, const char *extra)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= len || !is_hex((unsigned char)s[i + 1]) || !is_hex((unsigned char)s[i + 2]))
				return false;
			i += 2;
			continue;
		}
		if (!sip_char_unreserved(c) && !(c && strchr(extra, c)))
			return false;
	}
	return true;
}

size_t sip_unescape(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    is_hex((unsigned char)s[i + 1]) && is_hex((unsigned char)s[i + 2])) {
			out[n++] = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	return n;
}

/* Copy s[0..len) to *pos as a NUL-terminated string; returns it. */
static char *put(char **pos, const char *s, size_t len)
{
	char *r = *pos;

	memcpy(r, s, len);
	r[len] = '\0';
	*pos += len + 1;
	return r;
}

/*
 * RFC 5118 §4.10: RFC 3261's IPv6reference grammar wrongly allowed three
 * colons ("2001:db8:::192.0.2.1"); receivers are asked to accept it as two.
 */
static bool ipv6_ok(const char *s, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	struct in6_addr a;
	size_t n = 0;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ':' && n >= 2 && tmp[n - 1] == ':' && tmp[n - 2] == ':')
			continue;
		tmp[n++] = s[i];
	}
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, &a) == 1;
}

/* hostname / IPv4address (§25.1): labels of alphanum and '-', dots. */
static bool hostname_ok(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!sip_char_alnum(c) && c != '-' && c != '.')
			return false;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return false;
	}
	return true;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* hostport at s[0..len): sets host (brackets removed) and port. */
static int parse_hostport(struct sip_uri *u, const char *s, size_t len, char **pos)
{
	const char *host = s;
	size_t hlen;
	const char *rest;

	if (len && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close || !ipv6_ok(s + 1, (size_t)(close - s - 1)))
			return EINVAL;
		host = s + 1;
		hlen = (size_t)(close - s - 1);
		rest = close + 1;
		u->host_ipv6 = true;
	} else {
		const char *colon = memchr(s, ':', len);

		hlen = colon ? (size_t)(colon - s) : len;
		rest = s + hlen;
		/* RFC 5118 §4.2: an IPv6 address must be bracketed; a second
		 * colon here means an unbracketed one, not a port. */
		if (!hostname_ok(s, hlen))
			return EINVAL;
	}
	if (rest < s + len) {
		if (*rest != ':' || parse_port(rest + 1, (size_t)(s + len - rest - 1), &u->port))
			return EINVAL;
	}
	u->host = put(pos, host, hlen);
	return 0;
}

/* user = 1*( unreserved / escaped / user-unreserved ) (§25.1) */
#define USER_EXTRA "&=+$,;?/"
/* password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
#define PASSWORD_EXTRA "&=+$,"
/* paramchar = param-unreserved / unreserved / escaped, plus ';' '=' between */
#define PARAMS_EXTRA "[]/:&+$;="
/* hnv-unreserved plus '=' '&' between headers */
#define HEADERS_EXTRA "[]/?:+$=&"

static int parse_userinfo(struct sip_uri *u, const char *s, size_t len, char **pos)
{
	const char *colon = memchr(s, ':', len);
	size_t ulen = colon ? (size_t)(colon - s) : len;

	if (ulen == 0 || !chars_ok(s, ulen, USER_EXTRA))
		return EINVAL;
	u->user = put(pos, s, ulen);
	if (colon) {
		size_t plen = (size_t)(s + len - colon - 1);

		if (!chars_ok(colon + 1, plen, PASSWORD_EXTRA))
			return EINVAL;
		u->password = put(pos, colon + 1, plen);
	}
	return 0;
}

/* ";params" and "?headers" following the host of a sip(s) URI. */
static int parse_tail(struct sip_uri *u, const char *s, size_t len, char **pos)
{
	const char *q = memchr(s, '?', len);
	size_t plen = q ? (size_t)(q - s) : len;

	if (plen && (s[0] != ';' || !chars_ok(s, plen, PARAMS_EXTRA)))
		return EINVAL;
	for (size_t i = 0; i + 1 < plen; i++)
		if (s[i] == ';' && (s[i + 1] == ';' || s[i + 1] == '='))
			return EINVAL;
	if (plen == 1 || (plen && s[plen - 1] == ';'))
		return EINVAL;
	u->params = put(pos, s, plen);
	if (q) {
		size_t hl = (size_t)(s + len - q - 1);

		if (hl == 0 || !chars_ok(q + 1, hl, HEADERS_EXTRA))
			return EINVAL;
		u->headers = put(pos, q + 1, hl);
	}
	return 0;
}

static int parse_sip(struct sip_uri *u, const char *s, size_t len, char **pos)
{
	const char *at = memchr(s, '@', len);
	const char *hp = s;
	size_t hplen;
	int err;

	/* The user part may hold ';' and '?' (torture: semiuri), but never a
	 * raw '@', so the first '@' ends the userinfo. */
	if (at) {
		err = parse_userinfo(u, s, (size_t)(at - s), pos);
		if (err)
			return err;
		hp = at + 1;
	}
	hplen = 0;
	while (hp + hplen < s + len && hp[hplen] != ';' && hp[hplen] != '?')
		hplen++;
	err = parse_hostport(u, hp, hplen, pos);
	if (err)
		return err;
	return parse_tail(u, hp + hplen, (size_t)(s + len - hp - hplen), pos);
}

/* tel: telephone-subscriber (RFC 3966), number then ';' parameters. */
static int parse_tel(struct sip_uri *u, const char *s, size_t len, char **pos)
{
	size_t nlen = 0;

	while (nlen < len && s[nlen] != ';')
		nlen++;
	if (nlen == 0 || !chars_ok(s, nlen, "+-.()*#"))
		return EINVAL;
	u->user = put(pos, s, nlen);
	u->host = put(pos, "", 0);
	if (nlen < len && !chars_ok(s + nlen, len - nlen, PARAMS_EXTRA))
		return EINVAL;
	u->params = put(pos, s + nlen, len - nlen);
	return 0;
}

static bool scheme_ok(const char *s, size_t len)
{
	if (len == 0 || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!sip_char_alnum(c) && c != '+' && c != '-' && c != '.')
			return false;
	}
	return true;
}

/* absoluteURI's opaque part: any visible character but the delimiters
 * that would end a URI inside a header. */
static bool opaque_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"')
			return false;
	}
	return true;
}

int sip_uri_parse_into(struct sip_uri *u, const char *s, size_t len, char *buf)
{
	const char *colon = memchr(s, ':', len);
	size_t slen = colon ? (size_t)(colon - s) : 0;
	const char *rest;
	size_t rlen;
	char *pos = buf;

	memset(u, 0, sizeof(*u));
	if (!colon || !scheme_ok(s, slen) || !opaque_ok(s, len))
		return EINVAL;
	rest = colon + 1;
	rlen = (size_t)(s + len - rest);
	u->text = put(&pos, s, len);
	u->scheme_name = put(&pos, s, slen);
	u->opaque = u->text + slen + 1;	/* a suffix of text: no copy */
	u->params = "";
	u->headers = "";
	u->host = "";
	if (slen == 3 && strncasecmp(s, "sip", 3) == 0)
		u->scheme = SIP_URI_SIP;
	else if (slen == 4 && strncasecmp(s, "sips", 4) == 0)
		u->scheme = SIP_URI_SIPS;
	else if (slen == 3 && strncasecmp(s, "tel", 3) == 0)
		u->scheme = SIP_URI_TEL;
	else
		u->scheme = SIP_URI_OTHER;
	if (u->scheme == SIP_URI_TEL)
		return parse_tel(u, rest, rlen, &pos);
	if (u->scheme == SIP_URI_OTHER)
		return 0;
	return parse_sip(u, rest, rlen, &pos);
}

int sip_uri_parse(struct sip_uri *u, const char *s, size_t len)
{
	char *buf = ly_malloc(SIP_URI_BUF(len));
	int err = sip_uri_parse_into(u, s, len, buf);

	if (err) {
		free(buf);
		memset(u, 0, sizeof(*u));
		return err;
	}
	u->mem = buf;
	return 0;
}

void sip_uri_release(struct sip_uri *u)
{
	free(u->mem);
	memset(u, 0, sizeof(*u));
}

/* ---- parameters ---- */

static const char *trim_start(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *start, const char *p)
{
	while (p > start && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	return p;
}

bool sip_param_next(const char **cursor, struct sip_str *name, struct sip_str *value)
{
	const char *p = *cursor, *end, *eq, *v;
	bool quoted = false;

	if (!p)
		return false;
	while (*p == ';' || *p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return false;
	/* a quoted value may hold ';' (and escaped quotes) */
	for (end = p; *end && (quoted || *end != ';'); end++) {
		if (*end == '"')
			quoted = !quoted;
		else if (*end == '\\' && quoted && end[1])
			end++;
	}
	eq = memchr(p, '=', (size_t)(end - p));
	name->s = p;
	name->len = (size_t)(trim_end(p, eq ? eq : end) - p);
	v = eq ? trim_start(eq + 1, end) : end;
	value->s = v;
	value->len = (size_t)(trim_end(v, end) - v);
	*cursor = end;
	return true;
}

bool sip_param_find(const char *params, const char *name, struct sip_str *value)
{
	size_t nlen = strlen(name);
	struct sip_str n, v;

	while (sip_param_next(&params, &n, &v)) {
		if (n.len == nlen && strncasecmp(n.s, name, nlen) == 0) {
			if (value)
				*value = v;
			return true;
		}
	}
	return false;
}

bool sip_uri_param(const struct sip_uri *u, const char *name, struct sip_str *value)
{
	return sip_param_find(u->params, name, value);
}

/* ---- comparison (§19.1.4) ---- */

/* Compare two escaped strings after decoding; case-insensitive on request. */
static bool esc_equal(const char *a, size_t alen, const char *b, size_t blen, bool nocase)
{
	char *da = ly_malloc(alen + 1), *db = ly_malloc(blen + 1);
	size_t na = sip_unescape(a, alen, da), nb = sip_unescape(b, blen, db);
	bool eq = na == nb;

	for (size_t i = 0; eq && i < na; i++)
		eq = nocase ? tolower((unsigned char)da[i]) == tolower((unsigned char)db[i]) : da[i] == db[i];
	free(da);
	free(db);
	return eq;
}

static bool opt_esc_equal(const char *a, const char *b, bool nocase)
{
	if (!a || !b)
		return a == b;
	return esc_equal(a, strlen(a), b, strlen(b), nocase);
}

static bool host_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->host_ipv6 && b->host_ipv6) {
		struct in6_addr x, y;

		if (inet_pton(AF_INET6, a->host, &x) == 1 && inet_pton(AF_INET6, b->host, &y) == 1)
			return memcmp(&x, &y, sizeof(x)) == 0;
	}
	return a->host_ipv6 == b->host_ipv6 && strcasecmp(a->host, b->host) == 0;
}

/* Every param of `a` that is also in `b` (or is one of the must-match
 * params) has the same decoded value, case-insensitively. */
static bool params_match_one_way(const char *a, const char *b)
{
	static const char *const must[] = { "user", "ttl", "method", "maddr", "transport" };
	const char *p = a;

	while (*p) {
		char name[64];
		size_t nlen;
		struct sip_str va, vb;

		p += strspn(p, ";");
		nlen = strcspn(p, ";=");
		if (nlen == 0)
			break;
		if (nlen >= sizeof(name))
			nlen = sizeof(name) - 1;
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		p += strcspn(p, ";");
		if (!sip_param_find(a, name, &va))
			continue;
		if (sip_param_find(b, name, &vb)) {
			if (!esc_equal(va.s, va.len, vb.s, vb.len, true))
				return false;
			continue;
		}
		for (size_t i = 0; i < LY_ARRAY_LEN(must); i++)
			if (strcasecmp(name, must[i]) == 0)
				return false;
	}
	return true;
}

/* Headers: each hname=hvalue of a appears in b with the same value. */
static bool headers_subset(const char *a, const char *b)
{
	const char *p = a;

	while (*p) {
		size_t hl = strcspn(p, "&");
		const char *q = b;
		bool found = false;

		while (*q && !found) {
			size_t ql = strcspn(q, "&");

			found = esc_equal(p, hl, q, ql, false);
			q += ql + (q[ql] == '&');
		}
		if (!found)
			return false;
		p += hl + (p[hl] == '&');
	}
	return true;
}

bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->scheme != b->scheme)
		return false;
	if (a->scheme == SIP_URI_OTHER)
		return strcasecmp(a->scheme_name, b->scheme_name) == 0 &&
		       opt_esc_equal(a->opaque, b->opaque, false);
	if (!opt_esc_equal(a->user, b->user, false) || !opt_esc_equal(a->password, b->password, false))
		return false;
	if (a->scheme != SIP_URI_TEL && (!host_equal(a, b) || a->port != b->port))
		return false;
	if (!params_match_one_way(a->params, b->params) || !params_match_one_way(b->params, a->params))
		return false;
	return headers_subset(a->headers, b->headers) && headers_subset(b->headers, a->headers);
}
