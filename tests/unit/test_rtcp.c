/* tests/unit/test_rtcp.c - RTCP packets and receive statistics (res_rtp/rtp_rtcp.c, RFC 3550). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "rtp_rtcp.h"
#include "tap.h"

static const uint32_t US = 0x11223344, PEER = 0xa5a5a5a5;

/* Feed packets seq[i] (timestamps 160 apart by sequence), arrivals exact. */
static void feed(struct rtcp_rx *rx, const uint16_t *seq, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rtcp_rx_packet(rx, PEER, seq[i], seq[i] * 160u, seq[i] * 160u + 1000, 8000, true);
}

static void test_sr_round_trip(void)
{
	struct rtcp_report r = {
		.ssrc = PEER, .sr = true, .ntp = 0x0123456789abcdefull, .rtp_ts = 4000,
		.packets = 250, .octets = 40000, .nblocks = 1, .cname = "abc@lyre",
	};
	struct rtcp_parsed p;
	uint8_t buf[256];
	size_t len;

	r.blocks[0] = (struct rtcp_block){ US, 64, -3, 70000, 12, 0x45670000, 0x8000 };
	len = rtcp_build(buf, sizeof(buf), &r);
	CHECK_INT(len, 28 + 24 + 20);	/* SR + block + SDES(4+4+2+8+1 -> 20) */
	CHECK_INT(len % 4, 0);
	CHECK_INT(buf[1], RTCP_SR);
	CHECK_INT(rtcp_parse(buf, len, US, &p), 0);
	CHECK(p.sr);
	CHECK_INT(p.ssrc, PEER);
	CHECK(p.ntp == r.ntp);
	CHECK_INT(p.packets, 250);
	CHECK_INT(p.octets, 40000);
	CHECK(p.have_block);
	CHECK_INT(p.block.fraction, 64);
	CHECK_INT(p.block.lost, -3);
	CHECK_INT(p.block.ext_max, 70000);
	CHECK_INT(p.block.jitter, 12);
	CHECK_INT(p.block.lsr, 0x45670000);
	CHECK_INT(p.block.dlsr, 0x8000);
	CHECK(!p.bye);
	/* A block about someone else is not ours. */
	CHECK_INT(rtcp_parse(buf, len, US + 1, &p), 0);
	CHECK(!p.have_block);
	/* Too small a buffer: nothing written. */
	CHECK_INT(rtcp_build(buf, len - 1, &r), 0);
}

static void test_rr_bye(void)
{
	struct rtcp_report r = { .ssrc = PEER, .nblocks = 0, .cname = "x", .bye = true };
	struct rtcp_parsed p;
	uint8_t buf[128];
	size_t len = rtcp_build(buf, sizeof(buf), &r);

	CHECK_INT(len, 8 + 12 + 8);
	CHECK_INT(buf[1], RTCP_RR);
	CHECK_INT(rtcp_parse(buf, len, US, &p), 0);
	CHECK(!p.sr);
	CHECK(p.bye);
	CHECK(!p.have_block);
	CHECK(rtcp_is_rtcp(buf, len));
}

static void test_invalid(void)
{
	struct rtcp_report r = { .ssrc = PEER, .sr = true, .nblocks = 1, .cname = "abc" };
	struct rtcp_parsed p;
	uint8_t buf[256], bad[256];
	size_t len = rtcp_build(buf, sizeof(buf), &r);

	CHECK_INT(rtcp_parse(buf, 4, US, &p), EINVAL);		/* too short */
	CHECK_INT(rtcp_parse(buf, len - 2, US, &p), EINVAL);	/* not 32-bit aligned */
	CHECK_INT(rtcp_parse(buf, len - 4, US, &p), EINVAL);	/* SDES runs past the end */
	memcpy(bad, buf, len);
	bad[0] = (uint8_t)((bad[0] & 0x3f) | 0x40);			/* version 1 */
	CHECK_INT(rtcp_parse(bad, len, US, &p), EINVAL);
	memcpy(bad, buf, len);
	bad[1] = RTCP_SDES;					/* first is not SR/RR */
	CHECK_INT(rtcp_parse(bad, len, US, &p), EINVAL);
	memcpy(bad, buf, len);
	bad[0] |= 0x20;						/* padding, not last */
	CHECK_INT(rtcp_parse(bad, len, US, &p), EINVAL);
	memcpy(bad, buf, len);
	bad[0] = (uint8_t)(0x80 | 5);				/* 5 blocks, room for 1 */
	CHECK_INT(rtcp_parse(bad, len, US, &p), EINVAL);
	memcpy(bad, buf, len);
	bad[3] = (uint8_t)(bad[3] + 1);				/* lengths do not add up */
	CHECK_INT(rtcp_parse(bad, len, US, &p), EINVAL);
	memcpy(bad, buf, len);
	bad[52] = 0x40;						/* second packet version 1 */
	CHECK_INT(rtcp_parse(bad, len, US, &p), EINVAL);
	/* RTP is not RTCP, on a muxed port (RFC 5761 §4). */
	uint8_t rtp[12] = { 0x80, 0x00, 0, 1 };

	CHECK(!rtcp_is_rtcp(rtp, sizeof(rtp)));
	rtp[1] = 0x80 | 8;	/* marker + PCMA */
	CHECK(!rtcp_is_rtcp(rtp, sizeof(rtp)));
	CHECK(rtcp_is_rtcp(buf, len));
}

static void test_loss_gaps(void)
{
	struct rtcp_rx rx = { 0 };
	struct rtcp_block b;
	uint16_t seq[100];
	size_t n = 0;

	for (uint16_t s = 1000; s < 1100; s++)
		if (s % 10 != 3)	/* every tenth lost */
			seq[n++] = s;
	feed(&rx, seq, n);
	CHECK_INT(rtcp_rx_expected(&rx), 100);
	CHECK_INT(rtcp_rx_lost(&rx), 10);
	rtcp_rx_block(&rx, 0, &b);
	CHECK_INT(b.lost, 10);
	CHECK_INT(b.fraction, 25);	/* 10/100 * 256 */
	CHECK_INT(b.ext_max, 1099);
	/* Next interval without loss: fraction 0, cumulative stays. */
	n = 0;
	for (uint16_t s = 1100; s < 1150; s++)
		seq[n++] = s;
	feed(&rx, seq, n);
	rtcp_rx_block(&rx, 0, &b);
	CHECK_INT(b.fraction, 0);
	CHECK_INT(b.lost, 10);
}

static void test_loss_reorder_dup_wrap(void)
{
	struct rtcp_rx rx = { 0 };
	const uint16_t reordered[] = { 65530, 65531, 65533, 65532, 65534, 65535, 0, 2, 1, 3 };
	const uint16_t dup[] = { 3, 4, 4, 5 };
	struct rtcp_block b;

	feed(&rx, reordered, 10);
	CHECK_INT(rtcp_rx_expected(&rx), 10);
	CHECK_INT(rtcp_rx_lost(&rx), 0);
	rtcp_rx_block(&rx, 0, &b);
	CHECK_INT(b.ext_max, 65536 + 3);	/* one cycle */
	feed(&rx, dup, 4);	/* 3 and 4 twice: duplicates count as received */
	CHECK_INT(rtcp_rx_lost(&rx), -2);
	/* A restarted sender: a big jump counts once it is confirmed. */
	const uint16_t jump[] = { 30000, 30001, 30002 };

	feed(&rx, jump, 3);
	CHECK_INT(rtcp_rx_expected(&rx), 2);	/* 30001 and 30002 */
	CHECK_INT(rtcp_rx_lost(&rx), 0);
	/* A new SSRC starts afresh. */
	rtcp_rx_packet(&rx, PEER + 1, 7, 0, 0, 8000, true);
	CHECK_INT(rtcp_rx_expected(&rx), 1);
	CHECK_INT(rx.ssrc, PEER + 1);
}

/* §A.8 on synthetic arrivals, against the floating-point formula. */
static void test_jitter(void)
{
	struct rtcp_rx rx = { 0 };
	double j = 0;
	int32_t prev = 0;
	struct rtcp_block b;

	/* Constant network delay: no jitter. */
	for (uint32_t i = 0; i < 50; i++)
		rtcp_rx_packet(&rx, PEER, (uint16_t)i, i * 160, i * 160 + 5000, 8000, true);
	CHECK_INT(rx.jitter >> 4, 0);
	/* Arrivals alternately 0 and 80 units late (10 ms at 8 kHz). */
	memset(&rx, 0, sizeof(rx));
	for (uint32_t i = 0; i < 400; i++) {
		uint32_t arrival = i * 160 + (i % 2 ? 80 : 0) + 12345;
		int32_t transit = (int32_t)(arrival - i * 160);

		rtcp_rx_packet(&rx, PEER, (uint16_t)i, i * 160, arrival, 8000, true);
		if (i)
			j += (fabs((double)(transit - prev)) - j) / 16.0;
		prev = transit;
	}
	rtcp_rx_block(&rx, 0, &b);
	CHECK(fabs((double)b.jitter - j) <= 1.0);
	CHECK(b.jitter >= 78 && b.jitter <= 80);	/* converges to |D| = 80 */
	/* Telephone-events (timed false) leave jitter alone. */
	uint32_t before = rx.jitter;

	rtcp_rx_packet(&rx, PEER, 400, 0, 999999, 8000, false);
	CHECK_INT(rx.jitter, before);
}

static void test_rtt_and_dlsr(void)
{
	struct rtcp_rx rx = { 0 };
	struct rtcp_block b;
	uint32_t lsr = 0x12340000;

	/* 100 ms (6553.6 units) of network after 250 ms (16384) held at the peer. */
	CHECK_INT(rtcp_rtt_us(lsr + 16384 + 6554, lsr, 16384), 100006);
	CHECK_INT(rtcp_rtt_us(lsr + 5, 0, 0), -1);		/* no SR seen yet */
	CHECK_INT(rtcp_rtt_us(lsr, lsr, 100), 0);		/* skewed: never negative */
	CHECK_INT(rtcp_rtt_us(5, 0xfffffff0u, 0), (int64_t)21 * 1000000 / 65536);	/* wraps */
	/* DLSR from the time our last SR came in. */
	rtcp_rx_packet(&rx, PEER, 1, 0, 0, 8000, true);
	rx.lsr = lsr;
	rx.lsr_ms = 1000;
	rtcp_rx_block(&rx, 1500, &b);
	CHECK_INT(b.lsr, lsr);
	CHECK_INT(b.dlsr, 32768);	/* 0.5 s */
	CHECK_INT(rtcp_ntp_mid(0x0001000200030004ull), 0x00020003);
}

static void test_interval(void)
{
	double lo = 5.0 * 0.5 / 1.21828, hi = 5.0 * 1.5 / 1.21828;

	CHECK(fabs(rtcp_interval(2, 2, 500, true, 100, false, 0.0) - lo) < 1e-9);
	CHECK(fabs(rtcp_interval(2, 2, 500, true, 100, false, 0.999999) - hi) < 1e-4);
	CHECK(fabs(rtcp_interval(2, 2, 500, true, 100, true, 0.0) - lo / 2) < 1e-9);
	/* Many members on a thin link: above the minimum. */
	CHECK(rtcp_interval(1000, 10, 500, false, 100, false, 0.5) > 100);
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_sr_round_trip),
		TAP(test_rr_bye),
		TAP(test_invalid),
		TAP(test_loss_gaps),
		TAP(test_loss_reorder_dup_wrap),
		TAP(test_jitter),
		TAP(test_rtt_and_dlsr),
		TAP(test_interval),
	};

	return tap_run(tests, sizeof(tests) / sizeof(tests[0]));
}
