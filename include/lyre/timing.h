/*
 * lyre/timing.h - Asterisk time ranges: "times,weekdays,mdays,months[,tz]"
 * as used by `include => ctx,9:00-17:00,mon-fri,*,*`, GotoIfTime and IFTIME.
 *
 *   times    "*" or "hh:mm-hh:mm" (a range past midnight wraps)
 *   weekdays "*" or "mon-fri" / "sat&sun" / "tue" (ranges wrap: fri-mon)
 *   mdays    "*" or "1-15" / "1&15"
 *   months   "*" or "jan-mar" / "dec"
 *   tz       an optional zone name from the tz database ("Europe/Paris")
 * Fields may also be separated with '|' (older Asterisk syntax).
 * Also: ly_localtime(), local time in a named zone (STRFTIME, ranges).
 */
#ifndef LYRE_TIMING_H
#define LYRE_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "utils.h"

struct ly_timing {
	uint64_t minutes[23];	/* bit per minute of the day: 1440 bits */
	uint8_t weekdays;	/* bit 0 = Sunday */
	uint32_t mdays;		/* bit 0 = day 1 */
	uint16_t months;	/* bit 0 = January */
	char tz[64];		/* "" = local time */
};

/* Parse spec (fields separated by ',' or '|').  0, or EINVAL with a reason
 * appended to err (may be NULL). */
int ly_timing_parse(const char *spec, struct ly_timing *t, struct ly_buf *err);
/* True when `when` falls inside the range (in its time zone). */
bool ly_timing_match(const struct ly_timing *t, time_t when);

/* Room for any zone abbreviation ("CEST", "+0530"; tzdata's have at most 6). */
#define LY_TZ_ABBR_LEN 16

/*
 * localtime_r in a named zone from the tz database ("Europe/Paris"; NULL
 * or "" = the daemon's local time), thread-safe and without touching TZ.
 * tm_isdst, tm_gmtoff and tm_zone are filled, so strftime's %z and %Z
 * work: the abbreviation is copied into abbr (abbrlen >= 1) and tm_zone
 * points to it, so keep abbr alive while tm is used.  0; ENOENT for an
 * unknown zone; EINVAL for a bad name (or file, or no abbr); EOVERFLOW
 * when the year does not fit in struct tm.
 */
int ly_localtime(const char *zone, time_t when, struct tm *tm, char *abbr, size_t abbrlen);

#endif
