/* tests/unit/modules/mod_plain.c - a test module with no needs, no commands and no reload. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

LYRE_MODULE(mod_plain, .description = "Plain test module", .load = load);
