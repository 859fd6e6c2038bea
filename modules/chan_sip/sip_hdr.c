/* modules/chan_sip/sip_hdr.c - header names and the shared value grammar: lists, name-addr, Via (RFC 3261 §7.3, §20, §25). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <lyre/utils.h>

#include "sip_chars.h"
#include "sip_hdr.h"

struct hdr_def {
	const char *name;
	char compact;		/* RFC 3261 §7.3.3 and later RFCs' compact forms */
	bool list;		/* comma-separated list header (§7.3.1) */
};

static const struct hdr_def hdr_defs[SIP_HDR_COUNT] = {
	[SIP_HDR_ACCEPT] = { "Accept", 0, true },
	[SIP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", 'a', true },
	[SIP_HDR_ACCEPT_ENCODING] = { "Accept-Encoding", 0, true },
	[SIP_HDR_ACCEPT_LANGUAGE] = { "Accept-Language", 0, true },
	[SIP_HDR_ALERT_INFO] = { "Alert-Info", 0, true },
	[SIP_HDR_ALLOW] = { "Allow", 0, true },
	[SIP_HDR_ALLOW_EVENTS] = { "Allow-Events", 'u', true },
	[SIP_HDR_AUTHENTICATION_INFO] = { "Authentication-Info", 0, false },
	[SIP_HDR_AUTHORIZATION] = { "Authorization", 0, false },
	[SIP_HDR_CALL_ID] = { "Call-ID", 'i', false },
	[SIP_HDR_CALL_INFO] = { "Call-Info", 0, true },
	[SIP_HDR_CONTACT] = { "Contact", 'm', true },
	[SIP_HDR_CONTENT_DISPOSITION] = { "Content-Disposition", 0, false },
	[SIP_HDR_CONTENT_ENCODING] = { "Content-Encoding", 'e', true },
	[SIP_HDR_CONTENT_LANGUAGE] = { "Content-Language", 0, true },
	[SIP_HDR_CONTENT_LENGTH] = { "Content-Length", 'l', false },
	[SIP_HDR_CONTENT_TYPE] = { "Content-Type", 'c', false },
	[SIP_HDR_CSEQ] = { "CSeq", 0, false },
	[SIP_HDR_DATE] = { "Date", 0, false },
	[SIP_HDR_ERROR_INFO] = { "Error-Info", 0, true },
	[SIP_HDR_EVENT] = { "Event", 'o', false },
	[SIP_HDR_EXPIRES] = { "Expires", 0, false },
	[SIP_HDR_FROM] = { "From", 'f', false },
	[SIP_HDR_IDENTITY] = { "Identity", 'y', false },
	[SIP_HDR_IN_REPLY_TO] = { "In-Reply-To", 0, true },
	[SIP_HDR_MAX_FORWARDS] = { "Max-Forwards", 0, false },
	[SIP_HDR_MIME_VERSION] = { "MIME-Version", 0, false },
	[SIP_HDR_MIN_EXPIRES] = { "Min-Expires", 0, false },
	[SIP_HDR_MIN_SE] = { "Min-SE", 0, false },
	[SIP_HDR_ORGANIZATION] = { "Organization", 0, false },
	[SIP_HDR_P_ASSERTED_IDENTITY] = { "P-Asserted-Identity", 0, true },
	[SIP_HDR_P_PREFERRED_IDENTITY] = { "P-Preferred-Identity", 0, true },
	[SIP_HDR_PATH] = { "Path", 0, true },
	[SIP_HDR_PRIORITY] = { "Priority", 0, false },
	[SIP_HDR_PRIVACY] = { "Privacy", 0, false },
	[SIP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0, false },
	[SIP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0, false },
	[SIP_HDR_PROXY_REQUIRE] = { "Proxy-Require", 0, true },
	[SIP_HDR_RACK] = { "RAck", 0, false },
	[SIP_HDR_REASON] = { "Reason", 0, true },
	[SIP_HDR_RECORD_ROUTE] = { "Record-Route", 0, true },
	[SIP_HDR_REFER_TO] = { "Refer-To", 'r', false },
	[SIP_HDR_REFERRED_BY] = { "Referred-By", 'b', false },
	[SIP_HDR_REJECT_CONTACT] = { "Reject-Contact", 'j', true },
	[SIP_HDR_REPLY_TO] = { "Reply-To", 0, false },
	[SIP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", 'd', true },
	[SIP_HDR_REQUIRE] = { "Require", 0, true },
	[SIP_HDR_RETRY_AFTER] = { "Retry-After", 0, false },
	[SIP_HDR_ROUTE] = { "Route", 0, true },
	[SIP_HDR_RSEQ] = { "RSeq", 0, false },
	[SIP_HDR_SERVER] = { "Server", 0, false },
	[SIP_HDR_SESSION_EXPIRES] = { "Session-Expires", 'x', false },
	[SIP_HDR_SUBJECT] = { "Subject", 's', false },
	[SIP_HDR_SUBSCRIPTION_STATE] = { "Subscription-State", 0, false },
	[SIP_HDR_SUPPORTED] = { "Supported", 'k', true },
	[SIP_HDR_TIMESTAMP] = { "Timestamp", 0, false },
	[SIP_HDR_TO] = { "To", 't', false },
	[SIP_HDR_UNSUPPORTED] = { "Unsupported", 0, true },
	[SIP_HDR_USER_AGENT] = { "User-Agent", 0, false },
	[SIP_HDR_VIA] = { "Via", 'v', true },
	[SIP_HDR_WARNING] = { "Warning", 0, true },
	[SIP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0, false },
};

/* The known names by length: a lookup compares only the few of the same
 * length (it ran for every header of every message, over all of them). */
#define NAME_MAX_LEN 31
#define SAME_LEN_MAX 8
static struct {
	unsigned char n;
	unsigned char ids[SAME_LEN_MAX];
} by_len[NAME_MAX_LEN + 1];
static pthread_once_t by_len_once = PTHREAD_ONCE_INIT;

static void index_names(void)
{
	for (int i = 1; i < SIP_HDR_COUNT; i++) {
		size_t len = strlen(hdr_defs[i].name);

		/* test_sip_msg looks every name up */
		if (len <= NAME_MAX_LEN && by_len[len].n < SAME_LEN_MAX)
			by_len[len].ids[by_len[len].n++] = (unsigned char)i;
	}
}

enum sip_hdr_id sip_hdr_id(const char *name, size_t len)
{
	if (len == 1) {
		char c = (char)tolower((unsigned char)name[0]);

		for (int i = 1; i < SIP_HDR_COUNT; i++)
			if (hdr_defs[i].compact == c)
				return (enum sip_hdr_id)i;
		return SIP_HDR_OTHER;
	}
	if (len > NAME_MAX_LEN)
		return SIP_HDR_OTHER;
	pthread_once(&by_len_once, index_names);
	for (unsigned k = 0; k < by_len[len].n; k++) {
		int i = by_len[len].ids[k];

		if (strncasecmp(hdr_defs[i].name, name, len) == 0)
			return (enum sip_hdr_id)i;
	}
	return SIP_HDR_OTHER;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	return id > SIP_HDR_OTHER && id < SIP_HDR_COUNT ? hdr_defs[id].name : NULL;
}

bool sip_hdr_is_list(enum sip_hdr_id id)
{
	return id > SIP_HDR_OTHER && id < SIP_HDR_COUNT && hdr_defs[id].list;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* End of a quoted string starting at s (on the opening quote): the
 * character after the closing quote, or NULL when it never closes. */
static const char *quoted_end(const char *s, const char *end)
{
	for (const char *p = s + 1; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

bool sip_list_next(struct sip_list_iter *it, struct sip_str *elem)
{
	const char *p = it->pos, *start, *end;
	bool need = false;
	int angle = 0;

	if (!p || it->bad)
		return false;
	if (*p == ',') {
		p++;
		need = true;
	}
	while (is_ws(*p))
		p++;
	if (!*p) {
		it->bad = need;
		it->pos = NULL;
		return false;
	}
	start = p;
	for (; *p && (angle || *p != ','); p++) {
		if (*p == '"') {
			const char *q = quoted_end(p, p + strlen(p));

			if (!q)
				p += strlen(p) - 1;
			else
				p = q - 1;
		} else if (*p == '<') {
			angle++;
		} else if (*p == '>' && angle) {
			angle--;
		}
	}
	end = p;
	while (end > start && is_ws(end[-1]))
		end--;
	if (end == start) {
		it->bad = true;
		return false;
	}
	elem->s = start;
	elem->len = (size_t)(end - start);
	it->pos = p;
	return true;
}

/* ---- parameters (";" generic-param, §25.1) ---- */

static char *put(char **pos, const char *s, size_t len)
{
	char *r = *pos;

	memcpy(r, s, len);
	r[len] = '\0';
	*pos += len + 1;
	return r;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/*
 * Check a ";name[=value]..." list: every parameter has a token name and a
 * token, host or quoted-string value; white space is allowed around ';'
 * and '=' (SEMI and EQUAL are SWS-wrapped).  The empty list is fine.
 */
static bool params_ok(const char *p, const char *end)
{
	p = skip_ws(p, end);
	while (p < end) {
		if (*p != ';')
			return false;
		p = skip_ws(p + 1, end);
		if (p == end || !sip_char_token((unsigned char)*p))
			return false;
		while (p < end && sip_char_token((unsigned char)*p))
			p++;
		p = skip_ws(p, end);
		if (p < end && *p == '=') {
			p = skip_ws(p + 1, end);
			if (p < end && *p == '"') {
				p = quoted_end(p, end);
				if (!p)
					return false;
			} else {
				const char *v = p;

				/* host values may be [IPv6] or bare IPv6 (RFC 5118 §4.5) */
				while (p < end && (sip_char_token((unsigned char)*p) || *p == ':' ||
						   *p == '[' || *p == ']'))
					p++;
				if (p == v)
					return false;
			}
			p = skip_ws(p, end);
		}
	}
	return true;
}

/* Copy a quoted string's content without the quotes, resolving \x. */
static char *put_unquoted(char **pos, const char *s, const char *end)
{
	char *r = *pos, *o = r;

	for (const char *p = s + 1; p < end - 1; p++) {
		if (*p == '\\' && p + 1 < end - 1)
			p++;
		*o++ = *p;
	}
	*o = '\0';
	*pos = o + 1;
	return r;
}

static void set_tag(struct sip_nameaddr *na, char **pos)
{
	struct sip_str v;

	na->tag = NULL;
	if (sip_param_find(na->params, "tag", &v) && v.len)
		na->tag = put(pos, v.s, v.len);
}

/* display-name as *(token LWS): only token characters and spaces. */
static bool token_display_ok(const char *s, const char *end)
{
	for (const char *p = s; p < end; p++)
		if (!sip_char_token((unsigned char)*p) && !is_ws(*p))
			return false;
	return true;
}

static int parse_bracketed(struct sip_nameaddr *na, const char *p, const char *end, char **pos)
{
	const char *close = memchr(p, '>', (size_t)(end - p));
	size_t ulen;
	int err;

	if (!close)
		return EINVAL;
	ulen = (size_t)(close - p - 1);
	err = sip_uri_parse_into(&na->uri, p + 1, ulen, *pos);
	if (err)
		return err;
	*pos += SIP_URI_BUF(ulen);
	na->bracketed = true;
	if (!params_ok(close + 1, end))
		return EINVAL;
	na->params = put(pos, skip_ws(close + 1, end), (size_t)(end - skip_ws(close + 1, end)));
	return 0;
}

/* addr-spec without brackets: the URI ends at ';' or white space; a '?'
 * or ',' in it would have required brackets (§20). */
static int parse_bare(struct sip_nameaddr *na, const char *p, const char *end, char **pos)
{
	const char *u = p;
	int err;

	while (p < end && *p != ';' && !is_ws(*p))
		p++;
	if (memchr(u, '?', (size_t)(p - u)) || memchr(u, ',', (size_t)(p - u)))
		return EINVAL;
	err = sip_uri_parse_into(&na->uri, u, (size_t)(p - u), *pos);
	if (err)
		return err;
	*pos += SIP_URI_BUF((size_t)(p - u));
	if (!params_ok(p, end))
		return EINVAL;
	p = skip_ws(p, end);
	na->params = put(pos, p, (size_t)(end - p));
	return 0;
}

int sip_nameaddr_parse(struct sip_nameaddr *na, const char *s, size_t len, char *buf)
{
	const char *p = s, *end = s + len, *lt;
	char *pos = buf;
	int err;

	memset(na, 0, sizeof(*na));
	na->params = "";
	p = skip_ws(p, end);
	while (end > p && is_ws(end[-1]))
		end--;
	if (p == end)
		return EINVAL;
	if (*p == '"') {
		const char *q = quoted_end(p, end);

		if (!q)
			return EINVAL;	/* torture quotbal: never guess the quote */
		na->display = put_unquoted(&pos, p, q);
		p = skip_ws(q, end);
		if (p == end || *p != '<')
			return EINVAL;
		err = parse_bracketed(na, p, end, &pos);
	} else if ((lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *de = lt;

		if (!token_display_ok(p, lt))
			return EINVAL;	/* torture baddn: "Bell, Alexander" */
		while (de > p && is_ws(de[-1]))
			de--;
		if (de > p)
			na->display = put(&pos, p, (size_t)(de - p));
		err = parse_bracketed(na, lt, end, &pos);
	} else {
		err = parse_bare(na, p, end, &pos);
	}
	if (err)
		return err;
	set_tag(na, &pos);
	return 0;
}

/* ---- Via (§20.42) ---- */

static const char *const proto_names[] = {
	[SIP_PROTO_UDP] = "UDP", [SIP_PROTO_TCP] = "TCP", [SIP_PROTO_TLS] = "TLS",
	[SIP_PROTO_SCTP] = "SCTP", [SIP_PROTO_WS] = "WS", [SIP_PROTO_WSS] = "WSS",
	[SIP_PROTO_OTHER] = "OTHER",
};

const char *sip_proto_name(enum sip_proto p)
{
	return (unsigned)p < LY_ARRAY_LEN(proto_names) ? proto_names[p] : "OTHER";
}

enum sip_proto sip_proto_parse(const char *s, size_t len)
{
	for (int i = 0; i < SIP_PROTO_OTHER; i++)
		if (strlen(proto_names[i]) == len && strncasecmp(proto_names[i], s, len) == 0)
			return (enum sip_proto)i;
	return SIP_PROTO_OTHER;
}

/* Read a token at *pp (after white space); returns its length. */
static size_t read_token(const char **pp, const char *end, const char **tok)
{
	const char *p = skip_ws(*pp, end);

	*tok = p;
	while (p < end && sip_char_token((unsigned char)*p))
		p++;
	*pp = p;
	return (size_t)(p - *tok);
}

/* Expect `c` after optional white space (SLASH, COLON are SWS-wrapped). */
static bool expect(const char **pp, const char *end, char c)
{
	const char *p = skip_ws(*pp, end);

	if (p == end || *p != c)
		return false;
	*pp = p + 1;
	return true;
}

static int via_sent_protocol(struct sip_via *v, const char **pp, const char *end, char **pos)
{
	const char *t;
	size_t n = read_token(pp, end, &t);

	if (n != 3 || strncasecmp(t, "SIP", 3) != 0 || !expect(pp, end, '/'))
		return EINVAL;
	n = read_token(pp, end, &t);
	if (n != 3 || strncmp(t, "2.0", 3) != 0 || !expect(pp, end, '/'))
		return EINVAL;
	n = read_token(pp, end, &t);
	if (n == 0)
		return EINVAL;
	v->proto_name = put(pos, t, n);
	v->proto = sip_proto_parse(t, n);
	return 0;
}

static int via_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long val = 0;

	if (len == 0 || len > 5)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return EINVAL;
		val = val * 10 + (unsigned long)(s[i] - '0');
	}
	if (val > 65535)
		return EINVAL;
	*port = (uint16_t)val;
	return 0;
}

static int via_sent_by(struct sip_via *v, const char **pp, const char *end, char **pos)
{
	const char *p = skip_ws(*pp, end), *h;
	struct sip_uri tmp;
	char tbuf[600];
	size_t n;

	h = p;
	if (p < end && *p == '[') {
		const char *c = memchr(p, ']', (size_t)(end - p));

		if (!c)
			return EINVAL;
		p = c + 1;
	} else {
		while (p < end && (sip_char_alnum((unsigned char)*p) || *p == '-' || *p == '.'))
			p++;
	}
	n = (size_t)(p - h);
	/* Reuse the URI host grammar: "sip:" + host checks names, IPv4 and
	 * bracketed IPv6 the same way everywhere. */
	if (n == 0 || n + 4 > 280)
		return EINVAL;
	{
		char uri[300];

		memcpy(uri, "sip:", 4);
		memcpy(uri + 4, h, n);
		if (sip_uri_parse_into(&tmp, uri, n + 4, tbuf))
			return EINVAL;
	}
	v->host = put(pos, tmp.host, strlen(tmp.host));
	v->host_ipv6 = tmp.host_ipv6;
	if (expect(&p, end, ':')) {
		const char *d = skip_ws(p, end);

		p = d;
		while (p < end && isdigit((unsigned char)*p))
			p++;
		if (via_port(d, (size_t)(p - d), &v->port))
			return EINVAL;
	}
	*pp = p;
	return 0;
}

static bool name_is(const struct sip_str *n, const char *name, size_t len)
{
	return n->len == len && strncasecmp(n->s, name, len) == 0;
}

/* The parameters a Via's reader needs, in one pass; the first of each
 * name counts, as sip_param_find would find it. */
static int via_params(struct sip_via *v, const char *p, const char *end, char **pos)
{
	struct sip_str n, s;
	const char *cursor;
	bool have_received = false;

	if (!params_ok(p, end))
		return EINVAL;
	p = skip_ws(p, end);
	v->params = put(pos, p, (size_t)(end - p));
	for (cursor = v->params; sip_param_next(&cursor, &n, &s);) {
		if (!v->branch && name_is(&n, "branch", 6)) {
			v->branch = put(pos, s.s, s.len);
		} else if (!v->maddr && name_is(&n, "maddr", 5)) {
			v->maddr = put(pos, s.s, s.len);
		} else if (!have_received && name_is(&n, "received", 8)) {
			have_received = true;
			/* RFC 5118 §4.5: received may be bracketed or not */
			if (s.len >= 2 && s.s[0] == '[' && s.s[s.len - 1] == ']')
				v->received = put(pos, s.s + 1, s.len - 2);
			else
				v->received = put(pos, s.s, s.len);
		} else if (!v->rport && name_is(&n, "rport", 5)) {
			v->rport = true;
			if (s.len && via_port(s.s, s.len, &v->rport_value))
				return EINVAL;
		}
	}
	return 0;
}

int sip_via_parse(struct sip_via *v, const char *s, size_t len, char *buf)
{
	const char *p = s, *end = s + len;
	char *pos = buf;
	int err;

	memset(v, 0, sizeof(*v));
	v->params = "";
	while (end > p && is_ws(end[-1]))
		end--;
	err = via_sent_protocol(v, &p, end, &pos);
	if (!err)
		err = via_sent_by(v, &p, end, &pos);
	if (!err)
		err = via_params(v, p, end, &pos);
	return err;
}
