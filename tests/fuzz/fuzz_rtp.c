/* tests/fuzz/fuzz_rtp.c - libFuzzer target: the RTP header checks every packet from the network goes through (rtp_header_parse), and RTCP parsing (rtcp_parse). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "res_rtp.h"
#include "rtp_dtmf.h"
#include "rtp_rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtp_header h;
	/* A copy of exactly `size` bytes, so ASan catches any read past the packet. */
	uint8_t *packet = malloc(size ? size : 1);

	if (!packet)
		return 0;
	memcpy(packet, data, size);
	/* The same bytes as an RTCP compound packet (RFC 3550 §A.2). */
	struct rtcp_parsed rp;

	if (rtcp_parse(packet, size, size >= 12 ? (uint32_t)packet[8] << 24 : 0, &rp) == 0 &&
	    (size < 8 || size % 4))
		abort();	/* a packet the checks must refuse */
	if (rtp_header_parse(packet, size, &h) == 0) {
		/* What the parser promises: the payload lies inside the packet. */
		if (h.payload_off > size || h.payload_len > size - h.payload_off)
			abort();
		/* The payload as RFC 4733 telephone-event, through the receive
		 * state machine twice (a repeat must give no new digit), at
		 * telephone-event/8000 and, by the PT's low bit, /48000 (Opus). */
		struct rtp_dtmf_rx rx = { 0 };
		struct ly_dtmf_ev ev[3];
		unsigned clock = h.pt & 1 ? 48000 : 8000;

		rtp_dtmf_rx_packet(&rx, h.ts, packet + h.payload_off, h.payload_len, clock, 0, ev);
		if (rtp_dtmf_rx_packet(&rx, h.ts, packet + h.payload_off, h.payload_len, clock, 1,
				       ev) > 1)
			abort();
	}
	free(packet);
	return 0;
}
