/*
 * lyre/core.h - daemon-wide facts modules need: directories, version,
 * start time and shutdown state.
 */
#ifndef LYRE_CORE_H
#define LYRE_CORE_H

#include <stdbool.h>
#include <time.h>

struct ly_dirs {
	const char *confdir;	/* -C DIR */
	const char *moduledir;
	const char *sounddir;
	const char *spooldir;
	const char *statedir;
	const char *logdir;
	const char *rundir;	/* console socket and pid file */
	const char *docdir;	/* the XML documentation of applications and functions */
};

const struct ly_dirs *ly_dirs(void);
const char *ly_version(void);
time_t ly_start_time(void);
time_t ly_last_reload_time(void);

/* True once a shutdown that refuses new calls has begun. */
bool ly_shutting_down(void);

#endif
