/*
 * modules/res_rtp/rtp_srtp.h - SRTP and SRTCP (RFC 3711) for one session,
 * over libsrtp2.
 *
 * A session's crypto is two libsrtp contexts: one that protects what we
 * send, under our own master key, and one that unprotects what the peer
 * sends, under the peer's key (SDES gives each direction its own key,
 * RFC 4568 §6.1).  Each can be replaced alone, so a re-INVITE that keeps
 * one side's key keeps that side's roll-over counter and replay window.
 * libsrtp's replay protection stays on (RFC 3711 §3.3.2).
 *
 * Not thread-safe: the session's lock guards its struct rtp_srtp.
 */
#ifndef RES_RTP_SRTP_H
#define RES_RTP_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lyre/rtp.h>

/* Room a packet buffer needs after the RTP packet for the SRTP trailer:
 * libsrtp's SRTP_MAX_TRAILER_LEN (largest tag plus MKI), which it assumes
 * it may write (checked in rtp_srtp.c). */
#define RTP_SRTP_TRAILER 144

struct rtp_srtp;

/* libsrtp's one-time set-up; finds which suites it was built with. */
int rtp_srtp_init(void);
void rtp_srtp_shutdown(void);
/* Whether libsrtp here can do the suite (the AEAD ones need its OpenSSL build). */
bool rtp_srtp_suite_ok(enum ly_srtp_suite suite);
/* A fresh key||salt from OpenSSL's CSPRNG.  ENOTSUP for a suite we lack. */
int rtp_srtp_keygen(enum ly_srtp_suite suite, struct ly_srtp_key *out);

/* Install or replace the keys (see the top); both NULL frees *sp and sets
 * it NULL.  EINVAL for a bad key, ENOTSUP for a suite we lack. */
int rtp_srtp_set(struct rtp_srtp **sp, const struct ly_srtp_key *local,
		 const struct ly_srtp_key *remote);
void rtp_srtp_free(struct rtp_srtp *c);
enum ly_srtp_suite rtp_srtp_suite(const struct rtp_srtp *c);

/*
 * Protect in place: *len grows by the trailer, so pkt needs
 * RTP_SRTP_TRAILER bytes of room after it.  0 or EINVAL.
 */
int rtp_srtp_protect(struct rtp_srtp *c, uint8_t *pkt, size_t *len);
int rtp_srtp_protect_rtcp(struct rtp_srtp *c, uint8_t *pkt, size_t *len);
/*
 * Unprotect in place: 0 with the plain packet's *len; EBADMSG when the
 * packet fails authentication (or is not SRTP), EALREADY for a replay or a
 * packet too old for the replay window, EINVAL for anything else.
 */
int rtp_srtp_unprotect(struct rtp_srtp *c, uint8_t *pkt, size_t *len);
int rtp_srtp_unprotect_rtcp(struct rtp_srtp *c, uint8_t *pkt, size_t *len);

#endif
