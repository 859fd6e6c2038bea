/* modules/chan_sip/sip_txn_server.c - server transactions: INVITE and non-INVITE state machines, 100 Trying, 2xx retransmission (RFC 3261 §17.2, §13.3.1.4, RFC 6026 §7.1). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_txn_int.h"

#define TAG_LEN 16

static unsigned t1(const struct sip_txn *t)
{
	return t->tbl->cfg.t1_ms;
}

static unsigned doubled_up_to_t2(const struct sip_txn *t, unsigned ms)
{
	unsigned t2 = t->tbl->cfg.t2_ms;

	return ms * 2 < t2 ? ms * 2 : t2;
}

/* ---- creation ---- */

struct sip_txn *txn_server_new(struct sip_txn_table *tbl, struct sip_msg *req, bool merge_index)
{
	bool invite = req->method_id == SIP_METHOD_INVITE;
	struct sip_txn *t = txn_new(tbl, invite ? TXN_SERVER_INVITE : TXN_SERVER_NONINVITE, req, &req->src);
	struct txn_key key;
	uint32_t hash;

	if (txn_branch_is_rfc3261(req->via.branch))
		txn_server_key(&key, req, req->method);
	else
		txn_legacy_key(&key, req, req->method);
	hash = txn_hash(tbl, key.s);
	txn_index_add(&tbl->servers, &t->by_key, t, txn_key_take(&key), hash);
	/* §8.2.2.2 concerns requests outside a dialog (no To tag). */
	if (merge_index && !req->to.tag) {
		txn_dialog_key(&key, req, req->cseq_method);
		hash = txn_hash(tbl, key.s);
		txn_index_add(&tbl->merges, &t->by_merge, t, txn_key_take(&key), hash);
	}
	return t;
}

/* ---- timers ---- */

static int trying_fired(void *arg)
{
	struct sip_txn *t = arg;
	struct sip_msg *trying;

	t->timer_id[TIMER_TRYING] = 0;
	if (t->state != SIP_TXN_PROCEEDING || t->last_prov)
		return 0;
	/* §17.2.1: the 100 gets no To tag ("downgraded from MAY to SHOULD NOT"). */
	trying = sip_msg_new_response(t->req, 100, NULL, NULL);
	if (trying) {
		t->last_prov = sip_msg_ref(trying);
		txn_send_response(t, trying, true);
		sip_msg_unref(trying);
	}
	return 0;
}

void txn_server_arm_trying(struct sip_txn *st)
{
	if (st->kind == TXN_SERVER_INVITE)
		txn_timer_start(st, TIMER_TRYING, st->tbl->cfg.trying_ms, trying_fired);
}

/* Timer G (Completed: the non-2xx final) or the 2xx of sip_txn_answer
 * (Accepted): T1, then doubling up to T2 (§17.2.1, §13.3.1.4). */
static int retransmit_fired(void *arg)
{
	struct sip_txn *t = arg;

	if (!(t->state == SIP_TXN_COMPLETED || (t->state == SIP_TXN_ACCEPTED && t->answering))) {
		t->timer_id[TIMER_RETX] = 0;
		return 0;
	}
	if (txn_resend_final(t) != 0)
		return 0;
	t->retx_ms = doubled_up_to_t2(t, t->retx_ms);
	return (int)t->retx_ms;
}

/* Timer H (Completed: no ACK) or Timer L (Accepted, RFC 6026 §7.1), which
 * is also the 64*T1 the 2xx of sip_txn_answer waits for its ACK. */
static int timeout_fired(void *arg)
{
	struct sip_txn *t = arg;

	t->timer_id[TIMER_TIMEOUT] = 0;
	sip_txn_ref(t);
	if (t->state == SIP_TXN_COMPLETED || t->answering)
		txn_report_timeout(t);
	txn_terminate(t);
	sip_txn_unref(t);
	return 0;
}

/* Timer I or J. */
static int linger_fired(void *arg)
{
	struct sip_txn *t = arg;

	t->timer_id[TIMER_LINGER] = 0;
	txn_terminate(t);
	return 0;
}

/* ---- responses from the TU ---- */

static void keep(struct sip_msg **slot, struct sip_msg *m)
{
	sip_msg_ref(m);
	sip_msg_unref(*slot);
	*slot = m;
}

static void invite_final(struct sip_txn *t, struct sip_msg *resp)
{
	if (resp->status < 300) {
		/* RFC 6026 §7.1: Accepted for Timer L = 64*T1, absorbing
		 * INVITE retransmissions while the TU retransmits the 2xx. */
		t->state = SIP_TXN_ACCEPTED;
		txn_timer_start(t, TIMER_TIMEOUT, 64 * t1(t), timeout_fired);
		return;
	}
	t->state = SIP_TXN_COMPLETED;
	if (!t->reliable) {
		t->retx_ms = t1(t);
		txn_timer_start(t, TIMER_RETX, t1(t), retransmit_fired);
	}
	txn_timer_start(t, TIMER_TIMEOUT, 64 * t1(t), timeout_fired);	/* Timer H, every transport */
}

/* What sending resp does to t's state; EALREADY when it must be discarded. */
static int apply_response(struct sip_txn *t, struct sip_msg *resp)
{
	bool provisional = resp->status < 200;

	if (t->kind == TXN_SERVER_INVITE) {
		if (t->state == SIP_TXN_ACCEPTED && resp->status >= 200 && resp->status < 300)
			return 0;	/* the TU's retransmission of its 2xx */
		if (t->state != SIP_TXN_PROCEEDING)
			return EALREADY;
		txn_timer_stop(t, TIMER_TRYING);
		if (provisional)
			keep(&t->last_prov, resp);
		else
			invite_final(t, resp);
		return 0;
	}
	if (t->state != SIP_TXN_TRYING && t->state != SIP_TXN_PROCEEDING)
		return EALREADY;	/* §17.2.2: other finals are discarded */
	if (provisional) {
		t->state = SIP_TXN_PROCEEDING;
		keep(&t->last_prov, resp);
		return 0;
	}
	t->state = SIP_TXN_COMPLETED;
	/* Timer J: 64*T1 over unreliable transports, zero otherwise. */
	if (!t->reliable)
		txn_timer_start(t, TIMER_LINGER, 64 * t1(t), linger_fired);
	return 0;
}

int sip_txn_respond(struct sip_txn *st, struct sip_msg *resp)
{
	int rc;

	if (!st->tbl)
		return ESRCH;
	if (sip_txn_is_client(st) || !resp || resp->is_request)
		return EINVAL;
	if (st->is_shed)
		return EALREADY;	/* its final response is sent */
	if ((rc = apply_response(st, resp)) != 0)
		return rc;
	keep(&st->last_resp, resp);
	sip_txn_ref(st);
	rc = txn_send_response(st, resp, false);
	if (rc)
		txn_terminate(st);	/* §17.2.4 */
	else if (st->state == SIP_TXN_COMPLETED && st->kind == TXN_SERVER_NONINVITE && st->reliable)
		txn_terminate(st);	/* Timer J is zero */
	sip_txn_unref(st);
	return rc;
}

/* The To tag this transaction answers with: the caller's, an earlier
 * response's, or a new one (§8.2.6.2: every response but a 100 to a
 * request without To tag carries one, the same on all of them). */
static const char *pick_to_tag(const struct sip_txn *st, const char *to_tag, char *fresh, size_t size)
{
	const char *earlier = txn_server_to_tag(st);

	if (to_tag)
		return to_tag;
	if (earlier)
		return earlier;
	if (size < TAG_LEN + 1)
		return NULL;
	sip_make_token(fresh, TAG_LEN);
	return fresh;
}

int sip_txn_reply(struct sip_txn *st, int code, const char *reason, const char *to_tag)
{
	char fresh[TAG_LEN + 1];
	struct sip_msg *resp;
	int rc;

	if (!st->tbl)
		return ESRCH;
	if (sip_txn_is_client(st) || code < 100 || code > 699)
		return EINVAL;
	if (!st->req)
		return EALREADY;	/* shed: its final response is sent */
	resp = sip_msg_new_response(st->req, code, reason, pick_to_tag(st, to_tag, fresh, sizeof(fresh)));
	if (!resp)
		return EINVAL;
	rc = sip_txn_respond(st, resp);
	sip_msg_unref(resp);
	return rc;
}

int sip_txn_answer(struct sip_txn *st, struct sip_msg *resp)
{
	struct txn_key key;
	uint32_t hash;
	int rc;

	if (!st->tbl)
		return ESRCH;
	if (st->kind != TXN_SERVER_INVITE || !resp || resp->is_request || resp->status < 200 ||
	    resp->status >= 300)
		return EINVAL;
	if ((rc = sip_txn_respond(st, resp)) != 0 || !st->tbl)
		return rc;
	st->retx_ms = t1(st);
	txn_timer_start(st, TIMER_RETX, t1(st), retransmit_fired);
	if (!st->answering) {
		st->answering = true;
		txn_dialog_key(&key, st->req, "INVITE");
		hash = txn_hash(st->tbl, key.s);
		txn_index_add(&st->tbl->acks, &st->by_ack, st, txn_key_take(&key), hash);
	}
	return 0;
}

void txn_server_2xx_acked(struct sip_txn *st)
{
	st->answering = false;
	txn_timer_stop(st, TIMER_RETX);
	if (st->is_shed) {
		free(st->kept.wire);	/* the 2xx is no longer resent */
		st->kept.wire = NULL;
		st->kept.wire_len = 0;
	}
	if (st->tbl)
		txn_index_remove(&st->tbl->acks, &st->by_ack);
}

/* ---- requests matching the transaction ---- */

/* Resend what the state calls for; a transport error ends the transaction. */
static void resend(struct sip_txn *t, struct sip_msg *resp)
{
	if (resp)
		txn_send_response(t, resp, true);
}

static void invite_ack(struct sip_txn *t, struct sip_msg *ack)
{
	struct sip_txn_table *tbl = t->tbl;

	switch (t->state) {
	case SIP_TXN_COMPLETED:
		/* Confirmed absorbs the ACKs of retransmitted finals for T4
		 * (Timer I; zero over reliable transports). */
		t->state = SIP_TXN_CONFIRMED;
		txn_timer_stop(t, TIMER_RETX);
		txn_timer_stop(t, TIMER_TIMEOUT);
		if (t->reliable)
			txn_terminate(t);
		else
			txn_timer_start(t, TIMER_LINGER, tbl->cfg.t4_ms, linger_fired);
		break;
	case SIP_TXN_ACCEPTED:
		/* RFC 6026 §7.1: an ACK matching an Accepted transaction is
		 * the 2xx's and goes to the TU (an RFC 2543 peer reuses the
		 * INVITE's Via for it). */
		if (t->answering)
			txn_server_2xx_acked(t);
		if (tbl->h.ack)
			tbl->h.ack(ack, t, tbl->h.arg);
		break;
	default:
		break;	/* Confirmed absorbs; Proceeding has sent no final yet */
	}
}

static void invite_retransmission(struct sip_txn *t)
{
	if (t->state == SIP_TXN_COMPLETED) {
		txn_resend_final(t);
	} else if (t->state == SIP_TXN_PROCEEDING) {
		/* The TU has sent nothing yet: the 100 goes now, since the
		 * client is already retransmitting (§17.2.1). */
		if (!t->last_prov) {
			txn_timer_stop(t, TIMER_TRYING);
			trying_fired(t);
		} else {
			resend(t, t->last_prov);
		}
	}
	/* Confirmed and Accepted absorb it. */
}

void txn_server_request(struct sip_txn *st, struct sip_msg *req)
{
	sip_txn_ref(st);
	if (st->kind == TXN_SERVER_INVITE) {
		if (req->method_id == SIP_METHOD_ACK)
			invite_ack(st, req);
		else
			invite_retransmission(st);
	} else if (st->state == SIP_TXN_PROCEEDING) {
		resend(st, st->last_prov);
	} else if (st->state == SIP_TXN_COMPLETED) {
		txn_resend_final(st);
	}	/* Trying: discarded (§17.2.2) */
	sip_txn_unref(st);
}
