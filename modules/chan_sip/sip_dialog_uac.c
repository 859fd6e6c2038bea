/* modules/chan_sip/sip_dialog_uac.c - the UAC's initial INVITE: early and confirmed dialogs, forks, CANCEL (RFC 3261 §12.1.2, §13.2). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_dialog_int.h"

#define MAX_RETRIES 4	/* 422 and authentication answers on one INVITE */

static const struct sip_txn_user uac_user;

static struct dlg_invite *invite_ref(struct dlg_invite *inv)
{
	inv->refs++;
	return inv;
}

void dlg_invite_unref(struct dlg_invite *inv)
{
	if (!inv || --inv->refs)
		return;
	sip_msg_unref(inv->req);
	if (inv->ct_held)
		sip_txn_unref(inv->ct);
	sip_dialog_unref(inv->origin);
	for (size_t i = 0; i < inv->nforks; i++)
		sip_dialog_unref(inv->forks[i]);
	free(inv->forks);
	free(inv->cancel_reason);
	free(inv);
}

/* "sip:x" or "Name <sip:x>;p" without tag, as From/To text; NULL if bad. */
static char *party_text(struct sip_dialog *d, const char *s)
{
	size_t len = strlen(s);
	char small[768];
	char *buf = SIP_NAMEADDR_BUF(len) <= sizeof(small) ? small : ly_malloc(SIP_NAMEADDR_BUF(len));
	struct sip_nameaddr na;
	char *out = NULL;

	if (sip_nameaddr_parse(&na, s, len, buf) == 0)
		out = dlg_nameaddr_text(d, &na);
	if (buf != small)
		free(buf);
	return out;
}

static struct sip_msg *build_invite(struct sip_dialog *d, const struct sip_dialog_invite_params *p)
{
	struct sip_msg *m = sip_msg_new_request("INVITE", p->ruri);
	char branch[40], num[12];

	if (!m)
		return NULL;
	sip_make_branch(branch, 24);
	sip_msg_hdr_join(m, "Via", "SIP/2.0/", sip_proto_name(p->dst.proto), " ", d->sentby, ";branch=",
			 branch, ";rport");
	sip_msg_hdr_add(m, "Max-Forwards", "70");
	sip_msg_hdr_join(m, "From", d->local_uri, ";tag=", d->local_tag);
	sip_msg_hdr_add(m, "To", d->remote_uri);
	sip_msg_hdr_add(m, "Call-ID", d->call_id);
	sip_msg_hdr_join(m, "CSeq", sip_uint_str(num, d->local_cseq), " INVITE");
	dlg_add_common(d, m, true);
	dlg_se_add_request(d, m, false);
	if (p->content_type && p->body_len) {
		sip_msg_set_body(m, p->content_type, p->body, p->body_len);
		dlg_keep_body(d, m);
	}
	return m;
}

int sip_dialog_uac_new(struct sip_dialog_table *dt, const struct sip_dialog_invite_params *p,
		       const struct sip_dialog_user *user, void *arg, struct sip_dialog **out)
{
	struct sip_dialog *d;
	struct dlg_invite *inv;
	char tok[40];

	if (!p->ruri || !p->local || !p->local->from || !p->local->contact || !p->local->sentby)
		return EINVAL;
	d = dlg_alloc(dt, user, arg);
	d->uac = true;
	d->state = SIP_DIALOG_CALLING;
	sip_make_token(tok, 24);
	d->call_id = dlg_strdup(d, p->call_id ? p->call_id : tok);
	sip_make_token(tok, 16);
	d->local_tag = dlg_strdup(d, tok);
	d->local_uri = party_text(d, p->local->from);
	d->remote_uri = party_text(d, p->to ? p->to : p->ruri);
	d->local_contact = dlg_strdup(d, p->local->contact);
	d->sentby = dlg_strdup(d, p->local->sentby);
	d->remote_target = dlg_strdup(d, p->ruri);
	d->local_cseq = 1;
	if (p->timers)
		d->timers = *p->timers;
	d->se_interval = d->timers.mode == SIP_TIMERS_NO ? 0 : d->timers.session_expires;
	inv = ly_calloc(1, sizeof(*inv));
	inv->refs = 1;		/* d->inv's */
	inv->origin = sip_dialog_ref(d);
	inv->dst = p->dst;
	d->inv = inv;
	inv->req = d->local_uri && d->remote_uri ? build_invite(d, p) : NULL;
	if (!inv->req) {
		dlg_terminate(d, SIP_DIALOG_END_LOCAL, 0);
		return EINVAL;
	}
	*out = sip_dialog_ref(d);
	return 0;
}

struct sip_msg *sip_dialog_invite_request(struct sip_dialog *d)
{
	return d->inv ? d->inv->req : NULL;
}

static int start(struct dlg_invite *inv)
{
	struct sip_txn *ct = NULL;
	int err = sip_txn_client_start(inv->origin->dt->txns, inv->req, &inv->dst, &uac_user,
				       invite_ref(inv), &ct);

	if (err) {
		dlg_invite_unref(inv);
		return err;
	}
	if (inv->ct_held)
		sip_txn_unref(inv->ct);
	inv->ct = ct;
	inv->ct_held = true;
	inv->done = false;
	inv->provisional = false;
	return 0;
}

int sip_dialog_invite_send(struct sip_dialog *d)
{
	int err;

	if (!d->inv || d->inv->ct)
		return EALREADY;
	err = start(d->inv);
	if (err)
		dlg_terminate(d, SIP_DIALOG_END_TIMEOUT, 503);
	return err;
}

/* The INVITE again with CSeq + 1 and a new branch (§8.1.3.5, §22.2). */
static struct sip_msg *next_invite(struct sip_dialog *d, const struct sip_msg *old)
{
	struct sip_msg *m = sip_msg_new_request("INVITE", old->ruri.text);
	char branch[40];

	sip_make_branch(branch, 24);
	sip_msg_hdr_addf(m, "Via", "SIP/2.0/%s %s;branch=%s;rport", sip_proto_name(d->inv->dst.proto),
			 d->sentby, branch);
	for (const struct sip_hdr *h = sip_msg_hdr_first(old); h; h = h->next) {
		if (h->id == SIP_HDR_VIA || h->id == SIP_HDR_CSEQ || h->id == SIP_HDR_CONTENT_LENGTH)
			continue;
		sip_msg_hdr_add(m, h->name, h->value);
	}
	sip_msg_hdr_addf(m, "CSeq", "%u INVITE", ++d->local_cseq);
	if (old->body_len)
		sip_msg_set_body(m, old->content_type, old->body, old->body_len);
	return m;
}

int sip_dialog_invite_resend(struct sip_dialog *d, const char *name, const char *value)
{
	struct dlg_invite *inv = d->inv;
	struct sip_msg *m;

	if (!inv || !inv->ct || inv->answered || d->state == SIP_DIALOG_TERMINATED)
		return EALREADY;
	if (inv->retries++ >= MAX_RETRIES)
		return EALREADY;
	m = next_invite(d, inv->req);
	if (name && sip_msg_hdr_set(m, name, value) != 0) {
		sip_msg_unref(m);
		return EINVAL;
	}
	sip_msg_unref(inv->req);
	inv->req = m;
	return start(inv);
}

static int send_cancel(struct dlg_invite *inv)
{
	struct sip_msg *cancel = sip_txn_make_cancel(inv->ct);
	int err;

	if (!cancel)
		return EINVAL;
	if (inv->cancel_reason)
		sip_msg_hdr_add(cancel, "Reason", inv->cancel_reason);	/* RFC 3326 */
	err = sip_txn_client_start(inv->origin->dt->txns, cancel, sip_txn_dest(inv->ct), NULL, NULL, NULL);
	sip_msg_unref(cancel);
	inv->cancel_sent = err == 0;
	return err;
}

int sip_dialog_cancel(struct sip_dialog *d)
{
	struct dlg_invite *inv = d->inv;

	if (!inv || !inv->ct || inv->done || inv->answered)
		return EALREADY;
	inv->cancelled = true;
	if (d->end_reason && !inv->cancel_reason)
		inv->cancel_reason = ly_strdup(d->end_reason);
	if (!inv->provisional || inv->cancel_sent)
		return 0;	/* §9.1: wait for a provisional response */
	return send_cancel(inv);
}

/* ---- responses ---- */

/* A new dialog for another To tag (a fork), sharing the origin's side. */
static struct sip_dialog *fork_dialog(struct dlg_invite *inv)
{
	struct sip_dialog *o = inv->origin;
	struct sip_dialog *d = dlg_alloc(o->dt, &o->user, o->arg);

	d->uac = true;
	d->state = SIP_DIALOG_CALLING;
	d->call_id = dlg_strdup(d, o->call_id);
	d->local_tag = dlg_strdup(d, o->local_tag);
	d->local_uri = dlg_strdup(d, o->local_uri);
	d->remote_uri = dlg_strdup(d, o->remote_uri);
	d->local_contact = dlg_strdup(d, o->local_contact);
	d->sentby = dlg_strdup(d, o->sentby);
	d->remote_target = dlg_strdup(d, o->remote_target);
	d->local_cseq = o->local_cseq;
	d->se_interval = o->se_interval;
	d->se_min_seen = o->se_min_seen;
	d->timers = o->timers;
	d->sdp_owner = o->sdp_owner;
	if (o->local_sdp && inv->req)
		dlg_keep_body(d, inv->req);
	else if (o->local_sdp) {	/* answered: the origin's copy of the offer */
		d->local_sdp_ct = dlg_strdup(d, o->local_sdp_ct);
		d->local_sdp = dlg_strndup(d, o->local_sdp, o->local_sdp_len);
		d->local_sdp_len = o->local_sdp_len;
	}
	d->inv = invite_ref(inv);
	inv->forks = ly_realloc(inv->forks, (inv->nforks + 1) * sizeof(*inv->forks));
	inv->forks[inv->nforks++] = sip_dialog_ref(d);
	return d;
}

/* The dialog of the response's To tag: the origin's first, then forks
 * (§12.1.2: each tag is its own dialog). */
static struct sip_dialog *dialog_for(struct dlg_invite *inv, const struct sip_msg *resp)
{
	struct sip_dialog *o = inv->origin;
	struct sip_dialog *d;

	if (o->state == SIP_DIALOG_CALLING && !o->remote_tag)
		d = o;
	else {
		d = sip_dialog_find(o->dt, o->call_id, o->local_tag, resp->to.tag);
		if (d)
			return d;
		d = fork_dialog(inv);
	}
	d->remote_tag = dlg_strdup(d, resp->to.tag);
	dlg_hash_insert(d);
	return d;
}

/* Dialog state a 1xx/2xx sets (§12.1.2): route set reversed, remote
 * target from Contact, the INVITE's CSeq as local sequence number. */
static void take_response(struct sip_dialog *d, const struct sip_msg *resp)
{
	dlg_set_routes(d, resp, true);
	dlg_set_target(d, resp);
	dlg_note_allow(d, resp);
}

static void each_dialog(struct dlg_invite *inv, struct sip_dialog *except, enum sip_dialog_end why, int status)
{
	sip_dialog_ref(inv->origin);
	if (inv->origin != except)
		dlg_terminate(inv->origin, why, status);
	sip_dialog_unref(inv->origin);
	for (size_t i = 0; i < inv->nforks; i++)
		if (inv->forks[i] != except)
			dlg_terminate(inv->forks[i], why, status);
}

static void provisional(struct dlg_invite *inv, struct sip_msg *resp)
{
	struct sip_dialog *d = inv->origin;

	inv->provisional = true;
	if (inv->cancelled && !inv->cancel_sent)
		send_cancel(inv);
	if (d->state == SIP_DIALOG_TERMINATED)
		return;	/* the user ended the call (CANCEL sent): no early dialog for it */
	if (resp->to.tag && resp->status > 100) {
		d = dialog_for(inv, resp);
		if (d->state == SIP_DIALOG_CALLING)
			d->state = SIP_DIALOG_EARLY;
		if (d->state == SIP_DIALOG_EARLY)
			take_response(d, resp);
	}
	if (d->state != SIP_DIALOG_TERMINATED && d->user.progress)
		d->user.progress(d, resp, d->arg);
}

/* A dialog of this INVITE (origin or fork) that already ended after
 * sending its ACK, with the To tag of resp; NULL if none. */
static struct sip_dialog *ended_acked(struct dlg_invite *inv, const struct sip_msg *resp)
{
	for (size_t i = 0; i <= inv->nforks; i++) {
		struct sip_dialog *d = i ? inv->forks[i - 1] : inv->origin;

		if (d->state == SIP_DIALOG_TERMINATED && d->ack && d->ack->cseq == resp->cseq &&
		    d->remote_tag && strcmp(d->remote_tag, resp->to.tag) == 0)
			return d;
	}
	return NULL;
}

/*
 * Answered: the INVITE's transaction now only waits for Timer M (RFC 6026
 * §8.4, 32 s), passing up 2xx retransmissions and other forks' 2xx, none
 * of which needs the INVITE itself.  Let go of it and of the transaction:
 * with no TU holding it, the transaction keeps its INVITE printed instead
 * of parsed and drops the 2xx (txn_shed), about 5 kB less per call for
 * those 32 s.  inv->ct stays, only to tell this transaction's callbacks
 * from an earlier one's (it lives until uac_terminated).
 */
static void release_request(struct dlg_invite *inv)
{
	if (inv->ct_held) {
		inv->ct_held = false;
		sip_txn_unref(inv->ct);
	}
	sip_msg_unref(inv->req);
	inv->req = NULL;
}

static void success(struct dlg_invite *inv, struct sip_msg *resp)
{
	struct sip_dialog *d;

	if (!resp->to.tag)
		return;	/* no dialog can be formed (§12.1.2 needs the tag) */
	d = ended_acked(inv, resp);
	if (d) {
		/* §13.2.2.4: a retransmission of the 2xx of a dialog we have
		 * since ended (its sender had not seen our ACK): the same ACK
		 * again.  A new fork dialog would send a second BYE for it. */
		d->dt->tp.send_request(d->dt->tp.ctx, d->ack, &d->ack_dst);
		return;
	}
	d = dialog_for(inv, resp);
	if (d->state == SIP_DIALOG_CONFIRMED) {
		dlg_send_ack(d, resp);	/* a retransmission */
		return;
	}
	if (d->state == SIP_DIALOG_TERMINATED)
		return;
	d->state = SIP_DIALOG_CONFIRMED;
	take_response(d, resp);
	dlg_send_ack(d, resp);
	if (inv->answered || inv->cancelled || inv->origin->state == SIP_DIALOG_TERMINATED) {
		/* §13.2.2.4: a 2xx from another fork (or after we gave up) is
		 * ACKed, then ended with BYE */
		dlg_send_bye(d);
		dlg_terminate(d, SIP_DIALOG_END_FORK_LOST, resp->status);
		return;
	}
	inv->answered = true;
	inv->done = true;
	release_request(inv);
	dlg_se_from_response(d, resp);
	each_dialog(inv, d, SIP_DIALOG_END_FORK_LOST, resp->status);
	if (d->user.answered)
		d->user.answered(d, resp, d->arg);
}

static void failure(struct dlg_invite *inv, int status, struct sip_msg *resp)
{
	struct sip_dialog *o = inv->origin;
	struct sip_txn *ct = inv->ct;

	if (inv->done || inv->answered)
		return;
	inv->done = true;
	if (status == 422 && resp && dlg_min_se_of(resp) > o->se_interval && !inv->cancelled) {
		/* RFC 4028 §7.4: retry with the Min-SE the UAS wants */
		char se[16];

		o->se_interval = dlg_min_se_of(resp);
		o->se_min_seen = o->se_interval;
		snprintf(se, sizeof(se), "%u", o->se_interval);
		sip_msg_hdr_set(inv->req, "Min-SE", se);
		if (sip_dialog_invite_resend(o, "Session-Expires", se) == 0)
			return;
	}
	if (o->state != SIP_DIALOG_TERMINATED && o->user.failed)
		o->user.failed(o, status, resp, o->arg);
	if (inv->ct != ct)
		return;	/* the user sent the INVITE again */
	each_dialog(inv, NULL, status == 408 && !resp ? SIP_DIALOG_END_TIMEOUT : SIP_DIALOG_END_REJECTED,
		    status);
}

static void uac_response(struct sip_txn *ct, struct sip_msg *resp, void *arg)
{
	struct dlg_invite *inv = arg;

	if (ct != inv->ct && resp->status >= 300)
		return;	/* the answer to an INVITE we already sent again */
	if (resp->status < 200)
		provisional(inv, resp);
	else if (resp->status < 300)
		success(inv, resp);
	else
		failure(inv, resp->status, resp);
}

static void uac_timeout(struct sip_txn *ct, void *arg)
{
	struct dlg_invite *inv = arg;

	if (ct == inv->ct)
		failure(inv, 408, NULL);	/* §8.1.3.1 */
}

static void uac_transport_error(struct sip_txn *ct, int err, void *arg)
{
	(void)err;
	uac_timeout(ct, arg);
}

/* The INVITE's transaction is over (after Timer M for a 2xx, RFC 6026):
 * its dialogs stand on their own. */
static void uac_terminated(struct sip_txn *ct, void *arg)
{
	struct dlg_invite *inv = arg;

	/* ct's own reference keeps inv alive through the loop */
	if (ct == inv->ct) {
		for (size_t i = 0; i <= inv->nforks; i++) {
			struct sip_dialog *d = i ? inv->forks[i - 1] : inv->origin;

			if (d->inv == inv) {
				d->inv = NULL;
				dlg_invite_unref(inv);
			}
		}
	}
	dlg_invite_unref(inv);
}

static const struct sip_txn_user uac_user = {
	.response = uac_response,
	.timeout = uac_timeout,
	.transport_error = uac_transport_error,
	.terminated = uac_terminated,
};
