/* tests/unit/test_sip_txn.c - SIP transactions (RFC 3261 §17) against a fake transport and a fake clock. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/obj.h"
#include "lyre/sched.h"
#include "lyre/utils.h"
#include "sip_msg.h"
#include "sip_txn.h"
#include "tap.h"

/* Heap bytes in use: the sanitizer's allocator under ASan, else glibc's. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/allocator_interface.h>
static size_t heap_in_use(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}
#endif

#define T1 500
#define T2 4000
#define T4 5000

/* ---- fake clock and scheduler ---- */

static uint64_t fake_now;
static struct ly_sched *sched;

static uint64_t clock_now(void)
{
	return fake_now;
}

/* Move the clock to `to`, running every entry on the way at its due time. */
static void advance_to(uint64_t to)
{
	for (;;) {
		int64_t wait = ly_sched_wait_ms(sched, fake_now);

		if (wait < 0 || fake_now + (uint64_t)wait > to)
			break;
		fake_now += (uint64_t)wait;
		ly_sched_run_due(sched, fake_now);
	}
	fake_now = to;
}

/* ---- fake transport: records what is sent and when ---- */

struct sent {
	struct sip_msg *msg;
	uint64_t at;
	struct sip_msg_src to;
};

static struct sent sent[256];
static int n_sent;
static int fail_sends;		/* errno the next sends return, 0: succeed */

static int record(const struct sip_msg *m, const struct sip_msg_src *to)
{
	if (fail_sends)
		return fail_sends;
	if (n_sent < (int)LY_ARRAY_LEN(sent)) {
		sent[n_sent].msg = sip_msg_ref((struct sip_msg *)m);
		sent[n_sent].at = fake_now;
		sent[n_sent].to = *to;
		n_sent++;
	}
	return 0;
}

static int fake_send_request(void *ctx, const struct sip_msg *req, struct sip_msg_src *dst)
{
	(void)ctx;
	if (dst->proto != SIP_PROTO_UDP && !dst->conn_id)
		dst->conn_id = 77;	/* the stream connection the transport picked */
	return record(req, dst);
}

static int fake_send_response(void *ctx, const struct sip_msg *resp, const struct sip_msg_src *src)
{
	(void)ctx;
	return record(resp, src);
}

static void sent_reset(void)
{
	for (int i = 0; i < n_sent; i++)
		sip_msg_unref(sent[i].msg);
	n_sent = 0;
	fail_sends = 0;
}

/* How many sent messages have this status (0: requests of `method`). */
static int count_sent(int status, const char *method)
{
	int n = 0;

	for (int i = 0; i < n_sent; i++) {
		const struct sip_msg *m = sent[i].msg;

		if (status ? !m->is_request && m->status == status
			   : m->is_request && strcmp(m->method, method) == 0)
			n++;
	}
	return n;
}

/* ---- TU callbacks: a log of events ---- */

struct events {
	int requests, acks, acks_with_txn, strays;
	int responses, last_status, timeouts, transport_errors, cancels, terminated;
	int responses_with_request;	/* the TU could read sip_txn_request */
	struct sip_txn *last_st;	/* referenced */
};

static struct events ev;

static void events_reset(void)
{
	sip_txn_unref(ev.last_st);
	memset(&ev, 0, sizeof(ev));
}

static void on_response(struct sip_txn *t, struct sip_msg *resp, void *arg)
{
	(void)arg;
	ev.responses++;
	ev.last_status = resp->status;
	if (sip_txn_request(t) && sip_txn_request(t)->method_id == SIP_METHOD_INVITE)
		ev.responses_with_request++;
}

static void on_timeout(struct sip_txn *t, void *arg)
{
	(void)t;
	(void)arg;
	ev.timeouts++;
}

static void on_transport_error(struct sip_txn *t, int err, void *arg)
{
	(void)t;
	(void)arg;
	(void)err;
	ev.transport_errors++;
}

static void on_cancelled(struct sip_txn *t, const struct sip_msg *cancel, void *arg)
{
	(void)t;
	(void)arg;
	(void)cancel;
	ev.cancels++;
}

static void on_terminated(struct sip_txn *t, void *arg)
{
	(void)t;
	(void)arg;
	ev.terminated++;
}

static const struct sip_txn_user user = {
	.response = on_response,
	.timeout = on_timeout,
	.transport_error = on_transport_error,
	.cancelled = on_cancelled,
	.terminated = on_terminated,
};

/* What the TU does with a new server transaction: 0 = nothing yet. */
static int auto_reply;

static void on_request(struct sip_txn *st, struct sip_msg *req, void *arg)
{
	(void)req;
	(void)arg;
	ev.requests++;
	sip_txn_set_user(st, &user, NULL);
	sip_txn_unref(ev.last_st);
	ev.last_st = sip_txn_ref(st);
	if (auto_reply)
		sip_txn_reply(st, auto_reply, NULL, "uastag");
}

static void on_ack(struct sip_msg *ack, struct sip_txn *st, void *arg)
{
	(void)ack;
	(void)arg;
	ev.acks++;
	if (st)
		ev.acks_with_txn++;
}

static void on_stray(struct sip_msg *resp, void *arg)
{
	(void)resp;
	(void)arg;
	ev.strays++;
}

/* ---- set-up ---- */

static struct sip_txn_table *setup(unsigned max_transactions)
{
	struct sip_txn_config cfg = {
		.t1_ms = T1, .t2_ms = T2, .t4_ms = T4,
		.max_transactions = max_transactions, .now_ms = clock_now,
	};
	struct sip_txn_transport tp = {
		.send_request = fake_send_request, .send_response = fake_send_response,
	};
	struct sip_txn_handlers h = {
		.request = on_request, .ack = on_ack, .stray_response = on_stray,
	};

	fake_now = 1000000;
	sched = ly_sched_new();
	sent_reset();
	events_reset();
	auto_reply = 0;
	return sip_txn_table_new(sched, &cfg, &tp, &h);
}

static void teardown(struct sip_txn_table *tbl)
{
	sip_txn_table_free(tbl);
	ly_sched_free(sched);
	sched = NULL;
	sent_reset();
	events_reset();
}

static struct sip_msg_src src_of(enum sip_proto proto)
{
	struct sip_msg_src s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.addr.ss_family = AF_INET;
	s.addr_len = sizeof(struct sockaddr_in);
	s.conn_id = proto == SIP_PROTO_UDP ? 0 : 5;
	return s;
}

static struct sip_msg *parse(const char *text, enum sip_proto proto)
{
	struct sip_parse_info info;
	struct sip_msg *m = NULL;

	if (sip_msg_parse(text, strlen(text), SIP_FRAME_DATAGRAM, &m, &info) != SIP_PARSE_OK) {
		printf("# unparsable test message:\n%s", text);
		sip_msg_unref(m);
		return NULL;
	}
	m->src = src_of(proto);
	return m;
}

/*
 * A request: `via` is the whole top Via value, `to_tag` may be NULL,
 * `extra` more header lines.
 */
static struct sip_msg *request(const char *method, unsigned cseq, const char *cseq_method,
			       const char *via, const char *to_tag, const char *extra,
			       enum sip_proto proto)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "%s sip:bob@127.0.0.1 SIP/2.0\r\n"
		 "Via: %s\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:alice@127.0.0.1>;tag=fromtag1\r\n"
		 "To: <sip:bob@127.0.0.1>%s%s\r\n"
		 "Call-ID: call-1@127.0.0.1\r\n"
		 "CSeq: %u %s\r\n"
		 "%s"
		 "Content-Length: 0\r\n\r\n",
		 method, via, to_tag ? ";tag=" : "", to_tag ? to_tag : "", cseq, cseq_method,
		 extra ? extra : "");
	return parse(text, proto);
}

#define UAC_VIA_UDP "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKclient1"
#define UAC_VIA_TCP "SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bKclient1"
#define PEER_VIA "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKpeer1"
#define PEER_VIA_TCP "SIP/2.0/TCP 127.0.0.1:5080;branch=z9hG4bKpeer1"

/* The response the far end would send to req, as it arrives (printed and
 * parsed again, so it looks exactly like one from the network). */
static struct sip_msg *response_to(const struct sip_msg *req, int code, const char *to_tag)
{
	struct sip_msg *built = sip_msg_new_response(req, code, NULL, to_tag);
	struct ly_buf b;
	struct sip_msg *m;

	ly_buf_init(&b);
	sip_msg_print(built, &b);
	m = parse(ly_buf_str(&b), req->src.proto);
	ly_buf_free(&b);
	sip_msg_unref(built);
	return m;
}

/* Send times of the messages that match, relative to `start`. */
static int times_of(int status, const char *method, uint64_t start, uint64_t *out, int max)
{
	int n = 0;

	for (int i = 0; i < n_sent && n < max; i++) {
		const struct sip_msg *m = sent[i].msg;

		if (status ? !m->is_request && m->status == status
			   : m->is_request && strcmp(m->method, method) == 0)
			out[n++] = sent[i].at - start;
	}
	return n;
}

static void check_times(const uint64_t *got, int n, const uint64_t *want, int n_want)
{
	CHECK_INT(n, n_want);
	for (int i = 0; i < n && i < n_want; i++)
		CHECK_INT(got[i], want[i]);
}

/* Start a client transaction for req over proto. */
static struct sip_txn *client(struct sip_txn_table *tbl, struct sip_msg *req, enum sip_proto proto)
{
	struct sip_msg_src dst = src_of(proto);
	struct sip_txn *t = NULL;

	dst.conn_id = 0;
	CHECK_INT(sip_txn_client_start(tbl, req, &dst, &user, NULL, &t), 0);
	return t;
}

/* ---- client INVITE ---- */

static void test_client_invite_udp_timer_a_and_b(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now, at[16];
	/* Timer A: T1, doubling with no cap, while Calling; B at 64*T1. */
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_UDP);

	CHECK_INT(sip_txn_state(t), SIP_TXN_CALLING);
	advance_to(start + 64 * T1 - 1);
	CHECK_INT(ev.timeouts, 0);
	advance_to(start + 64 * T1);
	check_times(at, times_of(0, "INVITE", start, at, 16), want, 7);
	CHECK_INT(ev.timeouts, 1);
	CHECK_INT(ev.terminated, 1);
	CHECK_INT(sip_txn_state(t), SIP_TXN_TERMINATED);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(count_sent(0, "ACK"), 0);	/* §17.1.1.2: no ACK on timeout */
	CHECK_INT(ly_obj_refs(t), 1);		/* only ours is left */
	sip_txn_unref(t);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_client_invite_tcp_no_retransmission(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);
	uint64_t start = fake_now;
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_TCP);

	CHECK_INT(sip_txn_dest(t)->conn_id, 77);	/* the connection used is kept */
	advance_to(start + 64 * T1);
	CHECK_INT(count_sent(0, "INVITE"), 1);
	CHECK_INT(ev.timeouts, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_txn_unref(t);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_client_invite_rejected_acks(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 7, "INVITE", UAC_VIA_UDP, NULL,
				      "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n",
				      SIP_PROTO_UDP);
	uint64_t start = fake_now;
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_UDP);
	struct sip_msg *ringing = response_to(inv, 180, "callee");
	struct sip_msg *busy = response_to(inv, 486, "callee");
	const struct sip_msg *ack;
	struct sip_value_iter it;
	struct sip_str v;
	int vias = 0, routes = 0;

	advance_to(start + 600);	/* one retransmission at 500 */
	sip_txn_receive(tbl, ringing);
	CHECK_INT(sip_txn_state(t), SIP_TXN_PROCEEDING);
	CHECK_INT(ev.last_status, 180);
	advance_to(start + 60000);	/* Proceeding: no A, and B no longer applies */
	CHECK_INT(count_sent(0, "INVITE"), 2);
	CHECK_INT(ev.timeouts, 0);

	sip_txn_receive(tbl, busy);
	CHECK_INT(sip_txn_state(t), SIP_TXN_COMPLETED);
	CHECK_INT(ev.responses, 2);
	CHECK_INT(ev.last_status, 486);
	CHECK_INT(count_sent(0, "ACK"), 1);
	ack = sent[n_sent - 1].msg;
	/* §17.1.1.3: R-URI, Call-ID, From of the INVITE; To of the response;
	 * one Via, the INVITE's top; CSeq number with ACK; the Route set. */
	CHECK_STR(ack->ruri.text, "sip:bob@127.0.0.1");
	CHECK_STR(ack->call_id, "call-1@127.0.0.1");
	CHECK_STR(ack->from.tag, "fromtag1");
	CHECK_STR(ack->to.tag, "callee");
	CHECK_INT(ack->cseq, 7);
	CHECK_STR(ack->cseq_method, "ACK");
	CHECK_STR(ack->via.branch, "z9hG4bKclient1");
	sip_value_iter_init(&it, ack, "Via");
	while (sip_value_next(&it, &v))
		vias++;
	sip_value_iter_init(&it, ack, "Route");
	while (sip_value_next(&it, &v))
		routes++;
	CHECK_INT(vias, 1);
	CHECK_INT(routes, 2);

	/* A retransmitted 486 is ACKed again and not passed up. */
	sip_txn_receive(tbl, busy);
	CHECK_INT(count_sent(0, "ACK"), 2);
	CHECK_INT(ev.responses, 2);

	/* Timer D: 32 s after Completed (at start + 60 s), then it is gone. */
	advance_to(start + 60000 + 32000 - 1);
	CHECK_INT(sip_txn_table_count(tbl), 1);
	advance_to(start + 60000 + 32000);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.terminated, 1);
	CHECK_INT(ly_obj_refs(t), 1);
	sip_txn_unref(t);
	sip_msg_unref(ringing);
	sip_msg_unref(busy);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_client_invite_rejected_tcp_ends_at_once(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_TCP);
	struct sip_msg *busy = response_to(inv, 603, "x");

	sip_txn_receive(tbl, busy);
	CHECK_INT(count_sent(0, "ACK"), 1);	/* "even if the transport is reliable" */
	CHECK_INT(sent[n_sent - 1].to.conn_id, 77);	/* same connection as the INVITE */
	CHECK_INT(sip_txn_state(t), SIP_TXN_TERMINATED);	/* Timer D = 0 */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_txn_unref(t);
	sip_msg_unref(busy);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_client_invite_2xx_accepted_then_timer_m(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now;
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_UDP);
	struct sip_msg *ok = response_to(inv, 200, "callee");

	sip_txn_receive(tbl, ok);
	CHECK_INT(sip_txn_state(t), SIP_TXN_ACCEPTED);
	CHECK_INT(count_sent(0, "ACK"), 0);	/* the TU ACKs a 2xx (§13.2.2.4) */
	sip_txn_receive(tbl, ok);		/* RFC 6026: every 2xx reaches the TU */
	CHECK_INT(ev.responses, 2);
	advance_to(start + 64 * T1);
	CHECK_INT(count_sent(0, "INVITE"), 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.timeouts, 0);
	sip_txn_receive(tbl, ok);		/* after Timer M: to the core */
	CHECK_INT(ev.strays, 1);
	sip_txn_unref(t);
	sip_msg_unref(ok);
	sip_msg_unref(inv);
	teardown(tbl);
}

/* ---- client non-INVITE ---- */

static void test_client_noninvite_timer_e_and_f(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *reg = request("REGISTER", 2, "REGISTER", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now, at[32];
	/* Timer E: T1 doubling, capped at T2 = 4 s; F at 64*T1. */
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
					 27500, 31500 };
	struct sip_txn *t = client(tbl, reg, SIP_PROTO_UDP);

	advance_to(start + 64 * T1);
	check_times(at, times_of(0, "REGISTER", start, at, 32), want, 11);
	CHECK_INT(ev.timeouts, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_txn_unref(t);
	sip_msg_unref(reg);
	teardown(tbl);
}

static void test_client_noninvite_proceeding_and_timer_k(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *bye = request("BYE", 3, "BYE", UAC_VIA_UDP, "callee", NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now, at[32];
	/* A 1xx at 1.6 s: E keeps its schedule to 3.5 s, then T2 (§17.1.2.2). */
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500 };
	struct sip_txn *t = client(tbl, bye, SIP_PROTO_UDP);
	struct sip_msg *trying = response_to(bye, 100, NULL);
	struct sip_msg *ok = response_to(bye, 200, NULL);

	advance_to(start + 1600);
	sip_txn_receive(tbl, trying);
	CHECK_INT(sip_txn_state(t), SIP_TXN_PROCEEDING);
	advance_to(start + 8000);
	sip_txn_receive(tbl, ok);
	CHECK_INT(sip_txn_state(t), SIP_TXN_COMPLETED);
	check_times(at, times_of(0, "BYE", start, at, 32), want, 5);
	sip_txn_receive(tbl, ok);		/* absorbed */
	CHECK_INT(ev.responses, 2);
	advance_to(start + 8000 + T4 - 1);	/* Timer K = T4 */
	CHECK_INT(sip_txn_table_count(tbl), 1);
	advance_to(start + 8000 + T4);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(count_sent(0, "BYE"), 5);
	CHECK_INT(ly_obj_refs(t), 1);
	sip_txn_unref(t);
	sip_msg_unref(trying);
	sip_msg_unref(ok);
	sip_msg_unref(bye);
	teardown(tbl);
}

static void test_client_noninvite_tcp(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *opt = request("OPTIONS", 4, "OPTIONS", UAC_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);
	uint64_t start = fake_now;
	struct sip_txn *t = client(tbl, opt, SIP_PROTO_TCP);
	struct sip_msg *ok = response_to(opt, 200, "x");

	advance_to(start + 10000);
	CHECK_INT(count_sent(0, "OPTIONS"), 1);
	sip_txn_receive(tbl, ok);
	CHECK_INT(ev.responses, 1);
	CHECK_INT(sip_txn_state(t), SIP_TXN_TERMINATED);	/* Timer K = 0 */
	sip_txn_unref(t);
	sip_msg_unref(ok);
	sip_msg_unref(opt);
	teardown(tbl);
}

static void test_client_start_errors(void)
{
	struct sip_txn_table *tbl = setup(1);
	struct sip_msg *ack = request("ACK", 1, "ACK", UAC_VIA_UDP, "x", NULL, SIP_PROTO_UDP);
	struct sip_msg *old = request("OPTIONS", 1, "OPTIONS", "SIP/2.0/UDP 127.0.0.1:5070;branch=1234",
				      NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *opt = request("OPTIONS", 1, "OPTIONS", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *opt2 = request("OPTIONS", 2, "OPTIONS",
				       "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKother", NULL, NULL,
				       SIP_PROTO_UDP);
	struct sip_msg_src dst = src_of(SIP_PROTO_UDP);
	struct sip_txn *t = NULL;

	CHECK_INT(sip_txn_client_start(tbl, ack, &dst, &user, NULL, &t), EINVAL);
	CHECK_INT(sip_txn_client_start(tbl, old, &dst, &user, NULL, &t), EINVAL);
	fail_sends = ENETUNREACH;
	CHECK_INT(sip_txn_client_start(tbl, opt, &dst, &user, NULL, &t), ENETUNREACH);
	CHECK(t == NULL);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.terminated, 0);	/* no user was told: the call failed */
	fail_sends = 0;
	CHECK_INT(sip_txn_client_start(tbl, opt, &dst, &user, NULL, NULL), 0);
	CHECK_INT(sip_txn_client_start(tbl, opt, &dst, &user, NULL, NULL), EEXIST);
	CHECK_INT(sip_txn_client_start(tbl, opt2, &dst, &user, NULL, NULL), ENOSPC);
	sip_msg_unref(ack);
	sip_msg_unref(old);
	sip_msg_unref(opt);
	sip_msg_unref(opt2);
	teardown(tbl);
	CHECK_INT(ev.terminated, 0);
}

static void test_client_retransmission_transport_error(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now;
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_UDP);

	fail_sends = EHOSTUNREACH;
	advance_to(start + T1);
	CHECK_INT(ev.transport_errors, 1);
	CHECK_INT(ev.terminated, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ly_sched_count(sched), 0);	/* every timer stopped */
	sip_txn_unref(t);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_client_conn_failed(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_TCP);

	sip_txn_conn_failed(tbl, 12, ECONNREFUSED);	/* another connection */
	CHECK_INT(sip_txn_table_count(tbl), 1);
	sip_txn_conn_failed(tbl, 77, ECONNREFUSED);
	CHECK_INT(ev.transport_errors, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_txn_unref(t);
	sip_msg_unref(inv);
	teardown(tbl);
}

/* ---- server INVITE ---- */

static void test_server_invite_trying_and_retransmissions(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now, at[32];

	sip_txn_receive(tbl, inv);
	CHECK_INT(ev.requests, 1);
	CHECK_INT(n_sent, 0);
	advance_to(start + 199);
	CHECK_INT(n_sent, 0);
	advance_to(start + 200);	/* the TU said nothing for 200 ms */
	CHECK_INT(count_sent(100, NULL), 1);
	CHECK(sent[0].msg->to.tag == NULL);	/* §17.2.1: no tag on the 100 */
	sip_txn_receive(tbl, inv);	/* retransmission: the 100 again, TU not told */
	CHECK_INT(count_sent(100, NULL), 2);
	CHECK_INT(ev.requests, 1);

	/* 486: Completed; Timer G: T1 doubling to T2; Timer H at 64*T1. */
	advance_to(start + 1000);
	CHECK_INT(sip_txn_reply(ev.last_st, 486, NULL, NULL), 0);
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_COMPLETED);
	CHECK(sent[n_sent - 1].msg->to.tag != NULL);
	CHECK_INT(sip_txn_reply(ev.last_st, 500, NULL, NULL), EALREADY);
	advance_to(start + 1000 + 8000);
	sip_txn_receive(tbl, inv);	/* the final response again */
	{
		static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 8000 };

		check_times(at, times_of(486, NULL, start + 1000, at, 32), want, 6);
	}
	CHECK_INT(ev.timeouts, 0);
	advance_to(start + 1000 + 64 * T1);
	CHECK_INT(ev.timeouts, 1);	/* Timer H: the ACK never came */
	CHECK_INT(ev.terminated, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ly_obj_refs(ev.last_st), 1);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_server_invite_ack_confirms_then_timer_i(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *ack = request("ACK", 1, "ACK", PEER_VIA, "uastag", NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now;

	auto_reply = 404;	/* answered at once: no 100 */
	sip_txn_receive(tbl, inv);
	CHECK_INT(count_sent(404, NULL), 1);
	advance_to(start + 600);	/* one G retransmission at T1 */
	CHECK_INT(count_sent(404, NULL), 2);
	sip_txn_receive(tbl, ack);
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_CONFIRMED);
	CHECK_INT(ev.acks, 0);	/* absorbed, not the TU's */
	sip_txn_receive(tbl, ack);	/* absorbed in Confirmed */
	advance_to(start + 600 + T4 - 1);
	CHECK_INT(count_sent(404, NULL), 2);	/* G stopped */
	CHECK_INT(count_sent(100, NULL), 0);
	CHECK_INT(sip_txn_table_count(tbl), 1);
	advance_to(start + 600 + T4);	/* Timer I = T4 */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.timeouts, 0);
	CHECK_INT(ev.acks, 0);
	sip_msg_unref(inv);
	sip_msg_unref(ack);
	teardown(tbl);
}

static void test_server_invite_tcp(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);
	struct sip_msg *ack = request("ACK", 1, "ACK", PEER_VIA_TCP, "uastag", NULL, SIP_PROTO_TCP);
	uint64_t start = fake_now;

	auto_reply = 480;
	sip_txn_receive(tbl, inv);
	advance_to(start + 20000);
	CHECK_INT(count_sent(480, NULL), 1);	/* no Timer G */
	CHECK_INT(sent[0].to.conn_id, 5);	/* back on the request's connection */
	sip_txn_receive(tbl, ack);
	CHECK_INT(sip_txn_table_count(tbl), 0);	/* Timer I = 0 */
	CHECK_INT(ev.terminated, 1);
	sip_msg_unref(inv);
	sip_msg_unref(ack);
	teardown(tbl);
}

static void test_server_invite_provisional_suppresses_trying(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now;

	auto_reply = 180;
	sip_txn_receive(tbl, inv);
	advance_to(start + 1000);
	CHECK_INT(count_sent(100, NULL), 0);
	CHECK_INT(count_sent(180, NULL), 1);
	sip_txn_receive(tbl, inv);	/* the last provisional again */
	CHECK_INT(count_sent(180, NULL), 2);
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_PROCEEDING);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_server_invite_answer_retransmits_2xx_until_ack(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	/* The ACK of a 2xx is a new transaction: a new branch (§17.1.1.3). */
	struct sip_msg *ack = request("ACK", 1, "ACK", "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKack2",
				      "uastag", NULL, SIP_PROTO_UDP);
	struct sip_msg *ok;
	uint64_t start = fake_now, at[32];
	static const uint64_t want[] = { 0, 500, 1500, 3500, 7500, 11500 };

	sip_txn_receive(tbl, inv);
	ok = sip_msg_new_response(inv, 200, NULL, "uastag");
	CHECK_INT(sip_txn_answer(ev.last_st, ok), 0);
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_ACCEPTED);
	advance_to(start + 12000);
	sip_txn_receive(tbl, inv);	/* absorbed in Accepted (RFC 6026) */
	check_times(at, times_of(200, NULL, start, at, 32), want, 6);
	CHECK_INT(ev.requests, 1);
	sip_txn_receive(tbl, ack);
	CHECK_INT(ev.acks, 1);
	CHECK_INT(ev.acks_with_txn, 1);
	advance_to(start + 30000);
	CHECK_INT(count_sent(200, NULL), 6);	/* stopped by the ACK */
	sip_txn_receive(tbl, ack);	/* a repeated ACK still reaches the TU, unmatched */
	CHECK_INT(ev.acks, 2);
	CHECK_INT(ev.acks_with_txn, 1);
	advance_to(start + 64 * T1);	/* Timer L */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.timeouts, 0);
	sip_msg_unref(ok);
	sip_msg_unref(inv);
	sip_msg_unref(ack);
	teardown(tbl);
}

static void test_server_invite_answer_without_ack_times_out(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);
	struct sip_msg *ok;
	uint64_t start = fake_now;

	sip_txn_receive(tbl, inv);
	ok = sip_msg_new_response(inv, 200, NULL, "uastag");
	CHECK_INT(sip_txn_answer(ev.last_st, ok), 0);
	advance_to(start + 64 * T1);
	/* §13.3.1.4 retransmits over every transport: 0, 0.5, 1.5, 3.5, 7.5,
	 * then every 4 s to 31.5 s. */
	CHECK_INT(count_sent(200, NULL), 11);
	CHECK_INT(ev.timeouts, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_msg_unref(ok);
	sip_msg_unref(inv);
	teardown(tbl);
}

/* ---- server non-INVITE ---- */

static void test_server_noninvite(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *opt = request("OPTIONS", 9, "OPTIONS", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	uint64_t start = fake_now;
	struct sip_txn *st;

	sip_txn_receive(tbl, opt);
	st = sip_txn_ref(ev.last_st);
	sip_txn_receive(tbl, opt);	/* Trying: discarded */
	advance_to(start + 1000);
	CHECK_INT(n_sent, 0);		/* no 100 for non-INVITE */
	CHECK_INT(ev.requests, 1);
	CHECK_INT(sip_txn_reply(st, 183, NULL, NULL), 0);
	CHECK_INT(sip_txn_state(st), SIP_TXN_PROCEEDING);
	sip_txn_receive(tbl, opt);	/* Proceeding: the provisional again */
	CHECK_INT(count_sent(183, NULL), 2);
	CHECK_INT(sip_txn_reply(st, 200, NULL, NULL), 0);
	CHECK_STR(sent[n_sent - 1].msg->to.tag, sent[0].msg->to.tag);	/* one tag */
	CHECK_INT(sip_txn_reply(st, 200, NULL, NULL), EALREADY);
	sip_txn_receive(tbl, opt);	/* Completed: the final again */
	CHECK_INT(count_sent(200, NULL), 2);
	advance_to(start + 1000 + 64 * T1 - 1);
	CHECK_INT(sip_txn_table_count(tbl), 1);
	advance_to(start + 1000 + 64 * T1);	/* Timer J */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(sip_txn_reply(st, 200, NULL, NULL), ESRCH);
	CHECK_INT(ly_obj_refs(st), 2);	/* ours and the event log's */
	sip_txn_unref(st);
	sip_msg_unref(opt);
	teardown(tbl);
}

/* Keys longer than the stack room they are built in, and a sent-by host
 * that differs only in case (§17.2.3 with §19.1.4): the retransmission
 * still finds its transaction. */
static void test_server_long_key(void)
{
	struct sip_txn_table *tbl = setup(0);
	char branch[301], via[400], via2[400];
	struct sip_msg *opt, *again;
	struct sip_txn *st;

	memset(branch, 'b', sizeof(branch) - 1);
	branch[sizeof(branch) - 1] = '\0';
	snprintf(via, sizeof(via), "SIP/2.0/UDP PEER.Example:5080;branch=z9hG4bK%s", branch);
	snprintf(via2, sizeof(via2), "SIP/2.0/UDP peer.example:5080;branch=z9hG4bK%s", branch);
	opt = request("OPTIONS", 9, "OPTIONS", via, NULL, NULL, SIP_PROTO_UDP);
	again = request("OPTIONS", 9, "OPTIONS", via2, NULL, NULL, SIP_PROTO_UDP);
	sip_txn_receive(tbl, opt);
	CHECK_INT(ev.requests, 1);
	st = sip_txn_ref(ev.last_st);
	CHECK_INT(sip_txn_reply(st, 200, NULL, NULL), 0);
	sip_txn_receive(tbl, again);	/* Completed: the final again, no new request */
	CHECK_INT(ev.requests, 1);
	CHECK_INT(count_sent(200, NULL), 2);
	CHECK_INT(sip_txn_table_count(tbl), 1);
	sip_txn_unref(st);
	sip_msg_unref(opt);
	sip_msg_unref(again);
	teardown(tbl);
}

static void test_server_noninvite_tcp_ends_at_final(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *opt = request("OPTIONS", 9, "OPTIONS", PEER_VIA_TCP, NULL, NULL, SIP_PROTO_TCP);

	auto_reply = 200;
	sip_txn_receive(tbl, opt);
	CHECK_INT(count_sent(200, NULL), 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);	/* Timer J = 0 */
	sip_msg_unref(opt);
	teardown(tbl);
}

static void test_server_transport_error(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *opt = request("OPTIONS", 9, "OPTIONS", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);

	sip_txn_receive(tbl, opt);
	fail_sends = EPIPE;
	CHECK_INT(sip_txn_reply(ev.last_st, 200, NULL, NULL), EPIPE);
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_TERMINATED);
	CHECK_INT(ev.terminated, 1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_msg_unref(opt);
	teardown(tbl);
}

/* ---- CANCEL, merged requests, loops ---- */

static void test_cancel_gets_200_and_invite_487(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *cancel = request("CANCEL", 1, "CANCEL", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *ack = request("ACK", 1, "ACK", PEER_VIA, "uastag", NULL, SIP_PROTO_UDP);
	struct sip_txn *inv_st;

	auto_reply = 180;
	sip_txn_receive(tbl, inv);
	inv_st = sip_txn_ref(ev.last_st);
	auto_reply = 0;
	sip_txn_receive(tbl, cancel);
	CHECK_INT(ev.requests, 1);	/* the layer answered the CANCEL */
	CHECK_INT(ev.cancels, 1);
	CHECK_INT(count_sent(200, NULL), 1);
	CHECK_INT(count_sent(487, NULL), 1);
	for (int i = 0; i < n_sent; i++) {
		const struct sip_msg *m = sent[i].msg;

		CHECK_STR(m->to.tag, "uastag");	/* §9.2: the To tag of the INVITE's responses */
		if (m->status == 200)
			CHECK_STR(m->cseq_method, "CANCEL");
		if (m->status == 487)
			CHECK_STR(m->cseq_method, "INVITE");
	}
	CHECK_INT(sip_txn_state(inv_st), SIP_TXN_COMPLETED);
	sip_txn_receive(tbl, cancel);	/* retransmitted CANCEL: its 200 again */
	CHECK_INT(count_sent(200, NULL), 2);
	CHECK_INT(ev.cancels, 1);
	sip_txn_receive(tbl, ack);
	CHECK_INT(sip_txn_state(inv_st), SIP_TXN_CONFIRMED);
	sip_txn_unref(inv_st);
	sip_msg_unref(inv);
	sip_msg_unref(cancel);
	sip_msg_unref(ack);
	teardown(tbl);
}

static void test_cancel_unmatched_481_and_late(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *cancel = request("CANCEL", 1, "CANCEL", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *stray = request("CANCEL", 1, "CANCEL",
					"SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKnothing", NULL, NULL,
					SIP_PROTO_UDP);

	sip_txn_receive(tbl, stray);
	CHECK_INT(count_sent(481, NULL), 1);
	CHECK_INT(ev.requests, 0);

	auto_reply = 603;	/* the INVITE already has its final */
	sip_txn_receive(tbl, inv);
	sip_txn_receive(tbl, cancel);
	CHECK_INT(count_sent(200, NULL), 1);	/* "no effect" but still 200 */
	CHECK_INT(count_sent(487, NULL), 0);
	CHECK_INT(ev.cancels, 0);
	sip_msg_unref(inv);
	sip_msg_unref(cancel);
	sip_msg_unref(stray);
	teardown(tbl);
}

static void test_merged_request_gets_482(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *first = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	/* The same request by another path: a different Via, same From tag,
	 * Call-ID and CSeq, no To tag (§8.2.2.2). */
	struct sip_msg *second = request("INVITE", 1, "INVITE",
					 "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKforked", NULL, NULL,
					 SIP_PROTO_UDP);
	struct sip_msg *ack = request("ACK", 1, "ACK", "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKforked",
				      "x", NULL, SIP_PROTO_UDP);

	sip_txn_receive(tbl, first);
	sip_txn_receive(tbl, second);
	CHECK_INT(ev.requests, 1);
	CHECK_INT(count_sent(482, NULL), 1);
	sip_txn_receive(tbl, second);	/* its retransmission: the 482 again */
	CHECK_INT(count_sent(482, NULL), 2);
	CHECK_INT(sip_txn_table_count(tbl), 2);
	sip_txn_receive(tbl, ack);	/* absorbed by the 482's transaction */
	CHECK_INT(ev.acks, 0);
	sip_msg_unref(first);
	sip_msg_unref(second);
	sip_msg_unref(ack);
	teardown(tbl);
}

static void test_looped_request_gets_482(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	struct sip_txn *ct = client(tbl, inv, SIP_PROTO_UDP);
	/* Our INVITE came back through a proxy, our Via under the proxy's. */
	struct sip_msg *back = request("INVITE", 1, "INVITE",
				       "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKproxy, " UAC_VIA_UDP,
				       NULL, NULL, SIP_PROTO_UDP);

	sip_txn_receive(tbl, back);
	CHECK_INT(ev.requests, 0);
	CHECK_INT(count_sent(482, NULL), 1);
	sip_txn_unref(ct);
	sip_msg_unref(inv);
	sip_msg_unref(back);
	teardown(tbl);
}

/* ---- RFC 2543 peers, strays, limits ---- */

static void test_rfc2543_matching(void)
{
	struct sip_txn_table *tbl = setup(0);
	const char *via = "SIP/2.0/UDP 127.0.0.1:5090";
	struct sip_msg *inv = request("INVITE", 5, "INVITE", via, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *ack_other = request("ACK", 5, "ACK", via, "someoneelse", NULL, SIP_PROTO_UDP);
	struct sip_msg *ack = request("ACK", 5, "ACK", via, "uastag", NULL, SIP_PROTO_UDP);

	auto_reply = 486;
	sip_txn_receive(tbl, inv);
	sip_txn_receive(tbl, inv);	/* matched without a branch: the 486 again */
	CHECK_INT(ev.requests, 1);
	CHECK_INT(count_sent(486, NULL), 2);
	sip_txn_receive(tbl, ack_other);	/* To tag differs from our response's */
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_COMPLETED);
	CHECK_INT(ev.acks, 1);
	sip_txn_receive(tbl, ack);
	CHECK_INT(sip_txn_state(ev.last_st), SIP_TXN_CONFIRMED);
	sip_msg_unref(inv);
	sip_msg_unref(ack_other);
	sip_msg_unref(ack);
	teardown(tbl);
}

static void test_stray_response(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *req = request("OPTIONS", 1, "OPTIONS", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *resp = response_to(req, 200, "x");

	sip_txn_receive(tbl, resp);
	CHECK_INT(ev.strays, 1);
	CHECK_INT(ev.responses, 0);
	sip_msg_unref(req);
	sip_msg_unref(resp);
	teardown(tbl);
}

static void test_table_full_503(void)
{
	struct sip_txn_table *tbl = setup(1);
	struct sip_msg *a = request("OPTIONS", 1, "OPTIONS", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *b = request("OPTIONS", 2, "OPTIONS", "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKb",
				    NULL, NULL, SIP_PROTO_UDP);

	sip_txn_receive(tbl, a);
	sip_txn_receive(tbl, b);
	CHECK_INT(ev.requests, 1);
	CHECK_INT(count_sent(503, NULL), 1);
	CHECK_STR(sip_msg_hdr_value(sent[0].msg, "Retry-After"), "5");
	CHECK_INT(sip_txn_table_count(tbl), 1);
	sip_msg_unref(a);
	sip_msg_unref(b);
	teardown(tbl);
}

static void test_make_cancel(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 3, "INVITE", UAC_VIA_UDP, NULL,
				      "Route: <sip:p1.example.com;lr>\r\n", SIP_PROTO_UDP);
	struct sip_txn *ct = client(tbl, inv, SIP_PROTO_UDP);
	struct sip_msg *cancel = sip_txn_make_cancel(ct);
	struct sip_txn *cancel_ct = NULL;

	CHECK(cancel != NULL);
	if (cancel) {
		CHECK_STR(cancel->method, "CANCEL");
		CHECK_STR(cancel->via.branch, "z9hG4bKclient1");
		CHECK_INT(cancel->cseq, 3);
		CHECK_STR(cancel->cseq_method, "CANCEL");
		CHECK(cancel->to.tag == NULL);
		CHECK_STR(sip_msg_hdr_value(cancel, "Route"), "<sip:p1.example.com;lr>");
		/* Same branch as the INVITE, yet its own transaction (§17.1.3). */
		CHECK_INT(sip_txn_client_start(tbl, cancel, sip_txn_dest(ct), &user, NULL, &cancel_ct), 0);
		CHECK_INT(sip_txn_table_count(tbl), 2);
		/* §9.1: no final for the INVITE after all: the TU gives up. */
		sip_txn_abandon(ct);
		CHECK_INT(sip_txn_state(ct), SIP_TXN_TERMINATED);
		CHECK_INT(sip_txn_table_count(tbl), 1);
		CHECK_INT(ev.timeouts, 0);
	}
	sip_txn_unref(cancel_ct);
	sip_msg_unref(cancel);
	sip_txn_unref(ct);
	sip_msg_unref(inv);
	teardown(tbl);
}

static void test_table_free_ends_everything(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *opt = request("OPTIONS", 1, "OPTIONS", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_txn *ct = client(tbl, inv, SIP_PROTO_UDP);
	int terminated;

	sip_txn_receive(tbl, opt);
	sip_txn_table_free(tbl);
	terminated = ev.terminated;
	CHECK_INT(terminated, 2);
	CHECK_INT(ev.timeouts, 0);
	CHECK_INT(ly_sched_count(sched), 0);
	CHECK_INT(sip_txn_state(ct), SIP_TXN_TERMINATED);
	CHECK_INT(sip_txn_reply(ev.last_st, 200, NULL, NULL), ESRCH);
	sip_txn_unref(ct);
	sip_msg_unref(inv);
	sip_msg_unref(opt);
	ly_sched_free(sched);
	sched = NULL;
	sent_reset();
	events_reset();
}

/* Drop the TU's references to the last server transaction: from now on
 * only the table holds it, and a finished one sheds its messages. */
static void forget_last_st(void)
{
	sip_txn_unref(ev.last_st);
	ev.last_st = NULL;
}

/* A shed INVITE server transaction (Completed, nobody holding it) still
 * resends its final with the same bytes, matches CANCEL and ACK, and
 * absorbs retransmissions once Confirmed. */
static void test_shed_server_invite(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *cancel = request("CANCEL", 1, "CANCEL", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *ack = request("ACK", 1, "ACK", PEER_VIA, "uastag", NULL, SIP_PROTO_UDP);
	struct ly_buf first, again;
	uint64_t start = fake_now;
	struct sip_txn *peek;

	auto_reply = 486;
	sip_txn_receive(tbl, inv);
	peek = ev.last_st;	/* borrowed: the table keeps it alive */
	forget_last_st();
	CHECK(sip_txn_request(peek) == NULL);
	CHECK(sip_txn_last_response(peek) == NULL);
	CHECK_INT(sip_txn_state(peek), SIP_TXN_COMPLETED);
	CHECK_INT(sip_txn_reply(peek, 500, NULL, NULL), EALREADY);
	sip_txn_receive(tbl, inv);	/* retransmission: the 486 again */
	advance_to(start + T1);		/* Timer G */
	CHECK_INT(count_sent(486, NULL), 3);
	ly_buf_init(&first);
	ly_buf_init(&again);
	sip_msg_print(sent[0].msg, &first);
	sip_msg_print(sent[n_sent - 1].msg, &again);
	CHECK_STR(ly_buf_str(&again), ly_buf_str(&first));
	CHECK(sent[n_sent - 1].to.proto == SIP_PROTO_UDP);
	ly_buf_free(&first);
	ly_buf_free(&again);
	sip_txn_receive(tbl, cancel);	/* §9.2: 200 with the INVITE's To tag */
	CHECK_INT(count_sent(200, NULL), 1);
	CHECK_STR(sent[n_sent - 1].msg->to.tag, "uastag");
	sip_txn_receive(tbl, ack);
	CHECK_INT(sip_txn_state(peek), SIP_TXN_CONFIRMED);
	CHECK_INT(ev.acks, 0);		/* absorbed */
	sip_txn_receive(tbl, inv);	/* Confirmed absorbs */
	advance_to(start + 10 * T1);
	CHECK_INT(count_sent(486, NULL), 3);
	advance_to(start + 64 * T1 + T4);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_msg_unref(inv);
	sip_msg_unref(cancel);
	sip_msg_unref(ack);
	teardown(tbl);
}

/* A shed INVITE client transaction (Completed after a 486) ACKs a
 * retransmitted 486 from its printed ACK, and still detects a loop. */
static void test_shed_client_invite(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 7, "INVITE", UAC_VIA_UDP, NULL, NULL, SIP_PROTO_UDP);
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_UDP);
	struct sip_msg *busy = response_to(inv, 486, "callee");
	struct sip_msg *back = request("INVITE", 7, "INVITE",
				       "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKproxy, " UAC_VIA_UDP,
				       NULL, NULL, SIP_PROTO_UDP);

	sip_txn_receive(tbl, busy);
	CHECK_INT(count_sent(0, "ACK"), 1);
	CHECK(sip_txn_request(t) != NULL);	/* held: nothing shed */
	sip_txn_unref(t);
	sip_txn_receive(tbl, busy);	/* retransmitted 486: ACK again */
	CHECK_INT(count_sent(0, "ACK"), 2);
	CHECK_STR(sent[n_sent - 1].msg->to.tag, "callee");
	CHECK_STR(sent[n_sent - 1].msg->via.branch, "z9hG4bKclient1");
	CHECK_INT(ev.responses, 1);
	sip_txn_receive(tbl, back);
	CHECK_INT(count_sent(482, NULL), 1);
	advance_to(fake_now + 32000);	/* Timer D */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_msg_unref(busy);
	sip_msg_unref(back);
	sip_msg_unref(inv);
	teardown(tbl);
}

/* A shed INVITE client transaction in Accepted (RFC 6026 §8.4) still
 * passes a retransmitted 2xx up, with its INVITE readable during the
 * call (the dialog layer reads it to re-ACK), and sheds again after. */
static void test_shed_client_invite_accepted(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 3, "INVITE", UAC_VIA_UDP, NULL,
				      "Content-Type: application/sdp\r\n", SIP_PROTO_UDP);
	uint64_t start = fake_now;
	struct sip_txn *t = client(tbl, inv, SIP_PROTO_UDP);
	struct sip_msg *ok = response_to(inv, 200, "callee");

	sip_txn_receive(tbl, ok);
	CHECK_INT(sip_txn_state(t), SIP_TXN_ACCEPTED);
	CHECK(sip_txn_request(t) != NULL);	/* held: nothing shed */
	sip_txn_unref(t);			/* the table still holds it */
	CHECK(sip_txn_request(t) == NULL);
	CHECK(sip_txn_last_response(t) == NULL);
	sip_txn_receive(tbl, ok);		/* retransmitted 2xx: to the TU */
	CHECK_INT(ev.responses, 2);
	CHECK_INT(ev.responses_with_request, 2);
	CHECK_INT(ev.last_status, 200);
	CHECK(sip_txn_request(t) == NULL);	/* shed again */
	sip_txn_receive(tbl, ok);
	CHECK_INT(ev.responses, 3);
	CHECK_INT(ev.responses_with_request, 3);
	CHECK_INT(count_sent(0, "INVITE"), 1);
	CHECK_INT(count_sent(0, "ACK"), 0);	/* the TU ACKs 2xx (§13.2.2.4) */
	advance_to(start + 64 * T1);		/* Timer M */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.timeouts, 0);
	sip_msg_unref(ok);
	sip_msg_unref(inv);
	teardown(tbl);
}

/* A shed INVITE server transaction in Accepted (RFC 6026 §7.1) keeps
 * retransmitting the 2xx of sip_txn_answer with the same bytes until the
 * ACK, which still reaches the TU with the transaction, absorbs INVITE
 * retransmissions, and passes on later ACKs. */
static void test_shed_server_invite_accepted(void)
{
	struct sip_txn_table *tbl = setup(0);
	struct sip_msg *inv = request("INVITE", 1, "INVITE", PEER_VIA, NULL, NULL, SIP_PROTO_UDP);
	struct sip_msg *ack = request("ACK", 1, "ACK", "SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKack2",
				      "uastag", NULL, SIP_PROTO_UDP);
	struct sip_msg *ack_same_branch = request("ACK", 1, "ACK", PEER_VIA, "uastag", NULL, SIP_PROTO_UDP);
	struct sip_msg *ok;
	struct ly_buf first, again;
	uint64_t start = fake_now;
	struct sip_txn *peek;

	sip_txn_receive(tbl, inv);
	ok = sip_msg_new_response(inv, 200, NULL, "uastag");
	CHECK_INT(sip_txn_answer(ev.last_st, ok), 0);
	peek = ev.last_st;	/* borrowed: the table keeps it alive */
	forget_last_st();
	CHECK(sip_txn_request(peek) == NULL);
	CHECK(sip_txn_last_response(peek) == NULL);
	CHECK_INT(sip_txn_state(peek), SIP_TXN_ACCEPTED);
	CHECK_INT(sip_txn_respond(peek, ok), EALREADY);
	advance_to(start + 2 * T1);	/* the 2xx at 0, T1 and 3*T1 */
	sip_txn_receive(tbl, inv);	/* absorbed */
	CHECK_INT(ev.requests, 1);
	advance_to(start + 4 * T1);
	CHECK_INT(count_sent(200, NULL), 3);
	ly_buf_init(&first);
	ly_buf_init(&again);
	sip_msg_print(sent[0].msg, &first);
	sip_msg_print(sent[n_sent - 1].msg, &again);
	CHECK_STR(ly_buf_str(&again), ly_buf_str(&first));
	ly_buf_free(&first);
	ly_buf_free(&again);
	sip_txn_receive(tbl, ack);	/* matched by Call-ID, From and To tags */
	CHECK_INT(ev.acks, 1);
	CHECK_INT(ev.acks_with_txn, 1);
	advance_to(start + 30 * T1);
	CHECK_INT(count_sent(200, NULL), 3);	/* stopped by the ACK */
	sip_txn_receive(tbl, ack_same_branch);	/* an RFC 2543-style ACK: by key */
	CHECK_INT(ev.acks, 2);
	CHECK_INT(ev.acks_with_txn, 2);
	sip_txn_receive(tbl, inv);	/* still absorbed */
	CHECK_INT(ev.requests, 1);
	CHECK_INT(n_sent, 3);
	advance_to(start + 64 * T1);	/* Timer L */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	CHECK_INT(ev.timeouts, 0);
	sip_msg_unref(ok);
	sip_msg_unref(inv);
	sip_msg_unref(ack);
	sip_msg_unref(ack_same_branch);
	teardown(tbl);
}

/* ---- memory of lingering transactions ---- */

#define LINGER_N 20000
/* What one lingering transaction may keep: its keys, the printed final
 * response (a client INVITE in Accepted: its printed INVITE), the
 * destination and the bookkeeping. */
#define LINGER_MAX_BYTES 1536

static int linger_sends;

static int count_send_response(void *ctx, const struct sip_msg *resp, const struct sip_msg_src *src)
{
	(void)ctx;
	(void)src;
	if (resp->status == 200 && resp->contacts && resp->expires == 3600)
		linger_sends++;
	return 0;
}

/* A registrar-like TU: a 200 with the binding, answered at once, the
 * transaction not kept. */
static void answer_register(struct sip_txn *st, struct sip_msg *req, void *arg)
{
	struct sip_msg *resp = sip_msg_new_response(req, 200, NULL, "regtag1234567890");

	(void)arg;
	sip_msg_hdr_add(resp, "Contact", "<sip:1000@127.0.0.1:5070;transport=udp>;expires=3600");
	sip_msg_hdr_add(resp, "Expires", "3600");
	sip_msg_hdr_add(resp, "Date", "Mon, 01 Jan 2024 00:00:00 GMT");
	sip_msg_hdr_add(resp, "Server", "Lyre");
	CHECK_INT(sip_txn_respond(st, resp), 0);
	sip_msg_unref(resp);
}

static struct sip_msg *register_request(unsigned i)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%u-1-2;rport\r\n"
		 "From: <sip:%u@127.0.0.1>;tag=%u-fromtag\r\n"
		 "To: <sip:%u@127.0.0.1>\r\n"
		 "Call-ID: %u-reg@127.0.0.1\r\n"
		 "CSeq: 2 REGISTER\r\n"
		 "Contact: <sip:%u@127.0.0.1:5070;transport=udp>\r\n"
		 "Max-Forwards: 70\r\n"
		 "Expires: 3600\r\n"
		 "Authorization: Digest username=\"%u\",realm=\"bench\",uri=\"sip:127.0.0.1:5060\","
		 "nonce=\"0123456789abcdef0123456789abcdef\",response=\"0123456789abcdef0123456789abcdef\","
		 "algorithm=MD5\r\n"
		 "User-Agent: sipp\r\n"
		 "Content-Length: 0\r\n\r\n",
		 i, 1000 + i % 1000, i, 1000 + i % 1000, i, 1000 + i % 1000, 1000 + i % 1000);
	return parse(text, SIP_PROTO_UDP);
}

#define LINGER_INVITE_N 5000

static int ignore_send(void *ctx, const struct sip_msg *m, struct sip_msg_src *dst)
{
	(void)ctx;
	(void)m;
	(void)dst;
	return 0;
}

static int ignore_send_response(void *ctx, const struct sip_msg *m, const struct sip_msg_src *src)
{
	(void)ctx;
	(void)m;
	(void)src;
	return 0;
}

#define LINGER_SDP "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" \
	"m=audio 10000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n" \
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"

/* Call i's INVITE (a softphone's, with SDP), its 200 or the 2xx's ACK. */
static struct sip_msg *call_message(unsigned i, const char *what)
{
	bool invite = strcmp(what, "INVITE") == 0, ack = strcmp(what, "ACK") == 0;
	char text[4096];

	snprintf(text, sizeof(text),
		 "%s%s"
		 "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-%u-%s;rport\r\n"
		 "From: \"Caller %u\" <sip:%u@127.0.0.1>;tag=%u-fromtag\r\n"
		 "To: <sip:2000@127.0.0.1>%s\r\n"
		 "Call-ID: %u-call@127.0.0.1\r\n"
		 "CSeq: 1 %s\r\n"
		 "Contact: <sip:%u@127.0.0.1:5070;transport=udp>\r\n"
		 "Max-Forwards: 70\r\n"
		 "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO\r\n"
		 "Supported: replaces, timer\r\n"
		 "User-Agent: sipp\r\n"
		 "%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 invite || ack ? (ack ? "ACK" : "INVITE") : "SIP/2.0 200 OK\r\n",
		 invite || ack ? " sip:2000@127.0.0.1:5060 SIP/2.0\r\n" : "",
		 i, ack ? "ack" : "inv", i, 1000 + i % 1000, i, invite ? "" : ";tag=uas-totag-1234", i,
		 ack ? "ACK" : "INVITE", 1000 + i % 1000,
		 ack ? "" : "Content-Type: application/sdp\r\n",
		 ack ? (size_t)0 : strlen(LINGER_SDP), ack ? "" : LINGER_SDP);
	return parse(text, SIP_PROTO_UDP);
}

/* A PBX-like TU: answers every INVITE at once with a 2xx it retransmits
 * until the ACK (sip_txn_answer), keeping no reference. */
static void answer_invite(struct sip_txn *st, struct sip_msg *req, void *arg)
{
	struct sip_msg *resp = sip_msg_new_response(req, 200, NULL, "uas-totag-1234");

	(void)arg;
	sip_msg_hdr_add(resp, "Contact", "<sip:2000@127.0.0.1:5060>");
	sip_msg_hdr_add(resp, "Server", "Lyre");
	sip_msg_set_body(resp, "application/sdp", LINGER_SDP, strlen(LINGER_SDP));
	CHECK_INT(sip_txn_answer(st, resp), 0);
	sip_msg_unref(resp);
}

/* Calls first..first+n-1 answered and ACKed: their server transactions in Accepted. */
static void answer_calls(struct sip_txn_table *tbl, unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		struct sip_msg *inv = call_message(i, "INVITE"), *ack = call_message(i, "ACK");

		sip_txn_receive(tbl, inv);
		sip_txn_receive(tbl, ack);
		sip_msg_unref(inv);
		sip_msg_unref(ack);
	}
}

/* Calls first..first+n-1 placed and answered: client transactions in Accepted. */
static void place_calls(struct sip_txn_table *tbl, unsigned first, unsigned n)
{
	struct sip_msg_src dst = src_of(SIP_PROTO_UDP);

	for (unsigned i = first; i < first + n; i++) {
		struct sip_msg *inv = call_message(i, "INVITE"), *ok = call_message(i, "200");

		CHECK_INT(sip_txn_client_start(tbl, inv, &dst, NULL, NULL, NULL), 0);
		sip_txn_receive(tbl, ok);
		sip_msg_unref(inv);
		sip_msg_unref(ok);
	}
}

/* Bytes each of n transactions made by run(first = n, n) keeps, after a
 * first round (first = 0) has grown the indexes and the scheduler. */
static size_t per_accepted(void (*run)(struct sip_txn_table *, unsigned, unsigned), const char *what)
{
	struct sip_txn_config cfg = {
		.t1_ms = T1, .t2_ms = T2, .t4_ms = T4, .max_transactions = 2 * LINGER_INVITE_N + 10,
		.now_ms = clock_now,
	};
	struct sip_txn_transport tp = { .send_request = ignore_send, .send_response = ignore_send_response };
	struct sip_txn_handlers h = { .request = answer_invite };
	struct sip_txn_table *tbl;
	size_t before, after, per;

	fake_now = 1000000;
	sched = ly_sched_new();
	tbl = sip_txn_table_new(sched, &cfg, &tp, &h);
	run(tbl, 0, LINGER_INVITE_N);
	advance_to(fake_now + 64 * T1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	before = heap_in_use();
	run(tbl, LINGER_INVITE_N, LINGER_INVITE_N);
	after = heap_in_use();
	CHECK_INT(sip_txn_table_count(tbl), LINGER_INVITE_N);
	per = after > before ? (after - before) / LINGER_INVITE_N : 0;
	printf("# %u lingering %s transactions in Accepted: %zu bytes each\n", LINGER_INVITE_N, what, per);
	advance_to(fake_now + 64 * T1);	/* Timer L / M */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_txn_table_free(tbl);
	ly_sched_free(sched);
	sched = NULL;
	return per;
}

/*
 * Push LINGER_N REGISTER server transactions through Completed (Timer J
 * keeps each 64*T1 over UDP, §17.2.2) and measure what each keeps.  A
 * retransmitted request still gets the final response, and Timer J
 * frees everything.
 */
static void test_lingering_memory(void)
{
	struct sip_txn_config cfg = {
		.t1_ms = T1, .t2_ms = T2, .t4_ms = T4, .max_transactions = LINGER_N + 10,
		.now_ms = clock_now,
	};
	struct sip_txn_transport tp = {
		.send_request = fake_send_request, .send_response = count_send_response,
	};
	struct sip_txn_handlers h = { .request = answer_register };
	struct sip_txn_table *tbl;
	struct sip_msg *again;
	size_t before, after, per;

	fake_now = 1000000;
	sched = ly_sched_new();
	linger_sends = 0;
	tbl = sip_txn_table_new(sched, &cfg, &tp, &h);
	/* grow the indexes and the scheduler once, so only transactions count */
	for (unsigned i = 0; i < LINGER_N; i++) {
		struct sip_msg *req = register_request(LINGER_N + i);

		sip_txn_receive(tbl, req);
		sip_msg_unref(req);
	}
	advance_to(fake_now + 64 * T1);
	CHECK_INT(sip_txn_table_count(tbl), 0);
	before = heap_in_use();
	for (unsigned i = 0; i < LINGER_N; i++) {
		struct sip_msg *req = register_request(i);

		sip_txn_receive(tbl, req);
		sip_msg_unref(req);
	}
	after = heap_in_use();
	CHECK_INT(sip_txn_table_count(tbl), LINGER_N);
	per = after > before ? (after - before) / LINGER_N : 0;
	printf("# %u lingering non-INVITE server transactions: %zu bytes each\n", LINGER_N, per);
	CHECK(per > 0 && per <= LINGER_MAX_BYTES);
	/* Completed still answers a retransmission with the same final */
	again = register_request(LINGER_N / 2);
	linger_sends = 0;
	sip_txn_receive(tbl, again);
	CHECK_INT(linger_sends, 1);
	CHECK_INT(sip_txn_table_count(tbl), LINGER_N);
	sip_msg_unref(again);
	advance_to(fake_now + 64 * T1);	/* Timer J */
	CHECK_INT(sip_txn_table_count(tbl), 0);
	sip_txn_table_free(tbl);
	ly_sched_free(sched);
	sched = NULL;

	/* RFC 6026 Accepted lingers as long (Timer L, M): about as little.
	 * A client keeps its printed INVITE (SDP and all) for the TU;
	 * unshed, each kept about 14 kB. */
	per = per_accepted(answer_calls, "INVITE server");
	CHECK(per > 0 && per <= LINGER_MAX_BYTES);
	per = per_accepted(place_calls, "INVITE client");
	CHECK(per > 0 && per <= LINGER_MAX_BYTES);
}

TAP_MAIN(
	TAP(test_client_invite_udp_timer_a_and_b),
	TAP(test_client_invite_tcp_no_retransmission),
	TAP(test_client_invite_rejected_acks),
	TAP(test_client_invite_rejected_tcp_ends_at_once),
	TAP(test_client_invite_2xx_accepted_then_timer_m),
	TAP(test_client_noninvite_timer_e_and_f),
	TAP(test_client_noninvite_proceeding_and_timer_k),
	TAP(test_client_noninvite_tcp),
	TAP(test_client_start_errors),
	TAP(test_client_retransmission_transport_error),
	TAP(test_client_conn_failed),
	TAP(test_server_invite_trying_and_retransmissions),
	TAP(test_server_invite_ack_confirms_then_timer_i),
	TAP(test_server_invite_tcp),
	TAP(test_server_invite_provisional_suppresses_trying),
	TAP(test_server_invite_answer_retransmits_2xx_until_ack),
	TAP(test_server_invite_answer_without_ack_times_out),
	TAP(test_server_noninvite),
	TAP(test_server_long_key),
	TAP(test_server_noninvite_tcp_ends_at_final),
	TAP(test_server_transport_error),
	TAP(test_cancel_gets_200_and_invite_487),
	TAP(test_cancel_unmatched_481_and_late),
	TAP(test_merged_request_gets_482),
	TAP(test_looped_request_gets_482),
	TAP(test_rfc2543_matching),
	TAP(test_stray_response),
	TAP(test_table_full_503),
	TAP(test_make_cancel),
	TAP(test_table_free_ends_everything),
	TAP(test_shed_server_invite),
	TAP(test_shed_client_invite),
	TAP(test_shed_client_invite_accepted),
	TAP(test_shed_server_invite_accepted),
	TAP(test_lingering_memory)
)
