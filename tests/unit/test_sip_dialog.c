/* tests/unit/test_sip_dialog.c - SIP dialogs between two stacks joined by a fake transport, on a fake clock. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyre/sched.h"
#include "lyre/utils.h"
#include "sdp.h"
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
	const struct sip_dialog_user *dlg_user;	/* for dialogs bob makes (default: user) */
	int answer;			/* what bob answers a new INVITE with */
	bool challenge;			/* bob: 401 to an INVITE without Authorization */
	const struct sip_dialog_timers *timers;	/* session timer policy (NULL: the table's) */
	int terminated, answered, failed, acks, requests, progress, responses;
	enum sip_dialog_end why;
	int term_status;		/* status of the last `terminated` */
	int last_status;
	enum sip_method resp_method;
	char *auth;			/* alice: Authorization to resend with from `failed` */
	int resend_rc;
	enum sdp_dir offered, answered_dir;	/* hold: directions seen by the answerer */
	enum sdp_dir applied;		/* hold: what the offerer may do after the answer */
	int apply_rc;
	struct sip_dialog *seen[8];	/* every dialog a callback reported (referenced) */
	int nseen;
};
static struct ua ua[2];

/* Messages in flight: printed, parsed again on delivery. */
static struct { int to; char *text; } wire[256];
static int n_wire;
static int sent_status[2][700];
static bool deaf_alice;	/* messages to alice are lost */
static bool raw_bob;	/* messages to bob land in inbox[], the test answers them */
static struct sip_msg *inbox[64];
static int n_inbox;
static bool (*lost)(int to, const struct sip_msg *m);	/* messages it returns true for are lost */

/* Everything each side sent: parsed, with the destination port and the time. */
static struct sent { int from; struct sip_msg *m; unsigned port; uint64_t at; } sent_log[512];
static int n_sent;

static void log_sent(int from, const char *text, const struct sip_msg_src *dst)
{
	struct sip_parse_info info;
	struct sip_msg *m = NULL;

	if (n_sent >= (int)LY_ARRAY_LEN(sent_log) ||
	    sip_msg_parse(text, strlen(text), SIP_FRAME_DATAGRAM, &m, &info) != SIP_PARSE_OK) {
		sip_msg_unref(m);
		return;
	}
	sent_log[n_sent].from = from;
	sent_log[n_sent].m = m;
	sent_log[n_sent].port = dst ? ntohs(((const struct sockaddr_in *)&dst->addr)->sin_port) : 0;
	sent_log[n_sent].at = fake_now;
	n_sent++;
}

/* The n-th request `method` side `from` sent (n < 0: the last), or NULL. */
static const struct sent *sent_req(int from, const char *method, int n)
{
	const struct sent *last = NULL;

	for (int i = 0; i < n_sent; i++) {
		const struct sent *s = &sent_log[i];

		if (s->from != from || !s->m->is_request || strcmp(s->m->method, method) != 0)
			continue;
		if (n >= 0 && n-- == 0)
			return s;
		last = s;
	}
	return n < 0 ? last : NULL;
}

static int count_req(int from, const char *method)
{
	int n = 0;

	while (sent_req(from, method, n))
		n++;
	return n;
}

static const char *hdr(const struct sent *s, const char *name)
{
	return s ? sip_msg_hdr_value(s->m, name) : NULL;
}

/* The i-th value of a header of a logged message ("" past the end). */
static const char *hdr_nth(const struct sent *s, const char *name, int i)
{
	static char out[256];
	struct sip_value_iter it;
	struct sip_str v;

	out[0] = 0;
	if (!s)
		return out;
	sip_value_iter_init(&it, s->m, name);
	while (sip_value_next(&it, &v))
		if (i-- == 0) {
			snprintf(out, sizeof(out), "%.*s", (int)v.len, v.s);
			break;
		}
	return out;
}

static int queue(int from, const struct sip_msg *m, const struct sip_msg_src *dst)
{
	struct ly_buf b;

	ly_buf_init(&b);
	sip_msg_print(m, &b);
	if (!m->is_request && m->status < 700)
		sent_status[from][m->status]++;
	log_sent(from, ly_buf_str(&b), dst);
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
	return queue((int)(intptr_t)ctx, req, dst);
}

static int send_resp(void *ctx, const struct sip_msg *resp, const struct sip_msg_src *src)
{
	(void)src;
	return queue((int)(intptr_t)ctx, resp, NULL);
}

/* Deliver everything in flight, including what delivery sends. */
static void pump(void)
{
	for (int i = 0; i < n_wire; i++) {
		struct sip_parse_info info;
		struct sip_msg *m = NULL;
		int to = wire[i].to;

		if (deaf_alice && to == 0) {
			free(wire[i].text);
			continue;
		}
		if (sip_msg_parse(wire[i].text, strlen(wire[i].text), SIP_FRAME_DATAGRAM, &m, &info) == SIP_PARSE_OK &&
		    !(lost && lost(to, m))) {
			m->src.proto = SIP_PROTO_UDP;
			m->src.addr.ss_family = AF_INET;
			m->src.addr_len = sizeof(struct sockaddr_in);
			if (raw_bob && to == 1) {
				if (n_inbox < (int)LY_ARRAY_LEN(inbox))
					inbox[n_inbox++] = sip_msg_ref(m);
			} else
				sip_txn_receive(ua[to].txns, m);
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

/* Raw bob: the last request `method` that reached him. */
static struct sip_msg *inbox_last(const char *method)
{
	for (int i = n_inbox - 1; i >= 0; i--)
		if (inbox[i]->is_request && strcmp(inbox[i]->method, method) == 0)
			return inbox[i];
	return NULL;
}

/* Raw bob answers req: code with To tag `tag`, Contact `contact` (may be
 * NULL) and extra headers as name, value pairs ending with NULL. */
static void bob_says(const struct sip_msg *req, int code, const char *tag, const char *contact, ...)
{
	struct sip_msg *resp = sip_msg_new_response(req, code, NULL, tag);
	const char *name;
	va_list ap;

	if (contact)
		sip_msg_hdr_addf(resp, "Contact", "<%s>", contact);
	va_start(ap, contact);
	while ((name = va_arg(ap, const char *)) != NULL)
		sip_msg_hdr_add(resp, name, va_arg(ap, const char *));
	va_end(ap);
	queue(1, resp, NULL);
	sip_msg_unref(resp);
}

static struct ua *ua_of(void *arg) { return arg; }

static void note_dialog(struct ua *u, struct sip_dialog *d)
{
	for (int i = 0; i < u->nseen; i++)
		if (u->seen[i] == d)
			return;
	if (u->nseen < (int)LY_ARRAY_LEN(u->seen))
		u->seen[u->nseen++] = sip_dialog_ref(d);
}

static void on_progress(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	(void)resp;
	ua_of(arg)->progress++;
	note_dialog(arg, d);
}

static void on_answered(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	(void)resp;
	ua_of(arg)->answered++;
	note_dialog(arg, d);
}

static void on_failed(struct sip_dialog *d, int status, struct sip_msg *resp, void *arg)
{
	struct ua *u = arg;

	(void)resp;
	u->failed++;
	u->last_status = status;
	if (u->auth && (status == 401 || status == 407))
		u->resend_rc = sip_dialog_invite_resend(d, "Authorization", u->auth);
}

static void on_ack(struct sip_dialog *d, struct sip_msg *ack, void *arg)
{
	(void)d;
	(void)ack;
	ua_of(arg)->acks++;
}

static void on_response(struct sip_dialog *d, enum sip_method method, int status, struct sip_msg *resp, void *arg)
{
	struct ua *u = arg;
	struct sdp_result res;

	u->responses++;
	u->last_status = status;
	u->resp_method = method;
	if (method == SIP_METHOD_INVITE && status == 200 && resp && resp->body_len) {
		u->apply_rc = sip_dialog_sdp_apply_answer(d, resp, &res, NULL);
		u->applied = u->apply_rc ? SDP_DIR_UNSET : res.dir;
	}
}

static void on_terminated(struct sip_dialog *d, enum sip_dialog_end why, int status, void *arg)
{
	(void)d;
	ua_of(arg)->terminated++;
	ua_of(arg)->why = why;
	ua_of(arg)->term_status = status;
}

static const struct sip_dialog_user user = {
	.progress = on_progress, .answered = on_answered, .failed = on_failed, .ack = on_ack,
	.response = on_response, .terminated = on_terminated,
};

static const char *const test_codecs[] = { "ulaw" };

/* A media description for side i, with direction dir. */
static struct sdp_local media_of(int i, enum sdp_dir dir)
{
	struct sdp_local l = { .addr = "127.0.0.1", .port = 10000 + 2 * (unsigned)i, .codecs = test_codecs,
			       .ncodecs = 1, .dir = dir };
	return l;
}

/* The answerer of a re-INVITE: answers the SDP offer with sendrecv media
 * (RFC 3264 §6.1 turns the direction around) and notes both directions. */
static void on_request_sdp(struct sip_dialog *d, struct sip_txn *st, struct sip_msg *req, void *arg)
{
	struct ua *u = arg;
	struct sdp_local l = media_of(u == &ua[1], SDP_SENDRECV);
	struct sdp_session *offer = NULL;
	struct sdp_result res;
	struct ly_buf body;

	u->requests++;
	if (!req->body_len) {
		sip_dialog_reply(d, st, 200, NULL, NULL, 0);
		return;
	}
	if (sdp_parse(req->body, req->body_len, &offer, NULL) == 0 && offer->nmedia)
		u->offered = sdp_media_dir(offer, &offer->media[0]);
	sdp_free(offer);
	ly_buf_init(&body);
	if (sip_dialog_sdp_answer(d, req, &l, &body, &res, NULL) == 0) {
		u->answered_dir = res.dir;
		sip_dialog_reply(d, st, 200, "application/sdp", ly_buf_str(&body), body.len);
	} else
		sip_dialog_reply(d, st, 488, NULL, NULL, 0);
	ly_buf_free(&body);
}

static const struct sip_dialog_user user_sdp = {
	.progress = on_progress, .answered = on_answered, .failed = on_failed, .ack = on_ack,
	.response = on_response, .terminated = on_terminated, .request = on_request_sdp,
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
	if (u->challenge && !sip_msg_hdr_value(req, "Authorization")) {
		struct sip_msg *resp = sip_msg_new_response(req, 401, NULL, "challenge");

		sip_msg_hdr_add(resp, "WWW-Authenticate", "Digest realm=\"lyre\", nonce=\"n1\"");
		sip_txn_respond(st, resp);
		sip_msg_unref(resp);
		return;
	}
	if (sip_dialog_uas_new_timers(u->dt, st, req, &bob_party, u->timers, u->dlg_user ? u->dlg_user : &user, u,
				      &d) != 0)
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

static void setup2(const struct sip_dialog_config *cfg0, const struct sip_dialog_config *cfg1)
{
	struct sip_txn_config tc = { .now_ms = clock_now };

	fake_now = 1000000;
	sched = ly_sched_new();
	memset(ua, 0, sizeof(ua));
	memset(sent_status, 0, sizeof(sent_status));
	deaf_alice = false;
	raw_bob = false;
	lost = NULL;
	n_inbox = 0;
	n_sent = 0;
	for (int i = 0; i < 2; i++) {
		struct sip_txn_transport tp = { .send_request = send_req, .send_response = send_resp,
						.ctx = (void *)(intptr_t)i };
		struct sip_txn_handlers h = { .request = on_request, .ack = on_ack_h,
					      .stray_response = on_stray, .arg = &ua[i] };

		ua[i].txns = sip_txn_table_new(sched, &tc, &tp, &h);
		ua[i].dt = sip_dialog_table_new(ua[i].txns, sched, &tp, i ? cfg1 : cfg0);
	}
	ua[1].answer = 200;
}

static void setup(const struct sip_dialog_config *cfg)
{
	setup2(cfg, cfg);
}

static void teardown(void)
{
	lose();
	for (int i = 0; i < 2; i++) {
		sip_dialog_unref(ua[i].d);
		for (int k = 0; k < ua[i].nseen; k++)
			sip_dialog_unref(ua[i].seen[k]);
		sip_txn_table_free(ua[i].txns);
		sip_dialog_table_free(ua[i].dt);
	}
	for (int i = 0; i < n_inbox; i++)
		sip_msg_unref(inbox[i]);
	for (int i = 0; i < n_sent; i++)
		sip_msg_unref(sent_log[i].m);
	n_inbox = n_sent = 0;
	ly_sched_free(sched);
}

/* Alice's dialog for an INVITE to bob in ua[0].d, not yet sent. */
static void prepare_call(void)
{
	struct sip_dialog_invite_params p = {
		.ruri = "sip:bob@127.0.0.1:5080", .local = &alice_party,
		.content_type = "application/sdp", .body = "v=0\r\n", .body_len = 5,
	};

	p.dst.proto = SIP_PROTO_UDP;
	p.timers = ua[0].timers;
	CHECK_INT(sip_dialog_uac_new(ua[0].dt, &p, &user, &ua[0], &ua[0].d), 0);
}

/* Alice calls bob; returns alice's dialog in ua[0].d. */
static void call(void)
{
	prepare_call();
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


/* The dialog of alice with remote tag `tag`, or NULL. */
static struct sip_dialog *alice_dialog(const char *tag)
{
	return sip_dialog_find(ua[0].dt, sip_dialog_call_id(ua[0].d), sip_dialog_local_tag(ua[0].d), tag);
}

/* Raw bob's INVITE, or the test ends here. */
#define BOB_INVITE(inv) \
	do { (inv) = inbox_last("INVITE"); CHECK((inv) != NULL); if (!(inv)) { teardown(); return; } } while (0)

/* §12.1.2, §13.2.2.4: two 18x with different To tags are two early
 * dialogs; the first 2xx confirms one and ends the other; a 2xx from the
 * other fork later is ACKed and then ended with BYE, each at its Contact. */
static void test_forked_early_dialogs(void)
{
	struct sip_dialog *a, *b;
	struct sip_msg *inv;
	const struct sent *s;

	setup(NULL);
	raw_bob = true;
	call();
	BOB_INVITE(inv);
	bob_says(inv, 180, "forkA", "sip:a@127.0.0.1:5081", NULL);
	bob_says(inv, 183, "forkB", "sip:b@127.0.0.1:5082", NULL);
	pump();
	CHECK_INT(ua[0].progress, 2);
	CHECK_INT(ua[0].nseen, 2);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 2);
	a = alice_dialog("forkA");
	b = alice_dialog("forkB");
	CHECK(a && b && a != b);
	if (!a || !b) {
		teardown();
		return;
	}
	CHECK_INT(sip_dialog_state(a), SIP_DIALOG_EARLY);
	CHECK_INT(sip_dialog_state(b), SIP_DIALOG_EARLY);
	CHECK_STR(sip_dialog_remote_target(a), "sip:a@127.0.0.1:5081");
	CHECK_STR(sip_dialog_remote_target(b), "sip:b@127.0.0.1:5082");
	CHECK_STR(sip_dialog_local_tag(a), sip_dialog_local_tag(b));

	bob_says(inv, 200, "forkB", "sip:b@127.0.0.1:5082", NULL);
	pump();
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(sip_dialog_state(b), SIP_DIALOG_CONFIRMED);
	CHECK_INT(sip_dialog_state(a), SIP_DIALOG_TERMINATED);
	CHECK_INT(ua[0].terminated, 1);
	CHECK_INT(ua[0].why, SIP_DIALOG_END_FORK_LOST);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 1);
	s = sent_req(0, "ACK", 0);
	CHECK(s && s->port == 5082);
	CHECK(s && strcmp(s->m->ruri.text, "sip:b@127.0.0.1:5082") == 0);
	CHECK(s && s->m->to.tag && strcmp(s->m->to.tag, "forkB") == 0);

	bob_says(inv, 200, "forkA", "sip:a@127.0.0.1:5081", NULL);
	pump();
	s = sent_req(0, "ACK", 1);
	CHECK(s && s->port == 5081 && strcmp(s->m->to.tag, "forkA") == 0);
	s = sent_req(0, "BYE", 0);
	CHECK(s && s->port == 5081 && strcmp(s->m->to.tag, "forkA") == 0);
	CHECK(s && s->m->cseq == 2);
	CHECK_INT(count_req(0, "BYE"), 1);
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(sip_dialog_state(b), SIP_DIALOG_CONFIRMED);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 1);
	teardown();
}

/* §13.2.2.4: every retransmission of the 2xx gets the same ACK again,
 * through the transaction while it lasts (RFC 6026 Timer M) and from the
 * dialog table afterwards. */
static void test_2xx_retransmissions_reacked(void)
{
	struct sip_msg *inv;
	const struct sent *a0, *a1;

	setup(NULL);
	raw_bob = true;
	call();
	BOB_INVITE(inv);
	bob_says(inv, 200, "b1", "sip:bob@127.0.0.1:5080", NULL);
	pump();
	CHECK_INT(count_req(0, "ACK"), 1);
	bob_says(inv, 200, "b1", "sip:bob@127.0.0.1:5080", NULL);
	pump();
	CHECK_INT(count_req(0, "ACK"), 2);
	a0 = sent_req(0, "ACK", 0);
	a1 = sent_req(0, "ACK", 1);
	CHECK(a0 && a1 && a0->m->cseq == 1 && a1->m->cseq == 1);
	CHECK_STR(hdr(a0, "Via"), hdr(a1, "Via"));
	advance(40000);		/* Timer M: the INVITE transaction is gone */
	bob_says(inv, 200, "b1", "sip:bob@127.0.0.1:5080", NULL);
	pump();
	CHECK_INT(count_req(0, "ACK"), 3);
	bob_says(inv, 200, "nosuchtag", "sip:bob@127.0.0.1:5080", NULL);
	pump();
	CHECK_INT(count_req(0, "ACK"), 3);
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(ua[0].terminated, 0);
	teardown();
}

#define RR_LOOSE "<sip:p2@127.0.0.1:5092;lr>, <sip:p1@127.0.0.1:5091;lr>"

/* §12.1.2: the UAC's route set is the Record-Route of the 2xx reversed;
 * §12.2.1.1 with a loose first hop: Request-URI is the remote target,
 * Route is the route set, the request goes to the first route. */
static void test_route_set_uac_loose(void)
{
	struct sip_msg *inv;
	const struct sent *s;

	setup(NULL);
	raw_bob = true;
	call();
	BOB_INVITE(inv);
	bob_says(inv, 200, "b1", "sip:bob@127.0.0.1:5080", "Record-Route", RR_LOOSE, NULL);
	pump();
	CHECK_INT(sip_dialog_route_count(ua[0].d), 2);
	CHECK_STR(sip_dialog_route(ua[0].d, 0), "<sip:p1@127.0.0.1:5091;lr>");
	CHECK_STR(sip_dialog_route(ua[0].d, 1), "<sip:p2@127.0.0.1:5092;lr>");
	CHECK_INT(sip_dialog_info(ua[0].d, NULL, NULL, 0), 0);
	for (int i = 0; i < 2; i++) {
		s = sent_req(0, i ? "INFO" : "ACK", 0);
		CHECK(s && s->port == 5091);
		CHECK(s && strcmp(s->m->ruri.text, "sip:bob@127.0.0.1:5080") == 0);
		CHECK_STR(hdr_nth(s, "Route", 0), "<sip:p1@127.0.0.1:5091;lr>");
		CHECK_STR(hdr_nth(s, "Route", 1), "<sip:p2@127.0.0.1:5092;lr>");
		CHECK_STR(hdr_nth(s, "Route", 2), "");
	}
	teardown();
}

/* §12.2.1.1, strict first hop: it becomes the Request-URI, the rest of the
 * route set and then the remote target are the Route, and the request
 * goes to the strict router. */
static void test_route_set_strict(void)
{
	struct sip_msg *inv;
	const struct sent *s;

	setup(NULL);
	raw_bob = true;
	call();
	BOB_INVITE(inv);
	bob_says(inv, 200, "b1", "sip:bob@127.0.0.1:5080", "Record-Route",
		 "<sip:p2@127.0.0.1:5092;lr>", "Record-Route", "<sip:p1@127.0.0.1:5091>", NULL);
	pump();
	CHECK_STR(sip_dialog_route(ua[0].d, 0), "<sip:p1@127.0.0.1:5091>");
	CHECK_INT(sip_dialog_info(ua[0].d, NULL, NULL, 0), 0);
	for (int i = 0; i < 2; i++) {
		s = sent_req(0, i ? "INFO" : "ACK", 0);
		CHECK(s && s->port == 5091);
		CHECK(s && strcmp(s->m->ruri.text, "sip:p1@127.0.0.1:5091") == 0);
		CHECK_STR(hdr_nth(s, "Route", 0), "<sip:p2@127.0.0.1:5092;lr>");
		CHECK_STR(hdr_nth(s, "Route", 1), "<sip:bob@127.0.0.1:5080>");
		CHECK_STR(hdr_nth(s, "Route", 2), "");
	}
	teardown();
}

/* §12.1.1: the UAS keeps the INVITE's Record-Route in order and copies it
 * into its 2xx, whose reversal is the UAC's route set. */
static void test_route_set_uas(void)
{
	const struct sent *s;

	setup(NULL);
	prepare_call();
	sip_msg_hdr_add(sip_dialog_invite_request(ua[0].d), "Record-Route", RR_LOOSE);
	CHECK_INT(sip_dialog_invite_send(ua[0].d), 0);
	pump();
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(sip_dialog_route_count(ua[1].d), 2);
	CHECK_STR(sip_dialog_route(ua[1].d, 0), "<sip:p2@127.0.0.1:5092;lr>");
	CHECK_STR(sip_dialog_route(ua[0].d, 0), "<sip:p1@127.0.0.1:5091;lr>");
	CHECK_STR(sip_dialog_route(ua[0].d, 1), "<sip:p2@127.0.0.1:5092;lr>");
	CHECK_INT(sip_dialog_end(ua[1].d), 0);
	s = sent_req(1, "BYE", 0);
	CHECK(s && s->port == 5092);
	CHECK(s && strcmp(s->m->ruri.text, "sip:alice@127.0.0.1:5070") == 0);
	CHECK_STR(hdr_nth(s, "Route", 0), "<sip:p2@127.0.0.1:5092;lr>");
	CHECK_STR(hdr_nth(s, "Route", 1), "<sip:p1@127.0.0.1:5091;lr>");
	pump();
	CHECK_INT(ua[0].why, SIP_DIALOG_END_REMOTE_BYE);
	teardown();
}

/* §12.2.2: a request whose CSeq is below the last one seen gets 500; the
 * dialog goes on. */
static void test_cseq_out_of_order(void)
{
	struct sip_msg *i2, *i3;

	setup(NULL);
	call();
	i2 = sip_dialog_request_new(ua[0].d, "INFO");
	i3 = sip_dialog_request_new(ua[0].d, "INFO");
	CHECK(i2 && i3 && i2->cseq + 1 == i3->cseq);
	CHECK_INT(sip_dialog_request_send(ua[0].d, i3), 0);
	pump();
	CHECK_INT(ua[0].last_status, 200);
	CHECK_INT(sip_dialog_request_send(ua[0].d, i2), 0);
	pump();
	sip_msg_unref(i2);
	sip_msg_unref(i3);
	CHECK_INT(sent_status[1][500], 1);
	CHECK_INT(ua[0].last_status, 500);
	CHECK_INT(ua[0].resp_method, SIP_METHOD_INFO);
	CHECK_INT(sip_dialog_state(ua[0].d), SIP_DIALOG_CONFIRMED);
	CHECK_INT(sip_dialog_state(ua[1].d), SIP_DIALOG_CONFIRMED);
	CHECK_INT(sip_dialog_info(ua[0].d, NULL, NULL, 0), 0);
	pump();
	CHECK_INT(ua[0].last_status, 200);
	CHECK_INT(ua[0].responses, 3);
	teardown();
}

/* §14.1: crossing re-INVITEs both get 491; the owner of the Call-ID (the
 * caller) retries after 2.1-4 s, the other side after 0-2 s, in 10 ms
 * units; the retries succeed and only their 200 is reported. */
static void test_reinvite_glare(void)
{
	setup(NULL);
	call();
	for (int round = 0; round < 3; round++) {
		uint64_t t0 = fake_now;
		const struct sent *ra, *rb;

		CHECK_INT(sip_dialog_reinvite(ua[0].d, "application/sdp", "v=0\r\n", 5), 0);
		CHECK_INT(sip_dialog_reinvite(ua[1].d, "application/sdp", "v=0\r\n", 5), 0);
		CHECK_INT(sip_dialog_reinvite(ua[0].d, "application/sdp", "v=0\r\n", 5), EBUSY);
		pump();
		CHECK_INT(sent_status[0][491], round + 1);
		CHECK_INT(sent_status[1][491], round + 1);
		CHECK_INT(ua[0].responses + ua[1].responses, 4 * round);
		advance(5000);
		CHECK_INT(count_req(0, "INVITE"), 3 + 2 * round);
		CHECK_INT(count_req(1, "INVITE"), 2 + 2 * round);
		ra = sent_req(0, "INVITE", -1);
		rb = sent_req(1, "INVITE", -1);
		CHECK(ra && ra->at - t0 >= 2100 && ra->at - t0 <= 4000 && (ra->at - t0) % 10 == 0);
		CHECK(rb && rb->at - t0 <= 2000 && (rb->at - t0) % 10 == 0);
		CHECK_INT(sent_status[0][491], round + 1);
		CHECK_INT(ua[0].responses, 2 * round + 1);
		CHECK_INT(ua[1].responses, 2 * round + 1);
		CHECK_INT(ua[0].last_status, 200);
		CHECK_INT(ua[1].last_status, 200);
		CHECK_INT(ua[0].acks, round + 1);	/* alice acknowledged bob's retry */
		/* a BYE-free extra exchange keeps both sides' counts in step */
		CHECK_INT(sip_dialog_info(ua[0].d, NULL, NULL, 0), 0);
		CHECK_INT(sip_dialog_info(ua[1].d, NULL, NULL, 0), 0);
		pump();
	}
	CHECK_INT(ua[0].terminated + ua[1].terminated, 0);
	teardown();
}

/* One hold or resume by re-INVITE from side `from`, answered by the other. */
static void hold_step(int from, enum sdp_dir local_dir, bool hold, enum sdp_dir offered,
		      enum sdp_dir answered)
{
	struct sdp_local l = media_of(from, local_dir);
	struct ua *peer = &ua[!from];

	peer->offered = peer->answered_dir = ua[from].applied = SDP_DIR_UNSET;
	CHECK_INT(sip_dialog_hold(ua[from].d, &l, hold), 0);
	CHECK_INT(sip_dialog_hold(ua[from].d, &l, hold), EBUSY);
	pump();
	CHECK_INT(peer->offered, offered);
	CHECK_INT(peer->answered_dir, answered);
	CHECK_INT(ua[from].apply_rc, 0);
	/* the offerer may do the reverse of what the answerer may do */
	CHECK_INT(ua[from].applied, answered == SDP_RECVONLY ? SDP_SENDONLY : answered);
}

/* RFC 3264 §8.4: hold offers sendonly (inactive when we were not
 * receiving), resume sendrecv; either side may hold the other. */
static void test_hold_and_resume(void)
{
	setup(NULL);
	ua[1].dlg_user = &user_sdp;
	call();
	sip_dialog_set_user(ua[0].d, &user_sdp, &ua[0]);
	hold_step(0, SDP_SENDRECV, true, SDP_SENDONLY, SDP_RECVONLY);
	hold_step(0, SDP_RECVONLY, true, SDP_INACTIVE, SDP_INACTIVE);
	hold_step(0, SDP_DIR_UNSET, false, SDP_SENDRECV, SDP_SENDRECV);
	hold_step(1, SDP_SENDRECV, true, SDP_SENDONLY, SDP_RECVONLY);
	hold_step(1, SDP_INACTIVE, true, SDP_INACTIVE, SDP_INACTIVE);
	hold_step(1, SDP_SENDRECV, false, SDP_SENDRECV, SDP_SENDRECV);
	/* each re-INVITE counts twice (stack and dialog callback), plus the INVITE */
	CHECK_INT(ua[0].requests + ua[1].requests, 1 + 2 * 6);
	CHECK_INT(ua[0].terminated + ua[1].terminated, 0);
	teardown();
}

/* RFC 4028 §9: the refresher (bob, the UAS) refreshes at half the interval
 * with UPDATE when the peer allows it (no SDP), keeping the session up. */
static void test_session_refresh_by_update(void)
{
	struct sip_dialog_config cfg = { .session_expires = 90, .min_se = 90 };
	const struct sent *u;
	bool we = true;

	setup(&cfg);
	call();
	advance(46000);
	CHECK_INT(count_req(1, "UPDATE"), 1);
	CHECK_INT(count_req(1, "INVITE"), 0);
	u = sent_req(1, "UPDATE", 0);
	CHECK(u && u->m->body_len == 0);
	CHECK_STR(hdr(u, "Session-Expires"), "90;refresher=uac");
	advance(300000);
	CHECK(count_req(1, "UPDATE") >= 7);
	CHECK_INT(ua[0].terminated + ua[1].terminated, 0);
	CHECK_INT(sip_dialog_session_interval(ua[0].d, &we), 90);
	CHECK(!we);
	CHECK_INT(sip_dialog_session_interval(ua[1].d, &we), 90);
	CHECK(we);
	teardown();
}

/* RFC 4028 §7.4: a 422 to the initial INVITE is retried with the
 * Session-Expires and Min-SE of the 422. */
static void test_session_422_initial(void)
{
	struct sip_dialog_config c0 = { .session_expires = 90, .min_se = 90 };
	struct sip_dialog_config c1 = { .session_expires = 1800, .min_se = 120 };
	const struct sent *s;

	setup2(&c0, &c1);
	call();
	CHECK_INT(sent_status[1][422], 1);
	CHECK_INT(ua[0].failed, 0);
	CHECK_INT(ua[0].answered, 1);
	s = sent_req(0, "INVITE", 1);
	CHECK_STR(hdr(s, "Session-Expires"), "120");
	CHECK_STR(hdr(s, "Min-SE"), "120");
	CHECK(s && s->m->cseq == 2);
	CHECK_INT(sip_dialog_session_interval(ua[0].d, NULL), 120);
	CHECK_INT(sip_dialog_session_interval(ua[1].d, NULL), 120);
	teardown();
}

/* RFC 4028 §7.4, §9: without UPDATE in the peer's Allow the refresh is a
 * re-INVITE with our last SDP; a 422 to it is retried with the larger
 * interval, and the 2xx sets the new one. */
static void test_session_refresh_reinvite_422(void)
{
	struct sip_dialog_config cfg = { .session_expires = 90, .min_se = 90 };
	struct sip_msg *inv, *r1, *r2;
	bool we = false;

	setup(&cfg);
	raw_bob = true;
	call();
	BOB_INVITE(inv);
	bob_says(inv, 200, "b1", "sip:bob@127.0.0.1:5080", "Allow", "INVITE, ACK, BYE, CANCEL",
		 "Session-Expires", "90;refresher=uac", "Require", "timer", NULL);
	pump();
	CHECK_INT(sip_dialog_session_interval(ua[0].d, &we), 90);
	CHECK(we);
	advance(44000);
	CHECK(inbox_last("INVITE") == inv);
	advance(1000);
	r1 = inbox_last("INVITE");
	CHECK(r1 && r1 != inv && r1->to.tag);
	if (!r1 || r1 == inv) {
		teardown();
		return;
	}
	CHECK_INT(count_req(0, "UPDATE"), 0);
	CHECK_STR(sip_msg_hdr_value(r1, "Session-Expires"), "90;refresher=uac");
	CHECK(r1->body_len == 5 && memcmp(r1->body, "v=0\r\n", 5) == 0);
	bob_says(r1, 422, NULL, NULL, "Min-SE", "180", NULL);
	pump();
	r2 = inbox_last("INVITE");
	CHECK(r2 && r2 != r1 && r2->cseq == r1->cseq + 1);
	if (!r2 || r2 == r1) {
		teardown();
		return;
	}
	CHECK_STR(sip_msg_hdr_value(r2, "Session-Expires"), "180;refresher=uac");
	CHECK_STR(sip_msg_hdr_value(r2, "Min-SE"), "180");
	bob_says(r2, 200, NULL, "sip:bob@127.0.0.1:5080", "Session-Expires", "180;refresher=uac", NULL);
	pump();
	CHECK_INT(ua[0].responses, 1);
	CHECK_INT(ua[0].last_status, 200);
	CHECK_INT(sip_dialog_session_interval(ua[0].d, &we), 180);
	CHECK(we);
	advance(89000);
	CHECK(inbox_last("INVITE") == r2);
	advance(1000);
	CHECK(inbox_last("INVITE") != r2);
	CHECK_INT(ua[0].terminated, 0);
	teardown();
}

/* §9.1: CANCEL goes once a provisional response arrived; the INVITE gets
 * 487 and both early dialogs end. */
static void test_cancel_before_answer(void)
{
	setup(NULL);
	ua[1].answer = 0;
	prepare_call();
	CHECK_INT(sip_dialog_invite_send(ua[0].d), 0);
	CHECK_INT(sip_dialog_cancel(ua[0].d), 0);
	CHECK_INT(count_req(0, "CANCEL"), 0);	/* nothing heard yet */
	pump();
	CHECK_INT(count_req(0, "CANCEL"), 1);
	CHECK_INT(sent_status[1][487], 1);
	CHECK_INT(ua[0].failed, 1);
	CHECK_INT(ua[0].last_status, 487);
	CHECK_INT(ua[0].why, SIP_DIALOG_END_REJECTED);
	CHECK_INT(ua[1].terminated, 1);
	CHECK_INT(ua[1].why, SIP_DIALOG_END_REMOTE_BYE);
	CHECK_INT(ua[1].term_status, 487);
	CHECK_INT(sip_dialog_state(ua[1].d), SIP_DIALOG_TERMINATED);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 0);
	CHECK_INT(sip_dialog_table_count(ua[1].dt), 0);
	CHECK_INT(sip_dialog_cancel(ua[0].d), EALREADY);
	teardown();
}

/* sip_dialog_end on a ringing call: CANCEL, and no dialog is made for a
 * provisional response that arrives after the user hung up. */
static void test_end_while_calling(void)
{
	setup(NULL);
	ua[1].answer = 0;
	prepare_call();
	CHECK_INT(sip_dialog_invite_send(ua[0].d), 0);
	CHECK_INT(sip_dialog_end(ua[0].d), 0);
	CHECK_INT(ua[0].terminated, 1);
	CHECK_INT(ua[0].why, SIP_DIALOG_END_LOCAL);
	pump();
	CHECK_INT(count_req(0, "CANCEL"), 1);
	CHECK_INT(sent_status[1][487], 1);
	CHECK_INT(ua[0].progress, 0);
	CHECK_INT(ua[0].failed, 0);
	CHECK_INT(ua[0].terminated, 1);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 0);
	CHECK_INT(ua[1].terminated, 1);
	teardown();
}

/* §22.2: from `failed` after a 401 the INVITE goes again with CSeq + 1, a
 * new branch, the same Call-ID and From tag, and the credentials. */
static void test_invite_resend_after_401(void)
{
	const struct sent *i1, *i2;

	setup(NULL);
	ua[1].challenge = true;
	ua[0].auth = "Digest username=\"alice\", realm=\"lyre\", nonce=\"n1\"";
	call();
	CHECK_INT(ua[0].failed, 1);
	CHECK_INT(ua[0].last_status, 401);
	CHECK_INT(ua[0].resend_rc, 0);
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(ua[0].terminated, 0);
	CHECK_INT(sip_dialog_state(ua[0].d), SIP_DIALOG_CONFIRMED);
	i1 = sent_req(0, "INVITE", 0);
	i2 = sent_req(0, "INVITE", 1);
	CHECK(i1 && i2);
	if (!i1 || !i2) {
		teardown();
		return;
	}
	CHECK_INT(i1->m->cseq, 1);
	CHECK_INT(i2->m->cseq, 2);
	CHECK(strcmp(i1->m->via.branch, i2->m->via.branch) != 0);
	CHECK_STR(i1->m->from.tag, i2->m->from.tag);
	CHECK_STR(i1->m->call_id, i2->m->call_id);
	CHECK(hdr(i1, "Authorization") == NULL);
	CHECK_STR(hdr(i2, "Authorization"), ua[0].auth);
	CHECK(i2->m->to.tag == NULL);
	CHECK(sent_req(0, "ACK", -1) && sent_req(0, "ACK", -1)->m->cseq == 2);
	CHECK_INT(sip_dialog_local_cseq(ua[0].d), 2);
	CHECK_INT(sip_dialog_invite_resend(ua[0].d, NULL, NULL), EALREADY);
	CHECK_INT(sip_dialog_end(ua[0].d), 0);
	CHECK(sent_req(0, "BYE", 0) && sent_req(0, "BYE", 0)->m->cseq == 3);
	pump();
	CHECK_INT(ua[1].why, SIP_DIALOG_END_REMOTE_BYE);
	teardown();
}

static bool acks_to_bob_lost(int to, const struct sip_msg *m)
{
	return to == 1 && m->is_request && m->method_id == SIP_METHOD_ACK;
}

/* §13.3.1.4: bob retransmits his 2xx (alice ACKs each copy, all lost);
 * 64*T1 without an ACK ends the dialog with BYE. */
static void test_2xx_ack_timeout(void)
{
	setup(NULL);
	lost = acks_to_bob_lost;
	call();
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(ua[1].acks, 0);
	advance(31000);
	CHECK_INT(ua[1].terminated, 0);
	CHECK(count_req(0, "ACK") >= 8);
	CHECK_INT(count_req(1, "BYE"), 0);
	advance(2000);
	CHECK_INT(ua[1].terminated, 1);
	CHECK_INT(ua[1].why, SIP_DIALOG_END_TIMEOUT);
	CHECK_INT(count_req(1, "BYE"), 1);
	CHECK_INT(ua[0].terminated, 1);
	CHECK_INT(ua[0].why, SIP_DIALOG_END_REMOTE_BYE);
	teardown();
}

/* A user's arg that lives only while dialogs reference it (as chan_sip's
 * calls do): freed at the last arg_unref, so a callback after that is a
 * use after free (ASan) and counted as late. */
struct counted { int refs; int callbacks; };
static struct counted *counted_freed;	/* the freed object's address, never dereferenced */
static int late_callbacks;

static void counted_ref(void *arg) { ((struct counted *)arg)->refs++; }

static void counted_unref(void *arg)
{
	struct counted *c = arg;

	if (--c->refs == 0) {
		counted_freed = c;
		free(c);
	}
}

static void counted_note(void *arg)
{
	if (arg == counted_freed)
		late_callbacks++;
	else
		((struct counted *)arg)->callbacks++;
}

static void counted_progress(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	(void)d, (void)resp;
	counted_note(arg);
}

static void counted_answered(struct sip_dialog *d, struct sip_msg *resp, void *arg)
{
	(void)d, (void)resp;
	counted_note(arg);
}

static void counted_terminated(struct sip_dialog *d, enum sip_dialog_end why, int status, void *arg)
{
	(void)d, (void)why, (void)status;
	counted_note(arg);
}

static const struct sip_dialog_user counted_user = {
	.progress = counted_progress, .answered = counted_answered, .terminated = counted_terminated,
	.arg_ref = counted_ref, .arg_unref = counted_unref,
};

/* The chan_sip crash under overload: our INVITE is answered, the call ends
 * (BYE) and its user's arg is freed while the INVITE transaction still
 * lasts (Timer M).  Then the callee's 2xx comes again (it had not seen
 * our ACK) and a 2xx from a new To tag arrives: the first is ACKed again
 * (no second BYE), the second ACKed and ended with BYE, and neither makes
 * a callback with the freed arg.  Forks hold the arg while they live. */
static void test_late_2xx_after_user_gone(void)
{
	struct counted *c = ly_calloc(1, sizeof(*c));
	struct sip_dialog_invite_params p = {
		.ruri = "sip:bob@127.0.0.1:5080", .local = &alice_party,
	};
	struct sip_dialog *d;
	struct sip_msg *inv;
	const struct sent *s;

	setup(NULL);
	raw_bob = true;
	counted_freed = NULL;
	late_callbacks = 0;
	p.dst.proto = SIP_PROTO_UDP;
	CHECK_INT(sip_dialog_uac_new(ua[0].dt, &p, &counted_user, c, &d), 0);
	CHECK_INT(c->refs, 1);
	CHECK_INT(sip_dialog_invite_send(d), 0);
	pump();
	BOB_INVITE(inv);
	bob_says(inv, 180, "b1", "sip:b1@127.0.0.1:5081", NULL);
	bob_says(inv, 180, "b2", "sip:b2@127.0.0.1:5082", NULL);
	pump();
	CHECK_INT(c->refs, 2);		/* the origin and the fork b2 */
	bob_says(inv, 200, "b1", "sip:b1@127.0.0.1:5081", NULL);
	pump();
	CHECK_INT(c->refs, 1);		/* b2 lost (FORK_LOST) and let go */
	CHECK_INT(count_req(0, "ACK"), 1);
	CHECK_INT(sip_dialog_end(d), 0);	/* BYE: the arg goes now */
	pump();
	CHECK(counted_freed == c);
	CHECK_INT(count_req(0, "BYE"), 1);
	sip_dialog_unref(d);

	bob_says(inv, 200, "b1", "sip:b1@127.0.0.1:5081", NULL);	/* retransmission */
	pump();
	CHECK_INT(count_req(0, "ACK"), 2);
	CHECK_INT(count_req(0, "BYE"), 1);
	bob_says(inv, 200, "b3", "sip:b3@127.0.0.1:5083", NULL);	/* a new fork answers */
	pump();
	CHECK_INT(count_req(0, "ACK"), 3);
	CHECK_INT(count_req(0, "BYE"), 2);
	s = sent_req(0, "BYE", 1);
	CHECK(s && s->port == 5083 && s->m->to.tag && strcmp(s->m->to.tag, "b3") == 0);
	CHECK_INT(late_callbacks, 0);
	CHECK_INT(sip_dialog_table_count(ua[0].dt), 0);
	advance(40000);		/* Timer M */
	CHECK_INT(sip_txn_table_count(ua[0].txns), 0);
	teardown();
}

/* pjsip's `timers` (sip_dialog.h): what each side's policy puts in the
 * INVITE and what the answerer does with it. */
static const struct sip_dialog_timers timers_no = { SIP_TIMERS_NO, 1800, 90 };
static const struct sip_dialog_timers timers_yes = { SIP_TIMERS_YES, 600, 90 };
static const struct sip_dialog_timers timers_required = { SIP_TIMERS_REQUIRED, 1800, 90 };

static void test_timers_no_and_required(void)
{
	const struct sent *s;

	/* no: the INVITE says nothing of timers; the peer (historic table
	 * policy, "always") still keeps one and refreshes itself */
	setup(NULL);
	ua[0].timers = &timers_no;
	call();
	s = sent_req(0, "INVITE", 0);
	CHECK(s && !hdr(s, "Session-Expires") && !hdr(s, "Min-SE") && !hdr(s, "Supported"));
	CHECK_INT(ua[0].answered, 1);
	teardown();

	/* required toward no: Require: timer, refused with 420 */
	setup(NULL);
	ua[0].timers = &timers_required;
	ua[1].timers = &timers_no;
	call();
	s = sent_req(0, "INVITE", 0);
	CHECK_STR(hdr(s, "Require"), "timer");
	CHECK_INT(sent_status[1][420], 1);
	CHECK_INT(ua[0].last_status, 420);
	CHECK_INT(ua[0].answered, 0);
	teardown();

	/* no toward required: the caller does not support timers, 421 (RFC 4028 §9) */
	setup(NULL);
	ua[0].timers = &timers_no;
	ua[1].timers = &timers_required;
	call();
	CHECK_INT(sent_status[1][421], 1);
	CHECK_INT(ua[0].last_status, 421);
	teardown();
}

static void test_timers_yes(void)
{
	const struct sent *s;

	/* yes toward yes: the caller's interval is used by both */
	setup(NULL);
	ua[0].timers = &timers_yes;
	ua[1].timers = &timers_yes;
	call();
	s = sent_req(0, "INVITE", 0);
	CHECK_STR(hdr(s, "Session-Expires"), "600");
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(sip_dialog_session_interval(ua[0].d, NULL), 600);
	CHECK_INT(sip_dialog_session_interval(ua[1].d, NULL), 600);
	teardown();

	/* yes, asked nothing: no session timer (pjsip), unlike "always" */
	setup(NULL);
	ua[0].timers = &timers_no;
	ua[1].timers = &timers_yes;
	call();
	CHECK_INT(ua[0].answered, 1);
	CHECK_INT(sip_dialog_session_interval(ua[0].d, NULL), 0);
	CHECK_INT(sip_dialog_session_interval(ua[1].d, NULL), 0);
	teardown();
}

/* RFC 3326: the Reason set before ending goes on the BYE and the CANCEL. */
static void test_end_reason(void)
{
	const struct sent *s;

	setup(NULL);
	call();
	sip_dialog_set_end_reason(ua[0].d, "Q.850;cause=17");
	CHECK_INT(sip_dialog_end(ua[0].d), 0);
	pump();
	s = sent_req(0, "BYE", 0);
	CHECK_STR(hdr(s, "Reason"), "Q.850;cause=17");
	teardown();

	setup(NULL);
	ua[1].answer = 0;	/* bob rings */
	call();
	sip_dialog_set_end_reason(ua[0].d, "Q.850;cause=19");
	CHECK_INT(sip_dialog_end(ua[0].d), 0);
	pump();
	s = sent_req(0, "CANCEL", 0);
	CHECK_STR(hdr(s, "Reason"), "Q.850;cause=19");
	teardown();
}

/* The dialog's URIs (kept in its own storage): a display name with a
 * quote and a backslash is escaped again (§25.1), and header parameters
 * but the tag are kept. */
static void test_party_text(void)
{
	static const struct sip_dialog_party quirky = {
		.from = "\"Al \\\"Q\\\" \\\\x\" <sip:alice@127.0.0.1>;tag=ignored;p=1",
		.contact = "sip:alice@127.0.0.1:5070", .sentby = "127.0.0.1:5070",
	};
	struct sip_dialog_invite_params p = {
		.ruri = "sip:bob@127.0.0.1:5080", .local = &quirky,
		.content_type = "application/sdp", .body = "v=0\r\n", .body_len = 5,
	};
	const struct sent *bye;

	setup(NULL);
	p.dst.proto = SIP_PROTO_UDP;
	p.timers = ua[0].timers;
	CHECK_INT(sip_dialog_uac_new(ua[0].dt, &p, &user, &ua[0], &ua[0].d), 0);
	CHECK_INT(sip_dialog_invite_send(ua[0].d), 0);
	pump();
	CHECK_INT(sip_dialog_state(ua[1].d), SIP_DIALOG_CONFIRMED);
	CHECK_INT(sip_dialog_end(ua[1].d), 0);
	bye = sent_req(1, "BYE", 0);
	CHECK(bye != NULL);
	CHECK(ly_str_startswith(hdr(bye, "To"), "\"Al \\\"Q\\\" \\\\x\" <sip:alice@127.0.0.1>;p=1;tag="));
	/* bob's local URI is the INVITE's To, which was the Request-URI */
	CHECK(ly_str_startswith(hdr(bye, "From"), "<sip:bob@127.0.0.1:5080>;tag="));
	CHECK_STR(hdr(bye, "Call-ID"), sip_dialog_call_id(ua[0].d));
	pump();
	CHECK_INT(ua[0].why, SIP_DIALOG_END_REMOTE_BYE);
	teardown();
}

TAP_MAIN(
	TAP(test_call_and_bye_from_caller),
	TAP(test_party_text),
	TAP(test_bye_from_callee_and_481),
	TAP(test_rejected),
	TAP(test_unknown_dialog_481),
	TAP(test_session_expires_without_refresh),
	TAP(test_forked_early_dialogs),
	TAP(test_2xx_retransmissions_reacked),
	TAP(test_route_set_uac_loose),
	TAP(test_route_set_strict),
	TAP(test_route_set_uas),
	TAP(test_cseq_out_of_order),
	TAP(test_reinvite_glare),
	TAP(test_hold_and_resume),
	TAP(test_session_refresh_by_update),
	TAP(test_session_422_initial),
	TAP(test_session_refresh_reinvite_422),
	TAP(test_cancel_before_answer),
	TAP(test_end_while_calling),
	TAP(test_invite_resend_after_401),
	TAP(test_2xx_ack_timeout),
	TAP(test_late_2xx_after_user_gone),
	TAP(test_timers_no_and_required),
	TAP(test_timers_yes),
	TAP(test_end_reason)
)
