/* modules/chan_sip/sip_dns.c - RFC 3263 lookups for trunk hosts: SRV, A and AAAA answers, RFC 2782 order. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sip_dns.h"

/* ---- reading answers ---- */

typedef void (*rr_fn)(const ns_msg *h, const ns_rr *rr, void *arg);

/* Call fn for each answer record of `type`; EBADMSG when it does not parse. */
static int each_answer(const unsigned char *msg, size_t len, int type, rr_fn fn, void *arg)
{
	ns_msg h;
	ns_rr rr;

	if (len > 65535 || ns_initparse(msg, (int)len, &h) < 0)
		return EBADMSG;
	for (int i = 0; i < ns_msg_count(h, ns_s_an); i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			return EBADMSG;
		if ((int)ns_rr_type(rr) == type && ns_rr_class(rr) == ns_c_in)
			fn(&h, &rr, arg);
	}
	return 0;
}

struct srv_walk {
	struct sip_dns_srv *out;
	size_t max, n;
	bool bad;
};

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 2782: priority, weight, port, then the target's name (compressible in practice). */
static void take_srv(const ns_msg *h, const ns_rr *rr, void *arg)
{
	struct srv_walk *w = arg;
	const unsigned char *rd = ns_rr_rdata(*rr);
	struct sip_dns_srv *s;

	if (w->n >= w->max)
		return;
	if (ns_rr_rdlen(*rr) < 7) {
		w->bad = true;
		return;
	}
	s = &w->out[w->n];
	s->priority = get16(rd);
	s->weight = get16(rd + 2);
	s->port = get16(rd + 4);
	s->ttl = ns_rr_ttl(*rr);
	if (ns_name_uncompress(ns_msg_base(*h), ns_msg_end(*h), rd + 6, s->target, sizeof(s->target)) < 0) {
		w->bad = true;
		return;
	}
	w->n++;
}

int sip_dns_parse_srv(const unsigned char *msg, size_t len, struct sip_dns_srv *out, size_t max, size_t *n)
{
	struct srv_walk w = { out, max, 0, false };
	int rc = each_answer(msg, len, ns_t_srv, take_srv, &w);

	*n = w.n;
	return rc ? rc : w.bad ? EBADMSG : 0;
}

struct addr_walk {
	struct sip_dns_addr *out;
	size_t max, n;
	uint16_t port;
	bool bad;
};

static void take_addr(const ns_msg *h, const ns_rr *rr, void *arg)
{
	struct addr_walk *w = arg;
	struct sip_dns_addr *a;

	(void)h;
	if (w->n >= w->max)
		return;
	a = &w->out[w->n];
	memset(a, 0, sizeof(*a));
	a->ttl = ns_rr_ttl(*rr);
	if (ns_rr_type(*rr) == ns_t_a && ns_rr_rdlen(*rr) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(w->port);
		memcpy(&sin->sin_addr, ns_rr_rdata(*rr), 4);
		a->len = sizeof(*sin);
	} else if (ns_rr_type(*rr) == ns_t_aaaa && ns_rr_rdlen(*rr) == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(w->port);
		memcpy(&sin6->sin6_addr, ns_rr_rdata(*rr), 16);
		a->len = sizeof(*sin6);
	} else {
		w->bad = true;
		return;
	}
	w->n++;
}

int sip_dns_parse_addrs(const unsigned char *msg, size_t len, int type, uint16_t port,
			struct sip_dns_addr *out, size_t max, size_t *n)
{
	struct addr_walk w = { out, max, 0, port, false };
	int rc = each_answer(msg, len, type, take_addr, &w);

	*n = w.n;
	return rc ? rc : w.bad ? EBADMSG : 0;
}

/* ---- RFC 2782 order ---- */

/* Insertion sort by priority: stable, and n is at most SIP_DNS_MAX_SRV. */
static void sort_by_priority(struct sip_dns_srv *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct sip_dns_srv t = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1].priority > t.priority; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

/* Move the records of weight 0 to the front of v[0..n), keeping their order. */
static void zero_weights_first(struct sip_dns_srv *v, size_t n)
{
	size_t z = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i].weight == 0) {
			struct sip_dns_srv t = v[i];

			memmove(&v[z + 1], &v[z], (i - z) * sizeof(*v));
			v[z++] = t;
		}
	}
}

/* Order one priority group v[0..n) by weighted random picks. */
static void order_group(struct sip_dns_srv *v, size_t n, uint32_t (*rnd)(void *arg), void *arg)
{
	for (size_t done = 0; done + 1 < n; done++) {
		uint64_t sum = 0, pick, run = 0;
		size_t i;

		zero_weights_first(v + done, n - done);
		for (i = done; i < n; i++)
			sum += v[i].weight;
		pick = rnd(arg) % (sum + 1);	/* [0, sum] */
		for (i = done; i < n - 1; i++) {
			run += v[i].weight;
			if (run >= pick)
				break;
		}
		if (i != done) {
			struct sip_dns_srv t = v[i];

			memmove(&v[done + 1], &v[done], (i - done) * sizeof(*v));
			v[done] = t;
		}
	}
}

void sip_dns_srv_order(struct sip_dns_srv *v, size_t n, uint32_t (*rnd)(void *arg), void *arg)
{
	size_t start = 0;

	sort_by_priority(v, n);
	while (start < n) {
		size_t end = start + 1;

		while (end < n && v[end].priority == v[start].priority)
			end++;
		order_group(v + start, end - start, rnd, arg);
		start = end;
	}
}

const char *sip_dns_srv_prefix(enum sip_proto proto)
{
	switch (proto) {
	case SIP_PROTO_TCP: return "_sip._tcp.";
	case SIP_PROTO_TLS: return "_sips._tcp.";
	default: return "_sip._udp.";
	}
}

/* ---- blocking resolution ---- */

#define ANSWER_MAX 4096

struct query {
	res_state st;
	unsigned char buf[ANSWER_MAX];
	int len;
	int err;	/* 0, ENOENT or EAGAIN */
};

/* One query; q->len is the answer's length, or 0 with q->err set. */
static void query(struct query *q, const char *name, int type)
{
	q->len = res_nquery(q->st, name, ns_c_in, type, q->buf, sizeof(q->buf));
	if (q->len >= 0) {
		q->err = 0;
		return;
	}
	q->len = 0;
	/* NO_DATA: the name exists without records of that type */
	q->err = q->st->res_h_errno == HOST_NOT_FOUND || q->st->res_h_errno == NO_DATA ? ENOENT : EAGAIN;
}

static uint32_t min_ttl(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* A then AAAA of name, appended to out; the worst error when none came. */
static int lookup_addrs(struct query *q, const char *name, uint16_t port, struct sip_dns_result *out)
{
	static const int types[] = { ns_t_a, ns_t_aaaa };
	int err = ENOENT;
	size_t got = 0;

	for (size_t t = 0; t < 2 && out->n < SIP_DNS_MAX_ADDRS; t++) {
		size_t n = 0;

		query(q, name, types[t]);
		if (q->err) {
			if (q->err == EAGAIN)
				err = EAGAIN;
			continue;
		}
		if (sip_dns_parse_addrs(q->buf, (size_t)q->len, types[t], port, out->addrs + out->n,
					SIP_DNS_MAX_ADDRS - out->n, &n)) {
			err = EAGAIN;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			out->ttl = min_ttl(out->ttl, out->addrs[out->n + i].ttl);
		out->n += n;
		got += n;
	}
	return got ? 0 : err;
}

static uint32_t rand32(void *arg)
{
	unsigned *seed = arg;

	return (uint32_t)rand_r(seed) << 16 ^ (uint32_t)rand_r(seed);
}

/* §4.2 with SRV: every target's addresses, in RFC 2782 order. */
static int resolve_srv(struct query *q, const struct sip_dns_srv *srv, size_t n, struct sip_dns_result *out)
{
	int err = ENOENT;

	out->srv = true;
	for (size_t i = 0; i < n && out->n < SIP_DNS_MAX_ADDRS; i++) {
		int rc;

		/* RFC 2782: a target of "." says the service is not offered there */
		if (!srv[i].target[0] || !strcmp(srv[i].target, "."))
			continue;
		out->ttl = min_ttl(out->ttl, srv[i].ttl);
		rc = lookup_addrs(q, srv[i].target, srv[i].port, out);
		if (rc == EAGAIN)
			err = EAGAIN;
	}
	return out->n ? 0 : err;
}

static void use_server(res_state st, const struct sockaddr *server)
{
	if (!server || server->sa_family != AF_INET)
		return;
	memcpy(&st->nsaddr_list[0], server, sizeof(struct sockaddr_in));
	st->nscount = 1;
}

int sip_dns_resolve(const char *name, uint16_t port, enum sip_proto proto, const struct sockaddr *server,
		    struct sip_dns_result *out, char *why, size_t whylen)
{
	struct query *q = calloc(1, sizeof(*q));
	struct __res_state st;
	struct sip_dns_srv srv[SIP_DNS_MAX_SRV];
	char qname[300];
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)q;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->ttl = UINT32_MAX;
	memset(&st, 0, sizeof(st));
	if (!q || res_ninit(&st) < 0) {
		free(q);
		snprintf(why, whylen, "cannot set up a resolver");
		return EAGAIN;
	}
	q->st = &st;
	use_server(&st, server);
	/* bounded, so an unload waits at most a few seconds for a query */
	st.retrans = 2;
	st.retry = 2;
	rc = ENOENT;
	if (!port) {
		snprintf(qname, sizeof(qname), "%s%s", sip_dns_srv_prefix(proto), name);
		query(q, qname, ns_t_srv);
		if (!q->err && !sip_dns_parse_srv(q->buf, (size_t)q->len, srv, SIP_DNS_MAX_SRV, &n) && n) {
			sip_dns_srv_order(srv, n, rand32, &seed);
			rc = resolve_srv(q, srv, n, out);
		} else if (q->err == EAGAIN) {
			rc = EAGAIN;	/* do not guess past a server that did not answer */
		}
	}
	if (!out->srv && rc != EAGAIN)	/* §4.2: no SRV, A/AAAA with the default port */
		rc = lookup_addrs(q, name, port ? port : proto == SIP_PROTO_TLS ? 5061 : 5060, out);
	if (rc)
		snprintf(why, whylen, "%s", rc == ENOENT ? "no such name or no address for it"
							  : "no answer from the DNS server");
	res_nclose(&st);
	free(q);
	return rc;
}
