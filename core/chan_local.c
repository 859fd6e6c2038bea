/* core/chan_local.c - the Local channel technology: a pair of channels that both run dialplan. */
/*
 * ly_chan_request("Local", "100@office") makes two channels joined by one
 * private structure: ";1", returned to the requester, and ";2", which runs
 * the dialplan at 100@office once ;1 is called.  Whatever one half is sent
 * (audio, digits, controls, text) is queued on the other half, as if they
 * were the two ends of a wire.
 *
 * References: each half holds the pair; the pair holds both halves.  The
 * cycle is broken at hangup: a half hanging up leaves the pair (dropping
 * the pair's reference to it and its own to the pair) and queues a hangup
 * on the other half, behind what it was sent before.  The pair's lock is a leaf: a half is looked up under
 * it, referenced, and only then, unlocked, is anything queued on it.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "lyre/channel.h"
#include "lyre/frame.h"
#include "lyre/log.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "pbx_state.h"

/* Audio queued on a half nobody reads is dropped past this many frames
 * (a few seconds of 20 ms frames), so an unread half cannot grow without
 * bound. */
#define LOCAL_MAX_QUEUED_VOICE 250

struct local_pair {
	pthread_mutex_t lock;
	struct ly_channel *half[2];	/* [0] = ;1, [1] = ;2; NULL once hung up */
	char exten[LY_MAX_EXTEN];
	char context[LY_MAX_CONTEXT];
	bool running;		/* ;2's dialplan started: its thread hangs it up */
};

static atomic_uint local_seq;

static void pair_destroy(void *obj)
{
	struct local_pair *pair = obj;

	pthread_mutex_destroy(&pair->lock);
}

static int side_of(const struct local_pair *pair, const struct ly_channel *c)
{
	return pair->half[1] == c ? 1 : 0;
}

/* The other half of c, referenced; NULL when it has hung up. */
static struct ly_channel *other_half(struct ly_channel *c)
{
	struct local_pair *pair = ly_chan_tech_pvt(c);
	struct ly_channel *other = NULL;

	if (!pair)
		return NULL;
	pthread_mutex_lock(&pair->lock);
	if (pair->half[0] == c || pair->half[1] == c)
		other = ly_ref(pair->half[!side_of(pair, c)]);
	pthread_mutex_unlock(&pair->lock);
	return other;
}

/* Queue f (not taken) on the other half. */
static int pass_frame(struct ly_channel *c, const struct ly_frame *f)
{
	struct ly_channel *other = other_half(c);

	if (!other)
		return EPIPE;
	if (f->type != LY_FRAME_VOICE || ly_chan_queue_len(other) < LOCAL_MAX_QUEUED_VOICE)
		ly_chan_queue_frame(other, ly_frame_dup(f));
	ly_unref(other);
	return 0;
}

static int pass_control(struct ly_channel *c, enum ly_control control)
{
	struct ly_frame *f = ly_frame_control_new(control);
	int err = pass_frame(c, f);

	ly_frame_free(f);
	return err;
}

/* ---- the technology ---- */

static int local_write(struct ly_channel *c, const struct ly_frame *f)
{
	return pass_frame(c, f);
}

static int local_indicate(struct ly_channel *c, enum ly_control control)
{
	return pass_control(c, control);
}

/* Answering ;2 (its dialplan ran Answer) is the far end answering ;1. */
static int local_answer(struct ly_channel *c)
{
	struct local_pair *pair = ly_chan_tech_pvt(c);
	bool outbound;

	if (!pair)
		return EPIPE;
	pthread_mutex_lock(&pair->lock);
	outbound = pair->half[1] == c;
	pthread_mutex_unlock(&pair->lock);
	return outbound ? pass_control(c, LY_CONTROL_ANSWER) : 0;
}

static int local_digit(struct ly_channel *c, enum ly_frame_type type, char digit,
		       unsigned duration_ms)
{
	struct ly_frame *f = ly_frame_dtmf_new(type, digit, duration_ms);
	int err = pass_frame(c, f);

	ly_frame_free(f);
	return err;
}

static int local_digit_begin(struct ly_channel *c, char digit)
{
	return local_digit(c, LY_FRAME_DTMF_BEGIN, digit, 0);
}

static int local_digit_end(struct ly_channel *c, char digit, unsigned duration_ms)
{
	return local_digit(c, LY_FRAME_DTMF_END, digit, duration_ms);
}

static int local_text(struct ly_channel *c, const char *text)
{
	struct ly_frame *f = ly_frame_text_new(text);
	int err = pass_frame(c, f);

	ly_frame_free(f);
	return err;
}

/* Copy every variable: the requester already gave ;1 what it inherits
 * (Asterisk's local_call copies ;1's variables to ;2 the same way). */
static void copy_var(const char *name, const char *value, void *arg)
{
	ly_chan_var_set(arg, name, value);
}

static void copy_callerid(const struct ly_channel *from, struct ly_channel *to)
{
	char name[128], num[128];

	ly_chan_callerid_name(from, name, sizeof(name));
	ly_chan_callerid_num(from, num, sizeof(num));
	ly_chan_set_callerid(to, name[0] ? name : NULL, num[0] ? num : NULL);
}

static int local_call(struct ly_channel *c, const char *dest, int timeout_ms)
{
	struct local_pair *pair = ly_chan_tech_pvt(c);
	struct ly_channel *outbound = other_half(c);
	char cid[128];
	int err;

	(void)dest;
	(void)timeout_ms;
	if (!outbound)
		return EPIPE;
	ly_chan_var_foreach(c, copy_var, outbound);
	ly_chan_datastore_inherit(c, outbound);
	copy_callerid(c, outbound);
	ly_chan_callerid_num(c, cid, sizeof(cid));
	if (!ly_exten_exists(pair->context, pair->exten, 1, cid[0] ? cid : NULL)) {
		ly_notice("No such extension/context %s@%s while calling Local channel",
			  pair->exten, pair->context);
		ly_unref(outbound);
		return ENOENT;
	}
	ly_chan_set_state(outbound, LY_STATE_RING);
	ly_pbx_set_position(outbound, pair->context, pair->exten, 1);
	err = ly_pbx_start(outbound);
	if (!err) {
		pthread_mutex_lock(&pair->lock);
		pair->running = true;
		pthread_mutex_unlock(&pair->lock);
	}
	ly_unref(outbound);
	return err;
}

/*
 * Leave the pair and ask the other half to hang up with the same cause.
 * A ;2 whose dialplan never started (the call was never placed, or
 * failed) has no thread to notice: the pair is its only driver, so it is
 * hung up here.
 */
static int local_hangup(struct ly_channel *c)
{
	struct local_pair *pair = ly_chan_tech_pvt(c);
	struct ly_channel *other = NULL;
	bool orphan = false;
	int side;

	if (!pair)
		return 0;
	pthread_mutex_lock(&pair->lock);
	side = side_of(pair, c);
	if (pair->half[side] == c) {
		pair->half[side] = NULL;
		other = pair->half[!side] ? ly_ref(pair->half[!side]) : NULL;
		orphan = side == 0 && !pair->running;
		ly_unref(c);	/* the pair's reference; the caller still holds one */
	}
	pthread_mutex_unlock(&pair->lock);
	ly_chan_set_tech_pvt(c, NULL);
	if (other) {
		/* Queued, not immediate: an ANSWER or audio this half sent just
		 * before hanging up still reaches the other side first. */
		ly_chan_queue_hangup(other, ly_chan_hangupcause(c));
		if (orphan)
			ly_chan_hangup(other);
		ly_unref(other);
	}
	ly_unref(pair);
	return 0;
}

static struct ly_channel *local_request(const char *dest, const struct ly_channel *requestor,
					int *cause);

static struct ly_chan_tech local_tech = {
	.type = "Local",
	.description = "Local channels: both halves run dialplan",
	.request = local_request,
	.call = local_call,
	.answer = local_answer,
	.hangup = local_hangup,
	.write = local_write,
	.indicate = local_indicate,
	.send_digit_begin = local_digit_begin,
	.send_digit_end = local_digit_end,
	.send_text = local_text,
};

/* "exten[@context][/options]"; the context defaults to "default". */
static int parse_dest(const char *dest, struct local_pair *pair)
{
	size_t exten_len = strcspn(dest, "@/");
	const char *context = dest[exten_len] == '@' ? dest + exten_len + 1 : "default";
	size_t context_len = strcspn(context, "/");

	if (exten_len == 0 || exten_len >= sizeof(pair->exten) || context_len == 0 ||
	    context_len >= sizeof(pair->context))
		return EINVAL;
	memcpy(pair->exten, dest, exten_len);
	memcpy(pair->context, context, context_len);
	return 0;
}

static struct ly_channel *half_alloc(struct local_pair *pair, unsigned id, int side)
{
	/* Each half holds the pair; the pair holds each half (ly_chan_alloc's
	 * reference belongs to the channel list, so take one more). */
	struct ly_channel *c = ly_chan_alloc(&local_tech, ly_ref(pair), "Local/%s@%s-%08x;%d",
					     pair->exten, pair->context, id, side + 1);

	if (!c) {
		ly_unref(pair);
		return NULL;
	}
	pair->half[side] = ly_ref(c);
	return c;
}

static struct ly_channel *local_request(const char *dest, const struct ly_channel *requestor,
					int *cause)
{
	struct local_pair *pair = ly_obj_alloc(sizeof(*pair), pair_destroy);
	unsigned id = atomic_fetch_add(&local_seq, 1) + 1;
	struct ly_channel *in, *out;

	pthread_mutex_init(&pair->lock, NULL);
	if (parse_dest(dest, pair)) {
		ly_warning("Local channel '%s': expected exten@context", dest);
		ly_unref(pair);
		*cause = LY_CAUSE_INVALID_NUMBER_FORMAT;
		return NULL;
	}
	in = half_alloc(pair, id, 0);
	out = in ? half_alloc(pair, id, 1) : NULL;
	if (!out) {
		if (in)
			ly_chan_hangup(in);
		ly_unref(pair);
		*cause = LY_CAUSE_SWITCH_CONGESTION;
		return NULL;
	}
	if (requestor) {
		ly_chan_inherit_vars(requestor, in);
		ly_chan_datastore_inherit(requestor, in);
		copy_callerid(requestor, in);
	}
	ly_unref(pair);	/* the halves hold it now */
	return in;
}

int pbx_local_register(void)
{
	return ly_chan_tech_register(NULL, &local_tech);
}

void pbx_local_unregister(void)
{
	ly_chan_tech_unregister(&local_tech);
}
