/* modules/chan_sip/sip_msg_ess.c - derive a message's essentials (Via, Call-ID, CSeq, From, To, Contact ...) from its headers. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_msg_int.h"

/* Several values (or header lines) where the grammar allows one. */
static bool more_than_one(const struct sip_msg *m, enum sip_hdr_id id)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, id);

	return h && sip_msg_hdr_find_next(h) != NULL;
}

/*
 * 1*DIGIT into *out when it is at most max.  ERANGE for a longer or larger
 * number (never overflows: torture scalar02/scalarlg), EINVAL otherwise.
 */
static int parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return ERANGE;
	*out = v;
	return 0;
}

static const char *refresh_via(struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_VIA);
	struct sip_list_iter it = { 0 };
	struct sip_str e;
	bool top = true;

	m->has_via = false;
	memset(&m->via, 0, sizeof(m->via));
	/* Every Via element must parse (torture badinv01); only the top one
	 * is kept. */
	for (; h; h = sip_msg_hdr_find_next(h)) {
		it = (struct sip_list_iter){ .pos = h->value };
		while (sip_list_next(&it, &e)) {
			struct sip_via v;
			char small[512];	/* a lower Via is only checked, not kept */
			char *buf = top ? sip_msg_mem(m, SIP_VIA_BUF(e.len))
				  : SIP_VIA_BUF(e.len) <= sizeof(small) ? small : ly_malloc(SIP_VIA_BUF(e.len));
			int err = sip_via_parse(&v, e.s, e.len, buf);

			if (buf != small && !top)
				free(buf);
			if (err)
				return "Bad Request (malformed Via)";
			if (top) {
				m->via = v;
				m->has_via = true;
				top = false;
			}
		}
		if (it.bad)
			return "Bad Request (empty Via element)";
	}
	/* A branch that is only the magic cookie carries no transaction id
	 * (torture badbranch); answer 400 rather than guess (RFC 4475 §3.2.1). */
	if (m->has_via && m->via.branch && strcmp(m->via.branch, SIP_BRANCH_COOKIE) == 0)
		return "Bad Request (empty branch)";
	return NULL;
}

static const char *refresh_call_id(struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_CALL_ID);

	m->call_id = NULL;
	if (!h)
		return NULL;
	if (more_than_one(m, SIP_HDR_CALL_ID))
		return "Bad Request (repeated Call-ID)";
	if (h->value_len == 0 || strpbrk(h->value, " \t"))
		return "Bad Request (malformed Call-ID)";
	m->call_id = h->value;
	return NULL;
}

/* CSeq = 1*DIGIT LWS Method, the number below 2^32 (§20.16). */
static const char *refresh_cseq(struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_CSEQ);
	const char *v, *sp;
	uint64_t n;
	size_t mlen;

	m->cseq = 0;
	m->cseq_method = NULL;
	m->cseq_method_id = SIP_METHOD_OTHER;
	if (!h)
		return NULL;
	if (more_than_one(m, SIP_HDR_CSEQ))
		return "Bad Request (repeated CSeq)";
	v = h->value;
	sp = v + strcspn(v, " \t");
	if (parse_uint(v, (size_t)(sp - v), UINT32_MAX, &n))
		return "Bad Request (bad CSeq number)";
	sp += strspn(sp, " \t");
	mlen = strcspn(sp, " \t");
	if (mlen == 0 || sp[mlen] != '\0')
		return "Bad Request (bad CSeq method)";
	m->cseq = (uint32_t)n;
	m->cseq_method = sp;
	m->cseq_method_id = sip_method_id(sp, mlen);
	/* §8.1.1.5: the CSeq method matches the request's (torture mismatch01) */
	if (m->is_request && m->method && strcmp(m->method, sp) != 0)
		return "Bad Request (CSeq method does not match)";
	return NULL;
}

static const char *refresh_party(struct sip_msg *m, enum sip_hdr_id id)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, id);
	struct sip_nameaddr *na = id == SIP_HDR_FROM ? &m->from : &m->to;
	bool *has = id == SIP_HDR_FROM ? &m->has_from : &m->has_to;

	*has = false;
	memset(na, 0, sizeof(*na));
	if (!h)
		return NULL;
	if (more_than_one(m, id))
		return id == SIP_HDR_FROM ? "Bad Request (repeated From)" : "Bad Request (repeated To)";
	if (sip_nameaddr_parse(na, h->value, h->value_len, sip_msg_mem(m, SIP_NAMEADDR_BUF(h->value_len)))) {
		memset(na, 0, sizeof(*na));
		return id == SIP_HDR_FROM ? "Bad Request (malformed From)" : "Bad Request (malformed To)";
	}
	*has = true;
	return NULL;
}

static const char *refresh_max_forwards(struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_MAX_FORWARDS);
	uint64_t n;
	int err;

	m->max_forwards = -1;
	if (!h)
		return NULL;
	if (more_than_one(m, SIP_HDR_MAX_FORWARDS))
		return "Bad Request (repeated Max-Forwards)";
	err = parse_uint(h->value, h->value_len, 255, &n);
	/* RFC 4475 §3.1.2.4: a Max-Forwards above 255 alone may be treated as
	 * absent. */
	if (err == ERANGE)
		return NULL;
	if (err)
		return "Bad Request (bad Max-Forwards)";
	m->max_forwards = (int)n;
	return NULL;
}

/* Expires values (header and contact parameter): delta-seconds below
 * 2^32; a larger one is treated as absent so the default applies
 * (RFC 4475 §3.1.2.4). */
static int parse_expires(const char *s, size_t len, int64_t *out)
{
	uint64_t n;
	int err = parse_uint(s, len, UINT32_MAX, &n);

	*out = -1;
	if (err == ERANGE)
		return 0;
	if (err)
		return err;
	*out = (int64_t)n;
	return 0;
}

static const char *refresh_expires(struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_EXPIRES);

	m->expires = -1;
	if (!h)
		return NULL;
	/* §20.19: Expires is delta-seconds; a date (RFC 2543) is ignored. */
	if (parse_expires(h->value, h->value_len, &m->expires))
		m->expires = -1;
	return NULL;
}

static const char *add_contact(struct sip_msg *m, const struct sip_str *e, struct sip_contact ***tail)
{
	struct sip_contact *c = sip_msg_mem(m, sizeof(*c));
	struct sip_str v;

	memset(c, 0, sizeof(*c));
	if (sip_nameaddr_parse(&c->addr, e->s, e->len, sip_msg_mem(m, SIP_NAMEADDR_BUF(e->len))))
		return "Bad Request (malformed Contact)";
	c->expires = -1;
	if (sip_param_find(c->addr.params, "expires", &v) && parse_expires(v.s, v.len, &c->expires))
		return "Bad Request (bad Contact expires)";
	if (sip_param_find(c->addr.params, "q", &v))
		c->q = sip_msg_strdup(m, v.s, v.len);
	**tail = c;
	*tail = &c->next;
	return NULL;
}

static const char *refresh_contact(struct sip_msg *m)
{
	struct sip_contact **tail = &m->contacts;
	unsigned n = 0;

	m->contacts = NULL;
	m->contact_star = false;
	for (const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_CONTACT); h; h = sip_msg_hdr_find_next(h)) {
		struct sip_list_iter it = { .pos = h->value };
		struct sip_str e;

		while (sip_list_next(&it, &e)) {
			const char *err;

			n++;
			if (e.len == 1 && e.s[0] == '*') {
				m->contact_star = true;
				continue;
			}
			err = add_contact(m, &e, &tail);
			if (err) {
				m->contacts = NULL;
				return err;
			}
		}
		if (it.bad) {
			m->contacts = NULL;
			return "Bad Request (empty Contact element)";
		}
	}
	/* §10.2.2: "*" is only valid alone */
	if (m->contact_star && n > 1) {
		m->contacts = NULL;
		m->contact_star = false;
		return "Bad Request (Contact * with other contacts)";
	}
	return NULL;
}

static const char *refresh_content_length(struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr_find(m, SIP_HDR_CONTENT_LENGTH);
	uint64_t n;

	m->content_length = -1;
	if (!h)
		return NULL;
	if (more_than_one(m, SIP_HDR_CONTENT_LENGTH))
		return "Bad Request (repeated Content-Length)";
	if (parse_uint(h->value, h->value_len, INT64_MAX, &n))
		return "Bad Request (bad Content-Length)";
	m->content_length = (int64_t)n;
	return NULL;
}

bool sip_msg_is_essential(enum sip_hdr_id id)
{
	switch (id) {
	case SIP_HDR_VIA: case SIP_HDR_CALL_ID: case SIP_HDR_CSEQ: case SIP_HDR_FROM:
	case SIP_HDR_TO: case SIP_HDR_MAX_FORWARDS: case SIP_HDR_EXPIRES:
	case SIP_HDR_CONTACT: case SIP_HDR_CONTENT_LENGTH: case SIP_HDR_CONTENT_TYPE:
		return true;
	default:
		return false;
	}
}

const char *sip_msg_refresh(struct sip_msg *m, enum sip_hdr_id id)
{
	const struct sip_hdr *h;

	switch (id) {
	case SIP_HDR_VIA: return refresh_via(m);
	case SIP_HDR_CALL_ID: return refresh_call_id(m);
	case SIP_HDR_CSEQ: return refresh_cseq(m);
	case SIP_HDR_FROM: case SIP_HDR_TO: return refresh_party(m, id);
	case SIP_HDR_MAX_FORWARDS: return refresh_max_forwards(m);
	case SIP_HDR_EXPIRES: return refresh_expires(m);
	case SIP_HDR_CONTACT: return refresh_contact(m);
	case SIP_HDR_CONTENT_LENGTH: return refresh_content_length(m);
	case SIP_HDR_CONTENT_TYPE:
		h = sip_msg_hdr_find(m, id);
		m->content_type = h ? h->value : NULL;
		return NULL;
	default:
		return NULL;
	}
}
