/* tests/unit/test_pattern.c - extension patterns: match modes, early match, and Asterisk's ordering. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan.h"
#include "dp_int.h"
#include "tap.h"

/* ---- matching: one row per (pattern, dialled), the three modes ---- */

struct match_case {
	const char *pattern, *data;
	bool exists, canmatch, matchmore;
};

static const struct match_case match_cases[] = {
	/* literals: a prefix can match, a longer name matches more */
	{ "100", "100", true, true, false },
	{ "100", "10", false, true, true },
	{ "100", "", false, true, true },
	{ "100", "1000", false, false, false },
	{ "100", "101", false, false, false },
	{ "555-1234", "5551234", true, true, false },	/* '-' is fluff */
	{ "5551234", "555-1234", true, true, false },
	{ "abc", "ABC", false, false, false },		/* case counts, as in Asterisk */
	/* X Z N, either case */
	{ "_X", "5", true, true, false },
	{ "_X", "", false, true, true },
	{ "_X", "55", false, false, false },
	{ "_x", "0", true, true, false },
	{ "_Z", "0", false, false, false },
	{ "_Z", "1", true, true, false },
	{ "_NXX", "200", true, true, false },
	{ "_NXX", "100", false, false, false },
	{ "_NXX", "2", false, true, true },
	{ "_nxx", "999", true, true, false },
	{ "_X", "a", false, false, false },
	/* sets */
	{ "_[1-5a]", "a", true, true, false },
	{ "_[1-5a]", "3", true, true, false },
	{ "_[1-5a]", "6", false, false, false },
	{ "_[]1", "1", true, true, false },		/* an empty set is skipped */
	{ "_[5-]", "5", true, true, false },		/* '-' before ']' is literal */
	{ "_NXX-XXXX", "555-1234", true, true, false },
	{ "_NXX-XXXX", "5551234", true, true, false },
	{ "_[12", "1", false, false, false },		/* broken set matches nothing */
	/* '.': one or more */
	{ "_9.", "9", false, true, true },
	{ "_9.", "91", true, true, true },
	{ "_9.", "912345678", true, true, true },
	{ "_9.", "8", false, false, false },
	/* '!': zero or more, early match (true in every mode here; the
	 * plan-level MATCHMORE turns it into a final "no") */
	{ "_9!", "9", true, true, true },
	{ "_9!", "95", true, true, true },
	{ "_9!", "", false, true, true },
	{ "_9!", "8", false, false, false },
	{ "_!", "", true, true, true },
	/* a caller-id separator ends the pattern */
	{ "_1XX/555", "123", true, true, false },
};

static void test_match_modes(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		bool e = dp_pattern_match(c->pattern, c->data, DP_MATCH_EXISTS);
		bool cm = dp_pattern_match(c->pattern, c->data, DP_MATCH_CANMATCH);
		bool mm = dp_pattern_match(c->pattern, c->data, DP_MATCH_MATCHMORE);

		if (e != c->exists || cm != c->canmatch || mm != c->matchmore)
			printf("#   %s vs '%s': got %d%d%d want %d%d%d\n", c->pattern, c->data,
			       e, cm, mm, c->exists, c->canmatch, c->matchmore);
		CHECK(e == c->exists);
		CHECK(cm == c->canmatch);
		CHECK(mm == c->matchmore);
	}
}

static void test_early_hit(void)
{
	struct dp_pat p;

	dp_pat_compile("_9!", &p);
	CHECK_INT(dp_pat_match(&p, "9", DP_MATCH_MATCHMORE), DP_HIT_EARLY);
	CHECK_INT(dp_pat_match(&p, "9123", DP_MATCH_EXISTS), DP_HIT_EARLY);
	dp_pat_free(&p);
	dp_pat_compile("_9.", &p);
	CHECK_INT(dp_pat_match(&p, "91", DP_MATCH_MATCHMORE), DP_HIT_MATCH);
	dp_pat_free(&p);
}

static void test_pattern_check(void)
{
	const char *why = NULL;

	CHECK_INT(dp_pattern_check("_X[1-3]", &why), 0);
	CHECK_INT(dp_pattern_check("[abc", &why), 0);	/* a literal name may hold '[' */
	CHECK_INT(dp_pattern_check("_X[1-3", &why), EINVAL);
	CHECK(why && strstr(why, "']'"));
}

/* ---- ordering ---- */

/* Each list is in Asterisk's order, most specific first. */
static const char *const orders[][6] = {
	/* literals before patterns */
	{ "12", "_12", NULL },
	{ "h", "_.", NULL },
	/* the wiki's example: 6401 dialled, _640X wins */
	{ "_640X", "_64XX", "_6XX1", NULL },
	/* 1 < N (8 choices) < Z (9) < X (10) */
	{ "_1XX", "_NXX", "_ZXX", "_XXX", NULL },
	{ "_NXXXXXX", "_X.", NULL },
	{ "_918.", "_.", NULL },
	/* "[8-9] before [1-9], [12] before X, but X before [1-2a-z]" */
	{ "_[8-9]", "_[1-9]", NULL },
	{ "_[12]", "_X", "_[1-2a-z]", NULL },
	/* same number of choices: lower characters first */
	{ "_[234]X", "_[345]X", NULL },
	/* '.' before '!', both before the end of a pattern */
	{ "_X.", "_X!", "_X", NULL },
};

static void test_ordering(void)
{
	for (size_t i = 0; i < LY_ARRAY_LEN(orders); i++) {
		for (size_t j = 0; orders[i][j] && orders[i][j + 1]; j++) {
			const char *a = orders[i][j], *b = orders[i][j + 1];

			if (dp_pattern_cmp(a, b) >= 0)
				printf("#   expected %s before %s\n", a, b);
			CHECK(dp_pattern_cmp(a, b) < 0);
			CHECK(dp_pattern_cmp(b, a) > 0);
		}
	}
}

static void test_ordering_equal(void)
{
	CHECK_INT(dp_pattern_cmp("_NXX", "_nxx"), 0);
	CHECK_INT(dp_pattern_cmp("_NXX", "_[2-9]XX"), 0);	/* the same set */
	CHECK_INT(dp_pattern_cmp("_1-XX", "_1XX"), 0);	/* fluff */
	CHECK_INT(dp_pattern_cmp("555-1234", "5551234"), 0);
	CHECK(dp_pattern_cmp("100", "101") < 0);
}

/* Sorting a shuffled list with dp_pattern_cmp gives Asterisk's order. */
static int cmp_names(const void *a, const void *b)
{
	return dp_pattern_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_sort(void)
{
	const char *names[] = { "_X.", "_!", "_NXX", "100", "_1XX", "_[1-3]XX", "_12X", "_X" };
	const char *want[] = { "100", "_12X", "_1XX", "_[1-3]XX", "_NXX", "_X.", "_X", "_!" };

	qsort(names, LY_ARRAY_LEN(names), sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < LY_ARRAY_LEN(names); i++)
		CHECK_STR(names[i], want[i]);
}

TAP_MAIN(TAP(test_match_modes), TAP(test_early_hit), TAP(test_pattern_check),
	 TAP(test_ordering), TAP(test_ordering_equal), TAP(test_sort))
