/* modules/res_rtp/rtp_dtmf.c - RFC 4733 telephone-event: payload, receive and send state machines. */
#include <errno.h>
#include <string.h>

#include "rtp_dtmf.h"

/* §3.2: events 0-9, *, #, A-D in this order. */
static const char digits[] = "0123456789*#ABCD";
/* The volume we send: -10 dBm0, a normal key press (§2.5.2.2 asks a
 * receiver to ignore it anyway). */
#define TX_VOLUME 10

int rtp_dtmf_parse(const uint8_t *p, size_t len, struct rtp_dtmf_payload *out)
{
	if (len < RTP_DTMF_PAYLOAD)
		return EINVAL;
	out->event = p[0];
	out->end = p[1] >> 7;
	out->volume = p[1] & 0x3f;
	out->duration = (uint16_t)(p[2] << 8 | p[3]);
	return 0;
}

void rtp_dtmf_write(uint8_t *p, const struct rtp_dtmf_payload *in)
{
	p[0] = in->event;
	p[1] = (uint8_t)((in->end ? 0x80 : 0) | (in->volume & 0x3f));
	p[2] = (uint8_t)(in->duration >> 8);
	p[3] = (uint8_t)in->duration;
}

char rtp_dtmf_event_digit(unsigned event)
{
	return event < 16 ? digits[event] : 0;
}

int rtp_dtmf_digit_event(char digit)
{
	const char *p = digit ? strchr(digits, digit) : NULL;

	return p ? (int)(p - digits) : -1;
}

/* ---- receiving ---- */

static unsigned to_ms(uint32_t units, unsigned clock)
{
	return (unsigned)((uint64_t)units * 1000u / (clock ? clock : 8000));
}

static size_t finish(struct rtp_dtmf_rx *rx, unsigned clock, struct ly_dtmf_ev *ev, size_t n)
{
	ev[n] = (struct ly_dtmf_ev){ LY_DTMF_END, rx->digit, to_ms(rx->duration, clock) };
	rx->active = false;
	rx->have_ended = true;
	return n + 1;
}

/* A timestamp at or up to a minute before the last event's is that event
 * again, or an older one: late.  Further back is a restarted sender. */
static bool seen_before(const struct rtp_dtmf_rx *rx, uint32_t ts, unsigned clock)
{
	int32_t d = (int32_t)(ts - rx->ts);

	return (rx->active || rx->have_ended) && d <= 0 && d > -(int32_t)(60 * clock);
}

size_t rtp_dtmf_rx_packet(struct rtp_dtmf_rx *rx, uint32_t ts, const uint8_t *payload,
			  size_t len, unsigned clock, uint64_t now_ms, struct ly_dtmf_ev ev[3])
{
	struct rtp_dtmf_payload p;
	size_t n = 0;
	char digit;

	if (rtp_dtmf_parse(payload, len, &p) || !(digit = rtp_dtmf_event_digit(p.event)))
		return 0;	/* short, or flash and other events: not digits */
	if (rx->active && ts == rx->ts) {
		if (p.duration > rx->duration)
			rx->duration = p.duration;
		rx->last_ms = now_ms;
		return p.end ? finish(rx, clock, ev, 0) : 0;
	}
	if (seen_before(rx, ts, clock))
		return 0;	/* a retransmitted end, a duplicate, a late packet */
	if (rx->active)
		n = finish(rx, clock, ev, n);	/* its end packets were lost */
	rx->active = true;
	rx->ts = ts;
	rx->digit = digit;
	rx->duration = p.duration;
	rx->last_ms = now_ms;
	ev[n++] = (struct ly_dtmf_ev){ LY_DTMF_BEGIN, digit, 0 };
	if (p.end)
		n = finish(rx, clock, ev, n);	/* only its end packets came */
	return n;
}

size_t rtp_dtmf_rx_timeout(struct rtp_dtmf_rx *rx, unsigned clock, uint64_t now_ms,
			   struct ly_dtmf_ev ev[1])
{
	if (!rx->active || now_ms - rx->last_ms < RTP_DTMF_RX_TIMEOUT_MS)
		return 0;
	/* The duration stands at what the last packet said. */
	return finish(rx, clock, ev, 0);
}

/* ---- sending ---- */

static void start(struct rtp_dtmf_tx *tx, char digit, uint64_t now_ms)
{
	tx->state = TX_SENDING;
	tx->digit = digit;
	tx->end_wanted = false;
	tx->start_ms = now_ms;
	tx->duration = 0;
	tx->packets = 0;
	tx->ends_left = RTP_DTMF_TX_ENDS;
}

static void want_end(struct rtp_dtmf_tx *tx, uint64_t at_ms)
{
	uint64_t min = tx->start_ms + RTP_DTMF_TX_MIN_MS;

	tx->end_wanted = true;
	tx->end_ms = at_ms > min ? at_ms : min;
}

bool rtp_dtmf_tx_busy(const struct rtp_dtmf_tx *tx)
{
	return tx->state != TX_IDLE;
}

void rtp_dtmf_tx_begin(struct rtp_dtmf_tx *tx, char digit, uint64_t now_ms)
{
	if (tx->state == TX_IDLE) {
		start(tx, digit, now_ms);
		return;
	}
	if (tx->state == TX_SENDING && tx->digit == digit && !tx->end_wanted)
		return;	/* the same key again */
	tx->next_digit = digit;
	tx->next_ms = 0;
	if (tx->state == TX_SENDING && !tx->end_wanted)
		want_end(tx, now_ms);
}

void rtp_dtmf_tx_end(struct rtp_dtmf_tx *tx, char digit, unsigned duration_ms, uint64_t now_ms)
{
	if (tx->state == TX_SENDING && tx->digit == digit && !tx->end_wanted) {
		want_end(tx, now_ms);
	} else if (tx->next_digit == digit && !tx->next_ms) {
		tx->next_ms = duration_ms ? duration_ms : RTP_DTMF_TX_MIN_MS;
	} else if (tx->state == TX_IDLE) {
		start(tx, digit, now_ms);	/* an end with no begin: the whole digit */
		want_end(tx, now_ms + duration_ms);
	} else {
		tx->next_digit = digit;	/* another digit is going: after it */
		tx->next_ms = duration_ms ? duration_ms : RTP_DTMF_TX_MIN_MS;
		if (tx->state == TX_SENDING && !tx->end_wanted)
			want_end(tx, now_ms);
	}
}

static void put(uint8_t *payload, const struct rtp_dtmf_tx *tx, bool end)
{
	struct rtp_dtmf_payload p = {
		.event = (uint8_t)rtp_dtmf_digit_event(tx->digit),
		.end = end,
		.volume = TX_VOLUME,
		.duration = (uint16_t)(tx->duration > 0xffff ? 0xffff : tx->duration),
	};

	rtp_dtmf_write(payload, &p);
}

bool rtp_dtmf_tx_tick(struct rtp_dtmf_tx *tx, unsigned step, uint64_t now_ms,
		      uint8_t payload[RTP_DTMF_PAYLOAD], bool *first, bool *last)
{
	*first = *last = false;
	if (tx->state == TX_IDLE)
		return false;
	if (tx->state == TX_SENDING && !(tx->end_wanted && now_ms >= tx->end_ms)) {
		*first = tx->packets++ == 0;
		tx->duration += step;
		put(payload, tx, false);
		return true;
	}
	if (tx->state == TX_SENDING) {
		tx->state = TX_ENDING;
		tx->duration += step;	/* the time since the last update */
	}
	*first = tx->packets++ == 0;
	put(payload, tx, true);
	if (--tx->ends_left)
		return true;
	*last = true;
	tx->state = TX_IDLE;
	if (tx->next_digit) {
		char d = tx->next_digit;

		start(tx, d, now_ms);
		if (tx->next_ms)
			want_end(tx, now_ms + tx->next_ms);
		tx->next_digit = 0;
		tx->next_ms = 0;
	}
	return true;
}
