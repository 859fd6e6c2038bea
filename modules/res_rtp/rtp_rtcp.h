/*
 * modules/res_rtp/rtp_rtcp.h - RTCP packets (RFC 3550 §6) and the receive
 * statistics they carry (§A.1, §A.3, §A.8), with no session or socket:
 * rtp_rtcp_io.c applies them to a session, and the unit test and the fuzz
 * target use them alone.
 */
#ifndef RES_RTP_RTCP_H
#define RES_RTP_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define RTCP_BYE 203
#define RTCP_MAX_BLOCKS 1	/* we receive one source per session */
#define RTCP_CNAME_MAX 64

/* What we know of the one source we receive (RFC 3550 §A.1 / §A.8). */
struct rtcp_rx {
	bool active;
	uint32_t ssrc;
	uint16_t max_seq;	/* highest sequence number seen */
	uint32_t cycles;	/* sequence wraps, shifted left 16 */
	uint32_t base_seq;
	uint32_t bad_seq;	/* a jump's expected next sequence (§A.1) */
	uint32_t received;
	uint32_t expected_prior, received_prior;	/* at the last report */
	bool have_transit;
	int32_t transit;	/* arrival - timestamp of the last packet */
	uint32_t jitter;	/* §A.8: times 16 */
	uint32_t clock;		/* of the last packet, for jitter in ms */
	uint32_t lsr;		/* middle 32 bits of the last SR's NTP time, 0 none */
	uint64_t lsr_ms;	/* when that SR arrived (monotonic ms) */
};

/* One report block (RFC 3550 §6.4.1). */
struct rtcp_block {
	uint32_t ssrc;
	uint8_t fraction;	/* lost since the last report, of 256 */
	int32_t lost;		/* cumulative, 24-bit signed */
	uint32_t ext_max;	/* extended highest sequence number */
	uint32_t jitter;	/* in RTP clock units */
	uint32_t lsr, dlsr;	/* dlsr in 1/65536 s */
};

/* A compound packet to send: SR or RR, SDES CNAME, optional BYE. */
struct rtcp_report {
	uint32_t ssrc;
	bool sr;		/* we sent RTP since the last report */
	uint64_t ntp;		/* SR: wallclock, NTP format */
	uint32_t rtp_ts;	/* SR: our RTP timestamp at that instant */
	uint32_t packets, octets;	/* SR: sender's counts */
	unsigned nblocks;
	struct rtcp_block blocks[RTCP_MAX_BLOCKS];
	const char *cname;
	bool bye;
};

/* What a received compound packet said. */
struct rtcp_parsed {
	uint32_t ssrc;		/* sender of the first packet */
	bool sr;
	uint64_t ntp;		/* SR's NTP time */
	uint32_t packets, octets;
	bool have_block;	/* a block about `our_ssrc` */
	struct rtcp_block block;
	bool bye;
};

/* Account one accepted RTP packet: seq/ts from its header, arrival in the
 * same clock units as ts; timed false skips jitter (RFC 4733 events, whose
 * timestamps do not advance). */
void rtcp_rx_packet(struct rtcp_rx *rx, uint32_t ssrc, uint16_t seq, uint32_t ts,
		    uint32_t arrival, uint32_t clock, bool timed);
/* Expected and lost so far (§A.3); lost may be negative with duplicates. */
uint32_t rtcp_rx_expected(const struct rtcp_rx *rx);
int64_t rtcp_rx_lost(const struct rtcp_rx *rx);
/* Fill a report block and start the next interval (fraction is per report). */
void rtcp_rx_block(struct rtcp_rx *rx, uint64_t now_ms, struct rtcp_block *b);

/* Write the compound packet; its length, or 0 when cap is too small. */
size_t rtcp_build(uint8_t *buf, size_t cap, const struct rtcp_report *r);
/* Validate (§A.2) and read a compound packet: 0 or EINVAL. */
int rtcp_parse(const uint8_t *p, size_t len, uint32_t our_ssrc, struct rtcp_parsed *out);
/* True when a packet on the RTP port is RTCP (RFC 5761 §4: PT 64-95). */
bool rtcp_is_rtcp(const uint8_t *p, size_t len);

/* NTP time of the wall clock; its middle 32 bits (LSR's units). */
uint64_t rtcp_ntp_now(void);
static inline uint32_t rtcp_ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}
/* Round trip in microseconds from a block's LSR/DLSR (§6.4.1), arrival
 * given in NTP middle bits; -1 when LSR is 0 (no SR seen by the peer). */
int64_t rtcp_rtt_us(uint32_t arrival_mid, uint32_t lsr, uint32_t dlsr);

/* §6.3.1 / §A.7: the next interval in seconds.  rnd in [0,1) spreads it
 * to 0.5-1.5 times, then divided by e - 3/2 (§A.7's compensation). */
double rtcp_interval(unsigned members, unsigned senders, double rtcp_bw, bool we_sent,
		     double avg_rtcp_size, bool initial, double rnd);

#endif
