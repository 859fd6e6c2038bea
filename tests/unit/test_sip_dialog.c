/* tests/unit/test_sip_dialog.c - SIP dialogs between two stacks joined by a fake transport, on a fake clock. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/sched.h"
#include "lyre/utils.h"
#include "sip_dialog.h"
#include "sip_msg.h"
#include "sip_txn.h"
#include "tap.h"

static uint64_t fake_now;
static struct ly_sched *sched;

static uint64_t clock_now(void) { return fake_now; }

/* Two user agents: 0 (alice, UAC, port 5070) and 1 (bob, UAS, port 5080). */
struct ua {
	struct sip_txn_table *txns;
	struct sip_dialog_table *dt;
	struct sip_dialog *d;		/* referenced */
	int answer;			/* what bob answers a new INVITE with */
	int terminated, answered, failed, acks, requests;
	enum sip_dialog_end why;
	int last_status;
};
static struct ua ua[2];

/* Messages in flight: printed, parsed again on delivery. */
static struct { int to; char *text; } wire[64];
static int n_wire;
static int sent_status[2][700];
static bool deaf_alice;	/* messages to alice are lost */

static int queue(int from, const struct sip_msg *m)
{
	struct ly_buf b;

	ly_buf_init(&b);
	sip_msg_print(m, &b);
	if (!m->is_request && m->status < 700)
		sent_status[from][m->status]++;
	if (n_wire < (int)LY_ARRAY_LEN(wire)) {
		wire[n_wire].to = !from;
		wire[n_wire].text = ly_strdup(ly_buf_str(&b));
		n_wire++;
	}
	ly_buf_free(&b);
	return 0;
}

static int send_req(void *ctx, const struct sip_msg *req, struct sip_msg_src *dst)
{
	(void)dst;
	return queue((int)(intptr_t)ctx, req);
}

static int send_resp(void *ctx, const struct sip_msg *resp, const struct sip_msg_src *src)
{
	(void)src;
	return queue((int)(intptr_t)ctx, resp);
}

/* Deliver everything in flight, including what delivery sends. */
static void pump(void)
{
	for (int i = 0; i < n_wire; i++) {
		struct sip_parse_info info;
		struct sip_msg *m = NULL;

		if (deaf_alice && wire[i].to == 0) {
			free(wire[i].text);
			continue;
		}
		if (sip_msg_parse(wire[i].text, strlen(wire[i].text), SIP_FRAME_DATAGRAM, &m, &info) == SIP_PARSE_OK) {
			m->src.proto = SIP_PROTO_UDP;
			m->src.addr.ss_family = AF_INET;
			m->src.addr_len = sizeof(struct sockaddr_in);
			sip_txn_receive(ua[wire[i].to].txns, m);
		}
		sip_msg_unref(m);
		free(wire[i].text);
		wire[i].text = NULL;
	}
	n_wire = 0;
}

/* Drop what is in flight (a lost peer). */
static void lose(void)
{
	for (int i = 0; i < n_wire; i++)
		free(wire[i].text);
	n_wire = 0;
}

static void advance(uint64_t ms)
{
	uint64_t to = fake_now + ms;

	for (;;) {
		int64_t wait = ly_sched_wait_ms(sched, fake_now);

		if (wait < 0 || fake_now + (uint64_t)wait > to)
			break;
		fake_now += (uint64_t)wait;
		ly_sched_run_due(sched, fake_now);
		pump();
	}
	fake_now = to;
}

static struct ua *ua_of(void *arg) { return arg; }

static void on_answered(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	(void)d;
	(void)resp;
	ua_of(arg)->answered++;
}

static void on_failed(struct sip_dialog *d, int status, struct sip_msg *resp, void *arg)
{
	(void)d;
	(void)resp;
	ua_of(arg)->failed++;
	ua_of(arg)->last_status = status;
}

static void on_ack(struct sip_dialog *d, struct sip_msg *ack, void *arg)
{
	(void)d;
	(void)ack;
	ua_of(arg)->acks++;
}

static void on_terminated(struct sip_dialog *d, enum sip_dialog_end why, int status, void *arg)
{
	(void)d;
	(void)status;
	ua_of(arg)->terminated++;
	ua_of(arg)->why = why;
}

static const struct sip_dialog_user user = {
	.answered = on_answered, .failed = on_failed, .ack = on_ack, .terminated = on_terminated,
};

static const struct sip_dialog_party bob_party = {
	.from = "sip:bob@127.0.0.1", .contact = "sip:bob@127.0.0.1:5080", .sentby = "127.0.0.1:5080",
};
static const struct sip_dialog_party alice_party = {
	.from = "\"Alice\" <sip:alice@127.0.0.1>", .contact = "sip:alice@127.0.0.1:5070",
	.sentby = "127.0.0.1:5070",
};

static void on_request(struct sip_txn *st, struct sip_msg *req, void *arg)
{
	struct ua *u = arg;
	struct sip_dialog *d = NULL;

	u->requests++;
	if (sip_dialog_table_request(u->dt, st, req))
		return;
	if (req->method_id != SIP_METHOD_INVITE) {
		sip_txn_reply(st, 405, NULL, NULL);
		return;
	}
	if (sip_dialog_uas_new(u->dt, st, req, &bob_party, &user, u, &d) != 0)
		return;
	sip_dialog_unref(u->d);
	u->d = d;
	sip_dialog_reply(d, st, 180, NULL, NULL, 0);
	if (u->answer)
		sip_dialog_reply(d, st, u->answer, "application/sdp", "v=0\r\n", 5);
}

static void on_ack_h(struct sip_msg *ack, struct sip_txn *st, void *arg)
{
	sip_dialog_table_ack(ua_of(arg)->dt, ack, st);
}

static void on_stray(struct sip_msg *resp, void *arg)
{
	sip_dialog_table_stray(ua_of(arg)->dt, resp);
}

static void setup(const struct sip_dialog_config *cfg)
{
	struct sip_txn_config tc = { .now_ms = clock_now };

	fake_now = 1000000;
	sched = ly_sched_new();
	memset(ua, 0, sizeof(ua));
	memset(sent_status, 0, sizeof(sent_status));
	deaf_alice = false;
	for (int i = 0; i < 2; i++) {
		struct sip_txn_transport tp = { .send_request = send_req, .send_response = send_resp,
						.ctx = (void *)(intptr_t)i };
		struct sip_txn_handlers h = { .request = on_request, .ack = on_ack_h,
					      .stray_response = on_stray, .arg = &ua[i] };

		ua[i].txns = sip_txn_table_new(sched, &tc, &tp, &h);
		ua[i].dt = sip_dialog_table_new(ua[i].txns, sched, &tp, cfg);
	}
	ua[1].answer = 200;
}

static void teardown(void)
{
	lose();
	for (int i = 0; i < 2; i++) {
		sip_dialog_unref(ua[i].d);
		sip_txn_table_free(ua[i].txns);
		sip_dialog_table_free(ua[i].dt);
	}
	ly_sched_free(sched);
}

/* Alice calls bob; returns alice's dialog in ua[0].d. */
static void call(void)
{
	struct sip_dialog_invite_params p = {
		.ruri = "sip:bob@127.0.0.1:5080", .local = &alice_party,
		.content_type = "application/sdp", .body = "v=0\r\n", .body_len = 5,
	};

	p.dst.proto = SIP_PROTO_UDP;
	CHECK_INT(sip_dialog_uac_new(ua[0].dt, &p, &user, &ua[0], &ua[0].d), 0);
	CHECK_INT(sip_dialog_invite_send(ua[0].d), 0);
	pump();
}

static void test_call_and_bye_from_caller(void)
{
	setup(NULL);
	call();
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(ua[1].acks, 1);
	CHECK_INT(sip_dialog_state(ua[0].d), SIP_DIALOG_CONFIRMED);
	CHECK_INT(sip_dialog_state(ua[1].d), SIP_DIALOG_CONFIRMED);
	CHECK_STR(sip_dialog_remote_target(ua[0].d), "sip:bob@127.0.0.1:5080");
	CHECK_STR(sip_dialog_remote_target(ua[1].d), "sip:alice@127.0.0.1:5070");
	CHECK_STR(sip_dialog_local_tag(ua[0].d), sip_dialog_remote_tag(ua[1].d));
	CHECK_STR(sip_dialog_call_id(ua[0].d), sip_dialog_call_id(ua[1].d));
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 1);
	CHECK_INT(sip_dialog_end(ua[0].d), 0);
	pump();
	CHECK_INT(ua[1].terminated, 1);
	CHECK_INT(ua[1].why, SIP_DIALOG_END_REMOTE_BYE);
	CHECK_INT(sent_status[1][200] >= 2, 1);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 0);
	CHECK_INT(sip_dialog_table_count(ua[1].dt), 0);
	teardown();
}

static void test_bye_from_callee_and_481(void)
{
	setup(NULL);
	call();
	CHECK_INT(sip_dialog_end(ua[1].d), 0);
	pump();
	CHECK_INT(ua[0].why, SIP_DIALOG_END_REMOTE_BYE);
	/* a BYE in the ended dialog: 481 (§12.2.2) */
	CHECK_INT(sip_dialog_info(ua[0].d, NULL, NULL, 0), ESRCH);
	teardown();
}

static void test_rejected(void)
{
	setup(NULL);
	ua[1].answer = 486;
	call();
	advance(40000);
	CHECK_INT(ua[0].failed, 1);
	CHECK_INT(ua[0].last_status, 486);
	CHECK_INT(ua[0].why, SIP_DIALOG_END_REJECTED);
	CHECK_INT(sip_dialog_table_count(ua[1].dt), 0);
	teardown();
}

static void test_unknown_dialog_481(void)
{
	struct sip_msg *bye;

	setup(NULL);
	call();
	bye = sip_dialog_request_new(ua[0].d, "INFO");
	sip_msg_hdr_set(bye, "To", "<sip:bob@127.0.0.1>;tag=nosuchtag");
	CHECK_INT(sip_dialog_request_send(ua[0].d, bye), 0);
	sip_msg_unref(bye);
	pump();
	CHECK_INT(sent_status[1][481], 1);
	CHECK_INT(ua[0].why, SIP_DIALOG_END_TIMEOUT);	/* §12.2.1.2: 481 ends it */
	teardown();
}

static void test_session_expires_without_refresh(void)
{
	struct sip_dialog_config cfg = { .session_expires = 90, .min_se = 90 };
	bool we;

	setup(&cfg);
	call();
	CHECK_INT(sip_dialog_session_interval(ua[1].d, &we), 90);
	CHECK(we);
	CHECK_INT(sip_dialog_session_interval(ua[0].d, &we), 90);
	CHECK(!we);
	/* bob refreshes at 45 s; alice answers; the call stays up */
	advance(46000);
	CHECK_INT(ua[0].terminated + ua[1].terminated, 0);
	/* now alice vanishes: bob's next refresh times out (408) and ends it */
	deaf_alice = true;
	advance(200000);
	CHECK_INT(ua[1].terminated, 1);
	teardown();
}

TAP_MAIN(
	TAP(test_call_and_bye_from_caller),
	TAP(test_bye_from_callee_and_481),
	TAP(test_rejected),
	TAP(test_unknown_dialog_481),
	TAP(test_session_expires_without_refresh)
)
