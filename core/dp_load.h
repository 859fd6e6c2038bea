/* core/dp_load.h - state shared by the two halves of the extensions.conf loader (dp_load.c, dp_exten_load.c). */
#ifndef LYRE_CORE_DP_LOAD_H
#define LYRE_CORE_DP_LOAD_H

#include <stdbool.h>

#include "dp_int.h"
#include "lyre/config.h"

struct dp_load {
	struct dp_plan *plan;
	struct ly_cfg_error *err;
	const struct ly_config *cfg;
	const char **files;		/* the plan's copies of cfg->files, same order */
	struct dp_context *ctx;		/* the context being read */
	struct dp_exten *last_exten;	/* of the last exten/same line: what `same` means */
	int lastpri;			/* its last priority, 0 when none: what `n` follows */
};

/* Fill ld->err with "file:line: why"; returns EINVAL. */
int dp_load_fail(struct dp_load *ld, const char *file, int line, const char *fmt, ...)
	LY_PRINTF(4, 5);
/* The plan's own copy of a file name from the config (which is freed). */
const char *dp_load_file(const struct dp_load *ld, const char *cfg_file);
/* One `exten =>` (or `same =>`, when same) line.  0 or EINVAL. */
int dp_load_exten(struct dp_load *ld, const struct ly_cfg_var *v, bool same);

#endif
