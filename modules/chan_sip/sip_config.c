/* modules/chan_sip/sip_config.c - parse and check sip.conf into a struct sip_conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>
#include <lyre/mwi.h>

#include "sip_auth.h"
#include "sip_config.h"
#include "sip_transport.h"

#define DEFAULT_ALLOW "ulaw,alaw"

static int bad(char *err, size_t errlen, const char *file, int line, const char *name,
	       const char *value, const char *why)
{
	if (value)
		snprintf(err, errlen, "%s:%d: %s = %s: %s", file, line, name, value, why);
	else
		snprintf(err, errlen, "%s:%d: %s: %s", file, line, name, why);
	return EINVAL;
}

static int bad_var(char *err, size_t errlen, const struct ly_cfg_var *v, const char *why)
{
	return bad(err, errlen, v->file, v->line, v->name, v->value, why);
}

const char *sip_dtmf_mode_name(enum sip_dtmf_mode m)
{
	static const char *const names[] = { "rfc4733", "inband", "info", "auto" };

	return names[m];
}

const char *sip_srtp_mode_name(enum sip_srtp_mode m)
{
	static const char *const names[] = { "no", "optional", "mandatory" };

	return names[m];
}

int sip_auth_algos_parse(const char *s, unsigned *out)
{
	char *copy = ly_strdup(s), *save = NULL;
	unsigned set = 0;
	int rc = 0;

	for (char *tok = strtok_r(copy, ", ", &save); tok && !rc; tok = strtok_r(NULL, ", ", &save)) {
		if (ly_strcaseeq(tok, "md5"))
			set |= SIP_AUTH_MD5;
		else if (ly_strcaseeq(tok, "sha256") || ly_strcaseeq(tok, "sha-256"))
			set |= SIP_AUTH_SHA256;
		else
			rc = EINVAL;
	}
	free(copy);
	if (!rc && !set)
		rc = EINVAL;
	if (!rc)
		*out = set;
	return rc;
}

static int parse_bool(const struct ly_cfg_var *v, bool *out, char *err, size_t errlen)
{
	if (!ly_true(v->value) && !ly_false(v->value))
		return bad_var(err, errlen, v, "expected yes or no");
	*out = ly_true(v->value);
	return 0;
}

static int parse_uint(const struct ly_cfg_var *v, long min, long max, unsigned *out, char *err,
		      size_t errlen)
{
	long n;
	char why[64];

	if (ly_parse_int(v->value, min, max, &n)) {
		snprintf(why, sizeof(why), "expected a number from %ld to %ld", min, max);
		return bad_var(err, errlen, v, why);
	}
	*out = (unsigned)n;
	return 0;
}

/* ---- options of calls, shared by endpoints and trunks ---- */

static void replace_str(char **slot, const char *value);

#define MIN_SE_FLOOR 90	/* RFC 4028 §4: Min-SE is never below 90 s */

static int parse_timers_mode(const struct ly_cfg_var *v, enum sip_timers_mode *out, char *err, size_t errlen)
{
	if (ly_strcaseeq(v->value, "required"))
		*out = SIP_TIMERS_REQUIRED;
	else if (ly_strcaseeq(v->value, "always") || ly_strcaseeq(v->value, "forced"))
		*out = SIP_TIMERS_ALWAYS;
	else if (ly_true(v->value))
		*out = SIP_TIMERS_YES;
	else if (ly_false(v->value))
		*out = SIP_TIMERS_NO;
	else
		return bad_var(err, errlen, v, "expected no, yes, required or always");
	return 0;
}

/* The session timer options, in [general] (defaults) or a section. */
static int timers_var(const struct ly_cfg_var *v, struct sip_dialog_timers *t, char *err, size_t errlen)
{
	const char *n = v->name;

	if (ly_strcaseeq(n, "timers"))
		return parse_timers_mode(v, &t->mode, err, errlen);
	if (ly_strcaseeq(n, "timers_sess_expires"))
		return parse_uint(v, MIN_SE_FLOOR, 86400, &t->session_expires, err, errlen);
	if (ly_strcaseeq(n, "timers_min_se")) {
		long s;

		if (!ly_parse_int(v->value, 0, 86400, &s) && s < MIN_SE_FLOOR)
			return bad_var(err, errlen, v, "below 90 s, the smallest Min-SE RFC 4028 §4 allows");
		return parse_uint(v, MIN_SE_FLOOR, 86400, &t->min_se, err, errlen);
	}
	return ENOENT;
}

static int check_timers(const struct sip_dialog_timers *t, const char *file, int line, const char *name,
			char *err, size_t errlen)
{
	if (t->session_expires < t->min_se)
		return bad(err, errlen, file, line, name, NULL,
			   "timers_sess_expires is below timers_min_se (RFC 4028 §4)");
	return 0;
}

/* A From user or domain: text that goes into a SIP URI as it is. */
static bool uri_safe(const char *s)
{
	return *s && !strpbrk(s, "\"<>@;,?/\\ \t");
}

/* ENOENT when v is none of these options. */
static int call_var(const struct ly_cfg_var *v, struct sip_call_conf *cc, char *err, size_t errlen)
{
	const char *n = v->name;

	if (ly_strcaseeq(n, "from_user") || ly_strcaseeq(n, "from_domain")) {
		bool user = ly_strcaseeq(n, "from_user");

		if (*v->value && !uri_safe(v->value))
			return bad_var(err, errlen, v, user ? "not a plain SIP user name" : "not a plain host name");
		replace_str(user ? &cc->from_user : &cc->from_domain, v->value);
		return 0;
	}
	if (ly_strcaseeq(n, "trust_id_inbound"))
		return parse_bool(v, &cc->trust_id_inbound, err, errlen);
	if (ly_strcaseeq(n, "trust_id_outbound"))
		return parse_bool(v, &cc->trust_id_outbound, err, errlen);
	if (ly_strcaseeq(n, "send_pai"))
		return parse_bool(v, &cc->send_pai, err, errlen);
	return timers_var(v, &cc->timers, err, errlen);
}

void sip_call_conf_clear(struct sip_call_conf *cc)
{
	free(cc->from_user);
	free(cc->from_domain);
	cc->from_user = cc->from_domain = NULL;
}

void sip_call_conf_copy(struct sip_call_conf *dst, const struct sip_call_conf *src)
{
	*dst = *src;
	dst->from_user = src->from_user ? ly_strdup(src->from_user) : NULL;
	dst->from_domain = src->from_domain ? ly_strdup(src->from_domain) : NULL;
}

/* ---- ACLs ---- */

/* "10.0.0.0/8", "10.0.0.0/255.0.0.0", "::1", "fe80::/10". */
static int acl_rule_parse(const char *text, struct sip_acl_rule *r)
{
	char buf[128], *slash;
	long n;

	ly_strlcpy(buf, text, sizeof(buf));
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, r->addr) == 1) {
		r->family = AF_INET;
		r->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		r->family = AF_INET6;
		r->prefix = 128;
	} else {
		return EINVAL;
	}
	if (!slash)
		return 0;
	if (r->family == AF_INET && strchr(slash, '.')) {
		struct in_addr mask;
		uint32_t m;

		if (inet_pton(AF_INET, slash, &mask) != 1)
			return EINVAL;
		m = ntohl(mask.s_addr);
		r->prefix = 0;
		while (m & 0x80000000u) {
			r->prefix++;
			m <<= 1;
		}
		return m ? EINVAL : 0;	/* a mask with holes is no prefix */
	}
	if (ly_parse_int(slash, 0, r->family == AF_INET ? 32 : 128, &n))
		return EINVAL;
	r->prefix = (unsigned)n;
	return 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;
	if (!rest)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	return (a[whole] & mask) == (b[whole] & mask);
}

bool sip_acl_allows(const struct sip_acl *acl, const struct sockaddr *sa)
{
	const unsigned char *addr;
	unsigned char mapped[4];
	int family = sa->sa_family;
	bool allowed = true;

	if (family == AF_INET) {
		addr = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		addr = a6->s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {	/* ::ffff:1.2.3.4 is 1.2.3.4 */
			memcpy(mapped, a6->s6_addr + 12, 4);
			addr = mapped;
			family = AF_INET;
		}
	}
	for (size_t i = 0; i < acl->count; i++) {
		const struct sip_acl_rule *r = &acl->rules[i];

		if (r->family == family && prefix_match(r->addr, addr, r->prefix))
			allowed = r->permit;
	}
	return allowed;
}

static int acl_add(struct sip_acl *acl, const struct ly_cfg_var *v, char *err, size_t errlen)
{
	struct sip_acl_rule r = { .permit = ly_strcaseeq(v->name, "permit") };

	if (acl_rule_parse(v->value, &r))
		return bad_var(err, errlen, v, "expected an address with an optional /prefix or /mask");
	acl->rules = ly_realloc(acl->rules, (acl->count + 1) * sizeof(*acl->rules));
	acl->rules[acl->count++] = r;
	return 0;
}

/* ---- codecs: Asterisk's allow/disallow, applied in order ---- */

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void strv_remove(char **v, const char *name)
{
	size_t n = strv_len(v);

	for (size_t i = 0; i < n; i++) {
		if (ly_strcaseeq(v[i], name)) {
			free(v[i]);
			memmove(&v[i], &v[i + 1], (n - i) * sizeof(*v));
			return;
		}
	}
}

static char **strv_add(char **v, const char *name)
{
	size_t n = strv_len(v);

	strv_remove(v, name);	/* allowing again moves it to the end, as Asterisk */
	n = strv_len(v);
	v = ly_realloc(v, (n + 2) * sizeof(*v));
	v[n] = ly_strdup(name);
	v[n + 1] = NULL;
	return v;
}

static int apply_codecs(char ***list, const struct ly_cfg_var *v, char *err, size_t errlen)
{
	bool allow = ly_strcaseeq(v->name, "allow");
	char *copy = ly_strdup(v->value), *save = NULL;
	int rc = 0;

	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (ly_strcaseeq(tok, "all")) {
			if (allow) {
				rc = bad_var(err, errlen, v, "allow=all is not supported: name the codecs");
				break;
			}
			strv_free(*list);
			*list = ly_calloc(1, sizeof(char *));
		} else if (allow) {
			*list = strv_add(*list, tok);
		} else {
			strv_remove(*list, tok);
		}
	}
	free(copy);
	return rc;
}

static char **strv_from_csv(const char *csv)
{
	char *copy = ly_strdup(csv), *save = NULL;
	char **v = ly_calloc(1, sizeof(char *));

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		v = strv_add(v, tok);
	free(copy);
	return v;
}

/* ---- sections ---- */

static void replace_str(char **slot, const char *value)
{
	free(*slot);
	*slot = *value ? ly_strdup(value) : NULL;
}

static int read_general(const struct ly_cfg_section *s, struct sip_general *g, char *err,
			size_t errlen)
{
	int rc = 0;

	for (const struct ly_cfg_var *v = s->vars; v && !rc; v = v->next) {
		if (ly_strcaseeq(v->name, "realm")) {
			if (!*v->value || strchr(v->value, '"') || strchr(v->value, '\\'))
				rc = bad_var(err, errlen, v, "a realm is a non-empty string without quotes");
			else
				replace_str(&g->realm, v->value);
		} else if (ly_strcaseeq(v->name, "default_expiry")) {
			rc = parse_uint(v, 1, 86400 * 7, &g->default_expiry, err, errlen);
		} else if (ly_strcaseeq(v->name, "min_expiry")) {
			rc = parse_uint(v, 1, 86400, &g->min_expiry, err, errlen);
		} else if (ly_strcaseeq(v->name, "max_expiry")) {
			rc = parse_uint(v, 1, 86400 * 7, &g->max_expiry, err, errlen);
		} else if (ly_strcaseeq(v->name, "auth_algorithms")) {
			if (sip_auth_algos_parse(v->value, &g->auth_algos))
				rc = bad_var(err, errlen, v, "expected a list of sha256 and md5");
		} else if (ly_strcaseeq(v->name, "useragent")) {
			replace_str(&g->useragent, v->value);
		} else if (ly_strcaseeq(v->name, "dns_server")) {
			socklen_t len;

			/* res_state's nsaddr_list holds IPv4 servers only */
			if (sip_addr_parse(v->value, 53, &g->dns_addr, &len) || g->dns_addr.ss_family != AF_INET)
				rc = bad_var(err, errlen, v, "expected a numeric IPv4 address[:port]");
			else
				replace_str(&g->dns_server, v->value);
		} else if (ly_strcaseeq(v->name, "timer_t1")) {
			/* Asterisk's floor: shorter than 100 ms floods a slow peer */
			rc = parse_uint(v, 100, 10000, &g->timer_t1, err, errlen);
		} else if (ly_strcaseeq(v->name, "timer_t2")) {
			rc = parse_uint(v, 100, 60000, &g->timer_t2, err, errlen);
		} else if (ly_strcaseeq(v->name, "timer_t4")) {
			rc = parse_uint(v, 100, 60000, &g->timer_t4, err, errlen);
		} else if (ly_strcaseeq(v->name, "max_transactions")) {
			rc = parse_uint(v, 1000, 16777216, &g->max_transactions, err, errlen);
		} else if (ly_strcaseeq(v->name, "mwi_min_expiry")) {
			rc = parse_uint(v, 1, 86400, &g->mwi_min_expiry, err, errlen);
		} else if (ly_strcaseeq(v->name, "mwi_max_expiry")) {
			rc = parse_uint(v, 1, 86400 * 7, &g->mwi_max_expiry, err, errlen);
		} else if (ly_strcaseeq(v->name, "mwi_default_expiry")) {
			rc = parse_uint(v, 1, 86400 * 7, &g->mwi_default_expiry, err, errlen);
		} else if ((rc = timers_var(v, &g->timers, err, errlen)) == ENOENT) {
			rc = bad_var(err, errlen, v, "unknown option in [general]");
		}
	}
	if (!rc && (g->min_expiry > g->default_expiry || g->default_expiry > g->max_expiry))
		rc = bad(err, errlen, s->file, s->line, "[general]", NULL,
			 "expiries must satisfy min_expiry <= default_expiry <= max_expiry");
	if (!rc && (g->mwi_min_expiry > g->mwi_default_expiry || g->mwi_default_expiry > g->mwi_max_expiry))
		rc = bad(err, errlen, s->file, s->line, "[general]", NULL,
			 "expiries must satisfy mwi_min_expiry <= mwi_default_expiry <= mwi_max_expiry");
	/* §17.1.1.2: retransmissions double "up to T2"; T2 below T1 means nothing */
	if (!rc && g->timer_t2 < g->timer_t1)
		rc = bad(err, errlen, s->file, s->line, "[general]", NULL, "timer_t2 must not be below timer_t1");
	if (!rc)
		rc = check_timers(&g->timers, s->file, s->line, "[general]", err, errlen);
	return rc;
}

static int read_transport(const struct ly_cfg_section *s, struct sip_conf *c, char *err,
			  size_t errlen)
{
	struct sip_tp_conf *t = ly_calloc(1, sizeof(*t));
	bool have_proto = false;
	int rc = 0;

	t->name = ly_strdup(s->name);
	t->file = s->file;
	t->line = s->line;
	t->next = c->transports;
	c->transports = t;
	for (const struct ly_cfg_var *v = s->vars; v && !rc; v = v->next) {
		if (ly_strcaseeq(v->name, "type")) {
			continue;
		} else if (ly_strcaseeq(v->name, "protocol")) {
			t->proto = sip_proto_parse(v->value, strlen(v->value));
			have_proto = true;
			if (t->proto != SIP_PROTO_UDP && t->proto != SIP_PROTO_TCP && t->proto != SIP_PROTO_TLS)
				rc = bad_var(err, errlen, v, "expected udp, tcp or tls");
		} else if (ly_strcaseeq(v->name, "bind")) {
			struct sockaddr_storage ss;
			socklen_t len;

			if (sip_addr_parse(v->value, 5060, &ss, &len))
				rc = bad_var(err, errlen, v, "expected a numeric address[:port], IPv6 in brackets");
			else
				replace_str(&t->bind, v->value);
		} else if (ly_strcaseeq(v->name, "cert_file")) {
			replace_str(&t->cert_file, v->value);
		} else if (ly_strcaseeq(v->name, "priv_key_file")) {
			replace_str(&t->priv_key_file, v->value);
		} else if (ly_strcaseeq(v->name, "ca_list_file") || ly_strcaseeq(v->name, "ca_file")) {
			replace_str(&t->ca_file, v->value);
		} else {
			rc = bad_var(err, errlen, v, "unknown transport option");
		}
	}
	if (rc)
		return rc;
	if (!have_proto)
		return bad(err, errlen, s->file, s->line, s->name, NULL, "transport needs protocol=");
	if (!t->bind)
		t->bind = ly_strdup("0.0.0.0");
	if (t->proto == SIP_PROTO_TLS && (!t->cert_file || !t->priv_key_file))
		return bad(err, errlen, s->file, s->line, s->name, NULL,
			   "a tls transport needs cert_file and priv_key_file");
	for (const struct sip_tp_conf *o = t->next; o; o = o->next)
		if (o->proto == t->proto && !strcmp(o->bind, t->bind))
			return bad(err, errlen, s->file, s->line, s->name, NULL,
				   "binds the same address and protocol as another transport");
	return 0;
}

static int parse_srtp(const struct ly_cfg_var *v, enum sip_srtp_mode *out, char *err, size_t errlen)
{
	if (ly_false(v->value))
		return *out = SIP_SRTP_NO, 0;
	if (ly_strcaseeq(v->value, "optional"))
		return *out = SIP_SRTP_OPTIONAL, 0;
	if (ly_true(v->value) || ly_strcaseeq(v->value, "mandatory") || ly_strcaseeq(v->value, "sdes"))
		return *out = SIP_SRTP_MANDATORY, 0;
	return bad_var(err, errlen, v, "expected no, optional or mandatory");
}

static int parse_dtmfmode(const struct ly_cfg_var *v, enum sip_dtmf_mode *out, char *err, size_t errlen)
{
	static const char *const modes[] = { "rfc4733", "inband", "info", "auto" };

	for (unsigned i = 0; i < 4; i++)
		if (ly_strcaseeq(v->value, modes[i]) || (i == 0 && ly_strcaseeq(v->value, "rfc2833")))
			return *out = (enum sip_dtmf_mode)i, 0;
	return bad_var(err, errlen, v, "expected rfc4733, inband, info or auto");
}

/* "100, 101@sales" -> {"100@default", "101@sales"} (lyre/mwi.h names);
 * an empty value clears the list, as a template's may need to. */
static int parse_mailboxes(const struct ly_cfg_var *v, char ***out, char *err, size_t errlen)
{
	char *copy = ly_strdup(v->value), *save = NULL;
	char **list = NULL;
	size_t n = 0;
	int rc = 0;

	for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		char name[LY_MWI_NAME_MAX];
		const char *at;

		tok = ly_strstrip(tok);
		at = strchr(tok, '@');
		/* "@default" is appended: leave room; one '@' with text around it */
		if (!*tok || strlen(tok) >= sizeof(name) - 8 || strpbrk(tok, " \t\"<>;,") || at == tok ||
		    (at && (!at[1] || strchr(at + 1, '@')))) {
			rc = bad_var(err, errlen, v, "expected a list of box[@context]");
			break;
		}
		ly_mwi_normalize(tok, name, sizeof(name));
		list = ly_realloc(list, (n + 2) * sizeof(*list));
		list[n++] = ly_strdup(name);
		list[n] = NULL;
	}
	free(copy);
	if (rc) {
		strv_free(list);
		return rc;
	}
	strv_free(*out);
	*out = list;
	return 0;
}

static int endpoint_var(const struct ly_cfg_var *v, struct sip_endpoint_conf *e, char *err,
			size_t errlen)
{
	const char *n = v->name;
	int rc;

	if (ly_strcaseeq(n, "type"))
		return 0;
	if (ly_strcaseeq(n, "secret") || ly_strcaseeq(n, "password")) {
		if (!*v->value)
			return bad_var(err, errlen, v, "an empty secret is not allowed");
		e->secret_auto = ly_strcaseeq(v->value, "auto");
		replace_str(&e->secret, e->secret_auto ? "" : v->value);
		return 0;
	}
	if (ly_strcaseeq(n, "context"))
		return replace_str(&e->context, v->value), 0;
	if (ly_strcaseeq(n, "callerid")) {
		char *name = NULL, *num = NULL;

		if (sip_callerid_parse(v->value, &name, &num))
			return bad_var(err, errlen, v, "expected \"Name\" <number>");
		free(e->cid_name), free(e->cid_num);
		e->cid_name = name;
		e->cid_num = num;
		return replace_str(&e->callerid, v->value), 0;
	}
	if (ly_strcaseeq(n, "transport"))
		return replace_str(&e->transport, v->value), 0;
	if (ly_strcaseeq(n, "allow") || ly_strcaseeq(n, "disallow"))
		return apply_codecs(&e->allow, v, err, errlen);
	if (ly_strcaseeq(n, "force_rport"))
		return parse_bool(v, &e->force_rport, err, errlen);
	if (ly_strcaseeq(n, "rewrite_contact"))
		return parse_bool(v, &e->rewrite_contact, err, errlen);
	if (ly_strcaseeq(n, "symmetric_rtp") || ly_strcaseeq(n, "rtp_symmetric"))
		return parse_bool(v, &e->symmetric_rtp, err, errlen);
	if (ly_strcaseeq(n, "max_contacts"))
		return parse_uint(v, 1, 100, &e->max_contacts, err, errlen);
	if (ly_strcaseeq(n, "qualify") || ly_strcaseeq(n, "qualify_frequency"))
		return parse_uint(v, 0, 86400, &e->qualify, err, errlen);
	if (ly_strcaseeq(n, "permit") || ly_strcaseeq(n, "deny"))
		return acl_add(&e->acl, v, err, errlen);
	if (ly_strcaseeq(n, "auth_algorithms")) {
		if (sip_auth_algos_parse(v->value, &e->auth_algos))
			return bad_var(err, errlen, v, "expected a list of sha256 and md5");
		return 0;
	}
	if ((rc = call_var(v, &e->call, err, errlen)) != ENOENT)
		return rc;
	if (ly_strcaseeq(n, "dtmfmode") || ly_strcaseeq(n, "dtmf_mode"))
		return parse_dtmfmode(v, &e->dtmfmode, err, errlen);
	if (ly_strcaseeq(n, "srtp") || ly_strcaseeq(n, "media_encryption"))
		return parse_srtp(v, &e->srtp, err, errlen);
	if (ly_strcaseeq(n, "mailboxes") || ly_strcaseeq(n, "mailbox"))
		return parse_mailboxes(v, &e->mailboxes, err, errlen);
	return bad_var(err, errlen, v, "unknown endpoint option");
}

static int read_endpoint(const struct ly_cfg_section *s, struct sip_conf *c, char *err,
			 size_t errlen)
{
	struct sip_endpoint_conf *e = ly_calloc(1, sizeof(*e));
	int rc = 0;

	e->name = ly_strdup(s->name);
	e->file = s->file;
	e->line = s->line;
	e->max_contacts = 1;
	e->auth_algos = c->gen.auth_algos;
	e->allow = strv_from_csv(DEFAULT_ALLOW);
	e->call.timers = c->gen.timers;
	e->next = c->endpoints;
	c->endpoints = e;
	for (const struct ly_cfg_var *v = s->vars; v && !rc; v = v->next)
		rc = endpoint_var(v, e, err, errlen);
	if (rc)
		return rc;
	if (!e->secret && !e->secret_auto)
		return bad(err, errlen, s->file, s->line, s->name, NULL,
			   "endpoint needs secret= (or secret=auto to generate one)");
	if (!e->context)
		return bad(err, errlen, s->file, s->line, s->name, NULL, "endpoint needs context=");
	if (check_timers(&e->call.timers, s->file, s->line, s->name, err, errlen))
		return EINVAL;
	if (e->transport) {
		const struct sip_tp_conf *tp = sip_conf_transport(c, e->transport);

		if (!tp)
			return bad(err, errlen, s->file, s->line, s->name, e->transport, "no such transport");
		e->transport_proto = tp->proto;
	}
	for (const char *p = e->name; *p; p++)
		if (!(*p >= '0' && *p <= '9') && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !strchr("-_.!~*'+", *p))
			return bad(err, errlen, s->file, s->line, s->name, NULL,
				   "an endpoint name must be a plain SIP user name");
	return 0;
}

/* "name[:port]": a DNS name of letters, digits, '-' and '.' (RFC 1123 §2.1)
 * with at least one letter, so a mistyped address is not taken for one. */
static int host_name_parse(const char *s, char **name, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	bool letter = false;
	long p = 0;

	if (!len || len > 253 || s[0] == '.' || s[0] == '-')
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			letter = true;
		else if (!(ch >= '0' && ch <= '9') && ch != '-' && ch != '.')
			return EINVAL;
	}
	if (!letter || (colon && ly_parse_int(colon + 1, 1, 65535, &p)))
		return EINVAL;
	*name = ly_strndup(s, len);
	*port = (uint16_t)p;
	return 0;
}

static int trunk_var(const struct ly_cfg_var *v, struct sip_trunk_conf *t, char *err, size_t errlen)
{
	const char *n = v->name;
	int rc;

	if (ly_strcaseeq(n, "type"))
		return 0;
	if (ly_strcaseeq(n, "host")) {
		free(t->host_name);
		t->host_name = NULL;
		t->host_port = 0;
		t->addr_len = 0;
		if (sip_addr_parse(v->value, 5060, &t->addr, &t->addr_len) &&
		    host_name_parse(v->value, &t->host_name, &t->host_port))
			return bad_var(err, errlen, v, "expected a host name or a numeric address, with an optional :port");
		return replace_str(&t->host, v->value), 0;
	}
	if (ly_strcaseeq(n, "username"))
		return replace_str(&t->username, v->value), 0;
	if (ly_strcaseeq(n, "secret") || ly_strcaseeq(n, "password"))
		return replace_str(&t->secret, v->value), 0;
	if (ly_strcaseeq(n, "context"))
		return replace_str(&t->context, v->value), 0;
	if (ly_strcaseeq(n, "transport"))
		return replace_str(&t->transport, v->value), 0;
	if (ly_strcaseeq(n, "register"))
		return parse_bool(v, &t->do_register, err, errlen);
	if (ly_strcaseeq(n, "expiry"))
		return parse_uint(v, 60, 86400, &t->expiry, err, errlen);
	if (ly_strcaseeq(n, "srtp") || ly_strcaseeq(n, "media_encryption"))
		return parse_srtp(v, &t->srtp, err, errlen);
	/* a provider's codecs and DTMF, as an endpoint's */
	if (ly_strcaseeq(n, "allow") || ly_strcaseeq(n, "disallow"))
		return apply_codecs(&t->allow, v, err, errlen);
	if (ly_strcaseeq(n, "dtmfmode") || ly_strcaseeq(n, "dtmf_mode"))
		return parse_dtmfmode(v, &t->dtmfmode, err, errlen);
	if ((rc = call_var(v, &t->call, err, errlen)) != ENOENT)
		return rc;
	return bad_var(err, errlen, v, "unknown trunk option");
}

static int read_trunk(const struct ly_cfg_section *s, struct sip_conf *c, char *err, size_t errlen)
{
	struct sip_trunk_conf *t = ly_calloc(1, sizeof(*t));
	int rc = 0;

	t->name = ly_strdup(s->name);
	t->file = s->file;
	t->line = s->line;
	t->expiry = 3600;
	t->allow = strv_from_csv(DEFAULT_ALLOW);
	t->dtmfmode = SIP_DTMF_RFC4733;
	t->call.timers = c->gen.timers;
	t->next = c->trunks;
	c->trunks = t;
	if (sip_conf_endpoint(c, s->name))
		return bad(err, errlen, s->file, s->line, s->name, NULL, "an endpoint has this name too");
	for (const struct ly_cfg_var *v = s->vars; v && !rc; v = v->next)
		rc = trunk_var(v, t, err, errlen);
	if (rc)
		return rc;
	if (!t->host)
		return bad(err, errlen, s->file, s->line, s->name, NULL, "trunk needs host=");
	if (!t->context)
		return bad(err, errlen, s->file, s->line, s->name, NULL, "trunk needs context=");
	if (check_timers(&t->call.timers, s->file, s->line, s->name, err, errlen))
		return EINVAL;
	if (t->do_register && (!t->username || !t->secret))
		return bad(err, errlen, s->file, s->line, s->name, NULL,
			   "register=yes needs username= and secret=");
	t->proto = SIP_PROTO_UDP;
	if (t->transport) {
		const struct sip_tp_conf *tp = sip_conf_transport(c, t->transport);

		if (!tp)
			return bad(err, errlen, s->file, s->line, s->name, t->transport, "no such transport");
		t->proto = tp->proto;
	}
	return 0;
}

static int read_sections(const struct ly_config *cfg, struct sip_conf *c, char *err, size_t errlen)
{
	const struct ly_cfg_section *gen = ly_cfg_section(cfg, "general");
	int rc = gen ? read_general(gen, &c->gen, err, errlen) : 0;

	/* Transports first, so endpoints and trunks can name them whatever the order. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		for (const struct ly_cfg_section *s = cfg->sections; s && !rc; s = s->next) {
			const char *type = ly_cfg_section_get(s, "type");

			if (s->is_template || ly_strcaseeq(s->name, "general"))
				continue;
			if (!type)
				rc = bad(err, errlen, s->file, s->line, s->name, NULL,
					 "section needs type=transport, endpoint or trunk");
			else if (ly_strcaseeq(type, "transport"))
				rc = pass == 0 ? read_transport(s, c, err, errlen) : 0;
			else if (pass == 0)
				continue;
			else if (ly_strcaseeq(type, "endpoint"))
				rc = read_endpoint(s, c, err, errlen);
			else if (ly_strcaseeq(type, "trunk"))
				rc = read_trunk(s, c, err, errlen);
			else
				rc = bad(err, errlen, s->file, s->line, s->name, type,
					 "unknown type (transport, endpoint or trunk)");
		}
	}
	return rc;
}

/* Sections were prepended while reading: put them back in file order. */
#define REVERSE(type, head)                                  \
	do {                                                 \
		type *done_ = NULL;                          \
		while (head) {                               \
			type *n_ = (head)->next;             \
			(head)->next = done_;                \
			done_ = (head);                      \
			(head) = n_;                         \
		}                                            \
		(head) = done_;                              \
	} while (0)

static void reverse_lists(struct sip_conf *c)
{
	REVERSE(struct sip_tp_conf, c->transports);
	REVERSE(struct sip_endpoint_conf, c->endpoints);
	REVERSE(struct sip_trunk_conf, c->trunks);
}

static int endpoint_name_cmp(const void *a, const void *b)
{
	const struct sip_endpoint_conf *ea = *(struct sip_endpoint_conf *const *)a;
	const struct sip_endpoint_conf *eb = *(struct sip_endpoint_conf *const *)b;

	return strcmp(ea->name, eb->name);
}

/* A profile of the REGISTER path showed the linear scan of 1,000
 * endpoints at 14 % of the daemon's time; a sorted index makes it a
 * binary search. */
static void index_endpoints(struct sip_conf *c)
{
	size_t n = 0;

	for (struct sip_endpoint_conf *e = c->endpoints; e; e = e->next)
		n++;
	c->by_name = ly_calloc(n ? n : 1, sizeof(*c->by_name));
	n = 0;
	for (struct sip_endpoint_conf *e = c->endpoints; e; e = e->next)
		c->by_name[n++] = e;
	qsort(c->by_name, n, sizeof(*c->by_name), endpoint_name_cmp);
	c->n_by_name = n;
}

bool sip_conf_srtp_exposed(const struct sip_conf *c, const char *transport, enum sip_srtp_mode srtp)
{
	const struct sip_tp_conf *tp;

	if (srtp == SIP_SRTP_NO)
		return false;
	if (transport) {
		tp = sip_conf_transport(c, transport);
		return !tp || tp->proto != SIP_PROTO_TLS;
	}
	for (tp = c->transports; tp; tp = tp->next)
		if (tp->proto != SIP_PROTO_TLS)
			return true;	/* "any": the phone may well use this one */
	return false;
}

/* RFC 4568 §8.3: SDES keys travel in the SDP, so only TLS keeps them
 * from anyone who can read the signalling.  They work over UDP and TCP,
 * as phones expect; the administrator is told. */
static void warn_srtp_exposed(const struct sip_conf *c)
{
	for (const struct sip_endpoint_conf *e = c->endpoints; e; e = e->next)
		if (sip_conf_srtp_exposed(c, e->transport, e->srtp))
			ly_warning("%s:%d: endpoint %s: srtp=%s over a transport that is not TLS: "
				   "its SRTP keys cross the network in the clear", e->file, e->line,
				   e->name, sip_srtp_mode_name(e->srtp));
	for (const struct sip_trunk_conf *t = c->trunks; t; t = t->next)
		if (sip_conf_srtp_exposed(c, t->transport ? t->transport : "", t->srtp))
			ly_warning("%s:%d: trunk %s: srtp=%s over a transport that is not TLS: "
				   "its SRTP keys cross the network in the clear", t->file, t->line,
				   t->name, sip_srtp_mode_name(t->srtp));
}

int sip_conf_from_config(struct ly_config *cfg, struct sip_conf **out, char *err, size_t errlen)
{
	struct sip_conf *c = ly_calloc(1, sizeof(*c));
	int rc;

	c->cfg = cfg;
	c->gen = (struct sip_general){
		.realm = ly_strdup("lyre"),
		.default_expiry = 3600,
		.min_expiry = 60,
		.max_expiry = 7200,
		/* MD5 unless sip.conf asks for more: baresip 1.0 and sipp 3.6
		 * answer only the first challenge and know no SHA-256, and
		 * many desk phones are the same (see README.md). */
		.auth_algos = SIP_AUTH_MD5,
		.useragent = ly_strdup("Lyre"),
		.timer_t1 = 500,	/* RFC 3261 §17.1.1.1 */
		.timer_t2 = 4000,
		.timer_t4 = 5000,
		/* Each REGISTER with digest makes two server transactions that
		 * linger 64*T1 = 32 s (Timer J), so 10,000 REGISTER/s keeps
		 * 640,000 alive; a finished one keeps about 1 kB. */
		.max_transactions = 1048576,
		/* Asterisk's subscription limits (sip.conf minexpiry for
		 * SUBSCRIBE is 60; pjsip's default_expiration 3600) */
		.mwi_min_expiry = 60,
		.mwi_max_expiry = 3600,
		.mwi_default_expiry = 3600,
		/* pjsip's defaults */
		.timers = { SIP_TIMERS_YES, 1800, MIN_SE_FLOOR },
	};
	rc = read_sections(cfg, c, err, errlen);
	if (!rc) {
		reverse_lists(c);
		index_endpoints(c);
		warn_srtp_exposed(c);
	}
	if (rc) {
		sip_conf_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int sip_conf_load(const char *confdir, const char *filename, struct sip_conf **out, char *err,
		  size_t errlen)
{
	struct ly_cfg_error cerr;
	struct ly_config *cfg;
	int rc = ly_config_load(confdir, filename, &cfg, &cerr);

	if (rc) {
		snprintf(err, errlen, "%s", cerr.msg);
		return rc;
	}
	return sip_conf_from_config(cfg, out, err, errlen);
}

void sip_conf_free(struct sip_conf *c)
{
	if (!c)
		return;
	while (c->transports) {
		struct sip_tp_conf *t = c->transports;

		c->transports = t->next;
		free(t->name), free(t->bind), free(t->cert_file), free(t->priv_key_file), free(t->ca_file);
		free(t);
	}
	while (c->endpoints) {
		struct sip_endpoint_conf *e = c->endpoints;

		c->endpoints = e->next;
		free(e->name), free(e->secret), free(e->context), free(e->callerid), free(e->transport);
		free(e->cid_name), free(e->cid_num);
		strv_free(e->allow);
		strv_free(e->mailboxes);
		sip_call_conf_clear(&e->call);
		free(e->acl.rules);
		free(e);
	}
	while (c->trunks) {
		struct sip_trunk_conf *t = c->trunks;

		c->trunks = t->next;
		free(t->name), free(t->host), free(t->host_name), free(t->username), free(t->secret), free(t->context);
		free(t->transport);
		strv_free(t->allow);
		sip_call_conf_clear(&t->call);
		free(t);
	}
	free(c->gen.realm);
	free(c->gen.useragent);
	free(c->gen.dns_server);
	free(c->by_name);
	ly_config_free(c->cfg);
	free(c);
}

struct sip_endpoint_conf *sip_conf_endpoint(const struct sip_conf *c, const char *name)
{
	struct sip_endpoint_conf key = { .name = (char *)name }, *pkey = &key, **found;

	if (!c || !name)
		return NULL;
	if (!c->by_name) {	/* still loading: no index yet */
		for (struct sip_endpoint_conf *e = c->endpoints; e; e = e->next)
			if (!strcmp(e->name, name))	/* SIP user names are case-sensitive (§19.1.4) */
				return e;
		return NULL;
	}
	found = bsearch(&pkey, c->by_name, c->n_by_name, sizeof(*c->by_name), endpoint_name_cmp);
	return found ? *found : NULL;
}

struct sip_tp_conf *sip_conf_transport(const struct sip_conf *c, const char *name)
{
	for (struct sip_tp_conf *t = c ? c->transports : NULL; t; t = t->next)
		if (ly_strcaseeq(t->name, name))
			return t;
	return NULL;
}

static bool same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

/* A trunk is identified by its host's address alone: ITSPs send from
 * other ports than the one we register to. */
/* Does "ip:port" / "[v6]:port" name a port (a bare "ip" or "[v6]" does not)? */
static bool host_names_port(const char *host)
{
	const char *colon = strrchr(host, ':');

	if (!colon)
		return false;
	if (host[0] == '[')
		return colon > strchr(host, ']');
	return strchr(host, ':') == colon;	/* one colon: IPv4 with a port */
}

static in_port_t port_of(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port
					: ((const struct sockaddr_in6 *)sa)->sin6_port;
}

/*
 * A provider's calls are recognised by their source: the trunk's host
 * address, and its port too when host= names one (the issue's rule, and
 * Asterisk's without insecure=port), so a phone on the same machine as a
 * trunk's sipp is not mistaken for the trunk.
 */
struct sip_trunk_conf *sip_conf_trunk_by_addr(const struct sip_conf *c, const struct sockaddr *sa)
{
	for (struct sip_trunk_conf *t = c ? c->trunks : NULL; t; t = t->next) {
		const struct sockaddr *ta = (const struct sockaddr *)&t->addr;

		if (!same_host(ta, sa))
			continue;
		if (host_names_port(t->host) && port_of(ta) != port_of(sa))
			continue;
		return t;
	}
	return NULL;
}

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool sip_tp_conf_same(const struct sip_tp_conf *a, const struct sip_tp_conf *b)
{
	return a->proto == b->proto && str_same(a->bind, b->bind) &&
	       str_same(a->cert_file, b->cert_file) && str_same(a->priv_key_file, b->priv_key_file) &&
	       str_same(a->ca_file, b->ca_file);
}

static char *trimmed(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len ? ly_strndup(s, len) : NULL;
}

static bool is_number(const char *s)
{
	return *s && strspn(s, "0123456789+*#") == strlen(s);
}

int sip_callerid_parse(const char *s, char **name, char **num)
{
	const char *lt = strchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	char *n;

	*name = *num = NULL;
	if (lt && !gt)
		return EINVAL;
	if (!lt) {
		/* no <...>: a number alone, else a name alone (as Asterisk's ast_callerid_parse) */
		n = trimmed(s, strlen(s));
		if (n && is_number(n))
			*num = n;
		else
			*name = n;
	} else {
		*num = trimmed(lt + 1, (size_t)(gt - lt - 1));
		*name = trimmed(s, (size_t)(lt - s));
	}
	n = *name;
	if (n && n[0] == '"') {
		size_t len = strlen(n);

		if (len < 2 || n[len - 1] != '"') {
			free(*name), free(*num);
			*name = *num = NULL;
			return EINVAL;
		}
		*name = len > 2 ? ly_strndup(n + 1, len - 2) : NULL;
		free(n);
	}
	return 0;
}
