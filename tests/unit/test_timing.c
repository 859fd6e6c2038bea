/* tests/unit/test_timing.c - time ranges, ly_localtime and zones, the dialplan clock. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dp_tz.h"
#include "lyre/pbx.h"
#include "lyre/timing.h"
#include "lyre/utils.h"
#include "pbx_int.h"
#include "tap.h"

/* UTC seconds of a date, without depending on the process's zone. */
static time_t utc(int y, int mon, int d, int h, int min)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = min };

	return timegm(&tm);
}

static bool have_zone(const char *name)
{
	if (dp_tz_exists(name))
		return true;
	printf("# skip: no tz database entry for %s\n", name);
	return false;
}

static void test_parse_errors(void)
{
	static const struct {
		const char *spec;
		const char *reason;	/* a word the message must contain */
	} bad[] = {
		{ "25:00-26:00,*,*,*", "time range" },
		{ "9:00-17:60,*,*,*", "time range" },
		{ "9:00-,*,*,*", "time range" },
		{ "nine-five,*,*,*", "time range" },
		{ "&,*,*,*", "empty" },
		{ "*,mon-xyz,*,*", "weekday" },
		{ "*,0,*,*", "weekday" },
		{ "*,8,*,*", "weekday" },
		{ "*,*,0,*", "day of month" },
		{ "*,*,32,*", "day of month" },
		{ "*,*,1-x,*", "day of month" },
		{ "*,*,*,jam", "month" },
		{ "*,*,*,13", "month" },
		{ "*,*,*,*,Nowhere/Atlantis", "time zone" },
		{ "*,*,*,*,../../etc/passwd", "time zone" },
		{ "*,*,*,*,UTC,extra", "too many" },
	};
	struct ly_timing t;
	struct ly_buf err;

	for (size_t i = 0; i < LY_ARRAY_LEN(bad); i++) {
		ly_buf_init(&err);
		CHECK_INT(ly_timing_parse(bad[i].spec, &t, &err), EINVAL);
		if (!strstr(ly_buf_str(&err), bad[i].reason))
			printf("# '%s': '%s'\n", bad[i].spec, ly_buf_str(&err));
		CHECK(strstr(ly_buf_str(&err), bad[i].reason) != NULL);
		ly_buf_free(&err);
	}
	CHECK_INT(ly_timing_parse(NULL, &t, NULL), EINVAL);
	CHECK_INT(ly_timing_parse("*,*,*,*", &t, NULL), 0);
	CHECK_INT(ly_timing_parse("", &t, NULL), 0);
	CHECK_INT(ly_timing_parse(" 9:00 - 17:00 , Mon - FRI , 1 & 15 , JAN ", &t, NULL), 0);
}

struct match_case {
	const char *spec;
	int y, mon, d, h, min;	/* UTC */
	bool expect;
};

static void run_cases(const struct match_case *cases, size_t n)
{
	struct ly_timing t;
	struct ly_buf err;

	for (size_t i = 0; i < n; i++) {
		const struct match_case *m = &cases[i];
		bool got;

		ly_buf_init(&err);
		CHECK_INT(ly_timing_parse(m->spec, &t, &err), 0);
		got = ly_timing_match(&t, utc(m->y, m->mon, m->d, m->h, m->min));
		if (got != m->expect)
			printf("# '%s' at %04d-%02d-%02d %02d:%02d UTC: got %d (%s)\n", m->spec, m->y,
			       m->mon, m->d, m->h, m->min, got, ly_buf_str(&err));
		CHECK(got == m->expect);
		ly_buf_free(&err);
	}
}

/* The process runs in UTC here (main sets TZ), so local time is UTC.
 * 2024-01-15 was a Monday. */
static void test_match_table(void)
{
	static const struct match_case cases[] = {
		{ "9:00-17:00,mon-fri,*,*", 2024, 1, 15, 10, 0, true },
		{ "9:00-17:00,mon-fri,*,*", 2024, 1, 15, 9, 0, true },
		{ "9:00-17:00,mon-fri,*,*", 2024, 1, 15, 8, 59, false },
		{ "9:00-17:00,mon-fri,*,*", 2024, 1, 15, 17, 0, true },	/* end minute included */
		{ "9:00-17:00,mon-fri,*,*", 2024, 1, 15, 17, 1, false },
		{ "9:00-17:00,mon-fri,*,*", 2024, 1, 20, 10, 0, false },	/* Saturday */
		{ "9:00-17:00|mon-fri|*|*", 2024, 1, 19, 12, 0, true },	/* old separator */
		{ "9:00-17:00", 2024, 1, 20, 12, 0, true },		/* fields left out */
		{ "22:00-02:00,*,*,*", 2024, 1, 15, 23, 30, true },	/* wraps midnight */
		{ "22:00-02:00,*,*,*", 2024, 1, 15, 1, 0, true },
		{ "22:00-02:00,*,*,*", 2024, 1, 15, 3, 0, false },
		{ "12:00,*,*,*", 2024, 1, 15, 12, 0, true },		/* a single minute */
		{ "12:00,*,*,*", 2024, 1, 15, 12, 1, false },
		{ "8:00-9:00&13:00-14:00,*,*,*", 2024, 1, 15, 13, 30, true },
		{ "8:00-9:00&13:00-14:00,*,*,*", 2024, 1, 15, 11, 0, false },
		{ "*,fri-mon,*,*", 2024, 1, 14, 12, 0, true },		/* Sunday, wrapping range */
		{ "*,fri-mon,*,*", 2024, 1, 17, 12, 0, false },		/* Wednesday */
		{ "*,sat&sun,*,*", 2024, 1, 20, 12, 0, true },
		{ "*,sat&sun,*,*", 2024, 1, 19, 12, 0, false },
		{ "*,MON,*,*", 2024, 1, 15, 12, 0, true },		/* names in any case */
		{ "*,Monday,*,*", 2024, 1, 15, 12, 0, true },
		{ "*,2,*,*", 2024, 1, 15, 12, 0, true },		/* Asterisk: 1 = Sunday */
		{ "*,1,*,*", 2024, 1, 14, 12, 0, true },
		{ "*,*,25-5,*", 2024, 1, 1, 12, 0, true },		/* wrapping days */
		{ "*,*,25-5,*", 2024, 1, 31, 12, 0, true },
		{ "*,*,25-5,*", 2024, 1, 10, 12, 0, false },
		{ "*,*,1&15,*", 2024, 1, 15, 12, 0, true },
		{ "*,*,1&15,*", 2024, 1, 16, 12, 0, false },
		{ "*,*,*,nov-feb", 2024, 1, 15, 12, 0, true },		/* wrapping months */
		{ "*,*,*,nov-feb", 2024, 6, 15, 12, 0, false },
		{ "*,*,*,Dec", 2024, 12, 25, 12, 0, true },
		{ "*,*,*,12", 2024, 12, 25, 12, 0, true },
		{ "*,*,*,december", 2024, 11, 25, 12, 0, false },
		{ "*,*,29,feb", 2024, 2, 29, 12, 0, true },		/* leap day */
		{ "0:00-23:59,*,*,*", 2024, 1, 15, 23, 59, true },
	};

	run_cases(cases, LY_ARRAY_LEN(cases));
}

static void test_match_zones(void)
{
	static const struct match_case cases[] = {
		/* Paris: CET (UTC+1) in winter, CEST (UTC+2) in summer. */
		{ "9:00-17:00,*,*,*,Europe/Paris", 2024, 1, 15, 7, 30, false },
		{ "9:00-17:00,*,*,*,Europe/Paris", 2024, 1, 15, 8, 30, true },
		{ "9:00-17:00,*,*,*,Europe/Paris", 2024, 7, 1, 7, 30, true },
		{ "9:00-17:00,*,*,*,Europe/Paris", 2024, 7, 1, 15, 30, false },
		/* Past the file's transitions: its POSIX rule decides. */
		{ "9:30,*,*,*,Europe/Paris", 2100, 7, 1, 7, 30, true },
		{ "9:30,*,*,*,Europe/Paris", 2100, 12, 1, 8, 30, true },
		/* New York's 2024 change: 2:00 EST became 3:00 EDT at 07:00 UTC. */
		{ "1:59,*,*,*,America/New_York", 2024, 3, 10, 6, 59, true },
		{ "3:00,*,*,*,America/New_York", 2024, 3, 10, 7, 0, true },
		/* The local date differs from UTC's: Monday in Sydney, Sunday in UTC. */
		{ "*,mon,*,*,Australia/Sydney", 2024, 1, 14, 20, 0, true },
		{ "*,mon,*,*", 2024, 1, 14, 20, 0, false },
		{ "5:30,*,*,*,Asia/Kolkata", 2024, 1, 15, 0, 0, true },
	};

	if (!have_zone("Europe/Paris") || !have_zone("America/New_York") ||
	    !have_zone("Australia/Sydney") || !have_zone("Asia/Kolkata"))
		return;
	run_cases(cases, LY_ARRAY_LEN(cases));
}

static bool same_tm(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min && a->tm_sec == b->tm_sec &&
	       a->tm_wday == b->tm_wday && a->tm_yday == b->tm_yday &&
	       a->tm_isdst == b->tm_isdst && a->tm_gmtoff == b->tm_gmtoff &&
	       strcmp(a->tm_zone, b->tm_zone) == 0;
}

/* One instant in both readers; TZ is already set to zone. */
static bool agrees_with_libc(const char *zone, time_t t)
{
	char abbr[LY_TZ_ABBR_LEN];
	struct tm ours, libc;

	if (ly_localtime(zone, t, &ours, abbr, sizeof(abbr)) != 0 || !localtime_r(&t, &libc))
		return false;
	if (ours.tm_zone != abbr || !same_tm(&ours, &libc)) {
		printf("# %s at %lld: %04d-%02d-%02d %02d:%02d:%02d %s %ld dst %d"
		       " vs libc %02d:%02d:%02d %s %ld dst %d\n", zone, (long long)t,
		       ours.tm_year + 1900, ours.tm_mon + 1, ours.tm_mday, ours.tm_hour,
		       ours.tm_min, ours.tm_sec, ours.tm_zone, ours.tm_gmtoff, ours.tm_isdst,
		       libc.tm_hour, libc.tm_min, libc.tm_sec, libc.tm_zone, libc.tm_gmtoff,
		       libc.tm_isdst);
		return false;
	}
	return true;
}

/* Compare the zone reader with glibc from 1880 to 2100 (LMT, every DST
 * change of the file, then its POSIX rule): the whole struct tm,
 * abbreviation and offset included.  Changing TZ is safe here: this test
 * is single-threaded. */
static void compare_with_libc(const char *zone)
{
	time_t from = utc(1880, 1, 1, 0, 0), to = utc(2100, 1, 1, 0, 0);
	unsigned mismatches = 0;

	setenv("TZ", zone, 1);
	tzset();
	for (time_t t = from; t < to; t += 3 * 86400 + 3 * 3600 + 17 * 60 + 13)
		if (!agrees_with_libc(zone, t) && ++mismatches >= 3)
			break;
	CHECK_INT(mismatches, 0);
	setenv("TZ", "UTC0", 1);
	tzset();
}

static void test_zone_reader_matches_libc(void)
{
	static const char *const zones[] = {
		"Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
		"America/Sao_Paulo", "Pacific/Chatham", "Africa/Casablanca", "UTC",
		"Europe/Dublin",	/* "negative" DST: winter GMT is the summer time */
		"Asia/Kathmandu", "America/St_Johns", "Europe/Istanbul",	/* "<+03>" rule */
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(zones); i++)
		if (have_zone(zones[i]))
			compare_with_libc(zones[i]);
	CHECK(!dp_tz_exists(""));
	CHECK(!dp_tz_exists(NULL));
	CHECK(!dp_tz_exists("/etc/localtime"));
	CHECK(!dp_tz_exists("Europe"));
	CHECK(!dp_tz_exists("Europe/../../../etc/passwd"));
	dp_tz_cache_clear();
}

/* "right/" zones count leap seconds; glibc shows an inserted one as
 * second 60.  Check every second around the one at the end of 2016. */
static void test_leap_seconds(void)
{
	time_t around = utc(2017, 1, 1, 0, 0) + 26;	/* the 27th leap second, 26 before it */
	unsigned mismatches = 0;
	char abbr[LY_TZ_ABBR_LEN];
	struct tm tm;

	if (!have_zone("right/UTC"))
		return;
	setenv("TZ", "right/UTC", 1);
	tzset();
	for (time_t t = around - 3; t <= around + 3; t++)
		mismatches += !agrees_with_libc("right/UTC", t);
	CHECK_INT(mismatches, 0);
	CHECK_INT(ly_localtime("right/UTC", around, &tm, abbr, sizeof(abbr)), 0);
	CHECK_INT(tm.tm_hour * 10000 + tm.tm_min * 100 + tm.tm_sec, 235960);
	/* The process's leap-second TZ must not leak into other zones. */
	CHECK_INT(ly_localtime("UTC", around, &tm, abbr, sizeof(abbr)), 0);
	CHECK_INT(tm.tm_hour * 10000 + tm.tm_min * 100 + tm.tm_sec, 26);
	setenv("TZ", "UTC0", 1);
	tzset();
}

/* Known values, independent of glibc: strftime's %z and %Z read tm_gmtoff
 * and tm_zone, which ly_localtime must fill. */
static void test_localtime_known(void)
{
	static const struct {
		const char *zone;
		int y, mon, d, h, min;	/* UTC */
		const char *want;	/* strftime "%Y-%m-%d %H:%M %z %Z" */
		int isdst;
	} cases[] = {
		{ "Europe/Paris", 2024, 1, 15, 12, 0, "2024-01-15 13:00 +0100 CET", 0 },
		{ "Europe/Paris", 2024, 7, 1, 12, 0, "2024-07-01 14:00 +0200 CEST", 1 },
		{ "Europe/Paris", 2150, 7, 1, 12, 0, "2150-07-01 14:00 +0200 CEST", 1 },
		{ "America/New_York", 2024, 3, 10, 6, 59, "2024-03-10 01:59 -0500 EST", 0 },
		{ "America/New_York", 2024, 3, 10, 7, 0, "2024-03-10 03:00 -0400 EDT", 1 },
		{ "Australia/Sydney", 2024, 1, 14, 20, 0, "2024-01-15 07:00 +1100 AEDT", 1 },
		{ "Asia/Kolkata", 2024, 1, 15, 0, 0, "2024-01-15 05:30 +0530 IST", 0 },
		{ "America/Sao_Paulo", 2024, 1, 15, 12, 0, "2024-01-15 09:00 -0300 -03", 0 },
		{ "Europe/Dublin", 2024, 1, 15, 12, 0, "2024-01-15 12:00 +0000 GMT", 1 },
		{ "Europe/Dublin", 2024, 7, 1, 12, 0, "2024-07-01 13:00 +0100 IST", 0 },
		{ ":Europe/Paris", 2024, 1, 15, 12, 0, "2024-01-15 13:00 +0100 CET", 0 },
		{ NULL, 2024, 7, 1, 12, 0, "2024-07-01 12:00 +0000 UTC", 0 },	/* TZ=UTC0 */
		{ "", 2024, 7, 1, 12, 0, "2024-07-01 12:00 +0000 UTC", 0 },
	};

	for (size_t i = 0; i < LY_ARRAY_LEN(cases); i++) {
		char abbr[LY_TZ_ABBR_LEN], got[64] = "";
		struct tm tm;

		if (cases[i].zone && cases[i].zone[0] && cases[i].zone[0] != ':' &&
		    !have_zone(cases[i].zone))
			continue;
		CHECK_INT(ly_localtime(cases[i].zone, utc(cases[i].y, cases[i].mon, cases[i].d,
							   cases[i].h, cases[i].min),
				       &tm, abbr, sizeof(abbr)), 0);
		strftime(got, sizeof(got), "%Y-%m-%d %H:%M %z %Z", &tm);
		CHECK_STR(got, cases[i].want);
		CHECK_INT(tm.tm_isdst, cases[i].isdst);
	}
}

static void test_localtime_errors(void)
{
	char abbr[LY_TZ_ABBR_LEN], tiny[3];
	struct tm tm;

	CHECK_INT(ly_localtime("Nowhere/Atlantis", 0, &tm, abbr, sizeof(abbr)), ENOENT);
	CHECK_INT(ly_localtime("Europe", 0, &tm, abbr, sizeof(abbr)), ENOENT);
	CHECK_INT(ly_localtime("../../etc/passwd", 0, &tm, abbr, sizeof(abbr)), EINVAL);
	CHECK_INT(ly_localtime("/etc/localtime", 0, &tm, abbr, sizeof(abbr)), EINVAL);
	CHECK_INT(ly_localtime("Europe/Paris;rm", 0, &tm, abbr, sizeof(abbr)), EINVAL);
	CHECK_INT(ly_localtime("UTC", 0, &tm, NULL, 0), EINVAL);
	CHECK_INT(ly_localtime("UTC", (time_t)1 << 60, &tm, abbr, sizeof(abbr)), EOVERFLOW);
	/* A short buffer truncates the abbreviation but stays terminated. */
	if (have_zone("Europe/Paris")) {
		CHECK_INT(ly_localtime("Europe/Paris", 0, &tm, tiny, sizeof(tiny)), 0);
		CHECK_STR(tm.tm_zone, "CE");
	}
}

/* The cache is shared: threads asking about more zones than it holds
 * (so entries are replaced under the others) must each get right answers. */
#define TZ_THREADS 4
static const char *const thread_zones[] = {
	"Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney",
	"Europe/London", "Asia/Tokyo", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
	"Asia/Shanghai", "Africa/Cairo", "America/Sao_Paulo", "Pacific/Auckland",
	"Europe/Dublin", "Asia/Kathmandu", "America/St_Johns", "UTC",
};
static long thread_want[LY_ARRAY_LEN(thread_zones)];

static void *zone_worker(void *arg)
{
	long bad = 0;

	for (unsigned i = 0; i < 3000; i++) {
		size_t z = (i * 7 + (size_t)(uintptr_t)arg) % LY_ARRAY_LEN(thread_zones);
		char abbr[LY_TZ_ABBR_LEN];
		struct tm tm;

		if (ly_localtime(thread_zones[z], utc(2024, 7, 1, 12, 0), &tm, abbr,
				 sizeof(abbr)) != 0 || tm.tm_gmtoff != thread_want[z])
			bad++;
	}
	return (void *)bad;
}

static void test_localtime_threads(void)
{
	pthread_t threads[TZ_THREADS];
	long bad = 0;

	for (size_t z = 0; z < LY_ARRAY_LEN(thread_zones); z++) {
		char abbr[LY_TZ_ABBR_LEN];
		struct tm tm;

		if (!have_zone(thread_zones[z]))
			return;
		CHECK_INT(ly_localtime(thread_zones[z], utc(2024, 7, 1, 12, 0), &tm, abbr,
				       sizeof(abbr)), 0);
		thread_want[z] = tm.tm_gmtoff;
	}
	for (uintptr_t i = 0; i < TZ_THREADS; i++)
		CHECK_INT(pthread_create(&threads[i], NULL, zone_worker, (void *)i), 0);
	for (int i = 0; i < TZ_THREADS; i++) {
		void *res;

		pthread_join(threads[i], &res);
		bad += (long)(intptr_t)res;
	}
	CHECK_INT(bad, 0);
	dp_tz_cache_clear();
}

static void test_clock(void)
{
	time_t now = time(NULL);

	CHECK(ly_pbx_now() >= now && ly_pbx_now() <= now + 5);
	ly_pbx_set_clock(utc(2024, 1, 15, 10, 0));
	CHECK_INT(ly_pbx_now(), utc(2024, 1, 15, 10, 0));
	ly_pbx_set_clock(0);
	CHECK(ly_pbx_now() >= now);
}

int main(void)
{
	/* Local time is UTC for the table; the zones are named explicitly. */
	setenv("TZ", "UTC0", 1);
	tzset();
	return tap_run((const struct tap_test[]){
		TAP(test_parse_errors),
		TAP(test_match_table),
		TAP(test_match_zones),
		TAP(test_zone_reader_matches_libc),
		TAP(test_leap_seconds),
		TAP(test_localtime_known),
		TAP(test_localtime_errors),
		TAP(test_localtime_threads),
		TAP(test_clock),
	}, 9);
}
