/*
 * modules/res_rtp/rtp_dtmf.h - DTMF on an RTP session.
 *
 *   rtp_dtmf.c     RFC 4733 telephone-event: the payload, the receive
 *                  state machine and the send state machine (no I/O, so
 *                  the unit tests and the fuzzer drive them directly)
 *   rtp_dtmf_io.c  a session's DTMF: events and in-band tones in, events
 *                  and tones out on the worker's 20 ms tick
 *
 * Events are reported as struct ly_dtmf_ev (lyre/dsp.h), the detector's.
 */
#ifndef RES_RTP_DTMF_H
#define RES_RTP_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lyre/dsp.h>
#include <lyre/rtp.h>

struct ly_channel;
struct ly_frame;
struct rtp_header;
struct rtp_session;

/* ---- rtp_dtmf.c: RFC 4733 §2.3 ---- */

#define RTP_DTMF_PAYLOAD 4
/* A begun event with no packet for this long ended with its end packets
 * lost (§2.5.2.2 leaves the time to the receiver; phones send every 50 ms). */
#define RTP_DTMF_RX_TIMEOUT_MS 800

struct rtp_dtmf_payload {
	uint8_t event;		/* 0-15 DTMF (§3.2), 16 flash */
	bool end;		/* the E bit */
	uint8_t volume;		/* -dBm0, 0-63 */
	uint16_t duration;	/* in RTP clock units since the event began */
};

/* 0, or EINVAL when len is short. */
int rtp_dtmf_parse(const uint8_t *p, size_t len, struct rtp_dtmf_payload *out);
void rtp_dtmf_write(uint8_t *p, const struct rtp_dtmf_payload *in);
/* '0'..'D' for events 0-15, else 0; and back (-1 for no digit). */
char rtp_dtmf_event_digit(unsigned event);
int rtp_dtmf_digit_event(char digit);

/*
 * Receiving (§2.5.2).  An event is known by its RTP timestamp, which stays
 * the same in every packet of it (§2.5.1.3): the first packet seen begins
 * it, later ones update the duration, the first with the E bit ends it.
 * The retransmitted end packets, duplicates and packets of an older event
 * (late or reordered) give nothing.  A new timestamp while an event is
 * still down ends it first (its end packets were lost).
 */
struct rtp_dtmf_rx {
	bool active;
	bool have_ended;
	uint32_t ts;		/* of the event down, or the last one ended */
	char digit;
	uint32_t duration;	/* clock units */
	uint64_t last_ms;	/* last packet of the active event */
};

/* Up to 3 events (the lost end of the previous, a begin, an end). */
size_t rtp_dtmf_rx_packet(struct rtp_dtmf_rx *rx, uint32_t ts, const uint8_t *payload,
			  size_t len, unsigned clock, uint64_t now_ms, struct ly_dtmf_ev ev[3]);
/* The END of an event silent for RTP_DTMF_RX_TIMEOUT_MS; 0 or 1. */
size_t rtp_dtmf_rx_timeout(struct rtp_dtmf_rx *rx, unsigned clock, uint64_t now_ms,
			   struct ly_dtmf_ev ev[1]);

/*
 * Sending (§2.5.1).  One packet per tick: the first with the marker bit,
 * each carrying the duration so far, all with the event's start
 * timestamp; once ended (and held at least RTP_DTMF_TX_MIN_MS), the final
 * duration goes three times with the E bit (§2.5.1.4).
 */
#define RTP_DTMF_TX_MIN_MS 100
#define RTP_DTMF_TX_ENDS 3

enum rtp_dtmf_tx_state { TX_IDLE, TX_SENDING, TX_ENDING };

struct rtp_dtmf_tx {
	enum rtp_dtmf_tx_state state;
	char digit;
	bool end_wanted;
	uint64_t start_ms, end_ms;	/* end_ms: when the end may go */
	uint32_t duration;		/* clock units sent so far */
	unsigned ends_left;
	unsigned packets;		/* sent for this event */
	char next_digit;		/* begun while another was going, 0 none */
	unsigned next_ms;		/* its length when already ended, else 0 */
};

/* A new digit; one still in progress is cut short (its ends go first). */
void rtp_dtmf_tx_begin(struct rtp_dtmf_tx *tx, char digit, uint64_t now_ms);
/* End the digit: now, or once it lasted duration_ms (a begin without a
 * begin before it starts the digit now). */
void rtp_dtmf_tx_end(struct rtp_dtmf_tx *tx, char digit, unsigned duration_ms, uint64_t now_ms);
/* The packet due on this tick: false when none.  step: clock units per
 * tick.  first: the marker bit; last: the stream's timestamp moves on. */
bool rtp_dtmf_tx_tick(struct rtp_dtmf_tx *tx, unsigned step, uint64_t now_ms,
		      uint8_t payload[RTP_DTMF_PAYLOAD], bool *first, bool *last);
bool rtp_dtmf_tx_busy(const struct rtp_dtmf_tx *tx);

/* ---- rtp_dtmf_io.c: a session's DTMF (the session's lock is held where
 * a name ends in _locked) ---- */

/* clock: telephone-event's rtpmap rate (RFC 4733 §2.1); 0 means 8000. */
int rtp_dtmf_set(struct rtp_session *s, enum ly_rtp_dtmf_mode mode, int pt, unsigned clock);
int rtp_dtmf_send_begin(struct rtp_session *s, char digit);
int rtp_dtmf_send_end(struct rtp_session *s, char digit, unsigned duration_ms);
/* Is this payload type our telephone-event? */
bool rtp_dtmf_is_event_locked(const struct rtp_session *s, unsigned pt);
/* The RTP clock of this session's telephone-event (8000 when none). */
unsigned rtp_dtmf_clock_locked(const struct rtp_session *s);
/* The payload type to relay an event to this session with, -1 none. */
int rtp_dtmf_pt_locked(const struct rtp_session *s);
/* An event packet for the channel. */
void rtp_dtmf_receive(struct rtp_session *s, struct ly_channel *chan, const uint8_t *pkt,
		      const struct rtp_header *h);
/* A voice frame about to go to the channel: in-band detection, and the
 * timeout of an event whose end was lost. */
void rtp_dtmf_on_audio(struct rtp_session *s, struct ly_channel *chan, const struct ly_frame *f);
/* True while a digit replaces our outgoing audio (written frames are dropped). */
bool rtp_dtmf_mutes_locked(const struct rtp_session *s);
/* The 20 ms tick: send what a digit in progress needs; true if it sent. */
bool rtp_dtmf_tick_locked(struct rtp_session *s, uint8_t *pkt);
void rtp_dtmf_free(struct rtp_session *s);

#endif
