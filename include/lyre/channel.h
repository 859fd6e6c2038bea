/*
 * lyre/channel.h - channels: one leg of a call, whatever its technology.
 *
 * Lifetime: a channel is a reference-counted object (lyre/obj.h).  The
 * global channel list holds one reference from ly_chan_alloc until
 * ly_chan_hangup; anyone else who keeps the pointer (a bridge, a lookup
 * result) holds their own.  A channel holds its technology's module in use,
 * so a channel driver cannot be unloaded under a live call.
 *
 * Threads: a channel that runs dialplan is driven by its own thread, which
 * alone reads its frame queue.  Other threads talk to it by queueing frames
 * (ly_chan_queue_frame) or asking it to hang up (ly_chan_softhangup); they
 * never call into the technology of a channel they do not drive.
 *
 * Lock order (core/README.md): bridge, then channel, then the technology's
 * private data.  Never call into another channel while holding your own.
 */
#ifndef LYRE_CHANNEL_H
#define LYRE_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "frame.h"
#include "utils.h"

struct ly_module;
struct ly_channel;
struct ly_format;
struct ly_rtp;

enum ly_chan_state {
	LY_STATE_DOWN,		/* allocated, nothing happened yet */
	LY_STATE_RING,		/* incoming call, not yet answered */
	LY_STATE_RINGING,	/* outgoing call, far end alerting */
	LY_STATE_UP,		/* answered */
	LY_STATE_BUSY,		/* far end busy */
	LY_STATE_HANGUP,	/* hung up, being torn down */
};
const char *ly_chan_state_name(enum ly_chan_state st);

/* Hangup causes: ITU-T Q.850 cause values, as Asterisk names them. */
enum ly_cause {
	LY_CAUSE_UNALLOCATED = 1,
	LY_CAUSE_NO_ROUTE_TRANSIT_NET = 2,
	LY_CAUSE_NO_ROUTE_DESTINATION = 3,
	LY_CAUSE_CHANNEL_UNACCEPTABLE = 6,
	LY_CAUSE_NORMAL_CLEARING = 16,
	LY_CAUSE_USER_BUSY = 17,
	LY_CAUSE_NO_USER_RESPONSE = 18,
	LY_CAUSE_NO_ANSWER = 19,
	LY_CAUSE_SUBSCRIBER_ABSENT = 20,
	LY_CAUSE_CALL_REJECTED = 21,
	LY_CAUSE_NUMBER_CHANGED = 22,
	LY_CAUSE_REDIRECTED_TO_NEW_DESTINATION = 23,
	LY_CAUSE_EXCHANGE_ROUTING_ERROR = 25,
	LY_CAUSE_ANSWERED_ELSEWHERE = 26,	/* Dial: another destination answered */
	LY_CAUSE_DESTINATION_OUT_OF_ORDER = 27,
	LY_CAUSE_INVALID_NUMBER_FORMAT = 28,
	LY_CAUSE_FACILITY_REJECTED = 29,
	LY_CAUSE_RESPONSE_TO_STATUS_ENQUIRY = 30,
	LY_CAUSE_NORMAL_UNSPECIFIED = 31,
	LY_CAUSE_NORMAL_CIRCUIT_CONGESTION = 34,
	LY_CAUSE_NETWORK_OUT_OF_ORDER = 38,
	LY_CAUSE_NORMAL_TEMPORARY_FAILURE = 41,
	LY_CAUSE_SWITCH_CONGESTION = 42,
	LY_CAUSE_REQUESTED_CHAN_UNAVAIL = 44,
	LY_CAUSE_RESOURCE_UNAVAIL_UNSPECIFIED = 47,
	LY_CAUSE_FACILITY_NOT_SUBSCRIBED = 50,
	LY_CAUSE_OUTGOING_CALL_BARRED = 52,
	LY_CAUSE_INCOMING_CALL_BARRED = 54,
	LY_CAUSE_INCOMING_CALL_BARRED_CUG = 55,
	LY_CAUSE_BEARERCAPABILITY_NOTAUTH = 57,
	LY_CAUSE_BEARERCAPABILITY_NOTAVAIL = 58,
	LY_CAUSE_SERVICE_UNAVAILABLE = 63,
	LY_CAUSE_BEARERCAPABILITY_NOTIMPL = 65,
	LY_CAUSE_RESTRICTED_DIGITAL_ONLY = 70,
	LY_CAUSE_SERVICE_NOT_IMPLEMENTED = 79,
	LY_CAUSE_FACILITY_NOT_IMPLEMENTED = 69,
	LY_CAUSE_INVALID_CALL_REFERENCE = 81,
	LY_CAUSE_USER_NOT_MEMBER_OF_CUG = 87,
	LY_CAUSE_INCOMPATIBLE_DESTINATION = 88,
	LY_CAUSE_INVALID_MSG_UNSPECIFIED = 95,
	LY_CAUSE_MANDATORY_IE_MISSING = 96,
	LY_CAUSE_MESSAGE_TYPE_NONEXIST = 97,
	LY_CAUSE_WRONG_MESSAGE = 98,
	LY_CAUSE_IE_NONEXIST = 99,
	LY_CAUSE_INVALID_IE_CONTENTS = 100,
	LY_CAUSE_WRONG_CALL_STATE = 101,
	LY_CAUSE_RECOVERY_ON_TIMER_EXPIRE = 102,
	LY_CAUSE_MANDATORY_IE_LENGTH_ERROR = 103,
	LY_CAUSE_PROTOCOL_ERROR = 111,
	LY_CAUSE_INTERWORKING = 127,
};
/* "NORMAL_CLEARING" for 16; "UNKNOWN" for values not in the table. */
const char *ly_cause_name(int cause);
/* The number for a name (case-insensitive, "AST_CAUSE_" prefix allowed)
 * or for a decimal string; -1 when unknown. */
int ly_cause_from_name(const char *name);

/* What a channel technology (SIP, Local, ...) implements. */
struct ly_chan_tech {
	const char *type;		/* "SIP", "Local" */
	const char *description;
	/* Create an outgoing channel to `dest`; NULL with *cause set on failure. */
	struct ly_channel *(*request)(const char *dest, const struct ly_channel *requestor,
				      int *cause);
	/* Start the outgoing call; progress arrives as control frames. */
	int (*call)(struct ly_channel *chan, const char *dest, int timeout_ms);
	int (*answer)(struct ly_channel *chan);
	/* Release the technology's side; the core then drops the channel. */
	int (*hangup)(struct ly_channel *chan);
	int (*write)(struct ly_channel *chan, const struct ly_frame *f);
	int (*indicate)(struct ly_channel *chan, enum ly_control control);
	int (*send_digit_begin)(struct ly_channel *chan, char digit);
	int (*send_digit_end)(struct ly_channel *chan, char digit, unsigned duration_ms);
	int (*send_text)(struct ly_channel *chan, const char *text);
	struct ly_module *owner;	/* set by ly_chan_tech_register */
	/* Optional (appended): the channel's RTP session, so a bridge can relay
	 * two legs natively (lyre/bridge.h); NULL when it has none.  The session
	 * must stay valid until the channel's hangup. */
	struct ly_rtp *(*get_rtp)(struct ly_channel *chan);
};

int ly_chan_tech_register(struct ly_module *owner, struct ly_chan_tech *tech);
void ly_chan_tech_unregister(struct ly_chan_tech *tech);
const struct ly_chan_tech *ly_chan_tech_find(const char *type);

/*
 * A new channel of `tech` in LY_STATE_DOWN, named from the format
 * (e.g. "Local/100@office-%08x" ...).  Returns NULL (and logs) while the
 * system is shutting down and refuses new calls.
 */
struct ly_channel *ly_chan_alloc(const struct ly_chan_tech *tech, void *tech_pvt,
				 const char *name_fmt, ...) LY_PRINTF(3, 4);
/* "SIP/100" + requestor -> a new outgoing channel, or NULL with *cause. */
struct ly_channel *ly_chan_request(const char *type, const char *dest,
				   const struct ly_channel *requestor, int *cause);

const char *ly_chan_name(const struct ly_channel *c);
const char *ly_chan_uniqueid(const struct ly_channel *c);	/* "1764127211.7" */
const char *ly_chan_callid(const struct ly_channel *c);	/* "C-00000007" */
const struct ly_chan_tech *ly_chan_tech(const struct ly_channel *c);
void *ly_chan_tech_pvt(const struct ly_channel *c);
void ly_chan_set_tech_pvt(struct ly_channel *c, void *pvt);

enum ly_chan_state ly_chan_state(const struct ly_channel *c);
void ly_chan_set_state(struct ly_channel *c, enum ly_chan_state st);
int ly_chan_hangupcause(const struct ly_channel *c);
void ly_chan_set_hangupcause(struct ly_channel *c, int cause);

/* Caller id; the getters copy into buf (thread-safe) and return it. */
void ly_chan_set_callerid(struct ly_channel *c, const char *name, const char *number);
const char *ly_chan_callerid_name(const struct ly_channel *c, char *buf, size_t len);
const char *ly_chan_callerid_num(const struct ly_channel *c, char *buf, size_t len);

/* Channel variables.  Names are case-sensitive; value NULL deletes. */
void ly_chan_var_set(struct ly_channel *c, const char *name, const char *value);
/* Copies the value into buf; NULL when the variable is not set. */
const char *ly_chan_var_get(const struct ly_channel *c, const char *name, char *buf, size_t len);
/* Call fn for each variable, in the order they were first set. */
void ly_chan_var_foreach(const struct ly_channel *c,
			 void (*fn)(const char *name, const char *value, void *arg), void *arg);

/* Read/write formats the channel's driver speaks. */
const struct ly_format *ly_chan_native_format(const struct ly_channel *c);
void ly_chan_set_native_format(struct ly_channel *c, const struct ly_format *fmt);

/*
 * Frame queue: any thread may queue (the queue takes ownership); only the
 * channel's driving thread reads.  ly_chan_read waits up to timeout_ms
 * (-1 = forever) and returns NULL on timeout or when the channel has been
 * asked to hang up (check ly_chan_check_hangup).
 */
void ly_chan_queue_frame(struct ly_channel *c, struct ly_frame *f);
void ly_chan_queue_control(struct ly_channel *c, enum ly_control control);
struct ly_frame *ly_chan_read(struct ly_channel *c, int timeout_ms);
size_t ly_chan_queue_len(const struct ly_channel *c);
/* An fd that becomes readable when frames are queued (for poll loops). */
int ly_chan_alert_fd(const struct ly_channel *c);
/*
 * Between hold and release (nestable, per thread) the channels this thread
 * queues to or hangs up are woken once, at the release, not at each frame:
 * a driver handling a burst of messages (a 180 and a 200 read together)
 * wakes the channel's thread once for both.  Only for code that never
 * waits, inside the pair, for a channel's thread to react.
 */
void ly_chan_alerts_hold(void);
void ly_chan_alerts_release(void);

/* Send toward the technology (on the driving thread); 0 or an errno value. */
int ly_chan_write(struct ly_channel *c, const struct ly_frame *f);
int ly_chan_answer(struct ly_channel *c);
int ly_chan_indicate(struct ly_channel *c, enum ly_control control);

/* Ask the driving thread to hang up with `cause` (thread-safe). */
void ly_chan_softhangup(struct ly_channel *c, int cause);
/* Hang up after the frames already queued have been read: a HANGUP control
 * frame is queued and the channel counts as hung up once it is read. */
void ly_chan_queue_hangup(struct ly_channel *c, int cause);
bool ly_chan_check_hangup(const struct ly_channel *c);
/* Final hangup: technology's hangup, off the channel list, drop the list's
 * reference.  The caller's own reference (if any) stays valid. */
void ly_chan_hangup(struct ly_channel *c);

/* Lookup by exact name; returns a new reference or NULL. */
struct ly_channel *ly_chan_find(const char *name);
/* Call fn for each live channel (a reference is held during the call). */
void ly_chan_foreach(void (*fn)(struct ly_channel *c, void *arg), void *arg);
unsigned ly_chan_count(void);

/* ---- Datastores: per-channel state owned by one subsystem ----
 * (the Gosub stack, While loops, a module's per-call data).  The channel
 * destroys remaining datastores when it is destroyed. */
struct ly_datastore_info {
	const char *type;			/* "gosub", unique per kind */
	void (*destroy)(void *data);		/* may be NULL */
	/* Copy for a channel this one creates (inheritance); NULL: not inherited. */
	void *(*duplicate)(const void *data);
};
/* 0, or EEXIST when c already has a datastore of this info. */
int ly_chan_datastore_add(struct ly_channel *c, const struct ly_datastore_info *info, void *data);
void *ly_chan_datastore_find(const struct ly_channel *c, const struct ly_datastore_info *info);
/* Detach and return the data without destroying it (NULL if none). */
void *ly_chan_datastore_remove(struct ly_channel *c, const struct ly_datastore_info *info);
/* Give child a duplicate of each of parent's datastores that has one. */
void ly_chan_datastore_inherit(const struct ly_channel *parent, struct ly_channel *child);

/* Language for prompts (CHANNEL(language)); default "en". */
const char *ly_chan_language(const struct ly_channel *c, char *buf, size_t len);
void ly_chan_set_language(struct ly_channel *c, const char *language);

#endif
