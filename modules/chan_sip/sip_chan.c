/* modules/chan_sip/sip_chan.c - the "SIP" channel technology: each operation runs on the SIP loop thread. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include <lyre/channel.h>
#include <lyre/frame.h>
#include <lyre/log.h>
#include <lyre/loop.h>
#include <lyre/module.h>
#include <lyre/obj.h>
#include <lyre/rtp.h>

#include "sip_call.h"
#include "sip_chan.h"

static struct ly_loop *sip_loop;
static struct ly_module *sip_owner;
static atomic_uint chan_seq;

/* ---- running on the SIP thread ---- */

/*
 * A semaphore, not a mutex and condition: the SIP thread posts once and
 * never touches the job again, and the waiter has no lock to fight for
 * when it wakes.  At thousands of calls a second these hand-offs were the
 * largest cost after the system calls themselves.
 */
struct sync_job {
	void (*fn)(void *arg);
	void *arg;
	sem_t done;
};

static void sync_trampoline(void *arg)
{
	struct sync_job *job = arg;

	job->fn(job->arg);
	sem_post(&job->done);
}

void sip_chan_run(void (*fn)(void *arg), void *arg)
{
	struct sync_job job = { .fn = fn, .arg = arg };

	if (!sip_loop || ly_loop_is_current(sip_loop)) {
		fn(arg);
		return;
	}
	sem_init(&job.done, 0, 0);
	if (ly_loop_call(sip_loop, sync_trampoline, &job) == 0) {
		while (sem_wait(&job.done) != 0)
			;	/* EINTR */
	} else {
		ly_error("SIP: cannot reach the SIP thread");
	}
	sem_destroy(&job.done);
}

/* One operation's arguments and result. */
struct op {
	struct sip_call *call;
	char digit;
	unsigned duration_ms;
	const char *dest;
	const struct ly_channel *requestor;
	enum ly_control control;
	int cause;
};

/*
 * Operations whose caller needs no answer (call, hangup, indications) are queued
 * and the channel's thread goes on.  The job holds the module so chan_sip
 * cannot be unloaded under it; the queue is FIFO, so a later synchronous
 * operation from the same thread still runs after it.  The job and its
 * operation are one allocation.
 */
struct async_job {
	void (*fn)(void *arg);
	struct op op;
};

/* A queued operation's arguments, zeroed, for sip_chan_run_async. */
static struct op *async_op(void)
{
	struct async_job *job = ly_calloc(1, sizeof(*job));

	return &job->op;
}

static struct async_job *job_of(struct op *op)
{
	return (struct async_job *)(void *)((char *)op - offsetof(struct async_job, op));
}

static void async_trampoline(void *arg)
{
	struct async_job *job = arg;

	job->fn(&job->op);
	free(job);
	/* last: an unload may start the moment this returns (the call is
	 * in tail position, so nothing of this module runs after it) */
	ly_module_unref(sip_owner);
}

/* Takes `op` (from async_op): it is freed after fn ran. */
static void sip_chan_run_async(void (*fn)(void *arg), struct op *op)
{
	struct async_job *job = job_of(op);

	job->fn = fn;
	if (!sip_loop || ly_loop_is_current(sip_loop) || !ly_module_ref(sip_owner)) {
		fn(op);
		free(job);
		return;
	}
	if (ly_loop_call(sip_loop, async_trampoline, job) != 0) {
		ly_module_unref(sip_owner);
		fn(op);	/* no loop to go to: run here, as before the loop ran */
		free(job);
	}
}

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

/* A queued operation that failed ends the call's channel, if it still has
 * one: the pbx thread learns of it as of any other hangup. */
static void end_channel(struct sip_call *call, int cause)
{
	struct ly_channel *c;

	pthread_mutex_lock(&call->lock);
	c = call->chan ? ly_ref(call->chan) : NULL;
	pthread_mutex_unlock(&call->lock);
	if (c)
		ly_chan_softhangup(c, cause);
	ly_unref(c);
}

/* Failing to send any INVITE ends the channel, with the cause a refused
 * call() gave before (Dial counts it as CHANUNAVAIL). */
static void do_dial(void *arg)
{
	struct op *op = arg;

	if (sip_call_dial(op->call) != 0)
		end_channel(op->call, LY_CAUSE_REQUESTED_CHAN_UNAVAIL);
	ly_unref(op->call);
}

/*
 * Queued: the caller (Dial) learns how the INVITE went from the channel
 * (ringing, answer, or a hangup with its cause), as it does for every
 * later event, so it need not wait for the SIP thread here.  One hand-off
 * less per outgoing call; a hangup queued after it still runs after it.
 */
static int sip_call_op(struct ly_channel *chan, const char *dest, int timeout_ms)
{
	struct sip_call *call = ly_chan_tech_pvt(chan);
	struct op *op;

	(void)dest;
	(void)timeout_ms;	/* Dial keeps time and hangs up what still rings */
	if (!call)
		return EPIPE;
	op = async_op();
	op->call = ly_ref(call);
	sip_chan_run_async(do_dial, op);
	return 0;
}

/* The channel is already hung up when the INVITE ended first (a CANCEL):
 * then this only repeats that; a 200 that cannot be sent ends it. */
static void do_answer(void *arg)
{
	struct op *op = arg;

	if (sip_call_answer(op->call) != 0)
		end_channel(op->call, LY_CAUSE_NORMAL_TEMPORARY_FAILURE);
	ly_unref(op->call);
}

/*
 * Queued like call and hangup: the pbx thread goes on (to the bridge, to
 * Playback) without waiting for the SIP thread to send the 200.  Media may
 * then leave a few microseconds before the 200 does; the offerer must take
 * media as soon as it sent its offer (RFC 3264 section 5), so that is no
 * harm, and whatever the dialplan does next (a hangup's BYE) is queued
 * behind the 200 and follows it.  A failure shows as a hangup, as for call.
 */
static int sip_answer(struct ly_channel *chan)
{
	struct sip_call *call = ly_chan_tech_pvt(chan);
	struct op *op;

	if (!call)
		return EPIPE;
	op = async_op();
	op->call = ly_ref(call);
	sip_chan_run_async(do_answer, op);
	return 0;
}

static void do_indicate(void *arg)
{
	struct op *op = arg;

	sip_call_indicate(op->call, op->control);
	ly_unref(op->call);
}

/* Queued: the result would only say whether the peer could be told. */
static int sip_indicate(struct ly_channel *chan, enum ly_control control)
{
	struct sip_call *call = ly_chan_tech_pvt(chan);
	struct op *op;

	if (!call)
		return EPIPE;
	op = async_op();
	op->call = ly_ref(call);
	op->control = control;
	sip_chan_run_async(do_indicate, op);
	return 0;
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
	struct sip_call *call = ly_chan_tech_pvt(chan);
	struct op *op;

	if (!call)
		return 0;
	ly_rtp_chan_set_qos(chan);	/* the figures and their log line, if not yet */
	ly_chan_set_tech_pvt(chan, NULL);
	op = async_op();
	op->call = call;	/* the channel's reference, dropped by do_hangup */
	op->cause = ly_chan_hangupcause(chan);
	sip_chan_run_async(do_hangup, op);
	return 0;
}

static void do_info_dtmf(void *arg)
{
	struct op *op = arg;

	sip_call_send_info_dtmf(op->call, op->digit, op->duration_ms);
	ly_unref(op->call);
}

/* A digit goes out in this leg's DTMF mode (sip_dtmf.h), whatever the
 * mode of the leg it came from: that is where modes are converted. */
static int write_dtmf(struct sip_call *call, const struct ly_frame *f)
{
	bool begin = f->type == LY_FRAME_DTMF_BEGIN;
	struct op *op;

	switch (ly_rtp_dtmf_mode(call->media.rtp)) {
	case LY_RTP_DTMF_SIGNALLING:
		if (begin)
			return 0;	/* INFO carries the whole digit, sent at its end */
		op = async_op();
		op->call = ly_ref(call);
		op->digit = f->digit;
		op->duration_ms = f->duration_ms;
		sip_chan_run_async(do_info_dtmf, op);
		return 0;
	case LY_RTP_DTMF_RFC4733:
	case LY_RTP_DTMF_INBAND:
		return begin ? ly_rtp_dtmf_begin(call->media.rtp, f->digit)
			     : ly_rtp_dtmf_end(call->media.rtp, f->digit, f->duration_ms);
	case LY_RTP_DTMF_NONE:
		break;
	}
	return 0;	/* no media negotiated yet */
}

static int sip_write(struct ly_channel *chan, const struct ly_frame *f)
{
	struct sip_call *call = ly_chan_tech_pvt(chan);

	if (!call)
		return EPIPE;
	if (f->type == LY_FRAME_DTMF_BEGIN || f->type == LY_FRAME_DTMF_END)
		return write_dtmf(call, f);
	if (f->type != LY_FRAME_VOICE)
		return 0;	/* text needs MESSAGE */
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
	sip_owner = owner;
	return ly_chan_tech_register(owner, &sip_tech);
}

void sip_chan_unregister(void)
{
	ly_chan_tech_unregister(&sip_tech);
}
