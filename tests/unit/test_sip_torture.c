/* tests/unit/test_sip_torture.c - every RFC 4475 / RFC 5118 message handled as its MANIFEST says, by the parser and over real UDP. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <lyre/loop.h>
#include <lyre/utils.h>

#include "sip_msg.h"
#include "sip_transport.h"
#include "tap.h"

/*
 * What Lyre does with each message that is not simply "valid, delivered".
 * `parse` is the sip_msg_parse result; `reply` is what the transport
 * itself answers over UDP (0: nothing); `delivered` says whether the
 * message reaches the receive callback.
 */
struct expect {
	const char *name;
	enum sip_parse_result parse;
	int reply;
	bool delivered;
};

static const struct expect special[] = {
	/* RFC 4475 §3.1.2: invalid messages */
	{ "badinv01", SIP_PARSE_BAD, 400, false },
	{ "clerr", SIP_PARSE_BAD, 400, false },
	{ "ncl", SIP_PARSE_BAD, 400, false },
	{ "scalar02", SIP_PARSE_BAD, 400, false },
	{ "scalarlg", SIP_PARSE_BAD, 0, false },	/* a response: dropped */
	{ "quotbal", SIP_PARSE_BAD, 400, false },
	{ "ltgtruri", SIP_PARSE_BAD, 400, false },
	{ "lwsruri", SIP_PARSE_BAD, 400, false },
	{ "lwsstart", SIP_PARSE_BAD, 400, false },
	{ "trws", SIP_PARSE_BAD, 400, false },
	{ "escruri", SIP_PARSE_BAD, 400, false },
	{ "regbadct", SIP_PARSE_BAD, 400, false },
	{ "badaspec", SIP_PARSE_BAD, 400, false },
	{ "baddn", SIP_PARSE_BAD, 400, false },
	{ "badvers", SIP_PARSE_BAD_VERSION, 505, false },
	{ "mismatch01", SIP_PARSE_BAD, 400, false },
	{ "mismatch02", SIP_PARSE_BAD, 400, false },
	{ "bigcode", SIP_PARSE_BAD, 0, false },	/* a response: dropped */
	/* §3.2.1: only the magic cookie as branch: 400 statelessly */
	{ "badbranch", SIP_PARSE_BAD, 400, false },
	/* §3.3: broken enough for the transport to answer */
	{ "insuf", SIP_PARSE_BAD, 400, false },
	{ "multi01", SIP_PARSE_BAD, 400, false },
	{ "mcl01", SIP_PARSE_BAD, 400, false },
	/* no SIP version and no Via: nothing to answer, dropped */
	{ "test", SIP_PARSE_BAD, 0, false },
	/* RFC 5118 §4.2: unbracketed IPv6 in the Request-URI */
	{ "ipv6-bad", SIP_PARSE_BAD, 400, false },
};

static const struct expect *expectation(const char *name)
{
	static struct expect valid;

	for (size_t i = 0; i < LY_ARRAY_LEN(special); i++)
		if (strcmp(special[i].name, name) == 0)
			return &special[i];
	valid = (struct expect){ name, SIP_PARSE_OK, 0, true };
	return &valid;
}

static char *data_dir(const char *sub)
{
	const char *top = getenv("top_srcdir");

	return ly_asprintf("%s/tests/data/sip-torture%s", top ? top : ".", sub);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	buf = ly_malloc(70000);
	*len = fread(buf, 1, 70000, f);
	fclose(f);
	return buf;
}

/* The names listed in a MANIFEST.tsv (first column, header row skipped). */
static size_t manifest(const char *dir, char names[][64], size_t max)
{
	/* rfc5118/wire/ holds the sendable files; the MANIFEST is one up */
	const char *wire = strstr(dir, "/wire");
	char *path = ly_asprintf("%.*s/MANIFEST.tsv", wire ? (int)(wire - dir) : (int)strlen(dir), dir);
	FILE *f = fopen(path, "r");
	char line[2048];
	size_t n = 0;

	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		size_t l = strcspn(line, "\t");

		if (strncmp(line, "name\t", 5) == 0 || l == 0 || l >= 64)
			continue;
		memcpy(names[n], line, l);
		names[n++][l] = '\0';
	}
	fclose(f);
	return n;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mlen = 0;

	EVP_Digest(data, len, md, &mlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* Every file listed in SHA256SUMS has exactly those bytes. */
static void check_sums(const char *dir, unsigned *checked)
{
	char *path = ly_asprintf("%s/SHA256SUMS", dir);
	FILE *f = fopen(path, "r");
	char line[512];

	free(path);
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		char want[65], name[256], got[65];
		size_t len;
		char *file, *data;

		if (sscanf(line, "%64s %255s", want, name) != 2)
			continue;
		file = ly_asprintf("%s/%s", dir, name);
		data = read_file(file, &len);
		CHECK(data != NULL);
		if (data) {
			sha256_hex(data, len, got);
			if (strcmp(got, want) != 0)
				printf("# %s changed\n", file);
			CHECK_STR(got, want);
			(*checked)++;
		}
		free(data);
		free(file);
	}
	if (f)
		fclose(f);
}

static void test_corpus_intact(void)
{
	char *d1 = data_dir(""), *d2 = data_dir("/rfc5118/wire");
	unsigned n = 0;

	check_sums(d1, &n);
	check_sums(d2, &n);
	CHECK(n >= 62);
	free(d1);
	free(d2);
}

/* The parser alone gives the expected result for every file. */
static void parse_dir(const char *dir, unsigned *count)
{
	static char names[80][64];
	size_t n = manifest(dir, names, 80);

	for (size_t i = 0; i < n; i++) {
		const struct expect *e = expectation(names[i]);
		char *path = ly_asprintf("%s/%s.dat", dir, names[i]);
		struct sip_parse_info info;
		struct sip_msg *m = NULL;
		size_t len;
		char *data = read_file(path, &len);
		enum sip_parse_result r;

		CHECK(data != NULL);
		if (!data) {
			free(path);
			continue;
		}
		r = sip_msg_parse(data, len, SIP_FRAME_DATAGRAM, &m, &info);
		if (r != e->parse)
			printf("# %s: parse %d (%s), expected %d\n", names[i], r,
			       info.reason ? info.reason : "", e->parse);
		CHECK_INT(r, e->parse);
		if (r != SIP_PARSE_OK && e->reply)
			CHECK_INT(info.status, e->reply);
		sip_msg_unref(m);
		free(data);
		free(path);
		(*count)++;
	}
}

static void test_parse_all(void)
{
	char *d1 = data_dir(""), *d2 = data_dir("/rfc5118/wire");
	unsigned n = 0;

	parse_dir(d1, &n);
	parse_dir(d2, &n);
	CHECK_INT(n, 62);
	free(d1);
	free(d2);
}

/* Details the MANIFEST asks for beyond "it parses". */
static struct sip_msg *parse_named(const char *sub, const char *name)
{
	char *dir = data_dir(sub);
	char *path = ly_asprintf("%s/%s.dat", dir, name);
	struct sip_parse_info info;
	struct sip_msg *m = NULL;
	size_t len;
	char *data = read_file(path, &len);

	if (data)
		sip_msg_parse(data, len, SIP_FRAME_DATAGRAM, &m, &info);
	free(data);
	free(path);
	free(dir);
	return m;
}

static void test_manifest_details(void)
{
	struct sip_msg *m;
	char user[128];

	m = parse_named("", "semiuri");
	CHECK(m && m->ruri.user);
	if (m && m->ruri.user) {
		sip_unescape(m->ruri.user, strlen(m->ruri.user), user);
		CHECK_STR(user, "user;par=u@example.net");
	}
	sip_msg_unref(m);

	m = parse_named("", "escnull");
	CHECK(m && m->contacts && m->contacts->next && !m->contacts->next->next);
	if (m && m->contacts && m->contacts->next)
		CHECK(!sip_uri_equal(&m->contacts->addr.uri, &m->contacts->next->addr.uri));
	sip_msg_unref(m);

	m = parse_named("", "esc02");
	CHECK(m && m->method_id == SIP_METHOD_OTHER);
	CHECK(m && m->contacts && m->contacts->next && !m->contacts->next->next);
	sip_msg_unref(m);

	m = parse_named("", "cparam01");	/* unknownparam is a contact param */
	CHECK(m && m->contacts && strcmp(m->contacts->addr.uri.params, "") == 0);
	CHECK(m && m->contacts && sip_param_find(m->contacts->addr.params, "unknownparam", NULL));
	sip_msg_unref(m);

	m = parse_named("", "cparam02");	/* inside <>: a URI param */
	CHECK(m && m->contacts && sip_uri_param(&m->contacts->addr.uri, "unknownparam", NULL));
	sip_msg_unref(m);

	m = parse_named("", "regescrt");
	CHECK(m && m->contacts && strstr(m->contacts->addr.uri.headers, "Route=") != NULL);
	sip_msg_unref(m);

	m = parse_named("", "mpart01");	/* framed by length, NULs included */
	CHECK(m && m->content_length > 0 && m->body_len == (size_t)m->content_length);
	CHECK(m && memchr(m->body, '\0', m->body_len) != NULL);
	sip_msg_unref(m);

	m = parse_named("", "wsinv");
	CHECK(m && m->cseq == 9 && m->max_forwards == 68 && m->from.tag && m->to.tag);
	CHECK(m && m->from.display && strcmp(m->from.display, "J Rosenberg \\\"") == 0);
	sip_msg_unref(m);

	m = parse_named("", "transports");
	CHECK(m && m->via.proto == SIP_PROTO_UDP);
	sip_msg_unref(m);

	m = parse_named("/rfc5118/wire", "port-ambiguous");
	CHECK(m && m->ruri.host_ipv6 && m->ruri.port == 0 && strcmp(m->ruri.host, "2001:db8::10:5070") == 0);
	sip_msg_unref(m);
	m = parse_named("/rfc5118/wire", "port-unambiguous");
	CHECK(m && m->ruri.port == 5070 && strcmp(m->ruri.host, "2001:db8::10") == 0);
	sip_msg_unref(m);
}

/* ---- over a real UDP transport ---- */

struct server {
	struct ly_loop *loop;
	struct sip_tpmgr *tp;
	pthread_t thread;
	atomic_int requests, responses;
};

/* A minimal UA: count what arrives and answer every request 200. */
static void on_message(struct sip_msg *msg, void *arg)
{
	struct server *s = arg;

	if (!msg->is_request) {
		atomic_fetch_add(&s->responses, 1);
		return;
	}
	atomic_fetch_add(&s->requests, 1);
	if (msg->method_id != SIP_METHOD_ACK) {
		struct sip_msg *r = sip_msg_new_response(msg, 200, NULL, "srvtag");

		if (r)
			sip_tp_send_response(s->tp, r, &msg->src);
		sip_msg_unref(r);
	}
}

static void *run_loop(void *arg)
{
	ly_loop_run(((struct server *)arg)->loop);
	return NULL;
}

static void stop_cb(void *arg)
{
	ly_loop_stop(arg);
}

/* Send a file, then a probe; collect replies until the probe's answer:
 * UDP on loopback keeps order, so anything for the file came first. */
static int exchange(int fd, const struct sockaddr *dst, socklen_t dlen, const char *data, size_t len,
		    int *codes, int max, unsigned probe)
{
	char probe_msg[512], buf[70000];
	int n = 0;

	snprintf(probe_msg, sizeof(probe_msg),
		 "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKprobe%u\r\n"
		 "From: <sip:t@127.0.0.1>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe-%u\r\n"
		 "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", probe, probe);
	sendto(fd, data, len, 0, dst, dlen);
	sendto(fd, probe_msg, strlen(probe_msg), 0, dst, dlen);
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
		char want[32];

		if (r <= 0)
			return -1;	/* timed out: the probe was never answered */
		buf[r] = '\0';
		snprintf(want, sizeof(want), "Call-ID: probe-%u\r\n", probe);
		if (strstr(buf, want))
			return n;
		if (n < max)
			codes[n] = atoi(buf + 8);
		n++;
	}
}

static void udp_dir(struct server *s, int fd, const struct sockaddr *dst, socklen_t dlen,
		    const char *dir, unsigned *probe, unsigned *count)
{
	static char names[80][64];
	size_t n = manifest(dir, names, 80);

	for (size_t i = 0; i < n; i++) {
		const struct expect *e = expectation(names[i]);
		char *path = ly_asprintf("%s/%s.dat", dir, names[i]);
		size_t len;
		char *data = read_file(path, &len);
		int before_req = atomic_load(&s->requests), before_resp = atomic_load(&s->responses);
		int codes[4] = { 0 }, got;
		bool is_resp = data && strncmp(data, "SIP/", 4) == 0;
		int delivered;

		free(path);
		if (!data)
			continue;
		got = exchange(fd, dst, dlen, data, len, codes, 4, ++*probe);
		delivered = is_resp ? atomic_load(&s->responses) - before_resp
				    : atomic_load(&s->requests) - before_req - 1;
		if (e->delivered && !is_resp) {
			/* answered once by the UA (dblreq: exactly once) */
			CHECK_INT(got, 1);
			CHECK_INT(codes[0], 200);
		} else if (e->reply) {
			CHECK_INT(got, 1);
			CHECK_INT(codes[0], e->reply);
		} else {
			CHECK_INT(got, 0);	/* dropped, never answered */
		}
		if (got < 0 || (e->reply && codes[0] != e->reply))
			printf("# %s: %d replies, first %d\n", names[i], got, codes[0]);
		CHECK_INT(delivered, e->delivered ? 1 : 0);
		free(data);
		(*count)++;
	}
}

static void test_udp_all(void)
{
	struct server s = { 0 };
	struct sip_transport *t;
	struct sockaddr_storage dst, me;
	socklen_t dlen, mlen = sizeof(me);
	struct timeval tv = { 2, 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char *d1 = data_dir(""), *d2 = data_dir("/rfc5118/wire");
	unsigned probe = 0, count = 0;

	s.loop = ly_loop_new();
	s.tp = sip_tpmgr_new(s.loop, on_message, &s);
	/* the corpus' Vias name example hosts without rport: answer the source */
	sip_tpmgr_set_force_rport(s.tp, true);
	CHECK_INT(sip_tpmgr_listen(s.tp, SIP_PROTO_UDP, "127.0.0.1:0", NULL, &t), 0);
	sip_transport_addr(t, &dst, &dlen);
	CHECK_INT(sip_addr_parse("127.0.0.1:0", 0, &me, &mlen), 0);
	CHECK_INT(bind(fd, (struct sockaddr *)&me, mlen), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_create(&s.thread, NULL, run_loop, &s);

	udp_dir(&s, fd, (struct sockaddr *)&dst, dlen, d1, &probe, &count);
	udp_dir(&s, fd, (struct sockaddr *)&dst, dlen, d2, &probe, &count);
	CHECK_INT(count, 62);

	ly_loop_call(s.loop, stop_cb, s.loop);
	pthread_join(s.thread, NULL);
	sip_tpmgr_free(s.tp);
	ly_loop_free(s.loop);
	close(fd);
	free(d1);
	free(d2);
}

int main(void)
{
	return tap_run((struct tap_test[]){
		TAP(test_corpus_intact),
		TAP(test_parse_all),
		TAP(test_manifest_details),
		TAP(test_udp_all),
	}, 4);
}
