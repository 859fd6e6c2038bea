/* modules/res_rtp/rtp_dtmf_io.c - a session's DTMF: RFC 4733 events and in-band tones, in and out. */
/*
 * Received events (RFC4733 mode) and tones found in received audio
 * (INBAND mode) become LY_FRAME_DTMF_BEGIN/END frames on the channel.
 * Digits the core sends go out on the worker's 20 ms tick: event packets
 * (one per tick, our ptime) or 20 ms of tone per tick, followed by 60 ms
 * of silence so that the same digit twice is heard twice.  While a digit
 * goes out, audio the channel writes is dropped: RFC 4733 §2.5.1.2 lets a
 * sender stop audio during an event, and a tone must not be mixed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lyre/lyre.h>
#include <lyre/dsp.h>

#include "res_rtp.h"
#include "rtp_dtmf.h"
#include "rtp_session_int.h"

#define EVENT_CLOCK 8000	/* telephone-event/8000, unless SDP said otherwise */
#define TICK_SAMPLES (8000 / 50)	/* of in-band tone, 8 kHz slin */
#define TONE_DBFS -9.0
#define MAX_EVENTS 16

struct rtp_dtmf_state {
	enum ly_rtp_dtmf_mode mode;
	int pt;				/* telephone-event, -1 none */
	unsigned clock;			/* its RTP clock: 48000 beside Opus */
	struct rtp_dtmf_rx rx;
	struct rtp_dtmf_tx tx;
	uint32_t event_ts;		/* of the event being sent */
	/* in-band */
	struct ly_dtmf_detector det;
	struct ly_trans_path *to_slin;	/* received audio to 8 kHz slin */
	const struct ly_format *to_slin_src;
	struct ly_trans_path *from_slin;	/* tones to the audio format */
	const struct ly_format *from_slin_dst;
	struct ly_dtmf_gen gen;
};

static void queue_events(struct rtp_session *s, struct ly_channel *chan,
			 const struct ly_dtmf_ev *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool begin = ev[i].type == LY_DTMF_BEGIN;

		ly_debug(1, "RTP port %u: DTMF %c %s (%u ms)", s->port, ev[i].digit,
			 begin ? "begin" : "end", ev[i].duration_ms);
		ly_chan_queue_frame(chan, ly_frame_dtmf_new(begin ? LY_FRAME_DTMF_BEGIN
								  : LY_FRAME_DTMF_END,
							    ev[i].digit, ev[i].duration_ms));
	}
}

int rtp_dtmf_set(struct rtp_session *s, enum ly_rtp_dtmf_mode mode, int pt, unsigned clock)
{
	struct rtp_dtmf_state *d;

	pthread_mutex_lock(&s->lock);
	if (!s->dtmf)
		s->dtmf = ly_calloc(1, sizeof(*s->dtmf));
	d = s->dtmf;
	if (d->mode != mode) {
		memset(&d->rx, 0, sizeof(d->rx));
		ly_dtmf_detector_init(&d->det);
	}
	d->mode = mode;
	d->pt = mode == LY_RTP_DTMF_RFC4733 ? pt : -1;
	/* Durations and timestamps count in the event's own clock (RFC 4733
	 * §2.5.1.3), which is the audio's beside a wideband codec. */
	d->clock = clock ? clock : EVENT_CLOCK;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static bool can_send(const struct rtp_dtmf_state *d)
{
	return d && ((d->mode == LY_RTP_DTMF_RFC4733 && d->pt >= 0) ||
		     d->mode == LY_RTP_DTMF_INBAND);
}

/* Ticks run while the session exists once it sent a digit: stopping them
 * from the tick itself would take the worker's tick lock twice. */
static int send_op(struct rtp_session *s, char digit, bool begin, unsigned ms)
{
	bool ok;

	if (rtp_dtmf_digit_event(digit) < 0)
		return EINVAL;
	pthread_mutex_lock(&s->lock);
	ok = !s->closed && can_send(s->dtmf);
	if (ok && begin)
		rtp_dtmf_tx_begin(&s->dtmf->tx, digit, ly_now_ms());
	else if (ok)
		rtp_dtmf_tx_end(&s->dtmf->tx, digit, ms, ly_now_ms());
	if (ok)
		s->dtmf_sending = true;
	pthread_mutex_unlock(&s->lock);
	if (!ok)
		return ENOTSUP;
	rtp_worker_tick(s->worker, s, true);
	return 0;
}

int rtp_dtmf_send_begin(struct rtp_session *s, char digit)
{
	return send_op(s, digit, true, 0);
}

int rtp_dtmf_send_end(struct rtp_session *s, char digit, unsigned duration_ms)
{
	return send_op(s, digit, false, duration_ms);
}

bool rtp_dtmf_is_event_locked(const struct rtp_session *s, unsigned pt)
{
	return s->dtmf && s->dtmf->pt >= 0 && (unsigned)s->dtmf->pt == pt;
}

unsigned rtp_dtmf_clock_locked(const struct rtp_session *s)
{
	return s->dtmf ? s->dtmf->clock : EVENT_CLOCK;
}

int rtp_dtmf_pt_locked(const struct rtp_session *s)
{
	return s->dtmf ? s->dtmf->pt : -1;
}

void rtp_dtmf_receive(struct rtp_session *s, struct ly_channel *chan, const uint8_t *pkt,
		      const struct rtp_header *h)
{
	struct ly_dtmf_ev ev[3];
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	if (s->dtmf && s->dtmf->mode == LY_RTP_DTMF_RFC4733)
		n = rtp_dtmf_rx_packet(&s->dtmf->rx, h->ts, pkt + h->payload_off, h->payload_len,
				       s->dtmf->clock, ly_now_ms(), ev);
	pthread_mutex_unlock(&s->lock);
	queue_events(s, chan, ev, n);
}

/* f as 8 kHz slin (f itself, or a new frame in *owned), or NULL. */
static const struct ly_frame *as_slin(struct rtp_dtmf_state *d, const struct ly_frame *f,
				      struct ly_frame **owned)
{
	const struct ly_format *slin = ly_format_find("slin");

	*owned = NULL;
	if (!slin || !f->format)
		return NULL;
	if (f->format == slin)
		return f;
	if (d->to_slin_src != f->format) {
		ly_trans_path_free(d->to_slin);
		d->to_slin = ly_trans_path_new(f->format, slin);
		d->to_slin_src = f->format;
	}
	if (d->to_slin)
		*owned = ly_trans_path_run(d->to_slin, f);
	return *owned;
}

static size_t detect_inband(struct rtp_dtmf_state *d, const struct ly_frame *f,
			    struct ly_dtmf_ev *ev, size_t max)
{
	struct ly_frame *owned;
	const struct ly_frame *lin = as_slin(d, f, &owned);
	size_t n = 0;

	if (lin)
		n = ly_dtmf_detect(&d->det, (const int16_t *)(const void *)lin->data,
				   lin->datalen / 2, ev, max);
	ly_frame_free(owned);
	return n;
}

void rtp_dtmf_on_audio(struct rtp_session *s, struct ly_channel *chan, const struct ly_frame *f)
{
	struct ly_dtmf_ev ev[MAX_EVENTS];
	struct rtp_dtmf_state *d;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	d = s->dtmf;
	if (d && d->mode == LY_RTP_DTMF_RFC4733)
		n = rtp_dtmf_rx_timeout(&d->rx, d->clock, ly_now_ms(), ev);
	else if (d && d->mode == LY_RTP_DTMF_INBAND)
		n = detect_inband(d, f, ev, MAX_EVENTS);
	pthread_mutex_unlock(&s->lock);
	queue_events(s, chan, ev, n);
}

bool rtp_dtmf_mutes_locked(const struct rtp_session *s)
{
	return can_send(s->dtmf) && rtp_dtmf_tx_busy(&s->dtmf->tx);
}

/* ---- sending, on the tick ---- */

static void send_event(struct rtp_session *s, uint8_t *pkt, const uint8_t *payload, bool first,
		       bool last)
{
	struct rtp_dtmf_state *d = s->dtmf;
	const struct sockaddr_storage *dest = rtp_session_destination(s);
	struct rtp_stamp st;

	if (!dest)
		return;
	rtp_out_event(&s->out, first, last, d->tx.duration, d->clock, ly_now_ms(), &d->event_ts,
		      &st);
	rtp_header_write(pkt, st.marker, (unsigned)d->pt, st.seq, st.ts, s->out.ssrc);
	memcpy(pkt + RTP_HEADER_LEN, payload, RTP_DTMF_PAYLOAD);
	rtp_session_send_locked(s, dest, pkt, RTP_HEADER_LEN + RTP_DTMF_PAYLOAD);
}

/* The format our audio goes out in: the last written, else SDP's first. */
static const struct ly_format *audio_format(const struct rtp_session *s)
{
	if (s->cached_fmt)
		return s->cached_fmt;
	for (unsigned pt = 0; pt < 128; pt++)
		if (s->pt_fmt[pt])
			return s->pt_fmt[pt];
	return NULL;
}

static void send_tone(struct rtp_session *s, uint8_t *pkt, bool first, bool silent)
{
	struct rtp_dtmf_state *d = s->dtmf;
	const struct ly_format *slin = ly_format_find("slin"), *fmt = audio_format(s);
	int16_t samples[TICK_SAMPLES] = { 0 };
	struct ly_frame *lin, *out = NULL;

	if (!slin || !fmt)
		return;
	if (first)
		ly_dtmf_gen_init(&d->gen, d->tx.digit, TONE_DBFS);
	if (!silent)
		ly_dtmf_gen_fill(&d->gen, samples, TICK_SAMPLES);
	lin = ly_frame_voice_new(slin, TICK_SAMPLES, samples, sizeof(samples));
	if (fmt != slin && d->from_slin_dst != fmt) {
		ly_trans_path_free(d->from_slin);
		d->from_slin = ly_trans_path_new(slin, fmt);
		d->from_slin_dst = fmt;
	}
	if (fmt == slin)
		out = ly_frame_dup(lin);
	else if (d->from_slin)
		out = ly_trans_path_run(d->from_slin, lin);
	if (out)
		rtp_session_send_frame_locked(s, out, pkt);
	ly_frame_free(out);
	ly_frame_free(lin);
}

bool rtp_dtmf_tick_locked(struct rtp_session *s, uint8_t *pkt)
{
	struct rtp_dtmf_state *d = s->dtmf;
	uint8_t payload[RTP_DTMF_PAYLOAD];
	bool first, last;

	/* Idle first, from the session's own hot line: this runs every 20 ms
	 * on every session, and reading the clock, or even d, was most of
	 * its cost. */
	if (!s->dtmf_sending)
		return false;
	if (!can_send(d) || !rtp_dtmf_tx_busy(&d->tx)) {
		s->dtmf_sending = false;
		return false;
	}
	if (!rtp_dtmf_tx_tick(&d->tx, d->clock / 50, ly_now_ms(), payload, &first, &last))
		return false;
	if (d->mode == LY_RTP_DTMF_RFC4733)
		send_event(s, pkt, payload, first, last);
	else
		send_tone(s, pkt, first, payload[1] & 0x80);	/* the end: a gap */
	return true;
}

void rtp_dtmf_free(struct rtp_session *s)
{
	if (!s->dtmf)
		return;
	ly_trans_path_free(s->dtmf->to_slin);
	ly_trans_path_free(s->dtmf->from_slin);
	free(s->dtmf);
	s->dtmf = NULL;
}
