/* tests/unit/test_rtp_dtmf.c - RFC 4733 telephone-event: receive and send state machines (res_rtp/rtp_dtmf.c). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "res_rtp.h"
#include "rtp_dtmf.h"
#include "tap.h"

/* One packet's payload. */
static void pl(uint8_t *p, char digit, bool end, unsigned duration)
{
	struct rtp_dtmf_payload d = { (uint8_t)rtp_dtmf_digit_event(digit), end, 10,
				      (uint16_t)duration };

	rtp_dtmf_write(p, &d);
}

struct rx_run {
	struct rtp_dtmf_rx rx;
	char begins[32], ends[32];
	unsigned nb, ne, last_ms;
};

static void feed(struct rx_run *r, uint32_t ts, char digit, bool end, unsigned dur, uint64_t now)
{
	uint8_t p[4];
	struct ly_dtmf_ev ev[3];
	size_t n;

	pl(p, digit, end, dur);
	n = rtp_dtmf_rx_packet(&r->rx, ts, p, 4, 8000, now, ev);
	for (size_t i = 0; i < n; i++) {
		if (ev[i].type == LY_DTMF_BEGIN) {
			r->begins[r->nb++] = ev[i].digit;
		} else {
			r->ends[r->ne++] = ev[i].digit;
			r->last_ms = ev[i].duration_ms;
		}
	}
}

/* A whole event as phones send it: updates every 50 ms, three ends. */
static void press(struct rx_run *r, uint32_t ts, char digit, unsigned updates, uint64_t *now)
{
	for (unsigned i = 0; i < updates; i++, *now += 50)
		feed(r, ts, digit, false, 400 * (i + 1), *now);
	for (unsigned i = 0; i < 3; i++, *now += 20)
		feed(r, ts, digit, true, 400 * updates + 160, *now);
}

static void test_payload(void)
{
	uint8_t p[4] = { 11, 0x8a, 0x03, 0x20 };
	struct rtp_dtmf_payload d;

	CHECK_INT(rtp_dtmf_parse(p, 3, &d), EINVAL);
	CHECK_INT(rtp_dtmf_parse(p, 4, &d), 0);
	CHECK_INT(d.event, 11);
	CHECK(d.end);
	CHECK_INT(d.volume, 10);
	CHECK_INT(d.duration, 800);
	CHECK_INT(rtp_dtmf_event_digit(11), '#');
	CHECK_INT(rtp_dtmf_event_digit(16), 0);	/* flash is no digit */
	CHECK_INT(rtp_dtmf_digit_event('D'), 15);
	CHECK_INT(rtp_dtmf_digit_event('x'), -1);
}

static void test_rx_three_ends_one_digit(void)
{
	struct rx_run r = { 0 };
	uint64_t now = 1000;

	press(&r, 1000, '1', 3, &now);
	press(&r, 3000, '2', 2, &now);
	press(&r, 5000, '#', 4, &now);
	r.begins[r.nb] = r.ends[r.ne] = '\0';
	CHECK_STR(r.begins, "12#");
	CHECK_STR(r.ends, "12#");
	CHECK_INT(r.last_ms, (400 * 4 + 160) / 8);
}

static void test_rx_duplicates_and_late(void)
{
	struct rx_run r = { 0 };
	uint64_t now = 1000;

	press(&r, 1000, '5', 2, &now);
	/* the whole event again (a retransmission, or sipp replaying a pcap) */
	press(&r, 1000, '5', 2, &now);
	/* a late update of it after the ends */
	feed(&r, 1000, '5', false, 400, now);
	/* an out-of-order packet of an older event */
	press(&r, 9000, '6', 2, &now);
	feed(&r, 5000, '7', false, 400, now);
	feed(&r, 5000, '7', true, 800, now);
	r.begins[r.nb] = r.ends[r.ne] = '\0';
	CHECK_STR(r.begins, "56");
	CHECK_STR(r.ends, "56");
}

static void test_rx_reordered_within_event(void)
{
	struct rx_run r = { 0 };

	feed(&r, 100, '9', false, 400, 0);
	feed(&r, 100, '9', false, 1200, 100);
	feed(&r, 100, '9', false, 800, 50);	/* arrived late: duration keeps 1200 */
	feed(&r, 100, '9', true, 1600, 150);
	feed(&r, 100, '9', true, 1600, 170);
	CHECK_INT(r.nb, 1);
	CHECK_INT(r.ne, 1);
	CHECK_INT(r.last_ms, 200);
}

static void test_rx_lost_end(void)
{
	struct rx_run r = { 0 };
	struct ly_dtmf_ev ev[1];

	/* ends lost, then the next digit: the first ends as the second begins */
	feed(&r, 100, '1', false, 400, 0);
	feed(&r, 100, '1', false, 800, 50);
	feed(&r, 900, '2', false, 400, 400);
	r.begins[r.nb] = r.ends[r.ne] = '\0';
	CHECK_STR(r.begins, "12");
	CHECK_STR(r.ends, "1");
	/* ends lost and nothing follows: the timeout ends it */
	CHECK_INT(rtp_dtmf_rx_timeout(&r.rx, 8000, 400 + RTP_DTMF_RX_TIMEOUT_MS - 1, ev), 0);
	CHECK_INT(rtp_dtmf_rx_timeout(&r.rx, 8000, 400 + RTP_DTMF_RX_TIMEOUT_MS, ev), 1);
	CHECK(ev[0].type == LY_DTMF_END && ev[0].digit == '2');
	CHECK_INT(rtp_dtmf_rx_timeout(&r.rx, 8000, 10000, ev), 0);
	/* its late end packets change nothing */
	feed(&r, 900, '2', true, 1200, 1500);
	CHECK_INT(r.ne, 1);
	/* only the end packets arrived: begin and end at once */
	feed(&r, 2000, '3', true, 800, 2000);
	feed(&r, 2000, '3', true, 800, 2020);
	CHECK_INT(r.nb, 3);
	CHECK_INT(r.ne, 2);
	CHECK_INT(r.ends[1], '3');
}

/* ---- sending ---- */

struct tx_pkt {
	bool first, last, end;
	unsigned duration;
	char digit;
};

static size_t run_tx(struct rtp_dtmf_tx *tx, uint64_t from, uint64_t to, struct tx_pkt *out,
		     size_t max)
{
	size_t n = 0;

	for (uint64_t t = from; t < to && n < max; t += 20) {
		uint8_t p[4];
		struct rtp_dtmf_payload d;

		if (!rtp_dtmf_tx_tick(tx, 160, t, p, &out[n].first, &out[n].last))
			continue;
		rtp_dtmf_parse(p, 4, &d);
		out[n].end = d.end;
		out[n].duration = d.duration;
		out[n].digit = rtp_dtmf_event_digit(d.event);
		n++;
	}
	return n;
}

static void test_tx_sequence(void)
{
	struct rtp_dtmf_tx tx = { 0 };
	struct tx_pkt p[32];
	size_t n;

	rtp_dtmf_tx_begin(&tx, '4', 0);
	n = run_tx(&tx, 0, 200, p, 32);
	CHECK_INT(n, 10);
	CHECK(p[0].first && !p[1].first && !p[0].end);
	CHECK_INT(p[0].duration, 160);
	CHECK_INT(p[9].duration, 1600);
	rtp_dtmf_tx_end(&tx, '4', 0, 200);
	n = run_tx(&tx, 200, 400, p, 32);
	CHECK_INT(n, 3);	/* three end packets, then nothing */
	for (size_t i = 0; i < 3; i++) {
		CHECK(p[i].end && p[i].digit == '4');
		CHECK_INT(p[i].duration, 1760);
		CHECK(p[i].last == (i == 2));
	}
	CHECK(!rtp_dtmf_tx_busy(&tx));
}

static void test_tx_minimum_and_end_only(void)
{
	struct rtp_dtmf_tx tx = { 0 };
	struct tx_pkt p[32];
	size_t n;

	/* an end with no begin (a SIP INFO): the whole digit, 250 ms */
	rtp_dtmf_tx_end(&tx, '7', 250, 0);
	n = run_tx(&tx, 0, 1000, p, 32);
	CHECK_INT(n, 13 + 3);
	CHECK(p[0].first);
	CHECK(p[15].end && p[15].last);
	/* released at once: still RTP_DTMF_TX_MIN_MS long */
	rtp_dtmf_tx_begin(&tx, '8', 1000);
	rtp_dtmf_tx_end(&tx, '8', 0, 1000);
	n = run_tx(&tx, 1000, 2000, p, 32);
	CHECK_INT(n, RTP_DTMF_TX_MIN_MS / 20 + 3);
	/* a second digit while the first goes: after the first's ends */
	rtp_dtmf_tx_begin(&tx, '1', 2000);
	rtp_dtmf_tx_end(&tx, '2', 100, 2050);
	n = run_tx(&tx, 2000, 3000, p, 32);
	CHECK(n > 6);
	CHECK(p[0].digit == '1' && p[n - 1].digit == '2' && p[n - 1].last);
}

/* RFC 4733 §2.5.1.2: one timestamp for the event, audio continues after it. */
static void test_tx_timestamps(void)
{
	struct rtp_out o;
	struct rtp_stamp st;
	uint32_t ev_ts, audio_ts;

	rtp_out_init(&o);
	rtp_out_local(&o, 160, 8000, 0, &st);
	rtp_out_local(&o, 160, 8000, 20, &st);
	audio_ts = st.ts;
	rtp_out_event(&o, true, false, 160, 8000, 40, &ev_ts, &st);
	CHECK(st.marker);
	CHECK_INT(ev_ts, audio_ts + 160);
	CHECK_INT(st.ts, ev_ts);
	rtp_out_event(&o, false, false, 320, 8000, 60, &ev_ts, &st);
	CHECK(!st.marker);
	CHECK_INT(st.ts, ev_ts);
	rtp_out_event(&o, false, true, 480, 8000, 80, &ev_ts, &st);
	CHECK_INT(st.ts, ev_ts);
	rtp_out_local(&o, 160, 8000, 100, &st);
	CHECK_INT(st.ts, ev_ts + 480);
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_payload),
		TAP(test_rx_three_ends_one_digit),
		TAP(test_rx_duplicates_and_late),
		TAP(test_rx_reordered_within_event),
		TAP(test_rx_lost_end),
		TAP(test_tx_sequence),
		TAP(test_tx_minimum_and_end_only),
		TAP(test_tx_timestamps),
	};

	return tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
