/*
 * core/dp_tz.h - local time in a named time zone ("Europe/Paris") without
 * touching the process's TZ.
 *
 * The usual trick, setenv("TZ") + tzset() + localtime_r(), changes the
 * zone of the whole process for a moment: the logger (which calls
 * localtime_r from every thread) would stamp lines in the wrong zone, and
 * setenv races with getenv.  So the zone's TZif file from the tz database
 * ($TZDIR, default /usr/share/zoneinfo) is read directly, with the POSIX
 * TZ rule at its end for times past the last listed transition.  Parsed
 * zones are cached behind a mutex; every function here is thread-safe.
 * Modules reach this through ly_localtime() (lyre/timing.h).
 */
#ifndef LYRE_CORE_DP_TZ_H
#define LYRE_CORE_DP_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Is `name` a zone the tz database has? */
bool dp_tz_exists(const char *name);
/*
 * Broken-down local time of `when` in zone `name` (NULL or "" = the
 * process's own local time), with tm_isdst, tm_gmtoff and tm_zone filled
 * as localtime_r does, so strftime's %z and %Z work.  The abbreviation
 * ("CEST") is copied into abbr (abbrlen >= 1; LY_TZ_ABBR_LEN holds any)
 * and tm_zone points there, so abbr must live as long as *out is used.
 * 0; ENOENT when the database has no such zone; EINVAL for a bad name, an
 * unreadable zone file or a missing abbr; EOVERFLOW when the year does
 * not fit in struct tm.
 */
int dp_tz_localtime(const char *name, time_t when, struct tm *out, char *abbr, size_t abbrlen);
/* Forget the zones read so far (at shutdown; tests). */
void dp_tz_cache_clear(void);

#endif
