/* core/dp_tz.c - local time in a named zone, read from the tz database's TZif files (RFC 8536). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp_tz.h"
#include "lyre/timing.h"
#include "lyre/utils.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* The largest zone in tzdata is under 4 KB; anything this big is not one. */
#define TZIF_MAX (256 * 1024)
#define TZIF_HEADER 44
#define TZ_NAME_MAX 255
/* About a billion years either way: the year still fits struct tm's int,
 * and adding an offset or a year's seconds cannot overflow. */
#define TZ_TIME_LIMIT ((int64_t)1 << 55)

/* What a zone says about one instant. */
struct tz_local {
	long utoff;		/* seconds east of UTC */
	bool isdst;
	char abbr[LY_TZ_ABBR_LEN];
	long leap_corr;		/* leap seconds to take away ("right/" zones) */
	int leap_hit;		/* 1 during an inserted leap second: tm_sec is 60 */
};

/* ---- reading the file ---- */

/* Zone names are paths below the database; refuse anything that could
 * leave it (a GotoIfTime argument can come from a caller's input). */
static bool zone_name_ok(const char *name)
{
	if (!name[0] || name[0] == '/' || strstr(name, "..") || strlen(name) > TZ_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++) {
		char ch = *p;

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || strchr("/_+-.", ch)))
			return false;
	}
	return true;
}

/* The whole file into *buf: 0, EINVAL for a bad name or a file too odd
 * to be a zone, ENOENT when the database has no such zone. */
static int zone_read(const char *name, unsigned char **buf, size_t *len)
{
	const char *dir = getenv("TZDIR");
	char path[TZ_NAME_MAX + 512];
	struct stat st;
	int fd, res = EINVAL;

	if (name[0] == ':')	/* POSIX allows TZ=":Europe/Paris" */
		name++;
	if (!zone_name_ok(name) || (dir && strlen(dir) > 500))
		return EINVAL;
	snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : TZ_DEFAULT_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ENOENT;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		res = ENOENT;	/* "Europe" is a folder, not a zone */
	else if (st.st_size >= TZIF_HEADER && st.st_size <= TZIF_MAX) {
		*buf = ly_malloc((size_t)st.st_size);
		*len = (size_t)st.st_size;
		res = read(fd, *buf, *len) == st.st_size ? 0 : EINVAL;
		if (res) {
			free(*buf);
			*buf = NULL;
		}
	}
	close(fd);
	return res;
}

/* ---- POSIX TZ rules ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

struct tz_date {
	char kind;	/* 'J': Julian 1..365 without Feb 29; 'D': day 0..365; 'M': month.week.day */
	int n, m, w, d;
	long secs;	/* local time of day of the change; default 02:00 */
};

struct tz_rule {
	long std_utoff, dst_utoff;	/* seconds east of UTC */
	bool has_dst;
	struct tz_date start, end;
	char std_abbr[LY_TZ_ABBR_LEN], dst_abbr[LY_TZ_ABBR_LEN];
};

/* "CET" or, when it holds digits or signs, "<+0530>" (the brackets are
 * not part of the name).  Returns what follows, or NULL when empty. */
static const char *parse_abbr(const char *p, char *out, size_t outlen)
{
	const char *start = p, *end;

	if (*p == '<') {
		start = ++p;
		end = strchr(p, '>');
		if (!end)
			return NULL;
		p = end + 1;
	} else {
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
			p++;
		end = p;
	}
	if (end == start)
		return NULL;
	snprintf(out, outlen, "%.*s", (int)(end - start), start);
	return p;
}

static long parse_num(const char **pp, int maxdigits)
{
	const char *p = *pp;
	long v = 0;

	for (int i = 0; i < maxdigits && *p >= '0' && *p <= '9'; i++)
		v = v * 10 + (*p++ - '0');
	*pp = p;
	return v;
}

/* [+-]hh[:mm[:ss]] in seconds; *ok false when no digits. */
static long parse_hms(const char **pp, bool *ok)
{
	const char *p = *pp, *digits;
	long sign = 1, v;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	digits = p;
	v = parse_num(&p, 3) * 3600;
	*ok = p != digits;
	if (*p == ':') {
		p++;
		v += parse_num(&p, 2) * 60;
		if (*p == ':') {
			p++;
			v += parse_num(&p, 2);
		}
	}
	*pp = p;
	return sign * v;
}

static const char *parse_date(const char *p, struct tz_date *d)
{
	bool ok = true;

	memset(d, 0, sizeof(*d));
	if (*p == 'M') {
		p++;
		d->kind = 'M';
		d->m = (int)parse_num(&p, 2);
		if (*p++ != '.')
			return NULL;
		d->w = (int)parse_num(&p, 1);
		if (*p++ != '.')
			return NULL;
		d->d = (int)parse_num(&p, 1);
		if (d->m < 1 || d->m > 12 || d->w < 1 || d->w > 5 || d->d > 6)
			return NULL;
	} else {
		d->kind = 'D';
		if (*p == 'J') {
			d->kind = 'J';
			p++;
		}
		if (*p < '0' || *p > '9')
			return NULL;
		d->n = (int)parse_num(&p, 3);
	}
	d->secs = 2 * 3600;
	if (*p == '/')
		p++, d->secs = parse_hms(&p, &ok);
	return ok ? p : NULL;
}

static int rule_parse(const char *s, struct tz_rule *r)
{
	const char *p;
	bool ok;

	memset(r, 0, sizeof(*r));
	if (!(p = parse_abbr(s, r->std_abbr, sizeof(r->std_abbr))))
		return EINVAL;
	/* POSIX offsets count hours west of Greenwich: "CET-1" is UTC+1. */
	r->std_utoff = -parse_hms(&p, &ok);
	if (!ok)
		return EINVAL;
	if (!*p)
		return 0;
	if (!(p = parse_abbr(p, r->dst_abbr, sizeof(r->dst_abbr))))
		return EINVAL;
	r->has_dst = true;
	r->dst_utoff = r->std_utoff + 3600;
	if (*p && *p != ',') {
		r->dst_utoff = -parse_hms(&p, &ok);
		if (!ok)
			return EINVAL;
	}
	/* No rule: the POSIX default (US rules since 2007, as glibc uses). */
	if (!*p)
		p = ",M3.2.0,M11.1.0";
	if (*p++ != ',' || !(p = parse_date(p, &r->start)) || *p++ != ',' ||
	    !(p = parse_date(p, &r->end)) || *p)
		return EINVAL;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && is_leap(y));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Broken-down UTC time of secs since the epoch (H. Hinnant's
 * civil_from_days).  Not gmtime_r: when the process's own TZ is a
 * "right/" zone glibc applies its leap seconds to gmtime_r as well, and
 * gmtime_r takes libc's time zone lock.
 */
static void utc_breakdown(int64_t secs, struct tm *tm)
{
	int64_t days = floor_div(secs, 86400), rem = secs - days * 86400;
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097), doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	int64_t year = yoe + era * 400 + (mon <= 2);

	memset(tm, 0, sizeof(*tm));
	tm->tm_year = (int)(year - 1900);
	tm->tm_mon = mon - 1;
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_hour = (int)(rem / 3600);
	tm->tm_min = (int)(rem / 60 % 60);
	tm->tm_sec = (int)(rem % 60);
	tm->tm_wday = (int)(((days + 4) % 7 + 7) % 7);	/* 1970-01-01 was a Thursday */
	tm->tm_yday = (int)(days - days_from_civil(year, 1, 1));
}

/* The change's wall-clock time in year y, counted as if local were UTC. */
static int64_t date_local_secs(const struct tz_date *d, int64_t y)
{
	int64_t day;

	if (d->kind == 'M') {
		int64_t first = days_from_civil(y, d->m, 1);
		int wday = (int)(((first + 4) % 7 + 7) % 7);	/* 1970-01-01 was a Thursday */
		int mday = 1 + (d->d - wday + 7) % 7 + (d->w - 1) * 7;

		if (mday > month_days(y, d->m))
			mday -= 7;
		day = first + mday - 1;
	} else {
		int yday = d->kind == 'J' ? d->n - 1 + (is_leap(y) && d->n >= 60) : d->n;

		day = days_from_civil(y, 1, 1) + yday;
	}
	return day * 86400 + d->secs;
}

static void rule_local(const struct tz_rule *r, time_t when, struct tz_local *out)
{
	int64_t start, end;
	bool dst;
	struct tm tm;

	if (!r->has_dst) {
		dst = false;
	} else {
		utc_breakdown((int64_t)when + r->std_utoff, &tm);
		/* The start is written in standard time, the end in summer time. */
		start = date_local_secs(&r->start, tm.tm_year + 1900LL) - r->std_utoff;
		end = date_local_secs(&r->end, tm.tm_year + 1900LL) - r->dst_utoff;
		/* start > end: summer time spans the new year (southern
		 * hemisphere, or Dublin's "negative" winter time). */
		dst = start < end ? when >= start && when < end : !(when >= end && when < start);
	}
	out->utoff = dst ? r->dst_utoff : r->std_utoff;
	out->isdst = dst;
	ly_strlcpy(out->abbr, dst ? r->dst_abbr : r->std_abbr, sizeof(out->abbr));
}

/* ---- the TZif structure ---- */

struct tzif {
	const unsigned char *times;	/* transition times, timesize bytes each */
	const unsigned char *idx;	/* type index of each transition */
	const unsigned char *types;	/* 6 bytes each: utoff(4) isdst(1) desigidx(1) */
	const unsigned char *chars;	/* the abbreviations, NUL-terminated */
	const unsigned char *leaps;	/* timesize + 4 bytes each: when, correction */
	uint32_t ntimes, ntypes, nchars, nleaps;
	int timesize;
	struct tz_rule rule;		/* the footer, for times past the last transition */
	bool has_rule;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t read_time(const struct tzif *z, const unsigned char *p)
{
	if (z->timesize == 4)
		return (int32_t)be32(p);
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int64_t transition_at(const struct tzif *z, uint32_t i)
{
	return read_time(z, z->times + (size_t)i * (size_t)z->timesize);
}

static const unsigned char *leap_at(const struct tzif *z, uint32_t i)
{
	return z->leaps + (size_t)i * (size_t)(z->timesize + 4);
}

/* The types' offsets must be sane (RFC 8536: -89999..93599) so that no
 * later sum overflows, and their abbreviations must lie in the file. */
static bool types_ok(const struct tzif *z)
{
	for (uint32_t i = 0; i < z->ntypes; i++) {
		const unsigned char *t = z->types + (size_t)i * 6;
		int32_t utoff = (int32_t)be32(t);

		if (utoff < -89999 || utoff > 93599 || t[5] >= z->nchars)
			return false;
	}
	for (uint32_t i = 0; i < z->ntimes; i++)
		if (z->idx[i] >= z->ntypes)
			return false;
	return true;
}

/* Size of a data block after its header, or 0 when the header is bad. */
static size_t tzif_block(const unsigned char *h, size_t avail, int timesize, struct tzif *z)
{
	uint32_t isut, isstd;
	size_t size;

	if (avail < TZIF_HEADER || memcmp(h, "TZif", 4) != 0)
		return 0;
	isut = be32(h + 20);
	isstd = be32(h + 24);
	z->nleaps = be32(h + 28);
	z->ntimes = be32(h + 32);
	z->ntypes = be32(h + 36);
	z->nchars = be32(h + 40);
	if (z->ntypes == 0 || z->ntypes > 256 || z->ntimes > 100000 || z->nleaps > 100000 ||
	    z->nchars == 0 || z->nchars > 100000 || isut > 256 || isstd > 256)
		return 0;
	size = (size_t)z->ntimes * (size_t)(timesize + 1) + (size_t)z->ntypes * 6 + z->nchars +
	       (size_t)z->nleaps * (size_t)(timesize + 4) + isstd + isut;
	if (TZIF_HEADER + size > avail)
		return 0;
	z->timesize = timesize;
	z->times = h + TZIF_HEADER;
	z->idx = z->times + (size_t)z->ntimes * (size_t)timesize;
	z->types = z->idx + z->ntimes;
	z->chars = z->types + (size_t)z->ntypes * 6;
	z->leaps = z->chars + z->nchars;
	return types_ok(z) ? TZIF_HEADER + size : 0;
}

/* Version 2+ files repeat the data with 64-bit times and end with
 * "\n<POSIX TZ>\n"; version 1 has only the 32-bit block. */
static int tzif_parse(const unsigned char *buf, size_t len, struct tzif *z)
{
	size_t v1 = tzif_block(buf, len, 4, z), v2;
	const unsigned char *foot, *end;
	char footer[128] = "";

	z->has_rule = false;
	if (!v1)
		return EINVAL;
	if (buf[4] < '2')
		return 0;
	v2 = tzif_block(buf + v1, len - v1, 8, z);
	if (!v2)
		return EINVAL;
	foot = buf + v1 + v2;
	if (foot < buf + len && *foot == '\n') {
		end = memchr(foot + 1, '\n', (size_t)(buf + len - foot - 1));
		if (end && (size_t)(end - foot - 1) < sizeof(footer))
			memcpy(footer, foot + 1, (size_t)(end - foot - 1));
	}
	/* An empty or unreadable footer leaves the last type in force, as
	 * glibc does. */
	z->has_rule = footer[0] && rule_parse(footer, &z->rule) == 0;
	return 0;
}

/* ---- lookups ---- */

static void type_local(const struct tzif *z, unsigned type, struct tz_local *out)
{
	const unsigned char *t = z->types + (size_t)type * 6;
	const unsigned char *name = z->chars + t[5];
	const unsigned char *nul = memchr(name, '\0', z->nchars - t[5]);
	size_t n = nul ? (size_t)(nul - name) : z->nchars - t[5];

	out->utoff = (int32_t)be32(t);
	out->isdst = t[4] != 0;
	snprintf(out->abbr, sizeof(out->abbr), "%.*s", (int)n, (const char *)name);
}

/* The last transition at or before when; the caller has checked that
 * there is one. */
static uint32_t transition_before(const struct tzif *z, time_t when)
{
	uint32_t lo = 0, hi = z->ntimes;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (transition_at(z, mid) <= when)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int32_t leap_change(const struct tzif *z, uint32_t i)
{
	return (int32_t)be32(leap_at(z, i) + z->timesize);
}

/*
 * "right/" zones count leap seconds in their time_t: take away the
 * correction in force and, at the very second one was inserted, show
 * second 60 (several in a row count up).  This follows glibc's tzfile.c
 * so that both agree to the second.
 */
static void leap_correct(const struct tzif *z, time_t when, struct tz_local *out)
{
	uint32_t i = z->nleaps;

	out->leap_corr = 0;
	out->leap_hit = 0;
	while (i > 0 && when < read_time(z, leap_at(z, i - 1)))
		i--;
	if (i-- == 0)
		return;
	out->leap_corr = leap_change(z, i);
	if (when != read_time(z, leap_at(z, i)) ||
	    leap_change(z, i) <= (i > 0 ? leap_change(z, i - 1) : 0))
		return;
	out->leap_hit = 1;
	while (i > 0 && read_time(z, leap_at(z, i)) == read_time(z, leap_at(z, i - 1)) + 1 &&
	       leap_change(z, i) == leap_change(z, i - 1) + 1) {
		out->leap_hit++;
		i--;
	}
}

static void zone_local(const struct tzif *z, time_t when, struct tz_local *out)
{
	if (z->has_rule && (z->ntimes == 0 || when >= transition_at(z, z->ntimes - 1)))
		rule_local(&z->rule, when, out);
	else if (z->ntimes == 0 || when < transition_at(z, 0))
		type_local(z, 0, out);	/* RFC 8536: before the first transition, type 0 */
	else
		type_local(z, z->idx[transition_before(z, when)], out);
	leap_correct(z, when, out);
}

/* ---- a small cache of parsed zones ---- */

/* A dialplan names a handful of zones and asks about them on every time-
 * restricted lookup, so parsed files are kept (until dp_tz_cache_clear;
 * a changed tz database is seen after that, at shutdown or restart). */
#define ZONE_CACHE_SIZE 16

struct zone_entry {
	char *name;
	unsigned char *buf;
	struct tzif z;		/* points into buf */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zone_entry cache[ZONE_CACHE_SIZE];
static unsigned cache_next;	/* the slot replaced next when full */

static struct zone_entry *cache_find_locked(const char *name)
{
	for (unsigned i = 0; i < ZONE_CACHE_SIZE; i++)
		if (cache[i].name && strcmp(cache[i].name, name) == 0)
			return &cache[i];
	return NULL;
}

static void entry_clear(struct zone_entry *e)
{
	free(e->name);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

static int cache_load_locked(const char *name, struct zone_entry **out)
{
	struct zone_entry *e;
	unsigned char *buf = NULL;
	struct tzif z;
	size_t len = 0;
	int res = zone_read(name, &buf, &len);

	if (!res)
		res = tzif_parse(buf, len, &z);
	if (res) {
		free(buf);
		return res;
	}
	e = &cache[cache_next];
	cache_next = (cache_next + 1) % ZONE_CACHE_SIZE;
	entry_clear(e);
	e->name = ly_strdup(name);
	e->buf = buf;
	e->z = z;
	*out = e;
	return 0;
}

void dp_tz_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	for (unsigned i = 0; i < ZONE_CACHE_SIZE; i++)
		entry_clear(&cache[i]);
	cache_next = 0;
	pthread_mutex_unlock(&cache_lock);
}

/* The lookup copies everything it needs out of the entry while the lock
 * is held: another thread may replace the entry right after. */
static int zone_lookup(const char *name, time_t when, struct tz_local *out)
{
	struct zone_entry *e;
	int res = 0;

	pthread_mutex_lock(&cache_lock);
	e = cache_find_locked(name);
	if (!e)
		res = cache_load_locked(name, &e);
	if (!res)
		zone_local(&e->z, when, out);
	pthread_mutex_unlock(&cache_lock);
	return res;
}

bool dp_tz_exists(const char *name)
{
	struct tz_local loc;

	return name && zone_lookup(name, 0, &loc) == 0;
}

/* The process's own zone: localtime_r is thread-safe and leaves tm_zone
 * pointing into libc; copy it so both paths behave alike. */
static int process_localtime(time_t when, struct tm *out, char *abbr, size_t abbrlen)
{
	if (!localtime_r(&when, out))
		return EOVERFLOW;
	ly_strlcpy(abbr, out->tm_zone ? out->tm_zone : "", abbrlen);
	out->tm_zone = abbr;
	return 0;
}

int dp_tz_localtime(const char *name, time_t when, struct tm *out, char *abbr, size_t abbrlen)
{
	struct tz_local loc;
	int res;

	if (!abbr || !abbrlen)
		return EINVAL;
	abbr[0] = '\0';
	if (when > TZ_TIME_LIMIT || when < -TZ_TIME_LIMIT)
		return EOVERFLOW;
	if (!name || !name[0])
		return process_localtime(when, out, abbr, abbrlen);
	res = zone_lookup(name, when, &loc);
	if (res)
		return res;
	utc_breakdown((int64_t)when + loc.utoff - loc.leap_corr, out);
	out->tm_sec += loc.leap_hit;
	out->tm_isdst = loc.isdst;
	out->tm_gmtoff = loc.utoff;
	ly_strlcpy(abbr, loc.abbr, abbrlen);
	out->tm_zone = abbr;	/* strftime's %Z reads it: the caller keeps abbr */
	return 0;
}
