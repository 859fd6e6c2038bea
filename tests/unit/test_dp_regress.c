/* tests/unit/test_dp_regress.c - dialplan cases that once went wrong (review findings), each pinned by a test. */
#include "config.h"

#include <string.h>

#include "dp_harness.h"
#include "tap.h"

static struct dph_call *run_plan(const char *plan, const char *context, const char *exten)
{
	if (dph_load(plan) != 0) {
		printf("# load failed: %s\n", dph_error());
		return NULL;
	}
	return dph_run(context, exten, NULL, NULL, 3000);
}

/* ${X:0:-2147483648} once overflowed an int (UBSan abort). */
static void test_substring_extremes(void)
{
	struct dph_call *c = run_plan("[t]\n"
				      "exten => 1,1,Set(X=hello)\n"
				      " same => n,Set(A=${X:0:-2147483648})\n"
				      " same => n,Set(B=${X:-1:-2147483647})\n"
				      " same => n,Set(C=${X:2147483647})\n"
				      " same => n,Set(D=${X:-2147483648:2})\n",
				      "t", "1");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(dph_var(c, "A") == NULL || strcmp(dph_var(c, "A"), "") == 0);
	CHECK(dph_var(c, "B") == NULL || strcmp(dph_var(c, "B"), "") == 0);
	CHECK(dph_var(c, "C") == NULL || strcmp(dph_var(c, "C"), "") == 0);
	CHECK_STR(dph_var(c, "D"), "he");
	dph_free(c);
}

/* Goto to an extension that does not exist goes to 'i', as in Asterisk. */
static void test_goto_missing_goes_to_i(void)
{
	struct dph_call *c = run_plan("[t]\n"
				      "exten => 1,1,Goto(t,nonexist,1)\n"
				      "exten => i,1,Set(INV=${INVALID_EXTEN})\n",
				      "t", "1");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(dph_var(c, "INV"), "nonexist");
	CHECK(strstr(dph_trace(c), "i@t:1 Set(INV=nonexist)") != NULL);
	dph_free(c);
}

/* The h extension still runs after maxpriorities stopped the call. */
static void test_h_runs_after_priority_limit(void)
{
	struct dph_call *c = run_plan("[t]\n"
				      "exten => 1,1,Goto(1,1)\n"
				      "exten => h,1,Set(CLEANED=yes)\n",
				      "t", "1");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(dph_var(c, "CLEANED"), "yes");
	CHECK(!dph_timed_out(c));
	dph_free(c);
}

/* CALLERID(all) is always "name" <num>, as Asterisk prints it. */
static void test_callerid_all_format(void)
{
	struct dph_call *c = run_plan("[t]\n"
				      "exten => 1,1,Set(CALLERID(num)=5551234)\n"
				      " same => n,Set(ALL=${CALLERID(all)})\n",
				      "t", "1");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(dph_var(c, "ALL"), "\"\" <5551234>");
	dph_free(c);
}

/* EXCEPTION(reason) before any exception reads as empty, quietly. */
static void test_exception_unset_is_empty(void)
{
	struct dph_call *c = run_plan("[t]\n"
				      "exten => 1,1,Set(R=[${EXCEPTION(reason)}])\n",
				      "t", "1");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_STR(dph_var(c, "R"), "[]");
	dph_free(c);
}

/* A REGEX() pattern glibc would expand exponentially is refused. */
static void test_regex_cost_bounded(void)
{
	struct dph_call *c = run_plan("[t]\n"
				      "exten => 1,1,Set(R=${REGEX(\"a+++++++++++++++++++++++++\" aaa)})\n"
				      " same => n,Set(OK=${REGEX(\"^a+b$\" aaab)})\n",
				      "t", "1");

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(dph_var(c, "R") == NULL || strcmp(dph_var(c, "R"), "") == 0);
	CHECK_STR(dph_var(c, "OK"), "1");
	dph_free(c);
}

static void setup(void)
{
	CHECK_INT(dph_setup(), 0);
}

static void teardown(void)
{
	dph_teardown();
}

TAP_MAIN(TAP(setup), TAP(test_substring_extremes), TAP(test_goto_missing_goes_to_i),
	 TAP(test_h_runs_after_priority_limit), TAP(test_callerid_all_format),
	 TAP(test_exception_unset_is_empty), TAP(test_regex_cost_bounded), TAP(teardown))
