/* modules/chan_sip/sdp.c - SDP (RFC 4566) text into a struct sdp_session, and back. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/utils.h>

#include "sdp.h"

/* Longest o= sess-id or sess-version kept; RFC 4566 only says "numeric". */
#define SDP_MAX_NUMBER 32

struct parser {
	struct sdp_session *s;
	struct sdp_media *m;	/* the media description being read, NULL before m= */
	struct sdp_error *err;
	unsigned lineno;
	bool seen_v, seen_o, seen_s;
};

/* ---- building blocks ------------------------------------------------- */

static void *grow(void *array, size_t n, size_t size)
{
	return ly_realloc(array, (n + 1) * size);
}

const char *sdp_dir_name(enum sdp_dir dir)
{
	switch (dir) {
	case SDP_INACTIVE: return "inactive";
	case SDP_SENDONLY: return "sendonly";
	case SDP_RECVONLY: return "recvonly";
	case SDP_SENDRECV: return "sendrecv";
	case SDP_DIR_UNSET: break;
	}
	return NULL;
}

static enum sdp_dir dir_from_name(const char *name)
{
	static const enum sdp_dir dirs[] = { SDP_INACTIVE, SDP_SENDONLY, SDP_RECVONLY, SDP_SENDRECV };

	for (size_t i = 0; i < LY_ARRAY_LEN(dirs); i++)
		if (strcmp(name, sdp_dir_name(dirs[i])) == 0)
			return dirs[i];
	return SDP_DIR_UNSET;
}

void sdp_attr_add(struct sdp_attr **attrs, size_t *n, const char *name, const char *value)
{
	*attrs = grow(*attrs, *n, sizeof(**attrs));
	(*attrs)[*n].name = ly_strdup(name);
	(*attrs)[*n].value = value ? ly_strdup(value) : NULL;
	(*n)++;
}

void sdp_line_add(struct sdp_line **lines, size_t *n, char type, const char *value)
{
	*lines = grow(*lines, *n, sizeof(**lines));
	(*lines)[*n].type = type;
	(*lines)[*n].value = ly_strdup(value);
	(*n)++;
}

void sdp_conn_set(struct sdp_conn *c, const char *addr)
{
	free(c->addr);
	c->addr = ly_strdup(addr);
	c->ipv6 = strchr(addr, ':') != NULL;
}

struct sdp_session *sdp_session_new(void)
{
	struct sdp_session *s = ly_calloc(1, sizeof(*s));

	s->dir = SDP_DIR_UNSET;
	return s;
}

struct sdp_media *sdp_media_add(struct sdp_session *s, const char *type, unsigned port,
				const char *proto)
{
	struct sdp_media *m;

	s->media = grow(s->media, s->nmedia, sizeof(*s->media));
	m = &s->media[s->nmedia++];
	memset(m, 0, sizeof(*m));
	m->type = ly_strdup(type);
	m->port = port;
	m->proto = ly_strdup(proto);
	m->dir = SDP_DIR_UNSET;
	return m;
}

struct sdp_format *sdp_format_add(struct sdp_media *m, const char *id)
{
	struct sdp_format *f;
	long pt;

	m->fmts = grow(m->fmts, m->nfmts, sizeof(*m->fmts));
	f = &m->fmts[m->nfmts++];
	memset(f, 0, sizeof(*f));
	f->id = ly_strdup(id);
	f->pt = ly_parse_int(id, 0, 127, &pt) == 0 ? (int)pt : -1;
	return f;
}

static void attrs_free(struct sdp_attr *attrs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(attrs[i].name);
		free(attrs[i].value);
	}
	free(attrs);
}

static void lines_free(struct sdp_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].value);
	free(lines);
}

static void media_free(struct sdp_media *m)
{
	for (size_t i = 0; i < m->nfmts; i++) {
		free(m->fmts[i].id);
		free(m->fmts[i].encoding);
		free(m->fmts[i].fmtp);
	}
	free(m->fmts);
	free(m->type);
	free(m->proto);
	free(m->conn.addr);
	attrs_free(m->attrs, m->nattrs);
	lines_free(m->lines, m->nlines);
}

void sdp_free(struct sdp_session *s)
{
	if (!s)
		return;
	free(s->origin.username);
	free(s->origin.sess_id);
	free(s->origin.sess_version);
	free(s->origin.addr.addr);
	free(s->name);
	free(s->conn.addr);
	attrs_free(s->attrs, s->nattrs);
	lines_free(s->lines, s->nlines);
	for (size_t i = 0; i < s->nmedia; i++)
		media_free(&s->media[i]);
	free(s->media);
	free(s);
}

/* ---- lookups --------------------------------------------------------- */

const struct sdp_attr *sdp_attr_find(const struct sdp_attr *attrs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(attrs[i].name, name) == 0)
			return &attrs[i];
	return NULL;
}

const struct sdp_format *sdp_format_by_pt(const struct sdp_media *m, int pt)
{
	for (size_t i = 0; i < m->nfmts; i++)
		if (m->fmts[i].pt == pt)
			return &m->fmts[i];
	return NULL;
}

static struct sdp_format *format_by_id(struct sdp_media *m, const char *id)
{
	for (size_t i = 0; i < m->nfmts; i++)
		if (strcmp(m->fmts[i].id, id) == 0)
			return &m->fmts[i];
	return NULL;
}

const struct sdp_conn *sdp_media_conn(const struct sdp_session *s, const struct sdp_media *m)
{
	return m->conn.addr ? &m->conn : &s->conn;
}

enum sdp_dir sdp_media_dir(const struct sdp_session *s, const struct sdp_media *m)
{
	if (m->dir != SDP_DIR_UNSET)
		return m->dir;
	return s->dir != SDP_DIR_UNSET ? s->dir : SDP_SENDRECV;
}

bool sdp_conn_is_legacy_hold(const struct sdp_conn *c)
{
	return c->addr && !c->ipv6 && strcmp(c->addr, "0.0.0.0") == 0;
}

bool sdp_media_is_hold(const struct sdp_session *s, const struct sdp_media *m)
{
	enum sdp_dir dir = sdp_media_dir(s, m);

	return sdp_conn_is_legacy_hold(sdp_media_conn(s, m)) ||
	       dir == SDP_SENDONLY || dir == SDP_INACTIVE;
}

/* ---- parsing --------------------------------------------------------- */

static int fail(struct parser *ps, unsigned status, int rc, const char *fmt, ...) LY_PRINTF(4, 5);

static int fail(struct parser *ps, unsigned status, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!ps->err)
		return rc;
	ps->err->status = status;
	ps->err->line = ps->lineno;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* Split `s` in place into at most `max` fields separated by runs of
 * spaces; the last field takes the rest of the line.  Returns the count. */
static size_t split(char *s, char **fields, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		fields[n++] = s;
		if (n == max)
			break;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

static bool all_digits(const char *s, size_t maxlen)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= maxlen && s[n] == '\0';
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	long v;

	if (!all_digits(s, 10) || ly_parse_int(s, min, max, &v) != 0)
		return EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* "IN IP4 192.0.2.1" into c (RFC 4566 §5.7); shared by c= and o=. */
static int parse_address(struct parser *ps, char **f, struct sdp_conn *c, char what)
{
	bool ipv6;

	if (strcmp(f[0], "IN") != 0)
		return fail(ps, 488, EINVAL, "%c=: network type %s is not IN", what, f[0]);
	if (strcmp(f[1], "IP4") == 0)
		ipv6 = false;
	else if (strcmp(f[1], "IP6") == 0)
		ipv6 = true;
	else
		return fail(ps, 488, EINVAL, "%c=: address type %s is not IP4 or IP6", what, f[1]);
	free(c->addr);
	c->addr = ly_strdup(f[2]);
	c->ipv6 = ipv6;
	return 0;
}

static int parse_version(struct parser *ps, char *v)
{
	if (ps->lineno != 1 || ps->seen_v)
		return fail(ps, 400, EINVAL, "v= must be the first line, once");
	if (strcmp(v, "0") != 0)
		return fail(ps, 400, EINVAL, "unsupported SDP version %s", v);
	ps->seen_v = true;
	return 0;
}

static int parse_origin(struct parser *ps, char *v)
{
	struct sdp_origin *o = &ps->s->origin;
	char *f[7];

	if (ps->seen_o)
		return fail(ps, 400, EINVAL, "more than one o= line");
	if (split(v, f, 7) != 6)
		return fail(ps, 400, EINVAL, "o= needs six fields");
	if (!all_digits(f[1], SDP_MAX_NUMBER) || !all_digits(f[2], SDP_MAX_NUMBER))
		return fail(ps, 400, EINVAL, "o= session id and version must be numbers");
	ps->seen_o = true;
	o->username = ly_strdup(f[0]);
	o->sess_id = ly_strdup(f[1]);
	o->sess_version = ly_strdup(f[2]);
	return parse_address(ps, f + 3, &o->addr, 'o');
}

static int parse_name(struct parser *ps, const char *v)
{
	if (ps->seen_s)
		return fail(ps, 400, EINVAL, "more than one s= line");
	ps->seen_s = true;
	free(ps->s->name);
	ps->s->name = ly_strdup(v);
	return 0;
}

static int parse_connection(struct parser *ps, char *v)
{
	struct sdp_conn *c = ps->m ? &ps->m->conn : &ps->s->conn;
	char *f[4];

	/* Several c= lines only ever describe multicast layers (§5.7), which a
	 * unicast PBX does not take part in. */
	if (c->addr)
		return fail(ps, 400, EINVAL, "more than one c= line");
	if (split(v, f, 4) != 3)
		return fail(ps, 400, EINVAL, "c= needs three fields");
	return parse_address(ps, f, c, 'c');
}

/* "m=<media> <port>[/<number of ports>] <proto> <fmt> ..." (§5.14) */
static int parse_media(struct parser *ps, char *v)
{
	char *f[SDP_MAX_FORMATS + 4], *slash;
	unsigned port, nports = 0;
	size_t n;
	bool rtp;

	if (ps->s->nmedia >= SDP_MAX_MEDIA)
		return fail(ps, 488, E2BIG, "more than %d m= lines", SDP_MAX_MEDIA);
	n = split(v, f, LY_ARRAY_LEN(f));
	if (n < 4)
		return fail(ps, 400, EINVAL, "m= needs media, port, protocol and a format");
	if (n == LY_ARRAY_LEN(f))
		return fail(ps, 488, E2BIG, "more than %d formats on one m= line", SDP_MAX_FORMATS);
	slash = strchr(f[1], '/');
	if (slash) {
		*slash++ = '\0';
		if (parse_uint(slash, 1, 65535, &nports))
			return fail(ps, 400, EINVAL, "m=: bad number of ports");
	}
	if (parse_uint(f[1], 0, 65535, &port))
		return fail(ps, 400, EINVAL, "m=: bad port %s", f[1]);
	ps->m = sdp_media_add(ps->s, f[0], port, f[2]);
	ps->m->nports = nports;
	/* RTP profiles name payload types 0-127 (RFC 3550 §5.1, RFC 4566 §5.14) */
	rtp = ly_str_startswith(f[2], "RTP/");
	for (size_t i = 3; i < n; i++) {
		struct sdp_format *fmt;

		if (format_by_id(ps->m, f[i]))
			return fail(ps, 400, EINVAL, "m=: format %s listed twice", f[i]);
		fmt = sdp_format_add(ps->m, f[i]);
		if (!rtp)
			fmt->pt = -1;	/* "t38" or "*" are names, whatever they look like */
		else if (fmt->pt < 0 || !all_digits(f[i], 3))
			return fail(ps, 400, EINVAL, "m=: %s is not an RTP payload type", f[i]);
	}
	return 0;
}

/* "a=rtpmap:<payload type> <encoding name>/<clock rate>[/<parameters>]" (§6) */
static int parse_rtpmap(struct parser *ps, char *v)
{
	char *f[3], *rate, *chans;
	struct sdp_format *fmt;
	unsigned r, ch = 0;

	if (split(v, f, 3) != 2)
		return fail(ps, 400, EINVAL, "a=rtpmap needs a payload type and an encoding");
	fmt = format_by_id(ps->m, f[0]);
	if (!fmt || fmt->pt < 0) {
		/* an rtpmap for a format this m= line lacks: harmless, kept as is */
		char *orig = ly_asprintf("%s %s", f[0], f[1]);

		sdp_attr_add(&ps->m->attrs, &ps->m->nattrs, "rtpmap", orig);
		free(orig);
		return 0;
	}
	if (fmt->encoding)
		return fail(ps, 400, EINVAL, "a=rtpmap: payload type %s mapped twice", f[0]);
	rate = strchr(f[1], '/');
	if (!rate || rate == f[1])
		return fail(ps, 400, EINVAL, "a=rtpmap: %s has no clock rate", f[1]);
	*rate++ = '\0';
	chans = strchr(rate, '/');
	if (chans)
		*chans++ = '\0';
	if (parse_uint(rate, 1, 10000000, &r) || (chans && parse_uint(chans, 1, 255, &ch)))
		return fail(ps, 400, EINVAL, "a=rtpmap: bad clock rate or channels for %s", f[0]);
	fmt->encoding = ly_strdup(f[1]);
	fmt->rate = r;
	fmt->channels = ch;
	return 0;
}

/* "a=fmtp:<format> <format specific parameters>" (§6) */
static int parse_fmtp(struct parser *ps, char *v)
{
	char *params = v + strcspn(v, " \t");
	struct sdp_format *fmt;

	if (*params)
		*params++ = '\0';
	params += strspn(params, " \t");
	fmt = format_by_id(ps->m, v);
	if (!fmt) {
		char *orig = *params ? ly_asprintf("%s %s", v, params) : ly_strdup(v);

		sdp_attr_add(&ps->m->attrs, &ps->m->nattrs, "fmtp", orig);
		free(orig);
		return 0;
	}
	if (fmt->fmtp)
		return fail(ps, 400, EINVAL, "a=fmtp: format %s given twice", v);
	fmt->fmtp = ly_strdup(params);
	return 0;
}

/* ptime and maxptime are milliseconds; a few phones write "20.0". */
static int parse_ptime(struct parser *ps, const char *name, char *v, unsigned *out)
{
	char *dot = strchr(v, '.');

	if (dot && all_digits(dot + 1, 6))
		*dot = '\0';
	if (parse_uint(v, 1, 10000, out))
		return fail(ps, 400, EINVAL, "a=%s: bad value", name);
	return 0;
}

static int parse_media_attr(struct parser *ps, const char *name, char *value)
{
	struct sdp_media *m = ps->m;

	if (value && strcmp(name, "rtpmap") == 0)
		return parse_rtpmap(ps, value);
	if (value && strcmp(name, "fmtp") == 0)
		return parse_fmtp(ps, value);
	if (value && strcmp(name, "ptime") == 0)
		return parse_ptime(ps, name, value, &m->ptime);
	if (value && strcmp(name, "maxptime") == 0)
		return parse_ptime(ps, name, value, &m->maxptime);
	sdp_attr_add(&m->attrs, &m->nattrs, name, value);
	return 0;
}

/* "a=<attribute>" or "a=<attribute>:<value>" (§5.13) */
static int parse_attribute(struct parser *ps, char *v)
{
	char *colon = strchr(v, ':');
	enum sdp_dir dir;

	if (colon)
		*colon = '\0';
	if (!*v || strpbrk(v, " \t"))
		return fail(ps, 400, EINVAL, "a=: bad attribute name");
	dir = colon ? SDP_DIR_UNSET : dir_from_name(v);
	if (dir != SDP_DIR_UNSET) {
		/* a second direction attribute at one level: the last one wins */
		*(ps->m ? &ps->m->dir : &ps->s->dir) = dir;
		return 0;
	}
	if (ps->m)
		return parse_media_attr(ps, v, colon ? colon + 1 : NULL);
	sdp_attr_add(&ps->s->attrs, &ps->s->nattrs, v, colon ? colon + 1 : NULL);
	return 0;
}

static int parse_kept_line(struct parser *ps, char type, const char *v)
{
	/* §5: u= e= p= t= r= z= belong before the first m= */
	if (ps->m && strchr("ueptrz", type))
		return fail(ps, 400, EINVAL, "%c= is not allowed in a media description", type);
	if (ps->m)
		sdp_line_add(&ps->m->lines, &ps->m->nlines, type, v);
	else
		sdp_line_add(&ps->s->lines, &ps->s->nlines, type, v);
	return 0;
}

static int parse_line(struct parser *ps, char type, char *v)
{
	if (type != 'v' && !ps->seen_v)
		return fail(ps, 400, EINVAL, "the description does not start with v=");
	if (type != 'v' && type != 'o' && !ps->seen_o)
		return fail(ps, 400, EINVAL, "o= must follow v=");
	switch (type) {
	case 'v': return parse_version(ps, v);
	case 'o': return parse_origin(ps, v);
	case 's': return ps->m ? fail(ps, 400, EINVAL, "s= inside a media description")
			       : parse_name(ps, v);
	case 'c': return parse_connection(ps, v);
	case 'm': return parse_media(ps, v);
	case 'a': return parse_attribute(ps, v);
	case 'i': case 'u': case 'e': case 'p': case 'b':
	case 't': case 'r': case 'z': case 'k':
		return parse_kept_line(ps, type, v);
	default:
		/* §5: a parser must ignore a description with an unknown type */
		return fail(ps, 400, EINVAL, "unknown line type %c=", type);
	}
}

/* One line without its end, `len` bytes.  Control characters other than
 * tab would let a peer smuggle line breaks into what we print back. */
static int parse_raw_line(struct parser *ps, const char *line, size_t len)
{
	char *value;
	int rc;

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;	/* blank lines, mostly a trailing one: skipped */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return fail(ps, 400, EINVAL, "control character in line");
	if (len < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
		return fail(ps, 400, EINVAL, "line is not <type>=<value>");
	value = ly_strndup(line + 2, len - 2);
	rc = parse_line(ps, line[0], value);
	free(value);
	return rc;
}

/* §5.7: every stream that is in use needs an address, its own or the session's. */
static int check_complete(struct parser *ps)
{
	ps->lineno = 0;
	if (!ps->seen_o)
		return fail(ps, 400, EINVAL, "no o= line");
	for (size_t i = 0; i < ps->s->nmedia; i++) {
		const struct sdp_media *m = &ps->s->media[i];

		if (m->port != 0 && !sdp_media_conn(ps->s, m)->addr)
			return fail(ps, 400, EINVAL, "m= line %zu has no c= address", i + 1);
	}
	if (!ps->s->name)
		ps->s->name = ly_strdup("-");
	return 0;
}

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		int rc;

		if (++ps->lineno > SDP_MAX_LINES)
			return fail(ps, 488, E2BIG, "more than %d lines", SDP_MAX_LINES);
		/* RFC 4566 §5 asks for CRLF but parsers should accept a bare LF */
		if (n > 0 && p[n - 1] == '\r')
			n--;
		rc = parse_raw_line(ps, p, n);
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return check_complete(ps);
}

int sdp_parse(const char *text, size_t len, struct sdp_session **out, struct sdp_error *err)
{
	struct parser ps = { .err = err };
	int rc;

	*out = NULL;
	if (len > SDP_MAX_BYTES)
		return fail(&ps, 488, E2BIG, "description larger than %d bytes", SDP_MAX_BYTES);
	if (len == 0)
		return fail(&ps, 400, EINVAL, "empty description");
	ps.s = sdp_session_new();
	rc = parse_lines(&ps, text, len);
	if (rc) {
		sdp_free(ps.s);
		return rc;
	}
	*out = ps.s;
	return 0;
}

/* ---- printing -------------------------------------------------------- */

static void print_conn(struct ly_buf *out, const struct sdp_conn *c)
{
	ly_buf_cat(out, c->ipv6 ? "IN IP6 " : "IN IP4 ", c->addr ? c->addr : "0.0.0.0", NULL);
}

/* The kept lines of one type letter, in the order they came. */
static size_t print_lines(struct ly_buf *out, const struct sdp_line *lines, size_t n, char type)
{
	size_t printed = 0;

	for (size_t i = 0; i < n; i++) {
		if (lines[i].type == type) {
			char key[3] = { type, '=', '\0' };

			ly_buf_cat(out, key, lines[i].value, "\r\n", NULL);
			printed++;
		}
	}
	return printed;
}

static void print_attrs(struct ly_buf *out, const struct sdp_attr *attrs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (attrs[i].value)
			ly_buf_cat(out, "a=", attrs[i].name, ":", attrs[i].value, "\r\n", NULL);
		else
			ly_buf_cat(out, "a=", attrs[i].name, "\r\n", NULL);
	}
}

static void print_dir(struct ly_buf *out, enum sdp_dir dir)
{
	if (dir != SDP_DIR_UNSET)
		ly_buf_cat(out, "a=", sdp_dir_name(dir), "\r\n", NULL);
}

static void print_format(struct ly_buf *out, const struct sdp_format *f)
{
	if (f->encoding) {
		ly_buf_cat(out, "a=rtpmap:", f->id, " ", f->encoding, "/", NULL);
		ly_buf_append_uint(out, f->rate);
		if (f->channels) {
			ly_buf_puts(out, "/");
			ly_buf_append_uint(out, f->channels);
		}
		ly_buf_puts(out, "\r\n");
	}
	if (f->fmtp)
		ly_buf_cat(out, "a=fmtp:", f->id, " ", f->fmtp, "\r\n", NULL);
}

/* §5: m= i= c= b= k= a=, in that order */
static void print_media(struct ly_buf *out, const struct sdp_media *m)
{
	ly_buf_cat(out, "m=", m->type, " ", NULL);
	ly_buf_append_uint(out, m->port);
	if (m->nports) {
		ly_buf_puts(out, "/");
		ly_buf_append_uint(out, m->nports);
	}
	ly_buf_cat(out, " ", m->proto, NULL);
	for (size_t i = 0; i < m->nfmts; i++)
		ly_buf_cat(out, " ", m->fmts[i].id, NULL);
	ly_buf_puts(out, "\r\n");
	print_lines(out, m->lines, m->nlines, 'i');
	if (m->conn.addr) {
		ly_buf_puts(out, "c=");
		print_conn(out, &m->conn);
		ly_buf_puts(out, "\r\n");
	}
	print_lines(out, m->lines, m->nlines, 'b');
	print_lines(out, m->lines, m->nlines, 'k');
	for (size_t i = 0; i < m->nfmts; i++)
		print_format(out, &m->fmts[i]);
	print_attrs(out, m->attrs, m->nattrs);
	if (m->ptime) {
		ly_buf_puts(out, "a=ptime:");
		ly_buf_append_uint(out, m->ptime);
		ly_buf_puts(out, "\r\n");
	}
	if (m->maxptime) {
		ly_buf_puts(out, "a=maxptime:");
		ly_buf_append_uint(out, m->maxptime);
		ly_buf_puts(out, "\r\n");
	}
	print_dir(out, m->dir);
}

/* §5: v= o= s= i= u= e= p= c= b= t= r= z= k= a=, then the media */
void sdp_print(const struct sdp_session *s, struct ly_buf *out)
{
	const struct sdp_origin *o = &s->origin;

	ly_buf_cat(out, "v=0\r\no=", o->username ? o->username : "-", " ", o->sess_id ? o->sess_id : "0", " ",
		   o->sess_version ? o->sess_version : "0", " ", NULL);
	print_conn(out, &o->addr);
	ly_buf_cat(out, "\r\ns=", s->name && *s->name ? s->name : "-", "\r\n", NULL);
	for (const char *t = "iuep"; *t; t++)
		print_lines(out, s->lines, s->nlines, *t);
	if (s->conn.addr) {
		ly_buf_puts(out, "c=");
		print_conn(out, &s->conn);
		ly_buf_puts(out, "\r\n");
	}
	print_lines(out, s->lines, s->nlines, 'b');
	if (!print_lines(out, s->lines, s->nlines, 't'))
		ly_buf_puts(out, "t=0 0\r\n");	/* §5.9: a permanent session */
	for (const char *t = "rzk"; *t; t++)
		print_lines(out, s->lines, s->nlines, *t);
	print_attrs(out, s->attrs, s->nattrs);
	print_dir(out, s->dir);
	for (size_t i = 0; i < s->nmedia; i++)
		print_media(out, &s->media[i]);
}
