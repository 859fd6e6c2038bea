/*
 * modules/chan_sip/sdp_negotiate.h - the offer/answer model (RFC 3264) for
 * one audio stream: build our offer, answer a peer's offer, and read the
 * peer's answer to ours.  All three end in a struct sdp_result that tells
 * the media layer where to send, with which payload type, and whether the
 * call is on hold.
 *
 * Choices, and why:
 * - Codec order.  The answerer picks the first codec of the ENDPOINT's
 *   allow= list that the offer carries, not the offer's first.  RFC 3264
 *   §6.1 recommends the offer's order "unless there is a specific reason";
 *   ours is that the administrator's order decides, as with Asterisk's
 *   allow= lists, so a site that prefers G.722 gets it from every phone.
 * - One codec in the answer (plus telephone-event).  RFC 3264 §7 lets the
 *   offerer switch at any time among all the formats of the answer; a
 *   relay that passes packets between two legs without transcoding cannot
 *   follow such a switch, so the answer names only the codec chosen.
 * - Payload type numbers of the offer are kept in the answer (§6.1), so
 *   both sides use one number for each codec, dynamic ones included.
 * - One audio stream.  Every other m= line (video, a second audio stream,
 *   image/T.38, profiles other than RTP/AVP and RTP/SAVP) is rejected with
 *   port 0, and the answer keeps the offer's m= count and order (§6).
 * - SRTP with SDES keys (RFC 4568), by the endpoint's srtp= setting:
 *     no         offers RTP/AVP without a=crypto; a RTP/SAVP offer is
 *                rejected (488 when it is the only audio), a=crypto in
 *                an RTP/AVP offer is ignored.
 *     optional   offers RTP/AVP WITH a=crypto lines ("best effort SRTP",
 *                what baresip's mediaenc=srtp and Asterisk's
 *                media_encryption_optimistic do): a phone that knows SDES
 *                answers with a=crypto and the call is encrypted, any
 *                other ignores the lines and the call is plain.  Answers
 *                RTP/SAVP with SRTP, RTP/AVP with SRTP when it carries a
 *                usable a=crypto, else plain.
 *     mandatory  offers RTP/SAVP; an answer without a usable a=crypto is
 *                refused (EPROTO: the SIP layer ends the call).  Answers
 *                an offer with a usable a=crypto (RTP/SAVP or RTP/AVP),
 *                and a plain offer with 488.
 *   The answerer takes the offer's first a=crypto line whose suite we can
 *   do (§7.1.1 lets it pick any) and answers with that line's tag and
 *   suite and our own key: keys are per direction, never echoed.
 */
#ifndef LYRE_SIP_SDP_NEGOTIATE_H
#define LYRE_SIP_SDP_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lyre/rtp.h>

#include "sdp.h"

/* A codec Lyre can put on the wire, by its Lyre format name (lyre/format.h). */
struct sdp_codec {
	const char *format;	/* "ulaw" */
	const char *encoding;	/* rtpmap encoding name: "PCMU" */
	unsigned rate;		/* RTP clock rate (8000 for G.722: RFC 3551 §4.5.2) */
	unsigned channels;	/* 0 for mono (not written), 2 for opus (RFC 7587 §7) */
	int static_pt;		/* RFC 3551 static payload type, -1 for a dynamic one */
	const char *fmtp;	/* parameters we offer, or NULL */
};

/* The codec named `format`, or NULL when Lyre cannot put it in SDP. */
const struct sdp_codec *sdp_codec_find(const char *format);
/* The codec a format of a parsed m= line stands for: its rtpmap when it
 * has one, else the static payload type (RFC 3551 §6).  NULL if unknown. */
const struct sdp_codec *sdp_codec_of(const struct sdp_format *f);

enum sdp_srtp { SDP_SRTP_NO, SDP_SRTP_OPTIONAL, SDP_SRTP_MANDATORY };

/* What we offer or accept on our side of one call leg. */
struct sdp_local {
	const char *addr;	/* our RTP address, an IPv4 or IPv6 literal */
	unsigned port;		/* our RTP port */
	const char *const *codecs;	/* Lyre format names, preferred first */
	size_t ncodecs;
	bool dtmf;		/* offer and accept RFC 4733 telephone-event */
	unsigned ptime;		/* a=ptime we ask for, 0 to leave it out */
	enum sdp_dir dir;	/* SDP_SENDRECV; SDP_SENDONLY to hold the peer;
				 * SDP_INACTIVE; SDP_DIR_UNSET counts as sendrecv */
	enum sdp_srtp srtp;	/* see the top */
	const struct ly_srtp_key *keys;	/* our keys, one per suite we can do,
					 * preferred first; offered in order */
	size_t nkeys;
};

/* Our o= line across one dialog.  RFC 3264 §8: a new offer or answer
 * that differs from the previous one carries sess-version + 1, one that
 * does not keeps the version.  Keep one per dialog, start it with
 * sdp_owner_init and pass it to every offer and answer of the dialog. */
struct sdp_owner {
	uint64_t sess_id;
	uint64_t version;
	uint64_t last_hash;	/* of the last description sent, o= version left out */
	bool used;
};

/* `sess_id` should be random (RFC 4566 §5.2 suggests an NTP timestamp;
 * any value unique to the dialog works); the version starts equal to it. */
void sdp_owner_init(struct sdp_owner *own, uint64_t sess_id);

/* The outcome of a negotiation, from our point of view. */
struct sdp_result {
	size_t media_index;	/* the audio m= line that was agreed */
	const char *codec;	/* Lyre format name ("ulaw") */
	int pt;			/* payload type to send the codec with */
	unsigned rate;		/* its RTP clock rate */
	int dtmf_pt;		/* the peer's telephone-event payload type, -1 none */
	unsigned dtmf_rate;	/* and its rtpmap clock (8000, 48000 with Opus) */
	char addr[64];		/* where to send RTP ("0.0.0.0" when on legacy hold) */
	bool ipv6;
	unsigned port;		/* the peer's RTP port */
	unsigned rtcp_port;	/* a=rtcp (RFC 3605) or port + 1 (RFC 3550 §11) */
	bool rtcp_mux;		/* RTCP on the RTP port (RFC 5761): offered and answered */
	unsigned ptime;		/* the packetization the peer asked for, 0 none */
	enum sdp_dir dir;	/* what WE may do: SDP_SENDRECV, SDP_SENDONLY, ... */
	bool remote_hold;	/* the peer put us on hold (RFC 3264 §8.4) */
	bool srtp;		/* SRTP with the two keys below */
	struct ly_srtp_key local_key;	/* ours: we encrypt with it */
	struct ly_srtp_key remote_key;	/* the peer's: we decrypt with it */
};

/* Build our offer: one audio m= line with the local codecs in order,
 * telephone-event/8000 0-16 when local->dtmf (and telephone-event/48000
 * too when opus is offered, RFC 4733 §2.1 wants the audio's clock).
 * EINVAL with a reason when no codec is known or the address is not a literal. */
int sdp_offer_create(const struct sdp_local *local, struct sdp_owner *own,
		     struct sdp_session **out, struct sdp_error *err);

/* Answer a peer's offer.  0 with *answer and *res; EPROTO with status
 * 488 in *err when no stream can be accepted (the SIP layer answers 488). */
int sdp_answer_create(const struct sdp_session *offer, const struct sdp_local *local,
		      struct sdp_owner *own, struct sdp_session **answer,
		      struct sdp_result *res, struct sdp_error *err);

/* Read the peer's answer to our offer.  EPROTO with a reason when the
 * answer breaks RFC 3264 §6 (another m= count, a codec we did not offer)
 * or rejects the audio stream; the caller then ends the call (RFC 3261
 * §13.2.1 gives no way to refuse an answer but a BYE or a new offer). */
int sdp_answer_apply(const struct sdp_session *offer, const struct sdp_session *answer,
		     struct sdp_result *res, struct sdp_error *err);

#endif
