/* modules/app_dial/app_dial.c - the Dial() application: ring, connect the first to answer, report DIALSTATUS. */
/*
 * Dial(Tech/dest[&Tech2/dest2...][,timeout[,options[,URL]]]) as Asterisk's
 * app_dial: every destination is requested with the caller as requestor
 * and called at once; the first to answer is connected through the core
 * bridge and the others are hung up with ANSWERED_ELSEWHERE.  The outcome
 * is left in DIALSTATUS, DIALEDTIME, ANSWEREDTIME, DIALEDPEERNAME and
 * DIALEDPEERNUMBER.  Dial returns -1 (the caller is hung up) when the
 * caller hung up, or when the connected call ended and g was not given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/app.h>
#include <lyre/bridge.h>
#include <lyre/channel.h>
#include <lyre/log.h>
#include <lyre/module.h>
#include <lyre/pbx.h>
#include <lyre/utils.h>

#include "dial.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Asterisk gives DIALEDTIME and ANSWEREDTIME in whole seconds. */
static void set_seconds(struct ly_channel *c, const char *name, uint64_t since_ms)
{
	char text[32];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)((now_ms() - since_ms) / 1000));
	ly_chan_var_set(c, name, text);
}

static int cause_or_normal(struct ly_channel *c)
{
	int cause = ly_chan_hangupcause(c);

	return cause > 0 ? cause : LY_CAUSE_NORMAL_CLEARING;
}

/* Nobody answered: hang up whoever still rings and name the outcome. */
static int finish_unanswered(struct dial_state *st, enum dial_result r, int timeout_ms)
{
	const char *status;
	int cause;

	switch (r) {
	case DIAL_CANCELLED:
		status = "CANCEL";
		cause = cause_or_normal(st->caller);
		break;
	case DIAL_TIMEOUT:
		status = "NOANSWER";
		cause = LY_CAUSE_NO_ANSWER;
		ly_verbose(3, "Nobody picked up in %d ms", timeout_ms);
		break;
	default:
		status = dial_failure_status(st);
		cause = LY_CAUSE_NORMAL_CLEARING;
		ly_verbose(3, "No one is available to answer at this time (%u:%u/%u/%u)",
			   st->attempted, st->busy, st->congestion, st->nochan);
		break;
	}
	dial_hangup_peers(st, NULL, cause);
	ly_chan_var_set(st->caller, "DIALSTATUS", status);
	return r == DIAL_CANCELLED ? -1 : 0;
}

static void limit_config(const struct dial_options *o, struct ly_bridge_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->limit_ms = o->limit_ms;
	cfg->warning_ms = o->warning_ms;
	cfg->warning_repeat_ms = o->repeat_ms;
}

/* The bridge ended: hang up the callee, passing causes along. */
static int after_bridge(struct dial_state *st, struct ly_channel *peer, enum ly_bridge_end end)
{
	struct ly_channel *caller = st->caller;

	switch (end) {
	case LY_BRIDGE_END_A:
		dial_hangup_peers(st, NULL, cause_or_normal(caller));
		return -1;
	case LY_BRIDGE_END_B:
		/* The callee's cause becomes the caller's (HANGUPCAUSE). */
		ly_chan_set_hangupcause(caller, cause_or_normal(peer));
		break;
	case LY_BRIDGE_END_LIMIT:
		ly_verbose(3, "Call '%s' reached its time limit of %lld ms", ly_chan_name(caller),
			   st->opts->limit_ms);
		break;
	}
	dial_hangup_peers(st, NULL, LY_CAUSE_NORMAL_CLEARING);
	if (st->opts->go_on && !ly_chan_check_hangup(caller)) {
		ly_verbose(3, "Dial: callee gone, '%s' goes on in the dialplan", ly_chan_name(caller));
		return 0;
	}
	return -1;
}

static int connect_winner(struct dial_state *st)
{
	struct dial_peer *w = st->winner;
	struct ly_channel *caller = st->caller, *peer = w->chan;
	struct ly_bridge_config cfg;
	enum ly_bridge_end end;
	uint64_t answered;

	ly_verbose(3, "%s answered %s", ly_chan_name(peer), ly_chan_name(caller));
	dial_hangup_peers(st, w, LY_CAUSE_ANSWERED_ELSEWHERE);
	ly_chan_set_state(peer, LY_STATE_UP);
	ly_chan_var_set(caller, "DIALSTATUS", "ANSWER");
	ly_chan_var_set(caller, "DIALEDPEERNAME", ly_chan_name(peer));
	ly_chan_var_set(caller, "DIALEDPEERNUMBER", w->number);
	if (ly_chan_answer(caller) != 0) {
		dial_hangup_peers(st, NULL, cause_or_normal(caller));
		return -1;
	}
	answered = now_ms();
	limit_config(st->opts, &cfg);
	end = ly_bridge_call(caller, peer, &cfg);
	set_seconds(caller, "ANSWEREDTIME", answered);
	return after_bridge(st, peer, end);
}

static void note_options(const struct ly_channel *c, const struct dial_options *o,
			 const char *url)
{
	if (o->moh)
		ly_warning("Dial on '%s': music on hold (m) is not available yet; "
			   "the caller hears ringing instead", ly_chan_name(c));
	if (o->transfer_callee || o->transfer_caller)
		ly_debug(1, "Dial on '%s': transfer allowed (%s%s); no transfer feature exists yet",
			 ly_chan_name(c), o->transfer_callee ? "t" : "", o->transfer_caller ? "T" : "");
	if (url && *url)
		ly_debug(1, "Dial on '%s': no channel here can send the URL '%s'", ly_chan_name(c),
			 url);
}

static void peers_free(struct dial_state *st)
{
	for (size_t i = 0; i < st->npeers; i++) {
		free(st->peers[i].spec);
		free(st->peers[i].number);
	}
	free(st->peers);
}

static int dial_run(struct ly_channel *chan, char *dests, int timeout_ms,
		    const struct dial_options *opts)
{
	struct dial_state st = { .caller = chan, .opts = opts };
	uint64_t started = now_ms();
	enum dial_result r;
	int res;

	dial_start_peers(&st, dests, timeout_ms);
	if (st.live == 0) {
		ly_chan_var_set(chan, "DIALSTATUS", "CHANUNAVAIL");
		res = 0;
	} else {
		r = dial_wait_answer(&st, timeout_ms);
		res = r == DIAL_ANSWERED ? connect_winner(&st) : finish_unanswered(&st, r, timeout_ms);
	}
	set_seconds(chan, "DIALEDTIME", started);
	peers_free(&st);
	return res;
}

static int dial_exec(struct ly_channel *chan, const char *args)
{
	char *copy = ly_strdup(args ? args : "");
	char *argv[4] = { "", "", "", "" };
	struct dial_options opts;
	int res;

	ly_app_split_args(copy, argv, 4);
	if (!argv[0][0]) {
		ly_warning("Dial requires an argument (technology/resource)");
		free(copy);
		return -1;
	}
	dial_parse_options(argv[2], &opts);	/* a bad option is logged, not fatal */
	note_options(chan, &opts, argv[3]);
	res = dial_run(chan, argv[0], dial_parse_timeout(argv[1]), &opts);
	free(copy);
	return res;
}

static struct ly_app dial_app = {
	.name = "Dial",
	.synopsis = "Attempt to connect to another device or endpoint and bridge the call",
	.description = "Dial(Tech/dest[&Tech2/dest2...][,timeout[,options[,URL]]]): rings every "
		       "destination, connects the first to answer and sets DIALSTATUS (ANSWER, "
		       "BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL). Options: r, m, t, T, g, "
		       "L(x[:y][:z]).",
	.exec = dial_exec,
};

static int load(struct ly_module *self)
{
	return ly_app_register(self, &dial_app);
}

LYRE_MODULE(app_dial, .description = "Dialing application (Dial)", .load = load);
