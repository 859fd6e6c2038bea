/*
 * modules/chan_sip/sip_dtmf.h - DTMF for SIP legs: an endpoint's dtmfmode
 * applied to the negotiated media, and digits in SIP INFO.
 *
 *   rfc4733  telephone-event in SDP; res_rtp sends and receives the events
 *   info     INFO requests (application/dtmf-relay "Signal=5\r\nDuration=160",
 *            or application/dtmf "5"); received ones become DTMF frames,
 *            digits written to the channel go out as INFO on their END
 *   inband   tones in the audio: res_rtp runs the core's detector on what
 *            arrives and plays tones for digits written
 *   auto     rfc4733 when the peer's SDP has telephone-event, else inband
 */
#ifndef LYRE_SIP_DTMF_H
#define LYRE_SIP_DTMF_H

#include <stdbool.h>
#include <stddef.h>

#include <lyre/rtp.h>

#include "sip_config.h"

struct ly_buf;

/* The res_rtp mode for an endpoint's dtmfmode, given the peer's
 * telephone-event payload type from SDP (-1: none). */
enum ly_rtp_dtmf_mode sip_dtmf_rtp_mode(enum sip_dtmf_mode mode, int peer_pt);
/* Whether we offer and accept telephone-event in SDP. */
bool sip_dtmf_in_sdp(enum sip_dtmf_mode mode);

/*
 * The digit and duration of an INFO body: application/dtmf-relay
 * (Signal= and Duration= lines, as Cisco and Asterisk send them) or
 * application/dtmf (the digit alone).  Signal=10 and 11 are * and #
 * (some phones send the event number).  0 with *digit, *duration_ms (0
 * when not given); ENOTSUP for another content type; EINVAL for a body
 * without a digit.
 */
int sip_dtmf_info_parse(const char *content_type, const char *body, size_t len, char *digit,
			unsigned *duration_ms);
/* The application/dtmf-relay body for a digit. */
void sip_dtmf_info_body(char digit, unsigned duration_ms, struct ly_buf *out);

#define SIP_DTMF_RELAY_TYPE "application/dtmf-relay"

#endif
