/* tests/unit/test_pbx.c - substitution, variables, inheritance, jumps and the runner's semantics. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp_harness.h"
#include "log.h"
#include "lyre/app.h"
#include "lyre/channel.h"
#include "lyre/obj.h"
#include "lyre/pbx.h"
#include "pbx_int.h"
#include "pbx_test_apps.h"
#include "settings.h"
#include "tap.h"

/* ---- a bare channel to substitute on ---- */

static struct ly_chan_tech bare_tech = { .type = "Bare", .description = "test" };

static struct ly_channel *bare_chan(void)
{
	return ly_chan_alloc(&bare_tech, NULL, "Bare/%d", 1);
}

/* ---- test functions: T_ECHO(args) reads "<args>", writes T_ECHO_<args> ---- */

static int echo_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	(void)c;
	snprintf(buf, len, "<%s>", args);
	return 0;
}

static int echo_write(struct ly_channel *c, const char *args, const char *value)
{
	char name[64];

	snprintf(name, sizeof(name), "T_ECHO_%s", args);
	ly_chan_var_set(c, name, value);
	return 0;
}

static int ro_read(struct ly_channel *c, const char *args, char *buf, size_t len)
{
	(void)c;
	(void)args;
	ly_strlcpy(buf, "ro", len);
	return 0;
}

/* TSub(context,exten,priority): lends the channel to the dialplan as
 * ConfBridge's dialplan_exec does; SUBRES is ly_pbx_exec_sub's result. */
static int tsub_exec(struct ly_channel *c, const char *args)
{
	char *copy = strdup(args), *v[3] = { 0 }, res[16];
	int n = ly_app_split_args(copy, v, 3), err;

	err = n == 3 ? ly_pbx_exec_sub(c, v[0], v[1], atoi(v[2])) : EINVAL;
	snprintf(res, sizeof(res), "%d", err);
	ly_chan_var_set(c, "SUBRES", res);
	free(copy);
	return err == EPIPE ? -1 : 0;
}

static struct ly_app tsub_app = { .name = "TSub", .exec = tsub_exec };

static struct ly_func echo_func = { .name = "T_ECHO", .read = echo_read, .write = echo_write };
static struct ly_func ro_func = { .name = "T_RO", .read = ro_read };

/* ---- log capture: warnings and errors with their file:line ---- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ly_buf logged;

static void log_sink(void *arg, enum ly_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	pthread_mutex_lock(&log_lock);
	ly_buf_printf(&logged, "%s\n", line);
	pthread_mutex_unlock(&log_lock);
}

static bool log_has(const char *text)
{
	bool found;

	pthread_mutex_lock(&log_lock);
	found = strstr(ly_buf_str(&logged), text) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}

static void log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	ly_buf_reset(&logged);
	pthread_mutex_unlock(&log_lock);
}

/* ---- tests ---- */

static void test_setup(void)
{
	CHECK_INT(dph_setup(), 0);
	tapps_register();
	CHECK_INT(ly_chan_tech_register(NULL, &bare_tech), 0);
	CHECK_INT(ly_func_register(NULL, &echo_func), 0);
	CHECK_INT(ly_func_register(NULL, &ro_func), 0);
	CHECK_INT(ly_app_register(NULL, &tsub_app), 0);
	ly_buf_init(&logged);
	ly_log_add_sink(log_sink, NULL);
}

static void expect_subst(struct ly_channel *c, const char *in, const char *want)
{
	struct ly_buf out;

	ly_buf_init(&out);
	ly_pbx_substitute(c, in, &out);
	if (strcmp(ly_buf_str(&out), want) != 0) {
		printf("#   substitute \"%s\"\n", in);
		CHECK_STR(ly_buf_str(&out), want);
	}
	ly_buf_free(&out);
}

static void test_substitution_table(void)
{
	static const struct { const char *in, *want; } table[] = {
		{ "plain text", "plain text" },
		{ "${X}", "abcdefgh" },
		{ "<${X}>${N}", "<abcdefgh>3" },
		{ "${${Y}}", "abcdefgh" },
		{ "${X:2}", "cdefgh" },
		{ "${X:2:3}", "cde" },
		{ "${X:-4}", "efgh" },
		{ "${X:0:-1}", "abcdefg" },
		{ "${X:-3:2}", "fg" },
		{ "${X:1:-2}", "bcdef" },
		{ "${X:-3:-1}", "fg" },
		{ "${X::3}", "abcdefgh" },	/* Asterisk's sscanf reads no offset */
		{ "${X:100}", "" },
		{ "${X:-100:2}", "ab" },
		{ "${X:${N}:2}", "de" },
		{ "${UNSET}", "" },
		{ "${UNSET:1:2}", "" },
		{ "a\\${X}b", "a${X}b" },
		{ "a\\\\b", "a\\b" },
		{ "a\\,b", "a\\,b" },		/* left for the argument splitter */
		{ "$", "$" },
		{ "cost $5 $$", "cost $5 $$" },
		{ "${T_ECHO(${N})}", "<3>" },
		{ "${T_ECHO(a,b)}", "<a,b>" },
		{ "${T_ECHO(a,b):1:3}", "a,b" },
		{ "${T_ECHO(${X:0:2})}", "<ab>" },
		{ "x${NOSUCHFUNC(1)}y", "xy" },
		{ "$[1+2]", "3" },
		{ "$[${N} * 2]", "6" },
		{ "$[$[1+1]*3]", "6" },
		{ "<$[1 +]>", "<>" },
		{ "${X", "${X" },
		{ "$[1+", "$[1+" },
		{ "${G}", "global" },
		{ "${SHADOW}", "channel" },
		{ "${EPOCH}", "1700000000" },
	};
	struct ly_channel *c = bare_chan();

	dph_set_clock(1700000000);
	ly_chan_var_set(c, "X", "abcdefgh");
	ly_chan_var_set(c, "Y", "X");
	ly_chan_var_set(c, "N", "3");
	ly_global_set("G", "global");
	ly_global_set("SHADOW", "global");
	ly_chan_var_set(c, "SHADOW", "channel");
	for (size_t i = 0; i < LY_ARRAY_LEN(table); i++)
		expect_subst(c, table[i].in, table[i].want);
	CHECK(log_has("No function named 'NOSUCHFUNC'"));
	CHECK(log_has("Error in expression"));
	expect_subst(NULL, "${G}/${SHADOW}/${X}", "global/global/");
	ly_global_set("G", NULL);
	ly_global_set("SHADOW", NULL);
	expect_subst(c, "${G}", "");
	dph_set_clock(0);
	ly_chan_hangup(c);
}

static void test_substitution_bounds(void)
{
	struct ly_buf in, out;

	/* Deep nesting and a huge result end with a log line, not a crash. */
	ly_buf_init(&in);
	ly_buf_init(&out);
	for (int i = 0; i < 200; i++)
		ly_buf_puts(&in, "${");
	ly_buf_puts(&in, "X");
	for (int i = 0; i < 200; i++)
		ly_buf_puts(&in, "}");
	ly_pbx_substitute(NULL, ly_buf_str(&in), &out);
	CHECK_STR(ly_buf_str(&out), "");
	ly_buf_reset(&in);
	ly_buf_reset(&out);
	ly_global_set("BIG", "0123456789012345678901234567890123456789012345678901234567890123");
	for (int i = 0; i < 8000; i++)
		ly_buf_puts(&in, "${BIG}");
	ly_pbx_substitute(NULL, ly_buf_str(&in), &out);
	CHECK(out.len <= 256 * 1024);
	CHECK(log_has("too long"));
	ly_global_set("BIG", NULL);
	ly_buf_free(&in);
	ly_buf_free(&out);
}

static void test_builtins(void)
{
	struct ly_channel *c = bare_chan();
	char buf[128];

	ly_pbx_set_position(c, "ctx", "123", 4);
	expect_subst(c, "${EXTEN}|${CONTEXT}|${PRIORITY}|${CHANNEL}", "123|ctx|4|Bare/1");
	CHECK_STR(ly_pbx_var_get(c, "UNIQUEID", buf, sizeof(buf)), ly_chan_uniqueid(c));
	ly_chan_set_hangupcause(c, 17);
	expect_subst(c, "${HANGUPCAUSE}", "17");
	CHECK(ly_pbx_var_get(c, "DIALSTATUS", buf, sizeof(buf)) == NULL);
	ly_chan_var_set(c, "DIALSTATUS", "BUSY");
	expect_subst(c, "${DIALSTATUS}", "BUSY");
	CHECK_STR(ly_pbx_var_get(c, "T_ECHO(q)", buf, sizeof(buf)), "<q>");
	CHECK(ly_pbx_var_get(c, "NOPE(q)", buf, sizeof(buf)) == NULL);
	ly_chan_hangup(c);
}

static void test_set_and_inherit(void)
{
	struct ly_channel *parent = bare_chan(), *child = bare_chan(), *grandchild = bare_chan();
	char buf[64];

	CHECK_INT(ly_pbx_var_set(parent, "_ONCE", "1"), 0);
	CHECK_INT(ly_pbx_var_set(parent, "__ALWAYS", "2"), 0);
	CHECK_INT(ly_pbx_var_set(parent, "PLAIN", "3"), 0);
	CHECK_STR(ly_pbx_var_get(parent, "ONCE", buf, sizeof(buf)), "1");
	CHECK_STR(ly_pbx_var_get(parent, "ALWAYS", buf, sizeof(buf)), "2");
	CHECK_STR(ly_chan_var_get(parent, "__ALWAYS", buf, sizeof(buf)), "2");
	ly_chan_inherit_vars(parent, child);
	CHECK_STR(ly_chan_var_get(child, "ONCE", buf, sizeof(buf)), "1");
	CHECK_STR(ly_chan_var_get(child, "__ALWAYS", buf, sizeof(buf)), "2");
	CHECK(ly_chan_var_get(child, "PLAIN", buf, sizeof(buf)) == NULL);
	ly_chan_inherit_vars(child, grandchild);
	CHECK(ly_pbx_var_get(grandchild, "ONCE", buf, sizeof(buf)) == NULL);
	CHECK_STR(ly_pbx_var_get(grandchild, "ALWAYS", buf, sizeof(buf)), "2");
	/* Setting the plain name replaces the prefixed one (one variable). */
	CHECK_INT(ly_pbx_var_set(parent, "ONCE", "9"), 0);
	CHECK(ly_chan_var_get(parent, "_ONCE", buf, sizeof(buf)) == NULL);
	CHECK_STR(ly_pbx_var_get(parent, "ONCE", buf, sizeof(buf)), "9");
	/* Functions and globals. */
	CHECK_INT(ly_pbx_var_set(parent, "T_ECHO(k)", "v"), 0);
	CHECK_STR(ly_chan_var_get(parent, "T_ECHO_k", buf, sizeof(buf)), "v");
	CHECK_INT(ly_pbx_var_set(parent, "T_RO(k)", "v"), EPERM);
	CHECK_INT(ly_pbx_var_set(parent, "NOPE(k)", "v"), ENOENT);
	CHECK_INT(ly_pbx_var_set(NULL, "GV", "g"), 0);
	CHECK_STR(ly_global_get("GV", buf, sizeof(buf)), "g");
	CHECK_INT(ly_pbx_var_set(NULL, "GV", NULL), 0);
	CHECK(ly_global_get("GV", buf, sizeof(buf)) == NULL);
	CHECK_INT(ly_pbx_var_set(parent, "", "x"), EINVAL);
	ly_chan_hangup(parent);
	ly_chan_hangup(child);
	ly_chan_hangup(grandchild);
}

static void test_split_args(void)
{
	char s1[] = "a,b,c", s2[] = "a(b,c),d", s3[] = "\"x,y\",z", s4[] = "a\\,b,c";
	char s5[] = "", s6[] = "a,b,c", s7[] = "[a,b]{c,d},e", s8[] = "1:2";
	char s9[] = "a,", *argv[4];

	CHECK_INT(ly_app_split_args(s1, argv, 4), 3);
	CHECK_STR(argv[2], "c");
	CHECK_INT(ly_app_split_args(s2, argv, 4), 2);
	CHECK_STR(argv[0], "a(b,c)");
	CHECK_INT(ly_app_split_args(s3, argv, 4), 2);
	CHECK_STR(argv[0], "x,y");
	CHECK_INT(ly_app_split_args(s4, argv, 4), 2);
	CHECK_STR(argv[0], "a,b");
	CHECK_INT(ly_app_split_args(s5, argv, 4), 1);
	CHECK_STR(argv[0], "");
	CHECK_INT(ly_app_split_args(s6, argv, 2), 2);
	CHECK_STR(argv[1], "b,c");
	CHECK_INT(ly_app_split_args(s7, argv, 4), 2);
	CHECK_STR(argv[0], "[a,b]{c,d}");
	CHECK_INT(ly_app_split_args_sep(s8, ':', argv, 4), 2);
	CHECK_STR(argv[1], "2");
	CHECK_INT(ly_app_split_args(s9, argv, 4), 2);
	CHECK_STR(argv[1], "");
}

static void test_goto_forms(void)
{
	struct ly_channel *c = bare_chan();
	char buf[LY_MAX_EXTEN];

	CHECK_INT(dph_load("[a]\nexten => 1,1,NoOp()\n same => n(lbl),NoOp()\n"
			   " same => n,NoOp()\nexten => 2,1(start),NoOp()\n"
			   "[b]\nexten => 9,1,NoOp()\n same => n(far),NoOp()\n"), 0);
	ly_pbx_set_position(c, "a", "1", 1);
	CHECK_INT(ly_pbx_goto(c, "lbl"), 0);
	CHECK_INT(ly_pbx_priority(c), 2);
	CHECK_INT(ly_pbx_goto(c, "+1"), 0);
	CHECK_INT(ly_pbx_priority(c), 3);
	CHECK_INT(ly_pbx_goto(c, "-2"), 0);
	CHECK_INT(ly_pbx_priority(c), 1);
	CHECK_INT(ly_pbx_goto(c, "2,start"), 0);
	CHECK_STR(ly_pbx_exten(c, buf, sizeof(buf)), "2");
	CHECK_INT(ly_pbx_goto(c, "b,9,far"), 0);
	CHECK_STR(ly_pbx_context(c, buf, sizeof(buf)), "b");
	CHECK_INT(ly_pbx_priority(c), 2);
	CHECK_INT(ly_pbx_goto(c, "b,9,nolabel"), ENOENT);
	CHECK_INT(ly_pbx_goto(c, "a,1,7"), ENOENT);
	CHECK_INT(ly_pbx_goto(c, "nowhere,1,1"), ENOENT);
	CHECK_INT(ly_pbx_priority(c), 2);	/* unchanged on failure */
	CHECK_INT(ly_pbx_goto_explicit(c, "a", "1", 3), 0);
	CHECK_INT(ly_exten_find_label("a", "1", "lbl", NULL), 2);
	CHECK(ly_exten_exists("a", "2", 1, NULL));
	CHECK(!ly_exten_exists("a", "3", 1, NULL));
	CHECK(ly_context_exists("b"));
	ly_chan_hangup(c);
}

static void check_run(const char *context, const char *exten, const char *dtmf,
		      const char *trace, int cause)
{
	struct dph_call *call = dph_run(context, exten, NULL, dtmf, 3000);

	CHECK_STR(dph_trace(call), trace);
	CHECK_INT(dph_hangupcause(call), cause);
	CHECK_INT(dph_timed_out(call), 0);
	dph_free(call);
}

static void test_runner_basics(void)
{
	struct dph_call *call;

	CHECK_INT(dph_load("[t]\n"
			   "exten => s,1,NoOp(start at ${EXTEN})\n"
			   "exten => 100,1,Set(X=1)\n"
			   " same => n,Set(__Y=${X}2)\n"
			   " same => n,Hangup()\n"
			   "exten => h,1,NoOp(${EXTEN} ${Y})\n"
			   "exten => i,1,NoOp(invalid ${INVALID_EXTEN})\n"
			   "[e]\nexten => e,1,NoOp(${EXCEPTION(reason)} ${EXCEPTION(exten)})\n"
			   "[none]\nexten => 1,1,NoOp()\n"), 0);
	call = dph_run("t", "100", NULL, NULL, 3000);
	CHECK_STR(dph_trace(call), "100@t:1 Set(X=1)\n100@t:2 Set(__Y=12)\n100@t:3 Hangup()\n"
		  "h@t:1 NoOp(h 12)\n");
	CHECK_STR(dph_var(call, "X"), "1");
	CHECK_STR(dph_var(call, "Y"), "12");
	CHECK_INT(dph_hangupcause(call), 16);
	dph_free(call);
	check_run("t", "s", NULL, "s@t:1 NoOp(start at s)\nh@t:1 NoOp(h )\n", 16);
	check_run("t", "555", NULL, "i@t:1 NoOp(invalid 555)\nh@t:1 NoOp(h )\n", 16);
	check_run("e", "555", NULL, "e@e:1 NoOp(INVALID 555)\n", 16);
	check_run("none", "555", NULL, "", 16);
	CHECK(log_has("sent to invalid extension '555' in context 'none'"));
}

static void test_autofallthrough(void)
{
	CHECK_INT(dph_load("[f]\nexten => 1,1,Set(DIALSTATUS=BUSY)\n"
			   "exten => 2,1,Set(DIALSTATUS=CONGESTION)\n"
			   "exten => 3,1,Set(DIALSTATUS=CHANUNAVAIL)\n"
			   "exten => 4,1,Set(DIALSTATUS=NOANSWER)\n"), 0);
	check_run("f", "1", NULL, "1@f:1 Set(DIALSTATUS=BUSY)\n", 17);
	check_run("f", "2", NULL, "2@f:1 Set(DIALSTATUS=CONGESTION)\n", 34);
	check_run("f", "3", NULL, "3@f:1 Set(DIALSTATUS=CHANUNAVAIL)\n", 34);
	check_run("f", "4", NULL, "4@f:1 Set(DIALSTATUS=NOANSWER)\n", 16);
	/* autofallthrough=no waits for digits: dialled, timed out ('t'). */
	CHECK_INT(dph_load("[general]\nautofallthrough=no\n"
			   "[w]\nexten => 1,1,Set(TIMEOUT(response)=0.2)\n"
			   " same => n,Set(TIMEOUT(digit)=0.2)\n"
			   "exten => 42,1,NoOp(dialled)\n same => n,Hangup()\n"
			   "exten => t,1,NoOp(timeout)\n same => n,Hangup()\n"), 0);
	check_run("w", "1", "42", "1@w:1 Set(TIMEOUT(response)=0.2)\n"
		  "1@w:2 Set(TIMEOUT(digit)=0.2)\n42@w:1 NoOp(dialled)\n42@w:2 Hangup()\n", 16);
	check_run("w", "1", NULL, "1@w:1 Set(TIMEOUT(response)=0.2)\n"
		  "1@w:2 Set(TIMEOUT(digit)=0.2)\nt@w:1 NoOp(timeout)\nt@w:2 Hangup()\n", 16);
}

static void test_absolute_timeout(void)
{
	struct dph_call *call;

	CHECK_INT(dph_load("[a]\nexten => 1,1,Set(TIMEOUT(absolute)=0.2)\n"
			   " same => n(loop),Wait(0.05)\n same => n,Goto(loop)\n"
			   "exten => T,1,NoOp(absolute ${TIMEOUT(absolute)})\n"
			   "[b]\nexten => 1,1,Set(TIMEOUT(absolute)=0.1)\n"
			   " same => n(loop),Wait(0.05)\n same => n,Goto(loop)\n"
			   "exten => e,1,NoOp(${EXCEPTION(reason)})\n"), 0);
	call = dph_run("a", "1", NULL, NULL, 3000);
	CHECK(strstr(dph_trace(call), "\nT@a:1 NoOp(absolute 0)\n") != NULL);
	CHECK_INT(dph_timed_out(call), 0);
	dph_free(call);
	call = dph_run("b", "1", NULL, NULL, 3000);
	CHECK(strstr(dph_trace(call), "\ne@b:1 NoOp(ABSOLUTETIMEOUT)\n") != NULL);
	dph_free(call);
}

static void test_errors_name_location(void)
{
	log_reset();
	CHECK_INT(dph_load("[u]\nexten => 1,1,NoOp(a)\n same => n,NoSuchApp(x)\n"
			   " same => n,NoOp(never)\n"), 0);
	check_run("u", "1", NULL, "1@u:1 NoOp(a)\n", 16);
	CHECK(log_has("extensions.conf:3: No application 'NoSuchApp'"));
	CHECK_INT(dph_load("[v]\nexten => 1,1,NoOp(<$[1 +]>)\n"), 0);
	check_run("v", "1", NULL, "1@v:1 NoOp(<>)\n", 16);
	CHECK(log_has("extensions.conf:2: Error in expression"));
}

static void test_maxpriorities(void)
{
	char dir[] = "/tmp/lyre-maxprio-XXXXXX", path[64];
	struct ly_cfg_error err = { 0 };
	struct dph_call *call;
	FILE *f;
	int lines = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/lyre.conf", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("[options]\nmaxpriorities = 200\n", f);
	fclose(f);
	CHECK_INT(ly_settings_load(dir, &err), 0);
	CHECK_INT(dph_load("[loop]\nexten => 1,1(top),NoOp()\n same => n,Goto(top)\n"), 0);
	call = dph_run("loop", "1", NULL, NULL, 3000);
	for (const char *p = dph_trace(call); (p = strchr(p, '\n')); p++)
		lines++;
	CHECK_INT(lines, 200);
	CHECK_INT(dph_timed_out(call), 0);
	CHECK(log_has("extensions.conf:2: Test/"));
	CHECK(log_has("maxpriorities"));
	dph_free(call);
	ly_settings_free();
	unlink(path);
	rmdir(dir);
}

/* ly_pbx_exec_sub: a walk elsewhere on the same channel, then back. */
static void test_exec_sub(void)
{
	struct dph_call *call;

	CHECK_INT(dph_load("[m]\n"
			   "exten => 1,1,TSub(sub,s,1)\n"
			   " same => n,NoOp(back ${SUBVAR} ${SUBRES} ${CONTEXT} ${PRIORITY})\n"
			   " same => n,TSub(sub,nowhere,1)\n"
			   " same => n,NoOp(${SUBRES})\n"
			   " same => n,TSub(sub,bye,1)\n"
			   " same => n,NoOp(not reached)\n"
			   "exten => h,1,NoOp(h ${SUBRES})\n"
			   "[sub]\n"
			   "exten => s,1,Set(SUBVAR=x)\n"
			   " same => n,Goto(jump)\n"
			   " same => n,NoOp(skipped)\n"
			   " same => n(jump),NoOp(in ${CONTEXT})\n"
			   "exten => bye,1,Hangup()\n"
			   " same => n,NoOp(not reached)\n"), 0);
	call = dph_run("m", "1", NULL, NULL, 3000);
	CHECK_STR(dph_trace(call), "1@m:1 TSub(sub,s,1)\n"
		  "s@sub:1 Set(SUBVAR=x)\n"
		  "s@sub:2 Goto(jump)\n"
		  "s@sub:4 NoOp(in sub)\n"
		  "1@m:2 NoOp(back x 0 m 2)\n"
		  "1@m:3 TSub(sub,nowhere,1)\n"
		  "1@m:4 NoOp(2)\n"
		  "1@m:5 TSub(sub,bye,1)\n"
		  "bye@sub:1 Hangup()\n"
		  "h@m:1 NoOp(h 32)\n");
	CHECK_INT(dph_timed_out(call), 0);
	dph_free(call);
}

static void test_trace_notice(void)
{
	log_reset();
	CHECK_INT(dph_load("[tr]\nexten => 7,1,NoOp(${EXTEN}x)\n"), 0);
	ly_pbx_trace_set(true);
	CHECK(ly_pbx_trace_get());
	check_run("tr", "7", NULL, "7@tr:1 NoOp(7x)\n", 16);
	ly_pbx_trace_set(false);
	CHECK(log_has(" 7@tr:1 NoOp(7x)"));
	CHECK(log_has("Trace Test/"));
}

static void test_teardown(void)
{
	ly_log_remove_sink(log_sink, NULL);
	ly_buf_free(&logged);
	ly_func_unregister(&echo_func);
	ly_func_unregister(&ro_func);
	ly_app_unregister(&tsub_app);
	ly_chan_tech_unregister(&bare_tech);
	tapps_unregister();
	dph_teardown();
	CHECK_INT(ly_chan_count(), 0);
}

TAP_MAIN(TAP(test_setup), TAP(test_substitution_table), TAP(test_substitution_bounds),
	 TAP(test_builtins), TAP(test_set_and_inherit), TAP(test_split_args),
	 TAP(test_goto_forms), TAP(test_runner_basics), TAP(test_autofallthrough),
	 TAP(test_absolute_timeout), TAP(test_errors_name_location), TAP(test_maxpriorities),
	 TAP(test_exec_sub), TAP(test_trace_notice), TAP(test_teardown))
