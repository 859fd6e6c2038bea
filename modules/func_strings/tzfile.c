/*
 * modules/func_strings/tzfile.c - local time in a named zone without
 * touching the process's TZ, by reading the zone's TZif file.
 *
 * Why not setenv("TZ") + tzset() + localtime_r(): setenv races with every
 * getenv in other threads (the logger, libc itself), and tzset changes
 * the zone the whole daemon uses while it runs.  Asterisk carries its own
 * tz code for the same reason.  This reader needs no global state: it
 * reads /usr/share/zoneinfo/<zone>, finds the last transition at or
 * before the time, and applies that offset.  Debian ships "fat" TZif
 * files whose transitions run to 2037; past the last transition the last
 * offset is used.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>

#include "tzfile.h"

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_MAX_FILE (256 * 1024)
#define TZ_HEADER 44

struct tz_counts {
	uint32_t isut, isstd, leap, time, type, chars;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Zone names come from the dialplan: refuse anything that could leave
 * the zoneinfo folder. */
static bool zone_name_ok(const char *zone)
{
	return *zone && *zone != '/' && !strstr(zone, "..") && strlen(zone) < 128;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;

	if (!f)
		return NULL;
	data = ly_malloc(TZ_MAX_FILE);
	*len = fread(data, 1, TZ_MAX_FILE, f);
	fclose(f);
	return data;
}

static bool read_header(const unsigned char *p, size_t avail, struct tz_counts *c)
{
	if (avail < TZ_HEADER || memcmp(p, "TZif", 4) != 0)
		return false;
	c->isut = be32(p + 20);
	c->isstd = be32(p + 24);
	c->leap = be32(p + 28);
	c->time = be32(p + 32);
	c->type = be32(p + 36);
	c->chars = be32(p + 40);
	return c->type > 0 && c->type < 256 && c->time < 100000 && c->chars < 4096 &&
	       c->leap < 10000 && c->isut <= c->type && c->isstd <= c->type;
}

/* Size of a data block whose transition times are `tsize` bytes wide. */
static size_t block_size(const struct tz_counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
	       c->isstd + c->isut;
}

/* Index of the local time type in effect at `when`. */
static unsigned type_at(const unsigned char *times, const unsigned char *idx, size_t tsize,
			uint32_t count, int64_t when)
{
	unsigned type = 0;

	for (uint32_t i = 0; i < count; i++) {
		int64_t t = tsize == 8 ? be64(times + i * 8) : (int32_t)be32(times + i * 4);

		if (t > when)
			break;
		type = idx[i];
	}
	return type;
}

static int apply_block(const unsigned char *b, const struct tz_counts *c, size_t tsize,
		       time_t when, struct tz_local *out)
{
	const unsigned char *idx = b + c->time * tsize;
	const unsigned char *types = idx + c->time;
	const unsigned char *chars = types + c->type * 6;
	unsigned t = type_at(b, idx, tsize, c->time, (int64_t)when);
	const unsigned char *info;

	if (t >= c->type)
		return EINVAL;
	info = types + t * 6;
	out->utoff = (int32_t)be32(info);
	out->isdst = info[4] != 0;
	if (info[5] < c->chars)
		snprintf(out->abbr, sizeof(out->abbr), "%.*s", (int)(c->chars - info[5]),
			 (const char *)chars + info[5]);
	else
		out->abbr[0] = '\0';
	return 0;
}

int tz_lookup(const char *zone, time_t when, struct tz_local *out)
{
	struct tz_counts c;
	unsigned char *data;
	size_t len = 0, off;
	char *path;
	int rc = EINVAL;

	if (!zone_name_ok(zone))
		return EINVAL;
	path = ly_asprintf("%s/%s", TZ_DIR, zone);
	data = read_file(path, &len);
	free(path);
	if (!data)
		return ENOENT;
	if (read_header(data, len, &c) && len >= TZ_HEADER + block_size(&c, 4)) {
		off = TZ_HEADER + block_size(&c, 4);
		/* Version 2+ repeats the data with 64-bit times: prefer it. */
		if (data[4] >= '2' && read_header(data + off, len - off, &c) &&
		    len - off - TZ_HEADER >= block_size(&c, 8))
			rc = apply_block(data + off + TZ_HEADER, &c, 8, when, out);
		else if (read_header(data, len, &c))
			rc = apply_block(data + TZ_HEADER, &c, 4, when, out);
	}
	free(data);
	return rc;
}

int tz_localtime(const char *zone, time_t when, struct tm *tm, char *abbr, size_t abbrlen)
{
	struct tz_local loc;
	time_t shifted;
	int rc;

	if (!zone || !*zone) {
		localtime_r(&when, tm);
		return 0;
	}
	rc = tz_lookup(zone, when, &loc);
	if (rc)
		return rc;
	shifted = when + loc.utoff;
	gmtime_r(&shifted, tm);
	tm->tm_isdst = loc.isdst;
	tm->tm_gmtoff = loc.utoff;
	ly_strlcpy(abbr, loc.abbr, abbrlen);
	tm->tm_zone = abbr;	/* %Z reads it: the caller keeps abbr alive */
	return 0;
}
