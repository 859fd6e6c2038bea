/* tests/unit/test_sip_transport.c - SIP over UDP, TCP and TLS on IPv4 and IPv6 loopback: framing, timeouts, §18.2.2 routing with rport. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <lyre/loop.h>
#include <lyre/utils.h>

#include "sip_msg.h"
#include "sip_transport.h"
#include "tap.h"

/* ---- a peer: a transport manager that records what it gets ---- */

struct peer {
	struct sip_tpmgr *tp;
	int requests, responses, closed, close_err;
	uint64_t last_conn;
	bool answer;			/* answer each request 200 */
	struct sip_msg *last;		/* last message received (a reference) */
};

static void on_msg(struct sip_msg *msg, void *arg)
{
	struct peer *p = arg;

	sip_msg_unref(p->last);
	p->last = sip_msg_ref(msg);
	p->last_conn = msg->src.conn_id;
	if (!msg->is_request) {
		p->responses++;
		return;
	}
	p->requests++;
	if (p->answer) {
		struct sip_msg *r = sip_msg_new_response(msg, 200, NULL, "t1");

		CHECK_INT(sip_tp_send_response(p->tp, r, &msg->src), 0);
		sip_msg_unref(r);
	}
}

static void on_conn(uint64_t id, int err, void *arg)
{
	struct peer *p = arg;

	p->closed++;
	p->close_err = err;
}

static void peer_init(struct peer *p, struct ly_loop *loop, bool answer)
{
	memset(p, 0, sizeof(*p));
	p->tp = sip_tpmgr_new(loop, on_msg, p);
	p->answer = answer;
	sip_tpmgr_set_conn_cb(p->tp, on_conn, p);
}

static void peer_free(struct peer *p)
{
	sip_tpmgr_free(p->tp);
	sip_msg_unref(p->last);
}

/* ---- driving the loop until something happened ---- */

struct wait {
	struct ly_loop *loop;
	const int *counter;
	int target;
	uint64_t deadline;
};

static int wait_poll(void *arg)
{
	struct wait *w = arg;

	if ((w->counter && *w->counter >= w->target) || ly_now_ms() >= w->deadline) {
		ly_loop_stop(w->loop);
		return 0;
	}
	return 2;
}

/* Run the loop until *counter reaches target or ms pass. */
static void run_until(struct ly_loop *loop, const int *counter, int target, unsigned ms)
{
	struct wait w = { loop, counter, target, ly_now_ms() + ms };

	ly_sched_add(ly_loop_sched(loop), 1, wait_poll, &w);
	ly_loop_run(loop);
}

static struct sip_msg *options(const struct sip_transport *via_tp, const char *target, bool rport)
{
	struct sip_msg *m = sip_msg_new_request("OPTIONS", target);
	char branch[32];

	sip_make_branch(branch, 16);
	sip_msg_hdr_addf(m, "Via", "SIP/2.0/%s %s;branch=%s%s", sip_proto_name(sip_transport_proto(via_tp)),
			 sip_transport_sentby(via_tp), branch, rport ? ";rport" : "");
	sip_msg_hdr_add(m, "Max-Forwards", "70");
	sip_msg_hdr_add(m, "From", "<sip:test@localhost>;tag=abc");
	sip_msg_hdr_add(m, "To", "<sip:srv@localhost>");
	sip_msg_hdr_add(m, "Call-ID", branch);
	sip_msg_hdr_add(m, "CSeq", "1 OPTIONS");
	return m;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
					       : ((const struct sockaddr_in *)ss)->sin_port);
}

/* One request/response exchange between two managers over proto. */
static void exchange(enum sip_proto proto, const char *bind, const struct sip_tls_opts *tls)
{
	struct ly_loop *loop = ly_loop_new();
	struct peer srv, cli;
	struct sip_transport *st, *ct;
	struct sockaddr_storage dst, cl;
	socklen_t dlen, cllen;
	struct sip_msg *req;
	uint64_t conn = 0, conn2 = 0;

	peer_init(&srv, loop, true);
	peer_init(&cli, loop, false);
	CHECK_INT(sip_tpmgr_listen(srv.tp, proto, bind, tls, &st), 0);
	CHECK_INT(sip_tpmgr_listen(cli.tp, proto, bind, tls, &ct), 0);
	sip_transport_addr(st, &dst, &dlen);
	sip_transport_addr(ct, &cl, &cllen);
	CHECK(port_of(&dst) != 0);

	req = options(ct, "sip:srv@localhost", true);
	CHECK_INT(sip_tp_send_request(cli.tp, req, proto, (struct sockaddr *)&dst, dlen, &conn), 0);
	CHECK(sip_proto_reliable(proto) ? conn != 0 : conn == 0);
	run_until(loop, &cli.responses, 1, 3000);
	CHECK_INT(srv.requests, 1);
	CHECK_INT(cli.responses, 1);
	if (srv.last) {
		CHECK_INT(srv.last->src.proto, proto);
		CHECK_STR(srv.last->via.branch, req->via.branch);
		/* RFC 3581: rport filled with the source port */
		CHECK(srv.last->via.rport_value != 0);
		if (proto == SIP_PROTO_UDP)
			CHECK_INT(srv.last->via.rport_value, port_of(&cl));
	}
	if (cli.last) {
		CHECK_INT(cli.last->status, 200);
		CHECK_STR(cli.last->call_id, req->call_id);
		/* streams: the response came back on the request's connection */
		CHECK_INT(cli.last->src.conn_id, conn);
	}
	/* a second request reuses the connection */
	CHECK_INT(sip_tp_send_request(cli.tp, req, proto, (struct sockaddr *)&dst, dlen, &conn2), 0);
	CHECK_INT(conn2, conn);
	run_until(loop, &cli.responses, 2, 3000);
	CHECK_INT(cli.responses, 2);
	CHECK_INT(srv.requests, 2);
	sip_msg_unref(req);
	peer_free(&cli);
	peer_free(&srv);
	ly_loop_free(loop);
}

static void test_udp(void)
{
	exchange(SIP_PROTO_UDP, "127.0.0.1:0", NULL);
	exchange(SIP_PROTO_UDP, "[::1]:0", NULL);
}

static void test_tcp(void)
{
	exchange(SIP_PROTO_TCP, "127.0.0.1:0", NULL);
	exchange(SIP_PROTO_TCP, "[::1]:0", NULL);
}

/* ---- TLS with a self-signed certificate made here ---- */

static char tmpdir[64];

static bool make_cert(const char *cert_path, const char *key_path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;
	bool ok = key && x;

	if (ok) {
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 3600);
		X509_set_pubkey(x, key);
		name = X509_get_subject_name(x);
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
		X509_set_issuer_name(x, name);
		ok = X509_sign(x, key, EVP_sha256()) > 0;
	}
	if (ok && (f = fopen(cert_path, "w"))) {
		ok = PEM_write_X509(f, x) == 1;
		fclose(f);
	}
	if (ok && (f = fopen(key_path, "w"))) {
		ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
		fclose(f);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return ok;
}

static void test_tls(void)
{
	char *cert, *key;
	struct sip_tls_opts tls = { 0 };
	struct sip_tpmgr *m;
	struct ly_loop *loop;

	strcpy(tmpdir, "/tmp/lyre-sip-tlsXXXXXX");
	CHECK(mkdtemp(tmpdir) != NULL);
	cert = ly_asprintf("%s/cert.pem", tmpdir);
	key = ly_asprintf("%s/key.pem", tmpdir);
	CHECK(make_cert(cert, key));
	tls.cert_file = cert;
	tls.priv_key_file = key;
	exchange(SIP_PROTO_TLS, "127.0.0.1:0", &tls);
	exchange(SIP_PROTO_TLS, "[::1]:0", &tls);
	/* a TLS listener needs a certificate it can load */
	loop = ly_loop_new();
	m = sip_tpmgr_new(loop, NULL, NULL);
	CHECK_INT(sip_tpmgr_listen(m, SIP_PROTO_TLS, "127.0.0.1:0", NULL, NULL), EINVAL);
	tls.priv_key_file = cert;
	CHECK_INT(sip_tpmgr_listen(m, SIP_PROTO_TLS, "127.0.0.1:0", &tls, NULL), EINVAL);
	CHECK_INT(sip_tpmgr_listen(m, SIP_PROTO_SCTP, "127.0.0.1:0", NULL, NULL), EPROTONOSUPPORT);
	CHECK_INT(sip_tpmgr_listen(m, SIP_PROTO_UDP, "not-an-address", NULL, NULL), EINVAL);
	sip_tpmgr_free(m);
	ly_loop_free(loop);
	unlink(cert);
	unlink(key);
	rmdir(tmpdir);
	free(cert);
	free(key);
}

/* ---- stream framing with a raw TCP client ---- */

static const char msg_fmt[] =
	"OPTIONS sip:srv@localhost SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK%d\r\n"
	"From: <sip:a@localhost>;tag=1\r\nTo: <sip:srv@localhost>\r\n"
	"Call-ID: raw%d\r\nCSeq: %d OPTIONS\r\n%s\r\n\r\n%s";

static char *raw_msg(int n, const char *clen_line, const char *body)
{
	return ly_asprintf(msg_fmt, n, n, n, clen_line, body);
}

static int raw_connect(const struct sockaddr_storage *dst, socklen_t len)
{
	int fd = socket(dst->ss_family, SOCK_STREAM, 0);

	CHECK_INT(connect(fd, (const struct sockaddr *)dst, len), 0);
	return fd;
}

/* What the server wrote back so far, without blocking. */
static size_t drain(int fd, char *buf, size_t size, bool *eof)
{
	size_t n = 0;

	*eof = false;
	for (;;) {
		ssize_t r = recv(fd, buf + n, size - n - 1, MSG_DONTWAIT);

		if (r == 0)
			*eof = true;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

static void send_all(int fd, const char *s, size_t len)
{
	CHECK_INT(send(fd, s, len, MSG_NOSIGNAL), (long long)len);
}

static void test_stream_framing(void)
{
	struct ly_loop *loop = ly_loop_new();
	struct peer srv;
	struct sip_transport *st;
	struct sockaddr_storage dst;
	socklen_t dlen;
	char *m1 = raw_msg(1, "Content-Length: 5", "hello");
	char *m2 = raw_msg(2, "l: 0", ""), *m3 = raw_msg(3, "Content-Length: 3", "abc");
	char *two = ly_asprintf("%s\r\n\r\n%s", m2, m3);
	char *nocl = raw_msg(4, "X-No-Length: yes", "");
	char buf[8192];
	bool eof;
	int fd;
	size_t len1 = strlen(m1);

	peer_init(&srv, loop, true);
	CHECK_INT(sip_tpmgr_listen(srv.tp, SIP_PROTO_TCP, "127.0.0.1:0", NULL, &st), 0);
	sip_transport_addr(st, &dst, &dlen);
	fd = raw_connect(&dst, dlen);

	/* one message in three pieces, the cut inside the headers and the body */
	send_all(fd, m1, 40);
	run_until(loop, &srv.requests, 1, 50);
	send_all(fd, m1 + 40, len1 - 42);
	run_until(loop, &srv.requests, 1, 50);
	CHECK_INT(srv.requests, 0);
	send_all(fd, m1 + len1 - 2, 2);
	run_until(loop, &srv.requests, 1, 2000);
	CHECK_INT(srv.requests, 1);
	CHECK(srv.last && srv.last->body_len == 5 && memcmp(srv.last->body, "hello", 5) == 0);
	/* two messages and a keep-alive in one write */
	send_all(fd, two, strlen(two));
	run_until(loop, &srv.requests, 3, 2000);
	CHECK_INT(srv.requests, 3);
	CHECK(srv.last && srv.last->body_len == 3);
	drain(fd, buf, sizeof(buf), &eof);
	CHECK(strstr(buf, "Call-ID: raw1\r\n") && strstr(buf, "Call-ID: raw3\r\n"));
	CHECK(!eof);
	/* no Content-Length on a stream: 400, then the connection closes */
	send_all(fd, nocl, strlen(nocl));
	run_until(loop, &srv.closed, 1, 2000);
	CHECK_INT(srv.requests, 3);
	CHECK_INT(srv.closed, 1);
	drain(fd, buf, sizeof(buf), &eof);
	CHECK(strncmp(buf, "SIP/2.0 400 ", 12) == 0);
	CHECK(eof);
	close(fd);
	peer_free(&srv);
	ly_loop_free(loop);
	free(m1);
	free(m2);
	free(m3);
	free(two);
	free(nocl);
}

/* An incomplete message times out and closes the connection (torture clerr over TCP). */
static void test_stream_timeout(void)
{
	struct ly_loop *loop = ly_loop_new();
	struct peer srv;
	struct sip_transport *st;
	struct sockaddr_storage dst;
	socklen_t dlen;
	char *m = raw_msg(1, "Content-Length: 9999", "short body");
	char buf[512];
	bool eof;
	int fd;
	uint64_t t0;

	peer_init(&srv, loop, true);
	sip_tpmgr_set_timeouts(srv.tp, 150, 0);
	CHECK_INT(sip_tpmgr_listen(srv.tp, SIP_PROTO_TCP, "[::1]:0", NULL, &st), 0);
	sip_transport_addr(st, &dst, &dlen);
	fd = raw_connect(&dst, dlen);
	send_all(fd, m, strlen(m));
	t0 = ly_now_ms();
	run_until(loop, &srv.closed, 1, 3000);
	CHECK_INT(srv.closed, 1);
	CHECK_INT(srv.close_err, ETIMEDOUT);
	CHECK(ly_now_ms() - t0 >= 140);
	CHECK_INT(srv.requests, 0);
	drain(fd, buf, sizeof(buf), &eof);
	CHECK(eof && buf[0] == '\0');
	close(fd);
	peer_free(&srv);
	ly_loop_free(loop);
	free(m);
}

/* ---- §18.2.2 response routing over UDP ---- */

static int udp_socket(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK_INT(bind(fd, (struct sockaddr *)&a, len), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Send a request from `from` whose Via names `via_host`:`via_port`. */
static void udp_request(int from, const struct sockaddr_storage *dst, socklen_t dlen, const char *via)
{
	char *req = ly_asprintf("OPTIONS sip:srv@localhost SIP/2.0\r\nVia: SIP/2.0/UDP %s\r\n"
				"From: <sip:a@localhost>;tag=1\r\nTo: <sip:srv@localhost>\r\n"
				"Call-ID: route\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", via);

	sendto(from, req, strlen(req), 0, (const struct sockaddr *)dst, dlen);
	free(req);
}

static void test_response_routing(void)
{
	struct ly_loop *loop = ly_loop_new();
	struct peer srv;
	struct sip_transport *st;
	struct sockaddr_storage dst;
	socklen_t dlen;
	uint16_t pa, pb;
	int a = udp_socket(&pa), b = udp_socket(&pb);
	char via[128], buf[2048];
	bool eof;

	peer_init(&srv, loop, true);
	CHECK_INT(sip_tpmgr_listen(srv.tp, SIP_PROTO_UDP, "127.0.0.1:0", NULL, &st), 0);
	sip_transport_addr(st, &dst, &dlen);

	/* rport: the answer goes to the source port, not the sent-by port */
	snprintf(via, sizeof(via), "127.0.0.1:%u;branch=z9hG4bK1;rport", pb);
	udp_request(a, &dst, dlen, via);
	run_until(loop, &srv.requests, 1, 2000);
	run_until(loop, NULL, 0, 30);
	CHECK(drain(a, buf, sizeof(buf), &eof) > 0);
	CHECK(strstr(buf, ";received=127.0.0.1;rport=") != NULL);
	CHECK(drain(b, buf, sizeof(buf), &eof) == 0);

	/* no rport: received address and the sent-by port */
	snprintf(via, sizeof(via), "192.0.2.1:%u;branch=z9hG4bK2", pb);
	udp_request(a, &dst, dlen, via);
	run_until(loop, &srv.requests, 2, 2000);
	run_until(loop, NULL, 0, 30);
	CHECK(drain(a, buf, sizeof(buf), &eof) == 0);
	CHECK(drain(b, buf, sizeof(buf), &eof) > 0);
	CHECK(strstr(buf, "192.0.2.1:") && strstr(buf, ";received=127.0.0.1\r\n"));

	/* force_rport: the source, whatever the Via says */
	sip_tpmgr_set_force_rport(srv.tp, true);
	snprintf(via, sizeof(via), "127.0.0.1:%u;branch=z9hG4bK3", pb);
	udp_request(a, &dst, dlen, via);
	run_until(loop, &srv.requests, 3, 2000);
	run_until(loop, NULL, 0, 30);
	CHECK(drain(a, buf, sizeof(buf), &eof) > 0);
	CHECK(drain(b, buf, sizeof(buf), &eof) == 0);
	CHECK_INT(srv.requests, 3);

	close(a);
	close(b);
	peer_free(&srv);
	ly_loop_free(loop);
}

static void test_addr(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[64];

	CHECK_INT(sip_addr_parse("[::1]:5070", 5060, &ss, &len), 0);
	ly_addr_print((struct sockaddr *)&ss, buf, sizeof(buf));
	CHECK_STR(buf, "[::1]:5070");
	CHECK_INT(sip_addr_parse("10.1.2.3", 5061, &ss, &len), 0);
	ly_addr_print((struct sockaddr *)&ss, buf, sizeof(buf));
	CHECK_STR(buf, "10.1.2.3:5061");
	CHECK_INT(sip_addr_parse("2001:db8::1", 5060, &ss, &len), 0);
	CHECK_INT(ss.ss_family, AF_INET6);
	CHECK_INT(sip_addr_parse("[::1", 5060, &ss, &len), EINVAL);
	CHECK_INT(sip_addr_parse("1.2.3.4:70000", 5060, &ss, &len), EINVAL);
	CHECK(!sip_proto_reliable(SIP_PROTO_UDP) && sip_proto_reliable(SIP_PROTO_TLS));
}

int main(void)
{
	return tap_run((struct tap_test[]){
		TAP(test_addr),
		TAP(test_udp),
		TAP(test_tcp),
		TAP(test_tls),
		TAP(test_stream_framing),
		TAP(test_stream_timeout),
		TAP(test_response_routing),
	}, 7);
}
