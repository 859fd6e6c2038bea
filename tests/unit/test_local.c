/* tests/unit/test_local.c - Local channel pairs and `channel originate`. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_harness.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/cli.h"
#include "lyre/format.h"
#include "lyre/frame.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "pbx_int.h"
#include "pbx_test_apps.h"
#include "tap.h"

/* ---- what the halves do, seen through the trace hook and a test app ---- */

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_buf seen;	/* "<channel> <exten>@<context>:<prio> <App>(<args>)" lines */

static void trace_hook(struct ly_channel *c, const char *context, const char *exten,
		       int priority, const char *app, const char *args, void *arg)
{
	const char *name = ly_chan_name(c), *semi = strrchr(name, ';');

	(void)arg;
	pthread_mutex_lock(&seen_lock);
	ly_buf_printf(&seen, "%s %s@%s:%d %s(%s)\n", semi ? semi : name, exten, context, priority,
		      app, args);
	pthread_mutex_unlock(&seen_lock);
}

/* Mark(text): records which half ran it, with what. */
static int mark_exec(struct ly_channel *c, const char *args)
{
	const char *semi = strrchr(ly_chan_name(c), ';');

	pthread_mutex_lock(&seen_lock);
	ly_buf_printf(&seen, "Mark %s %s\n", semi ? semi : ly_chan_name(c), args);
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

static void seen_reset(void)
{
	pthread_mutex_lock(&seen_lock);
	ly_buf_reset(&seen);
	ly_buf_puts(&seen, "");
	pthread_mutex_unlock(&seen_lock);
}

/* Poll (no fixed sleeps): down to n channels within 3 s. */
static bool channels_down_to(unsigned n)
{
	for (int i = 0; i < 300; i++) {
		if (ly_chan_count() <= n)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

static void print_channel(struct ly_channel *c, void *arg)
{
	(void)arg;
	printf("#   still there: %s (%s)\n", ly_chan_name(c), ly_chan_state_name(ly_chan_state(c)));
}

static bool all_channels_gone(void)
{
	if (channels_down_to(0))
		return true;
	ly_chan_foreach(print_channel, NULL);
	return false;
}

static struct ly_chan_tech req_tech = { .type = "Req", .description = "requester" };

/* ---- tests ---- */

static void test_setup(void)
{
	CHECK_INT(dph_setup(), 0);
	tapps_register();
	CHECK_INT(ly_app_register(NULL, &mark_app), 0);
	CHECK_INT(ly_chan_tech_register(NULL, &req_tech), 0);
	ly_buf_init(&seen);
	ly_buf_puts(&seen, "");
	ly_pbx_set_trace_hook(trace_hook, NULL);
	CHECK_INT(dph_load("[l]\n"
			   "exten => 100,1,Answer()\n"
			   " same => n,Mark(${ONCE}-${ALWAYS}-${PLAIN}-${FROM_ONE})\n"
			   " same => n,Wait(5)\n"
			   "exten => 200,1,Hangup(17)\n"
			   "exten => 300,1,Answer()\n same => n,Wait(0.1)\n same => n,Hangup()\n"
			   "[other]\nexten => 400,1,Mark(extension mode)\n"), 0);
}

static struct ly_frame *read_frame(struct ly_channel *c)
{
	return ly_chan_read(c, 1000);
}

/* With nobody calling ;1 the test drives both halves itself. */
static void test_pair_passes_frames(void)
{
	int cause = 0;
	struct ly_channel *one = ly_chan_request("Local", "100@l", NULL, &cause), *two;
	struct ly_frame *f, *voice;
	const char *name;
	char two_name[128];

	CHECK(one != NULL);
	if (!one)
		return;
	name = ly_chan_name(one);
	CHECK(strncmp(name, "Local/100@l-", 12) == 0);
	CHECK(strcmp(name + strlen(name) - 2, ";1") == 0);
	ly_strlcpy(two_name, name, sizeof(two_name));
	two_name[strlen(two_name) - 1] = '2';
	two = ly_chan_find(two_name);
	CHECK(two != NULL);
	if (!two)
		return;
	/* Audio both ways, duplicated. */
	voice = ly_frame_new(LY_FRAME_VOICE, 4);
	memcpy(voice->data, "abcd", 4);
	CHECK_INT(ly_chan_write(one, voice), 0);
	f = read_frame(two);
	CHECK(f && f->type == LY_FRAME_VOICE && f->datalen == 4 && memcmp(f->data, "abcd", 4) == 0);
	CHECK(f != voice);
	ly_frame_free(f);
	CHECK_INT(ly_chan_write(two, voice), 0);
	f = read_frame(one);
	CHECK(f && f->type == LY_FRAME_VOICE);
	ly_frame_free(f);
	ly_frame_free(voice);
	/* Digits become DTMF frames on the other half. */
	f = ly_frame_dtmf_new(LY_FRAME_DTMF_END, '5', 120);
	CHECK_INT(ly_chan_write(one, f), 0);
	ly_frame_free(f);
	f = read_frame(two);
	CHECK(f && f->type == LY_FRAME_DTMF_END && f->digit == '5' && f->duration_ms == 120);
	ly_frame_free(f);
	/* Controls pass; answering ;2 is the answer ;1 sees. */
	CHECK_INT(ly_chan_indicate(two, LY_CONTROL_RINGING), 0);
	f = read_frame(one);
	CHECK(f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_RINGING);
	ly_frame_free(f);
	CHECK_INT(ly_chan_answer(two), 0);
	f = read_frame(one);
	CHECK(f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_ANSWER);
	ly_frame_free(f);
	CHECK_INT(ly_chan_answer(one), 0);
	CHECK_INT(ly_chan_queue_len(two), 0);
	/* Hanging up ;2 queues a hangup on ;1, with its cause, behind what ;2
	 * sent before (a ;2 with no dialplan running is the test's to hang up). */
	CHECK_INT(ly_chan_indicate(two, LY_CONTROL_PROGRESS), 0);
	ly_chan_set_hangupcause(two, 17);
	ly_chan_hangup(two);
	CHECK(!ly_chan_check_hangup(one));
	f = read_frame(one);
	CHECK(f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_PROGRESS);
	ly_frame_free(f);
	f = read_frame(one);
	CHECK(f && f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_HANGUP);
	ly_frame_free(f);
	CHECK(ly_chan_check_hangup(one));
	CHECK(ly_chan_read(one, 0) == NULL);
	CHECK_INT(ly_chan_hangupcause(one), 17);
	CHECK_INT(ly_chan_indicate(one, LY_CONTROL_PROGRESS), EPIPE);
	ly_chan_hangup(one);
	ly_unref(two);
	CHECK(all_channels_gone());
}

static void test_bad_destination(void)
{
	int cause = 0;

	CHECK(ly_chan_request("Local", "@nocontext", NULL, &cause) == NULL);
	CHECK_INT(cause, LY_CAUSE_INVALID_NUMBER_FORMAT);
}

/* ;1 as a caller would drive it: call, then read until ;2 answers or
 * hangs up. */
static int drive_call(struct ly_channel *one, bool *answered)
{
	const struct ly_chan_tech *tech = ly_chan_tech(one);
	int err = tech->call(one, "", 5000);
	struct ly_frame *f;

	*answered = false;
	while (!err && !*answered && (f = ly_chan_read(one, 3000)) != NULL) {
		if (f->type == LY_FRAME_CONTROL && f->control == LY_CONTROL_ANSWER)
			*answered = true;
		ly_frame_free(f);
	}
	return err;
}

static void test_call_inherits_and_propagates(void)
{
	struct ly_channel *req = ly_chan_alloc(&req_tech, NULL, "Req/1"), *one;
	bool answered;
	int cause = 0;

	seen_reset();
	ly_pbx_var_set(req, "_ONCE", "a");
	ly_pbx_var_set(req, "__ALWAYS", "b");
	ly_pbx_var_set(req, "PLAIN", "c");
	ly_chan_set_callerid(req, "Alice", "5551234");
	one = ly_chan_request("Local", "100@l/n", req, &cause);
	CHECK(one != NULL);
	if (!one)
		return;
	ly_chan_var_set(one, "FROM_ONE", "set-on-1");
	CHECK_INT(drive_call(one, &answered), 0);
	CHECK(answered);
	/* ;2 answered, runs Mark with what it inherited, then waits: we hang up. */
	for (int i = 0; i < 300 && !seen_has("Mark ;2"); i++)
		usleep(10 * 1000);
	CHECK(seen_has(";2 100@l:1 Answer()\n"));
	CHECK(seen_has("Mark ;2 a-b--set-on-1\n"));
	ly_chan_hangup(one);
	CHECK(channels_down_to(1));	/* the requester is left */
	/* ;2 hangs up with 17: ;1 sees the hangup and the cause. */
	one = ly_chan_request("Local", "200@l", req, &cause);
	CHECK(one != NULL);
	if (one) {
		CHECK_INT(drive_call(one, &answered), 0);
		CHECK(!answered);
		CHECK(ly_chan_check_hangup(one));
		CHECK_INT(ly_chan_hangupcause(one), 17);
		ly_chan_hangup(one);
	}
	/* No such extension: the call fails at once. */
	one = ly_chan_request("Local", "999@l", req, &cause);
	CHECK(one != NULL);
	if (one) {
		CHECK(ly_chan_tech(one)->call(one, "", 1000) != 0);
		ly_chan_hangup(one);
	}
	ly_chan_hangup(req);
	CHECK(all_channels_gone());
}

static void test_originate(void)
{
	struct ly_buf out;

	seen_reset();
	ly_buf_init(&out);
	CHECK_INT(ly_cli_execute("channel originate Local/300@l application Mark hello world",
				 &out), LY_CLI_SUCCESS);
	CHECK(strstr(ly_buf_str(&out), "Originating") != NULL);
	for (int i = 0; i < 300 && !seen_has("Mark ;1"); i++)
		usleep(10 * 1000);
	CHECK(seen_has(";2 300@l:1 Answer()\n"));
	CHECK(seen_has("Mark ;1 hello world\n"));
	CHECK(all_channels_gone());

	seen_reset();
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_execute("channel originate Local/300@l extension 400@other", &out),
		  LY_CLI_SUCCESS);
	for (int i = 0; i < 300 && !seen_has("Mark ;1"); i++)
		usleep(10 * 1000);
	CHECK(seen_has(";1 400@other:1 Mark(extension mode)\n"));
	CHECK(seen_has("Mark ;1 extension mode\n"));
	CHECK(all_channels_gone());

	ly_buf_reset(&out);
	CHECK_INT(ly_cli_execute("channel originate Local/300@l sideways x", &out),
		  LY_CLI_FAILURE);
	CHECK(strstr(ly_buf_str(&out), "Usage: channel originate") != NULL);
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("channel originate Local/1@l ap", &out), 1);
	CHECK_STR(ly_buf_str(&out), "application\n");
	ly_buf_free(&out);
}

static void test_teardown(void)
{
	ly_pbx_set_trace_hook(NULL, NULL);
	ly_app_unregister(&mark_app);
	ly_chan_tech_unregister(&req_tech);
	tapps_unregister();
	ly_buf_free(&seen);
	dph_teardown();
	CHECK_INT(ly_chan_count(), 0);
}

TAP_MAIN(TAP(test_setup), TAP(test_pair_passes_frames), TAP(test_bad_destination),
	 TAP(test_call_inherits_and_propagates), TAP(test_originate), TAP(test_teardown))
