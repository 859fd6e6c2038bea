/*
 * modules/chan_sip/sip_txn.h - SIP transactions (RFC 3261 §17, with the
 * corrections of RFC 6026).
 *
 * A transaction table holds the client and server transactions of one SIP
 * stack.  Everything here runs on one thread, the one that runs the
 * table's scheduler (the event loop's): the transport layer hands every
 * received message to sip_txn_receive, the TU (dialogs, registrar...)
 * starts client transactions and answers server transactions, and the
 * timers below fire from the scheduler.
 *
 * State machines (T1, T2, T4 configurable; defaults 500 ms, 4 s, 5 s):
 *
 *   client INVITE      Calling -1xx-> Proceeding -300..699-> Completed -D-> gone
 *                      Calling/Proceeding -2xx-> Accepted (RFC 6026) -M-> gone
 *                      Timer A retransmits (T1 doubling, unreliable only);
 *                      Timer B (64*T1) times out Calling; an ACK is built
 *                      and sent for every 300-699 (§17.1.1.3).
 *   client non-INVITE  Trying -1xx-> Proceeding -final-> Completed -K-> gone
 *                      Timer E (T1 doubling to T2; T2 once Proceeding),
 *                      Timer F (64*T1) times out.
 *   server INVITE      Proceeding -300..699-> Completed -ACK-> Confirmed -I-> gone
 *                      Proceeding -2xx-> Accepted (RFC 6026) -L-> gone
 *                      Timer G retransmits the final response, Timer H
 *                      (64*T1) gives up waiting for the ACK.
 *   server non-INVITE  Trying -1xx-> Proceeding -final-> Completed -J-> gone
 *
 * Timers D, I, J and K are zero over reliable transports; retransmission
 * timers (A, E, G) run only over unreliable ones.  Timer C belongs to
 * proxies (§16.6 step 11, §16.8); Lyre is a B2BUA, whose TU ends an
 * unanswered INVITE with CANCEL on its own (Dial's timeout), so Timer C
 * is not implemented.
 *
 * The 100 (Trying) of an INVITE server transaction goes out when the TU
 * has not sent a response within trying_ms (default 200 ms): §17.2.1 lets
 * a server skip it when the TU answers within 200 ms, and most INVITEs to
 * Lyre are answered at once (a 401 challenge, a 404), which then costs one
 * datagram instead of two.  A retransmitted INVITE that arrives before any
 * provisional response gets the 100 at once.
 *
 * The transaction layer itself answers what needs no TU:
 *   - a CANCEL (§9.2): 200 for the CANCEL, 487 for its INVITE when that has
 *     no final response yet (the INVITE's user hears `cancelled`), 481 when
 *     no INVITE server transaction matches;
 *   - a merged request (§8.2.2.2: no To tag, same From tag, Call-ID and CSeq
 *     as a live server transaction it does not match) gets 482;
 *   - a looped request (a Via carrying the branch and sent-by of one of our
 *     own live client transactions: our request came back to us) gets 482;
 *   - when the table is full, a request gets a stateless 503 with
 *     Retry-After, and starting a client transaction fails with ENOSPC.
 *
 * Lifetime: transactions are reference counted (sip_txn_ref/unref).  The
 * table holds one reference while a transaction is live and drops it when
 * it terminates, after the user's `terminated` callback.  A pointer passed
 * to a callback is borrowed; keep it with sip_txn_ref.  Functions called
 * on a terminated transaction fail with ESRCH.
 *
 * Memory: a finished transaction lingers up to 64*T1 (32 s) over UDP
 * for Timer D/J, and an answered INVITE for Timer L/M (RFC 6026), which
 * at thousands of requests a second is most of the table.  Once nobody
 * but the table holds it, it drops its parsed messages (see
 * sip_txn_request) and keeps about 1 kB.
 */
#ifndef LYRE_SIP_TXN_H
#define LYRE_SIP_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include <lyre/sched.h>

#include "sip_msg.h"

struct sip_txn;
struct sip_txn_table;

/*
 * How the layer sends, implemented by the transport layer (sip_transport.h:
 * sip_tp_send_request / sip_tp_send_response) and by a fake in the tests.
 * Both return 0 or an errno value; a failure is a transport error (§17.1.4,
 * §17.2.4).  UDP is unreliable, every other protocol reliable.
 */
struct sip_txn_transport {
	/* Send a request to dst->proto / dst->addr.  May set dst->conn_id to
	 * the stream connection used, so that retransmissions and the ACK of
	 * §17.1.1.3 take the same connection. */
	int (*send_request)(void *ctx, const struct sip_msg *req, struct sip_msg_src *dst);
	/* Send a response to the request that came from src (§18.2.2). */
	int (*send_response)(void *ctx, const struct sip_msg *resp, const struct sip_msg_src *src);
	void *ctx;
};

/* What the core of the stack hears about messages that belong to no
 * transaction, and about new server transactions. */
struct sip_txn_handlers {
	/*
	 * A request created server transaction st (never ACK; never CANCEL,
	 * which the layer answers itself).  The TU answers with
	 * sip_txn_respond / sip_txn_reply / sip_txn_answer, now or later, and
	 * may attach its callbacks with sip_txn_set_user.
	 */
	void (*request)(struct sip_txn *st, struct sip_msg *req, void *arg);
	/*
	 * An ACK that is not absorbed by an INVITE server transaction: the ACK
	 * of a 2xx (a transaction of its own, §17).  st is the INVITE server
	 * transaction whose 2xx sip_txn_answer was retransmitting (now
	 * stopped), or NULL.
	 */
	void (*ack)(struct sip_msg *ack, struct sip_txn *st, void *arg);
	/* A response that matches no client transaction ("passed directly to
	 * the core", §17.1.1.2, §18.1.2), e.g. a 2xx retransmitted after
	 * Timer M.  May be NULL. */
	void (*stray_response)(struct sip_msg *resp, void *arg);
	void *arg;
};

/* The callbacks of the TU that owns one transaction.  Any may be NULL. */
struct sip_txn_user {
	/*
	 * Client: a response, never a retransmission, except that every 2xx
	 * of an INVITE reaches the TU (RFC 6026 §8.4) so that it can ACK each
	 * one, retransmissions and forks alike.
	 */
	void (*response)(struct sip_txn *ct, struct sip_msg *resp, void *arg);
	/*
	 * Client: Timer B or F fired (no final response; the TU acts as if it
	 * got a 408, §8.1.3.1).  Server INVITE: Timer H fired (no ACK for the
	 * non-2xx final), or the 2xx of sip_txn_answer went unacknowledged for
	 * 64*T1 (§13.3.1.4: the TU should end the session with BYE).
	 */
	void (*timeout)(struct sip_txn *t, void *arg);
	/* Sending a retransmission or a resent response failed (errno err). */
	void (*transport_error)(struct sip_txn *t, int err, void *arg);
	/* Server INVITE: a CANCEL matched it, 200 and 487 are sent (§9.2). */
	void (*cancelled)(struct sip_txn *st, const struct sip_msg *cancel, void *arg);
	/* The transaction ended; no callback follows. */
	void (*terminated)(struct sip_txn *t, void *arg);
};

struct sip_txn_config {
	unsigned t1_ms;		/* RTT estimate, default 500 */
	unsigned t2_ms;		/* retransmit interval cap, default 4000 */
	unsigned t4_ms;		/* longest a message stays in the network, default 5000 */
	unsigned trying_ms;	/* INVITE server: 100 when the TU is silent this long, default 200 */
	unsigned max_transactions;	/* live transactions at most, default 262144 */
	/* The clock timers are set against; default ly_now_ms.  Tests pass
	 * a fake one and drive the scheduler with ly_sched_run_due. */
	uint64_t (*now_ms)(void);
};

enum sip_txn_state {
	SIP_TXN_CALLING,	/* client INVITE */
	SIP_TXN_TRYING,		/* client and server non-INVITE */
	SIP_TXN_PROCEEDING,
	SIP_TXN_COMPLETED,
	SIP_TXN_CONFIRMED,	/* server INVITE */
	SIP_TXN_ACCEPTED,	/* INVITE after a 2xx (RFC 6026) */
	SIP_TXN_TERMINATED,
};

/*
 * A table running its timers on `sched` (ly_loop_sched of the SIP loop).
 * cfg may be NULL (defaults); zero fields take their default too.  The
 * transport and handlers are copied.  Never NULL.
 */
struct sip_txn_table *sip_txn_table_new(struct ly_sched *sched, const struct sip_txn_config *cfg,
					const struct sip_txn_transport *tp,
					const struct sip_txn_handlers *handlers);
/* Ends every transaction (users hear `terminated` only) and frees the
 * table.  Transactions the TU still references stay valid, terminated. */
void sip_txn_table_free(struct sip_txn_table *tbl);
/* Live transactions (client and server). */
unsigned sip_txn_table_count(const struct sip_txn_table *tbl);
/* The configuration in use, defaults filled in. */
const struct sip_txn_config *sip_txn_table_config(const struct sip_txn_table *tbl);

/*
 * Hand a received message (the transport layer's receive callback) to the
 * layer: a response goes to its client transaction (§17.1.3) or to
 * stray_response; a request to its server transaction (§17.2.3), to a new
 * one, or is answered by the layer as described at the top.  Borrows msg.
 */
void sip_txn_receive(struct sip_txn_table *tbl, struct sip_msg *msg);

/*
 * A stream connection failed (the transport's connection callback, err
 * not 0): client transactions whose request was queued on it and that
 * have heard nothing yet (Calling, Trying) report a transport error and
 * end (§17.1.4).  Server transactions are left alone: §18.2.2 has the
 * transport open a new connection for their responses.
 */
void sip_txn_conn_failed(struct sip_txn_table *tbl, uint64_t conn_id, int err);

/*
 * Start a client transaction for req (any method but ACK, which has no
 * transaction: send it with the transport directly).  req must have a top
 * Via with an RFC 3261 branch (sip_make_branch, §8.1.1.7) and a CSeq; the
 * transaction takes its own reference and sends it to dst now.  *out (may
 * be NULL) gets a reference for the caller.
 * 0, EINVAL (ACK, no Via branch, no CSeq or Call-ID), EEXIST (a live
 * client transaction has that branch and method), ENOSPC (table full) or
 * the transport's errno for the first send (nothing is then created).
 */
int sip_txn_client_start(struct sip_txn_table *tbl, struct sip_msg *req, const struct sip_msg_src *dst,
			 const struct sip_txn_user *user, void *arg, struct sip_txn **out);

/*
 * A CANCEL for the INVITE of client transaction ct (§9.1): same
 * Request-URI, Call-ID, From, To, CSeq number, top Via (so the same
 * branch) and Route headers.  The caller starts it with
 * sip_txn_client_start to the INVITE's destination (sip_txn_dest), and
 * only once a provisional response has arrived (§9.1).  NULL when ct is
 * no INVITE client transaction.
 */
struct sip_msg *sip_txn_make_cancel(const struct sip_txn *ct);

/*
 * Send a response on server transaction st (the transaction takes its own
 * reference).  Provisional responses keep it Proceeding; a final one moves
 * it on (§17.2.1, §17.2.2; 2xx to INVITE: Accepted, and the TU
 * retransmits it, or use sip_txn_answer).
 * 0, EALREADY (a final response was already sent: discarded, §17.2.2),
 * EINVAL (not a response, or st is a client transaction), ESRCH
 * (terminated), or the transport's errno: the transaction is then
 * terminated (§17.2.4) and the TU hears nothing more but `terminated`.
 */
int sip_txn_respond(struct sip_txn *st, struct sip_msg *resp);
/* Build (sip_msg_new_response) and send a response; to_tag may be NULL
 * (the tag of an earlier response of this transaction is then reused). */
int sip_txn_reply(struct sip_txn *st, int code, const char *reason, const char *to_tag);
/*
 * Send a 2xx to an INVITE and retransmit it as the UAS core must
 * (§13.3.1.4): after T1, then doubling to T2, over every transport (the
 * 2xx is end to end, a later hop may be UDP), until the ACK arrives
 * (matched by Call-ID, CSeq number, From and To tags; handlers.ack hears
 * it with st) or 64*T1 passes (user.timeout).  Errors as sip_txn_respond.
 */
int sip_txn_answer(struct sip_txn *st, struct sip_msg *resp);

/*
 * End t now, without a response or an event but `terminated`: for a TU
 * that gives up, as §9.1 lets a UAC do with an INVITE whose final
 * response has not come 64*T1 after the 200 to its CANCEL.
 */
void sip_txn_abandon(struct sip_txn *t);

/* The TU's callbacks for t (server transactions start without any). */
void sip_txn_set_user(struct sip_txn *t, const struct sip_txn_user *user, void *arg);

struct sip_txn *sip_txn_ref(struct sip_txn *t);
/* Drops one reference; NULL-safe. */
void sip_txn_unref(struct sip_txn *t);

bool sip_txn_is_client(const struct sip_txn *t);
bool sip_txn_is_invite(const struct sip_txn *t);
enum sip_txn_state sip_txn_state(const struct sip_txn *t);
const char *sip_txn_state_name(enum sip_txn_state s);
/*
 * The request that created the transaction, and the last response sent
 * (server) or received (client; NULL when none).  Both are NULL once a
 * finished transaction has shed them: when it only waits (client and
 * server Completed, server INVITE Confirmed, INVITE Accepted) and nobody
 * holds a reference from sip_txn_ref any more, it keeps just its matching
 * keys, the printed final response (or ACK) it may have to resend, and
 * the destination.  A TU that holds a reference always gets them.  Of
 * the callbacks a shed transaction still makes, `response` (a 2xx
 * retransmitted to a client INVITE in Accepted) gets both back for the
 * call; the `ack` handler gets a server INVITE whose messages stay shed.
 */
struct sip_msg *sip_txn_request(const struct sip_txn *t);
struct sip_msg *sip_txn_last_response(const struct sip_txn *t);
/* Client: where the request goes (with the connection used); server:
 * where the request came from. */
const struct sip_msg_src *sip_txn_dest(const struct sip_txn *t);

#endif
