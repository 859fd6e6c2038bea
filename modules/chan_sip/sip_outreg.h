/*
 * modules/chan_sip/sip_outreg.h - outbound registration of trunks
 * (`[itsp] type=trunk ... register=yes`), RFC 3261 §10.2.
 *
 * Each trunk with register=yes keeps one registration with its host: a
 * REGISTER of <sip:username@host> (from_user and from_domain replace the
 * user and host of that AOR in From and To) binding
 * <sip:username@our-sent-by>,
 * asking for the trunk's `expiry`.  The client side of sip_auth answers a
 * 401/407; a 423 raises the expiry to the Min-Expires asked for and tries
 * again (§10.2.8).  A registration is refreshed before the expiry the
 * registrar granted (§10.2.4: the Contact's expires, else Expires) runs
 * out; Call-ID stays the same and CSeq grows across refreshes (§10.2.4).
 * A host named by DNS is sent to at its resolved addresses (sip_resolve.h)
 * in order: no answer (Timer F), a transport error or a 503 from one
 * moves on to the next (RFC 3263 §4.3), and the one that answered is
 * tried first next time.  Until the first DNS answer the REGISTER waits.
 * A failure (no answer, a transport error, a rejection) is retried with
 * an exponential back-off, as Asterisk's res_pjsip_outbound_registration
 * retries after retry_interval.
 *
 * The trunk list is followed: once a second the running configuration is
 * compared with the registrations, so a reload starts, restarts (changed
 * host, credentials, expiry or transport) and ends registrations without
 * a call from sip_core_reconfigure.  A trunk that leaves the configuration,
 * and every trunk at unload, is un-registered (Expires: 0, credentials of
 * the last challenge), once and without waiting for the answer.
 */
#ifndef LYRE_SIP_OUTREG_H
#define LYRE_SIP_OUTREG_H

#include <time.h>

#include "sip_core.h"

/* Seconds before the granted expiry a registration is refreshed (pjsip's
 * PJSIP_REGISTER_CLIENT_DELAY_BEFORE_REFRESH); shorter grants refresh at half. */
#define SIP_OUTREG_REFRESH_MARGIN 5
/* Retry back-off after a failure: the first wait, doubling up to the cap. */
#define SIP_OUTREG_RETRY_FIRST_MS 2000u
#define SIP_OUTREG_RETRY_MAX_MS 300000u

enum sip_outreg_state {
	SIP_OUTREG_REGISTERING,	/* a REGISTER is on its way */
	SIP_OUTREG_REGISTERED,
	SIP_OUTREG_REJECTED,	/* a final non-2xx (403, bad credentials ...); retrying */
	SIP_OUTREG_FAILED,	/* no answer, transport error, no transport; retrying */
};
const char *sip_outreg_state_name(enum sip_outreg_state s);

/* One registration as `sip show registrations` lists it. */
struct sip_outreg_info {
	const char *trunk;
	const char *host;
	const char *username;
	enum sip_outreg_state state;
	int last_status;	/* last final status, 0 when none (timeout) */
	unsigned expires_in;	/* seconds left of the granted binding (Registered) */
	unsigned next_in;	/* seconds until the next REGISTER (refresh or retry) */
	unsigned failures;	/* in a row, since the last success */
};

struct sip_outreg *sip_outreg_new(struct sip_core *core);
/* Un-register every registered trunk (fire and forget), then free. */
void sip_outreg_free(struct sip_outreg *o);

/* Visit the registrations in trunk name order. */
void sip_outreg_foreach(const struct sip_outreg *o, void (*fn)(const struct sip_outreg_info *info, void *arg),
			void *arg);

#endif
