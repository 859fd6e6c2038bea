/* modules/res_rtp/rtp_rtcp_io.h - a session's RTCP (rtp_rtcp_io.c), as the session files call it. */
#ifndef RES_RTP_RTCP_IO_H
#define RES_RTP_RTCP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "res_rtp.h"

struct rtp_session;

/* At creation: the state.  0 or errno. */
int rtp_rtcp_attach(struct rtp_session *s);
/* Once the session has its worker: schedule the first report. */
void rtp_rtcp_start(struct rtp_session *s);
/* At close, session locked and marked closed: no report any more. */
void rtp_rtcp_stop_locked(struct rtp_session *s);
/* At destruction. */
void rtp_rtcp_detach(struct rtp_session *s);
/* ly_rtp_set_rtcp. */
int rtp_rtcp_set(struct rtp_session *s, bool mux, unsigned remote_port);
/* The report is due (on the worker): send it and schedule the next. */
void rtp_rtcp_on_timer(struct rtp_session *s);
/* A compound packet from either socket (RTCP-mux on the RTP one). */
void rtp_rtcp_receive(struct rtp_sock *sock, uint8_t *pkt, size_t len,
		      const struct sockaddr_storage *from);
/* Session locked: account an accepted RTP packet (RFC 3550 §A.1, §A.8). */
void rtp_rtcp_on_rtp_locked(struct rtp_session *s, const struct rtp_header *h,
			    const struct ly_format *fmt, bool event);
/* Session locked: a last report with BYE (§6.3.7), at close. */
void rtp_rtcp_bye_locked(struct rtp_session *s);
/* Session locked: the RTCP fields of ly_rtp_stats. */
void rtp_rtcp_stats_locked(const struct rtp_session *s, struct ly_rtp_stats *out);

#endif
