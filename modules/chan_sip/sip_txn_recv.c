/* modules/chan_sip/sip_txn_recv.c - where a received message goes: its transaction, a new one, or an answer from the layer itself (RFC 3261 §17.1.3, §17.2.3, §9.2, §8.2.2.2). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_txn_int.h"

#define TAG_LEN 16
#define RETRY_AFTER_FULL_S 5

/* ---- responses ---- */

static void receive_response(struct sip_txn_table *tbl, struct sip_msg *resp)
{
	struct txn_link *l = NULL;
	struct txn_key key;

	if (resp->has_via && resp->via.branch && resp->cseq_method) {
		txn_client_key(&key, resp->via.branch, resp->cseq_method);
		l = txn_index_find(&tbl->clients, key.s, txn_hash(tbl, key.s), NULL);
		txn_key_release(&key);
	}
	if (l)
		txn_client_response(l->txn, resp);
	else if (tbl->h.stray_response)
		tbl->h.stray_response(resp, tbl->h.arg);
}

/* ---- matching requests (§17.2.3) ---- */

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_top_via(const struct sip_via *a, const struct sip_via *b)
{
	return a->proto == b->proto && a->port == b->port && a->host && b->host &&
	       ly_strcaseeq(a->host, b->host) && same_str(a->branch, b->branch);
}

/*
 * The RFC 2543 rules.  Call-ID, From tag and CSeq number and method are in
 * the key already.  An INVITE (and a CANCEL looking for its INVITE, §9.2)
 * matches on Request-URI, To tag and top Via; an ACK on Request-URI, top
 * Via, and the To tag of the response the transaction sent.
 */
static bool legacy_match(const struct sip_txn *st, const struct sip_msg *req)
{
	const struct sip_msg *orig = st->req;
	const char *to_tag;

	if (!sip_uri_equal(&orig->ruri, &req->ruri) || !same_top_via(&orig->via, &req->via))
		return false;
	if (req->method_id != SIP_METHOD_ACK)
		return same_str(orig->to.tag, req->to.tag);
	to_tag = st->last_resp ? st->last_resp->to.tag : NULL;
	return same_str(to_tag, req->to.tag);
}

/* The server transaction req belongs to, looked up under `method` (INVITE
 * for an ACK, and for a CANCEL seeking the request it cancels). */
static struct sip_txn *find_server(struct sip_txn_table *tbl, const struct sip_msg *req, const char *method)
{
	struct txn_link *l;
	uint32_t hash;
	struct txn_key key;

	if (txn_branch_is_rfc3261(req->via.branch)) {
		txn_server_key(&key, req, method);
		l = txn_index_find(&tbl->servers, key.s, txn_hash(tbl, key.s), NULL);
		txn_key_release(&key);
		return l ? l->txn : NULL;
	}
	txn_legacy_key(&key, req, method);
	hash = txn_hash(tbl, key.s);
	for (l = txn_index_find(&tbl->servers, key.s, hash, NULL); l;
	     l = txn_index_find(&tbl->servers, key.s, hash, l))
		if (legacy_match(l->txn, req))
			break;
	txn_key_release(&key);
	return l ? l->txn : NULL;
}

/* ---- requests the layer answers itself ---- */

static void reply_stateless(struct sip_txn_table *tbl, struct sip_msg *req, int code)
{
	char tag[TAG_LEN + 1];
	struct sip_msg *resp;

	sip_make_token(tag, TAG_LEN);
	resp = sip_msg_new_response(req, code, NULL, tag);
	if (!resp)
		return;
	if (code == 503)
		sip_msg_hdr_addf(resp, "Retry-After", "%d", RETRY_AFTER_FULL_S);
	tbl->tp.send_response(tbl->tp.ctx, resp, &req->src);
	sip_msg_unref(resp);
}

/* Answer through a server transaction of its own, so retransmissions of
 * req get the same answer and an INVITE's ACK is absorbed. */
static struct sip_txn *reply_in_txn(struct sip_txn_table *tbl, struct sip_msg *req, int code,
				    const char *reason, const char *to_tag)
{
	struct sip_txn *st = txn_server_new(tbl, req, false);

	sip_txn_ref(st);
	sip_txn_reply(st, code, reason, to_tag);
	return st;	/* the caller's reference */
}

/*
 * A loop: one of the request's Via entries is the Via of one of our own
 * live client transactions (same branch, method and sent-by), so what we
 * sent came back.  A B2BUA has no business receiving its own request,
 * spiral or not, so unlike a proxy (§16.3 item 4) it does not compare
 * Request-URIs.
 */
static bool is_loop(const struct sip_txn_table *tbl, const struct sip_msg *req)
{
	struct sip_value_iter it;
	struct sip_str v;
	bool loop = false;

	sip_value_iter_init(&it, req, "Via");
	while (!loop && sip_value_next(&it, &v)) {
		char small[512];
		char *buf = SIP_VIA_BUF(v.len) <= sizeof(small) ? small : ly_malloc(SIP_VIA_BUF(v.len));
		struct sip_via via;
		struct txn_link *l;
		struct txn_key key;

		if (sip_via_parse(&via, v.s, v.len, buf) == 0 && txn_branch_is_rfc3261(via.branch)) {
			txn_client_key(&key, via.branch, req->method);
			l = txn_index_find(&tbl->clients, key.s, txn_hash(tbl, key.s), NULL);
			if (l) {
				unsigned port;
				const char *host = txn_client_via(l->txn, &port);

				loop = port == via.port && via.host && host && ly_strcaseeq(host, via.host);
			}
			txn_key_release(&key);
		}
		if (buf != small)
			free(buf);
	}
	return loop;
}

/* §8.2.2.2: no To tag, and From tag, Call-ID and CSeq of a live server
 * transaction this request did not match: the same request reached us
 * twice by different paths (a forking proxy). */
static bool is_merged(const struct sip_txn_table *tbl, const struct sip_msg *req)
{
	struct txn_key key;
	bool merged;

	if (req->to.tag || !req->from.tag)
		return false;
	txn_dialog_key(&key, req, req->cseq_method);
	merged = txn_index_find(&tbl->merges, key.s, txn_hash(tbl, key.s), NULL) != NULL;
	txn_key_release(&key);
	return merged;
}

/*
 * §9.2: a CANCEL is its own non-INVITE transaction, answered 200 when it
 * matches a server transaction (with the To tag of that transaction's
 * responses) and 481 when not.  An INVITE with no final response yet gets
 * 487 and its TU hears `cancelled`.  Non-INVITE transactions are answered
 * at once (§17.1: TUs "SHOULD respond immediately to non-INVITE
 * requests"), so only INVITEs are looked for; a late CANCEL of anything
 * else gets 481, which ends the canceller's side just the same.
 */
static void receive_cancel(struct sip_txn_table *tbl, struct sip_msg *cancel)
{
	struct sip_txn *inv = find_server(tbl, cancel, "INVITE");
	char fresh[TAG_LEN + 1];
	const char *tag;
	struct sip_txn *ct;

	if (!inv) {
		sip_txn_unref(reply_in_txn(tbl, cancel, 481, NULL, NULL));
		return;
	}
	sip_txn_ref(inv);
	tag = txn_server_to_tag(inv);
	if (!tag) {
		sip_make_token(fresh, TAG_LEN);
		tag = fresh;
	}
	ct = reply_in_txn(tbl, cancel, 200, NULL, tag);
	if (inv->state == SIP_TXN_PROCEEDING) {
		sip_txn_reply(inv, 487, NULL, tag);
		if (inv->user && inv->user->cancelled)
			inv->user->cancelled(inv, cancel, inv->user_arg);
	}
	sip_txn_unref(ct);
	sip_txn_unref(inv);
}

/* ---- requests ---- */

/* An ACK no INVITE server transaction took: the ACK of a 2xx (§17),
 * which ends the retransmission of sip_txn_answer when it is its own. */
static void receive_2xx_ack(struct sip_txn_table *tbl, struct sip_msg *ack)
{
	struct txn_key key;
	uint32_t hash;
	struct sip_txn *st = NULL;

	txn_dialog_key(&key, ack, "INVITE");
	hash = txn_hash(tbl, key.s);
	for (struct txn_link *l = txn_index_find(&tbl->acks, key.s, hash, NULL); l;
	     l = txn_index_find(&tbl->acks, key.s, hash, l)) {
		/* The 2xx's To tag, kept when the transaction shed it. */
		const struct sip_txn *t = l->txn;
		bool answered = t->is_shed || t->last_resp;
		const char *tag = t->is_shed ? t->kept.to_tag : t->last_resp ? t->last_resp->to.tag : NULL;

		if (answered && same_str(tag, ack->to.tag)) {
			st = l->txn;
			break;
		}
	}
	txn_key_release(&key);
	if (st) {
		sip_txn_ref(st);
		txn_server_2xx_acked(st);
	}
	if (tbl->h.ack)
		tbl->h.ack(ack, st, tbl->h.arg);
	sip_txn_unref(st);
}

static void new_server_txn(struct sip_txn_table *tbl, struct sip_msg *req)
{
	struct sip_txn *st;

	if (!tbl->h.request) {
		reply_stateless(tbl, req, 503);
		return;
	}
	st = sip_txn_ref(txn_server_new(tbl, req, true));
	txn_server_arm_trying(st);
	tbl->h.request(st, req, tbl->h.arg);
	sip_txn_unref(st);
}

static bool request_usable(const struct sip_msg *req)
{
	return req->has_via && req->via.host && req->call_id && req->cseq_method && req->method &&
	       req->has_from && req->has_to;
}

static void receive_request(struct sip_txn_table *tbl, struct sip_msg *req)
{
	bool ack = req->method_id == SIP_METHOD_ACK;
	struct sip_txn *st;

	if (!request_usable(req)) {
		/* The message layer answers these 400 before they get here. */
		ly_debug(1, "SIP: dropping a request without Via, Call-ID, CSeq, From or To");
		return;
	}
	st = find_server(tbl, req, ack ? "INVITE" : req->method);
	if (st) {
		txn_server_request(st, req);
		return;
	}
	if (ack) {
		receive_2xx_ack(tbl, req);
		return;
	}
	if (!txn_table_has_room(tbl)) {
		reply_stateless(tbl, req, 503);
		return;
	}
	if (is_loop(tbl, req) || is_merged(tbl, req)) {
		ly_debug(1, "SIP: %s with Call-ID %s looped or merged: 482", req->method, req->call_id);
		sip_txn_unref(reply_in_txn(tbl, req, 482, NULL, NULL));
		return;
	}
	if (req->method_id == SIP_METHOD_CANCEL)
		receive_cancel(tbl, req);
	else
		new_server_txn(tbl, req);
}

void sip_txn_receive(struct sip_txn_table *tbl, struct sip_msg *msg)
{
	if (msg->is_request)
		receive_request(tbl, msg);
	else
		receive_response(tbl, msg);
}

/* ---- connections ---- */

void sip_txn_conn_failed(struct sip_txn_table *tbl, uint64_t conn_id, int err)
{
	struct txn_index *ix = &tbl->clients;
	struct sip_txn **hit;
	size_t n = 0;

	if (!conn_id || !err)
		return;
	/* Collect first: reporting terminates, which edits the index. */
	hit = ly_calloc(ix->count + 1, sizeof(*hit));
	for (size_t b = 0; b <= ix->mask; b++)
		for (struct txn_link *l = ix->buckets[b]; l; l = l->next)
			if (l->txn->dest.conn_id == conn_id &&
			    (l->txn->state == SIP_TXN_CALLING || l->txn->state == SIP_TXN_TRYING))
				hit[n++] = sip_txn_ref(l->txn);
	for (size_t i = 0; i < n; i++) {
		if (hit[i]->tbl) {
			if (hit[i]->user && hit[i]->user->transport_error)
				hit[i]->user->transport_error(hit[i], err, hit[i]->user_arg);
			txn_terminate(hit[i]);
		}
		sip_txn_unref(hit[i]);
	}
	free(hit);
}
