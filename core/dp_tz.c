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
#include "lyre/utils.h"

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
/* The largest zone in tzdata is under 4 KB; anything this big is not one. */
#define TZIF_MAX (256 * 1024)
#define TZIF_HEADER 44

/* ---- reading the file ---- */

/* Zone names are paths below the database; refuse anything that could
 * leave it (a GotoIfTime argument can come from a caller's input). */
static bool zone_name_ok(const char *name)
{
	if (!name[0] || name[0] == '/' || strstr(name, ".."))
		return false;
	for (const char *p = name; *p; p++) {
		char ch = *p;

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || strchr("/_+-.", ch)))
			return false;
	}
	return true;
}

static unsigned char *zone_read(const char *name, size_t *len)
{
	const char *dir = getenv("TZDIR");
	unsigned char *buf = NULL;
	char path[512];
	struct stat st;
	ssize_t n;
	int fd;

	if (name[0] == ':')	/* POSIX allows TZ=":Europe/Paris" */
		name++;
	if (!zone_name_ok(name))
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir && dir[0] ? dir : TZ_DEFAULT_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= TZIF_HEADER &&
	    st.st_size <= TZIF_MAX) {
		buf = ly_malloc((size_t)st.st_size);
		n = read(fd, buf, (size_t)st.st_size);
		if (n != st.st_size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)st.st_size;
	}
	close(fd);
	return buf;
}

/* ---- the TZif structure ---- */

struct tzif {
	const unsigned char *times;	/* transition times, timesize bytes each */
	const unsigned char *idx;	/* type index of each transition */
	const unsigned char *types;	/* 6 bytes each: utoff(4) isdst(1) desigidx(1) */
	uint32_t ntimes, ntypes;
	int timesize;
	char footer[128];		/* POSIX TZ rule, "" when none */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t transition_at(const struct tzif *z, uint32_t i)
{
	const unsigned char *p = z->times + (size_t)i * (size_t)z->timesize;

	if (z->timesize == 4)
		return (int32_t)be32(p);
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static long type_utoff(const struct tzif *z, unsigned type)
{
	return (int32_t)be32(z->types + (size_t)type * 6);
}

/* Size of a data block after its header, or 0 when the header is bad. */
static size_t tzif_block(const unsigned char *h, size_t avail, int timesize, struct tzif *z)
{
	uint32_t isut, isstd, leap, chars;
	size_t size;

	if (avail < TZIF_HEADER || memcmp(h, "TZif", 4) != 0)
		return 0;
	isut = be32(h + 20);
	isstd = be32(h + 24);
	leap = be32(h + 28);
	z->ntimes = be32(h + 32);
	z->ntypes = be32(h + 36);
	chars = be32(h + 40);
	if (z->ntypes == 0 || z->ntypes > 256 || z->ntimes > 100000 || leap > 100000 ||
	    chars > 100000 || isut > 256 || isstd > 256)
		return 0;
	size = (size_t)z->ntimes * (size_t)(timesize + 1) + (size_t)z->ntypes * 6 + chars +
	       (size_t)leap * (size_t)(timesize + 4) + isstd + isut;
	if (TZIF_HEADER + size > avail)
		return 0;
	z->timesize = timesize;
	z->times = h + TZIF_HEADER;
	z->idx = z->times + (size_t)z->ntimes * (size_t)timesize;
	z->types = z->idx + z->ntimes;
	for (uint32_t i = 0; i < z->ntimes; i++)
		if (z->idx[i] >= z->ntypes)
			return 0;
	return TZIF_HEADER + size;
}

/* Version 2+ files repeat the data with 64-bit times and end with
 * "\n<POSIX TZ>\n"; version 1 has only the 32-bit block. */
static int tzif_parse(const unsigned char *buf, size_t len, struct tzif *z)
{
	size_t v1 = tzif_block(buf, len, 4, z), v2;
	const unsigned char *foot, *end;

	memset(z->footer, 0, sizeof(z->footer));
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
		if (end && (size_t)(end - foot - 1) < sizeof(z->footer))
			memcpy(z->footer, foot + 1, (size_t)(end - foot - 1));
	}
	return 0;
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
};

static const char *skip_zone_abbr(const char *p)
{
	if (*p == '<') {
		const char *close = strchr(p, '>');
		return close ? close + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
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
	const char *p = skip_zone_abbr(s);
	bool ok;

	memset(r, 0, sizeof(*r));
	if (!p || p == s)
		return EINVAL;
	/* POSIX offsets count hours west of Greenwich: "CET-1" is UTC+1. */
	r->std_utoff = -parse_hms(&p, &ok);
	if (!ok)
		return EINVAL;
	if (!*p)
		return 0;
	s = p;
	p = skip_zone_abbr(p);
	if (!p || p == s)
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

static long rule_utoff(const struct tz_rule *r, time_t when)
{
	time_t local = when + r->std_utoff;
	int64_t start, end;
	struct tm tm;

	if (!r->has_dst || !gmtime_r(&local, &tm))
		return r->std_utoff;
	/* The start is written in standard time, the end in summer time. */
	start = date_local_secs(&r->start, tm.tm_year + 1900LL) - r->std_utoff;
	end = date_local_secs(&r->end, tm.tm_year + 1900LL) - r->dst_utoff;
	if (start < end)
		return when >= start && when < end ? r->dst_utoff : r->std_utoff;
	/* Southern hemisphere: summer time spans the new year. */
	return when >= end && when < start ? r->std_utoff : r->dst_utoff;
}

/* ---- lookups ---- */

static int zone_utoff(const struct tzif *z, time_t when, long *utoff)
{
	struct tz_rule rule;
	uint32_t lo = 0, hi;

	if (z->footer[0] && (z->ntimes == 0 || when >= transition_at(z, z->ntimes - 1))) {
		if (rule_parse(z->footer, &rule) != 0)
			return EINVAL;
		*utoff = rule_utoff(&rule, when);
		return 0;
	}
	/* RFC 8536: before the first transition, time type 0 applies. */
	if (z->ntimes == 0 || when < transition_at(z, 0)) {
		*utoff = type_utoff(z, 0);
		return 0;
	}
	hi = z->ntimes;		/* the last transition at or before when */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (transition_at(z, mid) <= when)
			lo = mid;
		else
			hi = mid;
	}
	*utoff = type_utoff(z, z->idx[lo]);
	return 0;
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

static struct zone_entry *cache_load_locked(const char *name)
{
	struct zone_entry *e;
	struct tzif z;
	size_t len;
	unsigned char *buf = zone_read(name, &len);

	if (!buf || tzif_parse(buf, len, &z) != 0) {
		free(buf);
		return NULL;
	}
	e = &cache[cache_next];
	cache_next = (cache_next + 1) % ZONE_CACHE_SIZE;
	entry_clear(e);
	e->name = ly_strdup(name);
	e->buf = buf;
	e->z = z;
	return e;
}

void dp_tz_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	for (unsigned i = 0; i < ZONE_CACHE_SIZE; i++)
		entry_clear(&cache[i]);
	cache_next = 0;
	pthread_mutex_unlock(&cache_lock);
}

static int zone_load_utoff(const char *name, time_t when, long *utoff)
{
	struct zone_entry *e;
	int res = ENOENT;

	pthread_mutex_lock(&cache_lock);
	e = cache_find_locked(name);
	if (!e)
		e = cache_load_locked(name);
	if (e)
		res = zone_utoff(&e->z, when, utoff);
	pthread_mutex_unlock(&cache_lock);
	return res;
}

bool dp_tz_exists(const char *name)
{
	long utoff;

	return zone_load_utoff(name, 0, &utoff) == 0;
}

int dp_tz_localtime(const char *name, time_t when, struct tm *out)
{
	time_t local;
	long utoff;
	int res;

	if (!name || !name[0])
		return localtime_r(&when, out) ? 0 : EINVAL;
	res = zone_load_utoff(name, when, &utoff);
	if (res)
		return res;
	local = when + utoff;
	return gmtime_r(&local, out) ? 0 : EINVAL;
}
