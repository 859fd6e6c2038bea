/* modules/res_rtp/rtp_cli.c - `rtp show settings` and `rtp show stats`. */
#include <inttypes.h>
#include <stdio.h>

#include <lyre/lyre.h>

#include "res_rtp.h"

static enum ly_cli_result show_settings(struct ly_cli_args *a)
{
	struct rtp_settings s;
	struct rtp_park_stats park;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	rtp_settings_get(&s);
	ly_cli_print(a, "RTP settings:\n");
	ly_cli_print(a, "  Port range:       %u-%u\n", s.port_start, s.port_end);
	ly_cli_print(a, "  Free port pairs:  %u\n", rtp_ports_free_pairs());
	rtp_park_stats(&park);
	if (park.capacity)
		ly_cli_print(a, "  Port reuse:       after %u ms; %zu of at most %zu pairs parked, %" PRIu64
			     " late packets dropped on them\n", park.reuse_ms, rtp_workers_parked(),
			     park.capacity, park.dropped);
	else
		ly_cli_print(a, "  Port reuse:       off (every pair closed at once)\n");
	ly_cli_print(a, "  Strict RTP:       %s\n", s.strict ? "Yes" : "No");
	ly_cli_print(a, "  Probation:        %u packets\n", s.probation);
	ly_cli_print(a, "  Media workers:    %u\n", rtp_workers_count());
	if (s.jb_enable)
		ly_cli_print(a, "  Jitter buffer:    adaptive, at most %u ms\n", s.jb_max_ms);
	else
		ly_cli_print(a, "  Jitter buffer:    off\n");
	ly_cli_print(a, "  Sessions:         %u\n", rtp_session_count());
	return LY_CLI_SUCCESS;
}

/* A column's worth of the suite in force. */
static const char *srtp_short(enum ly_srtp_suite s)
{
	switch (s) {
	case LY_SRTP_AES_CM_128_HMAC_SHA1_80:
		return "cm80";
	case LY_SRTP_AES_CM_128_HMAC_SHA1_32:
		return "cm32";
	case LY_SRTP_AEAD_AES_128_GCM:
		return "g128";
	case LY_SRTP_AEAD_AES_256_GCM:
		return "g256";
	default:
		return "-";
	}
}

/* Lost as a percentage of expected (RFC 3550 §A.3), 0 before any packet. */
static double loss_pct(const struct ly_rtp_stats *st)
{
	return st->expected_in && st->lost_in > 0 ? 100.0 * (double)st->lost_in / (double)st->expected_in
						  : 0.0;
}

/* "12.3" or "-" when unknown. */
static const char *ms_or_dash(int64_t us, char *buf, size_t len)
{
	if (us < 0)
		return "-";
	snprintf(buf, len, "%.1f", (double)us / 1000.0);
	return buf;
}

static void print_session(const struct rtp_session_view *v, void *arg)
{
	struct ly_cli_args *a = arg;
	const struct ly_rtp_stats *st = &v->stats;
	char rtt[24], rjit[24];

	ly_cli_print(a, "%-22s %-22s %-5s %08" PRIx32 " %08" PRIx32 " %9" PRIu64 " %11" PRIu64
		     " %9" PRIu64 " %11" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 " %9" PRIu64
		     " %-4s %8" PRIu64 " %7" PRIu64 " %6" PRIu64 " %6" PRIu64 " %-3s %6.2f %7.1f %7s %8s %7" PRIu64 "\n",
		     v->local, v->remote, v->relayed ? "relay" : (v->symmetric ? "sym" : "-"),
		     st->ssrc_out, st->ssrc_in, st->packets_in, st->bytes_in, st->packets_out,
		     st->bytes_out, st->dropped_header, st->dropped_source,
		     st->dropped_learning + st->dropped_payload + st->dropped_queue, st->relayed,
		     srtp_short(v->srtp), st->srtp_auth_fail, st->srtp_replay, st->rtcp_in,
		     st->rtcp_out, st->rtcp_mux ? "mux" : "-", loss_pct(st), st->jitter_in_us / 1000.0,
		     ms_or_dash(st->rtt_us, rtt, sizeof(rtt)),
		     ms_or_dash(st->have_report ? (int64_t)st->jitter_out_us : -1, rjit, sizeof(rjit)),
		     st->rtcp_bad + st->srtcp_fail);
}

static enum ly_cli_result show_stats(struct ly_cli_args *a)
{
	unsigned n;

	if (a->argc != a->cmd_words)
		return LY_CLI_SHOWUSAGE;
	ly_cli_print(a, "%-22s %-22s %-5s %-8s %-8s %9s %11s %9s %11s %7s %7s %7s %9s %-4s %8s %7s"
		     " %6s %6s %-3s %6s %7s %7s %8s %7s\n",
		     "Local", "Remote", "Mode", "SSRC out", "SSRC in", "Pkts in", "Bytes in",
		     "Pkts out", "Bytes out", "BadHdr", "Foreign", "Other", "Relayed", "SRTP",
		     "AuthFail", "Replay", "RTCPin", "RTCPout", "Mux", "Loss%", "Jitter", "RTT",
		     "RJitter", "RTCPbad");
	rtp_session_foreach(print_session, a);
	n = rtp_session_count();
	ly_cli_print(a, "%u RTP session%s\n", n, n == 1 ? "" : "s");
	return LY_CLI_SUCCESS;
}

static const struct ly_cli_command commands[] = {
	{
		.command = "rtp show settings",
		.summary = "Show RTP settings",
		.usage = "Usage: rtp show settings\n"
			 "  Shows the port range, strict RTP, probation and media workers.\n",
		.handler = show_settings,
	},
	{
		.command = "rtp show stats",
		.summary = "Show RTP session counters",
		.usage = "Usage: rtp show stats\n"
			 "  One line per RTP session: addresses, SSRCs, packets and bytes in\n"
			 "  and out, packets dropped for a bad header (BadHdr), for a foreign\n"
			 "  source under strict RTP (Foreign), or otherwise (Other: source on\n"
			 "  probation, unknown payload type, channel queue full), and relayed.\n"
			 "  SRTP: the suite in force (cm80, cm32, g128, g256; - for plain RTP),\n"
			 "  with packets dropped for failed authentication (AuthFail: forged,\n"
			 "  damaged or not SRTP at all) and replays (Replay, RFC 3711 §3.3.2).\n"
			 "  RTCP (RFC 3550): compound packets received and sent (RTCPin,\n"
			 "  RTCPout), mux when RTCP shares the RTP port (RFC 5761), the loss of\n"
			 "  what we receive in % (Loss%) and its interarrival jitter in ms\n"
			 "  (Jitter), the round trip from the far end's reports in ms (RTT, -\n"
			 "  until known) and the jitter the far end reports on our stream\n"
			 "  (RJitter, ms), and RTCP dropped (RTCPbad: failed the RFC 3550\n"
			 "  §A.2 checks, or SRTCP authentication or replay).\n",
		.handler = show_stats,
	},
};

int rtp_cli_register(struct ly_module *self)
{
	return ly_cli_register_multiple(self, commands, LY_ARRAY_LEN(commands));
}
