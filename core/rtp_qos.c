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

#include "lyre/channel.h"
#include "lyre/log.h"
#include "lyre/rtp.h"
#include "lyre/utils.h"

/*
 * The text is put together with ly_buf's appends, not printf: printf,
 * integer or floating, was a tenth of the instructions of a whole call at
 * hangup (bench/sip-icount.sh).
 */
static void put_int(struct ly_buf *b, int64_t v)
{
	if (v < 0)
		ly_buf_puts(b, "-");
	ly_buf_append_uint(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* v / 10^shift with `digits` decimals (1 <= digits <= shift), rounded
 * half up: what %.Nf printed of the same quotient. */
static void put_fixed(struct ly_buf *b, int64_t v, unsigned shift, unsigned digits)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, div = 1, unit = 1;
	char frac[LY_UINT_DIGITS];
	size_t n;
	const char *d;

	for (unsigned i = digits; i < shift; i++)
		div *= 10;
	for (unsigned i = 0; i < digits; i++)
		unit *= 10;
	mag = mag / div + (div > 1 && mag % div >= div / 2);
	if (v < 0 && mag)
		ly_buf_puts(b, "-");
	ly_buf_append_uint(b, mag / unit);
	ly_buf_puts(b, ".");
	d = ly_uint_digits(mag % unit, frac, &n);
	for (size_t i = n; i < digits; i++)
		ly_buf_puts(b, "0");
	ly_buf_append(b, d, n);
}

/* Microseconds as seconds, six decimals as Asterisk prints them; 0 when unknown. */
static void put_seconds(struct ly_buf *b, int64_t us)
{
	put_fixed(b, us < 0 ? 0 : us, 6, 6);
}

static void qos_text(struct ly_buf *b, const struct ly_rtp_stats *st)
{
	ly_buf_puts(b, "ssrc=");
	ly_buf_append_uint(b, st->ssrc_out);
	ly_buf_puts(b, ";themssrc=");
	ly_buf_append_uint(b, st->ssrc_in);
	ly_buf_puts(b, ";lp=");
	put_int(b, st->lost_in);
	ly_buf_puts(b, ";rxjitter=");
	put_seconds(b, st->jitter_in_us);
	ly_buf_puts(b, ";rxcount=");
	ly_buf_append_uint(b, st->packets_in);
	ly_buf_puts(b, ";txjitter=");
	put_seconds(b, st->jitter_out_us);
	ly_buf_puts(b, ";txcount=");
	ly_buf_append_uint(b, st->packets_out);
	ly_buf_puts(b, ";rlp=");
	put_int(b, st->have_report ? st->lost_out : 0);
	ly_buf_puts(b, ";rtt=");
	put_seconds(b, st->rtt_us);
}

void ly_rtp_stats_qos(const struct ly_rtp_stats *st, char *buf, size_t len)
{
	struct ly_buf b;

	ly_buf_init(&b);
	qos_text(&b, st);
	ly_strlcpy(buf, ly_buf_str(&b), len);
	ly_buf_free(&b);
}

/* Loss as a percentage of what was expected, two decimals. */
static void put_loss_pct(struct ly_buf *b, int64_t lost, uint64_t expected)
{
	uint64_t hundredths = 0;

	if (expected && lost > 0)
		hundredths = ((uint64_t)lost * 10000 + expected / 2) / expected;
	put_fixed(b, (int64_t)hundredths, 2, 2);
}

/* The value of one variable, and the buffer emptied for the next. */
static void set_var(struct ly_channel *chan, const char *name, struct ly_buf *b)
{
	ly_chan_var_set(chan, name, ly_buf_str(b));
	ly_buf_reset(b);
}

/* RTPAUDIOQOS and its three companions, as Asterisk names and fills them. */
static void set_vars(struct ly_channel *chan, const struct ly_rtp_stats *st, struct ly_buf *b)
{
	qos_text(b, st);
	set_var(chan, "RTPAUDIOQOS", b);
	/* One figure kept, so minimum, maximum and average are the same. */
	ly_buf_puts(b, "minrxjitter=");
	put_seconds(b, st->jitter_in_us);
	ly_buf_puts(b, ";maxrxjitter=");
	put_seconds(b, st->jitter_in_us);
	ly_buf_puts(b, ";avgrxjitter=");
	put_seconds(b, st->jitter_in_us);
	set_var(chan, "RTPAUDIOQOSJITTER", b);
	ly_buf_puts(b, "lp=");
	put_int(b, st->lost_in);
	ly_buf_puts(b, ";loss_pct=");
	put_loss_pct(b, st->lost_in, st->expected_in);
	ly_buf_puts(b, ";rlp=");
	put_int(b, st->have_report ? st->lost_out : 0);
	set_var(chan, "RTPAUDIOQOSLOSS", b);
	ly_buf_puts(b, "rtt=");
	put_seconds(b, st->rtt_us);
	set_var(chan, "RTPAUDIOQOSRTT", b);
}

/* The log line at hangup, e.g. "in 1500 pkts lost 2 (0.13%) jitter 1.2 ms;
 * out 1500 pkts, far end lost 0 jitter 0.8 ms; rtt 0.4 ms; rtcp 3/3". */
static void log_qos(struct ly_channel *chan, const struct ly_rtp_stats *st, struct ly_buf *b)
{
	ly_buf_puts(b, "in ");
	ly_buf_append_uint(b, st->packets_in);
	ly_buf_puts(b, " pkts lost ");
	put_int(b, st->lost_in);
	ly_buf_puts(b, " (");
	put_loss_pct(b, st->lost_in, st->expected_in);
	ly_buf_puts(b, "%) jitter ");
	put_fixed(b, st->jitter_in_us, 3, 1);
	ly_buf_puts(b, " ms; out ");
	ly_buf_append_uint(b, st->packets_out);
	ly_buf_puts(b, " pkts, far end lost ");
	put_int(b, st->have_report ? st->lost_out : 0);
	ly_buf_puts(b, " jitter ");
	put_fixed(b, st->jitter_out_us, 3, 1);
	ly_buf_puts(b, " ms; rtt ");
	if (st->rtt_us < 0) {
		ly_buf_puts(b, "n/a");
	} else {
		put_fixed(b, st->rtt_us, 3, 1);
		ly_buf_puts(b, " ms");
	}
	ly_buf_puts(b, "; rtcp ");
	ly_buf_append_uint(b, st->rtcp_in);
	ly_buf_puts(b, "/");
	ly_buf_append_uint(b, st->rtcp_out);
	ly_buf_puts(b, st->rtcp_mux ? " (mux)" : "");
	ly_notice("RTP %s: %s", ly_chan_name(chan), ly_buf_str(b));
	ly_buf_reset(b);
}

void ly_rtp_chan_set_qos(struct ly_channel *chan)
{
	const struct ly_chan_tech *tech = chan ? ly_chan_tech(chan) : NULL;
	struct ly_rtp *rtp = tech && tech->get_rtp ? tech->get_rtp(chan) : NULL;
	struct ly_rtp_stats st;
	struct ly_buf b;
	char old[8];

	if (!rtp || ly_rtp_get_stats(rtp, &st) || ly_chan_var_get(chan, "RTPAUDIOQOS", old, sizeof(old)))
		return;	/* no media, or set already (the far end's BYE came first) */
	ly_buf_init(&b);
	set_vars(chan, &st, &b);
	log_qos(chan, &st, &b);
	ly_buf_free(&b);
}
