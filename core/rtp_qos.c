/* core/rtp_qos.c - a call's RTP figures as channel variables (RTPAUDIOQOS) and a log line. */
/*
 * The names and the format are Asterisk's, so dialplans and a future CDR
 * module read them as they would there: RTPAUDIOQOS carries everything,
 * RTPAUDIOQOSJITTER / LOSS / RTT the three summaries.  They are set before
 * the `h` extension runs (core/pbx_run.c) and when the driver learns of the
 * far end's hangup, from the session the driver gives (tech get_rtp).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/rtp.h"

static double us_to_s(int64_t us)
{
	return us < 0 ? 0.0 : (double)us / 1e6;
}

void ly_rtp_stats_qos(const struct ly_rtp_stats *st, char *buf, size_t len)
{
	snprintf(buf, len,
		 "ssrc=%" PRIu32 ";themssrc=%" PRIu32 ";lp=%" PRId64 ";rxjitter=%.6f;rxcount=%" PRIu64
		 ";txjitter=%.6f;txcount=%" PRIu64 ";rlp=%" PRId64 ";rtt=%.6f",
		 st->ssrc_out, st->ssrc_in, st->lost_in, us_to_s(st->jitter_in_us), st->packets_in,
		 us_to_s(st->jitter_out_us), st->packets_out, st->have_report ? st->lost_out : 0,
		 us_to_s(st->rtt_us));
}

/* Loss as a percentage of what was expected. */
static double loss_pct(int64_t lost, uint64_t expected)
{
	return expected && lost > 0 ? 100.0 * (double)lost / (double)expected : 0.0;
}

void ly_rtp_chan_set_qos(struct ly_channel *chan)
{
	const struct ly_chan_tech *tech = chan ? ly_chan_tech(chan) : NULL;
	struct ly_rtp *rtp = tech && tech->get_rtp ? tech->get_rtp(chan) : NULL;
	struct ly_rtp_stats st;
	char qos[320], v[128], old[8];

	if (!rtp || ly_rtp_get_stats(rtp, &st) || ly_chan_var_get(chan, "RTPAUDIOQOS", old, sizeof(old)))
		return;	/* no media, or set already (the far end's BYE came first) */
	ly_rtp_stats_qos(&st, qos, sizeof(qos));
	ly_chan_var_set(chan, "RTPAUDIOQOS", qos);
	snprintf(v, sizeof(v), "minrxjitter=%.6f;maxrxjitter=%.6f;avgrxjitter=%.6f",
		 us_to_s(st.jitter_in_us), us_to_s(st.jitter_in_us), us_to_s(st.jitter_in_us));
	ly_chan_var_set(chan, "RTPAUDIOQOSJITTER", v);
	snprintf(v, sizeof(v), "lp=%" PRId64 ";loss_pct=%.2f;rlp=%" PRId64, st.lost_in,
		 loss_pct(st.lost_in, st.expected_in), st.have_report ? st.lost_out : 0);
	ly_chan_var_set(chan, "RTPAUDIOQOSLOSS", v);
	snprintf(v, sizeof(v), "rtt=%.6f", us_to_s(st.rtt_us));
	ly_chan_var_set(chan, "RTPAUDIOQOSRTT", v);
	if (st.rtt_us < 0)
		snprintf(v, sizeof(v), "n/a");
	else
		snprintf(v, sizeof(v), "%.1f ms", st.rtt_us / 1000.0);
	ly_notice("RTP %s: in %" PRIu64 " pkts lost %" PRId64 " (%.2f%%) jitter %.1f ms; out %" PRIu64
		  " pkts, far end lost %" PRId64 " jitter %.1f ms; rtt %s; rtcp %" PRIu64 "/%" PRIu64
		  "%s",
		  ly_chan_name(chan), st.packets_in, st.lost_in, loss_pct(st.lost_in, st.expected_in),
		  st.jitter_in_us / 1000.0, st.packets_out, st.have_report ? st.lost_out : 0,
		  st.jitter_out_us / 1000.0, v, st.rtcp_in, st.rtcp_out, st.rtcp_mux ? " (mux)" : "");
}
