/*
 * tests/unit/test_funcs.c - every dialplan function module (func_*) run
 * through the real dialplan: a table of ${FUNC(...)} expressions and the
 * values they must give, each group one small dialplan.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_harness.h"
#include "lyre/utils.h"
#include "tap.h"

struct row {
	const char *expr;	/* substituted as Set(Rn=<expr>) */
	const char *want;	/* the value Rn must have ("" also matches unset) */
};

/* Build "[t] exten => s,1,NoOp() <setup> Set(R1=..)... Hangup()", run it,
 * and compare each Rn.  Later rows see what earlier rows changed. */
static void run_table(const char *setup, const struct row *rows, size_t n)
{
	struct ly_buf plan;
	struct dph_call *call;

	ly_buf_init(&plan);
	ly_buf_printf(&plan, "[t]\nexten => s,1,NoOp()\n%s", setup ? setup : "");
	for (size_t i = 0; i < n; i++)
		ly_buf_printf(&plan, " same => n,Set(R%zu=%s)\n", i + 1, rows[i].expr);
	ly_buf_puts(&plan, " same => n,Hangup()\n");
	CHECK_INT(dph_load(ly_buf_str(&plan)), 0);
	call = dph_run("t", "s", "5551234", NULL, 3000);
	CHECK(!dph_timed_out(call));
	for (size_t i = 0; i < n; i++) {
		char name[16];
		const char *got;

		snprintf(name, sizeof(name), "R%zu", i + 1);
		got = dph_var(call, name);
		if (strcmp(got ? got : "", rows[i].want) != 0) {
			printf("#   %s\n", rows[i].expr);
			CHECK_STR(got ? got : "", rows[i].want);
		}
	}
	dph_free(call);
	ly_buf_free(&plan);
}

#define RUN(setup, rows) run_table(setup, rows, LY_ARRAY_LEN(rows))

static void test_setup(void)
{
	CHECK_INT(dph_setup(), 0);
}

static void test_cut_fieldqty(void)
{
	static const struct row rows[] = {
		{ "${CUT(X,-,2)}", "456" },
		{ "${CUT(X,,1-2)}", "123-456" },
		{ "${CUT(X,-,1&3)}", "123-7890" },
		{ "${CUT(X,-,-2)}", "123-456" },
		{ "${CUT(X,-,2-)}", "456-7890" },
		{ "${CUT(X,-,7)}", "" },
		{ "${CUT(X,-,3&1)}", "7890" },
		{ "${CUT(X,-,bad)}", "" },
		{ "${CUT(NOTSET,-,1)}", "" },
		{ "${CUT(L,|,2)}", "b" },
		{ "${FIELDQTY(X,-)}", "3" },
		{ "${FIELDQTY(L,|)}", "3" },
		{ "${FIELDQTY(NOTSET,-)}", "0" },
	};

	RUN(" same => n,Set(X=123-456-7890)\n same => n,Set(L=a|b|c)\n", rows);
}

static void test_string_functions(void)
{
	static const struct row rows[] = {
		{ "${LEN(hello)}", "5" },
		{ "${LEN()}", "0" },
		{ "${LEN(${X})}", "12" },
		{ "${TOUPPER(Example)}", "EXAMPLE" },
		{ "${TOLOWER(Example)}", "example" },
		{ "${FILTER(0-9,${X})}", "1234567890" },
		{ "${FILTER(a-cx,xabcdz)}", "xabc" },
		{ "${FILTER(0-9)}", "" },
		{ "${REGEX(\"^1[0-9]+\" 12345)}", "1" },
		{ "${REGEX(\"^1[0-9]+\" 2345)}", "0" },
		{ "${REPLACE(X,-,.)}", "123.456.7890" },
		{ "${REPLACE(X,-)}", "1234567890" },
		{ "${REPLACE(X,-5,_)}", "123_4_6_7890" },
		{ "${CUT(PASSTHRU(a-b),-,2)}", "b" },
		{ "${STRFTIME(0,UTC,%Y-%m-%d %H:%M:%S)}", "1970-01-01 00:00:00" },
		{ "${STRFTIME(1700000000,Europe/Paris,%H:%M %Z)}", "23:13 CET" },
		{ "${STRFTIME(1690000000,Europe/Paris,%H:%M %Z)}", "06:26 CEST" },
		{ "${STRFTIME(1690000000,Europe/Paris,%z %Z)}", "+0200 CEST" },
		{ "${STRFTIME(1700000000,America/New_York,%Y-%m-%d %H:%M:%S %z %Z)}",
		  "2023-11-14 17:13:20 -0500 EST" },
		{ "${STRFTIME(1690000000,Asia/Kolkata,%H:%M %z %Z)}", "09:56 +0530 IST" },
		{ "${STRFTIME(4102444800,Europe/Paris,%Y %H:%M %z %Z)}", "2100 01:00 +0100 CET" },
		{ "${STRFTIME(1700000000.5,UTC,%S.%3q %z %Z)}", "20.500 +0000 UTC" },
		{ "${STRFTIME(0,Nowhere/Atlantis,%s)}", "0" },	/* unknown: local time */
		{ "${STRFTIME(,UTC,%Y-%m-%d)}", "2001-09-09" },	/* the fixed clock */
	};

	dph_set_clock(1000000000);
	RUN(" same => n,Set(X=123-456-7890)\n", rows);
	dph_set_clock(0);
}

static void test_list_functions(void)
{
	static const struct row rows[] = {
		{ "${SHIFT(A)}", "one" },
		{ "${A}", "two,three" },
		{ "${POP(A)}", "three" },
		{ "${POP(A)}", "two" },
		{ "${A}", "" },
		{ "${SHIFT(A)}", "" },		/* empty: nothing to take */
		{ "${POP(NEVERSET)}", "" },
		{ "${SHIFT(B,|)}", "x" },
		{ "${B}", "y" },
		{ "${P}", "p1,p2" },
		{ "${Q}", "q1" },
	};

	RUN(" same => n,Set(A=one,two,three)\n"
	    " same => n,Set(B=x|y)\n"
	    " same => n,Set(PUSH(P)=p1)\n"
	    " same => n,Set(PUSH(P)=p2)\n"
	    " same => n,Set(PUSH(Q,|)=q1)\n", rows);
}

static void test_logic_functions(void)
{
	static const struct row rows[] = {
		{ "${IF(1?yes:no)}", "yes" },
		{ "${IF(0?yes:no)}", "no" },
		{ "${IF($[${N} > 3]?big:small)}", "big" },
		{ "${IF(${EMPTY}?yes:no)}", "" },	/* no expression: an error, empty */
		{ "${IF(0?yes)}", "" },
		{ "${IF(text?yes:no)}", "yes" },
		{ "${ISNULL(${EMPTY})}", "1" },
		{ "${ISNULL(x)}", "0" },
		{ "${EXISTS(${N})}", "1" },
		{ "${EXISTS(${EMPTY})}", "0" },
		{ "${SET(S=abc)}", "abc" },
		{ "${S}", "abc" },
		{ "${IFTIME(09:00-17:00,*,*,*,UTC?open:closed)}", "open" },
		{ "${IFTIME(18:00-20:00,*,*,*,UTC?open:closed)}", "closed" },
		{ "${IFTIME(09:00-17:00,sat&sun,*,*,UTC?weekend:weekday)}", "weekday" },
	};

	/* 2001-09-09 01:46:40 UTC was a Sunday: move to Monday 10:00 UTC. */
	dph_set_clock(1000000000 + 86400 - (1 * 3600 + 46 * 60 + 40) + 10 * 3600);
	RUN(" same => n,Set(N=5)\n", rows);
	dph_set_clock(0);
}

static void test_math_functions(void)
{
	static const struct row rows[] = {
		{ "${MATH(123%16,int)}", "11" },
		{ "${MATH(3*2)}", "6.000000" },
		{ "${MATH(10/4,f)}", "2.500000" },
		{ "${MATH(-3*2,i)}", "-6" },
		{ "${MATH(5--3,i)}", "8" },
		{ "${MATH(10/0,i)}", "0" },
		{ "${MATH(7%0,i)}", "0" },
		{ "${MATH(2^10,i)}", "1024" },
		{ "${MATH(1<<4,i)}", "16" },
		{ "${MATH(256>>4,h)}", "10" },
		{ "${MATH(255+0,hex)}", "ff" },
		{ "${MATH(65+1,c)}", "B" },
		{ "${MATH(170 AND 63,i)}", "42" },
		{ "${MATH(8 OR 1,i)}", "9" },
		{ "${MATH(3>2)}", "TRUE" },
		{ "${MATH(3<=2)}", "FALSE" },
		{ "${MATH(3==3)}", "TRUE" },
		{ "${MATH(1+1,bogus)}", "" },
		{ "${MATH(x+1)}", "" },
		{ "${RAND(4,4)}", "4" },
		{ "${INC(C)}", "8" },
		{ "${C}", "8" },
		{ "${DEC(C)}", "7" },
	};

	RUN(" same => n,Set(C=7)\n", rows);
}

static void test_rand_range(void)
{
	struct row rows[20];

	for (size_t i = 0; i < LY_ARRAY_LEN(rows); i++) {
		rows[i].expr = "${IF($[${SET(V=${RAND(1,3)})} >= 1 & ${V} <= 3]?ok:bad)}";
		rows[i].want = "ok";
	}
	RUN(NULL, rows);
}

static void test_db_functions(void)
{
	static const struct row rows[] = {
		{ "${DB(cid/555)}", "Bob" },
		{ "${DB_RESULT}", "Bob" },
		{ "${DB_EXISTS(cid/555)}", "1" },
		{ "${DB_EXISTS(cid/556)}", "0" },
		{ "${DB(cid/556)}", "" },
		{ "${DB(a/b/c)}", "deep" },
		{ "${DB_DELETE(cid/555)}", "Bob" },
		{ "${DB_EXISTS(cid/555)}", "0" },
		{ "${DB_DELETE(cid/555)}", "" },
	};

	RUN(" same => n,Set(DB(cid/555)=Bob)\n same => n,Set(DB(a/b/c)=deep)\n", rows);
}

static void test_callerid_channel_global(void)
{
	static const struct row rows[] = {
		{ "${CALLERID(num)}", "5551234" },
		{ "${CALLERID(name)}", "Alice Smith" },
		{ "${CALLERID(all)}", "\"Alice Smith\" <5551234>" },
		{ "${SET(CALLERID(name)=Bob)}", "Bob" },
		{ "${CALLERID(all)}", "\"Bob\" <5551234>" },
		{ "${SET(CALLERID(num)=777)}", "777" },
		{ "${CALLERID(number)}", "777" },
		{ "${CALLERID(name,\"Carol\" <12>)}", "Carol" },
		{ "${CALLERID(ani)}", "999" },
		{ "${CHANNEL(language)}", "fr" },
		{ "${CHANNEL(channeltype)}", "Test" },
		{ "${CHANNEL(context)}", "t" },
		{ "${CHANNEL(exten)}", "s" },
		{ "${CHANNEL(nosuch)}", "" },
		{ "${GLOBAL(G)}", "gval" },
		{ "${G}", "gval" },
		{ "${GLOBAL(UNSET_GLOBAL)}", "" },
	};

	RUN(" same => n,Set(CALLERID(all)=\"Alice Smith\" <5551234>)\n"
	    " same => n,Set(CALLERID(ani)=999)\n"
	    " same => n,Set(CHANNEL(language)=fr)\n"
	    " same => n,Set(GLOBAL(G)=gval)\n", rows);
}

static void test_teardown(void)
{
	dph_teardown();
}

TAP_MAIN(TAP(test_setup),
	 TAP(test_cut_fieldqty),
	 TAP(test_string_functions),
	 TAP(test_list_functions),
	 TAP(test_logic_functions),
	 TAP(test_math_functions),
	 TAP(test_rand_range),
	 TAP(test_db_functions),
	 TAP(test_callerid_channel_global),
	 TAP(test_teardown))
