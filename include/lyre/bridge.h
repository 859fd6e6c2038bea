/*
 * lyre/bridge.h - a two-party bridge: join two answered channels until one
 * of them hangs up or a time limit ends the call.
 *
 * The bridge runs on the thread that drives `a` (Dial runs it on the
 * caller's channel thread) and reads both channels' frame queues, so `b`
 * must be a channel nobody else reads: an outgoing channel this thread
 * requested (a Local ;1, a SIP leg), not one running its own dialplan.
 *
 * Frames move both ways: voice (translated into the receiving channel's
 * native format through a translation path kept for the whole call, so
 * stateful codecs keep their history), DTMF, controls such as HOLD and
 * UNHOLD, and text.  A HANGUP control or a hangup request on either side
 * ends the bridge; the bridge itself hangs nobody up: the caller decides
 * what to do with each leg from the reason returned.
 *
 * Native bridging: when both technologies expose an RTP session
 * (ly_chan_tech.get_rtp) and both channels speak the same format, the two
 * sessions are relayed to each other (ly_rtp_relay) so audio never leaves
 * the media workers; the bridge then only waits for signalling (controls,
 * digits, hangup).  The relay is undone before the bridge returns.
 */
#ifndef LYRE_BRIDGE_H
#define LYRE_BRIDGE_H

#include <stdbool.h>

struct ly_channel;

enum ly_bridge_end {
	LY_BRIDGE_END_A,	/* a hung up (or sent HANGUP) */
	LY_BRIDGE_END_B,	/* b hung up (or sent HANGUP) */
	LY_BRIDGE_END_LIMIT,	/* the duration limit ran out */
};

struct ly_bridge_config {
	/* Longest the call may last, from the start of the bridge; 0: none. */
	long long limit_ms;
	/* Warn when this much time is left (0: no warning), then again every
	 * warning_repeat_ms (0: once).  Needs limit_ms. */
	long long warning_ms;
	long long warning_repeat_ms;
	/* Called on a's thread for each warning; NULL logs a notice. */
	void (*warning)(struct ly_channel *a, struct ly_channel *b, long long remaining_ms,
			void *arg);
	void *warning_arg;
	/* Move frames even when a native RTP relay would be possible. */
	bool frames_only;
};

/* "caller hung up", "callee hung up", "time limit". */
const char *ly_bridge_end_name(enum ly_bridge_end end);

/*
 * Bridge a and b (both answered) until one ends; cfg may be NULL (no
 * limit).  Returns why it ended.  Lock rules: called with no channel lock
 * held; it takes none across calls into either technology.
 */
enum ly_bridge_end ly_bridge_call(struct ly_channel *a, struct ly_channel *b,
				  const struct ly_bridge_config *cfg);

#endif
