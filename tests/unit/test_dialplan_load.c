/* tests/unit/test_dialplan_load.c - extensions.conf loading, its errors, lookups, includes, hints, reload and the dialplan CLI. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "dialplan.h"
#include "dp_int.h"
#include "log.h"
#include "lyre/cli.h"
#include "lyre/pbx.h"
#include "lyre/utils.h"
#include "tap.h"

/* ---- helpers ---- */

static struct ly_cfg_error last_err;

static struct dp_plan *parse(const char *text)
{
	struct dp_plan *plan = NULL;
	int rc = dp_plan_parse_buffer(NULL, "t.conf", text, strlen(text), &plan, &last_err);

	if (rc)
		printf("#   parse failed: %s\n", last_err.msg);
	return plan;
}

/* The error of a plan that must not load, or "" when it loaded. */
static const char *parse_error(const char *text)
{
	struct dp_plan *plan = NULL;

	if (dp_plan_parse_buffer(NULL, "t.conf", text, strlen(text), &plan, &last_err) == 0) {
		dp_plan_unref(plan);
		return "";
	}
	CHECK(plan == NULL);
	return last_err.msg;
}

/* "exten@context:priority App(args)" of what a lookup finds, for compact checks. */
static const char *find(const struct dp_plan *plan, const char *context, const char *exten,
			const char *cid)
{
	static char buf[256];
	const char *where = NULL;
	const struct dp_exten *e = dp_find_exten(plan, context, exten, cid, time(NULL), &where);
	const struct dp_prio *p = e ? dp_exten_prio_at(e, 0) : NULL;

	if (!e)
		return "(none)";
	snprintf(buf, sizeof(buf), "%s@%s %s(%s)", dp_exten_name(e), where, p->app, p->args);
	return buf;
}

static void collect_warning(const char *msg, void *arg)
{
	ly_buf_printf(arg, "%s\n", msg);
}

/* ---- syntax ---- */

static const char syntax_plan[] =
	"[ctx]\n"					/* 1 */
	"exten => 100,1,NoOp(first)\n"			/* 2 */
	" same => n,Set(X=${CUT(A,-,1)})\n"		/* 3 */
	" same => n(again),Verbose(1,hi)\n"		/* 4 */
	" same => 10(ten),Hangup\n"			/* 5 */
	" same => n,Dial,SIP/100|20\n"			/* 6: the old App,args */
	" same => again+2,NoOp((nested) [x] {y})\n"	/* 7: a label as a priority */
	"exten => 1 2 3,1,NoOp(spaces)\n"		/* 8 */
	"exten => 100,hint,SIP/100&SIP/101\n"		/* 9 */
	"exten => _5[1-3]X,1,NoOp(set) \n"		/* 10 */
	"exten => 200/5551234,1,NoOp(cid)\n"		/* 11 */
	"exten => 200/_555-XXXX,1,NoOp(cid pattern)\n"	/* 12 */
	"exten => 300,1,Set(S=\"a)\")\n"		/* 13: quoted bracket */
	"exten => 301,1,NoOp(a\\)b)\n";			/* 14: escaped bracket */

static void test_syntax_forms(void)
{
	struct dp_plan *plan = parse(syntax_plan);
	const struct dp_exten *e;
	const struct dp_prio *p;

	CHECK(plan != NULL);
	if (!plan)
		return;
	e = dp_find_exten(plan, "ctx", "100", NULL, 0, NULL);
	CHECK_INT(dp_exten_prio_count(e), 6);
	p = dp_exten_prio(e, 2);
	CHECK_STR(p->app, "Set");
	CHECK_STR(p->args, "X=${CUT(A,-,1)}");
	CHECK_STR(p->file, "t.conf");
	CHECK_INT(p->line, 3);
	CHECK_INT(dp_exten_label(e, "again"), 3);
	CHECK_INT(dp_exten_label(e, "ten"), 10);
	CHECK_INT(dp_exten_label(e, "nope"), -1);
	CHECK_STR(dp_exten_prio(e, 10)->app, "Hangup");
	CHECK_STR(dp_exten_prio(e, 10)->args, "");
	CHECK_STR(dp_exten_prio(e, 11)->app, "Dial");
	CHECK_STR(dp_exten_prio(e, 11)->args, "SIP/100|20");
	CHECK_STR(dp_exten_prio(e, 5)->args, "(nested) [x] {y}");
	CHECK_INT(dp_exten_prio(e, 5)->line, 7);
	CHECK_STR(dp_exten_prio_at(e, 4)->app, "Hangup");	/* ascending: 1 2 3 5 10 11 */
	CHECK_STR(dp_exten_prio_at(e, 5)->app, "Dial");
	CHECK(dp_exten_prio_at(e, 6) == NULL);
	CHECK_STR(dp_hint(plan, "ctx", "100"), "SIP/100&SIP/101");
	CHECK_STR(find(plan, "ctx", "123", NULL), "123@ctx NoOp(spaces)");
	CHECK_STR(find(plan, "ctx", "527", NULL), "_5[1-3]X@ctx NoOp(set)");
	CHECK_STR(find(plan, "ctx", "200", "5551234"), "200@ctx NoOp(cid)");
	CHECK_STR(find(plan, "ctx", "200", "5559999"), "200@ctx NoOp(cid pattern)");
	CHECK_STR(find(plan, "ctx", "200", "4441234"), "(none)");
	CHECK_STR(find(plan, "ctx", "300", NULL), "300@ctx Set(S=\"a)\")");
	CHECK_STR(find(plan, "ctx", "301", NULL), "301@ctx NoOp(a\\)b)");
	CHECK_INT(dp_plan_context_count(plan), 1);
	CHECK_INT(dp_plan_exten_count(plan), 7);
	dp_plan_unref(plan);
}

/* Every broken line names its file:line and why. */
static const struct {
	const char *text;
	const char *error;	/* the start of the message */
	const char *why;	/* a part of it */
} errors[] = {
	{ "[c]\nexten => 100,1\n", "t.conf:2: ", "missing application" },
	{ "[c]\nexten => 100,1,\n", "t.conf:2: ", "missing application" },
	{ "[c]\nexten => 100,1, (x)\n", "t.conf:2: ", "missing application" },
	{ "[c]\nexten => 100\n", "t.conf:2: ", "exten => extension,priority" },
	{ "[c]\n\nexten => 100,1,NoOp(a\n", "t.conf:3: ", "no closing ')'" },
	{ "[c]\nexten => 100,1,Set(x=$[(1+2])\n", "t.conf:2: ", "unbalanced brackets" },
	{ "[c]\nexten => 100,1,NoOp(a))\n", "t.conf:2: ", "unbalanced brackets" },
	{ "[c]\nexten => 100,1,NoOp(${X)\n", "t.conf:2: ", "unbalanced brackets" },
	{ "[c]\nexten => 100,1,NoOp(a)b\n", "t.conf:2: ", "after the ')'" },
	{ "[c]\nexten => 100,1,No Op(a)\n", "t.conf:2: ", "bad application name" },
	{ "[c]\nexten => 100,x,NoOp()\n", "t.conf:2: ", "bad priority 'x'" },
	{ "[c]\nexten => 100,0,NoOp()\n", "t.conf:2: ", "bad priority" },
	{ "[c]\nexten => 100,-1,NoOp()\n", "t.conf:2: ", "bad priority" },
	{ "[c]\nexten => 100,1(,NoOp()\n", "t.conf:2: ", "no closing ')'" },
	{ "[c]\nexten => 100,1(),NoOp()\n", "t.conf:2: ", "empty priority label" },
	{ "[c]\nexten => 100,1,NoOp()\nexten => 100,1,NoOp()\n", "t.conf:3: ",
	  "priority 1 of '100' in [c] is already defined at t.conf:2" },
	{ "[c]\nexten => 100,1(a),NoOp()\nexten => 100,2(a),NoOp()\n", "t.conf:3: ",
	  "label 'a' of '100' is already priority 1" },
	{ "[c]\nexten => _1[2,1,NoOp()\n", "t.conf:2: ", "']'" },
	{ "[c]\nexten => 100/_5[5,1,NoOp()\n", "t.conf:2: ", "caller-id pattern" },
	{ "[c]\nexten => ,1,NoOp()\n", "t.conf:2: ", "missing extension name" },
	{ "[c]\nexten => 100,n,NoOp()\n", "t.conf:2: ", "no numbered priority before it" },
	{ "[c]\nexten => 100,1,NoOp()\nexten => 200,n,NoOp()\n", "t.conf:3: ",
	  "no numbered priority before it" },
	{ "[c]\nsame => n,NoOp()\n", "t.conf:2: ", "'same =>' with no 'exten =>'" },
	{ "[c]\nexten => 100,hint,\n", "t.conf:2: ", "names no device" },
	{ "[c]\nexten => 100,hint,SIP/1\nexten => 100,hint,SIP/2\n", "t.conf:3: ",
	  "already has a hint (t.conf:2)" },
	{ "[c]\ninclude => x,25:00-26:00,*,*,*\n", "t.conf:2: ", "bad time range" },
	{ "[c]\ninclude =>\n", "t.conf:2: ", "needs a context name" },
	{ "[c]\nignorepat => _9[\n", "t.conf:2: ", "ignorepat" },
	{ "[c\n", "t.conf:1: ", "closing ']'" },	/* from the .conf parser */
};

static void test_errors(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(errors); i++) {
		const char *msg = parse_error(errors[i].text);

		if (!ly_str_startswith(msg, errors[i].error) || !strstr(msg, errors[i].why))
			printf("#   case %zu: '%s'\n", i, msg);
		CHECK(ly_str_startswith(msg, errors[i].error));
		CHECK(strstr(msg, errors[i].why) != NULL);
	}
}

static void test_general_and_globals(void)
{
	struct dp_plan *plan = parse("[c]\nexten => 1,1,NoOp\n");
	const struct dp_general *g;
	struct ly_buf b;

	CHECK(plan != NULL);
	g = dp_plan_general(plan);
	CHECK(!g->static_plan && !g->writeprotect && !g->clearglobalvars && g->autofallthrough);
	dp_plan_unref(plan);

	plan = parse("[general]\nstatic=yes\nwriteprotect=yes\nclearglobalvars=yes\n"
		     "autofallthrough=no\ncolour=blue\n"
		     "[globals]\nB=2\nA=${B}1\nB=3\n");
	CHECK(plan != NULL);
	if (!plan)
		return;
	g = dp_plan_general(plan);
	CHECK(g->static_plan && g->writeprotect && g->clearglobalvars && !g->autofallthrough);
	ly_buf_init(&b);
	dp_plan_foreach_warning(plan, collect_warning, &b);
	CHECK(strstr(ly_buf_str(&b), "t.conf:6: [general] setting 'colour'") != NULL);
	CHECK_INT(dp_plan_context_count(plan), 0);	/* general and globals are no contexts */
	ly_buf_free(&b);
	dp_plan_unref(plan);
}

static void collect_global(const char *name, const char *value, void *arg)
{
	ly_buf_printf(arg, "%s=%s;", name, value);
}

static void test_globals_in_order(void)
{
	struct dp_plan *plan = parse("[globals]\nB=2\nA=${B}1\nB=3\n[c]\n");
	struct ly_buf b;

	ly_buf_init(&b);
	dp_plan_foreach_global(plan, collect_global, &b);
	CHECK_STR(ly_buf_str(&b), "B=2;A=${B}1;B=3;");
	ly_buf_free(&b);
	dp_plan_unref(plan);
}

/* ---- lookups ---- */

static void test_lookup_order(void)
{
	struct dp_plan *plan = parse(
		"[c]\n"
		"exten => _X.,1,NoOp(X.)\n"
		"exten => _6XX1,1,NoOp(6XX1)\n"
		"exten => _64XX,1,NoOp(64XX)\n"
		"exten => _640X,1,NoOp(640X)\n"
		"exten => 6401,1,NoOp(literal)\n"
		"exten => _NXX,1,NoOp(NXX)\n"
		"exten => _1XX,1,NoOp(1XX)\n"
		"exten => _[1-2]XX,1,NoOp(set)\n");

	CHECK_STR(find(plan, "c", "6401", NULL), "6401@c NoOp(literal)");
	CHECK_STR(find(plan, "c", "6402", NULL), "_640X@c NoOp(640X)");
	CHECK_STR(find(plan, "c", "6411", NULL), "_64XX@c NoOp(64XX)");
	CHECK_STR(find(plan, "c", "6551", NULL), "_6XX1@c NoOp(6XX1)");
	CHECK_STR(find(plan, "c", "6552", NULL), "_X.@c NoOp(X.)");
	CHECK_STR(find(plan, "c", "155", NULL), "_1XX@c NoOp(1XX)");
	CHECK_STR(find(plan, "c", "355", NULL), "_NXX@c NoOp(NXX)");
	CHECK_STR(find(plan, "c", "255", NULL), "_[1-2]XX@c NoOp(set)");	/* 2 choices < N's 8 */
	CHECK_STR(find(plan, "c", "64-01", NULL), "6401@c NoOp(literal)");
	CHECK_STR(find(plan, "c", "", NULL), "(none)");
	CHECK_STR(find(plan, "nope", "6401", NULL), "(none)");
	/* Goto to a pattern by its own name */
	CHECK_STR(find(plan, "c", "_1XX", NULL), "_1XX@c NoOp(1XX)");
	dp_plan_unref(plan);
}

static void test_cid_precedence(void)
{
	struct dp_plan *plan = parse(
		"[c]\n"
		"exten => 100,1,NoOp(plain)\n"
		"exten => 100/_555XXXX,1,NoOp(555)\n"
		"exten => 100/5551234,1,NoOp(exact)\n"
		"exten => 100/,1,NoOp(no cid)\n"
		"exten => _1XX/_9X.,1,NoOp(pattern 9)\n");

	CHECK_STR(find(plan, "c", "100", "5551234"), "100@c NoOp(exact)");
	CHECK_STR(find(plan, "c", "100", "5559876"), "100@c NoOp(555)");
	CHECK_STR(find(plan, "c", "100", "4441234"), "100@c NoOp(plain)");
	CHECK_STR(find(plan, "c", "100", NULL), "100@c NoOp(no cid)");
	CHECK_STR(find(plan, "c", "100", ""), "100@c NoOp(no cid)");
	CHECK_STR(find(plan, "c", "100", "555-1234"), "100@c NoOp(exact)");
	/* a literal name wins over a pattern whatever their caller-id parts */
	CHECK_STR(find(plan, "c", "100", "912"), "100@c NoOp(plain)");
	CHECK_STR(find(plan, "c", "101", "912"), "_1XX@c NoOp(pattern 9)");
	CHECK_STR(find(plan, "c", "101", "812"), "(none)");
	dp_plan_unref(plan);
}

static void test_match_modes(void)
{
	struct dp_plan *plan = parse(
		"[c]\n"
		"exten => 1234,1,NoOp\n"
		"exten => _55X.,1,NoOp\n"
		"exten => _9!,1,NoOp\n"
		"[d]\n"
		"exten => _91XX,1,NoOp\n"
		"exten => _9!,1,NoOp\n"
		"[e]\n"
		"include => d2\n"
		"include => d3\n"
		"[d2]\n"
		"exten => _8!,1,NoOp\n"
		"[d3]\n"
		"exten => _8XX,1,NoOp\n");
	time_t now = time(NULL);

	CHECK(dp_match(plan, "c", "1234", NULL, DP_MATCH_EXISTS, now));
	CHECK(!dp_match(plan, "c", "123", NULL, DP_MATCH_EXISTS, now));
	CHECK(dp_match(plan, "c", "123", NULL, DP_MATCH_CANMATCH, now));
	CHECK(dp_match(plan, "c", "123", NULL, DP_MATCH_MATCHMORE, now));
	CHECK(!dp_match(plan, "c", "1234", NULL, DP_MATCH_MATCHMORE, now));
	CHECK(dp_match(plan, "c", "1234", NULL, DP_MATCH_CANMATCH, now));
	CHECK(!dp_match(plan, "c", "12345", NULL, DP_MATCH_CANMATCH, now));
	CHECK(dp_match(plan, "c", "55", NULL, DP_MATCH_MATCHMORE, now));
	CHECK(dp_match(plan, "c", "5512", NULL, DP_MATCH_MATCHMORE, now));	/* '.' wants more */
	CHECK(dp_match(plan, "c", "", NULL, DP_MATCH_CANMATCH, now));
	/* '!' matches at once and settles MATCHMORE: dial now, wait no longer */
	CHECK(dp_match(plan, "c", "9", NULL, DP_MATCH_EXISTS, now));
	CHECK(dp_match(plan, "c", "9", NULL, DP_MATCH_CANMATCH, now));
	CHECK(!dp_match(plan, "c", "9", NULL, DP_MATCH_MATCHMORE, now));
	CHECK(!dp_match(plan, "c", "9555", NULL, DP_MATCH_MATCHMORE, now));
	/* ...unless a more specific pattern sorted before it still wants digits */
	CHECK(dp_match(plan, "d", "91", NULL, DP_MATCH_MATCHMORE, now));
	CHECK(!dp_match(plan, "d", "92", NULL, DP_MATCH_MATCHMORE, now));
	/* an early match settles its own include only: the next one is searched */
	CHECK(dp_match(plan, "e", "8", NULL, DP_MATCH_MATCHMORE, now));
	dp_plan_unref(plan);
}

static void test_includes(void)
{
	struct dp_plan *plan = parse(
		"[a]\n"
		"include => b\n"
		"include => c\n"
		"include => missing\n"
		"exten => 1,1,NoOp(a)\n"
		"exten => 55,1,NoOp(a)\n"
		"[b]\n"
		"include => a\n"		/* a loop */
		"exten => 2,1,NoOp(b)\n"
		"exten => _X,1,NoOp(b X)\n"
		"[c]\n"
		"include => b\n"
		"include => c\n"		/* itself */
		"exten => 2,1,NoOp(c)\n"
		"exten => 3,1,NoOp(c)\n");
	struct ly_buf b;

	CHECK(plan != NULL);
	if (!plan)
		return;
	CHECK_STR(find(plan, "a", "1", NULL), "1@a NoOp(a)");
	CHECK_STR(find(plan, "a", "2", NULL), "2@b NoOp(b)");	/* first include first */
	CHECK_STR(find(plan, "a", "3", NULL), "_X@b NoOp(b X)");	/* depth first */
	CHECK_STR(find(plan, "c", "3", NULL), "3@c NoOp(c)");	/* own extensions first */
	CHECK_STR(find(plan, "b", "1", NULL), "_X@b NoOp(b X)");	/* own before included */
	CHECK_STR(find(plan, "b", "55", NULL), "55@a NoOp(a)");
	CHECK_STR(find(plan, "a", "12", NULL), "(none)");	/* loops end */
	CHECK(!dp_match(plan, "c", "45", NULL, DP_MATCH_CANMATCH, 0));
	ly_buf_init(&b);
	dp_plan_foreach_warning(plan, collect_warning, &b);
	CHECK(strstr(ly_buf_str(&b), "t.conf:4: context 'a' includes 'missing'") != NULL);
	ly_buf_free(&b);
	dp_plan_unref(plan);
}

static time_t local_time(int year, int mon, int mday, int hour, int min)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday,
			 .tm_hour = hour, .tm_min = min, .tm_isdst = -1 };

	return mktime(&tm);
}

static void test_timed_include(void)
{
	struct dp_plan *plan = parse(
		"[in]\n"
		"include => open,9:00-17:00,mon-fri,*,*\n"
		"include => closed\n"
		"[open]\n"
		"exten => 100,1,NoOp(open)\n"
		"[closed]\n"
		"exten => 100,1,NoOp(closed)\n");
	const char *where = NULL;
	time_t wed_10 = local_time(2024, 1, 3, 10, 0);
	time_t wed_18 = local_time(2024, 1, 3, 18, 0);
	time_t sun_10 = local_time(2024, 1, 7, 10, 0);

	CHECK(plan != NULL);
	if (!plan)
		return;
	CHECK(dp_find_exten(plan, "in", "100", NULL, wed_10, &where) != NULL);
	CHECK_STR(where, "open");
	CHECK(dp_find_exten(plan, "in", "100", NULL, wed_18, &where) != NULL);
	CHECK_STR(where, "closed");
	CHECK(dp_find_exten(plan, "in", "100", NULL, sun_10, &where) != NULL);
	CHECK_STR(where, "closed");
	dp_plan_unref(plan);
}

static void test_ignorepat_and_hints(void)
{
	struct dp_plan *plan = parse(
		"[c]\n"
		"ignorepat => 9\n"
		"ignorepat => _8X\n"
		"include => d\n"
		"exten => 100,hint,SIP/100\n"
		"exten => _1XX,1,NoOp(pattern)\n"
		"[d]\n"
		"ignorepat => 7\n"
		"exten => _2XX,hint,SIP/${EXTEN}\n"
		"exten => _2XX,1,NoOp(d)\n");

	CHECK(dp_ignorepat(plan, "c", "9"));
	CHECK(dp_ignorepat(plan, "c", "81"));
	CHECK(!dp_ignorepat(plan, "c", "8"));
	CHECK(!dp_ignorepat(plan, "c", "7"));	/* not through includes */
	CHECK(dp_ignorepat(plan, "d", "7"));
	CHECK(!dp_ignorepat(plan, "nope", "9"));
	/* a hint-only extension does not take calls: the pattern does */
	CHECK_STR(find(plan, "c", "100", NULL), "_1XX@c NoOp(pattern)");
	CHECK_STR(dp_hint(plan, "c", "100"), "SIP/100");
	CHECK_STR(dp_hint(plan, "c", "205"), "SIP/${EXTEN}");	/* through an include */
	CHECK(dp_hint(plan, "c", "101") == NULL);
	CHECK(dp_context_exists(plan, "d"));
	CHECK(!dp_context_exists(plan, "D"));
	dp_plan_unref(plan);

	/* a priority missing from the best match runs from a less specific one */
	plan = parse("[c]\nexten => 100,1,NoOp(lit)\nexten => _1XX,1,NoOp(pat)\n"
		     " same => n,NoOp(pat 2)\n[e]\ninclude => c\nexten => _X.,3,NoOp(e)\n");
	CHECK_STR(dp_exten_name(dp_find_exten_prio(plan, "c", "100", NULL, 1, 0, NULL)), "100");
	CHECK_STR(dp_exten_name(dp_find_exten_prio(plan, "c", "100", NULL, 2, 0, NULL)), "_1XX");
	CHECK(dp_find_exten_prio(plan, "c", "100", NULL, 3, 0, NULL) == NULL);
	CHECK(dp_find_exten_prio(plan, "c", "100", NULL, 0, 0, NULL) == NULL);
	CHECK_STR(dp_exten_name(dp_find_exten_prio(plan, "e", "100", NULL, 2, 0, NULL)), "_1XX");	/* context names are exact, as in Asterisk */
	dp_plan_unref(plan);
}

static void test_contexts_merge_templates_skip(void)
{
	struct dp_plan *plan = parse(
		"[tmpl](!)\n"
		"exten => 1,1,NoOp(tmpl)\n"
		"[a](tmpl)\n"
		"exten => 2,1,NoOp(a)\n"
		"[b]\n"
		"exten => 5,1,NoOp(b)\n"
		"[a]\n"
		"exten => 3,1,NoOp(a again)\n"
		"exten => 555-1234,1,NoOp(fluff)\n"
		"exten => 5551234,2,NoOp(same extension)\n");

	CHECK(plan != NULL);
	if (!plan)
		return;
	CHECK(!dp_context_exists(plan, "tmpl"));
	CHECK_INT(dp_plan_context_count(plan), 2);
	CHECK_STR(find(plan, "a", "1", NULL), "1@a NoOp(tmpl)");
	CHECK_STR(find(plan, "a", "3", NULL), "3@a NoOp(a again)");
	CHECK_INT(dp_exten_prio_count(dp_find_exten(plan, "a", "5551234", NULL, 0, NULL)), 2);
	dp_plan_unref(plan);
}

static void test_load_files(void)
{
	const char *srcdir = getenv("top_srcdir");
	char *dir = ly_asprintf("%s/tests/unit/data/dialplan", srcdir ? srcdir : ".");
	struct ly_cfg_error err;
	struct dp_plan *plan = NULL;

	CHECK_INT(dp_plan_load(dir, "extensions.conf", &plan, &err), 0);
	CHECK(plan != NULL);
	if (plan) {
		const struct dp_exten *e = dp_find_exten(plan, "main", "205", NULL, 0, NULL);

		CHECK(e != NULL);
		CHECK(e && strstr(dp_exten_prio(e, 1)->file, "office.conf") != NULL);
		CHECK(e && dp_exten_prio(e, 1)->line == 4);
		CHECK(dp_plan_general(plan)->clearglobalvars);
		dp_plan_unref(plan);
	}
	CHECK_INT(dp_plan_load(dir, "broken.conf", &plan, &err), EINVAL);
	CHECK(plan == NULL);
	CHECK(strstr(err.msg, "broken_inc.conf:4: ") != NULL);
	CHECK_INT(dp_plan_load(dir, "absent.conf", &plan, &err), ENOENT);
	free(dir);
}

/* ---- the running plan, reload and the console ---- */

static char confdir[] = "/tmp/test_dialplan_XXXXXX";

static void write_plan(const char *text)
{
	char *path = ly_asprintf("%s/extensions.conf", confdir);
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

static void remove_confdir(void)
{
	char *path = ly_asprintf("%s/extensions.conf", confdir);

	unlink(path);
	free(path);
	rmdir(confdir);
}

static enum ly_cli_result cli(const char *line, struct ly_buf *out)
{
	ly_buf_reset(out);
	return ly_cli_execute(line, out);
}

static const char good_plan[] =
	"[globals]\nG1=one\nG2=${G1}+two\n"
	"[default]\n"
	"include => other\n"
	"ignorepat => 9\n"
	"exten => 100,1,NoOp(hi)\n"
	" same => n(end),Hangup()\n"
	"exten => 100,hint,SIP/100\n"
	"[other]\n"
	"exten => _2XX,1,NoOp(other)\n";

static const char show_default[] =
	"[ Context 'default' created by 'pbx_config' ]\n"
	"  '100' =>          hint: SIP/100                                 [extensions.conf:9]\n"
	"                    1. NoOp(hi)                                   [extensions.conf:7]\n"
	"     [end]          2. Hangup()                                   [extensions.conf:8]\n"
	"  Include =>        'other'                                       [extensions.conf:5]\n"
	"  Ignore pattern => '9'                                           [extensions.conf:6]\n"
	"\n"
	"[ Included context 'other' created by 'pbx_config' ]\n"
	"  '_2XX' =>         1. NoOp(other)                                [extensions.conf:11]\n"
	"\n"
	"-= 2 extensions (3 priorities) in 2 contexts. =-\n";

static const char show_exten[] =
	"[ Included context 'other' created by 'pbx_config' ]\n"
	"  '_2XX' =>         1. NoOp(other)                                [extensions.conf:11]\n"
	"\n"
	"-= 1 extension (1 priority) in 1 context. =-\n";

static void test_reload_and_cli(void)
{
	struct ly_buf out, why;
	struct dp_plan *plan;
	char buf[64];

	CHECK(mkdtemp(confdir) != NULL);
	ly_buf_init(&out);
	ly_buf_init(&why);
	/* no file: an empty plan */
	CHECK_INT(dp_init(confdir), 0);
	plan = dp_current();
	CHECK(plan && dp_plan_context_count(plan) == 0);
	dp_plan_unref(plan);

	write_plan(good_plan);
	CHECK_INT(cli("dialplan reload", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "Dialplan reloaded.\n");
	CHECK_STR(ly_global_get("G2", buf, sizeof(buf)), "one+two");
	CHECK_INT(cli("dialplan show default", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), show_default);
	CHECK_INT(cli("dialplan show 205@default", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), show_exten);
	CHECK_INT(cli("dialplan show nope", &out), LY_CLI_FAILURE);
	CHECK_STR(ly_buf_str(&out), "There is no existence of 'nope' context\n");
	CHECK_INT(cli("dialplan show 300@default", &out), LY_CLI_FAILURE);
	CHECK_INT(cli("dialplan show", &out), LY_CLI_SUCCESS);
	CHECK(strstr(ly_buf_str(&out), "-= 2 extensions (3 priorities) in 2 contexts. =-\n") != NULL);
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("dialplan show o", &out), 1);
	CHECK_STR(ly_buf_str(&out), "other\n");
	ly_buf_reset(&out);
	CHECK_INT(ly_cli_completions("dialplan show 100@d", &out), 1);
	CHECK_STR(ly_buf_str(&out), "100@default\n");

	/* a broken file: the old plan keeps running, the error names file:line */
	write_plan("[default]\nexten => 100,1,NoOp(hi)\nexten => 100,1,NoOp(again)\n"
		   "[globals]\nG1=changed\n");
	CHECK_INT(dp_reload(&why), EINVAL);
	CHECK(strstr(ly_buf_str(&why), "extensions.conf:3: ") != NULL);
	CHECK_INT(cli("dialplan reload", &out), LY_CLI_FAILURE);
	CHECK(strstr(ly_buf_str(&out), "extensions.conf:3: priority 1") != NULL);
	plan = dp_current();
	CHECK(dp_context_exists(plan, "other"));
	dp_plan_unref(plan);
	CHECK_STR(ly_global_get("G1", buf, sizeof(buf)), "one");

	/* clearglobalvars: globals of the old file go */
	write_plan("[general]\nclearglobalvars=yes\n[globals]\nG3=three\n[x]\n");
	CHECK_INT(dp_reload(&why), 0);
	CHECK(ly_global_get("G1", buf, sizeof(buf)) == NULL);
	CHECK_STR(ly_global_get("G3", buf, sizeof(buf)), "three");
	plan = dp_current();
	CHECK(!dp_context_exists(plan, "other") && dp_context_exists(plan, "x"));
	dp_plan_unref(plan);

	CHECK_INT(cli("dialplan set trace maybe", &out), LY_CLI_FAILURE);
	CHECK(strstr(ly_buf_str(&out), "Usage: dialplan set trace on|off") != NULL);
	CHECK_INT(cli("dialplan set trace on", &out), LY_CLI_SUCCESS);
	CHECK_STR(ly_buf_str(&out), "Dialplan trace on.\n");
	CHECK_INT(cli("dialplan set trace off", &out), LY_CLI_SUCCESS);

	dp_shutdown();
	CHECK(dp_current() == NULL);
	ly_global_set("G3", NULL);
	ly_buf_free(&out);
	ly_buf_free(&why);
	remove_confdir();
}

/* The console commands need the CLI registry and the logger. */
int main(void)
{
	static const struct tap_test tests[] = {
		TAP(test_syntax_forms), TAP(test_errors), TAP(test_general_and_globals),
		TAP(test_globals_in_order), TAP(test_lookup_order), TAP(test_cid_precedence),
		TAP(test_match_modes), TAP(test_includes), TAP(test_timed_include),
		TAP(test_ignorepat_and_hints), TAP(test_contexts_merge_templates_skip),
		TAP(test_load_files), TAP(test_reload_and_cli),
	};
	int rc;

	ly_log_init();
	ly_cli_init();
	rc = tap_run(tests, LY_ARRAY_LEN(tests));
	ly_cli_shutdown();
	return rc;
}
