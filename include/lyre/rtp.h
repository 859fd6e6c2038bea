/*
 * lyre/rtp.h - RTP media sessions, as channel drivers see them.
 *
 * A module (res_rtp) registers an RTP engine; a channel driver (chan_sip)
 * creates one session per media stream through the wrappers below and never
 * touches a socket itself.  A session:
 *
 *   - is bound on an even port of the engine's configured range, the odd
 *     port above it kept for RTCP (RFC 3550 §11);
 *   - sends to the remote address the driver took from SDP, or with
 *     symmetric RTP (RFC 4961) to where the phone's packets come from, which
 *     lets phones behind NAT talk without any help from the phone;
 *   - checks every packet's header (RFC 3550 §5.1, §A.1) and, when the
 *     engine is strict, drops media from any source but the one it locked;
 *   - either turns packets into LY_FRAME_VOICE frames on its channel's
 *     queue, or, while relayed to another session, sends them straight on
 *     from the media worker that received them, rewriting SSRC, sequence
 *     number and timestamp so that each far end sees one continuous stream
 *     (also when the other leg restarts its stream after a re-INVITE).
 *
 * Threads: every function is thread-safe.  Sessions are served by the
 * engine's media workers; a frame for a channel arrives with
 * ly_chan_queue_frame from a worker thread.  The session holds a reference
 * on the channel it feeds until ly_rtp_set_channel(NULL) or destroy.
 *
 * Lifetime: the driver owns each session it created and ends it with
 * ly_rtp_destroy.  A live session holds its engine's module in use.
 */
#ifndef LYRE_RTP_H
#define LYRE_RTP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

struct ly_module;
struct ly_channel;
struct ly_format;
struct ly_frame;

/* Per-session counters (monotonic over the session's life). */
struct ly_rtp_stats {
	uint64_t packets_in;		/* accepted: valid header, allowed source */
	uint64_t bytes_in;		/* RTP bytes (header included) of those */
	uint64_t packets_out;		/* sent: written frames and relayed packets */
	uint64_t bytes_out;
	uint64_t dropped_header;	/* RFC 3550 §5.1 checks failed, or not RTP at all */
	uint64_t dropped_source;	/* from a foreign source while strict */
	uint64_t dropped_learning;	/* from a source still on probation */
	uint64_t dropped_payload;	/* payload type with no format to give the channel */
	uint64_t dropped_queue;		/* the channel's queue was full (nobody reading) */
	uint64_t relayed;		/* of packets_in, sent on to the relay peer */
	uint64_t srtp_auth_fail;	/* SRTP: bad auth tag, or not SRTP at all */
	uint64_t srtp_replay;		/* SRTP: replayed or too old (RFC 3711 §3.3.2) */
	uint32_t ssrc_out;		/* our SSRC toward the far end */
	uint32_t ssrc_in;		/* the far end's current SSRC (0 before any packet) */
	/* RTCP (RFC 3550 §6), appended.  Our view of what we receive: */
	uint64_t rtcp_in;		/* valid RTCP compound packets received */
	uint64_t rtcp_out;		/* RTCP compound packets sent */
	uint64_t rtcp_bad;		/* RTCP that failed the §A.2 checks */
	uint64_t srtcp_fail;		/* SRTCP: failed authentication or replay */
	uint64_t expected_in;		/* packets the far end's sequence says it sent (§A.3) */
	int64_t lost_in;		/* expected_in - received; negative with duplicates */
	uint32_t jitter_in_us;		/* interarrival jitter of what we receive (§A.8) */
	/* The far end's view of our stream, from its last report block: */
	bool have_report;		/* it sent a report block about our SSRC */
	int64_t lost_out;		/* its cumulative lost count */
	uint8_t fraction_out;		/* lost in its last interval, of 256 */
	uint32_t jitter_out_us;		/* its interarrival jitter of our stream */
	int64_t rtt_us;			/* last round trip (§6.4.1), -1 until known */
	bool rtcp_mux;			/* RTCP on the RTP port (RFC 5761) */
};

/*
 * A session's figures as Asterisk's RTPAUDIOQOS gives them (what a CDR
 * takes): "ssrc=..;themssrc=..;lp=..;rxjitter=..;rxcount=..;txjitter=..;
 * txcount=..;rlp=..;rtt=.." with jitters and rtt in seconds.  Core.
 */
void ly_rtp_stats_qos(const struct ly_rtp_stats *st, char *buf, size_t len);

/*
 * SRTP (RFC 3711) crypto suites for SDES keying (RFC 4568 §6.2, RFC 7714
 * §12 for the AEAD ones).  The key is the master key followed by the
 * master salt, as a=crypto's inline: carries it.
 */
enum ly_srtp_suite {
	LY_SRTP_NONE = 0,
	LY_SRTP_AES_CM_128_HMAC_SHA1_80,	/* 16-byte key + 14-byte salt */
	LY_SRTP_AES_CM_128_HMAC_SHA1_32,	/* same keys, 4-byte RTP tag */
	LY_SRTP_AEAD_AES_128_GCM,		/* 16-byte key + 12-byte salt */
	LY_SRTP_AEAD_AES_256_GCM,		/* 32-byte key + 12-byte salt */
};
#define LY_SRTP_SUITES 4		/* suites after LY_SRTP_NONE */
#define LY_SRTP_MAX_KEY 44		/* the longest key||salt (AES-256-GCM) */

struct ly_srtp_key {
	enum ly_srtp_suite suite;
	uint8_t key[LY_SRTP_MAX_KEY];	/* master key || master salt */
	unsigned len;			/* ly_srtp_key_len(suite) */
};

/* The RFC name ("AES_CM_128_HMAC_SHA1_80"), or NULL.  Inline, so that
 * SDP code (and its fuzz target) needs no engine to know the suites. */
static inline const char *ly_srtp_suite_name(enum ly_srtp_suite suite)
{
	switch (suite) {
	case LY_SRTP_AES_CM_128_HMAC_SHA1_80: return "AES_CM_128_HMAC_SHA1_80";
	case LY_SRTP_AES_CM_128_HMAC_SHA1_32: return "AES_CM_128_HMAC_SHA1_32";
	case LY_SRTP_AEAD_AES_128_GCM: return "AEAD_AES_128_GCM";
	case LY_SRTP_AEAD_AES_256_GCM: return "AEAD_AES_256_GCM";
	default: return NULL;
	}
}

/* By name, case-sensitive as RFC 4568 §9.2 registers them; LY_SRTP_NONE if unknown. */
static inline enum ly_srtp_suite ly_srtp_suite_by_name(const char *name)
{
	for (unsigned i = 1; name && i <= LY_SRTP_SUITES; i++)
		if (strcmp(ly_srtp_suite_name((enum ly_srtp_suite)i), name) == 0)
			return (enum ly_srtp_suite)i;
	return LY_SRTP_NONE;
}

/* Bytes of key||salt for a suite, 0 for an unknown one. */
static inline unsigned ly_srtp_key_len(enum ly_srtp_suite suite)
{
	switch (suite) {
	case LY_SRTP_AES_CM_128_HMAC_SHA1_80:
	case LY_SRTP_AES_CM_128_HMAC_SHA1_32: return 30;
	case LY_SRTP_AEAD_AES_128_GCM: return 28;
	case LY_SRTP_AEAD_AES_256_GCM: return 44;
	default: return 0;
	}
}

/*
 * Media the PBX makes itself (playback, music on hold): every 20 ms the
 * session's media worker calls gen(arg) and sends the frame it returns
 * (NULL: nothing this time); the worker frees the frame.  gen runs on the
 * worker thread with the session locked, so it must not block or call
 * into this session.
 */
typedef struct ly_frame *(*ly_rtp_generator)(void *arg);

/*
 * An audio tap (a conference mixer's input): the voice frames the session
 * would queue on its channel, after the jitter buffer, are handed to
 * fn(arg, frame) on the media worker instead; the session keeps the frame.
 * DTMF (in-band digits are still detected) and every other frame still go
 * to the channel, so its thread wakes only for those.  fn runs with the
 * session locked, so it must not block or call into this session.
 */
typedef void (*ly_rtp_audio_fn)(void *arg, const struct ly_frame *f);

/*
 * How a session's far end carries DTMF (the driver decides, from its
 * configuration and SDP):
 *   NONE     digits are neither sent nor received on this session;
 *   RFC4733  telephone-event packets (RFC 4733) with the payload type SDP
 *            agreed: received ones become LY_FRAME_DTMF_BEGIN/END frames,
 *            ly_rtp_dtmf_begin/end send them;
 *   INBAND   tones in the audio: received audio goes through the core's
 *            detector (lyre/dsp.h), ly_rtp_dtmf_begin/end play tones;
 *   SIGNALLING  the driver carries digits itself (SIP INFO); the session
 *            passes audio only.
 * Two sessions relay only when their modes match: a relay forwards
 * packets untouched, so only the core, with frames, converts digits.
 */
enum ly_rtp_dtmf_mode {
	LY_RTP_DTMF_NONE,
	LY_RTP_DTMF_RFC4733,
	LY_RTP_DTMF_INBAND,
	LY_RTP_DTMF_SIGNALLING,
};

/*
 * What an engine implements.  pvt is the engine's own session state.
 * Every op returns 0 or an errno value.  The table only grows by appending
 * (RTCP, DTMF come next); a NULL op answers ENOTSUP.
 */
struct ly_rtp_engine {
	const char *name;		/* "lyre" */
	const char *description;
	/* A session bound in `family` (AF_INET, AF_INET6) on `bind_addr`'s
	 * address when given (its port is ignored), else on the wildcard. */
	int (*create)(int family, const struct sockaddr *bind_addr, void **pvt);
	void (*destroy)(void *pvt);
	int (*local_addr)(void *pvt, struct sockaddr_storage *out);
	/* NULL forgets the remote; a new address also restarts learning. */
	int (*set_remote)(void *pvt, const struct sockaddr *addr);
	int (*remote_addr)(void *pvt, struct sockaddr_storage *out);
	/* pt 0..127 -> fmt; fmt NULL clears that payload type. */
	int (*set_payload)(void *pvt, unsigned pt, const struct ly_format *fmt);
	int (*set_symmetric)(void *pvt, bool on);
	int (*write)(void *pvt, const struct ly_frame *f);
	int (*set_channel)(void *pvt, struct ly_channel *chan);
	/* Both sessions are this engine's; unrelay ends a's pairing (and b's). */
	int (*relay)(void *a, void *b);
	int (*unrelay)(void *a);
	int (*stats)(void *pvt, struct ly_rtp_stats *out);
	int (*set_generator)(void *pvt, ly_rtp_generator gen, void *arg);
	/* DTMF (see enum ly_rtp_dtmf_mode); pt is telephone-event's, -1 none. */
	int (*set_dtmf)(void *pvt, enum ly_rtp_dtmf_mode mode, int pt, unsigned clock);
	int (*dtmf_begin)(void *pvt, char digit);
	int (*dtmf_end)(void *pvt, char digit, unsigned duration_ms);
	/* A fresh random key for `suite`; ENOTSUP when the engine lacks it. */
	int (*srtp_keygen)(void *pvt, enum ly_srtp_suite suite, struct ly_srtp_key *out);
	/* SRTP from now on with our key (we encrypt) and the peer's (we
	 * decrypt); both NULL: plain RTP again.  A key equal to the one in
	 * force keeps its context (roll-over counter, replay window). */
	int (*set_crypto)(void *pvt, const struct ly_srtp_key *local,
			  const struct ly_srtp_key *remote);
	/* RTCP: mux on the RTP port (RFC 5761), else to the peer's RTCP
	 * port (a=rtcp, RFC 3605; 0: the RTP port + 1). */
	int (*set_rtcp)(void *pvt, bool mux, unsigned remote_port);
	/* Voice for the channel to fn instead (NULL: to the channel again). */
	int (*set_audio_tap)(void *pvt, ly_rtp_audio_fn fn, void *arg);

	struct ly_rtp_engine *next;	/* the core's list; set by register */
	struct ly_module *owner;	/* set by ly_rtp_engine_register */
};

/* The engine's storage must outlive its registration (use static).
 * 0, EEXIST for a second engine of the same name, or EINVAL. */
int ly_rtp_engine_register(struct ly_module *owner, struct ly_rtp_engine *engine);
void ly_rtp_engine_unregister(struct ly_rtp_engine *engine);
/* True when an engine of that name (NULL: any) is registered. */
bool ly_rtp_engine_exists(const char *name);

struct ly_rtp;	/* one session, owned by the driver that created it */

/*
 * Create a session with engine `engine` (NULL: the first registered).
 * family: AF_INET or AF_INET6; bind_addr: NULL for the wildcard address.
 * ENOENT without such an engine, EADDRINUSE when the port range is full.
 */
int ly_rtp_new(const char *engine, int family, const struct sockaddr *bind_addr,
	       struct ly_rtp **out);
/* Stop the session, end any relay, release its ports. NULL-safe. */
void ly_rtp_destroy(struct ly_rtp *rtp);

const char *ly_rtp_engine_name(const struct ly_rtp *rtp);
/* The address and (even) port this session receives RTP on. */
int ly_rtp_local_addr(struct ly_rtp *rtp, struct sockaddr_storage *out);
/* Where RTP goes: from SDP (c= and m= lines); NULL forgets it. */
int ly_rtp_set_remote(struct ly_rtp *rtp, const struct sockaddr *addr);
/* The current destination (learnt or set); ENOTCONN when there is none. */
int ly_rtp_remote_addr(struct ly_rtp *rtp, struct sockaddr_storage *out);
/* Payload type mapping from SDP (rtpmap, or the static RFC 3551 ones). */
int ly_rtp_set_payload(struct ly_rtp *rtp, unsigned pt, const struct ly_format *fmt);
/* Send to where the far end's packets come from (nat=yes in Asterisk). */
int ly_rtp_set_symmetric(struct ly_rtp *rtp, bool on);
/* Send one LY_FRAME_VOICE frame; the session stamps SSRC, sequence number
 * and timestamp.  Frames written before a remote is known are discarded. */
int ly_rtp_write(struct ly_rtp *rtp, const struct ly_frame *f);
/* Where received audio goes as voice frames; NULL stops it. */
int ly_rtp_set_channel(struct ly_rtp *rtp, struct ly_channel *chan);
/* Relay a's packets to b and b's to a inside the media workers; the
 * channel then gets no frames from either.  EXDEV for different engines,
 * EPROTO when their DTMF modes differ (the core must convert digits). */
int ly_rtp_relay(struct ly_rtp *a, struct ly_rtp *b);
int ly_rtp_unrelay(struct ly_rtp *rtp);
int ly_rtp_get_stats(struct ly_rtp *rtp, struct ly_rtp_stats *out);
/* Start (gen non-NULL) or stop generated media.  Once it returns with
 * NULL, the previous generator is not running and will not run again. */
int ly_rtp_set_generator(struct ly_rtp *rtp, ly_rtp_generator gen, void *arg);
/* A fresh master key and salt for `suite`, from a CSPRNG.  ENOTSUP when
 * the engine cannot do that suite. */
int ly_rtp_srtp_keygen(struct ly_rtp *rtp, enum ly_srtp_suite suite, struct ly_srtp_key *out);
/*
 * Encrypt what we send with `local` and decrypt what comes with `remote`
 * (SDES: our a=crypto key and the peer's; both must name one suite).  Both
 * NULL turns SRTP off.  Packets that fail authentication or replay checks
 * are dropped and counted (srtp_auth_fail, srtp_replay).  On a relay each
 * leg decrypts with its own remote key and the other leg re-encrypts with
 * its own local key: keys never cross from one leg to the other.
 */
int ly_rtp_set_crypto(struct ly_rtp *rtp, const struct ly_srtp_key *local,
		      const struct ly_srtp_key *remote);

/* RTCP toward the far end: on the RTP port when mux (RFC 5761, both
 * sides said a=rtcp-mux), else to remote_port (a=rtcp; 0 = RTP port + 1).
 * Reports go every ~5 s (RFC 3550 §6.2) on their own either way. */
int ly_rtp_set_rtcp(struct ly_rtp *rtp, bool mux, unsigned remote_port);
/* Set RTPAUDIOQOS (ly_rtp_stats_qos) and RTPAUDIOQOS{JITTER,LOSS,RTT}
 * on chan from its driver's session (tech get_rtp), once: before the `h`
 * extension, so it and a CDR read the call's figures.  Logs them. */
void ly_rtp_chan_set_qos(struct ly_channel *chan);

/* Send received voice to fn (see ly_rtp_audio_fn) instead of the channel;
 * fn NULL: to the channel again.  Once it returns with NULL, fn is not
 * running and will not run again.  ENOTSUP when the engine cannot. */
int ly_rtp_set_audio_tap(struct ly_rtp *rtp, ly_rtp_audio_fn fn, void *arg);

/* How this session carries DTMF; pt: the telephone-event payload type
 * from SDP (RFC4733 mode), else -1.  May change on any re-INVITE. */
int ly_rtp_set_dtmf(struct ly_rtp *rtp, enum ly_rtp_dtmf_mode mode, int pt, unsigned clock);
enum ly_rtp_dtmf_mode ly_rtp_dtmf_mode(const struct ly_rtp *rtp);
/* Send a digit (0-9 * # A-D) in the session's mode: begin when the key
 * goes down, end when it comes up (duration_ms: how long it was held, used
 * when no begin came first).  ENOTSUP in modes NONE and SIGNALLING. */
int ly_rtp_dtmf_begin(struct ly_rtp *rtp, char digit);
int ly_rtp_dtmf_end(struct ly_rtp *rtp, char digit, unsigned duration_ms);

#endif
