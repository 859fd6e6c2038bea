/* modules/chan_sip/sip_options.c - OPTIONS answers and qualify pings of registered contacts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>

#include "sip_mwi_body.h"
#include "sip_options.h"

#define QUALIFY_TICK_MS 1000

struct sip_options {
	struct sip_core *core;
	uint64_t tick;
};

const char *sip_reach_name(enum sip_reach r)
{
	static const char *const names[] = { "Unknown", "Reachable", "Unreachable" };

	return names[r];
}

/* §11.2: the capabilities, whoever asks (an OPTIONS is a ping, so no
 * authentication: that would only make monitoring harder). */
void sip_options_answer(struct sip_core *core, struct sip_txn *st, struct sip_msg *req)
{
	(void)req;
	sip_core_reply(core, st, 200, NULL, "Allow", SIP_CORE_ALLOW, "Accept", SIP_CORE_ACCEPT,
		       "Accept-Encoding", "identity", "Accept-Language", "en", "Supported", "",
		       "Allow-Events", SIP_MWI_EVENT, NULL);
}

/* ---- qualify ---- */

static const struct sip_txn_user no_user;

void sip_options_binding_gone(struct sip_binding *b)
{
	if (!b->qualify_txn)
		return;
	sip_txn_set_user(b->qualify_txn, &no_user, NULL);
	sip_txn_unref(b->qualify_txn);
	b->qualify_txn = NULL;
}

static void set_reach(struct sip_binding *b, enum sip_reach r, unsigned rtt)
{
	if (b->reach != r)
		ly_verbose(1, "SIP contact %s of %s is now %s", b->uri, b->aor, sip_reach_name(r));
	b->reach = r;
	b->rtt_ms = rtt;
}

static void ping_done(struct sip_binding *b)
{
	const struct sip_core *core = sip_core_running();
	const struct sip_endpoint_conf *ep = core ? sip_conf_endpoint(sip_core_conf(core), b->aor) : NULL;

	b->next_qualify_ms = ly_now_ms() + (ep && ep->qualify ? ep->qualify : 60) * 1000ull;
	sip_txn_unref(b->qualify_txn);
	b->qualify_txn = NULL;
}

static void on_response(struct sip_txn *ct, struct sip_msg *resp, void *arg)
{
	struct sip_binding *b = arg;

	(void)ct;
	if (resp->status < 200)
		return;
	/* Any final answer proves the contact alive, as Asterisk's qualify. */
	set_reach(b, SIP_REACH_REACHABLE, (unsigned)(ly_now_ms() - b->qualify_sent_ms));
	sip_txn_set_user(b->qualify_txn, &no_user, NULL);
	ping_done(b);
}

static void on_failure(struct sip_binding *b)
{
	set_reach(b, SIP_REACH_UNREACHABLE, 0);
	sip_txn_set_user(b->qualify_txn, &no_user, NULL);
	ping_done(b);
}

static void on_timeout(struct sip_txn *t, void *arg)
{
	(void)t;
	on_failure(arg);
}

static void on_transport_error(struct sip_txn *t, int err, void *arg)
{
	(void)t;
	(void)err;
	on_failure(arg);
}

static const struct sip_txn_user qualify_user = {
	.response = on_response,
	.timeout = on_timeout,
	.transport_error = on_transport_error,
};

static struct sip_msg *make_options(const struct sip_binding *b, const struct sip_transport *tp,
				    const struct sip_msg_src *dst, const char *useragent)
{
	struct sip_msg *req = sip_msg_new_request("OPTIONS", b->uri);
	const char *sentby = sip_transport_sentby(tp);
	char branch[40], tag[17], callid[33];

	if (!req)
		return NULL;
	sip_make_branch(branch, 24);
	sip_make_token(tag, 16);
	sip_make_token(callid, 32);
	sip_msg_hdr_addf(req, "Via", "SIP/2.0/%s %s;branch=%s;rport", sip_proto_name(dst->proto), sentby,
			 branch);
	sip_msg_hdr_add(req, "Max-Forwards", "70");
	sip_msg_hdr_addf(req, "From", "<sip:lyre@%s>;tag=%s", sentby, tag);
	sip_msg_hdr_addf(req, "To", "<%s>", b->uri);
	sip_msg_hdr_addf(req, "Call-ID", "%s", callid);
	sip_msg_hdr_add(req, "CSeq", "1 OPTIONS");
	sip_msg_hdr_add(req, "Accept", SIP_CORE_ACCEPT);
	if (useragent)
		sip_msg_hdr_add(req, "User-Agent", useragent);
	return req;
}

static void ping(struct sip_core *core, struct sip_binding *b, const struct sip_endpoint_conf *ep)
{
	struct sip_msg_src dst;
	struct sip_transport *tp;
	struct sip_msg *req;
	int rc = EINVAL;

	sip_binding_dest(b, ep, &dst);
	tp = dst.addr_len ? sip_tpmgr_find(sip_core_tpmgr(core), dst.proto, dst.addr.ss_family) : NULL;
	req = tp ? make_options(b, tp, &dst, sip_core_conf(core)->gen.useragent) : NULL;
	b->qualify_sent_ms = ly_now_ms();
	if (req)
		rc = sip_txn_client_start(sip_core_txns(core), req, &dst, &qualify_user, b, &b->qualify_txn);
	sip_msg_unref(req);
	if (rc) {
		b->qualify_txn = NULL;
		set_reach(b, SIP_REACH_UNREACHABLE, 0);
		b->next_qualify_ms = ly_now_ms() + ep->qualify * 1000ull;
	}
}

struct tick_ctx {
	struct sip_core *core;
	uint64_t now;
};

static void tick_binding(struct sip_binding *b, void *arg)
{
	struct tick_ctx *ctx = arg;
	const struct sip_endpoint_conf *ep = sip_conf_endpoint(sip_core_conf(ctx->core), b->aor);

	if (!ep || !ep->qualify || b->qualify_txn || b->next_qualify_ms > ctx->now)
		return;
	ping(ctx->core, b, ep);
}

static int tick_cb(void *arg)
{
	struct sip_options *o = arg;
	struct tick_ctx ctx = { o->core, ly_now_ms() };

	sip_registrar_foreach(sip_core_registrar(o->core), NULL, tick_binding, &ctx);
	return QUALIFY_TICK_MS;
}

struct sip_options *sip_options_new(struct sip_core *core)
{
	struct sip_options *o = ly_calloc(1, sizeof(*o));

	o->core = core;
	o->tick = ly_sched_add(sip_core_sched(core), QUALIFY_TICK_MS, tick_cb, o);
	return o;
}

void sip_options_free(struct sip_options *o)
{
	if (!o)
		return;
	ly_sched_del(sip_core_sched(o->core), o->tick);
	free(o);
}
