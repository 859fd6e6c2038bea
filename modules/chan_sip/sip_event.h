/*
 * modules/chan_sip/sip_event.h - the pure parts of RFC 6665 event
 * notification that the notifier (sip_subscribe.h) builds on: the Event
 * header, the expiry a SUBSCRIBE gets, and Subscription-State values.
 * No state and no I/O, so the unit tests and the fuzzer reach all of it.
 */
#ifndef LYRE_SIP_EVENT_H
#define LYRE_SIP_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_EVENT_TOKEN_MAX 64

/* Event: message-summary;id=7 (RFC 6665 §8.2.1). */
struct sip_event {
	char package[SIP_EVENT_TOKEN_MAX];	/* "message-summary", as written */
	char id[SIP_EVENT_TOKEN_MAX];		/* the id parameter, "" when none */
};

/*
 * Parse an Event (or compact "o") header value.  The package is a token
 * (§8.4: event-type = event-package *( "." event-template )); parameters
 * other than id are skipped.  0, or EINVAL for an empty value, a package
 * that is no token, or a token longer than SIP_EVENT_TOKEN_MAX - 1.
 */
int sip_event_parse(const char *value, size_t len, struct sip_event *out);
/* Package names compare case-insensitively (§8.2.1 says tokens are
 * compared byte by byte, but every UA sends lower case; pjsip folds too). */
bool sip_event_is(const struct sip_event *ev, const char *package);

/* Expiry limits of subscriptions, s (sip.conf mwi_*_expiry). */
struct sip_sub_limits {
	unsigned min, max, dflt;
};

/*
 * The duration a SUBSCRIBE gets (RFC 6665 §4.2.1.1): `requested` is its
 * Expires (-1 when it has none, which takes `dflt`).  0 stays 0 (an
 * unsubscribe, or a fetch when no subscription exists, §4.4.3); above max
 * it is lowered to max; 1..min-1 gives ERANGE, answered 423 with
 * Min-Expires: min.  0 or ERANGE.
 */
int sip_sub_expiry(int64_t requested, const struct sip_sub_limits *lim, unsigned *granted);

/* Why a subscription ended (RFC 6665 §4.1.3 reasons). */
enum sip_sub_reason {
	SIP_SUB_R_TIMEOUT,	/* expired, or the subscriber unsubscribed */
	SIP_SUB_R_DEACTIVATED,	/* we stopped it; the subscriber may retry at once */
	SIP_SUB_R_NORESOURCE,	/* the mailbox went away */
	SIP_SUB_R_REJECTED,
};
const char *sip_sub_reason_name(enum sip_sub_reason r);

/* "active;expires=600" when active, else "terminated;reason=timeout". */
void sip_sub_state_print(bool active, unsigned expires, enum sip_sub_reason reason, char *buf,
			 size_t size);

/*
 * Parse a Subscription-State value (what a subscriber sends us back, and
 * what the fuzzer feeds): state "active", "pending" or "terminated",
 * expires and reason when present (expires -1 and reason "" otherwise).
 * 0 or EINVAL.
 */
struct sip_sub_state {
	char state[16];
	int64_t expires;
	char reason[SIP_EVENT_TOKEN_MAX];
};
int sip_sub_state_parse(const char *value, size_t len, struct sip_sub_state *out);

#endif
