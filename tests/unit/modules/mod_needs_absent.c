/* tests/unit/modules/mod_needs_absent.c - a test module whose need does not exist. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

static const char *const needs[] = { "mod_absent", NULL };

LYRE_MODULE(mod_needs_absent, .description = "Needs a module nobody has", .load = load,
	    .needs = needs);
