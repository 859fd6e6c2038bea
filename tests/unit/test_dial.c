/* tests/unit/test_dial.c - Dial() with Local destinations through the real runner, and the core bridge. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dp_harness.h"
#include "lyre/app.h"
#include "lyre/bridge.h"
#include "lyre/channel.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/module.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "lyre/rtp.h"
#include "tap.h"

/* The module and the codecs are linked into this test (see module.am). */
extern const struct ly_module_info app_dial_LTX_lyre_module_info;
extern const struct ly_module_info codec_slin_LTX_lyre_module_info;
extern const struct ly_module_info codec_g711_LTX_lyre_module_info;

/* ---- Mark(text): what the callee halves saw ---- */

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_buf seen;

static int mark_exec(struct ly_channel *c, const char *args)
{
	(void)c;
	pthread_mutex_lock(&seen_lock);
	ly_buf_printf(&seen, "%s\n", args);
	pthread_mutex_unlock(&seen_lock);
	return 0;
}

static struct ly_app mark_app = { .name = "Mark", .exec = mark_exec };

static bool seen_has(const char *text)
{
	bool found;

	pthread_mutex_lock(&seen_lock);
	found = strstr(ly_buf_str(&seen), text) != NULL;
	pthread_mutex_unlock(&seen_lock);
	return found;
}

/* The callee half of Local/<exten>@callee ran its h extension with `cause`. */
static bool callee_ended(const char *exten, int cause)
{
	char prefix[64], suffix[32];
	bool found = false;

	snprintf(prefix, sizeof(prefix), "h Local/%s@callee-", exten);
	snprintf(suffix, sizeof(suffix), ";2 %d", cause);
	for (int i = 0; i < 300 && !found; i++) {
		pthread_mutex_lock(&seen_lock);
		for (const char *line = ly_buf_str(&seen); line && *line && !found;) {
			const char *end = strchr(line, '\n');
			size_t len = end ? (size_t)(end - line) : strlen(line);

			found = strncmp(line, prefix, strlen(prefix)) == 0 && len >= strlen(suffix) &&
				strncmp(line + len - strlen(suffix), suffix, strlen(suffix)) == 0;
			line = end ? end + 1 : NULL;
		}
		pthread_mutex_unlock(&seen_lock);
		if (!found)
			usleep(10 * 1000);
	}
	return found;
}

static bool channels_gone(void)
{
	for (int i = 0; i < 300 && ly_chan_count() > 0; i++)
		usleep(10 * 1000);
	return ly_chan_count() == 0;
}

static long long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000LL + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static const char *const plan =
	"[callee]\n"
	"exten => 200,1,Wait(0.1)\n same => n,Answer()\n same => n,Wait(0.2)\n"
	" same => n,Hangup(16)\n"
	"exten => 201,1,Busy()\n"
	"exten => 202,1,Ringing()\n same => n,Wait(10)\n"
	"exten => 203,1,Congestion()\n"
	"exten => 204,1,Answer()\n same => n,Wait(10)\n"
	"exten => 205,1,Mark(v1 ${ONCE}-${ALWAYS}-${PLAIN})\n"
	" same => n,Dial(Local/206@callee,2)\n"
	"exten => 206,1,Mark(v2 ${ONCE}-${ALWAYS})\n same => n,Hangup()\n"
	"exten => h,1,Mark(h ${CHANNEL} ${HANGUPCAUSE})\n"
	"[caller]\n"
	"exten => answer,1,Dial(Local/200@callee,5)\n same => n,Set(AFTER=1)\n"
	"exten => goon,1,Dial(Local/200@callee,5,g)\n same => n,Set(AFTER=1)\n"
	"exten => busy,1,Dial(Local/201@callee,5)\n same => n,Set(AFTER=1)\n"
	"exten => congestion,1,Dial(Local/203@callee)\n"
	"exten => noanswer,1,Dial(Local/202@callee,0.3)\n same => n,Set(AFTER=1)\n"
	"exten => nochan,1,Dial(Nope/1&Local/999@nowhere,2)\n same => n,Set(AFTER=1)\n"
	"exten => noargs,1,Dial()\n same => n,Set(AFTER=1)\n"
	"exten => parallel,1,Dial(Local/202@callee&Local/200@callee&Local/201@callee,5,r)\n"
	"exten => limit,1,Dial(Local/204@callee,5,L(300:200:50))\n same => n,Set(AFTER=1)\n"
	"exten => limitg,1,Dial(Local/204@callee,5,gL(200))\n same => n,Set(AFTER=1)\n"
	"exten => inherit,1,Set(_ONCE=o)\n same => n,Set(__ALWAYS=a)\n same => n,Set(PLAIN=p)\n"
	" same => n,Dial(Local/205@callee,5,tTm)\n"
	"exten => cancel,1,Dial(Local/202@callee,10)\n"
	"exten => talk,1,Dial(Local/204@callee,10)\n";

static void test_setup(void)
{
	CHECK_INT(dph_setup(), 0);
	CHECK_INT(codec_slin_LTX_lyre_module_info.load(NULL), 0);
	CHECK_INT(codec_g711_LTX_lyre_module_info.load(NULL), 0);
	CHECK_INT(app_dial_LTX_lyre_module_info.load(NULL), 0);
	CHECK_INT(ly_app_register(NULL, &mark_app), 0);
	ly_buf_init(&seen);
	ly_buf_puts(&seen, "");
	CHECK_INT(dph_load(plan), 0);
	if (dph_error()[0])
		printf("# %s\n", dph_error());
}

/* Run caller's exten; checks the status and that everything went away. */
static struct dph_call *dial(const char *exten, const char *status, int timeout_ms)
{
	struct dph_call *c = dph_run("caller", exten, "555", NULL, timeout_ms);

	CHECK_STR(dph_var(c, "DIALSTATUS"), status);
	CHECK(channels_gone());
	return c;
}

static void test_answer(void)
{
	struct timespec t0;
	struct dph_call *c;
	const char *peer;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = dial("answer", "ANSWER", 3000);
	CHECK(!dph_timed_out(c));
	CHECK(elapsed_ms(&t0) >= 250);
	peer = dph_var(c, "DIALEDPEERNAME");
	CHECK(peer && strncmp(peer, "Local/200@callee-", 17) == 0 &&
	      strcmp(peer + strlen(peer) - 2, ";1") == 0);
	CHECK_STR(dph_var(c, "DIALEDPEERNUMBER"), "200@callee");
	CHECK_STR(dph_var(c, "ANSWEREDTIME"), "0");
	CHECK_STR(dph_var(c, "DIALEDTIME"), "0");
	CHECK(dph_var(c, "AFTER") == NULL);	/* no g: the callee's hangup ends the call */
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_NORMAL_CLEARING);
	dph_free(c);
}

static void test_go_on(void)
{
	struct dph_call *c = dial("goon", "ANSWER", 3000);

	CHECK_STR(dph_var(c, "AFTER"), "1");
	dph_free(c);
}

static void test_busy_congestion(void)
{
	struct dph_call *c = dial("busy", "BUSY", 3000);

	CHECK_STR(dph_var(c, "AFTER"), "1");
	CHECK(dph_var(c, "ANSWEREDTIME") == NULL);
	CHECK_STR(dph_var(c, "DIALEDTIME"), "0");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_USER_BUSY);	/* the callee's cause */
	dph_free(c);
	c = dial("congestion", "CONGESTION", 3000);
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_NORMAL_CIRCUIT_CONGESTION);
	dph_free(c);
}

static void test_noanswer(void)
{
	struct timespec t0;
	struct dph_call *c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = dial("noanswer", "NOANSWER", 3000);
	/* Under the 3 s wait: the dial timeout ended it (loaded CI: margin). */
	CHECK(elapsed_ms(&t0) >= 300 && elapsed_ms(&t0) < 2900);
	CHECK_STR(dph_var(c, "AFTER"), "1");
	CHECK(callee_ended("202", 19));	/* the callee heard NO_ANSWER */
	dph_free(c);
}

static void test_chanunavail(void)
{
	struct dph_call *c = dial("nochan", "CHANUNAVAIL", 3000);

	CHECK_STR(dph_var(c, "AFTER"), "1");
	dph_free(c);
	c = dph_run("caller", "noargs", NULL, NULL, 3000);
	CHECK(dph_var(c, "AFTER") == NULL);	/* Dial() with nothing hangs up */
	CHECK(dph_var(c, "DIALSTATUS") == NULL);
	dph_free(c);
}

/* 202 rings, 201 is busy at once, 200 answers: 200 wins, 202 is told
 * ANSWERED_ELSEWHERE. */
static void test_parallel_first_answer_wins(void)
{
	struct dph_call *c = dial("parallel", "ANSWER", 3000);

	CHECK_STR(dph_var(c, "DIALEDPEERNUMBER"), "200@callee");
	CHECK(callee_ended("202", 26));
	CHECK(callee_ended("201", 17));
	dph_free(c);
}

static void test_limit(void)
{
	struct timespec t0;
	struct dph_call *c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	c = dial("limit", "ANSWER", 3000);	/* 204 would stay 10 s */
	CHECK(!dph_timed_out(c));
	/* Under the 3 s wait: the dial timeout ended it (loaded CI: margin). */
	CHECK(elapsed_ms(&t0) >= 300 && elapsed_ms(&t0) < 2900);
	CHECK(dph_var(c, "AFTER") == NULL);
	CHECK(callee_ended("204", 16));
	dph_free(c);
	c = dial("limitg", "ANSWER", 3000);
	CHECK_STR(dph_var(c, "AFTER"), "1");
	dph_free(c);
}

static void test_inheritance(void)
{
	struct dph_call *c = dial("inherit", "NOANSWER", 3000);

	/* ;2 of 205 gets what ;1 inherited (_ONCE once, __ALWAYS); the next
	 * Dial hands on only __ALWAYS. */
	CHECK(seen_has("v1 o-a-\n"));
	CHECK(seen_has("v2 -a\n"));
	dph_free(c);
}

static void test_cancel_and_caller_hangup(void)
{
	struct dph_call *c = dial("cancel", "CANCEL", 300);

	CHECK(dph_timed_out(c));
	CHECK(callee_ended("202", 16));
	dph_free(c);
	c = dial("talk", "ANSWER", 300);	/* the caller hangs up mid-call */
	CHECK(dph_timed_out(c));
	CHECK(dph_var(c, "ANSWEREDTIME") != NULL);
	dph_free(c);
}

/* ---- the bridge on its own: two Local pairs, the test at both far ends ---- */

struct leg_pair {
	struct ly_channel *near, *far;	/* ;1 (bridged), ;2 (the test) */
};

static bool pair_new(struct leg_pair *p)
{
	int cause = 0;
	char name[128];

	p->near = ly_chan_request("Local", "1@nowhere", NULL, &cause);
	if (!p->near)
		return false;
	ly_strlcpy(name, ly_chan_name(p->near), sizeof(name));
	name[strlen(name) - 1] = '2';
	p->far = ly_chan_find(name);
	ly_ref(p->near);
	return p->far != NULL;
}

/* Far end first: a ;1 hung up while its ;2 never ran takes ;2 with it. */
static void pair_free(struct leg_pair *p)
{
	ly_chan_hangup(p->far);
	ly_chan_hangup(p->near);
	ly_unref(p->far);
	ly_unref(p->near);
}

struct bridge_run {
	struct leg_pair a, b;
	struct ly_bridge_config cfg;
	enum ly_bridge_end end;
	int warnings;
};

static void count_warning(struct ly_channel *a, struct ly_channel *b, long long left, void *arg)
{
	struct bridge_run *r = arg;

	(void)a;
	(void)b;
	(void)left;
	r->warnings++;
}

static void *bridge_thread(void *arg)
{
	struct bridge_run *r = arg;

	r->end = ly_bridge_call(r->a.near, r->b.near, &r->cfg);
	return NULL;
}

static struct ly_frame *g711(const char *fmt, uint8_t byte)
{
	uint8_t data[160];

	memset(data, byte, sizeof(data));
	return ly_frame_voice_new(ly_format_find(fmt), 160, data, sizeof(data));
}

static void send_from(struct ly_channel *far, struct ly_frame *f)
{
	CHECK_INT(ly_chan_write(far, f), 0);
	ly_frame_free(f);
}

/* The next frame the far end gets, all its bytes equal to `byte`. */
static void expect_voice(struct ly_channel *far, const char *fmt, uint8_t byte)
{
	struct ly_frame *f = ly_chan_read(far, 1000);
	bool same = f && f->datalen == 160;

	for (size_t i = 0; same && i < f->datalen; i++)
		same = f->data[i] == byte;
	CHECK(f && f->type == LY_FRAME_VOICE && f->format && strcmp(f->format->name, fmt) == 0);
	CHECK(same);
	ly_frame_free(f);
}

static void expect_type(struct ly_channel *far, enum ly_frame_type type, int detail)
{
	struct ly_frame *f = ly_chan_read(far, 1000);

	CHECK(f && f->type == type);
	if (f && type == LY_FRAME_CONTROL)
		CHECK_INT(f->control, detail);
	if (f && type == LY_FRAME_DTMF_END)
		CHECK_INT(f->digit, detail);
	ly_frame_free(f);
}

static void test_bridge_frames_and_translation(void)
{
	struct bridge_run r = { 0 };
	pthread_t tid;

	if (!pair_new(&r.a) || !pair_new(&r.b)) {
		CHECK(0);
		return;
	}
	ly_chan_set_native_format(r.a.near, ly_format_find("ulaw"));
	ly_chan_set_native_format(r.b.near, ly_format_find("alaw"));
	CHECK_INT(pthread_create(&tid, NULL, bridge_thread, &r), 0);
	/* Silence is 0xff in u-law and 0xd5 in A-law; 0x80 / 0xaa are the
	 * loudest positive samples of each. */
	send_from(r.a.far, g711("ulaw", 0xff));
	expect_voice(r.b.far, "alaw", 0xd5);
	send_from(r.b.far, g711("alaw", 0xaa));
	expect_voice(r.a.far, "ulaw", 0x80);
	send_from(r.b.far, g711("ulaw", 0x80));	/* already a's format: untouched */
	expect_voice(r.a.far, "ulaw", 0x80);
	send_from(r.a.far, ly_frame_control_new(LY_CONTROL_HOLD));
	expect_type(r.b.far, LY_FRAME_CONTROL, LY_CONTROL_HOLD);
	send_from(r.b.far, ly_frame_control_new(LY_CONTROL_UNHOLD));
	expect_type(r.a.far, LY_FRAME_CONTROL, LY_CONTROL_UNHOLD);
	send_from(r.a.far, ly_frame_dtmf_new(LY_FRAME_DTMF_END, '5', 100));
	expect_type(r.b.far, LY_FRAME_DTMF_END, '5');
	send_from(r.b.far, ly_frame_text_new("hi"));
	expect_type(r.a.far, LY_FRAME_TEXT, 0);
	/* b's far end hangs up: the bridge ends on b's side. */
	ly_chan_hangup(r.b.far);
	pthread_join(tid, NULL);
	CHECK_INT(r.end, LY_BRIDGE_END_B);
	pair_free(&r.a);
	ly_chan_hangup(r.b.near);
	ly_unref(r.b.far);
	ly_unref(r.b.near);
	CHECK(channels_gone());
}

static void test_bridge_limit(void)
{
	struct bridge_run r = { .cfg = { .limit_ms = 200, .warning_ms = 150,
					 .warning_repeat_ms = 40 } };
	struct timespec t0;
	pthread_t tid;

	if (!pair_new(&r.a) || !pair_new(&r.b)) {
		CHECK(0);
		return;
	}
	r.cfg.warning = count_warning;
	r.cfg.warning_arg = &r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(pthread_create(&tid, NULL, bridge_thread, &r), 0);
	pthread_join(tid, NULL);
	CHECK_INT(r.end, LY_BRIDGE_END_LIMIT);
	CHECK(elapsed_ms(&t0) >= 195 && elapsed_ms(&t0) < 1500);	/* whole ms */
	CHECK(r.warnings >= 2 && r.warnings <= 4);	/* at 50, 90, 130, 170 ms */
	printf("# %d warnings\n", r.warnings);
	pair_free(&r.a);
	pair_free(&r.b);
	CHECK(channels_gone());
}

/* ---- the native hook: a fake RTP engine and a technology that has sessions ---- */

static int fake_relays, fake_unrelays, rtp_indications;
static void *fake_relay_a, *fake_relay_b;

static int fake_create(int family, const struct sockaddr *bind_addr, void **pvt)
{
	(void)family;
	(void)bind_addr;
	*pvt = ly_calloc(1, 1);
	return 0;
}

static void fake_destroy(void *pvt)
{
	free(pvt);
}

static int fake_relay(void *a, void *b)
{
	fake_relays++;
	fake_relay_a = a;
	fake_relay_b = b;
	return 0;
}

static int fake_unrelay(void *a)
{
	CHECK(a == fake_relay_a);
	fake_unrelays++;
	return 0;
}

static struct ly_rtp_engine fake_engine = { .name = "fake", .create = fake_create,
	.destroy = fake_destroy, .relay = fake_relay, .unrelay = fake_unrelay };

static struct ly_rtp *rtp_of(struct ly_channel *c)
{
	return ly_chan_tech_pvt(c);
}

static int rtp_indicate(struct ly_channel *c, enum ly_control control)
{
	(void)c;
	if (control == LY_CONTROL_HOLD)
		rtp_indications++;
	return 0;
}

static struct ly_chan_tech rtp_tech = { .type = "RtpTest", .description = "has RTP",
	.indicate = rtp_indicate, .get_rtp = rtp_of };

static struct ly_channel *rtp_chan(const char *fmt)
{
	struct ly_rtp *rtp = NULL;
	struct ly_channel *c;

	CHECK_INT(ly_rtp_new("fake", AF_INET, NULL, &rtp), 0);
	c = ly_chan_alloc(&rtp_tech, rtp, "RtpTest/%s", fmt);
	ly_chan_set_native_format(c, ly_format_find(fmt));
	return ly_ref(c);
}

static void rtp_chan_free(struct ly_channel *c)
{
	struct ly_rtp *rtp = rtp_of(c);

	ly_chan_hangup(c);
	ly_rtp_destroy(rtp);
	ly_unref(c);
}

/* Same format: the sessions are relayed, signalling still moves, and the
 * relay is undone at the end.  Different formats: frames, no relay. */
static void test_bridge_native(void)
{
	struct ly_channel *a, *b;

	CHECK_INT(ly_rtp_engine_register(NULL, &fake_engine), 0);
	CHECK_INT(ly_chan_tech_register(NULL, &rtp_tech), 0);
	a = rtp_chan("ulaw");
	b = rtp_chan("ulaw");
	ly_chan_queue_control(a, LY_CONTROL_HOLD);
	ly_chan_queue_control(b, LY_CONTROL_HANGUP);
	CHECK_INT(ly_bridge_call(a, b, NULL), LY_BRIDGE_END_B);
	CHECK_INT(fake_relays, 1);
	CHECK_INT(fake_unrelays, 1);
	CHECK_INT(rtp_indications, 1);
	CHECK(fake_relay_a && fake_relay_b && fake_relay_a != fake_relay_b);
	rtp_chan_free(b);
	b = rtp_chan("alaw");
	ly_chan_softhangup(a, LY_CAUSE_NORMAL_CLEARING);
	CHECK_INT(ly_bridge_call(a, b, NULL), LY_BRIDGE_END_A);
	CHECK_INT(fake_relays, 1);
	rtp_chan_free(a);
	rtp_chan_free(b);
	ly_chan_tech_unregister(&rtp_tech);
	ly_rtp_engine_unregister(&fake_engine);
	CHECK(channels_gone());
}

static void test_teardown(void)
{
	struct ly_app *dial_app = ly_app_acquire("Dial");

	if (dial_app) {
		ly_app_release(dial_app);
		ly_app_unregister(dial_app);
	}
	ly_app_unregister(&mark_app);
	ly_buf_free(&seen);
	dph_teardown();
	CHECK_INT(ly_chan_count(), 0);
}

TAP_MAIN(TAP(test_setup), TAP(test_answer), TAP(test_go_on), TAP(test_busy_congestion),
	 TAP(test_noanswer), TAP(test_chanunavail), TAP(test_parallel_first_answer_wins),
	 TAP(test_limit), TAP(test_inheritance), TAP(test_cancel_and_caller_hangup),
	 TAP(test_bridge_frames_and_translation), TAP(test_bridge_limit), TAP(test_bridge_native),
	 TAP(test_teardown))
