/* modules/res_rtp/rtp_rtcp_io.c - a session's RTCP: its timer, reports sent and received, statistics. */
/*
 * Lyre is the RTP end point of every leg, relayed or not, so each session
 * terminates RTCP itself: it reports on the one source it receives and
 * reads the far end's reports on its own stream; nothing is forwarded to
 * the other leg of a relay (whose far end knows nothing of this one).
 *
 * The next report's time is an entry in the session's worker's schedule
 * (rtp_worker_report_at: one timerfd per worker, not per session), set
 * again after each report at the §6.3.1 interval: with two members and G.711's bandwidth that is always the
 * 5 s minimum (2.5 s for the first), spread 0.5-1.5 times at random.
 *
 * RTCP goes to the odd port (or a=rtcp's), or with RTCP-mux (RFC 5761) to
 * the RTP address from the RTP socket.  Received RTCP is taken on either
 * socket: on the RTP one a packet type 64-95 is RTCP (§4), so a peer
 * that muxes is understood whatever it was told.  With SRTP every packet
 * goes through SRTCP (RFC 3711 §3.4) with the leg's keys.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lyre/lyre.h>

#include "res_rtp.h"
#include "rtp_rtcp.h"
#include "rtp_rtcp_io.h"
#include "rtp_session_int.h"

/* RTCP's share (§6.2: 5 %) of a G.711 call's ~80 kbit/s, in bytes/s. */
#define RTCP_BW 500.0
#define UDP_IP_OVERHEAD 28
#define RTCP_BUF 512

struct rtp_rtcp_state {
	struct rtp_report report;	/* our entry in the worker's schedule */
	struct rtcp_rx rx;
	bool mux;
	unsigned remote_port;		/* 0: RTP port + 1 */
	bool initial;			/* no report sent yet */
	double avg_size;		/* §6.3.3 avg_rtcp_size, with UDP/IP */
	uint64_t packets_at_report;	/* packets_out at our last report */
	bool peer_sends;		/* an SR came since our last report */
	struct sockaddr_storage src;	/* where the peer's RTCP comes from */
	bool have_src;
	char cname[RTCP_CNAME_MAX];
};

/* ---- time ---- */

/* Now on a clock's scale, for §A.8 arrival times (wraps like timestamps). */
static uint32_t arrival_units(uint32_t clock)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * clock + (uint64_t)ts.tv_nsec * clock / 1000000000u);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void arm(struct rtp_session *s)
{
	struct rtp_rtcp_state *st = s->rtcpst;
	double rnd = (double)rtp_random32() / 4294967296.0;
	double secs = rtcp_interval(2, 2, RTCP_BW, true, st->avg_size, st->initial, rnd);

	rtp_worker_report_at(s->worker, &st->report, mono_ns() + (uint64_t)(secs * 1e9));
}

/* ---- life ---- */

int rtp_rtcp_attach(struct rtp_session *s)
{
	struct rtp_rtcp_state *st = ly_calloc(1, sizeof(*st));

	st->report = (struct rtp_report){ .session = s, .slot = RTP_REPORT_IDLE };
	st->initial = true;
	st->avg_size = 100;	/* a first guess; §6.3.2 uses the probable size */
	snprintf(st->cname, sizeof(st->cname), "%08x%08x@lyre", rtp_random32(), rtp_random32());
	s->rtcpst = st;
	return 0;
}

void rtp_rtcp_start(struct rtp_session *s)
{
	arm(s);
}

void rtp_rtcp_stop_locked(struct rtp_session *s)
{
	if (s->rtcpst && s->worker)
		rtp_worker_report_cancel(s->worker, &s->rtcpst->report);
}

void rtp_rtcp_detach(struct rtp_session *s)
{
	if (!s->rtcpst)
		return;
	rtp_rtcp_stop_locked(s);	/* already done by a close; this covers the rest */
	free(s->rtcpst);
	s->rtcpst = NULL;
}

int rtp_rtcp_set(struct rtp_session *s, bool mux, unsigned remote_port)
{
	pthread_mutex_lock(&s->lock);
	s->rtcpst->mux = mux;
	s->rtcpst->remote_port = remote_port;
	pthread_mutex_unlock(&s->lock);
	ly_debug(2, "RTP port %u: RTCP %s", s->port, mux ? "muxed on the RTP port" : "on its own port");
	return 0;
}

/* ---- sending ---- */

static unsigned addr_port(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
					 : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void addr_port_set(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* Where RTCP goes: the RTP destination (mux), the learnt RTCP source
 * (symmetric), else the SDP's RTCP port.  False when nowhere yet. */
static bool destination(struct rtp_session *s, struct sockaddr_storage *out)
{
	const struct rtp_rtcp_state *st = s->rtcpst;
	const struct sockaddr_storage *rtp = rtp_session_destination(s);

	if (!rtp)
		return false;
	*out = *rtp;
	if (st->mux)
		return true;
	if (s->symmetric && st->have_src) {
		*out = st->src;
		return true;
	}
	addr_port_set(out, rtp == &s->remote && st->remote_port ? st->remote_port
								 : addr_port(rtp) + 1);
	return true;
}

/* Our RTP timestamp now: the last one sent plus the time since (§6.4.1). */
static uint32_t rtp_ts_now(const struct rtp_session *s, uint64_t now_ms)
{
	unsigned clock = s->cached_fmt ? rtp_format_clock(s->cached_fmt) : 8000;

	return s->out.ts + (uint32_t)((now_ms - s->out.sent_ms) * clock / 1000);
}

static size_t build_locked(struct rtp_session *s, uint8_t *buf, bool bye)
{
	struct rtp_rtcp_state *st = s->rtcpst;
	uint64_t now_ms = ly_now_ms();
	struct rtcp_report r = {
		.ssrc = s->out.ssrc,
		.sr = s->packets_out > st->packets_at_report,
		.cname = st->cname,
		.bye = bye,
	};

	if (r.sr) {
		r.ntp = rtcp_ntp_now();
		r.rtp_ts = rtp_ts_now(s, now_ms);
		r.packets = (uint32_t)s->packets_out;
		/* Payload octets: what we sent less the RTP headers. */
		r.octets = (uint32_t)(s->bytes_out - RTP_HEADER_LEN * s->packets_out);
	}
	if (st->rx.active) {
		rtcp_rx_block(&st->rx, now_ms, &r.blocks[0]);
		r.nblocks = 1;
	}
	st->packets_at_report = s->packets_out;
	return rtcp_build(buf, RTCP_BUF, &r);
}

static void send_locked(struct rtp_session *s, bool bye)
{
	struct rtp_rtcp_state *st = s->rtcpst;
	uint8_t buf[RTCP_BUF + RTP_SRTP_TRAILER];
	struct sockaddr_storage dest;
	size_t len;

	if (!destination(s, &dest))
		return;
	len = build_locked(s, buf, bye);
	if (!len)
		return;
	/* §6.3.3: the average counts what goes on the wire. */
	st->avg_size = (len + UDP_IP_OVERHEAD) / 16.0 + st->avg_size * 15 / 16.0;
	st->initial = false;
	if (s->srtp && rtp_srtp_protect_rtcp(s->srtp, buf, &len))
		return;
	if (sendto(st->mux ? s->rtp_fd : s->rtcp_fd, buf, len, 0, (struct sockaddr *)&dest,
		   rtp_addr_len((struct sockaddr *)&dest)) == (ssize_t)len)
		s->stats.rtcp_out++;
}

void rtp_rtcp_on_timer(struct rtp_session *s)
{
	pthread_mutex_lock(&s->lock);
	if (!s->closed) {
		send_locked(s, false);
		s->rtcpst->peer_sends = false;
		arm(s);
	}
	pthread_mutex_unlock(&s->lock);
}

void rtp_rtcp_bye_locked(struct rtp_session *s)
{
	/* §6.3.7: a BYE only from a session that took part. */
	if (s->rtcpst && (s->packets_out || s->stats.rtcp_out))
		send_locked(s, true);
}

/* ---- receiving ---- */

void rtp_rtcp_on_rtp_locked(struct rtp_session *s, const struct rtp_header *h,
			    const struct ly_format *fmt, bool event)
{
	unsigned clock = fmt ? rtp_format_clock(fmt) : rtp_pt_clock(h->pt);

	rtcp_rx_packet(&s->rtcpst->rx, h->ssrc, h->seq, h->ts, arrival_units(clock), clock,
		       !event);
}

static void apply_locked(struct rtp_session *s, const struct rtcp_parsed *p)
{
	struct rtp_rtcp_state *st = s->rtcpst;
	unsigned clock = s->cached_fmt ? rtp_format_clock(s->cached_fmt) : 8000;

	if (p->sr && (!st->rx.active || p->ssrc == st->rx.ssrc)) {
		st->rx.lsr = rtcp_ntp_mid(p->ntp);
		st->rx.lsr_ms = ly_now_ms();
		st->peer_sends = true;
	}
	if (p->have_block) {
		int64_t rtt = rtcp_rtt_us(rtcp_ntp_mid(rtcp_ntp_now()), p->block.lsr,
					  p->block.dlsr);

		s->stats.have_report = true;
		s->stats.lost_out = p->block.lost;
		s->stats.fraction_out = p->block.fraction;
		s->stats.jitter_out_us = (uint32_t)((uint64_t)p->block.jitter * 1000000 / clock);
		if (rtt >= 0)
			s->stats.rtt_us = rtt;
	}
	if (p->bye)
		ly_debug(1, "RTP port %u: RTCP BYE from %08x", s->port, p->ssrc);
}

/* The same host, any port: RTCP comes from another port than RTP. */
static bool same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

void rtp_rtcp_receive(struct rtp_sock *sock, uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *from)
{
	struct rtp_session *s = sock->session;
	struct rtcp_parsed p;
	int err;

	pthread_mutex_lock(&s->lock);
	if (s->closed || len > RTP_MAX_PACKET)
		goto out;
	/* Strict RTP: reports only from the host whose media we locked on,
	 * so a stranger cannot feed us a false round trip or loss. */
	if (s->strict && s->have_source && !same_host(from, &s->source)) {
		s->stats.rtcp_bad++;
		goto out;
	}
	if (s->srtp) {
		err = rtp_srtp_unprotect_rtcp(s->srtp, pkt, &len);
		if (err) {
			s->stats.srtcp_fail++;
			goto out;
		}
	}
	if (rtcp_parse(pkt, len, s->out.ssrc, &p)) {
		s->stats.rtcp_bad++;
		goto out;
	}
	s->stats.rtcp_in++;
	if (sock->rtcp) {
		s->rtcpst->src = *from;
		s->rtcpst->have_src = true;
	}
	apply_locked(s, &p);
out:
	pthread_mutex_unlock(&s->lock);
}

/* ---- statistics ---- */

void rtp_rtcp_stats_locked(const struct rtp_session *s, struct ly_rtp_stats *out)
{
	const struct rtcp_rx *rx = &s->rtcpst->rx;

	out->expected_in = rtcp_rx_expected(rx);
	out->lost_in = rtcp_rx_lost(rx);
	out->jitter_in_us = rx->clock ? (uint32_t)((uint64_t)(rx->jitter >> 4) * 1000000 / rx->clock)
				       : 0;
	out->rtcp_mux = s->rtcpst->mux;
}
