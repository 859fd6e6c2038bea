/* modules/chan_sip/sip_call.c - SIP calls: incoming INVITEs become channels, channels send INVITEs (B2BUA legs). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/channel.h>
#include <lyre/format.h>
#include <lyre/log.h>
#include <lyre/obj.h>
#include <lyre/pbx.h>
#include <lyre/rtp.h>
#include <lyre/utils.h>

#include "sip_auth.h"
#include "sip_call.h"
#include "sip_cause.h"
#include "sip_chan.h"
#include "sip_dtmf.h"
#include "sip_dialog_int.h"
#include "sip_endpoint.h"
#include "sip_ident.h"
#include "sip_registrar.h"
#include "sip_resolve.h"

#define SDP_TYPE "application/sdp"
/* RFC 3326 §2's Reason for the CANCEL of a ring answered by someone else */
#define ELSEWHERE "SIP;cause=200;text=\"Call completed elsewhere\""

struct call_leg {
	struct sip_dialog *d;	/* referenced until the call is freed */
	bool live;		/* not terminated yet */
};

/* Where one outbound INVITE goes. */
struct call_target {
	char *ruri;
	struct sip_msg_src dst;
};

static struct {
	struct sip_core *core;
	struct sip_dialog_table *dt;
	struct sip_txn_user invite_user;	/* dlg_server_user plus CANCEL */
	bool open;
} layer;

/* ---- the call object ---- */

static void call_destroy(void *obj)
{
	struct sip_call *call = obj;

	for (size_t i = 0; i < call->nlegs; i++)
		sip_dialog_unref(call->legs[i].d);
	free(call->legs);
	for (size_t i = 0; i < call->ntargets; i++)
		free(call->targets[i].ruri);
	free(call->targets);
	sip_txn_unref(call->invite_st);
	ly_buf_free(&call->answer_sdp);
	sip_media_close(&call->media);
	free(call->peer), free(call->auth_user), free(call->auth_secret);
	sip_call_conf_clear(&call->cc);
	pthread_mutex_destroy(&call->lock);
}

static struct sip_call *call_new(const char *peer, bool outbound)
{
	struct sip_call *call = ly_obj_alloc(sizeof(*call), call_destroy);

	pthread_mutex_init(&call->lock, NULL);
	call->peer = ly_strdup(peer);
	call->outbound = outbound;
	ly_buf_init(&call->answer_sdp);
	return call;
}

/* The channel, referenced, or NULL once it hung up. */
static struct ly_channel *call_chan(struct sip_call *call)
{
	struct ly_channel *c;

	pthread_mutex_lock(&call->lock);
	c = call->chan ? ly_ref(call->chan) : NULL;
	pthread_mutex_unlock(&call->lock);
	return c;
}

static void call_queue_control(struct sip_call *call, enum ly_control ctl)
{
	struct ly_channel *c = call_chan(call);

	if (c) {
		ly_chan_queue_control(c, ctl);
		ly_unref(c);
	}
}

static void call_softhangup(struct sip_call *call, int cause)
{
	struct ly_channel *c = call_chan(call);

	if (c) {
		/* The figures while the session still runs, for `h` and a CDR. */
		ly_rtp_chan_set_qos(c);
		ly_chan_softhangup(c, cause);
		ly_unref(c);
	}
}

static struct call_leg *leg_of(struct sip_call *call, const struct sip_dialog *d)
{
	for (size_t i = 0; i < call->nlegs; i++)
		if (call->legs[i].d == d)
			return &call->legs[i];
	return NULL;
}

/* Keep d (a new reference is taken).  d holds its own reference to the
 * call (call_user.arg_ref) until it has terminated. */
static void leg_add(struct sip_call *call, struct sip_dialog *d)
{
	call->legs = ly_realloc(call->legs, (call->nlegs + 1) * sizeof(*call->legs));
	call->legs[call->nlegs++] = (struct call_leg){ sip_dialog_ref(d), true };
}

static void set_native_format(struct sip_call *call)
{
	struct ly_channel *c = call_chan(call);

	if (c && call->media.fmt)
		ly_chan_set_native_format(c, call->media.fmt);
	ly_unref(c);
}

/* ---- our side of a dialog ---- */

struct party_buf {
	char contact[160];
	char sentby[96];
	char from[512];
	struct sip_dialog_party party;
};

/* Contact and Via sent-by of the transport we use toward dst. */
static int party_for(const struct sip_msg_src *dst, struct party_buf *pb)
{
	struct sip_transport *tp = sip_tpmgr_find(sip_core_tpmgr(layer.core), dst->proto,
						   dst->addr.ss_family);

	if (!tp)
		return ENETUNREACH;
	ly_strlcpy(pb->sentby, sip_transport_sentby(tp), sizeof(pb->sentby));
	if (dst->proto == SIP_PROTO_UDP)
		snprintf(pb->contact, sizeof(pb->contact), "sip:lyre@%s", pb->sentby);
	else
		snprintf(pb->contact, sizeof(pb->contact), "sip:lyre@%s;transport=%s", pb->sentby,
			 dst->proto == SIP_PROTO_TLS ? "tls" : "tcp");
	pb->party = (struct sip_dialog_party){ pb->from, pb->contact, pb->sentby };
	return 0;
}

/* ---- SDP ---- */

/* An endpoint's or a trunk's srtp= for SDP. */
static enum sdp_srtp srtp_of(enum sip_srtp_mode m)
{
	if (m == SIP_SRTP_NO)
		return SDP_SRTP_NO;
	return m == SIP_SRTP_MANDATORY ? SDP_SRTP_MANDATORY : SDP_SRTP_OPTIONAL;
}

static void queue_hold_change(struct sip_call *call, const struct sdp_result *res)
{
	if (res->remote_hold == call->remote_hold)
		return;
	call->remote_hold = res->remote_hold;
	ly_verbose(3, "SIP %s: remote %s", call->peer, res->remote_hold ? "HOLD" : "UNHOLD");
	call_queue_control(call, res->remote_hold ? LY_CONTROL_HOLD : LY_CONTROL_UNHOLD);
}

static int apply_result(struct sip_call *call, const struct sdp_result *res)
{
	int err = sip_media_apply(&call->media, res);

	if (err)
		ly_warning("SIP %s: cannot use the negotiated media (%s %s:%u): %s", call->peer, res->codec,
			   res->addr, res->port, strerror(err));
	set_native_format(call);
	return err;
}

/* An answer in msg (a 1xx, 2xx or ACK) to our last offer. */
static void read_answer(struct sip_call *call, struct sip_dialog *d, const struct sip_msg *msg)
{
	struct sdp_result res;
	struct sdp_error err;

	if (!msg->body_len)
		return;
	memset(&err, 0, sizeof(err));
	if (sip_dialog_sdp_apply_answer(d, msg, &res, &err) == 0) {
		if (apply_result(call, &res) == 0 || call->media.srtp != SDP_SRTP_MANDATORY)
			return;
	} else if (call->media.srtp != SDP_SRTP_MANDATORY) {
		if (!call->media.negotiated)
			ly_warning("SIP %s: unusable SDP answer", call->peer);
		return;
	}
	/* srtp=mandatory: a plain answer to our RTP/SAVP offer leaves no way
	 * to talk in secret; RFC 3261 §13.2.1 leaves BYE (or CANCEL) as the
	 * way to refuse an answer, which the hangup sends. */
	ly_warning("SIP %s: ending the call, srtp=mandatory: %s", call->peer,
		   err.msg[0] ? err.msg : "the SRTP keys could not be used");
	call_softhangup(call, sip_status_to_cause(488));
}

/* ---- DTMF in INFO (sip_dtmf.h) ---- */

/* A digit in an INFO becomes a key press and release on the channel.
 * Every INFO still gets 200, as before: other INFO packages are not ours
 * to refuse (RFC 6086 §4.2.2 allows a 200 for a legacy INFO). */
static void on_info(struct sip_call *call, const struct sip_msg *req)
{
	struct ly_channel *c;
	unsigned ms;
	char digit;

	if (sip_dtmf_info_parse(req->content_type, req->body, req->body_len, &digit, &ms))
		return;
	ly_verbose(4, "SIP %s: DTMF %c in INFO (%u ms)", call->peer, digit, ms);
	c = call_chan(call);
	if (c) {
		ly_chan_queue_frame(c, ly_frame_dtmf_new(LY_FRAME_DTMF_BEGIN, digit, 0));
		ly_chan_queue_frame(c, ly_frame_dtmf_new(LY_FRAME_DTMF_END, digit, ms));
	}
	ly_unref(c);
}

int sip_call_send_info_dtmf(struct sip_call *call, char digit, unsigned duration_ms)
{
	struct ly_buf body;
	int err;

	if (!call->winner || sip_dialog_state(call->winner) != SIP_DIALOG_CONFIRMED)
		return ENOTCONN;
	ly_buf_init(&body);
	sip_dtmf_info_body(digit, duration_ms, &body);
	err = sip_dialog_info(call->winner, SIP_DTMF_RELAY_TYPE, body.data, body.len);
	ly_buf_free(&body);
	if (err)
		ly_warning("SIP %s: cannot send DTMF %c in INFO: %s", call->peer, digit, strerror(err));
	return err;
}

/* A re-INVITE or UPDATE in the dialog: answer its offer, or offer when it has none. */
static void on_dialog_request(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *req, void *arg)
{
	struct sip_call *call = arg;
	struct sdp_local local;
	struct sdp_result res;
	struct sdp_error err;
	struct ly_buf body;

	if (req->method_id == SIP_METHOD_INFO)
		on_info(call, req);
	if (req->method_id != SIP_METHOD_INVITE && req->method_id != SIP_METHOD_UPDATE) {
		sip_dialog_reply(d, st, req->method_id == SIP_METHOD_INFO || req->method_id == SIP_METHOD_OPTIONS
				 ? 200 : 501, NULL, NULL, 0);
		return;
	}
	ly_buf_init(&body);
	sip_media_local(&call->media, SDP_SENDRECV, &local);
	if (!req->body_len) {
		/* RFC 3264 §5 / RFC 3261 §14.2: an offerless re-INVITE gets our
		 * offer in the 2xx and the answer in the ACK. */
		if (sip_dialog_sdp_offer(d, &local, &body, &err) == 0) {
			call->reinvite_offer = true;
			sip_dialog_reply(d, st, 200, SDP_TYPE, body.data, body.len);
		} else {
			sip_dialog_reply(d, st, 500, NULL, NULL, 0);
		}
	} else if (sip_dialog_sdp_answer(d, req, &local, &body, &res, &err) == 0) {
		apply_result(call, &res);
		sip_dialog_reply(d, st, 200, SDP_TYPE, body.data, body.len);
		queue_hold_change(call, &res);	/* RFC 3264 §8.4 */
	} else {
		sip_dialog_reply(d, st, 488, NULL, NULL, 0);
	}
	ly_buf_free(&body);
}

static void on_dialog_ack(struct sip_dialog *d, struct sip_msg *ack, void *arg)
{
	struct sip_call *call = arg;

	if (call->late_offer || call->reinvite_offer) {
		call->late_offer = call->reinvite_offer = false;
		read_answer(call, d, ack);
	}
}

/* ---- the end of a dialog ---- */

static int cause_of_end(enum sip_dialog_end why, int status)
{
	switch (why) {
	case SIP_DIALOG_END_REMOTE_BYE: return LY_CAUSE_NORMAL_CLEARING;	/* unless Reason says */
	case SIP_DIALOG_END_REJECTED: return sip_status_to_cause(status);
	case SIP_DIALOG_END_TIMEOUT:
	case SIP_DIALOG_END_SESSION_EXPIRED: return LY_CAUSE_RECOVERY_ON_TIMER_EXPIRE;
	default: return LY_CAUSE_NORMAL_CLEARING;
	}
}

/* call is valid here: d holds a reference until this returns (arg_ref). */
static void on_terminated(struct sip_dialog *d, enum sip_dialog_end why, int status, void *arg)
{
	struct sip_call *call = arg;
	struct call_leg *leg = leg_of(call, d);

	ly_debug(1, "SIP %s: dialog %s ended (%s)", call->peer, sip_dialog_call_id(d), sip_dialog_end_name(why));
	if (!leg || !leg->live)
		return;	/* a fork that ended before we heard of it */
	leg->live = false;
	if (d == call->winner && why != SIP_DIALOG_END_LOCAL)
		call_softhangup(call, why == SIP_DIALOG_END_REMOTE_BYE && call->remote_cause ? call->remote_cause
											   : cause_of_end(why, status));
}

/* ---- outbound: responses to our INVITEs ---- */

static struct sip_dialog *leg_known(struct sip_call *call, struct sip_dialog *d)
{
	if (!leg_of(call, d))
		leg_add(call, d);	/* a fork (§13.2.2.4) */
	return d;
}

static void on_progress(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	struct sip_call *call = arg;
	struct ly_channel *c;

	leg_known(call, d);
	if (call->winner || resp->status == 100)
		return;
	if (resp->body_len)
		read_answer(call, d, resp);
	c = call_chan(call);
	if (c && ly_chan_state(c) == LY_STATE_DOWN)
		ly_chan_set_state(c, LY_STATE_RINGING);
	ly_unref(c);
	call_queue_control(call, resp->status == 183 && resp->body_len ? LY_CONTROL_PROGRESS
								    : LY_CONTROL_RINGING);
}

/* The first 2xx wins; every other leg is CANCELed or, answered too, ended with BYE. */
static void on_answered(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	struct sip_call *call = arg;

	leg_known(call, d);
	if (call->winner || !call->chan) {
		sip_dialog_end(d);
		return;
	}
	call->winner = d;
	read_answer(call, d, resp);
	for (size_t i = 0; i < call->nlegs; i++) {
		if (call->legs[i].live && call->legs[i].d != d) {
			/* RFC 3326 §2, as RFC 3261 §9.1's parallel search means it */
			sip_dialog_set_end_reason(call->legs[i].d, ELSEWHERE);
			sip_dialog_end(call->legs[i].d);
		}
	}
	call_queue_control(call, LY_CONTROL_ANSWER);
}

/* §22.2 / §22.3: answer a trunk's 401/407 once per challenge. */
static bool answer_challenge(struct sip_call *call, struct sip_dialog *d, int status, struct sip_msg *resp)
{
	static struct sip_auth_client auth_none;
	const char *name = status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
	const char *challenges[8];
	struct sip_auth_client auth = auth_none;
	size_t n = 0;
	char *value = NULL;
	int err;

	if (!resp || !call->auth_user || !call->auth_secret)
		return false;
	for (const struct sip_hdr *h = sip_msg_hdr_find_name(resp, name); h && n < 8; h = sip_msg_hdr_find_next(h))
		challenges[n++] = h->value;
	sip_auth_client_init(&auth, call->auth_user, call->auth_secret);
	err = sip_auth_client_answer(&auth, challenges, n, "INVITE",
				     sip_dialog_invite_request(d)->ruri.text, &value);
	sip_auth_client_clear(&auth);
	if (!err && !sip_msg_hdr_find_name(sip_dialog_invite_request(d),
					   status == 401 ? "Authorization" : "Proxy-Authorization"))
		err = sip_dialog_invite_resend(d, status == 401 ? "Authorization" : "Proxy-Authorization", value);
	else if (!err)
		err = EACCES;	/* our credentials were refused once already */
	free(value);
	return err == 0;
}

static bool dial_next(struct sip_call *call, struct ly_channel *c);

/* RFC 3263 §4.3: a trunk's address that did not answer (Timer B), failed
 * to carry the INVITE, or answered 503 gives way to the next one. */
static bool failover(struct sip_call *call, int status, const struct sip_msg *resp)
{
	struct ly_channel *c;
	bool sent;

	if (!call->sequential || call->winner || call->next_target >= call->ntargets ||
	    !(status == 503 || (status == 408 && !resp)))
		return false;
	c = call_chan(call);
	if (!c)
		return false;
	ly_verbose(3, "SIP/%s: %s; trying the trunk's next address", call->peer,
		   resp ? "503 Service Unavailable" : "no answer or transport error");
	sent = dial_next(call, c);
	ly_unref(c);
	return sent;
}

static void on_failed(struct sip_dialog *d, int status, struct sip_msg *resp, void *arg)
{
	struct sip_call *call = arg;
	int cause;

	if ((status == 401 || status == 407) && answer_challenge(call, d, status, resp))
		return;
	if (failover(call, status, resp))
		return;
	call->failed_legs++;
	/* A busy callee says more than a contact that timed out. */
	if (!call->fail_status || status == 486 || status == 600)
		call->fail_status = status;
	if (call->winner || (!call->sequential && call->failed_legs < call->ntargets))
		return;
	cause = sip_status_to_cause(call->fail_status);
	ly_verbose(3, "SIP/%s: %d, cause %d (%s)", call->peer, call->fail_status, cause, ly_cause_name(cause));
	if (cause == LY_CAUSE_USER_BUSY)
		call_queue_control(call, LY_CONTROL_BUSY);
	else if (cause == LY_CAUSE_NORMAL_CIRCUIT_CONGESTION)
		call_queue_control(call, LY_CONTROL_CONGESTION);
	else
		call_softhangup(call, cause);
}

static void call_arg_ref(void *arg)
{
	ly_ref(arg);
}

static void call_arg_unref(void *arg)
{
	ly_unref(arg);
}

/* Every dialog carrying a call holds a reference to it, forks of our
 * INVITEs included, which the dialog layer makes on its own: a 2xx from a
 * new To tag may come until Timer M, long after the call ended. */
static const struct sip_dialog_user call_user = {
	.progress = on_progress,
	.answered = on_answered,
	.failed = on_failed,
	.request = on_dialog_request,
	.ack = on_dialog_ack,
	.terminated = on_terminated,
	.arg_ref = call_arg_ref,
	.arg_unref = call_arg_unref,
};

/* ---- inbound: INVITE → channel ---- */

/* CANCEL of an INVITE we have not answered: the transaction already sent
 * 200 and 487 (§9.2); the channel hangs up as the caller did. */
static void on_invite_cancelled(struct sip_txn *st, const struct sip_msg *cancel, void *arg)
{
	struct sip_dialog *d = arg;
	struct sip_call *call = d->arg;

	(void)st;
	if (!call || d->user.terminated != on_terminated)
		return;
	call->remote_cause = sip_reason_cause(cancel);	/* RFC 3326, as Asterisk */
	ly_verbose(3, "SIP %s: caller CANCELed", call->peer);
	call_softhangup(call, call->remote_cause ? call->remote_cause : LY_CAUSE_NORMAL_CLEARING);
	sip_dialog_end(d);
}

static void reject(struct sip_txn *st, int code)
{
	sip_core_reply(layer.core, st, code, NULL, NULL);
}

/* Answer the offer now: the answer goes out with 183 or 200 later. */
static int answer_offer(struct sip_call *call, struct sip_dialog *d, struct sip_msg *req)
{
	struct sdp_local local;
	struct sdp_result res;
	struct sdp_error err;

	sip_media_local(&call->media, SDP_SENDRECV, &local);
	if (!req->body_len) {
		call->late_offer = true;
		return sip_dialog_sdp_offer(d, &local, &call->answer_sdp, &err);
	}
	if (sip_dialog_sdp_answer(d, req, &local, &call->answer_sdp, &res, &err))
		return EPROTO;
	apply_result(call, &res);
	return 0;
}

static bool start_channel(struct sip_call *call, struct sip_msg *req, const struct sip_endpoint_conf *ep,
			  const char *context, const char *exten)
{
	struct ly_channel *c = sip_chan_new(call, call->peer);

	if (!c)
		return false;
	pthread_mutex_lock(&call->lock);
	call->chan = ly_ref(c);
	pthread_mutex_unlock(&call->lock);
	sip_ident_inbound(c, req, &call->cc, ep ? ep->cid_name : NULL, ep ? ep->cid_num : NULL);
	ly_chan_set_state(c, LY_STATE_RING);
	if (call->media.fmt)
		ly_chan_set_native_format(c, call->media.fmt);
	ly_rtp_set_channel(call->media.rtp, c);
	ly_pbx_set_position(c, context, exten, 1);
	ly_verbose(3, "SIP %s: incoming call to %s@%s on %s", call->peer, exten, context, ly_chan_name(c));
	if (ly_pbx_start(c) == 0)
		return true;
	ly_chan_set_hangupcause(c, LY_CAUSE_SWITCH_CONGESTION);
	ly_chan_hangup(c);	/* our tech hangup answers the INVITE 503 */
	return true;
}

static bool on_invite(struct sip_core *core, struct sip_txn *st, struct sip_msg *req,
		      const struct sip_endpoint_conf *ep, const struct sip_trunk_conf *trunk, void *arg)
{
	const char *context = ep ? ep->context : trunk->context;
	struct party_buf pb;
	struct sip_call *call;
	struct sip_dialog *d;
	char exten[LY_MAX_EXTEN], cid[128];

	(void)core;
	(void)arg;
	if (!sip_uri_user(&req->ruri, exten, sizeof(exten)))
		ly_strlcpy(exten, "s", sizeof(exten));	/* Asterisk: no user part → "s" */
	if (!sip_uri_user(&req->from.uri, cid, sizeof(cid)))
		cid[0] = '\0';
	if (!context || !ly_exten_exists(context, exten, 1, cid[0] ? cid : NULL)) {
		ly_notice("SIP call from %s to %s: no such extension in context %s", ep ? ep->name : trunk->name,
			  exten, context ? context : "(none)");
		reject(st, 404);
		return true;
	}
	call = call_new(ep ? ep->name : trunk->name, false);
	sip_call_conf_copy(&call->cc, ep ? &ep->call : &trunk->call);
	pb.from[0] = '\0';
	if (party_for(&req->src, &pb) ||
	    sip_media_open(&call->media, (const struct sockaddr *)&req->src.addr, ep ? ep->allow : trunk->allow,
			   ep ? ep->symmetric_rtp : false) ||
	    (sip_media_set_srtp(&call->media, srtp_of(ep ? ep->srtp : trunk->srtp)) &&
	     call->media.srtp == SDP_SRTP_MANDATORY)) {
		reject(st, 503);
		ly_unref(call);
		return true;
	}
	call->media.dtmfmode = ep ? ep->dtmfmode : trunk->dtmfmode;
	if (sip_dialog_uas_new_timers(layer.dt, st, req, &pb.party, &call->cc.timers, &call_user, call, &d)) {
		ly_unref(call);	/* the dialog layer answered 400, 420, 421 or 422 */
		return true;
	}
	leg_add(call, d);
	sip_dialog_unref(d);
	call->winner = d;
	call->invite_st = sip_txn_ref(st);
	/* CANCEL reaches the transaction's user only: add it to the dialog's. */
	sip_txn_set_user(st, &layer.invite_user, d);
	if (answer_offer(call, d, req)) {
		sip_dialog_reply(d, st, 488, NULL, NULL, 0);	/* RFC 3261 §13.3.1.3 */
	} else if (!start_channel(call, req, ep, context, exten)) {
		sip_dialog_reply(d, st, 503, NULL, NULL, 0);
	}
	ly_unref(call);
	return true;
}

/* ---- channel operations (SIP thread) ---- */

int sip_call_answer(struct sip_call *call)
{
	if (call->outbound || call->answered)
		return 0;
	if (!call->winner || sip_dialog_state(call->winner) == SIP_DIALOG_TERMINATED)
		return EPIPE;
	call->answered = true;
	return sip_dialog_reply(call->winner, call->invite_st, 200, SDP_TYPE, call->answer_sdp.data,
				call->answer_sdp.len);
}

int sip_call_indicate(struct sip_call *call, enum ly_control control)
{
	struct sip_dialog *d = call->winner;

	if (call->outbound || call->answered || !d || sip_dialog_state(d) != SIP_DIALOG_EARLY)
		return 0;
	switch (control) {
	case LY_CONTROL_RINGING:
		return sip_dialog_reply(d, call->invite_st, 180, NULL, NULL, 0);
	case LY_CONTROL_PROGRESS:
		/* early media: the answer goes with 183 (RFC 3960 gateway model) */
		if (call->late_offer)
			return 0;
		return sip_dialog_reply(d, call->invite_st, 183, SDP_TYPE, call->answer_sdp.data,
					call->answer_sdp.len);
	case LY_CONTROL_BUSY:
		return sip_dialog_reply(d, call->invite_st, 486, NULL, NULL, 0);
	case LY_CONTROL_CONGESTION:
		return sip_dialog_reply(d, call->invite_st, 503, NULL, NULL, 0);
	default:
		return 0;	/* HOLD/UNHOLD: music on hold is played by the core */
	}
}

/* RFC 3326: the BYE or CANCEL says why, as Asterisk's does. */
static void end_leg(struct sip_dialog *d, int cause)
{
	char reason[160];

	if (cause == LY_CAUSE_ANSWERED_ELSEWHERE)
		sip_dialog_set_end_reason(d, ELSEWHERE);	/* another Dial destination answered */
	else if (cause > 0) {
		sip_reason_format(cause, reason, sizeof(reason));
		sip_dialog_set_end_reason(d, reason);
	}
	sip_dialog_end(d);
}

void sip_call_hangup(struct sip_call *call, int cause)
{
	struct ly_channel *c;

	pthread_mutex_lock(&call->lock);
	c = call->chan;
	call->chan = NULL;
	pthread_mutex_unlock(&call->lock);
	ly_rtp_set_channel(call->media.rtp, NULL);
	ly_rtp_set_generator(call->media.rtp, NULL, NULL);
	ly_unref(c);
	ly_rtp_set_remote(call->media.rtp, NULL);
	ly_debug(1, "SIP %s: hangup, cause %d", call->peer, cause);
	ly_ref(call);	/* ending dialogs drops their references */
	if (!call->outbound && call->winner && !call->answered &&
	    sip_dialog_state(call->winner) == SIP_DIALOG_EARLY) {
		sip_dialog_reply(call->winner, call->invite_st, sip_cause_to_status(cause), NULL, NULL, 0);
	}
	for (size_t i = 0; i < call->nlegs; i++)
		if (call->legs[i].live && sip_dialog_state(call->legs[i].d) != SIP_DIALOG_TERMINATED)
			end_leg(call->legs[i].d, cause);	/* BYE, CANCEL, or 480 */
	ly_unref(call);
}

/* ---- outbound: channel → INVITE ---- */

static void add_target(struct sip_call *call, const char *ruri, const struct sip_msg_src *dst)
{
	call->targets = ly_realloc(call->targets, (call->ntargets + 1) * sizeof(*call->targets));
	call->targets[call->ntargets++] = (struct call_target){ ly_strdup(ruri), *dst };
}

struct binding_walk {
	struct sip_call *call;
	const struct sip_endpoint_conf *ep;
};

static void add_binding(struct sip_binding *b, void *arg)
{
	struct binding_walk *w = arg;
	struct sip_msg_src dst;

	if (b->reach == SIP_REACH_UNREACHABLE)
		return;	/* qualify says it does not answer */
	sip_binding_dest(b, w->ep, &dst);
	add_target(w->call, b->uri, &dst);
}

static const struct sip_trunk_conf *trunk_named(const char *name)
{
	for (const struct sip_trunk_conf *t = sip_core_conf(layer.core)->trunks; t; t = t->next)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/*
 * "trunk/number" → the trunk's addresses, tried one after the other
 * (RFC 3263 §4.3).  A host named by DNS stays the host of the
 * Request-URI (§4: the URI keeps the name, only the transport uses the
 * address); a numeric host is printed as before.
 */
static bool trunk_targets(struct sip_call *call, const struct sip_trunk_conf *t, const char *number)
{
	struct sip_msg_src dst[SIP_RESOLVE_MAX_TARGETS];
	enum sip_resolve_state state;
	size_t n = sip_resolver_targets(sip_core_resolver(layer.core), t, dst, SIP_RESOLVE_MAX_TARGETS, &state);
	char host[300], ruri[400];

	if (!number)
		return false;
	if (!n) {	/* no target: the caller says "no reachable contact" */
		ly_warning("SIP trunk %s: %s has no address (%s)", t->name, t->host, sip_resolve_state_name(state));
		return true;
	}
	if (t->host_name)
		ly_strlcpy(host, t->host, sizeof(host));
	else
		ly_addr_print((const struct sockaddr *)&t->addr, host, sizeof(host));
	snprintf(ruri, sizeof(ruri), "sip:%s@%s", number, host);
	for (size_t i = 0; i < n; i++) {
		dst[i].proto = t->proto ? t->proto : SIP_PROTO_UDP;
		add_target(call, ruri, &dst[i]);
	}
	call->sequential = true;
	call->is_trunk = true;
	sip_call_conf_copy(&call->cc, &t->call);
	if (t->username && t->secret) {
		call->auth_user = ly_strdup(t->username);
		call->auth_secret = ly_strdup(t->secret);
	}
	return true;
}

static void copy_callerid(const struct ly_channel *from, struct ly_channel *to)
{
	char name[128], num[128];

	ly_chan_callerid_name(from, name, sizeof(name));
	ly_chan_callerid_num(from, num, sizeof(num));
	ly_chan_set_callerid(to, name[0] ? name : NULL, num[0] ? num : NULL);
}

struct sip_call *sip_call_request(const char *dest, const struct ly_channel *requestor, int *cause)
{
	const struct sip_conf *conf = layer.open ? sip_core_conf(layer.core) : NULL;
	char name[LY_MAX_EXTEN];
	const char *slash = strchr(dest, '/');
	size_t n = slash ? (size_t)(slash - dest) : strlen(dest);
	const struct sip_endpoint_conf *ep;
	const struct sip_trunk_conf *t;
	struct sip_call *call;
	struct ly_channel *c;

	*cause = LY_CAUSE_REQUESTED_CHAN_UNAVAIL;
	if (!conf || !n || n >= sizeof(name))
		return NULL;
	memcpy(name, dest, n);
	name[n] = '\0';
	call = call_new(name, true);
	ep = sip_conf_endpoint(conf, name);
	t = ep ? NULL : trunk_named(name);
	if (ep) {
		struct binding_walk w = { call, ep };

		sip_call_conf_copy(&call->cc, &ep->call);
		sip_registrar_foreach(sip_core_registrar(layer.core), name, add_binding, &w);
	} else if (!t || !trunk_targets(call, t, slash ? slash + 1 : NULL)) {
		ly_warning("SIP/%s: no endpoint or trunk of that name", dest);
		*cause = LY_CAUSE_UNALLOCATED;
		return ly_unref(call);
	}
	if (!call->ntargets) {
		ly_verbose(3, "SIP/%s: no reachable contact", dest);
		*cause = LY_CAUSE_SUBSCRIBER_ABSENT;
		return ly_unref(call);
	}
	if (sip_media_open(&call->media, (const struct sockaddr *)&call->targets[0].dst.addr,
			   ep ? ep->allow : t->allow, ep ? ep->symmetric_rtp : false) ||
	    (sip_media_set_srtp(&call->media, srtp_of(ep ? ep->srtp : t->srtp)) &&
	     call->media.srtp == SDP_SRTP_MANDATORY)) {
		*cause = LY_CAUSE_SWITCH_CONGESTION;
		return ly_unref(call);
	}
	call->media.dtmfmode = ep ? ep->dtmfmode : t->dtmfmode;
	c = sip_chan_new(call, name);
	if (!c) {
		*cause = LY_CAUSE_SWITCH_CONGESTION;
		return ly_unref(call);
	}
	call->chan = ly_ref(c);
	if (requestor) {
		ly_chan_inherit_vars(requestor, c);
		ly_chan_datastore_inherit(requestor, c);
		copy_callerid(requestor, c);
		sip_ident_inherit(requestor, c);
	}
	if (call->media.fmt)
		ly_chan_set_native_format(c, call->media.fmt);
	ly_rtp_set_channel(call->media.rtp, c);
	return call;	/* the caller's reference */
}

static int invite_target(struct sip_call *call, struct ly_channel *c, const struct call_target *tg)
{
	struct sip_dialog_invite_params p = { .ruri = tg->ruri, .dst = tg->dst };
	struct sip_ident_out id;
	struct party_buf pb;
	struct sdp_local local;
	struct sdp_error serr;
	struct sip_dialog *d;
	struct ly_buf body;
	int err = party_for(&tg->dst, &pb);

	if (err)
		return err;
	sip_ident_outbound(c, &call->cc, call->is_trunk ? call->auth_user : NULL, pb.sentby, &id);
	ly_strlcpy(pb.from, id.from, sizeof(pb.from));
	p.local = &pb.party;
	p.timers = &call->cc.timers;
	if ((err = sip_dialog_uac_new(layer.dt, &p, &call_user, call, &d)) != 0)
		return err;
	leg_add(call, d);
	sip_ident_add_headers(sip_dialog_invite_request(d), &id);
	ly_buf_init(&body);
	sip_media_local(&call->media, SDP_SENDRECV, &local);
	err = sip_dialog_sdp_offer(d, &local, &body, &serr);
	if (!err) {
		sip_msg_set_body(sip_dialog_invite_request(d), SDP_TYPE, body.data, body.len);
		err = sip_dialog_invite_send(d);
	}
	ly_buf_free(&body);
	sip_dialog_unref(d);
	return err;
}

/* Sequential: INVITE the next target that takes it; false when none is left. */
static bool dial_next(struct sip_call *call, struct ly_channel *c)
{
	while (call->next_target < call->ntargets) {
		const struct call_target *tg = &call->targets[call->next_target++];
		int err = invite_target(call, c, tg);
		char addr[80];

		if (!err)
			return true;
		ly_addr_print((const struct sockaddr *)&tg->dst.addr, addr, sizeof(addr));
		ly_warning("SIP/%s: cannot send INVITE to %s: %s", call->peer, addr, strerror(err));
		call->failed_legs++;
	}
	return false;
}

int sip_call_dial(struct sip_call *call)
{
	struct ly_channel *c = call_chan(call);
	unsigned sent = 0;

	if (!c)
		return EPIPE;
	if (call->sequential) {
		sent = dial_next(call, c);
		ly_unref(c);
		return sent ? 0 : EHOSTUNREACH;
	}
	for (size_t i = 0; i < call->ntargets; i++) {
		int err = invite_target(call, c, &call->targets[i]);

		if (err) {
			ly_warning("SIP/%s: cannot send INVITE to %s: %s", call->peer, call->targets[i].ruri,
				   strerror(err));
			call->failed_legs++;
		} else {
			sent++;
		}
	}
	ly_unref(c);
	return sent ? 0 : EHOSTUNREACH;
}

/* ---- hooks into the core ---- */

/* A BYE's Reason (RFC 3326) becomes the hangup cause of its call, as in
 * Asterisk; the dialog ends it right after. */
static void note_bye_reason(const struct sip_msg *req)
{
	int cause = sip_reason_cause(req);
	struct sip_dialog *d;

	if (!cause || !req->to.tag || !req->from.tag)
		return;
	d = sip_dialog_find(layer.dt, req->call_id, req->to.tag, req->from.tag);
	if (d && d->user.terminated == on_terminated && d->arg)
		((struct sip_call *)d->arg)->remote_cause = cause;
}

static bool on_request(struct sip_core *core, struct sip_txn *st, struct sip_msg *req, void *arg)
{
	(void)core;
	(void)arg;
	if (!st)
		return req->method_id == SIP_METHOD_ACK && sip_dialog_table_ack(layer.dt, req, NULL);
	if (req->method_id == SIP_METHOD_BYE)
		note_bye_reason(req);
	return sip_dialog_table_request(layer.dt, st, req);
}

static void on_ack(struct sip_core *core, struct sip_msg *ack, struct sip_txn *st, void *arg)
{
	(void)core;
	(void)arg;
	sip_dialog_table_ack(layer.dt, ack, st);
}

static void on_stray(struct sip_core *core, struct sip_msg *resp, void *arg)
{
	(void)core;
	(void)arg;
	sip_dialog_table_stray(layer.dt, resp);
}

int sip_call_layer_start(struct ly_module *owner, struct sip_core *core, struct ly_loop *loop)
{
	const struct sip_conf *conf = sip_core_conf(core);
	/* every call passes its peer's policy; this is only the fallback */
	struct sip_dialog_config dcfg = { .session_expires = conf->gen.timers.session_expires,
					  .min_se = conf->gen.timers.min_se, .user_agent = conf->gen.useragent };
	struct sip_call_hooks hooks = { .invite = on_invite, .request = on_request, .ack = on_ack,
					.stray = on_stray };
	struct sip_txn_transport tp;
	int err;

	sip_core_txn_transport(core, &tp);
	layer.core = core;
	layer.dt = sip_dialog_table_new(sip_core_txns(core), sip_core_sched(core), &tp, &dcfg);
	layer.invite_user = dlg_server_user;
	layer.invite_user.cancelled = on_invite_cancelled;
	err = sip_chan_register(owner, loop);
	if (err) {
		sip_dialog_table_free(layer.dt);
		layer.dt = NULL;
		return err;
	}
	sip_core_set_call_hooks(core, &hooks);
	layer.open = true;
	return 0;
}

/* ---- sip show channels ---- */

struct snapshot {
	struct sip_call_info *v;
	size_t n, cap;
};

/* The dialog that speaks for the call: the winner, else the first leg
 * still alive (an outbound call ringing several contacts). */
static struct sip_dialog *shown_dialog(const struct sip_call *call)
{
	if (call->winner)
		return call->winner;
	for (size_t i = 0; i < call->nlegs; i++)
		if (call->legs[i].live)
			return call->legs[i].d;
	return call->nlegs ? call->legs[0].d : NULL;
}

static void describe_call(const struct sip_call *call, struct ly_channel *c, struct sip_call_info *in)
{
	struct sip_dialog *d = shown_dialog(call);
	struct sockaddr_storage ss;

	memset(in, 0, sizeof(*in));
	ly_strlcpy(in->channel, ly_chan_name(c), sizeof(in->channel));
	ly_strlcpy(in->peer, call->peer ? call->peer : "-", sizeof(in->peer));
	ly_strlcpy(in->call_id, d ? sip_dialog_call_id(d) : "-", sizeof(in->call_id));
	ly_strlcpy(in->state, d ? sip_dialog_state_name(sip_dialog_state(d)) : "-", sizeof(in->state));
	ly_strlcpy(in->format, call->media.fmt ? call->media.fmt->name : "-", sizeof(in->format));
	if (!call->media.rtp)
		ly_strlcpy(in->rtp_local, "-", sizeof(in->rtp_local));
	else if (strchr(call->media.addr, ':'))
		snprintf(in->rtp_local, sizeof(in->rtp_local), "[%s]:%u", call->media.addr, call->media.port);
	else
		snprintf(in->rtp_local, sizeof(in->rtp_local), "%s:%u", call->media.addr, call->media.port);
	if (call->media.rtp && !ly_rtp_remote_addr(call->media.rtp, &ss))
		ly_addr_print((const struct sockaddr *)&ss, in->rtp_remote, sizeof(in->rtp_remote));
	else
		ly_strlcpy(in->rtp_remote, "-", sizeof(in->rtp_remote));
	in->outbound = call->outbound;
}

/* A SIP channel's tech_pvt stays valid here: the channel thread clears it
 * before its hangup reaches this thread, where the call's last reference
 * can go, and this runs on this thread. */
static void snapshot_one(struct ly_channel *c, void *arg)
{
	struct snapshot *s = arg;
	const struct ly_chan_tech *tech = ly_chan_tech(c);
	struct sip_call *call;

	if (!tech || strcmp(tech->type, "SIP"))
		return;
	call = ly_chan_tech_pvt(c);
	if (!call)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = ly_realloc(s->v, s->cap * sizeof(*s->v));
	}
	describe_call(call, c, &s->v[s->n++]);
}

size_t sip_call_snapshot(struct sip_call_info **out)
{
	struct snapshot s = { 0 };

	if (layer.open)
		ly_chan_foreach(snapshot_one, &s);
	*out = s.v;
	return s.n;
}

static void hangup_sip_channel(struct ly_channel *c, void *arg)
{
	(void)arg;
	if (!strncmp(ly_chan_name(c), "SIP/", 4))
		ly_chan_softhangup(c, LY_CAUSE_NORMAL_CLEARING);
}

void sip_call_layer_detach(void)
{
	if (!layer.open)
		return;
	layer.open = false;
	sip_core_set_call_hooks(layer.core, NULL);
	ly_chan_foreach(hangup_sip_channel, NULL);
	sip_chan_unregister();
}

void sip_call_layer_free(void)
{
	sip_dialog_table_free(layer.dt);
	layer.dt = NULL;
	layer.core = NULL;
}
