/*
 * modules/chan_sip/sip_call.h - SIP calls: INVITE to channel, and
 * channel to INVITE, on top of sip_dialog.h.
 *
 * Incoming: an INVITE the core authenticated (or matched to a trunk) makes
 * a UAS dialog, answers its SDP offer at once (the answer is sent with 183
 * or 200 later), and starts a "SIP/<peer>-%08x" channel in the peer's
 * context at the Request-URI user.  Outgoing: Dial(SIP/100) sends one
 * INVITE per registered contact of 100 and keeps the first that answers,
 * CANCELing the others; Dial(SIP/trunk/number) sends one through the trunk
 * and answers 401/407 with the trunk's credentials.
 *
 * Threads: everything here runs on the SIP loop thread.  sip_chan.c, the
 * channel technology, moves each channel operation there with
 * sip_chan_run.  A call is a ly_obj: its channel (tech_pvt) and every
 * dialog carrying it, forks of our INVITEs included, hold a reference (a
 * dialog until it terminated).  `lock` guards `chan` only, the one field
 * a channel thread and the SIP thread both touch; media.rtp never changes
 * while the call lives, and ly_rtp_* is thread-safe.
 */
#ifndef LYRE_SIP_CALL_H
#define LYRE_SIP_CALL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <lyre/channel.h>
#include <lyre/frame.h>

#include "sip_core.h"
#include "sip_dialog.h"
#include "sip_media.h"

struct ly_loop;
struct ly_module;
struct call_leg;
struct call_target;

struct sip_call {
	pthread_mutex_t lock;
	struct ly_channel *chan;	/* referenced; NULL once the channel hung up */
	bool outbound;
	char *peer;			/* endpoint or trunk name */
	struct sip_call_conf cc;	/* the peer's call options, copied (sip_ident.h) */
	int remote_cause;		/* Q.850 cause of the peer's BYE/CANCEL Reason, 0 none */
	struct sip_media media;
	/* dialogs: inbound has one; outbound one per contact, plus forks */
	struct call_leg *legs;
	size_t nlegs;
	struct sip_dialog *winner;	/* the dialog carrying the call, once there is one */
	/* inbound */
	struct sip_txn *invite_st;
	struct ly_buf answer_sdp;	/* our answer to the INVITE's offer */
	bool late_offer;		/* the INVITE had no SDP: we offer in the 2xx (§13.2.1) */
	bool answered;
	bool reinvite_offer;		/* we offered in a 2xx to a re-INVITE without SDP */
	bool remote_hold;
	/* outbound */
	struct call_target *targets;
	size_t ntargets;
	bool is_trunk;
	bool sequential;		/* a trunk's addresses: one INVITE at a time, in order (RFC 3263 §4.3) */
	size_t next_target;		/* sequential: the next one to try */
	char *auth_user, *auth_secret;
	unsigned failed_legs;
	int fail_status;
};

/* Start and stop the call layer of a running stack: the dialog table, the
 * core's call hooks, the "SIP" channel technology.  Detach before
 * sip_core_stop (no new calls, live ones hung up); free after it (the
 * transaction table must go before the dialog table). */
int sip_call_layer_start(struct ly_module *owner, struct sip_core *core, struct ly_loop *loop);
void sip_call_layer_detach(void);
void sip_call_layer_free(void);

/* Channel operations, on the SIP thread (sip_chan.c calls them). */
struct sip_call *sip_call_request(const char *dest, const struct ly_channel *requestor, int *cause);
int sip_call_dial(struct sip_call *call);
int sip_call_answer(struct sip_call *call);
int sip_call_indicate(struct sip_call *call, enum ly_control control);
void sip_call_hangup(struct sip_call *call, int cause);
/* A digit as INFO application/dtmf-relay in the established dialog. */
int sip_call_send_info_dtmf(struct sip_call *call, char digit, unsigned duration_ms);

/* One live call as `sip show channels` lists it: a copy, so the console
 * prints it off the SIP thread. */
struct sip_call_info {
	char channel[80];
	char peer[64];
	char call_id[128];	/* of the dialog carrying the call, or its first leg */
	char state[16];		/* that dialog's state */
	char format[16];
	char rtp_local[80];		/* media.addr (64) in brackets, a port */
	char rtp_remote[80];	/* "-" while unknown */
	bool outbound;
};

/* The calls whose channel is up, on the SIP thread (sip_chan_run); *out
 * is an array of the returned count, for free(). */
size_t sip_call_snapshot(struct sip_call_info **out);

#endif
