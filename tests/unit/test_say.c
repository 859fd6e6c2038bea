/* tests/unit/test_say.c - English numbers, letters and dates as prompt lists (modules/app_say/say_en.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../modules/app_say/say_en.h"
#include "tap.h"

/* The list joined with spaces, for one readable comparison. */
static const char *joined(const struct say_list *l)
{
	static char buf[SAY_MAX * SAY_NAME];

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, l->name[i]);
	}
	return buf;
}

static const char *number(long long n)
{
	static struct say_list l;

	memset(&l, 0, sizeof(l));
	say_number_en(&l, n);
	return joined(&l);
}

static void test_numbers(void)
{
	CHECK_STR(number(0), "digits/0");
	CHECK_STR(number(7), "digits/7");
	CHECK_STR(number(13), "digits/13");
	CHECK_STR(number(20), "digits/20");
	CHECK_STR(number(21), "digits/20 digits/1");
	CHECK_STR(number(100), "digits/1 digits/hundred");
	CHECK_STR(number(101), "digits/1 digits/hundred digits/1");
	CHECK_STR(number(999), "digits/9 digits/hundred digits/90 digits/9");
	CHECK_STR(number(1000), "digits/1 digits/thousand");
	CHECK_STR(number(1001), "digits/1 digits/thousand digits/1");
	CHECK_STR(number(1000000), "digits/1 digits/million");
	CHECK_STR(number(1234567890),
		  "digits/1 digits/billion digits/2 digits/hundred digits/30 digits/4 "
		  "digits/million digits/5 digits/hundred digits/60 digits/7 digits/thousand "
		  "digits/8 digits/hundred digits/90");
	CHECK_STR(number(-5), "digits/minus digits/5");
	CHECK_STR(number(42), "digits/40 digits/2");
	CHECK_STR(number(2000010), "digits/2 digits/million digits/10");
}

static void test_chars(void)
{
	char buf[SAY_NAME];

	CHECK_STR(say_digit_name('0'), "digits/0");
	CHECK_STR(say_digit_name('*'), "digits/star");
	CHECK_STR(say_digit_name('#'), "digits/pound");
	CHECK(say_digit_name('a') == NULL);
	CHECK_STR(say_alpha_name('Q', buf, sizeof(buf)), "letters/q");
	CHECK_STR(say_alpha_name('7', buf, sizeof(buf)), "digits/7");
	CHECK_STR(say_alpha_name('@', buf, sizeof(buf)), "letters/at");
	CHECK_STR(say_alpha_name('.', buf, sizeof(buf)), "letters/dot");
	CHECK_STR(say_alpha_name('?', buf, sizeof(buf)), "letters/ascii63");
	CHECK(say_alpha_name('\n', buf, sizeof(buf)) == NULL);
}

static const char *say_time(const struct tm *tm, const struct tm *now, const char *format)
{
	static struct say_list l;

	memset(&l, 0, sizeof(l));
	say_time_en(&l, tm, now, format);
	return joined(&l);
}

static void test_time(void)
{
	/* Thursday 26 November 2026, 14:05:09 */
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 26, .tm_wday = 4,
			 .tm_hour = 14, .tm_min = 5, .tm_sec = 9 }, now = tm, eve = tm;

	CHECK_STR(say_time(&tm, &now, "ABdY 'digits/at' IMp"),
		  "digits/day-4 digits/mon-10 digits/20 digits/h-6 digits/2 digits/thousand "
		  "digits/20 digits/6 digits/at digits/2 digits/oh digits/5 digits/p-m");
	CHECK_STR(say_time(&tm, &now, "HMS"),
		  "digits/14 digits/oh digits/5 digits/oh digits/9");
	tm.tm_hour = 0;
	tm.tm_min = 0;
	CHECK_STR(say_time(&tm, &now, "IMp"), "digits/12 digits/oclock digits/a-m");
	CHECK_STR(say_time(&tm, &now, "H"), "digits/oh");
	CHECK_STR(say_time(&tm, &now, "Q"), "digits/today");
	CHECK_STR(say_time(&tm, &now, "q"), "");
	/* Across a year's end: 31 Dec 2026 is yesterday on 1 Jan 2027. */
	eve = (struct tm){ .tm_year = 126, .tm_mon = 11, .tm_mday = 31, .tm_wday = 4 };
	now = (struct tm){ .tm_year = 127, .tm_mon = 0, .tm_mday = 1, .tm_wday = 5 };
	CHECK_STR(say_time(&eve, &now, "Q"), "digits/yesterday");
	eve.tm_mday = 28;
	eve.tm_wday = 1;
	CHECK_STR(say_time(&eve, &now, "q"), "digits/day-1");
	CHECK_STR(say_time(&eve, &now, "Y"), "digits/2 digits/thousand digits/20 digits/6");
	eve.tm_year = 87;
	CHECK_STR(say_time(&eve, &now, "Y e"), "digits/19 digits/80 digits/7 digits/20 digits/h-8");
}

TAP_MAIN(TAP(test_numbers), TAP(test_chars), TAP(test_time))
