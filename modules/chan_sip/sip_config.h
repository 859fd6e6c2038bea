/*
 * modules/chan_sip/sip_config.h - sip.conf: transports, endpoints (phones)
 * and trunks, one section per thing, as res_pjsip's pjsip.conf does:
 *
 *   [general]   realm, default_expiry, min_expiry, max_expiry, auth_algorithms,
 *               useragent, timer_t1, timer_t2, timer_t4, max_transactions,
 *               dns_server, mwi_min_expiry, mwi_max_expiry, mwi_default_expiry,
 *               and the defaults of timers, timers_sess_expires, timers_min_se
 *   [udp]       type=transport protocol=udp|tcp|tls bind=127.0.0.1:5060
 *               (tls: cert_file, priv_key_file, ca_file)
 *   [100]       type=endpoint secret=...|auto context=... (see sip_endpoint_conf)
 *   [itsp]      type=trunk host=ip[:port]|name[:port] username=... secret=...
 *               register=yes context=...  (a name: sip_resolve.h)
 *
 * Templates ([name](!) and [x](tmpl)) come from the config parser; template
 * sections themselves are skipped.  Every error names file:line.  Parsing
 * builds a new struct sip_conf and never touches running state.
 */
#ifndef LYRE_SIP_CONFIG_H
#define LYRE_SIP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <lyre/config.h>

#include "sip_dialog.h"
#include "sip_hdr.h"

/* One permit/deny rule: an address and a prefix length. */
struct sip_acl_rule {
	bool permit;
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

/*
 * Asterisk's ACL semantics: every rule is checked in order and the last
 * one that matches decides; no rule matching means allowed.  So
 * "deny=0.0.0.0/0 permit=10.0.0.0/8" lets only 10/8 in.
 */
struct sip_acl {
	struct sip_acl_rule *rules;
	size_t count;
};
bool sip_acl_allows(const struct sip_acl *acl, const struct sockaddr *sa);

enum sip_dtmf_mode { SIP_DTMF_RFC4733, SIP_DTMF_INBAND, SIP_DTMF_INFO, SIP_DTMF_AUTO };
enum sip_srtp_mode { SIP_SRTP_NO, SIP_SRTP_OPTIONAL, SIP_SRTP_MANDATORY };
const char *sip_dtmf_mode_name(enum sip_dtmf_mode m);
const char *sip_srtp_mode_name(enum sip_srtp_mode m);

struct sip_tp_conf {
	struct sip_tp_conf *next;
	char *name;
	enum sip_proto proto;	/* UDP, TCP or TLS */
	char *bind;
	char *cert_file, *priv_key_file, *ca_file;	/* TLS only */
	const char *file;	/* owned by the ly_config kept in struct sip_conf */
	int line;
};

/*
 * What an endpoint and a trunk both set about their calls, with the names
 * of Asterisk's pjsip.conf (see README.md):
 *   from_user, from_domain   the From of requests we send them (and the
 *                            AOR of a trunk's REGISTER)
 *   trust_id_inbound         believe their P-Asserted-Identity / Remote-
 *                            Party-ID and Privacy (RFC 3325 §9.1)
 *   trust_id_outbound        send them a caller id that is restricted
 *   send_pai                 add P-Asserted-Identity to our INVITEs
 *   timers, timers_sess_expires, timers_min_se   RFC 4028 policy
 */
struct sip_call_conf {
	char *from_user, *from_domain;	/* NULL: not set */
	bool trust_id_inbound, trust_id_outbound, send_pai;
	struct sip_dialog_timers timers;
};

struct sip_endpoint_conf {
	struct sip_endpoint_conf *next;
	char *name;		/* the AOR and the digest username */
	char *secret;		/* NULL until sip_endpoint_resolve_secrets for secret=auto */
	bool secret_auto;	/* secret=auto: generated once, kept in statedir */
	char *context;
	char *callerid;		/* "Name" <num>, or NULL */
	char *cid_name, *cid_num;	/* callerid parsed (sip_callerid_parse); NULL: not set */
	char **allow;		/* format names in preference order, NULL-terminated */
	char *transport;	/* name of a transport section, or NULL: any */
	enum sip_proto transport_proto;	/* that transport's protocol (when transport is set) */
	bool force_rport, rewrite_contact, symmetric_rtp;
	enum sip_dtmf_mode dtmfmode;
	enum sip_srtp_mode srtp;
	unsigned max_contacts;	/* bindings kept per AOR; the oldest is replaced */
	unsigned qualify;	/* seconds between OPTIONS pings, 0 = off */
	unsigned auth_algos;	/* SIP_AUTH_* set */
	struct sip_acl acl;
	struct sip_call_conf call;
	/* mailboxes=100,101@sales: the mailboxes whose message-waiting state
	 * the endpoint hears (RFC 3842), each "box@context", NULL-terminated;
	 * NULL when none (sip_mwi.h) */
	char **mailboxes;
	const char *file;
	int line;
};

struct sip_trunk_conf {
	struct sip_trunk_conf *next;
	char *name;
	char *host;		/* as written: "ip[:port]", "[v6]:port" or "name[:port]" */
	struct sockaddr_storage addr;	/* a numeric host's address (addr_len 0 for a name) */
	socklen_t addr_len;
	char *host_name;	/* a DNS name (sip_resolve.h), or NULL for a numeric host */
	uint16_t host_port;	/* the name's port from host=, 0: none (RFC 3263 SRV) */
	char *username, *secret;
	bool do_register;
	unsigned expiry;	/* asked for in outbound REGISTER */
	char *context;
	char *transport;
	enum sip_proto proto;
	enum sip_srtp_mode srtp;
	char **allow;		/* format names in preference order (default ulaw, alaw) */
	enum sip_dtmf_mode dtmfmode;	/* default rfc4733 */
	struct sip_call_conf call;
	const char *file;
	int line;
};

struct sip_general {
	char *realm;
	unsigned default_expiry, min_expiry, max_expiry;
	unsigned auth_algos;
	char *useragent;
	/* RFC 3261 §17 T1, T2, T4 in ms for the transaction layer (applied
	 * when chan_sip loads; a reload keeps the running values) */
	unsigned timer_t1, timer_t2, timer_t4;
	unsigned max_transactions;	/* live transactions before new requests get 503 */
	struct sip_dialog_timers timers;	/* endpoints' and trunks' default */
	/* dns_server = ip:port: the only DNS server asked for trunk names (a
	 * test and override option; ss_family 0: the system's resolvers) */
	char *dns_server;
	struct sockaddr_storage dns_addr;
	/* SUBSCRIBE expiry limits (RFC 6665 §4.2.1.1, s; sip_subscribe.h) */
	unsigned mwi_min_expiry, mwi_max_expiry, mwi_default_expiry;
};

struct sip_conf {
	struct sip_general gen;
	struct sip_tp_conf *transports;
	struct sip_endpoint_conf *endpoints;
	struct sip_trunk_conf *trunks;
	struct ly_config *cfg;	/* kept: file names in the sections point into it */
	/* Endpoints sorted by name, for lookups on every REGISTER and INVITE. */
	struct sip_endpoint_conf **by_name;
	size_t n_by_name;
};

/* A copy of src that outlives a reload (free with sip_call_conf_clear). */
void sip_call_conf_copy(struct sip_call_conf *dst, const struct sip_call_conf *src);
void sip_call_conf_clear(struct sip_call_conf *cc);

/* Read confdir/filename.  ENOENT when there is none; EINVAL (err says
 * file:line) for a broken one. */
int sip_conf_load(const char *confdir, const char *filename, struct sip_conf **out, char *err,
		  size_t errlen);
/* Build from a parsed file; takes ownership of cfg (also on failure). */
int sip_conf_from_config(struct ly_config *cfg, struct sip_conf **out, char *err, size_t errlen);
void sip_conf_free(struct sip_conf *c);

struct sip_endpoint_conf *sip_conf_endpoint(const struct sip_conf *c, const char *name);
struct sip_trunk_conf *sip_conf_trunk_by_addr(const struct sip_conf *c, const struct sockaddr *sa);
struct sip_tp_conf *sip_conf_transport(const struct sip_conf *c, const char *name);
/* True when SRTP keys (SDES) for a peer with this transport= (NULL: any)
 * and srtp= would cross the network unencrypted: srtp is on and the
 * transport is not TLS (or, for "any", some transport is not). */
bool sip_conf_srtp_exposed(const struct sip_conf *c, const char *transport, enum sip_srtp_mode srtp);

/* Asterisk's caller id forms: "Name" <num>, Name <num>, <num>, a bare
 * number, or a bare name.  *name and *num are new strings or NULL.
 * EINVAL for an unbalanced quote or bracket. */
int sip_callerid_parse(const char *s, char **name, char **num);

/* "sha256,md5" into a SIP_AUTH_* set; EINVAL for an unknown name. */
int sip_auth_algos_parse(const char *s, unsigned *out);
/* True when the two transports bind the same thing the same way. */
bool sip_tp_conf_same(const struct sip_tp_conf *a, const struct sip_tp_conf *b);

#endif
