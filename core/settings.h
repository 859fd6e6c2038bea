/* core/settings.h - lyre.conf: directories and start-up options. */
#ifndef LYRE_CORE_SETTINGS_H
#define LYRE_CORE_SETTINGS_H

#include <stdbool.h>

#include "lyre/config.h"
#include "lyre/core.h"

struct ly_settings {
	struct ly_dirs dirs;
	char *runuser;		/* [options] runuser, or -U */
	char *rungroup;		/* [options] rungroup, or -G */
	int verbose;		/* [options] verbose */
	int debug;		/* [options] debug */
	unsigned maxcalls;	/* [options] maxcalls, 0 = no limit */
	unsigned maxpriorities;	/* [options] priorities one call may run (loop guard) */
	unsigned maxgosubdepth;	/* [options] nested Gosub calls allowed */
	unsigned maxfiles;	/* [options] open-file limit to set, 0 = the hard limit */
	bool batchsched;	/* [options] signalling and dialplan threads SCHED_BATCH */
};

/*
 * Read lyre.conf from confdir (a missing file means all defaults).  Relative
 * directories are taken from confdir.  0, or EINVAL with err filled.
 */
int ly_settings_load(const char *confdir, struct ly_cfg_error *err);
const struct ly_settings *ly_settings(void);
/* Path of the console socket and the pid file inside rundir. */
const char *ly_settings_socket_path(void);
const char *ly_settings_pidfile(void);
void ly_settings_free(void);

#endif
