/*
 * modules/chan_sip/sip_hdr.h - SIP header names (full and compact forms,
 * RFC 3261 §7.3.3 and §20) and the value grammar the headers share:
 * comma-separated lists, name-addr / addr-spec with parameters, Via.
 */
#ifndef LYRE_SIP_HDR_H
#define LYRE_SIP_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_uri.h"

/* Header fields with a canonical name.  SIP_HDR_OTHER is any other name,
 * kept as received. */
enum sip_hdr_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_ACCEPT,
	SIP_HDR_ACCEPT_CONTACT,		/* a */
	SIP_HDR_ACCEPT_ENCODING,
	SIP_HDR_ACCEPT_LANGUAGE,
	SIP_HDR_ALERT_INFO,
	SIP_HDR_ALLOW,
	SIP_HDR_ALLOW_EVENTS,		/* u */
	SIP_HDR_AUTHENTICATION_INFO,
	SIP_HDR_AUTHORIZATION,
	SIP_HDR_CALL_ID,		/* i */
	SIP_HDR_CALL_INFO,
	SIP_HDR_CONTACT,		/* m */
	SIP_HDR_CONTENT_DISPOSITION,
	SIP_HDR_CONTENT_ENCODING,	/* e */
	SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_CONTENT_LENGTH,		/* l */
	SIP_HDR_CONTENT_TYPE,		/* c */
	SIP_HDR_CSEQ,
	SIP_HDR_DATE,
	SIP_HDR_ERROR_INFO,
	SIP_HDR_EVENT,			/* o */
	SIP_HDR_EXPIRES,
	SIP_HDR_FROM,			/* f */
	SIP_HDR_IDENTITY,		/* y */
	SIP_HDR_IN_REPLY_TO,
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_MIME_VERSION,
	SIP_HDR_MIN_EXPIRES,
	SIP_HDR_MIN_SE,
	SIP_HDR_ORGANIZATION,
	SIP_HDR_P_ASSERTED_IDENTITY,
	SIP_HDR_P_PREFERRED_IDENTITY,
	SIP_HDR_PATH,
	SIP_HDR_PRIORITY,
	SIP_HDR_PRIVACY,
	SIP_HDR_PROXY_AUTHENTICATE,
	SIP_HDR_PROXY_AUTHORIZATION,
	SIP_HDR_PROXY_REQUIRE,
	SIP_HDR_RACK,
	SIP_HDR_REASON,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_REFER_TO,		/* r */
	SIP_HDR_REFERRED_BY,		/* b */
	SIP_HDR_REJECT_CONTACT,		/* j */
	SIP_HDR_REPLY_TO,
	SIP_HDR_REQUEST_DISPOSITION,	/* d */
	SIP_HDR_REQUIRE,
	SIP_HDR_RETRY_AFTER,
	SIP_HDR_ROUTE,
	SIP_HDR_RSEQ,
	SIP_HDR_SERVER,
	SIP_HDR_SESSION_EXPIRES,	/* x */
	SIP_HDR_SUBJECT,		/* s */
	SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_SUPPORTED,		/* k */
	SIP_HDR_TIMESTAMP,
	SIP_HDR_TO,			/* t */
	SIP_HDR_UNSUPPORTED,
	SIP_HDR_USER_AGENT,
	SIP_HDR_VIA,			/* v */
	SIP_HDR_WARNING,
	SIP_HDR_WWW_AUTHENTICATE,
	SIP_HDR_COUNT
};

/* Id of a header name (full or compact form, any case); SIP_HDR_OTHER
 * when unknown. */
enum sip_hdr_id sip_hdr_id(const char *name, size_t len);
/* Canonical full name ("Call-ID", "WWW-Authenticate"); NULL for OTHER. */
const char *sip_hdr_name(enum sip_hdr_id id);
/*
 * True for headers whose value is a comma-separated list that may also be
 * split over several header lines (§7.3.1).  Authorization-style headers,
 * Date and other non-list headers are never split on commas.
 */
bool sip_hdr_is_list(enum sip_hdr_id id);

/*
 * Walk the comma-separated elements of one header value, ignoring commas
 * inside quoted strings, <...> and (for Via) nothing else.  Each element
 * comes back trimmed of surrounding white space.  Start with
 * `struct sip_list_iter it = { .pos = value };`.  Returns false at the end;
 * sets it->bad (and returns false) on an empty element such as "a,,b".
 */
struct sip_list_iter {
	const char *pos;
	bool bad;
};
bool sip_list_next(struct sip_list_iter *it, struct sip_str *elem);

/*
 * A name-addr or addr-spec with its header parameters (From, To, Contact,
 * Route, Record-Route, Reply-To, P-Asserted-Identity, Refer-To ...).
 * Strings are NUL-terminated in the caller's storage.
 */
struct sip_nameaddr {
	const char *display;	/* unquoted, escapes resolved; NULL when absent */
	struct sip_uri uri;
	bool bracketed;		/* the URI was written inside <...> */
	const char *params;	/* header params, raw, starting with ';' ("" none) */
	const char *tag;	/* the "tag" param, NULL when absent */
};

/* Room needed in buf for sip_nameaddr_parse of len bytes. */
#define SIP_NAMEADDR_BUF(len) (3 * (len) + 32)
/*
 * Parse s[0..len) (one list element, already split) into na, storing
 * strings in buf (SIP_NAMEADDR_BUF(len) bytes).  An addr-spec without
 * brackets ends at the first ';', which starts header parameters (§20:
 * "If the URI ... contains a comma, question mark or semicolon, the URI
 * MUST be enclosed in angle brackets"); a '?' there is an error.
 * Returns 0 or EINVAL.
 */
int sip_nameaddr_parse(struct sip_nameaddr *na, const char *s, size_t len, char *buf);

/* Transports named in a Via (sent-protocol, §20.42). */
enum sip_proto {
	SIP_PROTO_UDP,
	SIP_PROTO_TCP,
	SIP_PROTO_TLS,
	SIP_PROTO_SCTP,
	SIP_PROTO_WS,
	SIP_PROTO_WSS,
	SIP_PROTO_OTHER,
};
/* "UDP", "TCP", ...; sip_proto_parse is case-insensitive. */
const char *sip_proto_name(enum sip_proto p);
enum sip_proto sip_proto_parse(const char *s, size_t len);

/* One Via element (§20.42, RFC 3581, RFC 5118). */
struct sip_via {
	const char *proto_name;	/* transport as written ("UDP", "udp", "FOO") */
	enum sip_proto proto;
	const char *host;	/* sent-by host, IPv6 without brackets */
	bool host_ipv6;
	uint16_t port;		/* 0 when absent */
	const char *branch;	/* NULL when absent */
	const char *received;	/* NULL when absent */
	const char *maddr;	/* NULL when absent */
	bool rport;		/* rport parameter present (RFC 3581) */
	uint16_t rport_value;	/* its value, 0 when it had none */
	const char *params;	/* raw, starting with ';' ("" none) */
};

#define SIP_VIA_BUF(len) (2 * (len) + 32)
/* Parse one Via element into v, strings stored in buf.  0 or EINVAL
 * (wrong protocol name/version, bad host or port, empty parameter). */
int sip_via_parse(struct sip_via *v, const char *s, size_t len, char *buf);

#endif
