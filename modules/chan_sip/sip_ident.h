/*
 * modules/chan_sip/sip_ident.h - who a call is from: caller id out of an
 * incoming INVITE, and the From, P-Asserted-Identity and Privacy of the
 * INVITEs Lyre sends, with the options of struct sip_call_conf and the
 * meanings Asterisk's res_pjsip gives them:
 *
 *  - Incoming: caller id comes from From, or from an endpoint's
 *    configured callerid when it has one.  A peer with trust_id_inbound
 *    asserts it instead (RFC 3325 §9.1): the first P-Asserted-Identity,
 *    else Remote-Party-ID, wins over From, and `Privacy: id` (or RPID's
 *    privacy=full|name|uri) marks it restricted.  An untrusted peer's
 *    PAI, RPID and Privacy are ignored; Lyre is a B2BUA and copies no
 *    header to the other leg, so they are stripped too.
 *  - Presentation: Lyre's channels carry it in the variable CALLERPRES,
 *    with Asterisk's values: "prohib..." or "unavailable" restrict it
 *    (Set(CALLERPRES=prohib) before Dial hides the number).
 *  - Outgoing, to a peer without trust_id_outbound, a restricted caller id
 *    is not sent: the From is "Anonymous" <sip:anonymous@anonymous.invalid>
 *    (RFC 3323 §4.1.1.3) and no PAI goes.  Otherwise the From carries the
 *    caller id, and send_pai adds P-Asserted-Identity with it, plus
 *    `Privacy: id` when restricted (RFC 3325 §9.3).
 *  - from_user / from_domain replace the user / host of the From (a
 *    trunk's username is the user when from_user is not set, as before).
 */
#ifndef LYRE_SIP_IDENT_H
#define LYRE_SIP_IDENT_H

#include <stdbool.h>

#include "sip_config.h"
#include "sip_msg.h"

struct ly_channel;

/* Set c's caller id (and CALLERPRES) from req, a new INVITE of a peer
 * with options cc (NULL: defaults).  own_name / own_num (NULL: not set)
 * are an endpoint's `callerid`, as pjsip's: it replaces the From's name
 * and number; only its name, the From's name; a trusted PAI or RPID
 * (trust_id_inbound) wins over both. */
void sip_ident_inbound(struct ly_channel *c, const struct sip_msg *req, const struct sip_call_conf *cc,
		       const char *own_name, const char *own_num);

/* The presentation of the channel a Dial came from goes with the call. */
void sip_ident_inherit(const struct ly_channel *requestor, struct ly_channel *c);
/* True when c's CALLERPRES restricts its caller id. */
bool sip_ident_restricted(const struct ly_channel *c);

struct sip_ident_out {
	char from[512];	/* name-addr for the From, without tag */
	char pai[512];	/* P-Asserted-Identity value, "" for none */
	bool privacy;	/* add Privacy: id */
};

/*
 * What an INVITE for channel c toward a peer with options cc (NULL:
 * defaults) says about the caller.  user_default is the From user before
 * the caller number (a trunk's username; may be NULL); sentby our host.
 */
void sip_ident_outbound(const struct ly_channel *c, const struct sip_call_conf *cc, const char *user_default,
			const char *sentby, struct sip_ident_out *out);
/* Add the PAI and Privacy headers of out to an INVITE. */
void sip_ident_add_headers(struct sip_msg *invite, const struct sip_ident_out *out);

#endif
