/*
 * modules/chan_sip/sdp_crypto.h - the SDES a=crypto attribute (RFC 4568):
 * parse a peer's line, write ours.
 *
 *   a=crypto:<tag> <crypto-suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<len>]
 *            [<session-param> ...]
 *
 * What is refused, and why (the line is then skipped, RFC 4568 §6.1: an
 * answerer picks another line, or rejects the stream when none is left):
 * - an unknown suite, or a key that does not decode to exactly the suite's
 *   key||salt length (§6.1, §6.2);
 * - an MKI (|1:4) or more than one key (';'): we key each direction with
 *   one master key and do not re-key in mid-stream, and several keys
 *   without an MKI to tell them apart are not allowed (§6.1);
 * - a lifetime above the suite's limit (2^48 packets for SRTP, §6.2.1);
 *   a lifetime within it is accepted, libsrtp enforces the limit;
 * - session parameters that weaken the protection (UNENCRYPTED_SRTP,
 *   UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP), KDR other than 0, FEC_KEY,
 *   FEC_ORDER other than FEC_SRTP, a WSH below 64 (§6.3.7), and unknown
 *   ones (§6.3: an unknown parameter makes the line unusable).
 */
#ifndef LYRE_SIP_SDP_CRYPTO_H
#define LYRE_SIP_SDP_CRYPTO_H

#include <lyre/rtp.h>

struct sdp_crypto {
	unsigned long tag;		/* 1*9DIGIT (§9.1) */
	struct ly_srtp_key key;		/* suite and key||salt */
};

/* The value of an a=crypto line (after "crypto:").  0; EINVAL for a line
 * that breaks the grammar, ENOTSUP for one we will not use (see above);
 * *why says which (why may be NULL). */
int sdp_crypto_parse(const char *value, struct sdp_crypto *out, const char **why);
/* "<tag> <suite> inline:<base64>", a new string. */
char *sdp_crypto_format(const struct sdp_crypto *c);

#endif
