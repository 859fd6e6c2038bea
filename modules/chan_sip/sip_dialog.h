/*
 * modules/chan_sip/sip_dialog.h - SIP dialogs (RFC 3261 §12-§15) with the
 * INVITE usage, UPDATE (RFC 3311) and session timers (RFC 4028).
 *
 * A dialog table sits on one transaction table and runs on its thread
 * (the SIP loop's); nothing here is thread-safe.  The stack glues it in
 * from its transaction handlers:
 *
 *   request(st, req):  if (!sip_dialog_table_request(dt, st, req)) ...out-of-dialog...
 *   ack(ack, st):      sip_dialog_table_ack(dt, ack, st);
 *   stray_response(r): sip_dialog_table_stray(dt, r);
 *
 * Identity (§12): a dialog is Call-ID + local tag + remote tag; the table
 * hashes them.  A UAC INVITE dialog starts without a remote tag
 * (SIP_DIALOG_CALLING) and enters the table with the first 1xx that
 * carries a To tag (early) or the 2xx (confirmed).  A 1xx or 2xx with
 * another To tag is a fork (§12.1.2, §13.2.2.4): a new dialog object with
 * the same user and arg, handed to the same callbacks.  The first 2xx wins:
 * other early dialogs of that INVITE end, and a 2xx from another fork is
 * ACKed and then ended with BYE (§13.2.2.4).
 *
 * Lifetime: dialogs are reference counted.  The table holds one reference
 * while a dialog is live (hashed or calling), transactions started for it
 * hold one each; a pointer passed to a callback is borrowed.  After
 * `terminated` no callback follows and every function but the accessors
 * fails with ESRCH.  A dialog holds its user's arg (arg_ref/arg_unref)
 * from the moment it takes the user until `terminated` has returned.  Free the transaction table first, then the dialog
 * table (which ends every dialog, users hearing `terminated` only).
 *
 * Timers (glare retry, session refresh and expiry) run on the transaction
 * table's scheduler and clock, so tests drive them with a fake clock.
 */
#ifndef LYRE_SIP_DIALOG_H
#define LYRE_SIP_DIALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lyre/utils.h>

#include "sdp_negotiate.h"
#include "sip_msg.h"
#include "sip_txn.h"

struct sip_dialog;
struct sip_dialog_table;

enum sip_dialog_state {
	SIP_DIALOG_CALLING,	/* UAC: INVITE sent, no To tag heard yet */
	SIP_DIALOG_EARLY,	/* 1xx with a tag (UAC), or INVITE not yet answered 2xx (UAS) */
	SIP_DIALOG_CONFIRMED,
	SIP_DIALOG_TERMINATED,
};

/* Why a dialog ended. */
enum sip_dialog_end {
	SIP_DIALOG_END_LOCAL,		/* we ended it (BYE sent, CANCEL, final response) */
	SIP_DIALOG_END_REMOTE_BYE,	/* the peer sent BYE, or CANCEL before we answered (status 487) */
	SIP_DIALOG_END_REJECTED,	/* the INVITE got a final non-2xx (status says which) */
	SIP_DIALOG_END_TIMEOUT,		/* no answer, no ACK (§13.3.1.4), or 408/481 (§12.2.1.2) */
	SIP_DIALOG_END_SESSION_EXPIRED,	/* RFC 4028 §10: no refresh came; BYE sent */
	SIP_DIALOG_END_FORK_LOST,	/* an early dialog whose INVITE was answered by another fork */
	SIP_DIALOG_END_SHUTDOWN,	/* the table was freed */
};
const char *sip_dialog_end_name(enum sip_dialog_end why);

/*
 * Session timer policy (RFC 4028), with the meanings of pjsip's `timers`:
 *   YES       offer timers (Supported: timer, Session-Expires in our
 *             INVITE); as UAS use them when the INVITE asks for them
 *   NO        neither offer nor use them; an INVITE that requires them
 *             gets 420 (Unsupported: timer)
 *   REQUIRED  as YES, and our INVITE says Require: timer; an INVITE whose
 *             sender does not support timers gets 421 (RFC 4028 §9)
 *   ALWAYS    as YES, and as UAS use them even when the INVITE did not
 *             ask, refreshing ourselves (pjsip's "always"/"forced")
 * A table made without a policy keeps the layer's historic behaviour:
 * ALWAYS with the table's session_expires and min_se.
 */
enum sip_timers_mode { SIP_TIMERS_YES, SIP_TIMERS_NO, SIP_TIMERS_REQUIRED, SIP_TIMERS_ALWAYS };
const char *sip_timers_mode_name(enum sip_timers_mode m);

struct sip_dialog_timers {
	enum sip_timers_mode mode;
	unsigned session_expires;	/* s we ask for, and grant when asked nothing */
	unsigned min_se;		/* s, never below 90 (RFC 4028 §4) */
};

struct sip_dialog_config {
	unsigned session_expires;	/* s we ask for / grant, default 1800; 0: no timer unless asked */
	unsigned min_se;		/* s, our Min-SE, default 90 (RFC 4028 §5 floor) */
	const char *user_agent;		/* User-Agent of requests, Server of responses; NULL none */
};

/*
 * Every callback may be NULL.  `d` may be a dialog the user has not seen
 * yet (a fork of its INVITE): take a reference to keep it.
 */
struct sip_dialog_user {
	/* UAC: a provisional response to the initial INVITE. */
	void (*progress)(struct sip_dialog *d, struct sip_msg *resp, void *arg);
	/* UAC: the 2xx of the initial INVITE; the ACK has been sent.  The
	 * user applies the SDP answer (sip_dialog_sdp_apply_answer). */
	void (*answered)(struct sip_dialog *d, struct sip_msg *resp, void *arg);
	/* UAC: the initial INVITE ended without a 2xx (status 408 and resp
	 * NULL on timeout or transport error).  Called once, on the dialog
	 * sip_dialog_uac_new made; the user may call sip_dialog_invite_resend
	 * from here (an answer to 401/407); otherwise `terminated` follows. */
	void (*failed)(struct sip_dialog *d, int status, struct sip_msg *resp, void *arg);
	/* A request inside the dialog: re-INVITE, UPDATE, INFO, OPTIONS,
	 * MESSAGE, NOTIFY, REFER ... (not BYE, not ACK).  Answer with
	 * sip_dialog_reply / sip_dialog_respond, now or later.  Without this
	 * callback the dialog answers 200 to INFO, OPTIONS, UPDATE and
	 * re-INVITE without SDP, and 501 to the rest. */
	void (*request)(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *req, void *arg);
	/* The ACK for our 2xx to an INVITE (initial or re-INVITE). */
	void (*ack)(struct sip_dialog *d, struct sip_msg *ack, void *arg);
	/* The final response to an in-dialog request we sent (re-INVITE,
	 * UPDATE, INFO ...), after the dialog's own handling (ACK, target
	 * refresh, session timer).  408 and resp NULL on timeout.  A 491 to
	 * a re-INVITE or UPDATE is retried by the dialog (§14.1) and not
	 * reported. */
	void (*response)(struct sip_dialog *d, enum sip_method method, int status,
			 struct sip_msg *resp, void *arg);
	/* The dialog ended; nothing follows. */
	void (*terminated)(struct sip_dialog *d, enum sip_dialog_end why, int status, void *arg);
	/*
	 * Keep arg alive while a dialog may call back with it.  A dialog that
	 * takes this user (sip_dialog_uac_new, sip_dialog_uas_new,
	 * sip_dialog_set_user, and every fork of the INVITE) calls
	 * arg_ref(arg); it calls arg_unref(arg) once it lets go: right after
	 * `terminated`, or when sip_dialog_set_user replaces the user.  A
	 * terminated dialog keeps no user, so a fork of its INVITE that
	 * answers later (the INVITE transaction lives on for Timer M) gets
	 * none either: it is ACKed and ended with BYE without a callback.
	 * Both NULL: the user keeps arg alive some other way.
	 */
	void (*arg_ref)(void *arg);
	void (*arg_unref)(void *arg);
};

/* Our side of a dialog. */
struct sip_dialog_party {
	const char *from;	/* our From: a URI or name-addr, no tag ("\"Alice\" <sip:alice@h>") */
	const char *contact;	/* our Contact URI ("sip:lyre@192.0.2.1:5060") */
	const char *sentby;	/* Via sent-by of our listener ("192.0.2.1:5060") */
};

/* ------------------------------------------------------------------ */
/* The table */

/* cfg may be NULL (defaults); tp is how ACKs are sent (copied). */
struct sip_dialog_table *sip_dialog_table_new(struct sip_txn_table *txns, struct ly_sched *sched,
					      const struct sip_txn_transport *tp,
					      const struct sip_dialog_config *cfg);
void sip_dialog_table_free(struct sip_dialog_table *dt);
/* Dialogs in the table (early and confirmed). */
unsigned sip_dialog_table_count(const struct sip_dialog_table *dt);

/*
 * A new server transaction's request.  A request with a To tag belongs to
 * a dialog (§12.2.2): it is handled here (481 when no dialog matches, 500
 * when its CSeq is out of order) and true is returned.  False for a
 * request without a To tag: the caller handles it (a new INVITE goes to
 * sip_dialog_uas_new).
 */
bool sip_dialog_table_request(struct sip_dialog_table *dt, struct sip_txn *st, struct sip_msg *req);
/* The ACK of a 2xx (handlers.ack); true when a dialog took it. */
bool sip_dialog_table_ack(struct sip_dialog_table *dt, struct sip_msg *ack, struct sip_txn *st);
/* A 2xx to INVITE with no transaction left: resend our ACK (§13.2.2.4). */
bool sip_dialog_table_stray(struct sip_dialog_table *dt, struct sip_msg *resp);
/* The dialog with this id, or NULL (borrowed). */
struct sip_dialog *sip_dialog_find(struct sip_dialog_table *dt, const char *call_id,
				   const char *local_tag, const char *remote_tag);

/* ------------------------------------------------------------------ */
/* UAC: the initial INVITE */

struct sip_dialog_invite_params {
	const char *ruri;		/* Request-URI */
	const char *to;			/* To URI or name-addr; NULL: the Request-URI */
	const struct sip_dialog_party *local;
	struct sip_msg_src dst;		/* where the INVITE goes (proto, addr, addr_len) */
	const char *call_id;		/* NULL: a random one */
	const char *content_type;	/* the offer, or NULL for an INVITE without SDP */
	const void *body;
	size_t body_len;
	const struct sip_dialog_timers *timers;	/* NULL: the table's (ALWAYS) */
};

/*
 * A dialog in state CALLING with its INVITE built (Via, From with a new
 * tag, To, Call-ID, CSeq, Contact, Supported/Session-Expires/Min-SE).  The
 * user may add headers to sip_dialog_invite_request(d) and then calls
 * sip_dialog_invite_send.  *out gets a reference for the caller.
 * 0 or EINVAL (bad URI or party).
 */
int sip_dialog_uac_new(struct sip_dialog_table *dt, const struct sip_dialog_invite_params *p,
		       const struct sip_dialog_user *user, void *arg, struct sip_dialog **out);
/* The INVITE that will go, or went, out (borrowed). */
struct sip_msg *sip_dialog_invite_request(struct sip_dialog *d);
/* Start the INVITE client transaction.  0 or sip_txn_client_start's errno
 * (the dialog then ends with `terminated`). */
int sip_dialog_invite_send(struct sip_dialog *d);
/*
 * From `failed`: send the INVITE again with CSeq + 1 and a new branch,
 * with header name: value set (an Authorization answering a 401, §22.2).
 * 0, EINVAL, or EALREADY when the INVITE already ended.
 */
int sip_dialog_invite_resend(struct sip_dialog *d, const char *name, const char *value);
/* CANCEL the initial INVITE (§9.1): sent once a provisional response has
 * arrived, or as soon as one does. */
int sip_dialog_cancel(struct sip_dialog *d);

/* ------------------------------------------------------------------ */
/* UAS: answering an INVITE */

/*
 * Take an INVITE without a To tag: a dialog in state EARLY with a new
 * local tag, remote target from its Contact, route set from its
 * Record-Route (§12.1.1).  On a request the dialog cannot take it answers
 * itself and returns: EINVAL (400: no Contact or From tag), ERANGE (422:
 * Session-Expires below our Min-SE, RFC 4028 §8.1).  *out gets a
 * reference.
 */
int sip_dialog_uas_new(struct sip_dialog_table *dt, struct sip_txn *st, struct sip_msg *req,
		       const struct sip_dialog_party *local, const struct sip_dialog_user *user,
		       void *arg, struct sip_dialog **out);
/* The same with a session timer policy (NULL: the table's).  Besides
 * the 422, the dialog may answer 420 or 421 (timers=no / required) and
 * return EPROTO. */
int sip_dialog_uas_new_timers(struct sip_dialog_table *dt, struct sip_txn *st, struct sip_msg *req,
			      const struct sip_dialog_party *local, const struct sip_dialog_timers *timers,
			      const struct sip_dialog_user *user, void *arg, struct sip_dialog **out);

/*
 * A response to st's request within d: To tag, and for the initial INVITE
 * Record-Route copied (§12.1.1); Contact on dialog-creating and
 * target-refresh responses; session-timer headers on 2xx to INVITE and
 * UPDATE.  The user may add headers before sip_dialog_respond.
 */
struct sip_msg *sip_dialog_response_new(struct sip_dialog *d, struct sip_txn *st, int code,
					const char *reason);
/*
 * Send it (takes no reference from the caller).  A 2xx to INVITE is
 * retransmitted until the ACK (sip_txn_answer); 64*T1 without one ends the
 * dialog with BYE (§13.3.1.4).  A final non-2xx to the initial INVITE ends
 * the dialog.  Errors as sip_txn_respond, ESRCH after the dialog ended.
 */
int sip_dialog_respond(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *resp);
/* Both at once, with an optional body (content_type NULL: none). */
int sip_dialog_reply(struct sip_dialog *d, struct sip_txn *st, int code, const char *content_type,
		     const void *body, size_t len);

/* ------------------------------------------------------------------ */
/* Requests inside the dialog (§12.2.1) */

/*
 * A request with the next local CSeq (the INVITE's number for ACK,
 * §13.2.2.4), Request-URI and Route from the remote target and route set
 * (§12.2.1.1, loose and strict routing), From/To/Call-ID of the dialog, a
 * Via with a new branch, Contact on INVITE and UPDATE.  NULL when the
 * dialog has ended or its next hop is not a numeric address.
 */
struct sip_msg *sip_dialog_request_new(struct sip_dialog *d, const char *method);
/* Start its client transaction (re-INVITE and UPDATE are tracked for
 * glare).  0, ESRCH, EBUSY (an INVITE, or an UPDATE with a body, is
 * already pending: §14.1, RFC 3311 §5.1) or the transaction's errno. */
int sip_dialog_request_send(struct sip_dialog *d, struct sip_msg *req);

int sip_dialog_reinvite(struct sip_dialog *d, const char *content_type, const void *body, size_t len);
int sip_dialog_update(struct sip_dialog *d, const char *content_type, const void *body, size_t len);
int sip_dialog_info(struct sip_dialog *d, const char *content_type, const void *body, size_t len);
/*
 * End the dialog: BYE when confirmed (or early on the UAC side with a 2xx
 * pending), CANCEL for our unanswered INVITE, 480 for an INVITE we have
 * not answered.  The dialog ends at once (`terminated`, SIP_DIALOG_END_LOCAL).
 */
int sip_dialog_end(struct sip_dialog *d);
/* A Reason header value (RFC 3326) for the BYE or CANCEL that ends d
 * (sip_dialog_end, or a CANCEL still waiting for a provisional); NULL
 * clears it.  Copied. */
void sip_dialog_set_end_reason(struct sip_dialog *d, const char *reason);

/* Send every request of the dialog to dst instead of the route set's
 * next hop (an outbound proxy, or a phone behind NAT: Asterisk's
 * rewrite_contact). */
void sip_dialog_set_dest(struct sip_dialog *d, const struct sip_msg_src *dst);

/* ------------------------------------------------------------------ */
/* SDP on top of sdp_negotiate.h (the dialog keeps the o= line, §8 of RFC 3264) */

/* Build our offer into body; kept to check the answer against. */
int sip_dialog_sdp_offer(struct sip_dialog *d, const struct sdp_local *local, struct ly_buf *body,
			 struct sdp_error *err);
/* Answer the offer in msg's body (a request or a 2xx to an offerless INVITE). */
int sip_dialog_sdp_answer(struct sip_dialog *d, const struct sip_msg *msg, const struct sdp_local *local,
			  struct ly_buf *body, struct sdp_result *res, struct sdp_error *err);
/* Read the answer in msg's body to our last offer. */
int sip_dialog_sdp_apply_answer(struct sip_dialog *d, const struct sip_msg *msg, struct sdp_result *res,
				struct sdp_error *err);
/*
 * Hold (RFC 3264 §8.4: our offer says sendonly, or inactive when local->dir
 * already is recvonly/inactive) or resume (local->dir, sendrecv when unset)
 * with a re-INVITE.  Errors as sip_dialog_request_send or sdp_offer_create.
 */
int sip_dialog_hold(struct sip_dialog *d, const struct sdp_local *local, bool hold);

/* ------------------------------------------------------------------ */
/* Accessors and life cycle */

struct sip_dialog *sip_dialog_ref(struct sip_dialog *d);
void sip_dialog_unref(struct sip_dialog *d);	/* NULL-safe */

enum sip_dialog_state sip_dialog_state(const struct sip_dialog *d);
const char *sip_dialog_state_name(enum sip_dialog_state s);
bool sip_dialog_is_uac(const struct sip_dialog *d);
const char *sip_dialog_call_id(const struct sip_dialog *d);
const char *sip_dialog_local_tag(const struct sip_dialog *d);
const char *sip_dialog_remote_tag(const struct sip_dialog *d);	/* NULL while calling */
const char *sip_dialog_remote_target(const struct sip_dialog *d);
/* The route set in the order requests carry it. */
size_t sip_dialog_route_count(const struct sip_dialog *d);
const char *sip_dialog_route(const struct sip_dialog *d, size_t i);
uint32_t sip_dialog_local_cseq(const struct sip_dialog *d);
/* Session timer: interval in s (0: none) and whether we refresh. */
unsigned sip_dialog_session_interval(const struct sip_dialog *d, bool *we_refresh);
void sip_dialog_set_user(struct sip_dialog *d, const struct sip_dialog_user *user, void *arg);

#endif
