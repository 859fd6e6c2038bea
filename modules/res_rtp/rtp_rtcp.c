/* modules/res_rtp/rtp_rtcp.c - RTCP packets: reports built and parsed, receive statistics. */
/*
 * Pure functions on buffers and structs (no session, no socket), so the
 * unit test and the fuzz target can drive them alone.  The numbers follow
 * RFC 3550's appendix: §A.1 sequence tracking, §A.3 expected and lost,
 * §A.8 interarrival jitter, §A.2 packet validity, §A.7 the interval.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "rtp_rtcp.h"

#define SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define NTP_UNIX_OFFSET 2208988800u	/* seconds from 1900 to 1970 */
#define MIN_INTERVAL 5.0		/* §6.2 */
#define COMPENSATION 1.21828		/* e - 3/2, §A.7 */

/* ---- big-endian helpers ---- */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/* ---- receive statistics ---- */

static void rx_init(struct rtcp_rx *rx, uint32_t ssrc, uint16_t seq)
{
	uint32_t lsr = rx->ssrc == ssrc ? rx->lsr : 0;
	uint64_t lsr_ms = rx->lsr_ms;

	memset(rx, 0, sizeof(*rx));
	rx->active = true;
	rx->ssrc = ssrc;
	rx->base_seq = seq;
	rx->max_seq = seq;
	rx->bad_seq = SEQ_MOD + 1;	/* so seq == bad_seq is false */
	rx->lsr = lsr;
	rx->lsr_ms = lsr_ms;
}

/* §A.1 update_seq without the probation (strict RTP did that already):
 * false when the packet is a jump we do not count yet. */
static bool rx_update_seq(struct rtcp_rx *rx, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - rx->max_seq);

	if (udelta < MAX_DROPOUT) {
		if (seq < rx->max_seq)
			rx->cycles += SEQ_MOD;	/* wrapped */
		rx->max_seq = seq;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		/* A big jump: a restarted sender if the next one follows it. */
		if (seq != rx->bad_seq) {
			rx->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return false;
		}
		rx_init(rx, rx->ssrc, seq);
		rx->active = true;
	}
	/* else a duplicate or a late packet: counted, max unchanged */
	rx->received++;
	return true;
}

/* §A.8: J += (|D| - J) / 16, kept times 16 for integer arithmetic. */
static void rx_jitter(struct rtcp_rx *rx, uint32_t ts, uint32_t arrival)
{
	int32_t transit = (int32_t)(arrival - ts);
	int32_t d;

	if (rx->have_transit) {
		d = transit - rx->transit;
		if (d < 0)
			d = -d;
		rx->jitter += (uint32_t)d - ((rx->jitter + 8) >> 4);
	}
	rx->transit = transit;
	rx->have_transit = true;
}

void rtcp_rx_packet(struct rtcp_rx *rx, uint32_t ssrc, uint16_t seq, uint32_t ts,
		    uint32_t arrival, uint32_t clock, bool timed)
{
	if (!rx->active || rx->ssrc != ssrc) {
		rx_init(rx, ssrc, seq);
		rx->received = 1;
		rx->clock = clock;
		if (timed)
			rx_jitter(rx, ts, arrival);
		return;
	}
	if (!rx_update_seq(rx, seq))
		return;
	if (clock != rx->clock) {	/* another codec: its own transit line */
		rx->clock = clock;
		rx->have_transit = false;
	}
	if (timed)
		rx_jitter(rx, ts, arrival);
}

uint32_t rtcp_rx_expected(const struct rtcp_rx *rx)
{
	return rx->active ? rx->cycles + rx->max_seq - rx->base_seq + 1 : 0;
}

int64_t rtcp_rx_lost(const struct rtcp_rx *rx)
{
	return (int64_t)rtcp_rx_expected(rx) - rx->received;
}

void rtcp_rx_block(struct rtcp_rx *rx, uint64_t now_ms, struct rtcp_block *b)
{
	uint32_t expected = rtcp_rx_expected(rx);
	int64_t lost = rtcp_rx_lost(rx);
	uint32_t exp_int = expected - rx->expected_prior;
	uint32_t rec_int = rx->received - rx->received_prior;
	int64_t lost_int = (int64_t)exp_int - rec_int;

	rx->expected_prior = expected;
	rx->received_prior = rx->received;
	memset(b, 0, sizeof(*b));
	b->ssrc = rx->ssrc;
	/* §6.4.1: 24-bit signed, clamped rather than wrapped. */
	b->lost = lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : (int32_t)lost;
	b->fraction = exp_int == 0 || lost_int <= 0 ? 0 : (uint8_t)((lost_int << 8) / exp_int);
	b->ext_max = rx->cycles + rx->max_seq;
	b->jitter = rx->jitter >> 4;
	b->lsr = rx->lsr;
	if (rx->lsr)
		b->dlsr = (uint32_t)((now_ms - rx->lsr_ms) * 65536 / 1000);
}

/* ---- building ---- */

static uint8_t *put_header(uint8_t *p, unsigned count, unsigned pt, size_t bytes)
{
	p[0] = (uint8_t)(0x80 | count);
	p[1] = (uint8_t)pt;
	put16(p + 2, (uint32_t)(bytes / 4 - 1));
	return p + 4;
}

static uint8_t *put_block(uint8_t *p, const struct rtcp_block *b)
{
	put32(p, b->ssrc);
	put32(p + 4, (uint32_t)b->fraction << 24 | ((uint32_t)b->lost & 0xffffff));
	put32(p + 8, b->ext_max);
	put32(p + 12, b->jitter);
	put32(p + 16, b->lsr);
	put32(p + 20, b->dlsr);
	return p + 24;
}

/* SDES with one chunk, CNAME then the END item, padded to 32 bits (§6.5). */
static size_t sdes_len(size_t cname_len)
{
	return 4 + ((4 + 2 + cname_len + 1 + 3) & ~(size_t)3);
}

size_t rtcp_build(uint8_t *buf, size_t cap, const struct rtcp_report *r)
{
	const char *cname = r->cname ? r->cname : "";
	size_t clen = strnlen(cname, RTCP_CNAME_MAX);
	unsigned nb = r->nblocks > RTCP_MAX_BLOCKS ? RTCP_MAX_BLOCKS : r->nblocks;
	size_t first = (r->sr ? 28 : 8) + 24 * nb;
	size_t sdes = sdes_len(clen);
	size_t total = first + sdes + (r->bye ? 8 : 0);
	uint8_t *p = buf;

	if (cap < total)
		return 0;
	p = put_header(p, nb, r->sr ? RTCP_SR : RTCP_RR, first);
	put32(p, r->ssrc);
	p += 4;
	if (r->sr) {
		put32(p, (uint32_t)(r->ntp >> 32));
		put32(p + 4, (uint32_t)r->ntp);
		put32(p + 8, r->rtp_ts);
		put32(p + 12, r->packets);
		put32(p + 16, r->octets);
		p += 20;
	}
	for (unsigned i = 0; i < nb; i++)
		p = put_block(p, &r->blocks[i]);
	memset(p, 0, sdes);
	put_header(p, 1, RTCP_SDES, sdes);
	put32(p + 4, r->ssrc);
	p[8] = 1;	/* CNAME */
	p[9] = (uint8_t)clen;
	memcpy(p + 10, cname, clen);
	p += sdes;
	if (r->bye) {
		p = put_header(p, 1, RTCP_BYE, 8);
		put32(p, r->ssrc);
	}
	return total;
}

/* ---- parsing ---- */

static void read_block(const uint8_t *p, struct rtcp_block *b)
{
	uint32_t w = get32(p + 4);

	b->ssrc = get32(p);
	b->fraction = (uint8_t)(w >> 24);
	b->lost = (int32_t)((w & 0xffffff) ^ 0x800000) - 0x800000;	/* sign-extend 24 bits */
	b->ext_max = get32(p + 8);
	b->jitter = get32(p + 12);
	b->lsr = get32(p + 16);
	b->dlsr = get32(p + 20);
}

/* An SR or RR (body after the 4-byte header, n bytes); blocks about us kept. */
static int read_report(const uint8_t *p, size_t n, unsigned pt, unsigned rc, bool first,
		       uint32_t our_ssrc, struct rtcp_parsed *out)
{
	size_t fixed = pt == RTCP_SR ? 24 : 4;

	if (n < fixed + 24 * (size_t)rc)
		return EINVAL;
	if (first) {
		out->ssrc = get32(p);
		if (pt == RTCP_SR) {
			out->sr = true;
			out->ntp = (uint64_t)get32(p + 4) << 32 | get32(p + 8);
			out->packets = get32(p + 16);
			out->octets = get32(p + 20);
		}
	}
	for (unsigned i = 0; i < rc; i++) {
		struct rtcp_block b;

		read_block(p + fixed + 24 * i, &b);
		if (b.ssrc == our_ssrc && !out->have_block) {
			out->block = b;
			out->have_block = true;
		}
	}
	return 0;
}

/*
 * §A.2: the first packet is an SR or RR, every packet is version 2, only
 * the last may be padded, and the lengths add up to the datagram exactly.
 */
int rtcp_parse(const uint8_t *p, size_t len, uint32_t our_ssrc, struct rtcp_parsed *out)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (len < 8 || len % 4 || (p[0] & 0xc0) != 0x80 || (p[1] != RTCP_SR && p[1] != RTCP_RR))
		return EINVAL;
	while (off < len) {
		const uint8_t *h = p + off;
		size_t plen;
		unsigned count = h[0] & 0x1f, pt = h[1];

		if (len - off < 4 || (h[0] & 0xc0) != 0x80)
			return EINVAL;
		plen = (get16(h + 2) + 1) * 4;
		if (plen > len - off)
			return EINVAL;
		if (h[0] & 0x20) {	/* padding: last packet only, and it must fit */
			if (off + plen != len || h[plen - 1] == 0 || h[plen - 1] > plen - 4)
				return EINVAL;
		}
		if ((pt == RTCP_SR || pt == RTCP_RR) &&
		    read_report(h + 4, plen - 4, pt, count, off == 0, our_ssrc, out))
			return EINVAL;
		if (pt == RTCP_BYE)
			out->bye = true;
		off += plen;
	}
	return 0;
}

bool rtcp_is_rtcp(const uint8_t *p, size_t len)
{
	return len >= 8 && (p[0] & 0xc0) == 0x80 && (p[1] & 0x7f) >= 64 && (p[1] & 0x7f) <= 95;
}

/* ---- time ---- */

uint64_t rtcp_ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)((uint32_t)ts.tv_sec + NTP_UNIX_OFFSET) << 32 |
	       (uint64_t)ts.tv_nsec * (1ull << 32) / 1000000000u;
}

int64_t rtcp_rtt_us(uint32_t arrival_mid, uint32_t lsr, uint32_t dlsr)
{
	int64_t units;

	if (!lsr)
		return -1;
	units = (int32_t)(arrival_mid - lsr - dlsr);	/* modular: the clock wraps */
	if (units < 0)
		units = 0;	/* clocks a hair apart or a bogus DLSR */
	return units * 1000000 / 65536;
}

/* ---- interval ---- */

double rtcp_interval(unsigned members, unsigned senders, double rtcp_bw, bool we_sent,
		     double avg_rtcp_size, bool initial, double rnd)
{
	double min = initial ? MIN_INTERVAL / 2 : MIN_INTERVAL;
	double n = members ? members : 1;
	double t;

	/* §6.3.1: senders share a quarter of the bandwidth when they are
	 * fewer than a quarter of the members. */
	if (senders > 0 && senders <= members * 0.25) {
		if (we_sent) {
			rtcp_bw *= 0.25;
			n = senders;
		} else {
			rtcp_bw *= 0.75;
			n -= senders;
		}
	}
	t = rtcp_bw > 0 ? avg_rtcp_size * n / rtcp_bw : min;
	if (t < min)
		t = min;
	return t * (rnd + 0.5) / COMPENSATION;
}
