/* modules/chan_sip/sip_dialog_uas.c - the UAS side: dialogs from an INVITE (§12.1.1), responses within a dialog, and requests received in one (§12.2.2, §14.2, §15.1.2). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_dialog_int.h"

int sip_dialog_uas_new(struct sip_dialog_table *dt, struct sip_txn *st, struct sip_msg *req,
		       const struct sip_dialog_party *local, const struct sip_dialog_user *user,
		       void *arg, struct sip_dialog **out)
{
	return sip_dialog_uas_new_timers(dt, st, req, local, NULL, user, arg, out);
}

int sip_dialog_uas_new_timers(struct sip_dialog_table *dt, struct sip_txn *st, struct sip_msg *req,
			      const struct sip_dialog_party *local, const struct sip_dialog_timers *timers,
			      const struct sip_dialog_user *user, void *arg, struct sip_dialog **out)
{
	struct sip_dialog_timers t;
	struct sip_dialog *d;
	char tok[24];
	int err;

	if (!req->from.tag || !req->contacts || req->to.tag) {
		sip_txn_reply(st, 400, req->contacts ? "Bad Request (no From tag)" : "Missing Contact", NULL);
		return EINVAL;
	}
	if (timers)
		t = *timers;
	else
		dlg_table_timers(dt, &t);
	if ((err = dlg_se_check_request(&t, req, st)) != 0)
		return err;
	d = dlg_alloc(dt, NULL, NULL);
	d->timers = t;
	d->state = SIP_DIALOG_EARLY;
	d->call_id = dlg_strdup(d, req->call_id);
	sip_make_token(tok, 16);
	d->local_tag = dlg_strdup(d, tok);
	d->remote_tag = dlg_strdup(d, req->from.tag);
	d->local_uri = dlg_nameaddr_text(d, &req->to);	/* §12.1.1: local URI from To */
	d->remote_uri = dlg_nameaddr_text(d, &req->from);
	d->local_contact = dlg_strdup(d, local->contact);
	d->sentby = dlg_strdup(d, local->sentby);
	dlg_set_routes(d, req, false);
	dlg_set_target(d, req);
	dlg_note_allow(d, req);
	d->remote_cseq = req->cseq;
	d->remote_cseq_set = true;
	d->in_invite = sip_txn_ref(st);
	dlg_hash_insert(d);
	dlg_attach_txn(d, st);
	sip_dialog_set_user(d, user, arg);
	*out = sip_dialog_ref(d);
	return 0;
}

static void copy_record_route(struct sip_msg *resp, const struct sip_msg *req)
{
	for (const struct sip_hdr *h = sip_msg_hdr_find(req, SIP_HDR_RECORD_ROUTE); h;
	     h = sip_msg_hdr_find_next(h))
		sip_msg_hdr_add(resp, "Record-Route", h->value);
}

struct sip_msg *sip_dialog_response_new(struct sip_dialog *d, struct sip_txn *st, int code, const char *reason)
{
	struct sip_msg *req = sip_txn_request(st);
	struct sip_msg *resp = sip_msg_new_response(req, code, reason, d->local_tag);
	bool creates = code > 100 && code < 300;

	if (!resp)
		return NULL;
	/* §12.1.1: a dialog-creating response copies Record-Route */
	if (creates && req->method_id == SIP_METHOD_INVITE && !req->to.tag)
		copy_record_route(resp, req);
	if (creates && dlg_is_target_refresh(req->method_id))
		dlg_add_common(d, resp, false);
	else if (d->dt->user_agent)
		sip_msg_hdr_set(resp, "Server", d->dt->user_agent);
	if (code >= 200 && code < 300 && dlg_is_target_refresh(req->method_id))
		dlg_se_add_response(d, resp, req);
	return resp;
}

static void drop(struct sip_txn **slot, struct sip_txn *st)
{
	if (*slot == st) {
		sip_txn_unref(*slot);
		*slot = NULL;
	}
}

int sip_dialog_respond(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *resp)
{
	struct sip_msg *req = sip_txn_request(st);
	bool initial = req->method_id == SIP_METHOD_INVITE && !req->to.tag;
	int err;

	if (d->state == SIP_DIALOG_TERMINATED)
		return ESRCH;
	if (req->method_id == SIP_METHOD_INVITE && resp->status >= 200 && resp->status < 300) {
		err = sip_txn_answer(st, resp);
		if (err)
			return err;
		sip_txn_unref(d->acked_st);
		d->acked_st = sip_txn_ref(st);
		d->state = SIP_DIALOG_CONFIRMED;	/* §12.1.1: the 2xx confirms it */
	} else if ((err = sip_txn_respond(st, resp)) != 0)
		return err;
	if (resp->status >= 200 && resp->status < 300 && dlg_is_target_refresh(req->method_id))
		dlg_keep_body(d, resp);
	if (resp->status >= 300)
		drop(&d->in_invite, st);
	if (resp->status >= 200)
		drop(&d->in_update, st);
	if (initial && resp->status >= 300)
		dlg_terminate(d, SIP_DIALOG_END_LOCAL, resp->status);
	return 0;
}

int sip_dialog_reply(struct sip_dialog *d, struct sip_txn *st, int code, const char *content_type,
		     const void *body, size_t len)
{
	struct sip_msg *resp;
	int err;

	if (d->state == SIP_DIALOG_TERMINATED)
		return ESRCH;
	resp = sip_dialog_response_new(d, st, code, NULL);
	if (!resp)
		return EINVAL;
	if (content_type && len)
		sip_msg_set_body(resp, content_type, body, len);
	err = sip_dialog_respond(d, st, resp);
	sip_msg_unref(resp);
	return err;
}

/* ---- requests received in the dialog ---- */

static void bye(struct sip_dialog *d, struct sip_txn *st)
{
	/* §15.1.2: a BYE before we answered the INVITE: 487 for the INVITE */
	if (d->in_invite && !d->acked_st && d->state == SIP_DIALOG_EARLY)
		sip_dialog_reply(d, d->in_invite, 487, NULL, NULL, 0);
	sip_txn_reply(st, 200, NULL, NULL);
	dlg_terminate(d, SIP_DIALOG_END_REMOTE_BYE, 0);
}

/* What the dialog answers when the user has no request callback. */
static void default_answer(struct sip_dialog *d, struct sip_txn *st, const struct sip_msg *req)
{
	switch (req->method_id) {
	case SIP_METHOD_INVITE:
		/* a session refresh: the same description again (RFC 3264 §8) */
		sip_dialog_reply(d, st, 200, d->local_sdp_ct, d->local_sdp, d->local_sdp_len);
		break;
	case SIP_METHOD_UPDATE:
	case SIP_METHOD_INFO:
	case SIP_METHOD_OPTIONS:
		sip_dialog_reply(d, st, 200, NULL, NULL, 0);
		break;
	default:
		sip_dialog_reply(d, st, 501, NULL, NULL, 0);
		break;
	}
}

/* §14.2 and RFC 3311 §5.2: an offer crossing ours gets 491; an INVITE
 * while the peer's previous one is unanswered gets 500 with Retry-After
 * "between 0 and 10 seconds".  True when answered. */
static bool refused_for_glare(struct sip_dialog *d, struct sip_txn *st, const struct sip_msg *req)
{
	struct sip_msg *resp;

	if (d->out_invite || (d->out_update && req->method_id == SIP_METHOD_UPDATE)) {
		sip_txn_reply(st, 491, NULL, NULL);
		return true;
	}
	if (!(d->in_invite && req->method_id == SIP_METHOD_INVITE) &&
	    !(d->in_update && req->method_id == SIP_METHOD_UPDATE))
		return false;
	resp = sip_msg_new_response(req, 500, NULL, NULL);
	sip_msg_hdr_addf(resp, "Retry-After", "%u", dlg_random(11));
	sip_txn_respond(st, resp);
	sip_msg_unref(resp);
	return true;
}

static void refresh_request(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *req)
{
	if (refused_for_glare(d, st, req) || dlg_se_check_request(&d->timers, req, st) != 0)
		return;
	dlg_set_target(d, req);	/* §12.2.2: target refresh */
	dlg_note_allow(d, req);
	if (req->method_id == SIP_METHOD_INVITE)
		d->in_invite = sip_txn_ref(st);
	else
		d->in_update = sip_txn_ref(st);
	if (d->user.request)
		d->user.request(d, st, req, d->arg);
	else
		default_answer(d, st, req);
}

void dlg_receive(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *req)
{
	/* §12.2.2: "lower than the remote sequence number ... MUST be
	 * rejected with a 500"; a higher one becomes the new value */
	if (d->remote_cseq_set && req->cseq < d->remote_cseq) {
		sip_txn_reply(st, 500, "Server Internal Error (CSeq out of order)", NULL);
		return;
	}
	d->remote_cseq = req->cseq;
	d->remote_cseq_set = true;
	sip_dialog_ref(d);
	dlg_attach_txn(d, st);
	if (req->method_id == SIP_METHOD_BYE)
		bye(d, st);
	else if (dlg_is_target_refresh(req->method_id))
		refresh_request(d, st, req);
	else if (d->user.request)
		d->user.request(d, st, req, d->arg);
	else
		default_answer(d, st, req);
	sip_dialog_unref(d);
}
