/* modules/chan_sip/sip_tp_stream.c - SIP over TCP and TLS: accept, connect, frame by Content-Length (RFC 3261 §18.3), time out, close. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include <lyre/log.h>
#include <lyre/utils.h>

#include "sip_tp_int.h"

/* ---- byte queues ---- */

static void bytes_append(struct sip_bytes *b, const char *d, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->data = ly_realloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, d, n);
	b->len += n;
}

static void bytes_consume(struct sip_bytes *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* ---- TLS contexts (TLS 1.2 or later only) ---- */

static void tls_log_error(const char *what, const char *file)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ly_error("SIP TLS: %s %s: %s", what, file ? file : "", buf);
	ERR_clear_error();
}

static SSL_CTX *tls_ctx_new(const SSL_METHOD *method)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

static bool tls_load_cert(SSL_CTX *ctx, const struct sip_tls_opts *tls)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, tls->cert_file) != 1) {
		tls_log_error("cannot load certificate", tls->cert_file);
		return false;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, tls->priv_key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_log_error("cannot load private key", tls->priv_key_file);
		return false;
	}
	return true;
}

static bool tls_load_ca(SSL_CTX *ctx, const struct sip_tls_opts *tls)
{
	if (tls->ca_file && SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL) != 1) {
		tls_log_error("cannot load CA file", tls->ca_file);
		return false;
	}
	SSL_CTX_set_verify(ctx, tls->verify_peer ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
						 : SSL_VERIFY_NONE, NULL);
	return true;
}

SSL_CTX *sip_tp_tls_server_ctx(const struct sip_tls_opts *tls)
{
	SSL_CTX *ctx = tls_ctx_new(TLS_server_method());

	if (ctx && tls_load_cert(ctx, tls) && tls_load_ca(ctx, tls))
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *sip_tp_tls_client_ctx(const struct sip_tls_opts *tls)
{
	SSL_CTX *ctx = tls_ctx_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (!tls)
		return ctx;
	if ((!tls->cert_file || tls_load_cert(ctx, tls)) && tls_load_ca(ctx, tls))
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

/* ---- connections ---- */

static void conn_event(int fd, unsigned events, void *arg);

struct sip_conn *sip_tp_conn_find(struct sip_tpmgr *m, uint64_t id)
{
	for (struct sip_conn *c = m->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

struct sip_conn *sip_tp_conn_find_peer(struct sip_tpmgr *m, enum sip_proto proto,
				       const struct sockaddr *peer, socklen_t len)
{
	for (struct sip_conn *c = m->conns; c; c = c->next)
		if (c->proto == proto && sip_sockaddr_equal((struct sockaddr *)&c->peer, peer))
			return c;
	return NULL;
}

static void conn_update(struct sip_conn *c)
{
	bool wr = c->connecting || c->want_write || (c->out.len && !c->handshaking);

	ly_loop_mod_fd(c->mgr->loop, c->fd, LY_FD_READ | (wr ? LY_FD_WRITE : 0));
}

/* Idle connections are closed; the check repeats until there is none. */
static int idle_check(void *arg)
{
	struct sip_conn *c = arg;
	uint64_t idle = ly_now_ms() - c->last_activity;

	if (idle >= c->mgr->idle_ms) {
		c->idle_timer = 0;
		ly_debug(1, "SIP: closing idle connection %llu", (unsigned long long)c->id);
		sip_tp_conn_close(c, 0);
		return 0;
	}
	return (int)(c->mgr->idle_ms - idle);
}

/* A message left incomplete too long closes the stream (torture clerr). */
static int incomplete_timeout(void *arg)
{
	struct sip_conn *c = arg;

	c->incomplete_timer = 0;
	ly_debug(1, "SIP: incomplete message timed out on connection %llu", (unsigned long long)c->id);
	sip_tp_conn_close(c, ETIMEDOUT);
	return 0;
}

static struct sip_conn *conn_new(struct sip_tpmgr *m, enum sip_proto proto, int fd,
				 const struct sockaddr *peer, socklen_t plen)
{
	struct sip_conn *c = ly_calloc(1, sizeof(*c));
	struct ly_sched *s = ly_loop_sched(m->loop);
	int one = 1;

	/* signalling is small writes in bursts: Nagle plus delayed ACKs
	 * would hold back every second response by up to 40 ms */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	c->mgr = m;
	c->id = ++m->next_conn_id;
	c->proto = proto;
	c->fd = fd;
	memcpy(&c->peer, peer, plen);
	c->peer_len = plen;
	c->local_len = sizeof(c->local);
	getsockname(fd, (struct sockaddr *)&c->local, &c->local_len);
	c->last_activity = ly_now_ms();
	if (m->idle_ms)
		c->idle_timer = ly_sched_add(s, m->idle_ms, idle_check, c);
	c->next = m->conns;
	m->conns = c;
	return c;
}

void sip_tp_conn_close(struct sip_conn *c, int err)
{
	struct sip_tpmgr *m = c->mgr;
	struct ly_sched *s = ly_loop_sched(m->loop);
	uint64_t id = c->id;

	for (struct sip_conn **pp = &m->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->incomplete_timer)
		ly_sched_del(s, c->incomplete_timer);
	if (c->idle_timer)
		ly_sched_del(s, c->idle_timer);
	ly_loop_del_fd(m->loop, c->fd);
	SSL_free(c->ssl);
	close(c->fd);
	free(c->in.data);
	free(c->out.data);
	free(c);
	if (m->conn_cb)
		m->conn_cb(id, err, m->conn_arg);
}

/* TLS: what to wait for after an SSL call returned r <= 0; false when the
 * connection failed (it is then closed). */
static bool tls_wait(struct sip_conn *c, int r)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ) {
		c->want_write = false;
		return true;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		c->want_write = true;
		return true;
	}
	ERR_clear_error();
	sip_tp_conn_close(c, e == SSL_ERROR_ZERO_RETURN ? 0 : EPROTO);
	return false;
}

/* Write what is queued; false when the connection closed. */
static bool conn_flush(struct sip_conn *c)
{
	while (c->out.len && !c->connecting && !c->handshaking) {
		ssize_t n;

		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out.data, (int)(c->out.len > 1 << 30 ? 1 << 30 : c->out.len));

			if (r <= 0)
				return tls_wait(c, r);
			c->want_write = false;
			n = r;
		} else {
			n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return true;
				sip_tp_conn_close(c, errno);
				return false;
			}
		}
		bytes_consume(&c->out, (size_t)n);
	}
	return true;
}

static bool conn_handshake(struct sip_conn *c)
{
	int r = SSL_do_handshake(c->ssl);

	if (r == 1) {
		c->handshaking = false;
		c->want_write = false;
		return true;
	}
	return tls_wait(c, r);
}

static void conn_src(const struct sip_conn *c, struct sip_msg_src *src)
{
	memset(src, 0, sizeof(*src));
	src->proto = c->proto;
	src->addr = c->peer;
	src->addr_len = c->peer_len;
	src->local = c->local;
	src->local_len = c->local_len;
	src->conn_id = c->id;
}

static void arm_incomplete_timer(struct sip_conn *c)
{
	struct ly_sched *s = ly_loop_sched(c->mgr->loop);

	if (c->in.len && !c->incomplete_timer && c->mgr->incomplete_ms) {
		c->incomplete_timer = ly_sched_add(s, c->mgr->incomplete_ms, incomplete_timeout, c);
	} else if (!c->in.len && c->incomplete_timer) {
		ly_sched_del(s, c->incomplete_timer);
		c->incomplete_timer = 0;
	}
}

/*
 * Handle one parse result at the head of the input.  Returns 1 to go on,
 * 0 to wait for more bytes, -1 when the connection is gone.  Callbacks may
 * close the connection, so it is looked up again by id afterwards.
 */
static int handle_one(struct sip_conn *c)
{
	struct sip_tpmgr *m = c->mgr;
	uint64_t id = c->id;
	struct sip_parse_info info;
	struct sip_msg *msg;
	struct sip_msg_src src;
	enum sip_parse_result r = sip_msg_parse(c->in.data, c->in.len, SIP_FRAME_STREAM, &msg, &info);

	if (r == SIP_PARSE_INCOMPLETE) {
		if (!info.keepalive)
			return 0;
		bytes_consume(&c->in, info.consumed);
		/* RFC 5626 §3.5.1: a CRLFCRLF ping gets a CRLF pong */
		if (info.consumed >= 4 && sip_tp_conn_send(c, "\r\n", 2))
			return -1;
		return 1;
	}
	if (r == SIP_PARSE_OK) {
		bytes_consume(&c->in, info.consumed);
		sip_tp_deliver(m, msg, c->proto, (struct sockaddr *)&c->peer, c->peer_len,
			       (struct sockaddr *)&c->local, c->local_len, id);
		sip_msg_unref(msg);
		return sip_tp_conn_find(m, id) ? 1 : -1;
	}
	conn_src(c, &src);
	sip_tp_reject(m, msg, &info, &src);
	sip_msg_unref(msg);
	c = sip_tp_conn_find(m, id);
	if (!c)
		return -1;
	/* framing lost (no or bad Content-Length): nothing after can be trusted */
	if (info.close || !info.consumed) {
		sip_tp_conn_close(c, EPROTO);
		return -1;
	}
	bytes_consume(&c->in, info.consumed);
	return 1;
}

/* Parse every complete message in the input; false when closed. */
static bool process_input(struct sip_conn *c)
{
	bool progressed = false;

	while (c->in.len) {
		int r = handle_one(c);

		if (r < 0)
			return false;
		if (r == 0)
			break;
		progressed = true;
	}
	/* the clock runs from the start of the message still incomplete */
	if (progressed && c->incomplete_timer) {
		ly_sched_del(ly_loop_sched(c->mgr->loop), c->incomplete_timer);
		c->incomplete_timer = 0;
	}
	arm_incomplete_timer(c);
	return true;
}

/* Read what is there; false when the connection closed. */
static bool conn_read(struct sip_conn *c)
{
	char buf[16384];

	for (;;) {
		ssize_t n;

		if (c->ssl) {
			int r = SSL_read(c->ssl, buf, sizeof(buf));

			if (r <= 0)
				return tls_wait(c, r) && process_input(c);
			n = r;
		} else {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
				sip_tp_conn_close(c, n == 0 ? 0 : errno);
				return false;
			}
			if (n < 0)
				return process_input(c);
		}
		bytes_append(&c->in, buf, (size_t)n);
		/* parse as we go so a fast sender cannot grow the buffer unbounded */
		if (c->in.len > SIP_MAX_MESSAGE && !process_input(c))
			return false;
	}
}

static bool conn_connected(struct sip_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		sip_tp_conn_close(c, err);
		return false;
	}
	c->connecting = false;
	c->local_len = sizeof(c->local);
	getsockname(c->fd, (struct sockaddr *)&c->local, &c->local_len);
	return true;
}

/* Drive the connection as far as it goes; false when it closed. */
static bool conn_progress(struct sip_conn *c, unsigned events)
{
	if (c->connecting) {
		if (!(events & (LY_FD_WRITE | LY_FD_ERROR)))
			return true;
		if (!conn_connected(c))
			return false;
	}
	if (c->handshaking && !conn_handshake(c))
		return false;
	if (!c->handshaking && (events & (LY_FD_READ | LY_FD_ERROR)) && !conn_read(c))
		return false;
	return conn_flush(c);
}

static void conn_event(int fd, unsigned events, void *arg)
{
	struct sip_conn *c = arg;

	c->last_activity = ly_now_ms();
	/* TLS may need a read to finish a write and the other way round */
	if (c->ssl && c->want_write && (events & LY_FD_WRITE))
		events |= LY_FD_READ;
	if (conn_progress(c, events))
		conn_update(c);
}

int sip_tp_conn_send(struct sip_conn *c, const char *data, size_t len)
{
	uint64_t id = c->id;
	struct sip_tpmgr *m = c->mgr;

	bytes_append(&c->out, data, len);
	c->last_activity = ly_now_ms();
	if (!conn_flush(c) || !sip_tp_conn_find(m, id))
		return ECONNRESET;
	conn_update(c);
	return 0;
}

static int conn_watch(struct sip_conn *c, SSL_CTX *tls, bool server)
{
	if (tls) {
		c->ssl = SSL_new(tls);
		if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
			return ENOMEM;
		if (server)
			SSL_set_accept_state(c->ssl);
		else
			SSL_set_connect_state(c->ssl);
		c->handshaking = true;
	}
	return ly_loop_add_fd(c->mgr->loop, c->fd, LY_FD_READ | LY_FD_WRITE, conn_event, c);
}

int sip_tp_conn_open(struct sip_tpmgr *m, enum sip_proto proto, const struct sockaddr *dst,
		     socklen_t len, struct sip_conn **out)
{
	int fd = socket(dst->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sip_conn *c;
	int err;

	if (fd < 0)
		return errno;
	if (connect(fd, dst, len) < 0 && errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return err;
	}
	if (proto == SIP_PROTO_TLS && !m->client_tls && !(m->client_tls = sip_tp_tls_client_ctx(NULL))) {
		close(fd);
		return ENOMEM;
	}
	c = conn_new(m, proto, fd, dst, len);
	c->connecting = true;
	err = conn_watch(c, proto == SIP_PROTO_TLS ? m->client_tls : NULL, false);
	if (err) {
		sip_tp_conn_close(c, err);
		return err;
	}
	*out = c;
	return 0;
}

void sip_tp_stream_accept(int fd, unsigned events, void *arg)
{
	struct sip_transport *tp = arg;

	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct sip_conn *c;

		if (cfd < 0)
			return;
		c = conn_new(tp->mgr, tp->proto, cfd, (struct sockaddr *)&peer, plen);
		if (conn_watch(c, tp->tls, true))
			sip_tp_conn_close(c, ENOMEM);
	}
}

int sip_tp_stream_listen(struct sip_transport *tp)
{
	if (listen(tp->fd, 128) < 0)
		return errno;
	return ly_loop_add_fd(tp->mgr->loop, tp->fd, LY_FD_READ, sip_tp_stream_accept, tp);
}
