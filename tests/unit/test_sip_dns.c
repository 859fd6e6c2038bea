/* tests/unit/test_sip_dns.c - RFC 3263 lookups: DNS answers read from the wire, SRV records in RFC 2782 order. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_dns.h"
#include "tap.h"

/* ---- a DNS response built by hand, byte by byte (RFC 1035 §4) ---- */

struct msg {
	unsigned char b[1024];
	size_t len;
};

static void put8(struct msg *m, unsigned v) { m->b[m->len++] = (unsigned char)v; }
static void put16(struct msg *m, unsigned v) { put8(m, v >> 8); put8(m, v & 0xff); }
static void put32(struct msg *m, uint32_t v) { put16(m, v >> 16); put16(m, v & 0xffff); }

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		put8(m, (unsigned)n);
		memcpy(m->b + m->len, name, n);
		m->len += n;
		name += n + (dot ? 1 : 0);
	}
	put8(m, 0);
}

/* Header and question; answers follow.  The question's name sits at
 * offset 12, which answers point to (0xc00c). */
static void begin(struct msg *m, const char *qname, unsigned qtype, unsigned ancount)
{
	m->len = 0;
	put16(m, 0x1234);
	put16(m, 0x8180);	/* response, RD, RA, NOERROR */
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, ns_c_in);
}

static void rr_head(struct msg *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, ns_c_in);
	put32(m, ttl);
	put16(m, rdlen);
}

static void srv_rr(struct msg *m, unsigned prio, unsigned weight, unsigned port, uint32_t ttl, const char *target)
{
	struct msg name = { .len = 0 };

	put_name(&name, target);
	rr_head(m, ns_t_srv, ttl, 6 + (unsigned)name.len);
	put16(m, prio);
	put16(m, weight);
	put16(m, port);
	memcpy(m->b + m->len, name.b, name.len);
	m->len += name.len;
}

/* ---- parsing ---- */

static void test_parse_srv(void)
{
	struct msg m;
	struct sip_dns_srv v[8];
	size_t n = 0;

	begin(&m, "_sip._udp.itsp.test", ns_t_srv, 4);
	/* a CNAME before the records is skipped */
	rr_head(&m, ns_t_cname, 300, 2);
	put16(&m, 0xc00c);
	srv_rr(&m, 10, 60, 5060, 120, "sbc1.itsp.test");
	srv_rr(&m, 20, 0, 5080, 90, "sbc2.itsp.test");
	/* a target compressed into a pointer to "itsp.test" inside the question */
	rr_head(&m, ns_t_srv, 45, 6 + 2);
	put16(&m, 10);
	put16(&m, 40);
	put16(&m, 5070);
	put16(&m, 0xc000 | (12 + 1 + 4 + 1 + 4));	/* past "\4_sip\4_udp" */

	CHECK_INT(sip_dns_parse_srv(m.b, m.len, v, 8, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(v[0].priority, 10);
	CHECK_INT(v[0].weight, 60);
	CHECK_INT(v[0].port, 5060);
	CHECK_INT(v[0].ttl, 120);
	CHECK_STR(v[0].target, "sbc1.itsp.test");
	CHECK_INT(v[1].priority, 20);
	CHECK_INT(v[1].port, 5080);
	CHECK_STR(v[1].target, "sbc2.itsp.test");
	CHECK_INT(v[2].port, 5070);
	CHECK_INT(v[2].ttl, 45);
	CHECK_STR(v[2].target, "itsp.test");
	/* at most max */
	CHECK_INT(sip_dns_parse_srv(m.b, m.len, v, 2, &n), 0);
	CHECK_INT(n, 2);
}

static void test_parse_addrs(void)
{
	struct msg m;
	struct sip_dns_addr a[4];
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a[0].addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a[0].addr;
	unsigned char v6[16];
	char buf[64];
	size_t n = 0;

	begin(&m, "sbc1.itsp.test", ns_t_a, 2);
	rr_head(&m, ns_t_a, 600, 4);
	put8(&m, 192), put8(&m, 0), put8(&m, 2), put8(&m, 10);
	rr_head(&m, ns_t_a, 30, 4);
	put8(&m, 192), put8(&m, 0), put8(&m, 2), put8(&m, 11);
	CHECK_INT(sip_dns_parse_addrs(m.b, m.len, ns_t_a, 5080, a, 4, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(sin->sin_family, AF_INET);
	CHECK_INT(ntohs(sin->sin_port), 5080);
	CHECK_STR(inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)), "192.0.2.10");
	CHECK_INT(a[0].ttl, 600);
	CHECK_INT(a[1].ttl, 30);
	CHECK_INT(a[0].len, sizeof(struct sockaddr_in));

	/* AAAA records are not A records */
	CHECK_INT(sip_dns_parse_addrs(m.b, m.len, ns_t_aaaa, 5080, a, 4, &n), 0);
	CHECK_INT(n, 0);
	inet_pton(AF_INET6, "2001:db8::5", v6);
	begin(&m, "sbc1.itsp.test", ns_t_aaaa, 1);
	rr_head(&m, ns_t_aaaa, 300, 16);
	memcpy(m.b + m.len, v6, 16);
	m.len += 16;
	CHECK_INT(sip_dns_parse_addrs(m.b, m.len, ns_t_aaaa, 5060, a, 4, &n), 0);
	CHECK_INT(n, 1);
	CHECK_INT(sin6->sin6_family, AF_INET6);
	CHECK_INT(ntohs(sin6->sin6_port), 5060);
	CHECK_STR(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)), "2001:db8::5");
}

static void test_parse_broken(void)
{
	struct msg m;
	struct sip_dns_srv v[4];
	struct sip_dns_addr a[4];
	size_t n = 9;

	begin(&m, "_sip._udp.itsp.test", ns_t_srv, 1);
	srv_rr(&m, 10, 60, 5060, 120, "sbc1.itsp.test");
	/* cut inside the record */
	CHECK_INT(sip_dns_parse_srv(m.b, m.len - 5, v, 4, &n), EBADMSG);
	/* too short to be a header */
	CHECK_INT(sip_dns_parse_srv(m.b, 7, v, 4, &n), EBADMSG);
	/* an SRV whose rdata is too short */
	begin(&m, "_sip._udp.itsp.test", ns_t_srv, 1);
	rr_head(&m, ns_t_srv, 60, 4);
	put32(&m, 0);
	CHECK_INT(sip_dns_parse_srv(m.b, m.len, v, 4, &n), EBADMSG);
	/* an A record of 3 bytes */
	begin(&m, "x.test", ns_t_a, 1);
	rr_head(&m, ns_t_a, 60, 3);
	put8(&m, 1), put8(&m, 2), put8(&m, 3);
	CHECK_INT(sip_dns_parse_addrs(m.b, m.len, ns_t_a, 5060, a, 4, &n), EBADMSG);
}

/* ---- RFC 2782 order ---- */

struct seq {
	const uint32_t *v;
	size_t n, i;
};

static uint32_t next_of(void *arg)
{
	struct seq *s = arg;

	return s->v[s->i++ % s->n];
}

static struct sip_dns_srv rec(unsigned prio, unsigned weight, const char *name)
{
	struct sip_dns_srv s = { .priority = (uint16_t)prio, .weight = (uint16_t)weight, .port = 5060, .ttl = 60 };

	ly_strlcpy(s.target, name, sizeof(s.target));
	return s;
}

static void test_order_priority(void)
{
	struct sip_dns_srv v[] = { rec(30, 10, "c"), rec(10, 10, "a"), rec(20, 10, "b"), rec(5, 0, "first") };
	uint32_t zero = 0;
	struct seq s = { &zero, 1, 0 };

	sip_dns_srv_order(v, 4, next_of, &s);
	CHECK_STR(v[0].target, "first");
	CHECK_STR(v[1].target, "a");
	CHECK_STR(v[2].target, "b");
	CHECK_STR(v[3].target, "c");
}

/* Within one priority: running sums 0 (weight 0 first), 10, 40, 100;
 * a draw of r % (sum + 1) picks the first whose running sum reaches it. */
static void test_order_weights(void)
{
	struct sip_dns_srv v[] = { rec(10, 30, "w30"), rec(10, 60, "w60"), rec(10, 0, "w0"), rec(10, 10, "w10") };
	/* sum 100: 0 picks w0 (weight 0 first in the list); then sum 100
	 * again: 35 → w30 (0+30 < 35) → w60 (90 >= 35); then sum 40: 5 →
	 * w30 (30 >= 5); the last is w10 */
	const uint32_t draws[] = { 0, 35, 5 };
	struct seq s = { draws, 3, 0 };

	sip_dns_srv_order(v, 4, next_of, &s);
	CHECK_STR(v[0].target, "w0");
	CHECK_STR(v[1].target, "w60");
	CHECK_STR(v[2].target, "w30");
	CHECK_STR(v[3].target, "w10");
}

static uint32_t lcg(void *arg)
{
	uint32_t *x = arg;

	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

/* Over many draws, a record of weight 90 comes first about 90% of the time. */
static void test_order_distribution(void)
{
	uint32_t state = 7;
	unsigned heavy = 0, zero_first = 0;

	for (int i = 0; i < 2000; i++) {
		struct sip_dns_srv v[] = { rec(1, 10, "light"), rec(1, 90, "heavy"), rec(1, 0, "none") };

		sip_dns_srv_order(v, 3, lcg, &state);
		heavy += !strcmp(v[0].target, "heavy");
		zero_first += !strcmp(v[0].target, "none");
	}
	printf("# heavy first %u / 2000, weight 0 first %u / 2000\n", heavy, zero_first);
	CHECK(heavy > 1700 && heavy < 1900);
	CHECK(zero_first < 40);	/* only a draw of exactly 0 picks it: 1 in 101 */
}

static void test_prefix(void)
{
	CHECK_STR(sip_dns_srv_prefix(SIP_PROTO_UDP), "_sip._udp.");
	CHECK_STR(sip_dns_srv_prefix(SIP_PROTO_TCP), "_sip._tcp.");
	CHECK_STR(sip_dns_srv_prefix(SIP_PROTO_TLS), "_sips._tcp.");
}

int main(void)
{
	return tap_run((struct tap_test[]){ TAP(test_parse_srv), TAP(test_parse_addrs), TAP(test_parse_broken),
					    TAP(test_order_priority), TAP(test_order_weights),
					    TAP(test_order_distribution), TAP(test_prefix) }, 7);
}
