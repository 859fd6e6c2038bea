/* modules/chan_sip/sip_txn_client.c - client transactions: INVITE and non-INVITE state machines (RFC 3261 §17.1, RFC 6026 §8.4). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_txn_int.h"

/* Timer D: "at least 32 seconds for unreliable transports" (§17.1.1.2),
 * since the client cannot know the server's T1; longer when our own
 * 64*T1 is. */
#define TIMER_D_MIN_MS 32000

static unsigned t1(const struct sip_txn *t)
{
	return t->tbl->cfg.t1_ms;
}

/* ---- messages the client transaction builds ---- */

/* The first element of a list header ("Via: a, b" gives a), copied. */
static char *first_value(const struct sip_msg *m, const char *name)
{
	struct sip_value_iter it;
	struct sip_str v;

	sip_value_iter_init(&it, m, name);
	if (!sip_value_next(&it, &v))
		return NULL;
	return ly_strndup(v.s, v.len);
}

static void copy_routes(struct sip_msg *to, const struct sip_msg *from)
{
	struct sip_value_iter it;
	struct sip_str v;

	sip_value_iter_init(&it, from, "Route");
	while (sip_value_next(&it, &v)) {
		char *route = ly_strndup(v.s, v.len);

		sip_msg_hdr_add(to, "Route", route);
		free(route);
	}
}

/*
 * A request sharing req's Request-URI, single top Via, Route set, From,
 * Call-ID and CSeq number, with the given method and To value: the ACK of
 * §17.1.1.3 (To from the response) and the CANCEL of §9.1 (To of req).
 */
static struct sip_msg *build_sibling(const struct sip_msg *req, const char *method, const char *to)
{
	const struct sip_hdr *from = sip_msg_hdr_find(req, SIP_HDR_FROM);
	char *via = first_value(req, "Via");
	struct sip_msg *m;
	char num[12];

	if (!via || !from || !to || !req->call_id) {
		free(via);
		return NULL;
	}
	m = sip_msg_new_request(method, req->ruri.text);
	if (m) {
		sip_msg_hdr_add(m, "Via", via);
		sip_msg_hdr_add(m, "Max-Forwards", "70");
		copy_routes(m, req);
		sip_msg_hdr_add(m, "From", from->value);
		sip_msg_hdr_add(m, "To", to);
		sip_msg_hdr_add(m, "Call-ID", req->call_id);
		sip_msg_hdr_join(m, "CSeq", sip_uint_str(num, (unsigned)req->cseq), " ", method);
	}
	free(via);
	return m;
}

static struct sip_msg *build_ack(const struct sip_msg *req, const struct sip_msg *resp)
{
	const struct sip_hdr *to = sip_msg_hdr_find(resp, SIP_HDR_TO);

	return build_sibling(req, "ACK", to ? to->value : NULL);
}

struct sip_msg *sip_txn_make_cancel(const struct sip_txn *ct)
{
	const struct sip_hdr *to;

	if (ct->kind != TXN_CLIENT_INVITE || !ct->req)
		return NULL;	/* shed: finished, nothing to cancel */
	to = sip_msg_hdr_find(ct->req, SIP_HDR_TO);
	return build_sibling(ct->req, "CANCEL", to ? to->value : NULL);
}

/* ---- timers ---- */

/* Timer A (INVITE, Calling) and Timer E (non-INVITE, Trying/Proceeding). */
static int retransmit_fired(void *arg)
{
	struct sip_txn *t = arg;
	unsigned t2 = t->tbl->cfg.t2_ms;
	bool invite = t->kind == TXN_CLIENT_INVITE;

	if (invite ? t->state != SIP_TXN_CALLING
		   : t->state != SIP_TXN_TRYING && t->state != SIP_TXN_PROCEEDING) {
		t->timer_id[TIMER_RETX] = 0;
		return 0;
	}
	if (txn_send_request(t, t->req, true) != 0)
		return 0;	/* terminated, which stopped this timer */
	if (invite)
		t->retx_ms *= 2;	/* §17.1.1.2: intervals double, no cap */
	else if (t->state == SIP_TXN_TRYING)
		t->retx_ms = t->retx_ms * 2 < t2 ? t->retx_ms * 2 : t2;	/* §17.1.2.2 */
	else
		t->retx_ms = t2;	/* Proceeding: "reset with a value of T2" */
	return (int)t->retx_ms;
}

/* Timer B or F: no final response in 64*T1. */
static int timeout_fired(void *arg)
{
	struct sip_txn *t = arg;

	t->timer_id[TIMER_TIMEOUT] = 0;
	sip_txn_ref(t);
	if (t->state == SIP_TXN_ACCEPTED) {
		txn_terminate(t);	/* Timer M (RFC 6026 §8.4) */
	} else {
		txn_report_timeout(t);
		txn_terminate(t);
	}
	sip_txn_unref(t);
	return 0;
}

/* Timer D or K: the Completed state has absorbed what it had to. */
static int linger_fired(void *arg)
{
	struct sip_txn *t = arg;

	t->timer_id[TIMER_LINGER] = 0;
	txn_terminate(t);
	return 0;
}

static void enter_completed(struct sip_txn *t, unsigned linger_ms)
{
	t->state = SIP_TXN_COMPLETED;
	txn_timer_stop(t, TIMER_RETX);
	txn_timer_stop(t, TIMER_TIMEOUT);
	if (linger_ms)
		txn_timer_start(t, TIMER_LINGER, linger_ms, linger_fired);
}

/* ---- starting ---- */

static int check_request(const struct sip_msg *req)
{
	if (!req->is_request || req->method_id == SIP_METHOD_ACK || !req->has_via ||
	    !txn_branch_is_rfc3261(req->via.branch) || !req->call_id || !req->cseq_method)
		return EINVAL;
	return 0;
}

static void arm_client_timers(struct sip_txn *t)
{
	unsigned t1_ms = t1(t);

	/* Timer A / E run over unreliable transports only (§17.1.1.2,
	 * §17.1.2.2); Timer B / F for every transport. */
	if (!t->reliable) {
		t->retx_ms = t1_ms;
		txn_timer_start(t, TIMER_RETX, t1_ms, retransmit_fired);
	}
	txn_timer_start(t, TIMER_TIMEOUT, 64 * t1_ms, timeout_fired);
}

int sip_txn_client_start(struct sip_txn_table *tbl, struct sip_msg *req, const struct sip_msg_src *dst,
			 const struct sip_txn_user *user, void *arg, struct sip_txn **out)
{
	bool invite = req->method_id == SIP_METHOD_INVITE;
	struct sip_txn *t;
	struct txn_key key;
	uint32_t hash;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = check_request(req)) != 0)
		return rc;
	txn_client_key(&key, req->via.branch, req->method);
	hash = txn_hash(tbl, key.s);
	if (txn_index_find(&tbl->clients, key.s, hash, NULL)) {
		txn_key_release(&key);
		return EEXIST;
	}
	if (!txn_table_has_room(tbl)) {
		txn_key_release(&key);
		return ENOSPC;
	}
	t = txn_new(tbl, invite ? TXN_CLIENT_INVITE : TXN_CLIENT_NONINVITE, req, dst);
	txn_index_add(&tbl->clients, &t->by_key, t, txn_key_take(&key), hash);
	rc = txn_send_request(t, req, false);
	if (rc) {
		txn_terminate(t);	/* no user yet: nobody hears of it */
		return rc;
	}
	sip_txn_set_user(t, user, arg);
	arm_client_timers(t);
	if (out)
		*out = sip_txn_ref(t);
	return 0;
}

/* ---- responses ---- */

static void pass_up(struct sip_txn *t, struct sip_msg *resp)
{
	/* A shed Accepted transaction (RFC 6026 §8.4) gets its INVITE back
	 * first: the TU reads it to re-ACK the 2xx, and txn_client_response
	 * sheds it again after. */
	if (!txn_unshed(t))
		return;
	sip_msg_unref(t->last_resp);
	t->last_resp = sip_msg_ref(resp);
	if (t->user && t->user->response)
		t->user->response(t, resp, t->user_arg);
}

static void send_ack(struct sip_txn *t)
{
	txn_resend_ack(t);
}

/* Calling/Proceeding and a 300-699: Completed, ACK, pass up (§17.1.1.2). */
static void invite_rejected(struct sip_txn *t, struct sip_msg *resp)
{
	unsigned d = t->reliable ? 0 : (64 * t1(t) > TIMER_D_MIN_MS ? 64 * t1(t) : TIMER_D_MIN_MS);

	enter_completed(t, d);
	sip_msg_unref(t->ack);
	t->ack = build_ack(t->req, resp);
	send_ack(t);	/* "even if the transport is reliable" */
	pass_up(t, resp);
	if (!d)
		txn_terminate(t);
}

static void invite_response(struct sip_txn *t, struct sip_msg *resp)
{
	int code = resp->status;

	switch (t->state) {
	case SIP_TXN_CALLING:
	case SIP_TXN_PROCEEDING:
		if (code < 200) {
			/* Proceeding waits for the TU (its CANCEL) or the
			 * server: Timer B guards Calling only. */
			t->state = SIP_TXN_PROCEEDING;
			txn_timer_stop(t, TIMER_RETX);
			txn_timer_stop(t, TIMER_TIMEOUT);
			pass_up(t, resp);
		} else if (code < 300) {
			/* RFC 6026 §8.4: Accepted for 64*T1 (Timer M), so that
			 * 2xx retransmissions and forks still reach the TU. */
			t->state = SIP_TXN_ACCEPTED;
			txn_timer_stop(t, TIMER_RETX);
			txn_timer_start(t, TIMER_TIMEOUT, 64 * t1(t), timeout_fired);
			pass_up(t, resp);
		} else {
			invite_rejected(t, resp);
		}
		break;
	case SIP_TXN_COMPLETED:
		if (code >= 300)
			send_ack(t);	/* a retransmitted final: ACK again, TU not told */
		break;
	case SIP_TXN_ACCEPTED:
		if (code >= 200 && code < 300)
			pass_up(t, resp);
		break;
	default:
		break;
	}
}

static void noninvite_response(struct sip_txn *t, struct sip_msg *resp)
{
	unsigned k;

	if (t->state != SIP_TXN_TRYING && t->state != SIP_TXN_PROCEEDING)
		return;		/* Completed absorbs retransmitted finals */
	if (resp->status < 200) {
		t->state = SIP_TXN_PROCEEDING;
		pass_up(t, resp);
		return;
	}
	/* Timer K: T4 over unreliable transports, zero otherwise (§17.1.2.2). */
	k = t->reliable ? 0 : t->tbl->cfg.t4_ms;
	enter_completed(t, k);
	pass_up(t, resp);
	if (!k)
		txn_terminate(t);
}

void txn_client_response(struct sip_txn *ct, struct sip_msg *resp)
{
	sip_txn_ref(ct);
	if (ct->kind == TXN_CLIENT_INVITE)
		invite_response(ct, resp);
	else
		noninvite_response(ct, resp);
	sip_txn_unref(ct);
}
