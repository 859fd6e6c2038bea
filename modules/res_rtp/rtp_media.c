/* modules/res_rtp/rtp_media.c - packets in and out: frames, relay, generated media, source checks. */
/*
 * Which source a session listens to (rtp.conf strictrtp, RFC 4961 for
 * symmetric RTP), the rule this file implements:
 *
 *   - strictrtp=no: every packet with a valid header is taken, and with
 *     symmetric RTP we answer to wherever the latest one came from.
 *   - strictrtp=yes: the session learns one source and then locks on it;
 *     packets from anyone else are dropped and counted (dropped_source).
 *     A packet from the address SDP gave us is trusted at once.  Any
 *     other source (a phone behind NAT) must first send `probation`
 *     packets in a row with one SSRC and consecutive sequence numbers, as
 *     RFC 3550 §A.1 asks before a source is valid; until then its packets
 *     are dropped (dropped_learning).  This is Asterisk's strict RTP
 *     learning, and it stops an attacker who sprays the port range from
 *     taking a call's media with one lucky packet.
 *   - A locked source changes only when signalling says so: a new remote
 *     address (ly_rtp_set_remote, from a re-INVITE) restarts learning.  A
 *     silent source is never replaced by a stranger, since media can
 *     rightly pause for minutes (hold), which is when a hijack would work.
 *   - With symmetric RTP we send to the learnt source once there is one,
 *     else to the SDP address.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <lyre/lyre.h>

#include "res_rtp.h"
#include "rtp_dtmf.h"
#include "rtp_rtcp.h"
#include "rtp_rtcp_io.h"
#include "rtp_session_int.h"

/* Frames waiting on a channel nobody reads: 2 s of 20 ms packets. */
#define MAX_CHANNEL_QUEUE 100
/* Datagrams taken per readiness event before other sockets get a turn. */
#define READS_PER_EVENT 32

enum verdict { ACCEPT, FOREIGN, LEARNING };

_Static_assert(RTP_BUF_SIZE >= RTP_MAX_PACKET + RTP_SRTP_TRAILER, "room for SRTP's trailer");

/* ---- sending ---- */

/* Our PT for a format, or -1 when SDP gave it none.  The cache sits in
 * the session's hot lines; rtp_session_set_payload clears it. */
static int pt_for_format(struct rtp_session *s, const struct ly_format *fmt)
{
	if (s->cached_fmt == fmt)
		return (int)s->cached_pt;
	for (unsigned pt = 0; pt < 128; pt++) {
		if (s->pt_fmt[pt] == fmt) {
			s->cached_fmt = fmt;
			s->cached_pt = pt;
			return (int)pt;
		}
	}
	return -1;
}

/* pkt has RTP_SRTP_TRAILER bytes of room after len for SRTP's tag. */
void rtp_session_send_locked(struct rtp_session *s, const struct sockaddr_storage *dest,
			     uint8_t *pkt, size_t len)
{
	if (s->srtp && rtp_srtp_protect(s->srtp, pkt, &len))
		return;	/* libsrtp refuses only what it cannot stamp: nothing to send */
	if (sendto(s->rtp_fd, pkt, len, 0, (const struct sockaddr *)dest,
		   rtp_addr_len((const struct sockaddr *)dest)) == (ssize_t)len) {
		s->packets_out++;
		s->bytes_out += len;
	}
}

/* Stamp and send a voice frame; pkt has room for RTP_BUF_SIZE bytes. */
int rtp_session_send_frame_locked(struct rtp_session *s, const struct ly_frame *f, uint8_t *pkt)
{
	const struct sockaddr_storage *dest = rtp_session_destination(s);
	struct rtp_stamp st;
	unsigned clock;
	int pt;

	if (f->type != LY_FRAME_VOICE || !f->format)
		return EINVAL;
	if (f->datalen > RTP_MAX_PACKET - RTP_HEADER_LEN)
		return EMSGSIZE;
	pt = pt_for_format(s, f->format);
	if (pt < 0) {
		ly_debug(3, "RTP port %u: no payload type for %s", s->port, f->format->name);
		return EINVAL;
	}
	if (s->closed)
		return EPIPE;
	if (!dest)
		return 0;	/* early media before SDP told us where: nothing to do */
	clock = rtp_format_clock(f->format);
	rtp_out_local(&s->out, (unsigned)((uint64_t)f->samples * clock / f->format->rate), clock,
		      ly_now_ms(), &st);
	rtp_header_write(pkt, st.marker, (unsigned)pt, st.seq, st.ts, s->out.ssrc);
	memcpy(pkt + RTP_HEADER_LEN, f->data, f->datalen);
	rtp_session_send_locked(s, dest, pkt, RTP_HEADER_LEN + f->datalen);
	return 0;
}

int rtp_session_write(struct rtp_session *s, const struct ly_frame *f)
{
	uint8_t pkt[RTP_BUF_SIZE];
	int err;

	pthread_mutex_lock(&s->lock);
	/* A digit going out replaces the audio (rtp_dtmf_io.c). */
	err = rtp_dtmf_mutes_locked(s) ? 0 : rtp_session_send_frame_locked(s, f, pkt);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* A packet from the other leg: give it our stream's identity and send it. */
static void relay_into(struct rtp_session *s, uint8_t *pkt, size_t len,
		       const struct rtp_header *h, const struct ly_format *fmt, bool event)
{
	const struct sockaddr_storage *dest;
	struct rtp_stamp st;
	int pt;

	pthread_mutex_lock(&s->lock);
	dest = rtp_session_destination(s);
	if (!s->closed && dest) {
		/* Both legs may number the same codec differently (dynamic PTs). */
		pt = event ? rtp_dtmf_pt_locked(s) : fmt ? pt_for_format(s, fmt) : -1;
		rtp_out_relay(&s->out, h,
			      fmt ? rtp_format_clock(fmt) : event ? rtp_dtmf_clock_locked(s) : rtp_pt_clock(h->pt),
			      ly_now_ms(), &st);
		rtp_header_restamp(pkt, st.marker, pt >= 0 ? (unsigned)pt : h->pt, st.seq, st.ts,
				   s->out.ssrc);
		rtp_session_send_locked(s, dest, pkt, len);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- generated media ---- */

int rtp_session_set_generator(struct rtp_session *s, ly_rtp_generator gen, void *arg)
{
	bool keep_ticks;

	if (!gen)
		rtp_worker_tick(s->worker, s, false);	/* no tick runs once this returns */
	pthread_mutex_lock(&s->lock);
	if (gen && s->closed) {
		pthread_mutex_unlock(&s->lock);
		return EPIPE;
	}
	s->gen = gen;
	s->gen_arg = arg;
	/* The jitter buffer feeds the channel on these ticks: they go on
	 * after the generator, or the channel hears nothing more. */
	keep_ticks = !gen && rtp_jb_ticking_locked(s);
	pthread_mutex_unlock(&s->lock);
	if (gen || keep_ticks)
		rtp_worker_tick(s->worker, s, true);
	return 0;
}

int rtp_session_set_audio_tap(struct rtp_session *s, ly_rtp_audio_fn fn, void *arg)
{
	/* The tap runs under the session lock: once this returns, it is idle. */
	pthread_mutex_lock(&s->lock);
	s->tap = fn;
	s->tap_arg = arg;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* Hand f to the tap, if there is one (true: the channel does not get it). */
static bool tap_locked(struct rtp_session *s, const struct ly_frame *f)
{
	if (!s->tap || s->closed)
		return false;
	s->tap(s->tap_arg, f);
	return true;
}

void rtp_session_on_tick(struct rtp_session *s)
{
	uint8_t pkt[RTP_BUF_SIZE];
	struct ly_frame *f = NULL, *in = NULL;
	struct ly_channel *chan = NULL;
	bool tapped = false;

	pthread_mutex_lock(&s->lock);
	if (!s->closed && rtp_dtmf_tick_locked(s, pkt))
		;	/* a digit took this tick */
	else if (s->gen && !s->closed)
		f = s->gen(s->gen_arg);
	if (f)
		rtp_session_send_frame_locked(s, f, pkt);
	if (s->jb && !s->closed && (in = rtp_jb_tick_locked(s)) && s->chan) {
		chan = ly_ref(s->chan);
		tapped = tap_locked(s, in);
	}
	pthread_mutex_unlock(&s->lock);
	ly_frame_free(f);
	if (chan && tapped) {
		rtp_dtmf_on_audio(s, chan, in);	/* in-band digits still reach the channel */
	} else if (chan && ly_chan_queue_len(chan) < MAX_CHANNEL_QUEUE) {
		rtp_dtmf_on_audio(s, chan, in);	/* the jitter buffer's 20 ms */
		ly_chan_queue_frame(chan, in);
		in = NULL;
	} else if (chan) {
		pthread_mutex_lock(&s->lock);
		s->stats.dropped_queue++;	/* nobody reads the channel */
		pthread_mutex_unlock(&s->lock);
	}
	ly_unref(chan);
	ly_frame_free(in);
}

/* ---- receiving ---- */

static void lock_source(struct rtp_session *s, const struct sockaddr_storage *from)
{
	s->source = *from;
	s->have_source = true;
	s->cand_count = 0;
}

/* The rule at the top of this file. */
static enum verdict check_source(struct rtp_session *s, const struct sockaddr_storage *from,
				 const struct rtp_header *h)
{
	if (!s->strict) {
		lock_source(s, from);	/* follow the latest source */
		return ACCEPT;
	}
	if (s->have_source)
		return rtp_addr_equal(from, &s->source) ? ACCEPT : FOREIGN;
	if (s->have_remote && rtp_addr_equal(from, &s->remote)) {
		lock_source(s, from);
		return ACCEPT;
	}
	if (s->cand_count && rtp_addr_equal(from, &s->cand) && h->ssrc == s->cand_ssrc &&
	    h->seq == (uint16_t)(s->cand_seq + 1)) {
		s->cand_count++;
	} else {
		s->cand = *from;
		s->cand_ssrc = h->ssrc;
		s->cand_count = 1;
	}
	s->cand_seq = h->seq;
	if (s->cand_count < s->probation)
		return LEARNING;
	ly_debug(1, "RTP port %u: strict RTP learnt a source after %u packets", s->port,
		 s->probation);
	lock_source(s, from);
	return ACCEPT;
}

/* Decide under the lock what becomes of a packet; the sending and queueing
 * happen after it, with references taken here. */
static void triage(struct rtp_session *s, size_t len, const struct sockaddr_storage *from,
		   const struct rtp_header *h, bool valid, struct rtp_session **peer,
		   struct ly_channel **chan, const struct ly_format **fmt, bool *event)
{
	enum verdict v;

	if (s->closed)
		return;
	if (!valid) {
		s->stats.dropped_header++;
		return;
	}
	v = check_source(s, from, h);
	if (v != ACCEPT) {
		if (v == FOREIGN)
			s->stats.dropped_source++;
		else
			s->stats.dropped_learning++;
		return;
	}
	s->stats.packets_in++;
	s->stats.bytes_in += len;
	s->stats.ssrc_in = h->ssrc;
	*fmt = s->pt_fmt[h->pt];
	*event = rtp_dtmf_is_event_locked(s, h->pt);
	rtp_rtcp_on_rtp_locked(s, h, *fmt, *event);
	if (s->peer) {
		*peer = ly_ref(s->peer);
		s->stats.relayed++;
	} else if (s->chan && h->payload_len) {
		if (*fmt || *event)
			*chan = ly_ref(s->chan);
		else
			s->stats.dropped_payload++;
	}
}

static void to_channel(struct rtp_session *s, struct ly_channel *chan, const uint8_t *pkt,
		       const struct rtp_header *h, const struct ly_format *fmt)
{
	const uint8_t *payload = pkt + h->payload_off;
	struct ly_frame *f;
	bool tapped;

	/* The queue length is read outside our lock: the channel's lock
	 * comes before a driver's private locks (core/README.md).  A tapped
	 * session's voice does not go to the queue. */
	pthread_mutex_lock(&s->lock);
	tapped = s->tap != NULL;
	pthread_mutex_unlock(&s->lock);
	if (!tapped && ly_chan_queue_len(chan) >= MAX_CHANNEL_QUEUE) {
		pthread_mutex_lock(&s->lock);
		s->stats.dropped_queue++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	f = ly_frame_voice_new(fmt, fmt->samples(payload, h->payload_len), payload,
			       h->payload_len);
	f->ts = h->ts;
	f->seqno = h->seq;
	if (rtp_jb_take(s, f, h))
		return;	/* it comes out on the tick (rtp_session_on_tick) */
	pthread_mutex_lock(&s->lock);
	tapped = tap_locked(s, f);
	pthread_mutex_unlock(&s->lock);
	rtp_dtmf_on_audio(s, chan, f);
	if (tapped)
		ly_frame_free(f);
	else
		ly_chan_queue_frame(chan, f);
}

/*
 * SRTP (RFC 3711 §3.3): authenticate and decrypt before anything else
 * looks at the packet, so a forged one never counts as good, never moves
 * strict RTP's learning and never reaches the other leg.  On an SRTP
 * session whatever does not authenticate - garbage that is not even RTP
 * included - is an authentication failure (libsrtp checks the replay
 * window first, so an old sequence number counts as a replay).  False when
 * the packet was dropped and counted; else pkt, *len and *h are the plain
 * RTP.  `len` is at most RTP_MAX_PACKET, so the buffer has the room.
 */
static bool srtp_receive_locked(struct rtp_session *s, uint8_t *pkt, size_t *len,
				struct rtp_header *h, bool *valid)
{
	int err;

	if (!s->srtp || s->closed)
		return true;
	err = rtp_srtp_unprotect(s->srtp, pkt, len);
	if (err == EALREADY)
		s->stats.srtp_replay++;
	else if (err)
		s->stats.srtp_auth_fail++;
	else
		*valid = rtp_header_parse(pkt, *len, h) == 0;	/* triage counts a bad one */
	return !err;
}

static void receive_packet(struct rtp_session *s, uint8_t *pkt, size_t len,
			   const struct sockaddr_storage *from)
{
	struct rtp_header h;
	bool valid = len <= RTP_MAX_PACKET && rtp_header_parse(pkt, len, &h) == 0;
	struct rtp_session *peer = NULL;
	struct ly_channel *chan = NULL;
	const struct ly_format *fmt = NULL;
	bool event = false;

	pthread_mutex_lock(&s->lock);
	if (len <= RTP_MAX_PACKET && !srtp_receive_locked(s, pkt, &len, &h, &valid)) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	triage(s, len, from, &h, valid, &peer, &chan, &fmt, &event);
	pthread_mutex_unlock(&s->lock);
	if (peer) {
		relay_into(peer, pkt, len, &h, fmt, event);
		ly_unref(peer);
	} else if (chan && event) {
		rtp_dtmf_receive(s, chan, pkt, &h);
		ly_unref(chan);
	} else if (chan) {
		to_channel(s, chan, pkt, &h, fmt);
		ly_unref(chan);
	}
}

/* Late media of an ended call on a parked pair (rtp_pair.c): read, counted, dropped. */
static void drain_parked(int fd, uint8_t *buf)
{
	for (int i = 0; i < READS_PER_EVENT; i++) {
		if (recv(fd, buf, RTP_MAX_PACKET, MSG_TRUNC) < 0)
			return;
		rtp_park_dropped();
	}
}

void rtp_session_readable(struct rtp_sock *sock, uint8_t *buf)
{
	/* Only this worker clears the session (when it parks the pair), so
	 * one that is set stays set for the whole call. */
	if (!atomic_load(&sock->session)) {
		drain_parked(sock->fd, buf);
		return;
	}
	for (int i = 0; i < READS_PER_EVENT; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		/* MSG_TRUNC: the real length, so an oversized datagram is seen
		 * as such and dropped instead of parsed cut short. */
		ssize_t n = recvfrom(sock->fd, buf, RTP_MAX_PACKET, MSG_TRUNC,
				     (struct sockaddr *)&from, &fromlen);

		if (n < 0)
			return;	/* EAGAIN: drained; anything else: next event */
		/* RFC 5761 §4: on the RTP port, packet types 64-95 are RTCP. */
		if (sock->rtcp || rtcp_is_rtcp(buf, (size_t)n))
			rtp_rtcp_receive(sock, buf, (size_t)n, &from);
		else
			receive_packet(sock->session, buf, (size_t)n, &from);
	}
}
