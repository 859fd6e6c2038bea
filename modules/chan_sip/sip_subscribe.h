/*
 * modules/chan_sip/sip_subscribe.h - the notifier side of RFC 6665
 * subscriptions, for the one event package Lyre serves: message-summary
 * (RFC 3842, bodies from sip_mwi_body.h, counts from lyre/mwi.h).
 *
 * A SUBSCRIBE is handled in this order:
 *   1. Event missing, unreadable or not message-summary: 489 Bad Event
 *      with Allow-Events (§4.2.1; before authentication, which tells
 *      nothing about users);
 *   2. with a To tag it belongs to a subscription (481 when none; 500 for
 *      a CSeq not above the last, RFC 3261 §12.2.2); it is not challenged
 *      again: its dialog's tags, which only the authenticated subscriber
 *      holds, identify it, as for in-dialog requests of calls;
 *   3. without: digest authentication as for INVITE and REGISTER (the
 *      same 401 for an unknown user and a wrong password);
 *   4. which mailboxes: a Request-URI with the endpoint's own name as
 *      user, or no user, gets all of its `mailboxes` (their counts added
 *      up); any other user must name one of them ("100" or "100@default")
 *      and gets that one; else 403, so an endpoint sees only the mailboxes
 *      sip.conf gives it, as Asterisk's `mailboxes` does; an endpoint
 *      with none gets 404;
 *   5. Expires through sip_sub_expiry (mwi_min/max/default_expiry): 423
 *      with Min-Expires below the minimum;
 *   6. 200 OK with our To tag, Expires and Contact, then at once a NOTIFY
 *      (§4.2.2) with Subscription-State active;expires=N and the counts.
 *
 * Every NOTIFY of a subscription goes to where its SUBSCRIBE came from
 * (address, protocol and connection), with the Contact as Request-URI and
 * the Record-Route set as Route: phones behind NAT are reached as their
 * REGISTERs are with rewrite_contact.  One NOTIFY is in flight at a time;
 * a change meanwhile is sent once it is answered.  A refresh gets 200 and
 * a NOTIFY; Expires: 0, the expiry, and unload end it with a NOTIFY
 * terminated;reason=timeout (unload: deactivated).  A 481 or 408 to a
 * NOTIFY, no answer at all, or a transport error ends it silently
 * (§4.2.2).  An initial SUBSCRIBE with Expires: 0 is a fetch (§4.4.3):
 * 200 and one terminated NOTIFY.
 *
 * Everything runs on the SIP loop thread.
 */
#ifndef LYRE_SIP_SUBSCRIBE_H
#define LYRE_SIP_SUBSCRIBE_H

#include <stdbool.h>
#include <stdint.h>

#include "sip_core.h"

struct sip_subs;

struct sip_subs *sip_subs_new(struct sip_core *core);
/* Ends every subscription (NOTIFY terminated;reason=deactivated); before
 * the transaction table goes. */
void sip_subs_free(struct sip_subs *subs);

/* A SUBSCRIBE server transaction. */
void sip_subs_handle(struct sip_subs *subs, struct sip_txn *st, struct sip_msg *req);

/* A mailbox's counts changed: NOTIFY every subscription covering it. */
void sip_subs_mailbox_changed(struct sip_subs *subs, const char *mailbox);
/* True when the endpoint holds a live subscription (no unsolicited
 * NOTIFY then). */
bool sip_subs_endpoint_subscribed(const struct sip_subs *subs, const char *endpoint);

/* For `sip show subscriptions`. */
struct sip_sub_info {
	const char *endpoint;
	char *const *mailboxes;
	const char *call_id;
	const char *source;	/* "1.2.3.4:5060" */
	enum sip_proto proto;
	unsigned expires_in;	/* s */
	unsigned notifies;	/* NOTIFYs sent */
	int last_status;	/* to the last NOTIFY, 0 none yet */
};
void sip_subs_foreach(const struct sip_subs *subs, void (*fn)(const struct sip_sub_info *i, void *arg),
		      void *arg);
unsigned sip_subs_count(const struct sip_subs *subs);

#endif
