/* modules/res_rtp/rtp_jb.c - the jitter buffer between a session's socket and its channel. */
/*
 * Audio Lyre consumes itself (Read() and its in-band detector, recording,
 * conferences) is taken off the network into a jitter buffer
 * (lyre/jitterbuf.h) and handed to the channel on the worker's 20 ms tick:
 * in order, at a steady pace, with lost packets concealed.  A relayed
 * session never gets here (rtp_media.c triage), so relay legs stay
 * packet-for-packet, as the far ends' own buffers expect.
 *
 * The buffer follows one stream: a new SSRC (a re-INVITE, a transfer) or
 * a new format restarts it, since neither timestamps nor frames of the
 * old one mean anything to the new.
 */
#include <stdlib.h>

#include <lyre/lyre.h>
#include <lyre/jitterbuf.h>

#include "res_rtp.h"
#include "rtp_session_int.h"

struct rtp_jb {
	struct ly_jitterbuf *buf;
	uint32_t ssrc;
	const struct ly_format *fmt;
	bool ticking;
};

/* Locked.  Whether f fits the buffer's stream, restarting it if not. */
static void follow_stream(struct rtp_session *s, const struct ly_frame *f, uint32_t ssrc)
{
	struct rtp_jb *jb = s->jb;
	unsigned clock = rtp_format_clock(f->format);

	if (jb && jb->buf && (jb->ssrc != ssrc || jb->fmt != f->format)) {
		ly_debug(2, "RTP port %u: new stream (SSRC %08x, %s): jitter buffer restarts",
			 s->port, ssrc, f->format->name);
		ly_jb_free(jb->buf);
		jb->buf = NULL;
	}
	if (!jb)
		jb = s->jb = ly_calloc(1, sizeof(*jb));
	if (!jb->buf) {
		jb->buf = ly_jb_new(clock, clock / 50, s->jb_max_ms);
		jb->ssrc = ssrc;
		jb->fmt = f->format;
	}
}

bool rtp_jb_take(struct rtp_session *s, struct ly_frame *f, const struct rtp_header *h)
{
	bool start_ticks = false;
	uint32_t span;

	pthread_mutex_lock(&s->lock);
	if (!s->jb_max_ms || s->peer || s->closed) {
		pthread_mutex_unlock(&s->lock);
		return false;
	}
	follow_stream(s, f, h->ssrc);
	/* f->samples is at the format's rate, the timestamp at the RTP clock. */
	span = (uint32_t)((uint64_t)f->samples * rtp_format_clock(f->format) / f->format->rate);
	ly_jb_put(s->jb->buf, f, span);
	if (!s->jb->ticking)
		start_ticks = s->jb->ticking = true;
	pthread_mutex_unlock(&s->lock);
	/* Ticks run from now until the session closes, as for DTMF sending
	 * (the tick cannot stop itself: it would take the tick lock twice). */
	if (start_ticks)
		rtp_worker_tick(s->worker, s, true);
	return true;
}

bool rtp_jb_ticking_locked(const struct rtp_session *s)
{
	return s->jb && s->jb->ticking;
}

struct ly_frame *rtp_jb_tick_locked(struct rtp_session *s)
{
	if (!s->jb || !s->jb->buf)
		return NULL;
	return ly_jb_get(s->jb->buf);
}

void rtp_jb_free(struct rtp_session *s)
{
	if (!s->jb)
		return;
	ly_jb_free(s->jb->buf);
	free(s->jb);
	s->jb = NULL;
}
