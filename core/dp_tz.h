/*
 * core/dp_tz.h - local time in a named time zone ("Europe/Paris") without
 * touching the process's TZ.
 *
 * The usual trick, setenv("TZ") + tzset() + localtime_r(), changes the
 * zone of the whole process for a moment: the logger (which calls
 * localtime_r from every thread) would stamp lines in the wrong zone, and
 * setenv races with getenv.  So the zone's TZif file from the tz database
 * ($TZDIR, default /usr/share/zoneinfo) is read directly, with the POSIX
 * TZ rule at its end for times past the last listed transition.
 */
#ifndef LYRE_CORE_DP_TZ_H
#define LYRE_CORE_DP_TZ_H

#include <stdbool.h>
#include <time.h>

/* Is `name` a zone the tz database has? */
bool dp_tz_exists(const char *name);
/* Broken-down local time of `when` in zone `name` ("" = the process's own
 * local time).  0, or ENOENT/EINVAL when the zone cannot be read. */
int dp_tz_localtime(const char *name, time_t when, struct tm *out);
/* Forget the zones read so far (at shutdown; tests). */
void dp_tz_cache_clear(void);

#endif
