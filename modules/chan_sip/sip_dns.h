/*
 * modules/chan_sip/sip_dns.h - RFC 3263 §4 (client side) for a trunk's
 * host name: the DNS answers it needs read out of the wire format, SRV
 * records put in RFC 2782 order, and one blocking resolution.
 *
 * Everything here is pure or blocking; sip_resolve.h runs it on a helper
 * thread so the SIP loop never waits for DNS.
 *
 *  - A name with a port, or a numeric host, is never looked up in SRV
 *    (§4.2): A and AAAA of the name, with that port.
 *  - Otherwise SRV of _sip._udp / _sip._tcp / _sips._tcp.<name> by the
 *    trunk's transport (§4.1 with the transport fixed by configuration);
 *    each target, in RFC 2782 order, gives its A then AAAA addresses with
 *    the SRV port.  No SRV record: A and AAAA of the name with 5060
 *    (5061 for TLS).  NAPTR (§4.1) is not looked up: the transport is
 *    always the trunk's own.
 *  - The answer's TTL is the smallest TTL of every record used.
 */
#ifndef LYRE_SIP_DNS_H
#define LYRE_SIP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sip_hdr.h"

#define SIP_DNS_MAX_SRV 16
#define SIP_DNS_MAX_ADDRS 16

struct sip_dns_srv {
	uint16_t priority, weight, port;
	uint32_t ttl;
	char target[256];
};

struct sip_dns_addr {
	struct sockaddr_storage addr;	/* with the port */
	socklen_t len;
	uint32_t ttl;
};

struct sip_dns_result {
	struct sip_dns_addr addrs[SIP_DNS_MAX_ADDRS];	/* in the order to try */
	size_t n;
	uint32_t ttl;		/* the smallest TTL of the records used */
	bool srv;		/* the targets came from SRV records */
};

/*
 * Read the answer section of a DNS response (as res_query returns it).
 * SRV records into out (at most max), in the order of the message;
 * records of other types (a CNAME before them) are skipped.  0, or
 * EBADMSG for a message that does not parse.
 */
int sip_dns_parse_srv(const unsigned char *msg, size_t len, struct sip_dns_srv *out, size_t max, size_t *n);
/* A (type 1) or AAAA (type 28) records, as addresses with `port`. */
int sip_dns_parse_addrs(const unsigned char *msg, size_t len, int type, uint16_t port,
			struct sip_dns_addr *out, size_t max, size_t *n);

/*
 * RFC 2782 order: by priority, lowest first; within a priority, a
 * weighted random pick, repeated: weight 0 first in the list, a number
 * drawn in [0, sum of weights], the first record whose running sum
 * reaches it.  rnd(arg) gives random 32-bit numbers (a fixed sequence in
 * the unit test).
 */
void sip_dns_srv_order(struct sip_dns_srv *v, size_t n, uint32_t (*rnd)(void *arg), void *arg);

/* "_sip._udp." and friends for a transport (§4.1, RFC 3263 table). */
const char *sip_dns_srv_prefix(enum sip_proto proto);

/*
 * Resolve `name` (a host name, not numeric) as the paragraph above says,
 * blocking, with a private resolver state (res_ninit): the system's
 * resolvers, or only `server` (IPv4, with a port) when it is not NULL.
 * port 0: none in the configuration, so SRV is tried.  0 with at least
 * one address; ENOENT (the name or its records do not exist), EAGAIN (no
 * answer, a server failure); why says what went wrong.
 */
int sip_dns_resolve(const char *name, uint16_t port, enum sip_proto proto, const struct sockaddr *server,
		    struct sip_dns_result *out, char *why, size_t whylen);

#endif
