/*
 * modules/chan_sip/sip_tp_int.h - private parts of the transport layer
 * shared by sip_transport.c (manager, UDP, routing) and sip_tp_stream.c
 * (TCP and TLS connections).  Everything runs on the manager's loop.
 */
#ifndef LYRE_SIP_TP_INT_H
#define LYRE_SIP_TP_INT_H

#include <openssl/ssl.h>

#include "sip_transport.h"

/* UDP datagrams read per recvmmsg, and batches per wake-up (at most 64
 * datagrams before the loop serves its other fds). */
#define SIP_UDP_BATCH 16
#define SIP_UDP_ROUNDS 4

struct sip_transport {
	struct sip_tpmgr *mgr;
	enum sip_proto proto;
	int fd;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char sentby[64];
	SSL_CTX *tls;			/* TLS listeners: the server context */
	char *rxbuf;			/* UDP: SIP_UDP_BATCH datagrams, SIP_MAX_MESSAGE + 1 bytes each */
	struct sip_transport *next;
};

/* A byte queue for stream input and output. */
struct sip_bytes {
	char *data;
	size_t len, cap;
};

struct sip_conn {
	struct sip_tpmgr *mgr;
	uint64_t id;
	enum sip_proto proto;		/* TCP or TLS */
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct sockaddr_storage local;
	socklen_t local_len;
	SSL *ssl;
	bool connecting;		/* TCP connect in progress */
	bool handshaking;		/* TLS handshake in progress */
	bool want_write;		/* TLS needs the socket writable to go on */
	struct sip_bytes in, out;
	uint64_t incomplete_timer;	/* scheduler id, 0 when not armed */
	uint64_t idle_timer;
	uint64_t last_activity;		/* ly_now_ms */
	struct sip_conn *next;
};

struct sip_tpmgr {
	struct ly_loop *loop;
	sip_tp_recv_cb recv;
	void *recv_arg;
	sip_tp_conn_cb conn_cb;
	void *conn_arg;
	unsigned incomplete_ms, idle_ms;
	bool force_rport;
	SSL_CTX *client_tls;
	struct sip_transport *transports;
	struct sip_conn *conns;
	uint64_t next_conn_id;
	struct sip_wire_buf wire;	/* messages are printed here to be sent */
};

/* Parse, stamp and deliver one received message or answer its error;
 * returns how the stream must go on (sip_tp_stream.c) . */
void sip_tp_deliver(struct sip_tpmgr *m, struct sip_msg *msg, enum sip_proto proto,
		    const struct sockaddr *peer, socklen_t peer_len, const struct sockaddr *local,
		    socklen_t local_len, uint64_t conn_id);
/* Answer a request that failed to parse (status from info) on the way it came. */
void sip_tp_reject(struct sip_tpmgr *m, struct sip_msg *partial, const struct sip_parse_info *info,
		   const struct sip_msg_src *src);

/* Streams */
int sip_tp_stream_listen(struct sip_transport *tp);
void sip_tp_stream_accept(int fd, unsigned events, void *arg);
struct sip_conn *sip_tp_conn_find(struct sip_tpmgr *m, uint64_t id);
struct sip_conn *sip_tp_conn_find_peer(struct sip_tpmgr *m, enum sip_proto proto,
				       const struct sockaddr *peer, socklen_t len);
int sip_tp_conn_open(struct sip_tpmgr *m, enum sip_proto proto, const struct sockaddr *dst,
		     socklen_t len, struct sip_conn **out);
int sip_tp_conn_send(struct sip_conn *c, const char *data, size_t len);
void sip_tp_conn_close(struct sip_conn *c, int err);

SSL_CTX *sip_tp_tls_server_ctx(const struct sip_tls_opts *tls);
SSL_CTX *sip_tp_tls_client_ctx(const struct sip_tls_opts *tls);

bool sip_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
