/* tests/unit/test_apps.c - the core dialplan applications, run through the dialplan harness. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dp_harness.h"
#include "log.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/utils.h"
#include "media_int.h"
#include "tap.h"
#include "xmldoc.h"

/* ---- what the applications log ---- */

static pthread_mutex_t logged_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_buf logged;

static void capture_sink(void *arg, enum ly_log_level level, const char *line)
{
	(void)arg;
	if (level > LY_LOG_NOTICE)
		return;
	pthread_mutex_lock(&logged_lock);
	ly_buf_puts(&logged, line);
	ly_buf_puts(&logged, "\n");
	pthread_mutex_unlock(&logged_lock);
}

static void logged_reset(void)
{
	pthread_mutex_lock(&logged_lock);
	ly_buf_reset(&logged);
	ly_buf_puts(&logged, "");
	pthread_mutex_unlock(&logged_lock);
}

/* Does one logged line hold both a and b? */
static bool logged_line_has(const char *a, const char *b)
{
	bool found = false;
	char *copy, *save = NULL;

	pthread_mutex_lock(&logged_lock);
	copy = ly_strdup(ly_buf_str(&logged));
	pthread_mutex_unlock(&logged_lock);
	for (char *line = strtok_r(copy, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = strstr(line, a) && strstr(line, b);
	free(copy);
	return found;
}

/* ---- running ---- */

static struct dph_call *run_plan(const char *plan, const char *context, const char *exten,
				 const char *dtmf)
{
	int err = dph_load(plan);

	if (err)
		printf("# dph_load: %s\n", dph_error());
	CHECK_INT(err, 0);
	logged_reset();
	return dph_run(context, exten, NULL, dtmf, 3000);
}

static void check_trace(const struct dph_call *call, const char *expect)
{
	CHECK_STR(dph_trace(call), expect);
	CHECK(!dph_timed_out(call));
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static time_t utc(int y, int mon, int d, int h, int min)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = min };

	return timegm(&tm);
}

static void test_setup(void)
{
	ly_buf_init(&logged);
	logged_reset();
	CHECK_INT(dph_setup(), 0);
	ly_log_add_sink(capture_sink, NULL);
}

/* ---- call state and logging ---- */

static void test_basic_apps(void)
{
	struct dph_call *c = run_plan(
		"[basic]\n"
		"exten => 100,1,Answer()\n"
		" same => n,NoOp(anything, with commas)\n"
		" same => n,Verbose(2,hello, world)\n"
		" same => n,Log(NOTICE,logged here, with a comma)\n"
		" same => n,Progress()\n"
		" same => n,Ringing()\n"
		" same => n,Wait(0.05)\n"
		" same => n,Set(X=a=b,c)\n"
		" same => n,Hangup(17)\n"
		" same => n,NoOp(not reached)\n", "basic", "100", NULL);

	check_trace(c, "100@basic:1 Answer()\n"
		       "100@basic:2 NoOp(anything, with commas)\n"
		       "100@basic:3 Verbose(2,hello, world)\n"
		       "100@basic:4 Log(NOTICE,logged here, with a comma)\n"
		       "100@basic:5 Progress()\n"
		       "100@basic:6 Ringing()\n"
		       "100@basic:7 Wait(0.05)\n"
		       "100@basic:8 Set(X=a=b,c)\n"
		       "100@basic:9 Hangup(17)\n");
	CHECK_STR(dph_var(c, "X"), "a=b,c");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_USER_BUSY);
	/* Log() names the dialplan line it was written on. */
	CHECK(logged_line_has("extensions.conf:5", "logged here, with a comma"));
	dph_free(c);
}

static void test_hangup_causes(void)
{
	static const struct {
		const char *args;
		int cause;
	} cases[] = {
		{ "", LY_CAUSE_NORMAL_CLEARING },
		{ "21", LY_CAUSE_CALL_REJECTED },
		{ "USER_BUSY", LY_CAUSE_USER_BUSY },
		{ "not_a_cause", LY_CAUSE_NORMAL_CLEARING },	/* a warning, then 16 */
		{ "AST_CAUSE_NO_ANSWER", LY_CAUSE_NO_ANSWER },
		{ "NORMAL_CIRCUIT_CONGESTION", LY_CAUSE_NORMAL_CIRCUIT_CONGESTION },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		char plan[128];
		struct dph_call *c;
		snprintf(plan, sizeof(plan), "[h]\nexten => 1,1,Hangup(%s)\n same => n,NoOp()\n",
			 cases[i].args);
		c = run_plan(plan, "h", "1", NULL);
		CHECK_INT(count_lines(dph_trace(c)), 1);
		CHECK_INT(dph_hangupcause(c), cases[i].cause);
		dph_free(c);
	}
}

static void test_busy_congestion(void)
{
	const char *plan =
		"[b]\n"
		"exten => busy,1,Busy(0.05)\n"
		" same => n,NoOp(not reached)\n"
		"exten => cong,1,Congestion(0.05)\n"
		"exten => up,1,Answer()\n"
		" same => n,Busy(0.05)\n";
	struct dph_call *c = run_plan(plan, "b", "busy", NULL);

	check_trace(c, "busy@b:1 Busy(0.05)\n");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_USER_BUSY);
	dph_free(c);
	c = run_plan(plan, "b", "cong", NULL);
	check_trace(c, "cong@b:1 Congestion(0.05)\n");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_NORMAL_CIRCUIT_CONGESTION);
	dph_free(c);
	/* An answered call only hears the tone: the cause stays normal. */
	c = run_plan(plan, "b", "up", NULL);
	check_trace(c, "up@b:1 Answer()\nup@b:2 Busy(0.05)\n");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_NORMAL_CLEARING);
	dph_free(c);
}

/* In h the channel is already hung up: Wait must not block. */
static void test_wait_in_h(void)
{
	uint64_t start = ly_now_ms();
	struct dph_call *c = run_plan(
		"[w]\n"
		"exten => 1,1,Hangup()\n"
		"exten => h,1,Wait(5)\n"
		" same => n,Set(H=reached)\n", "w", "1", NULL);

	check_trace(c, "1@w:1 Hangup()\nh@w:1 Wait(5)\n");
	CHECK(dph_var(c, "H") == NULL);
	CHECK(ly_now_ms() - start < 2000);
	dph_free(c);
}

/* ---- variables ---- */

static void test_set_mset_importvar(void)
{
	struct dph_call *c = run_plan(
		"[v]\n"
		"exten => 1,1,Set(X=first)\n"
		" same => n,Set(NOEQUALS)\n"
		" same => n,MSet(A=1,B=\"2,3\",C,D=x=y)\n"
		" same => n,ImportVar(Y=${CHANNEL},X)\n"
		" same => n,ImportVar(Z=NoSuch/1,X)\n"
		" same => n,Set(__INH=yes)\n", "v", "1", NULL);

	CHECK_STR(dph_var(c, "X"), "first");
	CHECK_STR(dph_var(c, "A"), "1");
	CHECK_STR(dph_var(c, "B"), "2,3");
	CHECK(dph_var(c, "C") == NULL);
	CHECK_STR(dph_var(c, "D"), "x=y");
	CHECK_STR(dph_var(c, "Y"), "first");
	CHECK_STR(dph_var(c, "Z"), "");
	CHECK_STR(dph_var(c, "INH"), "yes");
	CHECK(dph_var(c, "NOEQUALS") == NULL);
	CHECK(logged_line_has("extensions.conf:3", "'='"));
	CHECK(logged_line_has("extensions.conf:4", "'C'"));
	dph_free(c);
}

/* ---- jumps ---- */

static void test_goto_gotoif(void)
{
	const char *plan =
		"[g]\n"
		"exten => 100,1,Goto(200,1)\n"
		"exten => 200,1,GotoIf($[1 = 1]?yes:no)\n"
		" same => n(no),Set(R=no)\n"
		" same => n(yes),Set(R=yes)\n"
		" same => n,GotoIf(0?no:skip)\n"
		" same => n,NoOp(skipped)\n"
		" same => n(skip),GotoIf(1?)\n"
		" same => n,GotoIf( 0?no)\n"
		" same => n,GotoIf(0abc?no)\n"
		" same => n,GotoIf(?no)\n"
		" same => n,GotoIf(text?g,300,1:no)\n"
		"exten => 300,1,Goto(g,400,end)\n"
		"exten => 400,1,NoOp(no)\n"
		" same => n(end),Goto(nowhere,1,1)\n"
		" same => n,NoOp(not reached)\n";
	struct dph_call *c = run_plan(plan, "g", "100", NULL);

	check_trace(c, "100@g:1 Goto(200,1)\n"
		       "200@g:1 GotoIf(1?yes:no)\n"
		       "200@g:3 Set(R=yes)\n"
		       "200@g:4 GotoIf(0?no:skip)\n"
		       "200@g:6 GotoIf(1?)\n"
		       "200@g:7 GotoIf( 0?no)\n"
		       "200@g:8 GotoIf(0abc?no)\n"
		       "200@g:9 GotoIf(?no)\n"
		       "200@g:10 GotoIf(text?g,300,1:no)\n"
		       "300@g:1 Goto(g,400,end)\n"
		       "400@g:2 Goto(nowhere,1,1)\n");
	CHECK_STR(dph_var(c, "R"), "yes");
	dph_free(c);
}

static void test_gotoiftime(void)
{
	const char *plan =
		"[t]\n"
		"exten => 1,1,GotoIfTime(9:00-17:00,mon-fri,*,*?open,1:closed,1)\n"
		"exten => 2,1,GotoIfTime(9:00-17:00,*,*,*,Europe/Paris?open,1:closed,1)\n"
		"exten => 3,1,GotoIfTime(25:00-26:00,*,*,*?open,1:closed,1)\n"
		"exten => 4,1,GotoIfTime(9:00-17:00|sat&sun|*|*?open,1)\n"
		" same => n,Set(R=weekday)\n"
		"exten => open,1,Set(R=open)\n"
		"exten => closed,1,Set(R=closed)\n"
		"[timed]\n"
		"exten => 5,1,Set(R=office hours)\n"
		"[closed]\n"
		"exten => 5,1,Set(R=after hours)\n"
		"[inc]\n"
		"include => timed,9:00-17:00,mon-fri,*,*\n"
		"include => closed\n";
	static const struct {
		const char *exten;
		time_t when;
		const char *context, *expect;
	} cases[] = {
		{ "1", 0, "t", "open" },		/* Monday 10:00 UTC */
		{ "1", 1, "t", "closed" },		/* Saturday */
		{ "2", 2, "t", "closed" },		/* 16:30 UTC is 17:30 in Paris */
		{ "2", 0, "t", "open" },
		{ "3", 0, "t", "closed" },		/* invalid: the false branch */
		{ "4", 0, "t", "weekday" },		/* no false label: next priority */
		{ "4", 1, "t", "open" },
		{ "5", 0, "inc", "office hours" },	/* a time-restricted include */
		{ "5", 1, "inc", "after hours" },
	};
	const time_t clocks[] = { utc(2024, 1, 15, 10, 0), utc(2024, 1, 20, 10, 0),
				  utc(2024, 1, 15, 16, 30) };

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		struct dph_call *c;

		dph_set_clock(clocks[cases[i].when]);
		c = run_plan(plan, cases[i].context, cases[i].exten, NULL);
		if (!dph_var(c, "R") || strcmp(dph_var(c, "R"), cases[i].expect) != 0)
			printf("# case %zu\n", i);
		CHECK_STR(dph_var(c, "R"), cases[i].expect);
		if (strcmp(cases[i].exten, "3") == 0)
			CHECK(logged_line_has("extensions.conf:4", "time range"));
		dph_free(c);
	}
	dph_set_clock(0);
}

static void test_execif(void)
{
	struct dph_call *c = run_plan(
		"[e]\n"
		"exten => 1,1,ExecIf(1?Set(A=1):Set(B=2))\n"
		" same => n,ExecIf(0?Set(C=1):Set(D=(x:y)))\n"
		" same => n,ExecIf(0?Set(E=1))\n"
		" same => n,ExecIf(1?Goto(jump))\n"
		" same => n,NoOp(skipped)\n"
		" same => n(jump),ExecIf(1?Hangup(21))\n"
		" same => n,NoOp(not reached)\n", "e", "1", NULL);

	check_trace(c, "1@e:1 ExecIf(1?Set(A=1):Set(B=2))\n"
		       "1@e:2 ExecIf(0?Set(C=1):Set(D=(x:y)))\n"
		       "1@e:3 ExecIf(0?Set(E=1))\n"
		       "1@e:4 ExecIf(1?Goto(jump))\n"
		       "1@e:6 ExecIf(1?Hangup(21))\n");
	CHECK_STR(dph_var(c, "A"), "1");
	CHECK(dph_var(c, "B") == NULL);
	CHECK(dph_var(c, "C") == NULL);
	CHECK_STR(dph_var(c, "D"), "(x:y)");
	CHECK(dph_var(c, "E") == NULL);
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_CALL_REJECTED);
	dph_free(c);
}

/* ---- Gosub ---- */

static void test_gosub_args_return(void)
{
	struct dph_call *c = run_plan(
		"[main]\n"
		"exten => 100,1,Set(ARG1=outer)\n"
		" same => n,Gosub(sub,s,1(a,b c,\"q,r\"))\n"
		" same => n,Set(RET=${GOSUB_RETVAL})\n"
		" same => n,Set(AFTER=${ARG1})\n"
		"[sub]\n"
		"exten => s,1,Set(IN1=${ARG1})\n"
		" same => n,Set(IN2=${ARG2})\n"
		" same => n,Set(IN3=${ARG3})\n"
		" same => n,Set(INC=${ARGC})\n"
		" same => n,Return(${ARG1}${ARG2})\n", "main", "100", NULL);

	check_trace(c, "100@main:1 Set(ARG1=outer)\n"
		       "100@main:2 Gosub(sub,s,1(a,b c,\"q,r\"))\n"
		       "s@sub:1 Set(IN1=a)\n"
		       "s@sub:2 Set(IN2=b c)\n"
		       "s@sub:3 Set(IN3=\"q,r\")\n"
		       "s@sub:4 Set(INC=3)\n"
		       "s@sub:5 Return(ab c)\n"
		       "100@main:3 Set(RET=ab c)\n"
		       "100@main:4 Set(AFTER=outer)\n");
	CHECK_STR(dph_var(c, "RET"), "ab c");
	CHECK_STR(dph_var(c, "AFTER"), "outer");
	/* The frame's variables went with it. */
	CHECK(dph_var(c, "ARG2") == NULL);
	CHECK(dph_var(c, "ARGC") == NULL);
	dph_free(c);
}

static void test_gosub_nested_local(void)
{
	struct dph_call *c = run_plan(
		"[main]\n"
		"exten => 100,1,Gosub(outer,s,1(x,y))\n"
		" same => n,Set(FINAL=${GOSUB_RETVAL}/${LOCAL(V)}/${V})\n"
		"[outer]\n"
		"exten => s,1,Set(LOCAL(V)=outer)\n"
		" same => n,Gosub(inner,s,1(z))\n"
		" same => n,Set(O_AFTER=${V}/${ARG1}/${ARG2}/${GOSUB_RETVAL})\n"
		" same => n,Return(${V})\n"
		"[inner]\n"
		"exten => s,1,Set(I_ARGS=${ARG1}/${ARG2}/${ARGC})\n"
		" same => n,Set(I_V=${LOCAL(V)}|${V})\n"
		" same => n,Set(LOCAL(V)=inner)\n"
		" same => n,Return(${V})\n", "main", "100", NULL);

	/* ARG2 of the caller is blanked in the callee, LOCAL(V) reads only
	 * the current frame's V, and each Return restores the caller's. */
	CHECK_STR(dph_var(c, "I_ARGS"), "z//1");
	CHECK_STR(dph_var(c, "I_V"), "|outer");
	CHECK_STR(dph_var(c, "O_AFTER"), "outer/x/y/inner");
	CHECK_STR(dph_var(c, "FINAL"), "outer//");
	CHECK(dph_var(c, "V") == NULL);
	CHECK(!dph_timed_out(c));
	dph_free(c);
}

static void test_stackpop_and_errors(void)
{
	const char *plan =
		"[main]\n"
		"exten => 1,1,Gosub(sub,s,1(1))\n"
		" same => n,Set(NOTREACHED=1)\n"
		"exten => 2,1,Gosub(nowhere,s,1)\n"
		" same => n,Set(NOTREACHED=1)\n"
		"exten => 3,1,Set(LOCAL(X)=1)\n"
		" same => n,Gosub(sub2,s,1)\n"
		" same => n,Set(BACK=${GOSUB_RETVAL})\n"
		"[sub]\n"
		"exten => s,1,StackPop()\n"
		" same => n,Set(A1=${ARG1})\n"
		" same => n,Return()\n"
		"[sub2]\n"
		"exten => s,1,Return(last)\n";
	struct dph_call *c = run_plan(plan, "main", "1", NULL);

	/* After StackPop the frame is gone: its ARG1 too, and Return fails. */
	check_trace(c, "1@main:1 Gosub(sub,s,1(1))\n"
		       "s@sub:1 StackPop()\n"
		       "s@sub:2 Set(A1=)\n"
		       "s@sub:3 Return()\n");
	CHECK(dph_var(c, "NOTREACHED") == NULL);
	CHECK(logged_line_has("extensions.conf:12", "Return without Gosub"));
	dph_free(c);

	c = run_plan(plan, "main", "2", NULL);
	check_trace(c, "2@main:1 Gosub(nowhere,s,1)\n");
	CHECK(dph_var(c, "NOTREACHED") == NULL);
	dph_free(c);

	/* LOCAL() outside a Gosub is refused; the Gosub as the last but one
	 * priority returns to the last one. */
	c = run_plan(plan, "main", "3", NULL);
	check_trace(c, "3@main:1 Set(LOCAL(X)=1)\n"
		       "3@main:2 Gosub(sub2,s,1)\n"
		       "s@sub2:1 Return(last)\n"
		       "3@main:3 Set(BACK=last)\n");
	CHECK(dph_var(c, "X") == NULL);
	CHECK(logged_line_has("extensions.conf:6", "LOCAL(X)"));
	dph_free(c);
}

/* A Gosub that is the extension's last priority: Return falls through. */
static void test_return_falls_through(void)
{
	struct dph_call *c = run_plan(
		"[main]\n"
		"exten => 1,1,Set(DIALSTATUS=BUSY)\n"
		" same => n,Gosub(sub,s,1)\n"
		"[sub]\n"
		"exten => s,1,Return()\n", "main", "1", NULL);

	check_trace(c, "1@main:1 Set(DIALSTATUS=BUSY)\n"
		       "1@main:2 Gosub(sub,s,1)\n"
		       "s@sub:1 Return()\n");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_USER_BUSY);
	dph_free(c);
}

static void test_gosubif(void)
{
	const char *plan =
		"[main]\n"
		"exten => 1,1,GosubIf(${COND}?sub,s,1(t):sub,s,1(f))\n"
		" same => n,Set(DONE=${R})\n"
		"exten => 2,1,GosubIf(0?sub,s,1(t))\n"
		" same => n,Set(DONE=none)\n"
		"[sub]\n"
		"exten => s,1,Set(R=${ARG1})\n"
		" same => n,Return()\n";
	struct dph_call *c = run_plan(plan, "main", "1", NULL);

	/* COND is unset: false. */
	CHECK_STR(dph_var(c, "DONE"), "f");
	dph_free(c);
	c = run_plan(plan, "main", "2", NULL);
	check_trace(c, "2@main:1 GosubIf(0?sub,s,1(t))\n2@main:2 Set(DONE=none)\n");
	dph_free(c);
}

/* A 10,000-deep recursion stops at maxgosubdepth (500 by default) with
 * an error naming the line; the call ends, the frames are freed. */
static void test_gosub_depth_limit(void)
{
	struct dph_call *c = run_plan(
		"[main]\n"
		"exten => 1,1,Gosub(rec,s,1(1))\n"
		" same => n,Set(NOTREACHED=1)\n"
		"[rec]\n"
		"exten => s,1,Set(DEPTH=${ARG1})\n"
		" same => n,GotoIf($[${ARG1} >= 10000]?done)\n"
		" same => n,Gosub(rec,s,1($[${ARG1} + 1]))\n"
		" same => n(done),Return()\n", "main", "1", NULL);

	CHECK(!dph_timed_out(c));
	CHECK_STR(dph_var(c, "DEPTH"), "500");
	CHECK(dph_var(c, "NOTREACHED") == NULL);
	CHECK_INT(count_lines(dph_trace(c)), 1 + 500 * 3);
	CHECK(logged_line_has("extensions.conf:7", "maximum depth of 500"));
	dph_free(c);
}

/* ---- While ---- */

static void test_while_simple(void)
{
	struct dph_call *c = run_plan(
		"[w]\n"
		"exten => 1,1,Set(I=0)\n"
		" same => n,While($[${I} < 3])\n"
		" same => n,Set(I=$[${I} + 1])\n"
		" same => n,Set(S=${S}${I})\n"
		" same => n,EndWhile()\n"
		" same => n,Set(DONE=${I})\n", "w", "1", NULL);

	check_trace(c, "1@w:1 Set(I=0)\n"
		       "1@w:2 While(1)\n1@w:3 Set(I=1)\n1@w:4 Set(S=1)\n1@w:5 EndWhile()\n"
		       "1@w:2 While(1)\n1@w:3 Set(I=2)\n1@w:4 Set(S=12)\n1@w:5 EndWhile()\n"
		       "1@w:2 While(1)\n1@w:3 Set(I=3)\n1@w:4 Set(S=123)\n1@w:5 EndWhile()\n"
		       "1@w:2 While(0)\n"
		       "1@w:6 Set(DONE=3)\n");
	CHECK_STR(dph_var(c, "S"), "123");
	dph_free(c);
}

/* Without having reached EndWhile yet, the matching one is found by
 * counting nested loops. */
static void test_while_scan(void)
{
	const char *plan =
		"[w]\n"
		"exten => 1,1,While(0)\n"
		" same => n,While(1)\n"
		" same => n,EndWhile()\n"
		" same => n,EndWhile()\n"
		" same => n,Set(OUT=skipped)\n"
		"exten => 2,1,While(1)\n"
		" same => n,ExitWhile()\n"
		" same => n,While(1)\n"
		" same => n,EndWhile()\n"
		" same => n,EndWhile()\n"
		" same => n,Set(OUT=exited)\n"
		"exten => 3,1,While(1)\n"
		" same => n,ExitWhile()\n"
		" same => n,EndWhile()\n";
	struct dph_call *c = run_plan(plan, "w", "1", NULL);

	check_trace(c, "1@w:1 While(0)\n1@w:5 Set(OUT=skipped)\n");
	dph_free(c);
	c = run_plan(plan, "w", "2", NULL);
	check_trace(c, "2@w:1 While(1)\n2@w:2 ExitWhile()\n2@w:6 Set(OUT=exited)\n");
	dph_free(c);
	/* Nothing after the EndWhile: the extension ends normally. */
	c = run_plan(plan, "w", "3", NULL);
	check_trace(c, "3@w:1 While(1)\n3@w:2 ExitWhile()\n");
	CHECK_INT(dph_hangupcause(c), LY_CAUSE_NORMAL_CLEARING);
	dph_free(c);
}

static void test_while_nested_exit_continue(void)
{
	struct dph_call *c = run_plan(
		"[w]\n"
		"exten => 1,1,Set(I=0)\n"
		" same => n,While($[${I} < 3])\n"
		" same => n,Set(I=$[${I} + 1])\n"
		" same => n,Set(J=0)\n"
		" same => n,While($[${J} < 5])\n"
		" same => n,Set(J=$[${J} + 1])\n"
		" same => n,ExecIf($[${J} = 2]?ContinueWhile())\n"
		" same => n,ExecIf($[${J} = 3]?ExitWhile())\n"
		" same => n,Set(L=${L}${I}${J})\n"
		" same => n,EndWhile()\n"
		" same => n,Set(L=${L}-)\n"
		" same => n,EndWhile()\n"
		" same => n,Set(DONE=${L})\n", "w", "1", NULL);

	/* Each inner loop: J=1 recorded, J=2 continued, J=3 left. */
	CHECK_STR(dph_var(c, "DONE"), "11-21-31-");
	CHECK(!dph_timed_out(c));
	dph_free(c);
}

/* A subroutine's loop is its own, even when it returns from inside it. */
static void test_while_with_gosub(void)
{
	struct dph_call *c = run_plan(
		"[m]\n"
		"exten => 1,1,Set(I=0)\n"
		" same => n,While($[${I} < 2])\n"
		" same => n,Set(I=$[${I} + 1])\n"
		" same => n,Gosub(sub,s,1)\n"
		" same => n,EndWhile()\n"
		" same => n,Set(DONE=${I}:${K})\n"
		"[sub]\n"
		"exten => s,1,Set(LOCAL(J)=0)\n"
		" same => n,While($[${J} < 2])\n"
		" same => n,Set(J=$[${J} + 1])\n"
		" same => n,Set(K=${K}${I}${J})\n"
		" same => n,GotoIf($[${J} = 2]?ret)\n"
		" same => n,EndWhile()\n"
		" same => n(ret),Return()\n", "m", "1", NULL);

	CHECK_STR(dph_var(c, "DONE"), "2:11122122");
	CHECK(dph_var(c, "J") == NULL);
	CHECK(!dph_timed_out(c));
	dph_free(c);
}

/* ---- WaitExten ---- */

static void test_waitexten(void)
{
	const char *plan =
		"[menu]\n"
		"exten => s,1,Set(TIMEOUT(digit)=0.2)\n"
		" same => n,WaitExten(0.3)\n"
		"exten => 12,1,Set(GOT=12)\n"
		"exten => 123,1,Set(GOT=123)\n"
		"exten => i,1,Set(BAD=${INVALID_EXTEN})\n"
		"exten => t,1,Set(TIMEOUT_HIT=1)\n"
		"exten => c,1,WaitExten(0.1)\n"
		" same => n,Set(CONTINUED=1)\n"
		"exten => r,1,Set(TIMEOUT(response)=0.1)\n"
		" same => n,WaitExten()\n"
		"[noi]\n"
		"exten => s,1,WaitExten(0.1)\n"
		"exten => 5,1,NoOp()\n"
		"exten => e,1,Set(EXC=${EXCEPTION(reason)})\n";
	struct dph_call *c = run_plan(plan, "menu", "s", "123");

	check_trace(c, "s@menu:1 Set(TIMEOUT(digit)=0.2)\ns@menu:2 WaitExten(0.3)\n"
		       "123@menu:1 Set(GOT=123)\n");
	dph_free(c);
	/* "12" could still become 123: the digit timeout ends it. */
	c = run_plan(plan, "menu", "s", "12");
	CHECK_STR(dph_var(c, "GOT"), "12");
	dph_free(c);
	c = run_plan(plan, "menu", "s", "9");
	check_trace(c, "s@menu:1 Set(TIMEOUT(digit)=0.2)\ns@menu:2 WaitExten(0.3)\n"
		       "i@menu:1 Set(BAD=9)\n");
	dph_free(c);
	c = run_plan(plan, "menu", "s", NULL);
	check_trace(c, "s@menu:1 Set(TIMEOUT(digit)=0.2)\ns@menu:2 WaitExten(0.3)\n"
		       "t@menu:1 Set(TIMEOUT_HIT=1)\n");
	dph_free(c);
	/* A timeout with a priority after it continues there (Asterisk). */
	c = run_plan(plan, "menu", "c", NULL);
	check_trace(c, "c@menu:1 WaitExten(0.1)\nc@menu:2 Set(CONTINUED=1)\n");
	dph_free(c);
	/* No argument: TIMEOUT(response). */
	c = run_plan(plan, "menu", "r", NULL);
	CHECK_STR(dph_var(c, "TIMEOUT_HIT"), "1");
	dph_free(c);
	/* Without i or t, the exception goes to e. */
	c = run_plan(plan, "noi", "s", "7");
	CHECK_STR(dph_var(c, "EXC"), "INVALID");
	dph_free(c);
	c = run_plan(plan, "noi", "s", NULL);
	CHECK_STR(dph_var(c, "EXC"), "RESPONSETIMEOUT");
	dph_free(c);
}

/* ---- unknown applications ---- */

static void test_unknown_application(void)
{
	struct dph_call *c = run_plan(
		"[u]\n"
		"exten => 1,1,NoOp()\n"
		" same => n,NoSuchApp(x)\n"
		" same => n,Set(NOTREACHED=1)\n", "u", "1", NULL);

	/* Whether the runner traces the missing application is its choice;
	 * nothing after it runs. */
	CHECK(ly_str_startswith(dph_trace(c), "1@u:1 NoOp()\n"));
	CHECK(!strstr(dph_trace(c), "NOTREACHED"));
	CHECK(!dph_timed_out(c));
	CHECK(dph_var(c, "NOTREACHED") == NULL);
	CHECK(logged_line_has("extensions.conf:3", "NoSuchApp"));
	dph_free(c);
}

/* ---- documentation: every core application and function is in core.xml ---- */

struct names {
	char *items[128];
	size_t n;
};

static void collect_core_app(const struct ly_app *app, void *arg)
{
	struct names *names = arg;

	if (!app->owner && names->n < LY_ARRAY_LEN(names->items))
		names->items[names->n++] = ly_strdup(app->name);
}

static void collect_core_func(const struct ly_func *fn, void *arg)
{
	struct names *names = arg;

	if (!fn->owner && names->n < LY_ARRAY_LEN(names->items))
		names->items[names->n++] = ly_strdup(fn->name);
}

static void check_documented(const char *kind, struct names *names)
{
	struct ly_buf out;

	for (size_t i = 0; i < names->n; i++) {
		bool found;

		ly_buf_init(&out);
		found = ly_xmldoc_format(kind, names->items[i], NULL, &out);
		if (!found)
			printf("# %s %s has no documentation in core.xml\n", kind, names->items[i]);
		CHECK(found);
		CHECK(!found || strstr(ly_buf_str(&out), names->items[i]) != NULL);
		ly_buf_free(&out);
		free(names->items[i]);
	}
}

static void test_documentation(void)
{
	const char *srcdir = getenv("top_srcdir");
	struct names apps = { .n = 0 }, funcs = { .n = 0 };
	char *docdir = ly_asprintf("%s/core/doc", srcdir ? srcdir : ".");

	CHECK_INT(ly_xmldoc_init(docdir), 0);
	ly_app_foreach(collect_core_app, &apps);
	ly_func_foreach(collect_core_func, &funcs);
	CHECK(apps.n >= 26);
	CHECK(funcs.n >= 1);
	check_documented("application", &apps);
	check_documented("function", &funcs);
	ly_xmldoc_shutdown();
	free(docdir);
}

static void test_teardown(void)
{
	ly_log_remove_sink(capture_sink, NULL);
	dph_teardown();
	ly_buf_free(&logged);
}

int main(void)
{
	/* Local time is UTC, so the time ranges without a zone are predictable. */
	setenv("TZ", "UTC0", 1);
	tzset();
	return tap_run((const struct tap_test[]){
		TAP(test_setup),
		TAP(test_basic_apps),
		TAP(test_hangup_causes),
		TAP(test_busy_congestion),
		TAP(test_wait_in_h),
		TAP(test_set_mset_importvar),
		TAP(test_goto_gotoif),
		TAP(test_gotoiftime),
		TAP(test_execif),
		TAP(test_gosub_args_return),
		TAP(test_gosub_nested_local),
		TAP(test_stackpop_and_errors),
		TAP(test_return_falls_through),
		TAP(test_gosubif),
		TAP(test_gosub_depth_limit),
		TAP(test_while_simple),
		TAP(test_while_scan),
		TAP(test_while_nested_exit_continue),
		TAP(test_while_with_gosub),
		TAP(test_waitexten),
		TAP(test_unknown_application),
		TAP(test_documentation),
		TAP(test_teardown),
	}, 23);
}
