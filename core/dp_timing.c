/* core/dp_timing.c - Asterisk time ranges ("9:00-17:00,mon-fri,*,*") and the dialplan clock. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp_tz.h"
#include "lyre/pbx.h"
#include "lyre/timing.h"
#include "lyre/utils.h"
#include "pbx_int.h"

#define MINUTES_PER_DAY (24 * 60)
#define TIMING_FIELDS 5

/* ---- the dialplan clock ---- */

/* A test fixes the clock from its own thread while channel threads read
 * it, hence an atomic; 0 means real time. */
static _Atomic long long fixed_clock;

time_t ly_pbx_now(void)
{
	long long fixed = atomic_load(&fixed_clock);

	return fixed ? (time_t)fixed : time(NULL);
}

void ly_pbx_set_clock(time_t fixed)
{
	atomic_store(&fixed_clock, (long long)fixed);
}

/* ---- parsing ---- */

static const char *const day_names[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL
};
static const char *const day_full_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", NULL
};
static const char *const month_names[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL
};
static const char *const month_full_names[] = {
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december", NULL
};

static int name_index(const char *s, const char *const names[])
{
	for (int i = 0; names && names[i]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	return -1;
}

/*
 * A weekday or month by name (three letters as Asterisk, or spelled out),
 * or a number counted from 1 — as Asterisk does, so weekday 1 is Sunday.
 * Returns the bit index, or -1.
 */
static int lookup_item(const char *s, const char *const names[], const char *const full[],
		       int max)
{
	long n;
	int i = name_index(s, names);

	if (i < 0)
		i = name_index(s, full);
	if (i >= 0)
		return i;
	if (ly_parse_int(s, 1, max, &n) == 0)
		return (int)n - 1;
	return -1;
}

/* "a-b" (wrapping past the end: fri-mon, 25-5) or "a", into *mask. */
static int parse_item_range(char *part, int max, const char *const names[],
			    const char *const full[], uint32_t *mask)
{
	char *dash = strchr(part, '-');
	int start, end;

	if (dash)
		*dash++ = '\0';
	start = lookup_item(ly_strstrip(part), names, full, max);
	end = dash ? lookup_item(ly_strstrip(dash), names, full, max) : start;
	if (start < 0 || end < 0)
		return EINVAL;
	for (int i = start; ; i = (i + 1) % max) {
		*mask |= 1u << i;
		if (i == end)
			break;
	}
	return 0;
}

/* A '&' list of ranges; "*" or empty means every value. */
static int parse_range_field(char *field, int max, const char *const names[],
			     const char *const full[], const char *what, uint32_t *mask,
			     struct ly_buf *err)
{
	char *save = NULL;

	if (!field[0] || strcmp(field, "*") == 0) {
		*mask = (uint32_t)((1ull << max) - 1);
		return 0;
	}
	*mask = 0;
	for (char *part = strtok_r(field, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
		char copy[64];

		ly_strlcpy(copy, part, sizeof(copy));
		if (parse_item_range(part, max, names, full, mask) != 0) {
			if (err)
				ly_buf_printf(err, "invalid %s '%s'", what, ly_strstrip(copy));
			return EINVAL;
		}
	}
	if (!*mask) {
		if (err)
			ly_buf_printf(err, "empty %s list", what);
		return EINVAL;
	}
	return 0;
}

/* "hh:mm" (hours 0-23, minutes 0-59) to the minute of the day, or -1. */
static int parse_clock(const char *s)
{
	int h, m, used = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s) || sscanf(s, "%2d:%2d%n", &h, &m, &used) != 2)
		return -1;
	for (s += used; isspace((unsigned char)*s); s++)
		;
	if (*s || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

static void set_minute(struct ly_timing *t, int minute)
{
	t->minutes[minute / 64] |= 1ull << (minute % 64);
}

/* One "hh:mm-hh:mm" (both ends included; past midnight wraps) or "hh:mm". */
static int parse_time_range(char *part, struct ly_timing *t)
{
	char *dash = strchr(part, '-');
	int start, end;

	if (dash)
		*dash++ = '\0';
	start = parse_clock(part);
	end = dash ? parse_clock(dash) : start;
	if (start < 0 || end < 0)
		return EINVAL;
	for (int m = start; m != end; m = (m + 1) % MINUTES_PER_DAY)
		set_minute(t, m);
	set_minute(t, end);
	return 0;
}

static int parse_times(char *field, struct ly_timing *t, struct ly_buf *err)
{
	char *save = NULL;
	int ranges = 0;

	memset(t->minutes, 0, sizeof(t->minutes));
	if (!field[0] || strcmp(field, "*") == 0) {
		for (int m = 0; m < MINUTES_PER_DAY; m++)
			set_minute(t, m);
		return 0;
	}
	for (char *part = strtok_r(field, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
		char copy[64];

		ranges++;
		ly_strlcpy(copy, part, sizeof(copy));
		if (parse_time_range(part, t) != 0) {
			if (err)
				ly_buf_printf(err, "invalid time range '%s' (expected hh:mm-hh:mm)",
					      ly_strstrip(copy));
			return EINVAL;
		}
	}
	if (!ranges) {
		if (err)
			ly_buf_puts(err, "empty time range list");
		return EINVAL;
	}
	return 0;
}

static int parse_tz(const char *field, struct ly_timing *t, struct ly_buf *err)
{
	if (!field[0])
		return 0;
	if (strlen(field) >= sizeof(t->tz) || !dp_tz_exists(field)) {
		if (err)
			ly_buf_printf(err, "unknown time zone '%s'", field);
		return EINVAL;
	}
	ly_strlcpy(t->tz, field, sizeof(t->tz));
	return 0;
}

/* Split at ',' or '|' into at most TIMING_FIELDS stripped fields. */
static int split_fields(char *s, char *fields[TIMING_FIELDS], struct ly_buf *err)
{
	int n = 0;

	for (;;) {
		char *sep = strpbrk(s, ",|");

		if (n == TIMING_FIELDS) {
			if (err)
				ly_buf_printf(err, "too many fields in time range (at most "
					      "times,weekdays,mdays,months,timezone)");
			return EINVAL;
		}
		if (sep)
			*sep = '\0';
		fields[n++] = ly_strstrip(s);
		if (!sep)
			break;
		s = sep + 1;
	}
	/* Fields left out cover everything, as in Asterisk. */
	while (n < TIMING_FIELDS)
		fields[n++] = "";
	return 0;
}

static int timing_parse_fields(char *fields[TIMING_FIELDS], struct ly_timing *t,
			       struct ly_buf *err)
{
	uint32_t wd, md, mo;
	int res;

	res = parse_times(fields[0], t, err);
	if (!res)
		res = parse_range_field(fields[1], 7, day_names, day_full_names, "weekday", &wd, err);
	if (!res)
		res = parse_range_field(fields[2], 31, NULL, NULL, "day of month", &md, err);
	if (!res)
		res = parse_range_field(fields[3], 12, month_names, month_full_names, "month", &mo,
					err);
	if (!res)
		res = parse_tz(fields[4], t, err);
	if (res)
		return res;
	t->weekdays = (uint8_t)wd;
	t->mdays = md;
	t->months = (uint16_t)mo;
	return 0;
}

int ly_timing_parse(const char *spec, struct ly_timing *t, struct ly_buf *err)
{
	char *copy, *fields[TIMING_FIELDS];
	int res;

	memset(t, 0, sizeof(*t));
	if (!spec) {
		if (err)
			ly_buf_puts(err, "missing time range");
		return EINVAL;
	}
	copy = ly_strdup(spec);
	res = split_fields(copy, fields, err);
	if (!res)
		res = timing_parse_fields(fields, t, err);
	free(copy);
	if (res)
		memset(t, 0, sizeof(*t));
	return res;
}

/* ---- matching ---- */

bool ly_timing_match(const struct ly_timing *t, time_t when)
{
	char abbr[LY_TZ_ABBR_LEN];
	struct tm tm;
	int minute;

	if (dp_tz_localtime(t->tz, when, &tm, abbr, sizeof(abbr)) != 0)
		return false;
	if (!(t->months & (1u << tm.tm_mon)) || !(t->mdays & (1u << (tm.tm_mday - 1))) ||
	    !(t->weekdays & (1u << tm.tm_wday)))
		return false;
	minute = tm.tm_hour * 60 + tm.tm_min;
	return (t->minutes[minute / 64] >> (minute % 64)) & 1;
}

/* ---- local time in a zone, for modules ---- */

/* Modules may only use the public headers, so the core's zone reader is
 * offered here rather than copied into each module that needs it. */
int ly_localtime(const char *zone, time_t when, struct tm *tm, char *abbr, size_t abbrlen)
{
	return dp_tz_localtime(zone, when, tm, abbr, abbrlen);
}
