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
#include "lyre/utils.h"

/*
 * The text is put together by hand: printf, integer or floating, was a
 * tenth of the instructions of a whole call at hangup (bench/sip-icount.sh).
 */
struct text {
	char *p, *end;		/* end: the last byte, kept for the NUL */
};

static void put_str(struct text *t, const char *s)
{
	while (*s && t->p < t->end)
		*t->p++ = *s++;
	*t->p = '\0';
}

static void put_u64(struct text *t, uint64_t v)
{
	char buf[LY_UINT_DIGITS + 1];
	size_t len;
	const char *d = ly_uint_digits(v, buf, &len);

	buf[LY_UINT_DIGITS] = '\0';
	put_str(t, d);
}

static void put_i64(struct text *t, int64_t v)
{
	if (v < 0)
		put_str(t, "-");
	put_u64(t, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* v / 10^shift with `digits` decimals (1 <= digits <= shift), rounded
 * half up: what %.Nf printed of the same quotient. */
static void put_fixed(struct text *t, int64_t v, unsigned shift, unsigned digits)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, div = 1, unit = 1;
	char frac[LY_UINT_DIGITS + 1];
	size_t len;
	const char *d;

	for (unsigned i = digits; i < shift; i++)
		div *= 10;
	for (unsigned i = 0; i < digits; i++)
		unit *= 10;
	mag = mag / div + (div > 1 && mag % div >= div / 2);
	if (v < 0 && mag)
		put_str(t, "-");
	put_u64(t, mag / unit);
	put_str(t, ".");
	d = ly_uint_digits(mag % unit, frac, &len);
	frac[LY_UINT_DIGITS] = '\0';
	for (; len < digits; len++)
		put_str(t, "0");
	put_str(t, d);
}

/* Microseconds as seconds, six decimals as Asterisk prints them; 0 when unknown. */
static void put_seconds(struct text *t, int64_t us)
{
	put_fixed(t, us < 0 ? 0 : us, 6, 6);
}

static struct text text_of(char *buf, size_t len)
{
	buf[0] = '\0';
	return (struct text){ buf, buf + len - 1 };
}

void ly_rtp_stats_qos(const struct ly_rtp_stats *st, char *buf, size_t len)
{
	struct text t = text_of(buf, len);

	put_str(&t, "ssrc=");
	put_u64(&t, st->ssrc_out);
	put_str(&t, ";themssrc=");
	put_u64(&t, st->ssrc_in);
	put_str(&t, ";lp=");
	put_i64(&t, st->lost_in);
	put_str(&t, ";rxjitter=");
	put_seconds(&t, st->jitter_in_us);
	put_str(&t, ";rxcount=");
	put_u64(&t, st->packets_in);
	put_str(&t, ";txjitter=");
	put_seconds(&t, st->jitter_out_us);
	put_str(&t, ";txcount=");
	put_u64(&t, st->packets_out);
	put_str(&t, ";rlp=");
	put_i64(&t, st->have_report ? st->lost_out : 0);
	put_str(&t, ";rtt=");
	put_seconds(&t, st->rtt_us);
}

/* Loss as a percentage of what was expected, two decimals. */
static void put_loss_pct(struct text *t, int64_t lost, uint64_t expected)
{
	uint64_t hundredths = 0;

	if (expected && lost > 0)
		hundredths = ((uint64_t)lost * 10000 + expected / 2) / expected;
	put_fixed(t, (int64_t)hundredths, 2, 2);
}

static void set_jitter_var(struct ly_channel *chan, const struct ly_rtp_stats *st)
{
	char v[160];
	struct text t = text_of(v, sizeof(v));

	/* One figure kept, so minimum, maximum and average are the same. */
	put_str(&t, "minrxjitter=");
	put_seconds(&t, st->jitter_in_us);
	put_str(&t, ";maxrxjitter=");
	put_seconds(&t, st->jitter_in_us);
	put_str(&t, ";avgrxjitter=");
	put_seconds(&t, st->jitter_in_us);
	ly_chan_var_set(chan, "RTPAUDIOQOSJITTER", v);
}

static void set_loss_var(struct ly_channel *chan, const struct ly_rtp_stats *st)
{
	char v[128];
	struct text t = text_of(v, sizeof(v));

	put_str(&t, "lp=");
	put_i64(&t, st->lost_in);
	put_str(&t, ";loss_pct=");
	put_loss_pct(&t, st->lost_in, st->expected_in);
	put_str(&t, ";rlp=");
	put_i64(&t, st->have_report ? st->lost_out : 0);
	ly_chan_var_set(chan, "RTPAUDIOQOSLOSS", v);
}

/* The log line at hangup, e.g. "in 1500 pkts lost 2 (0.13%) jitter 1.2 ms;
 * out 1500 pkts, far end lost 0 jitter 0.8 ms; rtt 0.4 ms; rtcp 3/3". */
static void log_qos(struct ly_channel *chan, const struct ly_rtp_stats *st)
{
	char line[320];
	struct text t = text_of(line, sizeof(line));

	put_str(&t, "in ");
	put_u64(&t, st->packets_in);
	put_str(&t, " pkts lost ");
	put_i64(&t, st->lost_in);
	put_str(&t, " (");
	put_loss_pct(&t, st->lost_in, st->expected_in);
	put_str(&t, "%) jitter ");
	put_fixed(&t, st->jitter_in_us, 3, 1);
	put_str(&t, " ms; out ");
	put_u64(&t, st->packets_out);
	put_str(&t, " pkts, far end lost ");
	put_i64(&t, st->have_report ? st->lost_out : 0);
	put_str(&t, " jitter ");
	put_fixed(&t, st->jitter_out_us, 3, 1);
	put_str(&t, " ms; rtt ");
	if (st->rtt_us < 0) {
		put_str(&t, "n/a");
	} else {
		put_fixed(&t, st->rtt_us, 3, 1);
		put_str(&t, " ms");
	}
	put_str(&t, "; rtcp ");
	put_u64(&t, st->rtcp_in);
	put_str(&t, "/");
	put_u64(&t, st->rtcp_out);
	put_str(&t, st->rtcp_mux ? " (mux)" : "");
	ly_notice("RTP %s: %s", ly_chan_name(chan), line);
}

void ly_rtp_chan_set_qos(struct ly_channel *chan)
{
	const struct ly_chan_tech *tech = chan ? ly_chan_tech(chan) : NULL;
	struct ly_rtp *rtp = tech && tech->get_rtp ? tech->get_rtp(chan) : NULL;
	struct ly_rtp_stats st;
	char v[320], old[8];
	struct text t = text_of(v, sizeof(v));

	if (!rtp || ly_rtp_get_stats(rtp, &st) || ly_chan_var_get(chan, "RTPAUDIOQOS", old, sizeof(old)))
		return;	/* no media, or set already (the far end's BYE came first) */
	ly_rtp_stats_qos(&st, v, sizeof(v));
	ly_chan_var_set(chan, "RTPAUDIOQOS", v);
	set_jitter_var(chan, &st);
	set_loss_var(chan, &st);
	t = text_of(v, sizeof(v));
	put_str(&t, "rtt=");
	put_seconds(&t, st.rtt_us);
	ly_chan_var_set(chan, "RTPAUDIOQOSRTT", v);
	log_qos(chan, &st);
}
