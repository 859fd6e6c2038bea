/*
 * modules/chan_sip/sip_media.h - one call leg's audio: a res_rtp session
 * and the SDP that describes it.
 *
 * A leg binds its session on the local address that routes toward the
 * peer (so the c= line names an address the peer can reach), offers or
 * answers with the endpoint's allow list, and applies every negotiated
 * struct sdp_result to the session: remote address, payload type, and the
 * format the channel speaks.  The session pointer is stable from
 * sip_media_open to sip_media_close, and every ly_rtp_* call is
 * thread-safe, so channel threads write to it while the SIP thread
 * applies re-INVITEs.
 */
#ifndef LYRE_SIP_MEDIA_H
#define LYRE_SIP_MEDIA_H

#include <stdbool.h>
#include <sys/socket.h>

#include <lyre/rtp.h>

#include "sdp_negotiate.h"
#include "sip_config.h"

struct ly_rtp;
struct ly_format;

struct sip_media {
	struct ly_rtp *rtp;
	char addr[64];			/* our RTP address, a literal for c= */
	unsigned port;			/* our RTP port */
	char **codecs;			/* Lyre format names, preferred first */
	size_t ncodecs;
	bool symmetric;			/* send where the peer's packets come from */
	bool negotiated;		/* res holds a result */
	struct sdp_result res;
	const struct ly_format *fmt;	/* the negotiated format (the first codec before) */
	enum sip_dtmf_mode dtmfmode;	/* the peer's; set after sip_media_open */
	enum sdp_srtp srtp;		/* the endpoint's srtp= */
	struct ly_srtp_key keys[LY_SRTP_SUITES];	/* ours, kept for the leg's life */
	size_t nkeys;
};

/*
 * Bind a session toward `peer` (its family and routing pick our address).
 * allow: NULL-terminated format names (NULL: ulaw, alaw).  0, ENOENT (no
 * RTP engine: res_rtp not loaded), EADDRINUSE, or a socket errno.
 */
int sip_media_open(struct sip_media *m, const struct sockaddr *peer, char *const *allow,
		   bool symmetric);
void sip_media_close(struct sip_media *m);

/*
 * SRTP for this leg (sdp_negotiate.h has the rules).  Other than `no`, it
 * draws one fresh key per suite the engine can do.  The keys stay for the
 * leg's life: re-offers repeat them, which RFC 4568 §6.1 allows while the
 * stream goes on (our SSRC and sequence continue, so no keystream is used
 * twice).  Never copied to another leg.  0 or ENOTSUP (no suite).
 */
int sip_media_set_srtp(struct sip_media *m, enum sdp_srtp mode);

/* What we offer or answer, in direction dir. */
void sip_media_local(const struct sip_media *m, enum sdp_dir dir, struct sdp_local *out);

/* Point the session at what negotiation agreed (also on a re-INVITE). */
int sip_media_apply(struct sip_media *m, const struct sdp_result *res);

#endif
