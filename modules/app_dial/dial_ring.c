/* modules/app_dial/dial_ring.c - ring every destination in parallel until one answers. */
/*
 * The caller's thread drives everything here: it reads the caller's queue
 * and every outgoing channel's queue (nobody else reads those), sleeping
 * in poll() on their alert fds.  The counting of busy / congestion /
 * unavailable destinations and the DIALSTATUS they give follow Asterisk's
 * app_dial (handle_cause and wait_for_answer).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dial.h"
#include <lyre/channel.h>
#include <lyre/frame.h>
#include <lyre/log.h>
#include <lyre/moh.h>
#include <lyre/obj.h>
#include <lyre/pbx.h>
#include <lyre/utils.h>

/* Most destinations in one Dial (Asterisk has no fixed limit; this only
 * bounds the poll set). */
#define DIAL_MAX_PEERS 64

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Asterisk's handle_cause: what a failed destination counts as. */
static void count_cause(struct dial_state *st, int cause)
{
	switch (cause) {
	case LY_CAUSE_USER_BUSY:
		st->busy++;
		break;
	case LY_CAUSE_NORMAL_CIRCUIT_CONGESTION:
	case LY_CAUSE_SWITCH_CONGESTION:
		st->congestion++;
		break;
	case LY_CAUSE_NO_ANSWER:
	case LY_CAUSE_NO_USER_RESPONSE:
	case LY_CAUSE_NORMAL_CLEARING:
		break;
	default:
		st->nochan++;
		break;
	}
}

/* Asterisk: only when every destination failed as busy, congested or
 * unavailable does the status say so; otherwise it stays NOANSWER. */
const char *dial_failure_status(const struct dial_state *st)
{
	if (st->busy + st->congestion + st->nochan < st->attempted)
		return "NOANSWER";
	if (st->busy)
		return "BUSY";
	if (st->congestion)
		return "CONGESTION";
	return "CHANUNAVAIL";
}

/* End one peer: it has hung up itself, or we hang it up with `cause`. */
static void peer_end(struct dial_state *st, struct dial_peer *p, int cause)
{
	if (!p->chan)
		return;
	if (!ly_chan_check_hangup(p->chan) && cause)
		ly_chan_set_hangupcause(p->chan, cause);
	ly_chan_hangup(p->chan);
	p->chan = ly_unref(p->chan);
	st->live--;
}

/* A destination that gave up: count its cause, and pass it to the caller
 * (Asterisk copies the callee's hangupcause to the caller). */
static void peer_failed(struct dial_state *st, struct dial_peer *p, int cause, const char *why)
{
	if (cause <= 0)
		cause = LY_CAUSE_NORMAL_CLEARING;	/* a plain hangup, as Asterisk counts it */
	ly_verbose(3, "%s %s", ly_chan_name(p->chan), why);
	count_cause(st, cause);
	ly_chan_set_hangupcause(st->caller, cause);
	peer_end(st, p, cause);
}

static void peer_add(struct dial_state *st, struct ly_channel *c, const char *tech,
		     const char *number)
{
	struct dial_peer *p;

	st->peers = ly_realloc(st->peers, (st->npeers + 1) * sizeof(*st->peers));
	p = &st->peers[st->npeers++];
	memset(p, 0, sizeof(*p));
	p->chan = ly_ref(c);
	p->spec = ly_asprintf("%s/%s", tech, number);
	p->number = ly_strdup(number);
	st->live++;
}

/* Request and call one "Tech/number"; a failure is counted, not fatal. */
static void start_one(struct dial_state *st, char *dest, int timeout_ms)
{
	char *slash = strchr(dest, '/');
	const struct ly_chan_tech *t;
	struct ly_channel *c;
	int cause = 0, err;

	st->attempted++;
	if (!slash || slash == dest || !slash[1]) {
		ly_warning("Dial argument takes format (technology/resource), not '%s'", dest);
		st->nochan++;
		return;
	}
	*slash = '\0';
	/* The caller is the requestor, so _X/__X variables and datastores
	 * reach the new channel. */
	c = ly_chan_request(dest, slash + 1, st->caller, &cause);
	if (!c) {
		ly_warning("Unable to create channel of type '%s' (cause %d - %s)", dest, cause,
			   ly_cause_name(cause));
		count_cause(st, cause ? cause : LY_CAUSE_REQUESTED_CHAN_UNAVAIL);
		ly_chan_set_hangupcause(st->caller, cause);
		return;
	}
	peer_add(st, c, dest, slash + 1);
	t = ly_chan_tech(c);
	err = t->call ? t->call(c, slash + 1, timeout_ms) : ENOSYS;
	if (err) {
		ly_verbose(3, "Couldn't call %s/%s: %s", dest, slash + 1, strerror(err));
		st->nochan++;
		peer_end(st, &st->peers[st->npeers - 1], LY_CAUSE_REQUESTED_CHAN_UNAVAIL);
		return;
	}
	ly_verbose(3, "Called %s/%s", dest, slash + 1);
}

void dial_start_peers(struct dial_state *st, char *dests, int timeout_ms)
{
	char *dest[DIAL_MAX_PEERS];
	int n = ly_app_split_args_sep(dests, '&', dest, DIAL_MAX_PEERS);

	for (int i = 0; i < n; i++) {
		char *d = ly_strstrip(dest[i]);

		if (*d)
			start_one(st, d, timeout_ms);
	}
}

void dial_hangup_peers(struct dial_state *st, const struct dial_peer *keep, int cause)
{
	for (size_t i = 0; i < st->npeers; i++) {
		struct dial_peer *p = &st->peers[i];

		if (p != keep)
			peer_end(st, p, cause);
	}
}

/* ---- waiting ---- */

static void tell_caller(struct dial_state *st, struct dial_peer *p, enum ly_control ctl)
{
	if (ctl == LY_CONTROL_RINGING) {
		ly_verbose(3, "%s is ringing", ly_chan_name(p->chan));
		if (!st->sent_ringing && !st->opts->moh)
			ly_chan_indicate(st->caller, LY_CONTROL_RINGING);
		st->sent_ringing = true;
		return;
	}
	ly_verbose(3, "%s is making progress", ly_chan_name(p->chan));
	/* r and m keep the caller hearing ringing, not the callee's media. */
	if (st->opts->ring || st->opts->moh)
		return;
	p->progress = true;
	ly_chan_indicate(st->caller, LY_CONTROL_PROGRESS);
}

/* A control from a ringing peer; true when it answered. */
static bool peer_control(struct dial_state *st, struct dial_peer *p, enum ly_control ctl)
{
	switch (ctl) {
	case LY_CONTROL_ANSWER:
		return true;
	case LY_CONTROL_RINGING:
	case LY_CONTROL_PROGRESS:
		tell_caller(st, p, ctl);
		return false;
	case LY_CONTROL_BUSY:
		peer_failed(st, p, LY_CAUSE_USER_BUSY, "is busy");
		return false;
	case LY_CONTROL_CONGESTION:
		peer_failed(st, p, LY_CAUSE_NORMAL_CIRCUIT_CONGESTION, "is circuit-busy");
		return false;
	case LY_CONTROL_HANGUP:
		peer_failed(st, p, ly_chan_hangupcause(p->chan), "hung up");
		return false;
	case LY_CONTROL_HOLD:
	case LY_CONTROL_UNHOLD:
		return false;
	}
	return false;
}

/* Read what a peer sent; true when it answered. */
static bool peer_read(struct dial_state *st, struct dial_peer *p)
{
	struct ly_frame *f;
	bool answered = false;

	while (p->chan && !answered) {
		if (ly_chan_check_hangup(p->chan)) {
			peer_failed(st, p, ly_chan_hangupcause(p->chan), "hung up");
			break;
		}
		if (!(f = ly_chan_read(p->chan, 0)))
			break;
		if (f->type == LY_FRAME_CONTROL)
			answered = peer_control(st, p, f->control);
		else if (f->type == LY_FRAME_VOICE && p->progress)
			ly_chan_write(st->caller, f);	/* early media */
		ly_frame_free(f);
	}
	return answered;
}

/* The caller's frames while ringing: only a hangup matters. */
static bool caller_gone(struct dial_state *st)
{
	struct ly_frame *f;
	bool hangup = false;

	while (!hangup && (f = ly_chan_read(st->caller, 0)) != NULL) {
		hangup = f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP;
		ly_frame_free(f);
	}
	return hangup || ly_chan_check_hangup(st->caller);
}

static void wait_any(struct dial_state *st, int timeout_ms)
{
	struct pollfd pfd[DIAL_MAX_PEERS + 1];
	nfds_t n = 0;

	pfd[n++] = (struct pollfd){ .fd = ly_chan_alert_fd(st->caller), .events = POLLIN };
	for (size_t i = 0; i < st->npeers && n < DIAL_MAX_PEERS + 1; i++)
		if (st->peers[i].chan)
			pfd[n++] = (struct pollfd){ .fd = ly_chan_alert_fd(st->peers[i].chan),
						    .events = POLLIN };
	if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
		ly_warning("Dial: poll: %s", strerror(errno));
}

/* One pass over every live peer; the winner, or NULL. */
static struct dial_peer *poll_peers(struct dial_state *st)
{
	for (size_t i = 0; i < st->npeers; i++)
		if (st->peers[i].chan && peer_read(st, &st->peers[i]))
			return &st->peers[i];
	return NULL;
}

/* m: the caller hears music while the callee rings.  An unanswered caller
 * gets PROGRESS first (183 with SDP), so the music reaches it as early
 * media; when the music cannot play, ringing is indicated instead. */
static void start_music(struct dial_state *st)
{
	if (ly_chan_state(st->caller) != LY_STATE_UP)
		ly_chan_indicate(st->caller, LY_CONTROL_PROGRESS);
	if (ly_moh_start(st->caller, st->opts->moh_class) == 0)
		return;
	ly_chan_indicate(st->caller, LY_CONTROL_RINGING);
	st->sent_ringing = true;
}

static enum dial_result wait_loop(struct dial_state *st, uint64_t deadline)
{
	uint64_t now;

	for (;;) {
		if (caller_gone(st))
			return DIAL_CANCELLED;
		if ((st->winner = poll_peers(st)) != NULL)
			return DIAL_ANSWERED;
		if (st->live == 0)
			return DIAL_ALL_FAILED;
		now = now_ms();
		if (deadline && now >= deadline)
			return DIAL_TIMEOUT;
		wait_any(st, deadline ? (int)(deadline - now) : -1);
	}
}

enum dial_result dial_wait_answer(struct dial_state *st, int timeout_ms)
{
	uint64_t deadline = timeout_ms >= 0 ? now_ms() + (uint64_t)timeout_ms : 0;
	enum dial_result res;

	if (st->opts->moh) {
		start_music(st);
	} else if (st->opts->ring) {
		ly_chan_indicate(st->caller, LY_CONTROL_RINGING);
		st->sent_ringing = true;
	}
	res = wait_loop(st, deadline);
	if (st->opts->moh)
		ly_moh_stop(st->caller);
	return res;
}
