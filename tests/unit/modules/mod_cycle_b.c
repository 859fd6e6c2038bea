/* tests/unit/modules/mod_cycle_b.c - half of a pair of test modules that need each other. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

static const char *const needs[] = { "mod_cycle_a", NULL };

LYRE_MODULE(mod_cycle_b, .description = "Cycle b", .load = load, .needs = needs);
