/* modules/chan_sip/sip_transport.c - SIP transport manager: listeners, UDP, delivery, and where messages are sent (RFC 3261 §18, RFC 3581). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lyre/channel.h>
#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_tp_int.h"

/* ---- addresses ---- */

int sip_addr_parse(const char *hostport, uint16_t default_port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *h = hostport;
	size_t hlen;
	long p = default_port;

	memset(ss, 0, sizeof(*ss));
	if (*h == '[') {
		const char *close = strchr(h, ']');

		if (!close)
			return EINVAL;
		h++;
		hlen = (size_t)(close - h);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return EINVAL;
	} else {
		const char *colon = strchr(h, ':');

		if (colon && strchr(colon + 1, ':'))
			colon = NULL;	/* a bare IPv6 address, no port */
		hlen = colon ? (size_t)(colon - h) : strlen(h);
		port = colon ? colon + 1 : NULL;
	}
	if (hlen == 0 || hlen >= sizeof(host) || (port && ly_parse_int(port, 0, 65535, &p)))
		return EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
	}
	return 0;
}

bool sip_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	{
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
}

bool sip_proto_reliable(enum sip_proto p)
{
	return p != SIP_PROTO_UDP;
}

/* ---- manager ---- */

struct sip_tpmgr *sip_tpmgr_new(struct ly_loop *loop, sip_tp_recv_cb recv, void *arg)
{
	struct sip_tpmgr *m = ly_calloc(1, sizeof(*m));

	m->loop = loop;
	m->recv = recv;
	m->recv_arg = arg;
	m->incomplete_ms = 32000;
	m->idle_ms = 600000;
	return m;
}

void sip_tpmgr_free(struct sip_tpmgr *m)
{
	if (!m)
		return;
	while (m->conns)
		sip_tp_conn_close(m->conns, 0);
	while (m->transports) {
		struct sip_transport *tp = m->transports;

		m->transports = tp->next;
		ly_loop_del_fd(m->loop, tp->fd);
		close(tp->fd);
		SSL_CTX_free(tp->tls);
		free(tp->rxbuf);
		free(tp);
	}
	SSL_CTX_free(m->client_tls);
	sip_wire_buf_free(&m->wire);
	free(m);
}

void sip_tpmgr_set_conn_cb(struct sip_tpmgr *m, sip_tp_conn_cb cb, void *arg)
{
	m->conn_cb = cb;
	m->conn_arg = arg;
}

void sip_tpmgr_set_timeouts(struct sip_tpmgr *m, unsigned incomplete_ms, unsigned idle_ms)
{
	m->incomplete_ms = incomplete_ms;
	m->idle_ms = idle_ms;
}

void sip_tpmgr_set_force_rport(struct sip_tpmgr *m, bool on)
{
	m->force_rport = on;
}

int sip_tpmgr_set_client_tls(struct sip_tpmgr *m, const struct sip_tls_opts *tls)
{
	SSL_CTX *ctx = sip_tp_tls_client_ctx(tls);

	if (!ctx)
		return EINVAL;
	SSL_CTX_free(m->client_tls);
	m->client_tls = ctx;
	return 0;
}

enum sip_proto sip_transport_proto(const struct sip_transport *tp)
{
	return tp->proto;
}

void sip_transport_addr(const struct sip_transport *tp, struct sockaddr_storage *ss, socklen_t *len)
{
	*ss = tp->addr;
	*len = tp->addr_len;
}

const char *sip_transport_sentby(const struct sip_transport *tp)
{
	return tp->sentby;
}

struct sip_transport *sip_tpmgr_find(struct sip_tpmgr *m, enum sip_proto proto, int family)
{
	for (struct sip_transport *tp = m->transports; tp; tp = tp->next)
		if (tp->proto == proto && tp->addr.ss_family == family)
			return tp;
	return NULL;
}

/* ---- receiving ---- */

static void fill_src(struct sip_msg_src *src, enum sip_proto proto, const struct sockaddr *peer,
		     socklen_t peer_len, const struct sockaddr *local, socklen_t local_len, uint64_t conn_id)
{
	memset(src, 0, sizeof(*src));
	src->proto = proto;
	memcpy(&src->addr, peer, peer_len);
	src->addr_len = peer_len;
	memcpy(&src->local, local, local_len);
	src->local_len = local_len;
	src->conn_id = conn_id;
}

void sip_tp_reject(struct sip_tpmgr *m, struct sip_msg *partial, const struct sip_parse_info *info,
		   const struct sip_msg_src *src)
{
	struct sip_msg *resp;

	if (!partial || !partial->is_request || !info->status)
		return;
	partial->src = *src;
	resp = sip_msg_new_response(partial, info->status, info->reason, NULL);
	if (resp) {
		char peer[64];

		ly_addr_print((const struct sockaddr *)&src->addr, peer, sizeof(peer));
		ly_debug(1, "SIP: %d %s to %s", info->status, info->reason, peer);
		sip_tp_send_response(m, resp, src);
		sip_msg_unref(resp);
	}
}

void sip_tp_deliver(struct sip_tpmgr *m, struct sip_msg *msg, enum sip_proto proto,
		    const struct sockaddr *peer, socklen_t peer_len, const struct sockaddr *local,
		    socklen_t local_len, uint64_t conn_id)
{
	fill_src(&msg->src, proto, peer, peer_len, local, local_len, conn_id);
	if (msg->is_request) {
		char ip[INET6_ADDRSTRLEN];
		unsigned port;

		ly_addr_host(peer, ip, sizeof(ip), &port);
		sip_msg_via_received(msg, ip, (uint16_t)port);
	}
	if (m->recv)
		m->recv(msg, m->recv_arg);
}

static void udp_datagram(struct sip_transport *tp, const char *buf, size_t len,
			 const struct sockaddr *peer, socklen_t peer_len)
{
	struct sip_parse_info info;
	struct sip_msg *msg;
	enum sip_parse_result r = sip_msg_parse(buf, len, SIP_FRAME_DATAGRAM, &msg, &info);

	if (r == SIP_PARSE_OK) {
		sip_tp_deliver(tp->mgr, msg, SIP_PROTO_UDP, peer, peer_len,
			       (const struct sockaddr *)&tp->addr, tp->addr_len, 0);
	} else if (r != SIP_PARSE_INCOMPLETE) {
		struct sip_msg_src src;

		fill_src(&src, SIP_PROTO_UDP, peer, peer_len, (const struct sockaddr *)&tp->addr,
			 tp->addr_len, 0);
		sip_tp_reject(tp->mgr, msg, &info, &src);
	}
	sip_msg_unref(msg);
}

/*
 * recvmmsg takes a burst of datagrams in one system call: at a high call
 * rate one wake-up of the loop finds several waiting, and a recvfrom
 * each (plus the one that says EAGAIN) was a fifth of the SIP thread's
 * system calls.  A batch that comes back short means the socket is
 * drained, so no extra call is needed to learn that.
 */
static void udp_readable(int fd, unsigned events, void *arg)
{
	struct sip_transport *tp = arg;
	struct sockaddr_storage peer[SIP_UDP_BATCH];
	struct mmsghdr mm[SIP_UDP_BATCH];
	struct iovec iov[SIP_UDP_BATCH];

	(void)events;
	for (int k = 0; k < SIP_UDP_BATCH; k++) {
		iov[k] = (struct iovec){ tp->rxbuf + (size_t)k * (SIP_MAX_MESSAGE + 1), SIP_MAX_MESSAGE + 1 };
		mm[k].msg_hdr = (struct msghdr){ .msg_name = &peer[k], .msg_iov = &iov[k], .msg_iovlen = 1 };
	}
	/* a bounded number of batches so one flood cannot starve the other sockets */
	for (int round = 0; round < SIP_UDP_ROUNDS; round++) {
		int n;

		for (int k = 0; k < SIP_UDP_BATCH; k++)
			mm[k].msg_hdr.msg_namelen = sizeof(peer[k]);
		n = recvmmsg(fd, mm, SIP_UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		/* A channel that gets several frames from one batch (a 180 and
		 * the 200 right behind it) is woken once, after the batch. */
		ly_chan_alerts_hold();
		for (int k = 0; k < n; k++) {
			if (mm[k].msg_len > SIP_MAX_MESSAGE || (mm[k].msg_hdr.msg_flags & MSG_TRUNC))
				continue;	/* truncated: nothing reliable to answer */
			udp_datagram(tp, iov[k].iov_base, mm[k].msg_len, (struct sockaddr *)&peer[k],
				     mm[k].msg_hdr.msg_namelen);
		}
		ly_chan_alerts_release();
		if (n < SIP_UDP_BATCH)
			return;
	}
}

/* ---- listening ---- */

/* One UDP socket takes every phone's and trunk's requests: a burst (a
 * registration storm after a power cut, a call-rate peak) must wait in
 * the kernel, not be dropped, while the loop catches up.  The default
 * 208 kB holds about 300 INVITEs; ask for 8 MB (FORCE passes rmem_max
 * when running as root). */
#define UDP_RCVBUF (8 << 20)

static void udp_grow_rcvbuf(int fd)
{
	int size = UDP_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int bind_socket(struct sip_transport *tp, int type)
{
	int one = 1;

	tp->fd = socket(tp->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tp->fd < 0)
		return errno;
	setsockopt(tp->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (tp->addr.ss_family == AF_INET6)
		setsockopt(tp->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(tp->fd, (struct sockaddr *)&tp->addr, tp->addr_len) < 0 ||
	    getsockname(tp->fd, (struct sockaddr *)&tp->addr, &tp->addr_len) < 0) {
		int err = errno;

		close(tp->fd);
		tp->fd = -1;
		return err;
	}
	return 0;
}

static int open_listener(struct sip_transport *tp)
{
	int err;

	if (tp->proto == SIP_PROTO_UDP) {
		tp->rxbuf = ly_malloc((size_t)SIP_UDP_BATCH * (SIP_MAX_MESSAGE + 1));
		err = bind_socket(tp, SOCK_DGRAM);
		if (!err)
			udp_grow_rcvbuf(tp->fd);
		if (!err)
			err = ly_loop_add_fd(tp->mgr->loop, tp->fd, LY_FD_READ, udp_readable, tp);
	} else {
		err = bind_socket(tp, SOCK_STREAM);
		if (!err)
			err = sip_tp_stream_listen(tp);
	}
	if (err && tp->fd >= 0) {
		close(tp->fd);
		tp->fd = -1;
	}
	return err;
}

int sip_tpmgr_listen(struct sip_tpmgr *m, enum sip_proto proto, const char *bind_addr,
		     const struct sip_tls_opts *tls, struct sip_transport **out)
{
	struct sip_transport *tp;
	int err;

	if (proto != SIP_PROTO_UDP && proto != SIP_PROTO_TCP && proto != SIP_PROTO_TLS)
		return EPROTONOSUPPORT;
	if (proto == SIP_PROTO_TLS && (!tls || !tls->cert_file || !tls->priv_key_file))
		return EINVAL;
	tp = ly_calloc(1, sizeof(*tp));
	tp->mgr = m;
	tp->proto = proto;
	tp->fd = -1;
	if (sip_addr_parse(bind_addr, proto == SIP_PROTO_TLS ? 5061 : 5060, &tp->addr, &tp->addr_len)) {
		free(tp);
		return EINVAL;
	}
	if (proto == SIP_PROTO_TLS && !(tp->tls = sip_tp_tls_server_ctx(tls))) {
		free(tp);
		return EINVAL;
	}
	err = open_listener(tp);
	if (err) {
		SSL_CTX_free(tp->tls);
		free(tp->rxbuf);
		free(tp);
		return err;
	}
	ly_addr_print((struct sockaddr *)&tp->addr, tp->sentby, sizeof(tp->sentby));
	tp->next = m->transports;
	m->transports = tp;
	if (out)
		*out = tp;
	return 0;
}

/* ---- sending ---- */

static int udp_send(struct sip_transport *tp, const struct ly_buf *b, const struct sockaddr *dst,
		    socklen_t len)
{
	if (b->len > SIP_MAX_MESSAGE)
		return EMSGSIZE;
	if (sendto(tp->fd, b->data, b->len, MSG_NOSIGNAL, dst, len) < 0)
		return errno;
	return 0;
}

/* The UDP socket a reply leaves from: the one the request came in on. */
static struct sip_transport *udp_for(struct sip_tpmgr *m, const struct sip_msg_src *src, int family)
{
	for (struct sip_transport *tp = m->transports; src && tp; tp = tp->next)
		if (tp->proto == SIP_PROTO_UDP && src->local_len &&
		    sip_sockaddr_equal((const struct sockaddr *)&tp->addr, (const struct sockaddr *)&src->local))
			return tp;
	return sip_tpmgr_find(m, SIP_PROTO_UDP, family);
}

static int send_stream(struct sip_tpmgr *m, const struct ly_buf *b, enum sip_proto proto,
		       const struct sockaddr *dst, socklen_t len, uint64_t *conn_id)
{
	struct sip_conn *c = sip_tp_conn_find_peer(m, proto, dst, len);
	int err = 0;

	if (!c)
		err = sip_tp_conn_open(m, proto, dst, len, &c);
	if (!err)
		err = sip_tp_conn_send(c, b->data, b->len);
	if (!err && conn_id)
		*conn_id = c->id;
	return err;
}

int sip_tp_send_request(struct sip_tpmgr *m, const struct sip_msg *req, enum sip_proto proto,
			const struct sockaddr *dst, socklen_t dst_len, uint64_t *conn_id)
{
	struct ly_buf *b;
	int err;

	if (conn_id)
		*conn_id = 0;
	b = sip_msg_print_wire(&m->wire, req);
	if (proto == SIP_PROTO_UDP) {
		struct sip_transport *tp = sip_tpmgr_find(m, SIP_PROTO_UDP, dst->sa_family);

		err = tp ? udp_send(tp, b, dst, dst_len) : ENOTCONN;
	} else if (proto == SIP_PROTO_TCP || proto == SIP_PROTO_TLS) {
		err = send_stream(m, b, proto, dst, dst_len, conn_id);
	} else {
		err = EPROTONOSUPPORT;
	}
	sip_msg_print_release(&m->wire, b);
	return err;
}

static bool is_broadcast(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET &&
	       ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_BROADCAST);
}

/*
 * §18.2.2 for an unreliable transport (and a lost stream connection):
 * maddr, then received (with rport, RFC 3581 §4), then sent-by.
 */
static int response_target(const struct sip_tpmgr *m, const struct sip_msg *resp,
			   const struct sip_msg_src *src, struct sockaddr_storage *dst, socklen_t *len)
{
	const struct sip_via *v = &resp->via;
	uint16_t dflt = v->proto == SIP_PROTO_TLS ? 5061 : 5060;
	uint16_t port = v->port ? v->port : dflt;
	const char *host = v->host;
	char hp[INET6_ADDRSTRLEN + 10];

	if (!resp->has_via || (m->force_rport && !v->maddr && src && src->addr_len)) {
		/* a 400 for an unreadable Via goes back where it came from, and
		 * so does everything with force_rport */
		if (!src || !src->addr_len)
			return EDESTADDRREQ;
		*dst = src->addr;
		*len = src->addr_len;
		return 0;
	}
	if (v->maddr) {
		host = v->maddr;
	} else if (v->received) {
		host = v->received;
		if (v->rport_value)
			port = v->rport_value;
	}
	snprintf(hp, sizeof(hp), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	if (sip_addr_parse(hp, dflt, dst, len)) {
		/* a sent-by host name with no received: it was the source */
		if (!src || !src->addr_len)
			return EHOSTUNREACH;
		*dst = src->addr;
		*len = src->addr_len;
		if (dst->ss_family == AF_INET6)
			((struct sockaddr_in6 *)dst)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)dst)->sin_port = htons(port);
	}
	return 0;
}

int sip_tp_send_response(struct sip_tpmgr *m, const struct sip_msg *resp, const struct sip_msg_src *src)
{
	struct sockaddr_storage dst;
	socklen_t len;
	struct ly_buf *b;
	int err;
	enum sip_proto proto = src ? src->proto : resp->via.proto;

	b = sip_msg_print_wire(&m->wire, resp);
	/* §18.2.2: reliable → the connection the request came on, if open */
	if (sip_proto_reliable(proto) && src && src->conn_id) {
		struct sip_conn *c = sip_tp_conn_find(m, src->conn_id);

		if (c) {
			err = sip_tp_conn_send(c, b->data, b->len);
			sip_msg_print_release(&m->wire, b);
			return err;
		}
	}
	err = response_target(m, resp, src, &dst, &len);
	if (!err && is_broadcast((struct sockaddr *)&dst))
		err = EACCES;	/* torture bcast: never to the broadcast address */
	if (!err && proto == SIP_PROTO_UDP) {
		struct sip_transport *tp = udp_for(m, src, dst.ss_family);

		err = tp ? udp_send(tp, b, (struct sockaddr *)&dst, len) : ENOTCONN;
	} else if (!err) {
		err = send_stream(m, b, proto, (struct sockaddr *)&dst, len, NULL);
	}
	sip_msg_print_release(&m->wire, b);
	return err;
}
