/* modules/chan_sip/sip_core.c - wiring of transports, transactions and request dispatch for chan_sip. */
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <lyre/lyre.h>

#include "sip_core.h"
#include "sip_endpoint.h"
#include "sip_options.h"
#include "sip_outreg.h"
#include "sip_registrar.h"
#include "sip_registrar_db.h"
#include "sip_resolve.h"
#include "sip_subscribe.h"

/* A listening socket and the configuration it was bound from. */
struct bound_tp {
	struct bound_tp *next;
	struct sip_tp_conf conf;	/* deep copy: survives config swaps */
	struct sip_transport *tp;
	bool in_config;
};

struct sip_core {
	struct ly_loop *loop;
	struct ly_sched *sched;
	struct sip_conf *conf;
	struct sip_tpmgr *tpmgr;
	struct sip_txn_table *txns;
	struct sip_auth_server *auth;
	struct sip_db *db;
	struct sip_registrar *reg;
	struct sip_options *options;
	struct sip_outreg *outreg;
	struct sip_resolver *resolver;	/* trunks named by DNS */
	struct sip_subs *subs;		/* message-summary subscriptions */
	struct bound_tp *bound;
	struct sip_call_hooks hooks;
	bool debug;
	struct sockaddr_storage debug_addr;	/* ss_family 0: every peer */
	uint64_t trim_timer;
	unsigned txn_peak;		/* most live transactions seen since the last trim */
	unsigned txn_last;		/* live transactions at the last look */
	bool trim_tail;			/* trimmed during a load: again until it is over */
};

static struct sip_core *running;

struct sip_core *sip_core_running(void)
{
	return running;
}

void sip_core_set_running(struct sip_core *core)
{
	running = core;
}

const struct sip_conf *sip_core_conf(const struct sip_core *core) { return core->conf; }
struct ly_sched *sip_core_sched(const struct sip_core *core) { return core->sched; }
struct sip_tpmgr *sip_core_tpmgr(const struct sip_core *core) { return core->tpmgr; }
struct sip_txn_table *sip_core_txns(const struct sip_core *core) { return core->txns; }
struct sip_auth_server *sip_core_auth(const struct sip_core *core) { return core->auth; }
struct sip_registrar *sip_core_registrar(const struct sip_core *core) { return core->reg; }
struct sip_options *sip_core_options(const struct sip_core *core) { return core->options; }
struct sip_db *sip_core_db(const struct sip_core *core) { return core->db; }
struct sip_outreg *sip_core_outreg(const struct sip_core *core) { return core->outreg; }
struct sip_resolver *sip_core_resolver(const struct sip_core *core) { return core->resolver; }
struct sip_subs *sip_core_subs(const struct sip_core *core) { return core->subs; }

void sip_core_set_call_hooks(struct sip_core *core, const struct sip_call_hooks *hooks)
{
	core->hooks = hooks ? *hooks : (struct sip_call_hooks){ 0 };
}

void sip_core_src_print(const struct sip_msg_src *src, char *buf, size_t size)
{
	if (src->addr_len)
		ly_addr_print((const struct sockaddr *)&src->addr, buf, size);
	else
		ly_strlcpy(buf, "(none)", size);
}

/* ---- sip set debug ---- */

static bool addr_matches(const struct sockaddr_storage *want, const struct sockaddr_storage *ss)
{
	if (!want->ss_family)
		return true;
	if (want->ss_family != ss->ss_family)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)want, *b = (const void *)ss;

		return a->sin_addr.s_addr == b->sin_addr.s_addr && (!a->sin_port || a->sin_port == b->sin_port);
	}
	const struct sockaddr_in6 *a = (const void *)want, *b = (const void *)ss;

	return !memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) &&
	       (!a->sin6_port || a->sin6_port == b->sin6_port);
}

static void debug_log(struct sip_core *core, const char *dir, enum sip_proto proto,
		      const struct sockaddr_storage *peer, const struct sip_msg *m)
{
	struct ly_buf text;
	char addr[80];

	if (!core->debug || !addr_matches(&core->debug_addr, peer))
		return;
	ly_buf_init(&text);
	sip_msg_print(m, &text);
	ly_addr_print((const struct sockaddr *)peer, addr, sizeof(addr));
	ly_verbose(0, "<--- SIP %s %s %s --->\n%s\n<------------->", dir, sip_proto_name(proto), addr,
		   ly_buf_str(&text));
	ly_buf_free(&text);
}

void sip_core_set_debug(struct sip_core *core, bool on, const struct sockaddr *only, socklen_t len)
{
	core->debug = on;
	memset(&core->debug_addr, 0, sizeof(core->debug_addr));
	if (on && only && len <= sizeof(core->debug_addr))
		memcpy(&core->debug_addr, only, len);
}

bool sip_core_debug(const struct sip_core *core, char *only, size_t size)
{
	if (only && size) {
		only[0] = '\0';
		if (core->debug && core->debug_addr.ss_family)
			ly_addr_print((const struct sockaddr *)&core->debug_addr, only, size);
	}
	return core->debug;
}

/* ---- the transaction layer's transport: an adapter onto sip_tp_send_* ---- */

static int tp_send_request(void *ctx, const struct sip_msg *req, struct sip_msg_src *dst)
{
	struct sip_core *core = ctx;

	debug_log(core, "sent to", dst->proto, &dst->addr, req);
	return sip_tp_send_request(core->tpmgr, req, dst->proto, (const struct sockaddr *)&dst->addr,
				   dst->addr_len, &dst->conn_id);
}

static int tp_send_response(void *ctx, const struct sip_msg *resp, const struct sip_msg_src *src)
{
	struct sip_core *core = ctx;

	debug_log(core, "sent to", src->proto, &src->addr, resp);
	return sip_tp_send_response(core->tpmgr, resp, src);
}

static void on_receive(struct sip_msg *msg, void *arg)
{
	struct sip_core *core = arg;

	debug_log(core, "read from", msg->src.proto, &msg->src.addr, msg);
	sip_txn_receive(core->txns, msg);
}

static void on_conn(uint64_t conn_id, int err, void *arg)
{
	struct sip_core *core = arg;

	if (err)
		sip_txn_conn_failed(core->txns, conn_id, err);
}

/* ---- replies ---- */

void sip_core_add_server(const struct sip_core *core, struct sip_msg *resp)
{
	if (core->conf->gen.useragent)
		sip_msg_hdr_add(resp, "Server", core->conf->gen.useragent);
}

static int reply_v(struct sip_core *core, struct sip_txn *st, int code, const char *reason, va_list ap)
{
	struct sip_msg *resp = sip_msg_new_response(sip_txn_request(st), code, reason, NULL);
	const char *name;
	int rc;

	if (!resp)
		return EINVAL;
	while ((name = va_arg(ap, const char *)) != NULL)
		sip_msg_hdr_add(resp, name, va_arg(ap, const char *));
	sip_core_add_server(core, resp);
	rc = sip_txn_respond(st, resp);
	sip_msg_unref(resp);
	return rc;
}

int sip_core_reply(struct sip_core *core, struct sip_txn *st, int code, const char *reason, ...)
{
	va_list ap;
	int rc;

	va_start(ap, reason);
	rc = reply_v(core, st, code, reason, ap);
	va_end(ap);
	return rc;
}

/* ---- authentication ---- */

#define MAX_CREDENTIALS 8

const struct sip_endpoint_conf *sip_core_authenticate(struct sip_core *core, struct sip_txn *st,
							const struct sip_msg *req, const char *aor_hint)
{
	const struct sip_endpoint_conf *hint = aor_hint ? sip_conf_endpoint(core->conf, aor_hint) : NULL;
	/* The offered algorithms may not depend on whether the user exists
	 * (that would tell who does): unknown users get the [general] set,
	 * so hiding holds as long as endpoints keep it too. */
	struct sip_auth_realm realm = {
		.realm = core->conf->gen.realm,
		.algos = hint ? hint->auth_algos : core->conf->gen.auth_algos,
	};
	struct sip_endpoint_lookup lookup = { core->conf, (const struct sockaddr *)&req->src.addr };
	struct sip_auth_request areq = { req->method, req->ruri.text };
	const char *creds[MAX_CREDENTIALS];
	const struct sip_endpoint_conf *ep = NULL;
	struct sip_auth_decision d;
	struct sip_msg *resp;
	size_t n = 0;

	for (const struct sip_hdr *h = sip_msg_hdr_find(req, SIP_HDR_AUTHORIZATION); h && n < MAX_CREDENTIALS;
	     h = sip_msg_hdr_find_next(h))
		creds[n++] = h->value;
	if (sip_auth_check(core->auth, &realm, &areq, creds, n, sip_endpoint_auth_lookup, &lookup, &d)) {
		sip_core_reply(core, st, 500, "Server Internal Error", NULL);
		return NULL;
	}
	if (d.accepted) {
		ep = sip_conf_endpoint(core->conf, d.username);
		sip_auth_decision_clear(&d);
		return ep;
	}
	if (d.reason != SIP_AUTH_R_NO_CREDENTIALS) {
		char src[80];

		sip_core_src_print(&req->src, src, sizeof(src));
		ly_notice("SIP %s from %s failed authentication (%s)", req->method, src,
			  sip_auth_reason_name(d.reason));
	}
	resp = sip_msg_new_response(req, d.status, NULL, NULL);
	if (resp) {
		for (size_t i = 0; i < d.challenge.count; i++)
			sip_msg_hdr_add(resp, d.header, d.challenge.values[i]);
		sip_core_add_server(core, resp);
		sip_txn_respond(st, resp);
		sip_msg_unref(resp);
	}
	sip_auth_decision_clear(&d);
	return NULL;
}

/* ---- dispatch (§8.2) ---- */

/* The one extension this UAS offers is RFC 4028's session timer, which the
 * dialog layer runs for INVITE and UPDATE: a UAC may insist on it with
 * Require: timer (§7.1), and must not get 420 for that. */
static bool tag_supported(const struct sip_msg *req, const struct sip_str *tag)
{
	return tag->len == 5 && !strncasecmp(tag->s, "timer", 5) &&
	       (req->method_id == SIP_METHOD_INVITE || req->method_id == SIP_METHOD_UPDATE);
}

/* §8.2.2.3: a Require with any tag we do not support gets 420 listing them. */
static bool reject_require(struct sip_core *core, struct sip_txn *st, const struct sip_msg *req)
{
	struct sip_value_iter it;
	struct sip_str v;
	struct ly_buf tags;
	bool rejected;

	if (req->method_id == SIP_METHOD_ACK || req->method_id == SIP_METHOD_CANCEL)
		return false;	/* §8.2.2.3: never for ACK or CANCEL */
	ly_buf_init(&tags);
	sip_value_iter_init(&it, req, "Require");
	while (sip_value_next(&it, &v)) {
		if (tag_supported(req, &v))
			continue;
		if (tags.len)
			ly_buf_puts(&tags, ", ");
		ly_buf_append(&tags, v.s, v.len);
	}
	rejected = tags.len > 0;
	if (rejected)
		sip_core_reply(core, st, 420, NULL, "Unsupported", ly_buf_str(&tags), NULL);
	ly_buf_free(&tags);	/* zeroes tags.len: the answer was kept above */
	return rejected;
}

/* §8.2.3: a body we cannot read gets 415 with Accept. */
static bool reject_content(struct sip_core *core, struct sip_txn *st, const struct sip_msg *req)
{
	char type[64];
	size_t n;

	if (!req->body_len || !req->content_type)
		return false;
	n = strcspn(req->content_type, "; \t");
	if (n >= sizeof(type))
		n = sizeof(type) - 1;
	memcpy(type, req->content_type, n);
	type[n] = '\0';
	if (ly_strcaseeq(type, "application/sdp"))
		return false;
	/* DTMF in INFO (sip_dtmf.h) */
	if (req->method_id == SIP_METHOD_INFO &&
	    (ly_strcaseeq(type, "application/dtmf-relay") || ly_strcaseeq(type, "application/dtmf")))
		return false;
	sip_core_reply(core, st, 415, NULL, "Accept", SIP_CORE_ACCEPT, NULL);
	return true;
}

/* §8.2.2 / RFC 3261 §21.4.7: an INVITE whose Accept leaves out SDP cannot
 * get an answer it reads. */
static bool reject_accept(struct sip_core *core, struct sip_txn *st, const struct sip_msg *req)
{
	struct sip_value_iter it;
	struct sip_str v;
	bool has_accept = false;

	sip_value_iter_init(&it, req, "Accept");
	while (sip_value_next(&it, &v)) {
		has_accept = true;
		if ((v.len >= 15 && !strncasecmp(v.s, "application/sdp", 15)) ||
		    (v.len >= 3 && (!strncmp(v.s, "*/*", 3) || !strncasecmp(v.s, "application/*", 13))))
			return false;
	}
	if (!has_accept)
		return false;
	sip_core_reply(core, st, 406, NULL, "Warning", "399 lyre \"Only application/sdp bodies are supported\"",
		       NULL);
	return true;
}

static void handle_other(struct sip_core *core, struct sip_txn *st, struct sip_msg *req)
{
	if (core->hooks.request && core->hooks.request(core, st, req, core->hooks.arg))
		return;
	if (req->method_id == SIP_METHOD_BYE)
		sip_core_reply(core, st, 481, NULL, NULL);	/* no dialog exists outside the call layer */
	else
		sip_core_reply(core, st, 405, NULL, "Allow", SIP_CORE_ALLOW, NULL);
}

static void handle_invite(struct sip_core *core, struct sip_txn *st, struct sip_msg *req)
{
	const struct sip_trunk_conf *trunk;
	const struct sip_endpoint_conf *ep;
	char from[128], src[80];

	if (req->to.tag) {
		handle_other(core, st, req);	/* a re-INVITE belongs to its dialog (§12.2.2) */
		return;
	}
	if (reject_accept(core, st, req))
		return;
	sip_core_src_print(&req->src, src, sizeof(src));
	trunk = sip_conf_trunk_by_addr(core->conf, (const struct sockaddr *)&req->src.addr);
	if (!trunk)
		trunk = sip_resolver_trunk_by_addr(core->resolver, core->conf, (const struct sockaddr *)&req->src.addr);
	if (trunk) {
		/* An ITSP does not answer challenges: its source address is its identity. */
		ly_verbose(2, "SIP INVITE %s from trunk %s (%s) enters context %s", req->ruri.text,
			   trunk->name, src, trunk->context);
		if (!core->hooks.invite || !core->hooks.invite(core, st, req, NULL, trunk, core->hooks.arg))
			sip_core_reply(core, st, 480, "Temporarily Unavailable", NULL);
		return;
	}
	ep = sip_core_authenticate(core, st, req,
				   req->has_from && sip_uri_user(&req->from.uri, from, sizeof(from)) ? from : NULL);
	if (!ep)
		return;
	ly_verbose(2, "SIP INVITE %s from endpoint %s (%s), context %s", req->ruri.text, ep->name, src,
		   ep->context);
	/* Calls are taken by the call layer; without it nobody can answer. */
	if (!core->hooks.invite || !core->hooks.invite(core, st, req, ep, NULL, core->hooks.arg))
		sip_core_reply(core, st, 480, "Temporarily Unavailable", NULL);
}

static void on_request(struct sip_txn *st, struct sip_msg *req, void *arg)
{
	struct sip_core *core = arg;

	if (req->ruri.scheme != SIP_URI_SIP && req->ruri.scheme != SIP_URI_SIPS) {
		sip_core_reply(core, st, 416, NULL, NULL);	/* §8.2.2.1 */
		return;
	}
	if (req->method_id == SIP_METHOD_OTHER) {
		sip_core_reply(core, st, 501, NULL, "Allow", SIP_CORE_ALLOW, NULL);	/* §8.2.1 */
		return;
	}
	if (reject_require(core, st, req) || reject_content(core, st, req))
		return;
	switch (req->method_id) {
	case SIP_METHOD_REGISTER:
		sip_registrar_handle(core->reg, st, req);
		break;
	case SIP_METHOD_OPTIONS:
		sip_options_answer(core, st, req);
		break;
	case SIP_METHOD_SUBSCRIBE:
		/* in-dialog ones too: subscriptions are no INVITE dialogs, so
		 * the call layer's dialog table would answer them 481 */
		sip_subs_handle(core->subs, st, req);
		break;
	case SIP_METHOD_INVITE:
		handle_invite(core, st, req);
		break;
	default:
		handle_other(core, st, req);
		break;
	}
}

static void on_ack(struct sip_msg *ack, struct sip_txn *st, void *arg)
{
	struct sip_core *core = arg;

	if (core->hooks.ack)
		core->hooks.ack(core, ack, st, core->hooks.arg);
	else if (core->hooks.request && !st)
		core->hooks.request(core, NULL, ack, core->hooks.arg);
}

static void on_stray(struct sip_msg *resp, void *arg)
{
	struct sip_core *core = arg;

	if (core->hooks.stray)
		core->hooks.stray(core, resp, core->hooks.arg);
}

void sip_core_txn_transport(struct sip_core *core, struct sip_txn_transport *out)
{
	*out = (struct sip_txn_transport){ tp_send_request, tp_send_response, core };
}

/* ---- transports ---- */

static void bound_free(struct bound_tp *b)
{
	free(b->conf.name), free(b->conf.bind), free(b->conf.cert_file);
	free(b->conf.priv_key_file), free(b->conf.ca_file);
	free(b);
}

static char *dup_or_null(const char *s)
{
	return s ? ly_strdup(s) : NULL;
}

static int bind_transport(struct sip_core *core, const struct sip_tp_conf *tc, char *err, size_t errlen)
{
	struct sip_tls_opts tls = { tc->cert_file, tc->priv_key_file, tc->ca_file, false };
	struct bound_tp *b = ly_calloc(1, sizeof(*b));
	int rc = sip_tpmgr_listen(core->tpmgr, tc->proto, tc->bind,
				  tc->proto == SIP_PROTO_TLS ? &tls : NULL, &b->tp);

	if (rc) {
		snprintf(err, errlen, "%s:%d: transport %s: cannot listen on %s %s: %s", tc->file, tc->line,
			 tc->name, sip_proto_name(tc->proto), tc->bind, strerror(rc));
		free(b);
		return rc;
	}
	b->conf = (struct sip_tp_conf){
		.name = ly_strdup(tc->name), .proto = tc->proto, .bind = ly_strdup(tc->bind),
		.cert_file = dup_or_null(tc->cert_file), .priv_key_file = dup_or_null(tc->priv_key_file),
		.ca_file = dup_or_null(tc->ca_file),
	};
	b->in_config = true;
	b->next = core->bound;
	core->bound = b;
	ly_verbose(1, "SIP transport %s listening on %s %s", tc->name, sip_proto_name(tc->proto),
		   sip_transport_sentby(b->tp));
	return 0;
}

static struct bound_tp *find_bound(struct sip_core *core, const struct sip_tp_conf *tc)
{
	for (struct bound_tp *b = core->bound; b; b = b->next)
		if (sip_tp_conf_same(&b->conf, tc))
			return b;
	return NULL;
}

/*
 * Bind what conf has and is not bound yet.  The transport layer has no way
 * to close one listener, so a transport removed from sip.conf stays bound
 * (and is shown so) until the module is unloaded or the daemon restarts.
 */
static int apply_transports(struct sip_core *core, const struct sip_conf *conf, char *err, size_t errlen)
{
	int rc = 0;

	for (const struct sip_tp_conf *tc = conf->transports; tc && !rc; tc = tc->next)
		if (!find_bound(core, tc))
			rc = bind_transport(core, tc, err, errlen);
	if (rc)
		return rc;
	for (struct bound_tp *b = core->bound; b; b = b->next) {
		const struct sip_tp_conf *tc;

		for (tc = conf->transports; tc && !sip_tp_conf_same(&b->conf, tc); tc = tc->next)
			;
		if (!tc && b->in_config)
			ly_warning("SIP transport %s (%s %s) is no longer configured; it stays bound until "
				   "chan_sip is unloaded", b->conf.name, sip_proto_name(b->conf.proto), b->conf.bind);
		b->in_config = tc != NULL;
		if (tc && strcmp(tc->name, b->conf.name)) {
			free(b->conf.name);
			b->conf.name = ly_strdup(tc->name);
		}
	}
	return 0;
}

void sip_core_foreach_transport(const struct sip_core *core,
				void (*fn)(const struct sip_core_tp_info *tp, void *arg), void *arg)
{
	for (const struct bound_tp *b = core->bound; b; b = b->next) {
		struct sip_core_tp_info info = { b->conf.name, b->conf.proto, b->conf.bind,
						 sip_transport_sentby(b->tp), b->in_config };

		fn(&info, arg);
	}
}

/* ---- life cycle ---- */

static void apply_force_rport(struct sip_core *core)
{
	/* force_rport is per endpoint in sip.conf, but the transport layer
	 * routes responses before anyone knows the endpoint: any endpoint
	 * asking for it turns it on for all (RFC 3581 behaviour is harmless
	 * for phones that are not behind NAT). */
	bool on = false;

	for (const struct sip_endpoint_conf *e = core->conf->endpoints; e; e = e->next)
		on |= e->force_rport;
	sip_tpmgr_set_force_rport(core->tpmgr, on);
}

static int open_db(struct sip_core *core, const char *statedir)
{
	char *path = ly_asprintf("%s/sip_registrations.db", statedir);
	int rc = sip_db_open(path, &core->db);

	free(path);
	return rc;
}

/*
 * Memory back to the system after a load.  Every finished transaction
 * lingers 64*T1 = 32 s over UDP (Timers D, J, L, M), an INVITE's with its
 * messages and dialog, so a burst of calls leaves tens of MB in use that
 * all come free half a minute later.  glibc's free() gives memory back
 * only from the top of the heap, and any block still in use above the
 * freed ones (a channel, a grown table) keeps the rest resident: 45 s
 * after 2,000 calls, 90 of the 91.5 MB heap were free and still counted
 * in RSS.  ly_mem_release() releases every free page wherever it lies,
 * and the blocks this thread's malloc cache kept, so it runs every few
 * seconds while the transaction count falls: once at least
 * a quarter of the high mark (and TRIM_MIN_DROP) has gone since the last
 * look, so a steady load's ups and downs never trigger it.  Then the tail:
 * the last few hundred transactions end over another 32 s, and each block
 * they free goes to this thread's cache (up to 7 per size class) wherever
 * in the grown heap it lies.  So below TRIM_MIN_DROP it trims at every
 * look while the count still falls, and once more when it has stopped
 * falling (an office's trickle of REGISTERs and OPTIONS never reaches 0).
 */
#define TRIM_CHECK_MS 5000
#define TRIM_MIN_DROP 200	/* fewer ended transactions hold too little to matter */

static void trim(struct sip_core *core, unsigned n)
{
	ly_mem_release();
	ly_debug(1, "SIP: %u transactions after a high of %u: memory trimmed", n, core->txn_peak);
	core->txn_peak = n;
}

static int trim_check(void *arg)
{
	struct sip_core *core = arg;
	unsigned n = sip_txn_table_count(core->txns);
	unsigned dropped = core->txn_peak > n ? core->txn_peak - n : 0;
	bool falling = n < core->txn_last;

	core->txn_last = n;
	if (core->trim_tail && n < TRIM_MIN_DROP) {
		/* the load's last calls end (and the tables shrink) */
		trim(core, n);
		core->trim_tail = falling;
	} else if (n >= core->txn_peak) {
		core->txn_peak = n;
	} else if (dropped >= TRIM_MIN_DROP && dropped >= core->txn_peak / 4) {
		trim(core, n);
		core->trim_tail = true;
	}
	return TRIM_CHECK_MS;
}

int sip_core_start(struct ly_loop *loop, struct sip_conf *conf, const char *statedir,
		   struct sip_core **out)
{
	struct sip_core *core = ly_calloc(1, sizeof(*core));
	struct sip_txn_transport tp = { tp_send_request, tp_send_response, core };
	struct sip_txn_handlers h = { on_request, on_ack, on_stray, core };
	char err[512];
	int rc;

	core->loop = loop;
	core->sched = ly_loop_sched(loop);
	core->conf = conf;
	core->tpmgr = sip_tpmgr_new(loop, on_receive, core);
	sip_tpmgr_set_conn_cb(core->tpmgr, on_conn, core);
	/* [general] timer_t1/t2/t4 and max_transactions; fixed for the life of the table */
	core->txns = sip_txn_table_new(core->sched, &(struct sip_txn_config){ .t1_ms = conf->gen.timer_t1,
			.t2_ms = conf->gen.timer_t2, .t4_ms = conf->gen.timer_t4,
			.max_transactions = conf->gen.max_transactions }, &tp, &h);
	rc = sip_auth_server_new(NULL, &core->auth);
	if (!rc)
		rc = open_db(core, statedir);
	if (!rc)
		rc = sip_endpoint_resolve_secrets(conf, core->db);
	if (!rc && (rc = apply_transports(core, conf, err, sizeof(err))) != 0)
		ly_error("%s", err);
	if (rc) {
		sip_core_stop(core);
		return rc;
	}
	apply_force_rport(core);
	core->reg = sip_registrar_new(core);
	core->options = sip_options_new(core);
	core->subs = sip_subs_new(core);
	sip_registrar_restore(core->reg);
	core->resolver = sip_resolver_new(loop);
	sip_resolver_sync(core->resolver, conf);
	core->outreg = sip_outreg_new(core);
	core->trim_timer = ly_sched_add(core->sched, TRIM_CHECK_MS, trim_check, core);
	*out = core;
	return 0;
}

int sip_core_reconfigure(struct sip_core *core, struct sip_conf *conf, char *err, size_t errlen)
{
	int rc = sip_endpoint_resolve_secrets(conf, core->db);

	if (rc)
		snprintf(err, errlen, "cannot store generated secrets");
	else
		rc = apply_transports(core, conf, err, errlen);
	if (rc) {
		sip_conf_free(conf);
		return rc;
	}
	sip_conf_free(core->conf);
	core->conf = conf;
	apply_force_rport(core);
	sip_resolver_sync(core->resolver, conf);
	return 0;
}

void sip_core_stop(struct sip_core *core)
{
	if (!core)
		return;
	if (core->trim_timer)
		ly_sched_del(core->sched, core->trim_timer);
	/* Trunks are un-registered while transactions can still be sent. */
	sip_outreg_free(core->outreg);
	core->outreg = NULL;
	sip_resolver_free(core->resolver);
	core->resolver = NULL;
	sip_options_free(core->options);
	core->options = NULL;
	/* subscribers hear "terminated" while transactions can be sent */
	sip_subs_free(core->subs);
	core->subs = NULL;
	/* The registrar writes its last changes; transactions end before the
	 * transports they send on. */
	sip_registrar_free(core->reg);
	core->reg = NULL;
	sip_txn_table_free(core->txns);
	sip_tpmgr_free(core->tpmgr);
	while (core->bound) {
		struct bound_tp *b = core->bound;

		core->bound = b->next;
		bound_free(b);
	}
	sip_auth_server_free(core->auth);
	sip_db_close(core->db);
	sip_conf_free(core->conf);
	free(core);
}
