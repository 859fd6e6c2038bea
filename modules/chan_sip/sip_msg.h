/*
 * modules/chan_sip/sip_msg.h - SIP messages: parse (RFC 3261 §7, §20, §25),
 * inspect, build and print.
 *
 * A struct sip_msg is one request or response.  It holds:
 *   - the start line (method and Request-URI, or status code and reason);
 *   - the header fields in their order, each with a canonical name when
 *     the name is known (compact forms v f t i m l c k s e o u ... map to
 *     the full names, any case), unknown headers kept as received;
 *   - the parsed essentials every layer needs (top Via, Call-ID, CSeq,
 *     From, To, Max-Forwards, Content-Length, Contact, Expires), kept in
 *     step with the header list when headers are added or removed;
 *   - the body (may hold NUL bytes: it is framed by length, never by NUL);
 *   - where it came from (filled in by the transport layer).
 *
 * Memory: all strings of a message live in the message (one arena, freed
 * with it).  Pointers read from a message stay valid until the message is
 * freed, even after the header they came from is removed.
 *
 * Ownership: messages are reference counted.  A new or parsed message
 * starts with one reference owned by its creator; a layer that keeps a
 * message (a transaction keeping its request or last response) takes its
 * own with sip_msg_ref() and drops it with sip_msg_unref().  Counting is
 * atomic, but a message's content must be changed by one thread at a time
 * and not while another layer may be reading it: build, then share.
 */
#ifndef LYRE_SIP_MSG_H
#define LYRE_SIP_MSG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <lyre/utils.h>

#include "sip.h"
#include "sip_hdr.h"
#include "sip_uri.h"

/* ------------------------------------------------------------------ */
/* Methods */

enum sip_method {
	SIP_METHOD_OTHER = 0,	/* an extension method: see msg->method */
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_PRACK,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_PUBLISH,
	SIP_METHOD_INFO,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_UPDATE,
};

/* Methods are case-sensitive (§7.1): "invite" is an extension method. */
enum sip_method sip_method_id(const char *name, size_t len);
/* "INVITE" ...; NULL for SIP_METHOD_OTHER. */
const char *sip_method_name(enum sip_method m);

/* The standard reason phrase of a status code ("Not Found"), or a class
 * default ("Client Error") for codes RFC 3261 does not name. */
const char *sip_reason_phrase(int code);

/* ------------------------------------------------------------------ */
/* The message */

/* One header field.  Read-only for users: change headers with the
 * sip_msg_hdr_* functions below. */
struct sip_hdr {
	enum sip_hdr_id id;
	const char *name;	/* canonical full name, or as received for OTHER */
	const char *value;	/* unfolded (each CRLF+WS became one SP), trimmed */
	size_t value_len;	/* strlen(value) */
	struct sip_hdr *next;	/* next header in message order */
	struct sip_hdr *prev;
};

/* One Contact element (§20.10).  `expires` is the contact's expires
 * parameter, -1 when it has none (the Expires header then applies). */
struct sip_contact {
	struct sip_nameaddr addr;
	int64_t expires;
	const char *q;		/* raw q value, NULL when absent */
	struct sip_contact *next;
};

/* Where a received message came from; set by the transport layer. */
struct sip_msg_src {
	enum sip_proto proto;		/* UDP, TCP or TLS */
	struct sockaddr_storage addr;	/* the peer */
	socklen_t addr_len;		/* 0: not received from the network */
	struct sockaddr_storage local;	/* our address it arrived on */
	socklen_t local_len;
	uint64_t conn_id;		/* stream connection it arrived on, 0 for UDP;
					 * the transport layer looks it up, so it
					 * never dangles (the connection may be gone) */
};

struct sip_msg_priv;

/*
 * Fields are read-only for users (set them through the functions below);
 * absent values are NULL / -1 / false as noted.
 */
struct sip_msg {
	bool is_request;

	/* request line */
	enum sip_method method_id;
	const char *method;		/* as written */
	struct sip_uri ruri;		/* Request-URI */

	/* status line */
	int status;			/* 100..699 */
	const char *reason;		/* may be "" (torture: noreason) */

	/* essentials, parsed from the headers */
	bool has_via;
	struct sip_via via;		/* the top Via element */
	const char *call_id;		/* NULL when absent */
	uint32_t cseq;			/* CSeq number (< 2^31 per §8.1.1.5 when we make one) */
	enum sip_method cseq_method_id;
	const char *cseq_method;	/* NULL when CSeq is absent */
	bool has_from, has_to;
	struct sip_nameaddr from;	/* from.tag / to.tag: NULL when absent */
	struct sip_nameaddr to;
	int max_forwards;		/* -1 when absent */
	int64_t content_length;		/* header value, -1 when absent */
	int64_t expires;		/* Expires header, -1 when absent */
	struct sip_contact *contacts;	/* Contact list in order, NULL when none */
	bool contact_star;		/* "Contact: *" (REGISTER removes all, §10.2.2) */
	const char *content_type;	/* NULL when absent */

	/* body: body_len bytes, NUL-terminated for convenience */
	const char *body;
	size_t body_len;

	/* where it came from (received messages) */
	struct sip_msg_src src;

	struct sip_msg_priv *priv;	/* header list, arena, refcount */
};

/* ------------------------------------------------------------------ */
/* Parsing */

/*
 * Result of sip_msg_parse.  For a request that fails, the transport sends
 * the status code of sip_parse_info (when a response can be built from
 * what was read) and never passes the message up; for a response it drops
 * it silently.
 *
 * Size limits: a body larger than allowed is 413 Request Entity Too Large
 * (§21.4.13 is about the entity-body); a message whose header section is
 * over the limit, or with more than SIP_MAX_HEADERS header fields, is 513
 * Message Too Large (§21.5.14: "the message length exceeded its
 * capabilities").
 */
enum sip_parse_result {
	SIP_PARSE_OK = 0,
	SIP_PARSE_INCOMPLETE,	/* stream framing: need more bytes, nothing consumed */
	SIP_PARSE_BAD,		/* 400 Bad Request */
	SIP_PARSE_BAD_VERSION,	/* 505 Version Not Supported */
	SIP_PARSE_BODY_TOO_LARGE,/* 413 Request Entity Too Large */
	SIP_PARSE_TOO_LARGE,	/* 513 Message Too Large (headers or header count) */
};

enum sip_framing {
	SIP_FRAME_DATAGRAM,	/* UDP: one message per buffer; a missing Content-
				 * Length means the body runs to the end (§18.3),
				 * bytes after Content-Length are ignored */
	SIP_FRAME_STREAM,	/* TCP/TLS: Content-Length is required (§18.3 /
				 * §20.14); the message may be incomplete */
};

struct sip_parse_info {
	size_t consumed;	/* bytes this message took (stream: the next one
				 * starts here); leading CRLFs (keep-alives) included */
	int status;		/* response for a failed request: 400/413/505/513; 0 if OK */
	const char *reason;	/* static reason phrase for that response,
				 * e.g. "Bad Request (bad CSeq)" */
	bool close;		/* stream: framing is lost, close the connection */
	bool keepalive;		/* the input was only CRLF keep-alives (RFC 5626 §3.5.1) */
};

/*
 * Parse one message from data[0..len).
 *
 * On SIP_PARSE_OK *out is a new message (one reference, for the caller).
 * On a failure of a request, *out may still be set to a partly parsed
 * message carrying at least a top Via, so the caller can answer with
 * sip_msg_new_response(*out, info->status, info->reason, NULL); it must
 * be freed like any message and must not be used otherwise.  Otherwise
 * *out is NULL.
 * SIP_PARSE_INCOMPLETE happens only with SIP_FRAME_STREAM.
 * Leading CRLFs are skipped (§7.5); input of only CRLFs gives
 * SIP_PARSE_INCOMPLETE with info->keepalive and info->consumed set.
 */
enum sip_parse_result sip_msg_parse(const char *data, size_t len, enum sip_framing framing,
				    struct sip_msg **out, struct sip_parse_info *info);

/* ------------------------------------------------------------------ */
/* Life cycle */

struct sip_msg *sip_msg_ref(struct sip_msg *m);
/* Drops one reference; frees at zero.  NULL is allowed. */
void sip_msg_unref(struct sip_msg *m);

/* ------------------------------------------------------------------ */
/* Headers */

/* First header in message order, then h->next. */
const struct sip_hdr *sip_msg_hdr_first(const struct sip_msg *m);
/* Number of header fields. */
unsigned sip_msg_hdr_count(const struct sip_msg *m);
/* First header with this id / name (full, compact, any case); NULL if none. */
const struct sip_hdr *sip_msg_hdr_find(const struct sip_msg *m, enum sip_hdr_id id);
const struct sip_hdr *sip_msg_hdr_find_name(const struct sip_msg *m, const char *name);
/* The next header after h with the same name; NULL if none. */
const struct sip_hdr *sip_msg_hdr_find_next(const struct sip_hdr *h);
/* Value of the first such header, NULL when absent. */
const char *sip_msg_hdr_value(const struct sip_msg *m, const char *name);

/*
 * Iterate over every comma-separated value of every header with this name,
 * in message order (§7.3.1: "Via: a, b" and two Via lines are the same):
 *
 *	struct sip_value_iter it;
 *	struct sip_str v;
 *	sip_value_iter_init(&it, m, "Via");
 *	while (sip_value_next(&it, &v)) ...
 *
 * Headers that are not lists (sip_hdr_is_list) yield their whole value.
 */
struct sip_value_iter {
	const struct sip_hdr *hdr;
	struct sip_list_iter list;
	bool split;
};
void sip_value_iter_init(struct sip_value_iter *it, const struct sip_msg *m, const char *name);
bool sip_value_next(struct sip_value_iter *it, struct sip_str *value);

/*
 * Add a header (name in any form; stored under its canonical name).
 * _add appends after the last header, _add_top inserts before the first
 * header with the same name (a new top Via, a Route pushed on), or at
 * the end when there is none.  Content-Length is computed on printing:
 * adding one is allowed but printing always writes the correct value.
 * 0 or EINVAL (empty name, or CR/LF in name or value).
 */
int sip_msg_hdr_add(struct sip_msg *m, const char *name, const char *value);
int sip_msg_hdr_add_top(struct sip_msg *m, const char *name, const char *value);
int sip_msg_hdr_addf(struct sip_msg *m, const char *name, const char *fmt, ...) LY_PRINTF(3, 4);
/* A value that is its pieces joined (no printf: for the fixed-shape
 * headers every call prints, Via, From, To, CSeq, Contact); the list of
 * strings ends with NULL, which sip_msg_hdr_join adds. */
int sip_msg_hdr_addv(struct sip_msg *m, const char *name, ...);
#define sip_msg_hdr_join(m, name, ...) sip_msg_hdr_addv((m), (name), __VA_ARGS__, (const char *)NULL)
/* v in decimal in buf, which it returns. */
const char *sip_uint_str(char buf[static 12], unsigned v);
/* Replace all headers of that name with one (appended when none existed). */
int sip_msg_hdr_set(struct sip_msg *m, const char *name, const char *value);
/* Remove one header (h from this message) / all with that name; the
 * number removed. */
void sip_msg_hdr_remove(struct sip_msg *m, const struct sip_hdr *h);
unsigned sip_msg_hdr_remove_all(struct sip_msg *m, const char *name);

/*
 * Replace the body (copied; len may be 0 to remove it) and its
 * Content-Type (NULL with a body of 0 bytes removes the header; NULL with
 * a body keeps the current Content-Type).
 */
void sip_msg_set_body(struct sip_msg *m, const char *content_type, const void *body, size_t len);

/* Change the Request-URI of a request (text copied); 0 or EINVAL. */
int sip_msg_set_ruri(struct sip_msg *m, const char *uri);

/* Copy a string into the message's storage (lives as long as m). */
char *sip_msg_strdup(struct sip_msg *m, const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Building */

/*
 * A new request "METHOD ruri SIP/2.0" with no headers.  Callers add Via,
 * Max-Forwards, From, To, Call-ID, CSeq, Contact ... (§8.1.1).  NULL when
 * the method is not a token or the URI does not parse.
 */
struct sip_msg *sip_msg_new_request(const char *method, const char *ruri);

/*
 * A response to req per §8.2.6.2: status line code/reason (NULL reason:
 * sip_reason_phrase), then every Via of req in order, From, To, Call-ID
 * and CSeq copied.  When To has no tag and code > 100, to_tag (if not
 * NULL) is added as ";tag=to_tag".  A 100 copies Timestamp (§8.2.6.1).
 * Works on the partial message of a failed parse: headers missing there
 * are missing in the response.  NULL when req is not a request or has no
 * Via.
 */
struct sip_msg *sip_msg_new_response(const struct sip_msg *req, int code, const char *reason,
				     const char *to_tag);

/* Append the message's wire form to out: start line, headers in order
 * (Content-Length replaced by the true body length, always present),
 * blank line, body. */
void sip_msg_print(const struct sip_msg *m, struct ly_buf *out);
/*
 * A print buffer a sender (the transport manager) reuses from one message
 * to the next, so sending allocates nothing once it has grown: take the
 * printed message with sip_msg_print_wire, give it back with
 * sip_msg_print_release.  A print while the buffer is out (a send from
 * inside a send) gets a buffer of its own, freed by the release.  Zeroed
 * is ready; one thread at a time.
 */
struct sip_wire_buf {
	struct ly_buf buf;
	bool busy;
};
struct ly_buf *sip_msg_print_wire(struct sip_wire_buf *w, const struct sip_msg *m);
void sip_msg_print_release(struct sip_wire_buf *w, struct ly_buf *b);
void sip_wire_buf_free(struct sip_wire_buf *w);

/* A short description for logs: "INVITE sip:bob@x (Call-ID abc, CSeq 1)". */
void sip_msg_describe(const struct sip_msg *m, char *buf, size_t size);

/* A random token for tags and branches (hex, `len` chars, from a CSPRNG),
 * NUL-terminated in buf[len+1]; branches get the §8.1.1.7 cookie from
 * sip_make_branch (buf at least 8 + len + 1). */
void sip_make_token(char *buf, size_t len);
void sip_make_branch(char *buf, size_t len);
#define SIP_BRANCH_COOKIE "z9hG4bK"

/* ------------------------------------------------------------------ */
/* Receiving (used by the transport layer) */

/*
 * Stamp the top Via of a received request (§18.2.1, RFC 3581 §4): add
 * ";received=ip" when the sent-by host is a name or differs from ip, and
 * when the Via has a bare "rport", give it the source port (received is
 * then always added).  A "received"/"rport=" already there is replaced.
 * ip is numeric, IPv6 without brackets.  0, or EINVAL with no top Via.
 */
int sip_msg_via_received(struct sip_msg *m, const char *ip, uint16_t port);

#endif
