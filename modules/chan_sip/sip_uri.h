/*
 * modules/chan_sip/sip_uri.h - SIP, SIPS and tel URIs (RFC 3261 §19.1,
 * RFC 3966), and the generic pieces other headers share: counted strings
 * and ';name=value' parameter lists.
 *
 * A parsed URI keeps every part exactly as written (escapes included), so
 * printing it gives back the same text; comparison (§19.1.4) decodes %HH
 * escapes first.  Strings in a struct sip_uri are NUL-terminated and live
 * either in the message that holds the URI (see sip_msg.h) or in u->mem
 * when it came from sip_uri_parse().
 */
#ifndef LYRE_SIP_URI_H
#define LYRE_SIP_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A counted, not necessarily NUL-terminated, piece of text. */
struct sip_str {
	const char *s;
	size_t len;
};

enum sip_uri_scheme {
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL,
	SIP_URI_OTHER,	/* any other absoluteURI scheme: only text/opaque are set */
};

struct sip_uri {
	enum sip_uri_scheme scheme;
	const char *text;	/* the whole URI as written */
	const char *scheme_name;/* as written, e.g. "sip", "SIP", "isbn" */
	const char *user;	/* raw (escaped); NULL when there is no userinfo.
				 * For tel: the telephone-subscriber number */
	const char *password;	/* raw; NULL when absent */
	const char *host;	/* IPv6 references without the brackets; "" for tel/other */
	bool host_ipv6;		/* host was a [IPv6reference] (RFC 5118) */
	uint16_t port;		/* 0 when absent */
	const char *params;	/* raw, starting with ';' ("" when none) */
	const char *headers;	/* raw, after '?' ("" when none) */
	const char *opaque;	/* SIP_URI_OTHER: everything after "scheme:" */
	char *mem;		/* owned storage (sip_uri_parse only), else NULL */
};

/*
 * Parse a URI of `len` bytes at s.  Accepts sip:, sips: and tel: by their
 * grammar and any other scheme as an opaque absoluteURI.  Returns 0, or
 * EINVAL for text that is no URI (spaces, '<', bad host, bad port...).
 * On success free with sip_uri_release().
 */
int sip_uri_parse(struct sip_uri *u, const char *s, size_t len);
void sip_uri_release(struct sip_uri *u);

/*
 * Same, with the strings stored in buf, which must hold at least
 * SIP_URI_BUF(len) bytes and outlive the URI; u->mem stays NULL.
 */
#define SIP_URI_BUF(len) (2 * (len) + 16)
int sip_uri_parse_into(struct sip_uri *u, const char *s, size_t len, char *buf);

/*
 * RFC 3261 §19.1.4 equivalence: schemes equal, user and password compared
 * case-sensitively after %HH decoding, host case-insensitively, ports
 * equal (absent differs from 5060), params "user", "ttl", "method",
 * "maddr" and "transport" must match when either side has them, other
 * params must match when both sides have them, headers must all match.
 * tel and other URIs compare by their decoded text.
 */
bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b);

/* Parameter `name` (case-insensitive) of URI params; see sip_param_find. */
bool sip_uri_param(const struct sip_uri *u, const char *name, struct sip_str *value);

/*
 * Decode %HH escapes of s[0..len) into out (room for len+1 bytes); returns
 * the decoded length (NULs may appear inside) and NUL-terminates out.
 */
size_t sip_unescape(const char *s, size_t len, char *out);

/*
 * Find parameter `name` (case-insensitive) in a ";a=1;b;c=\"x\"" list.
 * value gets the raw value (quotes kept), or an empty string for a
 * parameter without '='.  False when absent.
 */
bool sip_param_find(const char *params, const char *name, struct sip_str *value);

/*
 * The parameters of such a list one at a time, from *cursor (advanced):
 * each one's name and raw value, both without surrounding whitespace (the
 * value empty without '=').  False after the last.  For a reader that
 * wants several parameters: one pass instead of one sip_param_find each.
 */
bool sip_param_next(const char **cursor, struct sip_str *name, struct sip_str *value);

#endif
