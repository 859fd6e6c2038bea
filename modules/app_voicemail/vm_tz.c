/*
 * modules/app_voicemail/vm_tz.c - a mailbox's local time.
 *
 * A box names a [zonemessages] entry with tz= ("central"), whose first
 * field is a zone of the tz database ("America/Chicago").  The envelope
 * ("received Tuesday at 3:05 PM") and the e-mail's dates are said in that
 * zone, as Asterisk does.  The conversion is the core's (ly_localtime,
 * core/dp_tz.c, the one GotoIfTime uses): it reads the zone's file itself
 * instead of switching the process's TZ, which would change the time
 * every other thread (the logger) sees.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <lyre/lyre.h>
#include <lyre/timing.h>

#include "vm_int.h"

void vm_user_localtime(const struct vm_conf *c, const struct vm_user *u, time_t when,
		       struct tm *tm, char *abbr, size_t abbrlen)
{
	const struct vm_zone *z = u && u->tz[0] ? vm_conf_zone(c, u->tz) : NULL;
	int err;

	if (z && z->tz[0]) {
		err = ly_localtime(z->tz, when, tm, abbr, abbrlen);
		if (err == 0)
			return;
		ly_warning("voicemail: mailbox %s@%s: time zone '%s' (%s): %s; using local time",
			   u->box, u->context, z->name, z->tz, strerror(err));
	}
	if (ly_localtime(NULL, when, tm, abbr, abbrlen) != 0)
		localtime_r(&when, tm);
}
