/*
 * modules/chan_sip/sip_mwi_body.h - the application/simple-message-summary
 * body of RFC 3842 §5.2, which every message-waiting NOTIFY carries:
 *
 *   Messages-Waiting: yes
 *   Message-Account: sip:100@192.0.2.1
 *   Voice-Message: 2/8 (0/2)
 *
 * Voice-Message is new/old (new urgent/old urgent).  Pure, unit-tested.
 */
#ifndef LYRE_SIP_MWI_BODY_H
#define LYRE_SIP_MWI_BODY_H

#include <lyre/utils.h>

#define SIP_MWI_CONTENT_TYPE "application/simple-message-summary"
#define SIP_MWI_EVENT "message-summary"

struct sip_mwi_counts {
	int new_msgs, old_msgs;
	int new_urgent, old_urgent;
};

/* Append the body to out (CRLF line ends).  account (a URI, may be NULL:
 * no Message-Account line).  Negative counts print as 0. */
void sip_mwi_body(const struct sip_mwi_counts *c, const char *account, struct ly_buf *out);

#endif
