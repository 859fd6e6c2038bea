/* modules/res_rtp/rtp_stream.c - our outgoing stream: one SSRC and one sequence/timestamp line per far end. */
/*
 * RFC 3550 §5.1 wants the sequence number to grow by one per packet and
 * the timestamp to follow the sampling clock, from random starting values.
 * A far end that sees either jump, or a new SSRC, may reset its jitter
 * buffer or drop audio.  We therefore keep our own stream per session and
 * map whatever feeds it onto that line:
 *
 *   - a relayed stream keeps its own spacing (gaps from loss stay gaps,
 *     reordered packets stay reordered) through a fixed offset, chosen
 *     when the feed starts so that it continues right after what we sent;
 *   - a new feed is a change of SSRC (the other leg's phone after a
 *     re-INVITE, or a new phone after a transfer), a sequence jump that
 *     RFC 3550 §A.1 counts as a restart (more than MAX_DROPOUT ahead or
 *     MAX_MISORDER behind), or a switch between relay and local frames;
 *   - across a new feed the timestamp advances by the wall-clock time since
 *     our last packet (at least one 20 ms packet), and the packet carries
 *     the marker bit, as at the start of a talkspurt (RFC 3551 §4.1).
 */

#include <lyre/lyre.h>

#include "res_rtp.h"

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
/* A pause in written frames longer than this starts a new talkspurt. */
#define LOCAL_GAP_MS 200

uint32_t rtp_random32(void)
{
	return ly_random32();
}

void rtp_out_init(struct rtp_out *o)
{
	*o = (struct rtp_out){ 0 };
	o->ssrc = rtp_random32();
	o->seq = (uint16_t)rtp_random32();
	o->ts = rtp_random32();
}

/* Where a new feed starts: right after our last packet. */
static void next_start(const struct rtp_out *o, unsigned clock, uint64_t now_ms,
		       uint16_t *seq, uint32_t *ts)
{
	uint64_t elapsed, min = clock / 50;

	if (!o->started) {
		*seq = o->seq;
		*ts = o->ts;
		return;
	}
	elapsed = (now_ms - o->sent_ms) * clock / 1000;
	*seq = (uint16_t)(o->seq + 1);
	*ts = o->ts + (uint32_t)(elapsed > min ? elapsed : min);
}

/* Record a sent packet, keeping the highest sequence number and timestamp
 * so that a later feed never goes backwards. */
static void note_sent(struct rtp_out *o, const struct rtp_stamp *st, uint64_t now_ms)
{
	if (!o->started || (int16_t)(st->seq - o->seq) > 0)
		o->seq = st->seq;
	if (!o->started || (int32_t)(st->ts - o->ts) > 0)
		o->ts = st->ts;
	o->started = true;
	o->sent_ms = now_ms;
}

static bool same_feed(const struct rtp_out *o, const struct rtp_header *in)
{
	uint16_t ahead;

	if (!o->feed_relay || o->feed_ssrc != in->ssrc)
		return false;
	ahead = (uint16_t)(in->seq - o->feed_seq);
	/* RFC 3550 §A.1: a jump beyond these bounds is a restarted source. */
	return ahead < MAX_DROPOUT || ahead > (uint16_t)(65536 - MAX_MISORDER);
}

void rtp_out_relay(struct rtp_out *o, const struct rtp_header *in, unsigned clock,
		   uint64_t now_ms, struct rtp_stamp *st)
{
	st->marker = in->marker;
	if (!same_feed(o, in)) {
		uint16_t seq;
		uint32_t ts;

		next_start(o, clock, now_ms, &seq, &ts);
		o->seq_delta = (uint16_t)(seq - in->seq);
		o->ts_delta = ts - in->ts;
		o->feed_relay = true;
		o->feed_ssrc = in->ssrc;
		o->feed_seq = in->seq;
		st->marker = true;
	} else if ((int16_t)(in->seq - o->feed_seq) > 0) {
		o->feed_seq = in->seq;
	}
	st->seq = (uint16_t)(in->seq + o->seq_delta);
	st->ts = in->ts + o->ts_delta;
	note_sent(o, st, now_ms);
}

void rtp_out_event(struct rtp_out *o, bool first, bool last, uint32_t duration, unsigned clock,
		   uint64_t now_ms, uint32_t *event_ts, struct rtp_stamp *st)
{
	st->seq = (uint16_t)(o->seq + 1);
	if (first && (o->feed_relay || !o->started || now_ms - o->sent_ms > LOCAL_GAP_MS))
		next_start(o, clock, now_ms, &st->seq, event_ts);
	else if (first)
		*event_ts = o->ts + o->last_samples;
	st->marker = first;
	st->ts = *event_ts;
	o->feed_relay = false;
	o->last_samples = 0;	/* audio resumes at the event's end, not after it */
	note_sent(o, st, now_ms);
	if (last)
		o->ts = *event_ts + duration;
}

void rtp_out_local(struct rtp_out *o, unsigned samples, unsigned clock, uint64_t now_ms,
		   struct rtp_stamp *st)
{
	if (o->feed_relay || !o->started || now_ms - o->sent_ms > LOCAL_GAP_MS) {
		next_start(o, clock, now_ms, &st->seq, &st->ts);
		st->marker = true;
	} else {
		st->seq = (uint16_t)(o->seq + 1);
		st->ts = o->ts + o->last_samples;
		st->marker = false;
	}
	o->feed_relay = false;
	o->last_samples = samples;
	note_sent(o, st, now_ms);
}
