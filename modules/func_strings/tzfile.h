/* modules/func_strings/tzfile.h - local time in a named zone, thread-safe (see tzfile.c). */
#ifndef FUNC_STRINGS_TZFILE_H
#define FUNC_STRINGS_TZFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct tz_local {
	int32_t utoff;		/* seconds east of UTC */
	bool isdst;
	char abbr[16];		/* "CEST" */
};

/* The offset of `zone` ("Europe/Paris") at `when`.  0, ENOENT for an
 * unknown zone, or EINVAL for a bad name or file. */
int tz_lookup(const char *zone, time_t when, struct tz_local *out);
/* localtime_r in `zone` (NULL or "" = the daemon's zone); abbr receives the
 * zone abbreviation and must outlive tm (tm->tm_zone points to it). */
int tz_localtime(const char *zone, time_t when, struct tm *tm, char *abbr, size_t abbrlen);

#endif
