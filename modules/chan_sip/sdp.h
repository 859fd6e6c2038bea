/*
 * modules/chan_sip/sdp.h - session descriptions (RFC 4566): parse, inspect,
 * print.  Offer/answer (RFC 3264) sits on top of this in sdp_negotiate.h.
 *
 * A parsed description is a tree the caller owns and frees with sdp_free().
 * Everything the parser does not interpret is kept, in order, so that it can
 * be printed back or read later: a= attributes such as a=crypto (RFC 4568),
 * a=rtcp (RFC 3605) and a=rtcp-mux (RFC 5761) stay in `attrs`; i= u= e= p=
 * b= t= r= z= k= lines stay in `lines`.  The printer writes the lines in the
 * order RFC 4566 §5 requires, whatever order they were read in, so
 * print(parse(print(parse(x)))) == print(parse(x)).
 *
 * The parser is strict where a mistake would mislead the media layer
 * (numbers, addresses, payload types, duplicate rtpmaps) and lenient where
 * real phones differ from the grammar without harm (LF line ends, blank
 * lines, a missing s= or t=, trailing white space).  Input is bounded by
 * size, line count, media count and formats per m-line.
 */
#ifndef LYRE_SIP_SDP_H
#define LYRE_SIP_SDP_H

#include <stdbool.h>
#include <stddef.h>

struct ly_buf;

/* Bounds on what one description may hold; beyond them it is refused. */
#define SDP_MAX_BYTES	16384	/* a WebRTC offer with every codec is ~8 KiB */
#define SDP_MAX_LINES	512
#define SDP_MAX_MEDIA	16	/* m= lines */
#define SDP_MAX_FORMATS	64	/* formats on one m= line */

/* Why a description was refused or could not be negotiated.  `status` is
 * the SIP response the caller should send: 400 for a description that
 * breaks the grammar, 488 Not Acceptable Here for a valid one we cannot
 * use (RFC 3261 §21.4.26). */
struct sdp_error {
	unsigned status;
	unsigned line;		/* 1-based line of the input, 0 when not about one line */
	char msg[160];
};

/* Media direction (RFC 4566 §6, RFC 3264 §5.1).  The values are bit sets
 * from the writer's point of view: SDP_SEND = it sends, SDP_RECV = it
 * receives, so mirroring swaps the bits and agreeing ANDs them. */
enum sdp_dir {
	SDP_INACTIVE = 0,
	SDP_SENDONLY = 1,
	SDP_RECVONLY = 2,
	SDP_SENDRECV = 3,
	SDP_DIR_UNSET = 4,	/* no direction attribute at this level */
};

/* "sendrecv" ... "inactive"; NULL for SDP_DIR_UNSET. */
const char *sdp_dir_name(enum sdp_dir dir);

/* An a= line.  `value` is NULL for a property attribute ("a=rtcp-mux"),
 * the text after the first ':' otherwise ("a=crypto:1 AES_CM..."). */
struct sdp_attr {
	char *name;
	char *value;
};

/* A line kept as written: `type` is its letter, `value` what follows '='. */
struct sdp_line {
	char type;
	char *value;
};

/* A c= line, or the address part of o=.  Only network type IN is used on
 * the Internet; IP4 and IP6 are the address types (RFC 4566 §5.7).  The
 * address is kept as written: an IP literal, a host name, or a multicast
 * group with its /ttl.  `addr` NULL means there was no c= line. */
struct sdp_conn {
	bool ipv6;
	char *addr;
};

/* One format of an m= line with what a=rtpmap and a=fmtp say about it. */
struct sdp_format {
	char *id;		/* the fmt token as written: "0", "101", "t38" */
	int pt;			/* RTP payload type 0-127, -1 for non-RTP media */
	char *encoding;		/* a=rtpmap encoding name ("PCMU"), or NULL */
	unsigned rate;		/* a=rtpmap clock rate, 0 without rtpmap */
	unsigned channels;	/* a=rtpmap channels, 0 when not written (means 1) */
	char *fmtp;		/* a=fmtp parameters, or NULL */
};

struct sdp_media {
	char *type;		/* "audio", "video", "image", "application", ... */
	unsigned port;		/* 0: a rejected or disabled stream (RFC 3264 §6) */
	unsigned nports;	/* the /2 of "m=audio 49170/2", 0 when absent */
	char *proto;		/* "RTP/AVP", "RTP/SAVP", "udptl", ... */
	struct sdp_format *fmts;
	size_t nfmts;
	struct sdp_conn conn;	/* media-level c=, addr NULL when absent */
	enum sdp_dir dir;	/* media-level direction, SDP_DIR_UNSET when absent */
	unsigned ptime;		/* a=ptime in ms, 0 when absent (RFC 4566 §6) */
	unsigned maxptime;	/* a=maxptime in ms, 0 when absent */
	struct sdp_attr *attrs;	/* every other a= line, in order */
	size_t nattrs;
	struct sdp_line *lines;	/* i= b= k= lines */
	size_t nlines;
};

/* o=<username> <sess-id> <sess-version> IN <addrtype> <address>.  The
 * numbers are kept as the digit strings they were sent as: some stacks
 * send more than 64 bits' worth. */
struct sdp_origin {
	char *username;
	char *sess_id;
	char *sess_version;
	struct sdp_conn addr;
};

struct sdp_session {
	struct sdp_origin origin;
	char *name;		/* s=, "-" when absent */
	struct sdp_conn conn;	/* session-level c=, addr NULL when absent */
	enum sdp_dir dir;	/* session-level direction, SDP_DIR_UNSET when absent */
	struct sdp_attr *attrs;	/* other session-level a= lines, in order */
	size_t nattrs;
	struct sdp_line *lines;	/* i= u= e= p= b= t= r= z= k= lines */
	size_t nlines;
	struct sdp_media *media;
	size_t nmedia;
};

/* Parse `len` bytes (not NUL-terminated).  0 and *out on success; EINVAL
 * for a malformed description, E2BIG beyond a bound, with the reason in
 * *err (err may be NULL). */
int sdp_parse(const char *text, size_t len, struct sdp_session **out, struct sdp_error *err);
void sdp_free(struct sdp_session *s);	/* NULL-safe */

/* Append the description to `out` with CRLF line ends (RFC 4566 §5). */
void sdp_print(const struct sdp_session *s, struct ly_buf *out);

/* An empty session to fill in by hand (the offer and answer builders do). */
struct sdp_session *sdp_session_new(void);
struct sdp_media *sdp_media_add(struct sdp_session *s, const char *type, unsigned port,
				const char *proto);
struct sdp_format *sdp_format_add(struct sdp_media *m, const char *id);
void sdp_attr_add(struct sdp_attr **attrs, size_t *n, const char *name, const char *value);
void sdp_line_add(struct sdp_line **lines, size_t *n, char type, const char *value);
void sdp_conn_set(struct sdp_conn *c, const char *addr);	/* IPv6 when it holds ':' */

/* The first attribute called `name` (case-sensitive, RFC 4566 §5.13), or NULL. */
const struct sdp_attr *sdp_attr_find(const struct sdp_attr *attrs, size_t n, const char *name);
/* The format with payload type `pt`, or NULL. */
const struct sdp_format *sdp_format_by_pt(const struct sdp_media *m, int pt);

/* What applies to one stream: its own c= or else the session's; its own
 * direction or else the session's, sendrecv when neither says (§6). */
const struct sdp_conn *sdp_media_conn(const struct sdp_session *s, const struct sdp_media *m);
enum sdp_dir sdp_media_dir(const struct sdp_session *s, const struct sdp_media *m);

/* True when the stream's sender puts the other side on hold: sendonly or
 * inactive (RFC 3264 §8.4), or the RFC 2543 form c=0.0.0.0 that older
 * phones still send (RFC 3264 §8.4 asks answerers to understand it). */
bool sdp_media_is_hold(const struct sdp_session *s, const struct sdp_media *m);
/* c=IN IP4 0.0.0.0: the RFC 2543 way of saying "do not send to me". */
bool sdp_conn_is_legacy_hold(const struct sdp_conn *c);

#endif
