/* modules/chan_sip/sip_msg.c - frame and parse SIP messages (RFC 3261 §7, §18.3, §25) and own their memory. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip_chars.h"
#include "sip_msg_int.h"

#define ALIGN_UP(n) (((n) + 15) & ~(size_t)15)

/* ---- memory ---- */

struct sip_msg_block {
	struct sip_msg msg;
	struct sip_msg_priv priv;
	_Alignas(16) char arena[];
};

struct sip_msg *sip_msg_alloc(size_t arena)
{
	struct sip_msg_block *b;

	arena = ALIGN_UP(arena);
	b = ly_malloc(sizeof(*b) + arena);
	memset(b, 0, sizeof(*b));
	b->msg.priv = &b->priv;
	atomic_init(&b->priv.refs, 1);
	b->priv.pos = b->arena;
	b->priv.left = arena;
	b->msg.max_forwards = -1;
	b->msg.content_length = -1;
	b->msg.expires = -1;
	b->msg.ruri.params = b->msg.ruri.headers = b->msg.ruri.host = "";
	return &b->msg;
}

void *sip_msg_mem(struct sip_msg *m, size_t size)
{
	struct sip_msg_priv *p = m->priv;
	void *r;

	size = ALIGN_UP(size ? size : 1);
	if (size > p->left) {
		size_t csize = size > 4096 ? size : 4096;
		struct sip_arena_chunk *c = ly_malloc(sizeof(*c) + csize + 16);

		c->next = p->chunks;
		c->size = csize;
		p->chunks = c;
		p->pos = (char *)ALIGN_UP((uintptr_t)c->data);
		p->left = csize;
	}
	r = p->pos;
	p->pos += size;
	p->left -= size;
	return r;
}

char *sip_msg_strdup(struct sip_msg *m, const char *s, size_t len)
{
	char *r = sip_msg_mem(m, len + 1);

	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

struct sip_msg *sip_msg_ref(struct sip_msg *m)
{
	atomic_fetch_add_explicit(&m->priv->refs, 1, memory_order_relaxed);
	return m;
}

void sip_msg_unref(struct sip_msg *m)
{
	struct sip_arena_chunk *c, *next;

	if (!m || atomic_fetch_sub_explicit(&m->priv->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (c = m->priv->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	sip_uri_release(&m->ruri);	/* frees nothing: arena-backed, mem is NULL */
	sip_msg_unref(m->priv->shares);
	free(m);	/* the block starts with the message */
}

/* ---- header list ---- */

struct sip_hdr *sip_msg_link(struct sip_msg *m, struct sip_hdr *after, enum sip_hdr_id id,
			     const char *name, const char *value, size_t value_len)
{
	struct sip_msg_priv *p = m->priv;
	struct sip_hdr *h = sip_msg_mem(m, sizeof(*h));

	h->id = id;
	h->name = name;
	h->value = value;
	h->value_len = value_len;
	h->prev = after;
	h->next = after ? after->next : p->first;
	if (h->next)
		h->next->prev = h;
	else
		p->last = h;
	if (after)
		after->next = h;
	else
		p->first = h;
	p->count++;
	return h;
}

const struct sip_hdr *sip_msg_hdr_first(const struct sip_msg *m)
{
	return m->priv->first;
}

unsigned sip_msg_hdr_count(const struct sip_msg *m)
{
	return m->priv->count;
}

static bool same_name(const struct sip_hdr *h, enum sip_hdr_id id, const char *name)
{
	return h->id == id && (id != SIP_HDR_OTHER || strcasecmp(h->name, name) == 0);
}

const struct sip_hdr *sip_msg_hdr_find(const struct sip_msg *m, enum sip_hdr_id id)
{
	for (const struct sip_hdr *h = m->priv->first; h; h = h->next)
		if (h->id == id)
			return h;
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_find_name(const struct sip_msg *m, const char *name)
{
	enum sip_hdr_id id = sip_hdr_id(name, strlen(name));

	for (const struct sip_hdr *h = m->priv->first; h; h = h->next)
		if (same_name(h, id, name))
			return h;
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_find_next(const struct sip_hdr *h)
{
	for (const struct sip_hdr *n = h->next; n; n = n->next)
		if (same_name(n, h->id, h->name))
			return n;
	return NULL;
}

const char *sip_msg_hdr_value(const struct sip_msg *m, const char *name)
{
	const struct sip_hdr *h = sip_msg_hdr_find_name(m, name);

	return h ? h->value : NULL;
}

void sip_value_iter_init(struct sip_value_iter *it, const struct sip_msg *m, const char *name)
{
	memset(it, 0, sizeof(*it));
	it->hdr = sip_msg_hdr_find_name(m, name);
	if (it->hdr) {
		it->split = sip_hdr_is_list(it->hdr->id);
		it->list.pos = it->hdr->value;
	}
}

bool sip_value_next(struct sip_value_iter *it, struct sip_str *value)
{
	while (it->hdr) {
		if (it->split) {
			if (sip_list_next(&it->list, value))
				return true;
		} else if (it->list.pos) {
			value->s = it->hdr->value;
			value->len = it->hdr->value_len;
			it->list.pos = NULL;
			return true;
		}
		it->hdr = sip_msg_hdr_find_next(it->hdr);
		if (it->hdr)
			it->list = (struct sip_list_iter){ .pos = it->hdr->value };
	}
	return false;
}

/* ---- framing (§18.3): where the message ends, before any copy ---- */

struct frame {
	size_t start;		/* after leading CRLFs */
	size_t hdr_end;		/* end of the header section, at the blank line */
	size_t body_off;	/* first body byte */
	unsigned lines;		/* header lines, a bound on the header count */
	int64_t clen;		/* -1 absent */
	bool clen_bad;
};

/* Offset just after the blank line ending the headers, or 0.  Lines end
 * in CRLF; a bare LF is tolerated the way most stacks do. */
static size_t find_blank_line(const char *d, size_t from, size_t len, size_t *hdr_end, unsigned *lines)
{
	for (size_t i = from; i < len; i++) {
		if (d[i] != '\n')
			continue;
		if (i + 1 < len && d[i + 1] != ' ' && d[i + 1] != '\t')
			(*lines)++;
		if (i + 1 < len && d[i + 1] == '\n') {
			*hdr_end = i + 1;
			return i + 2;
		}
		if (i + 2 < len && d[i + 1] == '\r' && d[i + 2] == '\n') {
			*hdr_end = i + 1;
			return i + 3;
		}
	}
	return 0;
}

/* Content-Length of the raw header section, by a quick scan of header
 * names: conflicting or malformed values make framing untrustworthy
 * (torture mcl01, ncl). */
static void scan_content_length(const char *d, struct frame *f)
{
	size_t i = f->start;

	f->clen = -1;
	while (i < f->hdr_end) {
		size_t eol = i, nlen;
		const char *v;
		int64_t n = 0;
		size_t digits = 0;

		while (eol < f->hdr_end && d[eol] != '\n')
			eol++;
		nlen = 0;
		while (i + nlen < eol && d[i + nlen] != ':' && d[i + nlen] != ' ' && d[i + nlen] != '\t')
			nlen++;
		if (i != f->start && sip_hdr_id(d + i, nlen) == SIP_HDR_CONTENT_LENGTH) {
			v = memchr(d + i, ':', eol - i);
			if (!v) {
				f->clen_bad = true;
				return;
			}
			for (v++; v < d + eol && (*v == ' ' || *v == '\t'); v++)
				;
			for (; v < d + eol && isdigit((unsigned char)*v); v++, digits++) {
				if (n > (INT64_MAX - 9) / 10) {
					f->clen_bad = true;
					return;
				}
				n = n * 10 + (*v - '0');
			}
			while (v < d + eol && (*v == ' ' || *v == '\t' || *v == '\r'))
				v++;
			if (digits == 0 || v != d + eol || (f->clen >= 0 && f->clen != n)) {
				f->clen_bad = true;
				return;
			}
			f->clen = n;
		}
		i = eol + 1;
	}
}

static enum sip_parse_result fail(struct sip_parse_info *info, enum sip_parse_result r, int status,
				  const char *reason, bool close)
{
	info->status = status;
	info->reason = reason;
	info->close = close;
	return r;
}

static enum sip_parse_result frame_message(const char *d, size_t len, enum sip_framing framing,
					   struct frame *f, struct sip_parse_info *info)
{
	bool stream = framing == SIP_FRAME_STREAM;
	size_t avail;

	f->body_off = find_blank_line(d, f->start, len, &f->hdr_end, &f->lines);
	if (!f->body_off) {
		if (len - f->start > SIP_MAX_MESSAGE)
			return fail(info, SIP_PARSE_TOO_LARGE, 513, "Message Too Large", true);
		if (stream)
			return SIP_PARSE_INCOMPLETE;
		/* a datagram without the blank line: its end ends the headers */
		f->hdr_end = f->body_off = len;
		if (d[len - 1] != '\n')
			f->lines++;
	}
	if (f->lines > SIP_MAX_HEADERS + 1)
		return fail(info, SIP_PARSE_TOO_LARGE, 513, "Message Too Large (too many headers)", stream);
	if (f->body_off - f->start > SIP_MAX_MESSAGE)
		return fail(info, SIP_PARSE_TOO_LARGE, 513, "Message Too Large", true);
	scan_content_length(d, f);
	if (f->clen_bad)
		return fail(info, SIP_PARSE_BAD, 400, "Bad Request (bad Content-Length)", stream);
	avail = len - f->body_off;
	if (f->clen < 0) {
		/* §18.3: required on streams; a datagram's body runs to its end
		 * (RFC 2543 senders, torture inv2543) */
		if (stream)
			return fail(info, SIP_PARSE_BAD, 400, "Bad Request (missing Content-Length)", true);
		f->clen = (int64_t)avail;
	}
	if (f->clen > SIP_MAX_MESSAGE)
		return fail(info, SIP_PARSE_BODY_TOO_LARGE, 413, "Request Entity Too Large", stream);
	if ((uint64_t)f->clen > avail) {
		if (stream)
			return SIP_PARSE_INCOMPLETE;
		/* §18.3: a datagram shorter than its Content-Length is discarded
		 * or answered 400 (torture clerr) */
		return fail(info, SIP_PARSE_BAD, 400, "Bad Request (body shorter than Content-Length)", false);
	}
	/* bytes after the body in a datagram are ignored (torture dblreq) */
	info->consumed = f->body_off + (size_t)f->clen;
	return SIP_PARSE_OK;
}

/* ---- start line ---- */

static bool is_token(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!sip_char_token(c))
			return false;
	}
	return true;
}

/* "SIP/2.0" -> 0, another "SIP/x.y" -> 505, anything else -> 400 */
static int check_version(const char *s, size_t len)
{
	if (len == 7 && strncasecmp(s, "SIP/2.0", 7) == 0)
		return 0;
	if (len > 4 && strncasecmp(s, "SIP/", 4) == 0 && strspn(s + 4, "0123456789.") == len - 4 &&
	    memchr(s + 4, '.', len - 4))
		return 505;
	return 400;
}

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF: exactly one
 * SP each (torture lwsstart, trws and lwsruri get 400). */
static const char *parse_request_line(struct sip_msg *m, char *line, size_t len, int *status)
{
	char *sp1 = memchr(line, ' ', len), *sp2;
	size_t ulen;
	int v;

	*status = 400;
	if (!sp1 || !is_token(line, (size_t)(sp1 - line)))
		return "Bad Request (malformed request line)";
	*sp1 = '\0';
	m->method = line;
	m->method_id = sip_method_id(line, (size_t)(sp1 - line));
	sp2 = memchr(sp1 + 1, ' ', (size_t)(line + len - sp1 - 1));
	if (!sp2)
		return "Bad Request (malformed request line)";
	v = check_version(sp2 + 1, (size_t)(line + len - sp2 - 1));
	if (v) {
		*status = v;
		return v == 505 ? "Version Not Supported" : "Bad Request (malformed request line)";
	}
	ulen = (size_t)(sp2 - sp1 - 1);
	if (sip_uri_parse_into(&m->ruri, sp1 + 1, ulen, sip_msg_mem(m, SIP_URI_BUF(ulen))))
		return "Bad Request (malformed Request-URI)";
	/* §19.1.1: headers are not allowed in a Request-URI (torture escruri) */
	if (m->ruri.headers[0])
		return "Bad Request (headers in Request-URI)";
	*status = 0;
	return NULL;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF */
static const char *parse_status_line(struct sip_msg *m, char *line, size_t len)
{
	char *sp = memchr(line, ' ', len);

	if (!sp || check_version(line, (size_t)(sp - line)) != 0)
		return "bad status line";
	if (line + len - sp < 4 || !isdigit((unsigned char)sp[1]) || !isdigit((unsigned char)sp[2]) ||
	    !isdigit((unsigned char)sp[3]) || (sp + 4 < line + len && sp[4] != ' '))
		return "bad status code";	/* torture bigcode */
	m->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	if (m->status < 100)
		return "bad status code";
	m->reason = sp + 4 < line + len ? sp + 5 : "";
	return NULL;
}

/* ---- headers ---- */

/* Join a header's folded lines in place (§7.3.1: a line starting with
 * white space continues the previous one; the fold counts as one SP) and
 * trim the value.  `p` is the value start, `end` the end of the header's
 * last line; returns the value's length. */
static size_t unfold(char *p, char *end)
{
	char *start = p, *o = p;

	/* a value may start on a continuation line ("Contact:\r\n  <sip:..>") */
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	while (p < end) {
		if (*p == '\r' || *p == '\n') {
			while (p < end && (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t'))
				p++;
			if (p < end)
				*o++ = ' ';
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	return (size_t)(o - start);
}

static const char *add_raw_header(struct sip_msg *m, char *line, char *end)
{
	char *name = line, *p = line, *colon, *vend;
	size_t nlen, vlen;
	enum sip_hdr_id id;

	while (p < end && *p != ':' && *p != ' ' && *p != '\t')
		p++;
	nlen = (size_t)(p - name);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	colon = p;
	if (p == end || *colon != ':' || !is_token(name, nlen))
		return "Bad Request (malformed header line)";	/* torture "test" */
	id = sip_hdr_id(name, nlen);
	name[nlen] = '\0';
	vend = end;
	while (vend > colon + 1 && (vend[-1] == ' ' || vend[-1] == '\t' || vend[-1] == '\r' || vend[-1] == '\n'))
		vend--;
	vlen = unfold(colon + 1, vend);
	if (m->priv->count >= SIP_MAX_HEADERS)
		return "Message Too Large (too many headers)";
	sip_msg_link(m, m->priv->last, id, id ? sip_hdr_name(id) : name, colon + 1, vlen);
	return NULL;
}

/* Split the copied header section (NUL-terminated at `end`) into lines. */
static const char *parse_headers(struct sip_msg *m, char *p, char *end)
{
	while (p < end) {
		char *line = p, *next = p;
		const char *err;

		/* a header runs until a line not starting with white space */
		for (;;) {
			char *nl = memchr(next, '\n', (size_t)(end - next));

			next = nl ? nl + 1 : end;
			if (next >= end || (*next != ' ' && *next != '\t'))
				break;
		}
		err = add_raw_header(m, line, next);
		if (err)
			return err;
		p = next;
	}
	return NULL;
}

static const char *parse_start_line(struct sip_msg *m, char *line, size_t len, int *status)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	line[len] = '\0';
	m->is_request = !(len >= 4 && strncasecmp(line, "SIP/", 4) == 0);
	/* no control characters in a start line (a NUL or CR would cut or
	 * smuggle text when it is printed again) */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*status = m->is_request ? 400 : 0;
			return m->is_request ? "Bad Request (malformed request line)" : "bad status line";
		}
	}
	if (m->is_request)
		return parse_request_line(m, line, len, status);
	*status = 0;
	return parse_status_line(m, line, len);
}

static const enum sip_hdr_id mandatory[] = {
	SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID, SIP_HDR_CSEQ,
};
static const char *const missing_reason[] = {
	"Bad Request (missing Via)", "Bad Request (missing From)", "Bad Request (missing To)",
	"Bad Request (missing Call-ID)", "Bad Request (missing CSeq)",
};

/* Derive the essentials; the first problem found is the answer. */
static const char *check_essentials(struct sip_msg *m)
{
	static const enum sip_hdr_id ess[] = {
		SIP_HDR_VIA, SIP_HDR_CALL_ID, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CSEQ,
		SIP_HDR_MAX_FORWARDS, SIP_HDR_CONTACT, SIP_HDR_EXPIRES, SIP_HDR_CONTENT_LENGTH,
		SIP_HDR_CONTENT_TYPE,
	};
	const char *first = NULL;

	for (size_t i = 0; i < LY_ARRAY_LEN(ess); i++) {
		const char *err = sip_msg_refresh(m, ess[i]);

		if (err && !first)
			first = err;
	}
	if (first)
		return first;
	/* §8.1.1: the headers every request and response carries (insuf) */
	for (size_t i = 0; i < LY_ARRAY_LEN(mandatory); i++)
		if (!sip_msg_hdr_find(m, mandatory[i]))
			return missing_reason[i];
	return NULL;
}

enum sip_parse_result sip_msg_parse(const char *data, size_t len, enum sip_framing framing,
				    struct sip_msg **out, struct sip_parse_info *info)
{
	struct frame f = { 0 };
	enum sip_parse_result r;
	struct sip_msg *m;
	char *copy, *eol;
	size_t total, body_len;
	const char *err, *framing_err = NULL;
	enum sip_parse_result framing_r = SIP_PARSE_OK;
	int status = 0, framing_status = 0;
	bool framing_close = false;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	/* §7.5: CRLFs before the start line are ignored (also keep-alives) */
	while (f.start < len && (data[f.start] == '\r' || data[f.start] == '\n'))
		f.start++;
	if (f.start == len) {
		info->consumed = len;
		info->keepalive = len > 0;
		return SIP_PARSE_INCOMPLETE;
	}
	r = frame_message(data, len, framing, &f, info);
	if (r != SIP_PARSE_OK && r != SIP_PARSE_INCOMPLETE && f.body_off &&
	    f.body_off - f.start <= SIP_MAX_MESSAGE) {
		/* framing failed (bad or missing Content-Length, too many
		 * headers) but the headers are all there: read them so the
		 * 400/413/513 can be answered (torture clerr, ncl, mcl01).  A
		 * stream keeps no body: it is closed after the answer. */
		framing_r = r;
		framing_status = info->status;
		framing_err = info->reason;
		framing_close = info->close;
		info->consumed = framing == SIP_FRAME_DATAGRAM ? len : f.body_off;
		r = SIP_PARSE_OK;
	} else if (r != SIP_PARSE_OK) {
		return r;
	}
	total = info->consumed - f.start;
	body_len = info->consumed - f.body_off;
	/* One allocation for the whole message: the copy, a header record per
	 * line, and the essentials' parse buffers (SIP_NAMEADDR_BUF: at most
	 * three times what they parse), so nothing spills into a second chunk. */
	m = sip_msg_alloc(total + 1 + 3 * (f.hdr_end - f.start) + 64 * ((size_t)f.lines + 1) + 512);
	copy = sip_msg_mem(m, total + 1);
	memcpy(copy, data + f.start, total);
	copy[total] = '\0';
	m->body = copy + (f.body_off - f.start);
	m->body_len = body_len;
	copy[f.hdr_end - f.start] = '\0';	/* ends the header section */
	eol = memchr(copy, '\n', f.hdr_end - f.start);
	err = parse_start_line(m, copy, eol ? (size_t)(eol - copy) : f.hdr_end - f.start, &status);
	if (eol && !err)
		err = parse_headers(m, eol + 1, copy + (f.hdr_end - f.start));
	else if (eol && m->is_request)
		parse_headers(m, eol + 1, copy + (f.hdr_end - f.start));	/* for the Via of a 400 */
	if (err && strncmp(err, "Message Too Large", 17) == 0)
		r = fail(info, SIP_PARSE_TOO_LARGE, 513, err, framing == SIP_FRAME_STREAM);
	else if (status == 505)
		r = fail(info, SIP_PARSE_BAD_VERSION, 505, err, false);
	if (r == SIP_PARSE_OK) {
		const char *ess = check_essentials(m);

		if (framing_err)
			r = fail(info, framing_r, framing_status, framing_err, framing_close);
		else if (err || ess)
			r = fail(info, SIP_PARSE_BAD, 400, err ? err : ess, false);
	} else {
		sip_msg_refresh(m, SIP_HDR_VIA);
	}
	/* a request's partial message goes back for the error response,
	 * which needs a Via to copy */
	m->priv->essentials_derived = r == SIP_PARSE_OK;
	if (r == SIP_PARSE_OK || (m->is_request && sip_msg_hdr_find(m, SIP_HDR_VIA))) {
		*out = m;
		return r;
	}
	sip_msg_unref(m);
	return r;
}
