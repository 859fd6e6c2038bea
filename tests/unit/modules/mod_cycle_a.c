/* tests/unit/modules/mod_cycle_a.c - half of a pair of test modules that need each other. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

static const char *const needs[] = { "mod_cycle_b", NULL };

LYRE_MODULE(mod_cycle_a, .description = "Cycle a", .load = load, .needs = needs);
