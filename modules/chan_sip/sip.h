/*
 * modules/chan_sip/sip.h - the layers of Lyre's SIP stack, and the limits
 * they share.  Each layer has its own header; a layer uses only the ones
 * below it:
 *
 *   sip_msg.h        messages: parse (RFC 3261 §7, §20, §25), inspect, build, print
 *   sip_transport.h  UDP, TCP, TLS over IPv4/IPv6; framing; where responses go (§18)
 *   sip_txn.h        client and server transactions, timers A-K (§17)
 *   sdp.h            SDP (RFC 4566) and offer/answer (RFC 3264)
 *   sip_auth.h       digest authentication (RFC 7616, RFC 8760: MD5, SHA-256)
 *
 * Dialogs, the registrar, endpoints and the SIP channel technology sit on
 * top of these and are written next.
 */
#ifndef LYRE_SIP_H
#define LYRE_SIP_H

/* Largest message accepted on any transport (a UDP datagram's limit). */
#define SIP_MAX_MESSAGE 65535
/* Most header fields one message may carry (513 beyond, RFC 3261 §21.5.14). */
#define SIP_MAX_HEADERS 256

#endif
