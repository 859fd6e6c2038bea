/* modules/app_dial/dial.h - what the parts of Dial() share: options, destinations, outcome. */
#ifndef LYRE_APP_DIAL_H
#define LYRE_APP_DIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ly_channel;

/* Dial(dests[,timeout[,options[,URL]]]) options, as Asterisk spells them. */
struct dial_options {
	bool ring;		/* r: indicate ringing to the caller at once */
	bool moh;		/* m[(class)]: music on hold instead of ringback */
	char moh_class[80];	/* m's class; empty: the caller's */
	bool go_on;		/* g: continue the dialplan when the callee hangs up */
	bool transfer_callee;	/* t: the callee may transfer (accepted, stored) */
	bool transfer_caller;	/* T: the caller may transfer (accepted, stored) */
	long long limit_ms;	/* L(x): longest call; 0 = no limit */
	long long warning_ms;	/* L(:y): warn this long before the end */
	long long repeat_ms;	/* L(::z): repeat the warning this often */
};

/* Parse the options argument; unknown options are logged and ignored as
 * Asterisk does.  0, or EINVAL (logged) for a malformed L(). */
int dial_parse_options(const char *text, struct dial_options *o);
/* Dial's timeout argument in seconds (decimals allowed) -> ms; -1 = none. */
int dial_parse_timeout(const char *text);

/* One destination being rung. */
struct dial_peer {
	struct ly_channel *chan;	/* referenced; NULL once hung up */
	char *spec;			/* "Local/200@callee" */
	char *number;			/* "200@callee" (DIALEDPEERNUMBER) */
	bool progress;			/* sent PROGRESS: its early media goes to the caller */
};

/* Why ringing ended, and what counts Asterisk keeps to name DIALSTATUS. */
enum dial_result {
	DIAL_ANSWERED,
	DIAL_CANCELLED,		/* the caller hung up */
	DIAL_TIMEOUT,
	DIAL_ALL_FAILED,	/* every destination is gone */
};

struct dial_state {
	struct ly_channel *caller;
	const struct dial_options *opts;
	struct dial_peer *peers;
	size_t npeers;
	size_t live;			/* peers still ringing */
	unsigned attempted;		/* destinations tried, requested or not */
	unsigned busy, congestion, nochan;
	bool sent_ringing;
	struct dial_peer *winner;	/* DIAL_ANSWERED */
};

/* Request and call every '&'-separated destination; failures are counted. */
void dial_start_peers(struct dial_state *st, char *dests, int timeout_ms);
/* Wait up to timeout_ms (-1: for ever) for the first answer. */
enum dial_result dial_wait_answer(struct dial_state *st, int timeout_ms);
/* Hang up every peer but `keep` (may be NULL) with `cause` and free them. */
void dial_hangup_peers(struct dial_state *st, const struct dial_peer *keep, int cause);
/* DIALSTATUS when no one answered: BUSY, CONGESTION, CHANUNAVAIL or NOANSWER. */
const char *dial_failure_status(const struct dial_state *st);

#endif
