/* modules/chan_sip/sip_chan.c - the "SIP" channel technology: each operation runs on the SIP loop thread. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <lyre/channel.h>
#include <lyre/frame.h>
#include <lyre/log.h>
#include <lyre/loop.h>
#include <lyre/obj.h>
#include <lyre/rtp.h>

#include "sip_call.h"
#include "sip_chan.h"

static struct ly_loop *sip_loop;
static atomic_uint chan_seq;

/* ---- running on the SIP thread ---- */

struct sync_job {
	void (*fn)(void *arg);
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void sync_trampoline(void *arg)
{
	struct sync_job *job = arg;

	job->fn(job->arg);
	pthread_mutex_lock(&job->lock);
	job->done = true;
	pthread_cond_signal(&job->cond);
	pthread_mutex_unlock(&job->lock);
}

void sip_chan_run(void (*fn)(void *arg), void *arg)
{
	struct sync_job job = { .fn = fn, .arg = arg };

	if (!sip_loop || ly_loop_is_current(sip_loop)) {
		fn(arg);
		return;
	}
	pthread_mutex_init(&job.lock, NULL);
	pthread_cond_init(&job.cond, NULL);
	if (ly_loop_call(sip_loop, sync_trampoline, &job) == 0) {
		pthread_mutex_lock(&job.lock);
		while (!job.done)
			pthread_cond_wait(&job.cond, &job.lock);
		pthread_mutex_unlock(&job.lock);
	} else {
		ly_error("SIP: cannot reach the SIP thread");
	}
	pthread_cond_destroy(&job.cond);
	pthread_mutex_destroy(&job.lock);
}

/* One operation's arguments and result. */
struct op {
	struct sip_call *call;
	const char *dest;
	const struct ly_channel *requestor;
	enum ly_control control;
	int cause;
	int err;
};

/* ---- the technology ---- */

static void do_request(void *arg)
{
	struct op *op = arg;

	op->call = sip_call_request(op->dest, op->requestor, &op->cause);
}

static struct ly_channel *sip_request(const char *dest, const struct ly_channel *requestor, int *cause)
{
	struct op op = { .dest = dest, .requestor = requestor };
	struct ly_channel *c = NULL;

	sip_chan_run(do_request, &op);
	if (!op.call) {
		*cause = op.cause;
		return NULL;
	}
	pthread_mutex_lock(&op.call->lock);
	c = op.call->chan;
	pthread_mutex_unlock(&op.call->lock);
	ly_unref(op.call);
	return c;
}

static void do_dial(void *arg)
{
	struct op *op = arg;

	op->err = sip_call_dial(op->call);
}

static int sip_call_op(struct ly_channel *chan, const char *dest, int timeout_ms)
{
	struct op op = { .call = ly_chan_tech_pvt(chan) };

	(void)dest;
	(void)timeout_ms;	/* Dial keeps time and hangs up what still rings */
	if (!op.call)
		return EPIPE;
	sip_chan_run(do_dial, &op);
	return op.err;
}

static void do_answer(void *arg)
{
	struct op *op = arg;

	op->err = sip_call_answer(op->call);
}

static int sip_answer(struct ly_channel *chan)
{
	struct op op = { .call = ly_chan_tech_pvt(chan) };

	if (!op.call)
		return EPIPE;
	sip_chan_run(do_answer, &op);
	return op.err;
}

static void do_indicate(void *arg)
{
	struct op *op = arg;

	op->err = sip_call_indicate(op->call, op->control);
}

static int sip_indicate(struct ly_channel *chan, enum ly_control control)
{
	struct op op = { .call = ly_chan_tech_pvt(chan), .control = control };

	if (!op.call)
		return EPIPE;
	sip_chan_run(do_indicate, &op);
	return op.err;
}

/* The channel's reference goes here too, on the SIP thread: the call may
 * die with it, and its dialogs and transactions belong to that thread
 * (a transaction sheds its messages when its last holder lets go). */
static void do_hangup(void *arg)
{
	struct op *op = arg;

	sip_call_hangup(op->call, op->cause);
	ly_unref(op->call);
}

static int sip_hangup(struct ly_channel *chan)
{
	struct op op = { .call = ly_chan_tech_pvt(chan), .cause = ly_chan_hangupcause(chan) };

	if (!op.call)
		return 0;
	ly_chan_set_tech_pvt(chan, NULL);
	sip_chan_run(do_hangup, &op);	/* also drops the channel's reference */
	return 0;
}

static int sip_write(struct ly_channel *chan, const struct ly_frame *f)
{
	struct sip_call *call = ly_chan_tech_pvt(chan);

	if (!call)
		return EPIPE;
	if (f->type != LY_FRAME_VOICE)
		return 0;	/* digits and text need RFC 4733 / MESSAGE: the next issue */
	return ly_rtp_write(call->media.rtp, f);
}

static struct ly_rtp *sip_get_rtp(struct ly_channel *chan)
{
	struct sip_call *call = ly_chan_tech_pvt(chan);

	return call ? call->media.rtp : NULL;
}

static struct ly_chan_tech sip_tech = {
	.type = "SIP",
	.description = "SIP channel driver (RFC 3261) with RTP through res_rtp",
	.request = sip_request,
	.call = sip_call_op,
	.answer = sip_answer,
	.hangup = sip_hangup,
	.write = sip_write,
	.indicate = sip_indicate,
	.get_rtp = sip_get_rtp,
};

struct ly_channel *sip_chan_new(struct sip_call *call, const char *peer)
{
	unsigned id = atomic_fetch_add(&chan_seq, 1) + 1;
	struct ly_channel *c = ly_chan_alloc(&sip_tech, ly_ref(call), "SIP/%s-%08x", peer, id);

	if (!c)
		ly_unref(call);
	return c;
}

int sip_chan_register(struct ly_module *owner, struct ly_loop *loop)
{
	sip_loop = loop;
	return ly_chan_tech_register(owner, &sip_tech);
}

void sip_chan_unregister(void)
{
	ly_chan_tech_unregister(&sip_tech);
}
