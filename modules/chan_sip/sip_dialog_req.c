/* modules/chan_sip/sip_dialog_req.c - requests inside a dialog: building (§12.2.1.1), sending, their responses, glare (§14.1), ACK and BYE. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_dialog_int.h"
#include "sip_transport.h"

uint32_t dlg_random(uint32_t below)
{
	char tok[16];

	sip_make_token(tok, 8);
	return below ? (uint32_t)(strtoul(tok, NULL, 16) % below) : 0;
}

/* Where a URI points: its transport parameter (sips: TLS, §19.1.2),
 * host and port (5060, or 5061 for TLS).  Numeric hosts only: name
 * resolution (RFC 3263) belongs to the transport layer, which has none
 * yet.  0 or EHOSTUNREACH. */
int dlg_resolve(const struct sip_uri *u, struct sip_msg_src *dst)
{
	struct sip_str tp;
	char hostport[300];
	uint16_t port;

	memset(dst, 0, sizeof(*dst));
	if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS)
		return EHOSTUNREACH;
	dst->proto = u->scheme == SIP_URI_SIPS ? SIP_PROTO_TLS : SIP_PROTO_UDP;
	if (u->scheme == SIP_URI_SIP && sip_uri_param(u, "transport", &tp))
		dst->proto = sip_proto_parse(tp.s, tp.len);
	port = u->port ? u->port : (dst->proto == SIP_PROTO_TLS ? 5061 : 5060);
	snprintf(hostport, sizeof(hostport), u->host_ipv6 ? "[%s]:%u" : "%s:%u", u->host, port);
	if (sip_addr_parse(hostport, port, &dst->addr, &dst->addr_len) != 0)
		return EHOSTUNREACH;
	return 0;
}

/* The URI inside a Route value "<sip:p1;lr>" (parsed into buf). */
static int route_uri(const char *route, struct sip_nameaddr *na, char *buf)
{
	return sip_nameaddr_parse(na, route, strlen(route), buf);
}

/* The first route carries lr: loose routing (§16.12 / §12.2.1.1). */
static bool first_route_loose(const struct sip_dialog *d, struct sip_uri *first)
{
	struct sip_str v;

	return sip_uri_param(first, "lr", &v) || !d->nroutes;
}

/* Whether the dialog's route set starts with a strict router. */
static bool route_set_strict(const struct sip_dialog *d)
{
	struct sip_nameaddr first;
	char *buf;
	bool strict;

	if (!d->nroutes)
		return false;
	buf = ly_malloc(SIP_NAMEADDR_BUF(strlen(d->routes[0])));
	strict = route_uri(d->routes[0], &first, buf) == 0 && !first_route_loose(d, &first.uri);
	free(buf);
	return strict;
}

/*
 * Where req goes (§8.1.2): the fixed destination if set; else, when the
 * route set starts with a strict router, the Request-URI (which §12.2.1.1
 * made that router); else the first Route, or the Request-URI without one.
 * The rule looks at the route set, not at the message: with a strict first
 * hop the message's first Route is the second hop, which may be loose.
 */
static int next_hop(const struct sip_dialog *d, const struct sip_msg *req, struct sip_msg_src *dst)
{
	struct sip_value_iter it;
	struct sip_str v;
	int err;

	if (d->fixed_dst) {
		*dst = d->dst;
		return 0;
	}
	sip_value_iter_init(&it, req, "Route");
	if (!route_set_strict(d) && sip_value_next(&it, &v)) {
		char *buf = ly_malloc(SIP_NAMEADDR_BUF(v.len));
		struct sip_nameaddr na;

		err = sip_nameaddr_parse(&na, v.s, v.len, buf) ? EHOSTUNREACH : dlg_resolve(&na.uri, dst);
		free(buf);
		return err;
	}
	/* the message parsed its Request-URI when it was made */
	return dlg_resolve(&req->ruri, dst);
}

/*
 * Request-URI and Route headers per §12.2.1.1, and the next hop: the
 * first Route when it is a loose router, else the Request-URI (the
 * strict router itself, which gets the remote target appended as the
 * last Route).
 */
static struct sip_msg *new_routed(struct sip_dialog *d, const char *method, struct sip_msg_src *dst)
{
	char *buf = d->nroutes ? ly_malloc(SIP_NAMEADDR_BUF(strlen(d->routes[0]))) : NULL;
	struct sip_nameaddr first;
	struct sip_msg *m = NULL;
	bool loose = true;

	if (d->nroutes && route_uri(d->routes[0], &first, buf) != 0) {
		free(buf);
		return NULL;
	}
	if (d->nroutes)
		loose = first_route_loose(d, &first.uri);
	m = sip_msg_new_request(method, loose ? d->remote_target : first.uri.text);
	if (!m) {
		free(buf);
		return NULL;
	}
	for (size_t i = loose ? 0 : 1; i < d->nroutes; i++)
		sip_msg_hdr_add(m, "Route", d->routes[i]);
	if (!loose)
		sip_msg_hdr_join(m, "Route", "<", d->remote_target, ">");
	free(buf);
	if (next_hop(d, m, dst) != 0) {
		ly_warning("SIP dialog %s: cannot send %s: next hop is no numeric address", d->call_id, method);
		sip_msg_unref(m);
		return NULL;
	}
	return m;
}

static void add_via(struct sip_dialog *d, struct sip_msg *m, enum sip_proto proto)
{
	char branch[40];

	sip_make_branch(branch, 24);
	sip_msg_hdr_join(m, "Via", "SIP/2.0/", sip_proto_name(proto), " ", d->sentby, ";branch=", branch, ";rport");
}

/* Everything but Route/Request-URI: Via, Max-Forwards, From, To, Call-ID, CSeq. */
static struct sip_msg *build(struct sip_dialog *d, const char *method, uint32_t cseq, struct sip_msg_src *dst)
{
	struct sip_msg *m = new_routed(d, method, dst);
	char num[12];

	if (!m)
		return NULL;
	add_via(d, m, dst->proto);
	sip_msg_hdr_add(m, "Max-Forwards", "70");
	sip_msg_hdr_join(m, "From", d->local_uri, ";tag=", d->local_tag);
	sip_msg_hdr_join(m, "To", d->remote_uri, ";tag=", d->remote_tag);
	sip_msg_hdr_add(m, "Call-ID", d->call_id);
	sip_msg_hdr_join(m, "CSeq", sip_uint_str(num, cseq), " ", method);
	dlg_add_common(d, m, true);
	return m;
}

struct sip_msg *sip_dialog_request_new(struct sip_dialog *d, const char *method)
{
	struct sip_msg_src dst;

	if (d->state == SIP_DIALOG_TERMINATED || !d->remote_tag || !d->remote_target)
		return NULL;
	if (strcmp(method, "ACK") == 0 || strcmp(method, "CANCEL") == 0)
		return build(d, method, d->local_cseq, &dst);
	/* §12.2.1.1: the local sequence number is incremented for each request
	 * (ACK and CANCEL reuse the one of the request they belong to). */
	return build(d, method, ++d->local_cseq, &dst);
}

/* A target refresh we send carries our SDP (kept for refreshes) and the
 * session timer of RFC 4028 §7.1. */
static void prepare(struct sip_dialog *d, struct sip_msg *req)
{
	if (dlg_is_target_refresh(req->method_id)) {
		dlg_keep_body(d, req);
		dlg_se_add_request(d, req, true);
	}
}

int sip_dialog_request_send(struct sip_dialog *d, struct sip_msg *req)
{
	struct sip_msg_src dst;
	struct sip_txn *ct = NULL;
	int err;

	if (d->state == SIP_DIALOG_TERMINATED)
		return ESRCH;
	/* §14.1: no re-INVITE while another INVITE transaction is in progress;
	 * RFC 3311 §5.1: no UPDATE with an offer while one is outstanding */
	if ((req->method_id == SIP_METHOD_INVITE || req->method_id == SIP_METHOD_UPDATE) &&
	    (d->out_invite || d->out_update || d->in_invite || d->in_update))
		return EBUSY;
	err = next_hop(d, req, &dst);
	if (err)
		return err;
	prepare(d, req);
	err = sip_txn_client_start(d->dt->txns, req, &dst, &dlg_client_user, sip_dialog_ref(d), &ct);
	if (err) {
		sip_dialog_unref(d);
		return err;
	}
	if (req->method_id == SIP_METHOD_INVITE)
		d->out_invite = ct;	/* the reference *out gave us */
	else if (req->method_id == SIP_METHOD_UPDATE)
		d->out_update = ct;
	else
		sip_txn_unref(ct);
	return 0;
}

static int send_with_body(struct sip_dialog *d, const char *method, const char *ct, const void *body, size_t len)
{
	struct sip_msg *req;
	int err;

	if (d->state == SIP_DIALOG_TERMINATED)
		return ESRCH;
	if ((strcmp(method, "INVITE") == 0 || strcmp(method, "UPDATE") == 0) &&
	    (d->out_invite || d->out_update || d->in_invite || d->in_update))
		return EBUSY;	/* checked before a CSeq number is spent */
	req = sip_dialog_request_new(d, method);
	if (!req)
		return EHOSTUNREACH;
	if (ct && len)
		sip_msg_set_body(req, ct, body, len);
	err = sip_dialog_request_send(d, req);
	sip_msg_unref(req);
	return err;
}

int sip_dialog_reinvite(struct sip_dialog *d, const char *ct, const void *body, size_t len)
{
	return send_with_body(d, "INVITE", ct, body, len);
}

int sip_dialog_update(struct sip_dialog *d, const char *ct, const void *body, size_t len)
{
	return send_with_body(d, "UPDATE", ct, body, len);
}

int sip_dialog_info(struct sip_dialog *d, const char *ct, const void *body, size_t len)
{
	return send_with_body(d, "INFO", ct, body, len);
}

int dlg_send_bye(struct sip_dialog *d)
{
	struct sip_msg *req;
	int err;

	if (!d->end_reason)
		return send_with_body(d, "BYE", NULL, NULL, 0);
	if (d->state == SIP_DIALOG_TERMINATED)
		return ESRCH;
	req = sip_dialog_request_new(d, "BYE");
	if (!req)
		return EHOSTUNREACH;
	sip_msg_hdr_add(req, "Reason", d->end_reason);	/* RFC 3326 §2 */
	err = sip_dialog_request_send(d, req);
	sip_msg_unref(req);
	return err;
}

void sip_dialog_set_end_reason(struct sip_dialog *d, const char *reason)
{
	free(d->end_reason);
	d->end_reason = reason ? ly_strdup(reason) : NULL;
}

/* §13.2.2.4: the ACK of a 2xx is a request of its own with the INVITE's
 * CSeq number, built from the dialog, sent straight to the transport; it
 * is kept to answer retransmissions of that 2xx. */
int dlg_send_ack(struct sip_dialog *d, const struct sip_msg *resp)
{
	struct sip_msg_src dst;
	struct sip_msg *ack;

	if (d->ack && d->ack->cseq == resp->cseq)
		return d->dt->tp.send_request(d->dt->tp.ctx, d->ack, &d->ack_dst);
	ack = build(d, "ACK", resp->cseq, &dst);
	if (!ack)
		return EHOSTUNREACH;
	sip_msg_hdr_remove_all(ack, "Allow");
	sip_msg_hdr_remove_all(ack, "Supported");
	sip_msg_unref(d->ack);
	d->ack = ack;
	d->ack_dst = dst;
	return d->dt->tp.send_request(d->dt->tp.ctx, ack, &d->ack_dst);
}

/* ---- glare: §14.1 ---- */

static int glare_fired(void *arg)
{
	struct sip_dialog *d = arg;
	char *ct = d->glare_ct, *body = d->glare_body;
	size_t len = d->glare_len;

	d->glare_timer = 0;
	d->glare_ct = d->glare_body = NULL;
	if (d->state != SIP_DIALOG_TERMINATED)
		send_with_body(d, d->glare_method == SIP_METHOD_UPDATE ? "UPDATE" : "INVITE", ct, body, len);
	free(ct);
	free(body);
	return 0;
}

/*
 * A 491: retry after a random time, "between 2.1 and 4 seconds in units
 * of 10 ms" when we own the Call-ID (we sent the initial INVITE), "between
 * 0 and 2 seconds in units of 10 ms" when we do not (§14.1).
 */
static void glare_schedule(struct sip_dialog *d, const struct sip_msg *req)
{
	unsigned delay = d->uac ? 2100 + 10 * dlg_random(191) : 10 * dlg_random(201);

	if (d->glare_timer)
		return;
	d->glare_method = req->method_id;
	free(d->glare_ct);
	free(d->glare_body);
	d->glare_ct = req->content_type ? ly_strdup(req->content_type) : NULL;
	d->glare_body = req->body_len ? ly_strndup(req->body, req->body_len) : NULL;
	d->glare_len = req->body_len;
	d->glare_timer = ly_sched_add_at(d->dt->sched, d->dt->now_ms() + delay, glare_fired, d);
	ly_debug(2, "SIP dialog %s: 491, retrying %s in %u ms", d->call_id, req->method, delay);
}

/* ---- responses to our in-dialog requests ---- */

static void clear_slot(struct sip_txn **slot, struct sip_txn *ct)
{
	if (*slot == ct) {
		sip_txn_unref(*slot);
		*slot = NULL;
	}
}

static void refresh_answered(struct sip_dialog *d, struct sip_msg *resp)
{
	/* §12.2.1.2: a 2xx to a target refresh replaces the remote target */
	dlg_set_target(d, resp);
	dlg_note_allow(d, resp);
	dlg_se_from_response(d, resp);
}

/* A retry with a larger Session-Expires (RFC 4028 §7.4 / §8.2). */
static void retry_after_422(struct sip_dialog *d, const struct sip_msg *req, const struct sip_msg *resp)
{
	unsigned min = dlg_min_se_of(resp);

	if (!min || min <= d->se_interval)
		return;
	d->se_interval = min;
	if (min > d->se_min_seen)
		d->se_min_seen = min;
	send_with_body(d, sip_method_name(req->method_id), req->content_type, req->body, req->body_len);
}

static void client_response(struct sip_txn *ct, struct sip_msg *resp, void *arg)
{
	struct sip_dialog *d = arg;
	struct sip_msg *req = sip_txn_request(ct);
	enum sip_method meth = req->method_id;
	bool mine = ct == d->out_invite || ct == d->out_update;

	if (resp->status < 200 || d->state == SIP_DIALOG_TERMINATED)
		return;
	if (meth == SIP_METHOD_INVITE && resp->status < 300) {
		dlg_send_ack(d, resp);
		if (!mine)
			return;	/* a retransmitted 2xx (RFC 6026 §8.4), ACKed again */
	}
	clear_slot(&d->out_invite, ct);
	clear_slot(&d->out_update, ct);
	if (!mine && dlg_is_target_refresh(meth))
		return;
	if (resp->status < 300 && dlg_is_target_refresh(meth))
		refresh_answered(d, resp);
	if (resp->status == 491 && dlg_is_target_refresh(meth)) {
		glare_schedule(d, req);
		return;
	}
	if (resp->status == 422 && dlg_is_target_refresh(meth)) {
		retry_after_422(d, req, resp);
		return;
	}
	if (d->user.response)
		d->user.response(d, meth, resp->status, resp, d->arg);
	if (d->state == SIP_DIALOG_TERMINATED || meth == SIP_METHOD_BYE)
		return;
	/* §12.2.1.2: 481 or 408 to an in-dialog request ends the dialog */
	if (resp->status == 481 || resp->status == 408)
		dlg_terminate(d, SIP_DIALOG_END_TIMEOUT, resp->status);
	else if (resp->status >= 300 && dlg_is_target_refresh(meth))
		dlg_se_failed(d);
}

static void client_timeout(struct sip_txn *ct, void *arg)
{
	struct sip_dialog *d = arg;
	enum sip_method meth = sip_txn_request(ct)->method_id;

	if (d->state == SIP_DIALOG_TERMINATED)
		return;
	clear_slot(&d->out_invite, ct);
	clear_slot(&d->out_update, ct);
	if (d->user.response)
		d->user.response(d, meth, 408, NULL, d->arg);
	if (d->state != SIP_DIALOG_TERMINATED && meth != SIP_METHOD_BYE)
		dlg_terminate(d, SIP_DIALOG_END_TIMEOUT, 408);
}

static void client_transport_error(struct sip_txn *ct, int err, void *arg)
{
	(void)err;
	client_timeout(ct, arg);
}

static void client_terminated(struct sip_txn *ct, void *arg)
{
	struct sip_dialog *d = arg;

	clear_slot(&d->out_invite, ct);
	clear_slot(&d->out_update, ct);
	sip_dialog_unref(d);
}

const struct sip_txn_user dlg_client_user = {
	.response = client_response,
	.timeout = client_timeout,
	.transport_error = client_transport_error,
	.terminated = client_terminated,
};

/* ---- ending ---- */

int sip_dialog_end(struct sip_dialog *d)
{
	if (d->state == SIP_DIALOG_TERMINATED)
		return ESRCH;
	if (d->uac && d->inv && !d->inv->answered && d->state != SIP_DIALOG_CONFIRMED)
		sip_dialog_cancel(d);
	else if (!d->uac && d->state == SIP_DIALOG_EARLY && d->in_invite && !d->acked_st)
		sip_dialog_reply(d, d->in_invite, 480, NULL, NULL, 0);
	else
		dlg_send_bye(d);
	dlg_terminate(d, SIP_DIALOG_END_LOCAL, 0);
	return 0;
}
