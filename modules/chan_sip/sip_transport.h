/*
 * modules/chan_sip/sip_transport.h - SIP transports: UDP, TCP and TLS over
 * IPv4 and IPv6 (RFC 3261 §18, RFC 3581 rport, RFC 5118).
 *
 * A transport manager owns the listening sockets and the stream
 * connections of one SIP stack, all registered on one event loop
 * (lyre/loop.h); every function here must be called on that loop's thread.
 *
 * Receiving: each datagram or stream is parsed (sip_msg.h); for a request
 * the top Via gets "received" and the rport value (§18.2.1, RFC 3581 §4),
 * msg->src says where it came from, and the receive callback gets it.
 * A request that does not parse is answered here with 400/413/505/513
 * (when a response can be built) and never reaches the callback;
 * malformed responses and bare CRLF keep-alives are dropped.  Over a
 * stream, a message incomplete for longer than the stream timeout, or
 * one whose framing cannot be trusted (no Content-Length, bad or
 * conflicting Content-Length), closes the connection.
 *
 * Sending: requests go to an address over a chosen protocol, reusing an
 * open TCP/TLS connection to that address; responses go where §18.2.2
 * says, using the request's source (connection, received, rport).
 */
#ifndef LYRE_SIP_TRANSPORT_H
#define LYRE_SIP_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <lyre/loop.h>

#include "sip_msg.h"

struct sip_tpmgr;
struct sip_transport;	/* one listening socket (UDP socket, TCP or TLS listener) */

/* Called for each message received; the callback borrows msg (take a
 * reference with sip_msg_ref to keep it). */
typedef void (*sip_tp_recv_cb)(struct sip_msg *msg, void *arg);
/* Called when a stream connection fails or closes (conn_id as in
 * sip_msg_src.conn_id), err = 0 for an orderly close. */
typedef void (*sip_tp_conn_cb)(uint64_t conn_id, int err, void *arg);

struct sip_tls_opts {
	const char *cert_file;		/* PEM certificate (chain) for listeners */
	const char *priv_key_file;	/* PEM private key */
	const char *ca_file;		/* CAs to verify peers with; NULL: no verification */
	bool verify_peer;		/* require a valid peer certificate */
};

struct sip_tpmgr *sip_tpmgr_new(struct ly_loop *loop, sip_tp_recv_cb recv, void *arg);
/* Closes every socket and connection. */
void sip_tpmgr_free(struct sip_tpmgr *m);
void sip_tpmgr_set_conn_cb(struct sip_tpmgr *m, sip_tp_conn_cb cb, void *arg);
/*
 * How long a stream may sit on an incomplete message before the
 * connection is closed (default 32000 ms, 64*T1), and how long an idle
 * connection is kept (default 10 minutes; 0 keeps it forever).
 */
void sip_tpmgr_set_timeouts(struct sip_tpmgr *m, unsigned incomplete_ms, unsigned idle_ms);
/*
 * Answer requests at their source address and port even without rport in
 * their Via (RFC 3581 behaviour forced; Asterisk's force_rport, for phones
 * behind NAT that do not ask for it).  Off by default.
 */
void sip_tpmgr_set_force_rport(struct sip_tpmgr *m, bool on);
/* TLS settings for outgoing connections (CA, verification, client cert). */
int sip_tpmgr_set_client_tls(struct sip_tpmgr *m, const struct sip_tls_opts *tls);

/*
 * Listen on `bind` ("127.0.0.1:5060", "[::1]:0", "0.0.0.0", port 0 picks
 * one; no port means 5060, or 5061 for TLS) with UDP, TCP or TLS (tls
 * required for TLS, with cert_file and priv_key_file).  TLS 1.2 or later
 * only.  *out (may be NULL) is owned by the manager.
 * 0, EINVAL (bad address or options), EPROTONOSUPPORT, or the socket errno.
 */
int sip_tpmgr_listen(struct sip_tpmgr *m, enum sip_proto proto, const char *bind,
		     const struct sip_tls_opts *tls, struct sip_transport **out);

enum sip_proto sip_transport_proto(const struct sip_transport *tp);
/* The bound address (with the port picked by the system). */
void sip_transport_addr(const struct sip_transport *tp, struct sockaddr_storage *ss, socklen_t *len);
/* sent-by for a Via: "127.0.0.1:5060" or "[::1]:5060". */
const char *sip_transport_sentby(const struct sip_transport *tp);
/* A listener of this protocol and address family (AF_INET/AF_INET6); NULL when none. */
struct sip_transport *sip_tpmgr_find(struct sip_tpmgr *m, enum sip_proto proto, int family);

/* UDP is unreliable; TCP, TLS, SCTP, WS and WSS are reliable (§17). */
bool sip_proto_reliable(enum sip_proto p);

/*
 * Send a request to dst over proto.  UDP goes out of the UDP listener of
 * dst's family; TCP/TLS reuse an open connection to dst or open one (the
 * message is queued until it connects).  *conn_id (may be NULL) gets the
 * connection used, 0 for UDP.  The caller has put a top Via whose sent-by
 * is sip_transport_sentby of the matching listener.
 * 0, ENOTCONN (no listener for that protocol/family), EMSGSIZE (UDP over
 * SIP_MAX_MESSAGE), or the socket errno.
 */
int sip_tp_send_request(struct sip_tpmgr *m, const struct sip_msg *req, enum sip_proto proto,
			const struct sockaddr *dst, socklen_t dst_len, uint64_t *conn_id);

/*
 * Send a response per §18.2.2, to the request that came from `src`, routed
 * by the response's top Via: reliable transport → the connection the
 * request came on, or if it is gone a new one to received (or sent-by
 * host) and the sent-by port; maddr → maddr and the sent-by port (5060
 * when absent); received with rport=N → that address and N (RFC 3581 §4);
 * received → that address and the sent-by port; else sent-by.  Never
 * sends to a broadcast address.  0 or an errno value.
 */
int sip_tp_send_response(struct sip_tpmgr *m, const struct sip_msg *resp, const struct sip_msg_src *src);

/* Numeric "host:port" / "[v6]:port" / "host" (default_port) to a sockaddr. */
int sip_addr_parse(const char *hostport, uint16_t default_port, struct sockaddr_storage *ss,
		   socklen_t *len);
/* Its reverse is core ly_addr_print (lyre/utils.h). */

#endif
