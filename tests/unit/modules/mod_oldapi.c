/* tests/unit/modules/mod_oldapi.c - a test module built against another major API version. */
#include "lyre/lyre.h"

static int load(struct ly_module *self)
{
	return 0;
}

/* Written out by hand: LYRE_MODULE would stamp this tree's version. */
const struct ly_module_info mod_oldapi_LTX_lyre_module_info = {
	.api_major = 99,
	.api_minor = 0,
	.name = "mod_oldapi",
	.description = "Built against API 99.0",
	.load = load,
};
