/* modules/res_rtp/rtp_session_int.h - a session's fields, shared by rtp_session.c and rtp_media.c. */
#ifndef RES_RTP_SESSION_INT_H
#define RES_RTP_SESSION_INT_H

#include <pthread.h>
#include <stddef.h>

#include "res_rtp.h"
#include "rtp_srtp.h"

/* Fields below `lock` are guarded by it, except those set at creation
 * (worker, sockets, port, family, local) which never change.
 *
 * The order matters for playback at scale: a media worker ticks every
 * generating session every 20 ms, and with thousands of them each tick
 * is a cache miss per line touched.  What a tick reads (lock, the
 * generator, DTMF and jitter-buffer state, the stamp, the socket and the
 * destination) sits in the first lines, which the worker prefetches a
 * few sessions ahead (rtp_worker.c); the rest follows. */
struct rtp_session {
	/* ---- read on every tick ---- */
	pthread_mutex_t lock;
	bool closed;
	bool have_remote;
	bool symmetric, strict;
	bool have_source;
	bool dtmf_sending;		/* a digit is going out: the tick asks rtp_dtmf */
	int rtp_fd;
	ly_rtp_generator gen;
	void *gen_arg;
	struct rtp_dtmf_state *dtmf;	/* rtp_dtmf_io.c; NULL until set */
	struct rtp_jb *jb;		/* rtp_jb.c; NULL until audio for a channel */
	struct rtp_srtp *srtp;		/* NULL: plain RTP (rtp_srtp.h) */
	struct ly_channel *chan;
	ly_rtp_audio_fn tap;		/* voice for the channel goes here instead */
	void *tap_arg;
	const struct ly_format *cached_fmt;	/* last format -> PT lookup */
	unsigned cached_pt;
	struct rtp_out out;
	uint64_t packets_out, bytes_out;	/* stats.packets_out/bytes_out, kept here */
	struct sockaddr_storage remote;	/* from SDP */
	struct sockaddr_storage source;	/* learnt (strict: locked) source */

	/* ---- the rest ---- */
	struct rtp_worker *worker;
	struct rtp_pair *pair;		/* its sockets; NULL once the worker parked it */
	int rtcp_fd;
	unsigned port;
	int family;
	struct sockaddr_storage local;	/* the RTP socket's address, as bound */
	unsigned probation;
	struct sockaddr_storage cand;	/* a source on probation */
	uint32_t cand_ssrc;
	uint16_t cand_seq;
	unsigned cand_count;

	const struct ly_format *pt_fmt[128];
	struct rtp_session *peer;
	struct ly_rtp_stats stats;
	unsigned jb_max_ms;		/* 0: no jitter buffer (rtp.conf jbenable) */
	struct rtp_rtcp_state *rtcpst;	/* rtp_rtcp_io.c */

	struct rtp_session *prev, *next;	/* all sessions, for the CLI */
};

/* The lines a tick reads, asked for ahead of the tick (rtp_worker.c):
 * the fields above `remote`, and the start of the two addresses (an
 * IPv6 sockaddr is 28 bytes; the rest of sockaddr_storage is padding). */
#define RTP_SESSION_HOT_BYTES offsetof(struct rtp_session, remote)

static inline void rtp_session_prefetch_hot(const struct rtp_session *s)
{
	for (size_t off = 0; off < RTP_SESSION_HOT_BYTES; off += 64)
		__builtin_prefetch((const char *)s + off);
	__builtin_prefetch(&s->remote);
	__builtin_prefetch(&s->source);
}

struct rtp_dtmf_state;

/* ---- from rtp_media.c, for rtp_dtmf_io.c (session locked) ---- */

/* pkt has RTP_SRTP_TRAILER bytes of room after len (SRTP's tag). */
void rtp_session_send_locked(struct rtp_session *s, const struct sockaddr_storage *dest,
			     uint8_t *pkt, size_t len);
int rtp_session_send_frame_locked(struct rtp_session *s, const struct ly_frame *f, uint8_t *pkt);

/* ---- rtp_jb.c: the jitter buffer of a session whose audio goes to its
 * channel (never a relayed one: relay stays packet-for-packet) ---- */

struct rtp_jb;
/* Take f for the jitter buffer (true), or false when the session has
 * none and f should go to the channel now.  Unlocked; may start ticks. */
bool rtp_jb_take(struct rtp_session *s, struct ly_frame *f, const struct rtp_header *h);
/* On the tick: the frame due now, or NULL.  Locked. */
/* The jitter buffer has started its ticks (they must outlive a generator). */
bool rtp_jb_ticking_locked(const struct rtp_session *s);
struct ly_frame *rtp_jb_tick_locked(struct rtp_session *s);
void rtp_jb_free(struct rtp_session *s);

/* ---- helpers from rtp_session.c ---- */

/* Where our packets go now (see rtp_session.c); NULL when nowhere.  Locked. */
const struct sockaddr_storage *rtp_session_destination(const struct rtp_session *s);

#endif
