/* tests/unit/modules/mod_needs_failload.c - a test module that needs one whose load() fails. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

static const char *const needs[] = { "mod_failload", NULL };

LYRE_MODULE(mod_needs_failload, .description = "Needs a module that fails", .load = load,
	    .needs = needs);
