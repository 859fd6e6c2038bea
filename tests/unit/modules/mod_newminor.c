/* tests/unit/modules/mod_newminor.c - a test module that wants a newer minor API than the daemon's. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

const struct ly_module_info mod_newminor_LTX_lyre_module_info = {
	.api_major = LYRE_MODULE_API_MAJOR,
	.api_minor = LYRE_MODULE_API_MINOR + 1,
	.name = "mod_newminor",
	.description = "Built against a newer minor API",
	.load = load,
};
