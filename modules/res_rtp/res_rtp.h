/*
 * modules/res_rtp/res_rtp.h - the pieces of res_rtp and how they meet.
 *
 *   rtp_conf.c     rtp.conf [general] into struct rtp_settings
 *   rtp_ports.c    the port pair allocator (least recently released first)
 *   rtp_header.c   RFC 3550 §5.1 header checks, RFC 3551 payload types
 *   rtp_stream.c   our outgoing stream: SSRC, sequence and timestamp
 *   rtp_pair.c     port pairs: bound sockets, parked ones reused (portreuse)
 *   rtp_session.c  sessions: settings, relay pairing
 *   rtp_media.c    packets: source checks, frames in and out, relay, ticks
 *   rtp_srtp.c     SRTP/SRTCP contexts (libsrtp2): keys, protect, unprotect
 *   rtp_jb.c       the jitter buffer between the socket and the channel
 *   rtp_worker.c   media worker threads (epoll + 20 ms timerfd each)
 *   rtp_rtcp.c     RTCP packets (RFC 3550 §6): build, parse, receive statistics
 *   rtp_rtcp_io.c  a session's RTCP: report timer, send, receive, RTCP-mux
 *   rtp_cli.c      rtp show settings / rtp show stats
 *   res_rtp.c      the module: engine ops, load, unload, reload
 *
 * Ownership.  A session is a reference-counted object (lyre/obj.h).
 * References are held by the driver (until ly_rtp_destroy), by the worker
 * whose epoll set holds its sockets (until the worker itself removes them,
 * so no event can ever point at a freed session), by its relay peer while
 * paired, and for the length of one packet by a worker relaying into it.
 *
 * Locks.  Each session has one lock, and no code path holds two session
 * locks at once: the relay path drops the receiving session's lock before
 * it takes the peer's.  pair_lock (rtp_session.c) serialises pairing
 * changes only and is taken before a session lock, never after.
 */
#ifndef RES_RTP_H
#define RES_RTP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <lyre/rtp.h>

struct ly_channel;
struct ly_format;
struct ly_frame;
struct rtp_worker;

/* Largest datagram taken off a socket; longer ones are dropped as bad. */
#define RTP_MAX_PACKET 4096
/* A packet buffer: the largest datagram plus room for an SRTP trailer
 * (rtp_srtp.h RTP_SRTP_TRAILER), so a relayed packet can be re-encrypted. */
#define RTP_BUF_SIZE (RTP_MAX_PACKET + 144)
#define RTP_HEADER_LEN 12

/* ---- rtp_conf.c ---- */

struct rtp_settings {
	unsigned port_start;	/* even */
	unsigned port_end;	/* inclusive; the last pair ends at or below it */
	bool strict;		/* strictrtp: drop media from foreign sources */
	unsigned probation;	/* in-sequence packets before trusting a source */
	unsigned workers;	/* media worker threads; 0 in the file = one per core */
	unsigned realtime;	/* realtime: SCHED_RR priority of the workers, 0 = normal */
	bool jb_enable;		/* jbenable: jitter buffer for audio Lyre consumes */
	unsigned jb_max_ms;	/* jbmaxsize */
	unsigned reuse_ms;	/* portreuse: a parked pair serves again after, 0 = never */
};

/* Defaults, then rtp.conf from the config dir (a missing file is fine).
 * 0, or EINVAL with "file:line: why" in err. */
int rtp_conf_load(struct rtp_settings *out, char *err, size_t errlen);
/* The settings in force (a copy). */
void rtp_settings_get(struct rtp_settings *out);
void rtp_settings_set(const struct rtp_settings *s);

/* ---- rtp_ports.c ---- */

/* (Re)build the free list for a range; ports in use stay reserved.
 * Returns the number of pairs in the range. */
unsigned rtp_ports_configure(unsigned start, unsigned end);
/* An even port whose odd neighbour is also ours; EADDRINUSE when none. */
int rtp_ports_take(unsigned *port);
void rtp_ports_give(unsigned port);
unsigned rtp_ports_free_pairs(void);
void rtp_ports_shutdown(void);

/* ---- rtp_pair.c ---- */

struct rtp_session;

/* An epoll registration: one socket of a pair, and the session it serves
 * now (NULL while the pair is parked; set by the creating thread, cleared
 * only by the pair's worker). */
struct rtp_sock {
	_Atomic(struct rtp_session *) session;
	int fd;
	bool rtcp;
};


/* An RTP socket on an even port and the RTCP one above it. */
struct rtp_pair {
	struct rtp_sock sock[2];	/* RTP, RTCP: what the epoll set points at */
	unsigned port;
	int family;
	unsigned generation;		/* port range it was bound in */
	bool watched;			/* in its worker's epoll set */
	struct sockaddr_storage local;	/* the RTP socket's address, as bound */
	uint64_t parked_ms;
	struct rtp_pair *next;		/* in a park */
};

/* A worker's parked pairs, oldest first. */
struct rtp_park {
	pthread_mutex_t lock;
	struct rtp_pair *head, *tail;
	size_t n;
};

struct rtp_park_stats {
	size_t parked, capacity;
	unsigned reuse_ms;
	uint64_t dropped;	/* packets that arrived on parked pairs */
};

/* Bind a new pair from the free ports (not yet watched by any worker). */
int rtp_pair_bind(int family, const struct sockaddr *bind_addr, struct rtp_pair **out);
/* Close both sockets, give the port back, free p.  NULL is fine. */
void rtp_pair_close(struct rtp_pair *p);
/* The bounds for a range of port_pairs and rtp.conf portreuse (0: off);
 * pairs parked under an older range are retired. */
void rtp_park_configure(unsigned port_pairs, unsigned reuse_after_ms);
void rtp_park_init(struct rtp_park *pk);
void rtp_park_destroy(struct rtp_park *pk);
/* Park p (its sockets serve nobody now); false when parking is full or
 * off, or p is of an older range: then the caller closes it. */
bool rtp_park_put(struct rtp_park *pk, struct rtp_pair *p, uint64_t now_ms);
/* The oldest parked pair of that family and bind address parked at least
 * portreuse ms ago (any_age: however recently), or NULL. */
struct rtp_pair *rtp_park_take(struct rtp_park *pk, int family, const struct sockaddr *bind_addr,
			       uint64_t now_ms, bool any_age);
/* Unlink and return (a list through next) the pairs to close now: parked
 * too long, of an older range, or every one (all). */
struct rtp_pair *rtp_park_expired(struct rtp_park *pk, uint64_t now_ms, bool all);
size_t rtp_park_count(struct rtp_park *pk);
void rtp_park_dropped(void);
void rtp_park_stats(struct rtp_park_stats *out);

/* ---- rtp_header.c ---- */

struct rtp_header {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t payload_off;	/* after CSRCs and extension */
	size_t payload_len;	/* without padding */
};

/* 0 when `p` is an RTP packet by RFC 3550 §5.1 / §A.1, else EINVAL. */
int rtp_header_parse(const uint8_t *p, size_t len, struct rtp_header *h);
/* Assigned by RFC 3551 or dynamic (96-127); never the RTCP range 72-76. */
bool rtp_pt_acceptable(unsigned pt);
/* RTP clock rate: the RFC 3551 rate of a static type, else 8000. */
unsigned rtp_pt_clock(unsigned pt);
/* The RTP clock of a format (G.722 is the exception, RFC 3551 §4.5.2). */
unsigned rtp_format_clock(const struct ly_format *fmt);
void rtp_header_write(uint8_t *p, bool marker, unsigned pt, uint16_t seq, uint32_t ts,
		      uint32_t ssrc);
/* Rewrite marker, PT, sequence, timestamp and SSRC of a parsed packet. */
void rtp_header_restamp(uint8_t *p, bool marker, unsigned pt, uint16_t seq, uint32_t ts,
			uint32_t ssrc);

/* ---- rtp_stream.c ---- */

/*
 * Our stream toward one far end.  Whatever feeds it - frames written by
 * the channel, or packets relayed from the other leg, whose SSRC may change
 * at any re-INVITE - the far end sees one SSRC and one sequence/timestamp
 * line, with the marker bit where a new feed starts.
 */
struct rtp_out {
	uint32_t ssrc;
	uint16_t seq;		/* last sent (or the first to send, before any) */
	uint32_t ts;
	bool started;
	uint64_t sent_ms;	/* when the last packet went */
	unsigned last_samples;	/* of the last local frame, in RTP clock units */
	bool feed_relay;	/* the last packet came from a relay */
	uint32_t feed_ssrc;	/* that feed's SSRC ... */
	uint16_t feed_seq;	/* ... its highest sequence number */
	uint16_t seq_delta;	/* out = in + delta, for the current feed */
	uint32_t ts_delta;
};

struct rtp_stamp {
	bool marker;
	uint16_t seq;
	uint32_t ts;
};

void rtp_out_init(struct rtp_out *o);
/* Stamp a relayed packet (its SSRC, sequence, timestamp, marker). */
void rtp_out_relay(struct rtp_out *o, const struct rtp_header *in, unsigned clock,
		   uint64_t now_ms, struct rtp_stamp *st);
/* Stamp a locally written frame of `samples` clock units. */
void rtp_out_local(struct rtp_out *o, unsigned samples, unsigned clock, uint64_t now_ms,
		   struct rtp_stamp *st);
/* Stamp a packet of a DTMF event (RFC 4733 §2.5.1.2): first picks the
 * event's timestamp (where audio would be now) into *event_ts, every packet
 * carries it, and after the last our timestamp moves on by `duration`. */
void rtp_out_event(struct rtp_out *o, bool first, bool last, uint32_t duration, unsigned clock,
		   uint64_t now_ms, uint32_t *event_ts, struct rtp_stamp *st);
uint32_t rtp_random32(void);

/* ---- rtp_session.c ---- */

struct rtp_session;


/* A session's place in its worker's RTCP report schedule. */
struct rtp_report {
	struct rtp_session *session;
	uint64_t due_ns;	/* CLOCK_MONOTONIC */
	size_t slot;		/* in the worker's heap, or RTP_REPORT_IDLE */
};
#define RTP_REPORT_IDLE SIZE_MAX

socklen_t rtp_addr_len(const struct sockaddr *sa);
bool rtp_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
int rtp_session_create(int family, const struct sockaddr *bind_addr, struct rtp_session **out);
/* The driver's end: stop, unpair, let the worker drop its reference. */
void rtp_session_close(struct rtp_session *s);
int rtp_session_local(struct rtp_session *s, struct sockaddr_storage *out);
int rtp_session_set_remote(struct rtp_session *s, const struct sockaddr *addr);
int rtp_session_remote(struct rtp_session *s, struct sockaddr_storage *out);
int rtp_session_set_payload(struct rtp_session *s, unsigned pt, const struct ly_format *fmt);
int rtp_session_set_symmetric(struct rtp_session *s, bool on);
int rtp_session_write(struct rtp_session *s, const struct ly_frame *f);
int rtp_session_set_channel(struct rtp_session *s, struct ly_channel *chan);
int rtp_session_relay(struct rtp_session *a, struct rtp_session *b);
int rtp_session_unrelay(struct rtp_session *s);
int rtp_session_stats(struct rtp_session *s, struct ly_rtp_stats *out);
/* A worker saw `sock` readable; buf is the worker's scratch space. */
void rtp_session_readable(struct rtp_sock *sock, uint8_t *buf);
/* The 20 ms tick: ask the generator for a frame and send it. */
void rtp_session_on_tick(struct rtp_session *s);
int rtp_session_set_generator(struct rtp_session *s, ly_rtp_generator gen, void *arg);
/* Voice for the channel goes to fn instead (ly_rtp_set_audio_tap). */
int rtp_session_set_audio_tap(struct rtp_session *s, ly_rtp_audio_fn fn, void *arg);
/* SRTP keys (lyre/rtp.h ly_rtp_set_crypto); both NULL: plain RTP. */
int rtp_session_set_crypto(struct rtp_session *s, const struct ly_srtp_key *local,
			   const struct ly_srtp_key *remote);

/* For the CLI: one line's worth of a session. */
struct rtp_session_view {
	unsigned port;
	char local[64];
	char remote[64];	/* where we send, "-" when nowhere */
	bool relayed;
	bool symmetric;
	enum ly_srtp_suite srtp;	/* LY_SRTP_NONE for plain RTP */
	struct ly_rtp_stats stats;
};
void rtp_session_foreach(void (*fn)(const struct rtp_session_view *v, void *arg), void *arg);
unsigned rtp_session_count(void);

/* ---- rtp_worker.c ---- */

int rtp_workers_start(unsigned n, unsigned rt_priority);
/* Joins every worker; call only once every session is closed. */
void rtp_workers_stop(void);
unsigned rtp_workers_count(void);
/* The worker with the fewest sessions. */
struct rtp_worker *rtp_worker_pick(void);
/* A pair for a new session: parked on the worker with the fewest
 * sessions (or, when no port is free, on any), else newly bound.  *w is
 * the worker that will serve it.  The pair is not yet serving s. */
int rtp_worker_pair(int family, const struct sockaddr *bind_addr, struct rtp_worker **w,
		    struct rtp_pair **out);
/* s (fully set up, s->pair from rtp_worker_pair) starts being served: the
 * worker takes a reference and watches the sockets. */
int rtp_worker_add(struct rtp_worker *w, struct rtp_session *s, struct rtp_pair *p);
/* Ask the worker to stop serving s and drop its reference, and the
 * caller's (handed over), on its own thread (so no event in flight can
 * outlive the session).  When nobody else holds s then, the worker parks
 * s's pair instead of closing it. */
void rtp_worker_remove(struct rtp_worker *w, struct rtp_session *s);
/* Parked pairs of every worker (for the CLI). */
size_t rtp_workers_parked(void);
/* Report on r's session (rtp_rtcp_on_timer, on the worker) at due_ns, or
 * no more.  Lock order: the session's lock, then the worker's report lock;
 * a session must be cancelled before its last reference goes. */
void rtp_worker_report_at(struct rtp_worker *w, struct rtp_report *r, uint64_t due_ns);
void rtp_worker_report_cancel(struct rtp_worker *w, struct rtp_report *r);
/* Tick s every 20 ms (on) or stop (off); the timerfd runs only while some
 * session of the worker wants ticks.  Lock order: the worker's tick lock,
 * then the session's. */
void rtp_worker_tick(struct rtp_worker *w, struct rtp_session *s, bool on);

/* ---- rtp_cli.c ---- */

int rtp_cli_register(struct ly_module *self);

#endif
