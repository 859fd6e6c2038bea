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
 */
#ifndef LYRE_TIMING_H
#define LYRE_TIMING_H

#include <stdbool.h>
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

#endif
