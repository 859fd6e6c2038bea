/* modules/chan_sip/sip_msg_build.c - build, edit and print SIP messages (RFC 3261 §8.1.1, §8.2.6, §20.14). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lyre/utils.h>

#include "sip_msg_int.h"

/* ---- methods and reason phrases ---- */

static const char *const method_names[] = {
	[SIP_METHOD_INVITE] = "INVITE", [SIP_METHOD_ACK] = "ACK", [SIP_METHOD_BYE] = "BYE",
	[SIP_METHOD_CANCEL] = "CANCEL", [SIP_METHOD_OPTIONS] = "OPTIONS",
	[SIP_METHOD_REGISTER] = "REGISTER", [SIP_METHOD_PRACK] = "PRACK",
	[SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE", [SIP_METHOD_NOTIFY] = "NOTIFY",
	[SIP_METHOD_PUBLISH] = "PUBLISH", [SIP_METHOD_INFO] = "INFO", [SIP_METHOD_REFER] = "REFER",
	[SIP_METHOD_MESSAGE] = "MESSAGE", [SIP_METHOD_UPDATE] = "UPDATE",
};

enum sip_method sip_method_id(const char *name, size_t len)
{
	for (size_t i = 1; i < LY_ARRAY_LEN(method_names); i++)
		if (strlen(method_names[i]) == len && memcmp(method_names[i], name, len) == 0)
			return (enum sip_method)i;
	return SIP_METHOD_OTHER;
}

const char *sip_method_name(enum sip_method m)
{
	return m > SIP_METHOD_OTHER && (size_t)m < LY_ARRAY_LEN(method_names) ? method_names[m] : NULL;
}

static const struct {
	int code;
	const char *phrase;
} reasons[] = {
	{ 100, "Trying" }, { 180, "Ringing" }, { 181, "Call Is Being Forwarded" },
	{ 182, "Queued" }, { 183, "Session Progress" }, { 199, "Early Dialog Terminated" },
	{ 200, "OK" }, { 202, "Accepted" }, { 204, "No Notification" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Moved Temporarily" },
	{ 305, "Use Proxy" }, { 380, "Alternative Service" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
	{ 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" }, { 410, "Gone" }, { 412, "Conditional Request Failed" },
	{ 413, "Request Entity Too Large" }, { 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" }, { 421, "Extension Required" }, { 422, "Session Interval Too Small" },
	{ 423, "Interval Too Brief" }, { 480, "Temporarily Unavailable" },
	{ 481, "Call/Transaction Does Not Exist" }, { 482, "Loop Detected" },
	{ 483, "Too Many Hops" }, { 484, "Address Incomplete" }, { 485, "Ambiguous" },
	{ 486, "Busy Here" }, { 487, "Request Terminated" }, { 488, "Not Acceptable Here" },
	{ 489, "Bad Event" }, { 491, "Request Pending" }, { 493, "Undecipherable" },
	{ 500, "Server Internal Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" }, { 504, "Server Time-out" },
	{ 505, "Version Not Supported" }, { 513, "Message Too Large" },
	{ 600, "Busy Everywhere" }, { 603, "Decline" }, { 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
};

const char *sip_reason_phrase(int code)
{
	static const char *const classes[] = {
		"Unknown", "Provisional", "Success", "Redirection", "Client Error",
		"Server Error", "Global Failure",
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(reasons); i++)
		if (reasons[i].code == code)
			return reasons[i].phrase;
	return code >= 100 && code < 700 ? classes[code / 100] : classes[0];
}

/* ---- editing headers ---- */

static bool text_ok(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

/* Canonical name for a header name given in any form, copied when unknown. */
static const char *canonical(struct sip_msg *m, const char *name, enum sip_hdr_id *id)
{
	size_t len = strlen(name);

	*id = sip_hdr_id(name, len);
	return *id ? sip_hdr_name(*id) : sip_msg_strdup(m, name, len);
}

static bool name_ok(const char *name)
{
	if (!*name)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-.!%*_+`'~", *p))
			return false;
	return true;
}

/* Link a header whose value already lives in the message's arena. */
static int insert_owned(struct sip_msg *m, const char *name, const char *value, size_t vlen, bool top)
{
	struct sip_hdr *after = m->priv->last;
	enum sip_hdr_id id;
	const char *cname;

	if (!name_ok(name) || !text_ok(value))
		return EINVAL;
	cname = canonical(m, name, &id);
	if (top) {
		const struct sip_hdr *first = sip_msg_hdr_find_name(m, name);

		if (first)
			after = first->prev;
	}
	sip_msg_link(m, after, id, cname, value, vlen);
	if (sip_msg_is_essential(id))
		sip_msg_refresh(m, id);
	return 0;
}

/* (A refused value costs the arena its copy: rare, and freed with it.) */
static int insert(struct sip_msg *m, const char *name, const char *value, bool top)
{
	size_t vlen = strlen(value);

	return insert_owned(m, name, sip_msg_strdup(m, value, vlen), vlen, top);
}

int sip_msg_hdr_add(struct sip_msg *m, const char *name, const char *value)
{
	return insert(m, name, value, false);
}

int sip_msg_hdr_add_top(struct sip_msg *m, const char *name, const char *value)
{
	return insert(m, name, value, true);
}

/*
 * Formatted straight into the arena's free space: one formatting pass and
 * no buffer of its own when it fits (the arena's free space is a multiple
 * of its alignment, so taking n + 1 bytes then returns that very spot),
 * a second pass into fresh arena space when not.
 */
int sip_msg_hdr_addf(struct sip_msg *m, const char *name, const char *fmt, ...)
{
	struct sip_msg_priv *p = m->priv;
	char *spot = p->pos, *value;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(spot, p->left, fmt, ap);
	va_end(ap);
	if (n < 0)
		return EINVAL;
	value = sip_msg_mem(m, (size_t)n + 1);
	if (value != spot) {
		va_start(ap, fmt);
		vsnprintf(value, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	return insert_owned(m, name, value, (size_t)n, false);
}

int sip_msg_hdr_addv(struct sip_msg *m, const char *name, ...)
{
	const char *piece;
	size_t len = 0;
	char *value, *o;
	va_list ap;

	va_start(ap, name);
	while ((piece = va_arg(ap, const char *)) != NULL)
		len += strlen(piece);
	va_end(ap);
	o = value = sip_msg_mem(m, len + 1);
	va_start(ap, name);
	while ((piece = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(piece);

		memcpy(o, piece, n);
		o += n;
	}
	va_end(ap);
	*o = '\0';
	return insert_owned(m, name, value, len, false);
}

const char *sip_uint_str(char buf[static 12], unsigned v)
{
	char *p = buf + 11;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static void unlink_hdr(struct sip_msg *m, struct sip_hdr *h)
{
	struct sip_msg_priv *p = m->priv;

	if (h->prev)
		h->prev->next = h->next;
	else
		p->first = h->next;
	if (h->next)
		h->next->prev = h->prev;
	else
		p->last = h->prev;
	p->count--;
}

void sip_msg_hdr_remove(struct sip_msg *m, const struct sip_hdr *h)
{
	enum sip_hdr_id id = h->id;

	/* the message owns h; the const only keeps readers from editing it */
	unlink_hdr(m, (struct sip_hdr *)(uintptr_t)h);
	if (sip_msg_is_essential(id))
		sip_msg_refresh(m, id);
}

unsigned sip_msg_hdr_remove_all(struct sip_msg *m, const char *name)
{
	const struct sip_hdr *h = sip_msg_hdr_find_name(m, name);
	unsigned n = 0;

	while (h) {
		const struct sip_hdr *next = sip_msg_hdr_find_next(h);

		sip_msg_hdr_remove(m, h);
		n++;
		h = next;
	}
	return n;
}

int sip_msg_hdr_set(struct sip_msg *m, const char *name, const char *value)
{
	if (!name_ok(name) || !text_ok(value))
		return EINVAL;
	sip_msg_hdr_remove_all(m, name);
	return sip_msg_hdr_add(m, name, value);
}

void sip_msg_set_body(struct sip_msg *m, const char *content_type, const void *body, size_t len)
{
	char *copy = sip_msg_mem(m, len + 1);

	if (len)
		memcpy(copy, body, len);
	copy[len] = '\0';
	m->body = copy;
	m->body_len = len;
	if (content_type)
		sip_msg_hdr_set(m, "Content-Type", content_type);
	else if (len == 0)
		sip_msg_hdr_remove_all(m, "Content-Type");
}

int sip_msg_set_ruri(struct sip_msg *m, const char *uri)
{
	size_t len = strlen(uri);
	struct sip_uri u;

	if (!m->is_request || sip_uri_parse_into(&u, uri, len, sip_msg_mem(m, SIP_URI_BUF(len))))
		return EINVAL;
	m->ruri = u;
	return 0;
}

/* ---- building ---- */

struct sip_msg *sip_msg_new_request(const char *method, const char *ruri)
{
	struct sip_msg *m;
	enum sip_method id;

	if (!name_ok(method))
		return NULL;
	id = sip_method_id(method, strlen(method));
	/* Room for the usual headers and an SDP body, with their parsed
	 * essentials, in the message's own allocation.  A dialog keeps its
	 * last ACK for as long as a 2xx may come again (RFC 6026: 32 s), so
	 * the requests that seldom carry a body get less: an ACK or BYE uses
	 * 1.3 kB of it (more spills into a second chunk, nothing fails). */
	m = sip_msg_alloc(id == SIP_METHOD_ACK || id == SIP_METHOD_BYE || id == SIP_METHOD_CANCEL ? 1536
										       : 3072);
	m->is_request = true;
	m->method = sip_msg_strdup(m, method, strlen(method));
	m->method_id = id;
	if (sip_msg_set_ruri(m, ruri)) {
		sip_msg_unref(m);
		return NULL;
	}
	m->body = "";
	return m;
}

/* Copy every header of this id from src to the end of dst. */
static void copy_headers(struct sip_msg *dst, const struct sip_msg *src, enum sip_hdr_id id)
{
	for (const struct sip_hdr *h = sip_msg_hdr_find(src, id); h; h = sip_msg_hdr_find_next(h))
		sip_msg_link(dst, dst->priv->last, id, h->name,
			     sip_msg_strdup(dst, h->value, h->value_len), h->value_len);
}

/* True when the To gained a tag (it then differs from the request's). */
static bool copy_to(struct sip_msg *r, const struct sip_msg *req, int code, const char *to_tag)
{
	const struct sip_hdr *to = sip_msg_hdr_find(req, SIP_HDR_TO);

	if (!to)
		return false;
	/* §8.2.6.2: a tag is added unless the request had one or it is a 100 */
	if (code > 100 && to_tag && req->has_to && !req->to.tag) {
		sip_msg_hdr_join(r, "To", to->value, ";tag=", to_tag);
		return true;
	}
	copy_headers(r, req, SIP_HDR_TO);
	return false;
}

/* The length of the header values a response copies from its request. */
static size_t copied_len(const struct sip_msg *req)
{
	size_t n = 0;

	for (const struct sip_hdr *h = req->priv->first; h; h = h->next)
		if (h->id == SIP_HDR_VIA || h->id == SIP_HDR_FROM || h->id == SIP_HDR_TO ||
		    h->id == SIP_HDR_CALL_ID || h->id == SIP_HDR_CSEQ || h->id == SIP_HDR_TIMESTAMP)
			n += h->value_len + sizeof(struct sip_hdr) + 16;
	return n;
}

/*
 * The response's Via, From, Call-ID and CSeq are copies of the request's
 * headers, so their parsed form is the request's: the response shares it
 * (and holds the request, whose arena has the strings) instead of parsing
 * the copies again, which was a twentieth of a call's instructions.  A To
 * that gained a tag is parsed.
 */
static void share_essentials(struct sip_msg *r, const struct sip_msg *req, bool retagged)
{
	r->priv->shares = sip_msg_ref((struct sip_msg *)req);
	r->has_via = req->has_via;
	r->via = req->via;
	r->has_from = req->has_from;
	r->from = req->from;
	r->call_id = req->call_id;
	r->cseq = req->cseq;
	r->cseq_method = req->cseq_method;
	r->cseq_method_id = req->cseq_method_id;
	if (retagged) {
		sip_msg_refresh(r, SIP_HDR_TO);
	} else {
		r->has_to = req->has_to;
		r->to = req->to;
	}
	r->priv->essentials_derived = true;
}

struct sip_msg *sip_msg_new_response(const struct sip_msg *req, int code, const char *reason,
				     const char *to_tag)
{
	struct sip_msg *r;
	static const enum sip_hdr_id ids[] = {
		SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID, SIP_HDR_CSEQ,
	};
	bool retagged = false;

	if (!req->is_request || !sip_msg_hdr_find(req, SIP_HDR_VIA) || code < 100 || code > 699 ||
	    (reason && !text_ok(reason)))
		return NULL;
	/* the copied headers with their parsed essentials (up to three times
	 * their size), and room for a Contact, a few more and an SDP body
	 * (a 200 with SDP leaves over 900 bytes of this unused) */
	r = sip_msg_alloc(4 * copied_len(req) + 1024);
	r->status = code;
	r->reason = sip_msg_strdup(r, reason ? reason : sip_reason_phrase(code),
				   strlen(reason ? reason : sip_reason_phrase(code)));
	r->body = "";
	for (size_t i = 0; i < LY_ARRAY_LEN(ids); i++) {
		if (ids[i] == SIP_HDR_TO)
			retagged = copy_to(r, req, code, to_tag);
		else
			copy_headers(r, req, ids[i]);
	}
	/* §8.2.6.1: a 100 to a request with Timestamp echoes it */
	if (code == 100)
		copy_headers(r, req, SIP_HDR_TIMESTAMP);
	if (req->priv->essentials_derived)
		share_essentials(r, req, retagged);
	else
		for (size_t i = 0; i < LY_ARRAY_LEN(ids); i++)
			sip_msg_refresh(r, ids[i]);
	return r;
}

/* ---- printing ---- */

/* Bytes the decimal form of v takes. */
static size_t digits_of(size_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* The wire form's length, so printing takes one allocation of the right
 * size instead of growing through 128, 256, 512 and 1024. */
static size_t print_len(const struct sip_msg *m)
{
	size_t n;

	if (m->is_request)
		n = strlen(m->method) + 1 + strlen(m->ruri.text) + sizeof(" SIP/2.0\r\n") - 1;
	else
		n = sizeof("SIP/2.0 000 \r\n") - 1 + strlen(m->reason ? m->reason : "");
	for (const struct sip_hdr *h = m->priv->first; h; h = h->next)
		if (h->id != SIP_HDR_CONTENT_LENGTH)
			n += strlen(h->name) + 2 + h->value_len + 2;
	return n + sizeof("Content-Length: \r\n\r\n") - 1 + digits_of(m->body_len) + m->body_len;
}

void sip_msg_print(const struct sip_msg *m, struct ly_buf *out)
{
	ly_buf_reserve(out, print_len(m));
	if (m->is_request) {
		ly_buf_puts(out, m->method);
		ly_buf_append(out, " ", 1);
		ly_buf_puts(out, m->ruri.text);
		ly_buf_append(out, " SIP/2.0\r\n", 10);
	} else {
		char code[4] = { (char)('0' + m->status / 100 % 10), (char)('0' + m->status / 10 % 10),
				 (char)('0' + m->status % 10), ' ' };

		ly_buf_append(out, "SIP/2.0 ", 8);
		ly_buf_append(out, code, 4);
		ly_buf_puts(out, m->reason ? m->reason : "");
		ly_buf_append(out, "\r\n", 2);
	}
	for (const struct sip_hdr *h = m->priv->first; h; h = h->next) {
		if (h->id == SIP_HDR_CONTENT_LENGTH)
			continue;
		ly_buf_puts(out, h->name);
		ly_buf_append(out, ": ", 2);
		ly_buf_append(out, h->value, h->value_len);
		ly_buf_append(out, "\r\n", 2);
	}
	/* always written, always true (§20.14: required on streams) */
	ly_buf_append(out, "Content-Length: ", 16);
	ly_buf_append_uint(out, m->body_len);
	ly_buf_append(out, "\r\n\r\n", 4);
	if (m->body_len)
		ly_buf_append(out, m->body, m->body_len);
}

/* Above this a released buffer is freed, so one large message does not
 * pin its size for the thread's life. */
#define WIRE_KEEP_MAX 16384

struct ly_buf *sip_msg_print_wire(struct sip_wire_buf *w, const struct sip_msg *m)
{
	struct ly_buf *b = &w->buf;

	if (w->busy) {
		b = ly_malloc(sizeof(*b));
		ly_buf_init(b);
	} else {
		w->busy = true;
		ly_buf_reset(b);
	}
	sip_msg_print(m, b);
	return b;
}

void sip_msg_print_release(struct sip_wire_buf *w, struct ly_buf *b)
{
	if (b != &w->buf) {
		ly_buf_free(b);
		free(b);
		return;
	}
	if (b->cap > WIRE_KEEP_MAX)
		ly_buf_free(b);
	w->busy = false;
}

void sip_wire_buf_free(struct sip_wire_buf *w)
{
	ly_buf_free(&w->buf);
	w->busy = false;
}

void sip_msg_describe(const struct sip_msg *m, char *buf, size_t size)
{
	const char *cid = m->call_id ? m->call_id : "-";

	if (m->is_request)
		snprintf(buf, size, "%s %s (Call-ID %s, CSeq %u)", m->method ? m->method : "?",
			 m->ruri.text ? m->ruri.text : "?", cid, m->cseq);
	else
		snprintf(buf, size, "%d %s (Call-ID %s, CSeq %u %s)", m->status, m->reason, cid, m->cseq,
			 m->cseq_method ? m->cseq_method : "?");
}

void sip_make_token(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[64];
	size_t done = 0;

	while (done < len) {
		size_t n = (len - done + 1) / 2;

		if (n > sizeof(rnd))
			n = sizeof(rnd);
		ly_random_bytes(rnd, n);	/* CSPRNG: tags and branches must not be guessable */
		for (size_t i = 0; i < n * 2 && done < len; i++)
			buf[done++] = hex[(i & 1) ? rnd[i / 2] & 15 : rnd[i / 2] >> 4];
	}
	buf[len] = '\0';
}

void sip_make_branch(char *buf, size_t len)
{
	memcpy(buf, SIP_BRANCH_COOKIE, 7);
	sip_make_token(buf + 7, len);
}
