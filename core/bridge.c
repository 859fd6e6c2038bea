/* core/bridge.c - the two-party bridge: frames (or a native RTP relay) between two channels until one ends. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lyre/bridge.h"
#include "lyre/channel.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/moh.h"
#include "lyre/rtp.h"

/* Frames taken from one side per turn, so a flood of audio from one leg
 * cannot starve the other leg's signalling. */
#define BRIDGE_BURST 16

struct bridge_leg {
	struct ly_channel *chan;
	/* Voice from the other leg into this leg's native format. */
	struct ly_trans_path *path;
	const struct ly_format *path_src;
	bool held;	/* the other leg put this one on hold: it hears music */
};

struct bridge {
	struct bridge_leg leg[2];	/* [0] = a, [1] = b */
	const struct ly_bridge_config *cfg;
	uint64_t end_ms;		/* 0: no limit */
	uint64_t warn_ms;		/* next warning; 0: none left */
	struct ly_rtp *relayed;		/* a's session while natively relayed */
};

const char *ly_bridge_end_name(enum ly_bridge_end end)
{
	switch (end) {
	case LY_BRIDGE_END_A:
		return "caller hung up";
	case LY_BRIDGE_END_B:
		return "callee hung up";
	case LY_BRIDGE_END_LIMIT:
		return "time limit";
	}
	return "unknown";
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- timers (Dial's L(x:y:z)) ---- */

static void timers_start(struct bridge *br)
{
	const struct ly_bridge_config *cfg = br->cfg;

	if (cfg->limit_ms <= 0)
		return;
	br->end_ms = now_ms() + (uint64_t)cfg->limit_ms;
	if (cfg->warning_ms > 0 && cfg->warning_ms < cfg->limit_ms)
		br->warn_ms = br->end_ms - (uint64_t)cfg->warning_ms;
}

static void warn_default(struct ly_channel *a, struct ly_channel *b, long long remaining_ms)
{
	ly_notice("Call '%s' <-> '%s': %lld.%03lld s left of its time limit", ly_chan_name(a),
		  ly_chan_name(b), remaining_ms / 1000, remaining_ms % 1000);
}

/* Give each warning that is due; the next one follows every repeat
 * interval while it still falls before the end. */
static void timers_warn(struct bridge *br, uint64_t now)
{
	const struct ly_bridge_config *cfg = br->cfg;
	long long remaining;

	if (!br->warn_ms || now < br->warn_ms)
		return;
	remaining = (long long)(br->end_ms > now ? br->end_ms - now : 0);
	if (cfg->warning)
		cfg->warning(br->leg[0].chan, br->leg[1].chan, remaining, cfg->warning_arg);
	else
		warn_default(br->leg[0].chan, br->leg[1].chan, remaining);
	br->warn_ms = 0;
	if (cfg->warning_repeat_ms > 0 && now + (uint64_t)cfg->warning_repeat_ms < br->end_ms)
		br->warn_ms = now + (uint64_t)cfg->warning_repeat_ms;
}

/* Milliseconds until the next timer, or -1 for none. */
static int timers_wait_ms(const struct bridge *br, uint64_t now)
{
	uint64_t next = br->warn_ms && br->warn_ms < br->end_ms ? br->warn_ms : br->end_ms;

	if (!next)
		return -1;
	return next > now ? (int)(next - now) : 0;
}

/* ---- native RTP relay ---- */

static struct ly_rtp *chan_rtp(struct ly_channel *c)
{
	const struct ly_chan_tech *t = ly_chan_tech(c);

	return t && t->get_rtp ? t->get_rtp(c) : NULL;
}

/* Relay the two RTP sessions when both legs have one and speak the same
 * format (a relay forwards packets untouched, so it cannot translate). */
static void native_start(struct bridge *br)
{
	struct ly_channel *a = br->leg[0].chan, *b = br->leg[1].chan;
	const struct ly_format *fa = ly_chan_native_format(a), *fb = ly_chan_native_format(b);
	struct ly_rtp *ra, *rb;
	int err;

	if (br->cfg->frames_only || !(ra = chan_rtp(a)) || !(rb = chan_rtp(b)))
		return;
	if (!fa || fa != fb) {
		ly_debug(1, "Bridge '%s' <-> '%s': formats %s/%s differ, bridging frames",
			 ly_chan_name(a), ly_chan_name(b), fa ? fa->name : "?", fb ? fb->name : "?");
		return;
	}
	err = ly_rtp_relay(ra, rb);
	if (err) {
		ly_debug(1, "Bridge '%s' <-> '%s': no RTP relay (%s), bridging frames",
			 ly_chan_name(a), ly_chan_name(b), strerror(err));
		return;
	}
	br->relayed = ra;
	ly_verbose(3, "Native RTP bridge '%s' <-> '%s' (%s)", ly_chan_name(a), ly_chan_name(b),
		   fa->name);
}

static void native_stop(struct bridge *br)
{
	if (br->relayed)
		ly_rtp_unrelay(br->relayed);
	br->relayed = NULL;
}

/* ---- moving frames ---- */

static int write_voice(struct bridge_leg *to, const struct ly_frame *f)
{
	const struct ly_format *native = ly_chan_native_format(to->chan);
	struct ly_frame *out;
	char path[128];
	int err;

	if (!native || !f->format || f->format == native)
		return ly_chan_write(to->chan, f);
	if (to->path_src != f->format) {
		ly_trans_path_free(to->path);
		to->path = ly_trans_path_new(f->format, native);
		to->path_src = f->format;
		if (to->path)
			ly_verbose(4, "Bridge: translating %s for '%s'",
				   ly_trans_path_describe(to->path, path, sizeof(path)),
				   ly_chan_name(to->chan));
		else
			ly_warning("Bridge: no translation from %s to %s for '%s'",
				   f->format->name, native->name, ly_chan_name(to->chan));
	}
	if (!to->path)
		return ENOTSUP;
	out = ly_trans_path_run(to->path, f);
	if (!out)
		return 0;	/* buffered by a codec */
	err = ly_chan_write(to->chan, out);
	ly_frame_free(out);
	return err;
}

/* ---- hold: the held leg hears its music class ---- */

/*
 * The other leg put `to` on hold (a re-INVITE with sendonly/inactive,
 * RFC 3264 section 8.4): `to` hears its channel's music class, as
 * Asterisk's channel drivers do with ast_moh_start.  A leg that cannot
 * carry music (no RTP: a Local channel) gets the HOLD passed on instead,
 * so the far side of it can play the music.  The native relay stops
 * while anyone is held, since it would forward the holder's audio.
 */
static void hold(struct bridge *br, struct bridge_leg *to)
{
	if (to->held)
		return;
	native_stop(br);
	if (ly_moh_start(to->chan, NULL) == 0)
		to->held = true;
	else
		ly_chan_indicate(to->chan, LY_CONTROL_HOLD);
}

static void unhold(struct bridge *br, struct bridge_leg *to)
{
	if (!to->held) {
		ly_chan_indicate(to->chan, LY_CONTROL_UNHOLD);
		return;
	}
	ly_moh_stop(to->chan);
	to->held = false;
	if (!br->leg[0].held && !br->leg[1].held)
		native_start(br);
}

/* Pass one frame on; true when it ends the bridge (a HANGUP control). */
static bool forward(struct bridge *br, struct bridge_leg *to, const struct ly_frame *f)
{
	switch (f->type) {
	case LY_FRAME_VOICE:
		if (!to->held)	/* the music plays instead */
			write_voice(to, f);
		return false;
	case LY_FRAME_CONTROL:
		if (f->control == LY_CONTROL_HANGUP)
			return true;
		if (f->control == LY_CONTROL_HOLD || f->control == LY_CONTROL_UNHOLD) {
			(f->control == LY_CONTROL_HOLD ? hold : unhold)(br, to);
			return false;
		}
		/* Both legs are up: a late ANSWER (a retransmitted 200 OK)
		 * means nothing to the other side. */
		if (f->control != LY_CONTROL_ANSWER)
			ly_chan_indicate(to->chan, f->control);
		return false;
	case LY_FRAME_DTMF_BEGIN:
	case LY_FRAME_DTMF_END:
	case LY_FRAME_TEXT:
		ly_chan_write(to->chan, f);
		return false;
	case LY_FRAME_NULL:
		return false;
	}
	return false;
}

/* Move up to BRIDGE_BURST waiting frames from leg `from` to the other;
 * true when `from` ended the call. */
static bool pump(struct bridge *br, int from)
{
	struct bridge_leg *src = &br->leg[from], *dst = &br->leg[!from];
	struct ly_frame *f;
	bool ended = false;

	for (int i = 0; i < BRIDGE_BURST && !ended; i++) {
		f = ly_chan_read(src->chan, 0);
		if (!f)
			break;
		ended = forward(br, dst, f);
		ly_frame_free(f);
	}
	return ended;
}

/* Sleep until either leg has frames (or a hangup request), or timeout_ms. */
static void wait_legs(struct bridge *br, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = ly_chan_alert_fd(br->leg[0].chan), .events = POLLIN },
		{ .fd = ly_chan_alert_fd(br->leg[1].chan), .events = POLLIN },
	};

	if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
		ly_warning("Bridge: poll: %s", strerror(errno));
}

static bool ended(struct bridge *br, enum ly_bridge_end *why)
{
	uint64_t now = now_ms();

	if (ly_chan_check_hangup(br->leg[0].chan))
		*why = LY_BRIDGE_END_A;
	else if (ly_chan_check_hangup(br->leg[1].chan))
		*why = LY_BRIDGE_END_B;
	else if (br->end_ms && now >= br->end_ms)
		*why = LY_BRIDGE_END_LIMIT;
	else
		return false;
	return true;
}

static enum ly_bridge_end run(struct bridge *br)
{
	enum ly_bridge_end why;

	for (;;) {
		if (ended(br, &why))
			return why;
		timers_warn(br, now_ms());
		if (pump(br, 0))
			return LY_BRIDGE_END_A;
		if (pump(br, 1))
			return LY_BRIDGE_END_B;
		if (ended(br, &why))
			return why;
		wait_legs(br, timers_wait_ms(br, now_ms()));
	}
}

enum ly_bridge_end ly_bridge_call(struct ly_channel *a, struct ly_channel *b,
				  const struct ly_bridge_config *cfg)
{
	static const struct ly_bridge_config no_limits;
	struct bridge br = { .leg = { { .chan = a }, { .chan = b } }, .cfg = cfg ? cfg : &no_limits };
	enum ly_bridge_end why;

	ly_verbose(3, "Bridging '%s' and '%s'", ly_chan_name(a), ly_chan_name(b));
	timers_start(&br);
	native_start(&br);
	why = run(&br);
	native_stop(&br);
	for (int i = 0; i < 2; i++)
		if (br.leg[i].held)
			ly_moh_stop(br.leg[i].chan);
	ly_trans_path_free(br.leg[0].path);
	ly_trans_path_free(br.leg[1].path);
	ly_verbose(3, "Bridge '%s' <-> '%s' ended: %s", ly_chan_name(a), ly_chan_name(b),
		   ly_bridge_end_name(why));
	return why;
}
